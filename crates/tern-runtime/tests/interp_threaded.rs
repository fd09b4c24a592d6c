//! The interpreter's threaded handlers pass control on by sibling calls
//! (jumps, in an optimized build): a long loop through every kind of
//! handler must run in a small host stack, and compute what the compiler
//! tier computes, with the same fuel.

use tern::*;

/// A loop of `n` iterations through arithmetic of every type, loads and
/// stores of every width, globals, selects, a `br_table`, fused compares,
/// copies, a call and its return, and SIMD; returns a checksum.
const LOOP: &str = r#"(module
  (memory 1)
  (global $g (mut i64) (i64.const 7))
  (func $mix (param $x i64) (param $i i32) (result i64)
    (local $v v128)
    (local.set $v (i32x4.add (i32x4.splat (local.get $i)) (v128.const i32x4 1 2 3 4)))
    (i64.add (i64.mul (local.get $x) (i64.const 31))
             (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $v)))))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $x i64) (local $f f64) (local $s f32) (local $a i32) (local $t i32)
    (local.set $f (f64.const 1.5))
    (local.set $s (f32.const 0.25))
    (loop $top
      ;; address in [0, 4096), 8-aligned
      (local.set $a (i32.and (i32.mul (local.get $i) (i32.const 8)) (i32.const 4095)))
      (i64.store (local.get $a) (i64.add (local.get $x) (i64.extend_i32_u (local.get $i))))
      (i32.store8 offset=1 (local.get $a) (local.get $i))
      (i32.store16 offset=2 (local.get $a) (i32.xor (local.get $i) (i32.const 0x5a5a)))
      (local.set $x (i64.add (local.get $x)
        (i64.add (i64.load (local.get $a))
          (i64.extend_i32_s (i32.add (i32.load8_s offset=1 (local.get $a))
                                     (i32.load16_u offset=2 (local.get $a)))))))
      (local.set $f (f64.add (f64.mul (local.get $f) (f64.const 0.999)) (f64.convert_i32_u (local.get $i))))
      (local.set $s (f32.add (local.get $s) (f32.demote_f64 (local.get $f))))
      (f64.store offset=8 (i32.const 0) (local.get $f))
      (local.set $f (f64.load offset=8 (i32.const 0)))
      (global.set $g (i64.rotl (i64.xor (global.get $g) (local.get $x)) (i64.const 13)))
      (local.set $t (select (local.get $i) (i32.const 3) (i32.and (local.get $i) (i32.const 1))))
      (block $b2 (block $b1 (block $b0
        (br_table $b0 $b1 $b2 (i32.rem_u (local.get $t) (i32.const 3))))
        (local.set $x (i64.add (local.get $x) (i64.const 1))) (br $b2))
        (local.set $x (i64.sub (local.get $x) (i64.const 2))))
      (local.set $x (call $mix (local.get $x) (local.get $i)))
      (if (i64.lt_s (local.get $x) (i64.const 0))
        (then (local.set $x (i64.sub (i64.const 0) (local.get $x)))))
      (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.add (i64.add (local.get $x) (global.get $g))
      (i64.add (i64.reinterpret_f64 (local.get $f)) (i64.extend_i32_u (i32.reinterpret_f32 (local.get $s)))))))"#;

fn run(tier: Tier, fuel: bool, n: i32) -> (i64, Option<u64>) {
    let mut config = Config::new();
    config.tier(tier).consume_fuel(fuel);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat::parse_str(LOOP).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    if fuel {
        store.set_fuel(u64::MAX / 2).unwrap();
    }
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_typed_func::<i32, i64>(&mut store, "run").unwrap();
    let r = f.call(&mut store, n).unwrap();
    (r, fuel.then(|| u64::MAX / 2 - store.get_fuel().unwrap()))
}

#[test]
fn a_long_loop_runs_in_a_small_stack_and_agrees_with_the_compiler() {
    let n = 2_000_000;
    // 1 MiB of stack: a handler that called its successor instead of
    // jumping to it would need gigabytes for two million iterations.
    let interp = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || (run(Tier::Interp, false, n), run(Tier::Interp, true, n)))
        .unwrap()
        .join()
        .expect("the interpreter thread failed");
    #[cfg(feature = "cranelift")]
    {
        let jit = (run(Tier::Jit, false, n), run(Tier::Jit, true, n));
        assert_eq!(interp.0.0, jit.0.0);
        assert_eq!(interp.1, jit.1, "checksum and fuel with fuel on");
    }
    // The values both tiers compute (the interpreter-only build has no
    // compiler to ask).
    assert_eq!(interp.0.0 as u64, 0x443d_0e83_9b39_72d9);
    assert_eq!(
        (interp.1.0 as u64, interp.1.1),
        (0x443d_0e83_9b39_72d9, Some(209_333_617)),
        "with fuel on"
    );
}
