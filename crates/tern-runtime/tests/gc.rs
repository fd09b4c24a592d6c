//! Wasm GC on both tiers: the collector frees garbage (cycles included)
//! and keeps every object a frame (interpreted or compiled), global, table
//! or host reference can reach, also when it collects before every
//! allocation.

use tern::{Config, Engine, Func, FuncType, Instance, Module, Store, Tier, Val, ValType};

const CHURN: &str = r#"
(module
  (type $node (struct (field $v (mut i64)) (field $next (mut (ref null $node)))))
  (type $bytes (array (mut i8)))
  (import "host" "check" (func $check (param anyref) (result i32)))
  (global $keep (mut (ref null $node)) (ref.null $node))
  ;; Builds `n` two-node cycles and a byte array per iteration, keeps every
  ;; 100th node in a list reachable from a global, and sums what the list
  ;; holds at the end. A host call in the loop sees a live node.
  (func (export "churn") (param $n i32) (result i64)
    (local $i i32) (local $a (ref null $node)) (local $b (ref null $node))
    (local $arr (ref null $bytes)) (local $sum i64) (local $p (ref null $node))
    (loop $l
      (local.set $a (struct.new $node (i64.extend_i32_u (local.get $i)) (ref.null $node)))
      (local.set $b (struct.new $node (i64.const 1) (local.get $a)))
      (struct.set $node $next (local.get $a) (local.get $b))
      (local.set $arr (array.new $bytes (i32.const 7) (i32.const 64)))
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 100)))
        (then
          (global.set $keep (struct.new $node (i64.extend_i32_u (local.get $i)) (global.get $keep)))
          (drop (call $check (local.get $a)))))
      (local.set $sum (i64.add (local.get $sum)
        (i64.extend_i32_u (array.get_u $bytes (local.get $arr) (i32.const 63)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $p (global.get $keep))
    (block $done
      (loop $walk
        (br_if $done (ref.is_null (local.get $p)))
        (local.set $sum (i64.add (local.get $sum) (struct.get $node $v (local.get $p))))
        (local.set $p (struct.get $node $next (local.get $p)))
        (br $walk)))
    (local.get $sum))
)
"#;

/// The tiers to run on: the interpreter, and the compiler where it is
/// built in.
fn tiers() -> Vec<Tier> {
    let mut t = vec![Tier::Interp];
    if Engine::new(Config::new().tier(Tier::Jit)).is_ok() {
        t.push(Tier::Jit);
    }
    t
}

fn run(tier: Tier, stress: bool, n: i32) -> (i64, Store<()>) {
    let mut config = Config::new();
    config.tier(tier).gc_stress(stress);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat::parse_str(CHURN).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let check = Func::new(
        &mut store,
        FuncType::new(
            [ValType::Ref(tern::RefType {
                nullable: true,
                heap: tern::HeapType::Any,
            })],
            [ValType::I32],
        ),
        |mut caller, args, results| {
            // The host may collect while it holds a reference.
            caller.gc();
            let any = args[0].anyref().flatten().expect("a live node");
            results[0] = Val::I32(matches!(any.kind(&caller), Ok(tern::AnyKind::Struct)) as i32);
            Ok(())
        },
    );
    let inst = Instance::new(&mut store, &module, &[check.into()]).unwrap();
    let churn = inst.get_typed_func::<i32, i64>(&mut store, "churn").unwrap();
    let sum = churn.call(&mut store, n).unwrap();
    (sum, store)
}

fn expected(n: i64) -> i64 {
    // 7 per iteration, plus the kept nodes' values.
    7 * n + (0..n).filter(|i| i % 100 == 0).sum::<i64>()
}

#[test]
fn collector_frees_garbage_and_keeps_what_is_reachable() {
    for tier in tiers() {
        frees_garbage_and_keeps_what_is_reachable(tier);
    }
}

fn frees_garbage_and_keeps_what_is_reachable(tier: Tier) {
    let n = 200_000;
    let (sum, mut store) = run(tier, false, n);
    assert_eq!(sum, expected(n as i64), "{tier:?}");
    let stats = store.gc_stats();
    assert!(stats.collections > 0, "a churn of {n} iterations collects");
    assert!(stats.freed_objects > n as u64, "cycles and arrays are freed");
    store.gc();
    let (live, _) = store.gc_usage();
    // The kept list (one node per 100 iterations) and little else.
    assert!(live <= n as usize / 100 + 16, "{live} objects live after a collection");
}

#[test]
fn collecting_before_every_allocation_changes_nothing() {
    for tier in tiers() {
        let n = 3_000;
        let (sum, store) = run(tier, true, n);
        assert_eq!(sum, expected(n as i64), "{tier:?}");
        assert!(store.gc_stats().collections >= 3 * n as u64);
    }
}

#[test]
fn the_heap_limit_traps() {
    for tier in tiers() {
        heap_limit_traps(tier);
    }
}

fn heap_limit_traps(tier: Tier) {
    let mut config = Config::new();
    config.tier(tier).gc_heap_limit(1 << 20);
    let engine = Engine::new(&config).unwrap();
    let wat = r#"(module (type $a (array i64))
             (func (export "big") (param i32) (result i32)
               (array.len (array.new_default $a (local.get 0)))))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &module, &[]).unwrap();
    let big = inst.get_typed_func::<i32, i32>(&mut store, "big").unwrap();
    assert_eq!(big.call(&mut store, 1000).unwrap(), 1000);
    let e = big.call(&mut store, 1 << 20).unwrap_err();
    assert!(e.to_string().contains("allocation failed"), "{e}");
    // The largest array length is refused, not attempted.
    let e = big.call(&mut store, -1).unwrap_err();
    assert!(e.to_string().contains("allocation failed"), "{e}");
}

#[test]
fn the_host_reads_structs_and_arrays() {
    for tier in tiers() {
        host_reads_structs_and_arrays(tier);
    }
}

fn host_reads_structs_and_arrays(tier: Tier) {
    let mut config = Config::new();
    config.tier(tier);
    let engine = Engine::new(&config).unwrap();
    let wat = r#"(module
        (type $p (struct (field i8) (field (mut i64)) (field (ref null $p))))
        (type $a (array (mut i16)))
        (func (export "pair") (result anyref)
            (struct.new $p (i32.const 200) (i64.const -5) (struct.new_default $p)))
        (func (export "arr") (result (ref $a))
            (array.new_fixed $a 3 (i32.const 1) (i32.const -1) (i32.const 70000)))
        (func (export "i31") (result i31ref) (ref.i31 (i32.const -2))))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &module, &[]).unwrap();
    let call = |store: &mut Store<()>, name: &str| {
        let f = inst.get_func(&mut *store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut *store, &[], &mut out).unwrap();
        out[0].anyref().flatten().expect("a non-null reference")
    };
    let p = call(&mut store, "pair");
    assert_eq!(p.kind(&store).unwrap(), tern::AnyKind::Struct);
    assert_eq!(p.struct_field(&store, 0).unwrap().i32(), Some(200));
    assert_eq!(p.struct_field(&store, 1).unwrap().i64(), Some(-5));
    let inner = p
        .struct_field(&store, 2)
        .unwrap()
        .anyref()
        .flatten()
        .expect("the inner struct");
    assert_eq!(inner.struct_field(&store, 1).unwrap().i64(), Some(0));
    assert!(p.struct_field(&store, 3).is_err());
    let a = call(&mut store, "arr");
    assert_eq!(a.array_len(&store).unwrap(), 3);
    let elems: Vec<i32> = (0..3).map(|i| a.array_get(&store, i).unwrap().i32().unwrap()).collect();
    assert_eq!(elems, [1, 0xffff, 70000 & 0xffff]);
    assert!(a.array_get(&store, 3).is_err());
    assert_eq!(
        call(&mut store, "i31").kind(&store).unwrap(),
        tern::AnyKind::I31(0x7fff_fffe)
    );
    // Collecting keeps what the host holds.
    store.gc();
    assert_eq!(p.struct_field(&store, 0).unwrap().i32(), Some(200));
}

const POINTS: &str = r#"(module
    (type $p (struct (field $x (mut i32)) (field $y i64)))
    (type $bytes (array (mut i8)))
    (func (export "sum") (param (ref $p)) (result i64)
        (i64.add (i64.extend_i32_s (struct.get $p $x (local.get 0))) (struct.get $p $y (local.get 0))))
    (func (export "total") (param (ref $bytes)) (result i32)
        (local $i i32) (local $t i32)
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (array.len (local.get 0))))
            (local.set $t (i32.add (local.get $t) (array.get_u $bytes (local.get 0) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (local.get $t))
    (func (export "make") (param i32) (result (ref $p))
        (struct.new $p (local.get 0) (i64.const 100))))"#;

fn points(tier: Tier) -> (Store<()>, Instance, Module) {
    let mut config = Config::new();
    config.tier(tier);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat::parse_str(POINTS).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &module, &[]).unwrap();
    (store, inst, module)
}

#[test]
fn the_host_allocates_structs_and_arrays_wasm_uses() {
    for tier in tiers() {
        let (mut store, inst, module) = points(tier);
        // The module's type, and the same type made on the host.
        let from_module = module.struct_type(0).unwrap();
        let made = tern::StructType::new(
            store.engine(),
            [
                tern::FieldType {
                    storage: tern::StorageType::Val(ValType::I32),
                    mutable: true,
                },
                tern::FieldType {
                    storage: tern::StorageType::Val(ValType::I64),
                    mutable: false,
                },
            ],
        )
        .unwrap();
        assert!(made.matches(&from_module) && from_module.matches(&made));
        assert!(module.struct_type(1).is_none() && module.array_type(1).is_some());
        let sum = inst.get_func(&mut store, "sum").unwrap();
        let p = tern::StructRef::new(&mut store, &made, &[Val::I32(-2), Val::I64(40)]).unwrap();
        let mut out = [Val::I64(0)];
        sum.call(&mut store, &[Val::AnyRef(Some(p.into()))], &mut out).unwrap();
        assert_eq!(out[0].i64(), Some(38), "{tier:?}");
        // Writes: mutable fields only, values of the field's type only.
        p.set_field(&mut store, 0, Val::I32(10)).unwrap();
        assert!(p.set_field(&mut store, 1, Val::I64(1)).is_err(), "field 1 is immutable");
        assert!(
            p.set_field(&mut store, 0, Val::I64(1)).is_err(),
            "an i64 in an i32 field"
        );
        assert!(tern::StructRef::new(&mut store, &made, &[Val::I32(1)]).is_err());
        sum.call(&mut store, &[Val::AnyRef(Some(p.into()))], &mut out).unwrap();
        assert_eq!(out[0].i64(), Some(50));
        assert_eq!(p.field(&store, 0).unwrap().i32(), Some(10));

        let bytes = module.array_type(1).unwrap();
        let a = tern::ArrayRef::new(&mut store, &bytes, &Val::I32(0x1ff), 4).unwrap();
        assert_eq!(a.len(&store).unwrap(), 4);
        a.set(&mut store, 3, Val::I32(7)).unwrap();
        assert!(a.set(&mut store, 4, Val::I32(7)).is_err());
        let total = inst.get_func(&mut store, "total").unwrap();
        let mut out = [Val::I32(0)];
        store.gc();
        total
            .call(&mut store, &[Val::AnyRef(Some(a.into()))], &mut out)
            .unwrap();
        assert_eq!(out[0].i32(), Some(3 * 0xff + 7), "{tier:?}");
        // A struct Wasm made, seen through its type.
        let make = inst.get_func(&mut store, "make").unwrap();
        let mut out = [Val::I32(0)];
        make.call(&mut store, &[Val::I32(5)], &mut out).unwrap();
        let made_by_wasm = out[0].anyref().flatten().unwrap().as_struct(&store).unwrap().unwrap();
        assert!(made_by_wasm.ty(&store).unwrap().matches(&from_module));
        assert_eq!(made_by_wasm.field(&store, 1).unwrap().i64(), Some(100));
        assert!(out[0].anyref().flatten().unwrap().as_array(&store).unwrap().is_none());
    }
}

#[test]
fn root_scopes_drop_their_roots_and_manual_roots_stay() {
    for tier in tiers() {
        let (mut store, inst, _) = points(tier);
        let make = inst.get_func(&mut store, "make").unwrap();
        let kept;
        let scoped;
        {
            let mut scope = tern::RootScope::new(&mut store);
            for i in 0..1000 {
                let mut out = [Val::I32(0)];
                make.call(&mut scope, &[Val::I32(i)], &mut out).unwrap();
            }
            let mut out = [Val::I32(0)];
            make.call(&mut scope, &[Val::I32(7)], &mut out).unwrap();
            scoped = out[0].anyref().flatten().unwrap();
            kept = scoped.to_manually_rooted(&mut scope).unwrap();
            assert!(scoped.kind(&scope).is_ok());
        }
        // The scope's references are gone, and so are their objects.
        assert!(scoped.kind(&store).is_err(), "a reference outlived its scope");
        store.gc();
        let (live, _) = store.gc_usage();
        assert!(live <= 2, "{live} objects live after the scope ended ({tier:?})");
        // The manually rooted one is still there.
        let again = kept.to_rooted(&mut store).unwrap();
        let s = again.as_struct(&store).unwrap().unwrap();
        assert_eq!(s.field(&store, 0).unwrap().i32(), Some(7));
        kept.unroot(&mut store).unwrap();
    }
}

#[test]
fn i31_and_eqref_views() {
    let (mut store, inst, _) = points(Tier::Interp);
    let i = tern::I31::wrapping_i32(-3);
    assert_eq!((i.get_i32(), i.get_u32()), (-3, 0x7fff_fffd));
    let r = i.to_anyref(&mut store);
    assert_eq!(r.as_i31(&store).unwrap(), Some(i));
    let same = tern::I31::wrapping_u32(0xffff_fffd).to_anyref(&mut store);
    let (a, b) = (
        r.as_eqref(&store).unwrap().unwrap(),
        same.as_eqref(&store).unwrap().unwrap(),
    );
    assert!(a.ref_eq(&store, &b).unwrap(), "equal i31s are ref.eq");
    let make = inst.get_func(&mut store, "make").unwrap();
    let mut out = [Val::I32(0)];
    make.call(&mut store, &[Val::I32(1)], &mut out).unwrap();
    let s1 = out[0].anyref().flatten().unwrap();
    make.call(&mut store, &[Val::I32(1)], &mut out).unwrap();
    let s2 = out[0].anyref().flatten().unwrap();
    let e1 = s1.as_eqref(&store).unwrap().unwrap();
    assert!(e1.ref_eq(&store, &e1).unwrap());
    assert!(
        !e1.ref_eq(&store, &s2.as_eqref(&store).unwrap().unwrap()).unwrap(),
        "two structs"
    );
    assert!(s1.as_i31(&store).unwrap().is_none());
    let host = tern::ExternRef::new(&mut store, 5u32);
    let internal = tern::AnyRef::from_extern(&mut store, host).unwrap();
    assert!(
        internal.as_eqref(&store).unwrap().is_none(),
        "a host value is not an eqref"
    );
}
