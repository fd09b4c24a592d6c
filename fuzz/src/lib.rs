//! Code shared by the fuzz targets.

/// wasm-smith modules made deterministic, tern's runner and the comparison
/// of records, from the test-support crate that the tier differential test
/// uses too.
pub use tern_test_support::smith;

pub mod wasmtime_diff;
