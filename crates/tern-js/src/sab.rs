//! SharedArrayBuffers over the bytes of a shared memory.
//!
//! The specification gives a shared memory's `buffer` as a SharedArrayBuffer
//! over its bytes, a new one each time the length changed, all sharing the
//! bytes. Node-API can make an ArrayBuffer over outside bytes but no
//! SharedArrayBuffer, so this calls V8's C++ API, which Node exports:
//! `SharedArrayBuffer::NewBackingStore(data, length, deleter, data)` for a
//! backing store over the bytes, then `SharedArrayBuffer::New(isolate,
//! std::shared_ptr<BackingStore>)`. The symbols are looked up in the
//! running process (so the addon still loads, and makes ArrayBuffers, where
//! they are missing) and only on x86-64 Linux, where their calling
//! convention is the one written here and `std::shared_ptr` is libstdc++'s
//! (the mangled names say so).
//!
//! The `shared_ptr` handed to V8 is made without C++: it points at the new
//! backing store and borrows the control block of a `shared_ptr` to the
//! backing store of a SharedArrayBuffer this module made and keeps (the
//! aliasing form of `shared_ptr`), taking one more reference on it for V8
//! to release. The backing stores made here are never freed: each is a few
//! words, one per length a memory's buffer had, and the memory they show
//! lives as long as the thread's store.

use crate::napi::*;
use napi_sys::*;

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod imp {
    use super::*;
    use std::cell::Cell;
    use std::ffi::{CStr, c_char, c_void};
    use std::ptr;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// libstdc++'s `std::shared_ptr<T>`: the pointer, then the control
    /// block (`_Sp_counted_base`: a vtable pointer, then the use count).
    #[repr(C)]
    struct SharedPtr {
        ptr: *mut c_void,
        ctrl: *mut c_void,
    }

    type GetCurrent = unsafe extern "C" fn() -> *mut c_void;
    // Non-trivial C++ results come back through a pointer passed first;
    // for a member function, `this` comes after it.
    type GetBackingStore = unsafe extern "C" fn(ret: *mut SharedPtr, this: *mut c_void);
    type Deleter = unsafe extern "C" fn(*mut c_void, usize, *mut c_void);
    type NewBackingStore = unsafe extern "C" fn(
        ret: *mut *mut c_void,
        data: *mut c_void,
        len: usize,
        deleter: Deleter,
        deleter_data: *mut c_void,
    );
    // A non-trivial C++ argument by value is passed as a pointer to a copy
    // the caller owns; `Local<T>` is one pointer, returned in a register.
    type NewShared = unsafe extern "C" fn(isolate: *mut c_void, backing_store: *mut SharedPtr) -> *mut c_void;

    struct Api {
        get_current: GetCurrent,
        get_backing_store: GetBackingStore,
        new_backing_store: NewBackingStore,
        new_shared: NewShared,
    }

    unsafe extern "C" {
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }

    fn lookup(name: &CStr) -> Option<*mut c_void> {
        // SAFETY: RTLD_DEFAULT (null) searches the process's symbols.
        let p = unsafe { dlsym(ptr::null_mut(), name.as_ptr()) };
        (!p.is_null()).then_some(p)
    }

    fn api() -> Option<&'static Api> {
        static API: std::sync::OnceLock<Option<Api>> = std::sync::OnceLock::new();
        API.get_or_init(|| {
            // SAFETY: each symbol is the V8 function its mangled name
            // names, whose signature the type written here follows.
            unsafe {
                Some(Api {
                    get_current: std::mem::transmute::<*mut c_void, GetCurrent>(lookup(
                        c"_ZN2v87Isolate10GetCurrentEv",
                    )?),
                    get_backing_store: std::mem::transmute::<*mut c_void, GetBackingStore>(lookup(
                        c"_ZN2v817SharedArrayBuffer15GetBackingStoreEv",
                    )?),
                    new_backing_store: std::mem::transmute::<*mut c_void, NewBackingStore>(lookup(
                        c"_ZN2v817SharedArrayBuffer15NewBackingStoreEPvmPFvS1_mS1_ES1_",
                    )?),
                    new_shared: std::mem::transmute::<*mut c_void, NewShared>(lookup(
                        c"_ZN2v817SharedArrayBuffer3NewEPNS_7IsolateESt10shared_ptrINS_12BackingStoreEE",
                    )?),
                })
            }
        })
        .as_ref()
    }

    unsafe extern "C" fn keep(_data: *mut c_void, _len: usize, _deleter_data: *mut c_void) {}

    thread_local! {
        /// The control block this thread's SharedArrayBuffers borrow: of a
        /// 0-byte SharedArrayBuffer made once and kept (with its reference
        /// from `GetBackingStore`, never released).
        static CTRL: Cell<*mut c_void> = const { Cell::new(ptr::null_mut()) };
    }

    fn control_block(env: napi_env, api: &Api) -> JsResult<*mut c_void> {
        let c = CTRL.with(Cell::get);
        if !c.is_null() {
            return Ok(c);
        }
        let mut global = ptr::null_mut();
        check(env, unsafe { napi_get_global(env, &mut global) })?;
        let ctor = get(env, global, c"SharedArrayBuffer")?;
        let zero = number(env, 0.0)?;
        let mut sab = ptr::null_mut();
        check(env, unsafe { napi_new_instance(env, ctor, 1, &zero, &mut sab) })?;
        // Kept for good: its backing store's control block is borrowed.
        reference(env, sab)?;
        let mut sp = SharedPtr {
            ptr: ptr::null_mut(),
            ctrl: ptr::null_mut(),
        };
        // SAFETY: `sab` is a SharedArrayBuffer; a napi_value is the
        // `Local`'s pointer, the `this` of its methods.
        unsafe { (api.get_backing_store)(&mut sp, sab.cast()) };
        if sp.ctrl.is_null() {
            return fail(env, "Error", "tern: no backing store to share");
        }
        CTRL.with(|c| c.set(sp.ctrl));
        Ok(sp.ctrl)
    }

    pub fn make(env: napi_env, data: *mut u8, len: usize) -> JsResult<Option<napi_value>> {
        let Some(api) = api() else { return Ok(None) };
        let ctrl = control_block(env, api)?;
        let mut store = ptr::null_mut();
        // SAFETY: the bytes stay for the store's (the thread's) lifetime;
        // the deleter does nothing, and the backing store is never freed.
        unsafe { (api.new_backing_store)(&mut store, data.cast(), len, keep, ptr::null_mut()) };
        if store.is_null() {
            return Ok(None);
        }
        // The reference V8 takes over (or copies and leaves us): one more
        // on the borrowed control block, so it never drops to zero.
        // SAFETY: `ctrl` is a live `_Sp_counted_base`; its use count is
        // the atomic int after the vtable pointer.
        unsafe { (*ctrl.cast::<u8>().add(8).cast::<AtomicI32>()).fetch_add(1, Ordering::AcqRel) };
        let mut sp = SharedPtr { ptr: store, ctrl };
        // SAFETY: a callback's isolate, a shared backing store.
        let v = unsafe { (api.new_shared)((api.get_current)(), &mut sp) };
        Ok((!v.is_null()).then_some(v.cast()))
    }
}

/// A SharedArrayBuffer over `len` bytes at `data`, which must stay for the
/// thread's lifetime; `None` where V8's API is not at hand.
pub fn shared_arraybuffer(env: napi_env, data: *mut u8, len: usize) -> JsResult<Option<napi_value>> {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    return imp::make(env, data, len);
    #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
    {
        let _ = (env, data, len);
        Ok(None)
    }
}
