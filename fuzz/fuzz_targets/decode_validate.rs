//! Arbitrary bytes → `tern_validate::validate` (all features and Wasm 2.0):
//! must not panic, errors must point inside the input, and whatever decodes
//! must survive `decode(encode(m)) == m`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tern_validate::Features;

fuzz_target!(|data: &[u8]| {
    for features in [Features::all(), Features::wasm2()] {
        if let Err(e) = tern_validate::validate(data, &features) {
            assert!(
                e.offset() <= data.len(),
                "error offset {:#x} past end of {}-byte input: {e}",
                e.offset(),
                data.len()
            );
        }
    }
    if let Ok(m) = tern_binary::decode(data) {
        let encoded = tern_binary::encode(&m);
        let m2 = tern_binary::decode(&encoded).expect("re-decoding encode(decode(data)) failed");
        assert_eq!(m2, m, "decode(encode(m)) != m");
    }
});
