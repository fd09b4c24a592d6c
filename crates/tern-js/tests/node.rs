//! Runs the JavaScript interface's tests (`js/test/*.test.js`, Node's own
//! test runner) against the addon of this build. The addon is built here
//! (`cargo test` builds no library of a `cdylib`-only package); without
//! Node (`node`, or the path in `NODE`) the test says why and passes.

use std::path::Path;
use std::process::Command;

fn node() -> Option<String> {
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".into());
    let ok = Command::new(&node)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(node)
}

#[test]
fn javascript_interface_tests_pass() {
    let Some(node) = node() else {
        eprintln!("skipping: no Node.js (set NODE to its path)");
        return;
    };
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../js");
    // The files, not the folder: Node 22 and later read `--test` arguments
    // as glob patterns.
    let mut files: Vec<String> = std::fs::read_dir(js.join("test"))
        .expect("js/test")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".test.js"))
        .map(|n| format!("test/{n}"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    run(&node, &files, None);
}

/// The promise integration's fibers run wasm of either tier on threads of
/// their own: its tests run on each single tier too (the run above has
/// the default).
#[test]
fn promise_integration_on_each_tier() {
    let Some(node) = node() else {
        eprintln!("skipping: no Node.js (set NODE to its path)");
        return;
    };
    for tier in ["interp", "jit"] {
        run(&node, &["test/jspi.test.js".to_string()], Some(tier));
    }
}

/// Runs `node --test` on `files` of js/ (with `TERN_JS_TEST_TIER=tier`,
/// which the files that read it configure) and checks that all pass.
fn run(node: &str, files: &[String], tier: Option<&str>) {
    let addon = tern_test_support::cdylib::build(env!("CARGO_MANIFEST_DIR"), "tern-js", "tern_js");
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../js");
    let mut cmd = Command::new(node);
    cmd.current_dir(&js)
        .args(["--test", "--test-reporter=tap"])
        .args(files)
        .env("TERN_JS_ADDON", &addon);
    if let Some(t) = tier {
        cmd.env("TERN_JS_TEST_TIER", t);
    }
    let out = cmd.output().expect("running node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "node --test failed ({tier:?}):\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("# fail 0"), "{stdout}");
}
