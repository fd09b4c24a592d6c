//! Wasm function bodies → Cranelift IR.
//!
//! [`translate_function`] validates one function body and, operator by
//! operator in the same pass ([`tern_validate::validate_and_translate`]),
//! builds the Cranelift function with a [`FunctionBuilder`]. The
//! produced code follows the layout and calling convention of
//! [`tern_vm::vmctx`]:
//!
//! * signature `(callee_vmctx, caller_vmctx, params...) -> results`,
//!   `CallConv::Tail` ([`native_signature`]);
//! * direct calls to defined functions name `ExternalName::user(NS_FUNC,
//!   function index)` (colocated: a PC-relative call relocation); libcalls
//!   name `ExternalName::user(NS_LIBCALL, Libcall as u32)` with the ISA's
//!   default call convention (on x86-64 colocated: a PC-relative call to a
//!   stub that the linker places in the image; elsewhere an absolute
//!   8-byte relocation);
//! * explicit trap sites use the Cranelift trap codes that
//!   [`tern_trap_code`] maps to tern's [`tern_vm::TrapCode`]s.
//!
//! Locals are Cranelift variables; the operand stack is a stack of SSA
//! values; block parameters and results are Cranelift block parameters.
//! Code after an unconditional branch is validated but not translated.
//!
//! # What the generated code assumes of the runtime
//!
//! * `VMContext` fields, the arrays they point at, `funcs[i]` entries and
//!   the addresses of memories, tables and global cells never change while
//!   the instance lives (they are loaded `readonly` and may be hoisted).
//!   `VMContext::funcs` has an entry for *every* function, defined ones
//!   included (`ref.func` reads `func` there; [`translate_function`] calls
//!   through it).
//! * `VMContext::foreign_trampolines` points at an array with an entry for
//!   every type index: calls to imported functions, `call_indirect` and
//!   `call_ref` load the trampoline entry on a cold branch taken when the
//!   callee's `native_call` is null (a host or interpreted function).
//! * Memory and table lengths are pointer-sized (`usize`) at
//!   `OFFSET_MEMORY_LEN`/`OFFSET_TABLE_LEN`; table elements are `u64` raw
//!   references.
//! * With [`BoundsChecks::Guard`] a 32-bit memory's base never moves and
//!   lies at the start of a 4 GiB + 4 GiB + 64 KiB reservation; loads and
//!   stores carry `HEAP_OUT_OF_BOUNDS` trap records at the faulting
//!   instruction.
//! * The store's `stack_limit` is the lowest usable stack address
//!   (`func.stack_limit`, checked in the prologue of functions with a
//!   frame); `fuel` is decremented at loop back edges, calls and returns,
//!   and `out_of_fuel` is called when it went negative; `interrupt` is read
//!   with an atomic load at function entry and loop headers, and so is the
//!   engine's epoch, compared with the store's `epoch_deadline`.
//! * The ISA is built with `enable_multi_ret_implicit_sret` on: Wasm
//!   functions may return more values than there are return registers
//!   (Cranelift refuses to compile them otherwise).
//! * Relocations: `X86CallPCRel4` (or the ISA's near call) to `NS_FUNC`
//!   names, so defined functions must be placed within ±2 GiB of each
//!   other; on x86-64 the same to `NS_LIBCALL` names (resolved to the
//!   symbol stubs), elsewhere `Abs8` (or the ISA's absolute form).

mod func;
mod gc;
mod simd;

use cranelift_codegen::ir::{self, AbiParam, ArgumentPurpose, Signature, types};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::FunctionBuilderContext;
use tern_binary::{FuncBody, FuncType, ValType};
use tern_validate::ModuleInfo;

#[cfg(doc)]
use cranelift_frontend::FunctionBuilder;

/// How linear-memory accesses are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BoundsChecks {
    /// No check for 32-bit memories: the memory is a reservation of 4 GiB
    /// plus a 4 GiB + 64 KiB guard, so a fault is an out-of-bounds access.
    /// The base address never changes. (64-bit memories are always checked
    /// explicitly.)
    #[default]
    Guard,
    /// Every access compares `index + offset + size` with the current byte
    /// length and traps; base and length are reloaded after anything that
    /// may grow the memory.
    Explicit,
}

/// Options of the translation (the default: guard pages, no fuel, no
/// interrupt checks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TranslateConfig {
    pub bounds_checks: BoundsChecks,
    /// Charge fuel (`VMStoreContext::fuel`) for the operators executed.
    pub fuel: bool,
    /// Check the interrupt flag at function entries and loop headers.
    pub interrupts: bool,
    /// Compare the engine's epoch (`VMStoreContext::epoch`, an atomic load)
    /// with `VMStoreContext::epoch_deadline` at function entries and loop
    /// headers, calling `epoch_deadline` when it was reached.
    pub epochs: bool,
    /// Relaxed SIMD operators get the spec's deterministic behaviour
    /// instead of the x86-64 one (see `translate/simd.rs`).
    pub relaxed_simd_deterministic: bool,
    /// Mark each instruction with the module offset of its Wasm operator
    /// (Cranelift source locations). They do not change the code; they
    /// are asked for only when a backtrace's positions are resolved.
    pub source_locations: bool,
}

/// External-name namespace of direct calls: the index is a Wasm function
/// index (always a *defined* function; the callee gets the caller's vmctx
/// as both its vmctx arguments).
pub const NS_FUNC: u32 = 0;
/// External-name namespace of libcalls: the index is
/// `tern_vm::vmctx::Libcall as u32`.
pub const NS_LIBCALL: u32 = 1;

/// Why a function could not be translated.
#[derive(Clone, Debug)]
pub struct TranslateError(ErrorKind);

#[derive(Clone, Debug)]
enum ErrorKind {
    Invalid(tern_binary::BinaryError),
    Unsupported(String),
}

impl TranslateError {
    pub(crate) fn unsupported(what: impl Into<String>) -> Self {
        TranslateError(ErrorKind::Unsupported(what.into()))
    }

    /// Whether the body is valid but uses something this tier does not
    /// translate (e.g. a 64-bit table in a bulk table operator).
    pub fn is_unsupported(&self) -> bool {
        matches!(self.0, ErrorKind::Unsupported(_))
    }

    /// The validation error, when the body is invalid.
    pub fn validation_error(&self) -> Option<&tern_binary::BinaryError> {
        match &self.0 {
            ErrorKind::Invalid(e) => Some(e),
            ErrorKind::Unsupported(_) => None,
        }
    }
}

impl std::fmt::Display for TranslateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            ErrorKind::Invalid(e) => write!(f, "{e}"),
            ErrorKind::Unsupported(m) => write!(f, "unsupported: {m}"),
        }
    }
}

impl std::error::Error for TranslateError {}

impl From<tern_binary::BinaryError> for TranslateError {
    fn from(e: tern_binary::BinaryError) -> Self {
        TranslateError(ErrorKind::Invalid(e))
    }
}

/// The Cranelift type of a Wasm value type (`v128` is `i8x16`, references
/// are raw `i64` references).
pub fn clif_type(t: ValType) -> ir::Type {
    match t {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::Ref(_) => types::I64,
    }
}

/// Native signature of a Wasm function type: `(callee vmctx, caller vmctx,
/// params...) -> results` with `CallConv::Tail`. The first parameter has
/// the `VMContext` purpose.
pub fn native_signature(ty: &FuncType, isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::special(ptr, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(ptr));
    sig.params
        .extend(ty.params().iter().map(|&t| AbiParam::new(clif_type(t))));
    sig.returns
        .extend(ty.results().iter().map(|&t| AbiParam::new(clif_type(t))));
    sig
}

/// The Cranelift signature of a libcall as the generated code calls it:
/// `vmctx` and the arguments of its row of [`tern_vm::for_each_libcall!`],
/// with the ISA's default call convention.
pub fn libcall_signature(lc: tern_vm::vmctx::Libcall, isa: &dyn TargetIsa) -> Signature {
    use tern_vm::vmctx::AbiType;
    let ptr = isa.pointer_type();
    let clif = |t: AbiType| {
        AbiParam::new(match t {
            AbiType::I32 => types::I32,
            AbiType::I64 => types::I64,
            AbiType::Pointer => ptr,
        })
    };
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(ptr));
    sig.params.extend(lc.params().iter().map(|&t| clif(t)));
    sig.returns.extend(lc.result().map(clif));
    sig
}

/// Validates and translates defined function `func_index` (absolute index,
/// imports first) of the module described by `info`. Calls to functions at
/// or above `num_imported_funcs` are direct calls named
/// `ExternalName::user(NS_FUNC, index)`; calls to imports go through
/// `VMContext::funcs`.
pub fn translate_function_with_imports(
    info: &ModuleInfo,
    num_imported_funcs: u32,
    func_index: u32,
    body: &FuncBody<'_>,
    config: &TranslateConfig,
    isa: &dyn TargetIsa,
    fctx: &mut FunctionBuilderContext,
) -> Result<ir::Function, TranslateError> {
    func::translate_at(info, num_imported_funcs, func_index, body, config, isa, fctx, None)
}

/// The signature of an on-stack-replacement entry of a function of type
/// `ty` (see [`translate_osr`]): `(vmctx, caller, state)` returning the
/// function's results, in compiled code's calling convention.
pub fn osr_signature(ty: &FuncType, isa: &dyn TargetIsa) -> Signature {
    let mut sig = native_signature(ty, isa);
    sig.params.truncate(2);
    sig.params.push(AbiParam::new(isa.pointer_type()));
    sig
}

/// As [`translate_function_with_imports`], but the function made is the
/// function's on-stack-replacement entry at loop `osr_loop` (the index of
/// its `loop` among the body's, reachable or not, in order): it has
/// [`osr_signature`]; the state it is given holds the loop's index (8
/// bytes), then the function's locals, then the loop's parameters (8
/// bytes per value, 16 per `v128`, as the interpreter's slots hold them),
/// and it continues at the loop's header (another index traps). The loop
/// must be reachable with nothing on the operand stack below its
/// parameters; otherwise an error.
#[allow(clippy::too_many_arguments)]
pub fn translate_osr(
    info: &ModuleInfo,
    num_imported_funcs: u32,
    func_index: u32,
    body: &FuncBody<'_>,
    config: &TranslateConfig,
    isa: &dyn TargetIsa,
    fctx: &mut FunctionBuilderContext,
    osr_loop: u32,
) -> Result<ir::Function, TranslateError> {
    func::translate_at(
        info,
        num_imported_funcs,
        func_index,
        body,
        config,
        isa,
        fctx,
        Some(osr_loop),
    )
}

/// User trap codes of this tier (Cranelift's own codes cover the rest).
pub mod trap_codes {
    use cranelift_codegen::ir::TrapCode;
    /// `unreachable`.
    pub const UNREACHABLE: TrapCode = TrapCode::unwrap_user(1);
    /// Table access out of bounds.
    pub const TABLE_OUT_OF_BOUNDS: TrapCode = TrapCode::unwrap_user(2);
    /// `call_indirect` index beyond the table.
    pub const UNDEFINED_ELEMENT: TrapCode = TrapCode::unwrap_user(3);
    /// `call_indirect` through a null entry.
    pub const UNINITIALIZED_ELEMENT: TrapCode = TrapCode::unwrap_user(4);
    /// `call_indirect` signature mismatch.
    pub const INDIRECT_CALL_TYPE_MISMATCH: TrapCode = TrapCode::unwrap_user(5);
    /// Null reference dereferenced.
    pub const NULL_REFERENCE: TrapCode = TrapCode::unwrap_user(6);
    /// Fuel exhausted.
    pub const OUT_OF_FUEL: TrapCode = TrapCode::unwrap_user(7);
    /// `call_ref` of a null function reference.
    pub const NULL_FUNCTION_REFERENCE: TrapCode = TrapCode::unwrap_user(8);
    /// A misaligned atomic access.
    pub const UNALIGNED_ATOMIC: TrapCode = TrapCode::unwrap_user(9);
    /// `i31.get_s/u` of null.
    pub const NULL_I31_REFERENCE: TrapCode = TrapCode::unwrap_user(10);
}

/// Maps a Cranelift trap code found in code produced here to tern's
/// [`tern_vm::TrapCode`]; `None` for codes this tier never emits.
pub fn tern_trap_code(code: ir::TrapCode) -> Option<tern_vm::TrapCode> {
    use tern_vm::TrapCode as T;
    Some(match code {
        ir::TrapCode::HEAP_OUT_OF_BOUNDS => T::MemoryOutOfBounds,
        ir::TrapCode::INTEGER_DIVISION_BY_ZERO => T::IntegerDivideByZero,
        ir::TrapCode::INTEGER_OVERFLOW => T::IntegerOverflow,
        ir::TrapCode::BAD_CONVERSION_TO_INTEGER => T::InvalidConversionToInteger,
        ir::TrapCode::STACK_OVERFLOW => T::StackOverflow,
        trap_codes::UNREACHABLE => T::Unreachable,
        trap_codes::TABLE_OUT_OF_BOUNDS => T::TableOutOfBounds,
        trap_codes::UNDEFINED_ELEMENT => T::UndefinedElement,
        trap_codes::UNINITIALIZED_ELEMENT => T::UninitializedElement,
        trap_codes::INDIRECT_CALL_TYPE_MISMATCH => T::IndirectCallTypeMismatch,
        trap_codes::NULL_REFERENCE => T::NullReference,
        trap_codes::OUT_OF_FUEL => T::OutOfFuel,
        trap_codes::NULL_FUNCTION_REFERENCE => T::NullFunctionReference,
        trap_codes::UNALIGNED_ATOMIC => T::UnalignedAtomic,
        trap_codes::NULL_I31_REFERENCE => T::NullI31Reference,
        _ => return None,
    })
}

/// Stores the current frame and stack pointers in the store context's exit
/// registers (`tern_vm::signals::ExitRegs`), right before a libcall call:
/// a trap the libcall raises then records the compiled frames below it.
pub(crate) fn store_exit_regs(b: &mut cranelift_frontend::FunctionBuilder<'_>, store: ir::Value, ptr: ir::Type) {
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData};
    let fp = b.ins().get_frame_pointer(ptr);
    let sp = b.ins().get_stack_pointer(ptr);
    b.ins()
        .store(MemFlagsData::trusted(), fp, store, tern_vm::vmctx::OFFSET_STORE_EXIT_FP);
    b.ins()
        .store(MemFlagsData::trusted(), sp, store, tern_vm::vmctx::OFFSET_STORE_EXIT_SP);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_codes_map_to_the_spec_messages() {
        let cases = [
            (ir::TrapCode::HEAP_OUT_OF_BOUNDS, "out of bounds memory access"),
            (ir::TrapCode::INTEGER_DIVISION_BY_ZERO, "integer divide by zero"),
            (ir::TrapCode::INTEGER_OVERFLOW, "integer overflow"),
            (ir::TrapCode::BAD_CONVERSION_TO_INTEGER, "invalid conversion to integer"),
            (ir::TrapCode::STACK_OVERFLOW, "call stack exhausted"),
            (trap_codes::UNREACHABLE, "unreachable"),
            (trap_codes::TABLE_OUT_OF_BOUNDS, "out of bounds table access"),
            (trap_codes::UNDEFINED_ELEMENT, "undefined element"),
            (trap_codes::UNINITIALIZED_ELEMENT, "uninitialized element"),
            (trap_codes::INDIRECT_CALL_TYPE_MISMATCH, "indirect call type mismatch"),
            (trap_codes::NULL_REFERENCE, "null reference"),
            (trap_codes::OUT_OF_FUEL, "all fuel consumed"),
            (trap_codes::NULL_FUNCTION_REFERENCE, "null function reference"),
        ];
        for (code, msg) in cases {
            assert_eq!(tern_trap_code(code).map(|c| c.message()), Some(msg), "{code}");
        }
        assert_eq!(tern_trap_code(ir::TrapCode::unwrap_user(200)), None);
    }

    #[test]
    fn errors_display() {
        let e = TranslateError::unsupported("exception handling");
        assert!(e.is_unsupported());
        assert_eq!(e.to_string(), "unsupported: exception handling");
        let e: TranslateError = tern_binary::BinaryError::new("type mismatch", 0x1a).into();
        assert!(!e.is_unsupported());
        assert!(e.to_string().contains("type mismatch"), "{e}");
    }
}
