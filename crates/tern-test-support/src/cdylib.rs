//! Tests of libraries that other programs load (`libtern.so` for C,
//! `libtern_js.so` for Node): `cargo test` builds no library of a package
//! whose only crate types are `cdylib`/`staticlib`, so such a test builds
//! it first, in its own profile and target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/PROFILE`, from the running test's path
/// (`target/PROFILE/deps/NAME-HASH`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/PROFILE")
        .to_path_buf()
}

/// Builds package `package` (run from `manifest_dir`) in this test's
/// profile and target directory, and returns the path of its shared
/// library `lib` (`tern` gives `libtern.so` on Linux). Panics with cargo's
/// output when the build fails.
pub fn build(manifest_dir: &str, package: &str, lib: &str) -> PathBuf {
    let dir = profile_dir();
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(manifest_dir).args(["build", "-p", package]);
    if dir.file_name().is_some_and(|p| p == "release") {
        c.arg("--release");
    }
    c.arg("--target-dir").arg(dir.parent().expect("the target directory"));
    let out = c.output().expect("running cargo");
    assert!(
        out.status.success(),
        "building {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.join(format!(
        "{}{lib}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(path.exists(), "no {}", path.display());
    path
}
