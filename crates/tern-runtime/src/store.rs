//! The store: every entity instances create, plus the embedder's data.

use crate::engine::Engine;
use crate::epoch::{EpochCallback, UpdateDeadline};
use crate::error::{Error, Result};
use crate::func::HostFn;
use crate::limits::{LimiterFn, ResourceLimiter, error_to_trap};
use crate::module::Module;
use crate::{Extern, Instance};
use std::sync::atomic::{AtomicU64, Ordering};
use tern_vm::{StoreData, Trap};

/// Identifies a store, so that handles of one store are rejected by another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StoreId(u64);

impl StoreId {
    fn fresh() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A host function registered in a store.
pub(crate) struct HostFuncEntry<T> {
    pub(crate) func: HostFn<T>,
}

/// The contents of a [`Store`].
pub struct StoreInner<T> {
    pub(crate) id: StoreId,
    pub(crate) engine: Engine,
    pub(crate) vm: StoreData,
    pub(crate) hosts: Vec<HostFuncEntry<T>>,
    /// The module of each instance (parallel to `vm.instances`).
    pub(crate) instance_modules: Vec<Module>,
    /// The compiler tier's state.
    pub(crate) jit: crate::jit::JitStore,
    /// The embedder's resource limiter ([`Store::limiter`]).
    pub(crate) limiter: Option<LimiterFn<T>>,
    /// What reaching the epoch deadline does: trap when `None`.
    pub(crate) epoch_callback: Option<EpochCallback<T>>,
    /// Function types by signature id, as calls from the host ask for
    /// them ([`StoreInner::sig`]): the engine's registry takes a lock.
    pub(crate) sig_cache: Vec<Option<std::sync::Arc<tern_binary::FuncType>>>,
    pub(crate) data: T,
}

/// A store: owns every function, memory, table, global and instance
/// created in it, and the embedder's data `T`. All handles
/// ([`crate::Func`], [`crate::Memory`], ...) are indices into a store.
pub struct Store<T> {
    pub(crate) inner: StoreInner<T>,
}

impl<T> Store<T> {
    /// An empty store for `engine`, holding `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let c = engine.config();
        let mut vm = StoreData::new(c.limits, c.consume_fuel);
        vm.epoch = engine.inner.epoch.clone();
        vm.gc.config = c.gc;
        vm.gc.log = crate::log::enabled("gc");
        Store {
            inner: StoreInner {
                id: StoreId::fresh(),
                engine: engine.clone(),
                vm,
                hosts: Vec::new(),
                instance_modules: Vec::new(),
                jit: crate::jit::JitStore::new(engine),
                limiter: None,
                epoch_callback: None,
                sig_cache: Vec::new(),
                data,
            },
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store, returning its data.
    pub fn into_data(self) -> T {
        self.inner.data
    }

    /// Sets the fuel left. Errors when the engine does not consume fuel.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.inner.set_fuel(fuel)
    }

    /// The fuel left. Errors when the engine does not consume fuel.
    pub fn get_fuel(&self) -> Result<u64> {
        self.inner.get_fuel()
    }

    /// Collects the GC heap now (it also collects on its own as it grows).
    pub fn gc(&mut self) {
        self.inner.vm.gc_collect(&[]);
    }

    /// Frees the payloads of the external references that nothing in the
    /// store holds (globals, tables, element segments, exceptions, GC
    /// objects, rooted GC references), and returns them; their slots are
    /// reused. Nothing happens while wasm runs on the store. Only `due`
    /// ones when `due_only` (the store has made twice the payloads the
    /// last collection left, and at least 65,536).
    ///
    /// Off the wasmtime shape, for embedders that keep no [`ExternRef`](crate::ExternRef) of
    /// their own across this call (tern's JavaScript interface keeps the
    /// values on its side): an `ExternRef` kept would name a freed payload
    /// (its `data` is then `()`), or later another one.
    pub fn collect_externrefs(&mut self, due_only: bool) -> Vec<Box<dyn std::any::Any + Send + Sync>> {
        self.as_context_mut().collect_externrefs(due_only)
    }

    /// The GC heap's collections so far and their pauses.
    pub fn gc_stats(&self) -> tern_vm::gc::GcStats {
        self.inner.vm.gc.stats
    }

    /// Live GC objects and their estimated bytes.
    pub fn gc_usage(&self) -> (usize, usize) {
        self.inner.vm.gc.usage()
    }

    /// Installs a resource limiter: `f` finds it in the store's data
    /// whenever a memory or table of the store is created or grows, and
    /// when an instance is created (see [`ResourceLimiter`]).
    pub fn limiter(&mut self, f: impl (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send + Sync + 'static) {
        self.inner.limiter = Some(Box::new(f));
    }

    /// Sets the epoch deadline `ticks_beyond_current` ticks of
    /// [`Engine::increment_epoch`] after the current epoch. Only code of
    /// an engine with [`crate::Config::epoch_interruption`] checks it. A
    /// new store has no deadline.
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.inner.set_epoch_deadline(ticks_beyond_current);
    }

    /// Reaching the epoch deadline traps with
    /// [`crate::TrapCode::Interrupt`] (the default; undoes
    /// [`Store::epoch_deadline_callback`]).
    pub fn epoch_deadline_trap(&mut self) {
        self.inner.epoch_callback = None;
    }

    /// Reaching the epoch deadline calls `f`, which decides: go on with a
    /// new deadline ([`UpdateDeadline::Continue`]), trap
    /// ([`UpdateDeadline::Interrupt`]), or fail with its error (the trap
    /// then carries it as the host error).
    pub fn epoch_deadline_callback(
        &mut self,
        f: impl FnMut(StoreContextMut<'_, T>) -> Result<UpdateDeadline> + Send + Sync + 'static,
    ) {
        self.inner.epoch_callback = Some(Box::new(f));
    }
}

impl<T> StoreInner<T> {
    fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        if !self.vm.fuel_enabled {
            return Err(Error::usage("fuel is not enabled in this engine's configuration"));
        }
        self.vm.fuel = fuel;
        Ok(())
    }

    fn get_fuel(&self) -> Result<u64> {
        if !self.vm.fuel_enabled {
            return Err(Error::usage("fuel is not enabled in this engine's configuration"));
        }
        Ok(self.vm.fuel)
    }

    /// The function type of signature `sig`, from the store's cache.
    pub(crate) fn sig(&mut self, sig: tern_vm::SigId) -> std::sync::Arc<tern_binary::FuncType> {
        let i = sig.0 as usize;
        if let Some(Some(t)) = self.sig_cache.get(i) {
            return t.clone();
        }
        let t = self.engine.inner.sigs.get(sig);
        if self.sig_cache.len() <= i {
            self.sig_cache.resize(i + 1, None);
        }
        self.sig_cache[i] = Some(t.clone());
        t
    }

    /// Checks that a handle (a `what`: "memory", "function", ...) belongs
    /// to this store, for operations that return a [`Result`]: a handle of
    /// another store is an [`Error::Usage`].
    pub(crate) fn check(&self, id: StoreId, what: &str) -> Result<()> {
        if id == self.id {
            Ok(())
        } else {
            Err(Error::usage(format!("{what} used with the wrong store")))
        }
    }

    /// The same check for accessors that return a plain value and so
    /// cannot report it: a handle of another store panics, with the same
    /// message (answering from the entity with the same index in this
    /// store would be silently wrong).
    #[track_caller]
    pub(crate) fn assert_owns(&self, id: StoreId, what: &str) {
        if id != self.id {
            panic!("{what} used with the wrong store");
        }
    }
}

impl<T> StoreInner<T> {
    /// Fills in the function and module names of a trap's backtrace from
    /// the instances' name sections.
    pub(crate) fn annotate(&self, mut trap: Trap) -> Trap {
        for f in trap.trace_mut() {
            if let Some(m) = self.instance_modules.get(f.instance as usize) {
                f.func_name = m.func_name(f.func_index).map(str::to_string);
                f.module_name = m.name().map(str::to_string);
            }
        }
        trap
    }
}

impl<T> tern_interp::Host for StoreInner<T> {
    fn store(&mut self) -> &mut StoreData {
        &mut self.vm
    }

    fn call_host(&mut self, index: u32, caller: Option<u32>, slots: &mut [u64]) -> Result<(), Trap> {
        let f = self.hosts[index as usize].func.clone();
        let id = self.id;
        let caller = Caller {
            inner: self,
            instance: caller.map(|i| Instance { store: id, index: i }),
        };
        f(caller, slots)
    }

    #[cfg(feature = "cranelift")]
    fn call_native(&mut self, func: u32, slots: &mut [u64]) -> Result<(), Trap> {
        crate::jit::call_compiled(self, func, slots)
    }

    #[cfg(feature = "cranelift")]
    fn call_osr(&mut self, func: u32, at_loop: u32, values: &mut [u64]) -> Result<(), Trap> {
        crate::jit::call_osr(self, func, at_loop, values)
    }

    fn grow_memory(&mut self, mem: u32, delta: u64) -> Result<Option<u64>, Trap> {
        StoreInner::grow_memory(self, mem, delta).map_err(error_to_trap)
    }

    fn grow_table(&mut self, table: u32, delta: u32, init: u64) -> Result<Option<u32>, Trap> {
        StoreInner::grow_table(self, table, delta, init).map_err(error_to_trap)
    }

    fn epoch_deadline_reached(&mut self) -> Result<(), Trap> {
        StoreInner::epoch_deadline_reached(self)
    }
}

/// Shared access to a store.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// Exclusive access to a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

impl<T> StoreContext<'_, T> {
    pub fn data(&self) -> &T {
        &self.0.data
    }
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }
    pub fn get_fuel(&self) -> Result<u64> {
        self.0.get_fuel()
    }
}

impl<T> StoreContextMut<'_, T> {
    pub fn data(&self) -> &T {
        &self.0.data
    }
    /// See [`Store::collect_externrefs`].
    pub fn collect_externrefs(&mut self, due_only: bool) -> Vec<Box<dyn std::any::Any + Send + Sync>> {
        if due_only && !self.0.vm.wants_extern_collection() {
            return Vec::new();
        }
        self.0.vm.collect_externs()
    }
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }
    pub fn engine(&self) -> &Engine {
        &self.0.engine
    }
    pub fn get_fuel(&self) -> Result<u64> {
        self.0.get_fuel()
    }
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.0.set_fuel(fuel)
    }
    /// See [`Store::set_epoch_deadline`].
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.0.set_epoch_deadline(ticks_beyond_current);
    }

    /// Exchanges what the store keeps of the execution running on it with
    /// `other`: for an embedder that runs wasm of one store on several
    /// threads in turn, each thread waiting while another runs (tern's
    /// JavaScript interface runs each `WebAssembly.promising` call on a
    /// thread of its own, so that it can be suspended). An execution is
    /// the calls in progress on one thread; the store keeps its call depth,
    /// activation count, the interpreter stacks it listed for the
    /// collector, its machine stack's top and compiled code's stack limit,
    /// host pointer and exit registers. Before a waiting thread runs again,
    /// its state is switched in; when it stops to wait, switched out.
    ///
    /// `parked_at`: the execution switched out stops at these registers
    /// ([`parking_registers`](crate::parking_registers)) and this stack address, on a
    /// thread that waits until it is switched in again; the collector
    /// scans its stacks meanwhile. `None` when it has no calls in
    /// progress (it finished, or it never started).
    ///
    /// # Safety
    /// Only the thread switched in runs wasm of this store until the next
    /// switch; a parked thread's stack stays as it was until it is
    /// switched in.
    pub unsafe fn switch_execution(&mut self, other: &mut ExecState, parked_at: Option<([u64; 11], usize)>) {
        let s = &mut *self.0;
        // A parked execution's interpreter stacks wait in the heap's list.
        if let Some(p) = other.parked.take().and_then(|id| s.vm.gc.unpark(id)) {
            other.stacks = p.stacks;
        }
        std::mem::swap(&mut s.vm.call_depth, &mut other.call_depth);
        std::mem::swap(&mut s.vm.activations, &mut other.activations);
        std::mem::swap(&mut s.vm.gc.native_top, &mut other.native_top);
        std::mem::swap(&mut s.vm.gc.stacks, &mut other.stacks);
        if let Some(ctx) = s.jit.ctx_mut() {
            std::mem::swap(&mut ctx.stack_limit, &mut other.stack_limit);
            std::mem::swap(&mut ctx.host, &mut other.host);
            std::mem::swap(&mut ctx.exit, &mut other.exit);
        }
        if let Some((regs, sp)) = parked_at {
            let native = if other.native_top == 0 {
                (0, 0)
            } else {
                (sp, other.native_top)
            };
            let p = tern_vm::gc::Parked {
                stacks: std::mem::take(&mut other.stacks),
                regs,
                native,
            };
            // SAFETY: the caller's contract: the parked thread and its
            // stacks stay as they are until it is switched in, which
            // unparks it first.
            other.parked = Some(unsafe { s.vm.gc.park(p) });
        }
    }
}

/// What a store keeps of one execution (the calls in progress on one
/// thread) while another runs: see
/// [`StoreContextMut::switch_execution`]. A new one stands for an
/// execution with no calls in progress.
#[derive(Default)]
pub struct ExecState {
    call_depth: usize,
    activations: usize,
    native_top: usize,
    stacks: Vec<(*const u64, usize)>,
    stack_limit: usize,
    host: [usize; 2],
    exit: tern_vm::signals::ExitRegs,
    parked: Option<u64>,
}

// SAFETY: the raw pointers name stacks of the execution this stands for,
// only read by the store's collector while it is parked.
unsafe impl Send for ExecState {}

/// Types that give shared access to a store.
pub trait AsContext {
    type Data;
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Types that give exclusive access to a store.
pub trait AsContextMut: AsContext {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}

impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<S: AsContext + ?Sized> AsContext for &S {
    type Data = S::Data;
    fn as_context(&self) -> StoreContext<'_, S::Data> {
        (**self).as_context()
    }
}

impl<S: AsContext + ?Sized> AsContext for &mut S {
    type Data = S::Data;
    fn as_context(&self) -> StoreContext<'_, S::Data> {
        (**self).as_context()
    }
}

impl<S: AsContextMut + ?Sized> AsContextMut for &mut S {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, S::Data> {
        (**self).as_context_mut()
    }
}

/// What a host function sees of its caller: the store (and its data) and
/// the calling instance.
pub struct Caller<'a, T> {
    pub(crate) inner: &'a mut StoreInner<T>,
    pub(crate) instance: Option<Instance>,
}

impl<T> Caller<'_, T> {
    /// Collects the GC heap now (see [`Store::gc`]).
    pub fn gc(&mut self) {
        self.inner.vm.gc_collect(&[]);
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// An export of the calling instance (typically its `memory`).
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let inst = self.instance?;
        inst.get_export(&mut *self, name)
    }

    /// The fuel left.
    pub fn get_fuel(&self) -> Result<u64> {
        self.inner.get_fuel()
    }

    /// Sets the fuel left.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.inner.set_fuel(fuel)
    }

    /// See [`Store::set_epoch_deadline`].
    pub fn set_epoch_deadline(&mut self, ticks_beyond_current: u64) {
        self.inner.set_epoch_deadline(ticks_beyond_current);
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.inner)
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.inner)
    }
}

impl<'a, T> From<&'a crate::Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a crate::Store<T>) -> Self {
        StoreContext(&s.inner)
    }
}

impl<'a, T> From<&'a mut crate::Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a mut crate::Store<T>) -> Self {
        StoreContext(&s.inner)
    }
}

impl<'a, T> From<&'a crate::Caller<'_, T>> for StoreContext<'a, T> {
    fn from(c: &'a crate::Caller<'_, T>) -> Self {
        StoreContext(c.inner)
    }
}

impl<'a, T> From<&'a mut crate::Caller<'_, T>> for StoreContext<'a, T> {
    fn from(c: &'a mut crate::Caller<'_, T>) -> Self {
        StoreContext(c.inner)
    }
}

impl<'a, T> From<&'a mut crate::Store<T>> for StoreContextMut<'a, T> {
    fn from(s: &'a mut crate::Store<T>) -> Self {
        StoreContextMut(&mut s.inner)
    }
}

impl<'a, T> From<&'a mut crate::Caller<'_, T>> for StoreContextMut<'a, T> {
    fn from(c: &'a mut crate::Caller<'_, T>) -> Self {
        StoreContextMut(c.inner)
    }
}
