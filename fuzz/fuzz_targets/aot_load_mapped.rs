//! Ahead-of-time artifacts mapped from a file (`Module::deserialize_file`),
//! damaged as the input says. Loading a mapped artifact checks only what
//! it reads (the rest is checked block by block as it is used), so a
//! damaged one may load; then running it must work or trap (a damaged
//! block of code traps `DamagedCode`), never crash or run damaged code.
//! The module's code is over a megabyte, so that its image is mapped and
//! checked lazily.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tern::{Config, Engine, Linker, Module, Store, Tier};

fn setup() -> Option<&'static (Engine, Vec<u8>)> {
    static S: OnceLock<Option<(Engine, Vec<u8>)>> = OnceLock::new();
    S.get_or_init(|| {
        let mut c = Config::new();
        c.tier(Tier::Jit).lazy_compilation(false);
        let engine = Engine::new(&c).ok()?;
        let mut wat = String::from(
            "(module (import \"h\" \"f\" (func $h (param i32) (result i32)))\n\
             (memory 1) (data (i32.const 60000) \"payload\")\n",
        );
        wat.push_str(&tern_test_support::load_heavy_funcs(400));
        wat.push_str("(func (export \"all\") (param i32) (result i32) (local i32)");
        for i in 0..400 {
            wat.push_str(&format!(" (local.set 1 (i32.add (local.get 1) (call $f{i} (local.get 0))))"));
        }
        wat.push_str(" (call $h (local.get 1)))\n");
        wat.push_str("(func (export \"oob\") (result i32) (i32.load (i32.const 70000))))");
        let module = Module::new(&engine, &wat).expect("the fuzz target's module is valid");
        let bytes = module.serialize().ok()?;
        Some((engine, bytes))
    })
    .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some((engine, good)) = setup() else { return };
    // data[0..4]: where to cut; the rest: (u32 position, xor) pairs.
    if data.len() < 4 {
        return;
    }
    let cut = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
    let cut = if cut % 4 == 0 { good.len() } else { cut % (good.len() + 1) };
    let mut b = good.clone();
    for p in data[4..].chunks_exact(5) {
        let at = u32::from_le_bytes([p[0], p[1], p[2], p[3]]) as usize % b.len();
        b[at] ^= p[4];
    }
    let path = std::env::temp_dir().join(format!("tern-fuzz-aot-mapped-{}.cwasm", std::process::id()));
    if std::fs::write(&path, &b[..cut]).is_err() {
        return;
    }
    // SAFETY: damaged artifacts must be refused or trap where damaged;
    // that is what this target checks. The file is not changed while
    // mapped (the next input writes a new file over the name).
    let loaded = unsafe { Module::deserialize_file(engine, &path) };
    let _ = std::fs::remove_file(&path);
    let Ok(m) = loaded else {
        assert!(cut < good.len() || b != *good, "an intact artifact was refused");
        return;
    };
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker.func_wrap("h", "f", |x: i32| x).unwrap();
    let Ok(inst) = linker.instantiate(&mut store, &m) else { return };
    let all = inst.get_typed_func::<i32, i32>(&mut store, "all");
    let oob = inst.get_typed_func::<(), i32>(&mut store, "oob");
    let (Ok(all), Ok(oob)) = (all, oob) else { return };
    let r = all.call(&mut store, 0);
    let t = oob.call(&mut store, ());
    if cut == good.len() && b == *good {
        assert!(r.is_ok(), "{r:?}");
        assert!(t.is_err());
    }
    // Intact code computes what it computes: the sum of the functions'
    // constants (memory 0 is zeros where the loads read; the data lies
    // beyond them).
    if let Ok(v) = r {
        assert_eq!(v, (0..400).sum::<i32>(), "damaged code ran");
    }
});
