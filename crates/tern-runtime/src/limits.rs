//! Per-store resource limits: the [`ResourceLimiter`] an embedder installs
//! with [`crate::Store::limiter`], consulted whenever a memory or table of
//! the store is created or grows (by `memory.grow`/`table.grow` in either
//! tier, or through the API) and when an instance is created; and
//! [`StoreLimits`], a ready-made limiter.
//!
//! The engine-wide limits of [`crate::Config`] still apply first: a growth
//! they refuse never reaches the limiter.

use crate::error::{Error, Result};
use crate::store::StoreInner;
use tern_binary::{MemoryType, TableType};
use tern_vm::Trap;

/// The default of [`ResourceLimiter::instances`].
pub const DEFAULT_INSTANCE_LIMIT: usize = 10_000;
/// The default of [`ResourceLimiter::memories`].
pub const DEFAULT_MEMORY_LIMIT: usize = 10_000;
/// The default of [`ResourceLimiter::tables`].
pub const DEFAULT_TABLE_LIMIT: usize = 10_000;

/// Decides, per store, how far its memories and tables may grow and how
/// many instances, memories and tables it may have.
///
/// Creating a memory or table counts as growing it from 0 to its initial
/// size. Returning `Ok(false)` refuses a growth: `memory.grow` and
/// `table.grow` return -1, [`crate::Memory::grow`] and
/// [`crate::Table::grow`] return an error, and a refused initial size
/// makes instantiation (or [`crate::Memory::new`], [`crate::Table::new`])
/// fail. Returning an error stops the guest instead: the growing
/// instruction traps with it.
pub trait ResourceLimiter {
    /// A memory grows from `current` to `desired` bytes; `maximum` is its
    /// type's maximum in bytes, if it has one. Not consulted for growth
    /// that the maximum (or the engine's limits) already refuses, nor for
    /// growth by 0.
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool>;

    /// A table grows from `current` to `desired` elements; `maximum` is
    /// its type's maximum, if it has one. Consulted as
    /// [`ResourceLimiter::memory_growing`] is.
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool>;

    /// The most instances the store may hold.
    fn instances(&self) -> usize {
        DEFAULT_INSTANCE_LIMIT
    }

    /// The most memories the store may hold (defined by instances or
    /// created through the API; imports are not new memories).
    fn memories(&self) -> usize {
        DEFAULT_MEMORY_LIMIT
    }

    /// The most tables the store may hold, counted as memories are.
    fn tables(&self) -> usize {
        DEFAULT_TABLE_LIMIT
    }
}

/// A [`ResourceLimiter`] with fixed limits, built by
/// [`StoreLimitsBuilder`]. By default it limits nothing but the counts
/// (10 000 instances, memories and tables).
///
/// ```
/// use tern::{Engine, Store, StoreLimits, StoreLimitsBuilder};
/// struct State {
///     limits: StoreLimits,
/// }
/// let engine = Engine::default();
/// let limits = StoreLimitsBuilder::new().memory_size(1 << 20).instances(2).build();
/// let mut store = Store::new(&engine, State { limits });
/// store.limiter(|s| &mut s.limits);
/// ```
#[derive(Clone, Debug)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<usize>,
    instances: usize,
    memories: usize,
    tables: usize,
    trap_on_grow_failure: bool,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            memory_size: None,
            table_elements: None,
            instances: DEFAULT_INSTANCE_LIMIT,
            memories: DEFAULT_MEMORY_LIMIT,
            tables: DEFAULT_TABLE_LIMIT,
            trap_on_grow_failure: false,
        }
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
        let ok = self.memory_size.is_none_or(|l| desired <= l);
        if !ok && self.trap_on_grow_failure {
            return Err(Error::Limit(format!(
                "memory growth to {desired} bytes exceeds the store's limit of {} bytes",
                self.memory_size.unwrap_or_default()
            )));
        }
        Ok(ok)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
        let ok = self.table_elements.is_none_or(|l| desired <= l);
        if !ok && self.trap_on_grow_failure {
            return Err(Error::Limit(format!(
                "table growth to {desired} elements exceeds the store's limit of {} elements",
                self.table_elements.unwrap_or_default()
            )));
        }
        Ok(ok)
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn memories(&self) -> usize {
        self.memories
    }

    fn tables(&self) -> usize {
        self.tables
    }
}

/// Builds a [`StoreLimits`].
#[derive(Clone, Debug, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// No limits but the default counts.
    pub fn new() -> StoreLimitsBuilder {
        StoreLimitsBuilder::default()
    }

    /// The most bytes any one memory may have.
    pub fn memory_size(mut self, bytes: usize) -> Self {
        self.0.memory_size = Some(bytes);
        self
    }

    /// The most elements any one table may have.
    pub fn table_elements(mut self, n: usize) -> Self {
        self.0.table_elements = Some(n);
        self
    }

    /// The most instances in the store.
    pub fn instances(mut self, n: usize) -> Self {
        self.0.instances = n;
        self
    }

    /// The most memories in the store.
    pub fn memories(mut self, n: usize) -> Self {
        self.0.memories = n;
        self
    }

    /// The most tables in the store.
    pub fn tables(mut self, n: usize) -> Self {
        self.0.tables = n;
        self
    }

    /// Whether growth past the limits traps (instead of `memory.grow` and
    /// `table.grow` returning -1). Default off.
    pub fn trap_on_grow_failure(mut self, on: bool) -> Self {
        self.0.trap_on_grow_failure = on;
        self
    }

    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

/// The boxed closure [`crate::Store::limiter`] keeps.
pub(crate) type LimiterFn<T> = Box<dyn FnMut(&mut T) -> &mut (dyn ResourceLimiter) + Send + Sync>;

fn bytes(pages: u64, page_size: u64) -> usize {
    usize::try_from(pages.saturating_mul(page_size)).unwrap_or(usize::MAX)
}

fn elements(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// An error of the embedder's limiter as the trap of the instruction it
/// stopped.
pub(crate) fn error_to_trap(e: Error) -> Trap {
    match e {
        Error::Trap(t) => t,
        e => Trap::host(e),
    }
}

impl<T> StoreInner<T> {
    /// The embedder's limiter, if any.
    fn resource_limiter(&mut self) -> Option<&mut dyn ResourceLimiter> {
        let f = self.limiter.as_mut()?;
        Some(f(&mut self.data))
    }

    /// Grows store memory `mem` by `delta` pages when the memory's maximum,
    /// the limiter and the OS allow: the old size, or `None`; the
    /// limiter's error is passed on.
    pub(crate) fn grow_memory(&mut self, mem: u32, delta: u64) -> Result<Option<u64>> {
        let m = &self.vm.memories[mem as usize];
        let old = m.size_pages();
        if delta != 0 && self.limiter.is_some() {
            let Some(new) = old.checked_add(delta).filter(|&n| n <= m.max_pages()) else {
                return Ok(None);
            };
            let ps = m.page_size();
            let max = m.ty().limits.max.map(|p| bytes(p, ps));
            let l = self.resource_limiter().expect("a limiter is set");
            if !l.memory_growing(bytes(old, ps), bytes(new, ps), max)? {
                return Ok(None);
            }
        }
        Ok(self.vm.memories[mem as usize].grow(delta))
    }

    /// Grows store table `table` by `delta` elements set to `init`, as
    /// [`StoreInner::grow_memory`] grows memories.
    pub(crate) fn grow_table(&mut self, table: u32, delta: u32, init: u64) -> Result<Option<u32>> {
        let t = &self.vm.tables[table as usize];
        let old = t.size() as u64;
        if delta != 0 && self.limiter.is_some() {
            let new = old + delta as u64;
            if new > t.max_elements() {
                return Ok(None);
            }
            let max = t.ty().limits.max.map(elements);
            let l = self.resource_limiter().expect("a limiter is set");
            if !l.table_growing(elements(old), elements(new), max)? {
                return Ok(None);
            }
        }
        Ok(self.vm.tables[table as usize].grow(delta, init))
    }

    /// Checks with the limiter that the store may get another instance
    /// defining `memories` memories and `tables` tables.
    pub(crate) fn limit_instance(&mut self, memories: usize, tables: usize) -> Result<()> {
        let (ni, nm, nt) = (self.vm.instances.len(), self.vm.memories.len(), self.vm.tables.len());
        let Some(l) = self.resource_limiter() else {
            return Ok(());
        };
        if ni >= l.instances() {
            return Err(Error::Limit(format!("instance limit of {} reached", l.instances())));
        }
        if nm + memories > l.memories() {
            return Err(Error::Limit(format!(
                "memory limit of {} memories reached",
                l.memories()
            )));
        }
        if nt + tables > l.tables() {
            return Err(Error::Limit(format!("table limit of {} tables reached", l.tables())));
        }
        Ok(())
    }

    /// Checks with the limiter that a memory of type `ty` may be created
    /// (growth from 0 to its minimum); `count` says whether it is a new
    /// memory the count limit has not seen yet.
    pub(crate) fn limit_new_memory(&mut self, ty: &MemoryType, count: bool) -> Result<()> {
        let n = self.vm.memories.len();
        let Some(l) = self.resource_limiter() else {
            return Ok(());
        };
        if count && n >= l.memories() {
            return Err(Error::Limit(format!(
                "memory limit of {} memories reached",
                l.memories()
            )));
        }
        let ps = 1 << tern_vm::page_size_log2(ty);
        if !l.memory_growing(0, bytes(ty.limits.min, ps), ty.limits.max.map(|p| bytes(p, ps)))? {
            return Err(Error::Limit(format!(
                "memory minimum size of {} pages exceeds the store's limits",
                ty.limits.min
            )));
        }
        Ok(())
    }

    /// [`StoreInner::limit_new_memory`] for tables.
    pub(crate) fn limit_new_table(&mut self, ty: &TableType, count: bool) -> Result<()> {
        let n = self.vm.tables.len();
        let Some(l) = self.resource_limiter() else {
            return Ok(());
        };
        if count && n >= l.tables() {
            return Err(Error::Limit(format!("table limit of {} tables reached", l.tables())));
        }
        if !l.table_growing(0, elements(ty.limits.min), ty.limits.max.map(elements))? {
            return Err(Error::Limit(format!(
                "table minimum size of {} elements exceeds the store's limits",
                ty.limits.min
            )));
        }
        Ok(())
    }
}
