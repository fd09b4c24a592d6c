//! Ahead-of-time artifacts → `Module::deserialize`: arbitrary bytes, and a
//! valid artifact truncated or with bytes changed as the input says, must
//! be refused with an error (or, when unchanged, load), never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tern::{Config, Engine, Module, Tier};

const WAT: &str = r#"(module
  (import "h" "f" (func $f (param i32) (result i32)))
  (memory (export "m") 1)
  (table 2 funcref)
  (func (export "a") (param i32) (result i32) local.get 0 call $f i32.load)
  (func (export "b") (param f64) (result f64 i64) local.get 0 f64.sqrt i64.const 1))"#;

fn setup() -> Option<&'static (Engine, Vec<u8>)> {
    static S: OnceLock<Option<(Engine, Vec<u8>)>> = OnceLock::new();
    S.get_or_init(|| {
        let mut c = Config::new();
        c.tier(Tier::Jit);
        let engine = Engine::new(&c).ok()?;
        let module = Module::new(&engine, WAT).expect("the fuzz target's module is valid");
        let bytes = module.serialize().ok()?;
        Some((engine, bytes))
    })
    .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some((engine, good)) = setup() else { return };
    // SAFETY: damaged or random artifacts must be refused; that is what
    // this target checks (an accepted one would be a bug, caught below).
    let _ = unsafe { Module::deserialize(engine, data) };
    assert!(Module::new(engine, data).is_err() || !Module::is_precompiled(data));
    if data.len() < 4 {
        return;
    }
    // data[0..2]: where to cut; the rest: (position, xor) pairs.
    let cut = u16::from_le_bytes([data[0], data[1]]) as usize % (good.len() + 1);
    let mut b = good.clone();
    for p in data[2..].chunks_exact(3) {
        let at = u16::from_le_bytes([p[0], p[1]]) as usize % b.len();
        b[at] ^= p[2];
    }
    let changed = b != *good;
    let r = unsafe { Module::deserialize(engine, &b[..cut]) };
    if cut < good.len() || changed {
        assert!(r.is_err(), "a damaged artifact was accepted");
    }
});
