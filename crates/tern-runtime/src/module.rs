//! Compiled modules: validated, with the metadata instantiation needs.

use crate::cache::CacheUse;
use crate::engine::{Engine, InterpTranslation};
use crate::error::{Error, Result};
use crate::jit::CacheArg;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use tern_binary::{
    CompositeType, DataMode, ElementItems, ElementMode, ExternKind, FieldType, FuncType, GlobalType, HeapType,
    ImportType, Operator, RefType, SharedBytes, StorageType, TableType, TypeDef, ValType,
};
use tern_interp::InterpModule;
use tern_validate::ModuleDesc;
use tern_vm::SigId;

/// One operation of a constant expression.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    StructNew(u32),
    StructNewDefault(u32),
    ArrayNew(u32),
    ArrayNewDefault(u32),
    ArrayNewFixed(u32, u32),
    RefI31,
    AnyConvertExtern,
    ExternConvertAny,
}

/// A constant expression, decoded.
pub(crate) type ConstExpr = Box<[ConstOp]>;

fn const_expr(e: &tern_binary::ConstExpr<'_>) -> Result<ConstExpr> {
    let mut ops = e.operators();
    ops.set_multi_memory(true);
    let mut out = Vec::new();
    loop {
        let at = ops.offset();
        let op = match ops.read()? {
            Operator::End {} => break,
            Operator::I32Const { value } => ConstOp::I32(value),
            Operator::I64Const { value } => ConstOp::I64(value),
            Operator::F32Const { value } => ConstOp::F32(value.0),
            Operator::F64Const { value } => ConstOp::F64(value.0),
            Operator::V128Const { value } => ConstOp::V128(u128::from_le_bytes(value.0)),
            Operator::RefNull { .. } => ConstOp::RefNull,
            Operator::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Operator::I32Add {} => ConstOp::I32Add,
            Operator::I32Sub {} => ConstOp::I32Sub,
            Operator::I32Mul {} => ConstOp::I32Mul,
            Operator::I64Add {} => ConstOp::I64Add,
            Operator::I64Sub {} => ConstOp::I64Sub,
            Operator::I64Mul {} => ConstOp::I64Mul,
            Operator::StructNew { struct_type_index } => ConstOp::StructNew(struct_type_index),
            Operator::StructNewDefault { struct_type_index } => ConstOp::StructNewDefault(struct_type_index),
            Operator::ArrayNew { array_type_index } => ConstOp::ArrayNew(array_type_index),
            Operator::ArrayNewDefault { array_type_index } => ConstOp::ArrayNewDefault(array_type_index),
            Operator::ArrayNewFixed {
                array_type_index,
                array_size,
            } => ConstOp::ArrayNewFixed(array_type_index, array_size),
            Operator::RefI31 {} => ConstOp::RefI31,
            Operator::AnyConvertExtern {} => ConstOp::AnyConvertExtern,
            Operator::ExternConvertAny {} => ConstOp::ExternConvertAny,
            _ => {
                return Err(Error::Compile(tern_binary::BinaryError::new(
                    "constant expression required",
                    at,
                )));
            }
        };
        out.push(op);
    }
    Ok(out.into_boxed_slice())
}

#[derive(Debug)]
pub(crate) enum ElemMode {
    Passive,
    Active { table: u32, offset: ConstExpr },
    Declared,
}

#[derive(Debug)]
pub(crate) struct ElemDef {
    pub(crate) mode: ElemMode,
    pub(crate) items: ElemItems,
}

/// An element segment's items: function indices (the common form, kept
/// compact: a large module's table has tens of thousands), or expressions.
#[derive(Debug)]
pub(crate) enum ElemItems {
    Funcs(Box<[u32]>),
    Exprs(Vec<ConstExpr>),
}

#[derive(Debug)]
pub(crate) struct DataDef {
    /// Memory index and offset of an active segment.
    pub(crate) active: Option<(u32, ConstExpr)>,
    pub(crate) range: Range<usize>,
}

pub(crate) struct ModuleInner {
    pub(crate) engine: Engine,
    /// The module's description: bytes, types and index spaces, imports,
    /// exports, start, function bodies. Both tiers read it.
    pub(crate) desc: Arc<ModuleDesc>,
    /// The interpreter's translated functions.
    pub(crate) code: Arc<InterpModule>,
    /// Compiled code, when the engine's tier is the compiler (never
    /// without the `cranelift` feature).
    #[cfg_attr(not(feature = "cranelift"), allow(dead_code))]
    pub(crate) jit: Option<Arc<crate::jit::ModuleCode>>,
    /// The engine's signature of every type of `desc`.
    pub(crate) sigs: Box<[SigId]>,
    /// The GC view of each of `sigs`, for a module that uses GC (empty
    /// otherwise): instantiation registers them in the store's heap.
    pub(crate) gc_types: Box<[Arc<tern_vm::gc::GcType>]>,
    /// Index in `desc.exports()` of each export name.
    pub(crate) export_map: HashMap<String, usize>,
    /// Tables (imports first) with a defined table's initializer.
    pub(crate) tables: Vec<(TableType, Option<ConstExpr>)>,
    /// Globals (imports first) with a defined global's initializer.
    pub(crate) globals: Vec<(GlobalType, ConstExpr)>,
    pub(crate) elements: Vec<ElemDef>,
    pub(crate) datas: Vec<DataDef>,
    pub(crate) num_imported_tables: u32,
    pub(crate) num_imported_memories: u32,
    pub(crate) num_imported_globals: u32,
    pub(crate) num_imported_tags: u32,
    /// Where the `name` section's contents lie in the module's bytes, and
    /// their offset in the module (for error positions).
    name_section: Option<(Range<usize>, usize)>,
    /// The names it gives, decoded when first asked for (by a backtrace or
    /// the profiler): big programs carry megabytes of them.
    names: OnceLock<NameInfo>,
    /// What the code cache did for the module.
    cache_use: CacheUse,
    /// For a cache miss: says when the entry is written.
    cache_write: Option<Arc<crate::jit::WriteWait>>,
}

/// The module's name and function names from its `name` section (an
/// undecodable name section is ignored, as the spec allows).
#[derive(Clone, Default)]
pub(crate) struct NameInfo {
    pub(crate) module: Option<String>,
    /// Function index (imports first) and where its name lies in the
    /// module's bytes, sorted by index.
    funcs: Box<[(u32, Range<usize>)]>,
}

impl NameInfo {
    /// The name of function `i`, read from `bytes` (the module's).
    pub(crate) fn func<'b>(&self, bytes: &'b [u8], i: u32) -> Option<&'b str> {
        let k = self.funcs.binary_search_by_key(&i, |f| f.0).ok()?;
        std::str::from_utf8(bytes.get(self.funcs[k].1.clone())?).ok()
    }
}

impl ModuleInner {
    /// The `name` section's names (decoded on first use).
    pub(crate) fn names(&self) -> &NameInfo {
        self.names.get_or_init(|| {
            let bytes = self.desc.bytes();
            let Some((range, offset)) = self.name_section.clone() else {
                return NameInfo::default();
            };
            let Ok(names) = tern_binary::Names::decode(&bytes[range], offset) else {
                return NameInfo::default();
            };
            let base = bytes.as_ptr() as usize;
            let mut funcs: Vec<(u32, Range<usize>)> = names
                .functions
                .iter()
                .map(|&(i, n)| {
                    let at = n.as_ptr() as usize - base;
                    (i, at..at + n.len())
                })
                .collect();
            funcs.sort_by_key(|f| f.0);
            funcs.dedup_by_key(|f| f.0);
            NameInfo {
                module: names.module.map(str::to_string),
                funcs: funcs.into(),
            }
        })
    }
}

/// A validated module, ready to instantiate. Cheap to clone.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

/// Reads a whole file; a large one with a thread per core, each reading a
/// part (copying from the page cache is most of a large module's read
/// time, and the cores are otherwise idle then).
fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    const PART: usize = 8 << 20;
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    #[cfg(unix)]
    if let Ok(len) = usize::try_from(len)
        && len >= 2 * PART
        && threads > 1
    {
        use std::os::unix::fs::FileExt;
        let mut bytes = vec![0u8; len];
        let per = len.div_ceil(threads);
        let all_read = std::thread::scope(|s| {
            let parts: Vec<_> = bytes
                .chunks_mut(per)
                .enumerate()
                .map(|(i, part)| {
                    let file = &file;
                    s.spawn(move || file.read_exact_at(part, (i * per) as u64))
                })
                .collect();
            parts
                .into_iter()
                .try_for_each(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        });
        // A file that changed size meanwhile: read it again, plainly.
        if all_read.is_ok() && file.metadata()?.len() == len as u64 {
            return Ok(bytes);
        }
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut bytes)?;
    Ok(bytes)
}

/// Refuses the bytes of an ahead-of-time artifact: native code is loaded
/// only by the unsafe [`Module::deserialize`].
fn refuse_artifact(bytes: &[u8]) -> Result<()> {
    if Module::is_precompiled(bytes) {
        return Err(Error::usage(
            "this is a precompiled artifact (native code), not a WebAssembly module; \
             only `Module::deserialize`, which is unsafe, loads artifacts that you trust",
        ));
    }
    Ok(())
}

/// The first eight bytes of an ahead-of-time artifact (the compiler
/// tier's `aot::MAGIC`, which is checked to be the same), known here so
/// that an interpreter-only build recognizes artifacts too.
const AOT_MAGIC: [u8; 8] = *b"\0terncw\x01";

#[cfg(feature = "cranelift")]
const _: () = {
    let (a, b) = (AOT_MAGIC, tern_cranelift::aot::MAGIC);
    let mut i = 0;
    while i < 8 {
        assert!(a[i] == b[i], "AOT_MAGIC differs from tern_cranelift::aot::MAGIC");
        i += 1;
    }
};

/// Converts WebAssembly text to binary with `tern-text`.
#[cfg(feature = "wat")]
fn text_to_binary(text: &str) -> Result<Vec<u8>> {
    tern_text::parse_wat(text).map_err(|e| Error::Text(e.with_source("<text>", text).to_string()))
}

/// Without the `wat` feature, input that is not a binary module is an
/// error that says why.
#[cfg(not(feature = "wat"))]
fn text_to_binary(_text: &str) -> Result<Vec<u8>> {
    Err(Error::Text(
        "this is not a binary WebAssembly module (it does not start with `\\0asm`), and this tern \
         was built without the `wat` feature, which reads the text format"
            .into(),
    ))
}

impl Module {
    /// Decodes and validates a module. `bytes` is a binary module or the
    /// text format (detected from the bytes; text needs the `wat`
    /// feature).
    ///
    /// Never loads native code: an ahead-of-time artifact (from
    /// [`Module::serialize`] or `tern compile`) is refused with an error
    /// that points to [`Module::deserialize`], which only an embedder that
    /// trusts the artifact may call.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        // An artifact's header is valid UTF-8: refuse it before it is
        // taken for text.
        refuse_artifact(bytes)?;
        if !bytes.starts_with(b"\0asm")
            && let Ok(text) = std::str::from_utf8(bytes)
        {
            return crate::jit::build_cached(engine, text_to_binary(text)?.into());
        }
        Module::from_binary(engine, bytes)
    }

    /// Checks that `bytes` is a valid binary module under the engine's
    /// features, without compiling it (function bodies are validated in
    /// parallel when there is enough code).
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        refuse_artifact(bytes)?;
        tern_validate::validate_parallel(bytes, &engine.config().features)?;
        Ok(())
    }

    /// Decodes and validates a binary module. Refuses an ahead-of-time
    /// artifact, as [`Module::new`] does.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        refuse_artifact(bytes)?;
        crate::jit::build_cached(engine, bytes.into())
    }

    /// Reads a module, binary or text, from a file, as [`Module::new`]
    /// takes it from memory. The module keeps the bytes read, without
    /// copying them again (for a large module that is worth a tenth of a
    /// second); an artifact is refused as [`Module::new`] refuses it.
    pub fn from_file(engine: &Engine, path: impl AsRef<std::path::Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = read_file(path).map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())))?;
        refuse_artifact(&bytes)?;
        if !bytes.starts_with(b"\0asm")
            && let Ok(text) = std::str::from_utf8(&bytes)
        {
            return crate::jit::build_cached(engine, text_to_binary(text)?.into());
        }
        crate::jit::build_cached(engine, bytes.into())
    }

    /// Like [`Module::new`], but the module runs on the interpreter even
    /// when the engine compiles: its instances and compiled ones can live in
    /// one store and call each other.
    pub fn interpreted(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        refuse_artifact(bytes)?;
        if !bytes.starts_with(b"\0asm")
            && let Ok(text) = std::str::from_utf8(bytes)
        {
            let binary = text_to_binary(text)?;
            return Module::build(engine, binary, None, true, CacheArg::Off);
        }
        Module::build(engine, bytes, None, true, CacheArg::Off)
    }

    /// Writes the module's compiled code as an ahead-of-time artifact that
    /// [`Module::deserialize`] loads without compiling.
    /// Errors when the engine does not compile (always, without the
    /// `cranelift` feature).
    pub fn serialize(&self) -> Result<Vec<u8>> {
        crate::jit::serialize(self)
    }

    /// Loads an artifact written by [`Module::serialize`], refusing one made
    /// by another engine version, for other features, another CPU or
    /// another bounds-check mode, or one that is truncated or corrupt.
    /// Without the `cranelift` feature every artifact is refused.
    ///
    /// # Safety
    ///
    /// An artifact is native machine code that runs as it is. Its checksum
    /// detects damage, not forgery: bytes made to look like an artifact can
    /// do anything the host process can. Call this only with bytes that
    /// [`Module::serialize`] (or `tern compile`) wrote and that nobody
    /// untrusted could have changed since. For modules of unknown origin
    /// use [`Module::new`], which never loads native code.
    pub unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        crate::jit::deserialize(engine, bytes)
    }

    /// Loads an artifact from a file as [`Module::deserialize`] does, but
    /// maps the file instead of reading it: the code is mapped from the
    /// file copy-on-write, so loading a large artifact costs little more
    /// than checking it.
    ///
    /// # Safety
    ///
    /// As for [`Module::deserialize`]: the file must hold an artifact that
    /// a trusted party wrote, in a place no untrusted party can write to.
    /// Moreover nobody may change or truncate the file while the module
    /// lives (its code is the file's pages); replace it instead (write a
    /// new file and rename it over the old one), as `tern compile` does.
    pub unsafe fn deserialize_file(engine: &Engine, path: impl AsRef<std::path::Path>) -> Result<Module> {
        crate::jit::deserialize_file(engine, path.as_ref())
    }

    /// What the engine's compiled-code cache ([`crate::Config::cache`]) did
    /// for this module: loaded its code, compiled it (to be written to the
    /// cache), or nothing.
    pub fn cache_use(&self) -> CacheUse {
        self.inner.cache_use
    }

    /// Whether the cache holds this module's code: at once `true` for a
    /// [`CacheUse::Hit`] and `false` for [`CacheUse::Off`]; for a
    /// [`CacheUse::Miss`], waits until the entry is written (or fails to
    /// be). With lazy compilation that is when the background compilation
    /// has compiled and linked every function, which for a large module
    /// takes a while: an embedder that wants the entry before it exits
    /// calls this; `tern run` does not.
    pub fn wait_cache_write(&self) -> bool {
        match (&self.inner.cache_write, self.inner.cache_use) {
            (Some(w), _) => crate::jit::wait_cache_write(w),
            (None, use_) => use_ == CacheUse::Hit,
        }
    }

    /// Whether `bytes` look like an ahead-of-time artifact (they start with
    /// its magic), which only [`Module::deserialize`] loads.
    pub fn is_precompiled(bytes: &[u8]) -> bool {
        bytes.starts_with(&AOT_MAGIC)
    }

    /// Decodes, validates and (for the compiler tier) compiles a module, or
    /// takes its code from `precompiled`; `interpret` keeps it on the
    /// interpreter.
    pub(crate) fn build(
        engine: &Engine,
        bytes: impl Into<SharedBytes>,
        precompiled: Option<crate::jit::Artifact>,
        interpret: bool,
        cache: CacheArg,
    ) -> Result<Module> {
        let bytes = bytes.into();
        let gc_on = engine.config().features.enabled(tern_validate::Feature::Gc);
        if tern_vm::gc::MACHINE_STACK_SCAN {
            // Both tiers run GC modules.
            return Self::build_validated(engine, bytes, precompiled, interpret, cache, gc_on);
        }
        match Self::build_validated(engine, bytes.clone(), precompiled, interpret, cache, false) {
            Err(Error::Compile(b)) if gc_on && b.message() == GC_NOT_ENABLED.as_str() => {
                // The module uses GC: the interpreter runs it (compiled
                // code runs GC only where the collector can scan its
                // frames, see `tern_vm::gc::MACHINE_STACK_SCAN`).
                let c = engine.config();
                if c.tier == crate::Tier::Jit && !c.interp_fallback && !interpret {
                    return Err(Error::Compile(tern_binary::BinaryError::new(
                        GC_UNSUPPORTED,
                        b.offset(),
                    )));
                }
                Self::build_validated(engine, bytes, None, true, CacheArg::Off, true)
            }
            r => r,
        }
    }

    fn build_validated(
        engine: &Engine,
        bytes: SharedBytes,
        precompiled: Option<crate::jit::Artifact>,
        interpret: bool,
        cache: CacheArg,
        gc: bool,
    ) -> Result<Module> {
        let config = engine.config();
        // An artifact records where the bodies lie: the code section,
        // most of a large module, is then not read.
        let m = match precompiled.as_ref().and_then(crate::jit::recorded_bodies) {
            Some(bodies) => tern_binary::decode_with_bodies(&bytes, bodies)?,
            None => tern_binary::decode(&bytes)?,
        };
        let features = if gc {
            config.features
        } else {
            runtime_features(&config.features)
        };
        let desc = Arc::new(ModuleDesc::new(bytes.clone(), &m, &features)?);
        let mut code = InterpModule::new(desc.clone(), config.consume_fuel)
            .with_epoch_checks(config.epoch_interruption)
            .with_relaxed_simd_deterministic(config.relaxed_simd_deterministic);
        // Tiered: the interpreter starts every function (compiled code
        // from an artifact or the cache needs no tiering).
        if let Some(t) = config.tiering
            && precompiled.is_none()
            && !interpret
        {
            let mut tiering = tern_interp::tier::Tiering::new(desc.num_defined_funcs(), t.call_threshold);
            if let Some(n) = t.loop_threshold {
                tiering = tiering.with_osr(n);
            }
            code = code.with_tiering(tiering);
        }
        let code = Arc::new(code);
        let (cache_use, cache_write) = (cache.cache_use(), cache.write_wait());
        let jit = crate::jit::module_code(engine, &desc, precompiled, interpret, cache, &code)?;
        if jit.is_none() {
            match config.interp_translation {
                InterpTranslation::Lazy => desc.validate_bodies()?,
                InterpTranslation::Eager => code.compile_all()?,
            }
        }
        let sigs = canonical_sigs(engine, &m.types, &m.type_defs);
        let gc_types: Box<[Arc<tern_vm::gc::GcType>]> = if gc {
            sigs.iter().map(|&id| engine.inner.sigs.gc_type(id)).collect()
        } else {
            Box::default()
        };
        let export_map = desc
            .exports()
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        let (mut tables, mut globals) = (Vec::new(), Vec::new());
        for i in &m.imports {
            match i.ty {
                ImportType::Table(t) => tables.push((canon_table(&sigs, t), None)),
                ImportType::Global(g) => globals.push((canon_global(&sigs, g), ConstExpr::default())),
                ImportType::Func(_) | ImportType::Memory(_) | ImportType::Tag(_) => {}
            }
        }
        for t in &m.tables {
            tables.push((canon_table(&sigs, t.ty), t.init.as_ref().map(const_expr).transpose()?));
        }
        for g in &m.globals {
            globals.push((canon_global(&sigs, g.ty), const_expr(&g.init)?));
        }
        let mut elements = Vec::with_capacity(m.elements.len());
        for e in &m.elements {
            let mode = match &e.mode {
                ElementMode::Passive => ElemMode::Passive,
                ElementMode::Declared => ElemMode::Declared,
                ElementMode::Active { table, offset } => ElemMode::Active {
                    table: *table,
                    offset: const_expr(offset)?,
                },
            };
            let items = match &e.items {
                ElementItems::Functions(fs) => ElemItems::Funcs(fs.iter().copied().collect()),
                ElementItems::Exprs(xs) => ElemItems::Exprs(xs.iter().map(const_expr).collect::<Result<_>>()?),
            };
            elements.push(ElemDef { mode, items });
        }
        let base = bytes.as_ptr() as usize;
        let mut datas = Vec::with_capacity(m.data.len());
        for d in &m.data {
            let start = d.bytes.as_ptr() as usize - base;
            let active = match &d.mode {
                DataMode::Passive => None,
                DataMode::Active { memory, offset } => Some((*memory, const_expr(offset)?)),
            };
            datas.push(DataDef {
                active,
                range: start..start + d.bytes.len(),
            });
        }
        let inner = ModuleInner {
            engine: engine.clone(),
            desc,
            code,
            jit,
            sigs,
            gc_types,
            export_map,
            tables,
            globals,
            elements,
            datas,
            num_imported_tables: m.num_imported_tables,
            num_imported_memories: m.num_imported_memories,
            num_imported_globals: m.num_imported_globals,
            num_imported_tags: m.num_imported_tags,
            name_section: m.custom("name").map(|c| {
                let at = c.data.as_ptr() as usize - bytes.as_ptr() as usize;
                (at..at + c.data.len(), c.data_offset)
            }),
            names: OnceLock::new(),
            cache_use,
            cache_write,
        };
        if config.profiler == crate::Profiler::PerfMap {
            crate::jit::announce(&inner);
        }
        Ok(Module { inner: Arc::new(inner) })
    }

    /// The engine this module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The imports: module name, field name, type.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = (&str, &str, ImportType)> + '_ {
        self.inner
            .desc
            .imports()
            .iter()
            .map(|i| (i.module.as_str(), i.name.as_str(), i.ty))
    }

    /// The exports: name, kind and index in the module's index space.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = (&str, ExternKind, u32)> + '_ {
        self.inner
            .desc
            .exports()
            .iter()
            .map(|e| (e.name.as_str(), e.kind, e.index))
    }

    /// The module's name from its `name` section.
    pub fn name(&self) -> Option<&str> {
        self.inner.names().module.as_deref()
    }

    /// The name of function `i` (imports first) from the `name` section.
    pub fn func_name(&self, i: u32) -> Option<&str> {
        self.inner.names().func(self.inner.desc.bytes(), i)
    }

    /// The byte offset in this module of the instruction a backtrace's
    /// `frame` (of an instance of this module) was at: the one that
    /// trapped, or the call. Worked out on request, by translating the
    /// frame's function again with positions recorded (running code keeps
    /// no offset tables); `None` when its tier did not record where it
    /// was (code inlined into another function).
    pub fn frame_offset(&self, frame: &tern_vm::FrameInfo) -> Option<u32> {
        if let Some(off) = frame.module_offset {
            return Some(off);
        }
        let n = self.inner.desc.num_imported_funcs();
        match frame.position? {
            tern_vm::FramePosition::Interp(pc) => self.inner.code.source_offset(frame.func_index.checked_sub(n)?, pc),
            tern_vm::FramePosition::Compiled { func, offset, osr_loop } => {
                crate::jit::source_offset(&self.inner.engine, &self.inner.desc, func, offset, osr_loop)
            }
        }
    }

    /// The byte offset in this module where the body of function `i`
    /// (imports first; `None` for an import) starts: its local
    /// declarations, after the body's size. A frame's offset within its
    /// function is [`Module::frame_offset`] minus this.
    pub fn func_body_offset(&self, i: u32) -> Option<u32> {
        let def = i.checked_sub(self.inner.desc.num_imported_funcs())?;
        (def < self.inner.desc.num_defined_funcs()).then(|| self.inner.desc.body(def).offset as u32)
    }

    /// The function type of type index `i`.
    pub fn func_type(&self, i: u32) -> Option<&FuncType> {
        self.inner.desc.info().types.get(i as usize)
    }

    /// `v`, a value type of this module, with a concrete type named by the
    /// engine's id for it instead of the module's index (as the types of
    /// functions, tables and globals in a store, and [`StructType`] and
    /// [`ArrayType`], name them).
    ///
    /// [`StructType`]: crate::StructType
    /// [`ArrayType`]: crate::ArrayType
    pub fn engine_val_type(&self, v: ValType) -> ValType {
        canon_val(&self.inner.sigs, v)
    }
}

/// On targets where compiled code cannot run GC (no
/// `tern_vm::gc::MACHINE_STACK_SCAN`), the features a module is first
/// validated with: the engine's, less GC. A module that uses none of GC
/// (its type forms, abstract heap types or instructions, anywhere)
/// validates so and runs on any tier; for one that does, the validator
/// says "gc support is not enabled", and [`Module::build`] builds it
/// again with GC for the interpreter. Validating without the feature
/// finds every such use at no cost to other modules.
fn runtime_features(features: &tern_validate::Features) -> tern_validate::Features {
    features.with(tern_validate::Feature::Gc, false)
}

/// What the validator says of a GC construct with the feature off.
static GC_NOT_ENABLED: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{} support is not enabled", tern_validate::Feature::Gc.name()));

/// Why the compiler tier refuses a GC module where it cannot run one.
pub const GC_UNSUPPORTED: &str =
    "unsupported: gc on the compiler tier (the interpreter runs GC modules: use --tier interp or auto)";

/// The engine's signature of each of `types`. Types are interned with
/// each typed reference naming an engine signature instead of a module's
/// type index (a type's reference to itself by `u32::MAX`), so that
/// equivalent types of different modules get the same signature.
fn canonical_sigs(engine: &Engine, types: &[tern_binary::FuncType], defs: &[TypeDef]) -> Box<[SigId]> {
    let mut sigs: Vec<SigId> = Vec::with_capacity(types.len());
    let mut i = 0;
    while i < types.len() {
        let plain = defs.get(i).is_none_or(|d| {
            d.group_len <= 1 && d.is_final && d.supertypes.is_empty() && d.composite == CompositeType::Func
        });
        if plain {
            let key = tern_validate::canonical_key(&types[i], i as u32, |j| sigs.get(j as usize).map(|s| s.0));
            sigs.push(engine.inner.sigs.intern(&key));
            i += 1;
            continue;
        }
        let len = (defs[i].group_len as usize).clamp(1, types.len() - i);
        let ids = intern_group(engine, types, defs, i, len, &sigs);
        sigs.extend(ids);
        i += len;
    }
    sigs.into_boxed_slice()
}

/// Interns the recursion group of types `start..start + len` (GC type
/// forms): its key is its structure, references into the group by their
/// position there and to earlier types by their ids (`earlier`).
pub(crate) fn intern_group(
    engine: &Engine,
    types: &[tern_binary::FuncType],
    defs: &[TypeDef],
    start: usize,
    len: usize,
    earlier: &[SigId],
) -> Vec<SigId> {
    let end = start + len;
    let inside = |j: u32| (j as usize) >= start && (j as usize) < end;
    let mut key: Vec<u32> = vec![len as u32];
    let heap_key = |key: &mut Vec<u32>, h: HeapType| match h {
        HeapType::Concrete(j) if inside(j) => key.extend([1, j - start as u32]),
        HeapType::Concrete(j) => key.extend([2, earlier.get(j as usize).map_or(u32::MAX, |s| s.0)]),
        h => key.extend([0, h.abstract_code().unwrap_or(0) as u32]),
    };
    let val_key = |key: &mut Vec<u32>, v: ValType| match v {
        ValType::Ref(r) => {
            key.push(10 + r.nullable as u32);
            heap_key(key, r.heap);
        }
        v => key.push(match v {
            ValType::I32 => 1,
            ValType::I64 => 2,
            ValType::F32 => 3,
            ValType::F64 => 4,
            _ => 5,
        }),
    };
    let storage_key = |key: &mut Vec<u32>, f: &FieldType| {
        key.push(f.mutable as u32);
        match f.storage {
            StorageType::I8 => key.push(20),
            StorageType::I16 => key.push(21),
            StorageType::Val(v) => val_key(key, v),
        }
    };
    // The supertype chains of types before the group.
    let mut outer_chains: Vec<Option<Arc<tern_vm::gc::GcType>>> = Vec::with_capacity(len);
    for d in &defs[start..end] {
        key.push(d.is_final as u32);
        key.push(d.supertypes.len() as u32);
        for &s in d.supertypes.iter() {
            heap_key(&mut key, HeapType::Concrete(s));
        }
        outer_chains.push(match d.supertypes.first() {
            Some(&s) if !inside(s) => earlier.get(s as usize).map(|&id| engine.inner.sigs.gc_type(id)),
            _ => None,
        });
        match &d.composite {
            CompositeType::Func => key.push(30),
            CompositeType::Struct(fs) => {
                key.extend([31, fs.len() as u32]);
                for f in fs.iter() {
                    storage_key(&mut key, f);
                }
            }
            CompositeType::Array(f) => {
                key.push(32);
                storage_key(&mut key, f);
            }
        }
    }
    for (k, d) in defs[start..end].iter().enumerate() {
        if d.composite == CompositeType::Func {
            let t = &types[start + k];
            key.extend([30, k as u32, t.params().len() as u32, t.results().len() as u32]);
            for &v in t.params().iter().chain(t.results()) {
                val_key(&mut key, v);
            }
        }
    }
    engine.inner.sigs.intern_group(key, |first| {
        let map_heap = |h: HeapType| match h {
            HeapType::Concrete(j) if inside(j) => HeapType::Concrete(first + j - start as u32),
            HeapType::Concrete(j) => HeapType::Concrete(earlier.get(j as usize).map_or(u32::MAX - 1, |s| s.0)),
            h => h,
        };
        let map_val = |v: ValType| match v {
            ValType::Ref(r) => ValType::Ref(RefType {
                nullable: r.nullable,
                heap: map_heap(r.heap),
            }),
            v => v,
        };
        let map_storage = |s: StorageType| match s {
            StorageType::Val(v) => StorageType::Val(map_val(v)),
            s => s,
        };
        let mut out: Vec<(tern_binary::FuncType, tern_vm::gc::GcType)> = Vec::with_capacity(len);
        for (k, d) in defs[start..end].iter().enumerate() {
            let id = SigId(first + k as u32);
            let mut supers: Vec<SigId> = match d.supertypes.first() {
                Some(&s) if inside(s) => out
                    .get(s as usize - start)
                    .map_or_else(Vec::new, |(_, g): &(_, tern_vm::gc::GcType)| g.supers.to_vec()),
                Some(_) => outer_chains[k].as_ref().map_or_else(Vec::new, |g| g.supers.to_vec()),
                None => Vec::new(),
            };
            supers.push(id);
            let t = &types[start + k];
            let mutable: Box<[bool]> = match &d.composite {
                CompositeType::Func => Box::new([]),
                CompositeType::Struct(fs) => fs.iter().map(|f| f.mutable).collect(),
                CompositeType::Array(f) => Box::new([f.mutable]),
            };
            let (ft, kind) = match &d.composite {
                CompositeType::Func => (
                    tern_binary::FuncType::new(
                        t.params().iter().map(|&v| map_val(v)),
                        t.results().iter().map(|&v| map_val(v)),
                    ),
                    tern_vm::gc::GcKind::Func,
                ),
                CompositeType::Struct(fs) => (
                    t.clone(),
                    tern_vm::gc::GcKind::Struct(tern_vm::gc::StructLayout::new(
                        fs.iter().map(|f| map_storage(f.storage)).collect(),
                    )),
                ),
                CompositeType::Array(f) => (t.clone(), tern_vm::gc::GcKind::Array(map_storage(f.storage))),
            };
            out.push((
                ft,
                tern_vm::gc::GcType {
                    supers: supers.into_boxed_slice(),
                    is_final: d.is_final,
                    kind,
                    mutable,
                },
            ));
        }
        out
    })
}

/// A reference type with its concrete type index replaced by the engine
/// signature of that type (how tables, globals and function signatures
/// in the store name types).
pub(crate) fn canon_ref(sigs: &[SigId], r: RefType) -> RefType {
    match r.heap {
        HeapType::Concrete(i) => RefType {
            nullable: r.nullable,
            heap: HeapType::Concrete(sigs.get(i as usize).map_or(u32::MAX - 1, |s| s.0)),
        },
        _ => r,
    }
}

/// [`canon_ref`] of a value type.
pub(crate) fn canon_val(sigs: &[SigId], v: ValType) -> ValType {
    match v {
        ValType::Ref(r) => ValType::Ref(canon_ref(sigs, r)),
        v => v,
    }
}

fn canon_table(sigs: &[SigId], t: TableType) -> TableType {
    TableType {
        element: canon_ref(sigs, t.element),
        ..t
    }
}

fn canon_global(sigs: &[SigId], g: GlobalType) -> GlobalType {
    GlobalType {
        content: canon_val(sigs, g.content),
        ..g
    }
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("imports", &self.inner.desc.imports().len())
            .field("exports", &self.inner.desc.exports().len())
            .finish_non_exhaustive()
    }
}
