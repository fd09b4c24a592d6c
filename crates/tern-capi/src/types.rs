//! Value, function, global, table, memory, extern, import and export
//! types. Every extern type (`wasm_functype_t`, `wasm_globaltype_t`,
//! `wasm_tabletype_t`, `wasm_memorytype_t`, `wasm_externtype_t`) is one
//! Rust type, so the `as_externtype` conversions are the same pointer.

use crate::vec::{Elem, Vector, declare_vec, wasm_name_t};
use crate::{guard, need};
use rt::{FuncType, GlobalType, HeapType, Limits, MemoryType, RefType, TableType, ValType};
use std::ptr;

pub const WASM_I32: u8 = 0;
pub const WASM_I64: u8 = 1;
pub const WASM_F32: u8 = 2;
pub const WASM_F64: u8 = 3;
/// tern's extension (`tern.h`): a 128-bit vector.
pub const TERN_V128: u8 = 4;
pub const WASM_EXTERNREF: u8 = 128;
pub const WASM_FUNCREF: u8 = 129;
/// tern's extension (`tern.h`): an exception reference.
pub const TERN_EXNREF: u8 = 130;

pub const WASM_EXTERN_FUNC: u8 = 0;
pub const WASM_EXTERN_GLOBAL: u8 = 1;
pub const WASM_EXTERN_TABLE: u8 = 2;
pub const WASM_EXTERN_MEMORY: u8 = 3;

/// `wasm_limits_max_default`: no maximum.
pub const NO_MAX: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct wasm_valtype_t {
    pub(crate) kind: u8,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct wasm_limits_t {
    pub min: u32,
    pub max: u32,
}

/// The C kind of a value type.
pub(crate) fn kind_of(t: ValType) -> u8 {
    match t {
        ValType::I32 => WASM_I32,
        ValType::I64 => WASM_I64,
        ValType::F32 => WASM_F32,
        ValType::F64 => WASM_F64,
        ValType::V128 => TERN_V128,
        ValType::Ref(r) => ref_kind_of(r),
    }
}

pub(crate) fn ref_kind_of(r: RefType) -> u8 {
    match r.heap {
        HeapType::Extern | HeapType::NoExtern => WASM_EXTERNREF,
        HeapType::Exn | HeapType::NoExn => TERN_EXNREF,
        _ => WASM_FUNCREF,
    }
}

/// The value type of a C kind (None for a kind that is not one).
pub(crate) fn valtype_of(kind: u8) -> Option<ValType> {
    Some(match kind {
        WASM_I32 => ValType::I32,
        WASM_I64 => ValType::I64,
        WASM_F32 => ValType::F32,
        WASM_F64 => ValType::F64,
        TERN_V128 => ValType::V128,
        WASM_EXTERNREF => ValType::EXTERNREF,
        WASM_FUNCREF => ValType::FUNCREF,
        TERN_EXNREF => ValType::Ref(RefType::EXNREF),
        _ => return None,
    })
}

fn limits_to_c(l: &Limits) -> wasm_limits_t {
    wasm_limits_t {
        min: l.min.min(u32::MAX as u64) as u32,
        max: l.max.map_or(NO_MAX, |m| m.min(u32::MAX as u64) as u32),
    }
}

fn limits_from_c(l: &wasm_limits_t) -> Limits {
    Limits {
        min: l.min as u64,
        max: (l.max != NO_MAX).then_some(l.max as u64),
    }
}

fn new_valtype(t: ValType) -> *mut wasm_valtype_t {
    Box::into_raw(Box::new(wasm_valtype_t { kind: kind_of(t) }))
}

fn valtype_vec(ts: &[ValType]) -> Vector<*mut wasm_valtype_t> {
    Vector::from_vec(ts.iter().map(|&t| new_valtype(t)).collect())
}

/// Any extern type. The pointers it holds are owned.
pub struct wasm_externtype_t {
    pub(crate) ty: CType,
}

pub(crate) enum CType {
    Func {
        params: Vector<*mut wasm_valtype_t>,
        results: Vector<*mut wasm_valtype_t>,
    },
    Global {
        content: *mut wasm_valtype_t,
        mutability: u8,
    },
    Table {
        element: *mut wasm_valtype_t,
        limits: wasm_limits_t,
    },
    Memory {
        limits: wasm_limits_t,
    },
}

pub type wasm_functype_t = wasm_externtype_t;
pub type wasm_globaltype_t = wasm_externtype_t;
pub type wasm_tabletype_t = wasm_externtype_t;
pub type wasm_memorytype_t = wasm_externtype_t;

/// An extern type as tern sees it.
#[derive(Clone, Debug)]
pub(crate) enum ExternTy {
    Func(FuncType),
    Global(GlobalType),
    Table(TableType),
    Memory(MemoryType),
}

impl wasm_externtype_t {
    pub(crate) fn from_ty(t: &ExternTy) -> wasm_externtype_t {
        let ty = match t {
            ExternTy::Func(f) => CType::Func {
                params: valtype_vec(f.params()),
                results: valtype_vec(f.results()),
            },
            ExternTy::Global(g) => CType::Global {
                content: new_valtype(g.content),
                mutability: g.mutable as u8,
            },
            ExternTy::Table(t) => CType::Table {
                element: new_valtype(ValType::Ref(t.element)),
                limits: limits_to_c(&t.limits),
            },
            ExternTy::Memory(m) => CType::Memory {
                limits: limits_to_c(&m.limits),
            },
        };
        wasm_externtype_t { ty }
    }

    pub(crate) fn boxed(t: &ExternTy) -> *mut wasm_externtype_t {
        Box::into_raw(Box::new(wasm_externtype_t::from_ty(t)))
    }

    /// The tern type, or why there is none (a kind C cannot express).
    pub(crate) unsafe fn to_ty(&self) -> Result<ExternTy, String> {
        let vt = |p: *mut wasm_valtype_t| -> Result<ValType, String> {
            let k = p.as_ref().ok_or("a value type is NULL")?.kind;
            valtype_of(k).ok_or_else(|| format!("{k} is not a value kind"))
        };
        Ok(match &self.ty {
            CType::Func { params, results } => {
                let ps = params
                    .as_slice()
                    .iter()
                    .map(|&p| vt(p))
                    .collect::<Result<Vec<_>, _>>()?;
                let rs = results
                    .as_slice()
                    .iter()
                    .map(|&p| vt(p))
                    .collect::<Result<Vec<_>, _>>()?;
                ExternTy::Func(FuncType::new(ps, rs))
            }
            CType::Global { content, mutability } => ExternTy::Global(GlobalType {
                content: vt(*content)?,
                mutable: *mutability != 0,
            }),
            CType::Table { element, limits } => {
                let ValType::Ref(element) = vt(*element)? else {
                    return Err("a table's element type must be a reference type".into());
                };
                ExternTy::Table(TableType {
                    element,
                    limits: limits_from_c(limits),
                    table64: false,
                })
            }
            CType::Memory { limits } => {
                let l = limits_from_c(limits);
                ExternTy::Memory(MemoryType::new(l.min, l.max))
            }
        })
    }

    pub(crate) fn kind(&self) -> u8 {
        match self.ty {
            CType::Func { .. } => WASM_EXTERN_FUNC,
            CType::Global { .. } => WASM_EXTERN_GLOBAL,
            CType::Table { .. } => WASM_EXTERN_TABLE,
            CType::Memory { .. } => WASM_EXTERN_MEMORY,
        }
    }
}

impl Clone for wasm_externtype_t {
    fn clone(&self) -> Self {
        // SAFETY: the pointers an extern type holds are owned and valid.
        unsafe {
            let ty = match &self.ty {
                CType::Func { params, results } => CType::Func {
                    params: Vector::from_vec(params.as_slice().iter().map(|p| p.copy()).collect()),
                    results: Vector::from_vec(results.as_slice().iter().map(|p| p.copy()).collect()),
                },
                CType::Global { content, mutability } => CType::Global {
                    content: content.copy(),
                    mutability: *mutability,
                },
                CType::Table { element, limits } => CType::Table {
                    element: element.copy(),
                    limits: *limits,
                },
                CType::Memory { limits } => CType::Memory { limits: *limits },
            };
            wasm_externtype_t { ty }
        }
    }
}

impl Drop for wasm_externtype_t {
    fn drop(&mut self) {
        // SAFETY: the pointers an extern type holds are owned.
        unsafe {
            match &mut self.ty {
                CType::Func { params, results } => {
                    crate::vec::delete(params);
                    crate::vec::delete(results);
                }
                CType::Global { content, .. } => content.delete(),
                CType::Table { element, .. } => element.delete(),
                CType::Memory { .. } => {}
            }
        }
    }
}

// Value types.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_valtype_new(kind: u8) -> *mut wasm_valtype_t {
    guard(ptr::null_mut(), || match valtype_of(kind) {
        Some(_) => Box::into_raw(Box::new(wasm_valtype_t { kind })),
        None => {
            crate::set_error(format!("wasm_valtype_new: {kind} is not a value kind"));
            ptr::null_mut()
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_valtype_kind(t: *const wasm_valtype_t) -> u8 {
    guard(0, || need(t, "wasm_valtype_kind").kind)
}

/// Declares `_delete`, `_copy` and the vector functions of a boxed type.
macro_rules! boxed_type {
    ($t:ty, $delete:ident, $copy:ident, $($vec:ident),*) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $delete(p: *mut $t) {
            guard((), || {
                if !p.is_null() {
                    drop(Box::from_raw(p))
                }
            })
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $copy(p: *const $t) -> *mut $t {
            guard(ptr::null_mut(), || match p.as_ref() {
                Some(x) => Box::into_raw(Box::new(x.clone())),
                None => ptr::null_mut(),
            })
        }
        declare_vec!(*mut $t, $($vec),*);
    };
}

boxed_type!(
    wasm_valtype_t,
    wasm_valtype_delete,
    wasm_valtype_copy,
    wasm_valtype_vec_new_empty,
    wasm_valtype_vec_new_uninitialized,
    wasm_valtype_vec_new,
    wasm_valtype_vec_copy,
    wasm_valtype_vec_delete
);

/// The four extern types and `wasm_externtype_t` itself share one Rust
/// type; each still gets its own symbols.
macro_rules! extern_type {
    ($kind:ident, $delete:ident, $copy:ident, $($vec:ident),*) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $delete(p: *mut wasm_externtype_t) {
            guard((), || {
                if !p.is_null() {
                    drop(Box::from_raw(p))
                }
            })
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $copy(p: *const wasm_externtype_t) -> *mut wasm_externtype_t {
            guard(ptr::null_mut(), || match p.as_ref() {
                Some(x) => Box::into_raw(Box::new(x.clone())),
                None => ptr::null_mut(),
            })
        }
        declare_vec!(*mut wasm_externtype_t, $($vec),*);
    };
}

extern_type!(
    Func,
    wasm_functype_delete,
    wasm_functype_copy,
    wasm_functype_vec_new_empty,
    wasm_functype_vec_new_uninitialized,
    wasm_functype_vec_new,
    wasm_functype_vec_copy,
    wasm_functype_vec_delete
);
extern_type!(
    Global,
    wasm_globaltype_delete,
    wasm_globaltype_copy,
    wasm_globaltype_vec_new_empty,
    wasm_globaltype_vec_new_uninitialized,
    wasm_globaltype_vec_new,
    wasm_globaltype_vec_copy,
    wasm_globaltype_vec_delete
);
extern_type!(
    Table,
    wasm_tabletype_delete,
    wasm_tabletype_copy,
    wasm_tabletype_vec_new_empty,
    wasm_tabletype_vec_new_uninitialized,
    wasm_tabletype_vec_new,
    wasm_tabletype_vec_copy,
    wasm_tabletype_vec_delete
);
extern_type!(
    Memory,
    wasm_memorytype_delete,
    wasm_memorytype_copy,
    wasm_memorytype_vec_new_empty,
    wasm_memorytype_vec_new_uninitialized,
    wasm_memorytype_vec_new,
    wasm_memorytype_vec_copy,
    wasm_memorytype_vec_delete
);
extern_type!(
    Extern,
    wasm_externtype_delete,
    wasm_externtype_copy,
    wasm_externtype_vec_new_empty,
    wasm_externtype_vec_new_uninitialized,
    wasm_externtype_vec_new,
    wasm_externtype_vec_copy,
    wasm_externtype_vec_delete
);

fn boxed(ty: CType) -> *mut wasm_externtype_t {
    Box::into_raw(Box::new(wasm_externtype_t { ty }))
}

// Function types.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_functype_new(
    params: *mut Vector<*mut wasm_valtype_t>,
    results: *mut Vector<*mut wasm_valtype_t>,
) -> *mut wasm_functype_t {
    guard(ptr::null_mut(), || {
        let take = |v: *mut Vector<*mut wasm_valtype_t>| match v.as_mut() {
            Some(v) => Vector::from_vec(v.take()),
            None => Vector::EMPTY,
        };
        boxed(CType::Func {
            params: take(params),
            results: take(results),
        })
    })
}

static EMPTY_VALTYPES: Vector<*mut wasm_valtype_t> = Vector::EMPTY;

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_functype_params(t: *const wasm_functype_t) -> *const Vector<*mut wasm_valtype_t> {
    guard(ptr::null(), || match &need(t, "wasm_functype_params").ty {
        CType::Func { params, .. } => params as *const _,
        _ => &EMPTY_VALTYPES as *const _,
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_functype_results(t: *const wasm_functype_t) -> *const Vector<*mut wasm_valtype_t> {
    guard(ptr::null(), || match &need(t, "wasm_functype_results").ty {
        CType::Func { results, .. } => results as *const _,
        _ => &EMPTY_VALTYPES as *const _,
    })
}

// SAFETY: `EMPTY_VALTYPES` holds no pointer; it is never written.
unsafe impl<T> Sync for Vector<T> {}

// Global types.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_globaltype_new(content: *mut wasm_valtype_t, mutability: u8) -> *mut wasm_globaltype_t {
    guard(ptr::null_mut(), || {
        if content.is_null() || mutability > 1 {
            content.delete();
            return ptr::null_mut();
        }
        boxed(CType::Global { content, mutability })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_globaltype_content(t: *const wasm_globaltype_t) -> *const wasm_valtype_t {
    guard(ptr::null(), || match &need(t, "wasm_globaltype_content").ty {
        CType::Global { content, .. } => *content as *const _,
        _ => ptr::null(),
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_globaltype_mutability(t: *const wasm_globaltype_t) -> u8 {
    guard(0, || match &need(t, "wasm_globaltype_mutability").ty {
        CType::Global { mutability, .. } => *mutability,
        _ => 0,
    })
}

// Table types.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_tabletype_new(
    element: *mut wasm_valtype_t,
    limits: *const wasm_limits_t,
) -> *mut wasm_tabletype_t {
    guard(ptr::null_mut(), || {
        let ok = matches!(element.as_ref(), Some(e) if e.kind == WASM_FUNCREF || e.kind == WASM_EXTERNREF);
        match limits.as_ref() {
            Some(l) if ok => boxed(CType::Table { element, limits: *l }),
            _ => {
                element.delete();
                ptr::null_mut()
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_tabletype_element(t: *const wasm_tabletype_t) -> *const wasm_valtype_t {
    guard(ptr::null(), || match &need(t, "wasm_tabletype_element").ty {
        CType::Table { element, .. } => *element as *const _,
        _ => ptr::null(),
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_tabletype_limits(t: *const wasm_tabletype_t) -> *const wasm_limits_t {
    guard(ptr::null(), || match &need(t, "wasm_tabletype_limits").ty {
        CType::Table { limits, .. } => limits as *const _,
        _ => ptr::null(),
    })
}

// Memory types.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memorytype_new(limits: *const wasm_limits_t) -> *mut wasm_memorytype_t {
    guard(ptr::null_mut(), || match limits.as_ref() {
        Some(l) => boxed(CType::Memory { limits: *l }),
        None => ptr::null_mut(),
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memorytype_limits(t: *const wasm_memorytype_t) -> *const wasm_limits_t {
    guard(ptr::null(), || match &need(t, "wasm_memorytype_limits").ty {
        CType::Memory { limits } => limits as *const _,
        _ => ptr::null(),
    })
}

// Extern types.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_externtype_kind(t: *const wasm_externtype_t) -> u8 {
    guard(0, || need(t, "wasm_externtype_kind").kind())
}

/// Declares the `X_as_externtype` / `externtype_as_X` pairs and their
/// const forms: the same pointer, or NULL when the kind differs.
macro_rules! as_externtype {
    ($kind:expr, $to:ident, $to_const:ident, $from:ident, $from_const:ident) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $to(t: *mut wasm_externtype_t) -> *mut wasm_externtype_t {
            t
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $to_const(t: *const wasm_externtype_t) -> *const wasm_externtype_t {
            t
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from(t: *mut wasm_externtype_t) -> *mut wasm_externtype_t {
            match t.as_ref() {
                Some(x) if x.kind() == $kind => t,
                _ => ptr::null_mut(),
            }
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from_const(t: *const wasm_externtype_t) -> *const wasm_externtype_t {
            match t.as_ref() {
                Some(x) if x.kind() == $kind => t,
                _ => ptr::null(),
            }
        }
    };
}

as_externtype!(
    WASM_EXTERN_FUNC,
    wasm_functype_as_externtype,
    wasm_functype_as_externtype_const,
    wasm_externtype_as_functype,
    wasm_externtype_as_functype_const
);
as_externtype!(
    WASM_EXTERN_GLOBAL,
    wasm_globaltype_as_externtype,
    wasm_globaltype_as_externtype_const,
    wasm_externtype_as_globaltype,
    wasm_externtype_as_globaltype_const
);
as_externtype!(
    WASM_EXTERN_TABLE,
    wasm_tabletype_as_externtype,
    wasm_tabletype_as_externtype_const,
    wasm_externtype_as_tabletype,
    wasm_externtype_as_tabletype_const
);
as_externtype!(
    WASM_EXTERN_MEMORY,
    wasm_memorytype_as_externtype,
    wasm_memorytype_as_externtype_const,
    wasm_externtype_as_memorytype,
    wasm_externtype_as_memorytype_const
);

// Import and export types.

pub struct wasm_importtype_t {
    pub(crate) module: wasm_name_t,
    pub(crate) name: wasm_name_t,
    pub(crate) ty: *mut wasm_externtype_t,
}

pub struct wasm_exporttype_t {
    pub(crate) name: wasm_name_t,
    pub(crate) ty: *mut wasm_externtype_t,
}

unsafe fn copy_name(n: &wasm_name_t) -> wasm_name_t {
    Vector::from_vec(n.as_slice().to_vec())
}

impl Clone for wasm_importtype_t {
    fn clone(&self) -> Self {
        // SAFETY: the fields are owned and valid.
        unsafe {
            wasm_importtype_t {
                module: copy_name(&self.module),
                name: copy_name(&self.name),
                ty: self.ty.copy(),
            }
        }
    }
}

impl Drop for wasm_importtype_t {
    fn drop(&mut self) {
        // SAFETY: the fields are owned.
        unsafe {
            crate::vec::delete(&mut self.module);
            crate::vec::delete(&mut self.name);
            self.ty.delete();
        }
    }
}

impl Clone for wasm_exporttype_t {
    fn clone(&self) -> Self {
        // SAFETY: the fields are owned and valid.
        unsafe {
            wasm_exporttype_t {
                name: copy_name(&self.name),
                ty: self.ty.copy(),
            }
        }
    }
}

impl Drop for wasm_exporttype_t {
    fn drop(&mut self) {
        // SAFETY: the fields are owned.
        unsafe {
            crate::vec::delete(&mut self.name);
            self.ty.delete();
        }
    }
}

boxed_type!(
    wasm_importtype_t,
    wasm_importtype_delete,
    wasm_importtype_copy,
    wasm_importtype_vec_new_empty,
    wasm_importtype_vec_new_uninitialized,
    wasm_importtype_vec_new,
    wasm_importtype_vec_copy,
    wasm_importtype_vec_delete
);
boxed_type!(
    wasm_exporttype_t,
    wasm_exporttype_delete,
    wasm_exporttype_copy,
    wasm_exporttype_vec_new_empty,
    wasm_exporttype_vec_new_uninitialized,
    wasm_exporttype_vec_new,
    wasm_exporttype_vec_copy,
    wasm_exporttype_vec_delete
);

/// Takes an owned name argument's bytes.
unsafe fn take_name(n: *mut wasm_name_t) -> wasm_name_t {
    match n.as_mut() {
        Some(n) => Vector::from_vec(n.take()),
        None => Vector::EMPTY,
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_importtype_new(
    module: *mut wasm_name_t,
    name: *mut wasm_name_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_importtype_t {
    guard(ptr::null_mut(), || {
        let (module, name) = (take_name(module), take_name(name));
        if ty.is_null() {
            return ptr::null_mut();
        }
        Box::into_raw(Box::new(wasm_importtype_t { module, name, ty }))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_importtype_module(t: *const wasm_importtype_t) -> *const wasm_name_t {
    guard(ptr::null(), || &need(t, "wasm_importtype_module").module as *const _)
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_importtype_name(t: *const wasm_importtype_t) -> *const wasm_name_t {
    guard(ptr::null(), || &need(t, "wasm_importtype_name").name as *const _)
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_importtype_type(t: *const wasm_importtype_t) -> *const wasm_externtype_t {
    guard(ptr::null(), || need(t, "wasm_importtype_type").ty as *const _)
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_exporttype_new(
    name: *mut wasm_name_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_exporttype_t {
    guard(ptr::null_mut(), || {
        let name = take_name(name);
        if ty.is_null() {
            return ptr::null_mut();
        }
        Box::into_raw(Box::new(wasm_exporttype_t { name, ty }))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_exporttype_name(t: *const wasm_exporttype_t) -> *const wasm_name_t {
    guard(ptr::null(), || &need(t, "wasm_exporttype_name").name as *const _)
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_exporttype_type(t: *const wasm_exporttype_t) -> *const wasm_externtype_t {
    guard(ptr::null(), || need(t, "wasm_exporttype_type").ty as *const _)
}
