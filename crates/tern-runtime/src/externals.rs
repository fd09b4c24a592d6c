//! Memories, tables, globals, and the `Extern` sum of everything an
//! instance can import or export.

use crate::error::{Error, Result};
use crate::func::Func;
use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreId};
use crate::values::{Val, raw_to_ref, type_error, val_from_slots, val_matches, val_matches_in, val_to_raw128};
use tern_binary::{ExternKind, FuncType, GlobalType, MemoryType, TableType, ValType};
use tern_vm::{GlobalEntity, LinearMemory, Table as VmTable, TagEntity, Trap, TrapCode, slots_of_all};

/// A linear memory in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Memory {
    /// A new memory of type `ty` (if the store's limiter allows).
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        let s = store.as_context_mut().0;
        if !matches!(ty.page_size_log2, None | Some(0) | Some(16)) {
            return Err(Error::Usage(format!(
                "invalid custom page size: 2^{} bytes (1 and 65536 are supported)",
                ty.page_size_log2.unwrap_or(16)
            )));
        }
        s.limit_new_memory(&ty, true)?;
        let mem = crate::call::new_store_memory(&s.engine, ty, s.vm.limits.max_memory_pages)?;
        s.vm.memories.push(mem);
        Ok(Memory {
            store: s.id,
            index: s.vm.memories.len() as u32 - 1,
        })
    }

    fn get<'a>(&self, store: &'a impl AsContext) -> &'a LinearMemory {
        let s = store.as_context().0;
        s.assert_owns(self.store, "memory");
        &s.vm.memories[self.index as usize]
    }

    /// The current type (current size as minimum).
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        self.get(&store).current_ty()
    }

    /// Size in pages of the memory's page size.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.get(&store).size_pages()
    }

    /// The page size in bytes: 65536, or 1 for a memory declared with
    /// `(pagesize 1)`.
    pub fn page_size(&self, store: impl AsContext) -> u64 {
        self.get(&store).page_size()
    }

    /// Size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.get(&store).len()
    }

    /// The contents.
    ///
    /// # Panics
    ///
    /// For a shared memory that another store or thread also holds, which
    /// may be writing it: use [`Memory::try_data`], [`Memory::read`] or
    /// [`SharedMemory`] there.
    pub fn data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a [u8] {
        self.try_data(store).expect(SHARED_SLICE)
    }

    /// The contents, mutably.
    ///
    /// # Panics
    ///
    /// As [`Memory::data`].
    pub fn data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> &'a mut [u8] {
        self.try_data_mut(store).expect(SHARED_SLICE)
    }

    /// The contents, unless this is a shared memory that another store or
    /// thread also holds (a shared memory only this store holds is
    /// readable as a slice: nothing else can write it meanwhile).
    pub fn try_data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> Option<&'a [u8]> {
        let s = store.into().0;
        s.assert_owns(self.store, "memory");
        s.vm.memories[self.index as usize].exclusive().map(|m| m.data())
    }

    /// The contents, mutably, under the condition of [`Memory::try_data`].
    pub fn try_data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> Option<&'a mut [u8]> {
        let s = store.into().0;
        s.assert_owns(self.store, "memory");
        s.vm.memories[self.index as usize].exclusive_mut().map(|m| m.data_mut())
    }

    /// Whether this is a shared memory (threads).
    pub fn is_shared(&self, store: impl AsContext) -> bool {
        self.get(&store).is_shared()
    }

    /// The shared memory this memory is, if it is one: a handle that other
    /// stores and threads can use.
    pub fn shared(&self, store: impl AsContext) -> Option<SharedMemory> {
        let s = store.as_context().0;
        s.assert_owns(self.store, "memory");
        match &s.vm.memories[self.index as usize] {
            tern_vm::StoreMemory::Shared(m) => Some(SharedMemory { inner: m.clone() }),
            tern_vm::StoreMemory::Owned(_) => None,
        }
    }

    /// `shared` as a memory of `store`, to import into its instances. Each
    /// call adds an entry to the store (counted by its limits) that refers
    /// to the same memory.
    pub fn from_shared(mut store: impl AsContextMut, shared: &SharedMemory) -> Result<Memory> {
        let s = store.as_context_mut().0;
        s.limit_new_memory(&shared.inner.ty(), true)?;
        s.vm.memories.push(tern_vm::StoreMemory::Shared(shared.inner.clone()));
        Ok(Memory {
            store: s.id,
            index: s.vm.memories.len() as u32 - 1,
        })
    }

    /// Grows by `delta` pages (of the memory's page size); returns the old
    /// size in pages. Fails when
    /// the memory's maximum, the store's limiter or the OS refuses (or
    /// with the limiter's error).
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let s = store.as_context_mut().0;
        s.check(self.store, "memory")?;
        s.grow_memory(self.index, delta)?
            .ok_or_else(|| Error::Limit("failed to grow memory".into()))
    }

    /// Reads `buf.len()` bytes at `offset`.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<()> {
        let s = store.as_context().0;
        s.check(self.store, "memory")?;
        s.vm.memories[self.index as usize]
            .read(offset as u64, buf)
            .map_err(|c| Error::Trap(c.into()))
    }

    /// Writes `buf` at `offset`.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<()> {
        let s = store.as_context_mut().0;
        s.check(self.store, "memory")?;
        s.vm.memories[self.index as usize]
            .write(offset as u64, buf)
            .map_err(|c| Error::Trap(c.into()))
    }
}

const SHARED_SLICE: &str = "a shared memory has no slice view: other threads may write it (use read/write)";

/// A shared linear memory (threads): it lives outside any store, and
/// every store that imports it, on any thread, uses the same bytes. Its
/// maximum is reserved up front, so it never moves. Clone it to hand it to
/// another thread; [`Memory::from_shared`] makes it a memory of a store.
#[derive(Clone)]
pub struct SharedMemory {
    inner: std::sync::Arc<LinearMemory>,
}

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("ty", &self.inner.current_ty())
            .finish()
    }
}

impl SharedMemory {
    /// A new shared memory of type `ty` (which must be `shared` and have a
    /// maximum), for stores of `engine`.
    pub fn new(engine: &crate::Engine, ty: MemoryType) -> Result<SharedMemory> {
        if !ty.shared {
            return Err(Error::usage("a shared memory needs a shared memory type"));
        }
        if ty.limits.max.is_none() {
            return Err(Error::usage("shared memory must have maximum"));
        }
        if !matches!(ty.page_size_log2, None | Some(0) | Some(16)) {
            return Err(Error::usage("invalid custom page size"));
        }
        let m = crate::call::new_memory(engine, ty, u64::MAX)?;
        Ok(SharedMemory {
            inner: std::sync::Arc::new(m),
        })
    }

    /// The current type (current size as minimum).
    pub fn ty(&self) -> MemoryType {
        self.inner.current_ty()
    }

    /// Size in pages of the memory's page size.
    pub fn size(&self) -> u64 {
        self.inner.size_pages()
    }

    /// Size in bytes.
    pub fn data_size(&self) -> usize {
        self.inner.len()
    }

    /// The contents, as cells: other threads may read and write them at
    /// any time.
    pub fn data(&self) -> &[std::cell::UnsafeCell<u8>] {
        // SAFETY: the first `len` bytes are accessible for the memory's
        // lifetime (it never shrinks or moves), and `UnsafeCell` claims
        // nothing about them.
        unsafe { std::slice::from_raw_parts(self.inner.base().cast(), self.inner.len()) }
    }

    /// Grows by `delta` pages, atomically with respect to other threads;
    /// returns the old size in pages.
    pub fn grow(&self, delta: u64) -> Result<u64> {
        self.inner
            .grow_shared(delta)
            .ok_or_else(|| Error::Limit("failed to grow memory".into()))
    }

    /// Reads `buf.len()` bytes at `offset`.
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.inner
            .read_racy(offset as u64, buf)
            .map_err(|c| Error::Trap(c.into()))
    }

    /// Writes `buf` at `offset`.
    pub fn write(&self, offset: usize, buf: &[u8]) -> Result<()> {
        self.inner
            .write_racy(offset as u64, buf)
            .map_err(|c| Error::Trap(c.into()))
    }

    /// `memory.atomic.notify` from the host: wakes up to `count` threads
    /// waiting at `addr`; returns how many it woke.
    pub fn atomic_notify(&self, addr: u64, count: u32) -> Result<u32> {
        self.inner.atomic_notify(addr, count).map_err(|c| Error::Trap(c.into()))
    }

    /// `memory.atomic.wait32` from the host: waits at `addr` while it holds
    /// `expected`, until notified or `timeout` passes.
    pub fn atomic_wait32(
        &self,
        addr: u64,
        expected: u32,
        timeout: Option<std::time::Duration>,
    ) -> Result<tern_vm::parking::WaitResult> {
        let nanos = timeout.map_or(-1, |t| i64::try_from(t.as_nanos()).unwrap_or(i64::MAX));
        let r = self.inner.atomic_wait(addr, expected as u64, nanos, false);
        match r.map_err(|c| Error::Trap(c.into()))? {
            0 => Ok(tern_vm::parking::WaitResult::Ok),
            1 => Ok(tern_vm::parking::WaitResult::NotEqual),
            _ => Ok(tern_vm::parking::WaitResult::TimedOut),
        }
    }
}

/// A table in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Table {
    /// A new table of type `ty`, every element set to `init` (if the
    /// store's limiter allows).
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table> {
        let s = store.as_context_mut().0;
        if !val_matches_in(&s.vm, &init, ValType::Ref(ty.element)) {
            return Err(type_error(ValType::Ref(ty.element), &init));
        }
        s.limit_new_table(&ty, true)?;
        let raw = val_to_raw128(&s.vm, s.id, &init)? as u64;
        let t = VmTable::new(ty, raw, s.vm.limits.max_table_elements)
            .ok_or_else(|| Error::Limit("table allocation failed: size exceeds the limit".into()))?;
        s.vm.tables.push(Box::new(t));
        Ok(Table {
            store: s.id,
            index: s.vm.tables.len() as u32 - 1,
        })
    }

    /// The current type (current size as minimum).
    pub fn ty(&self, store: impl AsContext) -> TableType {
        let s = store.as_context().0;
        s.assert_owns(self.store, "table");
        s.vm.tables[self.index as usize].current_ty()
    }

    /// Number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        let s = store.as_context().0;
        s.assert_owns(self.store, "table");
        s.vm.tables[self.index as usize].size() as u64
    }

    /// Element `i`, or `None` when out of bounds.
    pub fn get(&self, store: impl AsContext, i: u64) -> Option<Val> {
        let s = store.as_context().0;
        s.assert_owns(self.store, "table");
        let t = &s.vm.tables[self.index as usize];
        let raw = t.get(u32::try_from(i).ok()?).ok()?;
        let el = t.ty().element;
        Some(raw_to_ref(&s.vm, s.id, el, raw))
    }

    /// Sets element `i`.
    pub fn set(&self, mut store: impl AsContextMut, i: u64, v: Val) -> Result<()> {
        let s = store.as_context_mut().0;
        s.check(self.store, "table")?;
        let ty = s.vm.tables[self.index as usize].ty();
        if !val_matches_in(&s.vm, &v, ValType::Ref(ty.element)) {
            return Err(type_error(ValType::Ref(ty.element), &v));
        }
        let raw = val_to_raw128(&s.vm, s.id, &v)? as u64;
        let i = u32::try_from(i).map_err(|_| Error::Trap(TrapCode::TableOutOfBounds.into()))?;
        s.vm.tables[self.index as usize]
            .set(i, raw)
            .map_err(|c| Error::Trap(c.into()))
    }

    /// Grows by `delta` elements set to `init`; returns the old size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64> {
        let s = store.as_context_mut().0;
        s.check(self.store, "table")?;
        let ty = s.vm.tables[self.index as usize].ty();
        if !val_matches_in(&s.vm, &init, ValType::Ref(ty.element)) {
            return Err(type_error(ValType::Ref(ty.element), &init));
        }
        let raw = val_to_raw128(&s.vm, s.id, &init)? as u64;
        let delta = u32::try_from(delta).map_err(|_| Error::Limit("failed to grow table".into()))?;
        s.grow_table(self.index, delta, raw)?
            .map(|o| o as u64)
            .ok_or_else(|| Error::Limit("failed to grow table".into()))
    }
}

/// A global in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Global {
    /// A new global of type `ty` holding `v`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, v: Val) -> Result<Global> {
        let s = store.as_context_mut().0;
        if !val_matches_in(&s.vm, &v, ty.content) {
            return Err(type_error(ty.content, &v));
        }
        let value = val_to_raw128(&s.vm, s.id, &v)?;
        s.vm.globals.push(Box::new(GlobalEntity { ty, value }));
        Ok(Global {
            store: s.id,
            index: s.vm.globals.len() as u32 - 1,
        })
    }

    /// The type.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        let s = store.as_context().0;
        s.assert_owns(self.store, "global");
        s.vm.globals[self.index as usize].ty
    }

    /// The value.
    pub fn get(&self, store: impl AsContext) -> Val {
        let s = store.as_context().0;
        s.assert_owns(self.store, "global");
        let g = *s.vm.globals[self.index as usize];
        let slots = [g.value as u64, (g.value >> 64) as u64];
        let content = g.ty.content;
        val_from_slots(&s.vm, s.id, content, &slots)
    }

    /// Sets the value of a mutable global.
    pub fn set(&self, mut store: impl AsContextMut, v: Val) -> Result<()> {
        let s = store.as_context_mut().0;
        s.check(self.store, "global")?;
        let g = &s.vm.globals[self.index as usize];
        if !g.ty.mutable {
            return Err(Error::usage("cannot set an immutable global"));
        }
        if !val_matches_in(&s.vm, &v, g.ty.content) {
            return Err(type_error(g.ty.content, &v));
        }
        let value = val_to_raw128(&s.vm, s.id, &v)?;
        s.vm.globals[self.index as usize].value = value;
        Ok(())
    }
}

/// An exception tag in a store. Its identity is its place in the store:
/// every instantiation of a module makes fresh tags, and an imported tag is
/// the exporter's, so two tags of the same type are still different tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

impl Tag {
    /// A new tag whose exceptions carry the parameters of `ty` (its
    /// results must be empty).
    pub fn new(mut store: impl AsContextMut, ty: &FuncType) -> Result<Tag> {
        let s = store.as_context_mut().0;
        if !ty.results().is_empty() {
            return Err(Error::usage("non-empty tag result type"));
        }
        let sig = s.engine.inner.sigs.intern(ty);
        s.vm.tags.push(TagEntity {
            sig,
            param_slots: slots_of_all(ty.params()),
        });
        Ok(Tag {
            store: s.id,
            index: s.vm.tags.len() as u32 - 1,
        })
    }

    /// The tag's type: its parameters are the exceptions' payload.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let s = store.as_context().0;
        s.assert_owns(self.store, "tag");
        let t = s.vm.tags[self.index as usize];
        (*s.engine.inner.sigs.get(t.sig)).clone()
    }

    /// An exception of this tag carrying `payload`, as the error a host
    /// function returns to throw it: a wasm caller's handlers see it like
    /// one thrown by `throw`; an embedder sees an `uncaught exception`
    /// ([`crate::ExnRef::from_trap`] gives its tag and payload).
    pub fn throw(&self, mut store: impl AsContextMut, payload: &[Val]) -> Result<Trap> {
        let s = store.as_context_mut().0;
        s.check(self.store, "tag")?;
        let ty = s.engine.inner.sigs.get(s.vm.tags[self.index as usize].sig);
        if payload.len() != ty.params().len() {
            return Err(Error::usage(format!(
                "expected {} payload values, got {}",
                ty.params().len(),
                payload.len()
            )));
        }
        let mut slots = vec![0u64; slots_of_all(ty.params()) as usize];
        let mut at = 0;
        for (v, &t) in payload.iter().zip(ty.params()) {
            if !val_matches(v, t) {
                return Err(type_error(t, v));
            }
            at += crate::values::val_to_slots(&s.vm, s.id, v, &mut slots[at..])?;
        }
        let exn = s.vm.new_exn(self.index, slots.into_boxed_slice());
        s.vm.expose_exn(exn);
        Ok(Trap::exception(exn))
    }
}

/// Anything an instance can import or export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extern {
    Func(Func),
    Table(Table),
    Memory(Memory),
    Global(Global),
    Tag(Tag),
}

impl Extern {
    /// The kind of entity.
    pub fn kind(&self) -> ExternKind {
        match self {
            Extern::Func(_) => ExternKind::Func,
            Extern::Table(_) => ExternKind::Table,
            Extern::Memory(_) => ExternKind::Memory,
            Extern::Global(_) => ExternKind::Global,
            Extern::Tag(_) => ExternKind::Tag,
        }
    }

    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    pub fn into_tag(self) -> Option<Tag> {
        match self {
            Extern::Tag(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn store(&self) -> StoreId {
        match self {
            Extern::Func(x) => x.store,
            Extern::Table(x) => x.store,
            Extern::Memory(x) => x.store,
            Extern::Global(x) => x.store,
            Extern::Tag(x) => x.store,
        }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}
impl From<Tag> for Extern {
    fn from(t: Tag) -> Extern {
        Extern::Tag(t)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Linker, Module, Store};

    /// Exceptions caught without their reference are reused; those whose
    /// `exnref` was exposed are kept.
    #[test]
    fn caught_exceptions_are_reused_unless_exposed() {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let text = r#"
          (module
            (tag $e (param i32))
            (func (export "plain") (param i32)
              (loop $l
                (block $h (result i32)
                  (try_table (catch $e $h) (throw $e (local.get 0)))
                  (unreachable))
                (drop)
                (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
            (func (export "with-ref") (param i32)
              (loop $l
                (block $h (result i32 exnref)
                  (try_table (catch_ref $e $h) (throw $e (local.get 0)))
                  (unreachable))
                (drop) (drop)
                (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))
        "#;
        let module = Module::new(&engine, tern_text::parse_wat(text).unwrap()).unwrap();
        let i = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
        let plain = i.get_typed_func::<i32, ()>(&mut store, "plain").unwrap();
        plain.call(&mut store, 1000).unwrap();
        assert_eq!(store.inner.vm.exns.len(), 1);
        let with_ref = i.get_typed_func::<i32, ()>(&mut store, "with-ref").unwrap();
        with_ref.call(&mut store, 10).unwrap();
        // The first reuses the free one.
        assert_eq!(store.inner.vm.exns.len(), 10);
    }
}
