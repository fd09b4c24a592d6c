//! Lazy compilation (the compiler tier's default where the host supports
//! it): functions are compiled on their first call, from any depth and any
//! thread, and the results are those of eager compilation.

// The compiler tier, and modules in the text format.
#![cfg(all(feature = "cranelift", feature = "wat"))]

use tern::*;

const WAT: &str = r#"
(module
  (type $bin (func (param i32 i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $add $sub $mul)
  (memory 1)
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $bin) (i32.mul (local.get 0) (local.get 1)))
  ;; Never called before the bottom of a deep recursion.
  (func $leaf (param i32) (result i32)
    (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 2) (local.get 2))))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 2) (local.get 0))))
    (local.get 1))
  (func $deep (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $leaf (i32.const 10)))
      (else (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func (export "apply") (param i32 i32 i32) (result i32)
    (call_indirect (type $bin) (local.get 1) (local.get 2) (local.get 0)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "trap") (param i32) (result i32) (call $inner (local.get 0)))
  (func $forever (export "overflow") (param i32) (result i32)
    (i32.add (call $forever (local.get 0)) (i32.const 1)))
)
"#;

fn engine(lazy: bool) -> Engine {
    let mut config = Config::new();
    config.tier(Tier::Jit).lazy_compilation(lazy);
    Engine::new(&config).unwrap()
}

fn call(store: &mut Store<()>, inst: &Instance, name: &str, args: &[i32]) -> Result<i32, Error> {
    let f = inst
        .exports(&mut *store)
        .into_iter()
        .find_map(|(n, e)| match e {
            Extern::Func(f) if n == name => Some(f),
            _ => None,
        })
        .unwrap();
    let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
    let mut out = [Val::I32(0)];
    f.call(&mut *store, &args, &mut out)?;
    match out[0] {
        Val::I32(v) => Ok(v),
        ref v => panic!("unexpected result {v:?}"),
    }
}

fn outcomes(engine: &Engine, module: &Module) -> Vec<String> {
    let mut store = Store::new(engine, ());
    let inst = Linker::new(engine).instantiate(&mut store, module).unwrap();
    let mut out = Vec::new();
    for (name, args) in [
        ("deep", vec![5000]),
        ("apply", vec![0, 7, 5]),
        ("apply", vec![1, 7, 5]),
        ("apply", vec![2, 7, 5]),
        ("apply", vec![3, 7, 5]),
        ("apply", vec![9, 7, 5]),
        ("fib", vec![20]),
        ("trap", vec![0]),
        ("trap", vec![1]),
        ("overflow", vec![0]),
    ] {
        out.push(match call(&mut store, &inst, name, &args) {
            Ok(v) => format!("{name}{args:?} = {v}"),
            Err(e) => format!("{name}{args:?} traps: {e}"),
        });
    }
    out
}

#[test]
fn lazy_and_eager_agree() {
    let lazy = engine(true);
    let eager = engine(false);
    let a = outcomes(&lazy, &Module::new(&lazy, WAT).unwrap());
    let b = outcomes(&eager, &Module::new(&eager, WAT).unwrap());
    assert_eq!(a, b);
    assert!(a[0].ends_with("= 5285"), "{}", a[0]);
    assert!(a[4].contains("uninitialized element"), "{}", a[4]);
    assert!(a[7].contains("integer divide by zero"), "{}", a[7]);
    assert!(a[9].contains("call stack exhausted"), "{}", a[9]);
}

#[test]
fn first_calls_from_many_threads() {
    let engine = engine(true);
    let module = Module::new(&engine, WAT).unwrap();
    let expected = outcomes(&engine, &Module::new(&engine, WAT).unwrap());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (engine, module) = (engine.clone(), module.clone());
                std::thread::Builder::new()
                    .stack_size(16 << 20)
                    .spawn_scoped(s, move || outcomes(&engine, &module))
                    .unwrap()
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), expected);
        }
    });
}

#[test]
fn first_call_at_the_bottom_of_a_deep_recursion() {
    // On a thread with a large stack the compiler runs on the calling
    // thread; near the bottom of a small one it moves to a helper thread.
    for stack in [2 << 20, 64 << 20] {
        let r = std::thread::Builder::new()
            .stack_size(stack)
            .spawn(|| {
                let engine = engine(true);
                let module = Module::new(&engine, WAT).unwrap();
                let mut store = Store::new(&engine, ());
                let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
                call(&mut store, &inst, "deep", &[3000]).unwrap()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(r, 3285);
    }
}

#[test]
fn a_lazy_module_serializes_with_all_its_code() {
    let engine = engine(true);
    let module = Module::new(&engine, WAT).unwrap();
    let bytes = module.serialize().unwrap();
    // SAFETY: the artifact was just written by this engine.
    let loaded = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    assert_eq!(outcomes(&engine, &loaded), outcomes(&engine, &module));
}

#[test]
fn invalid_bodies_are_rejected_up_front() {
    let engine = engine(true);
    let bad = "(module (func (export \"f\") (result i32) (i64.const 1)))";
    let e = Module::new(&engine, bad).unwrap_err();
    assert!(e.to_string().contains("type mismatch"), "{e}");
}
