//! Runs translated code: a module's functions are translated, compiled,
//! linked into one executable mapping (direct calls patched, libcalls bound
//! to small test stand-ins) and called through a generated host-to-Wasm
//! trampoline against a hand-built `VMContext`. Checks the arithmetic,
//! control, memory, table, global, call and SIMD translations on values
//! whose results are known. Traps are not exercised here: they need the
//! runtime's signal handlers.

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{FinalizedRelocTarget, ir::ExternalName};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use tern_binary::ValType;
use tern_cranelift::translate::{
    BoundsChecks, NS_FUNC, NS_LIBCALL, TranslateConfig, native_signature, translate_function_with_imports,
};
use tern_vm::vmctx::{Libcall, VMContext, VMFuncRef, VMStoreContext};

fn host_isa() -> OwnedTargetIsa {
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

/// What the compiled code sees as a linear memory (base, byte length).
#[repr(C)]
struct FakeMemory {
    base: *mut u8,
    len: usize,
}

/// What the compiled code sees as a table (elements, count).
#[repr(C)]
struct FakeTable {
    base: *mut u64,
    len: usize,
}

extern "C" fn memory_grow(vmctx: *mut VMContext, mem: u32, delta: i64) -> i64 {
    // The test memory's buffer is 2 pages; it may grow into the second.
    unsafe {
        let m = &mut *(*(*vmctx).memories.add(mem as usize) as *mut FakeMemory);
        let old = (m.len >> 16) as i64;
        if old + delta > 2 {
            return -1;
        }
        m.len = ((old + delta) << 16) as usize;
        old
    }
}

static OUT_OF_FUEL_CALLS: AtomicUsize = AtomicUsize::new(0);
static INTERRUPT_CALLS: AtomicUsize = AtomicUsize::new(0);
static EPOCH_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Adds fuel (as an embedder may) and returns.
extern "C" fn out_of_fuel(vmctx: *mut VMContext) {
    OUT_OF_FUEL_CALLS.fetch_add(1, Ordering::SeqCst);
    unsafe { (*(*vmctx).store).fuel += 25 };
}

/// Clears the flag and returns.
extern "C" fn interrupt(vmctx: *mut VMContext) {
    INTERRUPT_CALLS.fetch_add(1, Ordering::SeqCst);
    unsafe { *((*(*vmctx).store).interrupt as *mut u64) = 0 };
}

/// Moves the deadline out of reach (as an embedder's callback may) and
/// returns.
extern "C" fn epoch_deadline(vmctx: *mut VMContext) {
    EPOCH_CALLS.fetch_add(1, Ordering::SeqCst);
    unsafe { (*(*vmctx).store).epoch_deadline = u64::MAX };
}

extern "C" fn unexpected_libcall() {
    panic!("unexpected libcall");
}

/// Code of a module, linked and executable.
struct Linked {
    map: *mut u8,
    size: usize,
    /// Function index → (offset, type).
    funcs: HashMap<u32, usize>,
    trampolines: HashMap<u32, usize>,
}

impl Drop for Linked {
    fn drop(&mut self) {
        unsafe {
            rustix::mm::munmap(self.map.cast(), self.size).unwrap();
        }
    }
}

/// A host-to-Wasm trampoline: `extern "C" fn(code, vmctx, values: *mut u64)`
/// calling `code` with the native signature of `ty`, arguments and results
/// in 64-bit slots (v128 in two).
fn trampoline(ty: &tern_binary::FuncType, isa: &dyn cranelift_codegen::isa::TargetIsa) -> ir::Function {
    let mut sig = ir::Signature::new(isa.default_call_conv());
    sig.params.extend([AbiParam::new(ir::types::I64); 3]);
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
        let t = tern_cranelift::translate::clif_type(p);
        args.push(b.ins().load(t, flags, values, off));
        off += if p == ValType::V128 { 16 } else { 8 };
    }
    let s = b.import_signature(native_signature(ty, isa));
    let call = b.ins().call_indirect(s, code, &args);
    let results = b.inst_results(call).to_vec();
    let mut off = 0;
    for (&r, &t) in results.iter().zip(ty.results()) {
        // Slots hold 32-bit values zero-extended.
        let r = match t {
            ValType::I32 => b.ins().uextend(ir::types::I64, r),
            ValType::F32 => {
                let bits = b.ins().bitcast(ir::types::I32, MemFlagsData::new(), r);
                b.ins().uextend(ir::types::I64, bits)
            }
            _ => r,
        };
        b.ins().store(flags, r, values, off);
        off += if t == ValType::V128 { 16 } else { 8 };
    }
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}

fn compile_and_link(wasm: &[u8], isa: &dyn cranelift_codegen::isa::TargetIsa, config: &TranslateConfig) -> Linked {
    let module = tern_binary::decode(wasm).unwrap();
    let info = tern_validate::validate_module(&module, &tern_validate::Features::all()).unwrap();
    let mut fctx = FunctionBuilderContext::new();
    let mut code = Vec::new();
    let mut funcs = HashMap::new();
    let mut trampolines = HashMap::new();
    // (offset in code, reloc kind, namespace, index, addend)
    let mut relocs = Vec::new();
    let mut emit = |func: ir::Function, code: &mut Vec<u8>| -> usize {
        let mut ctx = cranelift_codegen::Context::for_function(func);
        let compiled = ctx.compile(isa, &mut ControlPlane::default()).unwrap().clone();
        while !code.len().is_multiple_of(16) {
            code.push(0xcc);
        }
        let start = code.len();
        code.extend_from_slice(compiled.code_buffer());
        for r in compiled.buffer.relocs() {
            let FinalizedRelocTarget::ExternalName(ExternalName::User(name)) = &r.target else {
                panic!("unexpected relocation target {:?}", r.target);
            };
            let n = &ctx.func.params.user_named_funcs()[*name];
            relocs.push((start + r.offset as usize, r.kind, n.namespace, n.index, r.addend));
        }
        start
    };
    for (i, body) in module.code.iter().enumerate() {
        let index = module.num_imported_funcs + i as u32;
        let func =
            translate_function_with_imports(&info, module.num_imported_funcs, index, body, config, isa, &mut fctx)
                .unwrap();
        let at = emit(func, &mut code);
        funcs.insert(index, at);
        let ty = info.func_type(index).unwrap();
        let at = emit(trampoline(ty, isa), &mut code);
        trampolines.insert(index, at);
    }
    let size = code.len().next_multiple_of(4096);
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
        let target: u64 = match ns {
            NS_FUNC => map as u64 + funcs[&index] as u64,
            NS_LIBCALL if index == Libcall::MemoryGrow as u32 => memory_grow as *const () as u64,
            NS_LIBCALL if index == Libcall::OutOfFuel as u32 => out_of_fuel as *const () as u64,
            NS_LIBCALL if index == Libcall::Interrupt as u32 => interrupt as *const () as u64,
            NS_LIBCALL if index == Libcall::EpochDeadline as u32 => epoch_deadline as *const () as u64,
            NS_LIBCALL => unexpected_libcall as *const () as u64,
            _ => panic!("unknown namespace {ns}"),
        };
        let site = unsafe { map.add(at) };
        match kind {
            Reloc::Abs8 => unsafe { site.cast::<u64>().write_unaligned(target.wrapping_add(addend as u64)) },
            Reloc::X86CallPCRel4 | Reloc::X86PCRel4 => {
                let v = target.wrapping_add(addend as u64).wrapping_sub(site as u64) as i64;
                unsafe { site.cast::<i32>().write_unaligned(i32::try_from(v).unwrap()) }
            }
            k => panic!("unexpected relocation kind {k:?}"),
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
    Linked {
        map,
        size,
        funcs,
        trampolines,
    }
}

/// The instance the tests run against.
struct Instance {
    vmctx: Box<VMContext>,
    store: Box<VMStoreContext>,
    interrupt: Box<u64>,
    /// The engine's epoch counter.
    _epoch: Box<u64>,
    memory: Box<FakeMemory>,
    _memories: Box<[*mut FakeMemory; 1]>,
    _mem_buf: Vec<u128>,
    _table: Box<FakeTable>,
    _tables: Box<[*mut FakeTable; 1]>,
    table_buf: Vec<u64>,
    globals: Vec<u128>,
    _global_ptrs: Vec<*mut u128>,
    _funcs: Vec<VMFuncRef>,
    _sigs: Vec<u32>,
}

impl Instance {
    fn new(num_globals: usize, num_funcs: usize) -> Instance {
        let mut interrupt = Box::new(0u64);
        let epoch = Box::new(5u64);
        let mut store = Box::new(VMStoreContext {
            stack_limit: 0,
            fuel: i64::MAX,
            interrupt: &mut *interrupt,
            func_refs: std::ptr::null(),
            host: [0; 2],
            epoch: &*epoch,
            epoch_deadline: u64::MAX,
            exit: Default::default(),
        });
        let mut mem_buf = vec![0u128; 2 * 65536 / 16];
        let mut memory = Box::new(FakeMemory {
            base: mem_buf.as_mut_ptr().cast(),
            len: 65536,
        });
        let mut memories = Box::new([&mut *memory as *mut FakeMemory]);
        let mut table_buf = vec![0u64; 4];
        let mut table = Box::new(FakeTable {
            base: table_buf.as_mut_ptr(),
            len: 4,
        });
        let mut tables = Box::new([&mut *table as *mut FakeTable]);
        let mut globals = vec![0u128; num_globals];
        let mut global_ptrs: Vec<*mut u128> = globals.iter_mut().map(|g| g as *mut u128).collect();
        let mut funcs: Vec<VMFuncRef> = (0..num_funcs)
            .map(|i| VMFuncRef {
                native_call: std::ptr::null(),
                array_call: std::ptr::null(),
                vmctx: std::ptr::null_mut(),
                sig: tern_vm::SigId(0),
                func: 10 + i as u32,
            })
            .collect();
        let mut sigs = vec![0u32; 16];
        let vmctx = Box::new(VMContext {
            store: &mut *store,
            memories: memories.as_mut_ptr().cast(),
            tables: tables.as_mut_ptr().cast(),
            globals: global_ptrs.as_mut_ptr(),
            funcs: funcs.as_mut_ptr(),
            sigs: sigs.as_mut_ptr(),
            foreign_trampolines: std::ptr::null(),
            instance: 0,
            _pad: 0,
        });
        Instance {
            vmctx,
            store,
            interrupt,
            _epoch: epoch,
            memory,
            _memories: memories,
            _mem_buf: mem_buf,
            _table: table,
            _tables: tables,
            table_buf,
            globals,
            _global_ptrs: global_ptrs,
            _funcs: funcs,
            _sigs: sigs,
        }
    }

    fn call(&mut self, code: &Linked, func: u32, args: &[u64], results: usize) -> Vec<u64> {
        let mut values = vec![0u64; args.len().max(results).max(1)];
        values[..args.len()].copy_from_slice(args);
        let f = unsafe { code.map.add(code.funcs[&func]) };
        let t = unsafe { code.map.add(code.trampolines[&func]) };
        let t: extern "C" fn(*const u8, *mut VMContext, *mut u64) = unsafe { std::mem::transmute(t) };
        t(f, &mut *self.vmctx, values.as_mut_ptr());
        values.truncate(results);
        values
    }
}

const WAT: &str = r#"
(module
  (type $ii_i (func (param i32 i32) (result i32)))
  (memory 1 2)
  (table 4 funcref)
  (global $g (mut i32) (i32.const 0))
  (global $h (mut i64) (i64.const 0))
  (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))          ;; 0
  (func $fac (param i64) (result i64)                                                    ;; 1
    (if (result i64) (i64.le_u (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func $sum (param i32) (result i32) (local i32)                                       ;; 2
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $top)))
    (local.get 1))
  (func $mem (param i32 i32) (result i32)                                                ;; 3
    (i32.store offset=4 (local.get 0) (local.get 1))
    (i32.store8 (i32.const 100) (i32.const 0x1ff))
    (i32.add (i32.load offset=4 (local.get 0)) (i32.load8_u (i32.const 100))))
  (func $switch (param i32) (result i32)                                                 ;; 4
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))
  (func $multi (param i32) (result i32 i32)                                              ;; 5
    (local.get 0)
    (block (param i32) (result i32 i32)
      (local.get 0) (i32.const 1) (i32.add)))
  (func $divs (param i32 i32) (result i32 i32 i32 i32)                                    ;; 6
    (i32.div_s (local.get 0) (local.get 1))
    (i32.rem_s (local.get 0) (local.get 1))
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))
  (func $floats (param f32 f32) (result f32 f32 f32 f64)                                 ;; 7
    (f32.min (local.get 0) (local.get 1))
    (f32.max (local.get 0) (local.get 1))
    (f32.copysign (local.get 0) (local.get 1))
    (f64.nearest (f64.promote_f32 (local.get 0))))
  (func $conv (param f64) (result i32 i64 i32)                                            ;; 8
    (i32.trunc_sat_f64_s (local.get 0))
    (i64.trunc_f64_s (local.get 0))
    (i32.extend8_s (i32.const 0x80)))
  (func $simd (param i32 i32) (result i32 i32 i32)                                        ;; 9
    (local v128)
    (local.set 2 (i32x4.add (i32x4.splat (local.get 0)) (i32x4.splat (local.get 1))))
    (i32x4.extract_lane 3 (local.get 2))
    (i8x16.extract_lane_u 0 (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0
        (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16) (local.get 2)))
    (i8x16.bitmask (i8x16.lt_s (v128.const i8x16 -1 1 -1 1 -1 1 -1 1 -1 1 -1 1 -1 1 -1 1) (i8x16.splat (i32.const 0)))))
  (func $globals (param i32) (result i32 i64)                                             ;; 10
    (global.set $g (i32.add (global.get $g) (local.get 0)))
    (global.set $h (i64.const -5))
    (global.get $g) (global.get $h))
  (func $tables (param i32) (result i32 i32 funcref i32)                                      ;; 11
    (table.set 0 (local.get 0) (ref.func $add))
    (ref.is_null (table.get 0 (local.get 0)))
    (ref.is_null (table.get 0 (i32.const 3)))
    (table.get 0 (local.get 0))
    (table.size 0))
  (func $grow (result i32 i32 i32 i32)                                                    ;; 12
    (memory.size)
    (memory.grow (i32.const 1))
    (memory.grow (i32.const 1))
    (memory.size))
  (func $tail (param i32 i32) (result i32) (return_call $add (local.get 0) (local.get 1)))  ;; 13
  (func $sel (param i32) (result i32 f64)                                                 ;; 14
    (select (i32.const 7) (i32.const 8) (local.get 0))
    (select (f64.const 1.5) (f64.const 2.5) (local.get 0)))
  (func $shifts (param i32 i64) (result i32 i64 i32 i32)                                  ;; 15
    (i32.shl (i32.const 1) (local.get 0))
    (i64.rotr (local.get 1) (i64.const 4))
    (i32.clz (local.get 0))
    (i32.popcnt (i32.const -1)))
  (func $rems (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))  ;; 16
  (func $sat (param f64) (result i32 i32) (i32.trunc_sat_f64_s (local.get 0)) (i32.trunc_sat_f64_u (local.get 0)))  ;; 17
  (func $many (param i64) (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)  ;; 18
    (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
    (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10) (i64.const 11)
    (f64.const 0) (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5)
    (f64.const 6) (f64.const 7) (f64.const 8) (f64.const 9) (f64.const 10) (f64.const 11)
    (f64.const 12) (f64.const 13) (f64.const 14) (f64.const 15) (f64.const 16) (f64.const 17))
  (func $many_tail (param i64) (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)  ;; 19
    (return_call $many (i64.add (local.get 0) (i64.const 100))))
  (elem declare func $add)
)
"#;

fn f32s(x: f32) -> u64 {
    x.to_bits() as u64
}

fn run_all(config: TranslateConfig) {
    let isa = host_isa();
    let wasm = wat::parse_str(WAT).unwrap();
    let code = compile_and_link(&wasm, &*isa, &config);
    let mut inst = Instance::new(2, 16);
    macro_rules! call {
        ($f:expr, $args:expr, $n:expr) => {{
            if std::env::var_os("TRACE").is_some() {
                eprintln!("call {}", $f);
            }
            inst.call(&code, $f, $args, $n)
        }};
    }
    assert_eq!(call!(0, &[2, 40], 1), [42]);
    assert_eq!(call!(0, &[u32::MAX as u64, 2], 1), [1]);
    assert_eq!(call!(1, &[20], 1), [2432902008176640000]);
    assert_eq!(call!(2, &[100], 1), [5050]);
    assert_eq!(call!(3, &[1000, 0xdead], 1), [0xdead + 0xff]);
    assert_eq!(call!(4, &[0], 1), [10]);
    assert_eq!(call!(4, &[2], 1), [30]);
    assert_eq!(call!(4, &[3], 1), [40]);
    assert_eq!(call!(4, &[77], 1), [40]);
    assert_eq!(call!(5, &[41], 2), [41, 42]);
    let m7 = (-7i32) as u32 as u64;
    assert_eq!(
        call!(6, &[m7, 2], 4),
        [(-3i32) as u32 as u64, (-1i32) as u32 as u64, 0x7fff_fffc, 1]
    );
    let min = i32::MIN as u32 as u64;
    let m1 = u32::MAX as u64;
    assert_eq!(call!(16, &[min, m1], 1), [0], "INT_MIN rem_s -1");
    let r = call!(7, &[f32s(-0.0), f32s(0.0)], 4);
    assert_eq!(r[0], f32s(-0.0), "min(-0, 0)");
    assert_eq!(r[1], f32s(0.0), "max(-0, 0)");
    let r = call!(7, &[f32s(f32::NAN), f32s(1.0)], 4);
    assert!(f32::from_bits(r[0] as u32).is_nan() && f32::from_bits(r[1] as u32).is_nan());
    let r = call!(7, &[f32s(2.5), f32s(-1.0)], 4);
    assert_eq!(r[2], f32s(-2.5));
    assert_eq!(f64::from_bits(r[3]), 2.0, "nearest(2.5) rounds to even");
    let r = call!(8, &[(-3.9f64).to_bits()], 3);
    assert_eq!(r, [(-3i32) as u32 as u64, (-3i64) as u64, 0xffff_ff80]);
    assert_eq!(
        call!(17, &[1e300f64.to_bits()], 2),
        [i32::MAX as u64, u32::MAX as u64],
        "saturating"
    );
    assert_eq!(call!(17, &[f64::NAN.to_bits()], 2), [0, 0], "saturating NaN");
    assert_eq!(call!(17, &[(-5.5f64).to_bits()], 2), [(-5i32) as u32 as u64, 0]);
    assert_eq!(call!(9, &[5, 6], 3), [11, 16, 0x5555]);
    assert_eq!(call!(10, &[3], 2), [3, (-5i64) as u64]);
    assert_eq!(call!(10, &[4], 2), [7, (-5i64) as u64]);
    assert_eq!(inst.globals[0], 7);
    // `ref.func $add` is store function 10 (see `Instance::new`) + 1.
    assert_eq!(call!(11, &[1], 4), [0, 1, 11, 4]);
    assert_eq!(inst.table_buf[1], 11);
    assert_eq!(call!(12, &[], 4), [1, 1, u32::MAX as u64, 2]);
    assert_eq!(inst.memory.len, 2 * 65536);
    assert_eq!(call!(13, &[20, 22], 1), [42]);
    assert_eq!(call!(14, &[1], 2), [7, 1.5f64.to_bits()]);
    assert_eq!(call!(14, &[0], 2), [8, 2.5f64.to_bits()]);
    // More results than return registers: an implicit return area, also
    // through a tail call.
    let expect = |first: u64| -> Vec<u64> {
        let mut v: Vec<u64> = (0..12).collect();
        v[0] = first;
        v.extend((0..18).map(|i| (i as f64).to_bits()));
        v
    };
    assert_eq!(call!(18, &[42], 30), expect(42));
    assert_eq!(call!(19, &[42], 30), expect(142));
    assert_eq!(
        call!(15, &[33, 0x1234], 4),
        [2, 0x4000_0000_0000_0123, 26, 32],
        "shift counts wrap"
    );
}

#[test]
fn runs_with_guard_bounds_checks() {
    run_all(TranslateConfig {
        bounds_checks: BoundsChecks::Guard,
        fuel: false,
        interrupts: false,
        epochs: false,
        relaxed_simd_deterministic: false,
    });
}

#[test]
fn runs_with_explicit_checks_fuel_and_interrupts() {
    run_all(TranslateConfig {
        bounds_checks: BoundsChecks::Explicit,
        fuel: true,
        interrupts: true,
        epochs: true,
        relaxed_simd_deterministic: false,
    });
}

#[test]
fn call_conv_is_tail() {
    let isa = host_isa();
    let ty = tern_binary::FuncType::new([ValType::I32, ValType::V128], [ValType::F64]);
    let sig = native_signature(&ty, &*isa);
    assert_eq!(sig.call_conv, CallConv::Tail);
    assert_eq!(sig.params.len(), 4);
    assert_eq!(sig.params[0].purpose, ir::ArgumentPurpose::VMContext);
    assert_eq!(sig.params[3].value_type, ir::types::I8X16);
    assert_eq!(sig.returns[0].value_type, ir::types::F64);
}

#[test]
fn fuel_is_charged_and_interrupts_are_seen() {
    let isa = host_isa();
    let wasm = wat::parse_str(WAT).unwrap();
    let code = compile_and_link(
        &wasm,
        &*isa,
        &TranslateConfig {
            bounds_checks: BoundsChecks::Explicit,
            fuel: true,
            interrupts: true,
            epochs: true,
            relaxed_simd_deterministic: false,
        },
    );
    let mut inst = Instance::new(2, 16);
    inst.store.fuel = 10;
    *inst.interrupt = 1;
    // The counter (5) is past the deadline: the first check calls the
    // stand-in, which moves the deadline away.
    inst.store.epoch_deadline = 5;
    // `$sum` loops 1000 times over about ten operators: the stand-in adds
    // 25 fuel each time it runs out, so it must be called hundreds of times.
    assert_eq!(inst.call(&code, 2, &[1000], 1), [500500]);
    let calls = OUT_OF_FUEL_CALLS.load(Ordering::SeqCst);
    assert!(calls > 100, "out_of_fuel called {calls} times");
    assert!(
        inst.store.fuel >= 0 && inst.store.fuel < 25,
        "fuel left {}",
        inst.store.fuel
    );
    assert_eq!(INTERRUPT_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(*inst.interrupt, 0);
    assert_eq!(EPOCH_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(inst.store.epoch_deadline, u64::MAX);
    // One unit per operator executed, `end` included: `$add` is four.
    inst.store.fuel = 1000;
    assert_eq!(inst.call(&code, 0, &[1, 2], 1), [3]);
    assert_eq!(inst.store.fuel, 996);
    // Both arms of an `if` are charged for what they run: `$fac 1` runs
    // local.get, i64.const, i64.le_u, if, i64.const, end (of the then arm)
    // and the function's end.
    inst.store.fuel = 1000;
    assert_eq!(inst.call(&code, 1, &[1], 1), [1]);
    assert_eq!(inst.store.fuel, 1000 - 7);
    // Recursion without loops is charged too.
    inst.store.fuel = 10;
    let before = OUT_OF_FUEL_CALLS.load(Ordering::SeqCst);
    assert_eq!(inst.call(&code, 1, &[20], 1), [2432902008176640000]);
    assert!(OUT_OF_FUEL_CALLS.load(Ordering::SeqCst) > before);
}
