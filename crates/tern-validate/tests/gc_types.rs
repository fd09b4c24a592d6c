//! GC's type system in the validator: iso-recursive canonicalization of
//! recursion groups, declared subtypes and the subtyping they give.

use tern_binary::HeapType;
use tern_validate::{Feature, Features, ModuleInfo, validate_module};

/// Wasm 3.0 with GC.
fn gc() -> Features {
    Features::wasm3().with(Feature::Gc, true)
}

fn info(wat: &str) -> ModuleInfo {
    let bytes = tern_text::parse_wat(wat).unwrap();
    let m = tern_binary::decode(&bytes).unwrap();
    validate_module(&m, &gc()).unwrap()
}

fn invalid(wat: &str) -> String {
    let bytes = tern_text::parse_wat(wat).unwrap();
    let m = tern_binary::decode(&bytes).unwrap();
    validate_module(&m, &gc()).unwrap_err().message().to_string()
}

#[test]
fn equal_recursion_groups_give_equal_types() {
    let i = info(
        "(module
            (rec (type $a (func)) (type $b (struct (field i32))))
            (rec (type $c (func)) (type $d (struct (field i32)))))",
    );
    assert!(i.same_type(0, 2));
    assert!(i.same_type(1, 3));
    // Different positions in equal groups are different types.
    assert!(!i.same_type(0, 3));
    assert_eq!(&i.type_canon[..], &[0, 1, 0, 1]);
}

#[test]
fn groups_differing_in_order_or_size_give_different_types() {
    let i = info(
        "(module
            (rec (type (func)) (type (func)))
            (rec (type (func)))
            (type (func))
            (rec (type (struct)) (type (func))))",
    );
    // Within a group of two function types, both differ from a lone one.
    assert!(!i.same_type(0, 1));
    assert!(!i.same_type(0, 2));
    // A singleton `rec` is the same type as a bare definition.
    assert!(i.same_type(2, 3));
    // `(func)` at position 1 of a group whose other member differs.
    assert!(!i.same_type(1, 5));
}

#[test]
fn forward_references_inside_a_group_compare_by_position() {
    let i = info(
        "(module
            (rec
                (type $a (struct (field (ref null $b))))
                (type $b (struct (field (ref null $a)))))
            (rec
                (type $c (struct (field (ref null $d))))
                (type $d (struct (field (ref null $c)))))
            (rec
                (type $e (struct (field (ref null $e))))
                (type $f (struct (field (ref null $e))))))",
    );
    assert!(i.same_type(0, 2));
    assert!(i.same_type(1, 3));
    // The third group's first type refers to itself, not to its sibling.
    assert!(!i.same_type(0, 4));
    assert!(!i.same_type(1, 5));
    // A reference to a later group is not allowed.
    let e = invalid(
        "(module
            (type $a (struct (field (ref $b))))
            (type $b (struct)))",
    );
    assert!(e.contains("unknown type"), "{e}");
}

#[test]
fn references_to_equivalent_earlier_types_make_equal_types() {
    let i = info(
        "(module
            (type $x (struct))
            (type $y (struct))
            (type $p (func (param (ref $x))))
            (type $q (func (param (ref $y)))))",
    );
    assert!(i.same_type(0, 1));
    assert!(i.same_type(2, 3));
}

#[test]
fn subtyping_follows_declared_supertype_chains() {
    let i = info(
        "(module
            (type $a (sub (struct)))
            (type $b (sub $a (struct (field i32))))
            (type $c (sub $b (struct (field i32) (field i64))))
            (type $d (sub (struct (field i32))))
            (type $f (sub (func)))
            (type $g (sub $f (func))))",
    );
    let c = HeapType::Concrete;
    assert!(i.heap_sub(c(2), c(0)));
    assert!(i.heap_sub(c(2), c(1)));
    assert!(!i.heap_sub(c(0), c(2)));
    // Structurally a supertype, but not declared as one.
    assert!(!i.heap_sub(c(2), c(3)));
    for top in [HeapType::Struct, HeapType::Eq, HeapType::Any] {
        assert!(i.heap_sub(c(2), top));
    }
    assert!(!i.heap_sub(c(2), HeapType::Func));
    assert!(!i.heap_sub(c(2), HeapType::Array));
    assert!(i.heap_sub(HeapType::None, c(2)));
    assert!(!i.heap_sub(HeapType::NoFunc, c(2)));
    assert!(i.heap_sub(c(5), c(4)));
    assert!(i.heap_sub(c(5), HeapType::Func));
    assert!(i.heap_sub(HeapType::NoFunc, c(5)));
    assert!(i.heap_sub(HeapType::I31, HeapType::Eq));
    assert!(!i.heap_sub(HeapType::Eq, HeapType::I31));
    assert!(i.heap_sub(HeapType::NoExtern, HeapType::Extern));
    assert!(!i.heap_sub(HeapType::Extern, HeapType::Any));
}

#[test]
fn declared_subtypes_must_match_a_non_final_supertype() {
    let e = invalid("(module (type $a (struct)) (type (sub $a (struct))))");
    assert!(e.starts_with("sub type"), "a final supertype: {e}");
    let e = invalid("(module (type $a (sub (struct (field i32)))) (type (sub $a (struct (field i64)))))");
    assert!(e.starts_with("sub type"), "a field of another type: {e}");
    let e = invalid("(module (type $a (sub (struct (field (mut i32))))) (type (sub $a (struct (field i32)))))");
    assert!(e.starts_with("sub type"), "mutability differs: {e}");
    let e = invalid("(module (type $a (sub (func (param i32)))) (type (sub $a (struct))))");
    assert!(e.starts_with("sub type"), "another kind of type: {e}");
    // Immutable fields are covariant, function parameters contravariant.
    info(
        "(module
            (type $a (sub (struct (field anyref))))
            (type (sub $a (struct (field eqref) (field i32))))
            (type $f (sub (func (param eqref) (result anyref))))
            (type (sub $f (func (param anyref) (result eqref)))))",
    );
}

#[test]
fn gc_needs_its_feature() {
    let no_gc = Features::wasm3().with(Feature::Gc, false);
    for wat in [
        "(module (type (struct)))",
        "(module (rec (type (func)) (type (func))))",
        "(module (type (sub (func))))",
        "(module (global anyref (ref.null any)))",
        "(module (func (drop (ref.i31 (i32.const 0)))))",
    ] {
        let bytes = tern_text::parse_wat(wat).unwrap();
        tern_validate::validate(&bytes, &gc()).unwrap();
        let e = tern_validate::validate(&bytes, &no_gc).unwrap_err();
        assert_eq!(e.message(), "gc support is not enabled", "{wat}");
    }
}

#[test]
fn a_struct_type_is_not_a_function_type() {
    let e = invalid("(module (type $s (struct)) (func (type $s)))");
    assert!(e.contains("not a function type"), "{e}");
}
