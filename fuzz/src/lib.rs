//! Code shared by the fuzz targets.

/// wasm-smith modules made deterministic, tern's runner and the comparison
/// of records; the tier differential test uses the same file.
#[path = "../../crates/tern-runtime/tests/support/smith.rs"]
pub mod smith;

pub mod wasmtime_diff;
