//! Per-store limits on both tiers: epoch deadlines (trapping, or a
//! callback that extends them), the resource limiter (memory and table
//! growth, instance and memory counts, initial sizes), and interpreted
//! memories that reserve address space instead of allocating it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tern::*;

/// An engine per tier this host has, with `f` applied to the config.
fn engines(f: impl Fn(&mut Config)) -> Vec<Engine> {
    let mut out = Vec::new();
    for tier in [Tier::Interp, Tier::Jit] {
        let mut c = Config::new();
        c.tier(tier);
        f(&mut c);
        match Engine::new(&c) {
            Ok(e) => out.push(e),
            Err(e) => println!("skipping {tier:?}: {e}"),
        }
    }
    out
}

fn instantiate<T: 'static>(store: &mut Store<T>, text: &str) -> Result<Instance> {
    let module = Module::new(store.engine(), wat::parse_str(text).expect("test WAT parses"))?;
    Linker::new(store.engine()).instantiate(store, &module)
}

fn trap_code(e: &Error) -> Option<TrapCode> {
    e.as_trap().and_then(Trap::code)
}

const LOOPS: &str = r#"
(module
  (func (export "forever") (loop $l (br $l)))
  (func (export "spin") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "one") (result i32) (i32.const 1)))
"#;

#[test]
fn a_deadline_reached_from_another_thread_stops_an_infinite_loop() {
    for engine in engines(|c| {
        c.epoch_interruption(true);
    }) {
        let mut store = Store::new(&engine, ());
        let i = instantiate(&mut store, LOOPS).unwrap();
        let forever = i.get_typed_func::<(), ()>(&mut store, "forever").unwrap();
        let one = i.get_typed_func::<(), i32>(&mut store, "one").unwrap();
        // A new store has no deadline.
        assert_eq!(one.call(&mut store, ()).unwrap(), 1);

        store.set_epoch_deadline(2);
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (engine, stop) = (engine.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    engine.increment_epoch();
                }
            })
        };
        let e = forever.call(&mut store, ()).unwrap_err();
        stop.store(true, Ordering::Relaxed);
        ticker.join().unwrap();
        assert_eq!(trap_code(&e), Some(TrapCode::Interrupt), "{:?}: {e}", engine.tier());
        assert_eq!(e.to_string(), "interrupt: the epoch deadline was reached");

        // The store is usable again with a new deadline.
        store.set_epoch_deadline(1_000_000);
        assert_eq!(one.call(&mut store, ()).unwrap(), 1);
        // A deadline already reached stops a function without loops at
        // its entry.
        store.set_epoch_deadline(0);
        let e = one.call(&mut store, ()).unwrap_err();
        assert_eq!(trap_code(&e), Some(TrapCode::Interrupt), "{:?}", engine.tier());
    }
}

#[test]
fn without_epoch_interruption_deadlines_are_not_checked() {
    for engine in engines(|_| {}) {
        let mut store = Store::new(&engine, ());
        let i = instantiate(&mut store, LOOPS).unwrap();
        let spin = i.get_typed_func::<i32, i32>(&mut store, "spin").unwrap();
        store.set_epoch_deadline(0);
        engine.increment_epoch();
        assert_eq!(spin.call(&mut store, 100).unwrap(), 100);
    }
}

#[test]
fn the_callback_extends_the_deadline_until_it_fails() {
    for engine in engines(|c| {
        c.epoch_interruption(true);
    }) {
        let mut store = Store::new(&engine, 0u32);
        let i = instantiate(&mut store, LOOPS).unwrap();
        let spin = i.get_typed_func::<i32, i32>(&mut store, "spin").unwrap();
        let forever = i.get_typed_func::<(), ()>(&mut store, "forever").unwrap();

        // Deadline 0 is reached at once, and `Continue(0)` keeps it so:
        // the callback runs at every check, the function entry and each
        // time the loop header is reached.
        store.epoch_deadline_callback(|mut cx| {
            *cx.data_mut() += 1;
            Ok(UpdateDeadline::Continue(0))
        });
        store.set_epoch_deadline(0);
        assert_eq!(spin.call(&mut store, 1000).unwrap(), 1000);
        assert_eq!(*store.data(), 1 + 1000, "{:?}", engine.tier());

        // Extended five times, then the callback fails: its error stops
        // the guest.
        *store.data_mut() = 0;
        store.epoch_deadline_callback(|mut cx| {
            *cx.data_mut() += 1;
            if *cx.data() <= 5 {
                Ok(UpdateDeadline::Continue(0))
            } else {
                Err(Error::Trap(Trap::msg("out of patience")))
            }
        });
        let e = forever.call(&mut store, ()).unwrap_err();
        assert_eq!(e.to_string(), "out of patience");
        assert_eq!(*store.data(), 6);

        // `Interrupt` traps as if there were no callback.
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Interrupt));
        let e = forever.call(&mut store, ()).unwrap_err();
        assert_eq!(trap_code(&e), Some(TrapCode::Interrupt));

        // A deadline in the future lets the loop run; going back to
        // trapping makes an expired deadline stop it.
        *store.data_mut() = 0;
        store.epoch_deadline_callback(|mut cx| {
            *cx.data_mut() += 1;
            Ok(UpdateDeadline::Continue(0))
        });
        store.set_epoch_deadline(10);
        assert_eq!(spin.call(&mut store, 50).unwrap(), 50);
        assert_eq!(*store.data(), 0);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(0);
        let e = spin.call(&mut store, 50).unwrap_err();
        assert_eq!(trap_code(&e), Some(TrapCode::Interrupt));
    }
}

/// The embedder's data: limits, plus a log of what the limiter was asked.
#[derive(Default)]
struct Limited {
    limits: StoreLimits,
    asked: Vec<(&'static str, usize, usize, Option<usize>)>,
}

impl ResourceLimiter for Limited {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        self.asked.push(("memory", current, desired, maximum));
        self.limits.memory_growing(current, desired, maximum)
    }
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        self.asked.push(("table", current, desired, maximum));
        self.limits.table_growing(current, desired, maximum)
    }
    fn instances(&self) -> usize {
        self.limits.instances()
    }
    fn memories(&self) -> usize {
        self.limits.memories()
    }
    fn tables(&self) -> usize {
        self.limits.tables()
    }
}

fn limited_store(engine: &Engine, limits: StoreLimits) -> Store<Limited> {
    let mut store = Store::new(
        engine,
        Limited {
            limits,
            asked: Vec::new(),
        },
    );
    store.limiter(|d| d);
    store
}

const PAGE: usize = 65536;

const GROWER: &str = r#"
(module
  (memory (export "memory") 1 10)
  (table (export "table") 2 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32)
    (table.grow (ref.null func) (local.get 0))))
"#;

#[test]
fn the_limiter_refuses_memory_growth() {
    for engine in engines(|_| {}) {
        let mut store = limited_store(&engine, StoreLimitsBuilder::new().memory_size(3 * PAGE).build());
        let i = instantiate(&mut store, GROWER).unwrap();
        // The initial sizes count as growth from 0.
        assert_eq!(
            store.data().asked,
            [("table", 0, 2, None), ("memory", 0, PAGE, Some(10 * PAGE))]
        );
        let grow = i.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
        assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
        assert_eq!(grow.call(&mut store, 2).unwrap(), -1, "{:?}", engine.tier());
        assert_eq!(grow.call(&mut store, 1).unwrap(), 2);
        assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
        // Beyond the type's maximum the limiter is not asked.
        let asked = store.data().asked.len();
        assert_eq!(grow.call(&mut store, 100).unwrap(), -1);
        assert_eq!(store.data().asked.len(), asked);
        assert_eq!(
            store.data().asked[2..],
            [
                ("memory", PAGE, 2 * PAGE, Some(10 * PAGE)),
                ("memory", 2 * PAGE, 4 * PAGE, Some(10 * PAGE)),
                ("memory", 2 * PAGE, 3 * PAGE, Some(10 * PAGE)),
                ("memory", 3 * PAGE, 4 * PAGE, Some(10 * PAGE)),
            ]
        );
        // Through the API too.
        let mem = i.get_memory(&mut store, "memory").unwrap();
        assert!(matches!(mem.grow(&mut store, 1), Err(Error::Limit(_))));
        assert_eq!(mem.size(&store), 3);
        let e = Memory::new(
            &mut store,
            MemoryType {
                limits: Limits { min: 4, max: None },
                shared: false,
                memory64: false,
                page_size_log2: None,
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("exceeds the store's limits"), "{e}");
    }
}

#[test]
fn the_limiter_refuses_table_growth() {
    for engine in engines(|_| {}) {
        let mut store = limited_store(&engine, StoreLimitsBuilder::new().table_elements(5).build());
        let i = instantiate(&mut store, GROWER).unwrap();
        let grow = i.get_typed_func::<i32, i32>(&mut store, "grow_table").unwrap();
        assert_eq!(grow.call(&mut store, 3).unwrap(), 2);
        assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "{:?}", engine.tier());
        assert_eq!(grow.call(&mut store, 0).unwrap(), 5);
        let table = i.get_table(&mut store, "table").unwrap();
        assert!(table.grow(&mut store, 1, Val::FuncRef(None)).is_err());
        assert_eq!(table.size(&store), 5);
        assert_eq!(store.data().asked.last(), Some(&("table", 5, 6, None)));
    }
}

#[test]
fn a_limiter_error_traps_the_growing_instruction() {
    for engine in engines(|_| {}) {
        let limits = StoreLimitsBuilder::new()
            .memory_size(2 * PAGE)
            .table_elements(2)
            .trap_on_grow_failure(true)
            .build();
        let mut store = limited_store(&engine, limits);
        let i = instantiate(&mut store, GROWER).unwrap();
        let grow = i.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
        assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
        let e = grow.call(&mut store, 1).unwrap_err();
        assert!(e.to_string().contains("exceeds the store's limit"), "{e}");
        assert!(e.as_trap().is_some());
        let grow = i.get_typed_func::<i32, i32>(&mut store, "grow_table").unwrap();
        let e = grow.call(&mut store, 1).unwrap_err();
        assert!(e.to_string().contains("exceeds the store's limit"), "{e}");
    }
}

#[test]
fn the_limiter_counts_instances_and_memories_and_checks_initial_sizes() {
    for engine in engines(|_| {}) {
        let mut store = limited_store(&engine, StoreLimitsBuilder::new().instances(2).build());
        instantiate(&mut store, LOOPS).unwrap();
        instantiate(&mut store, LOOPS).unwrap();
        let e = instantiate(&mut store, LOOPS).unwrap_err();
        assert!(
            matches!(&e, Error::Limit(m) if m == "instance limit of 2 reached"),
            "{e}"
        );

        let mut store = limited_store(&engine, StoreLimitsBuilder::new().memories(1).tables(5).build());
        instantiate(&mut store, GROWER).unwrap();
        let e = instantiate(&mut store, GROWER).unwrap_err();
        assert!(
            matches!(&e, Error::Limit(m) if m == "memory limit of 1 memories reached"),
            "{e}"
        );

        let mut store = limited_store(&engine, StoreLimitsBuilder::new().memory_size(PAGE / 2).build());
        let e = instantiate(&mut store, GROWER).unwrap_err();
        assert!(
            matches!(&e, Error::Limit(m) if m.contains("minimum size of 1 pages")),
            "{e}"
        );
        // A memory without pages fits.
        instantiate(&mut store, "(module (memory 0))").unwrap();
    }
}

/// The process's resident set in bytes (Linux).
fn rss() -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn interpreted_memories_grow_to_4_gib_without_taking_it() {
    let mut c = Config::new();
    c.tier(Tier::Interp);
    let engine = Engine::new(&c).unwrap();
    let mut store = Store::new(&engine, ());
    let i = instantiate(
        &mut store,
        r#"(module
             (memory (export "memory") 1)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
             (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
             (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))"#,
    )
    .unwrap();
    let grow = i.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
    let poke = i.get_typed_func::<(i32, i32), ()>(&mut store, "poke").unwrap();
    let peek = i.get_typed_func::<i32, i32>(&mut store, "peek").unwrap();
    let Some(before) = rss() else {
        println!("skipping the RSS check: no /proc/self/status");
        return;
    };
    // From a memory that has pages: a heap buffer would be reallocated
    // and its new part zeroed, all of it resident.
    assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 65534).unwrap(), 2);
    let after = rss().unwrap();
    let mem = i.get_memory(&mut store, "memory").unwrap();
    assert_eq!(mem.data_size(&store), 4 << 30);
    // Growth took address space, not memory: allow for the test
    // harness's other threads, nothing near 4 GiB.
    assert!(after < before + (64 << 20), "RSS grew from {before} to {after} bytes");
    // The pages work where the guest touches them.
    poke.call(&mut store, (-1, 7)).unwrap();
    poke.call(&mut store, (1 << 31, 9)).unwrap();
    assert_eq!(peek.call(&mut store, -1).unwrap(), 7);
    assert_eq!(peek.call(&mut store, 1 << 31).unwrap(), 9);
    assert_eq!(peek.call(&mut store, 12345).unwrap(), 0);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert!(rss().unwrap() < before + (64 << 20));
}

#[cfg(feature = "cranelift")]
#[test]
fn precompiled_code_keeps_its_epoch_checks() {
    let mut c = Config::new();
    c.tier(Tier::Jit).epoch_interruption(true);
    let Ok(engine) = Engine::new(&c) else {
        println!("skipping: no compiler tier");
        return;
    };
    let module = Module::new(&engine, wat::parse_str(LOOPS).unwrap()).unwrap();
    let bytes = module.serialize().unwrap();
    // SAFETY (both deserialize calls): the artifact was just written by this test.
    let module = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
    let forever = i.get_typed_func::<(), ()>(&mut store, "forever").unwrap();
    store.set_epoch_deadline(1);
    engine.increment_epoch();
    let e = forever.call(&mut store, ()).unwrap_err();
    assert_eq!(trap_code(&e), Some(TrapCode::Interrupt));
    // An engine without the checks refuses code made with them.
    c.epoch_interruption(false);
    let e = unsafe { Module::deserialize(&Engine::new(&c).unwrap(), &bytes) }.unwrap_err();
    assert!(e.to_string().contains("epoch interruption on"), "{e}");
}
