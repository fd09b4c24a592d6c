//! Configurations, engines and stores, and how the C API reaches a store
//! while a host function of it runs.

use crate::guard;
use crate::refs::{HostInfo, InfoKey, Stashed};
use rt::{AsContextMut, Caller, Config, Engine, Store, StoreContextMut, Tier};
use std::cell::{RefCell, UnsafeCell};
use std::collections::HashMap;
use std::ptr;
use std::rc::Rc;

pub struct wasm_config_t {
    pub(crate) config: Config,
}

pub struct wasm_engine_t {
    pub(crate) engine: Engine,
}

pub struct wasm_store_t {
    pub(crate) cell: Rc<StoreCell>,
}

/// What the C API keeps in each tern store.
#[derive(Default)]
pub(crate) struct StoreData {
    /// Host info of store objects (functions, globals, tables, memories,
    /// instances, foreign objects); finalizers run when the store goes.
    pub(crate) host_info: HashMap<InfoKey, HostInfo>,
    /// What each external reference made by the C API stands for (the
    /// `externref`'s value is an index here).
    pub(crate) stash: Vec<Stashed>,
    /// The store's instances by their index in the store (a trap's frames
    /// name instances so): `None` for an instantiation that trapped.
    pub(crate) instances: Vec<Option<rt::Instance>>,
    /// The WASI context of the store's WASI functions
    /// (`tern_store_set_wasi`; an empty one until it is set).
    pub(crate) wasi: Option<tern_wasi::WasiCtx>,
}

/// A tern store and the host calls running in it.
pub(crate) struct StoreCell {
    store: UnsafeCell<Store<StoreData>>,
    /// The `Caller` of each host function of this store running now,
    /// innermost last. While one runs, tern has the store borrowed, and the
    /// C API must go through its caller.
    callers: RefCell<Vec<*mut Caller<'static, StoreData>>>,
}

impl StoreCell {
    pub(crate) fn new(engine: &Engine) -> StoreCell {
        StoreCell {
            store: UnsafeCell::new(Store::new(engine, StoreData::default())),
            callers: RefCell::new(Vec::new()),
        }
    }

    /// Runs `f` with exclusive access to the store. `f` must not call
    /// `with` itself except through wasm code (a host function's callback
    /// gets a fresh context from its caller).
    pub(crate) fn with<R>(&self, f: impl FnOnce(StoreContextMut<'_, StoreData>) -> R) -> R {
        let top = self.callers.borrow().last().copied();
        match top {
            // SAFETY: the caller is live: it was pushed by the host call
            // running now, which pops it before returning, and its borrow
            // of the store is the innermost one.
            Some(c) => f(unsafe { &mut *c }.as_context_mut()),
            // SAFETY: no host call runs in this store, so nothing else
            // borrows it (the store is used from one thread, and `with`
            // calls are not nested outside host calls).
            None => f(unsafe { &mut *self.store.get() }.as_context_mut()),
        }
    }

    /// Runs a host function's body with its caller as the way to the
    /// store.
    pub(crate) fn in_host_call<R>(&self, caller: &mut Caller<'_, StoreData>, f: impl FnOnce() -> R) -> R {
        struct Pop<'a>(&'a RefCell<Vec<*mut Caller<'static, StoreData>>>);
        impl Drop for Pop<'_> {
            fn drop(&mut self) {
                self.0.borrow_mut().pop();
            }
        }
        let p = (caller as *mut Caller<'_, StoreData>).cast::<Caller<'static, StoreData>>();
        self.callers.borrow_mut().push(p);
        let _pop = Pop(&self.callers);
        f()
    }

    pub(crate) fn engine(&self) -> Engine {
        self.with(|ctx| ctx.engine().clone())
    }
}

/// The default configuration of the C API: tern's, without a limit on
/// the number of instances (the standard API has none), and the tier from
/// the `TERN_TIER` environment variable (`interp`, `jit` or `auto`) when
/// it is set.
pub(crate) fn default_config() -> Config {
    let mut c = Config::new();
    c.max_instances(usize::MAX);
    match std::env::var("TERN_TIER").as_deref() {
        Ok("interp") => {
            c.tier(Tier::Interp);
        }
        Ok("jit") => {
            c.tier(Tier::Jit);
        }
        _ => {}
    }
    c
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_config_new() -> *mut wasm_config_t {
    guard(ptr::null_mut(), || {
        Box::into_raw(Box::new(wasm_config_t {
            config: default_config(),
        }))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_config_delete(c: *mut wasm_config_t) {
    guard((), || {
        if !c.is_null() {
            drop(Box::from_raw(c))
        }
    })
}

fn engine_from(config: &Config) -> *mut wasm_engine_t {
    match Engine::new(config) {
        Ok(engine) => Box::into_raw(Box::new(wasm_engine_t { engine })),
        Err(e) => {
            crate::set_error(format!("cannot create the engine: {e}"));
            ptr::null_mut()
        }
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_new() -> *mut wasm_engine_t {
    guard(ptr::null_mut(), || engine_from(&default_config()))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_new_with_config(c: *mut wasm_config_t) -> *mut wasm_engine_t {
    guard(ptr::null_mut(), || {
        if c.is_null() {
            return engine_from(&default_config());
        }
        let c = Box::from_raw(c);
        engine_from(&c.config)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_delete(e: *mut wasm_engine_t) {
    guard((), || {
        if !e.is_null() {
            drop(Box::from_raw(e))
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_store_new(engine: *mut wasm_engine_t) -> *mut wasm_store_t {
    guard(ptr::null_mut(), || match engine.as_ref() {
        Some(e) => Box::into_raw(Box::new(wasm_store_t {
            cell: Rc::new(StoreCell::new(&e.engine)),
        })),
        None => ptr::null_mut(),
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_store_delete(s: *mut wasm_store_t) {
    guard((), || {
        if !s.is_null() {
            drop(Box::from_raw(s))
        }
    })
}
