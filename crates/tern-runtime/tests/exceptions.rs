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
    let engine = Engine::default();
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
    let mut s = setup();
    assert_eq!(call_i32(&mut s, "call-new", 7).unwrap(), 1007);
    assert_eq!(call_i32(&mut s, "call-legacy", 9).unwrap(), 2009);
    assert_eq!(call_i32(&mut s, "call-tail", 11).unwrap(), 3011);
    assert_eq!(call_i32(&mut s, "call-tail", 12).unwrap(), 3012);
}

#[test]
fn wasm_exceptions_cross_host_frames() {
    let mut s = setup();
    // wasm → host → wasm `throw` → (host returns the exception) → caught.
    assert_eq!(call_i32(&mut s, "call-new", 4).unwrap(), 1004);
    assert_eq!(call_i32(&mut s, "call-legacy", 6).unwrap(), 2006);
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
