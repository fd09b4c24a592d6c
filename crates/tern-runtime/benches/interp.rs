//! tern's interpreter against wasmi on compute kernels written in WAT
//! (`benches/wat/`), side by side in one run.
//!
//! ```text
//! cargo bench -p tern-runtime --bench interp            # all kernels
//! cargo bench -p tern-runtime --bench interp -- fib     # criterion's name filter
//! ```
//!
//! Each kernel is a criterion group with a `tern` and a `wasmi` function.
//! Before timing, both engines run the kernel once and must agree with the
//! answer computed natively. After criterion's own report, a table gives
//! each kernel's median time per call on both engines, the ratio
//! wasmi / tern (above 1: tern is faster) and the ratios' geometric mean.
//! `examples/interp_vs_wasmi.rs` is the quicker `Instant`-based version.

mod common;

use common::{KERNELS, geomean, setup};
use criterion::Criterion;
use std::cell::RefCell;
use std::time::{Duration, Instant};

/// Per kernel: its name and the mean time per call of each of criterion's
/// samples, for tern and for wasmi.
type Samples = Vec<(&'static str, Vec<f64>, Vec<f64>)>;

thread_local! {
    static SAMPLES: RefCell<Samples> = const { RefCell::new(Vec::new()) };
}

fn record(kernel: usize, wasmi: bool, total: Duration, iters: u64) {
    let per_call = total.as_secs_f64() / iters.max(1) as f64;
    SAMPLES.with(|s| {
        let mut s = s.borrow_mut();
        let row = &mut s[kernel];
        if wasmi { &mut row.2 } else { &mut row.1 }.push(per_call);
    });
}

fn benches(c: &mut Criterion) {
    SAMPLES.with(|s| *s.borrow_mut() = KERNELS.iter().map(|k| (k.name, Vec::new(), Vec::new())).collect());
    for (i, k) in KERNELS.iter().enumerate() {
        let (mut t, mut w) = setup(k);
        let mut g = c.benchmark_group(k.name);
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        g.bench_function("tern", |b| {
            b.iter_custom(|iters| {
                let s = Instant::now();
                for _ in 0..iters {
                    std::hint::black_box(t.run(std::hint::black_box(k.arg)));
                }
                let d = s.elapsed();
                record(i, false, d, iters);
                d
            })
        });
        g.bench_function("wasmi", |b| {
            b.iter_custom(|iters| {
                let s = Instant::now();
                for _ in 0..iters {
                    std::hint::black_box(w.run(std::hint::black_box(k.arg)));
                }
                let d = s.elapsed();
                record(i, true, d, iters);
                d
            })
        });
        g.finish();
    }
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();

    let mut ratios = Vec::new();
    let mut table = String::new();
    SAMPLES.with(|s| {
        for (name, tern, wasmi) in s.borrow_mut().iter_mut() {
            if tern.is_empty() || wasmi.is_empty() {
                continue;
            }
            let (t, w) = (median(tern), median(wasmi));
            ratios.push(w / t);
            table += &format!("{name:<10} {:>10.3} {:>10.3} {:>8.2}\n", t * 1e3, w * 1e3, w / t);
        }
    });
    if ratios.is_empty() {
        return;
    }
    println!("\n{:<10} {:>10} {:>10} {:>8}", "kernel", "tern ms", "wasmi ms", "ratio");
    print!("{table}");
    println!("{:<10} {:>10} {:>10} {:>8.2}", "geomean", "", "", geomean(&ratios));
}
