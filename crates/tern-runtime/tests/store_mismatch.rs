//! A handle used with another store: operations that return a `Result`
//! fail with `Error::Usage("<kind> used with the wrong store")`; accessors
//! that return a plain value panic with the same message (the rule in the
//! crate documentation).

use std::panic::{AssertUnwindSafe, catch_unwind};
use tern::*;

const TEXT: &str = r#"
(module
  (tag (export "tag") (param i32))
  (memory (export "memory") 1)
  (table (export "table") 2 funcref)
  (global (export "global") (mut i32) (i32.const 7))
  (func (export "f") (result i32) i32.const 1))
"#;

struct Setup {
    a: Store<()>,
    b: Store<()>,
    instance: Instance,
    func: Func,
    memory: Memory,
    table: Table,
    global: Global,
    tag: Tag,
}

/// An instance of `TEXT` in store `a`; `b` is another store of the engine
/// (with an instance of its own, so that index 0 exists there too).
fn setup() -> Setup {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(TEXT).unwrap()).unwrap();
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let instance = Instance::new(&mut a, &module, &[]).unwrap();
    Instance::new(&mut b, &module, &[]).unwrap();
    Setup {
        func: instance.get_func(&mut a, "f").unwrap(),
        memory: instance.get_memory(&mut a, "memory").unwrap(),
        table: instance.get_table(&mut a, "table").unwrap(),
        global: instance.get_global(&mut a, "global").unwrap(),
        tag: instance.get_tag(&mut a, "tag").unwrap(),
        a,
        b,
        instance,
    }
}

#[track_caller]
fn is_wrong_store<T: std::fmt::Debug>(r: Result<T>, what: &str) {
    match r {
        Err(Error::Usage(m)) => assert_eq!(m, format!("{what} used with the wrong store")),
        other => panic!("expected a wrong-store error for a {what}, got {other:?}"),
    }
}

#[track_caller]
fn panics_wrong_store<R>(what: &str, f: impl FnOnce() -> R) {
    let payload = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a wrong-store panic for a {what}"),
        Err(p) => p,
    };
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert_eq!(msg, format!("{what} used with the wrong store"));
}

#[test]
fn fallible_operations_return_an_error() {
    let mut s = setup();
    let b = &mut s.b;
    is_wrong_store(s.func.call(&mut *b, &[], &mut [Val::I32(0)]), "function");
    is_wrong_store(s.func.typed::<(), i32>(&*b).map(|_| ()), "function");
    let typed = s.func.typed::<(), i32>(&s.a).unwrap();
    is_wrong_store(typed.call(&mut *b, ()), "function");
    is_wrong_store(
        s.instance.get_typed_func::<(), i32>(&mut *b, "f").map(|_| ()),
        "instance",
    );

    is_wrong_store(s.memory.grow(&mut *b, 1), "memory");
    is_wrong_store(s.memory.read(&*b, 0, &mut [0; 4]), "memory");
    is_wrong_store(s.memory.write(&mut *b, 0, &[1; 4]), "memory");
    is_wrong_store(s.table.set(&mut *b, 0, Val::FuncRef(None)), "table");
    is_wrong_store(s.table.grow(&mut *b, 1, Val::FuncRef(None)), "table");
    is_wrong_store(s.global.set(&mut *b, Val::I32(1)), "global");
    is_wrong_store(s.tag.throw(&mut *b, &[Val::I32(1)]), "tag");

    let r = ExternRef::new(&mut s.a, 5u32);
    is_wrong_store(r.data(&*b).map(|_| ()), "externref");

    let mut linker = Linker::new(b.engine());
    is_wrong_store(linker.instance(&mut *b, "m", s.instance).map(|_| ()), "instance");

    // Nothing in either store changed.
    assert_eq!(s.global.get(&s.a), Val::I32(7));
    assert_eq!(s.memory.size(&s.a), 1);
    assert_eq!(s.table.size(&s.a), 2);
    assert_eq!(s.memory.data(&s.a)[..4], [0; 4]);
}

#[test]
fn accessors_panic() {
    let s = setup();
    let b = &s.b;
    panics_wrong_store("function", || s.func.ty(b));
    panics_wrong_store("memory", || s.memory.ty(b));
    panics_wrong_store("memory", || s.memory.size(b));
    panics_wrong_store("memory", || s.memory.data_size(b));
    panics_wrong_store("memory", || s.memory.data(b).len());
    panics_wrong_store("table", || s.table.ty(b));
    panics_wrong_store("table", || s.table.size(b));
    panics_wrong_store("table", || s.table.get(b, 0));
    panics_wrong_store("global", || s.global.ty(b));
    panics_wrong_store("global", || s.global.get(b));
    panics_wrong_store("tag", || s.tag.ty(b));
}

#[test]
fn accessors_with_exclusive_access_panic() {
    let mut s = setup();
    let instance = s.instance;
    let memory = s.memory;
    panics_wrong_store("memory", || memory.data_mut(&mut s.b).len());
    panics_wrong_store("instance", || instance.get_export(&mut s.b, "f"));
    panics_wrong_store("instance", || instance.get_func(&mut s.b, "f"));
    panics_wrong_store("instance", || instance.exports(&mut s.b).len());
}

#[test]
fn exception_references_check_their_store() {
    let mut s = setup();
    let trap = s.tag.throw(&mut s.a, &[Val::I32(3)]).unwrap();
    let exn = ExnRef::from_trap(&s.a, &trap).unwrap();
    assert_eq!(exn.payload(&s.a), [Val::I32(3)]);
    panics_wrong_store("exnref", || exn.payload(&s.b));
    panics_wrong_store("exnref", || exn.tag(&s.b));
}
