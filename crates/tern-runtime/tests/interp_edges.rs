//! Edge cases of the interpreter's translation: operands read in place
//! from locals (`local.get` emits no copy) must keep their value when the
//! local is overwritten, on every path into a label; results retargeted
//! into locals; multi-value returns from swapped locals.

use tern::*;

fn instance(text: &str) -> (Store<()>, Instance) {
    for mode in [InterpTranslation::Lazy, InterpTranslation::Eager] {
        let mut config = Config::new();
        config.interp_translation(mode);
        let engine = Engine::new(&config).unwrap();
        Module::new(&engine, wat::parse_str(text).unwrap()).unwrap();
    }
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(text).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &module, &[]).unwrap();
    (store, inst)
}

fn call_i32(store: &mut Store<()>, inst: Instance, name: &str, args: &[i32]) -> Vec<i32> {
    let f = inst.get_func(&mut *store, name).unwrap();
    let ty = f.ty(&*store);
    let params: Vec<Val> = args.iter().map(|&x| Val::I32(x)).collect();
    let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
    f.call(&mut *store, &params, &mut results).unwrap();
    results.iter().map(|v| v.i32().unwrap()).collect()
}

#[test]
fn pending_local_survives_overwrite() {
    let (mut s, i) = instance(
        r#"(module
          (func (export "f") (param i32 i32) (result i32)
            (local.get 0)                       ;; old value of 0
            (local.set 0 (local.get 1))
            (local.get 0)
            (i32.sub)))"#,
    );
    assert_eq!(call_i32(&mut s, i, "f", &[10, 3]), [7]);
}

#[test]
fn pending_local_across_a_block_with_a_branch_around_the_write() {
    let (mut s, i) = instance(
        r#"(module
          (func (export "f") (param i32 i32) (result i32)
            (local.get 0)
            (block
              (br_if 0 (local.get 1))
              (local.set 0 (i32.const 5)))
            (local.get 0)
            (i32.mul)))"#,
    );
    // Branch taken: local 0 unchanged.
    assert_eq!(call_i32(&mut s, i, "f", &[3, 1]), [9]);
    // Not taken: old 3 times new 5.
    assert_eq!(call_i32(&mut s, i, "f", &[3, 0]), [15]);
}

#[test]
fn pending_local_across_if_else() {
    let (mut s, i) = instance(
        r#"(module
          (func (export "f") (param i32 i32) (result i32)
            (local.get 0)
            (if (local.get 1)
              (then (local.set 0 (i32.const 100)))
              (else (local.set 0 (i32.const 200))))
            (local.get 0)
            (i32.add)))"#,
    );
    assert_eq!(call_i32(&mut s, i, "f", &[1, 1]), [101]);
    assert_eq!(call_i32(&mut s, i, "f", &[1, 0]), [201]);
}

#[test]
fn tee_retarget_then_overwrite() {
    let (mut s, i) = instance(
        r#"(module
          (func (export "f") (param i32) (result i32) (local i32)
            (local.tee 1 (i32.add (local.get 0) (i32.const 7)))
            (local.set 1 (i32.const 9))
            (local.get 1)
            (i32.sub)))"#,
    );
    assert_eq!(call_i32(&mut s, i, "f", &[1]), [8 - 9]);
}

#[test]
fn swapped_multi_value_return() {
    let (mut s, i) = instance(
        r#"(module
          (func (export "swap") (param i32 i32) (result i32 i32)
            (local.get 1) (local.get 0))
          (func (export "swap_early") (param i32 i32) (result i32 i32)
            (local.get 1) (local.get 0) (return))
          (func (export "br_if_return") (param i32 i32 i32) (result i32 i32)
            (local.get 1) (local.get 0) (br_if 0 (local.get 2))
            (drop) (drop) (local.get 0) (local.get 0)))"#,
    );
    assert_eq!(call_i32(&mut s, i, "swap", &[1, 2]), [2, 1]);
    assert_eq!(call_i32(&mut s, i, "swap_early", &[1, 2]), [2, 1]);
    assert_eq!(call_i32(&mut s, i, "br_if_return", &[1, 2, 1]), [2, 1]);
    assert_eq!(call_i32(&mut s, i, "br_if_return", &[1, 2, 0]), [1, 1]);
}

#[test]
fn branch_values_from_locals() {
    let (mut s, i) = instance(
        r#"(module
          (func (export "table") (param i32 i32 i32) (result i32 i32)
            (block $a (result i32 i32)
              (block $b (result i32 i32)
                (local.get 1) (local.get 0)
                (br_table $a $b $a (local.get 2)))
              (i32.add)
              (i32.const -1)))
          (func (export "loop") (param i32) (result i32) (local i32)
            (local.get 0)
            (loop $l (param i32) (result i32)
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (i32.sub (i32.const 1))
              (local.tee 0)
              (local.get 0)
              (br_if $l))
            (drop)
            (local.get 1)))"#,
    );
    assert_eq!(call_i32(&mut s, i, "table", &[1, 2, 0]), [2, 1]);
    assert_eq!(call_i32(&mut s, i, "table", &[1, 2, 1]), [3, -1]);
    assert_eq!(call_i32(&mut s, i, "table", &[1, 2, 7]), [2, 1]);
    assert_eq!(call_i32(&mut s, i, "loop", &[5]), [5]);
}

#[test]
fn select_and_calls_with_local_operands() {
    let (mut s, i) = instance(
        r#"(module
          (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
          (func (export "sel") (param i32 i32 i32) (result i32)
            (select (local.get 0) (local.get 1) (local.get 2))
            (local.get 0) (i32.add))
          (func (export "call") (param i32 i32) (result i32)
            (call $sub (local.get 1) (local.get 0)))
          (func (export "set_from_call") (param i32 i32) (result i32)
            (local.get 0)
            (local.set 0 (call $sub (local.get 0) (local.get 1)))
            (local.get 0) (i32.add)))"#,
    );
    assert_eq!(call_i32(&mut s, i, "sel", &[5, 7, 1]), [10]);
    assert_eq!(call_i32(&mut s, i, "sel", &[5, 7, 0]), [12]);
    assert_eq!(call_i32(&mut s, i, "call", &[5, 7]), [2]);
    assert_eq!(call_i32(&mut s, i, "set_from_call", &[5, 7]), [3]);
}

#[test]
fn v128_locals_in_place() {
    let (mut s, i) = instance(
        r#"(module
          (func (export "f") (param i32) (result i32) (local v128 v128)
            (local.set 1 (i32x4.splat (local.get 0)))
            (local.get 1)
            (local.set 1 (v128.const i32x4 1 2 3 4))
            (local.get 1)
            (i32x4.add)
            (local.tee 2)
            (i32x4.extract_lane 3)
            (i32x4.extract_lane 0 (local.get 2))
            (i32.mul)))"#,
    );
    assert_eq!(call_i32(&mut s, i, "f", &[10]), [(10 + 4) * (10 + 1)]);
}
