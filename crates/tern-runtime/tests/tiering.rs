//! Tiered execution (`Config::tiering`): functions start in the
//! interpreter, hot ones run compiled code from their next call, and a hot
//! loop moves the call running it to compiled code (on-stack replacement).
//! Where a frame ran shows in a trap's backtrace (`FramePosition::Interp`
//! or `Compiled`), so the tests watch the switch happen, and check that
//! results, locals, exceptions, backtraces and fuel come out as on one
//! tier.

// The compiler tier, and modules in the text format.
#![cfg(all(feature = "cranelift", feature = "wat"))]

use tern::*;

fn engine(tiering: Tiering, fuel: bool) -> Option<Engine> {
    if Engine::new(Config::new().tier(Tier::Jit)).is_err() {
        return None;
    }
    let mut config = Config::new();
    config.tiering(Some(tiering)).consume_fuel(fuel);
    Some(Engine::new(&config).unwrap())
}

fn sync(calls: u32, loops: Option<u32>) -> Tiering {
    Tiering {
        call_threshold: calls,
        loop_threshold: loops,
        synchronous: true,
    }
}

fn instance(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let module = Module::new(engine, wat).unwrap_or_else(|e| panic!("{e}"));
    let mut store = Store::new(engine, ());
    if engine.config_fuel() {
        store.set_fuel(u64::MAX / 2).unwrap();
    }
    let inst = Linker::new(engine).instantiate(&mut store, &module).unwrap();
    (store, inst)
}

trait FuelConfig {
    fn config_fuel(&self) -> bool;
}

impl FuelConfig for Engine {
    fn config_fuel(&self) -> bool {
        let mut s = Store::new(self, ());
        s.set_fuel(1).is_ok()
    }
}

/// The tier of each frame of the trap that calling `name` with `args`
/// raises, innermost first (`true`: compiled).
fn trap_tiers(store: &mut Store<()>, inst: &Instance, name: &str, args: &[Val]) -> Vec<(u32, bool)> {
    let f = inst.get_func(&mut *store, name).unwrap();
    let mut out: Vec<Val> = f.ty(&*store).results().iter().map(|&t| Val::default_for(t)).collect();
    let e = f.call(&mut *store, args, &mut out).expect_err("a trap");
    let t = e.as_trap().expect("a trap");
    t.trace()
        .iter()
        .map(|fr| {
            let compiled = match fr.position {
                Some(FramePosition::Compiled { .. }) => true,
                Some(FramePosition::Interp(_)) => false,
                None => panic!("a frame without a position: {fr:?}"),
            };
            (fr.func_index, compiled)
        })
        .collect()
}

const CALLS: &str = r#"
(module
  (func $check (param i32) (result i32)
    (if (local.get 0) (then unreachable))
    (i32.const 7))
  (func (export "check") (param i32) (result i32) (call $check (local.get 0))))
"#;

#[test]
fn hot_functions_run_compiled_code_from_their_next_call() {
    let Some(engine) = engine(sync(3, None), false) else {
        return;
    };
    let (mut store, inst) = instance(&engine, CALLS);
    // First call of each: both interpreted.
    assert_eq!(
        trap_tiers(&mut store, &inst, "check", &[Val::I32(1)]),
        [(0, false), (1, false)]
    );
    let f = inst.get_typed_func::<i32, i32>(&mut store, "check").unwrap();
    assert_eq!(f.call(&mut store, 0).unwrap(), 7);
    // The third call of each makes it hot: `$check`, called by the
    // interpreter, is compiled before the call goes on and runs compiled;
    // the export, called by the host, is compiled for its next call.
    assert_eq!(
        trap_tiers(&mut store, &inst, "check", &[Val::I32(1)]),
        [(0, true), (1, false)]
    );
    assert_eq!(
        trap_tiers(&mut store, &inst, "check", &[Val::I32(1)]),
        [(0, true), (1, true)]
    );
    assert_eq!(f.call(&mut store, 0).unwrap(), 7);
}

#[test]
fn cold_functions_stay_interpreted_behind_compiled_callers() {
    // `$check` hot, its caller never: the interpreter calls compiled code.
    let wat = r#"
    (module
      (func $check (param i32) (result i32)
        (if (local.get 0) (then unreachable))
        (i32.const 7))
      (func (export "warm") (param i32) (result i32) (call $check (local.get 0)))
      (func (export "outer") (param i32) (result i32) (call $check (local.get 0))))
    "#;
    let Some(engine) = engine(sync(2, None), false) else {
        return;
    };
    let (mut store, inst) = instance(&engine, wat);
    let warm = inst.get_typed_func::<i32, i32>(&mut store, "warm").unwrap();
    for _ in 0..3 {
        assert_eq!(warm.call(&mut store, 0).unwrap(), 7);
    }
    // `outer`'s first call is interpreted, `$check` compiled: one trace
    // with frames of both tiers.
    assert_eq!(
        trap_tiers(&mut store, &inst, "outer", &[Val::I32(1)]),
        [(0, true), (2, false)]
    );
}

/// `run(n)`: a loop of `n` iterations over locals of every number type and
/// `v128`, with a loop parameter, then a trap when `n` is odd.
const LOOP: &str = r#"
(module
  (func (export "run") (param $n i32) (result i64 f64)
    (local $i i32) (local $a i64) (local $f f32) (local $d f64) (local $v v128)
    (local.set $f (f32.const 1.5))
    (i32.const 3)
    (loop $l (param i32) (result i32)
      (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $i))))
      (local.set $f (f32.mul (local.get $f) (f32.const 1.0001)))
      (local.set $d (f64.add (local.get $d) (f64.promote_f32 (local.get $f))))
      (local.set $v (i32x4.add (local.get $v) (i32x4.splat (local.get $i))))
      (i32.add (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.extend_i32_u)
    (i64.add (local.get $a))
    (i64.add (i64x2.extract_lane 1 (local.get $v)))
    (if (i32.and (local.get $n) (i32.const 1)) (then unreachable))
    (local.get $d)))
"#;

fn run_loop(engine: &Engine, n: i32) -> (i64, u64) {
    let (mut store, inst) = instance(engine, LOOP);
    let f = inst.get_typed_func::<i32, (i64, f64)>(&mut store, "run").unwrap();
    let (a, d) = f.call(&mut store, n).unwrap();
    (a, d.to_bits())
}

#[test]
fn hot_loops_move_the_running_call_to_compiled_code() {
    let Some(engine) = engine(sync(u32::MAX, Some(100)), false) else {
        return;
    };
    // Fewer iterations than the threshold: interpreted to the end.
    let (mut store, inst) = instance(&engine, LOOP);
    assert_eq!(trap_tiers(&mut store, &inst, "run", &[Val::I32(51)]), [(0, false)]);
    // Past it, in a fresh module (counts are per module): the same call
    // ends in compiled code.
    let (mut store, inst) = instance(&engine, LOOP);
    assert_eq!(trap_tiers(&mut store, &inst, "run", &[Val::I32(1001)]), [(0, true)]);
    // The trap in the OSR entry points at the operator the compiler tier's
    // own code points at (the position is mapped through the entry, not
    // through the function's code, whose offsets differ).
    let jit = Engine::new(Config::new().tier(Tier::Jit)).unwrap();
    let offset = |engine: &Engine, n: i32| {
        let (mut store, inst) = instance(engine, LOOP);
        let f = inst.get_func(&mut store, "run").unwrap();
        let mut out = [Val::I64(0), Val::F64(0)];
        let e = f.call(&mut store, &[Val::I32(n)], &mut out).unwrap_err();
        let frame = e.as_trap().unwrap().trace()[0].clone();
        let osr = matches!(frame.position, Some(FramePosition::Compiled { osr_loop: Some(0), .. }));
        (inst.module(&store).frame_offset(&frame), osr)
    };
    let (compiled, osr) = (offset(&jit, 51), offset(&engine, 1001));
    assert!(!compiled.1 && osr.1, "{compiled:?} {osr:?}");
    assert!(compiled.0.is_some());
    assert_eq!(compiled.0, osr.0);
}

#[test]
fn on_stack_replacement_keeps_every_value() {
    let Some(osr) = engine(sync(u32::MAX, Some(10)), false) else {
        return;
    };
    let interp = Engine::new(Config::new().tier(Tier::Interp)).unwrap();
    for n in [2, 8, 10, 12, 1000] {
        assert_eq!(run_loop(&interp, n), run_loop(&osr, n), "n = {n}");
    }
}

#[test]
fn exceptions_leave_and_enter_replaced_calls() {
    // `$spin` loops, then throws from inside the loop (replaced by compiled
    // code by then); `catch_in_caller` catches it in the interpreted caller,
    // `catch_inside` catches a callee's exception inside the loop.
    let wat = r#"
    (module
      (tag $t (param i32))
      (func $throw (param i32) (throw $t (local.get 0)))
      (func $spin (param $n i32) (result i32) (local $i i32)
        (loop $l
          (if (i32.eq (local.get $i) (local.get $n)) (then (call $throw (i32.add (local.get $i) (i32.const 100)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l))
        (i32.const -1))
      (func (export "catch_in_caller") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $t $h) (call $spin (local.get 0)) (return))
          (unreachable))
        (i32.add (i32.const 1)))
      (func (export "catch_inside") (param $n i32) (result i32) (local $i i32) (local $sum i32)
        (loop $l
          (block $h (result i32)
            (try_table (catch $t $h) (call $throw (local.get $i)))
            (i32.const 0))
          (local.set $sum (i32.add (local.get $sum)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $sum)))
    "#;
    let Some(engine) = engine(sync(u32::MAX, Some(5)), false) else {
        return;
    };
    let (mut store, inst) = instance(&engine, wat);
    let caller = inst.get_typed_func::<i32, i32>(&mut store, "catch_in_caller").unwrap();
    assert_eq!(caller.call(&mut store, 50).unwrap(), 151);
    assert_eq!(caller.call(&mut store, 2).unwrap(), 103);
    let inside = inst.get_typed_func::<i32, i32>(&mut store, "catch_inside").unwrap();
    assert_eq!(inside.call(&mut store, 100).unwrap(), 4950);
}

#[test]
fn fuel_is_the_same_whatever_runs_where() {
    let used = |engine: &Engine, n: i32| {
        let (mut store, inst) = instance(engine, LOOP);
        let before = store.get_fuel().unwrap();
        let f = inst.get_typed_func::<i32, (i64, f64)>(&mut store, "run").unwrap();
        f.call(&mut store, n).unwrap();
        before - store.get_fuel().unwrap()
    };
    let mut interp = Config::new();
    interp.tier(Tier::Interp).consume_fuel(true);
    let interp = Engine::new(&interp).unwrap();
    let Some(osr) = engine(sync(2, Some(7)), true) else {
        return;
    };
    let Some(cold) = engine(sync(u32::MAX, None), true) else {
        return;
    };
    for n in [2, 8, 100] {
        let want = used(&interp, n);
        assert_eq!(used(&osr, n), want, "n = {n}, on-stack replacement");
        assert_eq!(used(&cold, n), want, "n = {n}, never hot");
    }
}

#[test]
fn background_compilation_takes_over_while_the_guest_runs() {
    // The default number of workers, one, and more than the cores.
    for threads in [None, Some(1), Some(5)] {
        let tiering = Tiering {
            call_threshold: 2,
            loop_threshold: Some(1000),
            synchronous: false,
        };
        let Some(mut engine) = engine(tiering, false) else {
            return;
        };
        if let Some(n) = threads {
            let mut config = engine.config().clone();
            config.compile_threads(n);
            engine = Engine::new(&config).unwrap();
        }
        let (mut store, inst) = instance(&engine, CALLS);
        // The workers install `$check` at some point: calls find it there.
        // (Bounded so that a broken queue fails instead of hanging.)
        let compiled = (0..100_000).any(|_| {
            let on = trap_tiers(&mut store, &inst, "check", &[Val::I32(1)])[0].1;
            if !on {
                std::thread::sleep(std::time::Duration::from_micros(100));
            }
            on
        });
        assert!(
            compiled,
            "{threads:?} workers: the hot function never ran compiled code"
        );
    }
}
