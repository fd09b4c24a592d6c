//! Where GC modules run: on the interpreter (lazy and eager translation),
//! with `Tier::Auto` and on the compiler tier (lazy and eager
//! compilation), whatever part of GC they use (types, abstract heap types,
//! instructions). On targets where the collector cannot scan compiled
//! frames the compiler tier refuses them when the module is built, with
//! one clear error. Modules of typed function references run on every
//! tier.

use tern::*;

/// Every configuration a module can be built in: the interpreter (lazy
/// and eager translation), `Auto` and, when built in, the compiler tier
/// (lazy and eager compilation). The flag says whether GC runs there.
fn configs() -> Vec<(Config, bool)> {
    let mut out = vec![
        (Config::new().tier(Tier::Interp).clone(), true),
        (
            Config::new()
                .tier(Tier::Interp)
                .interp_translation(InterpTranslation::Eager)
                .clone(),
            true,
        ),
        (Config::new().tier(Tier::Auto).clone(), true),
    ];
    if Engine::new(Config::new().tier(Tier::Jit)).is_ok() {
        let runs = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));
        out.push((Config::new().tier(Tier::Jit).lazy_compilation(true).clone(), runs));
        out.push((Config::new().tier(Tier::Jit).lazy_compilation(false).clone(), runs));
    }
    out
}

const REFUSAL: &str = "unsupported: gc on the compiler tier";

/// Builds `wat` everywhere; where GC runs, calls its export `f` (no
/// parameters, one i32 result) when it has one and checks it returns
/// `expect`.
fn assert_runs(wat: &str, expect: Option<i32>) {
    let bytes = wat::parse_str(wat).unwrap();
    tern_validate::validate(&bytes, &tern_validate::Features::wasm3()).unwrap();
    for (config, runs) in configs() {
        let engine = Engine::new(&config).unwrap();
        match Module::new(&engine, &bytes) {
            Ok(module) if runs => {
                let mut store = Store::new(&engine, ());
                let instance = Instance::new(&mut store, &module, &[]).unwrap();
                if let Some(want) = expect {
                    let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
                    assert_eq!(f.call(&mut store, ()).unwrap(), want, "{config:?}");
                }
            }
            Ok(_) => panic!("{config:?}: the compiler tier built a GC module"),
            Err(e) => {
                assert!(!runs, "{config:?}: {e}");
                assert!(e.to_string().contains(REFUSAL), "{config:?}: {e}");
            }
        }
    }
}

#[test]
fn struct_and_array_types() {
    assert_runs(
        r#"(module
            (type $s (struct (field i32) (field (mut i64))))
            (type $a (array (mut i8)))
            (func (export "f") (result i32)
                (i32.add
                    (struct.get $s 0 (struct.new $s (i32.const 40) (i64.const 0)))
                    (array.len (array.new_default $a (i32.const 2))))))"#,
        Some(42),
    );
}

#[test]
fn gc_instructions_in_a_body() {
    // No GC type anywhere: only the body uses GC.
    assert_runs(
        r#"(module
            (func (export "f") (result i32)
                (i31.get_s (ref.i31 (i32.const -5)))))"#,
        Some(-5),
    );
    assert_runs(
        r#"(module
            (func (export "g") (param externref) (result i32)
                (ref.test (ref any) (any.convert_extern (local.get 0)))))"#,
        None,
    );
}

#[test]
fn gc_heap_types_and_recursion_groups() {
    assert_runs(r#"(module (global (export "g") anyref (ref.null none)))"#, None);
    // Function types only, but in a recursion group.
    assert_runs(
        r#"(module
            (rec (type $a (func (result i32))) (type $b (func (result i32))))
            (func (export "f") (type $b) i32.const 3))"#,
        Some(3),
    );
    // A declared subtype of a function type, called through its supertype.
    assert_runs(
        r#"(module
            (type $a (sub (func (result i32))))
            (type $b (sub $a (func (result i32))))
            (func $g (type $b) i32.const 9)
            (table 1 funcref)
            (elem (i32.const 0) $g)
            (func (export "f") (result i32) (call_indirect (type $a) (i32.const 0))))"#,
        Some(9),
    );
}

#[test]
fn gc_constant_expressions() {
    assert_runs(
        r#"(module
            (type $s (struct (field i32)))
            (global $g (ref $s) (struct.new $s (i32.const 6)))
            (global $i i31ref (ref.i31 (i32.const 1)))
            (func (export "f") (result i32)
                (i32.add (struct.get $s 0 (global.get $g)) (i31.get_u (global.get $i)))))"#,
        Some(7),
    );
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
    for (config, _) in configs() {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), 14, "{config:?}");
    }
}

#[test]
fn immutable_global_imports_take_declared_subtypes() {
    let types = r#"(type $super (sub (struct (field i32))))
                   (type $sub (sub $super (struct (field i32) (field i64))))
                   (type $other (struct (field f32)))"#;
    let exporter = format!(
        r#"(module {types}
             (global (export "g") (ref $sub) (struct.new $sub (i32.const 5) (i64.const 6))))"#
    );
    for (config, runs) in configs() {
        if !runs {
            continue;
        }
        let engine = Engine::new(&config).unwrap();
        let mut store = Store::new(&engine, ());
        let a = Module::new(&engine, wat::parse_str(&exporter).unwrap()).unwrap();
        let a = Instance::new(&mut store, &a, &[]).unwrap();
        let g = a.get_global(&mut store, "g").unwrap();
        for (ty, ok) in [
            ("(ref $sub)", true),
            ("(ref null $super)", true),
            ("(ref $super)", true),
            ("structref", true),
            ("eqref", true),
            ("(ref any)", true),
            ("(ref $other)", false),
            ("arrayref", false),
            ("funcref", false),
        ] {
            let importer = format!(
                r#"(module {types} (import "a" "g" (global {ty}))
                     (func (export "f") (result i32) (i32.const 1)))"#
            );
            let b = Module::new(&engine, wat::parse_str(&importer).unwrap()).unwrap();
            let r = Instance::new(&mut store, &b, &[g.into()]);
            assert_eq!(r.is_ok(), ok, "{ty} ({config:?}): {:?}", r.err());
        }
    }
}
