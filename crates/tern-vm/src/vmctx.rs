//! The layout compiled code runs against: the per-instance [`VMContext`],
//! the per-store [`VMStoreContext`] and the function reference
//! [`VMFuncRef`]. Everything here is `#[repr(C)]`; the compiler tier reads
//! these structures through the `OFFSET_*` constants, never through Rust
//! field access, so the constants are the contract (a unit test checks them
//! against the real layout).
//!
//! # Calling convention of compiled functions
//!
//! Every compiled Wasm function has the Cranelift signature
//! `(callee_vmctx: i64, caller_vmctx: i64, params...) -> results` with
//! `CallConv::Tail` (so that `return_call` works), where each Wasm value
//! type maps to its Cranelift type (`i32`, `i64`, `f32`, `f64`, `i8x16`
//! for `v128`, `i64` for references, which are [`crate::RawRef`]s).
//! This is the *native* entry, [`VMFuncRef::native_call`].
//!
//! The *array* entry, [`VMFuncRef::array_call`], is the host's way in:
//! `extern "C" fn(callee_vmctx, caller_vmctx, values: *mut u64)`, where
//! `values` holds the arguments in 64-bit slots (a `v128` takes two, low
//! half first, as everywhere in tern) and receives the results; it is as
//! long as the larger of the two.
//!
//! # Functions that are not compiled
//!
//! Host functions and functions of other tiers have `native_call == null`
//! in the store's function references. A compiled caller then calls its own
//! module's per-type trampoline (`VMContext::foreign_trampolines[type]`,
//! with the native signature of that type) passing the callee's
//! `*const VMFuncRef` as `callee_vmctx`; the trampoline spills the
//! arguments into a slot array and calls the libcall `call_foreign` with
//! the store function index it reads from [`VMFuncRef::func`].
//!
//! # Memories, tables, globals
//!
//! `VMContext::memories[i]` points at the store's [`crate::LinearMemory`],
//! whose first two fields are its base pointer and byte length
//! ([`OFFSET_MEMORY_BASE`], [`OFFSET_MEMORY_LEN`]); `tables[i]` at the
//! store's [`crate::Table`] (element base pointer and element count, raw
//! references as `u64`); `globals[i]` at the 16-byte value cell of the
//! store's [`crate::GlobalEntity`] (numbers as their bits, zero-extended).
//! Store entities are boxed, so these addresses are stable for the store's
//! lifetime.

use crate::SigId;

/// Per-store state that compiled code reads and writes.
#[repr(C)]
#[derive(Debug)]
pub struct VMStoreContext {
    /// The lowest stack address compiled code may use; function prologues
    /// compare the stack pointer against it (`call stack exhausted`).
    pub stack_limit: usize,
    /// Fuel left, counting down; compiled code subtracts each block's cost
    /// and calls the `out_of_fuel` libcall when it would go negative.
    pub fuel: i64,
    /// Nonzero when an embedder asked the running guest to stop; checked
    /// at function entries and loop headers (points at an `AtomicU64` the
    /// engine owns).
    pub interrupt: *const u64,
    /// Store function index → its function reference, for `call_indirect`,
    /// `call_ref` and `ref.func` results (raw reference `r` is function
    /// `r - 1`).
    pub func_refs: *const *const VMFuncRef,
    /// The embedder's host (a `*mut dyn tern_interp::Host`-like fat
    /// pointer, opaque here) set on every entry from the host; libcalls
    /// use it.
    pub host: [usize; 2],
    /// The engine's epoch counter (an `AtomicU64` the engine owns).
    pub epoch: *const u64,
    /// Code compiled with epoch checks calls the `epoch_deadline` libcall
    /// at function entries and loop headers when `*epoch >=
    /// epoch_deadline`. A copy of the store's deadline, refreshed on every
    /// entry into compiled code and after every call out of it.
    pub epoch_deadline: u64,
    /// Compiled code's frame and stack pointers, stored right before it
    /// calls a libcall, so that a trap the libcall raises can record the
    /// compiled frames below it (see [`crate::signals::ExitRegs`]).
    pub exit: crate::signals::ExitRegs,
}

/// A function as compiled code sees it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VMFuncRef {
    /// Native entry, or null when the function is not compiled code.
    pub native_call: *const u8,
    /// Array entry (see the module docs), or null when not compiled code.
    pub array_call: *const u8,
    /// The callee's instance context.
    pub vmctx: *mut VMContext,
    /// Canonical signature id.
    pub sig: SigId,
    /// Store function index.
    pub func: u32,
}

/// Per-instance context: the first argument of every compiled function.
#[repr(C)]
#[derive(Debug)]
pub struct VMContext {
    pub store: *mut VMStoreContext,
    /// Per memory index.
    pub memories: *const *mut crate::LinearMemory,
    /// Per table index.
    pub tables: *const *mut crate::Table,
    /// Per global index: the global's value cell.
    pub globals: *const *mut u128,
    /// Per function index (imports first): a copy of the function's
    /// reference (for imports of compiled functions, `native_call` and
    /// `vmctx` are the exporter's).
    pub funcs: *const VMFuncRef,
    /// Per type index: canonical signature id (`SigId.0`).
    pub sigs: *const u32,
    /// Per type index: the trampoline described under "Functions that are
    /// not compiled" (null for types that are not function types).
    pub foreign_trampolines: *const *const u8,
    /// Store instance index.
    pub instance: u32,
    pub _pad: u32,
}

/// Functions of the runtime that compiled code calls. All are
/// `extern "C"` and take the calling instance's `*mut VMContext` first; the
/// compiler refers to them by this enum (relocations name a `Libcall`, so
/// ahead-of-time code stays position-independent) and the linker resolves
/// them to addresses. Integer arguments are `i32` unless noted. A libcall
/// that traps does not return: it unwinds to the host entry point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Libcall {
    /// `(vmctx, mem, delta: i64) -> i64`: old size in pages, or -1.
    MemoryGrow,
    /// `(vmctx, mem, dst: i64, val, n: i64)`; traps out of bounds.
    MemoryFill,
    /// `(vmctx, dst_mem, src_mem, dst: i64, src: i64, n: i64)`; traps.
    MemoryCopy,
    /// `(vmctx, mem, seg, dst: i64, src, n)`; traps.
    MemoryInit,
    /// `(vmctx, seg)`.
    DataDrop,
    /// `(vmctx, table, init: i64, delta) -> i32`: old size, or -1.
    TableGrow,
    /// `(vmctx, table, dst, val: i64, n)`; traps.
    TableFill,
    /// `(vmctx, dst_table, src_table, dst, src, n)`; traps.
    TableCopy,
    /// `(vmctx, table, seg, dst, src, n)`; traps.
    TableInit,
    /// `(vmctx, seg)`.
    ElemDrop,
    /// `(caller_vmctx, callee: *const VMFuncRef, values: *mut u64)`: calls a
    /// function that is not compiled code (host or another tier); traps
    /// when it does.
    CallForeign,
    /// `(vmctx)`: fuel ran out; traps `all fuel consumed`, or returns when
    /// the embedder added fuel (re-read [`VMStoreContext::fuel`]).
    OutOfFuel,
    /// `(vmctx)`: the interrupt flag was seen set; traps `interrupted`.
    Interrupt,
    /// `(vmctx)`: the epoch deadline was reached; traps, or returns after
    /// the embedder moved the deadline (re-read
    /// [`VMStoreContext::epoch_deadline`]).
    EpochDeadline,
}

impl Libcall {
    /// Every libcall, in discriminant order.
    pub const ALL: [Libcall; 14] = [
        Libcall::MemoryGrow,
        Libcall::MemoryFill,
        Libcall::MemoryCopy,
        Libcall::MemoryInit,
        Libcall::DataDrop,
        Libcall::TableGrow,
        Libcall::TableFill,
        Libcall::TableCopy,
        Libcall::TableInit,
        Libcall::ElemDrop,
        Libcall::CallForeign,
        Libcall::OutOfFuel,
        Libcall::Interrupt,
        Libcall::EpochDeadline,
    ];
}

pub const OFFSET_STORE_STACK_LIMIT: i32 = 0;
pub const OFFSET_STORE_FUEL: i32 = 8;
pub const OFFSET_STORE_INTERRUPT: i32 = 16;
pub const OFFSET_STORE_FUNC_REFS: i32 = 24;
pub const OFFSET_STORE_HOST: i32 = 32;
pub const OFFSET_STORE_EPOCH: i32 = 48;
pub const OFFSET_STORE_EPOCH_DEADLINE: i32 = 56;
pub const OFFSET_STORE_EXIT_FP: i32 = 64;
pub const OFFSET_STORE_EXIT_SP: i32 = 72;

pub const OFFSET_FUNCREF_NATIVE_CALL: i32 = 0;
pub const OFFSET_FUNCREF_ARRAY_CALL: i32 = 8;
pub const OFFSET_FUNCREF_VMCTX: i32 = 16;
pub const OFFSET_FUNCREF_SIG: i32 = 24;
pub const OFFSET_FUNCREF_FUNC: i32 = 28;
/// Size of a [`VMFuncRef`].
pub const SIZE_FUNCREF: i32 = 32;

pub const OFFSET_VMCTX_STORE: i32 = 0;
pub const OFFSET_VMCTX_MEMORIES: i32 = 8;
pub const OFFSET_VMCTX_TABLES: i32 = 16;
pub const OFFSET_VMCTX_GLOBALS: i32 = 24;
pub const OFFSET_VMCTX_FUNCS: i32 = 32;
pub const OFFSET_VMCTX_SIGS: i32 = 40;
pub const OFFSET_VMCTX_FOREIGN_TRAMPOLINES: i32 = 48;
pub const OFFSET_VMCTX_INSTANCE: i32 = 56;

/// Offsets of a [`crate::LinearMemory`]'s base pointer and byte length.
pub const OFFSET_MEMORY_BASE: i32 = 0;
pub const OFFSET_MEMORY_LEN: i32 = 8;
/// Offsets of a [`crate::Table`]'s element pointer and element count.
pub const OFFSET_TABLE_BASE: i32 = 0;
pub const OFFSET_TABLE_LEN: i32 = 8;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn offsets_match_the_layout() {
        assert_eq!(
            offset_of!(VMStoreContext, stack_limit),
            OFFSET_STORE_STACK_LIMIT as usize
        );
        assert_eq!(offset_of!(VMStoreContext, fuel), OFFSET_STORE_FUEL as usize);
        assert_eq!(offset_of!(VMStoreContext, interrupt), OFFSET_STORE_INTERRUPT as usize);
        assert_eq!(offset_of!(VMStoreContext, func_refs), OFFSET_STORE_FUNC_REFS as usize);
        assert_eq!(offset_of!(VMStoreContext, host), OFFSET_STORE_HOST as usize);
        assert_eq!(offset_of!(VMStoreContext, epoch), OFFSET_STORE_EPOCH as usize);
        assert_eq!(
            offset_of!(VMStoreContext, epoch_deadline),
            OFFSET_STORE_EPOCH_DEADLINE as usize
        );
        assert_eq!(
            offset_of!(VMStoreContext, exit) + offset_of!(crate::signals::ExitRegs, fp),
            OFFSET_STORE_EXIT_FP as usize
        );
        assert_eq!(
            offset_of!(VMStoreContext, exit) + offset_of!(crate::signals::ExitRegs, sp),
            OFFSET_STORE_EXIT_SP as usize
        );
        assert_eq!(offset_of!(VMFuncRef, native_call), OFFSET_FUNCREF_NATIVE_CALL as usize);
        assert_eq!(offset_of!(VMFuncRef, array_call), OFFSET_FUNCREF_ARRAY_CALL as usize);
        assert_eq!(offset_of!(VMFuncRef, vmctx), OFFSET_FUNCREF_VMCTX as usize);
        assert_eq!(offset_of!(VMFuncRef, sig), OFFSET_FUNCREF_SIG as usize);
        assert_eq!(offset_of!(VMFuncRef, func), OFFSET_FUNCREF_FUNC as usize);
        assert_eq!(std::mem::size_of::<VMFuncRef>(), SIZE_FUNCREF as usize);
        assert_eq!(offset_of!(VMContext, store), OFFSET_VMCTX_STORE as usize);
        assert_eq!(offset_of!(VMContext, memories), OFFSET_VMCTX_MEMORIES as usize);
        assert_eq!(offset_of!(VMContext, tables), OFFSET_VMCTX_TABLES as usize);
        assert_eq!(offset_of!(VMContext, globals), OFFSET_VMCTX_GLOBALS as usize);
        assert_eq!(offset_of!(VMContext, funcs), OFFSET_VMCTX_FUNCS as usize);
        assert_eq!(offset_of!(VMContext, sigs), OFFSET_VMCTX_SIGS as usize);
        assert_eq!(
            offset_of!(VMContext, foreign_trampolines),
            OFFSET_VMCTX_FOREIGN_TRAMPOLINES as usize
        );
        assert_eq!(offset_of!(VMContext, instance), OFFSET_VMCTX_INSTANCE as usize);
    }
}
