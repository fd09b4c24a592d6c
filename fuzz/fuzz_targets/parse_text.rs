//! Arbitrary text → tern's WAT and WAST parsers: never panic; errors point
//! inside the input; every module given as text encodes to bytes that
//! decode (`(module binary ...)` passes its bytes through unchecked).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_text::{DirectiveKind, ModuleSource};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = tern_text::parse_wat(text) {
        assert!(e.offset() <= text.len(), "error offset past the end: {e}");
    }
    if let Ok(script) = tern_text::parse_script(text) {
        for d in &script.directives {
            if let DirectiveKind::Module(m) = &d.kind {
                match &m.source {
                    Ok(ModuleSource::Text(bytes)) => {
                        tern_binary::decode(bytes).expect("a text module encoded to bytes that do not decode");
                    }
                    _ => {
                        let _ = m.to_binary();
                    }
                }
            }
        }
    }
});
