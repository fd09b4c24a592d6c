//! Decode + validate CPython for WASI (`python.wasm`, ~99 MB): wasmparser
//! single-threaded, tern single-threaded, tern parallel (and wasmparser
//! parallel) side by side in one run.
//!
//! `cargo bench -p tern-validate --bench validate`; `scripts/bench-validate.sh`
//! also prints the ratios. `TERN_PYTHON_WASM` overrides where python.wasm is.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

mod support;

fn python(c: &mut Criterion) {
    let (path, bytes) = match support::load_python_wasm() {
        Ok(x) => x,
        Err(msg) => {
            eprintln!("validate bench: {msg}");
            return;
        }
    };
    eprintln!("validate bench: {} ({} bytes)", path.display(), bytes.len());
    let mut g = c.benchmark_group("python-wasm");
    // ~0.3-0.5 s per iteration: flat sampling, 10 samples of one or two iterations.
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("wasmparser", |b| {
        b.iter(|| support::wasmparser_validate(black_box(&bytes)))
    });
    g.bench_function("tern", |b| b.iter(|| support::tern_validate(black_box(&bytes))));
    g.bench_function("tern-parallel", |b| {
        b.iter(|| support::tern_validate_parallel(black_box(&bytes)))
    });
    g.bench_function("wasmparser-parallel", |b| {
        b.iter(|| support::wasmparser_validate_parallel(black_box(&bytes)))
    });
    g.finish();
}

criterion_group!(benches, python);
criterion_main!(benches);
