//! Differential fuzzing of the GC collector: wasm-smith modules with Wasm
//! GC (structs, arrays, i31, casts, typed function references) run on the
//! interpreter as it is and collecting before every allocation, freed
//! slots never reused; results, traps, globals, memories and tables must
//! agree bit for bit (`smith::diff_gc`). The first byte picks the options
//! both runs use (`smith::flags`: fuel, eager translation, epochs).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_fuzz::smith::{self, Proposals};

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let flags: u8 = u.arbitrary().unwrap_or(0);
    let Some(bytes) = smith::module(&mut u, Proposals::GC) else {
        return;
    };
    let args = u.take_rest();
    if let Err(e) = smith::diff_gc(&bytes, args, flags) {
        panic!("the collector changed what the program does: {e}");
    }
});
