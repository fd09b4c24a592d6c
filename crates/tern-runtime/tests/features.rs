//! What the Cargo features change: without `cranelift` the engine only
//! interprets and refuses what needs compiled code, with a reason; without
//! `wat` text is refused, with a reason. These tests run in every
//! configuration (`interp_only_build.rs` runs them without the defaults).

use tern::*;

fn seven() -> Vec<u8> {
    wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 7))"#).unwrap()
}

fn call_f(engine: &Engine, bytes: &[u8]) -> i32 {
    let module = Module::new(engine, bytes).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
    f.call(&mut store, ()).unwrap()
}

#[test]
fn the_default_engine_runs_binary_modules() {
    let engine = Engine::default();
    if !cfg!(feature = "cranelift") {
        assert_eq!(engine.tier(), Tier::Interp);
    }
    assert_eq!(call_f(&engine, &seven()), 7);
}

#[cfg(not(feature = "cranelift"))]
#[test]
fn the_compiler_tier_is_refused_with_the_feature_to_enable() {
    let e = Engine::new(Config::new().tier(Tier::Jit)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the compiler tier is not built into this tern; enable the `cranelift` feature"
    );
    let engine = Engine::new(Config::new().tier(Tier::Interp)).unwrap();
    assert_eq!(call_f(&engine, &seven()), 7);
}

#[cfg(not(feature = "cranelift"))]
#[test]
fn artifacts_are_neither_written_nor_loaded() {
    let engine = Engine::default();
    let module = Module::new(&engine, seven()).unwrap();
    let e = module.serialize().unwrap_err();
    assert!(e.to_string().contains("enable the `cranelift` feature"), "{e}");

    // The header of an artifact: recognized, refused by `Module::new`,
    // and refused by `Module::deserialize` because nothing here runs it.
    let mut artifact = b"\0terncw\x01".to_vec();
    artifact.extend_from_slice(&[0; 32]);
    assert!(Module::is_precompiled(&artifact));
    let e = Module::new(&engine, &artifact).unwrap_err();
    assert!(e.to_string().contains("precompiled artifact"), "{e}");
    // SAFETY: refused before anything is loaded.
    let e = unsafe { Module::deserialize(&engine, &artifact) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot load a precompiled artifact (native code): the compiler tier is not built into this tern; \
         enable the `cranelift` feature"
    );
    // SAFETY: as above.
    let e = unsafe { Module::deserialize(&engine, &seven()) }.unwrap_err();
    assert!(e.to_string().starts_with("not a precompiled artifact"), "{e}");
    assert!(!Module::is_precompiled(&seven()));
}

#[cfg(feature = "cranelift")]
#[test]
fn artifacts_are_recognized_by_their_header() {
    let Ok(engine) = Engine::new(Config::new().tier(Tier::Jit)) else {
        println!("skipping: the compiler tier is not available on this host");
        return;
    };
    let module = Module::new(&engine, seven()).unwrap();
    let artifact = module.serialize().unwrap();
    assert!(Module::is_precompiled(&artifact));
    assert!(!Module::is_precompiled(&seven()));
}

#[cfg(not(feature = "wat"))]
#[test]
fn text_is_refused_with_the_feature_to_enable() {
    let engine = Engine::default();
    let e = Module::new(&engine, r#"(module (func (export "f") (result i32) i32.const 7))"#).unwrap_err();
    assert!(matches!(e, Error::Text(_)), "{e:?}");
    assert!(e.to_string().contains("without the `wat` feature"), "{e}");
}

#[cfg(feature = "wat")]
#[test]
fn text_is_accepted() {
    let engine = Engine::default();
    assert_eq!(
        call_f(&engine, br#"(module (func (export "f") (result i32) i32.const 7))"#),
        7
    );
}
