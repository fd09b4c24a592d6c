//! tern's interpreter against wasmi on the bench kernels, timed with
//! `Instant` (median of 5 runs each, the two engines interleaved): a quick
//! table of times and ratios, without criterion's statistics.
//!
//! ```text
//! cargo run --release -p tern-runtime --example interp_vs_wasmi
//! cargo run --release -p tern-runtime --example interp_vs_wasmi -- fib sieve   # some kernels
//! cargo run --release -p tern-runtime --example interp_vs_wasmi -- --runs 9    # more runs
//! cargo run --release -p tern-runtime --example interp_vs_wasmi -- --min     # fastest run, not the median
//! cargo run --release -p tern-runtime --example interp_vs_wasmi -- --tern-only --runs 50 matmul   # for perf
//! cargo run --release -p tern-runtime --example interp_vs_wasmi -- --jit     # tern's compiler tier instead
//! ```
//!
//! On a busy machine the minimum is the steadier statistic.
//!
//! The ratio is wasmi's time over tern's: above 1 means tern is faster.
//! Every run's result is checked against the kernel's answer computed in
//! Rust.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{KERNELS, geomean, reference, setup};
use std::time::{Duration, Instant};

/// The median, or with `min` the minimum.
fn stat(mut xs: Vec<Duration>, min: bool) -> Duration {
    xs.sort();
    if min { xs[0] } else { xs[xs.len() / 2] }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut runs = 5;
    let mut tern_only = false;
    let mut min = false;
    let mut jit = false;
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--tern-only" => tern_only = true,
            "--min" => min = true,
            "--jit" => jit = true,
            _ => names.push(a),
        }
    }
    let kernels: Vec<_> = KERNELS
        .iter()
        .filter(|k| names.is_empty() || names.iter().any(|n| n == k.name))
        .collect();
    assert!(!kernels.is_empty(), "no kernel matches {names:?}");

    println!("{:<10} {:>10} {:>10} {:>8}", "kernel", "tern ms", "wasmi ms", "ratio");
    let mut ratios = Vec::new();
    for k in kernels {
        let (mut t, mut w) = setup(k);
        if jit {
            t = common::TernRun::with_tier(&common::wasm(k), tern::Tier::Jit);
        }
        let want = reference(k.name, k.arg);
        let (mut tt, mut wt) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let s = Instant::now();
            assert_eq!(t.run(k.arg), want);
            tt.push(s.elapsed());
            if !tern_only {
                let s = Instant::now();
                assert_eq!(w.run(k.arg), want);
                wt.push(s.elapsed());
            }
        }
        let tm = stat(tt, min);
        if tern_only {
            println!("{:<10} {:>10.2}", k.name, ms(tm));
            continue;
        }
        let wm = stat(wt, min);
        let ratio = wm.as_secs_f64() / tm.as_secs_f64();
        ratios.push(ratio);
        println!("{:<10} {:>10.2} {:>10.2} {:>8.2}", k.name, ms(tm), ms(wm), ratio);
    }
    if !ratios.is_empty() {
        println!("{:<10} {:>10} {:>10} {:>8.2}", "geomean", "", "", geomean(&ratios));
    }
}
