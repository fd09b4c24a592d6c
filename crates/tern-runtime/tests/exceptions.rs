//! Exception handling through the embedding API: tags as store entities,
//! host functions that throw, exceptions that cross host frames, and
//! uncaught exceptions reaching the embedder.

use tern::*;

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test WAT parses")
}

fn i32_tag_type() -> FuncType {
    FuncType::new([ValType::I32], [])
}

/// A module that imports tag `host::e (param i32)` and a host function
/// `host::f (param i32)`, catching the tag around calls to it.
const CATCHER: &str = r#"
(module
  (import "host" "f" (func $f (param i32)))
  (import "host" "e" (tag $e (param i32)))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
  ;; try_table around a host call: the payload plus 1000.
  (func (export "call-new") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $f (local.get 0)))
      (return (i32.const -1)))
    (i32.add (i32.const 1000)))
  ;; The legacy form of the same.
  (func (export "call-legacy") (param i32) (result i32)
    (try (result i32)
      (do (call $f (local.get 0)) (i32.const -1))
      (catch $e (i32.add (i32.const 2000)))))
  ;; A tail call to the host function: its exception skips $tail's frame.
  (func $tail (param i32) (return_call $f (local.get 0)))
  (func (export "call-tail") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h) (call $tail (local.get 0)) (i32.const -1))
      (return))
    (i32.add (i32.const 3000)))
  ;; No handler: the exception leaves.
  (func (export "call-bare") (param i32) (call $f (local.get 0)))
)
"#;

struct Setup {
    store: Store<()>,
    instance: Instance,
    tag: Tag,
}

/// `host::f` throws `tag` with its argument when it is odd, and otherwise
/// calls the instance's own `throw` export (whose exception then crosses
/// the host frame).
fn setup() -> Setup {
    setup_on(&Engine::default())
}

/// Engines of each tier this host runs: the interpreter, and the compiler
/// compiling lazily and eagerly where it is available.
fn engines() -> Vec<Engine> {
    let mut out = vec![Engine::new(Config::new().tier(Tier::Interp)).unwrap()];
    for lazy in [true, false] {
        if let Ok(e) = Engine::new(Config::new().tier(Tier::Jit).lazy_compilation(lazy)) {
            out.push(e);
        }
    }
    out
}

fn setup_on(engine: &Engine) -> Setup {
    let engine = engine.clone();
    let mut store = Store::new(&engine, ());
    let tag = Tag::new(&mut store, &i32_tag_type()).unwrap();
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.define("host", "e", tag).unwrap();
    linker
        .func_wrap(
            "host",
            "f",
            move |mut caller: Caller<'_, ()>, x: i32| -> Result<(), Trap> {
                if x % 2 != 0 {
                    return Err(tag.throw(&mut caller, &[Val::I32(x)]).expect("payload fits"));
                }
                let throw = caller
                    .get_export("throw")
                    .and_then(Extern::into_func)
                    .ok_or_else(|| Trap::msg("no throw export"))?;
                match throw.call(&mut caller, &[Val::I32(x)], &mut []) {
                    Ok(()) => Ok(()),
                    Err(Error::Trap(t)) => Err(t),
                    Err(e) => Err(Trap::msg(e.to_string())),
                }
            },
        )
        .unwrap();
    // tern's own text parser: the `wat` crate lacks the legacy folded `try`.
    // (Called directly, so that this runs without the `wat` feature too.)
    let module = Module::new(&engine, tern_text::parse_wat(CATCHER).unwrap()).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    Setup { store, instance, tag }
}

fn call_i32(s: &mut Setup, name: &str, x: i32) -> Result<i32> {
    let f = s.instance.get_typed_func::<i32, i32>(&mut s.store, name)?;
    f.call(&mut s.store, x)
}

#[test]
fn host_functions_throw_into_wasm_handlers() {
    for engine in engines() {
        let mut s = setup_on(&engine);
        assert_eq!(call_i32(&mut s, "call-new", 7).unwrap(), 1007);
        assert_eq!(call_i32(&mut s, "call-legacy", 9).unwrap(), 2009);
        assert_eq!(call_i32(&mut s, "call-tail", 11).unwrap(), 3011);
        assert_eq!(call_i32(&mut s, "call-tail", 12).unwrap(), 3012);
    }
}

#[test]
fn wasm_exceptions_cross_host_frames() {
    for engine in engines() {
        let mut s = setup_on(&engine);
        // wasm → host → wasm `throw` → (host returns the exception) → caught.
        assert_eq!(call_i32(&mut s, "call-new", 4).unwrap(), 1004);
        assert_eq!(call_i32(&mut s, "call-legacy", 6).unwrap(), 2006);
    }
}

/// Exports `throw` (throws tag `e` with an `i64`, `f64` and `v128`
/// payload), `catch` (calls the imported `callee` in a `try_table` and
/// sums the payload it caught: -1 when nothing was thrown) and
/// `rethrow-caught` (catches with `catch_ref`, rethrows with `throw_ref`).
const TIERS: &str = r#"
(module
  (import "m" "e" (tag $e (param i64 f64 v128)))
  (import "m" "callee" (func $callee (param i64)))
  (func (export "throw") (param i64)
    (throw $e (local.get 0) (f64.const 0.5) (v128.const i64x2 7 9)))
  (func (export "catch") (param i64) (result i64)
    (local $v v128)
    (block $h (result i64 f64 v128)
      (try_table (catch $e $h) (call $callee (local.get 0)))
      (return (i64.const -1)))
    (local.set $v)
    (i64.trunc_f64_s (f64.mul (f64.const 4) ))
    (i64.add (i64x2.extract_lane 1 (local.get $v)))
    (i64.add))
  (func (export "rethrow-caught") (param i64)
    (block $h (result i64 f64 v128 exnref)
      (try_table (catch_ref $e $h) (call $callee (local.get 0)))
      (return))
    (throw_ref))
)
"#;

#[test]
fn exceptions_cross_tiers_with_payload_and_identity() {
    let Ok(engine) = Engine::new(Config::new().tier(Tier::Jit)) else {
        return;
    };
    let bytes = wasm(TIERS);
    let mut store = Store::new(&engine, ());
    let tag = Tag::new(
        &mut store,
        &FuncType::new([ValType::I64, ValType::F64, ValType::V128], []),
    )
    .unwrap();
    // `a` (interpreted) calls `b`'s `throw` (compiled); `b` calls `a`'s.
    let interpreted = Module::interpreted(&engine, &bytes).unwrap();
    let compiled = Module::new(&engine, &bytes).unwrap();
    let placeholder = Func::wrap(&mut store, |_: i64| {});
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.allow_shadowing(true);
    linker.define("m", "e", tag).unwrap();
    linker.define("m", "callee", placeholder).unwrap();
    let first = linker.instantiate(&mut store, &compiled).unwrap();
    let throw_compiled = first.get_func(&mut store, "throw").unwrap();
    linker.define("m", "callee", throw_compiled).unwrap();
    let a = linker.instantiate(&mut store, &interpreted).unwrap();
    let throw_interpreted = a.get_func(&mut store, "throw").unwrap();
    linker.define("m", "callee", throw_interpreted).unwrap();
    let b = linker.instantiate(&mut store, &compiled).unwrap();
    for (who, inst) in [
        ("interpreted catching compiled", a),
        ("compiled catching interpreted", b),
    ] {
        let f = inst.get_typed_func::<i64, i64>(&mut store, "catch").unwrap();
        // 7 (the payload) + 2 (0.5 * 4) + 9 (the v128's lane 1).
        assert_eq!(f.call(&mut store, 7).unwrap(), 18, "{who}");
        let f = inst.get_typed_func::<i64, ()>(&mut store, "rethrow-caught").unwrap();
        let err = f.call(&mut store, 3).unwrap_err();
        let exn = ExnRef::from_trap(&store, err.as_trap().unwrap()).expect("an exception");
        assert_eq!(exn.tag(&store), tag, "{who}");
        assert_eq!(
            exn.payload(&store),
            vec![
                Val::I64(3),
                Val::F64(0.5f64.to_bits()),
                Val::V128(V128(7 | (9u128 << 64)))
            ],
            "{who}"
        );
    }
}

#[test]
fn precompiled_modules_keep_their_handlers() {
    let Ok(engine) = Engine::new(Config::new().tier(Tier::Jit).lazy_compilation(false)) else {
        return;
    };
    let text = r#"
      (module
        (tag $e (param i32))
        (func $thrower (param i32) (throw $e (local.get 0)))
        (func (export "f") (param i32) (result i32)
          (block $h (result i32)
            (try_table (catch $e $h) (call $thrower (local.get 0)))
            (i32.const -1))
          (i32.add (i32.const 100))))
    "#;
    let module = Module::new(&engine, wasm(text)).unwrap();
    let bytes = module.serialize().unwrap();
    // SAFETY: this engine made the artifact just now.
    let module = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let f = i.get_typed_func::<i32, i32>(&mut store, "f").unwrap();
    assert_eq!(f.call(&mut store, 5).unwrap(), 105);
}

#[test]
fn uncaught_exceptions_reach_the_embedder() {
    let mut s = setup();
    for x in [3, 8] {
        let f = s.instance.get_typed_func::<i32, ()>(&mut s.store, "call-bare").unwrap();
        let err = f.call(&mut s.store, x).unwrap_err();
        assert_eq!(err.to_string(), "uncaught exception");
        let trap = err.as_trap().expect("a trap value");
        assert!(trap.exn().is_some());
        assert_eq!(trap.code(), None, "an exception is not a trap code");
        let exn = ExnRef::from_trap(&s.store, trap).expect("this store's exception");
        assert_eq!(exn.tag(&s.store), s.tag);
        assert_eq!(exn.payload(&s.store), vec![Val::I32(x)]);
    }
    // The store is still usable.
    assert_eq!(call_i32(&mut s, "call-new", 5).unwrap(), 1005);
}

#[test]
fn tags_are_store_entities_with_identity() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let text = r#"(module (tag (export "t") (param i32)))"#;
    let module = Module::new(&engine, wasm(text)).unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let a = linker.instantiate(&mut store, &module).unwrap();
    let b = linker.instantiate(&mut store, &module).unwrap();
    let ta = a.get_tag(&mut store, "t").unwrap();
    let tb = b.get_tag(&mut store, "t").unwrap();
    assert_ne!(ta, tb, "each instantiation makes its own tags");
    assert_eq!(ta.ty(&store), i32_tag_type());
    assert_eq!(a.get_tag(&mut store, "t"), Some(ta));
    assert!(Tag::new(&mut store, &FuncType::new([], [ValType::I32])).is_err());
}

#[test]
fn tag_imports_link_by_exact_type() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker: Linker<()> = Linker::new(&engine);
    let t64 = Tag::new(&mut store, &FuncType::new([ValType::I64], [])).unwrap();
    linker.define("m", "t64", t64).unwrap();
    linker
        .define(
            "m",
            "g",
            Global::new(
                &mut store,
                GlobalType {
                    content: ValType::I32,
                    mutable: false,
                },
                Val::I32(0),
            )
            .unwrap(),
        )
        .unwrap();
    let import = |what: &str| {
        Module::new(
            &engine,
            wasm(&format!("(module (import \"m\" \"{what}\" (tag (param i32))))")),
        )
        .unwrap()
    };
    let msg = |r: Result<Instance>| r.unwrap_err().to_string();
    assert!(msg(linker.instantiate(&mut store, &import("t64"))).starts_with("incompatible import type"));
    assert!(msg(linker.instantiate(&mut store, &import("g"))).starts_with("incompatible import type"));
    assert!(msg(linker.instantiate(&mut store, &import("none"))).starts_with("unknown import"));
    let ok = Module::new(&engine, wasm("(module (import \"m\" \"t64\" (tag (param i64))))")).unwrap();
    linker.instantiate(&mut store, &ok).unwrap();
}

#[test]
fn throw_ref_of_null_traps() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        wasm("(module (func (export \"f\") (throw_ref (ref.null exn))))"),
    )
    .unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let i = linker.instantiate(&mut store, &module).unwrap();
    let f = i.get_typed_func::<(), ()>(&mut store, "f").unwrap();
    let err = f.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap().and_then(Trap::code), Some(TrapCode::NullReference));
}

#[test]
fn exnref_values_reach_the_embedder_and_go_back() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let text = r#"
      (module
        (tag $e (export "e") (param i32 i64))
        (func (export "catch") (result exnref)
          (block $h (result exnref)
            (try_table (catch_all_ref $h) (throw $e (i32.const 5) (i64.const 6)))
            (unreachable)))
        (func (export "rethrow") (param exnref) (throw_ref (local.get 0))))
    "#;
    let module = Module::new(&engine, wasm(text)).unwrap();
    let linker: Linker<()> = Linker::new(&engine);
    let i = linker.instantiate(&mut store, &module).unwrap();
    let catch = i.get_func(&mut store, "catch").unwrap();
    let mut out = [Val::ExnRef(None)];
    catch.call(&mut store, &[], &mut out).unwrap();
    let Val::ExnRef(Some(exn)) = out[0] else {
        panic!("expected an exnref, got {:?}", out[0]);
    };
    assert_eq!(exn.tag(&store), i.get_tag(&mut store, "e").unwrap());
    assert_eq!(exn.payload(&store), vec![Val::I32(5), Val::I64(6)]);
    let rethrow = i.get_func(&mut store, "rethrow").unwrap();
    let err = rethrow
        .call(&mut store, &[Val::ExnRef(Some(exn))], &mut [])
        .unwrap_err();
    let trap = err.as_trap().unwrap();
    assert_eq!(ExnRef::from_trap(&store, trap), Some(exn), "the same exception");
    let err = rethrow.call(&mut store, &[Val::ExnRef(None)], &mut []).unwrap_err();
    assert_eq!(err.as_trap().and_then(Trap::code), Some(TrapCode::NullReference));
}
