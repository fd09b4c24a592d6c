//! The GC heap of Wasm GC: structs and arrays, `i31` values and the raw
//! encoding of the `any` hierarchy, and a tracing mark-and-sweep collector
//! over a store's roots.
//!
//! Raw references of the `any` hierarchy (in value slots, fields, tables
//! and globals) are one `u64`:
//! - `0`: null;
//! - odd: an `i31` value, its 31 bits in bits 1..32 ([`i31_new`]);
//! - `..10` (binary): an external reference made internal by
//!   `any.convert_extern`, its raw `externref` shifted left by two;
//! - `..00`, nonzero: heap object `(index + 1) << 2`.
//!
//! `extern.convert_any` of a heap object or `i31` sets [`EXTERN_ANY`] on its
//! raw value, so an `externref` is either a host value's index + 1 (below
//! 2^32) or an internal reference with that bit set; converting back and
//! forth keeps identity without allocating. An object that was ever made
//! external is pinned (never freed): compiled frames of modules without GC
//! may hold `externref`s, and the compiler does not report its frames'
//! references to the collector.
//!
//! Objects live in an arena of slots; a slot is reused after its object was
//! collected, except in the poisoning configuration, where freed slots stay
//! dead so that a reference the collector missed traps ("use of a collected
//! GC object") instead of reading another object.
//!
//! Roots ([`StoreData::gc_collect`]): globals and tables of reference types,
//! element segments and exception payloads (conservatively: every slot is a
//! candidate), the interpreter's value stacks (conservatively, up to the
//! running frame's height; suspended activations register their stacks in
//! [`GcHeap::stacks`]), references the host holds ([`GcHeap::root`]) and
//! pinned objects. A conservative root only keeps a candidate object alive;
//! objects never move, so a number that looks like a reference is harmless.

use crate::store::{SigId, StoreData};
use crate::trap::TrapCode;
use std::sync::Arc;
use tern_binary::{HeapType, StorageType, ValType};

/// Set on an `externref` that is an internal (`any`) reference made
/// external.
pub const EXTERN_ANY: u64 = 1 << 63;

/// `ref.i31`: the raw reference of the low 31 bits of `v`.
#[inline]
pub fn i31_new(v: u32) -> u64 {
    (((v & 0x7fff_ffff) as u64) << 1) | 1
}

/// `i31.get_s` of a non-null `i31` raw reference.
#[inline]
pub fn i31_get_s(raw: u64) -> i32 {
    (((raw >> 1) as u32) << 1) as i32 >> 1
}

/// `i31.get_u` of a non-null `i31` raw reference.
#[inline]
pub fn i31_get_u(raw: u64) -> u32 {
    (raw >> 1) as u32 & 0x7fff_ffff
}

/// Whether a non-null `any` raw reference is an `i31`.
#[inline]
pub fn is_i31(raw: u64) -> bool {
    raw & 1 == 1
}

/// Whether a non-null `any` raw reference is an internalized external
/// reference.
#[inline]
pub fn is_internalized(raw: u64) -> bool {
    raw & 3 == 2
}

/// `any.convert_extern`.
#[inline]
pub fn any_convert_extern(e: u64) -> u64 {
    if e == 0 {
        0
    } else if e & EXTERN_ANY != 0 {
        e & !EXTERN_ANY
    } else {
        (e << 2) | 2
    }
}

/// `extern.convert_any` (without pinning: see [`GcHeap::pin`]).
#[inline]
pub fn extern_convert_any(a: u64) -> u64 {
    if a == 0 {
        0
    } else if is_internalized(a) {
        a >> 2
    } else {
        a | EXTERN_ANY
    }
}

/// The arena index of a heap-object raw reference, if `raw` has that form.
#[inline]
pub fn object_index(raw: u64) -> Option<usize> {
    if raw & 3 == 0 && raw != 0 {
        Some((raw >> 2) as usize - 1)
    } else {
        None
    }
}

#[inline]
fn object_ref(index: usize) -> u64 {
    ((index as u64) + 1) << 2
}

/// A type as the engine canonicalized it, with what the GC needs of it.
#[derive(Debug)]
pub struct GcType {
    /// The declared supertype chain, root first, ending with the type
    /// itself: `a <: b` exactly when `b` is in `a`'s chain.
    pub supers: Box<[SigId]>,
    pub is_final: bool,
    pub kind: GcKind,
    /// Whether each field of a struct, or the elements of an array (one
    /// entry), may be written.
    pub mutable: Box<[bool]>,
}

impl GcType {
    /// A plain (final, supertype-less) function type.
    pub fn plain_func(id: SigId) -> GcType {
        GcType {
            supers: Box::new([id]),
            is_final: true,
            kind: GcKind::Func,
            mutable: Box::new([]),
        }
    }

    /// Whether this type is a subtype of `b`.
    #[inline]
    pub fn is_subtype_of(&self, b: SigId) -> bool {
        self.supers.contains(&b)
    }

    /// The struct fields' layout, if a struct type.
    pub fn struct_layout(&self) -> Option<&StructLayout> {
        match &self.kind {
            GcKind::Struct(l) => Some(l),
            _ => None,
        }
    }

    /// The element type, if an array type.
    pub fn array_elem(&self) -> Option<StorageType> {
        match &self.kind {
            GcKind::Array(f) => Some(*f),
            _ => None,
        }
    }
}

/// What a type defines (its references to concrete types are engine
/// signature ids).
#[derive(Debug)]
pub enum GcKind {
    Func,
    Struct(StructLayout),
    Array(StorageType),
}

/// A struct's fields and where each lives in the object's slots: one
/// 64-bit slot per field, two for a `v128`.
#[derive(Debug)]
pub struct StructLayout {
    pub fields: Box<[StorageType]>,
    pub offsets: Box<[u32]>,
    pub slots: u32,
    /// Whether a field is packed (`i8`, `i16`): new values are cut.
    pub packed: bool,
}

impl StructLayout {
    pub fn new(fields: Box<[StorageType]>) -> StructLayout {
        let mut offsets = Vec::with_capacity(fields.len());
        let mut at = 0u32;
        for f in fields.iter() {
            offsets.push(at);
            at += crate::slots_of(f.unpacked());
        }
        StructLayout {
            packed: fields.iter().any(|f| matches!(f, StorageType::I8 | StorageType::I16)),
            fields,
            offsets: offsets.into_boxed_slice(),
            slots: at,
        }
    }
}

/// Whether values of storage type `s` may hold (or reach) GC objects: the
/// `any` and `extern` hierarchies.
pub fn storage_traced(s: StorageType, is_func_type: impl Fn(u32) -> bool) -> bool {
    match s {
        StorageType::Val(ValType::Ref(r)) => match r.heap {
            HeapType::Func | HeapType::NoFunc | HeapType::Exn | HeapType::NoExn => false,
            HeapType::Concrete(t) => !is_func_type(t),
            _ => true,
        },
        _ => false,
    }
}

/// The bits of a value slot a field of storage type `s` keeps.
#[inline]
pub fn pack_mask(s: StorageType) -> u64 {
    match s {
        StorageType::I8 => 0xff,
        StorageType::I16 => 0xffff,
        _ => u64::MAX,
    }
}

/// Element `i` (of `e` bytes) of an array's bytes, zero-extended.
#[inline]
pub fn load_elem(bytes: &[u8], i: usize, e: usize) -> u128 {
    let mut b = [0u8; 16];
    b[..e].copy_from_slice(&bytes[i * e..(i + 1) * e]);
    u128::from_le_bytes(b)
}

/// Stores the low `e` bytes of `v` as element `i` of an array's bytes.
#[inline]
pub fn store_elem(bytes: &mut [u8], i: usize, e: usize, v: u128) {
    bytes[i * e..(i + 1) * e].copy_from_slice(&v.to_le_bytes()[..e]);
}

/// The byte size of an array element of storage type `s`.
pub fn elem_size(s: StorageType) -> usize {
    match s {
        StorageType::I8 => 1,
        StorageType::I16 => 2,
        StorageType::Val(ValType::I32 | ValType::F32) => 4,
        StorageType::Val(ValType::V128) => 16,
        StorageType::Val(_) => 8,
    }
}

/// A struct or array.
#[derive(Debug)]
pub struct GcObject {
    /// The object's type (an engine signature id).
    pub ty: SigId,
    pinned: bool,
    pub body: Body,
}

/// What an object holds.
#[derive(Debug)]
pub enum Body {
    /// A struct's field slots (see [`StructLayout`]).
    Struct(Fields),
    /// An array's elements, packed little-endian at their byte size.
    Array { elem: u8, traced: bool, bytes: ArrayBytes },
}

impl GcObject {
    /// The number of elements of an array (0 for a struct).
    pub fn array_len(&self) -> u32 {
        match &self.body {
            Body::Array { elem, bytes, .. } => (bytes.len() / *elem as usize) as u32,
            Body::Struct(_) => 0,
        }
    }
}

/// Struct slots up to this many live in the object itself (no allocation
/// of their own).
const INLINE_SLOTS: usize = 6;

/// A struct's field slots: in the object when few, else boxed. Reads as a
/// slice.
#[derive(Debug)]
pub enum Fields {
    Inline(u8, [u64; INLINE_SLOTS]),
    Boxed(Box<[u64]>),
}

impl Fields {
    /// The slots `vals`, as fields.
    pub fn from_slice(vals: &[u64]) -> Fields {
        if vals.len() <= INLINE_SLOTS {
            let mut a = [0u64; INLINE_SLOTS];
            a[..vals.len()].copy_from_slice(vals);
            Fields::Inline(vals.len() as u8, a)
        } else {
            Fields::Boxed(vals.into())
        }
    }
}

impl std::ops::Deref for Fields {
    type Target = [u64];
    #[inline]
    fn deref(&self) -> &[u64] {
        match self {
            Fields::Inline(n, a) => &a[..*n as usize],
            Fields::Boxed(b) => b,
        }
    }
}

impl std::ops::DerefMut for Fields {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u64] {
        match self {
            Fields::Inline(n, a) => &mut a[..*n as usize],
            Fields::Boxed(b) => b,
        }
    }
}

/// Array elements up to this many bytes live in the object itself, as a
/// small struct's fields do.
const INLINE_BYTES: usize = INLINE_SLOTS * 8;

/// Inline element bytes, aligned as boxed ones are (compiled code reads
/// elements of up to 8 bytes at their natural offsets).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(8))]
pub struct InlineBytes([u8; INLINE_BYTES]);

/// An array's element bytes: in the object when few (no allocation of
/// their own, nothing for a sweep to free), else boxed. Reads as a byte
/// slice.
#[derive(Debug)]
pub enum ArrayBytes {
    Inline(u8, InlineBytes),
    Boxed(Box<[u8]>),
}

impl ArrayBytes {
    /// `n` bytes of `unit` repeated, or `None` when the host cannot give
    /// the memory.
    fn filled(n: usize, unit: &[u8]) -> Option<ArrayBytes> {
        if n <= INLINE_BYTES {
            let mut a = InlineBytes([0; INLINE_BYTES]);
            for c in a.0[..n].chunks_exact_mut(unit.len()) {
                c.copy_from_slice(unit);
            }
            return Some(ArrayBytes::Inline(n as u8, a));
        }
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(n).ok()?;
        if unit.iter().all(|&b| b == 0) {
            v.resize(n, 0);
        } else {
            for _ in 0..n / unit.len() {
                v.extend_from_slice(unit);
            }
        }
        Some(ArrayBytes::Boxed(v.into_boxed_slice()))
    }

    fn is_inline(&self) -> bool {
        matches!(self, ArrayBytes::Inline(..))
    }
}

impl std::ops::Deref for ArrayBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            ArrayBytes::Inline(n, a) => &a.0[..*n as usize],
            ArrayBytes::Boxed(b) => b,
        }
    }
}

impl std::ops::DerefMut for ArrayBytes {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            ArrayBytes::Inline(n, a) => &mut a.0[..*n as usize],
            ArrayBytes::Boxed(b) => b,
        }
    }
}

/// How the collector is configured.
#[derive(Clone, Copy, Debug)]
pub struct GcConfig {
    /// Most bytes the heap may hold (live objects, by their size estimate).
    pub heap_limit: usize,
    /// Collect before every allocation (tests: a missing root shows up as a
    /// wrong value).
    pub stress: bool,
    /// Never reuse a collected object's slot: a dangling reference traps.
    pub poison: bool,
}

impl Default for GcConfig {
    fn default() -> Self {
        GcConfig {
            heap_limit: 4 << 30,
            stress: false,
            poison: false,
        }
    }
}

/// Collection statistics.
#[derive(Clone, Copy, Debug, Default)]
pub struct GcStats {
    pub collections: u64,
    pub freed_objects: u64,
    pub longest_pause: std::time::Duration,
    pub total_pause: std::time::Duration,
}

/// What compiled code reads of the heap to access objects without a
/// call: per arena slot an entry `[payload address, meta]` at `base`, `len`
/// entries. `meta` is a struct's slot count, or an array's length with its
/// element size in bits 32..40; a free slot's entry is `[0, 0]`. Compiled
/// code checks the form `meta` must have for the access (so a reference
/// to a freed or reused slot never reads out of bounds) and otherwise
/// takes the libcall, which reports the trap. The entries change only in
/// allocations and collections, and `base` only when the arena grows.
#[repr(C)]
#[derive(Debug)]
pub struct GcView {
    pub base: *const [u64; 2],
    pub len: u64,
}

impl Default for GcView {
    fn default() -> Self {
        GcView {
            base: std::ptr::null(),
            len: 0,
        }
    }
}

/// Byte offsets in a [`GcView`] and its entries.
pub const VIEW_BASE: i32 = 0;
pub const VIEW_LEN: i32 = 8;
pub const ENTRY_PTR: i32 = 0;
pub const ENTRY_META: i32 = 8;
/// log2 of an entry's size.
pub const ENTRY_SHIFT: i64 = 4;

// An arena slot stays as small with arrays kept inline as with structs.
const _: () = assert!(std::mem::size_of::<Option<GcObject>>() <= 72);

/// The view entry of slot `o`.
fn view_entry(o: &Option<GcObject>) -> [u64; 2] {
    match o {
        None => [0, 0],
        Some(o) => match &o.body {
            Body::Struct(f) => [f.as_ptr() as u64, f.len() as u64],
            Body::Array { elem, bytes, .. } => [
                bytes.as_ptr() as u64,
                (bytes.len() / *elem as usize) as u64 | (*elem as u64) << 32,
            ],
        },
    }
}

/// The roots of an execution of the store that is parked on another
/// thread's stack while this one runs (an embedder may run wasm of one
/// store on several threads in turn, such as the JavaScript interface's
/// promise integration: only one runs at a time, the others wait): the
/// value stacks of its interpreter activations, its callee-saved registers
/// where it stopped, and the part of its machine stack compiled frames may
/// use. A collection scans them as it scans the running execution's.
pub struct Parked {
    /// As [`GcHeap::stacks`].
    pub stacks: Vec<(*const u64, usize)>,
    /// [`parking_registers`] where it stopped.
    pub regs: [u64; 11],
    /// `[low, high)` of its machine stack: from where it stopped up to its
    /// [`GcHeap::native_top`] (empty when that is 0).
    pub native: (usize, usize),
}

/// The callee-saved registers of the caller, as they are at the call:
/// for [`Parked::regs`], taken by a thread right before it waits, along
/// with an address of its frame for [`Parked::native`].
#[inline(always)]
pub fn parking_registers() -> [u64; 11] {
    callee_saved_registers()
}

/// A store's GC heap.
#[derive(Default)]
pub struct GcHeap {
    objects: Vec<Option<GcObject>>,
    /// The mark bits of a collection, a bit per slot (all clear between
    /// collections).
    marks: Vec<u64>,
    /// A bit per slot given to an object since the slot was last put on
    /// the free list (the object may have died since; dead ones wait in
    /// their slots until reused, see [`StoreData::gc_collect`]): what a
    /// sweep looks at, so that its cost follows the allocations, not the
    /// arena. After a sweep, exactly the live objects' slots.
    taken: Vec<u64>,
    /// The indices of the words of `taken` that have a bit set: a sweep
    /// visits these, so that its cost follows the objects, not the arena
    /// (which, with poisoning, only grows).
    taken_words: Vec<u32>,
    /// The slots whose objects own memory of their own (arrays, structs
    /// of many fields): a sweep frees these at once.
    boxed: Vec<u32>,
    /// The free slots; each sweep adds those freed highest first, so that
    /// allocation takes them from the lowest, keeping live objects close.
    free: Vec<u32>,
    /// What the engine knows of each signature id the store's instances
    /// use (indexed by id; filled at instantiation).
    types: Vec<Option<Arc<GcType>>>,
    /// Per registered struct type (by id): the slots of its fields that may
    /// hold GC references; worked out when a collection first needs them.
    traced: Vec<Option<Box<[u32]>>>,
    live_bytes: usize,
    since_gc: usize,
    /// Bytes to allocate before the next collection (at least
    /// [`MIN_THRESHOLD`]): twice what the last one left live, so the heap
    /// grows to about three times its live size between collections.
    threshold: usize,
    pub config: GcConfig,
    pub stats: GcStats,
    /// Print the statistics on stderr when the heap is dropped (the
    /// runtime's `TERN_LOG=gc`).
    pub log: bool,
    /// References the host holds: `(raw, generation)`, and the last
    /// generation given (behind a lock so that reading a value out of a
    /// global or table through a shared store roots it).
    roots: std::sync::Mutex<(Vec<(u64, u64)>, u64)>,
    /// Value stacks of interpreter activations suspended in a call out
    /// (to the host or compiled code): `(start, slots)`, valid while they
    /// are listed.
    pub stacks: Vec<(*const u64, usize)>,
    /// While compiled code runs on this store: an address in the frame of
    /// the runtime function that entered it first (above every compiled
    /// frame of the thread's machine stack); 0 otherwise. A collection
    /// scans the machine stack from its own frame up to here, and the
    /// callee-saved registers ([`scan_machine_stack`]).
    pub native_top: usize,
    /// Executions of this store parked on other threads' stacks (see
    /// [`Parked`]), by the id [`GcHeap::park`] gave each.
    parked: Vec<(u64, Parked)>,
    parked_ids: u64,
    /// Compiled code's view of the arena ([`GcView`]): one entry per slot
    /// of `objects`, and the header compiled code finds it by (boxed, so
    /// that its address stays put for `VMStoreContext::gc_view`).
    view: Vec<[u64; 2]>,
    view_header: Box<GcView>,
    /// The pinned objects' slots (never freed, so never stale).
    pinned: Vec<u32>,
    /// Manual host roots (`(raw, generation)`, `(0, 0)` when free), their
    /// free slots and the last generation given.
    manual: Vec<(u64, u64)>,
    manual_free: Vec<u32>,
    manual_generation: u64,
}

// SAFETY: the raw stack pointers are only listed while the activation that
// owns the stack is suspended on this thread, and only read by collections
// this store runs; a store moves between threads only between calls.
unsafe impl Send for GcHeap {}
unsafe impl Sync for GcHeap {}

impl Drop for GcHeap {
    fn drop(&mut self) {
        if self.log && self.stats.collections > 0 {
            let (objects, bytes) = self.usage();
            eprintln!(
                "[tern gc] {} collections, {} objects freed, pauses {:.1} ms in all, longest {:.2} ms; {} objects ({} KiB) at the end",
                self.stats.collections,
                self.stats.freed_objects,
                self.stats.total_pause.as_secs_f64() * 1e3,
                self.stats.longest_pause.as_secs_f64() * 1e3,
                objects,
                bytes / 1024
            );
        }
    }
}

/// Bytes an object costs besides its payload.
const OBJECT_OVERHEAD: usize = 48;
/// Allocation (in bytes) between collections, at least.
const MIN_THRESHOLD: usize = 8 << 20;

/// A host root's handle: its slot and generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RootHandle {
    pub index: u32,
    pub generation: u64,
}

impl GcHeap {
    /// Records what the engine knows of type `id`. A registered type is
    /// never replaced or dropped while the store lives, so the interpreter
    /// may borrow it apart from the heap.
    pub fn register_type(&mut self, id: SigId, ty: Arc<GcType>) {
        let i = id.0 as usize;
        if self.types.len() <= i {
            self.types.resize(i + 1, None);
        }
        if self.types[i].is_none() {
            self.types[i] = Some(ty);
        }
    }

    /// The type behind `id`, if registered.
    #[inline]
    pub fn ty(&self, id: SigId) -> Option<&Arc<GcType>> {
        self.types.get(id.0 as usize).and_then(|t| t.as_ref())
    }

    /// Whether `a` is a subtype of `b` (both registered, or equal).
    pub fn is_subtype(&self, a: SigId, b: SigId) -> bool {
        a == b || self.ty(a).is_some_and(|t| t.is_subtype_of(b))
    }

    /// Whether a non-null raw reference of the `any` hierarchy is of heap
    /// type `h` (concrete types by engine signature id).
    pub fn any_matches(&self, raw: u64, h: HeapType) -> bool {
        match h {
            HeapType::Any => true,
            HeapType::Eq => is_i31(raw) || object_index(raw).is_some(),
            HeapType::I31 => is_i31(raw),
            HeapType::Struct => matches!(self.get(raw).map(|o| &o.body), Ok(Body::Struct(_))),
            HeapType::Array => matches!(self.get(raw).map(|o| &o.body), Ok(Body::Array { .. })),
            HeapType::Concrete(t) => self.get(raw).is_ok_and(|o| self.is_subtype(o.ty, SigId(t))),
            _ => false,
        }
    }

    /// Whether heap type `h` (concrete types by engine signature id) is of
    /// the `any` hierarchy.
    pub fn is_any_heap(&self, h: HeapType) -> bool {
        match h {
            HeapType::Any | HeapType::Eq | HeapType::I31 | HeapType::Struct | HeapType::Array | HeapType::None => true,
            HeapType::Concrete(t) => !self.is_func_type(t),
            _ => false,
        }
    }

    /// Whether `id` is a function type (or unknown, taken as one: plain
    /// function types of modules without GC are not registered).
    pub fn is_func_type(&self, id: u32) -> bool {
        self.ty(SigId(id)).is_none_or(|t| matches!(t.kind, GcKind::Func))
    }

    /// The object behind a raw reference of heap-object form.
    #[inline]
    pub fn get(&self, raw: u64) -> Result<&GcObject, TrapCode> {
        match object_index(raw)
            .filter(|&i| bit(&self.taken, i))
            .and_then(|i| self.objects.get(i))
        {
            Some(Some(o)) => Ok(o),
            _ => Err(TrapCode::DanglingGcReference),
        }
    }

    /// The object behind a raw reference, mutably.
    #[inline]
    pub fn get_mut(&mut self, raw: u64) -> Result<&mut GcObject, TrapCode> {
        match object_index(raw)
            .filter(|&i| bit(&self.taken, i))
            .and_then(|i| self.objects.get_mut(i))
        {
            Some(Some(o)) => Ok(o),
            _ => Err(TrapCode::DanglingGcReference),
        }
    }

    /// Whether a collection is due before allocating `bytes` more.
    #[inline]
    pub fn wants_collection(&self, bytes: usize) -> bool {
        self.config.stress
            || self.since_gc + bytes > self.threshold.max(MIN_THRESHOLD)
            || self.live_bytes + self.since_gc + bytes > self.config.heap_limit
    }

    /// Whether `bytes` more fit under the heap limit.
    #[inline]
    pub fn fits(&self, bytes: usize) -> bool {
        self.live_bytes + self.since_gc + bytes <= self.config.heap_limit
    }

    fn insert(&mut self, obj: GcObject, bytes: usize) -> u64 {
        self.since_gc += bytes;
        let owns_memory = match &obj.body {
            Body::Struct(f) => !matches!(f, Fields::Inline(..)),
            Body::Array { bytes, .. } => !bytes.is_inline(),
        };
        let capacity = self.objects.capacity();
        let i = match self.free.pop() {
            Some(i) => {
                self.objects[i as usize] = Some(obj);
                i as usize
            }
            None => {
                self.objects.push(Some(obj));
                self.view.push([0, 0]);
                self.view_header.base = self.view.as_ptr();
                self.view_header.len = self.view.len() as u64;
                self.objects.len() - 1
            }
        };
        if self.objects.capacity() == capacity {
            self.view[i] = view_entry(&self.objects[i]);
        } else {
            // The arena moved, and with it the fields kept in objects.
            for (e, o) in self.view.iter_mut().zip(&self.objects) {
                *e = view_entry(o);
            }
        }
        if self.taken.len() <= i / 64 {
            self.taken.resize(i / 64 + 1, 0);
        }
        if self.taken[i / 64] == 0 {
            self.taken_words.push((i / 64) as u32);
        }
        self.taken[i / 64] |= 1 << (i % 64);
        if owns_memory {
            self.boxed.push(i as u32);
        }
        object_ref(i)
    }

    /// Lists the roots of an execution parked on another thread until
    /// [`GcHeap::unpark`] is given the id this returns.
    ///
    /// # Safety
    /// The stacks and the machine stack range stay mapped, and the parked
    /// thread does not run, until then.
    pub unsafe fn park(&mut self, p: Parked) -> u64 {
        self.parked_ids += 1;
        self.parked.push((self.parked_ids, p));
        self.parked_ids
    }

    /// Forgets the parked execution `id` (its thread runs again), giving
    /// back what [`GcHeap::park`] was given.
    pub fn unpark(&mut self, id: u64) -> Option<Parked> {
        let at = self.parked.iter().position(|(i, _)| *i == id)?;
        Some(self.parked.swap_remove(at).1)
    }

    /// The header of compiled code's view of the arena (see [`GcView`]);
    /// its address is the heap's for its whole life.
    pub fn view(&self) -> *const GcView {
        &*self.view_header
    }

    /// The size estimate of a struct of `slots` slots.
    pub fn struct_bytes(slots: u32) -> usize {
        OBJECT_OVERHEAD + slots as usize * 8
    }

    /// The size estimate of an array of `len` elements of `elem` bytes
    /// (`None` when it overflows).
    pub fn array_bytes(elem: usize, len: u32) -> Option<usize> {
        (len as usize).checked_mul(elem)?.checked_add(OBJECT_OVERHEAD)
    }

    /// Allocates a struct of type `ty` with these field slots. The caller
    /// checked [`GcHeap::fits`].
    pub fn alloc_struct(&mut self, ty: SigId, fields: Fields) -> u64 {
        let bytes = Self::struct_bytes(fields.len() as u32);
        self.insert(
            GcObject {
                ty,
                pinned: false,
                body: Body::Struct(fields),
            },
            bytes,
        )
    }

    /// Allocates an array of type `ty` with elements of `elem` bytes
    /// (`bytes` holds them all). The caller checked [`GcHeap::fits`].
    pub fn alloc_array(&mut self, ty: SigId, elem: u8, traced: bool, bytes: ArrayBytes) -> u64 {
        let size = bytes.len() + OBJECT_OVERHEAD;
        self.insert(
            GcObject {
                ty,
                pinned: false,
                body: Body::Array { elem, traced, bytes },
            },
            size,
        )
    }

    /// A new struct of type `ty` (layout `layout`) whose fields are the
    /// value slots `vals` (packed fields cut to their width). The caller
    /// checked [`GcHeap::fits`].
    pub fn new_struct(&mut self, ty: SigId, layout: &StructLayout, vals: &[u64]) -> u64 {
        let mut f = Fields::from_slice(&vals[..layout.slots as usize]);
        if layout.packed {
            for (k, s) in layout.fields.iter().enumerate() {
                f[layout.offsets[k] as usize] &= pack_mask(*s);
            }
        }
        self.alloc_struct(ty, f)
    }

    /// A new struct of type `ty` (layout `layout`) with every field zero.
    pub fn new_struct_default(&mut self, ty: SigId, layout: &StructLayout) -> u64 {
        let fields = match layout.slots as usize {
            n if n <= INLINE_SLOTS => Fields::Inline(n as u8, [0; INLINE_SLOTS]),
            n => Fields::Boxed(vec![0; n].into_boxed_slice()),
        };
        self.alloc_struct(ty, fields)
    }

    /// A new array of type `ty` of `len` elements of storage type `elem`,
    /// each `v`. Fails when the host cannot give the memory.
    pub fn new_array(
        &mut self,
        ty: SigId,
        elem: StorageType,
        traced: bool,
        len: u32,
        v: u128,
    ) -> Result<u64, TrapCode> {
        let e = elem_size(elem);
        let n = (len as usize).checked_mul(e).ok_or(TrapCode::GcHeapExhausted)?;
        let bytes = ArrayBytes::filled(n, &v.to_le_bytes()[..e]).ok_or(TrapCode::GcHeapExhausted)?;
        Ok(self.alloc_array(ty, e as u8, traced, bytes))
    }

    /// `extern.convert_any`: the external form of `a`, pinning a heap
    /// object (see the module docs).
    pub fn externalize(&mut self, a: u64) -> u64 {
        if let Some(i) = object_index(a)
            && let Some(Some(o)) = self.objects.get_mut(i)
            && !o.pinned
        {
            o.pinned = true;
            self.pinned.push(i as u32);
        }
        extern_convert_any(a)
    }

    fn root_set(&self) -> std::sync::MutexGuard<'_, (Vec<(u64, u64)>, u64)> {
        self.roots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Roots `raw` for the host; it stays rooted until [`GcHeap::unroot_to`]
    /// drops roots from its slot on.
    pub fn root(&self, raw: u64) -> RootHandle {
        let mut g = self.root_set();
        g.1 += 1;
        let generation = g.1;
        g.0.push((raw, generation));
        RootHandle {
            index: g.0.len() as u32 - 1,
            generation,
        }
    }

    /// The raw reference a live root handle holds.
    pub fn rooted(&self, h: RootHandle) -> Option<u64> {
        match self.root_set().0.get(h.index as usize) {
            Some(&(raw, g)) if g == h.generation => Some(raw),
            _ => None,
        }
    }

    /// Roots `raw` until [`GcHeap::unroot_manual`], apart from the scoped
    /// roots.
    pub fn root_manual(&mut self, raw: u64) -> RootHandle {
        self.manual_generation += 1;
        let generation = self.manual_generation;
        let index = match self.manual_free.pop() {
            Some(i) => {
                self.manual[i as usize] = (raw, generation);
                i
            }
            None => {
                self.manual.push((raw, generation));
                self.manual.len() as u32 - 1
            }
        };
        RootHandle { index, generation }
    }

    /// The raw reference a live manual root holds.
    pub fn manually_rooted(&self, h: RootHandle) -> Option<u64> {
        match self.manual.get(h.index as usize) {
            Some(&(raw, g)) if g == h.generation => Some(raw),
            _ => None,
        }
    }

    /// Drops a manual root; `false` when it was dropped already.
    pub fn unroot_manual(&mut self, h: RootHandle) -> bool {
        match self.manual.get_mut(h.index as usize) {
            Some(e) if e.1 == h.generation => {
                *e = (0, 0);
                self.manual_free.push(h.index);
                true
            }
            _ => false,
        }
    }

    /// How many host roots there are (a scope's mark).
    pub fn root_mark(&self) -> usize {
        self.root_set().0.len()
    }

    /// Drops the host roots made since `mark`.
    pub fn unroot_to(&self, mark: usize) {
        self.root_set().0.truncate(mark);
    }

    /// Live objects and their estimated bytes.
    pub fn usage(&self) -> (usize, usize) {
        let count = self
            .taken_words
            .iter()
            .map(|&k| self.taken[k as usize].count_ones() as usize);
        (count.sum(), self.live_bytes + self.since_gc)
    }

    /// Works out [`GcHeap::traced`] for the types registered since.
    fn update_traced(&mut self) {
        while self.traced.len() < self.types.len() {
            let i = self.traced.len();
            let slots = self.types[i].as_ref().and_then(|t| t.struct_layout()).map(|l| {
                l.fields
                    .iter()
                    .zip(l.offsets.iter())
                    .filter(|&(&f, _)| storage_traced(f, |t| self.is_func_type(t)))
                    .map(|(_, &o)| o)
                    .collect::<Box<[u32]>>()
            });
            self.traced.push(slots);
        }
    }

    /// Traces from the marked objects in `work` (each popped once);
    /// returns the size of those it traced.
    fn mark_from(&mut self, work: &mut Vec<usize>) -> usize {
        self.update_traced();
        let (objects, taken, marks, traced) = (&self.objects, &self.taken, &mut self.marks, &self.traced);
        let mut bytes = 0;
        while let Some(i) = work.pop() {
            let Some(o) = &objects[i] else { continue };
            match &o.body {
                Body::Struct(fields) => {
                    bytes += GcHeap::struct_bytes(fields.len() as u32);
                    if let Some(Some(slots)) = traced.get(o.ty.0 as usize) {
                        for &k in slots.iter() {
                            push_candidate(taken, marks, work, fields[k as usize]);
                        }
                    }
                }
                Body::Array { traced, bytes: b, .. } => {
                    bytes += b.len() + OBJECT_OVERHEAD;
                    if *traced {
                        for c in b.chunks_exact(8) {
                            push_candidate(taken, marks, work, u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
                        }
                    }
                }
            }
        }
        bytes
    }
}

impl GcHeap {
    /// Calls `f` with every word a live object holds that may be a
    /// reference: every slot of a struct, every element of an array of
    /// references. The host's roots are included.
    pub fn for_each_held_word(&mut self, mut f: impl FnMut(u64)) {
        for &k in &self.taken_words {
            let mut bits = self.taken[k as usize];
            while bits != 0 {
                let i = k as usize * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                match self.objects.get(i).and_then(|o| o.as_ref()).map(|o| &o.body) {
                    Some(Body::Struct(fields)) => fields.iter().for_each(|&w| f(w)),
                    Some(Body::Array {
                        traced: true, bytes, ..
                    }) => {
                        for c in bytes.chunks_exact(8) {
                            f(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
                        }
                    }
                    _ => {}
                }
            }
        }
        for &(w, _) in self.roots.get_mut().unwrap_or_else(|e| e.into_inner()).0.iter() {
            f(w);
        }
        for &(w, _) in &self.manual {
            f(w);
        }
    }
}

/// Whether this target can find compiled frames' references on the
/// machine stack ([`scan_machine_stack`]): compiled code runs GC modules
/// only where it can.
pub const MACHINE_STACK_SCAN: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// The callee-saved integer registers, as they are now.
#[inline(always)]
fn callee_saved_registers() -> [u64; 11] {
    #[allow(unused_mut)]
    let mut r = [0u64; 11];
    // SAFETY: the assembly only stores registers into `r`.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::asm!(
            "mov [{0}], rbx",
            "mov [{0} + 8], rbp",
            "mov [{0} + 16], r12",
            "mov [{0} + 24], r13",
            "mov [{0} + 32], r14",
            "mov [{0} + 40], r15",
            in(reg) r.as_mut_ptr(),
            options(nostack, preserves_flags),
        );
    }
    // SAFETY: as above.
    #[cfg(target_arch = "aarch64")]
    unsafe {
        std::arch::asm!(
            "stp x19, x20, [{0}]",
            "stp x21, x22, [{0}, #16]",
            "stp x23, x24, [{0}, #32]",
            "stp x25, x26, [{0}, #48]",
            "stp x27, x28, [{0}, #64]",
            "str x29, [{0}, #80]",
            in(reg) r.as_mut_ptr(),
            options(nostack, preserves_flags),
        );
    }
    r
}

/// Calls `mark` with every word that compiled frames may hold a reference
/// in (the callee-saved registers, then each aligned word of the machine
/// stack from this function's frame up to `top`) that has the form of an
/// object reference up to `limit` (in either the `any` or the external
/// form). Compiled code keeps a
/// reference live across a call (the only place a collection can happen)
/// in a callee-saved register or a stack slot; a register it left alone is
/// still in the register here, and one a frame in between saved is in
/// that frame. Conservative, like the interpreter's stacks: a word that
/// only looks like a reference keeps an object alive, which is harmless
/// since objects never move.
///
/// # Safety
/// `top` is an address of this thread's stack above this call's frame.
#[inline(never)]
unsafe fn scan_machine_stack(top: usize, limit: u64, mark: &mut dyn FnMut(u64)) {
    let regs = std::hint::black_box(callee_saved_registers());
    // SAFETY: the caller's contract: the stack from this frame up to `top`
    // is this thread's.
    unsafe { scan_words(&regs, &raw const regs as usize, top, limit, mark) };
}

/// Calls `mark` with each of `regs`, then each aligned word of `[low,
/// high)`, that has the form of an object reference up to `limit`.
///
/// # Safety
/// `[low, high)` is mapped, and nothing writes it meanwhile.
unsafe fn scan_words(regs: &[u64], low: usize, high: usize, limit: u64, mark: &mut dyn FnMut(u64)) {
    for &w in regs {
        if may_be_object(w, limit) {
            mark(w);
        }
    }
    let mut at = low & !7;
    while at < high {
        // SAFETY: the caller's contract; reading a word as a number is all
        // this does.
        let w = unsafe { std::ptr::read_volatile(at as *const u64) };
        if may_be_object(w, limit) {
            mark(w);
        }
        at += 8;
    }
}

/// Whether a word of a machine stack has the form of an object's
/// reference up to `limit`, in the `any` or the external form.
#[inline]
fn may_be_object(w: u64, limit: u64) -> bool {
    let r = w & !EXTERN_ANY;
    r & 3 == 0 && r != 0 && r <= limit
}

/// Marks the object a candidate word names (in either the `any` or the
/// external form), queueing it for tracing if it was not marked yet.
/// Only a taken slot holds an object that may be live: a dead object
/// waiting in a freed slot is not traced again (a stale word on a stack
/// would otherwise bring back whatever it referenced).
#[inline]
fn push_candidate(taken: &[u64], marks: &mut [u64], work: &mut Vec<usize>, w: u64) {
    let w = if w & EXTERN_ANY != 0 { w & !EXTERN_ANY } else { w };
    if let Some(i) = object_index(w)
        && bit(taken, i)
        && !bit(marks, i)
    {
        marks[i / 64] |= 1 << (i % 64);
        work.push(i);
    }
}

/// Whether bit `i` of a bitmap is set (false past its end).
#[inline]
fn bit(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|b| b & (1 << (i % 64)) != 0)
}

impl StoreData {
    /// Collects the GC heap. `stack` is the running interpreter
    /// activation's value stack (up to its running frame's height); the
    /// rest of the roots are the store's (see the module docs).
    pub fn gc_collect(&mut self, stack: &[u64]) {
        if self.gc.taken_words.is_empty() {
            self.gc.live_bytes = 0;
            self.gc.since_gc = 0;
            return;
        }
        let start = std::time::Instant::now();
        let mut work: Vec<usize> = Vec::new();
        let objects = &self.gc.objects;
        let marks = &mut self.gc.marks;
        marks.resize(objects.len().div_ceil(64), 0);
        let limit = object_ref(objects.len());
        let taken = &self.gc.taken;
        let mut mark = |w: u64| push_candidate(taken, marks, &mut work, w);
        for &w in stack {
            mark(w);
        }
        let parked_stacks = self.gc.parked.iter().flat_map(|(_, p)| &p.stacks);
        for &(p, n) in self.gc.stacks.iter().chain(parked_stacks) {
            // SAFETY: listed stacks are live (see `GcHeap::stacks`), and so
            // are parked ones while listed (`GcHeap::park`).
            for &w in unsafe { std::slice::from_raw_parts(p, n) } {
                mark(w);
            }
        }
        if self.gc.native_top != 0 {
            // SAFETY: `native_top` is set by the activation running on this
            // thread, in a frame above this one.
            unsafe { scan_machine_stack(self.gc.native_top, limit, &mut mark) };
        }
        for (_, p) in &self.gc.parked {
            // SAFETY: a parked thread's stack between where it stopped and
            // its entry stays as it is while it is listed (`park`).
            unsafe { scan_words(&p.regs, p.native.0, p.native.1, limit, &mut mark) };
        }
        for g in &self.globals {
            if let ValType::Ref(_) = g.ty.content {
                mark(g.value as u64);
            }
        }
        for t in &self.tables {
            if !matches!(
                t.ty().element.heap,
                HeapType::Func | HeapType::NoFunc | HeapType::Exn | HeapType::NoExn
            ) {
                for i in 0..t.size() {
                    mark(t.get(i).unwrap_or(0));
                }
            }
        }
        for inst in &self.instances {
            for seg in &inst.elems {
                for &w in seg.iter() {
                    mark(w);
                }
            }
        }
        for e in &self.exns {
            for &w in e.payload.iter() {
                mark(w);
            }
        }
        for &(w, _) in self.gc.roots.get_mut().unwrap_or_else(|e| e.into_inner()).0.iter() {
            mark(w);
        }
        for &(w, _) in &self.gc.manual {
            mark(w);
        }
        for &i in &self.gc.pinned {
            mark(object_ref(i as usize));
        }
        let live = self.gc.mark_from(&mut work);

        // Sweep. Objects that own memory are freed now; the others (most:
        // small structs) stay in their slots, dead, until an allocation
        // takes the slot, so the sweep reads bitmaps and not the arena.
        // With poisoning, every dead object is cleared now, and its slot
        // never used again.
        let heap = &mut self.gc;
        let mut freed = 0;
        let objects = &mut heap.objects;
        let marks = &heap.marks;
        let view = &mut heap.view;
        heap.boxed.retain(|&i| {
            let keep = bit(marks, i as usize);
            if !keep {
                objects[i as usize] = None;
                view[i as usize] = [0, 0];
            }
            keep
        });
        // The slots whose objects died since they were taken go on the free
        // list, or with poisoning are cleared and never used again; the
        // mark bits are cleared on the way (only taken slots are ever
        // marked). The words come mostly in ascending order; the slots
        // freed are pushed in reverse, so allocation takes the low ones
        // first.
        let poison = heap.config.poison;
        let free = &mut heap.free;
        let first_freed = free.len();
        let (taken, marks) = (&mut heap.taken, &mut heap.marks);
        heap.taken_words.retain(|&k| {
            let k = k as usize;
            let mut dead = taken[k] & !marks[k];
            taken[k] &= !dead;
            freed += dead.count_ones() as u64;
            marks[k] = 0;
            while dead != 0 {
                let b = dead.trailing_zeros() as usize;
                dead &= dead - 1;
                let i = k * 64 + b;
                if poison {
                    objects[i] = None;
                    view[i] = [0, 0];
                } else {
                    free.push(i as u32);
                }
            }
            taken[k] != 0
        });
        free[first_freed..].reverse();
        heap.live_bytes = live;
        heap.since_gc = 0;
        heap.threshold = live.saturating_mul(2);
        let pause = start.elapsed();
        heap.stats.collections += 1;
        heap.stats.freed_objects += freed;
        heap.stats.total_pause += pause;
        heap.stats.longest_pause = heap.stats.longest_pause.max(pause);
    }

    /// Makes room for an allocation of `bytes`: collects when one is due
    /// (see [`GcHeap::wants_collection`]), then checks the heap limit.
    pub fn gc_prepare(&mut self, bytes: usize, stack: &[u64]) -> Result<(), TrapCode> {
        if self.gc.wants_collection(bytes) {
            self.gc_collect(stack);
        }
        if self.gc.fits(bytes) {
            Ok(())
        } else {
            Err(TrapCode::GcHeapExhausted)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i31_round_trips() {
        for v in [0u32, 1, 0x3fff_ffff, 0x4000_0000, 0x7fff_ffff, 0xffff_ffff, 0x8000_0000] {
            let r = i31_new(v);
            assert!(is_i31(r));
            assert_eq!(i31_get_u(r), v & 0x7fff_ffff);
            assert_eq!(i31_get_s(r), ((v << 1) as i32) >> 1);
        }
    }

    #[test]
    fn conversions_keep_identity() {
        for e in [1u64, 7, u32::MAX as u64] {
            let a = any_convert_extern(e);
            assert!(is_internalized(a));
            assert_eq!(extern_convert_any(a), e);
        }
        for a in [i31_new(5), object_ref(3)] {
            let e = extern_convert_any(a);
            assert_eq!(any_convert_extern(e), a);
        }
        assert_eq!(any_convert_extern(0), 0);
        assert_eq!(extern_convert_any(0), 0);
    }
}
