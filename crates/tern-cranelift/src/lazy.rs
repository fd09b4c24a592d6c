//! Lazy compilation: a module starts running before its functions are
//! compiled.
//!
//! Compiling every function before the first call costs start-up time in
//! proportion to the module's size, although a run usually needs a small
//! part of it early (and some of it never). A [`LazyModule`] therefore
//! compiles nothing up front but the trampolines, and lays out one
//! reservation of address space per module:
//!
//! ```text
//! front (read-execute):  stub[def]    jmp [rip + slot[def]]      (8 bytes each)
//!                        symbol stubs jmp [rip + 0]; .quad addr  (libcalls)
//!                        thunk[def]   calls `lazy_compile(&entry[def])`, then the code it returns
//!                        array-call trampolines, foreign trampolines
//! slots (read-write):    slot[def]    the address calls of `def` go to
//! chunks:                functions compiled on demand, each on pages of its own,
//!                        written once and then read-execute for good
//! ```
//!
//! Every call of a defined function, direct or through a function
//! reference, goes to its stub, which jumps to its slot's address: first
//! its thunk, which compiles the function on the calling thread (or waits
//! for a worker already compiling it), places it in a chunk and points the
//! slot at it. Meanwhile background workers compile the remaining
//! functions; when all are compiled they are linked into one ordinary
//! image (direct calls between functions, no stubs) and every slot is
//! pointed into it. Frames already running in chunks finish there; every
//! later call runs the final image, so long-running code pays for the
//! indirection only on calls that started before the switch.
//!
//! The final image is a complete [`Artifact`]: the trampolines made up
//! front are linked into it too (array-call trampolines only for the
//! functions that can reach the host), so it can be written out as an
//! ahead-of-time artifact without compiling anything again. A
//! [`LinkedHook`] given to [`LazyModule::new`] receives it, on the worker
//! thread that linked it (the runtime's code cache writes it there).
//!
//! Only x86-64 has the stub encoding; elsewhere modules compile eagerly.

use crate::compile::{CompileConfig, CompileError, compile_entry, compile_function};
use crate::link::{
    self, Artifact, CompiledFunc, CompiledModule, FuncRelocTarget, NO_TRAMPOLINE, Symbol, align_to, trap_lookup,
};
use crate::trampoline;
use crate::translate::{TranslateConfig, native_signature};
use cranelift_codegen::Context;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, Signature, UserFuncName, types};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use tern_validate::ModuleDesc;
use tern_vm::code::{CodeRegion, Registration};

/// How many background workers compile a module by default: one fewer
/// than the host's cores (the guest runs on one), at least one.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// Whether this host can compile lazily.
pub fn lazy_available() -> bool {
    cfg!(all(target_arch = "x86_64", unix))
}

/// Size of a function stub (`jmp [rip + disp32]` and padding).
const STUB: usize = 8;
/// The placeholder a thunk template carries where its entry's address goes.
const MAGIC: u64 = 0x7e5a_c3d1_9b2f_4a68;

/// What a thunk passes to [`lazy_compile`]: which function of which
/// module; for a tiered module's thunks, which reads it, also where the
/// function's reference lies in its instance's function array and the
/// foreign trampoline of its type.
#[repr(C)]
pub(crate) struct LazyEntry {
    module: AtomicPtr<LazyModule>,
    def: u32,
    funcref_offset: u64,
    foreign: u64,
}

/// Offsets of [`LazyEntry`]'s fields that tiered thunks read.
const ENTRY_FUNCREF_OFFSET: i32 = 16;
const ENTRY_FOREIGN: i32 = 24;
const _: () = {
    assert!(std::mem::offset_of!(LazyEntry, funcref_offset) == ENTRY_FUNCREF_OFFSET as usize);
    assert!(std::mem::offset_of!(LazyEntry, foreign) == ENTRY_FOREIGN as usize);
};

/// What makes a lazy module tiered: its functions start in the
/// interpreter. Each slot first points at a thunk that calls the function
/// through its type's foreign trampoline (so the runtime interprets it);
/// functions are compiled when [`LazyModule::request`]ed (the interpreter
/// found them hot) and installed as soon as they are compiled, hot ones
/// first; `on_placed` hears of each installed function.
pub struct Tiered {
    /// Whether the background workers compile the functions nobody asked
    /// for too (towards the final image); without, a module compiles only
    /// what is asked for, on the thread that asks, deterministically.
    pub background: bool,
    pub on_placed: Box<dyn Fn(u32) + Send + Sync>,
    /// Hears of each OSR entry placed (see [`LazyModule::request_osr`]),
    /// by function and loop.
    pub on_osr_ready: Box<dyn Fn(u32, u32) + Send + Sync>,
    /// Hears of an OSR entry not compiled after all: because the
    /// function's own code was installed while the request waited (the
    /// calls that found the loop hot have likely returned; a second
    /// request for the same loop is compiled), or because another entry of
    /// the function is being compiled (the loop may ask again later).
    pub on_osr_dropped: Box<dyn Fn(u32, u32) + Send + Sync>,
}

/// A tiered module's on-stack-replacement entry.
enum OsrState {
    InProgress,
    Ready { code: usize, entry: usize },
    Failed,
}

enum FuncState {
    NotStarted,
    InProgress,
    Done(Arc<CompiledFunc>),
    Failed(String),
}

struct State {
    funcs: Vec<FuncState>,
    /// Address of each function's chunk (0: not placed).
    placed: Vec<usize>,
    /// Placed chunks `(start, end, def)`, in address order.
    chunks: Vec<(usize, usize, u32)>,
    /// Virtual frames of inlined code in chunks, by address.
    inlined: std::collections::BTreeMap<usize, Box<[u32]>>,
    registrations: Vec<Registration>,
    /// Next free offset of the chunk area.
    next_chunk: usize,
    /// Functions compiled (or failed).
    finished: usize,
    /// Next function a worker should look at.
    cursor: usize,
    /// Whether some function failed (no final image then).
    failed: bool,
    /// Whether a worker has begun linking the final image.
    linking: bool,
    /// The final image, once linked.
    linked: Option<Arc<CompiledModule>>,
    /// The trampolines made up front, for the final image (taken when it
    /// is linked): array calls by defined function, foreign calls by type.
    trampolines: Option<Trampolines>,
    /// Told of the final image (taken when it is linked, or when it will
    /// not be).
    on_linked: Option<LinkedHook>,
    /// Functions asked for (tiered modules), to compile before the rest.
    requests: std::collections::VecDeque<u32>,
    /// Which functions were asked for (tiered modules): those a worker
    /// places as soon as it has compiled them. The rest wait for the
    /// final image (or for being asked for), so that compiling a large
    /// module in the background costs no page of code per function.
    wanted: Vec<bool>,
    /// OSR entries by `(def, loop)`, and those asked for, to compile
    /// before anything else.
    osr: HashMap<(u32, u32), OsrState>,
    osr_requests: std::collections::VecDeque<(u32, u32)>,
    /// OSR requests dropped once (see `Tiered::on_osr_dropped`).
    osr_dropped: std::collections::HashSet<(u32, u32)>,
    /// Placed OSR entries by address: `start -> (end, loop)`.
    osr_code: std::collections::BTreeMap<usize, (usize, u32)>,
}

/// The trampolines made up front: array calls by defined function (`None`
/// for one that cannot reach the host), foreign calls by type (`None` for
/// a type that has none or shares another's), and each type's first type
/// of the same signature (`trampoline::signature_reps`).
type Trampolines = (Vec<Option<CompiledFunc>>, Vec<Option<CompiledFunc>>, Vec<u32>);

/// Called once with a lazy module's final image, when every function is
/// compiled and linked, or with `None` when there will be none (a function
/// failed to compile, or linking failed). Runs on the background worker
/// that linked the image, with no lock held. Dropped without a call when
/// the module is dropped first.
pub type LinkedHook = Box<dyn FnOnce(Option<&Artifact>) + Send>;

/// A module whose functions are compiled on demand and in the background.
pub struct LazyModule {
    /// The module, as the runtime validated it.
    desc: Arc<ModuleDesc>,
    isa: OwnedTargetIsa,
    /// `isa` for trampolines and thunks (see [`crate::quick_isa`]).
    quick: Option<OwnedTargetIsa>,
    /// How many background workers may work on this module at once, and
    /// how many do.
    workers: usize,
    active: AtomicUsize,
    config: TranslateConfig,
    num_imported: u32,
    ndefs: usize,
    // The entries and the region must outlive every use of the code; the
    // state (with its registrations) drops first.
    state: Mutex<State>,
    cond: Condvar,
    front_registration: Option<Registration>,
    region: CodeRegion,
    entries: Box<[LazyEntry]>,
    /// Offset of the slots in the region.
    slots_at: usize,
    /// Offset of the symbol stubs, and the size of each.
    symbols_at: usize,
    symbol_stub: usize,
    array_calls: Vec<u32>,
    foreign: Vec<u32>,
    /// End of the chunk area (which starts after the slots).
    chunks_end: usize,
    observer: Mutex<Option<CodeObserver>>,
    /// Set for a tiered module.
    tiered: Option<Tiered>,
    /// Indirect array-call trampolines by type (tiered modules; offsets
    /// in the region).
    array_indirect: Vec<u32>,
}

/// Called with `(address, size, defined function)` for code as it appears.
pub type CodeObserver = Box<dyn Fn(&[(usize, usize, u32)]) + Send + Sync>;

impl std::fmt::Debug for LazyModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyModule")
            .field("funcs", &self.ndefs)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every symbol compiled code may call through a stub, in id order (its
/// stub is the `id`-th).
fn all_symbols() -> Vec<Symbol> {
    (0..).map_while(Symbol::from_id).collect()
}

/// The thunk of a function of type `ty`: calls `lazy_compile(MAGIC)` and
/// then the code it returns with the thunk's own arguments.
fn thunk_template(ty: &tern_binary::FuncType, isa: &dyn cranelift_codegen::isa::TargetIsa) -> ir::Function {
    build_thunk(ty, isa, 0, |b, f_ref, params| {
        let mut lc_sig = Signature::new(isa.default_call_conv());
        lc_sig.params.push(AbiParam::new(types::I64));
        lc_sig.returns.push(AbiParam::new(types::I64));
        let lc_ref = b.import_signature(lc_sig);
        let entry = b.ins().iconst(types::I64, MAGIC as i64);
        let target = b.ins().iconst(types::I64, lazy_compile as *const () as usize as i64);
        let call = b.ins().call_indirect(lc_ref, target, &[entry]);
        let code = b.inst_results(call)[0];
        let call = b.ins().call_indirect(f_ref, code, params);
        let results = b.inst_results(call).to_vec();
        b.ins().return_(&results);
    })
}

/// A thunk of a function of type `ty` (native signature): `body` fills
/// its one block, given the signature to call code of the type with and
/// the thunk's parameters. `n` tells the thunk kinds' names apart.
fn build_thunk(
    ty: &tern_binary::FuncType,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    n: u32,
    body: impl FnOnce(&mut FunctionBuilder<'_>, ir::SigRef, &[ir::Value]),
) -> ir::Function {
    let sig = native_signature(ty, isa);
    let mut func = ir::Function::with_name_signature(UserFuncName::user(3, n), sig.clone());
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let f_ref = b.import_signature(sig);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let params = b.block_params(block).to_vec();
    body(&mut b, f_ref, &params);
    b.finalize(isa.frontend_config());
    func
}

/// The array-call trampoline of defined function `def`, when it can
/// escape to the host (exported, in a table, named by `ref.func`, or the
/// start function).
fn array_trampoline(
    desc: &ModuleDesc,
    def: u32,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    fctx: &mut FunctionBuilderContext,
    ctx: &mut Context,
) -> Option<Result<CompiledFunc, CompileError>> {
    let info = desc.info();
    let index = desc.num_imported_funcs() + def;
    if !info.declared_funcs.contains(&index) && desc.start() != Some(index) {
        return None;
    }
    let ty = &info.types[info.funcs[index as usize] as usize];
    let f = trampoline::array_to_native(ty, index, isa, fctx);
    Some(compile_function(ctx, f, isa, index, desc.num_imported_funcs()))
}

/// The thunk of a tiered module's function of type `ty`: tail-calls the
/// type's foreign trampoline (read from the entry at `MAGIC`) with the
/// function's own reference (the entry's offset into the callee
/// instance's function array), so that the runtime runs it.
fn interp_thunk_template(ty: &tern_binary::FuncType, isa: &dyn cranelift_codegen::isa::TargetIsa) -> ir::Function {
    let ptr = isa.pointer_type();
    build_thunk(ty, isa, 1, |b, f_ref, params| {
        let flags = ir::MemFlagsData::trusted();
        let entry = b.ins().iconst(types::I64, MAGIC as i64);
        let off = b.ins().load(ptr, flags, entry, ENTRY_FUNCREF_OFFSET);
        let tramp = b.ins().load(ptr, flags, entry, ENTRY_FOREIGN);
        let funcs = b.ins().load(ptr, flags, params[0], tern_vm::vmctx::OFFSET_VMCTX_FUNCS);
        let fr = b.ins().iadd(funcs, off);
        let mut args = vec![fr];
        args.extend_from_slice(&params[1..]);
        b.ins().return_call_indirect(f_ref, tramp, &args);
    })
}

/// Writes `f`'s bytes, placed at address `at`, into `buf` and resolves its
/// relocations: calls of functions to their stubs, of symbols to the
/// symbol stubs (PC-relative) or the symbols (absolute).
fn place(
    buf: &mut [u8],
    at: usize,
    f: &CompiledFunc,
    stub: &dyn Fn(u32) -> usize,
    symbol_stub: &dyn Fn(Symbol) -> usize,
) -> Result<(), String> {
    buf[..f.bytes.len()].copy_from_slice(&f.bytes);
    for r in &f.relocs {
        let site = r.offset as usize;
        let target = match r.target {
            FuncRelocTarget::Func(def) => stub(def),
            FuncRelocTarget::SelfOffset(o) => at + o as usize,
            FuncRelocTarget::Symbol(s) if r.kind == Reloc::Abs8 => s.address(),
            FuncRelocTarget::Symbol(s) => symbol_stub(s),
        } as i64;
        match r.kind {
            Reloc::Abs8 => {
                let v = target.wrapping_add(r.addend);
                buf[site..site + 8].copy_from_slice(&v.to_le_bytes());
            }
            Reloc::X86PCRel4 | Reloc::X86CallPCRel4 | Reloc::X86CallPLTRel4 => {
                let delta = target + r.addend - (at + site) as i64;
                let v = i32::try_from(delta).map_err(|_| "relocation out of range".to_string())?;
                buf[site..site + 4].copy_from_slice(&v.to_le_bytes());
            }
            k => return Err(format!("unsupported relocation kind {k:?}")),
        }
    }
    Ok(())
}

thread_local! {
    static CONTEXTS: RefCell<Option<(FunctionBuilderContext, Context)>> = const { RefCell::new(None) };
}

impl LazyModule {
    /// Lays out and maps the stubs, thunks and trampolines of a module
    /// that `desc` describes, and queues its functions for the
    /// background workers.
    pub fn new(
        desc: Arc<ModuleDesc>,
        config: &CompileConfig,
        isa: OwnedTargetIsa,
        on_linked: Option<LinkedHook>,
        tiered: Option<Tiered>,
        workers: usize,
    ) -> Result<Arc<LazyModule>, CompileError> {
        let codegen = |msg: String| CompileError::Codegen { func: u32::MAX, msg };
        let info = desc.info();
        let num_imported = desc.num_imported_funcs();
        let ndefs = desc.num_defined_funcs() as usize;
        let page = CodeRegion::page_size();
        // Thunks and trampolines are a few moves and a call each: compiled
        // quickly rather than well, on both cores (a large module has
        // thousands, made before it starts).
        let quick = crate::quick_isa(&*isa);
        let qisa: &dyn cranelift_codegen::isa::TargetIsa = quick.as_deref().unwrap_or(&*isa);
        #[derive(Clone, Copy)]
        enum Job {
            /// The thunk template of a type of defined functions.
            Template(u32),
            /// The array-call trampoline of a defined function that can
            /// escape to the host (exported, in tables, named by
            /// `ref.func`, or the start function); not for tiered modules,
            /// which call through their types' indirect entries and make
            /// these for the final image only, on the worker that links it.
            Array(u32),
            /// The foreign trampoline of a type (every type).
            Foreign(u32),
            /// A tiered module's indirect array call of a type, for calls
            /// from the interpreter into any compiled function.
            Indirect(u32),
        }
        // Per-type thunks and trampolines, one per machine signature.
        let reps = trampoline::signature_reps(&info.types);
        let mut jobs = Vec::new();
        let mut seen = vec![false; info.types.len()];
        for def in 0..ndefs {
            let ty = reps[info.funcs[num_imported as usize + def] as usize];
            if !std::mem::replace(&mut seen[ty as usize], true) {
                jobs.push(Job::Template(ty));
            }
        }
        if tiered.is_none() {
            jobs.extend((0..ndefs as u32).map(Job::Array));
        }
        let distinct = || (0..info.types.len() as u32).filter(|&t| reps[t as usize] == t);
        jobs.extend(distinct().map(Job::Foreign));
        if tiered.is_some() {
            jobs.extend(distinct().map(Job::Indirect));
        }
        let compiled: Vec<Option<Result<CompiledFunc, CompileError>>> = jobs
            .par_iter()
            .map_init(
                || (FunctionBuilderContext::new(), Context::new()),
                |(fctx, ctx), job| {
                    let f = match *job {
                        Job::Template(ty) if tiered.is_some() => interp_thunk_template(&info.types[ty as usize], qisa),
                        Job::Template(ty) => thunk_template(&info.types[ty as usize], qisa),
                        Job::Array(def) => return array_trampoline(&desc, def, qisa, fctx, ctx),
                        Job::Foreign(ty) => trampoline::native_to_foreign(&info.types[ty as usize], qisa, fctx),
                        Job::Indirect(ty) => trampoline::array_to_native_indirect(&info.types[ty as usize], qisa, fctx),
                    };
                    Some(compile_function(ctx, f, qisa, u32::MAX, num_imported))
                },
            )
            .collect();
        let mut templates: HashMap<u32, (Vec<u8>, usize)> = HashMap::new();
        let mut array = Vec::new();
        let mut foreign: Vec<Option<CompiledFunc>> = vec![None; info.types.len()];
        let mut indirect: Vec<Option<CompiledFunc>> = vec![None; info.types.len()];
        for (job, c) in jobs.iter().zip(compiled) {
            match (*job, c) {
                (Job::Template(ty), Some(c)) => {
                    let c = c?;
                    let at: Vec<usize> = c
                        .bytes
                        .windows(8)
                        .enumerate()
                        .filter(|(_, w)| *w == MAGIC.to_le_bytes())
                        .map(|(i, _)| i)
                        .collect();
                    if at.len() != 1 || !c.relocs.is_empty() {
                        return Err(codegen("unexpected lazy-compilation thunk".into()));
                    }
                    templates.insert(ty, (c.bytes, at[0]));
                }
                (Job::Array(def), Some(c)) => array.push((def, c?)),
                (Job::Foreign(ty), c) => foreign[ty as usize] = c.and_then(Result::ok),
                (Job::Indirect(ty), c) => indirect[ty as usize] = c.and_then(Result::ok),
                (_, None) => {}
            }
        }
        // Layout of the front.
        let symbols = all_symbols();
        let symbol_stub = link::stub_size(&*isa);
        let mut len = ndefs * STUB;
        len = align_to(len, 16);
        let symbols_at = len;
        len += symbols.len() * symbol_stub;
        let mut thunks = Vec::with_capacity(ndefs);
        for def in 0..ndefs {
            len = align_to(len, 16);
            thunks.push(len);
            len += templates[&reps[info.funcs[num_imported as usize + def] as usize]]
                .0
                .len();
        }
        let mut array_at = Vec::with_capacity(array.len());
        for (_, f) in &array {
            len = align_to(len, f.align.max(16) as usize);
            array_at.push(len);
            len += f.bytes.len();
        }
        // Per-type trampolines: their offsets (`NO_TRAMPOLINE` for none).
        let mut lay_out = |fs: &[Option<CompiledFunc>]| -> Vec<u32> {
            fs.iter()
                .map(|f| match f {
                    Some(f) => {
                        len = align_to(len, f.align.max(16) as usize);
                        let at = len as u32;
                        len += f.bytes.len();
                        at
                    }
                    None => NO_TRAMPOLINE,
                })
                .collect()
        };
        let mut foreign_at = lay_out(&foreign);
        let mut indirect_at = lay_out(&indirect);
        for (t, &r) in reps.iter().enumerate() {
            foreign_at[t] = foreign_at[r as usize];
            indirect_at[t] = indirect_at[r as usize];
        }
        let front_len = len;
        let slots_at = align_to(front_len.max(1), page);
        let chunks_at = align_to(slots_at + ndefs.max(1) * 8, page);
        let body_bytes: usize = (0..ndefs as u32).map(|d| desc.body(d).bytes.len()).sum();
        let chunk_area = (body_bytes.saturating_mul(16))
            .saturating_add(ndefs * page)
            .saturating_add(1 << 20)
            .min(1 << 30);
        let chunks_end = chunks_at + align_to(chunk_area, page);
        let region = CodeRegion::reserve(chunks_end)?;
        let base = region.as_ptr() as usize;
        let funcref = std::mem::size_of::<tern_vm::vmctx::VMFuncRef>() as u64;
        let entries: Box<[LazyEntry]> = (0..ndefs as u32)
            .map(|def| {
                let ty = info.funcs[(num_imported + def) as usize];
                let foreign = match foreign_at[ty as usize] {
                    NO_TRAMPOLINE => 0,
                    at => (base + at as usize) as u64,
                };
                LazyEntry {
                    module: AtomicPtr::new(std::ptr::null_mut()),
                    def,
                    funcref_offset: (num_imported + def) as u64 * funcref,
                    foreign,
                }
            })
            .collect();
        if tiered.is_some() && entries.iter().any(|e| e.foreign == 0) {
            return Err(codegen("a tiered function's type has no foreign trampoline".into()));
        }

        // The slots, first pointing at the thunks.
        // SAFETY: fresh, page-aligned pages of the reservation.
        let slots = unsafe { region.make_rw(slots_at, chunks_at - slots_at)? }.cast::<usize>();
        for (def, &t) in thunks.iter().enumerate() {
            // SAFETY: `chunks_at - slots_at` holds `ndefs` words.
            unsafe { slots.add(def).write(base + t) };
        }

        let stub = |def: u32| base + def as usize * STUB;
        let symbol_stub_at = |s: Symbol| base + symbols_at + s.id() as usize * symbol_stub;
        let mut traps = Vec::new();
        // SAFETY: fresh pages at the start of the reservation.
        unsafe {
            region.fill(0, front_len.max(1), |buf: &mut [u8]| -> Result<(), CompileError> {
                for def in 0..ndefs {
                    let at = def * STUB;
                    let slot = base + slots_at + def * 8;
                    let disp = (slot as i64 - (base + at + 6) as i64) as i32;
                    buf[at..at + 2].copy_from_slice(&[0xff, 0x25]);
                    buf[at + 2..at + 6].copy_from_slice(&disp.to_le_bytes());
                    buf[at + 6..at + 8].copy_from_slice(&[0xcc, 0xcc]);
                }
                for s in &symbols {
                    let at = symbols_at + s.id() as usize * symbol_stub;
                    let addr_at = at + link::write_stub(&*isa, &mut buf[at..]);
                    buf[addr_at..addr_at + 8].copy_from_slice(&(s.address() as u64).to_le_bytes());
                }
                for (def, &at) in thunks.iter().enumerate() {
                    let (bytes, magic) = &templates[&reps[info.funcs[num_imported as usize + def] as usize]];
                    buf[at..at + bytes.len()].copy_from_slice(bytes);
                    let e = &entries[def] as *const LazyEntry as u64;
                    buf[at + magic..at + magic + 8].copy_from_slice(&e.to_le_bytes());
                }
                for ((_, f), &at) in array.iter().zip(&array_at) {
                    place(&mut buf[at..], base + at, f, &stub, &symbol_stub_at).map_err(codegen)?;
                    traps.extend(f.traps.iter().map(|&(o, c)| ((at + o as usize) as u32, c)));
                }
                for (f, &at) in foreign.iter().zip(&foreign_at).chain(indirect.iter().zip(&indirect_at)) {
                    if let Some(f) = f {
                        let at = at as usize;
                        place(&mut buf[at..], base + at, f, &stub, &symbol_stub_at).map_err(codegen)?;
                        traps.extend(f.traps.iter().map(|&(o, c)| ((at + o as usize) as u32, c)));
                    }
                }
                Ok(())
            })?;
        }
        traps.sort_by_key(|t| t.0);
        let front_registration = Some(tern_vm::code::register(
            base..base + front_len.max(1),
            trap_lookup(traps.into()),
        ));
        let mut array_calls = vec![NO_TRAMPOLINE; ndefs];
        for ((def, _), &at) in array.iter().zip(&array_at) {
            array_calls[*def as usize] = at as u32;
        }
        let mut array_funcs: Vec<Option<CompiledFunc>> = vec![None; ndefs];
        for (def, f) in array {
            array_funcs[def as usize] = Some(f);
        }
        let m = Arc::new(LazyModule {
            desc,
            isa,
            quick,
            workers: workers.max(1),
            active: AtomicUsize::new(0),
            config: config.translate(),
            num_imported,
            ndefs,
            state: Mutex::new(State {
                funcs: (0..ndefs).map(|_| FuncState::NotStarted).collect(),
                placed: vec![0; ndefs],
                chunks: Vec::new(),
                inlined: std::collections::BTreeMap::new(),
                registrations: Vec::new(),
                next_chunk: chunks_at,
                finished: 0,
                cursor: 0,
                failed: false,
                linking: false,
                linked: None,
                trampolines: Some((array_funcs, foreign, reps)),
                on_linked,
                requests: Default::default(),
                wanted: vec![false; ndefs],
                osr: HashMap::new(),
                osr_requests: Default::default(),
                osr_dropped: Default::default(),
                osr_code: Default::default(),
            }),
            cond: Condvar::new(),
            front_registration,
            region,
            entries,
            slots_at,
            symbols_at,
            symbol_stub,
            array_calls,
            foreign: foreign_at,
            chunks_end,
            observer: Mutex::new(None),
            tiered,
            array_indirect: indirect_at,
        });
        for e in m.entries.iter() {
            e.module.store(Arc::as_ptr(&m).cast_mut(), Ordering::Release);
        }
        // (With no functions, a worker links the trampolines at once.)
        if m.tiered.as_ref().is_none_or(|t| t.background) {
            m.wake(m.workers);
        }

        Ok(m)
    }

    fn base(&self) -> usize {
        self.region.as_ptr() as usize
    }

    fn slot(&self, def: u32) -> &AtomicUsize {
        // SAFETY: the slots are `ndefs` words of read-write memory at
        // `slots_at` for the life of the region; `def < ndefs`.
        unsafe { &*((self.base() + self.slots_at) as *const AtomicUsize).add(def as usize) }
    }

    /// Where calls of defined function `def` go (its stub; stable).
    pub fn native_call(&self, def: u32) -> *const u8 {
        (self.base() + def as usize * STUB) as *const u8
    }

    /// The array-call entry of `def`, or null when it cannot escape to
    /// the host.
    pub fn array_call(&self, def: u32) -> *const u8 {
        match self.array_calls.get(def as usize) {
            Some(&o) if o != NO_TRAMPOLINE => (self.base() + o as usize) as *const u8,
            _ => std::ptr::null(),
        }
    }

    /// The indirect array-call trampoline of type `ty` (a tiered module's;
    /// null otherwise): `extern "C" fn(callee_vmctx, caller_vmctx, values,
    /// code)`.
    pub fn array_indirect(&self, ty: u32) -> *const u8 {
        match self.array_indirect.get(ty as usize) {
            Some(&o) if o != NO_TRAMPOLINE => (self.base() + o as usize) as *const u8,
            _ => std::ptr::null(),
        }
    }

    /// Asks for `def` to be compiled and installed (a tiered module's
    /// function that became hot): `now` on this thread before returning,
    /// otherwise by the background workers, before functions nobody asked
    /// for. A failure to compile leaves the function interpreted.
    pub fn request(self: &Arc<Self>, def: u32, now: bool) {
        if def as usize >= self.ndefs {
            return;
        }
        let mut st = lock(&self.state);
        st.wanted[def as usize] = true;
        let compiled = matches!(st.funcs[def as usize], FuncState::Done(_));
        if now || (compiled && st.placed[def as usize] == 0 && st.linked.is_none()) {
            // Compiled in the background but not placed (nobody wanted it
            // then): placing it is quick, so it happens here.
            drop(st);
            let _ = self.resolve(def);
            return;
        }
        if !matches!(st.funcs[def as usize], FuncState::NotStarted) {
            return;
        }
        st.requests.push_back(def);
        drop(st);
        self.wake(1);
    }

    /// The foreign trampoline of type `ty`, or null.
    pub fn foreign_trampoline(&self, ty: u32) -> *const u8 {
        match self.foreign.get(ty as usize) {
            Some(&o) if o != NO_TRAMPOLINE => (self.base() + o as usize) as *const u8,
            _ => std::ptr::null(),
        }
    }

    /// The defined function whose compiled code contains `pc`.
    pub fn func_at(&self, pc: usize) -> Option<u32> {
        self.func_containing(pc).map(|(def, _)| def)
    }

    /// The defined function whose code contains `pc`, and the address its
    /// code starts at.
    pub fn func_containing(&self, pc: usize) -> Option<(u32, usize)> {
        let st = lock(&self.state);
        if let Some(l) = &st.linked
            && let Some(d) = l.func_containing(pc)
        {
            return Some(d);
        }
        let i = st.chunks.partition_point(|c| c.0 <= pc);
        let &(s, e, def) = st.chunks.get(i.checked_sub(1)?)?;
        (s..e).contains(&pc).then_some((def, s))
    }

    /// The loop whose OSR entry the code at `pc` is, if it is one.
    pub fn osr_loop_at(&self, pc: usize) -> Option<u32> {
        let st = lock(&self.state);
        let (_, &(end, at_loop)) = st.osr_code.range(..=pc).next_back()?;
        (pc < end).then_some(at_loop)
    }

    /// The virtual frames (outermost first) at `pc` when it lies in inlined
    /// code.
    pub fn inline_frames(&self, pc: usize) -> Option<Vec<u32>> {
        let st = lock(&self.state);
        let linked = st.linked.as_ref().and_then(|l| l.inline_frames(pc));
        linked
            .or_else(|| st.inlined.get(&pc).map(|f| &f[..]))
            .map(<[u32]>::to_vec)
    }

    /// Registers `f` to be told of code as it appears (and at once of the
    /// code there is).
    pub fn observe(&self, f: CodeObserver) {
        let st = lock(&self.state);
        let mut known: Vec<(usize, usize, u32)> = st.chunks.iter().map(|&(s, e, d)| (s, e - s, d)).collect();
        if let Some(l) = &st.linked {
            known.extend(l.function_ranges());
        }
        if !known.is_empty() {
            f(&known);
        }
        *self.observer.lock().unwrap_or_else(|e| e.into_inner()) = Some(f);
        drop(st);
    }

    fn notify(&self, code: &[(usize, usize, u32)]) {
        if let Some(f) = &*self.observer.lock().unwrap_or_else(|e| e.into_inner()) {
            f(code);
        }
        if let Some(t) = &self.tiered {
            for &(_, _, def) in code {
                (t.on_placed)(def);
            }
        }
    }

    /// Compiles `def` on this thread, or on a helper thread with a stack
    /// of its own when little of this thread's is left (a guest deep in
    /// recursion calling a function for the first time).
    fn compile(&self, def: u32) -> Result<CompiledFunc, String> {
        const ENOUGH: usize = 4 << 20;
        if tern_vm::signals::stack_remaining().is_some_and(|n| n >= ENOUGH) {
            return self.compile_here(def);
        }
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("tern-compile-deep".into())
                .stack_size(2 * ENOUGH)
                .spawn_scoped(s, || self.compile_here(def))
                .map_err(|e| format!("cannot start a compiler thread: {e}"))?
                .join()
                .unwrap_or_else(|_| Err("the compiler panicked".into()))
        })
    }

    fn compile_here(&self, def: u32) -> Result<CompiledFunc, String> {
        self.with_contexts(def, None)
    }

    /// Compiles `def` (its OSR entry at loop `osr`, when given) with this
    /// thread's compiler contexts; a panic of the compiler is an error
    /// (and the contexts are dropped: they may be left in any state).
    fn with_contexts(&self, def: u32, osr: Option<u32>) -> Result<CompiledFunc, String> {
        let run = || {
            CONTEXTS.with(|c| {
                let mut c = c.borrow_mut();
                let cx = c.get_or_insert_with(|| (FunctionBuilderContext::new(), Context::new()));
                let n = self.num_imported;
                let bodies = |g: u32| {
                    let d = g.checked_sub(n)?;
                    (d < self.ndefs as u32).then(|| self.desc.body(d))
                };
                let (info, body) = (self.desc.info(), self.desc.body(def));
                compile_entry(info, n, n + def, &body, &bodies, &self.config, &*self.isa, cx, osr)
                    .map_err(|e| e.to_string())
            })
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
            Ok(r) => r,
            Err(_) => {
                CONTEXTS.with(|c| c.borrow_mut().take());
                Err(format!("function {}: the compiler panicked", self.num_imported + def))
            }
        }
    }

    /// Records the outcome of compiling `def`; when it was the last, links
    /// the final image on a background worker (this thread, if it is one:
    /// a guest's thread that compiled the last function on its first call
    /// hands the linking, and the hook, to the workers).
    fn finish<'a>(self: &'a Arc<Self>, mut st: MutexGuard<'a, State>, def: u32, r: Result<CompiledFunc, String>) {
        st.funcs[def as usize] = match r {
            Ok(f) => FuncState::Done(Arc::new(f)),
            Err(e) => {
                st.failed = true;
                FuncState::Failed(e)
            }
        };
        // A tiered module installs a function it was asked for at once (a
        // full chunk area leaves the function interpreted until the final
        // image); the others it compiles on the way to the final image.
        let mut placed = None;
        if self.tiered.is_some()
            && st.wanted[def as usize]
            && st.placed[def as usize] == 0
            && let FuncState::Done(f) = &st.funcs[def as usize]
        {
            let f = f.clone();
            placed = self.place_chunk(&mut st, def, &f).ok().flatten();
        }
        if let Some(range) = placed {
            drop(st);
            self.notify(&[range]);
            st = lock(&self.state);
        }
        st.finished += 1;
        let failed = st.failed;
        let last = st.finished == self.ndefs;
        self.cond.notify_all();
        if failed {
            // No image will come: say so once.
            let hook = st.on_linked.take();
            drop(st);
            if let Some(hook) = hook {
                hook(None);
            }
            return;
        }
        if !last {
            return;
        }
        if workers::on_worker() {
            st.linking = true;
            self.link_final(st);
        } else {
            drop(st);
            self.wake(1);
        }
    }

    /// Links the final image of every compiled function and the
    /// trampolines, points the slots into it and hands it to the hook.
    fn link_final(&self, mut st: MutexGuard<'_, State>) {
        let funcs: Vec<CompiledFunc> = st
            .funcs
            .iter()
            .filter_map(|f| match f {
                FuncState::Done(f) => Some((**f).clone()),
                _ => None,
            })
            .collect();
        let (mut array, foreign, reps) = st.trampolines.take().unwrap_or_default();
        drop(st);
        if self.tiered.is_some() {
            let (mut fctx, mut ctx) = (FunctionBuilderContext::new(), Context::new());
            let isa = self.quick.as_deref().unwrap_or(&*self.isa);
            for (def, slot) in array.iter_mut().enumerate() {
                *slot = match array_trampoline(&self.desc, def as u32, isa, &mut fctx, &mut ctx) {
                    Some(Ok(f)) => Some(f),
                    Some(Err(_)) => return self.link_failed(),
                    None => None,
                };
            }
        }
        let linked =
            link::link(&*self.isa, self.num_imported, funcs, array, foreign, &reps).and_then(CompiledModule::load);
        let mut st = lock(&self.state);
        let hook = st.on_linked.take();
        match linked {
            Ok(l) => {
                let l = Arc::new(l);
                for def in 0..self.ndefs as u32 {
                    self.slot(def).store(l.native_call(def) as usize, Ordering::Release);
                }
                let ranges = l.function_ranges();
                st.linked = Some(l.clone());
                self.cond.notify_all();
                drop(st);
                self.notify(&ranges);
                if let Some(hook) = hook {
                    hook(Some(l.artifact()));
                }
            }
            Err(_) => {
                st.on_linked = hook;
                drop(st);
                self.link_failed();
            }
        }
    }

    /// There will be no final image: chunks keep serving, and calls that
    /// found the chunk area full must not wait for it.
    fn link_failed(&self) {
        let mut st = lock(&self.state);
        let hook = st.on_linked.take();
        st.failed = true;
        self.cond.notify_all();
        drop(st);
        if let Some(hook) = hook {
            hook(None);
        }
    }

    /// The address of `def`'s code, compiling and placing it if need be
    /// (on the calling thread).
    fn resolve(self: &Arc<Self>, def: u32) -> Result<usize, String> {
        let d = def as usize;
        let mut st = lock(&self.state);
        loop {
            if let Some(l) = &st.linked {
                return Ok(l.native_call(def) as usize);
            }
            if st.placed[d] != 0 {
                return Ok(st.placed[d]);
            }
            match &st.funcs[d] {
                FuncState::Done(f) => {
                    let f = f.clone();
                    match self.place_chunk(&mut st, def, &f)? {
                        Some(range) => {
                            drop(st);
                            self.notify(&[range]);
                            return Ok(range.0);
                        }
                        // The chunk area is full: wait for the final image.
                        None if st.failed => return Err("out of space for lazily compiled code".into()),
                        None => st = self.cond.wait(st).unwrap_or_else(|e| e.into_inner()),
                    }
                }
                FuncState::InProgress => st = self.cond.wait(st).unwrap_or_else(|e| e.into_inner()),
                FuncState::NotStarted => {
                    st.funcs[d] = FuncState::InProgress;
                    drop(st);
                    let r = self.compile(def);
                    self.finish(lock(&self.state), def, r);
                    st = lock(&self.state);
                }
                FuncState::Failed(e) => return Err(e.clone()),
            }
        }
    }

    /// Places `f` in the chunk area: its `(address, size, def)`, or `None`
    /// when the area is full.
    fn place_chunk(&self, st: &mut State, def: u32, f: &CompiledFunc) -> Result<Option<(usize, usize, u32)>, String> {
        // Calls of functions already placed (and of itself) go there
        // directly; the others through their stubs.
        let Some(addr) = self.place_code(st, f, Some(def))? else {
            return Ok(None);
        };
        let size = f.bytes.len().max(1);
        st.placed[def as usize] = addr;
        st.chunks.push((addr, addr + size, def));
        for (o, fr) in &f.inlined {
            st.inlined.insert(addr + *o as usize, fr.clone());
        }
        self.slot(def).store(addr, Ordering::Release);
        Ok(Some((addr, size, def)))
    }

    /// Writes `f` to fresh pages of the chunk area and registers its trap
    /// sites and handlers: its address, or `None` when the area is full.
    /// Calls go to functions already placed directly (to `own`, the
    /// function `f` is, at its new address), to the others through their
    /// stubs.
    fn place_code(&self, st: &mut State, f: &CompiledFunc, own: Option<u32>) -> Result<Option<usize>, String> {
        let page = CodeRegion::page_size();
        let size = f.bytes.len().max(1);
        let at = st.next_chunk;
        let end = at + align_to(size, page);
        if end > self.chunks_end {
            return Ok(None);
        }
        let base = self.base();
        let addr = base + at;
        let placed = &st.placed;
        let stub = |g: u32| match placed[g as usize] {
            _ if Some(g) == own => addr,
            0 => base + g as usize * STUB,
            a => a,
        };
        let symbol_stub = |s: Symbol| base + self.symbols_at + s.id() as usize * self.symbol_stub;
        // SAFETY: fresh pages of the chunk area (`next_chunk` only grows,
        // under the state lock).
        unsafe {
            self.region
                .fill(at, size, |buf: &mut [u8]| {
                    place(buf, addr, f, &stub, &symbol_stub).map_err(std::io::Error::other)
                })
                .map_err(|e| e.to_string())?;
        }
        st.next_chunk = end;
        st.registrations.push(tern_vm::code::register_with_handlers(
            addr..addr + size,
            trap_lookup(f.traps.as_slice().into()),
            link::handler_lookup(f.handlers.as_slice().into()),
        ));
        Ok(Some(addr))
    }

    /// The OSR entry of `def` at loop `at_loop`, once placed: its code
    /// (see `translate::translate_osr`) and the array-call trampoline that
    /// calls it, `extern "C" fn(vmctx, caller, values, code)` where
    /// `values[0]` points at the interpreter's state and receives the
    /// results.
    pub fn osr_entry(&self, def: u32, at_loop: u32) -> Option<(*const u8, *const u8)> {
        match lock(&self.state).osr.get(&(def, at_loop)) {
            Some(&OsrState::Ready { code, entry }) => Some((code as *const u8, entry as *const u8)),
            _ => None,
        }
    }

    fn compile_osr_here(&self, def: u32, at_loop: u32) -> Result<(CompiledFunc, CompiledFunc), String> {
        let f = self.with_contexts(def, Some(at_loop))?;
        // Its trampoline: the array call of a function taking the state's
        // address and returning the function's results.
        let info = self.desc.info();
        let ty = &info.types[info.funcs[(self.num_imported + def) as usize] as usize];
        let tty = tern_binary::FuncType::new([tern_binary::ValType::I64], ty.results().iter().copied());
        let (mut fctx, mut ctx) = (FunctionBuilderContext::new(), Context::new());
        let isa = self.quick.as_deref().unwrap_or(&*self.isa);
        let t = trampoline::array_to_native_indirect(&tty, isa, &mut fctx);
        let t = compile_function(&mut ctx, t, isa, u32::MAX, self.num_imported).map_err(|e| e.to_string())?;
        Ok((f, t))
    }

    /// Asks for the on-stack-replacement entry of `def` at its loop
    /// `at_loop` (see `translate::translate_osr`): compiled `now` on this
    /// thread, otherwise by the background workers before anything else.
    /// `Tiered::on_osr_ready` hears when it is there.
    pub fn request_osr(self: &Arc<Self>, def: u32, at_loop: u32, now: bool) {
        if def as usize >= self.ndefs || self.tiered.is_none() {
            return;
        }
        let mut st = lock(&self.state);
        if st.osr.contains_key(&(def, at_loop)) {
            return;
        }
        // One entry of a function at a time: another of its loops asks
        // again later (a large function's entry takes long to compile,
        // and the first may serve the call that is running).
        let busy = st
            .osr
            .iter()
            .any(|(&(d, _), s)| d == def && matches!(s, OsrState::InProgress));
        if busy {
            drop(st);
            if let Some(t) = &self.tiered {
                (t.on_osr_dropped)(def, at_loop);
            }
            return;
        }
        st.osr.insert((def, at_loop), OsrState::InProgress);
        if now {
            drop(st);
            self.compile_osr(def, at_loop);
            return;
        }
        st.osr_requests.push_back((def, at_loop));
        drop(st);
        self.wake(1);
    }

    /// Compiles and places an OSR entry and its array-call trampoline.
    fn compile_osr(&self, def: u32, at_loop: u32) {
        let r = self.compile_osr_here(def, at_loop);
        let mut st = lock(&self.state);
        let placed = r.and_then(|(f, t)| {
            let full = || "out of space for compiled code".to_string();
            let code = self.place_code(&mut st, &f, None)?.ok_or_else(full)?;
            let size = f.bytes.len().max(1);
            st.chunks.push((code, code + size, def));
            st.osr_code.insert(code, (code + size, at_loop));
            for (o, fr) in &f.inlined {
                st.inlined.insert(code + *o as usize, fr.clone());
            }
            let entry = self.place_code(&mut st, &t, None)?.ok_or_else(full)?;
            Ok((code, size, entry))
        });
        let ready = match placed {
            Ok((code, size, entry)) => {
                st.osr.insert((def, at_loop), OsrState::Ready { code, entry });
                Some((code, size))
            }
            Err(_) => {
                st.osr.insert((def, at_loop), OsrState::Failed);
                None
            }
        };
        drop(st);
        if let Some((code, size)) = ready {
            if let Some(f) = &*self.observer.lock().unwrap_or_else(|e| e.into_inner()) {
                f(&[(code, size, def)]);
            }
            if let Some(t) = &self.tiered {
                (t.on_osr_ready)(def, at_loop);
            }
        }
    }

    /// Asks up to `n` more background workers to work on this module,
    /// within its limit ([`LazyModule::new`]'s `workers`).
    fn wake(self: &Arc<Self>, n: usize) {
        for _ in 0..n {
            let more = self.active.fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| {
                (a < self.workers).then_some(a + 1)
            });
            if more.is_err() {
                return;
            }
            workers::submit(Arc::downgrade(self), self.workers);
        }
    }

    /// A worker's turn on this module: works until nothing is left, then
    /// leaves, and wakes a worker again if work came in as it left (the
    /// others may have left too).
    fn turn(self: &Arc<Self>) {
        self.work();
        self.active.fetch_sub(1, Ordering::AcqRel);
        let st = lock(&self.state);
        let background = self.tiered.as_ref().is_none_or(|t| t.background);
        let left = !st.osr_requests.is_empty()
            || !st.requests.is_empty()
            || (background && st.cursor < self.ndefs)
            || (st.finished == self.ndefs && !st.failed && !st.linking);
        drop(st);
        if left && Arc::strong_count(self) > 1 {
            self.wake(1);
        }
    }

    /// A worker's share: compiles functions nobody has started.
    fn work(self: &Arc<Self>) {
        loop {
            // Nobody else holds the module: it is being dropped.
            if Arc::strong_count(self) == 1 {
                return;
            }
            let mut st = lock(&self.state);
            if let Some((def, at_loop)) = st.osr_requests.pop_front() {
                let installed = st.placed[def as usize] != 0 || st.linked.is_some();
                if installed && st.osr_dropped.insert((def, at_loop)) {
                    st.osr.remove(&(def, at_loop));
                    drop(st);
                    if let Some(t) = &self.tiered {
                        (t.on_osr_dropped)(def, at_loop);
                    }
                    continue;
                }
                drop(st);
                self.compile_osr(def, at_loop);
                continue;
            }
            let mut next = None;
            while let Some(d) = st.requests.pop_front() {
                if matches!(st.funcs[d as usize], FuncState::NotStarted) {
                    st.funcs[d as usize] = FuncState::InProgress;
                    next = Some(d);
                    break;
                }
            }
            // (A tiered module without background compilation compiles
            // only what is asked for.)
            let background = self.tiered.as_ref().is_none_or(|t| t.background);
            while next.is_none() && background && st.cursor < self.ndefs {
                let d = st.cursor;
                st.cursor += 1;
                if matches!(st.funcs[d], FuncState::NotStarted) {
                    st.funcs[d] = FuncState::InProgress;
                    next = Some(d as u32);
                    break;
                }
            }
            let Some(def) = next else {
                // Every function compiled (by threads that were not
                // workers, or none to compile): link, unless another
                // worker is at it or has done it.
                if st.finished == self.ndefs && !st.failed && !st.linking {
                    st.linking = true;
                    self.link_final(st);
                }
                return;
            };
            drop(st);
            let r = self.compile(def);
            self.finish(lock(&self.state), def, r);
        }
    }
}

impl Drop for LazyModule {
    fn drop(&mut self) {
        // Unregister before the region is unmapped (the state's
        // registrations drop with it, before `region`).
        self.front_registration.take();
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        st.registrations.clear();
    }
}

/// `lazy_compile(entry) -> code`: the thunks' call into the runtime.
unsafe extern "C" fn lazy_compile(entry: *const LazyEntry) -> usize {
    // SAFETY: thunks pass the address of their entry, which lives as long
    // as the module's code; the module is alive while its code runs.
    unsafe {
        tern_vm::signals::libcall(|| {
            let e = &*entry;
            let m = &*e.module.load(Ordering::Acquire);
            // Keep the module alive while compiling: its code is running, so
            // some instance holds it; take a counted reference to be sure.
            let m = counted(m);
            m.resolve(e.def)
                .map_err(|msg| tern_vm::Trap::msg(format!("compilation failed: {msg}")))
        })
    }
}

/// A new counted reference to the module `m`.
///
/// # Safety
///
/// `m` points into a live `Arc<LazyModule>`.
unsafe fn counted(m: &LazyModule) -> Arc<LazyModule> {
    let p: *const LazyModule = m;
    // SAFETY: the caller's contract; the count is raised before the new
    // `Arc` is made, so the contents stay alive.
    unsafe {
        Arc::increment_strong_count(p);
        Arc::from_raw(p)
    }
}

/// The background workers: threads that compile queued modules'
/// functions, one fewer than the host's cores (at least one).
mod workers {
    use super::LazyModule;
    use std::sync::mpsc::{Receiver, Sender, channel};
    use std::sync::{Arc, Mutex, OnceLock, Weak};

    /// The job queue, its receiving end (shared by the workers) and how
    /// many workers there are.
    struct Pool {
        tx: Sender<Weak<LazyModule>>,
        rx: Arc<Mutex<Receiver<Weak<LazyModule>>>>,
        threads: usize,
    }

    static POOL: OnceLock<Mutex<Pool>> = OnceLock::new();

    thread_local! {
        static WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Whether this thread is one of the workers.
    pub(super) fn on_worker() -> bool {
        WORKER.with(|w| w.get())
    }

    /// Queues a turn on `m` for a worker, first starting workers until
    /// there are `threads` (the process's workers are shared by every
    /// module; each module limits how many work on it).
    pub(super) fn submit(m: Weak<LazyModule>, threads: usize) {
        let pool = POOL.get_or_init(|| {
            let (tx, rx) = channel::<Weak<LazyModule>>();
            Mutex::new(Pool {
                tx,
                rx: Arc::new(Mutex::new(rx)),
                threads: 0,
            })
        });
        let mut pool = pool.lock().unwrap_or_else(|e| e.into_inner());
        while pool.threads < threads {
            let rx = pool.rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("tern-compile-{}", pool.threads))
                .stack_size(8 << 20)
                .spawn(move || run(&rx));
            if spawned.is_err() {
                break;
            }
            pool.threads += 1;
        }
        let _ = pool.tx.send(m);
    }

    fn run(rx: &Mutex<Receiver<Weak<LazyModule>>>) {
        WORKER.with(|w| w.set(true));
        loop {
            let job = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                Ok(j) => j,
                Err(_) => return,
            };
            if let Some(m) = job.upgrade() {
                m.turn();
            }
        }
    }
}
