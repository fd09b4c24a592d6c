//! Translation of the GC operators: each becomes one [`Instr::Gc`] whose
//! immediates are a [`GcOp`] in the function's side table. Operators with
//! several operands read them materialised in consecutive slots; the
//! result goes where the first operand was (or on top of the stack).

use super::{Cond, Emitter, Result};
use crate::gc::{Ext, FastAccess, GcOp};
use crate::ir::{Instr, Reg};
use tern_binary::{BrOnCast, HeapType, RefType, StorageType, ValType};

impl Emitter<'_> {
    fn gc_op(&mut self, a: Reg, d: Reg, op: GcOp) {
        let i = self.gc.len() as u32;
        let fast = match op {
            GcOp::StructGet { t, field, ext } => self.field_at(t, field).map(|(at, s)| FastAccess::get(at, s, ext)),
            GcOp::StructSet { t, field } => self.field_at(t, field).map(|(at, s)| FastAccess::set(at, s)),
            GcOp::ArrayGet { t, ext } => self.info.array_field(t).map(|f| FastAccess::array_get(f.storage, ext)),
            GcOp::ArraySet { t } => self.info.array_field(t).map(|f| FastAccess::array_set(f.storage)),
            GcOp::ArrayLen => Some(FastAccess::array_len()),
            GcOp::StructNew { t, default } => self.info.struct_fields(t).map(|f| {
                let storage: Vec<StorageType> = f.iter().map(|f| f.storage).collect();
                FastAccess::struct_new(t, &storage, default)
            }),
            _ => None,
        };
        self.gc.push(op);
        self.gc_fast.push(fast.unwrap_or(FastAccess::NONE));
        self.emit(Instr::Gc { a, d, op: i });
    }

    /// The first slot of field `field` of struct type `t`, and its storage
    /// type.
    fn field_at(&self, t: u32, field: u32) -> Option<(u32, StorageType)> {
        tern_vm::gc::field_slot(self.info.struct_fields(t)?, field)
    }

    /// Pops `n` operands materialised, pushes results of `widths`, emits.
    fn gc_n(&mut self, n: usize, widths: &[u8], op: GcOp) -> Result<()> {
        let a = self.pop_n(n);
        let d = self.h;
        for &w in widths {
            self.push(w);
        }
        self.gc_op(a, d, op);
        Ok(())
    }

    /// One operand (read where it is), one one-slot result.
    fn gc_unary(&mut self, op: GcOp) -> Result<()> {
        let a = self.pop();
        let d = self.push(1);
        self.gc_op(a, d, op);
        Ok(())
    }

    fn field_width(s: StorageType) -> u8 {
        if s == StorageType::Val(ValType::V128) { 2 } else { 1 }
    }

    pub(super) fn visit_struct_new(&mut self, t: u32) -> Result<()> {
        let n = self.info.struct_fields(t).map_or(0, |f| f.len());
        self.gc_n(n, &[1], GcOp::StructNew { t, default: false })
    }
    pub(super) fn visit_struct_new_default(&mut self, t: u32) -> Result<()> {
        self.gc_n(0, &[1], GcOp::StructNew { t, default: true })
    }
    fn struct_get(&mut self, t: u32, field: u32, ext: Ext) -> Result<()> {
        let s = self
            .info
            .struct_fields(t)
            .and_then(|f| f.get(field as usize))
            .map(|f| f.storage);
        let w = s.map_or(1, Self::field_width);
        let a = self.pop();
        let d = self.push(w);
        self.gc_op(a, d, GcOp::StructGet { t, field, ext });
        Ok(())
    }
    pub(super) fn visit_struct_get(&mut self, t: u32, field: u32) -> Result<()> {
        self.struct_get(t, field, Ext::None)
    }
    pub(super) fn visit_struct_get_s(&mut self, t: u32, field: u32) -> Result<()> {
        self.struct_get(t, field, Ext::S)
    }
    pub(super) fn visit_struct_get_u(&mut self, t: u32, field: u32) -> Result<()> {
        self.struct_get(t, field, Ext::U)
    }
    pub(super) fn visit_struct_set(&mut self, t: u32, field: u32) -> Result<()> {
        self.gc_n(2, &[], GcOp::StructSet { t, field })
    }

    pub(super) fn visit_array_new(&mut self, t: u32) -> Result<()> {
        self.gc_n(2, &[1], GcOp::ArrayNew { t })
    }
    pub(super) fn visit_array_new_default(&mut self, t: u32) -> Result<()> {
        self.gc_n(1, &[1], GcOp::ArrayNewDefault { t })
    }
    pub(super) fn visit_array_new_fixed(&mut self, t: u32, n: u32) -> Result<()> {
        self.gc_n(n as usize, &[1], GcOp::ArrayNewFixed { t, n })
    }
    pub(super) fn visit_array_new_data(&mut self, t: u32, seg: u32) -> Result<()> {
        self.gc_n(2, &[1], GcOp::ArrayNewData { t, seg })
    }
    pub(super) fn visit_array_new_elem(&mut self, t: u32, seg: u32) -> Result<()> {
        self.gc_n(2, &[1], GcOp::ArrayNewElem { t, seg })
    }
    fn array_get(&mut self, t: u32, ext: Ext) -> Result<()> {
        let w = self.info.array_field(t).map_or(1, |f| Self::field_width(f.storage));
        self.gc_n(2, &[w], GcOp::ArrayGet { t, ext })
    }
    pub(super) fn visit_array_get(&mut self, t: u32) -> Result<()> {
        self.array_get(t, Ext::None)
    }
    pub(super) fn visit_array_get_s(&mut self, t: u32) -> Result<()> {
        self.array_get(t, Ext::S)
    }
    pub(super) fn visit_array_get_u(&mut self, t: u32) -> Result<()> {
        self.array_get(t, Ext::U)
    }
    pub(super) fn visit_array_set(&mut self, t: u32) -> Result<()> {
        self.gc_n(3, &[], GcOp::ArraySet { t })
    }
    pub(super) fn visit_array_len(&mut self) -> Result<()> {
        self.gc_unary(GcOp::ArrayLen)
    }
    pub(super) fn visit_array_fill(&mut self, t: u32) -> Result<()> {
        self.gc_n(4, &[], GcOp::ArrayFill { t })
    }
    pub(super) fn visit_array_copy(&mut self, dt: u32, st: u32) -> Result<()> {
        self.gc_n(5, &[], GcOp::ArrayCopy { dt, st })
    }
    pub(super) fn visit_array_init_data(&mut self, t: u32, seg: u32) -> Result<()> {
        self.gc_n(4, &[], GcOp::ArrayInitData { t, seg })
    }
    pub(super) fn visit_array_init_elem(&mut self, t: u32, seg: u32) -> Result<()> {
        self.gc_n(4, &[], GcOp::ArrayInitElem { t, seg })
    }

    pub(super) fn visit_ref_test(&mut self, hty: HeapType) -> Result<()> {
        self.gc_unary(GcOp::RefTest {
            to: RefType {
                nullable: false,
                heap: hty,
            },
        })
    }
    pub(super) fn visit_ref_test_null(&mut self, hty: HeapType) -> Result<()> {
        self.gc_unary(GcOp::RefTest {
            to: RefType {
                nullable: true,
                heap: hty,
            },
        })
    }
    fn ref_cast(&mut self, to: RefType) -> Result<()> {
        self.gc_unary(GcOp::RefCast { to })
    }
    pub(super) fn visit_ref_cast(&mut self, hty: HeapType) -> Result<()> {
        self.ref_cast(RefType {
            nullable: false,
            heap: hty,
        })
    }
    pub(super) fn visit_ref_cast_null(&mut self, hty: HeapType) -> Result<()> {
        self.ref_cast(RefType {
            nullable: true,
            heap: hty,
        })
    }
    fn br_on_cast_common(&mut self, cast: BrOnCast, fail: bool) -> Result<()> {
        // The reference stays on the stack either way; the test's result
        // goes to the free slot above it.
        let r = self.stack.last().expect("the validator checked the operand stack").src;
        let tmp = self.push(1);
        self.pop();
        self.gc_op(r, tmp, GcOp::RefTest { to: cast.to });
        let c = if fail { Cond::Eqz(tmp) } else { Cond::Nez(tmp) };
        self.br_if_on(c, cast.relative_depth)
    }
    pub(super) fn visit_br_on_cast(&mut self, cast: BrOnCast) -> Result<()> {
        self.br_on_cast_common(cast, false)
    }
    pub(super) fn visit_br_on_cast_fail(&mut self, cast: BrOnCast) -> Result<()> {
        self.br_on_cast_common(cast, true)
    }
    pub(super) fn visit_any_convert_extern(&mut self) -> Result<()> {
        self.gc_unary(GcOp::AnyConvertExtern)
    }
    pub(super) fn visit_extern_convert_any(&mut self) -> Result<()> {
        self.gc_unary(GcOp::ExternConvertAny)
    }
    pub(super) fn visit_ref_i31(&mut self) -> Result<()> {
        self.gc_unary(GcOp::RefI31)
    }
    pub(super) fn visit_i31_get_s(&mut self) -> Result<()> {
        self.gc_unary(GcOp::I31Get { signed: true })
    }
    pub(super) fn visit_i31_get_u(&mut self) -> Result<()> {
        self.gc_unary(GcOp::I31Get { signed: false })
    }
    pub(super) fn visit_ref_eq(&mut self) -> Result<()> {
        self.gc_n(2, &[1], GcOp::RefEq)
    }
}
