//! Quick timing of decode + validate of CPython for WASI (`python.wasm`):
//! median of 5 runs each, then the ratios. Faster to run than the criterion
//! bench:
//!
//! ```text
//! cargo run --release -p tern-validate --example validate_time [-- RUNS] [-- FILE.wasm]
//! ```
//!
//! `TERN_PYTHON_WASM` (or a file argument) overrides the module.

use std::time::{Duration, Instant};

#[path = "../benches/support/mod.rs"]
mod support;

fn median(f: impl Fn(), runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let mut runs = 5;
    let mut file = None;
    for arg in std::env::args().skip(1) {
        match arg.parse::<usize>() {
            Ok(n) if n > 0 => runs = n,
            _ => file = Some(std::path::PathBuf::from(arg)),
        }
    }
    let loaded = match file {
        Some(p) => std::fs::read(&p)
            .map(|b| (p.clone(), b))
            .map_err(|e| format!("{}: {e}", p.display())),
        None => support::load_python_wasm(),
    };
    let (path, bytes) = match loaded {
        Ok(x) => x,
        Err(msg) => {
            println!("validate_time: {msg}");
            return;
        }
    };
    if cfg!(debug_assertions) {
        println!("warning: debug build; use --release for meaningful numbers");
    }
    println!(
        "{}: {:.1} MB, median of {runs} runs, {} threads for the parallel runs",
        path.display(),
        bytes.len() as f64 / 1e6,
        rayon::current_num_threads()
    );

    let bytes = &bytes[..];
    let contenders: [(&str, &dyn Fn()); 4] = [
        ("(a) wasmparser", &|| support::wasmparser_validate(bytes)),
        ("(b) tern", &|| support::tern_validate(bytes)),
        ("(c) tern parallel", &|| support::tern_validate_parallel(bytes)),
        ("(d) wasmparser parallel", &|| {
            support::wasmparser_validate_parallel(bytes)
        }),
    ];
    let mut t = Vec::new();
    for (name, f) in contenders {
        f(); // warm up (page cache, allocator)
        let d = median(f, runs);
        println!(
            "{name:<26} {:>9.1} ms  {:>7.1} MB/s",
            d.as_secs_f64() * 1e3,
            bytes.len() as f64 / 1e6 / d.as_secs_f64()
        );
        t.push(d.as_secs_f64());
    }
    let ratios = [
        (
            "wasmparser / tern (single-threaded, >1 means tern is faster)",
            t[0] / t[1],
        ),
        ("wasmparser / tern parallel", t[0] / t[2]),
        ("wasmparser parallel / tern parallel", t[3] / t[2]),
        ("tern parallel speed-up over tern single-threaded", t[1] / t[2]),
    ];
    for (what, r) in ratios {
        println!("{:<68} {r:.2}", format!("ratio {what}:"));
    }
}
