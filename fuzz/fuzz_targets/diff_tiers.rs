//! Differential fuzzing of the two tiers: wasm-smith modules (SIMD
//! included) run on the interpreter and the compiler, every export called
//! with arguments from the input; results, traps, globals, memories and
//! tables must agree bit for bit. `tern_fuzz::smith` (shared with
//! `crates/tern-runtime/tests/differential_tiers.rs`) explains why nothing
//! needs excusing.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tern::Tier;
use tern_fuzz::smith::{self, Proposals, TernRun};

fuzz_target!(|data: &[u8]| {
    if tern::Engine::new(tern::Config::new().tier(Tier::Jit)).is_err() {
        return;
    }
    let mut u = arbitrary::Unstructured::new(data);
    let flags: u8 = u.arbitrary().unwrap_or(0);
    let proposals = Proposals {
        simd: true,
        tail_call: true,
        multi_memory: true,
        exceptions: false,
        wasm3: true,
        memory64: true,
    };
    let Some(bytes) = smith::module(&mut u, proposals) else {
        return;
    };
    let args = u.take_rest();
    let fuel = (flags & 1 != 0).then_some(10_000_000);
    let epochs = flags & 8 != 0;
    let relaxed_simd_deterministic = flags & 16 != 0;
    let interp = TernRun {
        fuel,
        eager: flags & 4 != 0,
        epochs,
        relaxed_simd_deterministic,
        ..TernRun::new(Tier::Interp)
    };
    let jit = TernRun {
        fuel,
        explicit_bounds: flags & 2 != 0,
        eager: flags & 4 != 0,
        epochs,
        relaxed_simd_deterministic,
        ..TernRun::new(Tier::Jit)
    };
    let a = smith::run_tern(&bytes, interp, args);
    let b = smith::run_tern(&bytes, jit, args);
    if let Err(e) = smith::compare(&a, &b, ("interpreter", "compiler")) {
        panic!("interpreter and compiler ({jit:?}) disagree: {e}");
    }
});
