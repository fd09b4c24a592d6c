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
use tern_binary::{CompositeType, HeapType, Operator, RefType, StorageType, ValType};
use tern_vm::gc as gcv;
use tern_vm::gc_ops::{Ext, GcOp};
use tern_vm::vmctx as abi;
use tern_vm::vmctx::Libcall;

/// The most elements an array allocated inline has.
const INLINE_ELEMS: i64 = 16;

/// `anyref`: the type GC operators' results are read back as.
fn any_ref() -> ValType {
    ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Any,
    })
}

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
        let ref_ = any_ref();
        match *op {
            O::StructNew { struct_type_index: t } => self.struct_new(t, false),
            O::StructNewDefault { struct_type_index: t } => self.struct_new(t, true),
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
            O::ArrayNew { array_type_index: t } => self.array_new(t, GcOp::ArrayNew { t }),
            O::ArrayNewDefault { array_type_index: t } => self.array_new(t, GcOp::ArrayNewDefault { t }),
            O::ArrayNewFixed {
                array_type_index: t,
                array_size: n,
            } => self.array_new(t, GcOp::ArrayNewFixed { t, n }),
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
            let v = self.slot_of(v);
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

    /// Branches to `slow` unless `raw` is not null, the `span` bytes from
    /// it lie inside the heap, and its header is of kind `kind`; returns
    /// the object's address and the heap's view.
    fn object_addr(&mut self, raw: Value, span: i64, kind: u64, slow: Block) -> (Value, Value) {
        self.continue_unless(raw, slow, true);
        let store = self.store_ptr();
        let view = self.b.ins().load(I64, ro(), store, abi::OFFSET_STORE_GC_VIEW);
        let len = self.b.ins().load(I64, rw(), view, gcv::VIEW_LEN);
        let end = self.b.ins().iadd_imm_s(raw, span);
        let outside = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        self.continue_unless(outside, slow, false);
        let base = self.b.ins().load(I64, rw(), view, gcv::VIEW_BASE);
        let addr = self.b.ins().iadd(base, raw);
        let h = self.b.ins().load(I64, rw(), addr, 0);
        let k = self.b.ins().band_imm_u(h, gcv::KIND_MASK as i64);
        let wrong = self.b.ins().icmp_imm_u(IntCC::NotEqual, k, kind as i64);
        self.continue_unless(wrong, slow, false);
        (addr, view)
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

    /// The address of element `i` (an i32) of the array at `addr` (the
    /// reference `raw`), with elements of `e` bytes; branches to `slow`
    /// unless `i` is below its length and the element lies inside the
    /// heap.
    fn check_elem(&mut self, raw: Value, addr: Value, view: Value, i: Value, e: u32, slow: Block) -> Value {
        let n = self.b.ins().load(I64, rw(), addr, gcv::ARRAY_LEN);
        let i = self.b.ins().uextend(I64, i);
        let bad = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, n);
        self.continue_unless(bad, slow, false);
        let off = if e == 1 {
            i
        } else {
            self.b.ins().imul_imm_u(i, e as i64)
        };
        // The element's end against the heap's: a reference to a collected
        // object never reads outside the heap, whatever its length word.
        let end = self.b.ins().iadd(raw, off);
        let end = self.b.ins().iadd_imm_s(end, (gcv::ARRAY_DATA as u32 + e) as i64);
        let len = self.b.ins().load(I64, rw(), view, gcv::VIEW_LEN);
        let outside = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        self.continue_unless(outside, slow, false);
        let at = self.b.ins().iadd(addr, off);
        self.b.ins().iadd_imm_s(at, gcv::ARRAY_DATA as i64)
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

    /// Allocates `size` bytes inline from the heap's bump run (see
    /// `tern_vm::gc::GcView`), branching to `slow` when they do not fit:
    /// moves `top`, sets the object's start bit and writes `header_tag`
    /// with the engine id of the module's type `t` in the high half.
    /// Returns the object's address and its reference.
    fn alloc_inline(&mut self, t: u32, size: i64, header_tag: u64, slow: Block) -> (Value, Value) {
        let store = self.store_ptr();
        let view = self.b.ins().load(I64, ro(), store, abi::OFFSET_STORE_GC_VIEW);
        let top = self.b.ins().load(I64, rw(), view, gcv::VIEW_TOP);
        let limit = self.b.ins().load(I64, rw(), view, gcv::VIEW_LIMIT);
        let new_top = self.b.ins().iadd_imm_s(top, size);
        let full = self.b.ins().icmp(IntCC::UnsignedGreaterThan, new_top, limit);
        self.continue_unless(full, slow, false);
        self.b.ins().store(rw(), new_top, view, gcv::VIEW_TOP);
        let base = self.b.ins().load(I64, rw(), view, gcv::VIEW_BASE);
        let addr = self.b.ins().iadd(base, top);
        let sigs = self.vmctx_field(abi::OFFSET_VMCTX_SIGS);
        let sig = self.load_at(I32, ro(), sigs, t as i64 * 4);
        let sig = self.b.ins().uextend(I64, sig);
        let sig = self.b.ins().ishl_imm_u(sig, 32);
        let header = self.b.ins().bor_imm_u(sig, header_tag as i64);
        self.b.ins().store(rw(), header, addr, 0);
        // The object's start bit: bit top / 8 of the bitmap.
        let starts = self.b.ins().load(I64, rw(), view, gcv::VIEW_STARTS);
        let word = self.b.ins().ushr_imm_u(top, 9);
        let word = self.b.ins().ishl_imm_u(word, 3);
        let at = self.b.ins().iadd(starts, word);
        let shift = self.b.ins().ushr_imm_u(top, 3);
        let one = self.iconst64(1);
        let bit = self.b.ins().ishl(one, shift);
        let old = self.b.ins().load(I64, rw(), at, 0);
        let new = self.b.ins().bor(old, bit);
        self.b.ins().store(rw(), new, at, 0);
        (addr, top)
    }

    /// `v` as a value slot holds it: an `i32` or `f32` zero-extended, any
    /// other as it is (a `v128` takes two slots).
    fn slot_of(&mut self, v: Value) -> Value {
        match self.ty_of(v) {
            I32 => self.b.ins().uextend(I64, v),
            F32 => {
                let i = self.b.ins().bitcast(I32, MemFlagsData::new(), v);
                self.b.ins().uextend(I64, i)
            }
            _ => v,
        }
    }

    /// `v` as a struct slot of storage type `s` holds it: as a value slot,
    /// a packed field cut to its width.
    fn slot_value(&mut self, s: StorageType, v: Value) -> Value {
        let v = self.slot_of(v);
        match gcv::pack_mask(s) {
            u64::MAX => v,
            mask => self.b.ins().band_imm_u(v, mask as i64),
        }
    }

    /// `struct.new(_default)`: inline when the object fits in the bump run
    /// and no field is a `v128`, else the runtime (which may collect
    /// first).
    fn struct_new(&mut self, t: u32, default: bool) {
        let op = GcOp::StructNew { t, default };
        let fields: Vec<StorageType> = self
            .info
            .struct_fields(t)
            .map(|f| f.iter().map(|f| f.storage).collect())
            .unwrap_or_default();
        let n = if default { 0 } else { fields.len() };
        if fields.contains(&StorageType::Val(ValType::V128)) {
            return self.runtime(n, &[any_ref()], op);
        }
        let len = self.stack.len();
        let args: Vec<Value> = self.stack.drain(len - n..).collect();
        let (slow, join) = self.access_blocks(&[I64]);
        let size = 8 * (fields.len() as i64 + 1);
        let tag = gcv::struct_header(tern_vm::SigId(0), fields.len() as u32);
        let (addr, raw) = self.alloc_inline(t, size, tag, slow);
        for (k, &f) in fields.iter().enumerate() {
            let v = match args.get(k) {
                None => self.iconst64(0),
                Some(&v) => self.slot_value(f, v),
            };
            self.b.ins().store(rw(), v, addr, 8 + 8 * k as i32);
        }
        self.finish_access(slow, join, &[raw], &args, &[any_ref()], op);
    }

    /// The value of `v` when an `iconst` defines it.
    fn const_of(&self, v: Value) -> Option<i64> {
        use cranelift_codegen::ir::{InstructionData, Opcode, ValueDef};
        let ValueDef::Result(inst, _) = self.b.func.dfg.value_def(v) else {
            return None;
        };
        match self.b.func.dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        }
    }

    /// `array.new`, `array.new_default` and `array.new_fixed` of at most
    /// [`INLINE_ELEMS`] elements known at translation time (other than
    /// `v128`): inline when the array fits in the bump run, else the
    /// runtime. Any other goes to the runtime.
    fn array_new(&mut self, t: u32, op: GcOp) {
        let n_operands = match op {
            GcOp::ArrayNew { .. } => 2,
            GcOp::ArrayNewDefault { .. } => 1,
            GcOp::ArrayNewFixed { n, .. } => n as usize,
            _ => unreachable!("array constructors only"),
        };
        let elem = self.inline_elem(t);
        let len = match op {
            GcOp::ArrayNewFixed { n, .. } => Some(n as i64),
            _ => self.stack.last().and_then(|&v| self.const_of(v)),
        };
        let (Some(s), Some(n)) = (elem, len.filter(|n| (0..=INLINE_ELEMS).contains(n))) else {
            return self.runtime(n_operands, &[any_ref()], op);
        };
        let len = self.stack.len();
        let args: Vec<Value> = self.stack.drain(len - n_operands..).collect();
        let e = gcv::elem_size(s) as i64;
        let data_words = (n * e + 7) / 8;
        let (slow, join) = self.access_blocks(&[I64]);
        let traced = gcv::storage_traced(s, |c| matches!(self.info.composite(c), Some(CompositeType::Func)));
        let tag = gcv::array_header(tern_vm::SigId(0), e as usize, traced);
        let (addr, raw) = self.alloc_inline(t, 8 * (2 + data_words), tag, slow);
        let n_val = self.iconst64(n);
        self.b.ins().store(rw(), n_val, addr, gcv::ARRAY_LEN);
        // Each element's value: its own operand or the fill value; without
        // one (`array.new_default`), and for the bytes past the last of
        // narrower elements, zeroed words.
        let values: Vec<Value> = match op {
            GcOp::ArrayNewFixed { .. } => args.clone(),
            GcOp::ArrayNew { .. } => vec![args[0]; n as usize],
            _ => Vec::new(),
        };
        if values.is_empty() || e < 8 {
            let zero = self.iconst64(0);
            for w in 0..data_words {
                self.b.ins().store(rw(), zero, addr, gcv::ARRAY_DATA + 8 * w as i32);
            }
        }
        for (k, v) in values.into_iter().enumerate() {
            self.store_storage(s, v, addr, gcv::ARRAY_DATA + (k as i64 * e) as i32);
        }
        self.finish_access(slow, join, &[raw], &args, &[any_ref()], op);
    }

    fn struct_get(&mut self, t: u32, field: u32, ext: Ext, ty: ValType) {
        let op = GcOp::StructGet { t, field, ext };
        let Some((s, at)) = self.field_slot(t, field) else {
            return self.runtime(1, &[ty], op);
        };
        let raw = self.pop();
        let (slow, join) = self.access_blocks(&[clif_type(ty)]);
        let (addr, _) = self.object_addr(raw, 8 * (at as i64 + 2), gcv::KIND_STRUCT, slow);
        let v = self.load_storage(s, ext, addr, 8 + at as i32 * 8);
        self.finish_access(slow, join, &[v], &[raw], &[ty], op);
    }

    fn struct_set(&mut self, t: u32, field: u32) {
        let op = GcOp::StructSet { t, field };
        let Some((s, at)) = self.field_slot(t, field) else {
            return self.runtime(2, &[], op);
        };
        let (raw, v) = self.pop2();
        let (slow, join) = self.access_blocks(&[]);
        let (addr, _) = self.object_addr(raw, 8 * (at as i64 + 2), gcv::KIND_STRUCT, slow);
        self.store_storage(s, v, addr, 8 + at as i32 * 8);
        self.finish_access(slow, join, &[], &[raw, v], &[], op);
    }

    /// Field `field` of struct type `t`: its storage type and first slot,
    /// or `None` when it is a `v128` (left to the runtime).
    fn field_slot(&self, t: u32, field: u32) -> Option<(StorageType, u32)> {
        match gcv::field_slot(self.info.struct_fields(t)?, field)? {
            (_, StorageType::Val(ValType::V128)) => None,
            (at, s) => Some((s, at)),
        }
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
        let (addr, view) = self.object_addr(raw, gcv::ARRAY_DATA as i64, gcv::KIND_ARRAY, slow);
        let at = self.check_elem(raw, addr, view, i, gcv::elem_size(s) as u32, slow);
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
        let (addr, view) = self.object_addr(raw, gcv::ARRAY_DATA as i64, gcv::KIND_ARRAY, slow);
        let at = self.check_elem(raw, addr, view, i, gcv::elem_size(s) as u32, slow);
        self.store_storage(s, v, at, 0);
        self.finish_access(slow, join, &[], &[raw, i, v], &[], op);
    }

    fn array_len(&mut self) {
        let raw = self.pop();
        let (slow, join) = self.access_blocks(&[I32]);
        let (addr, _) = self.object_addr(raw, gcv::ARRAY_DATA as i64, gcv::KIND_ARRAY, slow);
        let len = self.b.ins().load(I32, rw(), addr, gcv::ARRAY_LEN);
        self.finish_access(slow, join, &[len], &[raw], &[ValType::I32], GcOp::ArrayLen);
    }
}
