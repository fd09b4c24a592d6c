//! The `thread` and `wait` directives where they fail: a failing assertion
//! in a thread, waits for threads that do not exist or do not finish, and
//! what cannot cross threads. Each case on the interpreter and, where the
//! host has it, the compiler.

use std::time::Duration;
use tern::{Features, Tier};
use tern_wast::{Options, Report, run_script};

fn tiers() -> Vec<Tier> {
    let mut tiers = vec![Tier::Interp];
    if tern_cranelift::jit_available() {
        tiers.push(Tier::Jit);
    }
    tiers
}

fn run_with(src: &str, tier: Tier, thread_timeout: Option<Duration>) -> Report {
    let options = Options {
        features: Features::all(),
        tier,
        thread_timeout,
        ..Default::default()
    };
    run_script(src, &options).unwrap_or_else(|e| panic!("{}", e.with_source("test.wast", src)))
}

/// Runs `src` on every tier; the report of each.
fn run(src: &str) -> Vec<(Tier, Report)> {
    tiers().into_iter().map(|t| (t, run_with(src, t, None))).collect()
}

const MEM: &str = r#"(module $Mem
  (memory (export "shared") 1 1 shared)
  (func (export "f") (result i32) (i32.const 1))
  (global (export "g") i32 (i32.const 2)))
"#;

#[test]
fn failures_in_a_thread_count_at_their_own_lines() {
    let src = format!(
        r#"{MEM}(thread $T (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "get") (result i32) (i32.atomic.load (i32.const 0))))
  (assert_return (invoke "get") (i32.const 0))
  (assert_return (invoke "get") (i32.const 1))
  (assert_trap (invoke "get") "unreachable")
)
(wait $T)
"#
    );
    for (tier, r) in run(&src) {
        assert_eq!((r.passed, r.failed, r.skipped), (6, 2, 0), "{tier:?}: {:?}", r.failures);
        assert_eq!(r.failures[0].0, 11, "{tier:?}: the failing directive's own line");
        assert!(
            r.failures[0]
                .1
                .starts_with("assert_return: result 0: expected I32(1), got I32(0)"),
            "{tier:?}: {:?}",
            r.failures
        );
        assert_eq!(r.failures[1].0, 12);
        assert!(
            r.failures[1].1.starts_with("assert_trap: expected trap"),
            "{:?}",
            r.failures
        );
    }
}

#[test]
fn one_failing_assertion() {
    let src = "(thread $T\n  (module (func (export \"one\") (result i32) (i32.const 1)))\n  (assert_return (invoke \"one\") (i32.const 2)))\n(wait $T)";
    for (tier, r) in run(src) {
        assert_eq!(r.failed, 1, "{tier:?}: {:?}", r.failures);
        assert_eq!(r.passed, 3, "{tier:?}: thread, module, wait");
        assert_eq!(r.failures[0].0, 3);
    }
}

#[test]
fn waiting_for_an_unknown_thread_fails() {
    let src = "(thread $T)\n(wait $T)\n(wait $T)\n(wait $Nope)";
    for (tier, r) in run(src) {
        assert_eq!((r.passed, r.failed), (2, 2), "{tier:?}: {:?}", r.failures);
        assert_eq!(
            r.failures,
            [
                (
                    3,
                    "wait: no thread named $T to wait for (none was started, or it was waited for already)".to_string()
                ),
                (
                    4,
                    "wait: no thread named $Nope to wait for (none was started, or it was waited for already)"
                        .to_string()
                ),
            ]
        );
    }
}

#[test]
fn sharing_an_unknown_module_fails() {
    let src = "(thread $T (shared (module $Nope)) (module))\n(wait $T)";
    for (tier, r) in run(src) {
        assert_eq!((r.passed, r.failed), (0, 2), "{tier:?}: {:?}", r.failures);
        assert_eq!(r.failures[0], (1, "thread: no module named $Nope to share".to_string()));
    }
}

#[test]
fn only_shared_memories_cross_threads() {
    let src = format!(
        r#"{MEM}(thread $T (shared (module $Mem))
  (register "mem" $Mem)
  (module (func (import "mem" "f") (result i32)))
  (module (global (import "mem" "g") i32))
  (invoke $Mem "f")
  (get $Mem "g")
  (module (memory (import "mem" "shared") 1 1 shared))
)
(wait $T)
"#
    );
    for (tier, r) in run(&src) {
        assert_eq!((r.passed, r.failed), (5, 4), "{tier:?}: {:?}", r.failures);
        let lines: Vec<usize> = r.failures.iter().map(|f| f.0).collect();
        assert_eq!(lines, [7, 8, 9, 10]);
        assert_eq!(
            r.failures[0].1,
            "module: import \"mem\" \"f\" is a function of a module of another thread: only shared memories cross threads"
        );
        assert_eq!(
            r.failures[1].1,
            "module: import \"mem\" \"g\" is a global of a module of another thread: only shared memories cross threads"
        );
        for f in &r.failures[2..] {
            assert!(
                f.1.ends_with("module $Mem is another thread's: only its shared memories cross threads"),
                "{f:?}"
            );
        }
    }
}

#[test]
fn a_later_registration_replaces_an_uncrossable_name() {
    let src = format!(
        r#"{MEM}(thread $T (shared (module $Mem))
  (register "mem" $Mem)
  (module $F (func (export "f") (result i32) (i32.const 3)))
  (register "mem" $F)
  (module (func (import "mem" "f") (result i32)) (export "f" (func 0)))
  (assert_return (invoke "f") (i32.const 3))
)
(wait $T)
"#
    );
    for (tier, r) in run(&src) {
        assert_eq!((r.passed, r.failed), (8, 0), "{tier:?}: {:?}", r.failures);
    }
}

#[test]
fn a_thread_never_waited_for_is_joined_at_the_end() {
    let src = format!(
        r#"{MEM}(register "mem" $Mem)
(thread $T (shared (module $Mem))
  (register "mem" $Mem)
  (module (memory (import "mem" "shared") 1 1 shared)
    (func (export "set") (i32.atomic.store (i32.const 8) (i32.const 9))))
  (invoke "set")
  (assert_return (invoke "set") (i32.const 1))
)
"#
    );
    for (tier, r) in run(&src) {
        // The module, its registration, the thread and three of its four
        // directives pass; its last one fails (`set` returns nothing).
        assert_eq!((r.passed, r.failed), (6, 1), "{tier:?}: {:?}", r.failures);
        assert_eq!(
            r.failures[0],
            (11, "assert_return: expected 1 results, got 0".to_string())
        );
    }
}

#[test]
fn a_thread_that_does_not_finish_in_time_fails() {
    // The thread waits two seconds: longer than the runner waits for it
    // (it ends on its own afterwards).
    let src = r#"(thread $Slow
  (module (memory 1 1 shared)
    (func (export "nap") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 2000000000))))
  (assert_return (invoke "nap") (i32.const 2))
)
(wait $Slow)
(thread $Slow2
  (module (memory 1 1 shared)
    (func (export "nap") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 2000000000))))
  (invoke "nap")
)
"#;
    for tier in tiers() {
        let r = run_with(src, tier, Some(Duration::from_millis(100)));
        assert_eq!((r.passed, r.failed), (2, 2), "{tier:?}: {:?}", r.failures);
        assert_eq!(
            r.failures,
            [
                (
                    7,
                    "wait: thread $Slow did not finish within 100ms (left running)".to_string()
                ),
                // Never waited for: reported at its `thread` directive.
                (
                    8,
                    "thread: thread $Slow2 did not finish within 100ms (left running)".to_string()
                ),
            ]
        );
    }
}

#[test]
fn spectest_shared_memory_is_one_memory_for_the_script_and_its_threads() {
    let src = r#"(module
  (memory (import "spectest" "shared_memory") 1 2 shared)
  (func (export "load") (result i32) (i32.atomic.load (i32.const 4))))
(thread $T
  (module (memory (import "spectest" "shared_memory") 1 2 shared)
    (func (export "store") (i32.atomic.store (i32.const 4) (i32.const 77))))
  (invoke "store")
)
(wait $T)
(assert_return (invoke "load") (i32.const 77))
"#;
    for (tier, r) in run(src) {
        assert_eq!((r.passed, r.failed), (6, 0), "{tier:?}: {:?}", r.failures);
    }
}

#[test]
fn a_parse_error_in_a_thread_is_the_scripts() {
    let src = "(module)\n(thread $T\n  (assert_return (invoke \"f\") (i32.const x)))";
    let e = run_script(src, &Options::default())
        .unwrap_err()
        .with_source("t.wast", src);
    assert_eq!(e.line_col().map(|l| l.0), Some(3));
}
