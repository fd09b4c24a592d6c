//! The embedding API end to end: host functions, typed and dynamic calls,
//! fuel, eager translation, stack exhaustion, linking errors.

use tern::*;

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test WAT parses")
}

fn setup(config: &Config, text: &str) -> (Store<Vec<i32>>, Instance) {
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, wasm(text)).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "log", |mut caller: Caller<'_, Vec<i32>>, x: i32| {
            caller.data_mut().push(x);
        })
        .unwrap();
    linker
        .func_wrap(
            "host",
            "peek",
            |mut caller: Caller<'_, Vec<i32>>, at: i32| -> Result<i32, Trap> {
                let mem = caller
                    .get_export("memory")
                    .and_then(Extern::into_memory)
                    .ok_or_else(|| Trap::msg("no memory"))?;
                let data = mem.data(&caller);
                data.get(at as usize)
                    .map(|&b| b as i32)
                    .ok_or_else(|| Trap::new(TrapCode::MemoryOutOfBounds))
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

const FIB: &str = r#"
(module
  (import "host" "log" (func $log (param i32)))
  (import "host" "peek" (func $peek (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\2a")
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "log_twice") (param i32)
    (call $log (local.get 0))
    (call $log (i32.mul (local.get 0) (i32.const 2))))
  (func (export "peek16") (result i32) (call $peek (i32.const 16)))
  (func (export "spin") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "multi") (param i64 f64) (result f64 i64)
    (local.get 1) (local.get 0))
)
"#;

#[test]
fn typed_and_dynamic_calls() {
    let (mut store, inst) = setup(&Config::new(), FIB);
    let fib = inst.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
    assert_eq!(fib.call(&mut store, 20).unwrap(), 6765);
    let f = inst.get_func(&mut store, "multi").unwrap();
    let mut out = [Val::I32(0), Val::I32(0)];
    f.call(&mut store, &[Val::I64(7), Val::from(1.5f64)], &mut out).unwrap();
    assert_eq!(out[0].f64(), Some(1.5));
    assert_eq!(out[1].i64(), Some(7));
    assert!(f.call(&mut store, &[Val::I32(7), Val::from(1.5f64)], &mut out).is_err());
    assert!(inst.get_typed_func::<i64, i32>(&mut store, "fib").is_err());
}

#[test]
fn host_functions_see_caller_and_data() {
    let (mut store, inst) = setup(&Config::new(), FIB);
    let f = inst.get_typed_func::<i32, ()>(&mut store, "log_twice").unwrap();
    f.call(&mut store, 21).unwrap();
    assert_eq!(store.data(), &vec![21, 42]);
    let peek = inst.get_typed_func::<(), i32>(&mut store, "peek16").unwrap();
    assert_eq!(peek.call(&mut store, ()).unwrap(), 42);
}

#[test]
fn deep_recursion_traps_without_overflowing_the_host_stack() {
    // The interpreter keeps wasm frames off the host stack.
    let mut config = Config::new();
    config.tier(Tier::Interp).max_call_depth(1_000_000);
    let (mut store, inst) = setup(&config, FIB);
    let deep = inst.get_typed_func::<i32, i32>(&mut store, "deep").unwrap();
    assert_eq!(deep.call(&mut store, 200_000).unwrap(), 200_000);
    let e = deep.call(&mut store, 2_000_000).unwrap_err();
    assert_eq!(e.as_trap().and_then(Trap::code), Some(TrapCode::StackOverflow));
    assert_eq!(e.to_string(), "call stack exhausted");
    // The store stays usable after a trap.
    assert_eq!(deep.call(&mut store, 10).unwrap(), 10);
}

#[test]
fn fuel_is_consumed_and_exhausts() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let (mut store, inst) = setup(&config, FIB);
    let spin = inst.get_typed_func::<i32, i32>(&mut store, "spin").unwrap();
    store.set_fuel(1_000_000).unwrap();
    assert_eq!(spin.call(&mut store, 100).unwrap(), 100);
    let used = 1_000_000 - store.get_fuel().unwrap();
    assert!(used >= 100 * 3, "a loop iteration costs its instructions, used {used}");
    store.set_fuel(1_000).unwrap();
    let e = spin.call(&mut store, 1_000_000).unwrap_err();
    assert_eq!(e.to_string(), "all fuel consumed");
    assert!(store.get_fuel().unwrap() < 1_000);
    let plain = Store::new(&Engine::default(), ());
    assert!(plain.get_fuel().is_err());
}

#[test]
fn eager_translation_runs_the_same() {
    let mut config = Config::new();
    config.interp_translation(InterpTranslation::Eager);
    let (mut store, inst) = setup(&config, FIB);
    let fib = inst.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
    assert_eq!(fib.call(&mut store, 15).unwrap(), 610);
}

#[test]
fn invalid_modules_are_rejected_in_both_modes() {
    let bad = wasm("(module (func (result i32) (i64.const 0)))");
    for mode in [InterpTranslation::Lazy, InterpTranslation::Eager] {
        let mut config = Config::new();
        config.interp_translation(mode);
        let engine = Engine::new(&config).unwrap();
        let e = Module::new(&engine, &bad).unwrap_err();
        assert!(e.to_string().contains("type mismatch"), "{e}");
    }
}

#[cfg(feature = "wat")]
#[test]
fn text_modules_are_accepted_and_text_errors_point() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, "(module (func (export \"f\") (result i32) i32.const 7))").unwrap();
    let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 7);
    let e = Module::new(&engine, "(module\n  (func i32.bogus))").unwrap_err();
    assert!(matches!(e, Error::Text(_)), "{e}");
    assert!(e.to_string().contains(":2:9: unknown operator `i32.bogus`"), "{e}");
}

#[test]
fn linking_errors() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, wasm(r#"(module (import "m" "f" (func (param i32))))"#)).unwrap();
    let mut linker = Linker::new(&engine);
    let e = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(e.to_string().starts_with("unknown import"), "{e}");
    linker.func_wrap("m", "f", |_: i64| {}).unwrap();
    let e = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(e.to_string().starts_with("incompatible import type"), "{e}");
}

#[test]
fn memories_tables_globals() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        wasm(
            r#"(module
                 (memory (export "m") 1 3)
                 (table (export "t") 2 funcref)
                 (global (export "g") (mut i64) (i64.const 5))
                 (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
                 (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#,
        ),
    )
    .unwrap();
    let inst = Instance::new(&mut store, &module, &[]).unwrap();
    let m = inst.get_memory(&mut store, "m").unwrap();
    m.write(&mut store, 8, &[1, 2, 3, 4]).unwrap();
    let load = inst.get_typed_func::<i32, i32>(&mut store, "load").unwrap();
    assert_eq!(load.call(&mut store, 8).unwrap(), 0x04030201);
    let e = load.call(&mut store, 65534).unwrap_err();
    assert_eq!(e.to_string(), "out of bounds memory access");
    let grow = inst.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 2).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(m.size(&store), 3);
    let g = inst.get_global(&mut store, "g").unwrap();
    assert_eq!(g.get(&store).i64(), Some(5));
    g.set(&mut store, Val::I64(9)).unwrap();
    assert_eq!(g.get(&store).i64(), Some(9));
    let t = inst.get_table(&mut store, "t").unwrap();
    assert_eq!(t.size(&store), 2);
    let f = inst.get_func(&mut store, "grow").unwrap();
    t.set(&mut store, 1, Val::FuncRef(Some(f))).unwrap();
    assert_eq!(t.get(&store, 1), Some(Val::FuncRef(Some(f))));
    assert_eq!(t.grow(&mut store, 3, Val::FuncRef(None)).unwrap(), 2);
}

#[test]
fn limits_apply() {
    let mut config = Config::new();
    config.max_memory_pages(2).max_instances(1);
    let engine = Engine::new(&config).unwrap();
    let mut store = Store::new(&engine, ());
    let big = Module::new(&engine, wasm("(module (memory 3))")).unwrap();
    assert!(matches!(Instance::new(&mut store, &big, &[]), Err(Error::Limit(_))));
    let small = Module::new(&engine, wasm("(module (memory 1))")).unwrap();
    Instance::new(&mut store, &small, &[]).unwrap();
    assert!(matches!(Instance::new(&mut store, &small, &[]), Err(Error::Limit(_))));
}

#[test]
fn host_can_call_back_into_wasm() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        wasm(
            r#"(module
                 (import "host" "twice" (func $twice (param i32) (result i32)))
                 (func $inc (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
                 (func (export "run") (param i32) (result i32) (call $twice (local.get 0))))"#,
        ),
    )
    .unwrap();
    let mut store = Store::new(&engine, None::<Func>);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "twice",
            |mut caller: Caller<'_, Option<Func>>, x: i32| -> Result<i32, Trap> {
                let inc = caller.data().expect("set before the call");
                let inc = inc.typed::<i32, i32>(&caller).map_err(|e| Trap::msg(e.to_string()))?;
                let once = inc.call(&mut caller, x).map_err(|e| Trap::msg(e.to_string()))?;
                inc.call(&mut caller, once).map_err(|e| Trap::msg(e.to_string()))
            },
        )
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let inc = inst.get_func(&mut store, "inc").unwrap();
    *store.data_mut() = Some(inc);
    let run = inst.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, 40).unwrap(), 42);
}

#[test]
fn traps_carry_a_named_backtrace_across_host_reentry() {
    for tier in [Tier::Interp, Tier::Jit] {
        if tier == Tier::Jit && !tern_cranelift_available() {
            continue;
        }
        reentry_backtrace(tier);
    }
}

fn tern_cranelift_available() -> bool {
    let mut config = Config::new();
    config.tier(Tier::Jit);
    Engine::new(&config).is_ok()
}

/// A trap in wasm called by a host function that wasm called: the trace
/// has the inner frames, then the outer ones (re-raised through the host
/// function, a libcall on the compiler tier).
fn reentry_backtrace(tier: Tier) {
    let mut config = Config::new();
    config.tier(tier);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(
        &engine,
        tern_text::parse_wat(
            r#"(module $m
             (import "host" "reenter" (func $reenter))
             (func $boom (export "boom") unreachable)
             (func $via (call $boom))
             (func $outer (export "outer") (call $reenter)))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "reenter", |mut caller: Caller<'_, ()>| -> Result<(), Trap> {
            let via = caller.get_export("boom").and_then(Extern::into_func).unwrap();
            match via.call(&mut caller, &[], &mut []) {
                Err(Error::Trap(t)) => Err(t),
                _ => Err(Trap::msg("expected a trap")),
            }
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let outer = instance.get_func(&mut store, "outer").unwrap();
    let err = outer.call(&mut store, &[], &mut []).unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(trap.code(), Some(TrapCode::Unreachable));
    let names: Vec<_> = trap
        .trace()
        .iter()
        .map(|f| (f.func_index, f.func_name.as_deref(), f.module_name.as_deref()))
        .collect();
    // The inner activation (boom called by the host), then the outer one.
    assert_eq!(
        names,
        [(1, Some("boom"), Some("m")), (3, Some("outer"), Some("m"))],
        "{tier:?}"
    );
}

/// The default configuration is Wasm 3.0 (GC aside); proposals beyond it
/// are opt-in, and `Features::wasm2()` is Wasm 2.0 exactly.
#[test]
fn default_features_are_wasm3() {
    let f = Config::new().enabled_features();
    for &x in Feature::ALL {
        // Legacy exception instructions are on too: toolchains still emit
        // them.
        let on = (x.in_wasm3() && x.implemented()) || x == Feature::LegacyExceptions;
        assert_eq!(f.enabled(x), on, "{}", x.name());
    }
    assert!(f.enabled(Feature::Memory64) && f.enabled(Feature::FunctionReferences));
    assert!(!f.enabled(Feature::WideArithmetic));
    assert!(!f.enabled(Feature::CustomPageSizes));
    let engine = Engine::default();
    let wasm3 = r#"(module (type $f (func (result i32))) (memory i64 1)
        (func $one (type $f) (i32.const 1)) (elem declare func $one)
        (func (export "main") (result i32) (call_ref $f (ref.func $one))))"#;
    let wasm3 = tern_text::parse_wat(wasm3).unwrap();
    let m = Module::new(&engine, &wasm3).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let main = i.get_typed_func::<(), i32>(&mut store, "main").unwrap();
    assert_eq!(main.call(&mut store, ()).unwrap(), 1);
    let wide = r#"(module (func (param i64 i64) (result i64 i64) (i64.mul_wide_s (local.get 0) (local.get 1))))"#;
    assert!(Module::new(&engine, tern_text::parse_wat(wide).unwrap()).is_err());
    let mut c = Config::new();
    c.features(Features::wasm2());
    let e = Module::new(&Engine::new(&c).unwrap(), &wasm3).unwrap_err();
    assert!(e.to_string().contains("not enabled"), "{e}");
}

/// Each frame of a trap's backtrace gives the module offset of the
/// instruction it was at (the trapping one, then each call), the same on
/// every tier, eager or lazy.
#[test]
fn frames_give_module_offsets_on_every_tier() {
    let wasm = tern_text::parse_wat(
        r#"(module
             (func $inner (param i32) (result i32)
               (i32.div_s (i32.const 1) (local.get 0)))
             (func (export "outer") (result i32)
               (i32.const 7) (drop)
               (call $inner (i32.const 0))))"#,
    )
    .unwrap();
    let find = |pat: &[u8]| wasm.windows(pat.len()).position(|w| w == pat).unwrap() as u32;
    // local.get 0, i32.div_s; i32.const 0, call 0.
    let div = find(&[0x20, 0x00, 0x6d]) + 2;
    let call = find(&[0x41, 0x00, 0x10, 0x00]) + 2;
    let mut configs = vec![Config::new().tier(Tier::Interp).clone()];
    if Engine::new(Config::new().tier(Tier::Jit)).is_ok() {
        configs.push(Config::new().tier(Tier::Jit).lazy_compilation(false).clone());
        configs.push(Config::new().tier(Tier::Jit).lazy_compilation(true).clone());
    }
    for config in configs {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, &wasm).unwrap();
        let mut store = Store::new(&engine, ());
        let i = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let outer = i.get_typed_func::<(), i32>(&mut store, "outer").unwrap();
        let err = outer.call(&mut store, ()).unwrap_err();
        let trace = err.as_trap().unwrap().trace();
        let got: Vec<(u32, Option<u32>)> = trace.iter().map(|f| (f.func_index, module.frame_offset(f))).collect();
        assert_eq!(got, [(0, Some(div)), (1, Some(call))], "{config:?}");
    }
}

#[test]
fn modules_load_from_files_binary_or_text() {
    let dir = std::env::temp_dir().join(format!("tern-from-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = r#"(module (func (export "seven") (result i32) i32.const 7))"#;
    let (wat_path, wasm_path) = (dir.join("m.wat"), dir.join("m.wasm"));
    std::fs::write(&wat_path, text).unwrap();
    std::fs::write(&wasm_path, wasm(text)).unwrap();
    for config in [Config::new(), { Config::new().tier(Tier::Interp).clone() }] {
        let engine = Engine::new(&config).unwrap();
        // Text needs the `wat` feature; without it, the error says so.
        let paths = if cfg!(feature = "wat") {
            vec![&wat_path, &wasm_path]
        } else {
            let e = Module::from_file(&engine, &wat_path).err().unwrap().to_string();
            assert!(e.contains("`wat` feature"), "{e}");
            vec![&wasm_path]
        };
        for path in paths {
            let module = Module::from_file(&engine, path).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let seven = instance.get_typed_func::<(), i32>(&mut store, "seven").unwrap();
            assert_eq!(seven.call(&mut store, ()).unwrap(), 7, "{}", path.display());
        }
        let missing = Module::from_file(&engine, dir.join("missing.wasm"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            missing.contains("cannot read") && missing.contains("missing.wasm"),
            "{missing}"
        );
        std::fs::write(dir.join("bad.wasm"), b"\0asm\x01\0\0\0\x01").unwrap();
        assert!(Module::from_file(&engine, dir.join("bad.wasm")).is_err());
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `Store::collect_externrefs` frees the payloads nothing in the store
/// holds, keeps those a table, a global or wasm's own state holds, and
/// reuses the freed slots.
#[test]
fn collect_externrefs_frees_what_nothing_holds() {
    for tier in [Tier::Interp, Tier::Jit] {
        let mut c = Config::new();
        c.tier(tier);
        // (An interpreter-only build has no compiler tier.)
        let Ok(engine) = Engine::new(&c) else { continue };
        let module = Module::new(
            &engine,
            wasm(
                r#"(module
                  (table (export "t") 2 externref)
                  (global (export "g") (mut externref) (ref.null extern))
                  (func (export "put") (param externref) (table.set (i32.const 0) (local.get 0))))"#,
            ),
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Instance::new(&mut store, &module, &[]).unwrap();
        let put = inst.get_func(&mut store, "put").unwrap();
        let g = inst.get_global(&mut store, "g").unwrap();
        let t = inst.get_table(&mut store, "t").unwrap();
        let in_table = ExternRef::new(&mut store, "table");
        put.call(&mut store, &[Val::ExternRef(Some(in_table))], &mut [])
            .unwrap();
        let in_global = ExternRef::new(&mut store, "global");
        g.set(&mut store, Val::ExternRef(Some(in_global))).unwrap();
        for i in 0..100u32 {
            ExternRef::new(&mut store, i);
        }
        assert!(store.collect_externrefs(true).is_empty(), "not due yet");
        let freed = store.collect_externrefs(false);
        assert_eq!(freed.len(), 100, "{tier:?}");
        assert!(freed.iter().all(|b| b.downcast_ref::<u32>().is_some()));
        let get = |store: &mut Store<()>, v: Val| match v {
            Val::ExternRef(Some(e)) => *e.data(&*store).unwrap().downcast_ref::<&str>().unwrap(),
            _ => panic!("not an externref"),
        };
        let v = t.get(&mut store, 0).unwrap();
        assert_eq!(get(&mut store, v), "table");
        let v = g.get(&mut store);
        assert_eq!(get(&mut store, v), "global");
        // Freed slots are reused, and a second collection frees nothing more.
        let again = ExternRef::new(&mut store, "again");
        assert_eq!(*again.data(&store).unwrap().downcast_ref::<&str>().unwrap(), "again");
        assert!(store.collect_externrefs(false).len() <= 1);
    }
}
