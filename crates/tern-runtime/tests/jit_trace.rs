//! Backtraces of traps: the compiler tier gives the same wasm frames as the
//! interpreter, for traps that are faults of compiled code and for traps
//! raised inside libcalls (bulk memory, tables, fuel).

// The compiler tier, and modules in the text format.
#![cfg(all(feature = "cranelift", feature = "wat"))]

use tern::*;

const WAT: &str = r#"
(module
  (memory 1)
  (func $inner (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func $middle (param i32) (result i32) (call $inner (local.get 0)))
  (func (export "div") (result i32) (call $middle (i32.const 0)))
  (func $unr (unreachable))
  (func (export "unreachable") (call $unr))
  (func $load (result i32) (i32.load (i32.const 0x7fff_fff0)))
  (func (export "oob") (result i32) (call $load))
  (func $rec (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1)))
  (func (export "overflow") (result i32) (call $rec (i32.const 0)))
  (table 1 funcref)
  (func $fill (param i32) (memory.fill (local.get 0) (i32.const 0) (i32.const 1)))
  (func (export "fill") (call $fill (i32.const 0x10000)))
  (func $tcopy (param i32) (table.copy (local.get 0) (i32.const 0) (i32.const 1)))
  (func (export "tcopy") (call $tcopy (i32.const 1)))
  (tag $e)
  (func $mid (result i32) (i32.add (call $inner (i32.const 0)) (i32.const 1)))
  (func (export "try-site")  (result i32)
    (block $h (try_table (catch $e $h) (return (call $mid))))
    (i32.const 0))
  (func $catches (result i32)
    (block $h (try_table (catch $e $h) (return (call $inner (i32.const 0)))))
    (i32.const 0))
  (func (export "try-callee") (result i32) (i32.add (call $catches) (i32.const 1)))
)
"#;

/// (func index, name) of each frame of the trap `export` raises.
fn frames(tier: Tier, export: &str) -> Vec<(u32, Option<String>)> {
    let mut config = Config::new();
    config.tier(tier);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let f = inst
        .exports(&mut store)
        .into_iter()
        .find_map(|(n, e)| match e {
            Extern::Func(f) if n == export => Some(f),
            _ => None,
        })
        .unwrap();
    let ty = f.ty(&store);
    let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
    let e = f.call(&mut store, &[], &mut results).unwrap_err();
    let t = e.as_trap().expect("a trap");
    t.trace()
        .iter()
        .map(|fr| (fr.func_index, fr.func_name.clone()))
        .collect()
}

fn both(export: &str) -> Vec<(u32, Option<String>)> {
    let i = frames(Tier::Interp, export);
    let j = frames(Tier::Jit, export);
    assert_eq!(i, j, "{export}: interpreter and compiler backtraces differ");
    j
}

fn name(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn div_by_zero_three_deep() {
    assert_eq!(both("div"), vec![(0, name("inner")), (1, name("middle")), (2, None)]);
}

#[test]
fn unreachable_trace() {
    assert_eq!(both("unreachable"), vec![(3, name("unr")), (4, None)]);
}

#[test]
fn out_of_bounds_trace() {
    assert_eq!(both("oob"), vec![(5, name("load")), (6, None)]);
}

#[test]
fn stack_overflow_trace() {
    let j = frames(Tier::Jit, "overflow");
    // At most 128 machine frames are walked; a frame of inlined code
    // (here `rec` inlined into itself once) stands for two.
    assert!(!j.is_empty() && j.len() <= 256, "{} frames", j.len());
    assert!(j.iter().take(10).all(|f| *f == (7, name("rec"))), "{j:?}");
}

#[test]
fn memory_fill_out_of_bounds_trace() {
    assert_eq!(both("fill"), vec![(9, name("fill")), (10, None)]);
}

#[test]
fn table_copy_out_of_bounds_trace() {
    assert_eq!(both("tcopy"), vec![(11, name("tcopy")), (12, None)]);
}

// Small callees are inlined at calls inside try regions and with try regions
// of their own, where Cranelift keeps no debug tags: the frames survive.
#[test]
fn inlined_try_call_traces() {
    assert_eq!(
        both("try-site"),
        vec![(0, name("inner")), (13, name("mid")), (14, None)]
    );
    assert_eq!(
        both("try-callee"),
        vec![(0, name("inner")), (15, name("catches")), (16, None)]
    );
}
