//! Threads on both tiers: instances in different stores on different OS
//! threads sharing one `SharedMemory`, with atomic read-modify-writes and
//! wait/notify. No timing assertions: only totals and results.

#![cfg(all(feature = "cranelift", feature = "wat"))]

use tern::{
    Config, Engine, Feature, Features, Instance, Linker, Memory, MemoryType, Module, SharedMemory, Store, Tier,
};

const WAT: &str = r#"
(module
  (import "env" "memory" (memory 1 1 shared))
  (func (export "inc") (param $n i32)
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "inc8") (param $n i32)
    (loop $l
      (drop (i64.atomic.rmw8.add_u (i32.const 8) (i64.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  ;; Ping-pong on the word at 16: side `me` (0 or 1) waits while the word
  ;; is not `me`, then hands the turn over and notifies.
  (func (export "pingpong") (param $me i32) (param $rounds i32)
    (loop $l
      (block $mine
        (loop $w
          (br_if $mine (i32.eq (i32.atomic.load (i32.const 16)) (local.get $me)))
          (drop (memory.atomic.wait32 (i32.const 16) (i32.xor (local.get $me) (i32.const 1)) (i64.const -1)))
          (br $w)))
      (i32.atomic.store (i32.const 16) (i32.xor (local.get $me) (i32.const 1)))
      (drop (memory.atomic.notify (i32.const 16) (i32.const 1)))
      (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
      (br_if $l (local.get $rounds))))
  (func (export "wait_timeout") (result i32)
    (memory.atomic.wait32 (i32.const 32) (i32.const 0) (i64.const 1000000)))
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
)
"#;

fn engines() -> Vec<Engine> {
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for tier in [Tier::Interp, Tier::Jit] {
        let mut config = Config::new();
        config
            .tier(tier)
            .features(Features::wasm3().with(Feature::Threads, true));
        match Engine::new(&config) {
            Ok(e) => out.push(e),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        assert_eq!(out.len(), 2, "both tiers run here: {errors:?}");
    }
    out
}

fn instance(engine: &Engine, module: &Module, mem: &SharedMemory) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let m = Memory::from_shared(&mut store, mem).unwrap();
    let mut linker = Linker::new(engine);
    linker.define("env", "memory", m).unwrap();
    let inst = linker.instantiate(&mut store, module).unwrap();
    (store, inst)
}

fn shared(engine: &Engine) -> SharedMemory {
    let mut ty = MemoryType::new(1, Some(1));
    ty.shared = true;
    SharedMemory::new(engine, ty).unwrap()
}

/// Twenty times over on each tier: no lost update, no hang.
#[test]
fn atomic_increments_add_up() {
    const N: usize = 4;
    const M: i32 = 20_000;
    for engine in engines().iter().flat_map(|e| std::iter::repeat_n(e, 20)) {
        let module = Module::new(engine, WAT).unwrap();
        let mem = shared(engine);
        std::thread::scope(|s| {
            for _ in 0..N {
                s.spawn(|| {
                    let (mut store, inst) = instance(engine, &module, &mem);
                    let inc = inst.get_typed_func::<i32, ()>(&mut store, "inc").unwrap();
                    let inc8 = inst.get_typed_func::<i32, ()>(&mut store, "inc8").unwrap();
                    inc.call(&mut store, M).unwrap();
                    inc8.call(&mut store, M).unwrap();
                });
            }
        });
        let mut word = [0u8; 4];
        mem.read(0, &mut word).unwrap();
        assert_eq!(u32::from_le_bytes(word), (N as u32) * M as u32);
        // The byte counter wraps modulo 256 and never carries into byte 9.
        let mut b = [0u8; 2];
        mem.read(8, &mut b).unwrap();
        assert_eq!(b, [((N as u32 * M as u32) % 256) as u8, 0]);
    }
}

#[test]
fn wait_notify_ping_pong() {
    const ROUNDS: i32 = 100_000;
    for engine in engines() {
        let module = Module::new(&engine, WAT).unwrap();
        let mem = shared(&engine);
        std::thread::scope(|s| {
            for me in 0..2 {
                let (engine, module, mem) = (&engine, &module, &mem);
                s.spawn(move || {
                    let (mut store, inst) = instance(engine, module, mem);
                    let f = inst.get_typed_func::<(i32, i32), ()>(&mut store, "pingpong").unwrap();
                    f.call(&mut store, (me, ROUNDS)).unwrap();
                });
            }
        });
        // Both sides took ROUNDS turns each: the turn is back with side 0.
        let mut word = [0u8; 4];
        mem.read(16, &mut word).unwrap();
        assert_eq!(u32::from_le_bytes(word), 0);
    }
}

#[test]
fn wait_times_out() {
    for engine in engines() {
        let module = Module::new(&engine, WAT).unwrap();
        let mem = shared(&engine);
        let (mut store, inst) = instance(&engine, &module, &mem);
        let f = inst.get_typed_func::<(), i32>(&mut store, "wait_timeout").unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), 2, "timed-out");
    }
}

#[test]
fn wait_on_unshared_memory_traps() {
    for engine in engines() {
        let wat = r#"(module (memory 1)
            (func (export "w") (result i32) (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0)))
            (func (export "u") (result i32) (i32.atomic.load (i32.const 2))))"#;
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let w = inst.get_typed_func::<(), i32>(&mut store, "w").unwrap();
        let e = w.call(&mut store, ()).unwrap_err().to_string();
        assert!(e.contains("expected shared memory"), "{e}");
        let u = inst.get_typed_func::<(), i32>(&mut store, "u").unwrap();
        let e = u.call(&mut store, ()).unwrap_err().to_string();
        assert!(e.contains("unaligned atomic"), "{e}");
    }
}

#[test]
fn shared_memory_grows_for_every_store() {
    for engine in engines() {
        let mut ty = MemoryType::new(1, Some(3));
        ty.shared = true;
        let mem = SharedMemory::new(&engine, ty).unwrap();
        let other = mem.clone();
        std::thread::spawn(move || assert_eq!(other.grow(1).unwrap(), 1))
            .join()
            .unwrap();
        assert_eq!(mem.size(), 2);
        assert_eq!(mem.data_size(), 2 << 16);
        let mut store = Store::new(&engine, ());
        let m = Memory::from_shared(&mut store, &mem).unwrap();
        assert_eq!(m.size(&store), 2);
        assert!(m.shared(&store).is_some());
        mem.write(70_000, &[7]).unwrap();
        let mut b = [0];
        m.read(&store, 70_000, &mut b).unwrap();
        assert_eq!(b, [7]);
        assert!(mem.grow(2).is_err());
    }
}

/// A shared memory reads as a slice while only one store holds it (a
/// module's own, say: WASI calls on it work), and not while another store
/// or thread may be writing it.
#[test]
fn shared_memories_are_slices_only_while_exclusive() {
    for engine in engines() {
        let module = Module::new(
            &engine,
            r#"(module (memory (export "memory") 1 1 shared) (data (i32.const 0) "hi"))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let m = inst.get_memory(&mut store, "memory").unwrap();
        assert_eq!(&m.data(&store)[..2], b"hi");
        m.data_mut(&mut store)[0] = b'H';
        let other = m.shared(&store).unwrap();
        assert!(m.try_data(&store).is_none(), "another handle exists");
        assert!(m.try_data_mut(&mut store).is_none());
        let mut buf = [0u8; 2];
        m.read(&store, 0, &mut buf).unwrap();
        assert_eq!(&buf, b"Hi");
        drop(other);
        assert_eq!(&m.try_data(&store).unwrap()[..2], b"Hi");
    }
}

/// Code already running sees pages another thread added to a shared
/// memory: the interpreter checks an access past the length it read
/// against the memory's length now before trapping.
#[test]
fn running_code_sees_pages_another_thread_adds() {
    // Also compiled with explicit bounds checks, where the code compares
    // with a length it read before the growth.
    let mut engines = engines();
    let mut explicit = Config::new();
    explicit
        .tier(Tier::Jit)
        .bounds_checks(tern::BoundsChecks::Explicit)
        .features(Features::wasm3().with(Feature::Threads, true));
    engines.extend(Engine::new(&explicit).ok());
    for engine in engines {
        let module = Module::new(
            &engine,
            r#"(module
                 (import "env" "memory" (memory 1 2 shared))
                 (func (export "wait_then_read") (result i32)
                   (i32.store (i32.const 4) (i32.const 1))
                   (loop $l (br_if $l (i32.eqz (i32.load (i32.const 0)))))
                   (i32.load (i32.const 70000))))"#,
        )
        .unwrap();
        let mut ty = MemoryType::new(1, Some(2));
        ty.shared = true;
        let mem = SharedMemory::new(&engine, ty).unwrap();
        let reader = {
            let (engine, module, mem) = (engine.clone(), module.clone(), mem.clone());
            std::thread::spawn(move || {
                let (mut store, inst) = instance(&engine, &module, &mem);
                let f = inst.get_typed_func::<(), i32>(&mut store, "wait_then_read").unwrap();
                f.call(&mut store, ()).map_err(|e| e.to_string())
            })
        };
        // Grow only once the reader runs its loop.
        let mut running = [0u8; 4];
        while running == [0; 4] {
            mem.read(4, &mut running).unwrap();
            std::thread::yield_now();
        }
        assert_eq!(mem.grow(1).unwrap(), 1);
        mem.write(70_000, &42i32.to_le_bytes()).unwrap();
        mem.write(0, &1i32.to_le_bytes()).unwrap();
        assert_eq!(reader.join().unwrap(), Ok(42));
    }
}
