//! Arbitrary text → tern's WAT and WAST parsers: never panic; errors point
//! inside the input; whatever parses as a module decodes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match tern_text::parse_wat(text) {
        Ok(bytes) => {
            // The encoder only emits well-formed binaries.
            tern_binary::decode(&bytes).expect("parse_wat produced bytes that do not decode");
        }
        Err(e) => assert!(e.offset() <= text.len(), "error offset past the end: {e}"),
    }
    if let Ok(script) = tern_text::parse_script(text) {
        for d in &script.directives {
            if let tern_text::DirectiveKind::Module(m) = &d.kind {
                let _ = m.to_binary();
            }
        }
    }
});
