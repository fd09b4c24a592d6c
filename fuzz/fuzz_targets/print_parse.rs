//! Valid modules from wasm-smith → `print` → `parse_wat` must give back the
//! same module: the text format round-trips losslessly.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_binary::{Module, ValType};

/// A body's locals, with adjacent groups of one type merged, and its
/// operator bytes.
type Body<'a> = (Vec<(u64, ValType)>, &'a [u8]);

fn bodies<'a>(m: &Module<'a>) -> Vec<Body<'a>> {
    m.code
        .iter()
        .map(|b| {
            let (groups, ops) = b.locals().expect("locals decode");
            let mut merged: Vec<(u64, ValType)> = Vec::new();
            for (n, t) in groups {
                match merged.last_mut() {
                    Some((m, mt)) if *mt == t => *m += n as u64,
                    _ if n == 0 => {}
                    _ => merged.push((n as u64, t)),
                }
            }
            (merged, ops.reader().rest())
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    // What tern implements: Wasm 2.0, exceptions, tail calls, multi-memory.
    let config = wasm_smith::Config {
        simd_enabled: true,
        exceptions_enabled: true,
        tail_call_enabled: true,
        multi_value_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        max_memories: 2,
        gc_enabled: false,
        memory64_enabled: false,
        relaxed_simd_enabled: true,
        threads_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: true,
        compact_imports_enabled: false,
        extended_const_enabled: true,
        shared_everything_threads_enabled: false,
        ..Default::default()
    };
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return;
    };
    let bytes = module.to_bytes();
    let text = tern_text::print(&bytes).expect("print failed on a valid module");
    let back = tern_text::parse_wat(&text).unwrap_or_else(|e| panic!("printed text does not parse: {e}\n{text}"));
    let mut a = tern_binary::decode(&bytes).expect("wasm-smith module decodes");
    let mut b = tern_binary::decode(&back).expect("parsed module decodes");
    // Text cannot say whether a data count section is present: the parser
    // emits one exactly when a body needs it. The decoder checks the count
    // against the data section, so nothing else is lost.
    a.data_count = None;
    b.data_count = None;
    // Nor how locals are grouped: compare merged groups and the operators.
    assert_eq!(bodies(&a), bodies(&b), "print → parse changed a function body\n{text}");
    a.code.clear();
    b.code.clear();
    assert_eq!(a, b, "print → parse changed the module\n{text}");
});
