//! tern's linker: compiled functions and trampolines laid out in one
//! image, PC-relative relocations between them resolved at link time (so
//! the image is position-independent), calls to the runtime routed through
//! stubs in the image whose absolute addresses, like every other absolute
//! relocation, are patched when the image is mapped ([`CompiledModule`]).

use crate::compile::CompileError;
use crate::libcalls;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::LibCall;
use cranelift_codegen::isa::TargetIsa;
use std::sync::Arc;
use tern_vm::TrapCode;
use tern_vm::code::{CodeMemory, Registration};
use tern_vm::vmctx::Libcall;

/// A routine outside the image that compiled code calls: one of tern's
/// libcalls, or a math routine Cranelift calls on CPUs without the
/// instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Symbol {
    Tern(Libcall),
    Cranelift(LibCall),
}

const CRANELIFT_LIBCALLS: [LibCall; 10] = [
    LibCall::CeilF32,
    LibCall::CeilF64,
    LibCall::FloorF32,
    LibCall::FloorF64,
    LibCall::TruncF32,
    LibCall::TruncF64,
    LibCall::NearestF32,
    LibCall::NearestF64,
    LibCall::FmaF32,
    LibCall::FmaF64,
];

impl Symbol {
    pub(crate) fn from_cranelift(l: LibCall) -> Option<Symbol> {
        CRANELIFT_LIBCALLS.contains(&l).then_some(Symbol::Cranelift(l))
    }

    /// A stable number for the artifact format.
    pub fn id(self) -> u32 {
        match self {
            Symbol::Tern(l) => l as u32,
            Symbol::Cranelift(l) => {
                Libcall::ALL.len() as u32 + CRANELIFT_LIBCALLS.iter().position(|&c| c == l).unwrap_or(0) as u32
            }
        }
    }

    /// The symbol numbered `id`.
    pub fn from_id(id: u32) -> Option<Symbol> {
        let n = Libcall::ALL.len() as u32;
        if id < n {
            Some(Symbol::Tern(Libcall::ALL[id as usize]))
        } else {
            CRANELIFT_LIBCALLS.get((id - n) as usize).map(|&l| Symbol::Cranelift(l))
        }
    }

    /// The routine's address in this process.
    pub fn address(self) -> usize {
        match self {
            Symbol::Tern(l) => libcalls::address(l),
            Symbol::Cranelift(l) => libcalls::cranelift_address(l),
        }
    }
}

/// Where a relocation points, before linking.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FuncRelocTarget {
    /// Defined function `def` (index among defined functions).
    Func(u32),
    Symbol(Symbol),
    /// An offset in the function itself.
    SelfOffset(u32),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct RelocRecord {
    pub(crate) offset: u32,
    pub(crate) kind: Reloc,
    pub(crate) target: FuncRelocTarget,
    pub(crate) addend: i64,
}

/// One compiled function (or trampoline), not yet placed.
#[derive(Clone)]
pub(crate) struct CompiledFunc {
    pub(crate) bytes: Vec<u8>,
    pub(crate) relocs: Vec<RelocRecord>,
    pub(crate) traps: Vec<(u32, TrapCode)>,
    /// Exception handlers of call sites, sorted by return address.
    pub(crate) handlers: Vec<CallHandler>,
    /// Inlined code: by PC offset, the virtual frames there (absolute
    /// function indices, outermost first).
    pub(crate) inlined: Vec<(u32, Box<[u32]>)>,
    /// With `TranslateConfig::source_locations`: `(start, end, module
    /// offset)` code ranges; empty otherwise.
    pub(crate) source_locs: Vec<(u32, u32, u32)>,
    pub(crate) align: u32,
}

/// A call site whose exceptions land in the same function: the offsets of
/// its return address and of the landing pad, and how far below the frame
/// pointer the pad wants the stack pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallHandler {
    pub ret: u32,
    pub pad: u32,
    pub sp_to_fp: u32,
}

impl CallHandler {
    /// `self` moved by `by` bytes.
    pub(crate) fn shifted(self, by: u32) -> CallHandler {
        CallHandler {
            ret: self.ret + by,
            pad: self.pad + by,
            sp_to_fp: self.sp_to_fp,
        }
    }
}

/// What an absolute (8-byte) relocation left for load time points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadTarget {
    /// An offset in the image.
    Image(u32),
    Symbol(Symbol),
}

/// An 8-byte absolute address to write at `offset` when the image is
/// mapped: the target's address plus `addend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadReloc {
    pub offset: u32,
    pub target: LoadTarget,
    pub addend: i64,
}

/// The foreign-trampoline offset of a type that has none.
pub const NO_TRAMPOLINE: u32 = u32::MAX;

/// The code of an [`Artifact`]: in memory (just compiled, or read from
/// bytes), or a page-aligned range of a mapped artifact file, which
/// [`CompiledModule::load`] maps copy-on-write instead of copying.
#[derive(Clone)]
pub enum Image {
    Owned(Vec<u8>),
    Mapped {
        file: Arc<tern_vm::code::MappedFile>,
        offset: usize,
        len: usize,
        /// The block hashes the artifact records for these bytes
        /// ([`crate::aot::block_hash`]), not yet checked: loading checks
        /// them, all at once or block by block as code touches them.
        hashes: Arc<[u64]>,
    },
}

impl std::ops::Deref for Image {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Image::Owned(v) => v,
            Image::Mapped { file, offset, len, .. } => &file.bytes()[*offset..*offset + *len],
        }
    }
}

impl Default for Image {
    fn default() -> Image {
        Image::Owned(Vec::new())
    }
}

impl PartialEq for Image {
    fn eq(&self, other: &Image) -> bool {
        **self == **other
    }
}

impl Eq for Image {}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Image::Owned(v) => write!(f, "Image::Owned({} bytes)", v.len()),
            Image::Mapped { offset, len, .. } => write!(f, "Image::Mapped({len} bytes at {offset:#x})"),
        }
    }
}

/// The trap sites of an [`Artifact`], sorted by offset: in memory, or
/// left where they lie in a mapped artifact file (5-byte records: offset,
/// then the trap code's number in the artifact format), which saves
/// decoding millions of them when a large artifact loads.
#[derive(Clone)]
pub enum TrapTable {
    Owned(Arc<[(u32, TrapCode)]>),
    Mapped {
        file: Arc<tern_vm::code::MappedFile>,
        offset: usize,
        count: usize,
        /// The records' block hashes, checked on the first lookup.
        check: Arc<MappedCheck>,
    },
}

/// The recorded block hashes of a mapped trap table, and whether they
/// have been checked.
pub struct MappedCheck {
    hashes: Arc<[u64]>,
    /// 0: not yet; 1: sound; 2: damaged.
    state: std::sync::atomic::AtomicU8,
}

impl TrapTable {
    /// A table of mapped records lying in the file. Their order and codes
    /// need not have been checked: a lookup reads an unknown code as
    /// `unreachable` and, in an unordered table, finds wrong sites, never
    /// memory outside the table.
    pub(crate) fn mapped(
        file: Arc<tern_vm::code::MappedFile>,
        offset: usize,
        count: usize,
        hashes: Arc<[u64]>,
    ) -> TrapTable {
        let check = Arc::new(MappedCheck {
            hashes,
            state: std::sync::atomic::AtomicU8::new(0),
        });
        TrapTable::Mapped {
            file,
            offset,
            count,
            check,
        }
    }

    /// A mapped table's records as the file holds them, and their
    /// recorded block hashes.
    pub(crate) fn mapped_bytes(&self) -> Option<(&[u8], &[u64])> {
        match self {
            TrapTable::Owned(_) => None,
            TrapTable::Mapped {
                file,
                offset,
                count,
                check,
            } => Some((&file.bytes()[*offset..*offset + count * 5], &check.hashes)),
        }
    }

    /// Whether the records are the recorded ones: checked once, on the
    /// first lookup (in the signal handler, so a plain computation).
    fn sound(&self) -> bool {
        use std::sync::atomic::Ordering;
        let TrapTable::Mapped { check, .. } = self else {
            return true;
        };
        match check.state.load(Ordering::Acquire) {
            1 => true,
            2 => false,
            _ => {
                let (bytes, hashes) = self.mapped_bytes().expect("a mapped table");
                let ok = crate::aot::verify_blocks_here(bytes, hashes);
                check.state.store(if ok { 1 } else { 2 }, Ordering::Release);
                ok
            }
        }
    }

    pub fn len(&self) -> usize {
        match self {
            TrapTable::Owned(t) => t.len(),
            TrapTable::Mapped { count, .. } => *count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn record(&self, i: usize) -> (u32, TrapCode) {
        match self {
            TrapTable::Owned(t) => t[i],
            TrapTable::Mapped { file, offset, .. } => {
                let r = &file.bytes()[offset + i * 5..offset + i * 5 + 5];
                let code = crate::aot::TRAP_CODES
                    .get(r[4] as usize)
                    .copied()
                    .unwrap_or(TrapCode::Unreachable);
                (u32::from_le_bytes([r[0], r[1], r[2], r[3]]), code)
            }
        }
    }

    /// The trap sites in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, TrapCode)> + '_ {
        (0..self.len()).map(|i| self.record(i))
    }

    /// The trap code of the site at `off`. Allocates and locks nothing
    /// (the signal handler calls it). In a mapped table whose records are
    /// damaged, every site is [`TrapCode::DamagedCode`].
    pub fn lookup(&self, off: u32) -> Option<TrapCode> {
        if !self.sound() {
            return Some(TrapCode::DamagedCode);
        }
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (at, code) = self.record(mid);
            match at.cmp(&off) {
                std::cmp::Ordering::Equal => return Some(code),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }
}

impl Default for TrapTable {
    fn default() -> TrapTable {
        TrapTable::Owned(Arc::new([]))
    }
}

impl PartialEq for TrapTable {
    fn eq(&self, other: &TrapTable) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for TrapTable {}

impl std::fmt::Debug for TrapTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vec<(u32, TrapCode)>> for TrapTable {
    fn from(v: Vec<(u32, TrapCode)>) -> TrapTable {
        TrapTable::Owned(v.into())
    }
}

/// A linked module, not yet mapped: what [`crate::aot`] writes to disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Artifact {
    /// Code of all functions, trampolines and stubs.
    pub image: Image,
    /// Absolute relocations, patched at load time.
    pub relocs: Vec<LoadReloc>,
    /// Trap sites, sorted by offset (shared with the signal handler's
    /// lookup once loaded).
    pub traps: TrapTable,
    /// Exception handlers of call sites, sorted by return address.
    pub handlers: Arc<[CallHandler]>,
    /// Offset of each defined function's native entry.
    pub funcs: Vec<u32>,
    /// Offset of each defined function's array-call trampoline, or
    /// [`NO_TRAMPOLINE`] for one that cannot reach the host (not exported,
    /// in no table, named by no `ref.func`, not the start function): the
    /// image a lazily compiled module links has trampolines only for the
    /// others.
    pub array_calls: Vec<u32>,
    /// Offset of each type's foreign trampoline, or [`NO_TRAMPOLINE`].
    pub foreign: Vec<u32>,
    /// Virtual frames of inlined code: by image offset (of a trap site, or
    /// a call's return address - 1), the function indices there,
    /// outermost first. Sorted by offset.
    pub inlined: Vec<(u32, Box<[u32]>)>,
    /// For an artifact read from a file, the block hashes it records for
    /// the module's bytes, written out again as they are when the module
    /// is serialized (see [`crate::aot`]).
    pub module_hashes: Option<Arc<[u64]>>,
    /// For an artifact read from a file, where the module's function
    /// bodies lie in its bytes (offset, length), when recorded.
    pub module_bodies: Option<Arc<[(u32, u32)]>>,
    /// For an artifact read back, memory 0's initial contents as an image
    /// (see [`crate::aot`]), which instantiation maps instead of copying
    /// the data segments.
    pub memory_image: Option<MemoryImage>,
}

/// Memory 0's initial contents: every data segment applied, in whole
/// 64 KiB pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryImage {
    /// Where the image starts in the memory (a multiple of 64 KiB).
    pub at: u64,
    /// The bytes, in the artifact's file (page-aligned there) or copied.
    pub bytes: Image,
}

pub(crate) fn stub_size(_isa: &dyn TargetIsa) -> usize {
    16
}

/// Writes a jump stub at `at` whose 8-byte target address lives at
/// `at + returned offset`.
pub(crate) fn write_stub(isa: &dyn TargetIsa, buf: &mut [u8]) -> usize {
    match isa.pointer_bytes() == 8 && isa.name() == "aarch64" {
        true => {
            // ldr x16, #8 ; br x16 ; .quad target
            buf[0..4].copy_from_slice(&0x5800_0050u32.to_le_bytes());
            buf[4..8].copy_from_slice(&0xd61f_0200u32.to_le_bytes());
            8
        }
        false => {
            // jmp qword ptr [rip + 0] ; .quad target
            buf[0..6].copy_from_slice(&[0xff, 0x25, 0, 0, 0, 0]);
            6
        }
    }
}

pub(crate) fn align_to(n: usize, a: usize) -> usize {
    n.div_ceil(a) * a
}

/// The signal handler's view of a code range: trap sites `(offset, code)`,
/// sorted by offset.
pub(crate) fn trap_lookup(traps: Arc<[(u32, TrapCode)]>) -> tern_vm::code::TrapLookup {
    Arc::new(move |off: usize| {
        let i = traps.binary_search_by_key(&(off as u32), |t| t.0).ok()?;
        Some(traps[i].1)
    })
}

/// The unwinder's view of a code range: call sites with exception
/// handlers, sorted by return address (offsets in the range).
pub(crate) fn handler_lookup(handlers: Arc<[CallHandler]>) -> Option<tern_vm::code::HandlerLookup> {
    if handlers.is_empty() {
        return None;
    }
    Some(Arc::new(move |off: usize| {
        let i = handlers.binary_search_by_key(&(off as u32), |h| h.ret).ok()?;
        let h = handlers[i];
        Some(tern_vm::code::Handler {
            pad: h.pad,
            sp_to_fp: h.sp_to_fp,
        })
    }))
}

/// Lays out and links defined functions, their array-call trampolines (one
/// per defined function, `None` for a function that cannot reach the host)
/// and the per-type foreign trampolines (`None` for a type that has none,
/// or that shares the trampoline of `foreign_reps[type]`).
pub(crate) fn link(
    isa: &dyn TargetIsa,
    _num_imported: u32,
    funcs: Vec<CompiledFunc>,
    array: Vec<Option<CompiledFunc>>,
    foreign: Vec<Option<CompiledFunc>>,
    foreign_reps: &[u32],
) -> Result<Artifact, CompileError> {
    let all: Vec<&CompiledFunc> = funcs
        .iter()
        .chain(array.iter().flatten())
        .chain(foreign.iter().flatten())
        .collect();
    let mut starts = Vec::with_capacity(all.len());
    let mut len = 0usize;
    for f in &all {
        len = align_to(len, f.align as usize);
        starts.push(len);
        len += f.bytes.len();
    }
    // One stub per symbol called PC-relatively.
    let mut stub_syms: Vec<Symbol> = Vec::new();
    for f in &all {
        for r in &f.relocs {
            if let (FuncRelocTarget::Symbol(s), k) = (r.target, r.kind)
                && k != Reloc::Abs8
                && !stub_syms.contains(&s)
            {
                stub_syms.push(s);
            }
        }
    }
    len = align_to(len, 16);
    let stubs_at = len;
    len += stub_syms.len() * stub_size(isa);
    if len > i32::MAX as usize {
        return Err(CompileError::Codegen {
            func: u32::MAX,
            msg: "the module's code exceeds 2 GiB".into(),
        });
    }
    let mut image = vec![0u8; len];
    let mut relocs = Vec::new();
    for (i, s) in stub_syms.iter().enumerate() {
        let at = stubs_at + i * stub_size(isa);
        let addr_at = write_stub(isa, &mut image[at..]);
        relocs.push(LoadReloc {
            offset: (at + addr_at) as u32,
            target: LoadTarget::Symbol(*s),
            addend: 0,
        });
    }
    let nfuncs = funcs.len();
    let mut traps = Vec::new();
    let mut handlers = Vec::new();
    for (fi, f) in all.iter().enumerate() {
        let start = starts[fi];
        image[start..start + f.bytes.len()].copy_from_slice(&f.bytes);
        for &(off, code) in &f.traps {
            traps.push((start as u32 + off, code));
        }
        handlers.extend(f.handlers.iter().map(|h| h.shifted(start as u32)));
        for r in &f.relocs {
            let at = start + r.offset as usize;
            let target = match r.target {
                FuncRelocTarget::Func(def) if (def as usize) < nfuncs => LoadTarget::Image(starts[def as usize] as u32),
                FuncRelocTarget::Func(def) => {
                    return Err(CompileError::Codegen {
                        func: def,
                        msg: "call to a function that does not exist".into(),
                    });
                }
                FuncRelocTarget::SelfOffset(o) => LoadTarget::Image((start + o as usize) as u32),
                FuncRelocTarget::Symbol(s) => LoadTarget::Symbol(s),
            };
            if r.kind == Reloc::Abs8 {
                relocs.push(LoadReloc {
                    offset: at as u32,
                    target,
                    addend: r.addend,
                });
                continue;
            }
            let target_off = match target {
                LoadTarget::Image(o) => o as i64,
                LoadTarget::Symbol(s) => {
                    let i = stub_syms.iter().position(|&x| x == s).unwrap_or(0);
                    (stubs_at + i * stub_size(isa)) as i64
                }
            };
            let delta = target_off + r.addend - at as i64;
            match r.kind {
                Reloc::X86PCRel4 | Reloc::X86CallPCRel4 | Reloc::X86CallPLTRel4 => {
                    let v = i32::try_from(delta).map_err(|_| CompileError::Codegen {
                        func: u32::MAX,
                        msg: "relocation out of range".into(),
                    })?;
                    image[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
                Reloc::Arm64Call => {
                    if delta % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&delta) {
                        return Err(CompileError::Codegen {
                            func: u32::MAX,
                            msg: "call relocation out of range".into(),
                        });
                    }
                    let mut insn = u32::from_le_bytes(image[at..at + 4].try_into().unwrap_or_default());
                    insn = (insn & !0x03ff_ffff) | (((delta >> 2) as u32) & 0x03ff_ffff);
                    image[at..at + 4].copy_from_slice(&insn.to_le_bytes());
                }
                k => {
                    return Err(CompileError::Codegen {
                        func: u32::MAX,
                        msg: format!("unsupported relocation kind {k:?}"),
                    });
                }
            }
        }
    }
    traps.sort_by_key(|t| t.0);
    handlers.sort_by_key(|h| h.ret);
    let mut inlined = Vec::new();
    for (f, &start) in funcs.iter().zip(&starts) {
        inlined.extend(f.inlined.iter().map(|(o, fr)| (start as u32 + o, fr.clone())));
    }
    inlined.sort_by_key(|t| t.0);
    let mut placed = starts[nfuncs..].iter();
    let mut offsets = |fs: &[Option<CompiledFunc>]| -> Vec<u32> {
        fs.iter()
            .map(|f| match f {
                Some(_) => placed.next().map_or(NO_TRAMPOLINE, |&s| s as u32),
                None => NO_TRAMPOLINE,
            })
            .collect()
    };
    let array_calls = offsets(&array);
    let mut foreign = offsets(&foreign);
    // A type shares the trampoline of its first type of the same signature.
    for (i, &r) in foreign_reps.iter().enumerate() {
        foreign[i] = foreign[r as usize];
    }
    Ok(Artifact {
        inlined,
        image: Image::Owned(image),
        relocs,
        traps: traps.into(),
        handlers: handlers.into(),
        funcs: starts[..nfuncs].iter().map(|&s| s as u32).collect(),
        array_calls,
        foreign,
        module_hashes: None,
        module_bodies: None,
        memory_image: None,
    })
}

/// A module's code, mapped executable and registered with the trap
/// handler. Dropping it unregisters and unmaps the code: the runtime keeps
/// it alive as long as any instance of the module.
pub struct CompiledModule {
    // Unregister before unmapping: fields drop in order.
    _registration: Option<Registration>,
    code: CodeMemory,
    artifact: Box<Artifact>,
}

impl CompiledModule {
    /// Maps `artifact`, resolving its load-time relocations. The artifact
    /// must be well-formed (offsets inside the image), as
    /// [`crate::compile_module`] and [`crate::aot::deserialize`] ensure.
    pub fn load(artifact: Artifact) -> Result<CompiledModule, CompileError> {
        let relocate = |buf: &mut [u8]| {
            let base = buf.as_ptr() as i64;
            for r in &artifact.relocs {
                let at = r.offset as usize;
                if at.checked_add(8).is_none_or(|e| e > buf.len()) {
                    return Err(CompileError::Map(format!("relocation at {at:#x} outside the code")));
                }
                let addr = match r.target {
                    LoadTarget::Image(o) => base + o as i64,
                    LoadTarget::Symbol(s) => s.address() as i64,
                };
                buf[at..at + 8].copy_from_slice(&addr.wrapping_add(r.addend).to_le_bytes());
            }
            Ok(())
        };
        let page = tern_vm::code::CodeRegion::page_size();
        let (code, lazy) = match &artifact.image {
            Image::Mapped {
                file,
                offset,
                len,
                hashes,
            } if *len != 0 && offset.is_multiple_of(page) && crate::aot::VERIFY_BLOCK.is_multiple_of(page) => {
                // SAFETY: the artifact's file is trusted not to change
                // (loading native code from it already requires that).
                // The code stays inaccessible until its blocks are checked.
                let code = unsafe { CodeMemory::map_file_unchecked(file, *offset, *len, relocate)? };
                let check = tern_vm::code::LazyCheck {
                    file: file.clone(),
                    offset: *offset,
                    block: crate::aot::VERIFY_BLOCK,
                    hashes: hashes.clone(),
                    hash: crate::aot::block_hash,
                };
                (code, Some(check))
            }
            Image::Mapped { hashes, .. } if !crate::aot::verify_blocks(&artifact.image, hashes) => {
                return Err(CompileError::Map(
                    "precompiled module is corrupt: checksum mismatch in its code".into(),
                ));
            }
            image => (
                CodeMemory::new_with(image.len(), |buf| {
                    buf.copy_from_slice(image);
                    relocate(buf)
                })?,
                None,
            ),
        };
        let registration = if code.is_empty() {
            None
        } else {
            let lookup: tern_vm::code::TrapLookup = {
                let traps = artifact.traps.clone();
                Arc::new(move |off: usize| traps.lookup(off as u32))
            };
            let handlers = handler_lookup(artifact.handlers.clone());
            Some(match lazy {
                Some(check) => tern_vm::code::register_checked(code.range(), lookup, handlers, check),
                None => tern_vm::code::register_with_handlers(code.range(), lookup, handlers),
            })
        };
        Ok(CompiledModule {
            _registration: registration,
            code,
            artifact: Box::new(artifact),
        })
    }

    fn at(&self, off: u32) -> *const u8 {
        // SAFETY: offsets of the artifact lie inside the image.
        unsafe { self.code.as_ptr().add(off as usize) }
    }

    /// The defined function whose body contains `pc` (an address in this
    /// module's code), or `None` when `pc` lies elsewhere (outside the
    /// code, or in a trampoline).
    pub fn func_at(&self, pc: usize) -> Option<u32> {
        self.func_containing(pc).map(|(def, _)| def)
    }

    /// The defined function whose code contains `pc`, and the address its
    /// code starts at.
    pub fn func_containing(&self, pc: usize) -> Option<(u32, usize)> {
        let range = self.code.range();
        if !range.contains(&pc) {
            return None;
        }
        let off = (pc - range.start) as u32;
        let a = &self.artifact;
        // The start of the function containing `off`: the greatest start
        // not above it; its end is the next start of anything placed.
        let (def, start) = a
            .funcs
            .iter()
            .enumerate()
            .filter(|&(_, &s)| s <= off)
            .max_by_key(|&(_, &s)| s)?;
        let next_other = a
            .array_calls
            .iter()
            .chain(a.foreign.iter())
            .copied()
            .filter(|&s| s != NO_TRAMPOLINE && s > *start && s <= off)
            .min();
        match next_other {
            Some(_) => None,
            None => Some((def as u32, range.start + *start as usize)),
        }
    }

    /// Native entry of defined function `def`.
    pub fn native_call(&self, def: u32) -> *const u8 {
        self.at(self.artifact.funcs[def as usize])
    }

    /// Array-call entry of defined function `def`, or null when it has
    /// none (it cannot reach the host: see [`Artifact::array_calls`]).
    pub fn array_call(&self, def: u32) -> *const u8 {
        match self.artifact.array_calls[def as usize] {
            NO_TRAMPOLINE => std::ptr::null(),
            o => self.at(o),
        }
    }

    /// Foreign trampoline of type index `ty`.
    pub fn foreign_trampoline(&self, ty: u32) -> *const u8 {
        match self.artifact.foreign.get(ty as usize) {
            Some(&o) if o != NO_TRAMPOLINE => self.at(o),
            _ => std::ptr::null(),
        }
    }

    /// Every defined function's `(address, code size, defined index)` in
    /// this process, in function order (for profilers' symbol maps).
    pub fn function_ranges(&self) -> Vec<(usize, usize, u32)> {
        let a = &self.artifact;
        let mut starts: Vec<u32> = a
            .funcs
            .iter()
            .chain(&a.array_calls)
            .chain(&a.foreign)
            .copied()
            .filter(|&o| o != NO_TRAMPOLINE)
            .collect();
        starts.push(a.image.len() as u32);
        starts.sort_unstable();
        a.funcs
            .iter()
            .zip(0..)
            .map(|(&s, def)| {
                let i = starts.partition_point(|&x| x <= s);
                let end = starts.get(i).copied().unwrap_or(a.image.len() as u32);
                (self.at(s) as usize, (end - s) as usize, def)
            })
            .collect()
    }

    /// The virtual frames (outermost first) at `pc` when it lies in inlined
    /// code.
    pub fn inline_frames(&self, pc: usize) -> Option<&[u32]> {
        let range = self.code.range();
        if !range.contains(&pc) {
            return None;
        }
        let off = (pc - range.start) as u32;
        let a = &self.artifact.inlined;
        let i = a.binary_search_by_key(&off, |t| t.0).ok()?;
        Some(&a[i].1)
    }

    /// The linked image this was mapped from.
    pub fn artifact(&self) -> &Artifact {
        &self.artifact
    }
}

impl From<std::io::Error> for CompileError {
    fn from(e: std::io::Error) -> Self {
        CompileError::Map(e.to_string())
    }
}

impl std::fmt::Debug for CompiledModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledModule")
            .field("code_bytes", &self.code.len())
            .field("funcs", &self.artifact.funcs.len())
            .finish_non_exhaustive()
    }
}
