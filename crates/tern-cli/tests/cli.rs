//! Golden tests for what people read: the `tern` command's output and exit
//! status, checked against committed `golden/*.out` files. Refresh them with
//! `BLESS=1 cargo test -p tern-cli` and review the diff.

use std::path::Path;
use std::process::Command;

/// The `tern` command, with its code cache in a folder of the test
/// target's (never the user's) and no debug log.
fn tern_command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.env(
        "TERN_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("tern-cache"),
    )
    .env_remove("TERN_LOG");
    c
}

fn run_golden(name: &str, args: &[&str], expected_status: i32) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = tern_command().args(args).current_dir(&root).output().expect("run tern");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.stderr.is_empty() {
        text.push_str("--- stderr\n");
        text.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    text.push_str(&format!("--- status {}\n", out.status.code().unwrap_or(-1)));
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.out"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&golden, &text).unwrap();
    }
    let want =
        std::fs::read_to_string(&golden).unwrap_or_else(|_| panic!("missing {}; run with BLESS=1", golden.display()));
    assert_eq!(
        text,
        want,
        "output of `tern {}` differs from {}",
        args.join(" "),
        golden.display()
    );
    assert_eq!(out.status.code(), Some(expected_status));
}

#[test]
fn inspect_example() {
    run_golden("inspect-fib", &["inspect", "examples/fib.wasm"], 0);
}

#[test]
fn validate_valid() {
    run_golden("validate-ok", &["validate", "examples/fib.wasm"], 0);
}

#[test]
fn validate_reports_one_line_per_bad_file() {
    run_golden(
        "validate-bad",
        &[
            "validate",
            "examples/fib.wasm",
            "crates/tern-cli/tests/data/truncated.wasm",
            "crates/tern-cli/tests/data/type-mismatch.wasm",
            "crates/tern-cli/tests/data/not-wasm.wasm",
        ],
        1,
    );
}

#[test]
fn validate_feature_switches() {
    run_golden(
        "validate-mvp",
        &["validate", "--features", "mvp", "examples/fib.wasm"],
        0,
    );
    // Wasm 3.0 is the default; `wasm2` is Wasm 2.0 exactly.
    let wasm3 = "crates/tern-cli/tests/data/wasm3.wat";
    run_golden("validate-wasm3", &["validate", wasm3], 0);
    run_golden(
        "validate-wasm3-as-wasm3",
        &["validate", "--features", "wasm3", wasm3],
        0,
    );
    run_golden(
        "validate-wasm3-as-wasm2",
        &["validate", "--features", "wasm2", wasm3],
        1,
    );
    run_golden(
        "validate-unknown-feature",
        &["validate", "--features", "warp-drive", "examples/fib.wasm"],
        2,
    );
}

#[test]
fn inspect_bad_file() {
    run_golden(
        "inspect-bad",
        &["inspect", "crates/tern-cli/tests/data/truncated.wasm"],
        1,
    );
}

#[test]
fn missing_file() {
    run_golden("validate-missing", &["validate", "no/such/file.wasm"], 1);
}

#[test]
fn validate_text_module_and_text_errors() {
    run_golden(
        "validate-wat",
        &[
            "validate",
            "examples/fib.wat",
            "crates/tern-cli/tests/data/unknown-op.wat",
        ],
        1,
    );
}

#[test]
fn parse_matches_the_committed_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::env::temp_dir().join(format!("tern-cli-parse-{}.wasm", std::process::id()));
    let status = tern_command()
        .args(["parse", "examples/fib.wat", "-o"])
        .arg(&out)
        .current_dir(&root)
        .status()
        .unwrap();
    assert!(status.success());
    let ours = std::fs::read(&out).unwrap();
    std::fs::remove_file(&out).ok();
    // examples/fib.wasm was produced by `wasm-tools parse`; ours is the same
    // bytes, name section included.
    assert_eq!(ours, std::fs::read(root.join("examples/fib.wasm")).unwrap());
}

#[test]
fn print_example() {
    run_golden("print-fib", &["print", "examples/fib.wasm"], 0);
    run_golden("print-fib-folded", &["print", "--folded", "examples/fib.wasm"], 0);
}

#[test]
fn wast_runs_scripts_and_reports_failures() {
    run_golden("wast-fib", &["wast", "examples/fib.wast"], 0);
    run_golden("wast-wrong", &["wast", "crates/tern-cli/tests/data/wrong.wast"], 1);
}

#[test]
fn run_wasi_command() {
    run_golden("run-hello", &["run", "examples/hello.wat", "world", "and more"], 0);
    run_golden("run-exit-code", &["run", "crates/tern-cli/tests/data/exit.wat"], 42);
    run_golden(
        "run-shared-memory",
        &["run", "crates/tern-cli/tests/data/shared-memory.wat"],
        0,
    );
    run_golden("run-invoke", &["run", "--invoke", "fib", "examples/fib.wasm", "20"], 0);
    run_golden(
        "run-backtrace",
        &["run", "crates/tern-cli/tests/data/backtrace.wat"],
        134,
    );
    run_golden(
        "run-trap",
        &[
            "run",
            "--invoke",
            "div",
            "crates/tern-cli/tests/data/trap.wat",
            "1",
            "0",
        ],
        134,
    );
}

#[test]
fn compile_then_run_the_artifact() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let cwasm = dir.join("fib.cwasm");
    let tern = |args: &[&str]| tern_command().args(args).current_dir(&root).output().expect("run tern");
    let out = tern(&["compile", "examples/fib.wat", "-o", cwasm.to_str().unwrap()]);
    if !out.status.success() {
        // Hosts without the compiler say so.
        assert!(String::from_utf8_lossy(&out.stderr).contains("not available"));
        return;
    }
    // An artifact is native code: refused unless the user says it is trusted.
    let out = tern(&["run", "--invoke", "fib", cwasm.to_str().unwrap(), "20"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("--allow-precompiled"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = tern(&[
        "run",
        "--allow-precompiled",
        "--invoke",
        "fib",
        cwasm.to_str().unwrap(),
        "20",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "6765\n");
    assert!(out.status.success());
    // A damaged artifact is refused with a message, not run.
    let mut bytes = std::fs::read(&cwasm).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    let bad = dir.join("fib-bad.cwasm");
    std::fs::write(&bad, &bytes).unwrap();
    let out = tern(&[
        "run",
        "--allow-precompiled",
        "--invoke",
        "fib",
        bad.to_str().unwrap(),
        "20",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("precompiled module is corrupt"), "{err}");
    let short = dir.join("fib-short.cwasm");
    std::fs::write(&short, &bytes[..n / 3]).unwrap();
    let out = tern(&[
        "run",
        "--allow-precompiled",
        "--invoke",
        "fib",
        short.to_str().unwrap(),
        "20",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn run_compiles_lazily_or_eagerly_with_the_same_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut outs = Vec::new();
    for mode in ["lazy", "eager"] {
        let out = tern_command()
            .args(["run", "--compile", mode, "examples/hello.wat", "world"])
            .current_dir(&root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{mode}: {out:?}");
        outs.push(out.stdout);
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(String::from_utf8_lossy(&outs[0]), "hello from tern\nworld\n");
}

#[test]
fn profile_perfmap_names_compiled_functions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Compiled on first call, all up front, and tiered up on the calling
    // thread at the first call (the default tiering compiles in the
    // background, which a short run may end before).
    for (mode, tiering) in [
        ("lazy", "tiering=n"),
        ("eager", "tiering=n"),
        ("lazy", "tiering-threshold=1,tiering-sync=y"),
    ] {
        let child = tern_command()
            .args([
                "run",
                "--profile",
                "perfmap",
                "--compile",
                mode,
                "-C",
                tiering,
                "--invoke",
                "fib",
            ])
            .args(["examples/fib.wasm", "20"])
            .current_dir(&root)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "6765");
        let path = format!("/tmp/perf-{pid}.map");
        let map = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{mode}: no {path}: {e}"));
        std::fs::remove_file(&path).ok();
        // `START SIZE NAME`, hexadecimal, one line per compiled function.
        let fib = map
            .lines()
            .find(|l| l.ends_with("::fib_iter"))
            .unwrap_or_else(|| panic!("{mode}: fib_iter not in the map:\n{map}"));
        let f: Vec<&str> = fib.split(' ').collect();
        assert!(
            u64::from_str_radix(f[0], 16).unwrap() > 0 && u64::from_str_radix(f[1], 16).unwrap() > 0,
            "{fib}"
        );
    }
}

#[test]
fn everything_after_the_module_belongs_to_the_guest() {
    run_golden(
        "run-guest-flags",
        &[
            "run",
            "--tier",
            "interp",
            "examples/hello.wat",
            "--help",
            "-fno-common",
            "--env",
            "A=1",
            "--tier",
            "--invoke",
            "x",
        ],
        0,
    );
    run_golden(
        "run-argv0",
        &["run", "--argv0", "cc1", "crates/tern-cli/tests/data/argv0.wat"],
        0,
    );
    run_golden("run-argv0-default", &["run", "crates/tern-cli/tests/data/argv0.wat"], 0);
}

#[test]
fn run_calls_the_default_export_without_start() {
    run_golden(
        "run-default-export",
        &["run", "crates/tern-cli/tests/data/default-export.wat"],
        7,
    );
}

#[test]
fn errors_exit_1_and_usage_errors_2() {
    run_golden("run-missing", &["run", "no/such/file.wasm"], 1);
    run_golden(
        "validate-empty",
        &["validate", "crates/tern-cli/tests/data/empty.wasm"],
        1,
    );
    run_golden("run-empty", &["run", "crates/tern-cli/tests/data/empty.wasm"], 1);
    run_golden(
        "validate-garbage",
        &["validate", "crates/tern-cli/tests/data/garbage.wasm"],
        1,
    );
    run_golden("run-garbage", &["run", "crates/tern-cli/tests/data/garbage.wasm"], 1);
    run_golden(
        "run-invalid",
        &["run", "crates/tern-cli/tests/data/type-mismatch.wasm"],
        1,
    );
    run_golden(
        "run-link-error",
        &["run", "crates/tern-cli/tests/data/imports-missing.wat"],
        1,
    );
    run_golden(
        "run-invoke-bad-args",
        &["run", "--invoke", "fib", "examples/fib.wasm", "twenty"],
        1,
    );
    run_golden("run-no-start", &["run", "examples/fib.wasm"], 1);
    run_golden("run-bad-fuel", &["run", "-W", "fuel=abc", "examples/hello.wat"], 2);
    run_golden(
        "run-bad-timeout",
        &["run", "--timeout", "forever", "examples/hello.wat"],
        2,
    );
    run_golden(
        "run-bad-size",
        &["run", "--max-memory-size", "lots", "examples/hello.wat"],
        2,
    );
    run_golden("run-bad-W", &["run", "-W", "warp-drive=y", "examples/hello.wat"], 2);
    run_golden("run-no-module", &["run"], 2);
}

#[test]
fn fuel_stops_a_guest_with_a_message_that_says_so() {
    for tier in ["interp", "auto"] {
        run_golden(
            "run-fuel",
            &[
                "run",
                "--tier",
                tier,
                "--fuel",
                "1000",
                "crates/tern-cli/tests/data/spin.wat",
            ],
            134,
        );
        run_golden(
            "run-fuel",
            &[
                "run",
                "--tier",
                tier,
                "-W",
                "fuel=1000",
                "crates/tern-cli/tests/data/spin.wat",
            ],
            134,
        );
    }
    // Enough fuel: the program runs to its end.
    run_golden(
        "run-hello-fuel",
        &["run", "--fuel", "100000", "examples/hello.wat", "world"],
        0,
    );
}

#[test]
fn memory_size_limit_makes_growth_fail() {
    for tier in ["interp", "auto"] {
        run_golden(
            "run-grow",
            &["run", "--tier", tier, "crates/tern-cli/tests/data/grow.wat"],
            0,
        );
        run_golden(
            "run-grow-limited",
            &[
                "run",
                "--tier",
                tier,
                "--max-memory-size",
                "192K",
                "crates/tern-cli/tests/data/grow.wat",
            ],
            3,
        );
        run_golden(
            "run-grow-limited",
            &[
                "run",
                "--tier",
                tier,
                "-W",
                "max-memory-size=196608",
                "crates/tern-cli/tests/data/grow.wat",
            ],
            3,
        );
    }
}

#[test]
fn deep_recursion_backtraces_are_folded() {
    // The interpreter records every frame; the output folds them.
    run_golden(
        "run-deep-interp",
        &[
            "run",
            "--tier",
            "interp",
            "--invoke",
            "deep",
            "crates/tern-cli/tests/data/deep.wat",
            "99990",
        ],
        134,
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for tier in ["interp", "auto"] {
        for (stack, depth) in [(None, "99990"), (Some("64K"), "1000000")] {
            let mut cmd = tern_command();
            cmd.args(["run", "--tier", tier]);
            if let Some(s) = stack {
                cmd.args(["--max-wasm-stack", s]);
            }
            let out = cmd
                .args(["--invoke", "deep", "crates/tern-cli/tests/data/deep.wat", depth])
                .current_dir(&root)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(134), "{tier} {stack:?}: {err}");
            let want = if stack.is_some() {
                "call stack exhausted"
            } else {
                "unreachable"
            };
            assert!(err.starts_with(&format!("error: {want}\n")), "{tier} {stack:?}: {err}");
            assert!(err.lines().count() < 110, "{tier}: {} lines", err.lines().count());
            assert!(err.contains("more frames of deep.wat!down"), "{tier}: {err}");
            // The compiler tier records the innermost 128 frames only.
            if tier == "interp" {
                assert!(err.contains("deep.wat!<func 1>"), "{tier}: {err}");
            }
        }
    }
}

#[test]
fn a_timeout_stops_a_guest_on_either_tier() {
    for tier in ["interp", "auto"] {
        run_golden(
            "run-timeout",
            &[
                "run",
                "--tier",
                tier,
                "--timeout",
                "100ms",
                "crates/tern-cli/tests/data/spin.wat",
            ],
            134,
        );
        run_golden(
            "run-timeout-W",
            &[
                "run",
                "--tier",
                tier,
                "-W",
                "timeout=100ms",
                "crates/tern-cli/tests/data/spin.wat",
            ],
            134,
        );
    }
    // A timeout that is not reached changes nothing.
    run_golden(
        "run-hello",
        &["run", "--timeout", "1m", "examples/hello.wat", "world", "and more"],
        0,
    );
}

#[test]
fn unknown_imports_trap_in_either_spelling() {
    for flag in [&["--trap-unknown-imports"][..], &["-W", "unknown-imports-trap=y"][..]] {
        let mut args = vec!["run"];
        args.extend_from_slice(flag);
        args.push("crates/tern-cli/tests/data/imports-missing.wat");
        run_golden("run-unknown-import-trap", &args, 134);
    }
}

/// wasi-threads without a flag: threads spawned with `thread-spawn` share
/// the imported memory and add up exactly (several runs, both tiers); a
/// thread's `proc_exit` or trap ends the whole program.
#[test]
fn wasi_threads_run_and_end_the_program() {
    let count = "crates/tern-cli/tests/data/threads-count.wat";
    let exit = "crates/tern-cli/tests/data/threads-exit.wat";
    let none = "crates/tern-cli/tests/data/threads-none.wat";
    for tier in ["interp", "auto"] {
        for _ in 0..5 {
            run_golden("run-threads-count", &["run", "--tier", tier, count], 0);
        }
        run_golden("run-threads-none", &["run", "--tier", tier, none], 0);
        run_golden("run-threads-exit", &["run", "--tier", tier, exit], 7);
    }
    // The same program with its threads trapping instead.
    let dir = std::env::temp_dir().join(format!("tern-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trap = dir.join("threads-trap.wat");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join(exit)).unwrap();
    std::fs::write(
        &trap,
        text.replace(
            "(global $mode (mut i32) (i32.const 1))",
            "(global $mode (mut i32) (i32.const 2))",
        ),
    )
    .unwrap();
    for tier in ["interp", "auto"] {
        let out = tern_command()
            .args(["run", "--tier", tier])
            .arg(&trap)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(134), "{tier}: {err}");
        assert!(
            err.starts_with("error: unreachable\nwasm backtrace:\n"),
            "{tier}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A thread that sleeps (`poll_oneoff` on a clock) does not hold the WASI
/// context's lock meanwhile: the main thread writes and exits at once
/// instead of waiting the minute out. (A watchdog of 30 s, not a timing:
/// the run takes milliseconds, or a minute when the lock is held.)
#[test]
fn wasi_threads_sleep_without_the_lock() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for tier in ["interp", "auto"] {
        let mut child = tern_command()
            .args(["run", "--tier", tier])
            .arg(root.join("crates/tern-cli/tests/data/threads-sleep.wat"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > std::time::Duration::from_secs(30) {
                child.kill().unwrap();
                panic!("{tier}: the main thread's write waited for the sleeping thread");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut out = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
        assert!(status.success(), "{tier}: {status}");
        assert_eq!(out, "main wrote while the thread slept\n", "{tier}");
    }
}

/// Deadlines and fuel hold in spawned threads too: a thread that spins
/// for ever ends the program with 134 and a backtrace through it.
#[test]
fn wasi_threads_run_out_of_time_and_fuel() {
    let spin = "crates/tern-cli/tests/data/threads-spin.wat";
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for tier in ["interp", "auto"] {
        for (limit, message) in [
            (["--timeout", "200ms"], "error: timeout: the guest ran out of time"),
            (
                ["--fuel", "10000000"],
                "error: all fuel consumed: the guest ran out of fuel",
            ),
        ] {
            let out = tern_command()
                .args(["run", "--tier", tier])
                .args(limit)
                .arg(root.join(spin))
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(134), "{tier} {limit:?}: {err}");
            assert!(err.starts_with(message), "{tier} {limit:?}: {err}");
            assert!(err.contains("wasm backtrace:\n    0: "), "{tier} {limit:?}: {err}");
        }
    }
}
