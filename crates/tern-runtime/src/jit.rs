//! The compiler tier's side of the runtime (the `cranelift` feature):
//! choosing the target, compiling modules, ahead-of-time artifacts, the
//! per-store [`VMStoreContext`] and function references, per-instance
//! [`VMContext`]s, and calls into compiled code.
//!
//! `no_jit.rs` stands in for this module in an interpreter-only build,
//! with the same crate-internal interface.

use crate::cache::disk::Pending;
pub(crate) use crate::cache::disk::WriteWait;
use crate::cache::{CacheStats, CacheUse};
use crate::engine::{BoundsChecks, Config, Engine, Tier};
use crate::error::{Error, Result};
use crate::module::{Module, ModuleInner};
use crate::store::StoreInner;
use std::sync::Arc;
use tern_cranelift::translate::BoundsChecks as CraneliftBounds;
use tern_cranelift::{CompileConfig, CompileError, CompiledModule, JitHost};
use tern_validate::ModuleDesc;
use tern_vm::vmctx::{VMContext, VMFuncRef, VMStoreContext};
use tern_vm::{FrameInfo, FramePosition};
use tern_vm::{FuncKind, LinearMemory, MemoryStyle, StoreData, Trap, TrapCode};

pub(crate) use crate::cache::disk::Cache;
pub(crate) use tern_cranelift::{Artifact, ModuleCode};

/// The compiler's target.
pub(crate) type Isa = tern_cranelift::OwnedTargetIsa;

/// The compiler's target for an engine that asks for `tier`: `None` for
/// the interpreter (asked for, or `Auto` on a host the compiler does not
/// support); an error when [`Tier::Jit`] is asked for and unavailable, or
/// when `flags` (the engine's Cranelift settings) do not apply.
pub(crate) fn select_isa(tier: Tier, flags: &[(String, String)]) -> Result<Option<Isa>> {
    Ok(match tier {
        Tier::Interp => None,
        Tier::Jit => {
            if let Some(why) = tern_cranelift::unavailable_reason() {
                return Err(Error::usage(format!("the compiler tier is not available: {why}")));
            }
            Some(
                tern_cranelift::host_isa_with(flags)
                    .map_err(|e| Error::usage(format!("the compiler tier is not available: {e}")))?,
            )
        }
        Tier::Auto if !tern_cranelift::jit_available() => None,
        // Settings the embedder asked for that do not apply are an error,
        // not a reason to interpret.
        Tier::Auto if !flags.is_empty() => Some(
            tern_cranelift::host_isa_with(flags).map_err(|e| Error::usage(format!("the compiler's settings: {e}")))?,
        ),
        Tier::Auto => tern_cranelift::host_isa().ok(),
    })
}

/// Opens the code cache `config` asks for; `None` (after a warning on
/// stderr when the directory is unfit) when there is none.
pub(crate) fn open_cache(config: &Config) -> Option<Arc<Cache>> {
    match Cache::open(config.cache.as_ref()?) {
        Ok(c) => Some(Arc::new(c)),
        Err(why) => {
            eprintln!("warning: tern: not using the code cache: {why}");
            None
        }
    }
}

pub(crate) fn cache_stats(c: &Cache) -> CacheStats {
    c.stats()
}

/// How a module being built met the code cache.
pub(crate) enum CacheArg {
    /// Not at all.
    Off,
    /// Its code comes from the cache.
    Hit,
    /// Its code is compiled, and the entry written when it is whole.
    Miss(Pending),
}

impl CacheArg {
    pub(crate) fn cache_use(&self) -> CacheUse {
        match self {
            CacheArg::Off => CacheUse::Off,
            CacheArg::Hit => CacheUse::Hit,
            CacheArg::Miss(_) => CacheUse::Miss,
        }
    }

    /// What says when a miss's entry is written.
    pub(crate) fn write_wait(&self) -> Option<Arc<WriteWait>> {
        match self {
            CacheArg::Miss(p) => Some(p.done.clone()),
            _ => None,
        }
    }
}

/// Waits until a miss's entry is written or will not be.
pub(crate) fn wait_cache_write(w: &WriteWait) -> bool {
    w.wait()
}

/// [`Module::from_binary`] of a binary module: through the engine's code
/// cache when it has one (a hit loads the entry, mapped; a miss compiles
/// and writes the entry when the code is whole).
pub(crate) fn build_cached(engine: &Engine, bytes: tern_binary::SharedBytes) -> Result<Module> {
    let Some(cache) = engine.inner.cache() else {
        return Module::build(engine, bytes, None, false, CacheArg::Off);
    };
    let meta = aot_meta(engine)?;
    let key = cache.key(&meta, &bytes);
    if let Some(hit) = cache.lookup(&key, &meta, &bytes) {
        // The module's bytes are used where they lie in the mapped entry.
        let len = hit.file.len();
        if let Some(module) = tern_binary::SharedBytes::range_of(hit.file, hit.module) {
            match Module::build(engine, module, Some(hit.artifact), false, CacheArg::Hit) {
                Ok(m) => {
                    cache.used(&key, len);
                    return Ok(m);
                }
                // The same bytes compiled are the judge of any error.
                Err(e) => cache.reject(&key, &e.to_string()),
            }
        }
    }
    let pending = Pending {
        cache: cache.clone(),
        key,
        meta,
        done: Arc::default(),
    };
    Module::build(engine, bytes, None, false, CacheArg::Miss(pending))
}

/// The compiled code of a module being built: loaded from `precompiled`,
/// or compiled when the engine compiles and `interpret` is not asked for;
/// `None` when the interpreter runs the module. A cache miss's entry is
/// written once the code is whole: now when it is compiled eagerly, by
/// the background worker that links it when it is compiled lazily.
pub(crate) fn module_code(
    engine: &Engine,
    desc: &Arc<ModuleDesc>,
    precompiled: Option<Artifact>,
    interpret: bool,
    cache: CacheArg,
    interp: &Arc<tern_interp::InterpModule>,
) -> Result<Option<Arc<ModuleCode>>> {
    let pending = match cache {
        CacheArg::Miss(p) => Some(p),
        CacheArg::Off | CacheArg::Hit => None,
    };
    let isa = if interpret { &None } else { &engine.inner.isa };
    Ok(match (isa, precompiled) {
        (Some(_), Some(artifact)) => {
            if artifact.funcs.len() != desc.num_defined_funcs() as usize
                || artifact.foreign.len() != desc.info().types.len()
            {
                return Err(Error::usage(
                    "precompiled module is malformed: its code does not match its module",
                ));
            }
            Some(Arc::new(ModuleCode::Eager(
                CompiledModule::load(artifact).map_err(compile_error)?,
            )))
        }
        (None, Some(_)) => return Err(Error::usage("precompiled modules need the compiler tier")),
        (Some(isa), None) => compile(engine, isa, desc, pending, interp)?.map(Arc::new),
        (None, None) => None,
    })
}

/// [`Module::serialize`].
pub(crate) fn serialize(module: &Module) -> Result<Vec<u8>> {
    let inner = &module.inner;
    let Some(jit) = &inner.jit else {
        return Err(Error::usage("only modules of the compiler tier can be serialized"));
    };
    let meta = aot_meta(&inner.engine)?;
    if let Some(a) = jit.artifact() {
        return Ok(tern_cranelift::aot::serialize(&meta, a, inner.desc.bytes()));
    }
    // Lazily compiled: compile everything now.
    let engine = &inner.engine;
    let Some(isa) = &engine.inner.isa else {
        return Err(Error::usage("precompiled modules need the compiler tier"));
    };
    let c = eager(engine, isa, &inner.desc)?
        .ok_or_else(|| Error::usage("the module uses features the compiler does not support"))?;
    Ok(tern_cranelift::aot::serialize(&meta, c.artifact(), inner.desc.bytes()))
}

/// Where an artifact records its module's function bodies to lie.
pub(crate) fn recorded_bodies(a: &Artifact) -> Option<&[(u32, u32)]> {
    a.module_bodies.as_deref()
}

/// [`Module::deserialize`] (whose caller vouches for `bytes`).
pub(crate) fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module> {
    let meta = aot_meta(engine)?;
    let (artifact, module) = tern_cranelift::aot::deserialize(bytes, &meta).map_err(|e| Error::Usage(e.to_string()))?;
    Module::build(engine, &bytes[module], Some(artifact), false, CacheArg::Off)
}

/// [`Module::deserialize_file`] (whose caller vouches for the file): the
/// file is mapped, and its code mapped from there rather than read and
/// copied.
pub(crate) fn deserialize_file(engine: &Engine, path: &std::path::Path) -> Result<Module> {
    let meta = aot_meta(engine)?;
    let file = tern_vm::code::MappedFile::open(path)
        .map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())))?;
    let file = Arc::new(file);
    let (artifact, module) =
        tern_cranelift::aot::deserialize_mapped(&file, &meta).map_err(|e| Error::Usage(e.to_string()))?;
    // The module's bytes are used where they lie in the mapped file.
    let bytes = tern_binary::SharedBytes::range_of(file, module)
        .ok_or_else(|| Error::usage("precompiled module is malformed: module bytes outside the file"))?;
    Module::build(engine, bytes, Some(artifact), false, CacheArg::Off)
}

/// Announces a new module's compiled code to the profiler (Linux `perf`):
/// its functions are appended to `/tmp/perf-PID.map` (`START SIZE NAME`
/// per line, hexadecimal), now and as lazily compiled code appears. Best
/// effort: a map that cannot be written does not fail the module.
pub(crate) fn announce(m: &ModuleInner) {
    let Some(jit) = &m.jit else { return };
    let names = m.names().clone();
    let module = names.module.clone().unwrap_or_default();
    let bytes = m.desc.bytes().clone();
    let nimp = m.desc.num_imported_funcs();
    jit.observe(Box::new(move |code: &[(usize, usize, u32)]| {
        use std::io::Write;
        let mut out = String::new();
        for &(addr, size, def) in code {
            let index = nimp + def;
            // Names are the guest's: keep them on one line.
            let name = match names.func(&bytes, index) {
                Some(n) => n.replace(['\n', '\r'], " "),
                None => format!("<func {index}>"),
            };
            out.push_str(&format!("{addr:x} {size:x} wasm[{module}]::{name}\n"));
        }
        let path = format!("/tmp/perf-{}.map", std::process::id());
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = f.write_all(out.as_bytes());
        }
    }));
}

/// Compiles a module (lazily, when the engine says so and the host can);
/// `None` when the engine's tier is `Auto` and a function uses something
/// the compiler does not support (found while compiling eagerly), so that
/// the interpreter runs it instead. `pending` is told of the code once it
/// is whole.
fn compile(
    engine: &Engine,
    isa: &Isa,
    desc: &Arc<ModuleDesc>,
    pending: Option<Pending>,
    interp: &Arc<tern_interp::InterpModule>,
) -> Result<Option<ModuleCode>> {
    if engine.config().lazy_compilation && tern_cranelift::lazy_available() {
        // Bodies are compiled later: check them all now.
        desc.validate_bodies()?;
        let hook = pending.map(|p| {
            let bytes = desc.bytes().clone();
            Box::new(move |a: Option<&Artifact>| p.write(a, &bytes)) as tern_cranelift::LinkedHook
        });
        // Tiered: installed code is announced to the interpreter, which
        // asks for hot functions.
        let tiered = interp.tiering().map(|_| {
            let osr_interp = interp.clone();
            let dropped_interp = interp.clone();
            let interp = interp.clone();
            let nimp = desc.num_imported_funcs();
            tern_cranelift::Tiered {
                background: engine.config().tiering.is_none_or(|t| !t.synchronous),
                on_osr_ready: Box::new(move |def, at_loop| {
                    if let Ok(f) = osr_interp.func(def)
                        && let Some(l) = f.loops().iter().find(|l| l.id == at_loop)
                    {
                        l.set_ready();
                        if crate::log::enabled("tier") {
                            crate::log::tier(format_args!(
                                "func {} can continue in compiled code at loop {at_loop}",
                                nimp + def
                            ));
                        }
                    }
                }),
                on_osr_dropped: Box::new(move |def, at_loop| {
                    if let Ok(f) = dropped_interp.func(def)
                        && let Some(l) = f.loops().iter().find(|l| l.id == at_loop)
                    {
                        l.reset();
                    }
                }),
                on_placed: Box::new(move |def| {
                    if let Some(t) = interp.tiering()
                        && !t.is_native(def)
                    {
                        t.set_native(def);
                        if crate::log::enabled("tier") {
                            crate::log::tier(format_args!("func {} runs compiled code", nimp + def));
                        }
                    }
                }),
            }
        });
        let workers = engine
            .config()
            .compile_threads
            .unwrap_or_else(tern_cranelift::default_workers);
        let m = tern_cranelift::LazyModule::new(
            desc.clone(),
            &compile_config(engine),
            isa.clone(),
            hook,
            tiered,
            workers,
        )
        .map_err(compile_error)?;
        if let (Some(t), Some(cfg)) = (interp.tiering(), engine.config().tiering) {
            let lazy = Arc::downgrade(&m);
            let nimp = desc.num_imported_funcs();
            t.on_hot(Box::new(move |def| {
                if crate::log::enabled("tier") {
                    crate::log::tier(format_args!(
                        "func {} is hot after {} calls: compiling it{}",
                        nimp + def,
                        cfg.call_threshold,
                        if cfg.synchronous { "" } else { " in the background" }
                    ));
                }
                if let Some(m) = lazy.upgrade() {
                    m.request(def, cfg.synchronous);
                }
            }));
            let lazy = Arc::downgrade(&m);
            // Told of a loop on every hot iteration until its entry is
            // there: the log says so once per loop.
            let logged = std::sync::Mutex::new(std::collections::HashSet::new());
            t.on_hot_loop(Box::new(move |def, at_loop| {
                if crate::log::enabled("tier") && logged.lock().is_ok_and(|mut l| l.insert((def, at_loop))) {
                    crate::log::tier(format_args!(
                        "func {} has a hot loop ({at_loop}): compiling an entry there{}",
                        nimp + def,
                        if cfg.synchronous { "" } else { " in the background" }
                    ));
                }
                if let Some(m) = lazy.upgrade() {
                    m.request_osr(def, at_loop, cfg.synchronous);
                    // Its next calls should not start in the interpreter.
                    m.request(def, cfg.synchronous);
                }
            }));
        }
        return Ok(Some(ModuleCode::Lazy(m)));
    }
    let c = eager(engine, isa, desc)?;
    if let Some(p) = pending {
        p.write(c.as_ref().map(CompiledModule::artifact), desc.bytes());
    }
    Ok(c.map(ModuleCode::Eager))
}

/// Compiles every function now.
fn eager(engine: &Engine, isa: &Isa, desc: &ModuleDesc) -> Result<Option<CompiledModule>> {
    let fallback = engine.config().interp_fallback;
    let artifact = match tern_cranelift::compile_module(desc, &compile_config(engine), &**isa) {
        Ok(a) => a,
        Err(CompileError::Unsupported { .. }) if fallback => return Ok(None),
        Err(e) => return Err(compile_error(e)),
    };
    CompiledModule::load(artifact).map(Some).map_err(compile_error)
}

/// The module offset of the operator at byte `offset` of compiled
/// function `func` (absolute index) of the module `desc` describes, as this
/// engine compiles it (see `tern_cranelift::source_offset`).
pub(crate) fn source_offset(
    engine: &Engine,
    desc: &ModuleDesc,
    func: u32,
    offset: u32,
    osr_loop: Option<u32>,
) -> Option<u32> {
    let isa = engine.inner.isa.as_ref()?;
    tern_cranelift::source_offset(desc, &compile_config(engine), &**isa, func, offset, osr_loop)
}

fn compile_config(engine: &Engine) -> CompileConfig {
    let c = engine.config();
    CompileConfig {
        bounds_checks: match c.bounds_checks {
            BoundsChecks::Guard => CraneliftBounds::Guard,
            BoundsChecks::Explicit => CraneliftBounds::Explicit,
        },
        fuel: c.consume_fuel,
        interrupts: c.interruptible,
        epochs: c.epoch_interruption,
        relaxed_simd_deterministic: c.relaxed_simd_deterministic,
    }
}

fn compile_error(e: CompileError) -> Error {
    match e {
        CompileError::Invalid(b) => Error::Compile(b),
        e => Error::Usage(format!("compilation failed: {e}")),
    }
}

/// What an ahead-of-time artifact must agree on with `engine`.
fn aot_meta(engine: &Engine) -> Result<tern_cranelift::aot::AotMeta> {
    let Some(isa) = &engine.inner.isa else {
        return Err(Error::usage("precompiled modules need the compiler tier"));
    };
    let features = engine.config().features;
    let names: Vec<&str> = tern_validate::Feature::ALL
        .iter()
        .filter(|&&f| features.enabled(f))
        .map(|f| f.name())
        .collect();
    Ok(tern_cranelift::aot::AotMeta {
        engine_version: env!("CARGO_PKG_VERSION").to_string(),
        features: names.join(","),
        target: tern_cranelift::isa_fingerprint(&**isa),
        config: compile_config(engine),
    })
}

/// A compiled instance's context and the arrays it points to.
pub(crate) struct JitInstance {
    vmctx: VMContext,
    _memories: Box<[*mut LinearMemory]>,
    _tables: Box<[*mut tern_vm::Table]>,
    _globals: Box<[*mut u128]>,
    funcs: Box<[VMFuncRef]>,
    _sigs: Box<[u32]>,
    _trampolines: Box<[*const u8]>,
    _code: Arc<ModuleCode>,
    /// Number of imported functions of the module.
    num_imported: u32,
}

/// The compiler tier's per-store state.
pub(crate) struct JitStore {
    ctx: Box<VMStoreContext>,
    /// Store function index → its reference, by value (see
    /// `VMStoreContext::func_refs`; the vector may move as it grows).
    func_refs: Vec<VMFuncRef>,
    /// Per store instance: its context when it runs compiled code.
    instances: Vec<Option<Box<JitInstance>>>,
}

// SAFETY: the raw pointers point into boxes this value or the owning
// store's `StoreData` owns, into code kept alive by `JitInstance::_code`,
// or at the engine's atomics (`interrupt`, `epoch`); none of them is tied
// to a thread, and they move with the store.
unsafe impl Send for JitStore {}
// SAFETY: `Store<T>` is `Sync` when `T` is (a `&Store` may be shared, as in
// wasmtime; checked below), which needs this. Nothing is written through
// a `&JitStore`: its `&self` methods (`is_compiled`, `frames`) only read
// its vectors and the `Arc<ModuleCode>`s. What the raw pointers reach is
// written only by compiled code and libcalls, which run under a
// `&mut Store` (every call takes the store mutably), so never while a
// `&JitStore` is shared; the engine's atomics are written from other
// threads with atomic operations only.
unsafe impl Sync for JitStore {}

const _: () = {
    const fn sync<S: Sync>() {}
    sync::<crate::Store<()>>();
};

impl JitStore {
    /// The store's context as compiled code reads it.
    pub(crate) fn ctx_mut(&mut self) -> Option<&mut VMStoreContext> {
        Some(&mut self.ctx)
    }

    pub(crate) fn new(engine: &Engine) -> JitStore {
        JitStore {
            ctx: Box::new(VMStoreContext {
                stack_limit: 0,
                fuel: 0,
                interrupt: Arc::as_ptr(&engine.inner.interrupt).cast(),
                func_refs: std::ptr::null(),
                host: [0; 2],
                epoch: Arc::as_ptr(&engine.inner.epoch).cast(),
                epoch_deadline: u64::MAX,
                exit: Default::default(),
                gc_view: std::ptr::null(),
            }),
            func_refs: Vec::new(),
            instances: Vec::new(),
        }
    }

    /// Adds references for store functions that have none yet (host
    /// functions, functions of interpreted instances).
    pub(crate) fn sync_funcs(&mut self, vm: &StoreData) {
        let new = (self.func_refs.len()..vm.funcs.len()).map(|i| VMFuncRef {
            native_call: std::ptr::null(),
            array_call: std::ptr::null(),
            vmctx: std::ptr::null_mut(),
            sig: vm.funcs[i].sig,
            func: i as u32,
        });
        self.func_refs.extend(new);
        self.ctx.func_refs = self.func_refs.as_ptr();
    }

    pub(crate) fn is_compiled(&self, instance: u32) -> bool {
        matches!(self.instances.get(instance as usize), Some(Some(_)))
    }
}

/// Initializes memory 0 of new instance `inst` of `module` from the
/// memory image of the artifact the module was loaded from, if it has
/// one: mapped from the artifact's file where the memory allows,
/// otherwise copied. Returns whether it did, in which case the active
/// data segments are applied (the image is all of them).
pub(crate) fn apply_memory_image<T>(s: &mut StoreInner<T>, inst: u32, module: &Module) -> Result<bool> {
    let inner = &module.inner;
    let Some(image) = inner
        .jit
        .as_ref()
        .and_then(|j| j.artifact())
        .and_then(|a| a.memory_image.as_ref())
    else {
        return Ok(false);
    };
    if inner.num_imported_memories != 0 {
        return Ok(false);
    }
    let Some(&mi) = s.vm.instances[inst as usize].memories.first() else {
        return Ok(false);
    };
    let mem = &mut s.vm.memories[mi as usize];
    if let (tern_cranelift::Image::Mapped { file, offset, len, .. }, tern_vm::StoreMemory::Owned(m)) =
        (&image.bytes, &mut *mem)
        && let Ok(at) = usize::try_from(image.at)
        // SAFETY: the memory is new (nothing refers into it yet); the
        // artifact's file is trusted not to change while loaded.
        && unsafe { m.map_image(at, file, *offset, *len) }.map_err(|e| Error::usage(format!("cannot map the memory image: {e}")))?
    {
        return Ok(true);
    }
    let bytes: &[u8] = &image.bytes;
    mem.init(image.at, bytes, 0, bytes.len() as u64)
        .map_err(|c| Error::Trap(c.into()))?;
    Ok(true)
}

/// Builds the context of instance `inst` (just allocated, of `module`)
/// when the module is compiled.
pub(crate) fn instantiate<T>(s: &mut StoreInner<T>, inst: u32, module: &Module) -> Result<()> {
    s.jit.sync_funcs(&s.vm);
    let Some(code) = module.inner.jit.clone() else {
        return Ok(());
    };
    let m = &module.inner;
    let e = &s.vm.instances[inst as usize];
    let guard = s.engine.config().bounds_checks == BoundsChecks::Guard;
    let mut memories = Vec::with_capacity(e.memories.len());
    for &mi in e.memories.iter() {
        let mem = &mut s.vm.memories[mi as usize];
        if guard && tern_vm::guard_eligible(&mem.ty()) && mem.style() != MemoryStyle::Reserved {
            return Err(Error::Link(
                "incompatible import type: compiled code needs a memory with guard regions".into(),
            ));
        }
        memories.push(mem.as_ptr());
    }
    let memories = memories.into_boxed_slice();
    let tables: Box<[*mut tern_vm::Table]> = e
        .tables
        .iter()
        .map(|&ti| &mut *s.vm.tables[ti as usize] as *mut tern_vm::Table)
        .collect();
    let globals: Box<[*mut u128]> = e
        .globals
        .iter()
        .map(|&gi| (&mut *s.vm.globals[gi as usize] as *mut tern_vm::GlobalEntity).cast::<u128>())
        .collect();
    let sigs: Box<[u32]> = e.sigs.iter().map(|s| s.0).collect();
    let trampolines: Box<[*const u8]> = (0..m.desc.info().types.len() as u32)
        .map(|t| code.foreign_trampoline(t))
        .collect();
    let nimp = m.desc.num_imported_funcs() as usize;
    let funcs: Box<[VMFuncRef]> = e
        .funcs
        .iter()
        .enumerate()
        .map(|(i, &fi)| {
            if i < nimp {
                // `sync_funcs` made a reference for every function.
                s.jit.func_refs[fi as usize]
            } else {
                let def = (i - nimp) as u32;
                VMFuncRef {
                    native_call: code.native_call(def),
                    array_call: code.array_call(def),
                    vmctx: std::ptr::null_mut(),
                    sig: s.vm.funcs[fi as usize].sig,
                    func: fi,
                }
            }
        })
        .collect();
    let store_funcs = e.funcs.clone();
    let mut ji = Box::new(JitInstance {
        vmctx: VMContext {
            store: &mut *s.jit.ctx,
            memories: memories.as_ptr(),
            tables: tables.as_ptr(),
            globals: globals.as_ptr(),
            funcs: funcs.as_ptr(),
            sigs: sigs.as_ptr(),
            foreign_trampolines: trampolines.as_ptr(),
            instance: inst,
            _pad: 0,
            // SAFETY: the store's memories outlive its instances.
            memory0_base: memories
                .first()
                .map_or(std::ptr::null_mut(), |&m| unsafe { (*m).base() }),
            // SAFETY: as the memories'; compiled code reads it only for a
            // table whose elements never move (see `VMContext`).
            table0_base: tables.first().map_or(std::ptr::null_mut(), |&t| unsafe { (*t).base() }),
            global0: globals.first().copied().unwrap_or(std::ptr::null_mut()),
        },
        _memories: memories,
        _tables: tables,
        _globals: globals,
        funcs,
        _sigs: sigs,
        _trampolines: trampolines,
        _code: code,
        num_imported: nimp as u32,
    });
    let vmctx: *mut VMContext = &mut ji.vmctx;
    for (i, f) in ji.funcs.iter_mut().enumerate().skip(nimp) {
        f.vmctx = vmctx;
        let _ = i;
    }
    for (i, &fi) in store_funcs.iter().enumerate().skip(nimp) {
        s.jit.func_refs[fi as usize] = ji.funcs[i];
    }
    if s.jit.instances.len() <= inst as usize {
        s.jit.instances.resize_with(inst as usize + 1, || None);
    }
    s.jit.instances[inst as usize] = Some(ji);
    Ok(())
}

/// Whether modules can compile lazily on this host.
pub(crate) fn lazy_available() -> bool {
    tern_cranelift::lazy_available()
}

/// Whether store function `func`, of compiled instance `instance`, runs
/// its compiled code: always, unless its module is tiered and the
/// function's code is not installed yet.
pub(crate) fn runs_native<T>(s: &StoreInner<T>, instance: u32, def: u32) -> bool {
    match s.instance_modules[instance as usize].inner.code.tiering() {
        Some(t) => t.is_native(def),
        None => true,
    }
}

/// Calls store function `func`, which is compiled code, through its
/// array entry (or, for a tiered module's function without one, its
/// type's indirect array entry).
pub(crate) fn call_compiled<T>(s: &mut StoreInner<T>, func: u32, io: &mut [u64]) -> Result<(), Trap> {
    enter_compiled(s, func, io, None)
}

/// Continues a call of store function `func` (of a tiered module's
/// instance) in its OSR entry at loop `at_loop` (see
/// `tern_interp::Host::call_osr`).
pub(crate) fn call_osr<T>(s: &mut StoreInner<T>, func: u32, at_loop: u32, values: &mut [u64]) -> Result<(), Trap> {
    let FuncKind::Wasm { instance, def } = s.vm.funcs[func as usize].kind else {
        return Err(Trap::msg("no compiled code to call"));
    };
    let entry = match s.jit.instances.get(instance as usize) {
        Some(Some(ji)) => ji._code.osr_entry(def, at_loop),
        _ => None,
    };
    match entry {
        Some((code, trampoline)) => enter_compiled(s, func, values, Some((trampoline, code))),
        None => Err(Trap::msg("no compiled code to call")),
    }
}

/// Calls compiled code of store function `func`: through `entry` (an
/// indirect array-call trampoline and the code it calls) when given,
/// otherwise as [`call_compiled`] says.
fn enter_compiled<T>(
    s: &mut StoreInner<T>,
    func: u32,
    io: &mut [u64],
    entry: Option<(*const u8, *const u8)>,
) -> Result<(), Trap> {
    if tern_interp::exec::too_many_activations(&s.vm) {
        return Err(Trap::new(TrapCode::StackOverflow));
    }
    let fr = s.jit.func_refs[func as usize];
    let (mut indirect, code) = entry.unwrap_or((std::ptr::null(), fr.native_call));
    if fr.array_call.is_null() && indirect.is_null() {
        // Lazily compiled modules give array entries only to functions
        // that can reach the host; tiered ones have one per type.
        if let FuncKind::Wasm { instance, def } = s.vm.funcs[func as usize].kind
            && let Some(Some(ji)) = s.jit.instances.get(instance as usize)
        {
            let info = s.instance_modules[instance as usize].inner.desc.info();
            let ty = info.funcs[(ji.num_imported + def) as usize];
            indirect = ji._code.array_indirect(ty);
        }
        if indirect.is_null() {
            return Err(Trap::msg("this function cannot be called from the host"));
        }
    }
    let ctx: *mut VMStoreContext = &mut *s.jit.ctx;
    let fuel = s.vm.fuel_enabled;
    // SAFETY: `ctx` is the store's own context; compiled code reaches the
    // store only through the host pointer set here, for the duration of
    // the call (restored afterwards for nested calls).
    unsafe {
        let saved_host = (*ctx).host;
        let saved_limit = (*ctx).stack_limit;
        // A host function called from compiled code may call back in: the
        // outer libcall's exit registers come back afterwards.
        let saved_exit = std::mem::take(&mut (*ctx).exit);
        if !tern_vm::signals::in_activation() {
            (*ctx).stack_limit = tern_vm::signals::stack_limit(s.engine.config().max_wasm_stack);
        }
        if fuel {
            (*ctx).fuel = s.vm.fuel.min(i64::MAX as u64) as i64;
        }
        (*ctx).epoch_deadline = s.vm.epoch_deadline;
        s.vm.activations += 1;
        // The collector scans the machine stack up to the outermost
        // compiled activation's entry (this frame, for the first one).
        let marker = 0u8;
        let saved_top = s.vm.gc.native_top;
        if saved_top == 0 {
            s.vm.gc.native_top = std::hint::black_box(&raw const marker) as usize;
        }
        (*ctx).gc_view = s.vm.gc.view();
        (*ctx).host = tern_cranelift::libcalls::host_to_raw(s);
        let values = io.as_mut_ptr();
        let mut pcs = Vec::new();
        let exit = &raw mut (*ctx).exit;
        let mut r = if indirect.is_null() {
            let array: unsafe extern "C" fn(*mut VMContext, *mut VMContext, *mut u64) =
                std::mem::transmute(fr.array_call);
            tern_vm::signals::catch_traps_with_exits(|| array(fr.vmctx, fr.vmctx, values), &mut pcs, exit)
        } else {
            let array: unsafe extern "C" fn(*mut VMContext, *mut VMContext, *mut u64, *const u8) =
                std::mem::transmute(indirect);
            tern_vm::signals::catch_traps_with_exits(|| array(fr.vmctx, fr.vmctx, values, code), &mut pcs, exit)
        };
        s.vm.activations -= 1;
        s.vm.gc.native_top = saved_top;
        if fuel {
            s.vm.fuel = (*ctx).fuel.max(0) as u64;
        }
        (*ctx).host = saved_host;
        (*ctx).stack_limit = saved_limit;
        (*ctx).exit = saved_exit;
        // An exception leaving compiled code: the embedder (or the tier
        // that called) may keep its reference.
        if let Err(t) = &r
            && let Some(e) = t.exn()
        {
            s.vm.expose_exn(e);
        }
        if let Err(t) = &mut r
            && !pcs.is_empty()
        {
            let called = match s.vm.funcs[func as usize].kind {
                FuncKind::Wasm { instance, .. } => instance,
                _ => u32::MAX,
            };
            let frames = s.jit.frames(&pcs, called);
            // Frames of this activation go after those of inner ones.
            t.trace_mut().extend(frames);
        }
        r
    }
}

impl JitStore {
    /// Maps the PCs of a trap's compiled frames (innermost first) to
    /// frames; PCs in trampolines are skipped. When several instances
    /// share a module's code, `prefer` (the instance that was called) is
    /// chosen, else the first.
    fn frames(&self, pcs: &[usize], prefer: u32) -> Vec<FrameInfo> {
        let mut out = Vec::with_capacity(pcs.len());
        for &pc in pcs {
            let mut hit = None;
            for (inst, ji) in self.instances.iter().enumerate() {
                let Some(ji) = ji else { continue };
                if let Some(def) = ji._code.func_at(pc) {
                    if hit.is_none() || inst as u32 == prefer {
                        hit = Some((inst as u32, ji.num_imported + def));
                    }
                    if inst as u32 == prefer {
                        break;
                    }
                }
            }
            if let Some((instance, func_index)) = hit {
                // Inlined code stands for several frames, innermost first.
                // The code at `pc` is the innermost one's: it alone gets
                // the position (the outer ones' calls were inlined away).
                let code = self.instances[instance as usize].as_ref().map(|ji| &ji._code);
                let position = code
                    .and_then(|c| c.func_containing(pc))
                    .map(|(_, start)| FramePosition::Compiled {
                        func: func_index,
                        offset: (pc - start) as u32,
                        osr_loop: code.and_then(|c| c.osr_loop_at(pc)),
                    });
                match code.and_then(|c| c.inline_frames(pc)) {
                    Some(frames) => out.extend(frames.iter().rev().enumerate().map(|(i, &func_index)| {
                        FrameInfo::new(instance, func_index, if i == 0 { position } else { None })
                    })),
                    None => out.push(FrameInfo::new(instance, func_index, position)),
                }
            }
        }
        out
    }
}

impl<T> JitHost for StoreInner<T> {
    fn store(&mut self) -> &mut StoreData {
        &mut self.vm
    }

    fn call_foreign(&mut self, func: u32, caller: u32, slots: &mut [u64]) -> Result<(), Trap> {
        match self.vm.funcs[func as usize].kind {
            FuncKind::Host { index } => tern_interp::Host::call_host(self, index, Some(caller), slots),
            FuncKind::Wasm { .. } => crate::call::invoke(self, func, slots),
        }
    }

    fn grow_memory(&mut self, mem: u32, delta: u64) -> Result<Option<u64>, Trap> {
        StoreInner::grow_memory(self, mem, delta).map_err(crate::limits::error_to_trap)
    }

    fn grow_table(&mut self, table: u32, delta: u32, init: u64) -> Result<Option<u32>, Trap> {
        StoreInner::grow_table(self, table, delta, init).map_err(crate::limits::error_to_trap)
    }

    fn epoch_deadline_reached(&mut self) -> Result<(), Trap> {
        StoreInner::epoch_deadline_reached(self)
    }
}
