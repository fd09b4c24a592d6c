//! The store's entities as both tiers see them: functions, memories,
//! tables, globals, external references and instances, each in an
//! append-only arena indexed by `u32`. Handles in the public API are these
//! indices (with a store id); raw references in tables and value slots are
//! index + 1, so that 0 is null.

use crate::memory::LinearMemory;
use crate::table::Table;
use std::any::Any;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use tern_binary::{FuncType, GlobalType, ValType};

/// A memory in a store: its own, or a shared memory (threads) that other
/// stores, on other threads, may use at the same time. Both dereference to
/// the [`LinearMemory`]; the mutating operations go through `&self` with
/// race-tolerant accesses for a shared one.
pub enum StoreMemory {
    Owned(Box<LinearMemory>),
    Shared(Arc<LinearMemory>),
}

impl std::ops::Deref for StoreMemory {
    type Target = LinearMemory;
    #[inline]
    fn deref(&self) -> &LinearMemory {
        match self {
            StoreMemory::Owned(m) => m,
            StoreMemory::Shared(m) => m,
        }
    }
}

impl StoreMemory {
    /// The memory's address, as compiled code's instance context holds it
    /// (fixed for the memory's lifetime). Compiled code and libcalls only
    /// write through it to a memory that is not shared.
    pub fn as_ptr(&mut self) -> *mut LinearMemory {
        match self {
            StoreMemory::Owned(m) => &mut **m,
            StoreMemory::Shared(m) => Arc::as_ptr(m).cast_mut(),
        }
    }

    /// `memory.grow`: the old size in pages, or `None` when refused.
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        match self {
            StoreMemory::Owned(m) => m.grow(delta),
            StoreMemory::Shared(m) => m.grow_shared(delta),
        }
    }

    /// `memory.fill`.
    pub fn fill(&mut self, at: u64, val: u8, n: u64) -> Result<(), crate::TrapCode> {
        match self {
            StoreMemory::Owned(m) => m.fill(at, val, n),
            StoreMemory::Shared(m) => m.fill_racy(at, val, n),
        }
    }

    /// `memory.init`.
    pub fn init(&mut self, dst: u64, data: &[u8], src: u64, n: u64) -> Result<(), crate::TrapCode> {
        match self {
            StoreMemory::Owned(m) => m.init(dst, data, src, n),
            StoreMemory::Shared(m) => m.init_racy(dst, data, src, n),
        }
    }

    /// Writes `buf` at `at`.
    pub fn write(&mut self, at: u64, buf: &[u8]) -> Result<(), crate::TrapCode> {
        match self {
            StoreMemory::Owned(m) => m.write(at, buf),
            StoreMemory::Shared(m) => m.write_racy(at, buf),
        }
    }

    /// Reads `buf.len()` bytes at `at`.
    pub fn read(&self, at: u64, buf: &mut [u8]) -> Result<(), crate::TrapCode> {
        match self {
            StoreMemory::Owned(m) => m.read(at, buf),
            StoreMemory::Shared(m) => m.read_racy(at, buf),
        }
    }

    /// The memory, for plain (slice) access: one not shared, or a shared
    /// one that no other store or thread holds (so nothing can race).
    pub fn exclusive(&self) -> Option<&LinearMemory> {
        match self {
            StoreMemory::Owned(m) => Some(m),
            StoreMemory::Shared(m) => (Arc::strong_count(m) == 1 && Arc::weak_count(m) == 0).then_some(&**m),
        }
    }

    /// The memory, mutably, under the same condition as
    /// [`StoreMemory::exclusive`].
    pub fn exclusive_mut(&mut self) -> Option<&mut LinearMemory> {
        match self {
            StoreMemory::Owned(m) => Some(m),
            StoreMemory::Shared(m) => Arc::get_mut(m),
        }
    }

    /// The memory, mutably, unless it is shared.
    pub fn owned_mut(&mut self) -> Option<&mut LinearMemory> {
        match self {
            StoreMemory::Owned(m) => Some(m),
            StoreMemory::Shared(_) => None,
        }
    }
}

/// `memory.copy` between store memories `dst` and `src` (the same or
/// not).
pub fn copy_memory(
    mems: &mut [StoreMemory],
    dst: usize,
    d: u64,
    src: usize,
    s: u64,
    n: u64,
) -> Result<(), crate::TrapCode> {
    if mems[dst].is_shared() || mems[src].is_shared() {
        return mems[dst].copy_racy(d, &mems[src], s, n);
    }
    if dst == src {
        return mems[dst].owned_mut().expect("not shared").copy_within(d, s, n);
    }
    let sr = mems[src].range(s, n)?;
    let dr = mems[dst].range(d, n)?;
    // SAFETY: two owned memories never overlap; both ranges are checked.
    unsafe { std::ptr::copy_nonoverlapping(mems[src].base().add(sr.start), mems[dst].base().add(dr.start), dr.len()) };
    Ok(())
}

/// An engine-wide canonical function type id: two functions have the same
/// type exactly when their ids are equal. `call_indirect` compares these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SigId(pub u32);

/// Interns function types into [`SigId`]s. One per engine.
#[derive(Default)]
pub struct SigRegistry {
    inner: Mutex<SigInner>,
}

#[derive(Default)]
struct SigInner {
    ids: HashMap<FuncType, SigId>,
    types: Vec<Arc<FuncType>>,
    /// The GC view of each id registered by [`SigRegistry::intern_group`]
    /// (`None`: a plain function type of [`SigRegistry::intern`]).
    gc: Vec<Option<Arc<crate::gc::GcType>>>,
    /// Recursion groups by their structural key: the first id.
    groups: HashMap<Vec<u32>, u32>,
}

impl SigRegistry {
    /// The id of `ty`, registering it if new.
    pub fn intern(&self, ty: &FuncType) -> SigId {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = g.ids.get(ty) {
            return id;
        }
        let id = SigId(g.types.len() as u32);
        g.types.push(Arc::new(ty.clone()));
        g.gc.push(None);
        g.ids.insert(ty.clone(), id);
        id
    }

    /// The ids of a recursion group of GC type definitions, registering it
    /// if no structurally equal group (`key`) was: iso-recursive
    /// canonicalization across every module of the engine. `make` gets the
    /// first id of a new group (its types take consecutive ids) and returns
    /// each type's function signature (empty for struct and array types)
    /// and GC view, with references inside the group already made ids.
    pub fn intern_group(
        &self,
        key: Vec<u32>,
        make: impl FnOnce(u32) -> Vec<(FuncType, crate::gc::GcType)>,
    ) -> Vec<SigId> {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&first) = g.groups.get(&key) {
            let n = key.first().copied().unwrap_or(0);
            return (first..first + n).map(SigId).collect();
        }
        let first = g.types.len() as u32;
        let defs = make(first);
        let ids: Vec<SigId> = (first..first + defs.len() as u32).map(SigId).collect();
        for (ft, gt) in defs {
            g.types.push(Arc::new(ft));
            g.gc.push(Some(Arc::new(gt)));
        }
        g.groups.insert(key, first);
        ids
    }

    /// The type behind `id`.
    pub fn get(&self, id: SigId) -> Arc<FuncType> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.types[id.0 as usize].clone()
    }

    /// The GC view of `id` (a plain function type's is made on the spot).
    pub fn gc_type(&self, id: SigId) -> Arc<crate::gc::GcType> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match g.gc.get(id.0 as usize) {
            Some(Some(t)) => t.clone(),
            _ => Arc::new(crate::gc::GcType::plain_func(id)),
        }
    }
}

impl std::fmt::Debug for SigRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigRegistry")
    }
}

/// Number of 64-bit value slots a value of type `t` occupies.
#[inline]
pub fn slots_of(t: ValType) -> u32 {
    if t == ValType::V128 { 2 } else { 1 }
}

/// Number of value slots of a sequence of types.
pub fn slots_of_all(ts: &[ValType]) -> u32 {
    ts.iter().map(|&t| slots_of(t)).sum()
}

/// What a function is.
#[derive(Clone, Copy, Debug)]
pub enum FuncKind {
    /// Function `def` (index among the module's *defined* functions) of
    /// instance `instance`.
    Wasm { instance: u32, def: u32 },
    /// Host function `index` in the embedder's host-function table.
    Host { index: u32 },
}

/// A function in the store.
#[derive(Clone, Copy, Debug)]
pub struct FuncEntity {
    pub sig: SigId,
    pub kind: FuncKind,
    /// Value slots taken by the parameters and by the results.
    pub param_slots: u32,
    pub result_slots: u32,
}

/// A global in the store. Values are raw: numbers as their bits
/// (zero-extended), references as raw references, v128 as all 128 bits.
///
/// `#[repr(C)]` with the value cell at offset 0: compiled code reads and
/// writes the global through a pointer to the entity (see [`crate::vmctx`]).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct GlobalEntity {
    pub value: u128,
    pub ty: GlobalType,
}

/// An exception tag in the store. A tag's identity is its store index:
/// each instantiation of a module creates fresh tags, an imported tag is
/// the exporter's.
#[derive(Clone, Copy, Debug)]
pub struct TagEntity {
    /// The tag's function type (parameters = the exception's payload).
    pub sig: SigId,
    /// Value slots the payload takes.
    pub param_slots: u32,
}

/// A thrown (or caught) exception: its tag and payload. Referenced by
/// `exnref` raw references (index in [`StoreData::exns`] + 1).
#[derive(Clone, Debug)]
pub struct ExnEntity {
    /// Store index of the tag.
    pub tag: u32,
    /// The payload in value slots.
    pub payload: Box<[u64]>,
    /// Whether its `exnref` may be held anywhere (a slot, the host): only
    /// an exception that never was can be reused once caught.
    pub exposed: bool,
}

/// An instance: the store indices of everything in its index spaces, plus
/// its segments and the tier's code for its functions.
pub struct InstanceEntity {
    /// The executing tier's code for this instance's module (the
    /// interpreter's translated module, or compiled code).
    pub code: Arc<dyn Any + Send + Sync>,
    /// Store function index of each function index (imports first).
    pub funcs: Box<[u32]>,
    pub tables: Box<[u32]>,
    pub memories: Box<[u32]>,
    pub globals: Box<[u32]>,
    /// Store tag index of each tag index (imports first).
    pub tags: Box<[u32]>,
    /// Canonical id of each of the module's type indices.
    pub sigs: Box<[SigId]>,
    /// Element segments as raw references; dropped segments are empty.
    pub elems: Vec<Box<[u64]>>,
    /// The module's bytes, which data segments point into.
    pub bytes: tern_binary::SharedBytes,
    /// Data segments as ranges of `bytes`; dropped segments are empty.
    pub datas: Vec<Range<usize>>,
}

impl InstanceEntity {
    /// The bytes of data segment `i` (empty once dropped).
    pub fn data(&self, i: u32) -> &[u8] {
        &self.bytes[self.datas[i as usize].clone()]
    }
}

impl std::fmt::Debug for InstanceEntity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceEntity")
            .field("funcs", &self.funcs)
            .field("tables", &self.tables)
            .field("memories", &self.memories)
            .field("globals", &self.globals)
            .finish_non_exhaustive()
    }
}

/// Resource limits of a store.
#[derive(Clone, Copy, Debug)]
pub struct StoreLimits {
    /// Maximum pages of any one memory.
    pub max_memory_pages: u64,
    /// Maximum elements of any one table.
    pub max_table_elements: u64,
    /// Maximum number of instances.
    pub max_instances: usize,
    /// Maximum number of nested wasm call frames.
    pub max_call_depth: usize,
    /// Maximum number of 64-bit value-stack slots (locals and operands of
    /// all active frames).
    pub max_stack_slots: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            max_memory_pages: crate::memory::MAX_PAGES,
            max_table_elements: 10_000_000,
            max_instances: 10_000,
            max_call_depth: 100_000,
            max_stack_slots: 8 << 20,
        }
    }
}

/// Every entity of a store, and its execution state (fuel, spare stacks).
///
/// Memories, tables and globals are boxed so that their addresses stay
/// fixed for the store's lifetime however the arenas grow: compiled code
/// holds pointers to them (see [`crate::vmctx`]).
pub struct StoreData {
    pub funcs: Vec<FuncEntity>,
    pub memories: Vec<StoreMemory>,
    pub tables: Vec<Box<Table>>,
    pub globals: Vec<Box<GlobalEntity>>,
    pub instances: Vec<InstanceEntity>,
    /// Payloads of external references (a freed one is `()`).
    pub externs: Vec<Box<dyn Any + Send + Sync>>,
    /// Freed slots of `externs`, for reuse (see [`StoreData::collect_externs`]).
    pub free_externs: Vec<u32>,
    /// How many payloads the last [`StoreData::collect_externs`] left.
    pub externs_live: usize,
    /// Exception tags.
    pub tags: Vec<TagEntity>,
    /// Exception objects (never freed while the store lives; `exnref`s may
    /// be kept anywhere).
    pub exns: Vec<ExnEntity>,
    /// Exceptions caught without ever being exposed, for reuse.
    pub free_exns: Vec<u32>,
    pub limits: StoreLimits,
    /// Whether fuel is consumed, and how much is left.
    pub fuel_enabled: bool,
    pub fuel: u64,
    /// A value stack kept between calls, so that calls do not allocate.
    pub spare_stack: Vec<u64>,
    /// How many wasm call frames are active over all nested activations
    /// (host → wasm → host → wasm ...).
    pub call_depth: usize,
    /// How many executions are nested through host functions.
    pub activations: usize,
    /// The engine's epoch counter (shared by its stores; see
    /// [`StoreData::epoch_deadline`]).
    pub epoch: Arc<AtomicU64>,
    /// When code translated with epoch checks sees `epoch >=
    /// epoch_deadline` (at function entries and loop headers), it asks the
    /// embedder what to do: trap, or go on with a later deadline.
    pub epoch_deadline: u64,
    /// The GC heap (structs and arrays of Wasm GC).
    pub gc: crate::gc::GcHeap,
}

impl StoreData {
    /// An empty store.
    pub fn new(limits: StoreLimits, fuel_enabled: bool) -> StoreData {
        StoreData {
            funcs: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            instances: Vec::new(),
            externs: Vec::new(),
            free_externs: Vec::new(),
            externs_live: 0,
            tags: Vec::new(),
            exns: Vec::new(),
            free_exns: Vec::new(),
            limits,
            fuel_enabled,
            fuel: 0,
            spare_stack: Vec::new(),
            call_depth: 0,
            activations: 0,
            epoch: Arc::new(AtomicU64::new(0)),
            epoch_deadline: u64::MAX,
            gc: crate::gc::GcHeap::default(),
        }
    }

    /// Adds an external reference payload; returns its raw reference.
    pub fn new_extern(&mut self, v: Box<dyn Any + Send + Sync>) -> u64 {
        if let Some(i) = self.free_externs.pop() {
            self.externs[i as usize] = v;
            return i as u64 + 1;
        }
        self.externs.push(v);
        self.externs.len() as u64
    }

    /// How many external reference payloads the store holds.
    pub fn extern_count(&self) -> usize {
        self.externs.len() - self.free_externs.len()
    }

    /// Whether [`StoreData::collect_externs`] is worth its cost: the store
    /// holds twice the payloads the last one left, and at least 65,536.
    pub fn wants_extern_collection(&self) -> bool {
        self.extern_count() >= (2 * self.externs_live).max(1 << 16)
    }

    /// Frees the payloads of the external references nothing in the store
    /// holds (globals, tables, element segments, exceptions, GC objects,
    /// the host's GC roots), and returns them; their slots are reused.
    /// Words are taken conservatively (a number that looks like a
    /// reference keeps its payload). Does nothing, and returns nothing,
    /// while wasm runs on the store, since its frames are not looked at.
    ///
    /// Only for an embedder that holds no raw external references (the
    /// runtime's `ExternRef`s) of its own across the call: one it held
    /// would name a freed payload, or later another one.
    pub fn collect_externs(&mut self) -> Vec<Box<dyn Any + Send + Sync>> {
        if self.activations != 0 || self.call_depth != 0 || self.externs.is_empty() {
            return Vec::new();
        }
        let n = self.externs.len();
        let mut live = vec![0u64; n.div_ceil(64)];
        let mut mark = |w: u64| {
            // A plain `externref` (index + 1), or one made internal.
            let internal = if w & 3 == 2 && w & crate::gc::EXTERN_ANY == 0 {
                w >> 2
            } else {
                0
            };
            for e in [w, internal] {
                if (1..=n as u64).contains(&e) {
                    let i = e as usize - 1;
                    live[i / 64] |= 1 << (i % 64);
                }
            }
        };
        for g in &self.globals {
            mark(g.value as u64);
        }
        for t in &self.tables {
            for i in 0..t.size() {
                mark(t.get(i).unwrap_or(0));
            }
        }
        for inst in &self.instances {
            for seg in &inst.elems {
                seg.iter().for_each(|&w| mark(w));
            }
        }
        for e in &self.exns {
            e.payload.iter().for_each(|&w| mark(w));
        }
        self.gc.for_each_held_word(&mut mark);
        let mut free = vec![0u64; n.div_ceil(64)];
        for &i in &self.free_externs {
            free[i as usize / 64] |= 1 << (i % 64);
        }
        let mut out = Vec::new();
        for i in 0..n {
            let (k, b) = (i / 64, 1u64 << (i % 64));
            if live[k] & b == 0 && free[k] & b == 0 {
                out.push(std::mem::replace(&mut self.externs[i], Box::new(())));
                self.free_externs.push(i as u32);
            }
        }
        // Low slots are reused first.
        self.free_externs.sort_unstable_by(|a, b| b.cmp(a));
        self.externs_live = self.extern_count();
        out
    }
}

impl StoreData {
    /// Adds an exception object (not exposed); returns its raw `exnref`.
    pub fn new_exn(&mut self, tag: u32, payload: Box<[u64]>) -> u64 {
        let e = ExnEntity {
            tag,
            payload,
            exposed: false,
        };
        match self.free_exns.pop() {
            Some(i) => {
                self.exns[i as usize] = e;
                i as u64 + 1
            }
            None => {
                self.exns.push(e);
                self.exns.len() as u64
            }
        }
    }

    /// Notes that exception `raw`'s reference may now be held anywhere.
    pub fn expose_exn(&mut self, raw: u64) {
        if let Some(e) = self.exns.get_mut((raw as usize).wrapping_sub(1)) {
            e.exposed = true;
        }
    }

    /// Reuses exception `raw` later, unless it was exposed: for a handler
    /// that caught it without keeping its reference.
    pub fn drop_exn(&mut self, raw: u64) {
        let i = (raw as usize).wrapping_sub(1);
        if let Some(e) = self.exns.get_mut(i)
            && !e.exposed
        {
            e.payload = Box::default();
            self.free_exns.push(i as u32);
        }
    }

    /// The exception behind a non-null raw `exnref`.
    pub fn exn(&self, raw: u64) -> Option<&ExnEntity> {
        self.exns.get((raw as usize).wrapping_sub(1))
    }
}

impl std::fmt::Debug for StoreData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreData")
            .field("funcs", &self.funcs.len())
            .field("memories", &self.memories.len())
            .field("tables", &self.tables.len())
            .field("globals", &self.globals.len())
            .field("instances", &self.instances.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_binary::{Limits, MemoryType};

    #[test]
    fn global_value_cell_is_first() {
        assert_eq!(std::mem::offset_of!(GlobalEntity, value), 0);
        let g = GlobalEntity {
            value: 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10,
            ty: GlobalType {
                content: ValType::V128,
                mutable: true,
            },
        };
        // SAFETY: the cell is at offset 0 (checked above).
        assert_eq!(unsafe { *(&g as *const GlobalEntity as *const u128) }, g.value);
    }

    #[test]
    fn entities_do_not_move_when_the_arenas_grow() {
        let mut s = StoreData::new(StoreLimits::default(), false);
        let ty = MemoryType {
            limits: Limits { min: 1, max: None },
            shared: false,
            memory64: false,
            page_size_log2: None,
        };
        s.memories
            .push(StoreMemory::Owned(Box::new(LinearMemory::new(ty, 10).unwrap())));
        let gty = GlobalType {
            content: ValType::I32,
            mutable: true,
        };
        s.globals.push(Box::new(GlobalEntity { value: 1, ty: gty }));
        let m0: *const LinearMemory = &*s.memories[0];
        let g0: *const GlobalEntity = &*s.globals[0];
        for i in 0..100 {
            s.memories
                .push(StoreMemory::Owned(Box::new(LinearMemory::new(ty, 10).unwrap())));
            s.globals.push(Box::new(GlobalEntity { value: i, ty: gty }));
        }
        assert!(std::ptr::eq(m0, &*s.memories[0]));
        assert!(std::ptr::eq(g0, &*s.globals[0]));
    }
}
