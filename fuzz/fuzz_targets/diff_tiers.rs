//! Differential fuzzing of the two tiers: wasm-smith modules (SIMD,
//! exceptions and Wasm 3.0's relaxed SIMD, wide arithmetic and extended
//! constants included) run on the interpreter and the compiler, every export called
//! with arguments from the input; results, traps, globals, memories and
//! tables must agree bit for bit. The first byte picks the options both
//! tiers run with (`smith::flags`: fuel, explicit bounds checks, eager
//! compilation, epochs, interrupt checks, relaxed SIMD's deterministic
//! mode, and tiered execution on the second side, calls compiled on their
//! second call and on-stack replacement at every loop; with fuel, the fuel
//! each returning call uses is compared too). `smith::diff_tiers` (shared with
//! `crates/tern-runtime/tests/differential_tiers.rs`) runs and compares;
//! `tern_test_support::smith` explains why nothing needs excusing.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_fuzz::smith::{self, Proposals};

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let flags: u8 = u.arbitrary().unwrap_or(0);
    let Some(bytes) = smith::module(&mut u, Proposals::TIERS) else {
        return;
    };
    let args = u.take_rest();
    if let Some(Err(e)) = smith::diff_tiers(&bytes, args, flags) {
        panic!("interpreter and compiler disagree: {e}");
    }
});
