//! Small translation cases run on the compiler tier through the public
//! API: arithmetic, control, memory, table, global, call, SIMD and
//! multi-value translations, on values whose results are known, in both
//! bounds-check modes and with every instrumentation on (fuel, interrupt
//! and epoch checks); and fuel charged per operator. (These ran on a test
//! host of tern-cranelift's own until the runtime could run them.)

// The compiler tier, and modules in the text format.
#![cfg(all(feature = "cranelift", feature = "wat"))]

use tern::*;

const WAT: &str = r#"
(module
  (type $ii_i (func (param i32 i32) (result i32)))
  (memory (export "memory") 1 2)
  (table (export "table") 4 funcref)
  (global $g (export "g") (mut i32) (i32.const 0))
  (global $h (mut i64) (i64.const 0))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.le_u (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func $sum (export "sum") (param i32) (result i32) (local i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $top)))
    (local.get 1))
  (func $mem (export "mem") (param i32 i32) (result i32)
    (i32.store offset=4 (local.get 0) (local.get 1))
    (i32.store8 (i32.const 100) (i32.const 0x1ff))
    (i32.add (i32.load offset=4 (local.get 0)) (i32.load8_u (i32.const 100))))
  (func $switch (export "switch") (param i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))
  (func $multi (export "multi") (param i32) (result i32 i32)
    (local.get 0)
    (block (param i32) (result i32 i32)
      (local.get 0) (i32.const 1) (i32.add)))
  (func $divs (export "divs") (param i32 i32) (result i32 i32 i32 i32)
    (i32.div_s (local.get 0) (local.get 1))
    (i32.rem_s (local.get 0) (local.get 1))
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))
  (func $floats (export "floats") (param f32 f32) (result f32 f32 f32 f64)
    (f32.min (local.get 0) (local.get 1))
    (f32.max (local.get 0) (local.get 1))
    (f32.copysign (local.get 0) (local.get 1))
    (f64.nearest (f64.promote_f32 (local.get 0))))
  (func $conv (export "conv") (param f64) (result i32 i64 i32)
    (i32.trunc_sat_f64_s (local.get 0))
    (i64.trunc_f64_s (local.get 0))
    (i32.extend8_s (i32.const 0x80)))
  (func $simd (export "simd") (param i32 i32) (result i32 i32 i32)
    (local v128)
    (local.set 2 (i32x4.add (i32x4.splat (local.get 0)) (i32x4.splat (local.get 1))))
    (i32x4.extract_lane 3 (local.get 2))
    (i8x16.extract_lane_u 0 (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0
        (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16) (local.get 2)))
    (i8x16.bitmask (i8x16.lt_s (v128.const i8x16 -1 1 -1 1 -1 1 -1 1 -1 1 -1 1 -1 1 -1 1) (i8x16.splat (i32.const 0)))))
  (func $globals (export "globals") (param i32) (result i32 i64)
    (global.set $g (i32.add (global.get $g) (local.get 0)))
    (global.set $h (i64.const -5))
    (global.get $g) (global.get $h))
  (func $tables (export "tables") (param i32) (result i32 i32 funcref i32)
    (table.set 0 (local.get 0) (ref.func $add))
    (ref.is_null (table.get 0 (local.get 0)))
    (ref.is_null (table.get 0 (i32.const 3)))
    (table.get 0 (local.get 0))
    (table.size 0))
  (func $grow (export "grow") (result i32 i32 i32 i32)
    (memory.size)
    (memory.grow (i32.const 1))
    (memory.grow (i32.const 1))
    (memory.size))
  (func $tail (export "tail") (param i32 i32) (result i32) (return_call $add (local.get 0) (local.get 1)))
  (func $sel (export "sel") (param i32) (result i32 f64)
    (select (i32.const 7) (i32.const 8) (local.get 0))
    (select (f64.const 1.5) (f64.const 2.5) (local.get 0)))
  (func $shifts (export "shifts") (param i32 i64) (result i32 i64 i32 i32)
    (i32.shl (i32.const 1) (local.get 0))
    (i64.rotr (local.get 1) (i64.const 4))
    (i32.clz (local.get 0))
    (i32.popcnt (i32.const -1)))
  (func $rems (export "rems") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func $sat (export "sat") (param f64) (result i32 i32) (i32.trunc_sat_f64_s (local.get 0)) (i32.trunc_sat_f64_u (local.get 0)))
  (func $many (export "many") (param i64) (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
    (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10) (i64.const 11)
    (f64.const 0) (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4) (f64.const 5)
    (f64.const 6) (f64.const 7) (f64.const 8) (f64.const 9) (f64.const 10) (f64.const 11)
    (f64.const 12) (f64.const 13) (f64.const 14) (f64.const 15) (f64.const 16) (f64.const 17))
  (func $many_tail (export "many_tail") (param i64) (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (return_call $many (i64.add (local.get 0) (i64.const 100))))
  (elem declare func $add)
)
"#;

fn f32s(x: f32) -> u64 {
    x.to_bits() as u64
}

/// A value as the 64-bit slot the assertions compare (32-bit values
/// zero-extended, references as 1 when not null).
fn slot(v: &Val) -> u64 {
    match *v {
        Val::I32(x) => x as u32 as u64,
        Val::I64(x) => x as u64,
        Val::F32(x) => x as u64,
        Val::F64(x) => x,
        Val::V128(x) => x.as_u128() as u64,
        Val::FuncRef(r) => r.is_some() as u64,
        Val::AnyRef(r) => r.is_some() as u64,
        Val::ExnRef(r) => r.is_some() as u64,
        Val::ExternRef(r) => r.is_some() as u64,
    }
}

/// Calls export `name` with `args` given as slots.
fn call_slots(store: &mut Store<()>, inst: &Instance, name: &str, args: &[u64]) -> Vec<u64> {
    let f = inst
        .get_func(&mut *store, name)
        .unwrap_or_else(|| panic!("no export {name}"));
    let ty = f.ty(&*store);
    let args: Vec<Val> = ty
        .params()
        .iter()
        .zip(args)
        .map(|(t, &a)| match t {
            ValType::I32 => Val::I32(a as i32),
            ValType::I64 => Val::I64(a as i64),
            ValType::F32 => Val::F32(a as u32),
            ValType::F64 => Val::F64(a),
            t => panic!("no slot form for {t:?}"),
        })
        .collect();
    let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
    f.call(&mut *store, &args, &mut results)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    results.iter().map(slot).collect()
}

/// A compiler-tier engine with `config`'s options, `None` where the host
/// has no compiler tier.
fn engine(config: &mut Config) -> Option<Engine> {
    Engine::new(config.tier(Tier::Jit)).ok()
}

fn run_all(mut config: Config) {
    let Some(engine) = engine(&mut config) else { return };
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    if store.get_fuel().is_ok() {
        store.set_fuel(u64::MAX).unwrap();
    }
    store.set_epoch_deadline(u64::MAX / 2);
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    macro_rules! call {
        ($f:expr, $args:expr) => {
            call_slots(&mut store, &inst, $f, $args)
        };
    }
    assert_eq!(call!("add", &[2, 40]), [42]);
    assert_eq!(call!("add", &[u32::MAX as u64, 2]), [1]);
    assert_eq!(call!("fac", &[20]), [2432902008176640000]);
    assert_eq!(call!("sum", &[100]), [5050]);
    assert_eq!(call!("mem", &[1000, 0xdead]), [0xdead + 0xff]);
    assert_eq!(call!("switch", &[0]), [10]);
    assert_eq!(call!("switch", &[2]), [30]);
    assert_eq!(call!("switch", &[3]), [40]);
    assert_eq!(call!("switch", &[77]), [40]);
    assert_eq!(call!("multi", &[41]), [41, 42]);
    let m7 = (-7i32) as u32 as u64;
    assert_eq!(
        call!("divs", &[m7, 2]),
        [(-3i32) as u32 as u64, (-1i32) as u32 as u64, 0x7fff_fffc, 1]
    );
    let min = i32::MIN as u32 as u64;
    let m1 = u32::MAX as u64;
    assert_eq!(call!("rems", &[min, m1]), [0], "INT_MIN rem_s -1");
    let r = call!("floats", &[f32s(-0.0), f32s(0.0)]);
    assert_eq!(r[0], f32s(-0.0), "min(-0, 0)");
    assert_eq!(r[1], f32s(0.0), "max(-0, 0)");
    let r = call!("floats", &[f32s(f32::NAN), f32s(1.0)]);
    assert!(f32::from_bits(r[0] as u32).is_nan() && f32::from_bits(r[1] as u32).is_nan());
    let r = call!("floats", &[f32s(2.5), f32s(-1.0)]);
    assert_eq!(r[2], f32s(-2.5));
    assert_eq!(f64::from_bits(r[3]), 2.0, "nearest(2.5) rounds to even");
    let r = call!("conv", &[(-3.9f64).to_bits()]);
    assert_eq!(r, [(-3i32) as u32 as u64, (-3i64) as u64, 0xffff_ff80]);
    assert_eq!(
        call!("sat", &[1e300f64.to_bits()]),
        [i32::MAX as u64, u32::MAX as u64],
        "saturating"
    );
    assert_eq!(call!("sat", &[f64::NAN.to_bits()]), [0, 0], "saturating NaN");
    assert_eq!(call!("sat", &[(-5.5f64).to_bits()]), [(-5i32) as u32 as u64, 0]);
    assert_eq!(call!("simd", &[5, 6]), [11, 16, 0x5555]);
    assert_eq!(call!("globals", &[3]), [3, (-5i64) as u64]);
    assert_eq!(call!("globals", &[4]), [7, (-5i64) as u64]);
    let g = inst.get_global(&mut store, "g").unwrap();
    assert!(matches!(g.get(&store), Val::I32(7)));
    // A function reference reads back as non-null (1 here).
    assert_eq!(call!("tables", &[1]), [0, 1, 1, 4]);
    let table = inst.get_table(&mut store, "table").unwrap();
    assert!(matches!(table.get(&store, 1), Some(Val::FuncRef(Some(_)))));
    assert!(matches!(table.get(&store, 3), Some(Val::FuncRef(None))));
    assert_eq!(call!("grow", &[]), [1, 1, u32::MAX as u64, 2]);
    let memory = inst.get_memory(&mut store, "memory").unwrap();
    assert_eq!(memory.size(&store), 2);
    assert_eq!(call!("tail", &[20, 22]), [42]);
    assert_eq!(call!("sel", &[1]), [7, 1.5f64.to_bits()]);
    assert_eq!(call!("sel", &[0]), [8, 2.5f64.to_bits()]);
    // More results than return registers: an implicit return area, also
    // through a tail call.
    let expect = |first: u64| -> Vec<u64> {
        let mut v: Vec<u64> = (0..12).collect();
        v[0] = first;
        v.extend((0..18).map(|i| (i as f64).to_bits()));
        v
    };
    assert_eq!(call!("many", &[42]), expect(42));
    assert_eq!(call!("many_tail", &[42]), expect(142));
    assert_eq!(
        call!("shifts", &[33, 0x1234]),
        [2, 0x4000_0000_0000_0123, 26, 32],
        "shift counts wrap"
    );
}

#[test]
fn runs_with_guard_bounds_checks() {
    run_all(Config::new());
}

#[test]
fn runs_with_explicit_checks_fuel_interrupts_and_epochs() {
    let mut c = Config::new();
    c.bounds_checks(BoundsChecks::Explicit)
        .consume_fuel(true)
        .interruptible(true)
        .epoch_interruption(true);
    run_all(c);
}

/// One unit of fuel per operator executed, `end` included; running out
/// traps; an epoch deadline that is reached calls the callback, which may
/// let the guest go on.
#[test]
fn fuel_is_charged_per_operator_and_epochs_are_seen() {
    let mut config = Config::new();
    config.consume_fuel(true).interruptible(true).epoch_interruption(true);
    let Some(engine) = engine(&mut config) else { return };
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, 0u32);
    store.set_epoch_deadline(0);
    store.epoch_deadline_callback(|mut cx| {
        *cx.data_mut() += 1;
        Ok(UpdateDeadline::Continue(u64::MAX / 2))
    });
    store.set_fuel(1_000_000).unwrap();
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let add = inst.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
    let fac = inst.get_typed_func::<i64, i64>(&mut store, "fac").unwrap();
    let sum = inst.get_typed_func::<i32, i32>(&mut store, "sum").unwrap();
    // The deadline (0) is reached at the first check: the callback runs
    // once and moves it out of reach.
    assert_eq!(add.call(&mut store, (1, 2)).unwrap(), 3);
    assert_eq!(*store.data(), 1);
    // `$add` is four operators.
    store.set_fuel(1000).unwrap();
    assert_eq!(add.call(&mut store, (1, 2)).unwrap(), 3);
    assert_eq!(store.get_fuel().unwrap(), 996);
    // Both arms of an `if` are charged for what they run: `$fac 1` runs
    // local.get, i64.const, i64.le_u, if, i64.const, end (of the then arm)
    // and the function's end.
    store.set_fuel(1000).unwrap();
    assert_eq!(fac.call(&mut store, 1).unwrap(), 1);
    assert_eq!(store.get_fuel().unwrap(), 1000 - 7);
    // Loops and recursion are charged: both run out of 100 units.
    store.set_fuel(100).unwrap();
    let e = sum.call(&mut store, 1000).unwrap_err();
    assert_eq!(e.as_trap().and_then(|t| t.code()), Some(TrapCode::OutOfFuel), "{e}");
    store.set_fuel(100).unwrap();
    let e = fac.call(&mut store, 20).unwrap_err();
    assert_eq!(e.as_trap().and_then(|t| t.code()), Some(TrapCode::OutOfFuel), "{e}");
    // With enough fuel the loop runs to the end.
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(sum.call(&mut store, 1000).unwrap(), 500500);
    assert_eq!(*store.data(), 1, "the deadline stays out of reach");
}
