//! The GC operators in compiled code.
//!
//! Most go to the runtime: the operands are stored in a slot array on the
//! frame's stack, [`Libcall::GcOp`] runs the operator's shared semantics
//! (`tern_vm::gc_ops`, the interpreter's code) with the operator encoded
//! in two immediates, and the results are loaded back. References are
//! raw `u64`s (`tern_vm::gc`'s encoding) in `i64` values; the collector
//! finds those a compiled frame keeps across a call by scanning the
//! machine stack and the callee-saved registers, so nothing here reports
//! them. The operators that neither allocate nor read an object are
//! inline: `ref.eq`, `ref.i31`, `i31.get_s/u` and `any.convert_extern`.

use super::func::Translator;
use super::trap_codes;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value};
use tern_binary::{HeapType, Operator, RefType, StorageType, ValType};
use tern_vm::gc_ops::{Ext, GcOp};
use tern_vm::vmctx::Libcall;

/// The type a field or element of storage type `s` is read as.
fn unpacked(s: StorageType) -> ValType {
    match s {
        StorageType::Val(t) => t,
        StorageType::I8 | StorageType::I16 => ValType::I32,
    }
}

impl Translator<'_, '_> {
    /// Translates GC operator `op`; `false` when `op` is not one.
    pub(super) fn gc_op(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        let info = self.info;
        let field = |t: u32, f: u32| {
            info.struct_fields(t)
                .and_then(|fs| fs.get(f as usize))
                .map_or(ValType::I32, |f| unpacked(f.storage))
        };
        let elem = |t: u32| info.array_field(t).map_or(ValType::I32, |f| unpacked(f.storage));
        let ref_ = ValType::Ref(RefType {
            nullable: true,
            heap: HeapType::Any,
        });
        match *op {
            O::StructNew { struct_type_index: t } => {
                let n = info.struct_fields(t).map_or(0, |f| f.len());
                self.runtime(n, &[ref_], GcOp::StructNew { t, default: false });
            }
            O::StructNewDefault { struct_type_index: t } => {
                self.runtime(0, &[ref_], GcOp::StructNew { t, default: true });
            }
            O::StructGet {
                struct_type_index: t,
                field_index: f,
            } => self.struct_get(t, f, Ext::None, field(t, f)),
            O::StructGetS {
                struct_type_index: t,
                field_index: f,
            } => self.struct_get(t, f, Ext::S, ValType::I32),
            O::StructGetU {
                struct_type_index: t,
                field_index: f,
            } => self.struct_get(t, f, Ext::U, ValType::I32),
            O::StructSet {
                struct_type_index: t,
                field_index: f,
            } => self.runtime(2, &[], GcOp::StructSet { t, field: f }),
            O::ArrayNew { array_type_index: t } => self.runtime(2, &[ref_], GcOp::ArrayNew { t }),
            O::ArrayNewDefault { array_type_index: t } => self.runtime(1, &[ref_], GcOp::ArrayNewDefault { t }),
            O::ArrayNewFixed {
                array_type_index: t,
                array_size: n,
            } => self.runtime(n as usize, &[ref_], GcOp::ArrayNewFixed { t, n }),
            O::ArrayNewData {
                array_type_index: t,
                array_data_index: seg,
            } => self.runtime(2, &[ref_], GcOp::ArrayNewData { t, seg }),
            O::ArrayNewElem {
                array_type_index: t,
                array_elem_index: seg,
            } => self.runtime(2, &[ref_], GcOp::ArrayNewElem { t, seg }),
            O::ArrayGet { array_type_index: t } => self.runtime(2, &[elem(t)], GcOp::ArrayGet { t, ext: Ext::None }),
            O::ArrayGetS { array_type_index: t } => self.runtime(2, &[ValType::I32], GcOp::ArrayGet { t, ext: Ext::S }),
            O::ArrayGetU { array_type_index: t } => self.runtime(2, &[ValType::I32], GcOp::ArrayGet { t, ext: Ext::U }),
            O::ArraySet { array_type_index: t } => self.runtime(3, &[], GcOp::ArraySet { t }),
            O::ArrayLen {} => self.runtime(1, &[ValType::I32], GcOp::ArrayLen),
            O::ArrayFill { array_type_index: t } => self.runtime(4, &[], GcOp::ArrayFill { t }),
            O::ArrayCopy {
                dst_array_type_index: dt,
                src_array_type_index: st,
            } => self.runtime(5, &[], GcOp::ArrayCopy { dt, st }),
            O::ArrayInitData {
                array_type_index: t,
                array_data_index: seg,
            } => self.runtime(4, &[], GcOp::ArrayInitData { t, seg }),
            O::ArrayInitElem {
                array_type_index: t,
                array_elem_index: seg,
            } => self.runtime(4, &[], GcOp::ArrayInitElem { t, seg }),
            O::RefTest { cast_hty } => self.ref_test(cast_hty, false),
            O::RefTestNull { cast_null_hty } => self.ref_test(cast_null_hty, true),
            O::RefCast { cast_hty } => self.runtime(
                1,
                &[ref_],
                GcOp::RefCast {
                    to: RefType {
                        nullable: false,
                        heap: cast_hty,
                    },
                },
            ),
            O::RefCastNull { cast_null_hty } => self.runtime(
                1,
                &[ref_],
                GcOp::RefCast {
                    to: RefType {
                        nullable: true,
                        heap: cast_null_hty,
                    },
                },
            ),
            O::BrOnCast { cast } | O::BrOnCastFail { cast } => {
                let fail = matches!(op, O::BrOnCastFail { .. });
                // The reference stays on the stack whichever way it goes.
                let r = *self.stack.last().expect("validated: operand present");
                self.push(r);
                self.runtime(1, &[ValType::I32], GcOp::RefTest { to: cast.to });
                if fail {
                    let c = self.pop();
                    let z = self.b.ins().icmp_imm_u(IntCC::Equal, c, 0);
                    let z = self.b.ins().uextend(I32, z);
                    self.push(z);
                }
                self.visit_br_if(cast.relative_depth);
            }
            O::AnyConvertExtern {} => {
                // 0 stays 0; an external `any` loses its mark; a host
                // value's index is shifted and tagged `..10`.
                let e = self.pop();
                let mark = self.b.ins().iconst(I64, tern_vm::gc::EXTERN_ANY as i64);
                let unmarked = self.b.ins().band_not(e, mark);
                let shifted = self.b.ins().ishl_imm_u(e, 2);
                let tagged = self.b.ins().bor_imm_u(shifted, 2);
                let is_any = self.b.ins().band(e, mark);
                let r = self.b.ins().select(is_any, unmarked, tagged);
                let zero = self.b.ins().iconst(I64, 0);
                let r = self.b.ins().select(e, r, zero);
                self.push(r);
            }
            O::ExternConvertAny {} => self.runtime(1, &[ref_], GcOp::ExternConvertAny),
            O::RefI31 {} => {
                let v = self.pop();
                let v = self.b.ins().uextend(I64, v);
                let v = self.b.ins().ishl_imm_u(v, 1);
                let v = self.b.ins().band_imm_u(v, 0xffff_fffe);
                let r = self.b.ins().bor_imm_u(v, 1);
                self.push(r);
            }
            O::I31GetS {} | O::I31GetU {} => {
                let r = self.pop();
                self.b.ins().trapz(r, trap_codes::NULL_I31_REFERENCE);
                let v = self.b.ins().ireduce(I32, r);
                let v = if matches!(op, O::I31GetS {}) {
                    self.b.ins().sshr_imm_u(v, 1)
                } else {
                    self.b.ins().ushr_imm_u(v, 1)
                };
                self.push(v);
            }
            O::RefEq {} => {
                let (a, b) = self.pop2();
                let c = self.b.ins().icmp(IntCC::Equal, a, b);
                let c = self.b.ins().uextend(I32, c);
                self.push(c);
            }
            _ => return false,
        }
        true
    }

    fn struct_get(&mut self, t: u32, field: u32, ext: Ext, ty: ValType) {
        self.runtime(1, &[ty], GcOp::StructGet { t, field, ext });
    }

    fn ref_test(&mut self, heap: HeapType, nullable: bool) {
        self.runtime(
            1,
            &[ValType::I32],
            GcOp::RefTest {
                to: RefType { nullable, heap },
            },
        );
    }

    /// Runs `op` in the runtime: pops `n` operands into a slot array,
    /// calls [`Libcall::GcOp`], pushes the results of types `results` read
    /// back from the array.
    fn runtime(&mut self, n: usize, results: &[ValType], op: GcOp) {
        let len = self.stack.len();
        let args: Vec<Value> = self.stack.drain(len - n..).collect();
        let in_slots: u32 = args
            .iter()
            .map(|&v| if self.ty_of(v).is_vector() { 2 } else { 1 })
            .sum();
        let out_slots = tern_vm::slots_of_all(results);
        let arr = self.slot_array(in_slots.max(out_slots));
        let mut off = 0;
        for v in args {
            let ty: Type = self.ty_of(v);
            let v = match ty {
                I32 => self.b.ins().uextend(I64, v),
                F32 => {
                    let i = self.b.ins().bitcast(I32, MemFlagsData::new(), v);
                    self.b.ins().uextend(I64, i)
                }
                _ => v,
            };
            self.b.ins().store(MemFlagsData::trusted(), v, arr, off);
            off += if ty.is_vector() { 16 } else { 8 };
        }
        let (x, y) = op.encode();
        let x = self.iconst64(x as i64);
        let y = self.iconst64(y as i64);
        self.call_libcall(Libcall::GcOp, &[x, y, arr]);
        let mut off = 0;
        for &t in results {
            let v = crate::trampoline::load_slot(&mut self.b, t, arr, off);
            self.push(v);
            off += 8 * tern_vm::slots_of(t) as i32;
        }
    }
}
