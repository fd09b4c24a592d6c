//! What tern's execution tiers run against: trap codes with the spec's
//! messages, linear memories, tables, globals, function references and the
//! instance layout, all owned by a [`StoreData`]; and for the compiled
//! tier, executable [`code`] memory and [`signals`] (trap handling).
//!
//! Values live in untyped 64-bit slots: `i32` and `f32` as their bits
//! zero-extended, `i64` and `f64` as their bits, `v128` in two slots (low
//! half first), references as [`RawRef`]s.

pub mod code;
pub mod gc;
pub mod gc_ops;
mod memory;
pub mod parking;
pub mod signals;
mod store;
mod table;
mod trap;
pub mod vmctx;

pub use memory::{
    GUARD_TAIL_BYTES, LinearMemory, MAX_PAGES, MemoryStyle, PAGE_SIZE, RESERVATION_BYTES, guard_eligible, max_bytes,
    page_size_log2,
};
pub use store::{
    ExnEntity, FuncEntity, FuncKind, GlobalEntity, InstanceEntity, SigId, SigRegistry, StoreData, StoreLimits,
    StoreMemory, TagEntity, copy_memory, slots_of, slots_of_all,
};
pub use table::{Table, copy_between};
pub use trap::{FrameInfo, FramePosition, Trap, TrapCode, format_backtrace};

/// A raw reference: 0 is null; a function reference is its store index + 1;
/// an external reference is its index in [`StoreData::externs`] + 1; an
/// exception reference is its index in [`StoreData::exns`] + 1.
pub type RawRef = u64;

/// The raw reference to store function `index`.
#[inline]
pub fn func_ref(index: u32) -> RawRef {
    index as u64 + 1
}
