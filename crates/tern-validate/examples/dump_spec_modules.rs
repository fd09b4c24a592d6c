//! Writes every module of the spec suites tern's `spec` test covers (the
//! folders of `tern_test_support::suites` read by the `Validate` harness)
//! as `.wasm` files into a directory: the valid ones, and the binary
//! `assert_malformed`/`assert_invalid` ones.
//! Used to seed the fuzz corpus (`fuzz/seed.sh`).
//!
//! ```text
//! cargo run -p tern-validate --example dump_spec_modules -- OUT_DIR
//! ```

use std::collections::BTreeSet;
use std::path::PathBuf;

use tern_test_support::suites::{self, Harness};
use tern_text::DirectiveKind;

fn main() {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: dump_spec_modules OUT_DIR");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&out).expect("create output directory");

    let mut seen = BTreeSet::new();
    let mut written = 0;
    for file in suites::files(Harness::Validate) {
        let Ok(script) = tern_text::parse_script(file.text) else {
            continue;
        };
        let (dir, name) = file.name.split_once('/').expect("folder/file.wast");
        let stem = name.trim_end_matches(".wast");
        for d in &script.directives {
            let line = d.line;
            let bytes = match &d.kind {
                DirectiveKind::Module(m)
                | DirectiveKind::AssertMalformed { module: m, .. }
                | DirectiveKind::AssertInvalid { module: m, .. }
                | DirectiveKind::AssertUnlinkable { module: m, .. }
                | DirectiveKind::AssertUninstantiable { module: m, .. }
                | DirectiveKind::AssertTrapModule { module: m, .. } => m.to_binary().ok(),
                _ => None,
            };
            if let Some(bytes) = bytes
                && seen.insert(bytes.clone())
            {
                let path = out.join(format!("{dir}-{stem}-{line}.wasm"));
                std::fs::write(&path, &bytes).expect("write module");
                written += 1;
            }
        }
    }
    println!("wrote {written} distinct modules to {}", out.display());
}
