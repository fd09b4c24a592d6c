//! What bounds checks cost on the compiled tier: the same load loop
//! (`benches/wat/bounds_sum32.wat`, two loads per step) over a 32-bit
//! memory with guard regions (no checks), over a 32-bit memory with
//! explicit checks (`BoundsChecks::Explicit`), and over a 64-bit memory
//! (`bounds_sum64.wat`), whose accesses are always checked explicitly.
//!
//! ```text
//! cargo bench -p tern-runtime --bench memory64_bounds
//! ```
//!
//! Prints the median time of each variant over a few runs and its ratio to
//! the unchecked one. Does nothing where the host has no compiler tier.

use std::time::{Duration, Instant};
use tern::{BoundsChecks, Config, Engine, Linker, Module, Store, Tier, TypedFunc};

const REPS: i32 = 10_000;
const RUNS: usize = 9;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn instantiate(bounds: BoundsChecks, wat: &str) -> Option<(Store<()>, TypedFunc<i32, i64>)> {
    let mut config = Config::new();
    config
        .tier(Tier::Jit)
        .lazy_compilation(false)
        .bounds_checks(bounds)
        .wasm_memory64(true);
    let engine = Engine::new(&config).ok()?;
    let wasm = wat::parse_str(wat).expect("the benchmark parses");
    let module = Module::new(&engine, wasm).expect("the benchmark compiles");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let f = instance.get_typed_func::<i32, i64>(&mut store, "run").unwrap();
    Some((store, f))
}

fn main() {
    let m32 = include_str!("wat/bounds_sum32.wat");
    let m64 = include_str!("wat/bounds_sum64.wat");
    let variants = [
        ("memory32, guard regions", BoundsChecks::Guard, m32),
        ("memory32, explicit checks", BoundsChecks::Explicit, m32),
        ("memory64", BoundsChecks::Guard, m64),
    ];
    let mut runs = Vec::new();
    for (name, bounds, wat) in variants {
        let Some(r) = instantiate(bounds, wat) else {
            println!("no compiler tier on this host");
            return;
        };
        runs.push((name, r, Vec::new()));
    }
    // Interleaved, so that all see the same machine state.
    for _ in 0..RUNS {
        for (_, (store, f), times) in runs.iter_mut() {
            let s = Instant::now();
            std::hint::black_box(f.call(&mut *store, REPS).unwrap());
            times.push(s.elapsed());
        }
    }
    let base = median(runs[0].2.clone());
    for (name, _, times) in runs {
        let t = median(times);
        println!(
            "{name:<28} {:>8.1} ms  {:.2}x",
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() / base.as_secs_f64()
        );
    }
}
