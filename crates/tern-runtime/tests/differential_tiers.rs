//! The compiler tier against the interpreter on random modules from
//! wasm-smith (fixed seeds), SIMD, tail calls, multi-memory, exception
//! handling (`try_table`, `throw`, `throw_ref`), relaxed SIMD (both modes),
//! wide arithmetic, extended constant expressions, 64-bit memories and
//! tables and 1-byte pages included: every export
//! is called in order with arguments from the seed, and results, traps, the final
//! exported globals, memories and tables must agree bit for bit.
//!
//! `tern_test_support::smith` explains why nothing needs excusing: wasm-smith
//! canonicalizes the NaNs of arithmetic, and the module is rewritten so the
//! NaNs of float conversions (demote, promote) are canonical too; all
//! code terminates (a counter wasm-smith adds). Only what follows the
//! first call that exhausts the call stack is not compared: the tiers run
//! out at different depths.
//!
//! Each seed runs in several option sets, the same on both tiers
//! (`smith::flags`): as it is (every other seed with epoch interruption on
//! and a deadline that is always reached, whose callback lets the guest go
//! on; every third seed with relaxed SIMD's deterministic mode); with fuel; with explicit bounds checks, fuel and interrupt checks;
//! and with the option set numbered by the seed, so that every combination
//! (eager compilation included) runs. The fuzz target `diff_tiers` runs the
//! same comparison (`smith::diff_tiers`) with options from its input.
//!
//! `TERN_DIFF_SEEDS=N` runs N seeds (default 300); `TERN_DIFF_DUMP=SEED`
//! writes one seed's module to `seed-SEED.wasm`; `TERN_DIFF_LIST=1` lists
//! disagreeing seeds instead of failing at the first.

use tern::{Config, Engine, Tier};
use tern_test_support::smith::{self, Proposals, compare, flags};

/// A seed's module and the bytes its arguments come from.
fn smith(seed: u64) -> Option<(Vec<u8>, Vec<u8>)> {
    let data = smith::random_bytes(seed, 8192);
    let mut u = arbitrary::Unstructured::new(&data);
    let bytes = smith::module(&mut u, Proposals::TIERS)?;
    Some((bytes, smith::random_bytes(!seed, 256)))
}

#[test]
fn tiers_agree_on_random_modules() {
    if Engine::new(Config::new().tier(Tier::Jit)).is_err() {
        return;
    }
    if let Some(seed) = std::env::var("TERN_DIFF_DUMP").ok().and_then(|s| s.parse().ok()) {
        // Writes one seed's module for a closer look.
        let bytes = smith(seed).map(|m| m.0).unwrap_or_default();
        std::fs::write(format!("seed-{seed}.wasm"), bytes).unwrap();
        return;
    }
    let n: u64 = std::env::var("TERN_DIFF_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let list = std::env::var_os("TERN_DIFF_LIST").is_some();
    // A big stack: compiled frames live on it, interpreted ones do not.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let (mut made, mut disagree, mut events) = (0u64, 0, 0u64);
            // Seed 2966 disagreed before conversion NaNs were canonicalized
            // (a promoted NaN lane became an address).
            for seed in (0..n).chain([2966]) {
                let Some((bytes, args)) = smith(seed) else { continue };
                made += 1;
                let option_sets = [
                    // Every other seed checks epochs (see `TernRun::epochs`),
                    // every third runs relaxed SIMD in the deterministic mode.
                    if seed % 2 == 1 { flags::EPOCHS } else { 0 }
                        | if seed % 3 == 2 {
                            flags::RELAXED_SIMD_DETERMINISTIC
                        } else {
                            0
                        },
                    flags::FUEL,
                    flags::EXPLICIT_BOUNDS | flags::FUEL | flags::INTERRUPTIBLE,
                    // Tiered, against the interpreter (fuel included).
                    flags::TIERED | flags::FUEL,
                    seed as u8 & 127,
                ];
                for f in option_sets {
                    match smith::diff_tiers(&bytes, &args, f).expect("the compiler tier is available") {
                        Ok(n) => events += n as u64,
                        Err(e) => {
                            assert!(list, "seed {seed}: {e}");
                            println!("seed {seed} disagrees: {e}");
                            disagree += 1;
                        }
                    }
                }
            }
            println!("{made} modules, {events} observations compared");
            assert!(made > n / 2, "only {made} of {n} seeds made modules");
            assert!(events > made, "too little was compared: {events} observations");
            assert_eq!(disagree, 0, "{disagree} of {made} seeds disagree");
        })
        .unwrap()
        .join()
        .unwrap();
}

/// The rewrite that makes conversion NaNs canonical: a promotion of a
/// NaN with a payload returns the canonical NaN on both tiers, and the
/// rewritten module still validates.
#[test]
fn conversion_nans_are_canonicalized() {
    let wat = r#"(module
        (func (export "promote") (param f32) (result i64)
            local.get 0 f64.promote_f32 i64.reinterpret_f64)
        (func (export "demote") (param f64) (result i32)
            local.get 0 f32.demote_f64 i32.reinterpret_f32)
        (func (export "vec") (param v128) (result v128)
            local.get 0 f64x2.promote_low_f32x4 f32x4.demote_f64x2_zero)
        (func (export "plain") (param f64) (result f64) local.get 0))"#;
    let bytes = smith::canonicalize_conversion_nans(&wat::parse_str(wat).unwrap()).unwrap();
    for tier in [Tier::Interp, Tier::Jit] {
        let Ok(engine) = Engine::new(Config::new().tier(tier)) else {
            continue;
        };
        let module = tern::Module::new(&engine, &bytes).unwrap();
        let mut store = tern::Store::new(&engine, ());
        let inst = tern::Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let promote = inst.get_typed_func::<f32, i64>(&mut store, "promote").unwrap();
        let nan = f32::from_bits(0xffc0_1234);
        assert_eq!(promote.call(&mut store, nan).unwrap() as u64, smith::CANON_F64);
        assert_eq!(promote.call(&mut store, 1.5).unwrap(), 1.5f64.to_bits() as i64);
        let demote = inst.get_typed_func::<f64, i32>(&mut store, "demote").unwrap();
        let nan = f64::from_bits(0xfff8_0000_1234_5678);
        assert_eq!(demote.call(&mut store, nan).unwrap() as u32, smith::CANON_F32);
        assert_eq!(demote.call(&mut store, -2.0).unwrap(), (-2.0f32).to_bits() as i32);
        let vec = inst
            .get_typed_func::<tern::V128, tern::V128>(&mut store, "vec")
            .unwrap();
        let lanes = |l: [u32; 4]| tern::V128(l.iter().rev().fold(0u128, |a, &x| a << 32 | x as u128));
        let got = vec.call(&mut store, lanes([0xffc0_0001, 0x4000_0000, 7, 8])).unwrap();
        assert_eq!(got, lanes([smith::CANON_F32, 0x4000_0000, 0, 0]));
        let plain = inst.get_typed_func::<f64, f64>(&mut store, "plain").unwrap();
        let nan = f64::from_bits(0xfff8_0000_1234_5678);
        assert_eq!(plain.call(&mut store, nan).unwrap().to_bits(), nan.to_bits());
    }
}

/// The comparison excuses only what follows a stack or fuel exhaustion,
/// and reports everything else, memory bytes included.
#[test]
fn comparison_excuses_only_exhaustion() {
    use smith::{Event, TrapKind, Value};
    let call = |name: &str, result| Event::Call {
        name: name.into(),
        args: vec![Value::I32(1)],
        result,
    };
    let memory = |byte| Event::Memory {
        name: "m".into(),
        data: vec![0, 0, byte, 0],
    };
    let ok = call("f", Ok(vec![Value::F32(smith::CANON_F32)]));
    let a = [ok.clone(), call("g", Ok(vec![])), memory(1)];
    // The same record.
    assert_eq!(compare(&a, &a, ("a", "b")), Ok(3));
    // One side ran out of stack in the second call: only the first counts.
    let b = [ok.clone(), Event::Cut(TrapKind::StackExhausted)];
    assert_eq!(compare(&a, &b, ("a", "b")), Ok(1));
    assert_eq!(compare(&b, &a, ("a", "b")), Ok(1));
    // A NaN with another payload is a difference.
    let nan = call("f", Ok(vec![Value::F32(smith::CANON_F32 | 1)]));
    assert!(compare(&a, &[nan, call("g", Ok(vec![])), memory(1)], ("a", "b")).is_err());
    // So is a different trap, or a trap instead of a result.
    let trap = |k| [ok.clone(), call("g", Err(k)), memory(1)];
    assert!(compare(&a, &trap(TrapKind::Unreachable), ("a", "b")).is_err());
    let e = compare(
        &trap(TrapKind::MemoryOutOfBounds),
        &trap(TrapKind::Unreachable),
        ("a", "b"),
    )
    .unwrap_err();
    assert!(e.contains("event 1"), "{e}");
    // Memory: the first differing byte is named.
    let e = compare(&a, &[ok, call("g", Ok(vec![])), memory(2)], ("a", "b")).unwrap_err();
    assert!(e.contains("byte 0x2"), "{e}");
    // A missing event.
    assert!(compare(&a, &a[..2], ("a", "b")).is_err());
}
