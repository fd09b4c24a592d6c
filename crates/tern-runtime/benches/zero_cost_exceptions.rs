//! Zero-cost exception handling on the compiled tier: the same hot loop
//! with and without a `try_table` entered and left on every iteration
//! (`benches/wat/zero_cost_exceptions.wat`), once with a call in the
//! `try_table` (`loop-*`) and once without (`inline-*`).
//!
//! ```text
//! cargo bench -p tern-runtime --bench zero_cost_exceptions
//! ```
//!
//! Prints the median time of each variant over a few runs and the ratio
//! try/plain (1.00: the try_table costs nothing). Entering and leaving
//! emits no code; a call inside the region is a `try_call`, across which
//! Cranelift's exception ABI keeps no value in a register (the landing pad
//! restores none), so values live across it are spilled. Does nothing where
//! the host has no compiler tier.

use std::time::{Duration, Instant};
use tern::{Config, Engine, Linker, Module, Store, Tier};

const N: i32 = 50_000_000;
const RUNS: usize = 11;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let Ok(engine) = Engine::new(Config::new().tier(Tier::Jit).lazy_compilation(false)) else {
        println!("no compiler tier on this host");
        return;
    };
    let wasm = wat::parse_str(include_str!("wat/zero_cost_exceptions.wat")).expect("the benchmark parses");
    let module = Module::new(&engine, wasm).expect("the benchmark compiles");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    for (plain, with_try) in [("loop-plain", "loop-try"), ("inline-plain", "inline-try")] {
        let f = instance.get_typed_func::<i32, i64>(&mut store, plain).unwrap();
        let g = instance.get_typed_func::<i32, i64>(&mut store, with_try).unwrap();
        assert_eq!(f.call(&mut store, 1000).unwrap(), g.call(&mut store, 1000).unwrap());
        let mut times = (Vec::new(), Vec::new());
        // Interleaved, so that both see the same machine state.
        for _ in 0..RUNS {
            let s = Instant::now();
            std::hint::black_box(f.call(&mut store, N).unwrap());
            times.0.push(s.elapsed());
            let s = Instant::now();
            std::hint::black_box(g.call(&mut store, N).unwrap());
            times.1.push(s.elapsed());
        }
        let (p, t) = (median(times.0), median(times.1));
        println!(
            "{plain}: {:.1} ms, {with_try}: {:.1} ms (medians of {RUNS}): ratio {:.3}",
            p.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() / p.as_secs_f64()
        );
    }
}
