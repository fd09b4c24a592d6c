//! Values, functions, globals, tables, memories, externs and instances.

use crate::module::need_module;
use crate::refs::{
    RefKind, TrapObj, externref_of, ref_of_externref, wasm_extern_t, wasm_func_t, wasm_global_t, wasm_instance_t,
    wasm_memory_t, wasm_module_t, wasm_ref_t, wasm_table_t, wasm_trap_t,
};
use crate::store::{StoreCell, StoreData, wasm_store_t};
use crate::types::{
    ExternTy, WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL, WASM_EXTERN_MEMORY, WASM_EXTERN_TABLE, WASM_EXTERNREF, WASM_F32,
    WASM_F64, WASM_FUNCREF, WASM_I32, WASM_I64, kind_of, wasm_externtype_t, wasm_functype_t, wasm_globaltype_t,
    wasm_memorytype_t, wasm_tabletype_t,
};
use crate::vec::{Elem, Vector, declare_vec};
use crate::{StoreBound, guard, guard_else, need, need_mut, set_error};
use rt::{
    Caller, Extern, Func, FuncType, Global, HeapType, Instance, Memory, RefType, StoreContextMut, Table, Trap, Val,
    ValType,
};
use std::ffi::c_void;
use std::ptr;
use std::rc::{Rc, Weak};

// Values.

#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    pub i32: i32,
    pub i64: i64,
    pub f32: f32,
    pub f64: f64,
    pub ref_: *mut wasm_ref_t,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasm_val_t {
    pub kind: u8,
    pub of: wasm_val_union,
}

const _: () = assert!(std::mem::size_of::<wasm_val_t>() == 16);

impl wasm_val_t {
    fn is_ref(&self) -> bool {
        self.kind >= WASM_EXTERNREF
    }

    /// The zero (or null) value of a kind.
    pub(crate) fn zero(kind: u8) -> wasm_val_t {
        wasm_val_t {
            kind,
            of: wasm_val_union { i64: 0 },
        }
    }
}

impl Elem for wasm_val_t {
    fn zero() -> wasm_val_t {
        wasm_val_t::zero(WASM_I32)
    }
    unsafe fn copy(&self) -> wasm_val_t {
        let mut v = *self;
        if self.is_ref() {
            v.of.ref_ = self.of.ref_.copy();
        }
        v
    }
    unsafe fn delete(self) {
        if self.is_ref() {
            self.of.ref_.delete();
        }
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_val_delete(v: *mut wasm_val_t) {
    guard((), || {
        if let Some(v) = v.as_mut() {
            v.delete();
            if v.is_ref() {
                v.of.ref_ = ptr::null_mut();
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_val_copy(out: *mut wasm_val_t, v: *const wasm_val_t) {
    guard((), || {
        let v = need(v, "wasm_val_copy").copy();
        ptr::write(need_mut(out, "wasm_val_copy"), v);
    })
}

declare_vec!(
    wasm_val_t,
    wasm_val_vec_new_empty,
    wasm_val_vec_new_uninitialized,
    wasm_val_vec_new,
    wasm_val_vec_copy,
    wasm_val_vec_delete
);

/// A reference argument as a tern value of reference type `r`.
pub(crate) unsafe fn ref_to_val(
    cell: &Rc<StoreCell>,
    ctx: &mut StoreContextMut<'_, StoreData>,
    p: *const wasm_ref_t,
    r: RefType,
) -> Result<Val, String> {
    let funcs = !matches!(r.heap, HeapType::Extern | HeapType::NoExtern);
    let Some(x) = p.as_ref() else {
        return Ok(if funcs {
            Val::FuncRef(None)
        } else {
            Val::ExternRef(None)
        });
    };
    if funcs {
        match &x.kind {
            RefKind::Func(s, f) if Rc::ptr_eq(s, cell) => Ok(Val::FuncRef(Some(*f))),
            RefKind::Func(..) => Err("a function of another store".into()),
            _ => Err("a funcref must be a function".into()),
        }
    } else {
        Ok(Val::ExternRef(Some(externref_of(cell, ctx, x)?)))
    }
}

/// A C value as a tern value of type `t`.
pub(crate) unsafe fn val_from_c(
    cell: &Rc<StoreCell>,
    ctx: &mut StoreContextMut<'_, StoreData>,
    v: &wasm_val_t,
    t: ValType,
) -> Result<Val, String> {
    if v.kind != kind_of(t) {
        return Err(format!("a value of kind {} where {t} was expected", v.kind));
    }
    Ok(match t {
        ValType::I32 => Val::I32(v.of.i32),
        ValType::I64 => Val::I64(v.of.i64),
        ValType::F32 => Val::F32(v.of.f32.to_bits()),
        ValType::F64 => Val::F64(v.of.f64.to_bits()),
        ValType::Ref(r) => ref_to_val(cell, ctx, v.of.ref_, r)?,
        ValType::V128 => return Err("v128 values cannot cross the C API".into()),
    })
}

/// A tern reference value as an owned handle (NULL for null).
pub(crate) fn ref_from_val(cell: &Rc<StoreCell>, ctx: &StoreContextMut<'_, StoreData>, v: &Val) -> *mut wasm_ref_t {
    match *v {
        Val::FuncRef(Some(f)) => wasm_ref_t::boxed(RefKind::Func(cell.clone(), f)),
        Val::ExternRef(Some(e)) => wasm_ref_t::boxed(ref_of_externref(cell, ctx, e)),
        _ => ptr::null_mut(),
    }
}

/// A tern value as an owned C value.
pub(crate) fn val_to_c(
    cell: &Rc<StoreCell>,
    ctx: &StoreContextMut<'_, StoreData>,
    v: &Val,
) -> Result<wasm_val_t, String> {
    let (kind, of) = match *v {
        Val::I32(x) => (WASM_I32, wasm_val_union { i32: x }),
        Val::I64(x) => (WASM_I64, wasm_val_union { i64: x }),
        Val::F32(x) => (WASM_F32, wasm_val_union { f32: f32::from_bits(x) }),
        Val::F64(x) => (WASM_F64, wasm_val_union { f64: f64::from_bits(x) }),
        Val::FuncRef(_) => (
            WASM_FUNCREF,
            wasm_val_union {
                ref_: ref_from_val(cell, ctx, v),
            },
        ),
        Val::ExternRef(_) => (
            WASM_EXTERNREF,
            wasm_val_union {
                ref_: ref_from_val(cell, ctx, v),
            },
        ),
        Val::V128(_) => return Err("v128 values cannot cross the C API".into()),
        Val::ExnRef(_) => return Err("exnref values cannot cross the C API".into()),
        Val::AnyRef(_) => return Err("GC (anyref) values cannot cross the C API yet".into()),
    };
    Ok(wasm_val_t { kind, of })
}

/// The store and handle of a store object of the kind `$variant`, or
/// `$fail` (returned) when the argument is NULL or of another kind.
macro_rules! object {
    ($p:expr, $variant:ident, $fail:expr) => {
        match $p.as_ref().map(|r| &r.kind) {
            Some(RefKind::$variant(s, x)) => (s, *x),
            _ => return $fail,
        }
    };
}

/// As `object!`, but aborts with a message naming `$func` (for functions
/// that cannot report a failure).
macro_rules! object_or_abort {
    ($p:expr, $variant:ident, $func:expr) => {
        match $p.as_ref().map(|r| &r.kind) {
            Some(RefKind::$variant(s, x)) => (s, *x),
            _ => {
                eprintln!(concat!("tern: ", $func, ": NULL or not a ", stringify!($variant)));
                std::process::abort()
            }
        }
    };
}

// Functions.

/// What a host function made by the C API calls.
enum Callback {
    Plain(unsafe extern "C" fn(*const Vector<wasm_val_t>, *mut Vector<wasm_val_t>) -> *mut wasm_trap_t),
    WithEnv(
        unsafe extern "C" fn(*mut c_void, *const Vector<wasm_val_t>, *mut Vector<wasm_val_t>) -> *mut wasm_trap_t,
        *mut c_void,
    ),
}

/// A host function's callback and environment; the environment's
/// finalizer runs when the function goes (with its store).
struct HostFunc {
    callback: Callback,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
    store: Weak<StoreCell>,
    ty: FuncType,
}

impl Drop for HostFunc {
    fn drop(&mut self) {
        if let (Callback::WithEnv(_, env), Some(f)) = (&self.callback, self.finalizer) {
            // SAFETY: the embedder gave this finalizer for this env.
            unsafe { f(*env) }
        }
    }
}

impl HostFunc {
    /// Calls the C callback with `params`, filling `results`.
    unsafe fn call(&self, cell: &Rc<StoreCell>, params: &[Val], results: &mut [Val]) -> Result<(), Trap> {
        let mut args = Vec::with_capacity(params.len());
        let converted = cell.with(|ctx| -> Result<(), String> {
            for p in params {
                args.push(val_to_c(cell, &ctx, p)?);
            }
            Ok(())
        });
        if let Err(e) = converted {
            for a in args {
                a.delete();
            }
            return Err(Trap::msg(e));
        }
        let args_vec = Vector {
            size: args.len(),
            data: if args.is_empty() {
                ptr::null_mut()
            } else {
                args.as_mut_ptr()
            },
        };
        let mut outs: Vec<wasm_val_t> = self
            .ty
            .results()
            .iter()
            .map(|&t| wasm_val_t::zero(kind_of(t)))
            .collect();
        let mut outs_vec = Vector {
            size: outs.len(),
            data: if outs.is_empty() {
                ptr::null_mut()
            } else {
                outs.as_mut_ptr()
            },
        };
        let trap = match self.callback {
            Callback::Plain(f) => f(&args_vec, &mut outs_vec),
            Callback::WithEnv(f, env) => f(env, &args_vec, &mut outs_vec),
        };
        for a in args {
            a.delete();
        }
        let r = if let Some(t) = trap.as_ref() {
            let msg = match &t.kind {
                RefKind::Trap(t) => t.message.clone(),
                _ => "a host function returned something that is not a trap".into(),
            };
            drop(Box::from_raw(trap));
            Err(Trap::msg(msg))
        } else {
            cell.with(|mut ctx| -> Result<(), Trap> {
                for ((r, o), &t) in results.iter_mut().zip(&outs).zip(self.ty.results()) {
                    *r = val_from_c(cell, &mut ctx, o, t)
                        .map_err(|e| Trap::msg(format!("host function result: {e}")))?;
                }
                Ok(())
            })
        };
        for o in outs {
            o.delete();
        }
        r
    }
}

unsafe fn new_host_func(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Callback,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> *mut wasm_func_t {
    let host = |cell: &Rc<StoreCell>, ty: FuncType| HostFunc {
        callback,
        finalizer,
        store: Rc::downgrade(cell),
        ty,
    };
    let (Some(s), Some(t)) = (store.as_ref(), ty.as_ref()) else {
        drop(host(
            &Rc::new(StoreCell::new(&rt::Engine::default())),
            FuncType::new([], []),
        ));
        return ptr::null_mut();
    };
    let ty = match t.to_ty() {
        Ok(ExternTy::Func(f)) => f,
        Ok(_) => {
            set_error("wasm_func_new: the type is not a function type");
            return ptr::null_mut();
        }
        Err(e) => {
            set_error(format!("wasm_func_new: {e}"));
            return ptr::null_mut();
        }
    };
    let cell = &s.cell;
    let hf = StoreBound(host(cell, ty.clone()));
    let f = cell.with(|ctx| {
        Func::new(
            ctx,
            ty,
            move |mut caller: Caller<'_, StoreData>, params: &[Val], results: &mut [Val]| {
                let hf = hf.get();
                let Some(cell) = hf.store.upgrade() else {
                    return Err(Trap::msg("the store of this host function is gone"));
                };
                let cell2 = cell.clone();
                cell.in_host_call(&mut caller, || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
                        hf.call(&cell2, params, results)
                    }))
                    .unwrap_or_else(|_| Err(Trap::msg("tern's C API panicked in a host function")))
                })
            },
        )
    });
    wasm_ref_t::boxed(RefKind::Func(cell.clone(), f))
}

type CallbackFn = unsafe extern "C" fn(*const Vector<wasm_val_t>, *mut Vector<wasm_val_t>) -> *mut wasm_trap_t;
type CallbackEnvFn =
    unsafe extern "C" fn(*mut c_void, *const Vector<wasm_val_t>, *mut Vector<wasm_val_t>) -> *mut wasm_trap_t;

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_new(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<CallbackFn>,
) -> *mut wasm_func_t {
    guard(ptr::null_mut(), || match callback {
        Some(cb) => new_host_func(store, ty, Callback::Plain(cb), None),
        None => ptr::null_mut(),
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_new_with_env(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<CallbackEnvFn>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> *mut wasm_func_t {
    guard(ptr::null_mut(), || match callback {
        Some(cb) => new_host_func(store, ty, Callback::WithEnv(cb, env), finalizer),
        None => {
            if let Some(f) = finalizer {
                f(env);
            }
            ptr::null_mut()
        }
    })
}

fn func_ty(cell: &Rc<StoreCell>, f: Func) -> FuncType {
    cell.with(|ctx| f.ty(&ctx))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_type(f: *const wasm_func_t) -> *mut wasm_functype_t {
    guard(ptr::null_mut(), || {
        let (s, f) = object!(f, Func, ptr::null_mut());
        wasm_externtype_t::boxed(&ExternTy::Func(func_ty(s, f)))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_param_arity(f: *const wasm_func_t) -> usize {
    guard(0, || {
        let (s, f) = object_or_abort!(f, Func, "wasm_func_param_arity");
        func_ty(s, f).params().len()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_result_arity(f: *const wasm_func_t) -> usize {
    guard(0, || {
        let (s, f) = object_or_abort!(f, Func, "wasm_func_result_arity");
        func_ty(s, f).results().len()
    })
}

/// Calls `f`; the results go to `results`, which should have room for
/// them (when it has not, the call still runs and its trap, or a trap
/// saying so, is returned).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_call(
    f: *const wasm_func_t,
    args: *const Vector<wasm_val_t>,
    results: *mut Vector<wasm_val_t>,
) -> *mut wasm_trap_t {
    guard_else(
        || TrapObj::msg("tern's C API panicked in wasm_func_call").boxed(),
        || {
            let (cell, f) = object!(
                f,
                Func,
                TrapObj::msg("wasm_func_call: the function is NULL or not a function").boxed()
            );
            let ty = func_ty(cell, f);
            let args = match args.as_ref() {
                Some(a) => a.as_slice(),
                None => &[],
            };
            if args.len() != ty.params().len() {
                return TrapObj::msg(format!(
                    "wasm_func_call: expected {} arguments, got {}",
                    ty.params().len(),
                    args.len()
                ))
                .boxed();
            }
            // A results vector too small for the results does not stop the
            // call (programs pass an empty one to a function they expect to
            // trap); it is reported once the call has returned normally.
            let nres = ty.results().len();
            let out: Option<&mut [wasm_val_t]> = match results.as_mut() {
                Some(r) if r.size >= nres => Some(&mut r.as_mut_slice()[..nres]),
                _ if nres == 0 => Some(&mut []),
                _ => None,
            };
            let params = cell.with(|mut ctx| {
                args.iter()
                    .zip(ty.params())
                    .map(|(a, &t)| val_from_c(cell, &mut ctx, a, t))
                    .collect::<Result<Vec<Val>, String>>()
            });
            let params = match params {
                Ok(p) => p,
                Err(e) => return TrapObj::msg(format!("wasm_func_call: {e}")).boxed(),
            };
            let mut vals: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
            if let Err(e) = cell.with(|ctx| f.call(ctx, &params, &mut vals)) {
                return TrapObj::from_error(cell, &e).boxed();
            }
            let converted = cell.with(|ctx| {
                let mut cs = Vec::with_capacity(vals.len());
                for v in &vals {
                    match val_to_c(cell, &ctx, v) {
                        Ok(c) => cs.push(c),
                        Err(e) => {
                            // Release the references converted so far.
                            for c in cs {
                                c.delete();
                            }
                            return Err(e);
                        }
                    }
                }
                Ok(cs)
            });
            match (converted, out) {
                (Ok(cs), Some(out)) => {
                    for (o, c) in out.iter_mut().zip(cs) {
                        *o = c;
                    }
                    ptr::null_mut()
                }
                (Ok(cs), None) => {
                    for c in cs {
                        c.delete();
                    }
                    TrapObj::msg(format!(
                        "wasm_func_call: the function returned, but the results vector has no room for its {nres} results"
                    ))
                    .boxed()
                }
                (Err(e), _) => TrapObj::msg(format!("wasm_func_call: {e}")).boxed(),
            }
        },
    )
}

// Globals.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_new(
    store: *mut wasm_store_t,
    ty: *const wasm_globaltype_t,
    v: *const wasm_val_t,
) -> *mut wasm_global_t {
    guard(ptr::null_mut(), || {
        let (Some(s), Some(t), Some(v)) = (store.as_ref(), ty.as_ref(), v.as_ref()) else {
            return ptr::null_mut();
        };
        let Ok(ExternTy::Global(gt)) = t.to_ty() else {
            set_error("wasm_global_new: not a global type");
            return ptr::null_mut();
        };
        let cell = &s.cell;
        let r = cell.with(|mut ctx| {
            let v = val_from_c(cell, &mut ctx, v, gt.content)?;
            Global::new(ctx, gt, v).map_err(|e| e.to_string())
        });
        match r {
            Ok(g) => wasm_ref_t::boxed(RefKind::Global(cell.clone(), g)),
            Err(e) => {
                set_error(format!("wasm_global_new: {e}"));
                ptr::null_mut()
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_type(g: *const wasm_global_t) -> *mut wasm_globaltype_t {
    guard(ptr::null_mut(), || {
        let (s, g) = object!(g, Global, ptr::null_mut());
        let t = s.with(|ctx| g.ty(&ctx));
        wasm_externtype_t::boxed(&ExternTy::Global(t))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_get(g: *const wasm_global_t, out: *mut wasm_val_t) {
    guard((), || {
        let (s, g) = object_or_abort!(g, Global, "wasm_global_get");
        let out = need_mut(out, "wasm_global_get");
        let v = s.with(|ctx| {
            let v = g.get(&ctx);
            val_to_c(s, &ctx, &v)
        });
        match v {
            Ok(v) => ptr::write(out, v),
            Err(e) => {
                eprintln!("tern: wasm_global_get: {e}");
                std::process::abort()
            }
        }
    })
}

/// Sets a mutable global. A value of the wrong type, or an immutable
/// global, leaves it unchanged (the message is in `tern_error_message`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_set(g: *mut wasm_global_t, v: *const wasm_val_t) {
    guard((), || {
        let (s, g) = object_or_abort!(g, Global, "wasm_global_set");
        let v = need(v, "wasm_global_set");
        let r = s.with(|mut ctx| {
            let t = g.ty(&ctx);
            let v = val_from_c(s, &mut ctx, v, t.content)?;
            g.set(ctx, v).map_err(|e| e.to_string())
        });
        if let Err(e) = r {
            set_error(format!("wasm_global_set: {e}"));
        }
    })
}

// Tables.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_new(
    store: *mut wasm_store_t,
    ty: *const wasm_tabletype_t,
    init: *mut wasm_ref_t,
) -> *mut wasm_table_t {
    guard(ptr::null_mut(), || {
        let (Some(s), Some(t)) = (store.as_ref(), ty.as_ref()) else {
            return ptr::null_mut();
        };
        let Ok(ExternTy::Table(tt)) = t.to_ty() else {
            set_error("wasm_table_new: not a table type");
            return ptr::null_mut();
        };
        let cell = &s.cell;
        let r = cell.with(|mut ctx| {
            let v = ref_to_val(cell, &mut ctx, init, tt.element)?;
            Table::new(ctx, tt, v).map_err(|e| e.to_string())
        });
        match r {
            Ok(t) => wasm_ref_t::boxed(RefKind::Table(cell.clone(), t)),
            Err(e) => {
                set_error(format!("wasm_table_new: {e}"));
                ptr::null_mut()
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_type(t: *const wasm_table_t) -> *mut wasm_tabletype_t {
    guard(ptr::null_mut(), || {
        let (s, t) = object!(t, Table, ptr::null_mut());
        let ty = s.with(|ctx| t.ty(&ctx));
        wasm_externtype_t::boxed(&ExternTy::Table(ty))
    })
}

/// Element `index`: a new handle, or NULL for a null element or an index
/// out of bounds.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_get(t: *const wasm_table_t, index: u32) -> *mut wasm_ref_t {
    guard(ptr::null_mut(), || {
        let (s, t) = object!(t, Table, ptr::null_mut());
        s.with(|ctx| match t.get(&ctx, index as u64) {
            Some(v) => ref_from_val(s, &ctx, &v),
            None => ptr::null_mut(),
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_set(t: *mut wasm_table_t, index: u32, r: *mut wasm_ref_t) -> bool {
    guard(false, || {
        let (s, t) = object!(t, Table, false);
        let res = s.with(|mut ctx| {
            let ty = t.ty(&ctx);
            let v = ref_to_val(s, &mut ctx, r, ty.element)?;
            t.set(ctx, index as u64, v).map_err(|e| e.to_string())
        });
        res.map_err(|e| set_error(format!("wasm_table_set: {e}"))).is_ok()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_size(t: *const wasm_table_t) -> u32 {
    guard(0, || {
        let (s, t) = object_or_abort!(t, Table, "wasm_table_size");
        s.with(|ctx| t.size(&ctx)).min(u32::MAX as u64) as u32
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_grow(t: *mut wasm_table_t, delta: u32, init: *mut wasm_ref_t) -> bool {
    guard(false, || {
        let (s, t) = object!(t, Table, false);
        let res = s.with(|mut ctx| {
            let ty = t.ty(&ctx);
            let v = ref_to_val(s, &mut ctx, init, ty.element)?;
            t.grow(ctx, delta as u64, v).map_err(|e| e.to_string())
        });
        res.map_err(|e| set_error(format!("wasm_table_grow: {e}"))).is_ok()
    })
}

// Memories.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_new(store: *mut wasm_store_t, ty: *const wasm_memorytype_t) -> *mut wasm_memory_t {
    guard(ptr::null_mut(), || {
        let (Some(s), Some(t)) = (store.as_ref(), ty.as_ref()) else {
            return ptr::null_mut();
        };
        let Ok(ExternTy::Memory(mt)) = t.to_ty() else {
            set_error("wasm_memory_new: not a memory type");
            return ptr::null_mut();
        };
        let cell = &s.cell;
        match cell.with(|ctx| Memory::new(ctx, mt)) {
            Ok(m) => wasm_ref_t::boxed(RefKind::Memory(cell.clone(), m)),
            Err(e) => {
                set_error(format!("wasm_memory_new: {e}"));
                ptr::null_mut()
            }
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_type(m: *const wasm_memory_t) -> *mut wasm_memorytype_t {
    guard(ptr::null_mut(), || {
        let (s, m) = object!(m, Memory, ptr::null_mut());
        let ty = s.with(|ctx| m.ty(&ctx));
        wasm_externtype_t::boxed(&ExternTy::Memory(ty))
    })
}

/// The memory's bytes; valid until the memory grows. NULL for a shared
/// memory that another thread also holds.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_data(m: *mut wasm_memory_t) -> *mut u8 {
    guard(ptr::null_mut(), || {
        let (s, m) = object!(m, Memory, ptr::null_mut());
        s.with(|ctx| m.try_data_mut(ctx).map_or(ptr::null_mut(), <[u8]>::as_mut_ptr))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_data_size(m: *const wasm_memory_t) -> usize {
    guard(0, || {
        let (s, m) = object_or_abort!(m, Memory, "wasm_memory_data_size");
        s.with(|ctx| m.data_size(&ctx))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_size(m: *const wasm_memory_t) -> u32 {
    guard(0, || {
        let (s, m) = object_or_abort!(m, Memory, "wasm_memory_size");
        s.with(|ctx| m.size(&ctx)).min(u32::MAX as u64) as u32
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_grow(m: *mut wasm_memory_t, delta: u32) -> bool {
    guard(false, || {
        let (s, m) = object!(m, Memory, false);
        s.with(|ctx| m.grow(ctx, delta as u64))
            .map_err(|e| set_error(format!("wasm_memory_grow: {e}")))
            .is_ok()
    })
}

// Externs.

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_extern_kind(e: *const wasm_extern_t) -> u8 {
    guard(0, || match need(e, "wasm_extern_kind").kind {
        RefKind::Func(..) => WASM_EXTERN_FUNC,
        RefKind::Global(..) => WASM_EXTERN_GLOBAL,
        RefKind::Table(..) => WASM_EXTERN_TABLE,
        RefKind::Memory(..) => WASM_EXTERN_MEMORY,
        _ => {
            eprintln!("tern: wasm_extern_kind: not an extern");
            std::process::abort()
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_extern_type(e: *const wasm_extern_t) -> *mut wasm_externtype_t {
    guard(ptr::null_mut(), || {
        let Some((s, e)) = e.as_ref().and_then(|e| e.as_extern()) else {
            return ptr::null_mut();
        };
        let ty = s.with(|ctx| match e {
            Extern::Func(f) => Some(ExternTy::Func(f.ty(&ctx))),
            Extern::Global(g) => Some(ExternTy::Global(g.ty(&ctx))),
            Extern::Table(t) => Some(ExternTy::Table(t.ty(&ctx))),
            Extern::Memory(m) => Some(ExternTy::Memory(m.ty(&ctx))),
            Extern::Tag(_) => None,
        });
        ty.map_or(ptr::null_mut(), |t| wasm_externtype_t::boxed(&t))
    })
}

/// Declares `X_as_extern` / `extern_as_X` and the const forms: the same
/// pointer, or NULL when the kind differs.
macro_rules! as_extern {
    ($variant:ident, $to:ident, $to_const:ident, $from:ident, $from_const:ident) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $to(r: *mut wasm_ref_t) -> *mut wasm_extern_t {
            r
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $to_const(r: *const wasm_ref_t) -> *const wasm_extern_t {
            r
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from(e: *mut wasm_extern_t) -> *mut wasm_ref_t {
            match e.as_ref().map(|x| &x.kind) {
                Some(RefKind::$variant(..)) => e,
                _ => ptr::null_mut(),
            }
        }
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from_const(e: *const wasm_extern_t) -> *const wasm_ref_t {
            match e.as_ref().map(|x| &x.kind) {
                Some(RefKind::$variant(..)) => e,
                _ => ptr::null(),
            }
        }
    };
}

as_extern!(
    Func,
    wasm_func_as_extern,
    wasm_func_as_extern_const,
    wasm_extern_as_func,
    wasm_extern_as_func_const
);
as_extern!(
    Global,
    wasm_global_as_extern,
    wasm_global_as_extern_const,
    wasm_extern_as_global,
    wasm_extern_as_global_const
);
as_extern!(
    Table,
    wasm_table_as_extern,
    wasm_table_as_extern_const,
    wasm_extern_as_table,
    wasm_extern_as_table_const
);
as_extern!(
    Memory,
    wasm_memory_as_extern,
    wasm_memory_as_extern_const,
    wasm_extern_as_memory,
    wasm_extern_as_memory_const
);

// Instances.

/// Records an instantiation's outcome so that trap frames, which name
/// instances by their index in the store, find their instance: a
/// successful one and one that trapped (in its segments or start
/// function) each took an index; one refused before allocating did not.
fn record_instance(ctx: &mut StoreContextMut<'_, StoreData>, r: &rt::Result<Instance>) {
    match r {
        Ok(i) => ctx.data_mut().instances.push(Some(*i)),
        Err(rt::Error::Trap(_)) => ctx.data_mut().instances.push(None),
        Err(_) => {}
    }
}

pub(crate) unsafe fn set_trap_out(out: *mut *mut wasm_trap_t, t: *mut wasm_trap_t) {
    match out.as_mut() {
        Some(o) => *o = t,
        None => {
            if !t.is_null() {
                drop(Box::from_raw(t));
            }
        }
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_instance_new(
    store: *mut wasm_store_t,
    module: *const wasm_module_t,
    imports: *const Vector<*mut wasm_extern_t>,
    trap: *mut *mut wasm_trap_t,
) -> *mut wasm_instance_t {
    guard(ptr::null_mut(), || {
        set_trap_out(trap, ptr::null_mut());
        let fail = |msg: String| {
            set_error(msg.clone());
            set_trap_out(trap, TrapObj::msg(msg).boxed());
            ptr::null_mut()
        };
        let Some(s) = store.as_ref() else {
            return fail("wasm_instance_new: the store is NULL".into());
        };
        if module.is_null() {
            return fail("wasm_instance_new: the module is NULL".into());
        }
        let m = need_module(module, "wasm_instance_new");
        let cell = &s.cell;
        let mut externs = Vec::new();
        if let Some(v) = imports.as_ref() {
            for (i, &e) in v.as_slice().iter().enumerate() {
                match e.as_ref().and_then(|e| e.as_extern()) {
                    Some((es, x)) if Rc::ptr_eq(es, cell) => externs.push(x),
                    Some(_) => return fail(format!("wasm_instance_new: import {i} belongs to another store")),
                    None => return fail(format!("wasm_instance_new: import {i} is NULL or not an extern")),
                }
            }
        }
        let r = cell.with(|mut ctx| {
            let r = Instance::new(&mut ctx, &m.module, &externs);
            record_instance(&mut ctx, &r);
            r
        });
        match r {
            Ok(i) => wasm_ref_t::boxed(RefKind::Instance(cell.clone(), i)),
            Err(e) => {
                set_error(e.to_string());
                set_trap_out(trap, TrapObj::from_error(cell, &e).boxed());
                ptr::null_mut()
            }
        }
    })
}

/// The instance's exports in the module's order (tags, which the standard
/// API cannot express, left out).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_instance_exports(i: *const wasm_instance_t, out: *mut Vector<*mut wasm_extern_t>) {
    guard((), || {
        let (s, i) = object_or_abort!(i, Instance, "wasm_instance_exports");
        let out = need_mut(out, "wasm_instance_exports");
        let exports = s.with(|ctx| i.exports(ctx));
        let v = exports
            .into_iter()
            .filter_map(|(_, e)| wasm_ref_t::of_extern(s, e))
            .collect();
        ptr::write(out, Vector::from_vec(v));
    })
}
