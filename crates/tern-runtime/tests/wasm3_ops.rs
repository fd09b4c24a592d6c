//! Wasm 3.0's relaxed SIMD, wide arithmetic and extended constant
//! expressions, on every tier: the result each relaxed operator gives by
//! default (the x86-64 choice, docs/ARCHITECTURE.md) and in the
//! deterministic mode (`Config::relaxed_simd_deterministic`), the same on
//! both tiers bit for bit, on inputs where the choices differ.

use tern::*;

const RELAXED: &str = r#"(module
  (func (export "swizzle") (param v128 v128) (result v128) (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (export "trunc_f32x4_s") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
  (func (export "trunc_f32x4_u") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_u (local.get 0)))
  (func (export "trunc_f64x2_s_zero") (param v128) (result v128) (i32x4.relaxed_trunc_f64x2_s_zero (local.get 0)))
  (func (export "trunc_f64x2_u_zero") (param v128) (result v128) (i32x4.relaxed_trunc_f64x2_u_zero (local.get 0)))
  (func (export "f32x4.madd") (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "f32x4.nmadd") (param v128 v128 v128) (result v128) (f32x4.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "f64x2.madd") (param v128 v128 v128) (result v128) (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "f64x2.nmadd") (param v128 v128 v128) (result v128) (f64x2.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "i8x16.laneselect") (param v128 v128 v128) (result v128) (i8x16.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "i16x8.laneselect") (param v128 v128 v128) (result v128) (i16x8.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "i32x4.laneselect") (param v128 v128 v128) (result v128) (i32x4.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "i64x2.laneselect") (param v128 v128 v128) (result v128) (i64x2.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "f32x4.min") (param v128 v128) (result v128) (f32x4.relaxed_min (local.get 0) (local.get 1)))
  (func (export "f32x4.max") (param v128 v128) (result v128) (f32x4.relaxed_max (local.get 0) (local.get 1)))
  (func (export "f64x2.min") (param v128 v128) (result v128) (f64x2.relaxed_min (local.get 0) (local.get 1)))
  (func (export "f64x2.max") (param v128 v128) (result v128) (f64x2.relaxed_max (local.get 0) (local.get 1)))
  (func (export "q15mulr") (param v128 v128) (result v128) (i16x8.relaxed_q15mulr_s (local.get 0) (local.get 1)))
  (func (export "dot") (param v128 v128) (result v128) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get 0) (local.get 1)))
  (func (export "dot_add") (param v128 v128 v128) (result v128)
    (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2)))
)"#;

/// The tiers this host runs.
fn tiers() -> Vec<Tier> {
    let mut t = vec![Tier::Interp];
    if Engine::new(Config::new().tier(Tier::Jit)).is_ok() {
        t.push(Tier::Jit);
    }
    t
}

fn engine(tier: Tier, deterministic: bool) -> Engine {
    let mut c = Config::new();
    c.tier(tier)
        .relaxed_simd_deterministic(deterministic)
        .wasm_feature(Feature::WideArithmetic, true);
    Engine::new(&c).unwrap()
}

struct Run {
    store: Store<()>,
    instance: Instance,
}

impl Run {
    fn new(engine: &Engine, wat: &str) -> Run {
        let module = Module::new(engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        Run { store, instance }
    }

    fn call(&mut self, name: &str, args: &[Val], n: usize) -> Vec<Val> {
        let f = self.instance.get_func(&mut self.store, name).unwrap();
        let mut out = vec![Val::I32(0); n];
        f.call(&mut self.store, args, &mut out).unwrap();
        out
    }

    fn v(&mut self, name: &str, args: &[u128]) -> u128 {
        let args: Vec<Val> = args.iter().map(|&a| Val::V128(V128(a))).collect();
        match self.call(name, &args, 1)[0] {
            Val::V128(v) => v.0,
            ref v => panic!("{name}: {v:?}"),
        }
    }
}

fn bytes(b: [u8; 16]) -> u128 {
    u128::from_le_bytes(b)
}
fn i16s(l: [i16; 8]) -> u128 {
    l.iter().rev().fold(0, |acc, &x| acc << 16 | x as u16 as u128)
}
fn i32s(l: [i32; 4]) -> u128 {
    l.iter().rev().fold(0, |acc, &x| acc << 32 | x as u32 as u128)
}
fn u32s(l: [u32; 4]) -> u128 {
    l.iter().rev().fold(0, |acc, &x| acc << 32 | x as u128)
}
fn u64s(l: [u64; 2]) -> u128 {
    l[0] as u128 | (l[1] as u128) << 64
}
fn f32s(l: [f32; 4]) -> u128 {
    u32s(l.map(f32::to_bits))
}
fn f64s(l: [f64; 2]) -> u128 {
    u64s(l.map(f64::to_bits))
}
fn bitselect(a: u128, b: u128, m: u128) -> u128 {
    (a & m) | (b & !m)
}

/// Every relaxed operator's result, for one tier and mode.
fn relaxed_results(tier: Tier, det: bool) -> Vec<(&'static str, u128)> {
    let mut r = Run::new(&engine(tier, det), RELAXED);
    let mut out = Vec::new();
    let mut check = |name: &'static str, got: u128, default: u128, deterministic: u128| {
        let want = if det { deterministic } else { default };
        assert_eq!(
            got, want,
            "{name} on {tier:?} (deterministic: {det}): {got:#034x} != {want:#034x}"
        );
        out.push((name, got));
    };

    let a = bytes(std::array::from_fn(|i| 0x10 + i as u8));
    let s = bytes([16, 0x80, 17, 3, 0xff, 31, 15, 0x7f, 0, 1, 2, 3, 4, 5, 6, 7]);
    let pshufb = bytes([
        0x10, 0, 0x11, 0x13, 0, 0x1f, 0x1f, 0x1f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    ]);
    let swizzle = bytes([
        0, 0, 0, 0x13, 0, 0, 0x1f, 0, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    ]);
    check("swizzle", r.v("swizzle", &[a, s]), pshufb, swizzle);

    let x = f32s([f32::NAN, 3e9, -3e9, -1.5]);
    check(
        "trunc_f32x4_s",
        r.v("trunc_f32x4_s", &[x]),
        i32s([i32::MIN, i32::MIN, i32::MIN, -1]),
        i32s([0, i32::MAX, i32::MIN, -1]),
    );
    let x = f32s([f32::NAN, 5e9, -1.0, 1.5]);
    let sat = u32s([0, u32::MAX, 0, 1]);
    check("trunc_f32x4_u", r.v("trunc_f32x4_u", &[x]), sat, sat);
    let x = f64s([f64::NAN, 3e9]);
    check(
        "trunc_f64x2_s_zero",
        r.v("trunc_f64x2_s_zero", &[x]),
        i32s([i32::MIN, i32::MIN, 0, 0]),
        i32s([0, i32::MAX, 0, 0]),
    );
    let x = f64s([-1.0, 5e9]);
    let sat = u32s([0, u32::MAX, 0, 0]);
    check("trunc_f64x2_u_zero", r.v("trunc_f64x2_u_zero", &[x]), sat, sat);

    // x*y rounds away a 2^-37 that the fused form keeps; a NaN result is
    // the canonical NaN whatever the inputs' payloads.
    let (x, y) = (f32::from_bits(0x3f80_0002), f32::from_bits(0x3f80_0100));
    let z = -f32::from_bits(0x3f80_0102);
    let snan = f32::from_bits(0xffa0_0001);
    let canon = f32::from_bits(0x7fc0_0000);
    let fused = f32s([2f32.powi(-37), canon, 7.0, 0.0]);
    let unfused = f32s([0.0, canon, 7.0, 0.0]);
    let args = [
        f32s([x, snan, 2.0, 0.0]),
        f32s([y, 1.0, 3.0, 0.0]),
        f32s([z, 1.0, 1.0, 0.0]),
    ];
    check("f32x4.madd", r.v("f32x4.madd", &args), fused, unfused);
    let args = [
        f32s([-x, snan, -2.0, 0.0]),
        f32s([y, 1.0, 3.0, 0.0]),
        f32s([z, 1.0, 1.0, 0.0]),
    ];
    check("f32x4.nmadd", r.v("f32x4.nmadd", &args), fused, unfused);
    let (x, y) = (1.0 + 2f64.powi(-30), 1.0 + 2f64.powi(-30));
    let z = -(1.0 + 2f64.powi(-29));
    check(
        "f64x2.madd",
        r.v("f64x2.madd", &[f64s([x, f64::NAN]), f64s([y, 1.0]), f64s([z, 1.0])]),
        f64s([2f64.powi(-60), f64::from_bits(0x7ff8_0000_0000_0000)]),
        f64s([0.0, f64::from_bits(0x7ff8_0000_0000_0000)]),
    );
    check(
        "f64x2.nmadd",
        r.v("f64x2.nmadd", &[f64s([-x, 2.0]), f64s([y, 3.0]), f64s([z, 1.0])]),
        f64s([2f64.powi(-60), -5.0]),
        f64s([0.0, -5.0]),
    );

    let (a, b) = (u128::from_le_bytes([0x5a; 16]), u128::from_le_bytes([0xc3; 16]));
    let m = bytes([0x80, 0x7f, 0xff, 0, 0xf0, 0x0f, 0x81, 0x01, 0, 0, 0, 0, 0, 0, 0, 0xc0]);
    let by_top_bit = |lane: usize| -> u128 {
        let mut r = 0u128;
        for i in (0..16).step_by(lane) {
            let top = (m >> ((i + lane - 1) * 8 + 7)) & 1 == 1;
            let src = if top { a } else { b };
            let mask = if lane == 16 {
                u128::MAX
            } else {
                ((1u128 << (lane * 8)) - 1) << (i * 8)
            };
            r |= src & mask;
        }
        r
    };
    let sel = bitselect(a, b, m);
    check(
        "i8x16.laneselect",
        r.v("i8x16.laneselect", &[a, b, m]),
        by_top_bit(1),
        sel,
    );
    check("i16x8.laneselect", r.v("i16x8.laneselect", &[a, b, m]), sel, sel);
    check(
        "i32x4.laneselect",
        r.v("i32x4.laneselect", &[a, b, m]),
        by_top_bit(4),
        sel,
    );
    check(
        "i64x2.laneselect",
        r.v("i64x2.laneselect", &[a, b, m]),
        by_top_bit(8),
        sel,
    );

    // A NaN with a payload in the first operand, in the second, signed
    // zeros, and an ordinary pair.
    let nan = f32::from_bits(0x7fc0_1234);
    let x = f32s([nan, 1.0, 0.0, 2.0]);
    let y = f32s([1.0, nan, -0.0, 1.0]);
    check(
        "f32x4.min",
        r.v("f32x4.min", &[x, y]),
        f32s([nan, 1.0, 0.0, 1.0]),
        f32s([canon, canon, -0.0, 1.0]),
    );
    check(
        "f32x4.max",
        r.v("f32x4.max", &[x, y]),
        f32s([nan, 1.0, 0.0, 2.0]),
        f32s([canon, canon, 0.0, 2.0]),
    );
    let nan = f64::from_bits(0x7ff8_0000_0000_1234);
    let canon = f64::from_bits(0x7ff8_0000_0000_0000);
    check(
        "f64x2.min",
        r.v("f64x2.min", &[f64s([nan, -0.0]), f64s([1.0, 0.0])]),
        f64s([nan, -0.0]),
        f64s([canon, -0.0]),
    );
    check(
        "f64x2.max",
        r.v("f64x2.max", &[f64s([1.0, -0.0]), f64s([nan, 0.0])]),
        f64s([1.0, -0.0]),
        f64s([canon, 0.0]),
    );

    let x = i16s([i16::MIN, i16::MIN, 0x4000, -1, 0, 0, 0, 0]);
    let y = i16s([i16::MIN, -32767, 0x4000, 1, 0, 0, 0, 0]);
    check(
        "q15mulr",
        r.v("q15mulr", &[x, y]),
        i16s([i16::MIN, 32767, 0x2000, 0, 0, 0, 0, 0]),
        i16s([i16::MAX, 32767, 0x2000, 0, 0, 0, 0, 0]),
    );

    let a = bytes([0x80, 0x80, 127, 127, 0x80, 0x80, 3, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0]);
    let b = bytes([0x80, 0x80, 127, 127, 0x81, 0x81, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0]);
    check(
        "dot",
        r.v("dot", &[a, b]),
        i16s([-32768, 32258, -32768, 0, 0, 0, 0, 0]),
        i16s([32767, 32258, 32512, 0, 0, 0, 0, 0]),
    );
    let a = bytes([0x80; 16]);
    check(
        "dot_add",
        r.v("dot_add", &[a, a, i32s([1, 2, 3, 4])]),
        i32s([-65535, -65534, -65533, -65532]),
        i32s([65535, 65536, 65537, 65538]),
    );
    out
}

#[test]
fn relaxed_simd_gives_the_chosen_results_on_every_tier() {
    for det in [false, true] {
        let results: Vec<_> = tiers().into_iter().map(|t| relaxed_results(t, det)).collect();
        // `check` pins each tier to the same table; this says so plainly.
        for r in &results[1..] {
            assert_eq!(r, &results[0], "the tiers disagree (deterministic: {det})");
        }
    }
}

#[test]
fn relaxed_simd_is_a_feature_that_can_be_turned_off() {
    let mut c = Config::new();
    c.wasm_feature(Feature::RelaxedSimd, false);
    let e = Module::new(&Engine::new(&c).unwrap(), wat::parse_str(RELAXED).unwrap()).unwrap_err();
    assert!(e.to_string().contains("relaxed-simd"), "{e}");
}

const WIDE: &str = r#"(module
  (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "mul_wide_s") (param i64 i64) (result i64 i64) (i64.mul_wide_s (local.get 0) (local.get 1)))
  (func (export "mul_wide_u") (param i64 i64) (result i64 i64) (i64.mul_wide_u (local.get 0) (local.get 1)))
  ;; Operands that are constants and locals, results consumed in place.
  (func (export "sum_hi") (param i64) (result i64)
    (i64.add128 (local.get 0) (i64.const 5) (i64.const -1) (local.get 0))
    (i64.add))
)"#;

#[test]
fn wide_arithmetic_on_every_tier() {
    for tier in tiers() {
        let mut r = Run::new(&engine(tier, false), WIDE);
        let mut pair = |name: &str, args: &[i64]| -> (i64, i64) {
            let args: Vec<Val> = args.iter().map(|&a| Val::I64(a)).collect();
            match r.call(name, &args, 2)[..] {
                [Val::I64(lo), Val::I64(hi)] => (lo, hi),
                ref v => panic!("{name}: {v:?}"),
            }
        };
        assert_eq!(pair("add128", &[-1, 0, 1, 0]), (0, 1), "{tier:?}");
        assert_eq!(pair("add128", &[-1, i64::MAX, 1, 0]), (0, i64::MIN), "{tier:?}");
        assert_eq!(pair("sub128", &[0, 0, 1, 0]), (-1, -1), "{tier:?}");
        assert_eq!(pair("sub128", &[5, 7, 6, 2]), (-1, 4), "{tier:?}");
        assert_eq!(pair("mul_wide_s", &[-1, i64::MIN]), (i64::MIN, 0), "{tier:?}");
        assert_eq!(pair("mul_wide_s", &[-3, 5]), (-15, -1), "{tier:?}");
        assert_eq!(pair("mul_wide_u", &[-1, -1]), (1, -2), "{tier:?}");
        assert_eq!(pair("mul_wide_u", &[-3, 5]), (-15, 4), "{tier:?}");
        // (x + 5·2^64) + (-1 + x·2^64): low x - 1 (carry when x ≥ 1), high
        // 5 + x + carry; the sum of both halves.
        let got = r.call("sum_hi", &[Val::I64(10)], 1);
        assert!(matches!(got[..], [Val::I64(25)]), "{tier:?}: {got:?}");
    }
}

#[test]
fn wide_arithmetic_is_off_by_default() {
    let e = Module::new(&Engine::default(), wat::parse_str(WIDE).unwrap()).unwrap_err();
    assert!(e.to_string().contains("wide-arithmetic"), "{e}");
}

#[test]
fn extended_constant_expressions_on_every_tier() {
    let wat = r#"(module
      (global $base (import "env" "base") i32)
      (global (export "g") i64 (i64.sub (i64.mul (i64.const 6) (i64.const 7)) (i64.const 2)))
      (global (export "h") i32 (i32.add (global.get $base) (i32.mul (i32.const 4) (i32.const 2))))
      (memory 1)
      (data (offset (i32.add (global.get $base) (i32.const 3))) "\2a")
      (table 10 funcref)
      (elem (offset (i32.sub (i32.const 9) (global.get $base))) func $f)
      (func $f (result i32) (i32.const 99))
      (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
      (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
    )"#;
    for tier in tiers() {
        let engine = engine(tier, false);
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let base = Global::new(
            &mut store,
            GlobalType {
                content: ValType::I32,
                mutable: false,
            },
            Val::I32(2),
        )
        .unwrap();
        let instance = Instance::new(&mut store, &module, &[base.into()]).unwrap();
        let g = instance.get_global(&mut store, "g").unwrap().get(&store);
        assert!(matches!(g, Val::I64(40)), "{tier:?}: {g:?}");
        let h = instance.get_global(&mut store, "h").unwrap().get(&store);
        assert!(matches!(h, Val::I32(10)), "{tier:?}: {h:?}");
        let load = instance.get_typed_func::<i32, i32>(&mut store, "load").unwrap();
        assert_eq!(load.call(&mut store, 5).unwrap(), 0x2a, "{tier:?}");
        let call = instance.get_typed_func::<i32, i32>(&mut store, "call").unwrap();
        assert_eq!(call.call(&mut store, 7).unwrap(), 99, "{tier:?}");
    }
}

#[test]
fn artifacts_remember_the_relaxed_simd_mode() {
    if !tiers().contains(&Tier::Jit) {
        return;
    }
    let bytes = wat::parse_str(RELAXED).unwrap();
    let det = engine(Tier::Jit, true);
    let art = Module::new(&det, &bytes).unwrap().serialize().unwrap();
    // SAFETY: the artifact was just made by this build.
    let e = unsafe { Module::deserialize(&engine(Tier::Jit, false), &art) }.unwrap_err();
    assert!(e.to_string().contains("deterministic relaxed SIMD"), "{e}");
    // SAFETY: as above.
    let m = unsafe { Module::deserialize(&det, &art) }.unwrap();
    let mut store = Store::new(&det, ());
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let f = instance.get_func(&mut store, "q15mulr").unwrap();
    let min = Val::V128(V128(i16s([i16::MIN; 8])));
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[min, min], &mut out).unwrap();
    assert!(matches!(out[0], Val::V128(V128(v)) if v == i16s([i16::MAX; 8])));
}
