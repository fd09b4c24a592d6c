//! A real Wasm GC program: `tests/data/kotlin/more.wasm`, Kotlin/Wasm's
//! WASI output for `more.kt` (classes and interfaces, exceptions with
//! `try_table`/`exnref`, lambdas, collections, strings, regular
//! expressions, sequences; see `build.sh`). Its output must be wasmtime
//! 49's (`more.expected`; Node 24 prints the same), on the default tier
//! (tiered), on the interpreter and on the compiler.

use std::path::Path;
use std::process::Command;

#[test]
fn kotlin_program_prints_what_wasmtime_prints() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kotlin");
    let want = std::fs::read_to_string(dir.join("more.expected")).unwrap();
    for tier in [None, Some("interp"), Some("jit")] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
        c.arg("run")
            .env_remove("TERN_LOG")
            .env("TERN_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("kt"));
        if let Some(t) = tier {
            c.args(["--tier", t]);
        }
        let out = c.arg(dir.join("more.wasm")).output().expect("run tern");
        assert!(
            out.status.success(),
            "{tier:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{tier:?}");
    }
}
