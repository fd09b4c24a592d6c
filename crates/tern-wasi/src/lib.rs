//! WASI preview1 (`wasi_snapshot_preview1`) host functions for tern's
//! [`Linker`](tern::Linker).
//!
//! ```no_run
//! use tern::{Engine, Linker, Module, Store};
//! use tern_wasi::{WasiCtx, WasiCtxBuilder};
//! let engine = Engine::default();
//! let module = Module::new(&engine, std::fs::read("hello.wasm").unwrap()).unwrap();
//! let mut linker: Linker<WasiCtx> = Linker::new(&engine);
//! tern_wasi::add_to_linker(&mut linker, |cx| cx).unwrap();
//! let wasi = WasiCtxBuilder::new().arg("hello.wasm").inherit_stdio().build();
//! let mut store = Store::new(&engine, wasi);
//! let instance = linker.instantiate(&mut store, &module).unwrap();
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
//! match start.call(&mut store, ()) {
//!     Ok(()) => {}
//!     Err(e) => match tern_wasi::exit_code(&e) {
//!         Some(code) => std::process::exit(code),
//!         None => panic!("trap: {e}"),
//!     },
//! }
//! ```
//!
//! The guest's file system is the set of pre-opened directories; every
//! path is resolved beneath one of them through `cap-std`, which refuses
//! `..`, absolute paths and symlinks that lead outside (`EPERM`, as in
//! wasmtime). Descriptors carry preview1 rights (see `rights.rs`).
//! Every guest pointer is bounds-checked (`EFAULT`).

#![forbid(unsafe_code)]

mod ctx;
mod errno;
mod mem;
mod preview1;
mod rights;
mod threads;

pub use ctx::{OutputBuffer, WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use preview1::{add_to_linker, add_to_linker_shared};
pub use threads::{WasiThreads, imported_shared_memory, threads_memory};

use std::fmt;

/// The error that `proc_exit` raises (as a host trap) to end the guest
/// with a status code. Find it in a call's error with [`exit_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl fmt::Display for I32Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exited with status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

/// The exit code when `error` is the guest calling `proc_exit`.
pub fn exit_code(error: &tern::Error) -> Option<i32> {
    trap_exit_code(error.as_trap()?)
}

/// The exit code when `trap` is the guest calling `proc_exit`.
pub fn trap_exit_code(trap: &tern::Trap) -> Option<i32> {
    trap.host_error()?.downcast_ref::<I32Exit>().map(|e| e.0)
}
