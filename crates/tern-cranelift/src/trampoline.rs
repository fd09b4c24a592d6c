//! Trampolines between the host's array calling convention and compiled
//! code's native one, generated with Cranelift.
//!
//! * [`array_to_native`] (one per defined function): the function's
//!   [`tern_vm::vmctx::VMFuncRef::array_call`]. `extern "C" fn(callee_vmctx,
//!   caller_vmctx, values)`: loads the arguments from `values`, calls the
//!   function directly, stores the results back.
//! * [`native_to_foreign`] (one per type): `VMContext::foreign_trampolines`.
//!   Native signature of the type, with the callee's `*const VMFuncRef` as
//!   its first argument: spills the arguments to a stack array and calls the
//!   `CallForeign` libcall, then returns the results from the array.

use crate::translate::{NS_FUNC, NS_LIBCALL, clif_type, native_signature};
use cranelift_codegen::ir::{
    self, AbiParam, ExtFuncData, ExternalName, FuncRef, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, UserExternalName, UserFuncName, Value, types,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use tern_binary::{FuncType, ValType};
use tern_vm::slots_of;
use tern_vm::vmctx::Libcall;

/// Namespace of trampoline names (only used in their own `UserFuncName`s).
const NS_TRAMPOLINE: u32 = 2;

fn import(func: &mut ir::Function, ns: u32, index: u32, sig: Signature, colocated: bool) -> FuncRef {
    let sig = func.import_signature(sig);
    let name = func.declare_imported_user_function(UserExternalName::new(ns, index));
    func.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: sig,
        colocated,
        patchable: false,
    })
}

/// Loads a value of type `t` from its slot at `off`.
pub(crate) fn load_slot(b: &mut FunctionBuilder<'_>, t: ValType, base: Value, off: i32) -> Value {
    b.ins().load(clif_type(t), MemFlagsData::trusted(), base, off)
}

/// Stores `v` of type `t` into its slot(s) at `off`: numbers zero-extended
/// to 64 bits, `v128` as 16 bytes (low half first).
pub(crate) fn store_slot(b: &mut FunctionBuilder<'_>, t: ValType, v: Value, base: Value, off: i32) {
    let v = match t {
        ValType::I32 => b.ins().uextend(types::I64, v),
        ValType::F32 => {
            let i = b.ins().bitcast(types::I32, MemFlagsData::new(), v);
            b.ins().uextend(types::I64, i)
        }
        _ => v,
    };
    b.ins().store(MemFlagsData::trusted(), v, base, off);
}

/// The array-call entry of defined function `index` (absolute index) of
/// type `ty`.
pub(crate) fn array_to_native(
    ty: &FuncType,
    index: u32,
    isa: &dyn TargetIsa,
    fctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let mut func = array_function(isa, 3, index);
    let callee = import(&mut func, NS_FUNC, index, native_signature(ty, isa), true);
    build_array_call(func, ty, isa, fctx, |b, _, args| {
        let call = b.ins().call(callee, args);
        b.inst_results(call).to_vec()
    })
}

/// The indirect array-call entry of type `ty` (tiered modules):
/// `extern "C" fn(callee_vmctx, caller_vmctx, values, code)`, as
/// [`array_to_native`] but calling the native code at `code`, so that any
/// function of the type can be called from the host without an entry of
/// its own.
pub(crate) fn array_to_native_indirect(
    ty: &FuncType,
    isa: &dyn TargetIsa,
    fctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let mut func = array_function(isa, 4, u32::MAX - 1);
    let callee_sig = func.import_signature(native_signature(ty, isa));
    build_array_call(func, ty, isa, fctx, |b, p, args| {
        let call = b.ins().call_indirect(callee_sig, p[3], args);
        b.inst_results(call).to_vec()
    })
}

/// An array-call entry's function: `n` pointer parameters, the
/// host's calling convention.
fn array_function(isa: &dyn TargetIsa, n: usize, name: u32) -> ir::Function {
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params
        .extend(std::iter::repeat_n(AbiParam::new(isa.pointer_type()), n));
    ir::Function::with_name_signature(UserFuncName::user(NS_TRAMPOLINE, name), sig)
}

/// Fills an array-call entry: loads the arguments of type `ty` from
/// `values` (the third parameter), makes the call with `call` (given the
/// parameters and the arguments: callee and caller vmctx, then the
/// arguments), stores the results back.
fn build_array_call(
    mut func: ir::Function,
    ty: &FuncType,
    isa: &dyn TargetIsa,
    fctx: &mut FunctionBuilderContext,
    call: impl FnOnce(&mut FunctionBuilder<'_>, &[Value], &[Value]) -> Vec<Value>,
) -> ir::Function {
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let p = entry_block(&mut b);
    let values = p[2];
    let mut args = vec![p[0], p[1]];
    let mut off = 0i32;
    for &t in ty.params() {
        args.push(load_slot(&mut b, t, values, off));
        off += 8 * slots_of(t) as i32;
    }
    let results = call(&mut b, &p, &args);
    let mut off = 0i32;
    for (&t, v) in ty.results().iter().zip(results) {
        store_slot(&mut b, t, v, values, off);
        off += 8 * slots_of(t) as i32;
    }
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}

/// The signature of the `CallForeign` libcall.
/// The foreign trampoline of type `ty`.
/// For each type, the first type with the same machine signature (itself
/// when it is the first): trampolines and thunks depend only on that (a
/// reference of any type is one 64-bit word, as an `i64`), so a module
/// with many such types (types of GC structs and arrays among them, whose
/// function-type entry is empty) gets one of each per machine signature.
pub(crate) fn signature_reps(types: &[FuncType]) -> Vec<u32> {
    let machine = |t: &FuncType| {
        let word = |v: &ValType| match v {
            ValType::Ref(_) => ValType::I64,
            v => *v,
        };
        FuncType::new(t.params().iter().map(word), t.results().iter().map(word))
    };
    let mut first: std::collections::HashMap<FuncType, u32> = std::collections::HashMap::new();
    types
        .iter()
        .enumerate()
        .map(|(i, t)| *first.entry(machine(t)).or_insert(i as u32))
        .collect()
}

pub(crate) fn native_to_foreign(ty: &FuncType, isa: &dyn TargetIsa, fctx: &mut FunctionBuilderContext) -> ir::Function {
    let mut func =
        ir::Function::with_name_signature(UserFuncName::user(NS_TRAMPOLINE, u32::MAX), native_signature(ty, isa));
    let call_foreign = import(
        &mut func,
        NS_LIBCALL,
        Libcall::CallForeign as u32,
        crate::translate::libcall_signature(Libcall::CallForeign, isa),
        false,
    );
    let slots = tern_vm::slots_of_all(ty.params())
        .max(tern_vm::slots_of_all(ty.results()))
        .max(1);
    let ss = func.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, slots * 8, 4));
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let p = entry_block(&mut b);
    let (callee, caller) = (p[0], p[1]);
    let values = b.ins().stack_addr(isa.pointer_type(), ss, 0);
    let mut off = 0i32;
    for (&t, &v) in ty.params().iter().zip(&p[2..]) {
        store_slot(&mut b, t, v, values, off);
        off += 8 * slots_of(t) as i32;
    }
    // The exit registers, as every libcall call of compiled code leaves
    // them: a trap the foreign function raises names the wasm frames
    // below this trampoline.
    let ptr = isa.pointer_type();
    let store = b
        .ins()
        .load(ptr, MemFlagsData::trusted(), caller, tern_vm::vmctx::OFFSET_VMCTX_STORE);
    crate::translate::store_exit_regs(&mut b, store, ptr);
    b.ins().call(call_foreign, &[caller, callee, values]);
    let mut results = Vec::with_capacity(ty.results().len());
    let mut off = 0i32;
    for &t in ty.results() {
        results.push(load_slot(&mut b, t, values, off));
        off += 8 * slots_of(t) as i32;
    }
    b.ins().return_(&results);
    b.finalize(isa.frontend_config());
    func
}

/// Starts the function being built with its entry block (sealed: nothing
/// branches back to it) and returns the function's parameters.
fn entry_block(b: &mut FunctionBuilder) -> Vec<ir::Value> {
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    b.block_params(block).to_vec()
}
