//! Differential fuzzing of the two tiers: wasm-smith modules run on the
//! interpreter and the compiler, every export called with zero arguments;
//! results, traps, globals and memory contents must agree (as in
//! `crates/tern-runtime/tests/differential_tiers.rs`, which explains the
//! configuration: NaNs canonicalized, no SIMD, termination ensured).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tern::*;

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

fn run(bytes: &[u8], tier: Tier) -> Vec<String> {
    let mut config = Config::new();
    config.tier(tier).max_call_depth(1_000_000);
    let engine = Engine::new(&config).unwrap();
    let module = match Module::new(&engine, bytes) {
        Ok(m) => m,
        Err(e) => return vec![format!("invalid: {e}")],
    };
    let mut store = Store::new(&engine, ());
    let inst = match Linker::new(&engine).instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) if trap_text(&e) == "call stack exhausted" => return vec!["stack exhausted".into()],
        Err(e) => return vec![format!("instantiation: {}", trap_text(&e))],
    };
    let mut log = Vec::new();
    for (name, ext) in inst.exports(&mut store) {
        match ext {
            Extern::Func(f) => {
                let ty = f.ty(&store);
                let params: Vec<Val> = ty.params().iter().map(|&t| Val::default_for(t)).collect();
                let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
                match f.call(&mut store, &params, &mut results) {
                    Ok(()) => log.push(format!("{name}: {:?}", results.iter().map(show).collect::<Vec<_>>())),
                    Err(e) if trap_text(&e) == "call stack exhausted" => {
                        log.push("stack exhausted".into());
                        return log;
                    }
                    Err(e) => log.push(format!("{name}: trap {}", trap_text(&e))),
                }
            }
            Extern::Global(g) => log.push(format!("global {name}: {}", show(&g.get(&store)))),
            Extern::Memory(m) => log.push(format!("memory {name}: {:?}", m.data(&store))),
            Extern::Table(t) => log.push(format!("table {name}: {}", t.size(&store))),
            Extern::Tag(_) => log.push(format!("tag {name}")),
        }
    }
    log
}

fuzz_target!(|data: &[u8]| {
    if Engine::new(Config::new().tier(Tier::Jit)).is_err() {
        return;
    }
    let mut u = arbitrary::Unstructured::new(data);
    let config = wasm_smith::Config {
        max_imports: 0,
        min_funcs: 1,
        max_funcs: 20,
        max_instructions: 200,
        canonicalize_nans: true,
        export_everything: true,
        max_memory32_bytes: 1 << 20,
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
    let Ok(mut m) = wasm_smith::Module::new(config, &mut u) else {
        return;
    };
    if m.ensure_termination(20_000).is_err() {
        return;
    }
    let bytes = m.to_bytes();
    let mut a = run(&bytes, Tier::Interp);
    let mut b = run(&bytes, Tier::Jit);
    let cut = |l: &[String]| l.iter().position(|x| x == "stack exhausted");
    if let Some(i) = cut(&a).into_iter().chain(cut(&b)).min() {
        a.truncate(i);
        b.truncate(i);
    }
    // NaNs of promotions and demotions are not canonicalized by wasm-smith.
    if a != b && bytes.iter().any(|&x| x == 0xbb || x == 0xb6) {
        return;
    }
    assert_eq!(a, b, "interpreter (left) and compiler (right) disagree");
});
