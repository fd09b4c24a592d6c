//! The GC operators in compiled code.
//!
//! Most go to the runtime: the operands are stored in a slot array on the
//! frame's stack, [`Libcall::GcOp`] runs the operator's shared semantics
//! (`tern_vm::gc_ops`, the interpreter's code) with the operator encoded
//! in two immediates, and the results are loaded back. Field and element
//! accesses and `array.len` are inline, with the libcall as their cold
//! path (see "inline accesses" below). References are
//! raw `u64`s (`tern_vm::gc`'s encoding) in `i64` values; the collector
//! finds those a compiled frame keeps across a call by scanning the
//! machine stack and the callee-saved registers, so nothing here reports
//! them. The operators that neither allocate nor read an object are
//! inline: `ref.eq`, `ref.i31`, `i31.get_s/u` and `any.convert_extern`.

use super::func::{Translator, ro, rw};
use super::{clif_type, trap_codes};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Type, Value};
use tern_binary::{HeapType, Operator, RefType, StorageType, ValType};
use tern_vm::gc as gcv;
use tern_vm::gc_ops::{Ext, GcOp};
use tern_vm::vmctx as abi;
use tern_vm::vmctx::Libcall;

impl Translator<'_, '_> {
    /// Translates GC operator `op`; `false` when `op` is not one.
    pub(super) fn gc_op(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        let info = self.info;
        let field = |t: u32, f: u32| {
            info.struct_fields(t)
                .and_then(|fs| fs.get(f as usize))
                .map_or(ValType::I32, |f| f.storage.unpacked())
        };
        let elem = |t: u32| info.array_field(t).map_or(ValType::I32, |f| f.storage.unpacked());
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
            } => self.struct_set(t, f),
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
            O::ArrayGet { array_type_index: t } => self.array_get(t, Ext::None, elem(t)),
            O::ArrayGetS { array_type_index: t } => self.array_get(t, Ext::S, ValType::I32),
            O::ArrayGetU { array_type_index: t } => self.array_get(t, Ext::U, ValType::I32),
            O::ArraySet { array_type_index: t } => self.array_set(t),
            O::ArrayLen {} => self.array_len(),
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
        for v in self.runtime_call(&args, results, op) {
            self.push(v);
        }
    }

    /// Calls [`Libcall::GcOp`] for `op` with operands `args`; its results,
    /// of types `results`.
    fn runtime_call(&mut self, args: &[Value], results: &[ValType], op: GcOp) -> Vec<Value> {
        let in_slots: u32 = args
            .iter()
            .map(|&v| if self.ty_of(v).is_vector() { 2 } else { 1 })
            .sum();
        let out_slots = tern_vm::slots_of_all(results);
        let arr = self.slot_array(in_slots.max(out_slots));
        let mut off = 0;
        for &v in args {
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
        let mut out = Vec::with_capacity(results.len());
        for &t in results {
            out.push(crate::trampoline::load_slot(&mut self.b, t, arr, off));
            off += 8 * tern_vm::slots_of(t) as i32;
        }
        // The collector scans the frame conservatively: references left in
        // the array would keep their objects alive (a tree's last nodes,
        // say) until the next runtime call overwrites them.
        let zero = self.iconst64(0);
        for k in 0..in_slots.max(out_slots) {
            self.b.ins().store(MemFlagsData::trusted(), zero, arr, 8 * k as i32);
        }
        out
    }

    // ---- inline accesses ----
    //
    // `struct.get/set`, `array.get/set` and `array.len` of fields and
    // elements other than `v128` read the object through the heap's view
    // (`tern_vm::gc::GcView`) and check what they rely on: a non-null
    // reference, a slot inside the view, and an entry of the right form
    // (a struct with the field's slots, or an array of the element size
    // with the index below its length). Anything else, the traps included,
    // goes to the cold path: the libcall, which does the same checks and
    // reports what failed.

    /// Branches to `slow` unless `raw` names a slot of the view; returns
    /// that slot's payload address and meta word.
    fn view_entry(&mut self, raw: Value, slow: Block) -> (Value, Value) {
        self.continue_unless(raw, slow, true);
        let idx = self.b.ins().ushr_imm_u(raw, 2);
        let idx = self.b.ins().iadd_imm_s(idx, -1);
        let store = self.store_ptr();
        let view = self.b.ins().load(I64, ro(), store, abi::OFFSET_STORE_GC_VIEW);
        let len = self.b.ins().load(I64, rw(), view, gcv::VIEW_LEN);
        let outside = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, idx, len);
        self.continue_unless(outside, slow, false);
        let base = self.b.ins().load(I64, rw(), view, gcv::VIEW_BASE);
        let off = self.b.ins().ishl_imm_u(idx, gcv::ENTRY_SHIFT);
        let entry = self.b.ins().iadd(base, off);
        let ptr = self.b.ins().load(I64, rw(), entry, gcv::ENTRY_PTR);
        let meta = self.b.ins().load(I64, rw(), entry, gcv::ENTRY_META);
        (ptr, meta)
    }

    /// Goes on in a new block when `cond` is zero (`nonzero`: when it is
    /// not), else to `slow`.
    fn continue_unless(&mut self, cond: Value, slow: Block, nonzero: bool) {
        let next = self.b.create_block();
        if nonzero {
            self.b.ins().brif(cond, next, &[], slow, &[]);
        } else {
            self.b.ins().brif(cond, slow, &[], next, &[]);
        }
        self.b.seal_block(next);
        self.b.switch_to_block(next);
    }

    /// Branches to `slow` unless `meta` is a struct's with more than `at`
    /// slots.
    fn check_struct(&mut self, meta: Value, at: u32, slow: Block) {
        // meta - (at + 1) wraps above the bound when meta <= at, and lands
        // above it when meta is an array's (>= 2^32).
        let need = at as i64 + 1;
        let d = self.b.ins().iadd_imm_s(meta, -need);
        let bad = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThan, d, 0xffff_ffff - need);
        self.continue_unless(bad, slow, false);
    }

    /// The address of element `i` (an i32) of an array whose entry is
    /// `(ptr, meta)`, with elements of `e` bytes; branches to `slow` unless
    /// the entry is such an array's and `i` is below its length.
    fn check_elem(&mut self, ptr: Value, meta: Value, i: Value, e: u32, slow: Block) -> Value {
        let len = self.b.ins().bxor_imm_u(meta, (e as i64) << 32);
        let i = self.b.ins().uextend(I64, i);
        // A wrong kind leaves bits above 32 in `len`: `i` is below it only
        // when it is the length.
        let bad = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
        let bad2 = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, len, 0xffff_ffff);
        let bad = self.b.ins().bor(bad, bad2);
        self.continue_unless(bad, slow, false);
        let off = if e == 1 {
            i
        } else {
            self.b.ins().imul_imm_u(i, e as i64)
        };
        self.b.ins().iadd(ptr, off)
    }

    /// Sets up the cold block of an inline access and the block it joins,
    /// with parameters `results`.
    fn access_blocks(&mut self, results: &[Type]) -> (Block, Block) {
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let join = self.b.create_block();
        for &t in results {
            self.b.append_block_param(join, t);
        }
        (slow, join)
    }

    /// Ends an inline access: the fast path jumps to `join` with
    /// `fast_results`; the cold block calls the runtime for `op` with
    /// `args` and jumps there with its results; the results are pushed.
    fn finish_access(
        &mut self,
        slow: Block,
        join: Block,
        fast_results: &[Value],
        args: &[Value],
        results: &[ValType],
        op: GcOp,
    ) {
        let fast: Vec<BlockArg> = fast_results.iter().map(|&v| BlockArg::Value(v)).collect();
        self.b.ins().jump(join, &fast);
        self.b.seal_block(slow);
        self.b.switch_to_block(slow);
        let r = self.runtime_call(args, results, op);
        let r: Vec<BlockArg> = r.into_iter().map(BlockArg::Value).collect();
        self.b.ins().jump(join, &r);
        self.b.seal_block(join);
        self.b.switch_to_block(join);
        for i in 0..results.len() {
            let v = self.b.block_params(join)[i];
            self.push(v);
        }
    }

    fn struct_get(&mut self, t: u32, field: u32, ext: Ext, ty: ValType) {
        let op = GcOp::StructGet { t, field, ext };
        let Some((s, at)) = self.field_slot(t, field) else {
            return self.runtime(1, &[ty], op);
        };
        let raw = self.pop();
        let (slow, join) = self.access_blocks(&[clif_type(ty)]);
        let (ptr, meta) = self.view_entry(raw, slow);
        self.check_struct(meta, at, slow);
        let v = self.load_storage(s, ext, ptr, at as i32 * 8);
        self.finish_access(slow, join, &[v], &[raw], &[ty], op);
    }

    fn struct_set(&mut self, t: u32, field: u32) {
        let op = GcOp::StructSet { t, field };
        let Some((s, at)) = self.field_slot(t, field) else {
            return self.runtime(2, &[], op);
        };
        let (raw, v) = self.pop2();
        let (slow, join) = self.access_blocks(&[]);
        let (ptr, meta) = self.view_entry(raw, slow);
        self.check_struct(meta, at, slow);
        self.store_storage(s, v, ptr, at as i32 * 8);
        self.finish_access(slow, join, &[], &[raw, v], &[], op);
    }

    /// Field `field` of struct type `t`: its storage type and first slot,
    /// or `None` when it is a `v128` (left to the runtime).
    fn field_slot(&self, t: u32, field: u32) -> Option<(StorageType, u32)> {
        let fields = self.info.struct_fields(t)?;
        let s = fields.get(field as usize)?.storage;
        if s == StorageType::Val(ValType::V128) {
            return None;
        }
        let at = fields[..field as usize]
            .iter()
            .map(|f| tern_vm::slots_of(f.storage.unpacked()))
            .sum();
        Some((s, at))
    }

    /// The element type of array type `t` when its accesses are inline
    /// (not `v128`).
    fn inline_elem(&self, t: u32) -> Option<StorageType> {
        self.info
            .array_field(t)
            .map(|f| f.storage)
            .filter(|&s| s != StorageType::Val(ValType::V128))
    }

    /// Loads a field or element of storage type `s` at `addr + off`,
    /// widening a packed one as `ext` says.
    fn load_storage(&mut self, s: StorageType, ext: Ext, addr: Value, off: i32) -> Value {
        let ins = self.b.ins();
        match (s, ext) {
            (StorageType::I8, Ext::S) => ins.sload8(I32, rw(), addr, off),
            (StorageType::I8, _) => ins.uload8(I32, rw(), addr, off),
            (StorageType::I16, Ext::S) => ins.sload16(I32, rw(), addr, off),
            (StorageType::I16, _) => ins.uload16(I32, rw(), addr, off),
            (StorageType::Val(t), _) => ins.load(clif_type(t), rw(), addr, off),
        }
    }

    /// Stores `v` as a field or element of storage type `s` at `addr + off`
    /// (a packed one cut to its width).
    fn store_storage(&mut self, s: StorageType, v: Value, addr: Value, off: i32) {
        let ins = self.b.ins();
        match s {
            StorageType::I8 => ins.istore8(rw(), v, addr, off),
            StorageType::I16 => ins.istore16(rw(), v, addr, off),
            StorageType::Val(_) => ins.store(rw(), v, addr, off),
        };
    }

    fn array_get(&mut self, t: u32, ext: Ext, ty: ValType) {
        let op = GcOp::ArrayGet { t, ext };
        let Some(s) = self.inline_elem(t) else {
            return self.runtime(2, &[ty], op);
        };
        let (raw, i) = self.pop2();
        let (slow, join) = self.access_blocks(&[clif_type(ty)]);
        let (ptr, meta) = self.view_entry(raw, slow);
        let at = self.check_elem(ptr, meta, i, tern_vm::gc::elem_size(s) as u32, slow);
        let v = self.load_storage(s, ext, at, 0);
        self.finish_access(slow, join, &[v], &[raw, i], &[ty], op);
    }

    fn array_set(&mut self, t: u32) {
        let op = GcOp::ArraySet { t };
        let Some(s) = self.inline_elem(t) else {
            return self.runtime(3, &[], op);
        };
        let (raw, i, v) = self.pop3();
        let (slow, join) = self.access_blocks(&[]);
        let (ptr, meta) = self.view_entry(raw, slow);
        let at = self.check_elem(ptr, meta, i, tern_vm::gc::elem_size(s) as u32, slow);
        self.store_storage(s, v, at, 0);
        self.finish_access(slow, join, &[], &[raw, i, v], &[], op);
    }

    fn array_len(&mut self) {
        let raw = self.pop();
        let (slow, join) = self.access_blocks(&[I32]);
        let (_, meta) = self.view_entry(raw, slow);
        // A struct's (or a free slot's) meta has no element size.
        let kind = self.b.ins().ushr_imm_u(meta, 32);
        self.continue_unless(kind, slow, true);
        let len = self.b.ins().ireduce(I32, meta);
        self.finish_access(slow, join, &[len], &[raw], &[ValType::I32], GcOp::ArrayLen);
    }
}
