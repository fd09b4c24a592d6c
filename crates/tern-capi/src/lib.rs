//! The standard WebAssembly C API (`include/wasm.h`) and tern's extensions
//! (`include/tern.h`) over tern's embedding API, built as `libtern.so` and
//! `libtern.a`.
//!
//! # How C objects map to tern's
//!
//! * A `wasm_store_t` owns an `Rc<StoreCell>`: the tern [`rt::Store`] and
//!   the stack of host calls in progress. Every handle of a store object
//!   (function, global, table, memory, instance, foreign object) holds the
//!   `Rc` too, so a handle that outlives `wasm_store_delete` stays valid,
//!   and the store goes when its last handle does.
//! * Every reference type of the API (`wasm_ref_t`, `wasm_func_t`,
//!   `wasm_extern_t`, `wasm_trap_t`, `wasm_module_t`, ...) is one Rust type,
//!   [`refs::wasm_ref_t`], so `wasm_func_as_ref`, `wasm_ref_as_func`,
//!   `wasm_func_as_extern` and the rest are the same pointer, checked for
//!   its kind. Likewise every extern type (`wasm_functype_t`, ...) is
//!   [`types::wasm_externtype_t`].
//! * A host function runs with the store borrowed by tern; while it runs,
//!   the C API reaches the store through the host call's `Caller` (the top
//!   of [`store::StoreCell`]'s stack), so the callback may call back into
//!   wasm, read memories and so on.
//!
//! # Errors and bad arguments
//!
//! No panic crosses the C boundary: every entry point runs inside
//! [`guard`], which turns a panic into the function's failure value (NULL,
//! false, a trap) after the panic message is printed. A NULL argument where
//! the API requires an object gives NULL, false or a trap where the
//! function returns one, and otherwise prints the function's name to stderr
//! and aborts ([`need`]).

#![allow(non_camel_case_types)]
#![allow(unsafe_op_in_unsafe_fn)]
#![allow(clippy::missing_safety_doc)]

pub mod ext;
pub mod module;
pub mod objects;
pub mod refs;
pub mod store;
pub mod types;
pub mod vec;
pub mod wasi;

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `f`, turning a panic into `default` (the panic hook has already
/// printed the message).
pub(crate) fn guard<R>(default: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

/// The object behind a pointer the API requires to be non-NULL, for
/// functions that have no way to report a failure: NULL aborts with a
/// message naming the function.
pub(crate) unsafe fn need<'a, T>(p: *const T, func: &str) -> &'a T {
    match p.as_ref() {
        Some(r) => r,
        None => {
            eprintln!("tern: {func}: a required argument is NULL");
            std::process::abort();
        }
    }
}

/// [`guard`] with a failure value made only on a panic.
pub(crate) fn guard_else<R>(default: impl FnOnce() -> R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| default())
}

/// [`need`] for a mutable argument.
pub(crate) unsafe fn need_mut<'a, T>(p: *mut T, func: &str) -> &'a mut T {
    match p.as_mut() {
        Some(r) => r,
        None => {
            eprintln!("tern: {func}: a required argument is NULL");
            std::process::abort();
        }
    }
}

thread_local! {
    /// The message of the last failure on this thread
    /// (`tern_error_message`).
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records why an API call failed, for `tern_error_message`.
pub(crate) fn set_error(msg: impl Into<String>) {
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(msg.into()));
}

/// The message of the last failure on this thread.
pub(crate) fn last_error() -> Option<String> {
    LAST_ERROR.with(|e| e.borrow().clone())
}

/// Wraps what a store's host functions capture (a C environment pointer, a
/// store pointer) so that tern, which requires host functions to be `Send`
/// and `Sync`, accepts them.
pub(crate) struct StoreBound<T>(pub(crate) T);

impl<T> StoreBound<T> {
    /// The value (a method, so that closures capture the whole wrapper,
    /// not the field).
    pub(crate) fn get(&self) -> &T {
        &self.0
    }
}

// SAFETY: the C API gives each store, and everything in it, to one thread
// (`wasm.h`: a store must be used from one thread at a time, and its
// objects with it). A `StoreBound` value lives in a store's host functions
// and is only touched while that store runs on its thread.
unsafe impl<T> Send for StoreBound<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for StoreBound<T> {}
