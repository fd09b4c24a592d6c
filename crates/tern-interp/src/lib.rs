//! tern's interpreter: a translator from validated Wasm function bodies to
//! a compact register IR, and an execution loop over that IR.
//!
//! # Design: register IR over untyped slots, `loop` + `match` dispatch
//!
//! Each function gets a frame of untyped 64-bit slots: locals first, then
//! its constants, then the operand stack (a `v128` takes two slots). Because Wasm's operand
//! stack height is static, the translator knows the slot of every operand
//! and emits instructions that name their input and output slots directly
//! (`I32Add { d, a, b }`), as wasmi ≥ 0.32 does, instead of a stack IR that
//! pushes and pops. That removes the stack-pointer traffic of a stack
//! machine, keeps every instruction 16 bytes, and lets the translator
//! remove most copies: `local.get` operands are read in place from the
//! local's slot, and a `local.set` right after the instruction computing
//! its value becomes that instruction's destination. Constants are read
//! the same way from constant slots that the frame's entry fills, so they
//! cost no instruction either, and a comparison feeding a branch is fused
//! into it (`BrI32LtS { a, b, to }`).
//!
//! The executor is a `loop` + one `match` over all instructions (stable
//! Rust has no guaranteed tail calls). Wasm calls push a frame on the
//! interpreter's own call stack and continue in the same loop, so
//! recursion depth is bounded by a counter
//! (trap `call stack exhausted`), never by the host stack. A callee's frame
//! starts at the caller's argument slots, so arguments and results move in
//! place. Branch targets are resolved at translation time, relative to
//! the jump; `br_table` becomes a jump into a table of jumps.
//!
//! Exception handling costs nothing until a throw: no instruction marks
//! entering or leaving a `try_table` or legacy `try`. Instead each
//! compiled function has a table of handler regions (instruction ranges
//! with their catch clauses, [`ir::Region`]). `throw` creates the exception
//! object in the store (an `exnref` is its index + 1) and the executor
//! searches the regions around the throwing instruction, innermost first,
//! then those around each calling frame's call; a matching clause gets the
//! payload (and `exnref`) written to its label's slots and execution
//! continues at its label. An exception that leaves the activation becomes
//! the error [`tern_vm::Trap::exception`] (`uncaught exception`); when a
//! host function returns that error to a wasm caller, the exception goes
//! on in the caller. A legacy `catch` body keeps its exception in a hidden
//! slot below the operand stack, for `rethrow`; `delegate` makes its
//! region's parent the region around the target label.
//!
//! Plain operators (the rows of the operator table with a signature) are
//! generated from the table three times: their `Instr` variants, their
//! translation and their execution, which calls the row's semantic function
//! in [`ops`]. Everything else is written by hand.
//!
//! Translation ([`translate`]) and execution ([`exec`]) are separate
//! modules; functions are translated on first call unless the embedder asks
//! for [`InterpModule::compile_all`].

pub mod exec;
pub mod gc;
pub mod ir;
mod module;
pub mod ops;
pub mod simd;
pub mod tier;
pub mod translate;

pub use exec::{Host, invoke};
pub use module::InterpModule;
pub use translate::{TranslateError, source_offset};
