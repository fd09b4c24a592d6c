//! The minimal test host shared by the execution tests: translated code
//! compiled and linked into an executable mapping, instances with guarded
//! memories, tables, globals and segments, bulk operations as libcalls,
//! host-to-Wasm trampolines, and trap checking in forked processes.

// Entities are boxed, as in tern's store, so that the addresses compiled
// code holds stay put whatever happens to the vectors.
#![allow(clippy::vec_box, dead_code)]

use std::collections::HashMap;

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, AbiParam, ExternalName, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{FinalizedRelocTarget, ir::types::I64};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use tern_binary::{DataMode, ElementItems, ElementMode, ExternKind, FuncType, Module, Operator, ValType};
use tern_cranelift::translate::{
    BoundsChecks, NS_FUNC, NS_LIBCALL, TranslateConfig, clif_type, native_signature, tern_trap_code,
    translate_function_with_imports,
};
use tern_validate::Features;
use tern_vm::TrapCode;
use tern_vm::vmctx::{Libcall, VMContext, VMFuncRef, VMStoreContext};

pub fn host_isa() -> OwnedTargetIsa {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").unwrap();
    flags.set("preserve_frame_pointers", "true").unwrap();
    // Functions with more results than return registers (multi-value).
    flags.set("enable_multi_ret_implicit_sret", "true").unwrap();
    cranelift_native::builder()
        .unwrap()
        .finish(settings::Flags::new(flags))
        .unwrap()
}

// ---------------------------------------------------------------------------
// The test host's instance

/// Pages a test memory may grow to.
pub const MAX_TEST_PAGES: u64 = 1024;

/// A 32-bit memory's reservation, as guard mode wants it: 8 GiB + 64 KiB
/// of address space, inaccessible past the memory's length, so that any
/// 32-bit index plus 32-bit offset faults when out of bounds. The base
/// never moves.
pub struct Reservation {
    pub ptr: *mut u8,
    pub len: usize,
}

pub const RESERVATION: usize = (8 << 30) + (64 << 10);

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
    pub fn resize(&mut self, len: usize, _zero: u8) {
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
pub struct Mem {
    pub base: *mut u8,
    pub len: usize,
    pub buf: Reservation,
    pub max_pages: u64,
}

#[repr(C)]
pub struct Tab {
    pub base: *mut u64,
    pub len: usize,
    pub elems: Vec<u64>,
    pub max: u64,
}

/// `vmctx` comes first, so libcalls find the rest from their `vmctx`.
#[repr(C)]
pub struct Host {
    pub vmctx: VMContext,
    pub store: VMStoreContext,
    pub interrupt: u64,
    pub memories: Vec<Box<Mem>>,
    pub mem_ptrs: Vec<*mut Mem>,
    pub tables: Vec<Box<Tab>>,
    pub tab_ptrs: Vec<*mut Tab>,
    pub globals: Vec<Box<u128>>,
    pub global_ptrs: Vec<*mut u128>,
    pub funcs: Vec<VMFuncRef>,
    pub func_ref_ptrs: Vec<*const VMFuncRef>,
    pub sigs: Vec<u32>,
    /// No foreign functions here: all null.
    pub trampolines: Vec<*const u8>,
    pub data: Vec<Vec<u8>>,
    pub elems: Vec<Vec<u64>>,
}

pub fn host<'a>(vmctx: *mut VMContext) -> &'a mut Host {
    unsafe { &mut *(vmctx as *mut Host) }
}

impl Mem {
    pub fn sync(&mut self) {
        self.base = self.buf.as_mut_ptr();
        self.len = self.buf.len();
    }
}

impl Tab {
    pub fn sync(&mut self) {
        self.base = self.elems.as_mut_ptr();
        self.len = self.elems.len();
    }
}

/// A libcall trapped: the test host cannot unwind through compiled code,
/// so the process ends with the trap's exit status (see [`trap_of`]).
pub fn host_trap(code: TrapCode) -> ! {
    unsafe { libc::_exit(trap_exit_code(code)) }
}

pub fn range(start: u64, n: u64, len: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(n)?;
    (end <= len as u64).then_some(start as usize..end as usize)
}

pub extern "C" fn lc_memory_grow(vmctx: *mut VMContext, mem: u32, delta: i64) -> i64 {
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

pub extern "C" fn lc_memory_fill(vmctx: *mut VMContext, mem: u32, dst: i64, val: u32, n: i64) {
    let h = host(vmctx);
    let m = &mut h.memories[mem as usize];
    match range(dst as u64, n as u64, m.buf.len()) {
        Some(r) => m.buf[r].fill(val as u8),
        None => host_trap(TrapCode::MemoryOutOfBounds),
    }
}

pub extern "C" fn lc_memory_copy(vmctx: *mut VMContext, dm: u32, sm: u32, dst: i64, src: i64, n: i64) {
    let h = host(vmctx);
    let (Some(s), Some(d)) = (
        range(src as u64, n as u64, h.memories[sm as usize].buf.len()),
        range(dst as u64, n as u64, h.memories[dm as usize].buf.len()),
    ) else {
        host_trap(TrapCode::MemoryOutOfBounds);
    };
    let bytes = h.memories[sm as usize].buf[s].to_vec();
    h.memories[dm as usize].buf[d].copy_from_slice(&bytes);
}

pub extern "C" fn lc_memory_init(vmctx: *mut VMContext, mem: u32, seg: u32, dst: i64, src: u32, n: u32) {
    let h = host(vmctx);
    let data = &h.data[seg as usize];
    let (Some(s), Some(d)) = (
        range(src as u64, n as u64, data.len()),
        range(dst as u64, n as u64, h.memories[mem as usize].buf.len()),
    ) else {
        host_trap(TrapCode::MemoryOutOfBounds);
    };
    let bytes = data[s].to_vec();
    h.memories[mem as usize].buf[d].copy_from_slice(&bytes);
}

pub extern "C" fn lc_data_drop(vmctx: *mut VMContext, seg: u32) {
    host(vmctx).data[seg as usize] = Vec::new();
}

pub extern "C" fn lc_elem_drop(vmctx: *mut VMContext, seg: u32) {
    host(vmctx).elems[seg as usize] = Vec::new();
}

pub extern "C" fn lc_table_grow(vmctx: *mut VMContext, table: u32, init: u64, delta: u32) -> u32 {
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

pub extern "C" fn lc_table_fill(vmctx: *mut VMContext, table: u32, dst: u32, val: u64, n: u32) {
    let h = host(vmctx);
    let t = &mut h.tables[table as usize];
    match range(dst as u64, n as u64, t.elems.len()) {
        Some(r) => t.elems[r].fill(val),
        None => host_trap(TrapCode::TableOutOfBounds),
    }
}

pub extern "C" fn lc_table_copy(vmctx: *mut VMContext, dt: u32, st: u32, dst: u32, src: u32, n: u32) {
    let h = host(vmctx);
    let (Some(s), Some(d)) = (
        range(src as u64, n as u64, h.tables[st as usize].elems.len()),
        range(dst as u64, n as u64, h.tables[dt as usize].elems.len()),
    ) else {
        host_trap(TrapCode::TableOutOfBounds);
    };
    let items = h.tables[st as usize].elems[s].to_vec();
    h.tables[dt as usize].elems[d].copy_from_slice(&items);
}

pub extern "C" fn lc_table_init(vmctx: *mut VMContext, table: u32, seg: u32, dst: u32, src: u32, n: u32) {
    let h = host(vmctx);
    let (Some(s), Some(d)) = (
        range(src as u64, n as u64, h.elems[seg as usize].len()),
        range(dst as u64, n as u64, h.tables[table as usize].elems.len()),
    ) else {
        host_trap(TrapCode::TableOutOfBounds);
    };
    let items = h.elems[seg as usize][s].to_vec();
    h.tables[table as usize].elems[d].copy_from_slice(&items);
}

/// Exit status of a (forked) process whose fuel ran out.
pub const OUT_OF_FUEL_EXIT: i32 = 96;

/// Fuel ran out: only ever reached in forked processes (the tests give
/// the main one unlimited fuel).
pub extern "C" fn lc_out_of_fuel(_vmctx: *mut VMContext) {
    unsafe { libc::_exit(OUT_OF_FUEL_EXIT) }
}

pub extern "C" fn lc_unexpected(vmctx: *mut VMContext) {
    let _ = vmctx;
    host_trap(TrapCode::Unreachable);
}

pub fn libcall_addr(index: u32) -> u64 {
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
        Libcall::OutOfFuel => lc_out_of_fuel as *const () as u64,
        _ => lc_unexpected as *const () as u64,
    }
}

// ---------------------------------------------------------------------------
// Code

pub struct Linked {
    pub map: *mut u8,
    pub size: usize,
    /// Absolute address of each trap site → its tern trap.
    pub traps: HashMap<u64, TrapCode>,
    pub funcs: HashMap<u32, usize>,
    pub trampolines: HashMap<u32, usize>,
}

impl Drop for Linked {
    fn drop(&mut self) {
        unsafe { rustix::mm::munmap(self.map.cast(), self.size).unwrap() };
    }
}

pub fn slots(t: ValType) -> i32 {
    if t == ValType::V128 { 16 } else { 8 }
}

/// `extern "C" fn(code, vmctx, values: *mut u64)` calling `code`.
pub fn trampoline(ty: &FuncType, isa: &dyn TargetIsa) -> ir::Function {
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
pub const CONFIGS: [(&str, TranslateConfig); 2] = [
    (
        "guard",
        TranslateConfig {
            bounds_checks: BoundsChecks::Guard,
            fuel: false,
            interrupts: false,
            epochs: false,
            relaxed_simd_deterministic: false,
        },
    ),
    (
        "explicit+fuel+interrupts",
        TranslateConfig {
            bounds_checks: BoundsChecks::Explicit,
            fuel: true,
            interrupts: true,
            epochs: false,
            relaxed_simd_deterministic: false,
        },
    ),
];

pub fn compile(
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
    let mut host_relocs: Vec<(usize, Reloc, u64, i64)> = Vec::new();
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
            if let FinalizedRelocTarget::ExternalName(ExternalName::LibCall(lc)) = &r.target {
                // Cranelift's own libcalls (rounding and fused multiply-add
                // where the ISA lacks SSE4.1 or FMA).
                let target = cranelift_libcall(*lc).ok_or_else(|| format!("unexpected libcall {lc:?}"))?;
                host_relocs.push((start + r.offset as usize, r.kind, target, r.addend));
                continue;
            }
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
    let resolved = relocs.into_iter().map(|(at, kind, ns, index, addend)| {
        let target = match ns {
            NS_FUNC => map as u64 + funcs[&index] as u64,
            NS_LIBCALL => libcall_addr(index),
            _ => return Err(format!("unknown namespace {ns}")),
        };
        Ok((at, kind, target, addend))
    });
    for r in resolved.chain(host_relocs.into_iter().map(Ok)) {
        let (at, kind, target, addend) = r?;
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

/// The test host's versions of the Cranelift libcalls tern links.
fn cranelift_libcall(lc: cranelift_codegen::ir::LibCall) -> Option<u64> {
    use cranelift_codegen::ir::LibCall as L;
    extern "C" fn trunc_f32(x: f32) -> f32 {
        x.trunc()
    }
    extern "C" fn trunc_f64(x: f64) -> f64 {
        x.trunc()
    }
    extern "C" fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
    extern "C" fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
    Some(match lc {
        L::TruncF32 => trunc_f32 as *const () as u64,
        L::TruncF64 => trunc_f64 as *const () as u64,
        L::FmaF32 => fma_f32 as *const () as u64,
        L::FmaF64 => fma_f64 as *const () as u64,
        _ => return None,
    })
}

/// Evaluates a constant expression.
pub fn eval_const(expr: &tern_binary::ConstExpr<'_>, globals: &[Box<u128>]) -> Result<u128, String> {
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

pub struct Instance<'m> {
    pub module: Module<'m>,
    pub code: Linked,
    pub host: Box<Host>,
}

pub fn instantiate<'m>(
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
            epoch: std::ptr::null(),
            epoch_deadline: u64::MAX,
            exit: Default::default(),
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
    // The start function is the caller's to run (`Instance::start`).
    let inst = Instance { module, code, host };
    Ok(inst)
}

impl Instance<'_> {
    /// Runs the start function, if any.
    pub fn start(&mut self) -> Result<(), TrapCode> {
        match self.module.start {
            Some(f) => self.call(f, &[], 0).map(|_| ()),
            None => Ok(()),
        }
    }

    pub fn call(&mut self, func: u32, args: &[u64], result_slots: usize) -> Result<Vec<u64>, TrapCode> {
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
        values.truncate(result_slots);
        Ok(values)
    }

    pub fn export(&self, name: &str, kind: ExternKind) -> Option<u32> {
        self.module
            .exports
            .iter()
            .find(|e| e.name == name && e.kind == kind)
            .map(|e| e.index)
    }
}

// ---------------------------------------------------------------------------
// Traps, in a forked process

pub const TRAP_CODES: [TrapCode; 12] = [
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

pub static TRAP_SITES: std::sync::OnceLock<HashMap<u64, TrapCode>> = std::sync::OnceLock::new();

/// Where trap exit statuses start (a caller may move it to tell traps in
/// different phases apart).
pub static TRAP_EXIT_BASE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(100);

pub fn trap_exit_code(c: TrapCode) -> i32 {
    TRAP_EXIT_BASE.load(std::sync::atomic::Ordering::Relaxed) + TRAP_CODES.iter().position(|x| *x == c).unwrap() as i32
}

/// Exits with the trap of the faulting instruction (its trap record), or
/// 99 when the PC has none.
pub extern "C" fn on_fault(_sig: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let pc = unsafe { (*(ctx as *const libc::ucontext_t)).uc_mcontext.gregs[libc::REG_RIP as usize] } as u64;
    let code = TRAP_SITES
        .get()
        .and_then(|t| t.get(&pc))
        .map_or(99, |c| trap_exit_code(*c));
    unsafe { libc::_exit(code) }
}

/// Calls `f` in a forked copy of this process (single-threaded here) and
/// reports the trap it ended with (`None`: it returned).
/// Installs the fault handler that maps faults in `inst`'s code to trap
/// exit statuses (for forked processes).
pub fn install_fault_handler(inst: &Instance<'_>) {
    let _ = TRAP_SITES.set(inst.code.traps.clone());
    unsafe {
        for sig in [libc::SIGILL, libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE] {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_fault as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

pub fn trap_of(inst: &mut Instance<'_>, f: u32, args: &[u64], nslots: usize) -> Result<Option<TrapCode>, String> {
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err("fork failed".into());
    }
    if pid == 0 {
        install_fault_handler(inst);
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
