//! Valid modules from wasm-smith → `print` → `parse_wat` must give back the
//! same module: the text format round-trips losslessly.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let mut config = wasm_smith::Config::default();
    // What tern implements: Wasm 2.0, exceptions, tail calls, multi-memory.
    config.simd_enabled = true;
    config.exceptions_enabled = true;
    config.tail_call_enabled = true;
    config.multi_value_enabled = true;
    config.bulk_memory_enabled = true;
    config.reference_types_enabled = true;
    config.max_memories = 2;
    config.gc_enabled = false;
    config.memory64_enabled = false;
    config.relaxed_simd_enabled = false;
    config.threads_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.wide_arithmetic_enabled = false;
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else { return };
    let bytes = module.to_bytes();
    let text = tern_text::print(&bytes).expect("print failed on a valid module");
    let back = tern_text::parse_wat(&text).unwrap_or_else(|e| panic!("printed text does not parse: {e}\n{text}"));
    let a = tern_binary::decode(&bytes).expect("wasm-smith module decodes");
    let b = tern_binary::decode(&back).expect("parsed module decodes");
    assert_eq!(a, b, "print → parse changed the module\n{text}");
});
