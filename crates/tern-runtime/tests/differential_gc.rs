//! The collector against itself on random GC modules from wasm-smith
//! (fixed seeds): each module runs on the interpreter as it is, and
//! collecting before every allocation with freed slots never reused
//! (`Config::gc_stress`) on the interpreter and on the compiler (or
//! tiered); every export is called in order with arguments
//! from the seed, and results, traps, the final exported globals, memories
//! and tables must agree bit for bit. A root the collector misses shows up
//! as a difference, or as the trap "use of a collected GC object". The fuzz
//! target `diff_gc` runs the same comparison (`smith::diff_gc`).
//!
//! `TERN_DIFF_SEEDS=N` runs N seeds (default 60).

use tern_test_support::smith::{self, Proposals, flags};

#[test]
fn collecting_at_every_allocation_changes_nothing_on_random_gc_modules() {
    let n: u64 = std::env::var("TERN_DIFF_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let (mut made, mut events, mut with_gc) = (0u64, 0u64, 0u64);
    for seed in 0..n {
        let data = smith::random_bytes(seed, 8192);
        let mut u = arbitrary::Unstructured::new(&data);
        let Some(bytes) = smith::module(&mut u, Proposals::GC) else {
            continue;
        };
        made += 1;
        // Modules that define struct or array types.
        if tern_binary::decode(&bytes).is_ok_and(|m| !m.type_defs.is_empty()) {
            with_gc += 1;
        }
        let args = smith::random_bytes(!seed, 256);
        for f in [0, flags::FUEL | flags::EAGER, flags::TIERED] {
            match smith::diff_gc(&bytes, &args, f) {
                Ok(k) => events += k as u64,
                Err(e) => panic!("seed {seed}: {e}"),
            }
        }
    }
    println!("{made} modules ({with_gc} with GC types), {events} observations compared");
    assert!(made > n / 2, "only {made} of {n} seeds made modules");
    assert!(with_gc > made / 4, "only {with_gc} of {made} modules use GC types");
    assert!(events > made, "too little was compared: {events} observations");
}
