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
    /// Store function index → its function reference, for `call_indirect`
    /// and `call_ref` (raw reference `r` is function `r - 1`). The
    /// references lie here by value, [`SIZE_FUNCREF`] bytes apart, so that
    /// compiled code finds one from a raw reference by arithmetic alone;
    /// the array moves when the store gains functions, so compiled code
    /// reloads this pointer for each use and keeps no reference's address
    /// across a call.
    pub func_refs: *const VMFuncRef,
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
    /// The store's GC heap as compiled code reads it
    /// ([`crate::gc::GcView`]), set on every entry into compiled code.
    pub gc_view: *const crate::gc::GcView,
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
    /// The base of memory 0 (null when the instance has no memory). Used
    /// by compiled accesses that rely on guard regions, whose memories
    /// never move: one load instead of three (`memories`, the memory,
    /// its base) at the start of every function that touches memory.
    pub memory0_base: *mut u8,
    /// The elements of table 0 (null when the instance has no table).
    /// Compiled code uses it only when table 0's type has equal minimum
    /// and maximum: such a table never grows, so its elements never move
    /// and its length is the minimum. One load instead of three
    /// (`tables`, the table, its base) on the way to a `call_indirect`'s
    /// callee.
    pub table0_base: *mut u64,
    /// Global 0's value cell (null when the instance has no global), one
    /// load instead of two: toolchains make global 0 the shadow stack
    /// pointer, which most functions read on entry.
    pub global0: *mut u128,
}

/// The table of libcalls: the functions of the runtime that compiled code
/// calls. One row per libcall, and nothing else declares one:
///
/// ```text
/// /// doc
/// Variant implementation(arg: type, ...) -> result;
/// ```
///
/// Every libcall is `unsafe extern "C" fn(vmctx: *mut VMContext, args...)
/// -> result`: the calling instance's context comes first and is not
/// written in the row. Argument and result types are the Rust types of the
/// implementation (`u32`, `u64`, raw pointers); the compiler derives the
/// Cranelift types from them
/// ([`LibcallType`](crate::vmctx::LibcallType)). A libcall that traps
/// does not return: it unwinds to the host entry point.
///
/// `for_each_libcall!(m)` expands to `m! { rows }`. `tern_vm::vmctx`
/// builds the [`Libcall`](crate::vmctx::Libcall) enum, its `ALL` list,
/// names and signatures from it; the compiler tier builds its Cranelift
/// signatures and address table from it, naming each
/// `implementation` function in its scope (so an implementation whose
/// signature differs from its row does not compile). Adding a libcall is
/// adding a row, writing its implementation and calling it.
#[macro_export]
macro_rules! for_each_libcall {
    ($m:ident) => {
        $m! {
            /// `memory.grow`: the old size in pages, or `u64::MAX` (-1)
            /// when the growth is refused.
            MemoryGrow memory_grow(mem: u32, delta: u64) -> u64;
            /// `memory.fill`; traps out of bounds.
            MemoryFill memory_fill(mem: u32, dst: u64, val: u32, n: u64);
            /// `memory.copy`; traps out of bounds.
            MemoryCopy memory_copy(dst_mem: u32, src_mem: u32, dst: u64, src: u64, n: u64);
            /// `memory.init`; traps out of bounds.
            MemoryInit memory_init(mem: u32, seg: u32, dst: u64, src: u32, n: u32);
            /// `data.drop`.
            DataDrop data_drop(seg: u32);
            /// `table.grow`: the old size, or `u64::MAX` (-1) when the
            /// growth is refused. Indices, sizes and counts are 64-bit
            /// for the sake of 64-bit tables (32-bit ones zero-extend).
            TableGrow table_grow(table: u32, init: u64, delta: u64) -> u64;
            /// `table.fill`; traps out of bounds.
            TableFill table_fill(table: u32, dst: u64, val: u64, n: u64);
            /// `table.copy`; traps out of bounds.
            TableCopy table_copy(dst_table: u32, src_table: u32, dst: u64, src: u64, n: u64);
            /// `table.init`; traps out of bounds.
            TableInit table_init(table: u32, seg: u32, dst: u64, src: u32, n: u32);
            /// `elem.drop`.
            ElemDrop elem_drop(seg: u32);
            /// Calls a function that is not compiled code (host or another
            /// tier); `vmctx` is the caller's, `values` a slot array as long
            /// as the callee's parameters and results. Traps when the callee
            /// does.
            CallForeign call_foreign(callee: *const $crate::vmctx::VMFuncRef, values: *mut u64);
            /// Fuel ran out: traps `all fuel consumed`, or returns when the
            /// embedder added fuel (re-read [`VMStoreContext::fuel`]).
            OutOfFuel out_of_fuel();
            /// The interrupt flag was seen set: traps `interrupted`.
            Interrupt interrupt();
            /// The epoch deadline was reached: traps, or returns after the
            /// embedder moved the deadline (re-read
            /// [`VMStoreContext::epoch_deadline`]).
            EpochDeadline epoch_deadline();
            /// `throw`: the new exception of tag `tag` (a tag index of the
            /// instance), its payload read from the tag's parameter slots
            /// at `payload`; returns its raw `exnref` (the caller throws
            /// it with a branch or [`Libcall::ThrowRef`]).
            ExnNew exn_new(tag: u32, payload: *const u64) -> u64;
            /// Throws exception `exn` (a raw `exnref`) to the compiled
            /// callers' handlers or the embedder; traps `null reference`
            /// when it is null. Never returns.
            ThrowRef throw_ref(exn: u64);
            /// Whether exception `exn` has tag `tag` (a tag index of the
            /// instance): 1 or 0.
            ExnIs exn_is(exn: u64, tag: u32) -> u32;
            /// A handler caught `exn`: copies its payload slots to `out`
            /// (unless null); when `keep` is 0 nothing refers to it any
            /// more (the store may reuse it unless it was exposed),
            /// otherwise its `exnref` becomes a value (exposed).
            ExnCaught exn_caught(exn: u64, out: *mut u64, keep: u32);
            /// `memory.atomic.wait32` (`wide` 0) or `wait64` at effective
            /// address `ea`: 0 woken, 1 not equal, 2 timed out (`timeout`
            /// in nanoseconds, negative for ever); traps when unaligned,
            /// out of bounds or on a memory that is not shared.
            AtomicWait atomic_wait(mem: u32, ea: u64, expected: u64, timeout: u64, wide: u32) -> u32;
            /// `memory.atomic.notify` at effective address `ea`: how many
            /// waiters it woke.
            AtomicNotify atomic_notify(mem: u32, ea: u64, count: u32) -> u32;
            /// An explicitly checked access of `need` bytes at `index` of
            /// a shared memory failed its check against the length the
            /// function last read: checks again against the current one
            /// (another thread may have grown the memory, which never
            /// moves) and traps out of bounds only if it fails again.
            SharedRecheck shared_recheck(mem: u32, index: u64, need: u64);
            /// A GC operator ([`crate::gc_ops::GcOp`], as
            /// [`GcOp::encode`](crate::gc_ops::GcOp::encode) gave `op` and
            /// `imm`) on the slot array `slots`: its operands from slot 0
            /// on, its results to slot 0 on. Traps as the operator does.
            GcOp gc_op(op: u64, imm: u64, slots: *mut u64);
            /// Whether engine signature `have` is `want` or a subtype of it
            /// (the slow path of `call_indirect` to a type that is not
            /// final): 1 or 0.
            FuncSubtype func_subtype(have: u32, want: u32) -> u32;
        }
    };
}

/// How a libcall argument or result is passed (see [`LibcallType`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AbiType {
    I32,
    I64,
    /// A pointer-sized integer.
    Pointer,
}

/// The Rust types a libcall row may use, and how each is passed.
pub trait LibcallType {
    const ABI: AbiType;
}

impl LibcallType for u32 {
    const ABI: AbiType = AbiType::I32;
}
impl LibcallType for u64 {
    const ABI: AbiType = AbiType::I64;
}
impl<T> LibcallType for *const T {
    const ABI: AbiType = AbiType::Pointer;
}
impl<T> LibcallType for *mut T {
    const ABI: AbiType = AbiType::Pointer;
}

macro_rules! libcall_result {
    () => {
        None
    };
    ($t:ty) => {
        Some(<$t as LibcallType>::ABI)
    };
}

macro_rules! define_libcalls {
    ($( $(#[$doc:meta])* $name:ident $imp:ident ( $($arg:ident : $ty:ty),* ) $(-> $ret:ty)? ; )*) => {
        /// Functions of the runtime that compiled code calls, one per row
        /// of [`for_each_libcall!`](crate::for_each_libcall!) (whose rows
        /// give each one's arguments after the `*mut VMContext` they all
        /// take first). The compiler
        /// refers to them by this enum (relocations name a `Libcall`, so
        /// ahead-of-time code stays position-independent: the discriminant,
        /// in table order, is part of the artifact format) and the linker
        /// resolves them to addresses.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum Libcall {
            $( $(#[$doc])* $name, )*
        }

        impl Libcall {
            /// Every libcall, in discriminant order.
            pub const ALL: &'static [Libcall] = &[ $( Libcall::$name, )* ];

            /// The name of the implementing function.
            pub fn name(self) -> &'static str {
                match self { $( Libcall::$name => stringify!($imp), )* }
            }

            /// How the arguments after `vmctx` are passed.
            pub fn params(self) -> &'static [AbiType] {
                match self { $( Libcall::$name => &[ $( <$ty as LibcallType>::ABI, )* ], )* }
            }

            /// How the result is passed, if there is one.
            pub fn result(self) -> Option<AbiType> {
                match self { $( Libcall::$name => libcall_result!($($ret)?), )* }
            }
        }
    };
}

for_each_libcall!(define_libcalls);

pub const OFFSET_STORE_STACK_LIMIT: i32 = 0;
pub const OFFSET_STORE_FUEL: i32 = 8;
pub const OFFSET_STORE_INTERRUPT: i32 = 16;
pub const OFFSET_STORE_FUNC_REFS: i32 = 24;
pub const OFFSET_STORE_HOST: i32 = 32;
pub const OFFSET_STORE_EPOCH: i32 = 48;
pub const OFFSET_STORE_EPOCH_DEADLINE: i32 = 56;
pub const OFFSET_STORE_EXIT_FP: i32 = 64;
pub const OFFSET_STORE_EXIT_SP: i32 = 72;
pub const OFFSET_STORE_GC_VIEW: i32 = 80;

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
pub const OFFSET_VMCTX_MEMORY0_BASE: i32 = 64;
pub const OFFSET_VMCTX_TABLE0_BASE: i32 = 72;
pub const OFFSET_VMCTX_GLOBAL0: i32 = 80;

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
    fn libcalls_are_numbered_in_table_order() {
        // The numbers are part of the AOT artifact format.
        for (i, &l) in Libcall::ALL.iter().enumerate() {
            assert_eq!(l as usize, i);
        }
        assert_eq!(Libcall::ALL.len(), 23);
        assert_eq!(Libcall::SharedRecheck as usize, 20);
        assert_eq!(Libcall::FuncSubtype as usize, 22);
        assert_eq!(Libcall::MemoryGrow.name(), "memory_grow");
        assert_eq!(Libcall::MemoryGrow.params(), &[AbiType::I32, AbiType::I64]);
        assert_eq!(Libcall::MemoryGrow.result(), Some(AbiType::I64));
        assert_eq!(Libcall::CallForeign.params(), &[AbiType::Pointer, AbiType::Pointer]);
        assert_eq!(Libcall::EpochDeadline.result(), None);
        assert_eq!(Libcall::ExnNew.params(), &[AbiType::I32, AbiType::Pointer]);
        assert_eq!(Libcall::ExnNew.result(), Some(AbiType::I64));
    }

    /// `offset_of!(Type, field) == OFFSET` for each `Type.field => OFFSET`.
    macro_rules! assert_offsets {
        ($($ty:ident . $($field:ident).+ => $offset:ident,)*) => {
            $(assert_eq!(offset_of!($ty, $($field).+), $offset as usize, stringify!($ty.$($field).+));)*
        };
    }

    #[test]
    fn offsets_match_the_layout() {
        assert_offsets!(
            VMStoreContext.stack_limit => OFFSET_STORE_STACK_LIMIT,
            VMStoreContext.fuel => OFFSET_STORE_FUEL,
            VMStoreContext.interrupt => OFFSET_STORE_INTERRUPT,
            VMStoreContext.func_refs => OFFSET_STORE_FUNC_REFS,
            VMStoreContext.host => OFFSET_STORE_HOST,
            VMStoreContext.epoch => OFFSET_STORE_EPOCH,
            VMStoreContext.epoch_deadline => OFFSET_STORE_EPOCH_DEADLINE,
            VMStoreContext.exit.fp => OFFSET_STORE_EXIT_FP,
            VMStoreContext.exit.sp => OFFSET_STORE_EXIT_SP,
            VMStoreContext.gc_view => OFFSET_STORE_GC_VIEW,
            VMFuncRef.native_call => OFFSET_FUNCREF_NATIVE_CALL,
            VMFuncRef.array_call => OFFSET_FUNCREF_ARRAY_CALL,
            VMFuncRef.vmctx => OFFSET_FUNCREF_VMCTX,
            VMFuncRef.sig => OFFSET_FUNCREF_SIG,
            VMFuncRef.func => OFFSET_FUNCREF_FUNC,
            VMContext.store => OFFSET_VMCTX_STORE,
            VMContext.memories => OFFSET_VMCTX_MEMORIES,
            VMContext.tables => OFFSET_VMCTX_TABLES,
            VMContext.globals => OFFSET_VMCTX_GLOBALS,
            VMContext.funcs => OFFSET_VMCTX_FUNCS,
            VMContext.sigs => OFFSET_VMCTX_SIGS,
            VMContext.foreign_trampolines => OFFSET_VMCTX_FOREIGN_TRAMPOLINES,
            VMContext.instance => OFFSET_VMCTX_INSTANCE,
            VMContext.memory0_base => OFFSET_VMCTX_MEMORY0_BASE,
            VMContext.table0_base => OFFSET_VMCTX_TABLE0_BASE,
            VMContext.global0 => OFFSET_VMCTX_GLOBAL0,
        );
        assert_eq!(std::mem::size_of::<VMFuncRef>(), SIZE_FUNCREF as usize);
    }
}
