//! The interpreter-only configuration (`--no-default-features`) builds,
//! links neither Cranelift nor the text parser, and passes the runtime's
//! tests. A workspace build turns the default features on (feature
//! unification: tern-cli and tern-wast need them), so `cargo test
//! --workspace` alone never builds that configuration: this test runs a
//! child cargo that does.
//!
//! The child shares this build's target directory: the dev-dependencies
//! (wasmi, wasm-smith, criterion, ...) do not depend on tern's features,
//! so they are reused, and only tern-runtime and its tests are built
//! again (with their own hashes, so nothing of this build is replaced).
//! Cargo holds the target directory's lock only while it builds, not
//! while tests run.

// Only the full build runs this (the child, built without the defaults,
// must not run it again).
#![cfg(all(feature = "cranelift", feature = "wat"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cargo() -> Command {
    // Cargo tells the tests it runs where it is.
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// This build's target directory (the parent of `CARGO_TARGET_TMPDIR`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .to_path_buf()
}

fn show(o: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn interpreter_only_links_neither_cranelift_nor_the_text_parser() {
    let out = cargo()
        .args(["tree", "-p", "tern-runtime", "--no-default-features"])
        .args(["-e", "normal", "--prefix", "none"])
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "{}", show(&out));
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("tern-interp"), "{tree}");
    for line in tree.lines() {
        assert!(
            !line.starts_with("cranelift") && !line.starts_with("tern-cranelift") && !line.starts_with("tern-text"),
            "the interpreter-only build depends on {line}:\n{tree}"
        );
    }
}

#[test]
fn interpreter_only_tests_pass() {
    let mut c = cargo();
    c.args([
        "test",
        "-p",
        "tern-runtime",
        "--no-default-features",
        "--lib",
        "--tests",
    ]);
    if !cfg!(debug_assertions) {
        c.arg("--release");
    }
    c.arg("--target-dir").arg(target_dir());
    // The interpreter's handlers return to a loop here, as in a build
    // that does not optimize (or for a target without sibling calls), so
    // that the tests cover that way too.
    c.env("TERN_INTERP_DISPATCH", "loop");
    let out = c.output().expect("cargo runs");
    assert!(out.status.success(), "{}", show(&out));
    // The configuration is really the small one: these tests exist only
    // there.
    let stdout = String::from_utf8_lossy(&out.stdout);
    for test in [
        "the_compiler_tier_is_refused_with_the_feature_to_enable ... ok",
        "artifacts_are_neither_written_nor_loaded ... ok",
        "text_is_refused_with_the_feature_to_enable ... ok",
    ] {
        assert!(stdout.contains(test), "`{test}` is missing:\n{}", show(&out));
    }
}
