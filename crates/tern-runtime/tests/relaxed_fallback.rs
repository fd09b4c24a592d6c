//! The relaxed SIMD operators compiled for an x86-64 without SSE4.1, AVX
//! or FMA take the translator's fallback sequences instead of `blendv*`
//! and `vfmadd` (a libcall per lane): they must give what the host's full
//! instruction set gives, and what the interpreter gives, on inputs that
//! tell the choices apart (lanes from a fixed pseudo-random stream salted
//! with edge values). Both modes. The reduced instruction set is the
//! engine's: `Config::cranelift_flag_set` turns the extensions off in the
//! ISA the compiler tier targets, and the code runs through the runtime
//! like any other (Cranelift's rounding and fused multiply-add libcalls
//! linked by tern).
//!
//! (Without SSSE3 Cranelift lowers `swizzle` to a libcall that tern does
//! not link, so the fallbacks for `pshufb`, `pmulhrsw` and `pmaddubsw`,
//! which only other targets use, are not run here.)

use tern::{Config, Engine, Linker, Store, Tier, Val};

/// `(name, operand count)` of the exported functions of [`WAT`].
const OPS: [(&str, usize); 20] = [
    ("i8x16.relaxed_swizzle", 2),
    ("i32x4.relaxed_trunc_f32x4_s", 1),
    ("i32x4.relaxed_trunc_f32x4_u", 1),
    ("i32x4.relaxed_trunc_f64x2_s_zero", 1),
    ("i32x4.relaxed_trunc_f64x2_u_zero", 1),
    ("f32x4.relaxed_madd", 3),
    ("f32x4.relaxed_nmadd", 3),
    ("f64x2.relaxed_madd", 3),
    ("f64x2.relaxed_nmadd", 3),
    ("i8x16.relaxed_laneselect", 3),
    ("i16x8.relaxed_laneselect", 3),
    ("i32x4.relaxed_laneselect", 3),
    ("i64x2.relaxed_laneselect", 3),
    ("f32x4.relaxed_min", 2),
    ("f32x4.relaxed_max", 2),
    ("f64x2.relaxed_min", 2),
    ("f64x2.relaxed_max", 2),
    ("i16x8.relaxed_q15mulr_s", 2),
    ("i16x8.relaxed_dot_i8x16_i7x16_s", 2),
    ("i32x4.relaxed_dot_i8x16_i7x16_add_s", 3),
];

fn wat() -> String {
    let mut s = String::from("(module\n");
    for (name, n) in OPS {
        let params = "v128 ".repeat(n);
        let gets: String = (0..n).map(|i| format!("(local.get {i})")).collect();
        s += &format!("(func (export \"{name}\") (param {params}) (result v128) ({name} {gets}))\n");
    }
    s + ")"
}

/// Inputs: edge lanes (NaNs with payloads, infinities, out-of-range
/// floats, `i16::MIN`, bytes with and without the top bit) mixed with
/// pseudo-random ones.
fn inputs(n: usize) -> Vec<u128> {
    let edges32: [u32; 12] = [
        0x7fc0_0000,
        0xffa0_0001,
        0x7f80_0000,
        0xff80_0000,
        0x4f00_0000,
        0xcf00_0001,
        0x8000_0000,
        0,
        0x4f80_0000,
        0x3f80_0002,
        0x8000_8000,
        0x807f_ff80,
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|i| {
            let r = (next() as u128) << 64 | next() as u128;
            match i % 4 {
                0 => r,
                1 => {
                    let l: [u32; 4] = std::array::from_fn(|k| edges32[(next() as usize + k) % edges32.len()]);
                    l.iter().rev().fold(0u128, |a, &v| a << 32 | v as u128)
                }
                2 => {
                    // f64 lanes: NaN, huge, small, random.
                    let pick = [
                        0x7ff8_0000_0000_0001u64,
                        0x41f0_0000_0000_0000,
                        0xc1e0_0000_0020_0000,
                        next(),
                    ];
                    (pick[next() as usize % 4] as u128) << 64 | pick[next() as usize % 4] as u128
                }
                _ => r & 0x8080_8080_8080_8080_8080_8080_8080_8080 | 0x0101_0101_0101_0101_0101_0101_0101_0101,
            }
        })
        .collect()
}

/// Every export of [`wat`] on every case, on an engine made by `config`.
fn run(config: &Config, cases: &[Vec<u128>]) -> Vec<Vec<u128>> {
    let engine = Engine::new(config).unwrap();
    let module = tern::Module::new(&engine, wat::parse_str(wat()).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    OPS.iter()
        .map(|(name, n)| {
            let f = inst.get_func(&mut store, name).unwrap();
            cases
                .iter()
                .map(|args| {
                    let vals: Vec<Val> = args[..*n].iter().map(|&v| Val::V128(v.into())).collect();
                    let mut out = [Val::I32(0)];
                    f.call(&mut store, &vals, &mut out).unwrap();
                    match out[0] {
                        Val::V128(v) => v.0,
                        ref v => panic!("{name}: {v:?}"),
                    }
                })
                .collect()
        })
        .collect()
}

/// The compiler tier on the host's ISA with the extensions `off` turned
/// off.
fn compiled(deterministic: bool, off: &[&str]) -> Config {
    let mut c = Config::new();
    c.tier(Tier::Jit).relaxed_simd_deterministic(deterministic);
    for f in off {
        // SAFETY: only turns extensions off; the x86-64 baseline remains.
        unsafe { c.cranelift_flag_set(f, "false") };
    }
    c
}

fn interpreted(deterministic: bool) -> Config {
    let mut c = Config::new();
    c.tier(Tier::Interp).relaxed_simd_deterministic(deterministic);
    c
}

/// An unknown setting is an error when the engine is made.
#[test]
fn unknown_cranelift_settings_are_errors() {
    if Engine::new(Config::new().tier(Tier::Jit)).is_err() {
        return;
    }
    let mut c = Config::new();
    // SAFETY: the engine is never made.
    unsafe { c.tier(Tier::Jit).cranelift_flag_set("has_no_such_extension", "false") };
    let Err(e) = Engine::new(&c) else {
        panic!("an unknown setting is refused")
    };
    assert!(e.to_string().contains("has_no_such_extension"), "{e}");
}

#[test]
fn fallback_sequences_agree_with_the_instructions_and_the_interpreter() {
    if std::env::consts::ARCH != "x86_64" || Engine::new(Config::new().tier(Tier::Jit)).is_err() {
        return;
    }
    let flat = inputs(3 * 400);
    let cases: Vec<Vec<u128>> = flat.chunks(3).map(|c| c.to_vec()).collect();
    const BASELINE: &[&str] = &[
        "has_avx512vnni",
        "has_avx512vl",
        "has_avx512vbmi",
        "has_avx512dq",
        "has_avx512bitalg",
        "has_avx512f",
        "has_avx_vnni",
        "has_fma",
        "has_avx2",
        "has_avx",
        "has_sse42",
        "has_sse41",
    ];
    for deterministic in [false, true] {
        let a = run(&compiled(deterministic, BASELINE), &cases);
        let b = run(&compiled(deterministic, &[]), &cases);
        let c = run(&interpreted(deterministic), &cases);
        for (i, (name, _)) in OPS.iter().enumerate() {
            for (k, args) in cases.iter().enumerate() {
                assert_eq!(
                    (a[i][k], b[i][k]),
                    (c[i][k], c[i][k]),
                    "{name} (deterministic: {deterministic}) on {args:#034x?}: \
                     baseline ISA, full ISA, interpreter"
                );
            }
        }
    }
}
