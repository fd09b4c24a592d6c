//! GC modules validate (the `gc` feature is on in `Features::wasm3()`),
//! but neither tier runs them yet: the runtime refuses them when the
//! module is built, with one clear error, whatever part of GC they use
//! (types, abstract heap types, instructions) and on every tier. Modules of
//! typed function references keep running as before.

use tern::*;

/// Every configuration a module can be built in: the interpreter (lazy
/// and eager translation) and, when built in, the compiler tier (lazy and
/// eager compilation).
fn configs() -> Vec<Config> {
    let mut out = vec![
        Config::new().tier(Tier::Interp).clone(),
        Config::new()
            .tier(Tier::Interp)
            .interp_translation(InterpTranslation::Eager)
            .clone(),
    ];
    if Engine::new(Config::new().tier(Tier::Jit)).is_ok() {
        out.push(Config::new().tier(Tier::Jit).lazy_compilation(true).clone());
        out.push(Config::new().tier(Tier::Jit).lazy_compilation(false).clone());
    }
    out
}

const REFUSAL: &str = "unsupported: gc (struct/array types and GC instructions)";

fn assert_refused(wat: &str) {
    let bytes = wat::parse_str(wat).unwrap();
    // The module is valid: GC is part of Wasm 3.0.
    tern_validate::validate(&bytes, &tern_validate::Features::wasm3()).unwrap();
    for config in configs() {
        let engine = Engine::new(&config).unwrap();
        let e = Module::new(&engine, &bytes).unwrap_err();
        assert!(e.to_string().contains(REFUSAL), "{config:?}: {e}");
    }
}

#[test]
fn struct_and_array_types_are_refused_on_every_tier() {
    assert_refused(
        r#"(module
            (type $s (struct (field i32) (field (mut i64))))
            (type $a (array (mut i8)))
            (func (export "f") (result i32) i32.const 1))"#,
    );
}

#[test]
fn gc_instructions_in_a_body_are_refused_on_every_tier() {
    // No GC type anywhere: only the body uses GC.
    assert_refused(
        r#"(module
            (func (export "f") (result i32)
                (i31.get_s (ref.i31 (i32.const 5)))))"#,
    );
    assert_refused(
        r#"(module
            (func (export "f") (param externref) (result i32)
                (ref.test (ref any) (any.convert_extern (local.get 0)))))"#,
    );
}

#[test]
fn gc_heap_types_and_recursion_groups_are_refused_on_every_tier() {
    assert_refused(r#"(module (global (export "g") anyref (ref.null none)))"#);
    // Function types only, but in a recursion group: iso-recursive
    // equivalence, which cross-module signature matching does not do yet.
    assert_refused(
        r#"(module
            (rec (type $a (func)) (type $b (func)))
            (func (export "f") (type $b)))"#,
    );
    // A declared subtype of a function type.
    assert_refused(
        r#"(module
            (type $a (sub (func)))
            (type $b (sub $a (func)))
            (func (export "f") (type $b)))"#,
    );
}

#[test]
fn gc_constant_expressions_are_refused_on_every_tier() {
    assert_refused(r#"(module (global (export "g") i31ref (ref.i31 (i32.const 1))))"#);
}

#[test]
fn without_the_gc_feature_gc_modules_are_invalid() {
    let bytes = wat::parse_str(r#"(module (type (struct)))"#).unwrap();
    let mut config = Config::new();
    config.features(tern_validate::Features::wasm3().with(tern_validate::Feature::Gc, false));
    let engine = Engine::new(&config).unwrap();
    let e = Module::new(&engine, &bytes).unwrap_err();
    assert!(e.to_string().contains("gc support is not enabled"), "{e}");
}

#[test]
fn typed_function_references_still_run_on_every_tier() {
    let bytes = wat::parse_str(
        r#"(module
            (type $t (func (result i32)))
            (func $g (type $t) i32.const 7)
            (elem declare func $g)
            (table 1 (ref null $t))
            (func (export "f") (result i32)
                (table.set (i32.const 0) (ref.func $g))
                (i32.add
                    (call_ref $t (ref.func $g))
                    (call_indirect (type $t) (i32.const 0)))))"#,
    )
    .unwrap();
    for config in configs() {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), 14, "{config:?}");
    }
}
