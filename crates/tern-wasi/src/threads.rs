//! wasi-threads: `wasi` `thread-spawn(start_arg) -> tid`. Each spawned
//! thread is a new instance of the program's module in a store of its own
//! on an OS thread of its own, sharing the imported shared memory (and,
//! through the embedder's setup, the WASI context), entered at
//! `wasi_thread_start(tid, start_arg)`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tern::{Engine, Error, FuncType, Linker, Memory, Module, SharedMemory, Store, Val, ValType};

/// Sets up a new thread's store and linker (see [`WasiThreads::new`]).
type Setup<T> = dyn Fn(&mut Store<T>, &mut Linker<T>) -> tern::Result<()> + Send + Sync;

/// The longest a new thread waits for its spawner to move on (see
/// [`WasiThreads::run`]).
const START_GATE: std::time::Duration = std::time::Duration::from_millis(10);

thread_local! {
    /// How many host calls (WASI, `thread-spawn`) this OS thread's guest
    /// has made: a thread it spawned waits for this to move.
    static PROGRESS: Arc<std::sync::atomic::AtomicU64> = Arc::default();
}

/// Notes that this thread's guest made a host call.
pub(crate) fn progressed() {
    PROGRESS.with(|p| p.fetch_add(1, Ordering::Relaxed));
}

/// Thread ids are positive and below 2^29 (the proposal's bound).
const MAX_TID: u32 = 0x1FFF_FFFF;

/// What a spawned thread needs, shared by every thread of a program.
pub struct WasiThreads<T> {
    engine: Engine,
    module: Module,
    /// The shared memory and the import it fills.
    memory: SharedMemory,
    memory_import: (String, String),
    next_tid: AtomicU32,
    /// A new store's data.
    data: Box<dyn Fn() -> T + Send + Sync>,
    /// Sets a new store up (fuel, deadlines) and defines the rest of the
    /// imports in a linker that has the memory and `thread-spawn` (WASI,
    /// ...).
    setup: Box<Setup<T>>,
    /// Told of a thread that ended with an error (a trap, `proc_exit`):
    /// wasi-threads ends the whole program then.
    on_error: Box<dyn Fn(&Error) + Send + Sync>,
}

impl<T: 'static> WasiThreads<T> {
    /// The threads of `module` (which imports `memory` as `memory_import`).
    pub fn new(
        engine: &Engine,
        module: &Module,
        memory: SharedMemory,
        memory_import: (String, String),
        data: impl Fn() -> T + Send + Sync + 'static,
        setup: impl Fn(&mut Store<T>, &mut Linker<T>) -> tern::Result<()> + Send + Sync + 'static,
        on_error: impl Fn(&Error) + Send + Sync + 'static,
    ) -> Arc<WasiThreads<T>> {
        Arc::new(WasiThreads {
            engine: engine.clone(),
            module: module.clone(),
            memory,
            memory_import,
            next_tid: AtomicU32::new(1),
            data: Box::new(data),
            setup: Box::new(setup),
            on_error: Box::new(on_error),
        })
    }

    /// Defines the shared memory and `wasi` `thread-spawn` in `linker`
    /// (of a store that `store` is).
    pub fn add_to_linker(self: &Arc<Self>, store: &mut Store<T>, linker: &mut Linker<T>) -> tern::Result<()> {
        let m = Memory::from_shared(&mut *store, &self.memory)?;
        linker.define(&self.memory_import.0, &self.memory_import.1, m)?;
        let me = self.clone();
        linker.func_new(
            "wasi",
            "thread-spawn",
            FuncType::new([ValType::I32], [ValType::I32]),
            move |_caller, params, results| {
                let arg = params.first().and_then(Val::i32).unwrap_or(0);
                results[0] = Val::I32(me.spawn(arg));
                Ok(())
            },
        )?;
        Ok(())
    }

    /// Starts a thread at `wasi_thread_start(tid, arg)`; its id, or a
    /// negative number when none could be started.
    fn spawn(self: &Arc<Self>, arg: i32) -> i32 {
        let tid = self.next_tid.fetch_add(1, Ordering::Relaxed);
        if tid > MAX_TID {
            return -1;
        }
        progressed();
        let gate = PROGRESS.with(|p| (p.clone(), p.load(Ordering::Relaxed)));
        let me = self.clone();
        let started = std::thread::Builder::new()
            .name(format!("wasi-thread-{tid}"))
            .stack_size(16 << 20)
            .spawn(move || {
                if let Err(e) = me.run(tid, arg, gate) {
                    (me.on_error)(&e);
                }
            });
        match started {
            Ok(_) => tid as i32,
            Err(_) => -1,
        }
    }

    fn run(self: &Arc<Self>, tid: u32, arg: i32, gate: (Arc<std::sync::atomic::AtomicU64>, u64)) -> tern::Result<()> {
        let mut store = Store::new(&self.engine, (self.data)());
        let mut linker = Linker::new(&self.engine);
        self.add_to_linker(&mut store, &mut linker)?;
        (self.setup)(&mut store, &mut linker)?;
        let instance = linker.instantiate(&mut store, &self.module)?;
        let start = instance
            .get_func(&mut store, "wasi_thread_start")
            .ok_or_else(|| Error::Link("the module exports no `wasi_thread_start`".into()))?;
        // Toolchains record a new thread's id after `thread-spawn` returns
        // (Zig's std.Thread stores it then, and waits for a thread that
        // ended before that for ever): start once the spawning thread has
        // moved on to its next host call (another spawn, a write), or after
        // a short while.
        let since = std::time::Instant::now();
        while gate.0.load(Ordering::Relaxed) == gate.1 && since.elapsed() < START_GATE {
            std::thread::sleep(std::time::Duration::from_micros(50));
        }
        start.call(&mut store, &[Val::I32(tid as i32), Val::I32(arg)], &mut [])
    }
}

/// The shared memory a wasi-threads program imports: `(module, name,
/// type)` of its first imported shared memory, when it also imports
/// `wasi` `thread-spawn`.
pub fn threads_memory(module: &Module) -> Option<(String, String, tern::MemoryType)> {
    let spawns = module
        .imports()
        .any(|(m, n, t)| m == "wasi" && n == "thread-spawn" && matches!(t, tern::ImportType::Func(_)));
    if !spawns {
        return None;
    }
    imported_shared_memory(module)
}

/// `(module, name, type)` of the module's first imported shared memory,
/// if any: what a program built for threads imports even when it starts
/// none (then no `thread-spawn` import comes with it).
pub fn imported_shared_memory(module: &Module) -> Option<(String, String, tern::MemoryType)> {
    module.imports().find_map(|(m, n, t)| match t {
        tern::ImportType::Memory(ty) if ty.shared => Some((m.to_string(), n.to_string(), ty)),
        _ => None,
    })
}
