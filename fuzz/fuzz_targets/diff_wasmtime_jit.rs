//! tern's compiler tier against wasmtime on wasm-smith modules (Wasm 2.0,
//! SIMD, tail calls, multi-memory, exception handling, memory64 and custom
//! page sizes, wide arithmetic, extended constants): results, traps,
//! globals, memories and tables must agree bit for bit. See
//! `tern_fuzz::wasmtime_diff`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tern_fuzz::wasmtime_diff::diff_wasmtime(data, tern::Tier::Jit);
});
