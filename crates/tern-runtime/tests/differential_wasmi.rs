//! The interpreter's optimizations (fused compare-and-branch, constant
//! slots, loop rotation, return shortcuts) against wasmi, an independent
//! interpreter: every export `[i32 i32] -> [i64]` of `tests/edges/*.wat`
//! runs on tern (lazy, and eager with fuel) and on wasmi over a grid of
//! arguments, and results or traps must agree.

use std::path::Path;

#[test]
fn edge_cases_agree_with_wasmi() {
    let args = [
        0i32,
        1,
        2,
        3,
        5,
        7,
        8,
        15,
        16,
        31,
        100,
        101,
        255,
        -1,
        -2,
        -100,
        i32::MIN,
        i32::MAX,
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/edges");
    let mut calls = 0;
    let mut diffs = Vec::new();
    for name in ["edges.wat", "many.wat"] {
        let wasm = wat::parse_file(dir.join(name)).unwrap();
        let we = wasmi::Engine::default();
        let wm = wasmi::Module::new(&we, &wasm).unwrap();
        let mut ws = wasmi::Store::new(&we, ());
        let wi = wasmi::Linker::<()>::new(&we)
            .instantiate_and_start(&mut ws, &wm)
            .unwrap();
        for fuel in [false, true] {
            let mut cfg = tern::Config::new();
            if fuel {
                cfg.consume_fuel(true)
                    .interp_translation(tern::InterpTranslation::Eager);
            }
            let te = tern::Engine::new(&cfg).unwrap();
            let tm = tern::Module::new(&te, &wasm).unwrap();
            let mut ts = tern::Store::new(&te, ());
            if fuel {
                ts.set_fuel(u64::MAX / 2).unwrap();
            }
            let ti = tern::Linker::new(&te).instantiate(&mut ts, &tm).unwrap();
            let exports: Vec<String> = tm.exports().map(|(n, _, _)| n.to_string()).collect();
            for export in exports {
                let tf = ti.get_typed_func::<(i32, i32), i64>(&mut ts, &export).unwrap();
                let wf = wi.get_typed_func::<(i32, i32), i64>(&ws, &export).unwrap();
                for &a in &args {
                    for &b in &args {
                        let t = tf.call(&mut ts, (a, b)).ok();
                        let w = wf.call(&mut ws, (a, b)).ok();
                        calls += 1;
                        if t != w {
                            diffs.push(format!(
                                "{name} {export}({a}, {b}) fuel={fuel}: tern {t:?}, wasmi {w:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(calls > 1000, "only {calls} calls");
    assert!(
        diffs.is_empty(),
        "{} of {calls} calls differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
