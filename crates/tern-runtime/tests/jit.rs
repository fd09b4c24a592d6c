//! The compiler tier through the public API: host calls in both
//! directions, traps across host frames, fuel, interruption from another
//! thread, stack exhaustion, both bounds-check modes.

// The compiler tier, and modules in the text format.
#![cfg(all(feature = "cranelift", feature = "wat"))]

use tern::*;

fn jit_config(bounds: BoundsChecks) -> Option<Config> {
    let mut c = Config::new();
    c.tier(Tier::Jit).bounds_checks(bounds);
    Engine::new(&c).ok().map(|_| c)
}

fn configs() -> Vec<Config> {
    [BoundsChecks::Guard, BoundsChecks::Explicit]
        .into_iter()
        .filter_map(jit_config)
        .collect()
}

const HOSTS: &str = r#"
(module
  (import "host" "double" (func $double (param i32) (result i32)))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "host" "fail" (func $fail))
  (memory (export "mem") 1)
  (table 2 funcref)
  (elem (i32.const 0) $double $sq)
  (func $sq (export "sq") (param i32) (result i32) local.get 0 local.get 0 i32.mul)
  (func (export "call_double") (param i32) (result i32) local.get 0 call $double)
  (func (export "indirect") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (param i32) (result i32))
  (func (export "reenter") (param i32) (result i32) local.get 0 call $reenter)
  (func $fd (export "fail_deep") (param i32) (result i32)
    local.get 0 i32.eqz if call $fail end
    local.get 0 i32.const 1 i32.sub call $fd i32.const 1 i32.add)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "v128") (param v128 f32 i64) (result v128 f32 i64) local.get 0 local.get 1 local.get 2)
)"#;

fn host_setup(config: &Config) -> (Store<Vec<i32>>, Instance) {
    let engine = Engine::new(config).unwrap();
    assert_eq!(engine.tier(), Tier::Jit);
    let module = Module::new(&engine, HOSTS).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "double", |mut c: Caller<'_, Vec<i32>>, x: i32| {
            c.data_mut().push(x);
            x * 2
        })
        .unwrap();
    linker
        .func_wrap(
            "host",
            "reenter",
            |mut c: Caller<'_, Vec<i32>>, x: i32| -> Result<i32, Trap> {
                let Some(Extern::Func(sq)) = c.get_export("sq") else {
                    return Err(Trap::msg("no sq"));
                };
                let sq = sq.typed::<i32, i32>(&c).map_err(|e| Trap::msg(e.to_string()))?;
                let r = sq.call(&mut c, x).map_err(|e| Trap::msg(e.to_string()))?;
                Ok(r + 1)
            },
        )
        .unwrap();
    linker
        .func_wrap("host", "fail", || -> Result<(), Trap> {
            Err(Trap::msg("host says no"))
        })
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    (store, inst)
}

#[test]
fn host_functions_both_ways() {
    for config in configs() {
        let (mut store, inst) = host_setup(&config);
        let f = inst.get_typed_func::<i32, i32>(&mut store, "call_double").unwrap();
        assert_eq!(f.call(&mut store, 21).unwrap(), 42);
        assert_eq!(store.data(), &vec![21]);
        let ind = inst.get_typed_func::<(i32, i32), i32>(&mut store, "indirect").unwrap();
        assert_eq!(ind.call(&mut store, (0, 5)).unwrap(), 10);
        assert_eq!(ind.call(&mut store, (1, 5)).unwrap(), 25);
        let e = ind.call(&mut store, (2, 5)).unwrap_err();
        assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::UndefinedElement));
        let re = inst.get_typed_func::<i32, i32>(&mut store, "reenter").unwrap();
        assert_eq!(re.call(&mut store, 7).unwrap(), 50);
        // A host error unwinds through 50 compiled frames, and the store
        // stays usable.
        let deep = inst.get_typed_func::<i32, i32>(&mut store, "fail_deep").unwrap();
        assert_eq!(deep.call(&mut store, 50).unwrap_err().to_string(), "host says no");
        assert_eq!(f.call(&mut store, 1).unwrap(), 2);
        let v = inst.get_func(&mut store, "v128").unwrap();
        let mut out = [Val::I32(0), Val::I32(0), Val::I32(0)];
        v.call(
            &mut store,
            &[
                Val::V128(V128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10)),
                Val::F32(1.5f32.to_bits()),
                Val::I64(-3),
            ],
            &mut out,
        )
        .unwrap();
        assert_eq!(
            format!("{out:?}"),
            format!(
                "{:?}",
                [
                    Val::V128(V128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10)),
                    Val::F32(1.5f32.to_bits()),
                    Val::I64(-3)
                ]
            )
        );
    }
}

#[test]
fn memory_bounds_in_both_modes() {
    for config in configs() {
        let (mut store, inst) = host_setup(&config);
        let load = inst.get_typed_func::<i32, i32>(&mut store, "load").unwrap();
        let grow = inst.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
        let mem = inst.get_memory(&mut store, "mem").unwrap();
        mem.write(&mut store, 65532, &7i32.to_le_bytes()).unwrap();
        assert_eq!(load.call(&mut store, 65532).unwrap(), 7);
        for at in [65533, 65536, -1] {
            let e = load.call(&mut store, at).unwrap_err();
            assert_eq!(e.to_string(), "out of bounds memory access");
        }
        assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
        assert_eq!(load.call(&mut store, 65536).unwrap(), 0);
        assert_eq!(grow.call(&mut store, 70000).unwrap(), -1);
    }
}

const LOOPS: &str = r#"
(module
  (func (export "spin") (loop br 0))
  (func (export "count") (param i32) (result i32) (local i32)
    (loop
      local.get 1 i32.const 1 i32.add local.set 1
      local.get 1 local.get 0 i32.lt_u br_if 0)
    local.get 1)
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0 i32.eqz if i32.const 0 return end
    local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add)
)"#;

#[test]
fn fuel_runs_out_in_compiled_code() {
    let Some(mut config) = jit_config(BoundsChecks::Guard) else {
        return;
    };
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, LOOPS).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    store.set_fuel(1_000_000).unwrap();
    let count = inst.get_typed_func::<i32, i32>(&mut store, "count").unwrap();
    assert_eq!(count.call(&mut store, 10).unwrap(), 10);
    let left = store.get_fuel().unwrap();
    assert!(left < 1_000_000 && left > 900_000, "{left}");
    let spin = inst.get_typed_func::<(), ()>(&mut store, "spin").unwrap();
    let e = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(e.to_string(), "all fuel consumed");
    store.set_fuel(1000).unwrap();
    assert_eq!(count.call(&mut store, 3).unwrap(), 3);
}

#[test]
fn interrupt_from_another_thread() {
    let Some(mut config) = jit_config(BoundsChecks::Guard) else {
        return;
    };
    config.interruptible(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, LOOPS).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let spin = inst.get_typed_func::<(), ()>(&mut store, "spin").unwrap();
    let handle = engine.interrupt_handle();
    // Whether the flag is set before or while the guest spins, the guest
    // sees it at its next loop header.
    let t = std::thread::spawn(move || handle.interrupt());
    let e = spin.call(&mut store, ()).unwrap_err();
    t.join().unwrap();
    assert_eq!(e.to_string(), "interrupted");
    // The trap consumed the request.
    let count = inst.get_typed_func::<i32, i32>(&mut store, "count").unwrap();
    assert_eq!(count.call(&mut store, 5).unwrap(), 5);
}

#[test]
fn stack_exhaustion_traps_and_the_store_survives() {
    for config in configs() {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, LOOPS).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let rec = inst.get_typed_func::<i32, i32>(&mut store, "rec").unwrap();
        assert_eq!(rec.call(&mut store, 1000).unwrap(), 1000);
        let e = rec.call(&mut store, 100_000_000).unwrap_err();
        assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::StackOverflow));
        assert_eq!(rec.call(&mut store, 10).unwrap(), 10);
    }
}

#[test]
fn ahead_of_time_artifacts_load_and_mismatches_are_refused() {
    let Some(config) = jit_config(BoundsChecks::Guard) else {
        return;
    };
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, LOOPS).unwrap();
    let bytes = module.serialize().unwrap();
    // SAFETY (for every `deserialize` below): the artifact was written by
    // this test, or is a damaged copy of it that must be refused.
    let m = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let count = inst.get_typed_func::<i32, i32>(&mut store, "count").unwrap();
    assert_eq!(count.call(&mut store, 9).unwrap(), 9);
    // The safe constructors never load native code.
    for e in [
        Module::new(&engine, &bytes).unwrap_err(),
        Module::from_binary(&engine, &bytes).unwrap_err(),
        Module::interpreted(&engine, &bytes).unwrap_err(),
    ] {
        assert!(e.to_string().contains("Module::deserialize"), "{e}");
    }
    assert!(Module::is_precompiled(&bytes));
    let file = std::env::temp_dir().join(format!("tern-aot-{}.cwasm", std::process::id()));
    std::fs::write(&file, &bytes).unwrap();
    let from_file = unsafe { Module::deserialize_file(&engine, &file) };
    std::fs::remove_file(&file).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &from_file.unwrap())
        .unwrap();
    let count = inst.get_typed_func::<i32, i32>(&mut store, "count").unwrap();
    assert_eq!(count.call(&mut store, 4).unwrap(), 4);
    let missing = unsafe { Module::deserialize_file(&engine, "/nonexistent/x.cwasm") };
    assert!(missing.unwrap_err().to_string().contains("cannot read"));
    for n in [0, 10, 27, 28, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            unsafe { Module::deserialize(&engine, &bytes[..n]) }.is_err(),
            "truncated to {n}"
        );
    }
    let mut bad = bytes.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x10;
    let e = unsafe { Module::deserialize(&engine, &bad) }.unwrap_err().to_string();
    assert!(e.contains("corrupt"), "{e}");
    let Some(explicit) = jit_config(BoundsChecks::Explicit) else {
        return;
    };
    let other = Engine::new(&explicit).unwrap();
    let e = unsafe { Module::deserialize(&other, &bytes) }.unwrap_err().to_string();
    assert!(e.contains("explicit bounds checks"), "{e}");
    let mut fewer = config.clone();
    fewer.wasm_feature(Feature::Simd, false);
    let e = unsafe { Module::deserialize(&Engine::new(&fewer).unwrap(), &bytes) }
        .unwrap_err()
        .to_string();
    assert!(e.contains("features"), "{e}");
    let mut interp = Config::new();
    interp.tier(Tier::Interp);
    assert!(unsafe { Module::deserialize(&Engine::new(&interp).unwrap(), &bytes) }.is_err());
}

#[test]
fn interpreted_and_compiled_instances_call_each_other() {
    let Some(config) = jit_config(BoundsChecks::Guard) else {
        return;
    };
    let engine = Engine::new(&config).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    // Compiled `a` exports functions and a table; interpreted `b` imports
    // them and is imported back by compiled `c`.
    let a = Module::new(
        &engine,
        r#"(module
            (table (export "t") 1 funcref)
            (elem (i32.const 0) $inc)
            (func $inc (export "inc") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#,
    )
    .unwrap();
    let ia = linker.instantiate(&mut store, &a).unwrap();
    linker.instance(&mut store, "a", ia).unwrap();
    let b = Module::interpreted(
        &engine,
        r#"(module
            (import "a" "inc" (func $inc (param i32) (result i32)))
            (import "a" "t" (table 1 funcref))
            (func (export "twice") (param i32) (result i32)
              local.get 0 call $inc
              i32.const 0 call_indirect (param i32) (result i32)))"#,
    )
    .unwrap();
    let ib = linker.instantiate(&mut store, &b).unwrap();
    linker.instance(&mut store, "b", ib).unwrap();
    let c = Module::new(
        &engine,
        r#"(module
            (import "b" "twice" (func $twice (param i32) (result i32)))
            (func (export "four") (param i32) (result i32) local.get 0 call $twice call $twice))"#,
    )
    .unwrap();
    let ic = linker.instantiate(&mut store, &c).unwrap();
    let four = ic.get_typed_func::<i32, i32>(&mut store, "four").unwrap();
    assert_eq!(four.call(&mut store, 1).unwrap(), 5);
    let twice = ib.get_typed_func::<i32, i32>(&mut store, "twice").unwrap();
    assert_eq!(twice.call(&mut store, 1).unwrap(), 3);
}

#[test]
fn handles_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Engine>();
    send_sync::<Module>();
    send_sync::<InterruptHandle>();
    send::<Store<()>>();
}

#[test]
fn many_results_cross_every_boundary() {
    let Some(config) = jit_config(BoundsChecks::Guard) else {
        return;
    };
    let engine = Engine::new(&config).unwrap();
    let results = "i64 f64 i32 f32 v128 ".repeat(5);
    let wat = format!(
        r#"(module
          (import "h" "many" (func $many (result {results})))
          (func $own (export "own") (result {results}) call $many)
          (func (export "via_table") (result {results})
            i32.const 0 call_indirect (result {results}))
          (table 1 funcref) (elem (i32.const 0) $own))"#
    );
    let module = Module::new(&engine, &wat).unwrap();
    let mut store = Store::new(&engine, ());
    let ty = FuncType::new(
        vec![],
        [ValType::I64, ValType::F64, ValType::I32, ValType::F32, ValType::V128].repeat(5),
    );
    let many = Func::new(&mut store, ty, |_, _, out| {
        for (i, v) in out.iter_mut().enumerate() {
            let n = i as u64 + 1;
            *v = match i % 5 {
                0 => Val::I64(n as i64),
                1 => Val::F64((n as f64).to_bits()),
                2 => Val::I32(n as i32),
                3 => Val::F32((n as f32).to_bits()),
                _ => Val::V128(V128(n as u128 * 0x1_0000_0000_0000_0001)),
            };
        }
        Ok(())
    });
    let inst = Instance::new(&mut store, &module, &[Extern::Func(many)]).unwrap();
    for name in ["own", "via_table"] {
        let f = inst.get_func(&mut store, name).unwrap();
        let mut out = vec![Val::I32(0); 25];
        f.call(&mut store, &[], &mut out).unwrap();
        assert_eq!(out[20], Val::I64(21), "{name}");
        assert_eq!(out[24], Val::V128(V128(25 * 0x1_0000_0000_0000_0001)), "{name}");
        assert_eq!(out[23], Val::F32(24f32.to_bits()), "{name}");
    }
}

/// Scalar rounding compiled for an x86-64 without SSE4.1 calls Cranelift's
/// rounding libcalls (linked by tern): the results are the interpreter's.
#[test]
fn rounding_libcalls_agree_with_the_interpreter() {
    let mut baseline = Config::new();
    // SAFETY: only turns an extension off; the x86-64 baseline remains.
    unsafe { baseline.tier(Tier::Jit).cranelift_flag_set("has_sse41", "false") };
    if std::env::consts::ARCH != "x86_64" || Engine::new(&baseline).is_err() {
        return;
    }
    let ops = ["ceil", "floor", "trunc", "nearest"];
    let mut wat = String::from("(module\n");
    for ty in ["f32", "f64"] {
        for op in ops {
            wat += &format!("  (func (export \"{ty}.{op}\") (param {ty}) (result {ty}) local.get 0 {ty}.{op})\n");
        }
    }
    wat += ")";
    let inputs = [
        -2.5,
        -1.5,
        -0.5,
        -0.0,
        0.0,
        0.4,
        0.5,
        1.5,
        2.5,
        8388607.5,
        4503599627370495.5,
        1e30,
        -1e30,
    ];
    // (operation and input, result bits) of every operation on every input.
    let results = |config: &Config| -> Vec<(String, u64)> {
        let engine = Engine::new(config).unwrap();
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let mut out = Vec::new();
        for op in ops {
            let f32_op = inst
                .get_typed_func::<f32, f32>(&mut store, &format!("f32.{op}"))
                .unwrap();
            let f64_op = inst
                .get_typed_func::<f64, f64>(&mut store, &format!("f64.{op}"))
                .unwrap();
            for x in inputs.into_iter().chain([f64::INFINITY, f64::NEG_INFINITY]) {
                let y = f32_op.call(&mut store, x as f32).unwrap();
                out.push((format!("f32.{op} {x}"), y.to_bits() as u64));
                let y = f64_op.call(&mut store, x).unwrap();
                out.push((format!("f64.{op} {x}"), y.to_bits()));
            }
        }
        out
    };
    let mut interp = Config::new();
    interp.tier(Tier::Interp);
    for (compiled, interpreted) in results(&baseline).into_iter().zip(results(&interp)) {
        assert_eq!(compiled, interpreted, "compiled without SSE4.1, interpreted");
    }
}

/// A module whose code is over a megabyte, so that its artifact's image is
/// mapped from the file rather than copied: calls, libcalls (through their
/// stubs) and traps (found in the trap table left in the file) all work.
#[test]
fn large_artifacts_run_from_the_mapped_file() {
    let Some(mut config) = jit_config(BoundsChecks::Guard) else {
        return;
    };
    config.lazy_compilation(false);
    let engine = Engine::new(&config).unwrap();
    let mut wat = String::from("(module (memory 1)\n");
    wat.push_str(&tern_test_support::load_heavy_funcs(400));
    wat.push_str(
        r#"(func (export "first") (param i32) (result i32) (call $f0 (local.get 0)))
           (func (export "last") (param i32) (result i32) (call $f399 (local.get 0)))
           (func (export "fill") (param i32 i32) (memory.fill (i32.const 0) (local.get 0) (local.get 1)))
           (func (export "grow") (result i32) (memory.grow (i32.const 1)))
           (func (export "boom") unreachable))"#,
    );
    let module = Module::new(&engine, &wat).unwrap();
    let bytes = module.serialize().unwrap();
    assert!(bytes.len() > 2 << 20, "the artifact is {} bytes", bytes.len());
    let file = std::env::temp_dir().join(format!("tern-aot-large-{}.cwasm", std::process::id()));
    std::fs::write(&file, &bytes).unwrap();
    // SAFETY: the artifact was written by this test and is not changed.
    let m = unsafe { Module::deserialize_file(&engine, &file) };
    std::fs::remove_file(&file).unwrap();
    let m = m.unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let first = inst.get_typed_func::<i32, i32>(&mut store, "first").unwrap();
    let last = inst.get_typed_func::<i32, i32>(&mut store, "last").unwrap();
    let fill = inst.get_typed_func::<(i32, i32), ()>(&mut store, "fill").unwrap();
    let grow = inst.get_typed_func::<(), i32>(&mut store, "grow").unwrap();
    let boom = inst.get_typed_func::<(), ()>(&mut store, "boom").unwrap();
    assert_eq!(first.call(&mut store, 0).unwrap(), 0);
    fill.call(&mut store, (1, 4096)).unwrap();
    // 150 loads of 0x01010101.
    assert_eq!(
        last.call(&mut store, 0).unwrap(),
        150i32.wrapping_mul(0x0101_0101) + 399
    );
    assert_eq!(grow.call(&mut store, ()).unwrap(), 1);
    let e = last.call(&mut store, 2 * 65536).unwrap_err();
    assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::MemoryOutOfBounds));
    let e = boom.call(&mut store, ()).unwrap_err();
    assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::Unreachable));
    let e = fill.call(&mut store, (0, 3 * 65536)).unwrap_err();
    assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::MemoryOutOfBounds));
}

/// A mapped artifact's code is checked block by block as it first runs:
/// a damaged block traps when reached (the rest runs), damage to the
/// module's data is refused at load, and writing the module out again
/// keeps the recorded hashes, so the damage is not laundered.
#[test]
fn damaged_artifacts_fail_where_they_are_damaged() {
    let Some(mut config) = jit_config(BoundsChecks::Guard) else {
        return;
    };
    config.lazy_compilation(false);
    let engine = Engine::new(&config).unwrap();
    let mut wat = String::from("(module (memory 1) (data (i32.const 60000) \"tern-data-marker\")\n");
    wat.push_str(&tern_test_support::load_heavy_funcs(400));
    wat.push_str("(func (export \"first\") (param i32) (result i32) (call $f0 (local.get 0)))\n");
    wat.push_str("(func (export \"all\") (param i32) (result i32)");
    for i in 0..400 {
        wat.push_str(&format!(" (drop (call $f{i} (local.get 0)))"));
    }
    wat.push_str(" (i32.const 7))\n(func (export \"data\") (result i32) (i32.load8_u (i32.const 60005)))");
    wat.push_str("(func (export \"oob\") (result i32) (i32.load (i32.const 70000))))");
    let bytes = Module::new(&engine, &wat).unwrap().serialize().unwrap();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
    // The header records the image's and the trap sites' starts (in the
    // payload, which follows the 76-byte header) and lengths.
    let (image_at, image_len) = (76 + word(20), word(28));
    let (traps_at, traps_len) = (76 + word(36), word(44));
    assert!(image_len > 1 << 20, "the image is {image_len} bytes");
    let path = |what: &str| std::env::temp_dir().join(format!("tern-aot-{what}-{}.cwasm", std::process::id()));

    // The intact artifact runs.
    let intact = path("intact");
    std::fs::write(&intact, &bytes).unwrap();
    // SAFETY (every `deserialize*` below): written by this test, intact or
    // damaged on purpose, and not changed while loaded.
    let m = unsafe { Module::deserialize_file(&engine, &intact) }.unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let all = inst.get_typed_func::<i32, i32>(&mut store, "all").unwrap();
    assert_eq!(all.call(&mut store, 0).unwrap(), 7);
    std::fs::remove_file(&intact).unwrap();

    // A byte of code in the middle of the image damaged: loading works,
    // code elsewhere runs, reaching the damaged block traps.
    let mut damaged = bytes.clone();
    damaged[image_at + image_len / 2] ^= 0x40;
    let code = path("code");
    std::fs::write(&code, &damaged).unwrap();
    let m = unsafe { Module::deserialize_file(&engine, &code) }.unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let first = inst.get_typed_func::<i32, i32>(&mut store, "first").unwrap();
    let all = inst.get_typed_func::<i32, i32>(&mut store, "all").unwrap();
    let data = inst.get_typed_func::<(), i32>(&mut store, "data").unwrap();
    assert_eq!(first.call(&mut store, 0).unwrap(), 0);
    assert_eq!(data.call(&mut store, ()).unwrap(), b'd' as i32);
    let e = all.call(&mut store, 0).unwrap_err();
    assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::DamagedCode), "{e:?}");
    assert!(e.to_string().contains("damaged"), "{e}");
    // Written out again, the artifact keeps the recorded hashes: loading
    // all of it refuses it.
    let again = m.serialize().unwrap();
    let e = unsafe { Module::deserialize(&engine, &again) }.unwrap_err();
    assert!(e.to_string().contains("corrupt"), "{e}");
    std::fs::remove_file(&code).unwrap();

    // A trap site damaged: loading and running work; a trap, which looks
    // the sites up, is the damage.
    let mut damaged = bytes.clone();
    damaged[traps_at + traps_len / 2] ^= 0x10;
    let traps = path("traps");
    std::fs::write(&traps, &damaged).unwrap();
    let m = unsafe { Module::deserialize_file(&engine, &traps) }.unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let all = inst.get_typed_func::<i32, i32>(&mut store, "all").unwrap();
    let oob = inst.get_typed_func::<(), i32>(&mut store, "oob").unwrap();
    assert_eq!(all.call(&mut store, 0).unwrap(), 7);
    let e = oob.call(&mut store, ()).unwrap_err();
    assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::DamagedCode), "{e:?}");
    std::fs::remove_file(&traps).unwrap();
    // Intact, the same trap is what it is.
    let m = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let oob = inst.get_typed_func::<(), i32>(&mut store, "oob").unwrap();
    let e = oob.call(&mut store, ()).unwrap_err();
    assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::MemoryOutOfBounds));

    // The data segment damaged: refused at load.
    let at = bytes.windows(16).position(|w| w == b"tern-data-marker").unwrap();
    let mut damaged = bytes.clone();
    damaged[at + 3] ^= 1;
    let data = path("data");
    std::fs::write(&data, &damaged).unwrap();
    let e = unsafe { Module::deserialize_file(&engine, &data) }.unwrap_err();
    std::fs::remove_file(&data).unwrap();
    assert!(e.to_string().contains("corrupt"), "{e}");
}

/// A precompiled module whose data segments all go to its own memory 0
/// carries that memory's initial contents as an image, which a mapped
/// artifact's instances map copy-on-write: each instance sees the data,
/// its writes stay its own (and off the file), and the memory grows.
#[test]
fn memory_images_map_the_initial_contents() {
    let Some(config) = jit_config(BoundsChecks::Guard) else {
        return;
    };
    let engine = Engine::new(&config).unwrap();
    // Two segments (the later one overwriting part of the earlier), one
    // 200 KiB in, and a large one so that the image spans several pages.
    let big = "ab".repeat(70_000);
    let wat = format!(
        r#"(module (memory (export "m") 8)
             (data (i32.const 16) "hello, world")
             (data (i32.const 23) "W")
             (data (i32.const 204800) "{big}")
             (func (export "get") (param i32) (result i32) (i32.load8_u (local.get 0)))
             (func (export "set") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
             (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#
    );
    let bytes = Module::new(&engine, &wat).unwrap().serialize().unwrap();
    let path = std::env::temp_dir().join(format!("tern-aot-image-{}.cwasm", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    // SAFETY: written by this test and not changed while loaded.
    let from_file = unsafe { Module::deserialize_file(&engine, &path) }.unwrap();
    let from_bytes = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    for m in [&from_file, &from_bytes, &from_file] {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, m).unwrap();
        let get = inst.get_typed_func::<i32, i32>(&mut store, "get").unwrap();
        let set = inst.get_typed_func::<(i32, i32), ()>(&mut store, "set").unwrap();
        let grow = inst.get_typed_func::<(), i32>(&mut store, "grow").unwrap();
        let mem = inst.get_memory(&mut store, "m").unwrap();
        assert_eq!(&mem.data(&store)[16..28], b"hello, World");
        assert_eq!(&mem.data(&store)[204800..204806], b"ababab");
        assert_eq!(mem.data(&store)[..16], [0; 16]);
        assert_eq!(get.call(&mut store, 204800 + 139_999).unwrap(), b'b' as i32);
        assert_eq!(get.call(&mut store, 204800 + 140_000).unwrap(), 0);
        set.call(&mut store, (16, b'J' as i32)).unwrap();
        set.call(&mut store, (204801, b'!' as i32)).unwrap();
        assert_eq!(&mem.data(&store)[16..21], b"Jello");
        assert_eq!(get.call(&mut store, 204801).unwrap(), b'!' as i32);
        assert_eq!(grow.call(&mut store, ()).unwrap(), 8);
        assert_eq!(get.call(&mut store, 8 * 65536 + 10).unwrap(), 0);
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file is unchanged");
    std::fs::remove_file(&path).unwrap();
}

/// Types of the same machine signature share their trampolines: calls through
/// each type index, to imports and across tables, still work on every
/// tier (and `Module::validate` agrees with compiling).
#[test]
fn equal_types_share_trampolines() {
    const SRC: &str = r#"
(module
  (type $a (func (param i32) (result i32)))
  (type $b (func (param i32) (result i32)))
  (type $v (func))
  (type $c (func (param i32) (result i32)))
  (type $w (func))
  (type $x (func (param externref) (result externref)))
  (type $l (func (param i64) (result i64)))
  (import "host" "inc" (func $inc (type $c)))
  (import "host" "ext" (func $ext (type $x)))
  (import "host" "neg" (func $neg (type $l)))
  (func (export "via_ext") (param externref) (result externref) local.get 0 call $ext)
  (func (export "via_neg") (param i64) (result i64) local.get 0 call $neg)
  (table 3 funcref)
  (elem (i32.const 0) $inc $dbl $nop)
  (func $dbl (type $b) local.get 0 i32.const 2 i32.mul)
  (func $nop (type $w))
  (func (export "via_a") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $a))
  (func (export "via_c") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $c))
  (func (export "nop") (call_indirect (type $v) (i32.const 2)))
  (func (export "direct") (param i32) (result i32) local.get 0 call $inc))
"#;
    let bytes = tern_text::parse_wat(SRC).unwrap();
    for tier in [Tier::Jit, Tier::Auto, Tier::Interp] {
        let mut c = Config::new();
        c.tier(tier);
        let engine = Engine::new(&c).unwrap();
        Module::validate(&engine, &bytes).unwrap();
        assert!(Module::validate(&engine, &bytes[..bytes.len() - 1]).is_err());
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let inc = Func::wrap(&mut store, |x: i32| x + 1);
        let ext = Func::wrap(&mut store, |x: Option<ExternRef>| x);
        let neg = Func::wrap(&mut store, |x: i64| -x);
        let inst = Instance::new(&mut store, &module, &[inc.into(), ext.into(), neg.into()]).unwrap();
        let via_a = inst.get_typed_func::<(i32, i32), i32>(&mut store, "via_a").unwrap();
        let via_c = inst.get_typed_func::<(i32, i32), i32>(&mut store, "via_c").unwrap();
        let direct = inst.get_typed_func::<i32, i32>(&mut store, "direct").unwrap();
        for _ in 0..3 {
            assert_eq!(via_a.call(&mut store, (0, 41)).unwrap(), 42, "{tier:?}");
            assert_eq!(via_c.call(&mut store, (1, 21)).unwrap(), 42, "{tier:?}");
            assert_eq!(direct.call(&mut store, 6).unwrap(), 7, "{tier:?}");
            inst.get_typed_func::<(), ()>(&mut store, "nop")
                .unwrap()
                .call(&mut store, ())
                .unwrap();
            // Types of the same machine signature (a reference is a word,
            // as an i64) share theirs too.
            let r = ExternRef::new(&mut store, 7u32);
            let via_ext = inst
                .get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&mut store, "via_ext")
                .unwrap();
            let back = via_ext.call(&mut store, Some(r)).unwrap().unwrap();
            assert_eq!(back.data(&store).unwrap().downcast_ref::<u32>(), Some(&7), "{tier:?}");
            let via_neg = inst.get_typed_func::<i64, i64>(&mut store, "via_neg").unwrap();
            assert_eq!(via_neg.call(&mut store, 1 << 40).unwrap(), -(1 << 40), "{tier:?}");
        }
    }
}
