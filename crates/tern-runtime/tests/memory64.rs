//! 64-bit memories and tables and custom page sizes through the embedding
//! API, on every tier the host has: the feature switches, the type
//! constructors, sizes counted in the memory's own pages (also what the
//! limiter is told), and imports of such memories and tables.

use tern::*;

fn engines() -> Vec<Engine> {
    let mut tiers = vec![Tier::Interp];
    if Engine::new(Config::new().tier(Tier::Jit)).is_ok() {
        tiers.push(Tier::Jit);
    }
    let mut out = Vec::new();
    for tier in tiers {
        for bounds in [BoundsChecks::Guard, BoundsChecks::Explicit] {
            let mut c = Config::new();
            c.tier(tier)
                .bounds_checks(bounds)
                .wasm_memory64(true)
                .wasm_custom_page_sizes(true);
            out.push(Engine::new(&c).unwrap());
        }
    }
    out
}

/// memory64 is Wasm 3.0, so on by default and off in a Wasm 2.0 engine;
/// custom page sizes is a proposal beyond it, off until asked for.
#[test]
fn the_features_switch_on_and_off() {
    let m64 = wat::parse_str("(module (memory i64 1))").unwrap();
    let t64 = wat::parse_str("(module (table i64 1 funcref))").unwrap();
    let pages = wat::parse_str("(module (memory 1 (pagesize 1)))").unwrap();
    let wasm2 = Engine::new(Config::new().features(tern::Features::wasm2())).unwrap();
    let default = Engine::default();
    for (engine, bytes, feature) in [
        (&wasm2, &m64, "memory64"),
        (&wasm2, &t64, "memory64"),
        (&default, &pages, "custom-page-sizes"),
    ] {
        let e = Module::new(engine, bytes).unwrap_err().to_string();
        assert!(e.contains(feature), "{e}");
    }
    Module::new(&default, &m64).unwrap();
    Module::new(&default, &t64).unwrap();
    let engine = Engine::new(Config::new().wasm_memory64(true).wasm_custom_page_sizes(true)).unwrap();
    for bytes in [&m64, &t64, &pages] {
        Module::new(&engine, bytes).unwrap();
    }
}

#[test]
fn memories_count_in_their_own_pages() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let m = Memory::new(&mut store, MemoryType::new64(1, Some(3))).unwrap();
        assert!(m.ty(&store).memory64);
        assert_eq!(
            (m.size(&store), m.page_size(&store), m.data_size(&store)),
            (1, 65536, 65536)
        );
        assert_eq!(m.grow(&mut store, 2).unwrap(), 1);
        assert!(m.grow(&mut store, 1).is_err());

        let ty = MemoryType::new(3, Some(100)).with_page_size_log2(0);
        let m = Memory::new(&mut store, ty).unwrap();
        assert_eq!((m.size(&store), m.page_size(&store), m.data_size(&store)), (3, 1, 3));
        assert_eq!(m.grow(&mut store, 5).unwrap(), 3);
        assert_eq!((m.size(&store), m.data_size(&store)), (8, 8));
        assert_eq!(m.data(&store), &[0; 8]);
        m.write(&mut store, 7, &[1]).unwrap();
        assert!(m.write(&mut store, 8, &[1]).is_err());
        assert!(m.grow(&mut store, 93).is_err());
        assert_eq!(m.ty(&store).limits.min, 8);
    }
}

#[test]
fn a_page_size_other_than_1_or_65536_is_refused() {
    let mut store = Store::new(&Engine::default(), ());
    for log2 in [1, 12, 17, 64, 200] {
        let ty = MemoryType::new(0, None).with_page_size_log2(log2);
        let e = Memory::new(&mut store, ty).unwrap_err();
        assert!(matches!(e, Error::Usage(_)), "{e}");
    }
}

struct Recorder(Vec<(usize, usize)>);

impl ResourceLimiter for Recorder {
    fn memory_growing(&mut self, current: usize, desired: usize, _max: Option<usize>) -> Result<bool> {
        self.0.push((current, desired));
        Ok(desired <= 100)
    }
    fn table_growing(&mut self, _current: usize, _desired: usize, _max: Option<usize>) -> Result<bool> {
        Ok(true)
    }
}

#[test]
fn the_limiter_is_told_bytes_for_1_byte_pages() {
    let wat = r#"(module
        (memory (export "m") 10 (pagesize 1))
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    for engine in engines() {
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut store = Store::new(&engine, Recorder(Vec::new()));
        store.limiter(|r| r);
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
        assert_eq!(grow.call(&mut store, 20).unwrap(), 10);
        assert_eq!(grow.call(&mut store, 71).unwrap(), -1);
        assert_eq!(store.data().0, [(0, 10), (10, 30), (30, 101)]);
    }
}

#[test]
fn host_made_64_bit_memories_and_tables_are_imported() {
    let wat = r#"(module
        (type $t (func (result i32)))
        (import "host" "m" (memory i64 1))
        (import "host" "t" (table i64 2 funcref))
        (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0)))
        (func (export "call") (param i64) (result i32) (call_indirect (type $t) (local.get 0)))
        (func (export "tsize") (result i64) (table.size)))"#;
    for engine in engines() {
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let m = Memory::new(&mut store, MemoryType::new64(1, None)).unwrap();
        m.write(&mut store, 5, &[42]).unwrap();
        let seven = Func::wrap(&mut store, || 7i32);
        let t = Table::new(
            &mut store,
            TableType::new64(RefType::FUNCREF, 2, None),
            Val::FuncRef(None),
        )
        .unwrap();
        t.set(&mut store, 1, Val::FuncRef(Some(seven))).unwrap();
        assert_eq!(t.grow(&mut store, 1, Val::FuncRef(None)).unwrap(), 2);
        let mut linker = Linker::new(&engine);
        linker.define("host", "m", m).unwrap();
        linker.define("host", "t", t).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let load = instance.get_typed_func::<i64, i32>(&mut store, "load").unwrap();
        assert_eq!(load.call(&mut store, 5).unwrap(), 42);
        assert!(load.call(&mut store, (1 << 32) + 5).is_err());
        let call = instance.get_typed_func::<i64, i32>(&mut store, "call").unwrap();
        assert_eq!(call.call(&mut store, 1).unwrap(), 7);
        assert!(call.call(&mut store, (1 << 32) + 1).is_err());
        let tsize = instance.get_typed_func::<(), i64>(&mut store, "tsize").unwrap();
        assert_eq!(tsize.call(&mut store, ()).unwrap(), 3);

        // A 32-bit memory does not satisfy a 64-bit import.
        let m32 = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        let mut linker = Linker::new(&engine);
        linker.define("host", "m", m32).unwrap();
        linker.define("host", "t", t).unwrap();
        assert!(linker.instantiate(&mut store, &module).is_err());
    }
}
