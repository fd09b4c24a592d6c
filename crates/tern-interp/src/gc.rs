//! The GC operators. Their immediates ([`GcOp`]) sit in a function's side
//! table behind [`crate::ir::Instr::Gc`]; their semantics are `tern-vm`'s
//! ([`tern_vm::gc_ops`]), shared with the compiler tier, which calls the
//! same code through a libcall.

pub use tern_vm::gc_ops::{Ext, FastAccess, GcOp, exec, ref_test};
