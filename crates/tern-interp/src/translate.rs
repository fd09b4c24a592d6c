//! The translator: Wasm function body → register IR, in one pass that
//! follows the validator operator by operator.
//!
//! For each operator the validator checks it first, then the translator
//! emits IR ([`tern_validate::validate_and_translate`] drives the pass). It keeps its own operand stack (slot widths: 1, or 2
//! for `v128`), so every operand's slot is known statically. Code after an
//! unconditional branch is validated but not emitted.
//!
//! Forward branches are chained through their (not yet known) target
//! fields and patched when the label is placed, so no per-branch allocation
//! is needed.
//!
//! Two register-IR economies avoid most copies between locals and the
//! operand stack:
//!
//! * `local.get` emits nothing: the operand is recorded as living in the
//!   local's slot, and consumers read it there. Such a pending operand is
//!   copied to its own stack slot ("materialised") before its local is
//!   overwritten, before any block, loop or `if` (so that every path into a
//!   label sees the same stack), when it is carried by a branch or returned,
//!   and where an instruction needs its operands in consecutive slots
//!   (calls, bulk operations).
//! * `local.set`/`local.tee` right after the instruction that computed the
//!   value (no label in between) rewrite that instruction's destination to
//!   the local instead of emitting a copy.
//!
//! And four that avoid dispatches:
//!
//! * Constants emit nothing: an `i32/i64/f32/f64.const` operand is pending
//!   on a constant slot (the first 128 distinct values of a function get
//!   one), which the frame holds like a local and never writes.
//! * A comparison (or `i32.eqz`, `i32.and`, `i32.wrap_i64`, and one level
//!   of those nested) whose result a `br_if` or `if` tests is fused into
//!   the jump.
//! * A `br` back to a loop that starts with a conditional exit copies the
//!   test, inverted, instead of jumping to it (`while` loops then cost one
//!   dispatch per iteration for their test), and a jump to the instruction
//!   that follows it is dropped.
//! * Returns of one slot copy their value themselves (`Ret1`), and jumps to
//!   a return (or to a jump) are replaced by it (or by its target).

mod gc;

use crate::ir::{
    ANY_TAG, Clause, CompiledFunc, Extras, INIT_CHUNK, Instr, Mem, NO_REG, NO_REGION, R3, Reg, Region, SMALL_INIT, WIDE,
};
use std::collections::HashMap;
use tern_binary::{
    BlockType, BrOnCast, BrTable, CatchKind, FuncBody, FuncType, HeapType, Ieee32, Ieee64, MemArg, SelectTypes,
    TryTable, V128, ValType, VisitOperator, for_each_operator,
};
use tern_validate::{FuncValidator, ModuleInfo};
use tern_vm::{TrapCode, slots_of};

/// Why a function could not be translated.
#[derive(Clone, Debug)]
pub enum TranslateError {
    /// The body is invalid.
    Invalid(tern_binary::BinaryError),
    /// The body is valid but uses something the interpreter does not
    /// support (or exceeds its limits).
    Unsupported(String),
}

impl std::fmt::Display for TranslateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TranslateError::Invalid(e) => write!(f, "{e}"),
            TranslateError::Unsupported(m) => f.write_str(m),
        }
    }
}

impl From<tern_binary::BinaryError> for TranslateError {
    fn from(e: tern_binary::BinaryError) -> Self {
        TranslateError::Invalid(e)
    }
}

type Result<T, E = TranslateError> = std::result::Result<T, E>;

fn unsupported<T>(what: &str) -> Result<T> {
    Err(TranslateError::Unsupported(format!(
        "{what} is not supported by the interpreter"
    )))
}

/// The most value slots of locals a function may have.
pub const MAX_LOCAL_SLOTS: u64 = 1 << 20;

const NONE: u32 = u32::MAX;

/// Translates the body of function `func_index` (a function index, imports
/// included).
/// What translated code does besides the function's work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Consume fuel.
    pub fuel: bool,
    /// Check the epoch deadline at function entries and loop headers.
    pub epoch: bool,
    /// Relaxed SIMD operators behave as the spec's deterministic profile.
    pub relaxed_simd_deterministic: bool,
    /// Loop headers may leave for compiled code (tiered modules, see
    /// [`crate::tier`]).
    pub osr: bool,
}

pub fn translate(
    info: &ModuleInfo,
    num_imported_funcs: u32,
    func_index: u32,
    body: &FuncBody<'_>,
    opts: Options,
) -> Result<CompiledFunc, TranslateError> {
    let (mut f, _) = translate_recording(info, num_imported_funcs, func_index, body, opts, false)?;
    f.func_index = func_index;
    Ok(f)
}

/// The module offset of the operator that emitted instruction `pc` of
/// function `func_index`, found by translating the body again (with the
/// options it was translated with) and recording where each operator's
/// instructions start. For backtraces, so running code carries no table.
pub fn source_offset(
    info: &ModuleInfo,
    num_imported_funcs: u32,
    func_index: u32,
    body: &FuncBody<'_>,
    opts: Options,
    pc: u32,
) -> Option<u32> {
    let (_, offsets) = translate_recording(info, num_imported_funcs, func_index, body, opts, true).ok()?;
    let i = offsets.partition_point(|&(at, _)| at <= pc);
    offsets.get(i.checked_sub(1)?).map(|&(_, off)| off)
}

fn translate_recording(
    info: &ModuleInfo,
    num_imported_funcs: u32,
    func_index: u32,
    body: &FuncBody<'_>,
    opts: Options,
    record: bool,
) -> Result<(CompiledFunc, Vec<(u32, u32)>), TranslateError> {
    let mut v = FuncValidator::new(info);
    let t = tern_validate::validate_and_translate(&mut v, func_index, body, |ty, decls| {
        Emitter::new(info, num_imported_funcs, ty, decls, opts.fuel, opts.epoch).map(|mut e| {
            e.relaxed_simd_deterministic = opts.relaxed_simd_deterministic;
            e.osr = opts.osr;
            e.offsets = record.then(Vec::new);
            Translator(e)
        })
    })?;
    let mut e = t.0;
    let offsets = e.offsets.take().unwrap_or_default();
    Ok((e.finish()?, offsets))
}

/// An integer comparison that a branch can test directly.
#[derive(Clone, Copy, Debug)]
enum Cmp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
    /// `a & b != 0` (i32 only).
    And,
    /// `a & b == 0` (i32 only).
    AndEqz,
}

impl Cmp {
    fn negate(self) -> Cmp {
        match self {
            Cmp::Eq => Cmp::Ne,
            Cmp::Ne => Cmp::Eq,
            Cmp::LtS => Cmp::GeS,
            Cmp::LtU => Cmp::GeU,
            Cmp::GtS => Cmp::LeS,
            Cmp::GtU => Cmp::LeU,
            Cmp::LeS => Cmp::GtS,
            Cmp::LeU => Cmp::GtU,
            Cmp::GeS => Cmp::LtS,
            Cmp::GeU => Cmp::LtU,
            Cmp::And => Cmp::AndEqz,
            Cmp::AndEqz => Cmp::And,
        }
    }
}

/// A float comparison that a branch can test directly; the `Not` forms
/// hold when the comparison does not (with a NaN operand, for one).
#[derive(Clone, Copy, Debug)]
enum FCmp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    NotLt,
    NotGt,
    NotLe,
    NotGe,
}

impl FCmp {
    fn negate(self) -> FCmp {
        match self {
            FCmp::Eq => FCmp::Ne,
            FCmp::Ne => FCmp::Eq,
            FCmp::Lt => FCmp::NotLt,
            FCmp::Gt => FCmp::NotGt,
            FCmp::Le => FCmp::NotLe,
            FCmp::Ge => FCmp::NotGe,
            FCmp::NotLt => FCmp::Lt,
            FCmp::NotGt => FCmp::Gt,
            FCmp::NotLe => FCmp::Le,
            FCmp::NotGe => FCmp::Ge,
        }
    }
}

/// The condition of a conditional jump: a slot's i32 (or i64) tested
/// against zero, or a comparison fused into the jump.
#[derive(Clone, Copy, Debug)]
enum Cond {
    Nez(Reg),
    Eqz(Reg),
    Nez64(Reg),
    Eqz64(Reg),
    /// The comparison, whether it is of i64s, its operands.
    Cmp(Cmp, bool, Reg, Reg),
    /// The float comparison, whether it is of f64s, its operands.
    FCmp(FCmp, bool, Reg, Reg),
}

impl Cond {
    fn negate(self) -> Cond {
        match self {
            Cond::Nez(c) => Cond::Eqz(c),
            Cond::Eqz(c) => Cond::Nez(c),
            Cond::Nez64(c) => Cond::Eqz64(c),
            Cond::Eqz64(c) => Cond::Nez64(c),
            Cond::Cmp(op, wide, a, b) => Cond::Cmp(op.negate(), wide, a, b),
            Cond::FCmp(op, wide, a, b) => Cond::FCmp(op.negate(), wide, a, b),
        }
    }

    /// The instruction that jumps to `to` when the condition holds.
    fn jump(self, to: u32) -> Instr {
        match self {
            Cond::Nez(c) => Instr::JumpIfNez { c, to },
            Cond::Eqz(c) => Instr::JumpIfEqz { c, to },
            Cond::Nez64(c) => Instr::BrI64Nez { c, to },
            Cond::Eqz64(c) => Instr::BrI64Eqz { c, to },
            Cond::Cmp(op, false, a, b) => match op {
                Cmp::Eq => Instr::BrI32Eq { a, b, to },
                Cmp::Ne => Instr::BrI32Ne { a, b, to },
                Cmp::LtS => Instr::BrI32LtS { a, b, to },
                Cmp::LtU => Instr::BrI32LtU { a, b, to },
                Cmp::GtS => Instr::BrI32GtS { a, b, to },
                Cmp::GtU => Instr::BrI32GtU { a, b, to },
                Cmp::LeS => Instr::BrI32LeS { a, b, to },
                Cmp::LeU => Instr::BrI32LeU { a, b, to },
                Cmp::GeS => Instr::BrI32GeS { a, b, to },
                Cmp::GeU => Instr::BrI32GeU { a, b, to },
                Cmp::And => Instr::BrI32And { a, b, to },
                Cmp::AndEqz => Instr::BrI32AndEqz { a, b, to },
            },
            Cond::Cmp(op, true, a, b) => match op {
                Cmp::Eq => Instr::BrI64Eq { a, b, to },
                Cmp::Ne => Instr::BrI64Ne { a, b, to },
                Cmp::LtS => Instr::BrI64LtS { a, b, to },
                Cmp::LtU => Instr::BrI64LtU { a, b, to },
                Cmp::GtS => Instr::BrI64GtS { a, b, to },
                Cmp::GtU => Instr::BrI64GtU { a, b, to },
                Cmp::LeS => Instr::BrI64LeS { a, b, to },
                Cmp::LeU => Instr::BrI64LeU { a, b, to },
                Cmp::GeS => Instr::BrI64GeS { a, b, to },
                Cmp::GeU => Instr::BrI64GeU { a, b, to },
                Cmp::And | Cmp::AndEqz => unreachable!("no i64 and-branch"),
            },
            Cond::FCmp(op, false, a, b) => match op {
                FCmp::Eq => Instr::BrF32Eq { a, b, to },
                FCmp::Ne => Instr::BrF32Ne { a, b, to },
                FCmp::Lt => Instr::BrF32Lt { a, b, to },
                FCmp::Gt => Instr::BrF32Gt { a, b, to },
                FCmp::Le => Instr::BrF32Le { a, b, to },
                FCmp::Ge => Instr::BrF32Ge { a, b, to },
                FCmp::NotLt => Instr::BrF32NotLt { a, b, to },
                FCmp::NotGt => Instr::BrF32NotGt { a, b, to },
                FCmp::NotLe => Instr::BrF32NotLe { a, b, to },
                FCmp::NotGe => Instr::BrF32NotGe { a, b, to },
            },
            Cond::FCmp(op, true, a, b) => match op {
                FCmp::Eq => Instr::BrF64Eq { a, b, to },
                FCmp::Ne => Instr::BrF64Ne { a, b, to },
                FCmp::Lt => Instr::BrF64Lt { a, b, to },
                FCmp::Gt => Instr::BrF64Gt { a, b, to },
                FCmp::Le => Instr::BrF64Le { a, b, to },
                FCmp::Ge => Instr::BrF64Ge { a, b, to },
                FCmp::NotLt => Instr::BrF64NotLt { a, b, to },
                FCmp::NotGt => Instr::BrF64NotGt { a, b, to },
                FCmp::NotLe => Instr::BrF64NotLe { a, b, to },
                FCmp::NotGe => Instr::BrF64NotGe { a, b, to },
            },
        }
    }

    /// The condition of a conditional jump.
    fn of_jump(i: &Instr) -> Option<Cond> {
        Some(match *i {
            Instr::JumpIfNez { c, .. } => Cond::Nez(c),
            Instr::JumpIfEqz { c, .. } => Cond::Eqz(c),
            Instr::BrI64Nez { c, .. } => Cond::Nez64(c),
            Instr::BrI64Eqz { c, .. } => Cond::Eqz64(c),
            Instr::BrI32And { a, b, .. } => Cond::Cmp(Cmp::And, false, a, b),
            Instr::BrI32AndEqz { a, b, .. } => Cond::Cmp(Cmp::AndEqz, false, a, b),
            Instr::BrI32Eq { a, b, .. } => Cond::Cmp(Cmp::Eq, false, a, b),
            Instr::BrI32Ne { a, b, .. } => Cond::Cmp(Cmp::Ne, false, a, b),
            Instr::BrI32LtS { a, b, .. } => Cond::Cmp(Cmp::LtS, false, a, b),
            Instr::BrI32LtU { a, b, .. } => Cond::Cmp(Cmp::LtU, false, a, b),
            Instr::BrI32GtS { a, b, .. } => Cond::Cmp(Cmp::GtS, false, a, b),
            Instr::BrI32GtU { a, b, .. } => Cond::Cmp(Cmp::GtU, false, a, b),
            Instr::BrI32LeS { a, b, .. } => Cond::Cmp(Cmp::LeS, false, a, b),
            Instr::BrI32LeU { a, b, .. } => Cond::Cmp(Cmp::LeU, false, a, b),
            Instr::BrI32GeS { a, b, .. } => Cond::Cmp(Cmp::GeS, false, a, b),
            Instr::BrI32GeU { a, b, .. } => Cond::Cmp(Cmp::GeU, false, a, b),
            Instr::BrI64Eq { a, b, .. } => Cond::Cmp(Cmp::Eq, true, a, b),
            Instr::BrI64Ne { a, b, .. } => Cond::Cmp(Cmp::Ne, true, a, b),
            Instr::BrI64LtS { a, b, .. } => Cond::Cmp(Cmp::LtS, true, a, b),
            Instr::BrI64LtU { a, b, .. } => Cond::Cmp(Cmp::LtU, true, a, b),
            Instr::BrI64GtS { a, b, .. } => Cond::Cmp(Cmp::GtS, true, a, b),
            Instr::BrI64GtU { a, b, .. } => Cond::Cmp(Cmp::GtU, true, a, b),
            Instr::BrI64LeS { a, b, .. } => Cond::Cmp(Cmp::LeS, true, a, b),
            Instr::BrI64LeU { a, b, .. } => Cond::Cmp(Cmp::LeU, true, a, b),
            Instr::BrI64GeS { a, b, .. } => Cond::Cmp(Cmp::GeS, true, a, b),
            Instr::BrI64GeU { a, b, .. } => Cond::Cmp(Cmp::GeU, true, a, b),
            Instr::BrF32Eq { a, b, .. } => Cond::FCmp(FCmp::Eq, false, a, b),
            Instr::BrF32Ne { a, b, .. } => Cond::FCmp(FCmp::Ne, false, a, b),
            Instr::BrF32Lt { a, b, .. } => Cond::FCmp(FCmp::Lt, false, a, b),
            Instr::BrF32Gt { a, b, .. } => Cond::FCmp(FCmp::Gt, false, a, b),
            Instr::BrF32Le { a, b, .. } => Cond::FCmp(FCmp::Le, false, a, b),
            Instr::BrF32Ge { a, b, .. } => Cond::FCmp(FCmp::Ge, false, a, b),
            Instr::BrF32NotLt { a, b, .. } => Cond::FCmp(FCmp::NotLt, false, a, b),
            Instr::BrF32NotGt { a, b, .. } => Cond::FCmp(FCmp::NotGt, false, a, b),
            Instr::BrF32NotLe { a, b, .. } => Cond::FCmp(FCmp::NotLe, false, a, b),
            Instr::BrF32NotGe { a, b, .. } => Cond::FCmp(FCmp::NotGe, false, a, b),
            Instr::BrF64Eq { a, b, .. } => Cond::FCmp(FCmp::Eq, true, a, b),
            Instr::BrF64Ne { a, b, .. } => Cond::FCmp(FCmp::Ne, true, a, b),
            Instr::BrF64Lt { a, b, .. } => Cond::FCmp(FCmp::Lt, true, a, b),
            Instr::BrF64Gt { a, b, .. } => Cond::FCmp(FCmp::Gt, true, a, b),
            Instr::BrF64Le { a, b, .. } => Cond::FCmp(FCmp::Le, true, a, b),
            Instr::BrF64Ge { a, b, .. } => Cond::FCmp(FCmp::Ge, true, a, b),
            Instr::BrF64NotLt { a, b, .. } => Cond::FCmp(FCmp::NotLt, true, a, b),
            Instr::BrF64NotGt { a, b, .. } => Cond::FCmp(FCmp::NotGt, true, a, b),
            Instr::BrF64NotLe { a, b, .. } => Cond::FCmp(FCmp::NotLe, true, a, b),
            Instr::BrF64NotGe { a, b, .. } => Cond::FCmp(FCmp::NotGe, true, a, b),
            _ => return None,
        })
    }

    /// The condition a comparison instruction computes, and its result slot.
    fn of(i: &Instr) -> Option<(Reg, Cond)> {
        Some(match *i {
            Instr::I32Eqz(r) => (r.d, Cond::Eqz(r.a)),
            Instr::I64Eqz(r) => (r.d, Cond::Eqz64(r.a)),
            // A jump tests the low 32 bits of its slot.
            Instr::I32WrapI64(r) => (r.d, Cond::Nez(r.a)),
            Instr::I32And(r) => (r.d, Cond::Cmp(Cmp::And, false, r.a, r.b)),
            Instr::I32Eq(r) => (r.d, Cond::Cmp(Cmp::Eq, false, r.a, r.b)),
            Instr::I64Eq(r) => (r.d, Cond::Cmp(Cmp::Eq, true, r.a, r.b)),
            Instr::I32Ne(r) => (r.d, Cond::Cmp(Cmp::Ne, false, r.a, r.b)),
            Instr::I64Ne(r) => (r.d, Cond::Cmp(Cmp::Ne, true, r.a, r.b)),
            Instr::I32LtS(r) => (r.d, Cond::Cmp(Cmp::LtS, false, r.a, r.b)),
            Instr::I64LtS(r) => (r.d, Cond::Cmp(Cmp::LtS, true, r.a, r.b)),
            Instr::I32LtU(r) => (r.d, Cond::Cmp(Cmp::LtU, false, r.a, r.b)),
            Instr::I64LtU(r) => (r.d, Cond::Cmp(Cmp::LtU, true, r.a, r.b)),
            Instr::I32GtS(r) => (r.d, Cond::Cmp(Cmp::GtS, false, r.a, r.b)),
            Instr::I64GtS(r) => (r.d, Cond::Cmp(Cmp::GtS, true, r.a, r.b)),
            Instr::I32GtU(r) => (r.d, Cond::Cmp(Cmp::GtU, false, r.a, r.b)),
            Instr::I64GtU(r) => (r.d, Cond::Cmp(Cmp::GtU, true, r.a, r.b)),
            Instr::I32LeS(r) => (r.d, Cond::Cmp(Cmp::LeS, false, r.a, r.b)),
            Instr::I64LeS(r) => (r.d, Cond::Cmp(Cmp::LeS, true, r.a, r.b)),
            Instr::I32LeU(r) => (r.d, Cond::Cmp(Cmp::LeU, false, r.a, r.b)),
            Instr::I64LeU(r) => (r.d, Cond::Cmp(Cmp::LeU, true, r.a, r.b)),
            Instr::I32GeS(r) => (r.d, Cond::Cmp(Cmp::GeS, false, r.a, r.b)),
            Instr::I64GeS(r) => (r.d, Cond::Cmp(Cmp::GeS, true, r.a, r.b)),
            Instr::I32GeU(r) => (r.d, Cond::Cmp(Cmp::GeU, false, r.a, r.b)),
            Instr::I64GeU(r) => (r.d, Cond::Cmp(Cmp::GeU, true, r.a, r.b)),
            Instr::F32Eq(r) => (r.d, Cond::FCmp(FCmp::Eq, false, r.a, r.b)),
            Instr::F32Ne(r) => (r.d, Cond::FCmp(FCmp::Ne, false, r.a, r.b)),
            Instr::F32Lt(r) => (r.d, Cond::FCmp(FCmp::Lt, false, r.a, r.b)),
            Instr::F32Gt(r) => (r.d, Cond::FCmp(FCmp::Gt, false, r.a, r.b)),
            Instr::F32Le(r) => (r.d, Cond::FCmp(FCmp::Le, false, r.a, r.b)),
            Instr::F32Ge(r) => (r.d, Cond::FCmp(FCmp::Ge, false, r.a, r.b)),
            Instr::F64Eq(r) => (r.d, Cond::FCmp(FCmp::Eq, true, r.a, r.b)),
            Instr::F64Ne(r) => (r.d, Cond::FCmp(FCmp::Ne, true, r.a, r.b)),
            Instr::F64Lt(r) => (r.d, Cond::FCmp(FCmp::Lt, true, r.a, r.b)),
            Instr::F64Gt(r) => (r.d, Cond::FCmp(FCmp::Gt, true, r.a, r.b)),
            Instr::F64Le(r) => (r.d, Cond::FCmp(FCmp::Le, true, r.a, r.b)),
            Instr::F64Ge(r) => (r.d, Cond::FCmp(FCmp::Ge, true, r.a, r.b)),
            _ => return None,
        })
    }
}

/// An `f32`/`f64` add, subtract or multiply that a load feeding it may
/// fuse into ([`Emitter::float_load_op`]): its operands, whether it is of
/// f64s, whether it commutes, and the fused instruction's constructor.
#[derive(Clone, Copy)]
struct FloatLoadForm {
    r: R3,
    f64: bool,
    commutes: bool,
    make: MakeFused,
}

/// The constructor of a fused float load and operator.
type MakeFused = fn(Reg, Reg, Reg) -> Instr;

/// The [`FloatLoadForm`] of `op`, if it has one.
#[inline]
fn float_load_form(op: Instr) -> Option<FloatLoadForm> {
    let (r, f64, commutes, make): (R3, bool, bool, MakeFused) = match op {
        Instr::F32Add(r) => (r, false, true, |d, a, p| Instr::F32AddM { d, a, p }),
        Instr::F32Sub(r) => (r, false, false, |d, a, p| Instr::F32SubM { d, a, p }),
        Instr::F32Mul(r) => (r, false, true, |d, a, p| Instr::F32MulM { d, a, p }),
        Instr::F64Add(r) => (r, true, true, |d, a, p| Instr::F64AddM { d, a, p }),
        Instr::F64Sub(r) => (r, true, false, |d, a, p| Instr::F64SubM { d, a, p }),
        Instr::F64Mul(r) => (r, true, true, |d, a, p| Instr::F64MulM { d, a, p }),
        _ => return None,
    };
    Some(FloatLoadForm { r, f64, commutes, make })
}

/// Value types of a block's parameters or results.
#[derive(Clone, Copy)]
enum Tys<'i> {
    One(ValType),
    Many(&'i [ValType]),
}

impl Tys<'_> {
    fn as_slice(&self) -> &[ValType] {
        match self {
            Tys::One(t) => std::slice::from_ref(t),
            Tys::Many(s) => s,
        }
    }

    fn slots(&self) -> u32 {
        self.as_slice().iter().map(|&t| slots_of(t)).sum()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    Else,
    /// A legacy `try` before its first `catch`.
    Try,
    /// A legacy `try` in a `catch` or `catch_all` body.
    Catch,
    TryTable,
}

#[derive(Debug)]
struct Ctrl {
    kind: Kind,
    bt: BlockType,
    /// Slot height below the block's parameters.
    base: u32,
    /// Operand count below the block's parameters.
    depth: usize,
    /// Loop: the pc of its start. Otherwise: head of the chain of jumps to
    /// the block's end, to be patched (`NONE` when empty).
    label: u32,
    /// If: the `JumpIfEqz` to the else branch, until it is placed.
    else_jump: u32,
    /// Whether a branch targets the block's end.
    branched: bool,
    /// The handler region active where the block was opened (and so,
    /// for blocks that are not handlers, inside it).
    outer_region: u32,
    /// Try, TryTable: the block's own handler region.
    region: u32,
    /// Catch clauses (indices into the emitter's clauses) that continue
    /// at the block's end, to be patched when it is placed.
    fixups: Vec<u32>,
    /// Catch: the hidden slot holding the caught exception, for `rethrow`.
    exn_slot: Reg,
}

/// An operand: its stack slot, width, and where its value is (`src`: the
/// stack slot itself, or a local's slot while a `local.get` is pending).
#[derive(Clone, Copy, Debug)]
struct Opd {
    slot: Reg,
    w: u8,
    src: Reg,
}

impl Opd {
    fn pending(&self) -> bool {
        self.src != self.slot
    }
}

struct Emitter<'i> {
    info: &'i ModuleInfo,
    num_imported_funcs: u32,
    func_ty: &'i FuncType,
    code: Vec<Instr>,
    pool: Vec<u128>,
    /// The operand stack.
    stack: Vec<Opd>,
    /// Number of pending `local.get` operands on the stack.
    pending: usize,
    /// The last instruction, when it only writes the slot of the operand on
    /// top of the stack (and may have its destination rewritten).
    last_def: Option<usize>,
    /// Current height in slots (locals included).
    h: u32,
    max_h: u32,
    local_slot: Vec<u32>,
    local_width: Vec<u8>,
    local_slots: u32,
    /// Where the operand stack starts: above the locals and the results.
    stack_base: u32,
    param_slots: u32,
    ctrl: Vec<Ctrl>,
    reachable: bool,
    /// Nesting of blocks opened in unreachable code.
    dead_depth: u32,
    fuel: bool,
    fuel_at: usize,
    /// Whether function entries and loop headers check the epoch deadline.
    epoch: bool,
    /// Relaxed SIMD operators get the spec's deterministic behaviour.
    relaxed_simd_deterministic: bool,
    /// When recording (for backtraces): `(first instruction, operator
    /// offset)` pairs, one per operator that starts at a new instruction.
    offsets: Option<Vec<(u32, u32)>>,
    /// The highest instruction index that a jump targets so far (or that
    /// starts a basic block).
    label_at: u32,
    /// The function's constant slots' values (see [`CONST_BASE`]).
    consts: Vec<u64>,
    const_index: HashMap<u64, u32>,
    /// Exception-handler regions (their clauses' indices) and clauses.
    regions: Vec<(Region, Vec<u32>)>,
    clauses: Vec<Clause>,
    /// The handler region active at the current instruction.
    cur_region: u32,
    /// Hidden slots taken by legacy catch bodies' exceptions (see
    /// [`HIDDEN_BASE`]).
    hidden: u32,
    /// Whether loop headers get [`Instr::LoopHead`].
    osr: bool,
    /// `loop` operators seen so far (reachable or not), for the loops'
    /// indices that compiled code and the interpreter agree on.
    loops_seen: u32,
    /// Per `LoopHead`: its loop's index and where each operand on the
    /// stack at the header is (slot, width).
    loops: Vec<(u32, Vec<(Reg, u8)>)>,
    /// The GC operators' immediates ([`Instr::Gc`]) and their fast paths.
    gc: Vec<crate::gc::GcOp>,
    gc_fast: Vec<crate::gc::FastAccess>,
}

/// While a function is translated, operands that are constants read slot
/// `CONST_BASE + k` for constant `k`; `finish` moves these to the slots
/// right after the locals (shifting the operand stack up), which the
/// executor fills from [`CompiledFunc::init`] when it enters the
/// function.
const CONST_BASE: u32 = 1 << 31;

/// While a function is translated, the exception caught by a legacy
/// `catch` body nested in `k` other catch bodies is kept in slot
/// `HIDDEN_BASE + k` (read by `rethrow`); `finish` moves these slots below
/// the constants, where calls (whose frames overlap the operand stack)
/// cannot overwrite them.
const HIDDEN_BASE: u32 = 1 << 30;

/// At most this many distinct constants get a slot: copying them into the
/// frame is a cost on every call. Further constants are loaded by
/// instructions.
const MAX_CONST_SLOTS: usize = 128;

fn width(t: ValType) -> u8 {
    slots_of(t) as u8
}

impl<'i> Emitter<'i> {
    fn new(
        info: &'i ModuleInfo,
        num_imported_funcs: u32,
        func_ty: &'i FuncType,
        decls: &[(u32, ValType)],
        fuel: bool,
        epoch: bool,
    ) -> Result<Self> {
        let total: u64 = func_ty.params().len() as u64 + decls.iter().map(|(n, _)| *n as u64).sum::<u64>();
        if total > MAX_LOCAL_SLOTS {
            return unsupported(&format!("a function with {total} locals"));
        }
        let mut local_slot = Vec::with_capacity(total as usize);
        let mut local_width = Vec::with_capacity(total as usize);
        let mut h = 0u32;
        for &t in func_ty.params() {
            local_slot.push(h);
            local_width.push(width(t));
            h += slots_of(t);
        }
        let param_slots = h;
        for &(n, t) in decls {
            for _ in 0..n {
                local_slot.push(h);
                local_width.push(width(t));
                h += slots_of(t);
            }
        }
        if h as u64 > MAX_LOCAL_SLOTS {
            return unsupported(&format!("a function with {h} local slots"));
        }
        let local_slots = h;
        // The operand stack starts above the result slots too: `Ret` finds
        // the results in slots `0..result_slots`, fixed positions that
        // `finish` must not mistake for operand slots.
        let result_slots = Tys::Many(func_ty.results()).slots();
        if result_slots as u64 > MAX_LOCAL_SLOTS {
            return unsupported(&format!("a function with {result_slots} result slots"));
        }
        let h = h.max(result_slots);
        let mut e = Emitter {
            info,
            num_imported_funcs,
            func_ty,
            code: Vec::new(),
            pool: Vec::new(),
            stack: Vec::new(),
            pending: 0,
            last_def: None,
            h,
            max_h: h,
            local_slot,
            local_width,
            local_slots,
            stack_base: h,
            param_slots,
            ctrl: Vec::new(),
            reachable: true,
            dead_depth: 0,
            fuel,
            fuel_at: usize::MAX,
            epoch,
            relaxed_simd_deterministic: false,
            offsets: None,
            label_at: 0,
            consts: Vec::new(),
            const_index: HashMap::new(),
            regions: Vec::new(),
            clauses: Vec::new(),
            cur_region: NO_REGION,
            hidden: 0,
            osr: false,
            loops_seen: 0,
            loops: Vec::new(),
            gc: Vec::new(),
            gc_fast: Vec::new(),
        };
        e.ctrl.push(Ctrl {
            kind: Kind::Func,
            bt: BlockType::Empty,
            base: h,
            depth: 0,
            label: NONE,
            else_jump: NONE,
            branched: false,
            outer_region: NO_REGION,
            region: NO_REGION,
            fixups: Vec::new(),
            exn_slot: NO_REG,
        });
        e.start_fuel_block();
        e.check_epoch();
        Ok(e)
    }

    fn finish(mut self) -> Result<CompiledFunc> {
        // Constant slots go between the locals (and results) and the
        // operand stack, so that a callee's frame (which starts at its
        // arguments, on the caller's operand stack) never overlaps them.
        let nh = self.hidden;
        let n = self.consts.len() as u32 + nh;
        let Some(mut max_height) = self.max_h.checked_add(n).filter(|&h| h < HIDDEN_BASE) else {
            return unsupported("a function with this many operands");
        };
        // The frame's set-up (see `CompiledFunc::init`).
        let const_slot = self.stack_base + nh;
        let ps = self.param_slots;
        let span = (const_slot - ps) as usize + self.consts.len();
        let (zeros, init) = if span <= SMALL_INIT {
            let mut init = vec![0; span.next_multiple_of(INIT_CHUNK)];
            init[(const_slot - ps) as usize..span].copy_from_slice(&self.consts);
            max_height = max_height.max(ps + init.len() as u32);
            (0, init)
        } else {
            (const_slot - ps, std::mem::take(&mut self.consts))
        };
        self.thread_jumps();
        self.use_accumulator();
        // Jump targets become relative to the jump.
        for (at, i) in self.code.iter_mut().enumerate() {
            if let Some(to) = i.target_mut() {
                *to = (*to as i64 - at as i64) as i32 as u32;
            }
        }
        let base = self.stack_base;
        // Hidden slots first, then constants, then the operand stack.
        let remap = |r: &mut Reg| {
            if *r == NO_REG {
            } else if *r >= CONST_BASE {
                *r = *r - CONST_BASE + base + nh;
            } else if *r >= HIDDEN_BASE {
                *r = *r - HIDDEN_BASE + base;
            } else if *r >= base {
                *r += n;
            }
        };
        if n > 0 {
            for i in &mut self.code {
                i.for_each_reg(remap);
            }
        }
        let loops: Vec<crate::tier::LoopOsr> = std::mem::take(&mut self.loops)
            .into_iter()
            .map(|(id, mut stack)| {
                for (r, _) in stack.iter_mut() {
                    remap(r);
                }
                crate::tier::LoopOsr::new(id, stack.into_boxed_slice())
            })
            .collect();
        let mut regions = Vec::with_capacity(self.regions.len());
        let mut clauses = Vec::with_capacity(self.clauses.len());
        for (mut r, ids) in std::mem::take(&mut self.regions) {
            r.first = clauses.len() as u32;
            r.len = ids.len() as u32;
            for id in ids {
                let mut c = self.clauses[id as usize];
                remap(&mut c.values);
                remap(&mut c.exn);
                clauses.push(c);
            }
            regions.push(r);
        }
        let extras = Extras {
            pool: self.pool.into_boxed_slice(),
            regions: regions.into_boxed_slice(),
            clauses: clauses.into_boxed_slice(),
            loops: loops.into_boxed_slice(),
            gc: std::mem::take(&mut self.gc).into_boxed_slice(),
            gc_fast: std::mem::take(&mut self.gc_fast).into_boxed_slice(),
        };
        Ok(CompiledFunc {
            func_index: 0,
            code: self.code.into_boxed_slice(),
            zeros,
            init: init.into_boxed_slice(),
            param_slots: self.param_slots,
            local_slots: self.local_slots,
            const_slot,
            result_slots: Tys::Many(self.func_ty.results()).slots(),
            max_height,
            extras: extras.boxed(),
        })
    }

    /// Points each `Jump` at the end of the chain of `Jump`s it starts, and
    /// replaces it by the return it leads to (which only reads its own
    /// operands, so it runs the same from anywhere).
    fn thread_jumps(&mut self) {
        for i in 0..self.code.len() {
            let Instr::Jump { to } = self.code[i] else {
                continue;
            };
            let mut t = to;
            for _ in 0..8 {
                match self.code[t as usize] {
                    Instr::Jump { to } if to != t => t = to,
                    _ => break,
                }
            }
            self.code[i] = match self.code[t as usize] {
                r @ (Instr::Ret | Instr::Ret1 { .. }) => r,
                _ => Instr::Jump { to: t },
            };
        }
    }

    /// Turns each instruction that reads the slot the instruction before
    /// it wrote into its accumulator form ([`Instr::accumulator_form`]),
    /// unless it can be reached otherwise: by a jump or by a caught
    /// exception. (Jump targets are still absolute here.)
    fn use_accumulator(&mut self) {
        let mut target = vec![false; self.code.len() + 1];
        for i in &self.code {
            let mut i = *i;
            if let Some(&mut to) = i.target_mut() {
                target[to as usize] = true;
            }
        }
        for c in &self.clauses {
            if let Some(t) = target.get_mut(c.target as usize) {
                *t = true;
            }
        }
        for (at, &jumped_to) in target.iter().enumerate().take(self.code.len()).skip(1) {
            if jumped_to {
                continue;
            }
            if let Some(w) = self.code[at - 1].acc_written()
                && let Some(form) = self.code[at].accumulator_form(w)
            {
                self.code[at] = form;
            }
        }
    }

    /// Charges one operator to the current basic block's fuel.
    #[inline]
    fn charge(&mut self) {
        if self.fuel
            && self.reachable
            && let Some(Instr::Fuel { n }) = self.code.get_mut(self.fuel_at)
        {
            *n += 1;
        }
    }

    /// Pushes a one-slot constant: as an operand that lives in a constant
    /// slot (like a pending `local.get`), or computed by an instruction
    /// once the function has too many constants.
    fn push_const(&mut self, bits: u64) {
        let k = match self.const_index.get(&bits) {
            Some(&k) => k,
            None if self.consts.len() < MAX_CONST_SLOTS => {
                let k = self.consts.len() as u32;
                self.consts.push(bits);
                self.const_index.insert(bits, k);
                k
            }
            None => {
                let d = self.push(1);
                let at = self.emit(Instr::Const64 { d, v: bits });
                self.last_def = Some(at as usize);
                return;
            }
        };
        self.push_local(CONST_BASE + k, 1);
    }

    // ---- emission ----

    #[inline]
    fn pc(&self) -> u32 {
        self.code.len() as u32
    }

    #[inline]
    fn emit(&mut self, i: Instr) -> u32 {
        let at = self.code.len();
        self.last_def = None;
        self.code.push(i);
        at as u32
    }

    /// Starts a basic block: with fuel on, its cost is charged here.
    fn start_fuel_block(&mut self) {
        // A label may be placed here: the previous instruction no longer
        // defines the top operand on every path.
        self.last_def = None;
        self.label_at = self.label_at.max(self.code.len() as u32);
        if self.fuel {
            self.fuel_at = self.code.len();
            self.code.push(Instr::Fuel { n: 0 });
        }
    }

    /// With epoch checks on, checks the deadline here (function entries
    /// and loop headers).
    fn check_epoch(&mut self) {
        if self.epoch {
            self.emit(Instr::Epoch);
        }
    }

    fn target_mut(&mut self, at: u32) -> &mut u32 {
        let i = &mut self.code[at as usize];
        if i.target_mut().is_none() {
            unreachable!("not a jump: {i:?}");
        }
        i.target_mut().expect("a jump")
    }

    /// Points the jump at `at` to `pc`.
    fn resolve(&mut self, at: u32, pc: u32) {
        *self.target_mut(at) = pc;
        self.label_at = self.label_at.max(pc);
    }

    /// Points every jump of the chain starting at `head` to `pc`.
    fn patch_chain(&mut self, mut head: u32, pc: u32) {
        if head != NONE {
            self.label_at = self.label_at.max(pc);
        }
        while head != NONE {
            let t = self.target_mut(head);
            let next = *t;
            *t = pc;
            head = next;
        }
    }

    // ---- the operand stack ----

    /// Pushes an operand computed into its own slot; returns the slot.
    #[inline]
    fn push(&mut self, w: u8) -> Reg {
        let r = self.h;
        self.stack.push(Opd { slot: r, w, src: r });
        self.h += w as u32;
        if self.h > self.max_h {
            self.max_h = self.h;
        }
        r
    }

    /// Pushes an operand that lives in local slot `src`.
    fn push_local(&mut self, src: Reg, w: u8) {
        self.push(w);
        self.stack.last_mut().expect("just pushed").src = src;
        self.pending += 1;
    }

    /// Pops an operand; returns where its value is.
    #[inline]
    fn pop(&mut self) -> Reg {
        let o = self.stack.pop().expect("the validator checked the operand stack");
        self.h -= o.w as u32;
        if o.pending() {
            self.pending -= 1;
        }
        o.src
    }

    /// Pops the condition of a conditional jump. When the instruction just
    /// emitted computed it with a comparison (and no label lies in
    /// between), that instruction is removed and the comparison is fused
    /// into the jump: the comparison's result slot is dead, as the jump
    /// consumes it, and its operands are not overwritten before the jump
    /// (only slots below the current height can be written in between, by
    /// the materialisation of pending operands).
    fn pop_cond(&mut self) -> Cond {
        if let (Some(at), Some(top)) = (self.last_def, self.stack.last())
            && at + 1 == self.code.len()
            && !top.pending()
            && let Some((d, cond)) = Cond::of(&self.code[at])
            && d == top.slot
        {
            let removed = self.code.pop().expect("just checked");
            self.last_def = None;
            self.pop();
            return self.fuse_more(cond, removed, d);
        }
        Cond::Nez(self.pop())
    }

    /// After `removed` (which computed slot `d`, now dead) was fused into a
    /// jump on `cond`: when `cond` only tests `removed`'s input for zero,
    /// that input is `d` itself, computed by the instruction just before
    /// (`i32.eqz (i32.lt_u ..)`, `i32.wrap_i64 (i64.and ..)`), and no jump
    /// lands between the two, fuses that instruction too.
    fn fuse_more(&mut self, cond: Cond, removed: Instr, d: Reg) -> Cond {
        let (x, negate) = match cond {
            Cond::Nez(x) => (x, false),
            Cond::Eqz(x) => (x, true),
            _ => return cond,
        };
        let k = self.code.len() as u32;
        if x != d || self.label_at >= k {
            return cond;
        }
        let inner = match (removed, self.code.last()) {
            // The low 32 bits of `a & b` are those of `a` and `b`.
            (Instr::I32WrapI64(_), Some(&Instr::I64And(r))) if r.d == x => Cond::Cmp(Cmp::And, false, r.a, r.b),
            (_, Some(i)) => match Cond::of(i) {
                Some((d2, c)) if d2 == x => c,
                _ => return cond,
            },
            _ => return cond,
        };
        self.code.pop();
        if negate { inner.negate() } else { inner }
    }

    /// Pops an operand, materialising it first: returns its own slot.
    fn pop_canon(&mut self) -> Reg {
        self.materialize_top(1);
        self.pop()
    }

    fn top_width(&self) -> u8 {
        self.stack.last().expect("the validator checked the operand stack").w
    }

    /// Copies operand `i` (index into the stack) to its own slot if pending.
    fn materialize_at(&mut self, i: usize) {
        let o = self.stack[i];
        if o.pending() {
            self.copy(o.slot, o.src, o.w as u32);
            self.stack[i].src = o.slot;
            self.pending -= 1;
        }
    }

    /// Materialises the top `n` operands.
    fn materialize_top(&mut self, n: usize) {
        if self.pending == 0 {
            return;
        }
        let len = self.stack.len();
        for i in len - n..len {
            self.materialize_at(i);
        }
    }

    /// Materialises every pending operand.
    fn flush(&mut self) {
        let n = self.stack.len();
        self.materialize_top(n);
    }

    /// Materialises the pending operands that read local slot `src`, before
    /// the local is written. The top `skip` operands are left alone.
    fn materialize_local(&mut self, src: Reg, skip: usize) {
        if self.pending == 0 {
            return;
        }
        let n = self.stack.len().saturating_sub(skip);
        for i in 0..n {
            if self.stack[i].pending() && self.stack[i].src == src {
                self.materialize_at(i);
            }
        }
    }

    /// Copies the top operands carrying `n` slots to slots `dest..`. Safe in
    /// ascending order: a stack-slot source is never below its destination,
    /// and local sources lie below every destination.
    fn copy_values(&mut self, dest: Reg, n: u32) {
        if n == 0 {
            return;
        }
        let first = self.h - n;
        let mut i = self.stack.len();
        while i > 0 && self.stack[i - 1].slot >= first {
            i -= 1;
        }
        for k in i..self.stack.len() {
            let o = self.stack[k];
            self.copy(dest + (o.slot - first), o.src, o.w as u32);
        }
    }

    /// Whether the top operands carrying `n` slots are all in their own
    /// slots, starting at `dest`.
    fn values_in_place(&self, dest: Reg, n: u32) -> bool {
        if n == 0 {
            return true;
        }
        let first = self.h - n;
        dest == first
            && self
                .stack
                .iter()
                .rev()
                .take_while(|o| o.slot >= first)
                .all(|o| !o.pending())
    }

    fn copy(&mut self, d: Reg, s: Reg, n: u32) {
        if d == s || n == 0 {
            return;
        }
        match n {
            1 => self.emit(Instr::Copy { d, s }),
            2 => self.emit(Instr::Copy2 { d, s }),
            _ => self.emit(Instr::CopyN { d, s, n }),
        };
    }

    /// A plain operator: pops `params`, pushes `results` (slot widths).
    #[inline]
    fn plain(&mut self, make: fn(R3) -> Instr, params: &[u8], results: &[u8]) {
        let mut regs = [0; 4];
        if params.len() >= 3 {
            // The first input is also the output; with four inputs
            // (wide arithmetic) all are read from consecutive slots.
            self.materialize_top(params.len());
        }
        for i in (0..params.len()).rev() {
            regs[i] = self.pop();
        }
        let d = self.h;
        for &w in results {
            self.push(w);
        }
        let r = match params.len() {
            0 if results.is_empty() => return,
            0 => R3 { d, a: 0, b: 0 },
            1 => R3 { d, a: regs[0], b: 0 },
            2 => R3 {
                d,
                a: regs[0],
                b: regs[1],
            },
            3 => R3 {
                d,
                a: regs[1],
                b: regs[2],
            },
            _ => R3 { d, a: 0, b: 0 },
        };
        let mut ins = if self.relaxed_simd_deterministic {
            make(r).relaxed_deterministic()
        } else {
            make(r)
        };
        if let Some(form) = float_load_form(ins)
            && let Some(fused) = self.float_load_op(form)
        {
            self.code.pop();
            ins = fused;
        } else if let Instr::I32Add(add) = ins
            && let Some((base, index, k)) = self.scaled_index(add)
        {
            self.code.pop();
            ins = Instr::I32AddShl {
                k,
                d: add.d,
                a: base,
                b: index,
            };
        }
        let at = self.emit(ins);
        if params.len() < 3 && results.len() == 1 {
            self.last_def = Some(at as usize);
        }
    }

    // ---- block types ----

    fn bt_params(&self, bt: BlockType) -> Tys<'i> {
        match bt {
            BlockType::Func(i) => Tys::Many(self.info.types[i as usize].params()),
            _ => Tys::Many(&[]),
        }
    }

    fn bt_results(&self, bt: BlockType) -> Tys<'i> {
        match bt {
            BlockType::Empty => Tys::Many(&[]),
            BlockType::Value(t) => Tys::One(t),
            BlockType::Func(i) => Tys::Many(self.info.types[i as usize].results()),
        }
    }

    fn push_tys(&mut self, tys: Tys<'_>) {
        for &t in tys.as_slice() {
            self.push(width(t));
        }
    }

    fn open(&mut self, kind: Kind, bt: BlockType) -> Ctrl {
        // Every path into a label must see the same stack: no pending
        // operands across block boundaries.
        self.flush();
        let params = self.bt_params(bt);
        let n = params.as_slice().len();
        Ctrl {
            kind,
            bt,
            base: self.h - params.slots(),
            depth: self.stack.len() - n,
            label: NONE,
            else_jump: NONE,
            branched: false,
            outer_region: self.cur_region,
            region: NO_REGION,
            fixups: Vec::new(),
            exn_slot: NO_REG,
        }
    }

    // ---- branches ----

    /// Returns. Leaves the operand stack as it was (a `br_if` may return
    /// on one path only).
    fn emit_return(&mut self) {
        let results = self.func_ty.results();
        if let [t] = results
            && width(*t) == 1
        {
            let s = self.stack.last().expect("validated").src;
            self.emit(Instr::Ret1 { s });
            return;
        }
        // Results go to slots 0.., which may be locals that pending
        // operands read: copy pending ones to their own slots first.
        let len = self.stack.len();
        for i in len - results.len()..len {
            let o = self.stack[i];
            if o.pending() {
                self.copy(o.slot, o.src, o.w as u32);
            }
        }
        let n = Tys::Many(results).slots();
        let src = self.h - n;
        self.copy(0, src, n);
        self.emit(Instr::Ret);
    }

    /// Slots a branch to frame `idx` carries, and where they go.
    fn label_slots(&self, idx: usize) -> (u32, u32) {
        let f = &self.ctrl[idx];
        let n = if f.kind == Kind::Loop {
            self.bt_params(f.bt).slots()
        } else {
            self.bt_results(f.bt).slots()
        };
        (n, f.base)
    }

    fn frame_index(&self, depth: u32) -> usize {
        self.ctrl.len() - 1 - depth as usize
    }

    /// Emits a jump to frame `idx`'s label (the values are already in place).
    fn jump_to(&mut self, idx: usize) {
        let f = &self.ctrl[idx];
        if f.kind == Kind::Loop {
            let to = f.label;
            self.emit(Instr::Jump { to });
        } else {
            let head = f.label;
            let at = self.emit(Instr::Jump { to: head });
            let f = &mut self.ctrl[idx];
            f.label = at;
            f.branched = true;
        }
    }

    /// An unconditional branch to the frame `depth` levels out.
    fn branch(&mut self, depth: u32) {
        let idx = self.frame_index(depth);
        if self.ctrl[idx].kind == Kind::Func {
            self.emit_return();
            return;
        }
        let (n, dest) = self.label_slots(idx);
        self.copy_values(dest, n);
        if !self.rotate_loop(idx) {
            self.jump_to(idx);
        }
    }

    /// A branch back to loop `idx` whose first instruction is a
    /// conditional exit `if c goto T`: instead of a jump to that test,
    /// emits the test itself, `if !c goto loop + 1; goto T`, which saves a
    /// dispatch per iteration of a `while`-shaped loop. The copy of the
    /// test runs in the same state as the original would after the jump
    /// back, so it is the same code. Only done while `T` is still the head
    /// of an open block's chain of pending jumps (where the new `goto T`
    /// joins it); with fuel on the loop starts with its `Fuel` instead.
    fn rotate_loop(&mut self, idx: usize) -> bool {
        let f = &self.ctrl[idx];
        if f.kind != Kind::Loop || self.fuel || self.epoch {
            return false;
        }
        let l = f.label;
        let Some(cond) = self.code.get(l as usize).and_then(Cond::of_jump) else {
            return false;
        };
        let Some(owner) = self.ctrl.iter().rposition(|c| c.kind != Kind::Loop && c.label == l) else {
            return false;
        };
        self.emit(cond.negate().jump(l + 1));
        let head = self.ctrl[owner].label;
        let at = self.emit(Instr::Jump { to: head });
        self.ctrl[owner].label = at;
        true
    }

    /// A jump-table entry (or a stub it leads to) for `depth`: returns
    /// whether it needs a stub (values to move first).
    fn needs_stub(&self, depth: u32) -> bool {
        let idx = self.frame_index(depth);
        if self.ctrl[idx].kind == Kind::Func {
            return true;
        }
        let (n, dest) = self.label_slots(idx);
        !self.values_in_place(dest, n)
    }

    fn block_end_common(&mut self, f: &Ctrl) {
        self.truncate(f.depth);
        self.h = f.base;
        let r = self.bt_results(f.bt);
        self.push_tys(r);
    }

    /// Drops operands down to `depth` (control flow resets the stack).
    fn truncate(&mut self, depth: usize) {
        while self.stack.len() > depth {
            self.pop();
        }
    }

    /// Whether `r` is an operand-stack slot (not a local, a constant or a
    /// hidden slot).
    fn is_temp(&self, r: Reg) -> bool {
        r >= self.stack_base && r < HIDDEN_BASE
    }

    fn local(&self, i: u32) -> (Reg, u8) {
        (self.local_slot[i as usize], self.local_width[i as usize])
    }

    /// The access of `memarg` at the address in `addr`. For a 64-bit
    /// memory, first a `Check32` of the address: the access then works
    /// as for a 32-bit memory, and an offset of 4 GiB or more is clamped
    /// to 4 GiB - 8 plus its low three bits (a 64-bit memory is smaller
    /// than 4 GiB, so both are out of bounds for every address).
    fn mem(&mut self, memarg: MemArg, v: Reg, addr: Reg) -> Result<Mem> {
        let Ok(mem) = u16::try_from(memarg.memory) else {
            return unsupported("memory index above 65535");
        };
        if self.memory64(memarg.memory) {
            self.check32(addr, TrapCode::MemoryOutOfBounds);
        }
        // The clamped offset keeps the low bits, which decide an atomic
        // access's alignment.
        let offset = u32::try_from(memarg.offset).unwrap_or(0xffff_fff8 | (memarg.offset as u32 & 7));
        Ok(Mem { v, addr, offset, mem })
    }

    fn memory64(&self, mem: u32) -> bool {
        self.info.memories[mem as usize].memory64
    }

    fn table64(&self, table: u32) -> bool {
        self.info.tables[table as usize].table64
    }

    /// Emits a `Check32` of `a` (see [`Instr::Check32`]).
    fn check32(&mut self, a: Reg, code: TrapCode) {
        self.emit(Instr::Check32 { a, code });
    }

    /// The `i32.add` just emitted, when it computed the operand `depth`
    /// places from the top (1: the top), which is not pending, as the
    /// address of an access to memory 0 (32-bit) at offset 0 described by
    /// `memarg`, and no label lies in between: the add can be fused into
    /// the access.
    fn address_add(&self, memarg: MemArg, depth: usize) -> Option<(R3, u8)> {
        let k = self.code.len();
        let o = self.stack.len().checked_sub(depth).map(|i| self.stack[i])?;
        let fusable = memarg.offset == 0
            && memarg.memory == 0
            && !self.memory64(0)
            && self.last_def.is_some_and(|at| at + 1 == k)
            && self.label_at < k as u32
            && !o.pending();
        match self.code.last() {
            Some(&Instr::I32Add(r)) if fusable && r.d == o.slot => Some((r, 0)),
            Some(&Instr::I32AddShl { k, d, a, b }) if fusable && d == o.slot => Some((R3 { d, a, b }, k)),
            _ => None,
        }
    }

    /// A load of one slot (`a.plain`), fused into `a.fused` with the
    /// `i32.add` just emitted when that add computes the address and
    /// nothing else uses it (the operand on top, not pending, and no label
    /// in between), the access being to memory 0 (32-bit) at offset 0; or
    /// into `a.scaled` with an [`Instr::I32AddShl`] that did (see
    /// [`Self::scaled_index`]).
    fn load_or_fuse(&mut self, a: Access, memarg: MemArg) -> Result<()> {
        if let Some((r, k)) = self.address_add(memarg, 1)
            && let Some(fused) = a.fuse(k, r)
        {
            self.code.pop();
            self.last_def = None;
            self.pop();
            let d = self.push(1);
            let at = self.emit(fused(d));
            self.last_def = Some(at as usize);
            return Ok(());
        }
        self.load(a.plain, memarg, 1)
    }

    /// For an `f32`/`f64` add, subtract or multiply about to be emitted
    /// (`form`, from [`float_load_form`]): when the instruction just
    /// emitted is a load of memory 0 (32-bit) at offset 0 of the same type
    /// into a stack slot that only the operator reads (its second input,
    /// or either input of an add or multiply), with no label in between,
    /// the two as one (`F64AddM`, ...). The load stays first: it may trap.
    #[inline(never)]
    fn float_load_op(&self, form: FloatLoadForm) -> Option<Instr> {
        let FloatLoadForm { r, f64, commutes, make } = form;
        let k = self.code.len();
        let m = match *self.code.last()? {
            Instr::Load32(m) if !f64 => m,
            Instr::Load64(m) if f64 => m,
            _ => return None,
        };
        if m.mem != 0
            || m.offset != 0
            || self.memory64(0)
            || self.last_def != Some(k - 1)
            || self.label_at >= k as u32
            || !self.is_temp(m.v)
        {
            return None;
        }
        let other = if r.b == m.v && r.a != m.v {
            r.a
        } else if commutes && r.a == m.v && r.b != m.v {
            r.b
        } else {
            return None;
        };
        Some(make(r.d, other, m.addr))
    }

    /// For an `i32.add` about to be emitted: when the instruction just
    /// emitted is an `i32.shl` by a constant into a stack slot that only
    /// the add reads (one of its operands, and no label lies at the add),
    /// the base (the add's other operand), the index (the shift's input)
    /// and the shift, to emit the two as one [`Instr::I32AddShl`]. The
    /// index slot still holds the shift's input there, as the shift is
    /// gone.
    fn scaled_index(&self, add: R3) -> Option<(Reg, Reg, u8)> {
        let k = self.code.len();
        let Some(&Instr::I32Shl(s)) = self.code.last() else {
            return None;
        };
        let base = if s.d == add.b {
            add.a
        } else if s.d == add.a {
            add.b
        } else {
            return None;
        };
        if self.label_at >= k as u32 || !self.is_temp(s.d) || s.b < CONST_BASE || base == s.d {
            return None;
        }
        let shift = *self.consts.get((s.b - CONST_BASE) as usize)? as u32 & 31;
        Some((base, s.a, shift as u8))
    }

    fn load(&mut self, make: fn(Mem) -> Instr, memarg: MemArg, w: u8) -> Result<()> {
        let a = self.pop();
        let d = self.push(w);
        let m = self.mem(memarg, d, a)?;
        let at = self.emit(make(m));
        self.last_def = Some(at as usize);
        Ok(())
    }

    /// A store of one slot (`a.plain`), fused as [`Self::load_or_fuse`]
    /// fuses a load, when the address is the operand under the value (not
    /// pending; the value is then pending, a local or a constant, as
    /// nothing was emitted since).
    fn store_or_fuse(&mut self, a: Access, memarg: MemArg) -> Result<()> {
        if self.stack.last().is_some_and(|v| v.pending())
            && let Some((r, k)) = self.address_add(memarg, 2)
            && let Some(fused) = a.fuse(k, r)
        {
            self.code.pop();
            self.last_def = None;
            let v = self.pop();
            self.pop();
            self.emit(fused(v));
            return Ok(());
        }
        self.store(a.plain, memarg)
    }

    fn store(&mut self, make: fn(Mem) -> Instr, memarg: MemArg) -> Result<()> {
        let v = self.pop();
        let a = self.pop();
        let m = self.mem(memarg, v, a)?;
        self.emit(make(m));
        Ok(())
    }

    /// An atomic operator (`0xfe` opcode `code`) of `n` operands, the
    /// address first, materialised in consecutive slots; its result, if
    /// any, replaces them.
    fn atomic(&mut self, code: u32, memarg: MemArg, n: usize, result: bool) -> Result<()> {
        let r = self.pop_n(n);
        if result {
            self.push(1);
        }
        let n = crate::ir::atomic_width(code);
        if n > 1 && self.memory64(memarg.memory) {
            // Before `mem`'s `Check32`: alignment is checked first.
            let mask = (n - 1) as u8;
            self.emit(Instr::CheckAlign {
                a: r,
                mask,
                off: memarg.offset as u8 & mask,
            });
        }
        let m = self.mem(memarg, code, r)?;
        self.emit(Instr::Atomic(m));
        Ok(())
    }

    fn load_lane(&mut self, make: fn(Mem) -> Instr, memarg: MemArg, lane: u8) -> Result<()> {
        self.materialize_top(2);
        self.pop();
        let a = self.pop();
        self.push(2);
        let m = self.mem(memarg, lane as u32, a)?;
        self.emit(make(m));
        Ok(())
    }

    fn store_lane(&mut self, make: fn(Mem) -> Instr, memarg: MemArg, lane: u8) -> Result<()> {
        self.materialize_top(2);
        self.pop();
        let a = self.pop();
        let m = self.mem(memarg, lane as u32, a)?;
        self.emit(make(m));
        Ok(())
    }

    /// Pops `n` operands, materialised; returns the slot of the lowest.
    fn pop_n(&mut self, n: usize) -> Reg {
        self.materialize_top(n);
        for _ in 0..n {
            self.pop();
        }
        self.h
    }

    fn extract(&mut self, make: fn(Reg, Reg, u32) -> Instr, lane: u8, w: u8) {
        let a = self.pop();
        let d = self.push(w);
        self.emit(make(d, a, lane as u32));
    }

    fn replace(&mut self, make: fn(Reg, Reg, u32) -> Instr, lane: u8) {
        let x = self.pop();
        let v = self.pop_canon();
        self.push(2);
        self.emit(make(v, x, lane as u32));
    }

    fn table16(t: u32) -> Result<u16> {
        u16::try_from(t).or_else(|_| unsupported("call_indirect through a table index above 65535"))
    }

    fn call_args(&mut self, ty: &FuncType) -> Reg {
        self.materialize_top(ty.params().len());
        for _ in ty.params() {
            self.pop();
        }
        let base = self.h;
        for &t in ty.results() {
            self.push(width(t));
        }
        // Host callees write their results over the arguments.
        base
    }
}

/// The hand-written translations: one method per row without a plain
/// signature, named after the row's visit method.
#[allow(clippy::boxed_local)]
impl<'i> Emitter<'i> {
    // ---- control ----

    fn visit_unreachable(&mut self) -> Result<()> {
        self.emit(Instr::Trap {
            code: TrapCode::Unreachable,
        });
        self.reachable = false;
        Ok(())
    }

    fn visit_block(&mut self, bt: BlockType) -> Result<()> {
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let c = self.open(Kind::Block, bt);
        self.ctrl.push(c);
        Ok(())
    }

    fn visit_loop(&mut self, bt: BlockType) -> Result<()> {
        self.loops_seen += 1;
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let mut c = self.open(Kind::Loop, bt);
        c.label = self.pc();
        // Tiered: the header may leave for compiled code, with the
        // locals and the loop's parameters (in slots after `open`). Only
        // where nothing lies on the stack below the parameters (compiled
        // code could not merge it with the paths that enclosing loops
        // take), and not inside a legacy catch body, whose exception (for
        // `rethrow`) compiled code would not have.
        if self.osr && c.depth == 0 && !self.ctrl.iter().any(|c| c.kind == Kind::Catch) {
            self.last_def = None;
            self.label_at = self.label_at.max(self.code.len() as u32);
            let stack = self.stack.iter().map(|o| (o.src, o.w)).collect();
            let l = self.loops.len() as u32;
            self.loops.push((self.loops_seen - 1, stack));
            self.emit(Instr::LoopHead { l });
        }
        self.start_fuel_block();
        self.check_epoch();
        self.ctrl.push(c);
        Ok(())
    }

    fn visit_if(&mut self, bt: BlockType) -> Result<()> {
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let c = self.pop_cond();
        // `open` materialises pending operands: before the jump, so that
        // both branches see them.
        let mut f = self.open(Kind::If, bt);
        f.else_jump = self.emit(c.negate().jump(NONE));
        self.ctrl.push(f);
        self.start_fuel_block();
        Ok(())
    }

    fn visit_else(&mut self) -> Result<()> {
        if self.dead_depth > 0 {
            return Ok(());
        }
        let idx = self.ctrl.len() - 1;
        if self.reachable {
            let n = self.bt_results(self.ctrl[idx].bt).as_slice().len();
            self.materialize_top(n);
            self.jump_to(idx);
        }
        let pc = self.pc();
        let f = &mut self.ctrl[idx];
        let j = std::mem::replace(&mut f.else_jump, NONE);
        f.kind = Kind::Else;
        let (depth, base, bt) = (f.depth, f.base, f.bt);
        self.resolve(j, pc);
        self.truncate(depth);
        self.h = base;
        let p = self.bt_params(bt);
        self.push_tys(p);
        self.reachable = true;
        self.start_fuel_block();
        Ok(())
    }

    fn visit_end(&mut self) -> Result<()> {
        if self.dead_depth > 0 {
            self.dead_depth -= 1;
            return Ok(());
        }
        let mut f = self.ctrl.pop().expect("the validator checked the nesting");
        if f.kind == Kind::Func {
            if self.reachable {
                self.emit_return();
            }
            self.reachable = false;
            return Ok(());
        }
        if self.reachable {
            let n = self.bt_results(f.bt).as_slice().len();
            self.materialize_top(n);
        }
        // A jump to this end just before it (as a rotated loop's exit
        // leaves) is dropped, unless a jump targets the end itself: jumps
        // to the dropped one land where it led anyway.
        let pc = self.pc();
        if f.kind != Kind::Loop
            && f.label != NONE
            && f.label + 1 == pc
            && self.label_at < pc
            && let Some(&Instr::Jump { to: next }) = self.code.last()
        {
            self.code.pop();
            self.last_def = None;
            f.label = next;
        }
        if matches!(f.kind, Kind::Try | Kind::TryTable) {
            // After the trailing jump went: the index it had is the next
            // instruction's, outside the region.
            self.close_region(f.region, f.outer_region);
        }
        let mut reach = self.reachable || f.branched;
        let pc = self.pc();
        if f.else_jump != NONE {
            self.resolve(f.else_jump, pc);
            reach = true;
        }
        if f.kind != Kind::Loop {
            self.patch_chain(f.label, pc);
            for &id in &f.fixups {
                self.clauses[id as usize].target = pc;
                self.label_at = self.label_at.max(pc);
            }
        }
        self.block_end_common(&f);
        self.reachable = reach;
        if reach {
            self.start_fuel_block();
        }
        Ok(())
    }

    fn visit_br(&mut self, relative_depth: u32) -> Result<()> {
        self.branch(relative_depth);
        self.reachable = false;
        Ok(())
    }

    fn visit_br_if(&mut self, relative_depth: u32) -> Result<()> {
        let c = self.pop_cond();
        self.br_if_on(c, relative_depth)
    }

    /// A branch to the frame `relative_depth` levels out taken when `c`
    /// holds, carrying the top operands.
    fn br_if_on(&mut self, c: Cond, relative_depth: u32) -> Result<()> {
        let idx = self.frame_index(relative_depth);
        if self.needs_stub(relative_depth) {
            let skip = self.emit(c.negate().jump(NONE));
            self.branch(relative_depth);
            let pc = self.pc();
            self.resolve(skip, pc);
        } else if self.ctrl[idx].kind == Kind::Loop {
            let to = self.ctrl[idx].label;
            self.emit(c.jump(to));
        } else {
            let head = self.ctrl[idx].label;
            let at = self.emit(c.jump(head));
            let f = &mut self.ctrl[idx];
            f.label = at;
            f.branched = true;
        }
        self.split_fuel_block();
        Ok(())
    }

    /// With fuel, ends the basic block's charge here (after a conditional
    /// branch or a call, which an exception may leave by): every path
    /// pays for the operators it runs, as compiled code charges them.
    fn split_fuel_block(&mut self) {
        if self.fuel {
            self.start_fuel_block();
        }
    }

    fn visit_br_on_null(&mut self, relative_depth: u32) -> Result<()> {
        // The reference is popped for the branch (which carries the
        // operands below it) and stays where it is when not taken; the
        // branch's copies only write slots below it.
        let o = *self.stack.last().expect("the validator checked the operand stack");
        let r = self.pop();
        self.br_if_on(Cond::Eqz64(r), relative_depth)?;
        self.stack.push(o);
        self.h += o.w as u32;
        if o.pending() {
            self.pending += 1;
        }
        Ok(())
    }

    fn visit_br_on_non_null(&mut self, relative_depth: u32) -> Result<()> {
        // Taken, the branch carries the reference too; not taken, it is
        // dropped.
        let r = self.stack.last().expect("the validator checked the operand stack").src;
        self.br_if_on(Cond::Nez64(r), relative_depth)?;
        self.pop();
        Ok(())
    }

    fn visit_br_table(&mut self, targets: BrTable<'_>) -> Result<()> {
        let i = self.pop();
        let len = targets.len();
        self.emit(Instr::JumpTable { i, len });
        let mut stubs: Vec<(u32, u32)> = Vec::new();
        for depth in targets.targets().chain(std::iter::once(targets.default())) {
            if self.needs_stub(depth) {
                let at = self.emit(Instr::Jump { to: NONE });
                stubs.push((at, depth));
            } else {
                let idx = self.frame_index(depth);
                self.jump_to(idx);
            }
        }
        for (at, depth) in stubs {
            let pc = self.pc();
            self.resolve(at, pc);
            self.branch(depth);
        }
        self.reachable = false;
        Ok(())
    }

    fn visit_return(&mut self) -> Result<()> {
        self.emit_return();
        self.reachable = false;
        Ok(())
    }

    fn visit_call(&mut self, function_index: u32) -> Result<()> {
        let info = self.info;
        let ty = info.func_type(function_index).expect("validated");
        let base = self.call_args(ty);
        let imported = self.num_imported_funcs;
        if function_index < imported {
            self.emit(Instr::CallImp {
                f: function_index,
                base,
            });
        } else {
            self.emit(Instr::CallDef {
                f: function_index - imported,
                base,
            });
        }
        self.split_fuel_block();
        Ok(())
    }

    fn visit_call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let info = self.info;
        let ty = &info.types[type_index as usize];
        let table = Self::table16(table_index)?;
        let i = self.pop();
        if self.table64(table_index) {
            self.check32(i, TrapCode::UndefinedElement);
        }
        let base = self.call_args(ty);
        self.emit(Instr::CallInd {
            ty: type_index,
            i,
            base,
            table,
        });
        self.split_fuel_block();
        Ok(())
    }

    fn visit_return_call(&mut self, function_index: u32) -> Result<()> {
        let info = self.info;
        let ty = info.func_type(function_index).expect("validated");
        let base = self.call_args(ty);
        let imported = self.num_imported_funcs;
        if function_index < imported {
            self.emit(Instr::ReturnCallImp {
                f: function_index,
                base,
            });
        } else {
            self.emit(Instr::ReturnCallDef {
                f: function_index - imported,
                base,
            });
        }
        self.reachable = false;
        Ok(())
    }

    fn visit_return_call_indirect(&mut self, type_index: u32, table_index: u32) -> Result<()> {
        let info = self.info;
        let ty = &info.types[type_index as usize];
        let table = Self::table16(table_index)?;
        let i = self.pop();
        if self.table64(table_index) {
            self.check32(i, TrapCode::UndefinedElement);
        }
        let base = self.call_args(ty);
        self.emit(Instr::ReturnCallInd {
            ty: type_index,
            i,
            base,
            table,
        });
        self.reachable = false;
        Ok(())
    }

    fn visit_call_ref(&mut self, type_index: u32) -> Result<()> {
        let info = self.info;
        let ty = &info.types[type_index as usize];
        let r = self.pop();
        let base = self.call_args(ty);
        self.emit(Instr::CallFuncRef { r, base });
        self.split_fuel_block();
        Ok(())
    }

    fn visit_return_call_ref(&mut self, type_index: u32) -> Result<()> {
        let info = self.info;
        let ty = &info.types[type_index as usize];
        let r = self.pop();
        let base = self.call_args(ty);
        self.emit(Instr::ReturnCallFuncRef { r, base });
        self.reachable = false;
        Ok(())
    }

    fn visit_ref_as_non_null(&mut self) -> Result<()> {
        let r = self.stack.last().expect("the validator checked the operand stack").src;
        self.emit(Instr::NonNull { r });
        Ok(())
    }

    fn visit_drop(&mut self) -> Result<()> {
        self.pop();
        Ok(())
    }

    fn visit_select(&mut self) -> Result<()> {
        let c = self.pop();
        let w = self.top_width();
        let b = self.pop();
        let a = self.pop_canon();
        self.push(w);
        if w == 2 {
            self.emit(Instr::Sel2 { a, b, c });
        } else {
            self.emit(Instr::Sel { a, b, c });
        }
        Ok(())
    }

    fn visit_typed_select(&mut self, _tys: SelectTypes) -> Result<()> {
        self.visit_select()
    }

    fn visit_local_get(&mut self, local_index: u32) -> Result<()> {
        let (s, w) = self.local(local_index);
        self.push_local(s, w);
        Ok(())
    }

    /// If the last instruction computed the top operand into its slot,
    /// makes it write local slot `d` instead.
    fn retarget(&mut self, d: Reg) -> bool {
        let Some(at) = self.last_def else {
            return false;
        };
        let Some(&top) = self.stack.last() else {
            return false;
        };
        if at + 1 != self.code.len() || top.pending() {
            return false;
        }
        let dest = match &mut self.code[at] {
            Instr::Const32 { d, .. }
            | Instr::Const64 { d, .. }
            | Instr::ConstV128 { d, .. }
            | Instr::GGet { d, .. }
            | Instr::GGet2 { d, .. } => d,
            Instr::Load8S32(m)
            | Instr::Load8S64(m)
            | Instr::Load8U(m)
            | Instr::Load16S32(m)
            | Instr::Load16S64(m)
            | Instr::Load16U(m)
            | Instr::Load32(m)
            | Instr::Load32S64(m)
            | Instr::Load64(m)
            | Instr::Load128(m) => {
                if m.v != top.slot {
                    return false;
                }
                m.v = d;
                self.last_def = None;
                return true;
            }
            other => match other.fused_result_mut() {
                Some(v) => v,
                None => match other.plain_mut() {
                    Some(r) => &mut r.d,
                    None => return false,
                },
            },
        };
        if *dest != top.slot {
            return false;
        }
        *dest = d;
        self.last_def = None;
        true
    }

    /// For `local.set L` of a `select` whose first operand was `L` itself
    /// (`x = c ? x : y`, as in a running minimum): makes the `select`
    /// write `L` in place, dropping the copy of `L` into the select's slot.
    /// That slot is dead after the `local.set`, and no jump lands at the
    /// `select` or after it.
    fn select_in_place(&mut self, l: Reg) -> bool {
        let n = self.code.len();
        let Some(&top) = self.stack.last() else {
            return false;
        };
        if n < 2 || top.pending() || self.label_at + 1 >= n as u32 {
            return false;
        }
        match (self.code[n - 2], self.code[n - 1]) {
            (Instr::Copy { d: t, s }, Instr::Sel { a, b, c })
                if s == l && t == a && a == top.slot && b != t && c != t =>
            {
                self.code.pop();
                self.code[n - 2] = Instr::Sel { a: l, b, c };
                self.last_def = None;
                true
            }
            _ => false,
        }
    }

    fn visit_local_set(&mut self, local_index: u32) -> Result<()> {
        let (d, w) = self.local(local_index);
        self.materialize_local(d, 1);
        if self.select_in_place(d) {
            self.pop();
            return Ok(());
        }
        if self.retarget(d) {
            self.pop();
            return Ok(());
        }
        let s = self.pop();
        self.copy(d, s, w as u32);
        Ok(())
    }

    fn visit_local_tee(&mut self, local_index: u32) -> Result<()> {
        let (d, w) = self.local(local_index);
        self.materialize_local(d, 1);
        if self.retarget(d) {
            // The value now lives in the local only.
            let top = self.stack.last_mut().expect("validated");
            top.src = d;
            self.pending += 1;
            return Ok(());
        }
        let s = self.stack.last().expect("validated").src;
        self.copy(d, s, w as u32);
        Ok(())
    }

    fn visit_global_get(&mut self, global_index: u32) -> Result<()> {
        let w = width(self.info.globals[global_index as usize].content);
        let d = self.push(w);
        let g = global_index;
        let at = self.emit(if w == 2 {
            Instr::GGet2 { d, g }
        } else {
            Instr::GGet { d, g }
        });
        self.last_def = Some(at as usize);
        Ok(())
    }

    fn visit_global_set(&mut self, global_index: u32) -> Result<()> {
        let w = width(self.info.globals[global_index as usize].content);
        let s = self.pop();
        let g = global_index;
        self.emit(if w == 2 {
            Instr::GSet2 { s, g }
        } else {
            Instr::GSet { s, g }
        });
        Ok(())
    }

    // ---- constants and references ----

    // One-slot constants live in constant slots; an i32 or f32 is
    // zero-extended like every 32-bit value in a slot.

    fn visit_i32_const(&mut self, value: i32) -> Result<()> {
        self.push_const(value as u32 as u64);
        Ok(())
    }

    fn visit_i64_const(&mut self, value: i64) -> Result<()> {
        self.push_const(value as u64);
        Ok(())
    }

    fn visit_f32_const(&mut self, value: Ieee32) -> Result<()> {
        self.push_const(value.0 as u64);
        Ok(())
    }

    fn visit_f64_const(&mut self, value: Ieee64) -> Result<()> {
        self.push_const(value.0);
        Ok(())
    }

    fn visit_v128_const(&mut self, value: V128) -> Result<()> {
        let bits = u128::from_le_bytes(value.0);
        // In two constant slots, as a scalar constant is in one; with too
        // many constants, computed by an instruction from the pool.
        let (lo, hi) = (bits as u64, (bits >> 64) as u64);
        let k = match self.consts.windows(2).position(|w| w == [lo, hi]) {
            Some(k) => Some(k),
            None if self.consts.len() + 2 <= MAX_CONST_SLOTS => {
                self.consts.extend([lo, hi]);
                Some(self.consts.len() - 2)
            }
            None => None,
        };
        if let Some(k) = k {
            self.push_local(CONST_BASE + k as u32, 2);
            return Ok(());
        }
        let d = self.push(2);
        let i = self.pool.len() as u32;
        self.pool.push(bits);
        let at = self.emit(Instr::ConstV128 { d, i });
        self.last_def = Some(at as usize);
        Ok(())
    }

    fn visit_ref_null(&mut self, _hty: HeapType) -> Result<()> {
        self.push_const(0);
        Ok(())
    }

    fn visit_ref_is_null(&mut self) -> Result<()> {
        let a = self.pop();
        let d = self.push(1);
        self.emit(Instr::IsNull { d, a });
        Ok(())
    }

    fn visit_ref_func(&mut self, function_index: u32) -> Result<()> {
        let d = self.push(1);
        self.emit(Instr::FuncRef { d, f: function_index });
        Ok(())
    }

    // ---- memory ----

    fn visit_i32_load(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD32, m)
    }
    fn visit_i64_load(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD64, m)
    }
    fn visit_f32_load(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD32, m)
    }
    fn visit_f64_load(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD64, m)
    }
    fn visit_i32_load8_s(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD8S32, m)
    }
    fn visit_i32_load8_u(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD8U, m)
    }
    fn visit_i32_load16_s(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD16S32, m)
    }
    fn visit_i32_load16_u(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD16U, m)
    }
    fn visit_i64_load8_s(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load8S64, m, 1)
    }
    fn visit_i64_load8_u(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD8U, m)
    }
    fn visit_i64_load16_s(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load16S64, m, 1)
    }
    fn visit_i64_load16_u(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD16U, m)
    }
    fn visit_i64_load32_s(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load32S64, m, 1)
    }
    fn visit_i64_load32_u(&mut self, m: MemArg) -> Result<()> {
        self.load_or_fuse(LOAD32, m)
    }
    fn visit_memory_atomic_notify(&mut self, m: MemArg) -> Result<()> {
        self.atomic(0x00, m, 2, true)
    }
    fn visit_memory_atomic_wait32(&mut self, m: MemArg) -> Result<()> {
        self.atomic(0x01, m, 3, true)
    }
    fn visit_memory_atomic_wait64(&mut self, m: MemArg) -> Result<()> {
        self.atomic(0x02, m, 3, true)
    }
    fn visit_atomic_fence(&mut self, _reserved: u8) -> Result<()> {
        self.emit(Instr::Fence);
        Ok(())
    }
    fn visit_i32_store(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE32, m)
    }
    fn visit_i64_store(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE64, m)
    }
    fn visit_f32_store(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE32, m)
    }
    fn visit_f64_store(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE64, m)
    }
    fn visit_i32_store8(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE8, m)
    }
    fn visit_i32_store16(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE16, m)
    }
    fn visit_i64_store8(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE8, m)
    }
    fn visit_i64_store16(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE16, m)
    }
    fn visit_i64_store32(&mut self, m: MemArg) -> Result<()> {
        self.store_or_fuse(STORE32, m)
    }
    fn visit_v128_load(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load128, m, 2)
    }
    fn visit_v128_load8x8_s(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load8x8S, m, 2)
    }
    fn visit_v128_load8x8_u(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load8x8U, m, 2)
    }
    fn visit_v128_load16x4_s(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load16x4S, m, 2)
    }
    fn visit_v128_load16x4_u(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load16x4U, m, 2)
    }
    fn visit_v128_load32x2_s(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load32x2S, m, 2)
    }
    fn visit_v128_load32x2_u(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load32x2U, m, 2)
    }
    fn visit_v128_load8_splat(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load8Splat, m, 2)
    }
    fn visit_v128_load16_splat(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load16Splat, m, 2)
    }
    fn visit_v128_load32_splat(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load32Splat, m, 2)
    }
    fn visit_v128_load64_splat(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load64Splat, m, 2)
    }
    fn visit_v128_load32_zero(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load32Zero, m, 2)
    }
    fn visit_v128_load64_zero(&mut self, m: MemArg) -> Result<()> {
        self.load(Instr::Load64Zero, m, 2)
    }
    fn visit_v128_store(&mut self, m: MemArg) -> Result<()> {
        self.store(Instr::Store128, m)
    }
    fn visit_v128_load8_lane(&mut self, m: MemArg, lane: u8) -> Result<()> {
        self.load_lane(Instr::Load8Lane, m, lane)
    }
    fn visit_v128_load16_lane(&mut self, m: MemArg, lane: u8) -> Result<()> {
        self.load_lane(Instr::Load16Lane, m, lane)
    }
    fn visit_v128_load32_lane(&mut self, m: MemArg, lane: u8) -> Result<()> {
        self.load_lane(Instr::Load32Lane, m, lane)
    }
    fn visit_v128_load64_lane(&mut self, m: MemArg, lane: u8) -> Result<()> {
        self.load_lane(Instr::Load64Lane, m, lane)
    }
    fn visit_v128_store8_lane(&mut self, m: MemArg, lane: u8) -> Result<()> {
        self.store_lane(Instr::Store8Lane, m, lane)
    }
    fn visit_v128_store16_lane(&mut self, m: MemArg, lane: u8) -> Result<()> {
        self.store_lane(Instr::Store16Lane, m, lane)
    }
    fn visit_v128_store32_lane(&mut self, m: MemArg, lane: u8) -> Result<()> {
        self.store_lane(Instr::Store32Lane, m, lane)
    }
    fn visit_v128_store64_lane(&mut self, m: MemArg, lane: u8) -> Result<()> {
        self.store_lane(Instr::Store64Lane, m, lane)
    }

    fn visit_memory_size(&mut self, mem: u32) -> Result<()> {
        let d = self.push(1);
        self.emit(Instr::MemSize { d, mem });
        Ok(())
    }

    fn visit_memory_grow(&mut self, mem: u32) -> Result<()> {
        let d = self.pop_canon();
        self.push(1);
        let wide = if self.memory64(mem) { WIDE } else { 0 };
        self.emit(Instr::MemGrow { d, mem: mem | wide });
        Ok(())
    }

    /// `Check32`s of the 64-bit operands among `r + i` for each `i` in
    /// `wide` (see [`Instr::Check32`]).
    fn check_operands(&mut self, r: Reg, wide: [bool; 3], code: TrapCode) {
        for (i, w) in wide.into_iter().enumerate() {
            if w {
                self.check32(r + i as Reg, code);
            }
        }
    }

    fn visit_memory_fill(&mut self, mem: u32) -> Result<()> {
        let r = self.pop_n(3);
        let w = self.memory64(mem);
        self.check_operands(r, [w, false, w], TrapCode::MemoryOutOfBounds);
        self.emit(Instr::MemFill { r, mem });
        Ok(())
    }

    fn visit_memory_copy(&mut self, dst_mem: u32, src_mem: u32) -> Result<()> {
        let r = self.pop_n(3);
        let (d, s) = (self.memory64(dst_mem), self.memory64(src_mem));
        self.check_operands(r, [d, s, d && s], TrapCode::MemoryOutOfBounds);
        self.emit(Instr::MemCopy {
            r,
            dst: dst_mem,
            src: src_mem,
        });
        Ok(())
    }

    fn visit_memory_init(&mut self, data_index: u32, mem: u32) -> Result<()> {
        let r = self.pop_n(3);
        let w = self.memory64(mem);
        self.check_operands(r, [w, false, false], TrapCode::MemoryOutOfBounds);
        self.emit(Instr::MemInit {
            r,
            seg: data_index,
            mem,
        });
        Ok(())
    }

    fn visit_data_drop(&mut self, data_index: u32) -> Result<()> {
        self.emit(Instr::DropData { seg: data_index });
        Ok(())
    }

    // ---- tables ----

    fn visit_table_get(&mut self, table: u32) -> Result<()> {
        let d = self.pop_canon();
        self.push(1);
        if self.table64(table) {
            self.check32(d, TrapCode::TableOutOfBounds);
        }
        self.emit(Instr::TabGet { d, t: table });
        Ok(())
    }

    fn visit_table_set(&mut self, table: u32) -> Result<()> {
        let r = self.pop_n(2);
        let w = self.table64(table);
        self.check_operands(r, [w, false, false], TrapCode::TableOutOfBounds);
        self.emit(Instr::TabSet { r, t: table });
        Ok(())
    }

    fn visit_table_size(&mut self, table: u32) -> Result<()> {
        let d = self.push(1);
        self.emit(Instr::TabSize { d, t: table });
        Ok(())
    }

    fn visit_table_grow(&mut self, table: u32) -> Result<()> {
        let r = self.pop_n(2);
        self.push(1);
        let wide = if self.table64(table) { WIDE } else { 0 };
        self.emit(Instr::TabGrow { r, t: table | wide });
        Ok(())
    }

    fn visit_table_fill(&mut self, table: u32) -> Result<()> {
        let r = self.pop_n(3);
        let w = self.table64(table);
        self.check_operands(r, [w, false, w], TrapCode::TableOutOfBounds);
        self.emit(Instr::TabFill { r, t: table });
        Ok(())
    }

    fn visit_table_copy(&mut self, dst_table: u32, src_table: u32) -> Result<()> {
        let r = self.pop_n(3);
        let (d, s) = (self.table64(dst_table), self.table64(src_table));
        self.check_operands(r, [d, s, d && s], TrapCode::TableOutOfBounds);
        self.emit(Instr::TabCopy {
            r,
            dst: dst_table,
            src: src_table,
        });
        Ok(())
    }

    fn visit_table_init(&mut self, elem_index: u32, table: u32) -> Result<()> {
        let r = self.pop_n(3);
        let w = self.table64(table);
        self.check_operands(r, [w, false, false], TrapCode::TableOutOfBounds);
        self.emit(Instr::TabInit {
            r,
            seg: elem_index,
            t: table,
        });
        Ok(())
    }

    fn visit_elem_drop(&mut self, elem_index: u32) -> Result<()> {
        self.emit(Instr::DropElem { seg: elem_index });
        Ok(())
    }

    // ---- lanes ----

    fn visit_i8x16_shuffle(&mut self, lanes: [u8; 16]) -> Result<()> {
        let b = self.pop();
        let a = self.pop_canon();
        self.push(2);
        let i = self.pool.len() as u32;
        self.pool.push(u128::from_le_bytes(lanes));
        self.emit(Instr::Shuffle { a, b, i });
        Ok(())
    }

    fn visit_i8x16_extract_lane_s(&mut self, lane: u8) -> Result<()> {
        self.extract(|d, a, lane| Instr::ExtractI8S { d, a, lane }, lane, 1);
        Ok(())
    }
    fn visit_i8x16_extract_lane_u(&mut self, lane: u8) -> Result<()> {
        self.extract(|d, a, lane| Instr::ExtractI8U { d, a, lane }, lane, 1);
        Ok(())
    }
    fn visit_i16x8_extract_lane_s(&mut self, lane: u8) -> Result<()> {
        self.extract(|d, a, lane| Instr::ExtractI16S { d, a, lane }, lane, 1);
        Ok(())
    }
    fn visit_i16x8_extract_lane_u(&mut self, lane: u8) -> Result<()> {
        self.extract(|d, a, lane| Instr::ExtractI16U { d, a, lane }, lane, 1);
        Ok(())
    }
    fn visit_i32x4_extract_lane(&mut self, lane: u8) -> Result<()> {
        self.extract(|d, a, lane| Instr::Extract32 { d, a, lane }, lane, 1);
        Ok(())
    }
    fn visit_f32x4_extract_lane(&mut self, lane: u8) -> Result<()> {
        self.extract(|d, a, lane| Instr::Extract32 { d, a, lane }, lane, 1);
        Ok(())
    }
    fn visit_i64x2_extract_lane(&mut self, lane: u8) -> Result<()> {
        self.extract(|d, a, lane| Instr::Extract64 { d, a, lane }, lane, 1);
        Ok(())
    }
    fn visit_f64x2_extract_lane(&mut self, lane: u8) -> Result<()> {
        self.extract(|d, a, lane| Instr::Extract64 { d, a, lane }, lane, 1);
        Ok(())
    }
    fn visit_i8x16_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.replace(|v, x, lane| Instr::Replace8 { v, x, lane }, lane);
        Ok(())
    }
    fn visit_i16x8_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.replace(|v, x, lane| Instr::Replace16 { v, x, lane }, lane);
        Ok(())
    }
    fn visit_i32x4_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.replace(|v, x, lane| Instr::Replace32 { v, x, lane }, lane);
        Ok(())
    }
    fn visit_f32x4_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.replace(|v, x, lane| Instr::Replace32 { v, x, lane }, lane);
        Ok(())
    }
    fn visit_i64x2_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.replace(|v, x, lane| Instr::Replace64 { v, x, lane }, lane);
        Ok(())
    }
    fn visit_f64x2_replace_lane(&mut self, lane: u8) -> Result<()> {
        self.replace(|v, x, lane| Instr::Replace64 { v, x, lane }, lane);
        Ok(())
    }

    // ---- exception handling ----
    //
    // Handlers cost nothing until a throw: a `try_table` or legacy `try`
    // body is a region of code with a list of clauses, searched by the
    // executor when an exception is thrown inside it (see `ir::Region`).

    /// Opens a handler region at the current instruction; returns it.
    fn open_region(&mut self) -> u32 {
        let pc = self.pc();
        // Nothing before the region may be fused with what follows.
        self.last_def = None;
        self.label_at = self.label_at.max(pc);
        let r = self.regions.len() as u32;
        self.regions.push((
            Region {
                start: pc,
                end: pc,
                parent: self.cur_region,
                first: 0,
                len: 0,
            },
            Vec::new(),
        ));
        self.cur_region = r;
        r
    }

    /// Closes region `r` at the current instruction.
    fn close_region(&mut self, r: u32, outer: u32) {
        let pc = self.pc();
        self.regions[r as usize].0.end = pc;
        self.label_at = self.label_at.max(pc);
        self.last_def = None;
        self.cur_region = outer;
    }

    fn add_clause(&mut self, region: u32, c: Clause) -> u32 {
        let id = self.clauses.len() as u32;
        self.clauses.push(c);
        self.regions[region as usize].1.push(id);
        id
    }

    fn tag_slots(&self, tag: u32) -> u32 {
        let info = self.info;
        let t = info.tags[tag as usize];
        Tys::Many(info.types[t as usize].params()).slots()
    }

    fn tag_params(&self, tag: u32) -> Tys<'i> {
        let info: &'i ModuleInfo = self.info;
        let t = info.tags[tag as usize];
        Tys::Many(info.types[t as usize].params())
    }

    fn visit_try_table(&mut self, try_table: TryTable) -> Result<()> {
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let mut c = self.open(Kind::TryTable, try_table.ty);
        let region = self.open_region();
        c.region = region;
        // Catch labels are relative to the blocks around the try_table.
        for k in try_table.catches.iter() {
            let (tag, payload) = match k.kind {
                CatchKind::Catch | CatchKind::CatchRef => (k.tag, self.tag_slots(k.tag)),
                CatchKind::CatchAll | CatchKind::CatchAllRef => (ANY_TAG, 0),
            };
            let with_ref = matches!(k.kind, CatchKind::CatchRef | CatchKind::CatchAllRef);
            let idx = self.frame_index(k.label);
            let f = &self.ctrl[idx];
            let (values, target, ret) = match f.kind {
                Kind::Func => (0, 0, true),
                Kind::Loop => (f.base, f.label, false),
                _ => (f.base, NONE, false),
            };
            let id = self.add_clause(
                region,
                Clause {
                    tag,
                    values,
                    exn: if with_ref { values + payload } else { NO_REG },
                    target,
                    ret,
                },
            );
            let f = &mut self.ctrl[idx];
            if !matches!(f.kind, Kind::Func | Kind::Loop) {
                f.fixups.push(id);
                f.branched = true;
            }
        }
        self.ctrl.push(c);
        Ok(())
    }

    fn visit_try(&mut self, bt: BlockType) -> Result<()> {
        if !self.reachable {
            self.dead_depth += 1;
            return Ok(());
        }
        let mut c = self.open(Kind::Try, bt);
        c.region = self.open_region();
        self.ctrl.push(c);
        Ok(())
    }

    /// A legacy `catch` (`tag` = `Some`) or `catch_all`: ends the try body
    /// or the previous catch body, and starts a catch body.
    fn legacy_catch(&mut self, tag: Option<u32>) -> Result<()> {
        if self.dead_depth > 0 {
            return Ok(());
        }
        let idx = self.ctrl.len() - 1;
        if self.reachable {
            let n = self.bt_results(self.ctrl[idx].bt).as_slice().len();
            self.materialize_top(n);
            self.jump_to(idx);
        }
        if self.ctrl[idx].kind == Kind::Try {
            let (r, outer) = (self.ctrl[idx].region, self.ctrl[idx].outer_region);
            self.close_region(r, outer);
            // The exception's slot, one per nesting level of catch bodies.
            let level = self.ctrl.iter().filter(|c| c.kind == Kind::Catch).count() as u32;
            self.hidden = self.hidden.max(level + 1);
            let f = &mut self.ctrl[idx];
            f.kind = Kind::Catch;
            f.exn_slot = HIDDEN_BASE + level;
        }
        let f = &self.ctrl[idx];
        let (region, base, depth, exn) = (f.region, f.base, f.depth, f.exn_slot);
        let pc = self.pc();
        self.add_clause(
            region,
            Clause {
                tag: tag.unwrap_or(ANY_TAG),
                values: base,
                exn,
                target: pc,
                ret: false,
            },
        );
        self.truncate(depth);
        self.h = base;
        if let Some(t) = tag {
            let p = self.tag_params(t);
            self.push_tys(p);
        }
        self.reachable = true;
        self.start_fuel_block();
        // The catch body starts at a jump target.
        self.label_at = self.label_at.max(pc);
        Ok(())
    }

    fn visit_catch(&mut self, tag_index: u32) -> Result<()> {
        self.legacy_catch(Some(tag_index))
    }

    fn visit_catch_all(&mut self) -> Result<()> {
        self.legacy_catch(None)
    }

    fn visit_delegate(&mut self, relative_depth: u32) -> Result<()> {
        if self.dead_depth == 0 {
            // Exceptions from the try body go to the handlers active just
            // inside the target label (the try is still on top).
            let t = &self.ctrl[self.frame_index(relative_depth + 1)];
            let parent = match t.kind {
                Kind::Func => NO_REGION,
                Kind::Try | Kind::TryTable => t.region,
                _ => t.outer_region,
            };
            let r = self.ctrl.last().expect("validated").region;
            self.regions[r as usize].0.parent = parent;
        }
        self.visit_end()
    }

    fn visit_rethrow(&mut self, relative_depth: u32) -> Result<()> {
        let r = self.ctrl[self.frame_index(relative_depth)].exn_slot;
        self.emit(Instr::ThrowExn { r });
        self.reachable = false;
        Ok(())
    }

    fn visit_throw(&mut self, tag_index: u32) -> Result<()> {
        let n = self.tag_params(tag_index).as_slice().len();
        let r = self.pop_n(n);
        self.emit(Instr::ThrowTag { tag: tag_index, r });
        self.reachable = false;
        Ok(())
    }

    fn visit_throw_ref(&mut self) -> Result<()> {
        let r = self.pop();
        self.emit(Instr::ThrowExn { r });
        self.reachable = false;
        Ok(())
    }
}

/// A plain load or store of one slot, and its fused forms: with the add
/// of its address (`fused`: value or result slot, then the two addends)
/// and, for 4- and 8-byte accesses, with a shifted add (`scaled`: the
/// shift first).
#[derive(Clone, Copy)]
struct Access {
    plain: fn(Mem) -> Instr,
    fused: fn(Reg, Reg, Reg) -> Instr,
    scaled: Option<Scaled>,
}

/// A fused access with a scaled index (`Load32X`, ...), from the shift, the
/// value or result slot, the base and the index.
type Scaled = fn(u8, Reg, Reg, Reg) -> Instr;

impl Access {
    /// The fused access, given its value or result slot, for an address
    /// sum `r` whose second addend is shifted by `k` ([`Emitter::address_add`]);
    /// `None` when this access has no form for it.
    fn fuse(self, k: u8, r: R3) -> Option<impl Fn(Reg) -> Instr> {
        let scaled = if k == 0 { None } else { Some(self.scaled?) };
        Some(move |v| match scaled {
            Some(scaled) => scaled(k, v, r.a, r.b),
            None => (self.fused)(v, r.a, r.b),
        })
    }
}

macro_rules! access {
    ($name:ident, $plain:ident, $fused:ident) => {
        const $name: Access = Access {
            plain: Instr::$plain,
            fused: |v, a, b| Instr::$fused { v, a, b },
            scaled: None,
        };
    };
    ($name:ident, $plain:ident, $fused:ident, $scaled:ident) => {
        const $name: Access = Access {
            plain: Instr::$plain,
            fused: |v, a, b| Instr::$fused { v, a, b },
            scaled: Some(|k, v, a, b| Instr::$scaled { k, v, a, b }),
        };
    };
}

access!(LOAD8S32, Load8S32, Load8S32I);
access!(LOAD8U, Load8U, Load8UI);
access!(LOAD16S32, Load16S32, Load16S32I);
access!(LOAD16U, Load16U, Load16UI);
access!(LOAD32, Load32, Load32I, Load32X);
access!(LOAD64, Load64, Load64I, Load64X);
access!(STORE8, Store8, Store8I);
access!(STORE16, Store16, Store16I);
access!(STORE32, Store32, Store32I, Store32X);
access!(STORE64, Store64, Store64I, Store64X);

/// The translating visitor: emission of operators the validator accepted.
struct Translator<'i>(Emitter<'i>);

impl<'a> tern_validate::Translate<'a> for Translator<'_> {
    #[inline]
    fn at_offset(&mut self, offset: usize) {
        let Some(offsets) = &mut self.0.offsets else { return };
        let at = self.0.code.len() as u32;
        // Operators that emitted nothing (or whose instructions a later
        // one folded away) give way to this one, which starts there.
        while offsets.last().is_some_and(|l| l.0 >= at) {
            offsets.pop();
        }
        offsets.push((at, offset as u32));
    }
}

macro_rules! w {
    (i32) => {
        1u8
    };
    (i64) => {
        1u8
    };
    (f32) => {
        1u8
    };
    (f64) => {
        1u8
    };
    (v128) => {
        2u8
    };
}

macro_rules! translate_row {
    // GC operators: hand-written (`gc.rs`).
    ($s:ident, Gc, $name:ident, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => {
        if $s.0.reachable { $s.0.$visit($($f),*) } else { Ok(()) }
    };
    ($s:ident, $feat:ident, $name:ident, $visit:ident, $fs:tt, $imm:tt, $sig:tt) => {
        translate_row!($s, $name, $visit, $fs, $imm, $sig)
    };
    // Structured control is tracked even in unreachable code.
    ($s:ident, Block, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, Loop, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, If, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, Else, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, End, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, Try, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, Catch, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, CatchAll, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, Delegate, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    ($s:ident, TryTable, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => { $s.0.$visit($($f),*) };
    // A slot holds an i32 and an f32 (an i64 and an f64) with the same
    // bits: a reinterpretation leaves the operand as it is.
    ($s:ident, I32ReinterpretF32, $visit:ident, (), {}, $sig:tt) => { Ok(()) };
    ($s:ident, F32ReinterpretI32, $visit:ident, (), {}, $sig:tt) => { Ok(()) };
    ($s:ident, I64ReinterpretF64, $visit:ident, (), {}, $sig:tt) => { Ok(()) };
    ($s:ident, F64ReinterpretI64, $visit:ident, (), {}, $sig:tt) => { Ok(()) };
    // Plain operators: generated.
    ($s:ident, $name:ident, $visit:ident, (), {}, [$($p:ident)* -> $($r:ident)*]) => {{
        if $s.0.reachable {
            $s.0.plain(Instr::$name, &[$(w!($p)),*], &[$(w!($r)),*]);
        }
        Ok(())
    }};
    // Everything else: hand-written.
    ($s:ident, $name:ident, $visit:ident, ($($f:ident),*), $imm:tt, $sig:tt) => {
        if $s.0.reachable { $s.0.$visit($($f),*) } else { Ok(()) }
    };
}

macro_rules! define_translator {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        impl<'a> VisitOperator<'a> for Translator<'_> {
            type Output = Result<()>;
            $(
                #[inline]
                fn $visit(&mut self $(, $f: $t)*) -> Result<()> {
                    self.0.charge();
                    translate_row!(self, $feat, $name, $visit, ($($f),*), {$($f)*}, $sig)
                }
            )*
        }
    };
}

for_each_operator!(define_translator);

macro_rules! define_atomic_translation {
    ($( $visit:ident $name:ident $kind:ident $op:ident $ty:ident $bits:literal )*) => {
        impl Emitter<'_> {
            $(
                fn $visit(&mut self, m: MemArg) -> Result<()> {
                    let code = atomic_code(stringify!($visit));
                    let (n, result) = match stringify!($kind) {
                        "Load" => (1, true),
                        "Store" => (2, false),
                        "Rmw" => (2, true),
                        _ => (3, true),
                    };
                    self.atomic(code, m, n, result)
                }
            )*
        }
    };
}

/// The `0xfe` opcode of the atomic operator whose visit method is `visit`.
fn atomic_code(visit: &str) -> u32 {
    macro_rules! find {
        ($( $feat:ident $pre:literal $code:literal $name:ident $v:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
            $( if $pre == 0xfe && visit == stringify!($v) { return $code; } )*
        };
    }
    for_each_operator!(find);
    unreachable!("{visit} is a row of the operator table")
}

tern_binary::for_each_atomic_memop!(define_atomic_translation);
