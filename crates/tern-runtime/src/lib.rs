//! tern's embedding API, in wasmtime's shape.
//!
//! ```
//! use tern::{Engine, Linker, Module, Store};
//! // (module (func (export "add") (param i32 i32) (result i32)
//! //   local.get 0 local.get 1 i32.add))
//! let wasm = [
//!     0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01,
//!     0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09,
//!     0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
//! ];
//! let engine = Engine::default();
//! let module = Module::new(&engine, wasm).unwrap();
//! let mut store = Store::new(&engine, ());
//! let linker = Linker::new(&engine);
//! let instance = linker.instantiate(&mut store, &module).unwrap();
//! let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
//! assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 5);
//! ```
//!
//! * [`Engine`]: configuration (features, limits, fuel, epoch
//!   interruption, eager or lazy translation).
//! * [`ResourceLimiter`], [`StoreLimits`]: per-store limits on memories,
//!   tables and instances; [`Store::set_epoch_deadline`] and
//!   [`UpdateDeadline`]: per-store deadlines.
//! * [`Module`]: a validated module.
//! * [`CacheConfig`] for [`Config::cache`]: compiled code kept on disk and
//!   loaded instead of compiled next time ([`Module::cache_use`],
//!   [`Engine::cache_stats`]).
//! * [`Store`]: owns everything instances create, and the embedder's data.
//! * [`Linker`]: resolves imports by name; `func_wrap` defines host
//!   functions from Rust closures.
//! * [`Instance`], [`Func`], [`TypedFunc`], [`Memory`], [`Table`],
//!   [`Global`], [`Extern`], [`Val`], [`Trap`].
//!
//! # Handles and stores
//!
//! [`Func`], [`Memory`], [`Table`], [`Global`], [`Tag`], [`Instance`],
//! [`ExternRef`] and [`ExnRef`] are handles: indices into the store that
//! made them. Using one with another store is a bug of the embedder, and
//! every API that takes a store checks for it, by one rule: an operation
//! that returns a [`Result`] fails with [`Error::Usage`] (`memory used with
//! the wrong store`, `function used ...`); an accessor that returns a
//! plain value or an `Option` (`ty`, `size`, `data`, `get`,
//! [`Instance::get_export`], [`ExnRef::payload`], ...) cannot report it
//! and panics with the same message, as wasmtime's accessors do.
//!
//! Execution uses the optimizing compiler (`tern-cranelift`) where the
//! host supports it, or the interpreter (`tern-interp`): see [`Tier`].
//!
//! # Cargo features
//!
//! * `cranelift` (default): the compiler tier ([`Tier::Jit`]) and
//!   ahead-of-time artifacts ([`Module::serialize`],
//!   [`Module::deserialize`]).
//! * `wat` (default): [`Module::new`] accepts the text format.
//!
//! With `default-features = false` tern is an interpreter-only engine
//! that links neither Cranelift nor the text parser, for hosts that cannot
//! or will not generate code at run time: [`Tier::Auto`] interprets,
//! [`Tier::Jit`] makes [`Engine::new`] fail, artifacts are refused, and
//! only binary modules are accepted.

mod cache;
mod call;
mod engine;
mod epoch;
mod error;
mod externals;
mod func;
mod gc;
mod instance;
#[cfg(feature = "cranelift")]
mod jit;
#[cfg(not(feature = "cranelift"))]
#[path = "no_jit.rs"]
mod jit;
mod limits;
mod linker;
// The logs: the compiler tier's events (tier-ups, the cache) and the
// collector's statistics.
mod log;
mod module;
mod store;
mod values;

pub use cache::{CacheConfig, CacheStats, CacheUse};
pub use engine::{BoundsChecks, Config, Engine, InterpTranslation, InterruptHandle, Profiler, Tier, Tiering};
pub use epoch::UpdateDeadline;
pub use error::{Error, Result};
pub use externals::{Extern, Global, Memory, SharedMemory, Table, Tag};
pub use func::{Func, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use gc::{ArrayRef, ArrayType, EqRef, I31, ManuallyRooted, RootScope, StructRef, StructType};
pub use instance::Instance;
pub use limits::{
    DEFAULT_INSTANCE_LIMIT, DEFAULT_MEMORY_LIMIT, DEFAULT_TABLE_LIMIT, ResourceLimiter, StoreLimits, StoreLimitsBuilder,
};
pub use linker::Linker;
pub use module::Module;
pub use store::{AsContext, AsContextMut, Caller, ExecState, Store, StoreContext, StoreContextMut};
pub use tern_binary::{
    ExternKind, FieldType, FuncType, GlobalType, HeapType, ImportType, Limits, MemoryType, RefType, StorageType,
    TableType, ValType,
};
pub use tern_validate::{Feature, Features};
pub use tern_vm::gc::parking_registers;
pub use tern_vm::parking::WaitResult;
pub use tern_vm::{FrameInfo, FramePosition, Trap, TrapCode, format_backtrace};
pub use values::{AnyKind, AnyRef, ExnRef, ExternRef, V128, Val};
