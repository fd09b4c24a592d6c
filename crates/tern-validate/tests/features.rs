//! Each post-MVP feature can be switched off, and a module that uses a
//! switched-off feature is rejected with a message naming it.

use tern_validate::{Feature, Features, validate};

fn check(feature: Feature, wat: &str) {
    let bytes = wat::parse_str(wat).unwrap();
    validate(&bytes, &Features::all()).unwrap_or_else(|e| panic!("{} module should be valid: {e}", feature.name()));
    let off = Features::all().with(feature, false);
    let off = if feature == Feature::Exceptions {
        off.with(Feature::LegacyExceptions, false)
    } else {
        off
    };
    let err = validate(&bytes, &off).expect_err("module using a switched-off feature must be rejected");
    assert!(
        err.message().contains(feature.name()),
        "error for switched-off `{}` should name it, got: {err}",
        feature.name()
    );
}

#[test]
fn every_feature_switch_is_named_in_its_error() {
    check(
        Feature::MutableGlobal,
        r#"(module (import "m" "g" (global (mut i32))))"#,
    );
    check(
        Feature::MutableGlobal,
        r#"(module (global (export "g") (mut i32) (i32.const 0)))"#,
    );
    check(
        Feature::SignExtension,
        "(module (func (param i32) (result i32) local.get 0 i32.extend8_s))",
    );
    check(
        Feature::SaturatingFloatToInt,
        "(module (func (param f32) (result i32) local.get 0 i32.trunc_sat_f32_s))",
    );
    check(
        Feature::MultiValue,
        "(module (func (result i32 i32) i32.const 0 i32.const 1))",
    );
    check(
        Feature::MultiValue,
        "(module (func (param i32) (result i32) local.get 0 (block (param i32) (result i32))))",
    );
    check(
        Feature::BulkMemory,
        "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))",
    );
    check(Feature::BulkMemory, r#"(module (memory 1) (data "x"))"#);
    check(Feature::ReferenceTypes, "(module (func (param externref)))");
    check(
        Feature::ReferenceTypes,
        "(module (table 1 funcref) (func (drop (table.size 0))))",
    );
    check(Feature::Simd, "(module (func (result v128) v128.const i64x2 0 0))");
    check(Feature::Simd, "(module (global v128 (v128.const i64x2 0 0)))");
    check(Feature::Exceptions, "(module (tag) (func (throw 0)))");
    check(Feature::Exceptions, "(module (func (block (try_table (catch_all 0)))))");
    check(Feature::Exceptions, "(module (func (param exnref)))");
    check(Feature::LegacyExceptions, "(module (tag) (func try catch 0 end))");
    check(Feature::TailCall, "(module (func return_call 0))");
    check(Feature::MultiMemory, "(module (memory 1) (memory 1))");
    check(
        Feature::MultiMemory,
        "(module (memory 0) (memory $m 1) (func (drop (i32.load $m (i32.const 0)))))",
    );
    check(Feature::ReferenceTypes, "(module (table 1 funcref) (table 1 funcref))");
    check(
        Feature::TailCall,
        "(module (type (func)) (table 1 funcref) (func (return_call_indirect (type 0) (i32.const 0))))",
    );
}

#[test]
fn mvp_rejects_every_2_0_module_feature() {
    let bytes = wat::parse_str("(module (func (result i32 i32) i32.const 0 i32.const 1))").unwrap();
    assert!(validate(&bytes, &Features::mvp()).is_err());
    assert!(validate(&bytes, &Features::wasm2()).is_ok());
    let bytes = wat::parse_str("(module (func return_call 0))").unwrap();
    let err = validate(&bytes, &Features::wasm2()).unwrap_err();
    assert!(err.message().contains("tail-call"), "{err}");
}

#[test]
fn feature_names_round_trip() {
    for &f in Feature::ALL {
        assert_eq!(Feature::from_name(f.name()), Some(f));
    }
    let all = Features::all();
    for &f in Feature::ALL {
        assert_eq!(all.enabled(f), f.implemented(), "{}", f.name());
    }
}

#[test]
fn legacy_exceptions_alone_allow_throw_but_not_try_table() {
    let legacy_only = Features::all().with(Feature::Exceptions, false);
    let throw = wat::parse_str("(module (tag) (func (throw 0)))").unwrap();
    validate(&throw, &legacy_only).expect("throw belongs to both instruction sets");
    let try_table = wat::parse_str("(module (func (block (try_table (catch_all 0)))))").unwrap();
    let err = validate(&try_table, &legacy_only).unwrap_err();
    assert!(err.message().contains("exceptions"), "{err}");
}
