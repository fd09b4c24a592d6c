//! SIMD operators. Vectors travel as `i8x16` (the ABI's `v128`) and are
//! reinterpreted to the lane type an operator needs.

use super::TranslateError;
use super::func::{Result, Translator};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::*;
use cranelift_codegen::ir::{ConstantData, InstBuilder, Type, Value};
use tern_binary::{MemArg, Operator};

impl Translator<'_, '_> {
    fn v_pop(&mut self, ty: Type) -> Value {
        let v = self.pop();
        self.as_vec(v, ty)
    }

    fn v_pop2(&mut self, ty: Type) -> (Value, Value) {
        let b = self.v_pop(ty);
        let a = self.v_pop(ty);
        (a, b)
    }

    fn vconst(&mut self, ty: Type, bytes: &[u8]) -> Value {
        let c = self.b.func.dfg.constants.insert(ConstantData::from(bytes));
        self.b.ins().vconst(ty, c)
    }

    fn vcmp(&mut self, ty: Type, cc: IntCC) {
        let (a, b) = self.v_pop2(ty);
        let r = self.b.ins().icmp(cc, a, b);
        self.push(r);
    }

    fn vfcmp(&mut self, ty: Type, cc: FloatCC) {
        let (a, b) = self.v_pop2(ty);
        let r = self.b.ins().fcmp(cc, a, b);
        self.push(r);
    }

    fn splat(&mut self, ty: Type) {
        let x = self.pop();
        let lane = ty.lane_type();
        let x = if self.ty_of(x) != lane {
            self.b.ins().ireduce(lane, x)
        } else {
            x
        };
        let r = self.b.ins().splat(ty, x);
        self.push(r);
    }

    fn extract(&mut self, ty: Type, lane: u8, ext: Option<bool>) {
        let v = self.v_pop(ty);
        let x = self.b.ins().extractlane(v, lane);
        let r = match ext {
            Some(true) => self.b.ins().sextend(I32, x),
            Some(false) => self.b.ins().uextend(I32, x),
            None => x,
        };
        self.push(r);
    }

    fn replace(&mut self, ty: Type, lane: u8) {
        let x = self.pop();
        let v = self.v_pop(ty);
        let l = ty.lane_type();
        let x = if self.ty_of(x) != l {
            self.b.ins().ireduce(l, x)
        } else {
            x
        };
        let r = self.b.ins().insertlane(v, x, lane);
        self.push(r);
    }

    fn shift(&mut self, ty: Type, f: fn(&mut Self, Value, Value) -> Value) {
        let amt = self.pop();
        let v = self.v_pop(ty);
        let r = f(self, v, amt);
        self.push(r);
    }

    fn load_splat(&mut self, m: &MemArg, ty: Type) {
        let lane = ty.lane_type();
        self.load(m, lane.bytes(), |t, fl, a, o| {
            let x = t.b.ins().load(lane, fl, a, o);
            t.b.ins().splat(ty, x)
        });
    }

    fn load_zero(&mut self, m: &MemArg, ty: Type) {
        let lane = ty.lane_type();
        self.load(m, lane.bytes(), |t, fl, a, o| {
            let x = t.b.ins().load(lane, fl, a, o);
            t.b.ins().scalar_to_vector(ty, x)
        });
    }

    fn load_lane(&mut self, m: &MemArg, ty: Type, lane: u8) {
        let v = self.v_pop(ty);
        let lt = ty.lane_type();
        let index = self.pop();
        if let Some((addr, off, flags)) = self.mem_addr(m, lt.bytes(), index) {
            let x = self.b.ins().load(lt, flags, addr, off);
            let r = self.b.ins().insertlane(v, x, lane);
            self.push(r);
        }
    }

    fn store_lane(&mut self, m: &MemArg, ty: Type, lane: u8) {
        let v = self.v_pop(ty);
        let lt = ty.lane_type();
        let index = self.pop();
        if let Some((addr, off, flags)) = self.mem_addr(m, lt.bytes(), index) {
            let x = self.b.ins().extractlane(v, lane);
            self.b.ins().store(flags, x, addr, off);
        }
    }

    /// `pmin`/`pmax`: `b < a ? b : a` / `a < b ? b : a`, lane-wise.
    fn pminmax(&mut self, ty: Type, max: bool) {
        let (a, b) = self.v_pop2(ty);
        let c = if max {
            self.b.ins().fcmp(FloatCC::LessThan, a, b)
        } else {
            self.b.ins().fcmp(FloatCC::LessThan, b, a)
        };
        let c = self.as_vec(c, ty);
        let r = self.b.ins().bitselect(c, b, a);
        self.push(r);
    }

    pub(super) fn simd_op(&mut self, op: Operator<'_>) -> Result<()> {
        use Operator as O;
        macro_rules! vbin {
            ($ty:expr, $f:ident) => {{
                let (a, b) = self.v_pop2($ty);
                let r = self.b.ins().$f(a, b);
                self.push(r);
            }};
        }
        macro_rules! vun {
            ($ty:expr, $f:ident) => {{
                let a = self.v_pop($ty);
                let r = self.b.ins().$f(a);
                self.push(r);
            }};
        }
        macro_rules! vconv {
            ($from:expr, $f:ident, $to:expr) => {{
                let a = self.v_pop($from);
                let r = self.b.ins().$f($to, a);
                self.push(r);
            }};
        }
        macro_rules! vtest {
            ($ty:expr, $f:ident) => {{
                let a = self.v_pop($ty);
                let c = self.b.ins().$f(a);
                let r = self.b.ins().uextend(I32, c);
                self.push(r);
            }};
        }
        macro_rules! bitmask {
            ($ty:expr) => {{
                let a = self.v_pop($ty);
                let r = self.b.ins().vhigh_bits(I32, a);
                self.push(r);
            }};
        }
        macro_rules! widen {
            ($ty:expr, $f:ident) => {{
                let a = self.v_pop($ty);
                let r = self.b.ins().$f(a);
                self.push(r);
            }};
        }
        macro_rules! extmul {
            ($ty:expr, $f:ident) => {{
                let (a, b) = self.v_pop2($ty);
                let a = self.b.ins().$f(a);
                let b = self.b.ins().$f(b);
                let r = self.b.ins().imul(a, b);
                self.push(r);
            }};
        }
        macro_rules! extadd {
            ($ty:expr, $lo:ident, $hi:ident) => {{
                let a = self.v_pop($ty);
                let lo = self.b.ins().$lo(a);
                let hi = self.b.ins().$hi(a);
                let r = self.b.ins().iadd_pairwise(lo, hi);
                self.push(r);
            }};
        }
        macro_rules! ld {
            ($m:expr, $size:expr, $f:ident) => {
                self.load(&$m, $size, |t, fl, a, o| t.b.ins().$f(fl, a, o))
            };
        }
        match op {
            O::V128Load { memarg } => self.load(&memarg, 16, |t, fl, a, o| t.b.ins().load(I8X16, fl, a, o)),
            O::V128Load8x8S { memarg } => ld!(memarg, 8, sload8x8),
            O::V128Load8x8U { memarg } => ld!(memarg, 8, uload8x8),
            O::V128Load16x4S { memarg } => ld!(memarg, 8, sload16x4),
            O::V128Load16x4U { memarg } => ld!(memarg, 8, uload16x4),
            O::V128Load32x2S { memarg } => ld!(memarg, 8, sload32x2),
            O::V128Load32x2U { memarg } => ld!(memarg, 8, uload32x2),
            O::V128Load8Splat { memarg } => self.load_splat(&memarg, I8X16),
            O::V128Load16Splat { memarg } => self.load_splat(&memarg, I16X8),
            O::V128Load32Splat { memarg } => self.load_splat(&memarg, I32X4),
            O::V128Load64Splat { memarg } => self.load_splat(&memarg, I64X2),
            O::V128Load32Zero { memarg } => self.load_zero(&memarg, I32X4),
            O::V128Load64Zero { memarg } => self.load_zero(&memarg, I64X2),
            O::V128Load8Lane { memarg, lane } => self.load_lane(&memarg, I8X16, lane),
            O::V128Load16Lane { memarg, lane } => self.load_lane(&memarg, I16X8, lane),
            O::V128Load32Lane { memarg, lane } => self.load_lane(&memarg, I32X4, lane),
            O::V128Load64Lane { memarg, lane } => self.load_lane(&memarg, I64X2, lane),
            O::V128Store8Lane { memarg, lane } => self.store_lane(&memarg, I8X16, lane),
            O::V128Store16Lane { memarg, lane } => self.store_lane(&memarg, I16X8, lane),
            O::V128Store32Lane { memarg, lane } => self.store_lane(&memarg, I32X4, lane),
            O::V128Store64Lane { memarg, lane } => self.store_lane(&memarg, I64X2, lane),

            O::V128Const { value } => {
                let v = self.vconst(I8X16, &value.0);
                self.push(v);
            }
            O::I8x16Shuffle { lanes } => {
                let (a, b) = self.v_pop2(I8X16);
                let mask = self.b.func.dfg.immediates.push(ConstantData::from(&lanes[..]));
                let r = self.b.ins().shuffle(a, b, mask);
                self.push(r);
            }
            O::I8x16Swizzle {} => vbin!(I8X16, swizzle),
            O::I8x16Splat {} => self.splat(I8X16),
            O::I16x8Splat {} => self.splat(I16X8),
            O::I32x4Splat {} => self.splat(I32X4),
            O::I64x2Splat {} => self.splat(I64X2),
            O::F32x4Splat {} => self.splat(F32X4),
            O::F64x2Splat {} => self.splat(F64X2),
            O::I8x16ExtractLaneS { lane } => self.extract(I8X16, lane, Some(true)),
            O::I8x16ExtractLaneU { lane } => self.extract(I8X16, lane, Some(false)),
            O::I16x8ExtractLaneS { lane } => self.extract(I16X8, lane, Some(true)),
            O::I16x8ExtractLaneU { lane } => self.extract(I16X8, lane, Some(false)),
            O::I32x4ExtractLane { lane } => self.extract(I32X4, lane, None),
            O::I64x2ExtractLane { lane } => self.extract(I64X2, lane, None),
            O::F32x4ExtractLane { lane } => self.extract(F32X4, lane, None),
            O::F64x2ExtractLane { lane } => self.extract(F64X2, lane, None),
            O::I8x16ReplaceLane { lane } => self.replace(I8X16, lane),
            O::I16x8ReplaceLane { lane } => self.replace(I16X8, lane),
            O::I32x4ReplaceLane { lane } => self.replace(I32X4, lane),
            O::I64x2ReplaceLane { lane } => self.replace(I64X2, lane),
            O::F32x4ReplaceLane { lane } => self.replace(F32X4, lane),
            O::F64x2ReplaceLane { lane } => self.replace(F64X2, lane),

            O::I8x16Eq {} => self.vcmp(I8X16, IntCC::Equal),
            O::I8x16Ne {} => self.vcmp(I8X16, IntCC::NotEqual),
            O::I8x16LtS {} => self.vcmp(I8X16, IntCC::SignedLessThan),
            O::I8x16LtU {} => self.vcmp(I8X16, IntCC::UnsignedLessThan),
            O::I8x16GtS {} => self.vcmp(I8X16, IntCC::SignedGreaterThan),
            O::I8x16GtU {} => self.vcmp(I8X16, IntCC::UnsignedGreaterThan),
            O::I8x16LeS {} => self.vcmp(I8X16, IntCC::SignedLessThanOrEqual),
            O::I8x16LeU {} => self.vcmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            O::I8x16GeS {} => self.vcmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            O::I8x16GeU {} => self.vcmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            O::I16x8Eq {} => self.vcmp(I16X8, IntCC::Equal),
            O::I16x8Ne {} => self.vcmp(I16X8, IntCC::NotEqual),
            O::I16x8LtS {} => self.vcmp(I16X8, IntCC::SignedLessThan),
            O::I16x8LtU {} => self.vcmp(I16X8, IntCC::UnsignedLessThan),
            O::I16x8GtS {} => self.vcmp(I16X8, IntCC::SignedGreaterThan),
            O::I16x8GtU {} => self.vcmp(I16X8, IntCC::UnsignedGreaterThan),
            O::I16x8LeS {} => self.vcmp(I16X8, IntCC::SignedLessThanOrEqual),
            O::I16x8LeU {} => self.vcmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            O::I16x8GeS {} => self.vcmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            O::I16x8GeU {} => self.vcmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            O::I32x4Eq {} => self.vcmp(I32X4, IntCC::Equal),
            O::I32x4Ne {} => self.vcmp(I32X4, IntCC::NotEqual),
            O::I32x4LtS {} => self.vcmp(I32X4, IntCC::SignedLessThan),
            O::I32x4LtU {} => self.vcmp(I32X4, IntCC::UnsignedLessThan),
            O::I32x4GtS {} => self.vcmp(I32X4, IntCC::SignedGreaterThan),
            O::I32x4GtU {} => self.vcmp(I32X4, IntCC::UnsignedGreaterThan),
            O::I32x4LeS {} => self.vcmp(I32X4, IntCC::SignedLessThanOrEqual),
            O::I32x4LeU {} => self.vcmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            O::I32x4GeS {} => self.vcmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            O::I32x4GeU {} => self.vcmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            O::I64x2Eq {} => self.vcmp(I64X2, IntCC::Equal),
            O::I64x2Ne {} => self.vcmp(I64X2, IntCC::NotEqual),
            O::I64x2LtS {} => self.vcmp(I64X2, IntCC::SignedLessThan),
            O::I64x2GtS {} => self.vcmp(I64X2, IntCC::SignedGreaterThan),
            O::I64x2LeS {} => self.vcmp(I64X2, IntCC::SignedLessThanOrEqual),
            O::I64x2GeS {} => self.vcmp(I64X2, IntCC::SignedGreaterThanOrEqual),
            O::F32x4Eq {} => self.vfcmp(F32X4, FloatCC::Equal),
            O::F32x4Ne {} => self.vfcmp(F32X4, FloatCC::NotEqual),
            O::F32x4Lt {} => self.vfcmp(F32X4, FloatCC::LessThan),
            O::F32x4Gt {} => self.vfcmp(F32X4, FloatCC::GreaterThan),
            O::F32x4Le {} => self.vfcmp(F32X4, FloatCC::LessThanOrEqual),
            O::F32x4Ge {} => self.vfcmp(F32X4, FloatCC::GreaterThanOrEqual),
            O::F64x2Eq {} => self.vfcmp(F64X2, FloatCC::Equal),
            O::F64x2Ne {} => self.vfcmp(F64X2, FloatCC::NotEqual),
            O::F64x2Lt {} => self.vfcmp(F64X2, FloatCC::LessThan),
            O::F64x2Gt {} => self.vfcmp(F64X2, FloatCC::GreaterThan),
            O::F64x2Le {} => self.vfcmp(F64X2, FloatCC::LessThanOrEqual),
            O::F64x2Ge {} => self.vfcmp(F64X2, FloatCC::GreaterThanOrEqual),

            O::V128Not {} => vun!(I8X16, bnot),
            O::V128And {} => vbin!(I8X16, band),
            O::V128Andnot {} => vbin!(I8X16, band_not),
            O::V128Or {} => vbin!(I8X16, bor),
            O::V128Xor {} => vbin!(I8X16, bxor),
            O::V128Bitselect {} => {
                let c = self.v_pop(I8X16);
                let (a, b) = self.v_pop2(I8X16);
                let r = self.b.ins().bitselect(c, a, b);
                self.push(r);
            }
            O::V128AnyTrue {} => vtest!(I8X16, vany_true),
            O::I8x16AllTrue {} => vtest!(I8X16, vall_true),
            O::I16x8AllTrue {} => vtest!(I16X8, vall_true),
            O::I32x4AllTrue {} => vtest!(I32X4, vall_true),
            O::I64x2AllTrue {} => vtest!(I64X2, vall_true),
            O::I8x16Bitmask {} => bitmask!(I8X16),
            O::I16x8Bitmask {} => bitmask!(I16X8),
            O::I32x4Bitmask {} => bitmask!(I32X4),
            O::I64x2Bitmask {} => bitmask!(I64X2),

            O::I8x16Abs {} => vun!(I8X16, iabs),
            O::I16x8Abs {} => vun!(I16X8, iabs),
            O::I32x4Abs {} => vun!(I32X4, iabs),
            O::I64x2Abs {} => vun!(I64X2, iabs),
            O::I8x16Neg {} => vun!(I8X16, ineg),
            O::I16x8Neg {} => vun!(I16X8, ineg),
            O::I32x4Neg {} => vun!(I32X4, ineg),
            O::I64x2Neg {} => vun!(I64X2, ineg),
            O::I8x16Popcnt {} => vun!(I8X16, popcnt),
            O::I8x16NarrowI16x8S {} => vbin!(I16X8, snarrow),
            O::I8x16NarrowI16x8U {} => vbin!(I16X8, unarrow),
            O::I16x8NarrowI32x4S {} => vbin!(I32X4, snarrow),
            O::I16x8NarrowI32x4U {} => vbin!(I32X4, unarrow),
            O::I8x16Shl {} => self.shift(I8X16, |t, a, b| t.b.ins().ishl(a, b)),
            O::I8x16ShrS {} => self.shift(I8X16, |t, a, b| t.b.ins().sshr(a, b)),
            O::I8x16ShrU {} => self.shift(I8X16, |t, a, b| t.b.ins().ushr(a, b)),
            O::I16x8Shl {} => self.shift(I16X8, |t, a, b| t.b.ins().ishl(a, b)),
            O::I16x8ShrS {} => self.shift(I16X8, |t, a, b| t.b.ins().sshr(a, b)),
            O::I16x8ShrU {} => self.shift(I16X8, |t, a, b| t.b.ins().ushr(a, b)),
            O::I32x4Shl {} => self.shift(I32X4, |t, a, b| t.b.ins().ishl(a, b)),
            O::I32x4ShrS {} => self.shift(I32X4, |t, a, b| t.b.ins().sshr(a, b)),
            O::I32x4ShrU {} => self.shift(I32X4, |t, a, b| t.b.ins().ushr(a, b)),
            O::I64x2Shl {} => self.shift(I64X2, |t, a, b| t.b.ins().ishl(a, b)),
            O::I64x2ShrS {} => self.shift(I64X2, |t, a, b| t.b.ins().sshr(a, b)),
            O::I64x2ShrU {} => self.shift(I64X2, |t, a, b| t.b.ins().ushr(a, b)),
            O::I8x16Add {} => vbin!(I8X16, iadd),
            O::I16x8Add {} => vbin!(I16X8, iadd),
            O::I32x4Add {} => vbin!(I32X4, iadd),
            O::I64x2Add {} => vbin!(I64X2, iadd),
            O::I8x16Sub {} => vbin!(I8X16, isub),
            O::I16x8Sub {} => vbin!(I16X8, isub),
            O::I32x4Sub {} => vbin!(I32X4, isub),
            O::I64x2Sub {} => vbin!(I64X2, isub),
            O::I16x8Mul {} => vbin!(I16X8, imul),
            O::I32x4Mul {} => vbin!(I32X4, imul),
            O::I64x2Mul {} => vbin!(I64X2, imul),
            O::I8x16AddSatS {} => vbin!(I8X16, sadd_sat),
            O::I8x16AddSatU {} => vbin!(I8X16, uadd_sat),
            O::I8x16SubSatS {} => vbin!(I8X16, ssub_sat),
            O::I8x16SubSatU {} => vbin!(I8X16, usub_sat),
            O::I16x8AddSatS {} => vbin!(I16X8, sadd_sat),
            O::I16x8AddSatU {} => vbin!(I16X8, uadd_sat),
            O::I16x8SubSatS {} => vbin!(I16X8, ssub_sat),
            O::I16x8SubSatU {} => vbin!(I16X8, usub_sat),
            O::I8x16MinS {} => vbin!(I8X16, smin),
            O::I8x16MinU {} => vbin!(I8X16, umin),
            O::I8x16MaxS {} => vbin!(I8X16, smax),
            O::I8x16MaxU {} => vbin!(I8X16, umax),
            O::I16x8MinS {} => vbin!(I16X8, smin),
            O::I16x8MinU {} => vbin!(I16X8, umin),
            O::I16x8MaxS {} => vbin!(I16X8, smax),
            O::I16x8MaxU {} => vbin!(I16X8, umax),
            O::I32x4MinS {} => vbin!(I32X4, smin),
            O::I32x4MinU {} => vbin!(I32X4, umin),
            O::I32x4MaxS {} => vbin!(I32X4, smax),
            O::I32x4MaxU {} => vbin!(I32X4, umax),
            O::I8x16AvgrU {} => vbin!(I8X16, avg_round),
            O::I16x8AvgrU {} => vbin!(I16X8, avg_round),
            O::I16x8Q15mulrSatS {} => vbin!(I16X8, sqmul_round_sat),
            O::I16x8ExtaddPairwiseI8x16S {} => extadd!(I8X16, swiden_low, swiden_high),
            O::I16x8ExtaddPairwiseI8x16U {} => extadd!(I8X16, uwiden_low, uwiden_high),
            O::I32x4ExtaddPairwiseI16x8S {} => extadd!(I16X8, swiden_low, swiden_high),
            O::I32x4ExtaddPairwiseI16x8U {} => extadd!(I16X8, uwiden_low, uwiden_high),
            O::I16x8ExtendLowI8x16S {} => widen!(I8X16, swiden_low),
            O::I16x8ExtendHighI8x16S {} => widen!(I8X16, swiden_high),
            O::I16x8ExtendLowI8x16U {} => widen!(I8X16, uwiden_low),
            O::I16x8ExtendHighI8x16U {} => widen!(I8X16, uwiden_high),
            O::I32x4ExtendLowI16x8S {} => widen!(I16X8, swiden_low),
            O::I32x4ExtendHighI16x8S {} => widen!(I16X8, swiden_high),
            O::I32x4ExtendLowI16x8U {} => widen!(I16X8, uwiden_low),
            O::I32x4ExtendHighI16x8U {} => widen!(I16X8, uwiden_high),
            O::I64x2ExtendLowI32x4S {} => widen!(I32X4, swiden_low),
            O::I64x2ExtendHighI32x4S {} => widen!(I32X4, swiden_high),
            O::I64x2ExtendLowI32x4U {} => widen!(I32X4, uwiden_low),
            O::I64x2ExtendHighI32x4U {} => widen!(I32X4, uwiden_high),
            O::I16x8ExtmulLowI8x16S {} => extmul!(I8X16, swiden_low),
            O::I16x8ExtmulHighI8x16S {} => extmul!(I8X16, swiden_high),
            O::I16x8ExtmulLowI8x16U {} => extmul!(I8X16, uwiden_low),
            O::I16x8ExtmulHighI8x16U {} => extmul!(I8X16, uwiden_high),
            O::I32x4ExtmulLowI16x8S {} => extmul!(I16X8, swiden_low),
            O::I32x4ExtmulHighI16x8S {} => extmul!(I16X8, swiden_high),
            O::I32x4ExtmulLowI16x8U {} => extmul!(I16X8, uwiden_low),
            O::I32x4ExtmulHighI16x8U {} => extmul!(I16X8, uwiden_high),
            O::I64x2ExtmulLowI32x4S {} => extmul!(I32X4, swiden_low),
            O::I64x2ExtmulHighI32x4S {} => extmul!(I32X4, swiden_high),
            O::I64x2ExtmulLowI32x4U {} => extmul!(I32X4, uwiden_low),
            O::I64x2ExtmulHighI32x4U {} => extmul!(I32X4, uwiden_high),
            O::I32x4DotI16x8S {} => {
                let (a, b) = self.v_pop2(I16X8);
                let alo = self.b.ins().swiden_low(a);
                let blo = self.b.ins().swiden_low(b);
                let lo = self.b.ins().imul(alo, blo);
                let ahi = self.b.ins().swiden_high(a);
                let bhi = self.b.ins().swiden_high(b);
                let hi = self.b.ins().imul(ahi, bhi);
                let r = self.b.ins().iadd_pairwise(lo, hi);
                self.push(r);
            }

            O::F32x4Abs {} => vun!(F32X4, fabs),
            O::F32x4Neg {} => vun!(F32X4, fneg),
            O::F32x4Sqrt {} => vun!(F32X4, sqrt),
            O::F32x4Ceil {} => vun!(F32X4, ceil),
            O::F32x4Floor {} => vun!(F32X4, floor),
            O::F32x4Trunc {} => vun!(F32X4, trunc),
            O::F32x4Nearest {} => vun!(F32X4, nearest),
            O::F64x2Abs {} => vun!(F64X2, fabs),
            O::F64x2Neg {} => vun!(F64X2, fneg),
            O::F64x2Sqrt {} => vun!(F64X2, sqrt),
            O::F64x2Ceil {} => vun!(F64X2, ceil),
            O::F64x2Floor {} => vun!(F64X2, floor),
            O::F64x2Trunc {} => vun!(F64X2, trunc),
            O::F64x2Nearest {} => vun!(F64X2, nearest),
            O::F32x4Add {} => vbin!(F32X4, fadd),
            O::F32x4Sub {} => vbin!(F32X4, fsub),
            O::F32x4Mul {} => vbin!(F32X4, fmul),
            O::F32x4Div {} => vbin!(F32X4, fdiv),
            O::F32x4Min {} => vbin!(F32X4, fmin),
            O::F32x4Max {} => vbin!(F32X4, fmax),
            O::F64x2Add {} => vbin!(F64X2, fadd),
            O::F64x2Sub {} => vbin!(F64X2, fsub),
            O::F64x2Mul {} => vbin!(F64X2, fmul),
            O::F64x2Div {} => vbin!(F64X2, fdiv),
            O::F64x2Min {} => vbin!(F64X2, fmin),
            O::F64x2Max {} => vbin!(F64X2, fmax),
            O::F32x4Pmin {} => self.pminmax(F32X4, false),
            O::F32x4Pmax {} => self.pminmax(F32X4, true),
            O::F64x2Pmin {} => self.pminmax(F64X2, false),
            O::F64x2Pmax {} => self.pminmax(F64X2, true),
            O::F32x4DemoteF64x2Zero {} => vun!(F64X2, fvdemote),
            O::F64x2PromoteLowF32x4 {} => vun!(F32X4, fvpromote_low),
            O::I32x4TruncSatF32x4S {} => vconv!(F32X4, fcvt_to_sint_sat, I32X4),
            O::I32x4TruncSatF32x4U {} => vconv!(F32X4, fcvt_to_uint_sat, I32X4),
            O::F32x4ConvertI32x4S {} => vconv!(I32X4, fcvt_from_sint, F32X4),
            O::F32x4ConvertI32x4U {} => vconv!(I32X4, fcvt_from_uint, F32X4),
            O::I32x4TruncSatF64x2SZero {} | O::I32x4TruncSatF64x2UZero {} => {
                let signed = matches!(op, O::I32x4TruncSatF64x2SZero {});
                let a = self.v_pop(F64X2);
                let zero = self.vconst(I64X2, &[0; 16]);
                let r = if signed {
                    let c = self.b.ins().fcvt_to_sint_sat(I64X2, a);
                    self.b.ins().snarrow(c, zero)
                } else {
                    let c = self.b.ins().fcvt_to_uint_sat(I64X2, a);
                    self.b.ins().uunarrow(c, zero)
                };
                self.push(r);
            }
            O::F64x2ConvertLowI32x4S {} => {
                let a = self.v_pop(I32X4);
                let w = self.b.ins().swiden_low(a);
                let r = self.b.ins().fcvt_from_sint(F64X2, w);
                self.push(r);
            }
            O::F64x2ConvertLowI32x4U {} => {
                let a = self.v_pop(I32X4);
                let w = self.b.ins().uwiden_low(a);
                let r = self.b.ins().fcvt_from_uint(F64X2, w);
                self.push(r);
            }
            op => return self.relaxed_op(op),
        }
        Ok(())
    }

    /// Whether the target is x86-64 with ISA flag `flag` (`has_ssse3`, ...;
    /// `""`: x86-64 itself, SSE2 included).
    fn x86_has(&self, flag: &str) -> bool {
        self.isa.name() == "x64"
            && (flag.is_empty()
                || self
                    .isa
                    .isa_flags()
                    .iter()
                    .any(|f| f.name == flag && f.as_bool() == Some(true)))
    }

    /// A vector of `ty` with every lane `bits` (the low bytes of it).
    fn vsplat_bits(&mut self, ty: Type, bits: u64) -> Value {
        let w = ty.lane_bits() as usize / 8;
        let lane = &bits.to_le_bytes()[..w];
        let bytes: Vec<u8> = (0..16 / w).flat_map(|_| lane.iter().copied()).collect();
        self.vconst(ty, &bytes)
    }

    /// NaN lanes of `r` (`F32X4` or `F64X2`) replaced by the canonical NaN.
    fn canon_nan(&mut self, ty: Type, r: Value) -> Value {
        let nan = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        let nan = self.as_vec(nan, ty);
        let bits = if ty == F32X4 {
            0x7fc0_0000
        } else {
            0x7ff8_0000_0000_0000
        };
        let canon = self.vsplat_bits(ty, bits);
        self.b.ins().bitselect(nan, canon, r)
    }

    /// The 16-bit dot product of pairs of bytes with a saturating sum: `a`
    /// signed, `b` unsigned or signed. Computed on 16-bit lanes, the even
    /// and odd bytes apart.
    fn dot_pairs(&mut self, a: Value, b: Value, b_signed: bool) -> Value {
        let a = self.as_vec(a, I16X8);
        let b = self.as_vec(b, I16X8);
        let a_lo = self.b.ins().ishl_imm_u(a, 8);
        let a_even = self.b.ins().sshr_imm_u(a_lo, 8);
        let a_odd = self.b.ins().sshr_imm_u(a, 8);
        let (b_even, b_odd) = if b_signed {
            let b_lo = self.b.ins().ishl_imm_u(b, 8);
            (self.b.ins().sshr_imm_u(b_lo, 8), self.b.ins().sshr_imm_u(b, 8))
        } else {
            let m = self.vsplat_bits(I16X8, 0x00ff);
            (self.b.ins().band(b, m), self.b.ins().ushr_imm_u(b, 8))
        };
        let p0 = self.b.ins().imul(a_even, b_even);
        let p1 = self.b.ins().imul(a_odd, b_odd);
        self.b.ins().sadd_sat(p0, p1)
    }

    /// The relaxed SIMD operators. By default each behaves as the x86-64
    /// instruction that implements it cheaply (`pshufb`, `cvttps2dq`,
    /// fused multiply-add, `blendv*`, `minps`/`maxps` as for `pmin`/`pmax`,
    /// `pmulhrsw`, `pmaddubsw`), on every target: where that instruction
    /// is missing, an equivalent sequence. The interpreter computes the
    /// same (`tern-interp/src/simd.rs`). With
    /// `TranslateConfig::relaxed_simd_deterministic`, the spec's
    /// deterministic behaviour instead.
    fn relaxed_op(&mut self, op: Operator<'_>) -> Result<()> {
        use Operator as O;
        let det = self.config.relaxed_simd_deterministic;
        let r = match op {
            O::I8x16RelaxedSwizzle {} => {
                let (a, s) = self.v_pop2(I8X16);
                if det {
                    self.b.ins().swizzle(a, s)
                } else if self.x86_has("has_ssse3") {
                    self.b.ins().x86_pshufb(a, s)
                } else {
                    let m = self.vsplat_bits(I8X16, 0x8f);
                    let s = self.b.ins().band(s, m);
                    self.b.ins().swizzle(a, s)
                }
            }
            O::I32x4RelaxedTruncF32x4S {} => {
                let a = self.v_pop(F32X4);
                if det {
                    self.b.ins().fcvt_to_sint_sat(I32X4, a)
                } else if self.x86_has("") {
                    self.b.ins().x86_cvtt2dq(I32X4, a)
                } else {
                    let sat = self.b.ins().fcvt_to_sint_sat(I32X4, a);
                    let nan = self.b.ins().fcmp(FloatCC::Unordered, a, a);
                    let limit = self.vsplat_bits(F32X4, 2147483648f32.to_bits() as u64);
                    let big = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, a, limit);
                    let m = self.b.ins().bor(nan, big);
                    let min = self.vsplat_bits(I32X4, i32::MIN as u32 as u64);
                    self.b.ins().bitselect(m, min, sat)
                }
            }
            O::I32x4RelaxedTruncF64x2SZero {} => {
                let a = self.v_pop(F64X2);
                let zero = self.vconst(I64X2, &[0; 16]);
                if !det && self.x86_has("") {
                    // Matched by the x86 backend as one `cvttpd2dq`.
                    let c = self.b.ins().x86_cvtt2dq(I64X2, a);
                    self.b.ins().snarrow(c, zero)
                } else {
                    let mut c = self.b.ins().fcvt_to_sint_sat(I64X2, a);
                    if !det {
                        let nan = self.b.ins().fcmp(FloatCC::Unordered, a, a);
                        let limit = self.vsplat_bits(F64X2, 2147483648f64.to_bits());
                        let big = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, a, limit);
                        let m = self.b.ins().bor(nan, big);
                        let min = self.vsplat_bits(I64X2, i32::MIN as i64 as u64);
                        c = self.b.ins().bitselect(m, min, c);
                    }
                    self.b.ins().snarrow(c, zero)
                }
            }
            // Unsigned truncation: the deterministic behaviour in both modes.
            O::I32x4RelaxedTruncF32x4U {} => {
                let a = self.v_pop(F32X4);
                self.b.ins().fcvt_to_uint_sat(I32X4, a)
            }
            O::I32x4RelaxedTruncF64x2UZero {} => {
                let a = self.v_pop(F64X2);
                let zero = self.vconst(I64X2, &[0; 16]);
                let c = self.b.ins().fcvt_to_uint_sat(I64X2, a);
                self.b.ins().uunarrow(c, zero)
            }
            O::F32x4RelaxedMadd {} | O::F32x4RelaxedNmadd {} | O::F64x2RelaxedMadd {} | O::F64x2RelaxedNmadd {} => {
                let ty = if matches!(op, O::F32x4RelaxedMadd {} | O::F32x4RelaxedNmadd {}) {
                    F32X4
                } else {
                    F64X2
                };
                let c = self.v_pop(ty);
                let (mut a, b) = self.v_pop2(ty);
                if matches!(op, O::F32x4RelaxedNmadd {} | O::F64x2RelaxedNmadd {}) {
                    a = self.b.ins().fneg(a);
                }
                let r = if det {
                    let m = self.b.ins().fmul(a, b);
                    self.b.ins().fadd(m, c)
                } else {
                    self.b.ins().fma(a, b, c)
                };
                self.canon_nan(ty, r)
            }
            O::I8x16RelaxedLaneselect {}
            | O::I16x8RelaxedLaneselect {}
            | O::I32x4RelaxedLaneselect {}
            | O::I64x2RelaxedLaneselect {} => {
                let ty = match op {
                    O::I8x16RelaxedLaneselect {} => I8X16,
                    O::I16x8RelaxedLaneselect {} => I16X8,
                    O::I32x4RelaxedLaneselect {} => I32X4,
                    _ => I64X2,
                };
                let m = self.v_pop(ty);
                let (a, b) = self.v_pop2(ty);
                if det || ty == I16X8 {
                    self.b.ins().bitselect(m, a, b)
                } else if self.x86_has("has_sse41") {
                    self.b.ins().blendv(m, a, b)
                } else {
                    let m = self.b.ins().sshr_imm_u(m, i64::from(ty.lane_bits() - 1));
                    self.b.ins().bitselect(m, a, b)
                }
            }
            O::F32x4RelaxedMin {} | O::F32x4RelaxedMax {} | O::F64x2RelaxedMin {} | O::F64x2RelaxedMax {} => {
                let ty = if matches!(op, O::F32x4RelaxedMin {} | O::F32x4RelaxedMax {}) {
                    F32X4
                } else {
                    F64X2
                };
                let max = matches!(op, O::F32x4RelaxedMax {} | O::F64x2RelaxedMax {});
                if !det {
                    self.pminmax(ty, max);
                    return Ok(());
                }
                // `fmin`/`fmax`, with NaN lanes made the positive canonical
                // NaN as the interpreter's (x86-64's sequence for vector
                // `fmin` gives the negative one).
                let (a, b) = self.v_pop2(ty);
                let r = if max {
                    self.b.ins().fmax(a, b)
                } else {
                    self.b.ins().fmin(a, b)
                };
                self.canon_nan(ty, r)
            }
            O::I16x8RelaxedQ15mulrS {} => {
                let (a, b) = self.v_pop2(I16X8);
                if det {
                    self.b.ins().sqmul_round_sat(a, b)
                } else if self.x86_has("has_ssse3") {
                    self.b.ins().x86_pmulhrsw(a, b)
                } else {
                    let r = self.b.ins().sqmul_round_sat(a, b);
                    let min = self.vsplat_bits(I16X8, 0x8000);
                    let ma = self.b.ins().icmp(IntCC::Equal, a, min);
                    let mb = self.b.ins().icmp(IntCC::Equal, b, min);
                    let m = self.b.ins().band(ma, mb);
                    self.b.ins().bitselect(m, min, r)
                }
            }
            O::I16x8RelaxedDotI8x16I7x16S {} => {
                let (a, b) = self.v_pop2(I8X16);
                if !det && self.x86_has("has_ssse3") {
                    self.b.ins().x86_pmaddubsw(a, b)
                } else {
                    self.dot_pairs(a, b, det)
                }
            }
            O::I32x4RelaxedDotI8x16I7x16AddS {} => {
                let c = self.v_pop(I32X4);
                let (a, b) = self.v_pop2(I8X16);
                let d = if !det && self.x86_has("has_ssse3") {
                    self.b.ins().x86_pmaddubsw(a, b)
                } else {
                    self.dot_pairs(a, b, det)
                };
                // `pmaddwd` by ones: adjacent 16-bit lanes summed to 32 bits.
                let lo = self.b.ins().swiden_low(d);
                let hi = self.b.ins().swiden_high(d);
                let s = self.b.ins().iadd_pairwise(lo, hi);
                self.b.ins().iadd(s, c)
            }
            op => {
                return Err(TranslateError::unsupported(format!("operator {}", op.mnemonic())));
            }
        };
        self.push(r);
        Ok(())
    }
}
