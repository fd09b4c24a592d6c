//! `tern run`'s code cache (`-C cache=y|n`, `-C cache-dir=PATH`,
//! `-C cache-max-size=BYTES`, `TERN_CACHE_DIR`): a lazily compiled run
//! writes the entry while the guest runs and the next run loads it; the
//! cache never changes what a program prints; damaged entries are ignored
//! and rewritten; an unfit directory means a warning and no cache; the
//! size bound holds; racing processes all work. `TERN_LOG=cache` says
//! what the cache did on stderr.
//!
//! Every test keeps its cache in a temporary directory of its own.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Reads a line from stdin and prints `got:` and the line: it runs as
/// long as the test keeps stdin open.
const ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 196) "got:")
  (func $iovec (param $at i32) (param $ptr i32) (param $len i32)
    (i32.store (local.get $at) (local.get $ptr))
    (i32.store (i32.add (local.get $at) (i32.const 4)) (local.get $len)))
  (func (export "_start")
    (call $iovec (i32.const 0) (i32.const 200) (i32.const 64))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $iovec (i32.const 16) (i32.const 196) (i32.add (i32.const 4) (i32.load (i32.const 8))))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
)
"#;

/// Traps two calls deep: its backtrace goes to stderr.
const TRAP: &str = r#"
(module
  (func $inner (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0)))
  (func $outer (param i32) (result i32) (call $inner (local.get 0)))
  (func (export "f") (param i32) (result i32) (i32.add (call $outer (local.get 0)) (i32.const 1)))
)
"#;

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a module file.
    fn module(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// The cache folder's path (the folder is tern's to make).
    fn cache(&self) -> PathBuf {
        self.path("cache")
    }
}

/// `tern run` with the cache's log on and no cache settings from the
/// test's environment.
fn tern() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.arg("run")
        .env("TERN_LOG", "cache")
        .env_remove("TERN_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME");
    c
}

/// `tern run -C cache-dir=DIR`.
fn tern_in(dir: &Path) -> Command {
    let mut c = tern();
    c.arg("-C").arg(format!("cache-dir={}", dir.display()));
    c
}

/// `tern run -C cache-dir=DIR MODULE` with its standard streams piped.
fn spawn_piped(dir: &Path, module: &Path) -> std::process::Child {
    tern_in(dir)
        .arg(module)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `tern run -C cache-dir=DIR ARGS`.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    tern_in(dir).args(args).stdin(Stdio::null()).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The cache's entries.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "cwasm"));
    v.sort();
    v
}

/// Whether this tern compiles here (the cache holds compiled code only).
fn compiles() -> bool {
    let o = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args([
            "run",
            "-C",
            "cache=n",
            "--tier",
            "jit",
            "--invoke",
            "fib",
            "examples/fib.wasm",
            "3",
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .unwrap();
    o.status.success()
}

#[test]
fn a_lazy_miss_writes_the_entry_while_the_guest_runs_and_the_next_run_hits() {
    if !compiles() {
        return;
    }
    let s = Scratch::new();
    let echo = s.module("echo.wat", ECHO);
    let cache = s.cache();
    let mut child = spawn_piped(&cache, &echo);
    // The guest waits for its input; meanwhile the background compilation
    // finishes and the entry appears.
    let start = Instant::now();
    while entries(&cache).is_empty() {
        assert!(start.elapsed() < Duration::from_secs(120), "no entry was written");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"hello\n").unwrap();
    drop(stdin);
    let first = child.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first), "got:hello\n");
    let log = stderr(&first);
    // (The entry is in place before the log says so: the guest may end
    // between the two.)
    assert!(log.contains("[tern cache] miss "), "{log}");
    // The next run loads it.
    let mut child = spawn_piped(&cache, &echo);
    child.stdin.take().unwrap().write_all(b"again\n").unwrap();
    let second = child.wait_with_output().unwrap();
    assert!(second.status.success());
    assert_eq!(stdout(&second), "got:again\n");
    assert!(stderr(&second).contains("[tern cache] hit "), "{}", stderr(&second));
    assert_eq!(entries(&cache).len(), 1);
}

/// Runs `args` with the cache off, then (eagerly compiled, so that the
/// entry is written before the guest starts) as a miss and as a hit:
/// all three print the same, and end with the same status.
fn same_with_and_without(s: &Scratch, args: &[&str]) -> Output {
    let cache = s.cache();
    let mut off = tern();
    let off = off
        .args(["-C", "cache=n"])
        .args(args)
        .env_remove("TERN_LOG")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&cache);
    let mut runs = Vec::new();
    for want in ["miss", "hit"] {
        let mut full = vec!["--compile", "eager"];
        full.extend_from_slice(args);
        let o = run_in(&cache, &full);
        assert!(
            stderr(&o).contains(&format!("[tern cache] {want} ")),
            "{want}: {}",
            stderr(&o)
        );
        runs.push(o);
    }
    for o in &runs {
        // The log aside, the output is the same.
        let err: String = stderr(o)
            .lines()
            .filter(|l| !l.starts_with("[tern cache]"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(stdout(o), stdout(&off), "{args:?}");
        assert_eq!(err, stderr(&off), "{args:?}");
        assert_eq!(o.status.code(), off.status.code(), "{args:?}");
    }
    off
}

#[test]
fn the_cache_never_changes_what_a_program_prints() {
    if !compiles() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let s = Scratch::new();
    let hello = root.join("examples/hello.wat");
    let o = same_with_and_without(&s, &[hello.to_str().unwrap(), "world"]);
    assert_eq!(stdout(&o), "hello from tern\nworld\n");
    let trap = s.module("trap.wat", TRAP);
    let o = same_with_and_without(&s, &["--invoke", "f", trap.to_str().unwrap(), "0"]);
    assert_eq!(o.status.code(), Some(134));
    assert!(stderr(&o).contains("wasm backtrace"), "{}", stderr(&o));
    let fib = root.join("examples/fib.wasm");
    let o = same_with_and_without(
        &s,
        &["--fuel", "500", "--invoke", "fib_rec", fib.to_str().unwrap(), "30"],
    );
    assert_eq!(o.status.code(), Some(134));
    assert!(stderr(&o).contains("fuel"), "{}", stderr(&o));
}

#[test]
fn cache_n_writes_nothing() {
    if !compiles() {
        return;
    }
    let s = Scratch::new();
    let trap = s.module("trap.wat", TRAP);
    let cache = s.cache();
    for args in [
        vec!["-C", "cache=n"],
        vec!["-C", "cache=y,cache=n"],
        vec!["-C", "cache=no", "-C", "cache-dir=/nonexistent/x"],
    ] {
        let o = tern()
            .args(&args)
            .args(["--compile", "eager", "--invoke", "f", trap.to_str().unwrap(), "1"])
            .env("TERN_CACHE_DIR", &cache)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "8\n");
        assert_eq!(stderr(&o), "", "{args:?}: no cache, no log");
        assert!(!cache.exists(), "{args:?}");
    }
}

#[test]
fn the_default_place_follows_the_environment() {
    if !compiles() {
        return;
    }
    let s = Scratch::new();
    let trap = s.module("trap.wat", TRAP);
    let run = |envs: &[(&str, &Path)]| {
        let mut c = tern();
        c.args(["--compile", "eager", "--invoke", "f", trap.to_str().unwrap(), "1"]);
        c.env_remove("HOME");
        for (k, v) in envs {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    let (a, b, home) = (s.path("a"), s.path("b"), s.path("home"));
    run(&[("TERN_CACHE_DIR", &a), ("XDG_CACHE_HOME", &b), ("HOME", &home)]);
    assert_eq!(entries(&a).len(), 1, "TERN_CACHE_DIR first");
    run(&[("XDG_CACHE_HOME", &b), ("HOME", &home)]);
    assert_eq!(entries(&b.join("tern")).len(), 1, "then $XDG_CACHE_HOME/tern");
    run(&[("XDG_CACHE_HOME", Path::new("relative")), ("HOME", &home)]);
    assert_eq!(entries(&home.join(".cache/tern")).len(), 1, "then ~/.cache/tern");
    // `-C cache-dir` wins over all of them.
    let c = s.path("c");
    let o = tern_in(&c)
        .args(["--compile", "eager", "--invoke", "f", trap.to_str().unwrap(), "1"])
        .env("TERN_CACHE_DIR", &a)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(entries(&c).len(), 1);
    assert_eq!(entries(&a).len(), 1);
    // No place at all: no cache, quietly.
    let o = run(&[]);
    assert_eq!(stderr(&o), "");
}

#[test]
fn damaged_entries_are_ignored_and_rewritten() {
    if !compiles() {
        return;
    }
    let s = Scratch::new();
    let trap = s.module("trap.wat", TRAP);
    let cache = s.cache();
    let args = ["--compile", "eager", "--invoke", "f", trap.to_str().unwrap(), "1"];
    let o = run_in(&cache, &args);
    assert!(stderr(&o).contains("wrote"), "{}", stderr(&o));
    let entry = entries(&cache).remove(0);
    let good = std::fs::read(&entry).unwrap();
    let mut flipped = good.clone();
    let mid = good.len() / 2;
    flipped[mid] ^= 0x10;
    let mut version = good.clone();
    version[8] ^= 0x02;
    for (content, why) in [
        (flipped, "precompiled module is corrupt: checksum mismatch"),
        (good[..good.len() - 10].to_vec(), "precompiled module is truncated"),
        (version, "precompiled module has format version"),
        (b"garbage".to_vec(), "not a tern precompiled module"),
    ] {
        std::fs::write(&entry, &content).unwrap();
        let o = run_in(&cache, &args);
        assert!(o.status.success());
        assert_eq!(stdout(&o), "8\n");
        let log = stderr(&o);
        assert!(log.contains("ignoring the entry") && log.contains(why), "{why}: {log}");
        assert!(log.contains("wrote"), "{why}: rewritten: {log}");
        assert!(std::fs::read(&entry).unwrap() == good, "{why}");
        assert!(stderr(&run_in(&cache, &args)).contains("hit"), "{why}");
    }
    // An entry of another configuration in this one's place.
    let fuel_cache = s.path("fuel");
    run_in(
        &fuel_cache,
        &["--fuel", "1000"].iter().chain(&args).copied().collect::<Vec<_>>(),
    );
    std::fs::copy(entries(&fuel_cache).remove(0), &entry).unwrap();
    let log = stderr(&run_in(&cache, &args));
    assert!(log.contains("compiled with another configuration"), "{log}");
}

#[test]
fn an_unfit_directory_means_a_warning_and_no_cache() {
    use std::os::unix::fs::PermissionsExt;
    if !compiles() {
        return;
    }
    let s = Scratch::new();
    let trap = s.module("trap.wat", TRAP);
    let cache = s.cache();
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let o = tern_in(&cache)
        .env_remove("TERN_LOG")
        .args(["--compile", "eager", "--invoke", "f", trap.to_str().unwrap(), "1"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(stdout(&o), "8\n");
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one warning: {err}");
    assert!(
        err.starts_with("warning: tern: not using the code cache: ") && err.contains("other users can write to it"),
        "{err}"
    );
    assert!(entries(&cache).is_empty());
    // A file where the directory should be.
    let file = s.module("file", "x");
    let o = run_in(&file, &["--invoke", "f", trap.to_str().unwrap(), "1"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("it is not a directory"), "{}", stderr(&o));
}

#[test]
fn eviction_keeps_the_cache_under_its_bound() {
    if !compiles() {
        return;
    }
    let s = Scratch::new();
    let cache = s.cache();
    let modules: Vec<PathBuf> = (0..5)
        .map(|i| {
            s.module(
                &format!("m{i}.wat"),
                &TRAP.replace("(i32.const 1)", &format!("(i32.const {i})")),
            )
        })
        .collect();
    let run = |m: &Path, extra: &[&str]| {
        let mut args = vec!["--compile", "eager"];
        args.extend_from_slice(extra);
        args.extend(["--invoke", "f", m.to_str().unwrap(), "1"]);
        run_in(&cache, &args)
    };
    run(&modules[0], &[]);
    let size = std::fs::metadata(entries(&cache).remove(0)).unwrap().len();
    let bound = size * 5 / 2;
    let limit = format!("cache-max-size={bound}");
    let total = || -> u64 {
        entries(&cache)
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum()
    };
    for m in &modules[1..] {
        std::thread::sleep(Duration::from_millis(20));
        let o = run(m, &["-C", &limit]);
        assert!(o.status.success());
        assert!(total() <= bound, "{} > {bound}", total());
    }
    assert_eq!(entries(&cache).len(), 2);
    // The two most recent stayed.
    assert!(stderr(&run(&modules[4], &["-C", &limit])).contains("hit"));
    assert!(stderr(&run(&modules[3], &["-C", &limit])).contains("hit"));
    let log = stderr(&run(&modules[0], &["-C", &limit]));
    assert!(log.contains("miss") && log.contains("evicted"), "{log}");
}

#[test]
fn racing_processes_all_succeed() {
    if !compiles() {
        return;
    }
    let s = Scratch::new();
    let trap = s.module("trap.wat", TRAP);
    let cache = s.cache();
    let children: Vec<_> = (0..4)
        .map(|_| {
            tern_in(&cache)
                // Eagerly: a lazily compiled run this short may end while
                // its entry is being written, which leaves a temporary file
                // (removed by a later run's eviction once an hour old).
                .args(["--compile", "eager", "--invoke", "f", trap.to_str().unwrap(), "1"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "8\n");
    }
    assert_eq!(entries(&cache).len(), 1);
    let stray: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_none_or(|x| x != "cwasm"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    let o = run_in(&cache, &["--invoke", "f", trap.to_str().unwrap(), "1"]);
    assert!(stderr(&o).contains("hit"));
}

#[test]
fn bad_options_are_usage_errors() {
    for bad in ["cache=maybe", "cache-dir=", "cache-max-size=lots", "cache-config=x"] {
        let o = Command::new(env!("CARGO_BIN_EXE_tern"))
            .args(["run", "-C", bad, "x.wasm"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
    }
}
