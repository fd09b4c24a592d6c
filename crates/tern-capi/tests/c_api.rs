//! The C API's tests: each `tests/c/NAME.c` is compiled with the system C
//! compiler against `include/` and the `libtern.so` of this build, then
//! run on both tiers, and under valgrind (interpreter tier, and for a few
//! programs the compiling tier) when valgrind is installed. Every program
//! exits 0 when all its checks pass and deletes every object it owns, so
//! valgrind must report no error and no
//! definite or indirect leak ("possibly lost" blocks are left out: they
//! are process-wide tables, such as the text parser's operator table,
//! that live until exit by design).
//!
//! The tests build the library themselves (`cargo build -p tern-capi` in
//! this profile and target directory) before the first program. Without a C
//! compiler the tests print why and pass; `TERN_CAPI_NO_VALGRIND=1` skips
//! the valgrind runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use tern_test_support::cdylib::profile_dir;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn cc() -> Option<String> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    have(&cc).then_some(cc)
}

/// Builds `libtern.so` for this profile, once per test process. Returns
/// the directory it is in.
fn library() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let lib = tern_test_support::cdylib::build(env!("CARGO_MANIFEST_DIR"), "tern-capi", "tern");
            lib.parent().expect("the profile directory").to_path_buf()
        })
        .clone()
}

/// Compiles `tests/c/NAME.c`; None (after saying why) without a compiler.
fn build(name: &str) -> Option<PathBuf> {
    let Some(cc) = cc() else {
        eprintln!("skipping {name}: no C compiler (set CC)");
        return None;
    };
    let dir = library();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = dir.join("tern-capi-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(name);
    let src = manifest.join("tests/c").join(format!("{name}.c"));
    let status = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1", "-pthread"])
        .arg("-I")
        .arg(manifest.join("include"))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(&dir)
        .arg("-ltern")
        .arg(format!("-Wl,-rpath,{}", dir.display()))
        .status()
        .expect("running the C compiler");
    assert!(status.success(), "compiling {} failed", src.display());
    Some(exe)
}

/// Runs a compiled test program, with `TERN_TIER` set to `tier`, under
/// `wrapper` when given; panics with its output when it fails.
fn run(exe: &Path, tier: &str, wrapper: &[&str]) {
    let mut cmd = match wrapper.split_first() {
        Some((w, args)) => {
            let mut c = Command::new(w);
            c.args(args).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    let out = cmd.env("TERN_TIER", tier).output().expect("running the test program");
    if !out.status.success() {
        panic!(
            "{} (TERN_TIER={tier}{}) failed: {}\n--- stdout\n{}\n--- stderr\n{}",
            exe.display(),
            if wrapper.is_empty() { "" } else { ", under valgrind" },
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn check(name: &str) {
    let Some(exe) = build(name) else { return };
    run(&exe, "interp", &[]);
    run(&exe, "auto", &[]);
    if std::env::var_os("TERN_CAPI_NO_VALGRIND").is_none() && have("valgrind") {
        let valgrind = [
            "valgrind",
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect",
        ];
        run(&exe, "interp", &valgrind);
        // The compiling tier too, for the programs that call most: it
        // once crashed under valgrind before running any code (rustix read
        // a vDSO valgrind does not map).
        if VALGRIND_AUTO.contains(&name) {
            run(&exe, "auto", &valgrind);
        }
    }
}

/// The programs also run under valgrind on the compiling tier (slower, so
/// not all of them).
const VALGRIND_AUTO: &[&str] = &["funcs", "traps"];

macro_rules! c_tests {
    ($($name:ident)*) => {$(
        #[test]
        fn $name() {
            check(stringify!($name));
        }
    )*};
}

c_tests!(types vectors module instance funcs traps refs threads extensions wasi coverage);

/// The headers compile as C++ too.
#[test]
fn headers_compile_as_cpp() {
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    if !have(&cxx) {
        eprintln!("skipping: no C++ compiler");
        return;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = profile_dir().join("tern-capi-tests");
    std::fs::create_dir_all(&out).unwrap();
    let src = out.join("headers.cc");
    std::fs::write(
        &src,
        "#include <wasm.h>\n#include <tern.h>\nint main() { wasm_val_t v = WASM_I32_VAL(1); return v.of.i32 - 1; }\n",
    )
    .unwrap();
    let status = Command::new(&cxx)
        .args(["-std=c++20", "-Wall", "-Werror", "-fsyntax-only", "-I"])
        .arg(manifest.join("include"))
        .arg(&src)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Every function the headers declare is called by some test program.
#[test]
fn every_function_is_tested() {
    let Some(cc) = cc() else {
        eprintln!("skipping: no C compiler");
        return;
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = profile_dir().join("tern-capi-tests");
    std::fs::create_dir_all(&out).unwrap();
    let src = out.join("all_headers.c");
    std::fs::write(&src, "#include <wasm.h>\n#include <tern.h>\n").unwrap();
    let pre = Command::new(&cc)
        .args(["-E", "-P", "-I"])
        .arg(manifest.join("include"))
        .arg(&src)
        .output()
        .unwrap();
    assert!(pre.status.success());
    let text = String::from_utf8(pre.stdout).unwrap();
    let (declared, inline) = functions(&text);
    // What the programs call after macro expansion (names pasted together
    // with `##` count), from the lines of each preprocessed program that
    // come from the program itself rather than from a header.
    let mut used = String::new();
    for e in std::fs::read_dir(manifest.join("tests/c")).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "c") {
            continue;
        }
        let pre = Command::new(&cc)
            .args(["-E", "-I"])
            .arg(manifest.join("include"))
            .arg(&path)
            .output()
            .unwrap();
        assert!(pre.status.success(), "preprocessing {}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut ours = false;
        for line in String::from_utf8_lossy(&pre.stdout).lines() {
            // Line markers: `# 12 "path/file.c" flags`.
            if let Some(marker) = line.strip_prefix("# ") {
                ours = marker.split('"').nth(1).is_some_and(|f| f.ends_with(&name));
            } else if ours {
                used.push_str(line);
                used.push('\n');
            }
        }
    }
    let used = identifiers(&used);
    let missing: Vec<&String> = declared
        .iter()
        .filter(|d| !inline.contains(*d) && !used.contains(*d))
        .collect();
    assert!(missing.is_empty(), "functions no test program calls: {missing:?}");
    assert!(
        declared.len() > 300,
        "only {} functions found in the headers",
        declared.len()
    );
}

/// The `wasm_`/`tern_` names followed by `(` in preprocessed header text,
/// and those of them defined `static inline` there.
fn functions(text: &str) -> (std::collections::BTreeSet<String>, std::collections::BTreeSet<String>) {
    let mut declared = std::collections::BTreeSet::new();
    let mut inline = std::collections::BTreeSet::new();
    for stmt in text.split(';') {
        let is_inline = stmt.contains("static inline");
        let bytes = stmt.as_bytes();
        let mut i = 0;
        let mut first = true;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &stmt[start..i];
                let rest = stmt[i..].trim_start();
                if (word.starts_with("wasm_") || word.starts_with("tern_")) && rest.starts_with('(') {
                    declared.insert(word.to_string());
                    if is_inline && first {
                        inline.insert(word.to_string());
                    }
                    first = false;
                }
            } else {
                i += 1;
            }
        }
    }
    (declared, inline)
}

fn identifiers(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("wasm_") || w.starts_with("tern_"))
        .map(str::to_string)
        .collect()
}
