//! References: one Rust type for every reference type of the API, host
//! info and finalizers, foreign objects, traps and frames.

use crate::module::ModuleObj;
use crate::store::{StoreCell, StoreData, wasm_store_t};
use crate::vec::{Vector, declare_vec, message_vec, vec_text, wasm_message_t};
use crate::{guard, need};
use rt::{Extern, ExternRef, Func, Global, Instance, Memory, StoreContextMut, Table};
use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use std::rc::{Rc, Weak};

/// Any reference: `wasm_ref_t`, `wasm_func_t`, `wasm_global_t`,
/// `wasm_table_t`, `wasm_memory_t`, `wasm_extern_t`, `wasm_instance_t`,
/// `wasm_foreign_t`, `wasm_trap_t` and `wasm_module_t` are all this type,
/// so the `as_ref`/`ref_as` and `as_extern`/`extern_as` conversions are
/// the same pointer (checked for its kind). A handle; copies name the same
/// object.
#[derive(Clone)]
pub struct wasm_ref_t {
    pub(crate) kind: RefKind,
}

#[derive(Clone)]
pub(crate) enum RefKind {
    Func(Rc<StoreCell>, Func),
    Global(Rc<StoreCell>, Global),
    Table(Rc<StoreCell>, Table),
    Memory(Rc<StoreCell>, Memory),
    Instance(Rc<StoreCell>, Instance),
    Foreign(Rc<StoreCell>, ExternRef),
    Trap(Rc<TrapObj>),
    Module(Rc<ModuleObj>),
}

pub type wasm_func_t = wasm_ref_t;
pub type wasm_global_t = wasm_ref_t;
pub type wasm_table_t = wasm_ref_t;
pub type wasm_memory_t = wasm_ref_t;
pub type wasm_extern_t = wasm_ref_t;
pub type wasm_instance_t = wasm_ref_t;
pub type wasm_foreign_t = wasm_ref_t;
pub type wasm_trap_t = wasm_ref_t;
pub type wasm_module_t = wasm_ref_t;

impl wasm_ref_t {
    pub(crate) fn boxed(kind: RefKind) -> *mut wasm_ref_t {
        Box::into_raw(Box::new(wasm_ref_t { kind }))
    }

    /// A handle of a store's extern.
    pub(crate) fn of_extern(cell: &Rc<StoreCell>, e: Extern) -> Option<*mut wasm_ref_t> {
        let c = cell.clone();
        Some(wasm_ref_t::boxed(match e {
            Extern::Func(f) => RefKind::Func(c, f),
            Extern::Global(g) => RefKind::Global(c, g),
            Extern::Table(t) => RefKind::Table(c, t),
            Extern::Memory(m) => RefKind::Memory(c, m),
            Extern::Tag(_) => return None,
        }))
    }

    /// The store and extern, when this is a function, global, table or
    /// memory.
    pub(crate) fn as_extern(&self) -> Option<(&Rc<StoreCell>, Extern)> {
        Some(match &self.kind {
            RefKind::Func(s, f) => (s, Extern::Func(*f)),
            RefKind::Global(s, g) => (s, Extern::Global(*g)),
            RefKind::Table(s, t) => (s, Extern::Table(*t)),
            RefKind::Memory(s, m) => (s, Extern::Memory(*m)),
            _ => return None,
        })
    }

    /// Where host info lives: in the store for store objects, in the
    /// object for traps and modules.
    fn info_place(&self) -> InfoPlace<'_> {
        let key = |s: &Rc<StoreCell>, k: InfoKey| InfoPlace::Store(s.clone(), k);
        match &self.kind {
            RefKind::Func(s, x) => key(s, InfoKey::Func(*x)),
            RefKind::Global(s, x) => key(s, InfoKey::Global(*x)),
            RefKind::Table(s, x) => key(s, InfoKey::Table(*x)),
            RefKind::Memory(s, x) => key(s, InfoKey::Memory(*x)),
            RefKind::Instance(s, x) => key(s, InfoKey::Instance(*x)),
            RefKind::Foreign(s, x) => key(s, InfoKey::Foreign(*x)),
            RefKind::Trap(t) => InfoPlace::Object(&t.host),
            RefKind::Module(m) => InfoPlace::Object(&m.host),
        }
    }

    fn host_info(&self) -> *mut c_void {
        match self.info_place() {
            InfoPlace::Store(s, k) => s.with(|ctx| ctx.data().host_info.get(&k).map_or(ptr::null_mut(), |h| h.data)),
            InfoPlace::Object(h) => h.borrow().as_ref().map_or(ptr::null_mut(), |h| h.data),
        }
    }

    fn set_host_info(&self, info: HostInfo) {
        // The previous info's finalizer runs after the store or object is
        // no longer borrowed: it is C code that may call the API.
        let old = match self.info_place() {
            InfoPlace::Store(s, k) => s.with(|mut ctx| ctx.data_mut().host_info.insert(k, info)),
            InfoPlace::Object(h) => h.borrow_mut().replace(info),
        };
        drop(old);
    }

    /// Whether two handles name the same object.
    pub(crate) fn same(&self, other: &wasm_ref_t) -> bool {
        match (&self.kind, &other.kind) {
            (RefKind::Func(_, a), RefKind::Func(_, b)) => a == b,
            (RefKind::Global(_, a), RefKind::Global(_, b)) => a == b,
            (RefKind::Table(_, a), RefKind::Table(_, b)) => a == b,
            (RefKind::Memory(_, a), RefKind::Memory(_, b)) => a == b,
            (RefKind::Instance(_, a), RefKind::Instance(_, b)) => a == b,
            (RefKind::Foreign(_, a), RefKind::Foreign(_, b)) => a == b,
            (RefKind::Trap(a), RefKind::Trap(b)) => Rc::ptr_eq(a, b),
            (RefKind::Module(a), RefKind::Module(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

enum InfoPlace<'a> {
    Store(Rc<StoreCell>, InfoKey),
    Object(&'a RefCell<Option<HostInfo>>),
}

/// A store object with host info.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum InfoKey {
    Func(Func),
    Global(Global),
    Table(Table),
    Memory(Memory),
    Instance(Instance),
    Foreign(ExternRef),
}

/// Host info and its finalizer, which runs when the info is dropped: when
/// replaced, or when its object goes (with the store for store objects,
/// with the last handle for traps and modules).
pub(crate) struct HostInfo {
    pub(crate) data: *mut c_void,
    pub(crate) finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

impl Drop for HostInfo {
    fn drop(&mut self) {
        if let Some(f) = self.finalizer {
            // SAFETY: the embedder gave this finalizer for this data.
            unsafe { f(self.data) }
        }
    }
}

/// What an external reference made by the C API stands for.
pub(crate) enum Stashed {
    /// A foreign object: the reference itself is its identity.
    Foreign,
    /// Another reference given to wasm as an `externref` (store objects
    /// without their store, so that the store does not own itself).
    Func(Func),
    Global(Global),
    Table(Table),
    Memory(Memory),
    Instance(Instance),
    Trap(Rc<TrapObj>),
    Module(Rc<ModuleObj>),
}

/// The index of a `Stashed`: the value of every externref the C API makes.
pub(crate) struct StashIndex(pub(crate) usize);

/// The externref standing for reference `r` in the store `cell` (the
/// store must be `ctx`'s).
pub(crate) fn externref_of(
    cell: &Rc<StoreCell>,
    ctx: &mut StoreContextMut<'_, StoreData>,
    r: &wasm_ref_t,
) -> Result<ExternRef, String> {
    let stash = match &r.kind {
        RefKind::Foreign(s, e) => {
            return if Rc::ptr_eq(s, cell) {
                Ok(*e)
            } else {
                Err("a foreign object of another store".into())
            };
        }
        RefKind::Trap(t) => Stashed::Trap(t.clone()),
        RefKind::Module(m) => Stashed::Module(m.clone()),
        other => {
            let (s, st) = match other {
                RefKind::Func(s, x) => (s, Stashed::Func(*x)),
                RefKind::Global(s, x) => (s, Stashed::Global(*x)),
                RefKind::Table(s, x) => (s, Stashed::Table(*x)),
                RefKind::Memory(s, x) => (s, Stashed::Memory(*x)),
                RefKind::Instance(s, x) => (s, Stashed::Instance(*x)),
                _ => unreachable!("handled above"),
            };
            if !Rc::ptr_eq(s, cell) {
                return Err("a reference to an object of another store".into());
            }
            st
        }
    };
    Ok(new_stashed(ctx, stash))
}

pub(crate) fn new_stashed(ctx: &mut StoreContextMut<'_, StoreData>, s: Stashed) -> ExternRef {
    let data = ctx.data_mut();
    let i = data.stash.len();
    data.stash.push(s);
    ExternRef::new(ctx, StashIndex(i))
}

/// The reference an externref stands for (a foreign object when it was
/// not made by the C API).
pub(crate) fn ref_of_externref(cell: &Rc<StoreCell>, ctx: &StoreContextMut<'_, StoreData>, e: ExternRef) -> RefKind {
    let i = e
        .data(ctx)
        .ok()
        .and_then(|d| d.downcast_ref::<StashIndex>())
        .map(|i| i.0);
    let c = cell.clone();
    match i.and_then(|i| ctx.data().stash.get(i)) {
        Some(Stashed::Func(x)) => RefKind::Func(c, *x),
        Some(Stashed::Global(x)) => RefKind::Global(c, *x),
        Some(Stashed::Table(x)) => RefKind::Table(c, *x),
        Some(Stashed::Memory(x)) => RefKind::Memory(c, *x),
        Some(Stashed::Instance(x)) => RefKind::Instance(c, *x),
        Some(Stashed::Trap(t)) => RefKind::Trap(t.clone()),
        Some(Stashed::Module(m)) => RefKind::Module(m.clone()),
        Some(Stashed::Foreign) | None => RefKind::Foreign(c, e),
    }
}

// The functions every reference type has, generated per type with a kind
// check for the `ref_as` direction.

fn is_func(k: &RefKind) -> bool {
    matches!(k, RefKind::Func(..))
}
fn is_global(k: &RefKind) -> bool {
    matches!(k, RefKind::Global(..))
}
fn is_table(k: &RefKind) -> bool {
    matches!(k, RefKind::Table(..))
}
fn is_memory(k: &RefKind) -> bool {
    matches!(k, RefKind::Memory(..))
}
fn is_extern(k: &RefKind) -> bool {
    matches!(
        k,
        RefKind::Func(..) | RefKind::Global(..) | RefKind::Table(..) | RefKind::Memory(..)
    )
}
fn is_instance(k: &RefKind) -> bool {
    matches!(k, RefKind::Instance(..))
}
fn is_foreign(k: &RefKind) -> bool {
    matches!(k, RefKind::Foreign(..))
}
fn is_trap(k: &RefKind) -> bool {
    matches!(k, RefKind::Trap(..))
}
fn is_module(k: &RefKind) -> bool {
    matches!(k, RefKind::Module(..))
}
fn is_any(_: &RefKind) -> bool {
    true
}

macro_rules! ref_base {
    ($is:ident, $delete:ident, $copy:ident, $same:ident, $get:ident, $set:ident, $set_fin:ident) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $delete(r: *mut wasm_ref_t) {
            guard((), || {
                if !r.is_null() {
                    drop(Box::from_raw(r))
                }
            })
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $copy(r: *const wasm_ref_t) -> *mut wasm_ref_t {
            guard(ptr::null_mut(), || match r.as_ref() {
                Some(r) if $is(&r.kind) => Box::into_raw(Box::new(r.clone())),
                _ => ptr::null_mut(),
            })
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $same(a: *const wasm_ref_t, b: *const wasm_ref_t) -> bool {
            guard(false, || match (a.as_ref(), b.as_ref()) {
                (Some(a), Some(b)) => a.same(b),
                (None, None) => true,
                _ => false,
            })
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $get(r: *const wasm_ref_t) -> *mut c_void {
            guard(ptr::null_mut(), || match r.as_ref() {
                Some(r) => r.host_info(),
                None => ptr::null_mut(),
            })
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $set(r: *mut wasm_ref_t, data: *mut c_void) {
            guard((), || {
                need(r, stringify!($set)).set_host_info(HostInfo {
                    data,
                    finalizer: None,
                })
            })
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $set_fin(
            r: *mut wasm_ref_t,
            data: *mut c_void,
            finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
        ) {
            guard((), || {
                need(r, stringify!($set_fin)).set_host_info(HostInfo { data, finalizer })
            })
        }
    };
}

macro_rules! ref_conv {
    ($is:ident, $as_ref:ident, $as_ref_const:ident, $ref_as:ident, $ref_as_const:ident) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $as_ref(r: *mut wasm_ref_t) -> *mut wasm_ref_t {
            r
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $as_ref_const(r: *const wasm_ref_t) -> *const wasm_ref_t {
            r
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $ref_as(r: *mut wasm_ref_t) -> *mut wasm_ref_t {
            match r.as_ref() {
                Some(x) if $is(&x.kind) => r,
                _ => ptr::null_mut(),
            }
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $ref_as_const(r: *const wasm_ref_t) -> *const wasm_ref_t {
            match r.as_ref() {
                Some(x) if $is(&x.kind) => r,
                _ => ptr::null(),
            }
        }
    };
}

ref_base!(
    is_any,
    wasm_ref_delete,
    wasm_ref_copy,
    wasm_ref_same,
    wasm_ref_get_host_info,
    wasm_ref_set_host_info,
    wasm_ref_set_host_info_with_finalizer
);

/// Declares a reference type's functions: the base ones and the
/// conversions to and from `wasm_ref_t`.
macro_rules! ref_type {
    ($is:ident, [$($base:ident),*], [$($conv:ident),*]) => {
        ref_base!($is, $($base),*);
        ref_conv!($is, $($conv),*);
    };
}

ref_type!(
    is_func,
    [
        wasm_func_delete,
        wasm_func_copy,
        wasm_func_same,
        wasm_func_get_host_info,
        wasm_func_set_host_info,
        wasm_func_set_host_info_with_finalizer
    ],
    [
        wasm_func_as_ref,
        wasm_func_as_ref_const,
        wasm_ref_as_func,
        wasm_ref_as_func_const
    ]
);
ref_type!(
    is_global,
    [
        wasm_global_delete,
        wasm_global_copy,
        wasm_global_same,
        wasm_global_get_host_info,
        wasm_global_set_host_info,
        wasm_global_set_host_info_with_finalizer
    ],
    [
        wasm_global_as_ref,
        wasm_global_as_ref_const,
        wasm_ref_as_global,
        wasm_ref_as_global_const
    ]
);
ref_type!(
    is_table,
    [
        wasm_table_delete,
        wasm_table_copy,
        wasm_table_same,
        wasm_table_get_host_info,
        wasm_table_set_host_info,
        wasm_table_set_host_info_with_finalizer
    ],
    [
        wasm_table_as_ref,
        wasm_table_as_ref_const,
        wasm_ref_as_table,
        wasm_ref_as_table_const
    ]
);
ref_type!(
    is_memory,
    [
        wasm_memory_delete,
        wasm_memory_copy,
        wasm_memory_same,
        wasm_memory_get_host_info,
        wasm_memory_set_host_info,
        wasm_memory_set_host_info_with_finalizer
    ],
    [
        wasm_memory_as_ref,
        wasm_memory_as_ref_const,
        wasm_ref_as_memory,
        wasm_ref_as_memory_const
    ]
);
ref_type!(
    is_extern,
    [
        wasm_extern_delete,
        wasm_extern_copy,
        wasm_extern_same,
        wasm_extern_get_host_info,
        wasm_extern_set_host_info,
        wasm_extern_set_host_info_with_finalizer
    ],
    [
        wasm_extern_as_ref,
        wasm_extern_as_ref_const,
        wasm_ref_as_extern,
        wasm_ref_as_extern_const
    ]
);
ref_type!(
    is_instance,
    [
        wasm_instance_delete,
        wasm_instance_copy,
        wasm_instance_same,
        wasm_instance_get_host_info,
        wasm_instance_set_host_info,
        wasm_instance_set_host_info_with_finalizer
    ],
    [
        wasm_instance_as_ref,
        wasm_instance_as_ref_const,
        wasm_ref_as_instance,
        wasm_ref_as_instance_const
    ]
);
ref_type!(
    is_foreign,
    [
        wasm_foreign_delete,
        wasm_foreign_copy,
        wasm_foreign_same,
        wasm_foreign_get_host_info,
        wasm_foreign_set_host_info,
        wasm_foreign_set_host_info_with_finalizer
    ],
    [
        wasm_foreign_as_ref,
        wasm_foreign_as_ref_const,
        wasm_ref_as_foreign,
        wasm_ref_as_foreign_const
    ]
);
ref_type!(
    is_trap,
    [
        wasm_trap_delete,
        wasm_trap_copy,
        wasm_trap_same,
        wasm_trap_get_host_info,
        wasm_trap_set_host_info,
        wasm_trap_set_host_info_with_finalizer
    ],
    [
        wasm_trap_as_ref,
        wasm_trap_as_ref_const,
        wasm_ref_as_trap,
        wasm_ref_as_trap_const
    ]
);
ref_type!(
    is_module,
    [
        wasm_module_delete,
        wasm_module_copy,
        wasm_module_same,
        wasm_module_get_host_info,
        wasm_module_set_host_info,
        wasm_module_set_host_info_with_finalizer
    ],
    [
        wasm_module_as_ref,
        wasm_module_as_ref_const,
        wasm_ref_as_module,
        wasm_ref_as_module_const
    ]
);

declare_vec!(
    *mut wasm_ref_t,
    wasm_extern_vec_new_empty,
    wasm_extern_vec_new_uninitialized,
    wasm_extern_vec_new,
    wasm_extern_vec_copy,
    wasm_extern_vec_delete
);

// Foreign objects.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_foreign_new(store: *mut wasm_store_t) -> *mut wasm_foreign_t {
    guard(ptr::null_mut(), || {
        let Some(s) = store.as_ref() else {
            return ptr::null_mut();
        };
        let e = s.cell.with(|mut ctx| new_stashed(&mut ctx, Stashed::Foreign));
        wasm_ref_t::boxed(RefKind::Foreign(s.cell.clone(), e))
    })
}

// Traps and frames.

/// A trap: its message and the wasm frames it unwound.
pub(crate) struct TrapObj {
    pub(crate) message: String,
    /// The status a WASI guest gave `proc_exit`, when that is what this
    /// trap is.
    pub(crate) exit_status: Option<i32>,
    pub(crate) frames: Vec<FrameData>,
    pub(crate) host: RefCell<Option<HostInfo>>,
}

/// A frame of a trap; the store is weak so that a trap held by its store
/// (as an externref) does not keep the store alive.
#[derive(Clone)]
pub(crate) struct FrameData {
    pub(crate) store: Weak<StoreCell>,
    pub(crate) instance: Option<Instance>,
    pub(crate) func_index: u32,
    /// The frame's module offset and the start of its function's body,
    /// worked out when first asked for.
    pub(crate) offsets: Rc<Offsets>,
}

/// A frame's position, and the offsets it maps to once computed.
pub(crate) struct Offsets {
    module: Option<rt::Module>,
    frame: rt::FrameInfo,
    resolved: std::cell::OnceCell<(usize, usize)>,
}

impl Offsets {
    /// `(module offset, offset in the function)`; zeros when tern does
    /// not know where the frame was (code inlined into another function).
    fn get(&self) -> (usize, usize) {
        *self.resolved.get_or_init(|| {
            let Some(m) = &self.module else { return (0, 0) };
            match (m.frame_offset(&self.frame), m.func_body_offset(self.frame.func_index)) {
                (Some(at), Some(body)) => (at as usize, at.saturating_sub(body) as usize),
                (Some(at), None) => (at as usize, 0),
                _ => (0, 0),
            }
        })
    }
}

impl TrapObj {
    /// A trap from tern's, with its frames.
    pub(crate) fn from_trap(cell: &Rc<StoreCell>, t: &rt::Trap) -> TrapObj {
        let frames = cell.with(|ctx| {
            t.trace()
                .iter()
                .map(|f| {
                    let instance = ctx.data().instances.get(f.instance as usize).copied().flatten();
                    FrameData {
                        store: Rc::downgrade(cell),
                        instance,
                        func_index: f.func_index,
                        offsets: Rc::new(Offsets {
                            module: instance.map(|i| i.module(&ctx)),
                            frame: f.clone(),
                            resolved: std::cell::OnceCell::new(),
                        }),
                    }
                })
                .collect()
        });
        TrapObj {
            message: t.to_string(),
            exit_status: tern_wasi::trap_exit_code(t),
            frames,
            host: RefCell::new(None),
        }
    }

    pub(crate) fn msg(message: impl Into<String>) -> TrapObj {
        TrapObj {
            message: message.into(),
            exit_status: None,
            frames: Vec::new(),
            host: RefCell::new(None),
        }
    }

    /// The trap for a failed operation of tern's: a trap keeps its frames.
    pub(crate) fn from_error(cell: &Rc<StoreCell>, e: &rt::Error) -> TrapObj {
        match e.as_trap() {
            Some(t) => TrapObj::from_trap(cell, t),
            None => TrapObj::msg(e.to_string()),
        }
    }

    pub(crate) fn boxed(self) -> *mut wasm_trap_t {
        wasm_ref_t::boxed(RefKind::Trap(Rc::new(self)))
    }
}

/// A frame: owns a handle of its instance (NULL when unknown).
pub struct wasm_frame_t {
    instance: *mut wasm_instance_t,
    func_index: u32,
    offsets: Rc<Offsets>,
}

impl wasm_frame_t {
    fn new(f: &FrameData) -> wasm_frame_t {
        let instance = match (f.store.upgrade(), f.instance) {
            (Some(s), Some(i)) => wasm_ref_t::boxed(RefKind::Instance(s, i)),
            _ => ptr::null_mut(),
        };
        wasm_frame_t {
            instance,
            func_index: f.func_index,
            offsets: f.offsets.clone(),
        }
    }
}

impl Clone for wasm_frame_t {
    fn clone(&self) -> Self {
        // SAFETY: the instance handle is owned and valid, or NULL.
        let instance = unsafe { crate::vec::Elem::copy(&self.instance) };
        wasm_frame_t {
            instance,
            func_index: self.func_index,
            offsets: self.offsets.clone(),
        }
    }
}

impl Drop for wasm_frame_t {
    fn drop(&mut self) {
        if !self.instance.is_null() {
            // SAFETY: owned.
            drop(unsafe { Box::from_raw(self.instance) });
        }
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_delete(f: *mut wasm_frame_t) {
    guard((), || {
        if !f.is_null() {
            drop(Box::from_raw(f))
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_copy(f: *const wasm_frame_t) -> *mut wasm_frame_t {
    guard(ptr::null_mut(), || match f.as_ref() {
        Some(f) => Box::into_raw(Box::new(f.clone())),
        None => ptr::null_mut(),
    })
}

declare_vec!(
    *mut wasm_frame_t,
    wasm_frame_vec_new_empty,
    wasm_frame_vec_new_uninitialized,
    wasm_frame_vec_new,
    wasm_frame_vec_copy,
    wasm_frame_vec_delete
);

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_instance(f: *const wasm_frame_t) -> *mut wasm_instance_t {
    guard(ptr::null_mut(), || match f.as_ref() {
        Some(f) => f.instance,
        None => ptr::null_mut(),
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_func_index(f: *const wasm_frame_t) -> u32 {
    guard(0, || need(f, "wasm_frame_func_index").func_index)
}

/// The offset of the frame's instruction from the start of its
/// function's body (0 when tern does not know it: code inlined into
/// another function).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_func_offset(f: *const wasm_frame_t) -> usize {
    guard(0, || need(f, "wasm_frame_func_offset").offsets.get().1)
}

/// The offset of the frame's instruction in the module's bytes (0 when
/// tern does not know it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_module_offset(f: *const wasm_frame_t) -> usize {
    guard(0, || need(f, "wasm_frame_module_offset").offsets.get().0)
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_new(store: *mut wasm_store_t, message: *const wasm_message_t) -> *mut wasm_trap_t {
    guard(ptr::null_mut(), || {
        let text = match message.as_ref() {
            Some(m) => vec_text(m),
            None => String::new(),
        };
        let _ = store;
        TrapObj::msg(text).boxed()
    })
}

fn trap_obj<'a>(t: *const wasm_trap_t, func: &str) -> &'a TrapObj {
    // SAFETY: the caller passes a trap handle or NULL.
    match &unsafe { need(t, func) }.kind {
        RefKind::Trap(t) => t,
        _ => {
            eprintln!("tern: {func}: the argument is not a trap");
            std::process::abort()
        }
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_message(t: *const wasm_trap_t, out: *mut wasm_message_t) {
    guard((), || {
        let msg = message_vec(&trap_obj(t, "wasm_trap_message").message);
        ptr::write(need_out(out, "wasm_trap_message"), msg);
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_origin(t: *const wasm_trap_t) -> *mut wasm_frame_t {
    guard(ptr::null_mut(), || match t.as_ref().map(|t| &t.kind) {
        Some(RefKind::Trap(t)) => match t.frames.first() {
            Some(f) => Box::into_raw(Box::new(wasm_frame_t::new(f))),
            None => ptr::null_mut(),
        },
        _ => ptr::null_mut(),
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_trace(t: *const wasm_trap_t, out: *mut Vector<*mut wasm_frame_t>) {
    guard((), || {
        let frames = trap_obj(t, "wasm_trap_trace")
            .frames
            .iter()
            .map(|f| Box::into_raw(Box::new(wasm_frame_t::new(f))))
            .collect();
        ptr::write(need_out(out, "wasm_trap_trace"), Vector::from_vec(frames));
    })
}

/// An `out` parameter, which must not be NULL.
pub(crate) unsafe fn need_out<'a, T>(p: *mut T, func: &str) -> &'a mut T {
    crate::need_mut(p, func)
}
