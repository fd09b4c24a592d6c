//! tern (interpreter or compiler) against wasmtime on wasm-smith modules with Wasm GC
//! (structs, arrays, i31, casts, typed function references) on top of
//! what `diff_wasmtime_interp` covers: results, traps, globals, memories
//! and tables must agree. See `tern_fuzz::wasmtime_diff`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tern_fuzz::wasmtime_diff::diff_wasmtime_gc(data);
});
