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
//! - `..000`, nonzero: a heap object, the byte offset of its header in
//!   the heap's words.
//!
//! `extern.convert_any` of a heap object or `i31` sets [`EXTERN_ANY`] on its
//! raw value, so an `externref` is either a host value's index + 1 (below
//! 2^32) or an internal reference with that bit set; converting back and
//! forth keeps identity without allocating. An object that was ever made
//! external is pinned (never freed): compiled frames of modules without GC
//! may hold `externref`s, and the compiler does not report its frames'
//! references to the collector.
//!
//! Objects live one after the other in one vector of words, each a header
//! (kind, type id, size) and its slots or elements. Allocation moves a bump
//! pointer through a run of free words (compiled code does it inline,
//! through [`GcView`]); a bitmap marks where objects start. The collector
//! is mark-and-sweep and non-moving: the words between live objects become
//! the free runs of the next allocations, except in the poisoning
//! configuration, where a dead object's words stay dead so that a
//! reference the collector missed traps ("use of a collected GC object")
//! instead of reading another object.
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

/// The heap word index of a heap-object raw reference, if `raw` has that
/// form.
#[inline]
pub fn object_index(raw: u64) -> Option<usize> {
    if raw & 7 == 0 && raw != 0 {
        Some((raw >> 3) as usize)
    } else {
        None
    }
}

/// The raw reference of the object whose header is word `index`: its
/// byte offset in the heap.
#[inline]
fn object_ref(index: usize) -> u64 {
    (index as u64) << 3
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

/// Field `field` of a struct whose fields are `fields`: its first slot
/// (one slot per field, two for a `v128`) and its storage type.
pub fn field_slot(fields: &[tern_binary::FieldType], field: u32) -> Option<(u32, StorageType)> {
    let s = fields.get(field as usize)?.storage;
    let at = fields[..field as usize]
        .iter()
        .map(|f| crate::slots_of(f.storage.unpacked()))
        .sum();
    Some((at, s))
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

/// An object's header word: its kind (bits 0..2, [`KIND_STRUCT`] ...),
/// whether it is pinned, whether an array's elements are traced, an
/// array's log2 element size (bits 5..8), a struct's slot count (bits
/// 8..32) and the type's engine id (bits 32..64). A poisoned object's
/// header has its length in words in bits 8..64 instead. An array's length
/// is the word after the header.
pub const KIND_MASK: u64 = 3;
pub const KIND_STRUCT: u64 = 1;
pub const KIND_ARRAY: u64 = 2;
/// A collected object, with poisoning: its words stay dead.
pub const KIND_POISON: u64 = 3;
const PINNED: u64 = 1 << 3;
const TRACED: u64 = 1 << 4;
const ELEM_SHIFT: u32 = 5;
const SLOTS_SHIFT: u32 = 8;
/// Byte offset of an array's length, and of its first element, from its
/// header.
pub const ARRAY_LEN: i32 = 8;
pub const ARRAY_DATA: i32 = 16;

/// The header of a struct of type `ty` with `slots` slots.
#[inline]
pub fn struct_header(ty: SigId, slots: u32) -> u64 {
    (ty.0 as u64) << 32 | (slots as u64) << SLOTS_SHIFT | KIND_STRUCT
}

/// The header of an array of type `ty` with elements of `elem` bytes.
#[inline]
pub fn array_header(ty: SigId, elem: usize, traced: bool) -> u64 {
    (ty.0 as u64) << 32 | (elem.trailing_zeros() as u64) << ELEM_SHIFT | if traced { TRACED } else { 0 } | KIND_ARRAY
}

/// The words an object with header `h` (and, for an array, length word
/// `len`) spans, at least one.
#[inline]
fn object_words(h: u64, len: u64) -> usize {
    match h & KIND_MASK {
        KIND_STRUCT => 1 + ((h >> SLOTS_SHIFT) as u32 & 0xff_ffff) as usize,
        KIND_ARRAY => 2 + ((len as usize) << ((h >> ELEM_SHIFT) & 7)).div_ceil(8),
        _ => ((h >> SLOTS_SHIFT) as usize).max(1),
    }
}

/// A struct or array, read.
#[derive(Debug)]
pub struct GcObject<'a> {
    /// The object's type (an engine signature id).
    pub ty: SigId,
    pub body: Body<'a>,
}

/// What an object holds.
#[derive(Debug)]
pub enum Body<'a> {
    /// A struct's field slots (see [`StructLayout`]).
    Struct(&'a [u64]),
    /// An array's elements, packed little-endian at their byte size.
    Array { elem: u8, traced: bool, bytes: &'a [u8] },
}

/// A struct or array, to be written.
pub struct GcObjectMut<'a> {
    pub ty: SigId,
    pub body: BodyMut<'a>,
}

/// What an object holds, writable.
pub enum BodyMut<'a> {
    Struct(&'a mut [u64]),
    Array {
        elem: u8,
        traced: bool,
        bytes: &'a mut [u8],
    },
}

impl GcObject<'_> {
    /// The number of elements of an array (0 for a struct).
    pub fn array_len(&self) -> u32 {
        match &self.body {
            Body::Array { elem, bytes, .. } => (bytes.len() / *elem as usize) as u32,
            Body::Struct(_) => 0,
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

/// What compiled code reads of the heap to access and allocate objects
/// without a call: the heap's words at `base` (`len` bytes; a reference is
/// the byte offset of its object's header), and the bump run `[top,
/// limit)` (byte offsets) that allocation takes from. Compiled code checks
/// that an access stays below `len` and that the header is of the kind the
/// access needs (so a reference to a collected object never reads outside
/// the heap, and with poisoning it traps), and allocates by moving `top`
/// when the object fits below `limit`; everything else takes the libcall.
/// `base` and `len` change only in allocations (when the heap grows),
/// `top` and `limit` in allocations and collections.
/// `starts` is the heap's bitmap of the words where objects start, a bit
/// per word: an allocation sets its object's bit.
#[repr(C)]
#[derive(Debug)]
pub struct GcView {
    pub base: *mut u64,
    pub len: u64,
    pub top: u64,
    pub limit: u64,
    pub starts: *mut u64,
}

impl Default for GcView {
    fn default() -> Self {
        GcView {
            base: std::ptr::null_mut(),
            len: 0,
            top: 0,
            limit: 0,
            starts: std::ptr::null_mut(),
        }
    }
}

/// Byte offsets in a [`GcView`].
pub const VIEW_BASE: i32 = 0;
pub const VIEW_LEN: i32 = 8;
pub const VIEW_TOP: i32 = 16;
pub const VIEW_LIMIT: i32 = 24;
pub const VIEW_STARTS: i32 = 32;

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
pub struct GcHeap {
    /// The heap's words: objects (a header, then their slots or an
    /// array's length and elements) and free runs, one after the other
    /// from word 1 (word 0 is never an object, so no reference is 0).
    words: Vec<u64>,
    /// The free runs the last sweep left, `(first word, words)` in
    /// address order, and the next one allocation takes.
    runs: Vec<(usize, usize)>,
    next_run: usize,
    /// The end of the words ever given to allocation: with poisoning,
    /// allocation only takes words past it.
    high: usize,
    /// A bit per word where an object starts (set by allocation, cleared
    /// for the dead by a sweep): what a reference, and a conservative root,
    /// must point at.
    starts: Vec<u64>,
    /// A collection's mark bits, a bit per word (all clear between
    /// collections).
    marks: Vec<u64>,
    /// The words of `starts` with a bit set after the last sweep, in
    /// order, and the word ranges given to allocation since: together they
    /// hold every object, so a collection visits only these bitmap words
    /// (with poisoning the heap only grows, and collecting at every
    /// allocation must not cost the whole heap each time).
    live_words: Vec<u32>,
    fresh: Vec<(usize, usize)>,
    /// What the engine knows of each signature id the store's instances
    /// use (indexed by id; filled at instantiation).
    types: Vec<Option<Arc<GcType>>>,
    /// Per registered struct type (by id): the slots of its fields that may
    /// hold GC references; worked out when a collection first needs them.
    traced: Vec<Option<Box<[u32]>>>,
    live_bytes: usize,
    /// Bytes given to allocation since the last collection: every bump run
    /// taken, less what was left of it when given up.
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
    /// Compiled code's view of the heap (boxed, so that its address stays
    /// put for `VMStoreContext::gc_view`); `top` and `limit` live only
    /// here.
    view_header: Box<GcView>,
    /// The pinned objects' references (never freed).
    pinned: Vec<u64>,
    /// Manual host roots (`(raw, generation)`, `(0, 0)` when free), their
    /// free slots and the last generation given.
    manual: Vec<(u64, u64)>,
    manual_free: Vec<u32>,
    manual_generation: u64,
}

impl Default for GcHeap {
    fn default() -> Self {
        let mut h = GcHeap {
            words: vec![0],
            runs: Vec::new(),
            next_run: 0,
            high: 1,
            starts: vec![0],
            marks: Vec::new(),
            live_words: Vec::new(),
            fresh: Vec::new(),
            types: Vec::new(),
            traced: Vec::new(),
            live_bytes: 0,
            since_gc: 0,
            threshold: 0,
            config: GcConfig::default(),
            stats: GcStats::default(),
            log: false,
            roots: Default::default(),
            stacks: Vec::new(),
            native_top: 0,
            parked: Vec::new(),
            parked_ids: 0,
            view_header: Box::default(),
            pinned: Vec::new(),
            manual: Vec::new(),
            manual_free: Vec::new(),
            manual_generation: 0,
        };
        h.sync_view();
        h
    }
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

/// Allocation (in bytes) between collections, at least.
const MIN_THRESHOLD: usize = 16 << 20;
/// The most words a bump run holds: allocation comes back to the heap
/// at least this often, for its accounting.
const RUN_WORDS: usize = 32 << 10;

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
            HeapType::Struct => matches!(self.get(raw).map(|o| o.body), Ok(Body::Struct(_))),
            HeapType::Array => matches!(self.get(raw).map(|o| o.body), Ok(Body::Array { .. })),
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

    /// The header word at `i` and the words its object spans, if `i` is
    /// inside the heap and holds a struct or an array that lies inside it.
    #[inline]
    fn object_at(&self, i: usize) -> Option<(u64, usize)> {
        let h = self.header_at(i)?;
        let len = match h & KIND_MASK {
            KIND_STRUCT => 0,
            KIND_ARRAY => *self.words.get(i + 1)?,
            _ => return None,
        };
        let n = object_words(h, len);
        (i + n <= self.words.len()).then_some((h, n))
    }

    /// Where the object behind a raw reference lies: its header's index,
    /// the header, its words, and for an array its element size and the
    /// bytes of its elements.
    #[inline]
    fn locate(&self, raw: u64) -> Result<(usize, u64, usize, usize, usize), TrapCode> {
        let i = object_index(raw).ok_or(TrapCode::DanglingGcReference)?;
        let (h, n) = self.object_at(i).ok_or(TrapCode::DanglingGcReference)?;
        if h & KIND_MASK == KIND_STRUCT {
            return Ok((i, h, n, 0, 0));
        }
        let e = 1usize << ((h >> ELEM_SHIFT) & 7);
        Ok((i, h, n, e, self.words[i + 1] as usize * e))
    }

    /// The header of the object that starts at word `i`, if one does.
    #[inline]
    fn header_at(&self, i: usize) -> Option<u64> {
        if bit(&self.starts, i) {
            self.words.get(i).copied()
        } else {
            None
        }
    }

    /// The object behind a raw reference of heap-object form.
    #[inline]
    pub fn get(&self, raw: u64) -> Result<GcObject<'_>, TrapCode> {
        let (i, h, n, e, len) = self.locate(raw)?;
        let body = if h & KIND_MASK == KIND_STRUCT {
            Body::Struct(&self.words[i + 1..i + n])
        } else {
            // SAFETY: the array's words lie inside the heap
            // (`object_at`), and its `len` bytes of elements fit in them.
            let bytes = unsafe { std::slice::from_raw_parts(self.words.as_ptr().add(i + 2).cast::<u8>(), len) };
            let traced = h & TRACED != 0;
            Body::Array {
                elem: e as u8,
                traced,
                bytes,
            }
        };
        Ok(GcObject {
            ty: SigId((h >> 32) as u32),
            body,
        })
    }

    /// The object behind a raw reference, mutably.
    #[inline]
    pub fn get_mut(&mut self, raw: u64) -> Result<GcObjectMut<'_>, TrapCode> {
        let (i, h, n, e, len) = self.locate(raw)?;
        let body = if h & KIND_MASK == KIND_STRUCT {
            BodyMut::Struct(&mut self.words[i + 1..i + n])
        } else {
            // SAFETY: as in `get`.
            let bytes = unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr().add(i + 2).cast::<u8>(), len) };
            let traced = h & TRACED != 0;
            BodyMut::Array {
                elem: e as u8,
                traced,
                bytes,
            }
        };
        Ok(GcObjectMut {
            ty: SigId((h >> 32) as u32),
            body,
        })
    }

    /// Slot `at` of the struct `raw`, if `raw` names a struct with that
    /// many slots.
    #[inline]
    pub fn struct_slot(&mut self, raw: u64, at: u32) -> Option<&mut u64> {
        let i = object_index(raw)?;
        let h = self.header_at(i)?;
        if h & KIND_MASK != KIND_STRUCT || (h >> SLOTS_SHIFT) as u32 & 0xff_ffff <= at {
            return None;
        }
        self.words.get_mut(i + 1 + at as usize)
    }

    /// The header and length word of the array `raw`, if `raw` names one.
    #[inline]
    fn array_at(&self, raw: u64) -> Option<(usize, u64, u64)> {
        let i = object_index(raw)?;
        let h = self.header_at(i)?;
        if h & KIND_MASK != KIND_ARRAY {
            return None;
        }
        Some((i, h, *self.words.get(i + 1)?))
    }

    /// The length of the array `raw`, if `raw` names one.
    #[inline]
    pub fn array_len_of(&self, raw: u64) -> Option<u32> {
        self.array_at(raw).map(|(_, _, n)| n as u32)
    }

    /// The address of element `index` of the array `raw`, if `raw` names
    /// an array of elements of `e` bytes with that element; valid until
    /// the next allocation.
    #[inline]
    pub fn array_elem(&mut self, raw: u64, index: u32, e: usize) -> Option<*mut u8> {
        let (i, h, n) = self.array_at(raw)?;
        if 1 << ((h >> ELEM_SHIFT) & 7) != e || index as u64 >= n {
            return None;
        }
        let end = i + object_words(h, n);
        if end > self.words.len() {
            return None;
        }
        // SAFETY: the element lies inside the array, inside the heap.
        Some(unsafe { self.words.as_mut_ptr().add(i + 2).cast::<u8>().add(index as usize * e) })
    }

    /// Bytes given to allocation since the last collection, up to now.
    #[inline]
    fn allocated(&self) -> usize {
        let v = &*self.view_header;
        // What is left of the bump run is not used yet.
        self.since_gc - (v.limit - v.top) as usize
    }

    /// Whether a collection is due before allocating `bytes` more.
    #[inline]
    pub fn wants_collection(&self, bytes: usize) -> bool {
        let since = self.allocated();
        self.config.stress
            || since + bytes > self.threshold.max(MIN_THRESHOLD)
            || self.live_bytes + since + bytes > self.config.heap_limit
    }

    /// Whether `bytes` more fit under the heap limit.
    #[inline]
    pub fn fits(&self, bytes: usize) -> bool {
        self.live_bytes + self.allocated() + bytes <= self.config.heap_limit
    }

    /// Makes the view say where the words and the start bits are.
    fn sync_view(&mut self) {
        self.starts.resize(self.words.len().div_ceil(64), 0);
        self.view_header.base = self.words.as_mut_ptr();
        self.view_header.len = (self.words.len() * 8) as u64;
        self.view_header.starts = self.starts.as_mut_ptr();
    }

    /// Gives up the bump run: what is left of it is not counted as
    /// allocated.
    fn retire_run(&mut self) {
        let (top, limit) = (
            (self.view_header.top / 8) as usize,
            (self.view_header.limit / 8) as usize,
        );
        if limit > top {
            self.since_gc -= (limit - top) * 8;
        }
        self.view_header.top = 0;
        self.view_header.limit = 0;
    }

    /// Takes `words` words for an object: from the bump run, else from the
    /// next free run that holds them, else from new words at the end. The
    /// caller checked [`GcHeap::fits`]. Returns the first word's index;
    /// the caller writes the whole object.
    #[inline]
    fn alloc(&mut self, words: usize) -> Result<usize, TrapCode> {
        let v = &mut *self.view_header;
        let top = v.top as usize / 8;
        let i = if top + words <= v.limit as usize / 8 {
            v.top += (words * 8) as u64;
            top
        } else {
            self.alloc_slow(words)?
        };
        self.starts[i / 64] |= 1 << (i % 64);
        Ok(i)
    }

    #[inline(never)]
    fn alloc_slow(&mut self, words: usize) -> Result<usize, TrapCode> {
        self.retire_run();
        // Words the heap limit still allows.
        let budget = self.config.heap_limit.saturating_sub(self.live_bytes + self.since_gc) / 8;
        // The runs a poisoned heap's sweep leaves are none: freed words are
        // never used again.
        let (start, avail) = loop {
            match self.runs.get_mut(self.next_run) {
                Some(r) if r.1 >= words => break *r,
                Some(_) => self.next_run += 1,
                None => {
                    // New words at the end, as a run.
                    let at = self.words.len();
                    let n = words.max(RUN_WORDS.min(budget));
                    // The host refusing memory is reported as the heap
                    // limit is, not as an abort.
                    let total = at.checked_add(n).ok_or(TrapCode::GcHeapExhausted)?;
                    if total > u32::MAX as usize * 8 || self.words.try_reserve(n).is_err() {
                        return Err(TrapCode::GcHeapExhausted);
                    }
                    if self.starts.try_reserve(n / 64 + 1).is_err() {
                        return Err(TrapCode::GcHeapExhausted);
                    }
                    self.words.resize(at + n, 0);
                    self.sync_view();
                    self.runs.push((at, n));
                }
            }
        };
        // Take up to a bump run's worth (no more than the heap limit leaves)
        // and leave the rest of the free run for later.
        let take = if self.config.stress {
            words
        } else {
            avail.min(RUN_WORDS).min(budget).max(words)
        };
        let r = &mut self.runs[self.next_run];
        if take < avail {
            *r = (start + take, avail - take);
        } else {
            self.next_run += 1;
        }
        self.since_gc += take * 8;
        self.high = self.high.max(start + take);
        self.fresh.push((start, start + take));
        let v = &mut *self.view_header;
        v.top = ((start + words) * 8) as u64;
        v.limit = ((start + take) * 8) as u64;
        Ok(start)
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

    /// The header of compiled code's view of the heap (see [`GcView`]);
    /// its address is the heap's for its whole life.
    pub fn view(&self) -> *const GcView {
        &*self.view_header
    }

    /// The bytes a struct of `slots` slots takes.
    pub fn struct_bytes(slots: u32) -> usize {
        8 + slots as usize * 8
    }

    /// The bytes an array of `len` elements of `elem` bytes takes (`None`
    /// when it overflows).
    pub fn array_bytes(elem: usize, len: u32) -> Option<usize> {
        (len as usize)
            .checked_mul(elem)?
            .checked_next_multiple_of(8)?
            .checked_add(16)
    }

    /// A new struct of type `ty` (layout `layout`) whose fields are the
    /// value slots `vals` (packed fields cut to their width); `None` for
    /// `vals` gives every field zero. The caller checked [`GcHeap::fits`].
    pub fn new_struct(&mut self, ty: SigId, layout: &StructLayout, vals: Option<&[u64]>) -> Result<u64, TrapCode> {
        let n = layout.slots as usize;
        let f = self.struct_slots(ty, n, vals.map(|v| &v[..n]))?;
        if layout.packed && vals.is_some() {
            for (k, s) in layout.fields.iter().enumerate() {
                self.words[f + layout.offsets[k] as usize] &= pack_mask(*s);
            }
        }
        Ok(object_ref(f - 1))
    }

    /// A new struct of type `ty` with `slots` slots and no packed field:
    /// `vals` (zeros for `None`). The caller checked [`GcHeap::fits`].
    #[inline]
    pub fn new_plain_struct(&mut self, ty: SigId, slots: usize, vals: Option<&[u64]>) -> Result<u64, TrapCode> {
        Ok(object_ref(self.struct_slots(ty, slots, vals)? - 1))
    }

    /// Allocates a struct of `slots` slots holding `vals` (zeros for
    /// `None`); returns the word index of its first slot.
    #[inline]
    fn struct_slots(&mut self, ty: SigId, slots: usize, vals: Option<&[u64]>) -> Result<usize, TrapCode> {
        let i = self.alloc(1 + slots)?;
        self.words[i] = struct_header(ty, slots as u32);
        let f = &mut self.words[i + 1..i + 1 + slots];
        match vals {
            Some(vals) => f.copy_from_slice(vals),
            None => f.fill(0),
        }
        Ok(i + 1)
    }

    /// A new array of type `ty` of `len` elements of storage type `elem`,
    /// each `v`. The caller checked [`GcHeap::fits`].
    pub fn new_array(
        &mut self,
        ty: SigId,
        elem: StorageType,
        traced: bool,
        len: u32,
        v: u128,
    ) -> Result<u64, TrapCode> {
        let e = elem_size(elem);
        let bytes = Self::array_bytes(e, len).ok_or(TrapCode::GcHeapExhausted)?;
        let i = self.alloc(bytes / 8)?;
        self.words[i] = array_header(ty, e, traced);
        self.words[i + 1] = len as u64;
        let data = &mut self.words[i + 2..i + bytes / 8];
        if v == 0 {
            data.fill(0);
        } else {
            // The last word's bytes past the elements stay zero.
            data.fill(0);
            // SAFETY: `data` is `bytes - 16` bytes, at least `len * e`.
            let b = unsafe { std::slice::from_raw_parts_mut(data.as_mut_ptr().cast::<u8>(), len as usize * e) };
            let unit = v.to_le_bytes();
            for c in b.chunks_exact_mut(e) {
                c.copy_from_slice(&unit[..e]);
            }
        }
        Ok(object_ref(i))
    }

    /// `extern.convert_any`: the external form of `a`, pinning a heap
    /// object (see the module docs).
    pub fn externalize(&mut self, a: u64) -> u64 {
        if let Some(i) = object_index(a)
            && self.object_at(i).is_some()
            && self.words[i] & PINNED == 0
        {
            self.words[i] |= PINNED;
            self.pinned.push(a);
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

    /// Objects (live, or dead since the last collection) and the bytes
    /// the heap holds.
    pub fn usage(&self) -> (usize, usize) {
        let count = self.starts.iter().map(|w| w.count_ones() as usize).sum();
        (count, self.live_bytes + self.allocated())
    }

    /// The header of the object at word `i` (a set bit of `starts`) and the
    /// words the object spans.
    #[inline]
    fn span(words: &[u64], i: usize) -> (u64, usize) {
        let h = words[i];
        let len = if h & KIND_MASK == KIND_ARRAY { words[i + 1] } else { 0 };
        (h, object_words(h, len))
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
    /// returns the bytes of those it traced.
    fn mark_from(&mut self, work: &mut Vec<usize>) -> usize {
        self.update_traced();
        let (words, starts, marks, traced) = (&self.words, &self.starts, &mut self.marks, &self.traced);
        let mut bytes = 0;
        while let Some(i) = work.pop() {
            let (h, n) = GcHeap::span(words, i);
            bytes += n * 8;
            if h & KIND_MASK == KIND_STRUCT {
                if let Some(Some(slots)) = traced.get((h >> 32) as usize) {
                    for &k in slots.iter() {
                        push_candidate(starts, marks, work, words[i + 1 + k as usize]);
                    }
                }
            } else if h & TRACED != 0 {
                for &w in &words[i + 2..i + n] {
                    push_candidate(starts, marks, work, w);
                }
            }
        }
        bytes
    }
}

/// Calls `f` with the index of each set bit of a bitmap, in order.
#[inline]
fn for_each_bit(bits: &[u64], mut f: impl FnMut(usize)) {
    for (k, &w) in bits.iter().enumerate() {
        let mut b = w;
        while b != 0 {
            f(k * 64 + b.trailing_zeros() as usize);
            b &= b - 1;
        }
    }
}

impl GcHeap {
    /// Calls `f` with every word a live object holds that may be a
    /// reference: every slot of a struct, every element of an array of
    /// references. The host's roots are included.
    pub fn for_each_held_word(&mut self, mut f: impl FnMut(u64)) {
        let words = &self.words;
        for_each_bit(&self.starts, |i| {
            let (h, n) = GcHeap::span(words, i);
            match h & KIND_MASK {
                KIND_STRUCT => words[i + 1..i + n].iter().for_each(|&w| f(w)),
                KIND_ARRAY if h & TRACED != 0 => words[i + 2..i + n].iter().for_each(|&w| f(w)),
                _ => {}
            }
        });
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
    r & 7 == 0 && r != 0 && r < limit
}

/// Marks the object a candidate word names (in either the `any` or the
/// external form), queueing it for tracing if it was not marked yet. Only
/// a word where an object starts names one: a stale word on a stack that
/// points into free words, or into the middle of an object, is ignored.
#[inline]
fn push_candidate(starts: &[u64], marks: &mut [u64], work: &mut Vec<usize>, w: u64) {
    let w = if w & EXTERN_ANY != 0 { w & !EXTERN_ANY } else { w };
    if let Some(i) = object_index(w)
        && bit(starts, i)
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
        let start = std::time::Instant::now();
        self.gc.retire_run();
        let heap = &mut self.gc;
        // (Clear between collections: only the end, if the heap grew, is
        // new.)
        heap.marks.resize(heap.starts.len(), 0);

        let mut work: Vec<usize> = Vec::new();
        let limit = (self.gc.words.len() * 8) as u64;
        let (starts, marks) = (&self.gc.starts, &mut self.gc.marks);
        let mut mark = |w: u64| push_candidate(starts, marks, &mut work, w);
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
        for &w in &self.gc.pinned {
            mark(w);
        }
        let live = self.gc.mark_from(&mut work);

        // Sweep: the marked objects are the live ones, and the words
        // between them (of at least two words) are the free runs, for
        // allocation to take in address order. Only the live objects are
        // visited, and the bitmaps: the dead are not touched, except that
        // with poisoning each becomes a poisoned object, and only new
        // words at the end are ever allocated.
        let heap = &mut self.gc;
        let poison = heap.config.poison;
        let mut freed = 0u64;
        let mut runs = std::mem::take(&mut heap.runs);
        runs.clear();
        // The bitmap words that may have a bit set, in order: the whole
        // bitmap when they are many (a plain pass over it is cheaper than
        // listing them), else the list.
        let mut dirty = std::mem::take(&mut heap.live_words);
        let fresh_words: usize = heap.fresh.iter().map(|&(a, b)| (b - a) / 64 + 2).sum();
        if (dirty.len() + fresh_words) * 4 >= heap.starts.len() {
            dirty.clear();
            dirty.extend(0..heap.starts.len() as u32);
        } else {
            for &(a, b) in &heap.fresh {
                dirty.extend((a / 64) as u32..=((b - 1) / 64) as u32);
            }
            dirty.sort_unstable();
            dirty.dedup();
        }
        heap.fresh.clear();
        let words = &mut heap.words;
        let end = words.len();
        let (starts, marks) = (&mut heap.starts, &mut heap.marks);
        let mut live_words = Vec::with_capacity(dirty.len());
        for &k in &dirty {
            let k = k as usize;
            let (s, m) = (starts[k], marks[k]);
            let mut dead = s & !m;
            freed += dead.count_ones() as u64;
            while poison && dead != 0 {
                let i = k * 64 + dead.trailing_zeros() as usize;
                dead &= dead - 1;
                let (_, n) = GcHeap::span(words, i);
                words[i] = (n as u64) << SLOTS_SHIFT | KIND_POISON;
            }
            starts[k] = m;
            marks[k] = 0;
            if m != 0 {
                live_words.push(k as u32);
            }
        }
        let mut last = 1;
        if poison {
            last = heap.high;
        } else {
            for &k in &live_words {
                let mut b = starts[k as usize];
                while b != 0 {
                    let i = k as usize * 64 + b.trailing_zeros() as usize;
                    b &= b - 1;
                    if i >= last + 2 {
                        runs.push((last, i - last));
                    }
                    last = i + GcHeap::span(words, i).1;
                }
            }
        }
        if end >= last + 2 {
            runs.push((last, end - last));
        }
        heap.live_words = live_words;
        heap.runs = runs;
        heap.next_run = 0;
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
    fn store(poison: bool) -> (StoreData, SigId, Arc<GcType>) {
        let mut vm = StoreData::new(crate::StoreLimits::default(), false);
        vm.gc.config.poison = poison;
        let ty = Arc::new(GcType {
            supers: Box::new([SigId(7)]),
            is_final: true,
            kind: GcKind::Struct(StructLayout::new(Box::new([
                StorageType::Val(ValType::I64),
                StorageType::Val(ValType::Ref(tern_binary::RefType {
                    nullable: true,
                    heap: HeapType::Any,
                })),
            ]))),
            mutable: Box::new([true, true]),
        });
        vm.gc.register_type(SigId(7), ty.clone());
        (vm, SigId(7), ty)
    }

    fn pair(vm: &mut StoreData, id: SigId, ty: &GcType, v: u64, next: u64) -> u64 {
        let layout = ty.struct_layout().unwrap();
        vm.gc.new_struct(id, layout, Some(&[v, next])).unwrap()
    }

    fn field(vm: &StoreData, raw: u64, k: usize) -> u64 {
        match vm.gc.get(raw).unwrap().body {
            Body::Struct(f) => f[k],
            Body::Array { .. } => panic!("not a struct"),
        }
    }

    #[test]
    fn a_collection_keeps_what_roots_reach_and_reuses_the_rest() {
        let (mut vm, id, ty) = store(false);
        // A list of 100 held by a root, and 1000 dead objects between its
        // nodes.
        let mut head = 0;
        for v in 0..100 {
            head = pair(&mut vm, id, &ty, v, head);
            for _ in 0..10 {
                pair(&mut vm, id, &ty, 999, 0);
            }
        }
        let _h = vm.gc.root(head);
        assert_eq!(vm.gc.usage().0, 1100);
        vm.gc_collect(&[]);
        assert_eq!(vm.gc.usage().0, 100);
        assert_eq!(vm.gc.stats.freed_objects, 1000);
        let mut at = head;
        for v in (0..100).rev() {
            assert_eq!(field(&vm, at, 0), v);
            at = field(&vm, at, 1);
        }
        assert_eq!(at, 0);
        // The freed words are taken again, from the lowest.
        let words = vm.gc.words.len();
        let fresh = pair(&mut vm, id, &ty, 5, 0);
        assert!(object_index(fresh).unwrap() < 100 * 33, "{fresh}");
        assert_eq!(vm.gc.words.len(), words);
        // A stale reference into freed words is no object.
        assert_eq!(vm.gc.get(fresh + 8).err(), Some(TrapCode::DanglingGcReference));
    }

    #[test]
    fn a_conservative_word_keeps_only_an_object_start_alive() {
        let (mut vm, id, ty) = store(false);
        let a = pair(&mut vm, id, &ty, 1, 0);
        let b = pair(&mut vm, id, &ty, 2, a);
        let c = pair(&mut vm, id, &ty, 3, 0);
        // `b` (and `a` through it) from the stack; `c + 8` names no object.
        vm.gc_collect(&[b, c + 8, 12345]);
        assert_eq!(vm.gc.usage().0, 2);
        assert_eq!(field(&vm, field(&vm, b, 1), 0), 1);
        assert!(vm.gc.get(c).is_err());
    }

    #[test]
    fn arrays_keep_their_elements_and_references() {
        let (mut vm, id, ty) = store(false);
        let arr_ty = SigId(8);
        let any = StorageType::Val(ValType::Ref(tern_binary::RefType {
            nullable: true,
            heap: HeapType::Any,
        }));
        let bytes = vm.gc.new_array(SigId(9), StorageType::I16, false, 5, 0xbeef).unwrap();
        let refs = vm.gc.new_array(arr_ty, any, true, 3, 0).unwrap();
        let p = pair(&mut vm, id, &ty, 42, 0);
        match vm.gc.get_mut(refs).unwrap().body {
            BodyMut::Array { bytes, .. } => store_elem(bytes, 2, 8, p as u128),
            BodyMut::Struct(_) => panic!("not an array"),
        }
        vm.gc_collect(&[bytes, refs]);
        assert_eq!(vm.gc.usage().0, 3, "the struct lives through the array");
        let o = vm.gc.get(bytes).unwrap();
        assert_eq!(o.array_len(), 5);
        let Body::Array { bytes: b, elem, .. } = o.body else {
            panic!()
        };
        assert_eq!((elem, load_elem(b, 4, 2)), (2, 0xbeef));
        assert_eq!(field(&vm, p, 0), 42);
    }

    #[test]
    fn poisoned_objects_stay_dead() {
        let (mut vm, id, ty) = store(true);
        let dead = pair(&mut vm, id, &ty, 1, 0);
        let live = pair(&mut vm, id, &ty, 2, 0);
        vm.gc_collect(&[live]);
        assert_eq!(vm.gc.get(dead).err(), Some(TrapCode::DanglingGcReference));
        assert_eq!(vm.gc.words[object_index(dead).unwrap()] & KIND_MASK, KIND_POISON);
        // New objects come after every object there ever was.
        let next = pair(&mut vm, id, &ty, 3, 0);
        assert!(next > live);
        vm.gc_collect(&[]);
        let again = pair(&mut vm, id, &ty, 4, 0);
        assert!(again > next);
    }

    #[test]
    fn the_heap_limit_is_kept() {
        let (mut vm, id, ty) = store(false);
        vm.gc.config.heap_limit = 64 << 10;
        let layout = ty.struct_layout().unwrap();
        let mut made = 0;
        while vm.gc_prepare(GcHeap::struct_bytes(layout.slots), &[]).is_ok() {
            let p = pair(&mut vm, id, &ty, 0, 0);
            vm.gc.root(p);
            made += 1;
            assert!(made < 1 << 20, "the limit never refused");
        }
        assert!(made > 1000, "{made} objects");
        assert!(vm.gc.words.len() * 8 <= (64 << 10) + 64, "{} words", vm.gc.words.len());
    }
}
