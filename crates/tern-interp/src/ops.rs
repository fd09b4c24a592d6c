//! The semantics of every plain stack operator (the rows of the operator
//! table with a type signature), one function per row, named after the
//! row's visit method. The executor calls them with the operands decoded
//! from their slots; operators that can trap return `Result<_, TrapCode>`.
//!
//! Floats follow the spec exactly where the hardware does not: `min`/`max`
//! order `-0 < +0` and return a NaN when either operand is one; `nearest`
//! rounds half to even; `abs`/`neg`/`copysign` work on the bits, so NaN
//! payloads pass through; rounding operators return their NaN operand
//! quieted.

pub use crate::simd::*;
use tern_vm::TrapCode;

/// Values an operator may return, with or without a trap.
pub trait OpResult<T> {
    fn into_result(self) -> Result<T, TrapCode>;
}

macro_rules! op_result {
    ($($t:ty)*) => {$(
        impl OpResult<$t> for $t {
            #[inline(always)]
            fn into_result(self) -> Result<$t, TrapCode> {
                Ok(self)
            }
        }
        impl OpResult<$t> for Result<$t, TrapCode> {
            #[inline(always)]
            fn into_result(self) -> Result<$t, TrapCode> {
                self
            }
        }
    )*};
}

op_result!(i32 i64 f32 f64 u128);

#[inline(always)]
fn b(x: bool) -> i32 {
    x as i32
}

// ---- i32 ----

pub fn visit_i32_eqz(a: i32) -> i32 {
    b(a == 0)
}
pub fn visit_i32_eq(a: i32, c: i32) -> i32 {
    b(a == c)
}
pub fn visit_i32_ne(a: i32, c: i32) -> i32 {
    b(a != c)
}
pub fn visit_i32_lt_s(a: i32, c: i32) -> i32 {
    b(a < c)
}
pub fn visit_i32_lt_u(a: i32, c: i32) -> i32 {
    b((a as u32) < (c as u32))
}
pub fn visit_i32_gt_s(a: i32, c: i32) -> i32 {
    b(a > c)
}
pub fn visit_i32_gt_u(a: i32, c: i32) -> i32 {
    b((a as u32) > (c as u32))
}
pub fn visit_i32_le_s(a: i32, c: i32) -> i32 {
    b(a <= c)
}
pub fn visit_i32_le_u(a: i32, c: i32) -> i32 {
    b((a as u32) <= (c as u32))
}
pub fn visit_i32_ge_s(a: i32, c: i32) -> i32 {
    b(a >= c)
}
pub fn visit_i32_ge_u(a: i32, c: i32) -> i32 {
    b((a as u32) >= (c as u32))
}
pub fn visit_i32_clz(a: i32) -> i32 {
    a.leading_zeros() as i32
}
pub fn visit_i32_ctz(a: i32) -> i32 {
    a.trailing_zeros() as i32
}
pub fn visit_i32_popcnt(a: i32) -> i32 {
    a.count_ones() as i32
}
pub fn visit_i32_add(a: i32, c: i32) -> i32 {
    a.wrapping_add(c)
}
pub fn visit_i32_sub(a: i32, c: i32) -> i32 {
    a.wrapping_sub(c)
}
pub fn visit_i32_mul(a: i32, c: i32) -> i32 {
    a.wrapping_mul(c)
}
#[inline]
pub fn visit_i32_div_s(a: i32, c: i32) -> Result<i32, TrapCode> {
    if c == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    a.checked_div(c).ok_or(TrapCode::IntegerOverflow)
}
#[inline]
pub fn visit_i32_div_u(a: i32, c: i32) -> Result<i32, TrapCode> {
    match (a as u32).checked_div(c as u32) {
        Some(r) => Ok(r as i32),
        None => Err(TrapCode::IntegerDivideByZero),
    }
}
#[inline]
pub fn visit_i32_rem_s(a: i32, c: i32) -> Result<i32, TrapCode> {
    if c == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    Ok(a.wrapping_rem(c))
}
#[inline]
pub fn visit_i32_rem_u(a: i32, c: i32) -> Result<i32, TrapCode> {
    match (a as u32).checked_rem(c as u32) {
        Some(r) => Ok(r as i32),
        None => Err(TrapCode::IntegerDivideByZero),
    }
}
pub fn visit_i32_and(a: i32, c: i32) -> i32 {
    a & c
}
pub fn visit_i32_or(a: i32, c: i32) -> i32 {
    a | c
}
pub fn visit_i32_xor(a: i32, c: i32) -> i32 {
    a ^ c
}
pub fn visit_i32_shl(a: i32, c: i32) -> i32 {
    a.wrapping_shl(c as u32)
}
pub fn visit_i32_shr_s(a: i32, c: i32) -> i32 {
    a.wrapping_shr(c as u32)
}
pub fn visit_i32_shr_u(a: i32, c: i32) -> i32 {
    (a as u32).wrapping_shr(c as u32) as i32
}
pub fn visit_i32_rotl(a: i32, c: i32) -> i32 {
    a.rotate_left(c as u32 & 31)
}
pub fn visit_i32_rotr(a: i32, c: i32) -> i32 {
    a.rotate_right(c as u32 & 31)
}

// ---- i64 ----

pub fn visit_i64_eqz(a: i64) -> i32 {
    b(a == 0)
}
pub fn visit_i64_eq(a: i64, c: i64) -> i32 {
    b(a == c)
}
pub fn visit_i64_ne(a: i64, c: i64) -> i32 {
    b(a != c)
}
pub fn visit_i64_lt_s(a: i64, c: i64) -> i32 {
    b(a < c)
}
pub fn visit_i64_lt_u(a: i64, c: i64) -> i32 {
    b((a as u64) < (c as u64))
}
pub fn visit_i64_gt_s(a: i64, c: i64) -> i32 {
    b(a > c)
}
pub fn visit_i64_gt_u(a: i64, c: i64) -> i32 {
    b((a as u64) > (c as u64))
}
pub fn visit_i64_le_s(a: i64, c: i64) -> i32 {
    b(a <= c)
}
pub fn visit_i64_le_u(a: i64, c: i64) -> i32 {
    b((a as u64) <= (c as u64))
}
pub fn visit_i64_ge_s(a: i64, c: i64) -> i32 {
    b(a >= c)
}
pub fn visit_i64_ge_u(a: i64, c: i64) -> i32 {
    b((a as u64) >= (c as u64))
}
pub fn visit_i64_clz(a: i64) -> i64 {
    a.leading_zeros() as i64
}
pub fn visit_i64_ctz(a: i64) -> i64 {
    a.trailing_zeros() as i64
}
pub fn visit_i64_popcnt(a: i64) -> i64 {
    a.count_ones() as i64
}
pub fn visit_i64_add(a: i64, c: i64) -> i64 {
    a.wrapping_add(c)
}
pub fn visit_i64_sub(a: i64, c: i64) -> i64 {
    a.wrapping_sub(c)
}
pub fn visit_i64_mul(a: i64, c: i64) -> i64 {
    a.wrapping_mul(c)
}
/// Wide arithmetic: 128-bit values as (low, high) pairs of `i64`s.
pub fn visit_i64_add128(al: i64, ah: i64, bl: i64, bh: i64) -> (i64, i64) {
    let r = wide128(al, ah).wrapping_add(wide128(bl, bh));
    (r as i64, (r >> 64) as i64)
}
pub fn visit_i64_sub128(al: i64, ah: i64, bl: i64, bh: i64) -> (i64, i64) {
    let r = wide128(al, ah).wrapping_sub(wide128(bl, bh));
    (r as i64, (r >> 64) as i64)
}
pub fn visit_i64_mul_wide_s(a: i64, b: i64) -> (i64, i64) {
    let r = a as i128 * b as i128;
    (r as i64, (r >> 64) as i64)
}
pub fn visit_i64_mul_wide_u(a: i64, b: i64) -> (i64, i64) {
    let r = a as u64 as u128 * b as u64 as u128;
    (r as i64, (r >> 64) as i64)
}
#[inline]
fn wide128(lo: i64, hi: i64) -> u128 {
    lo as u64 as u128 | (hi as u64 as u128) << 64
}
#[inline]
pub fn visit_i64_div_s(a: i64, c: i64) -> Result<i64, TrapCode> {
    if c == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    a.checked_div(c).ok_or(TrapCode::IntegerOverflow)
}
#[inline]
pub fn visit_i64_div_u(a: i64, c: i64) -> Result<i64, TrapCode> {
    match (a as u64).checked_div(c as u64) {
        Some(r) => Ok(r as i64),
        None => Err(TrapCode::IntegerDivideByZero),
    }
}
#[inline]
pub fn visit_i64_rem_s(a: i64, c: i64) -> Result<i64, TrapCode> {
    if c == 0 {
        return Err(TrapCode::IntegerDivideByZero);
    }
    Ok(a.wrapping_rem(c))
}
#[inline]
pub fn visit_i64_rem_u(a: i64, c: i64) -> Result<i64, TrapCode> {
    match (a as u64).checked_rem(c as u64) {
        Some(r) => Ok(r as i64),
        None => Err(TrapCode::IntegerDivideByZero),
    }
}
pub fn visit_i64_and(a: i64, c: i64) -> i64 {
    a & c
}
pub fn visit_i64_or(a: i64, c: i64) -> i64 {
    a | c
}
pub fn visit_i64_xor(a: i64, c: i64) -> i64 {
    a ^ c
}
pub fn visit_i64_shl(a: i64, c: i64) -> i64 {
    a.wrapping_shl(c as u32)
}
pub fn visit_i64_shr_s(a: i64, c: i64) -> i64 {
    a.wrapping_shr(c as u32)
}
pub fn visit_i64_shr_u(a: i64, c: i64) -> i64 {
    (a as u64).wrapping_shr(c as u32) as i64
}
pub fn visit_i64_rotl(a: i64, c: i64) -> i64 {
    a.rotate_left((c & 63) as u32)
}
pub fn visit_i64_rotr(a: i64, c: i64) -> i64 {
    a.rotate_right((c & 63) as u32)
}

// ---- floats ----

/// Float helpers shared by the scalar and vector operators.
pub mod float {
    /// `min` per the spec: NaN if either is NaN, and `-0 < +0`.
    #[inline]
    pub fn fmin32(a: f32, b: f32) -> f32 {
        if a.is_nan() || b.is_nan() {
            return f32::NAN;
        }
        if a == b {
            // Equal: only zeros of different signs differ; prefer -0.
            return f32::from_bits(a.to_bits() | b.to_bits());
        }
        if a < b { a } else { b }
    }

    #[inline]
    pub fn fmax32(a: f32, b: f32) -> f32 {
        if a.is_nan() || b.is_nan() {
            return f32::NAN;
        }
        if a == b {
            return f32::from_bits(a.to_bits() & b.to_bits());
        }
        if a > b { a } else { b }
    }

    #[inline]
    pub fn fmin64(a: f64, b: f64) -> f64 {
        if a.is_nan() || b.is_nan() {
            return f64::NAN;
        }
        if a == b {
            return f64::from_bits(a.to_bits() | b.to_bits());
        }
        if a < b { a } else { b }
    }

    #[inline]
    pub fn fmax64(a: f64, b: f64) -> f64 {
        if a.is_nan() || b.is_nan() {
            return f64::NAN;
        }
        if a == b {
            return f64::from_bits(a.to_bits() & b.to_bits());
        }
        if a > b { a } else { b }
    }

    /// Applies a rounding function, returning a NaN operand quieted.
    #[inline]
    pub fn round32(a: f32, f: impl Fn(f32) -> f32) -> f32 {
        if a.is_nan() {
            f32::from_bits(a.to_bits() | 0x0040_0000)
        } else {
            f(a)
        }
    }

    #[inline]
    pub fn round64(a: f64, f: impl Fn(f64) -> f64) -> f64 {
        if a.is_nan() {
            f64::from_bits(a.to_bits() | 0x0008_0000_0000_0000)
        } else {
            f(a)
        }
    }

    pub fn nearest32(a: f32) -> f32 {
        round32(a, f32::round_ties_even)
    }
    pub fn nearest64(a: f64) -> f64 {
        round64(a, f64::round_ties_even)
    }
    pub fn ceil32(a: f32) -> f32 {
        round32(a, f32::ceil)
    }
    pub fn ceil64(a: f64) -> f64 {
        round64(a, f64::ceil)
    }
    pub fn floor32(a: f32) -> f32 {
        round32(a, f32::floor)
    }
    pub fn floor64(a: f64) -> f64 {
        round64(a, f64::floor)
    }
    pub fn trunc32(a: f32) -> f32 {
        round32(a, f32::trunc)
    }
    pub fn trunc64(a: f64) -> f64 {
        round64(a, f64::trunc)
    }
    pub fn abs32(a: f32) -> f32 {
        f32::from_bits(a.to_bits() & 0x7fff_ffff)
    }
    pub fn abs64(a: f64) -> f64 {
        f64::from_bits(a.to_bits() & 0x7fff_ffff_ffff_ffff)
    }
    pub fn neg32(a: f32) -> f32 {
        f32::from_bits(a.to_bits() ^ 0x8000_0000)
    }
    pub fn neg64(a: f64) -> f64 {
        f64::from_bits(a.to_bits() ^ 0x8000_0000_0000_0000)
    }
    /// `f32.demote_f64`: NaNs become the canonical NaN.
    pub fn demote(a: f64) -> f32 {
        if a.is_nan() { f32::NAN } else { a as f32 }
    }
    /// `f64.promote_f32`: NaNs become the canonical NaN.
    pub fn promote(a: f32) -> f64 {
        if a.is_nan() { f64::NAN } else { a as f64 }
    }
}

use float::*;

pub fn visit_f32_eq(a: f32, c: f32) -> i32 {
    b(a == c)
}
pub fn visit_f32_ne(a: f32, c: f32) -> i32 {
    b(a != c)
}
pub fn visit_f32_lt(a: f32, c: f32) -> i32 {
    b(a < c)
}
pub fn visit_f32_gt(a: f32, c: f32) -> i32 {
    b(a > c)
}
pub fn visit_f32_le(a: f32, c: f32) -> i32 {
    b(a <= c)
}
pub fn visit_f32_ge(a: f32, c: f32) -> i32 {
    b(a >= c)
}
pub fn visit_f64_eq(a: f64, c: f64) -> i32 {
    b(a == c)
}
pub fn visit_f64_ne(a: f64, c: f64) -> i32 {
    b(a != c)
}
pub fn visit_f64_lt(a: f64, c: f64) -> i32 {
    b(a < c)
}
pub fn visit_f64_gt(a: f64, c: f64) -> i32 {
    b(a > c)
}
pub fn visit_f64_le(a: f64, c: f64) -> i32 {
    b(a <= c)
}
pub fn visit_f64_ge(a: f64, c: f64) -> i32 {
    b(a >= c)
}

pub fn visit_f32_abs(a: f32) -> f32 {
    abs32(a)
}
pub fn visit_f32_neg(a: f32) -> f32 {
    neg32(a)
}
pub fn visit_f32_ceil(a: f32) -> f32 {
    ceil32(a)
}
pub fn visit_f32_floor(a: f32) -> f32 {
    floor32(a)
}
pub fn visit_f32_trunc(a: f32) -> f32 {
    trunc32(a)
}
pub fn visit_f32_nearest(a: f32) -> f32 {
    nearest32(a)
}
pub fn visit_f32_sqrt(a: f32) -> f32 {
    a.sqrt()
}
pub fn visit_f32_add(a: f32, c: f32) -> f32 {
    a + c
}
pub fn visit_f32_sub(a: f32, c: f32) -> f32 {
    a - c
}
pub fn visit_f32_mul(a: f32, c: f32) -> f32 {
    a * c
}
pub fn visit_f32_div(a: f32, c: f32) -> f32 {
    a / c
}
pub fn visit_f32_min(a: f32, c: f32) -> f32 {
    fmin32(a, c)
}
pub fn visit_f32_max(a: f32, c: f32) -> f32 {
    fmax32(a, c)
}
pub fn visit_f32_copysign(a: f32, c: f32) -> f32 {
    f32::from_bits((a.to_bits() & 0x7fff_ffff) | (c.to_bits() & 0x8000_0000))
}
pub fn visit_f64_abs(a: f64) -> f64 {
    abs64(a)
}
pub fn visit_f64_neg(a: f64) -> f64 {
    neg64(a)
}
pub fn visit_f64_ceil(a: f64) -> f64 {
    ceil64(a)
}
pub fn visit_f64_floor(a: f64) -> f64 {
    floor64(a)
}
pub fn visit_f64_trunc(a: f64) -> f64 {
    trunc64(a)
}
pub fn visit_f64_nearest(a: f64) -> f64 {
    nearest64(a)
}
pub fn visit_f64_sqrt(a: f64) -> f64 {
    a.sqrt()
}
/// The negated float comparisons of the fused branches (`BrF64NotLt`,
/// ...): true also when an operand is NaN, which is why they are not the
/// opposite comparison.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub mod negated {
    #[inline(always)]
    pub fn lt<T: PartialOrd>(x: T, y: T) -> bool {
        !(x < y)
    }
    #[inline(always)]
    pub fn gt<T: PartialOrd>(x: T, y: T) -> bool {
        !(x > y)
    }
    #[inline(always)]
    pub fn le<T: PartialOrd>(x: T, y: T) -> bool {
        !(x <= y)
    }
    #[inline(always)]
    pub fn ge<T: PartialOrd>(x: T, y: T) -> bool {
        !(x >= y)
    }
}

pub fn visit_f64_add(a: f64, c: f64) -> f64 {
    a + c
}
pub fn visit_f64_sub(a: f64, c: f64) -> f64 {
    a - c
}
pub fn visit_f64_mul(a: f64, c: f64) -> f64 {
    a * c
}
pub fn visit_f64_div(a: f64, c: f64) -> f64 {
    a / c
}
pub fn visit_f64_min(a: f64, c: f64) -> f64 {
    fmin64(a, c)
}
pub fn visit_f64_max(a: f64, c: f64) -> f64 {
    fmax64(a, c)
}
pub fn visit_f64_copysign(a: f64, c: f64) -> f64 {
    f64::from_bits((a.to_bits() & 0x7fff_ffff_ffff_ffff) | (c.to_bits() & 0x8000_0000_0000_0000))
}

// ---- conversions ----

pub fn visit_i32_wrap_i64(a: i64) -> i32 {
    a as i32
}

/// Checks a float-to-int conversion: NaN is invalid, and `lo < x < hi`
/// (exclusive bounds, already widened to the nearest non-representable
/// neighbours) must hold.
macro_rules! trunc {
    ($name:ident, $f:ty, $i:ty, $lo:expr, $hi:expr) => {
        #[inline]
        pub fn $name(a: $f) -> Result<$i, TrapCode> {
            if a.is_nan() {
                return Err(TrapCode::InvalidConversionToInteger);
            }
            if !(a > $lo && a < $hi) {
                return Err(TrapCode::IntegerOverflow);
            }
            Ok(a as $i)
        }
    };
}

trunc!(trunc_f32_i32, f32, i32, -2147483904.0f32, 2147483648.0f32);
trunc!(trunc_f32_u32, f32, u32, -1.0f32, 4294967296.0f32);
trunc!(trunc_f64_i32, f64, i32, -2147483649.0f64, 2147483648.0f64);
trunc!(trunc_f64_u32, f64, u32, -1.0f64, 4294967296.0f64);
trunc!(
    trunc_f32_i64,
    f32,
    i64,
    -9223373136366403584.0f32,
    9223372036854775808.0f32
);
trunc!(trunc_f32_u64, f32, u64, -1.0f32, 18446744073709551616.0f32);
trunc!(
    trunc_f64_i64,
    f64,
    i64,
    -9223372036854777856.0f64,
    9223372036854775808.0f64
);
trunc!(trunc_f64_u64, f64, u64, -1.0f64, 18446744073709551616.0f64);

pub fn visit_i32_trunc_f32_s(a: f32) -> Result<i32, TrapCode> {
    trunc_f32_i32(a)
}
pub fn visit_i32_trunc_f32_u(a: f32) -> Result<i32, TrapCode> {
    trunc_f32_u32(a).map(|x| x as i32)
}
pub fn visit_i32_trunc_f64_s(a: f64) -> Result<i32, TrapCode> {
    trunc_f64_i32(a)
}
pub fn visit_i32_trunc_f64_u(a: f64) -> Result<i32, TrapCode> {
    trunc_f64_u32(a).map(|x| x as i32)
}
pub fn visit_i64_trunc_f32_s(a: f32) -> Result<i64, TrapCode> {
    trunc_f32_i64(a)
}
pub fn visit_i64_trunc_f32_u(a: f32) -> Result<i64, TrapCode> {
    trunc_f32_u64(a).map(|x| x as i64)
}
pub fn visit_i64_trunc_f64_s(a: f64) -> Result<i64, TrapCode> {
    trunc_f64_i64(a)
}
pub fn visit_i64_trunc_f64_u(a: f64) -> Result<i64, TrapCode> {
    trunc_f64_u64(a).map(|x| x as i64)
}
// Rust's float-to-int `as` saturates and maps NaN to 0: exactly the
// non-trapping conversions.
pub fn visit_i32_trunc_sat_f32_s(a: f32) -> i32 {
    a as i32
}
pub fn visit_i32_trunc_sat_f32_u(a: f32) -> i32 {
    a as u32 as i32
}
pub fn visit_i32_trunc_sat_f64_s(a: f64) -> i32 {
    a as i32
}
pub fn visit_i32_trunc_sat_f64_u(a: f64) -> i32 {
    a as u32 as i32
}
pub fn visit_i64_trunc_sat_f32_s(a: f32) -> i64 {
    a as i64
}
pub fn visit_i64_trunc_sat_f32_u(a: f32) -> i64 {
    a as u64 as i64
}
pub fn visit_i64_trunc_sat_f64_s(a: f64) -> i64 {
    a as i64
}
pub fn visit_i64_trunc_sat_f64_u(a: f64) -> i64 {
    a as u64 as i64
}
pub fn visit_i64_extend_i32_s(a: i32) -> i64 {
    a as i64
}
pub fn visit_i64_extend_i32_u(a: i32) -> i64 {
    a as u32 as i64
}
pub fn visit_f32_convert_i32_s(a: i32) -> f32 {
    a as f32
}
pub fn visit_f32_convert_i32_u(a: i32) -> f32 {
    a as u32 as f32
}
pub fn visit_f32_convert_i64_s(a: i64) -> f32 {
    a as f32
}
pub fn visit_f32_convert_i64_u(a: i64) -> f32 {
    a as u64 as f32
}
pub fn visit_f32_demote_f64(a: f64) -> f32 {
    demote(a)
}
pub fn visit_f64_convert_i32_s(a: i32) -> f64 {
    a as f64
}
pub fn visit_f64_convert_i32_u(a: i32) -> f64 {
    a as u32 as f64
}
pub fn visit_f64_convert_i64_s(a: i64) -> f64 {
    a as f64
}
pub fn visit_f64_convert_i64_u(a: i64) -> f64 {
    a as u64 as f64
}
pub fn visit_f64_promote_f32(a: f32) -> f64 {
    promote(a)
}
pub fn visit_i32_reinterpret_f32(a: f32) -> i32 {
    a.to_bits() as i32
}
pub fn visit_i64_reinterpret_f64(a: f64) -> i64 {
    a.to_bits() as i64
}
pub fn visit_f32_reinterpret_i32(a: i32) -> f32 {
    f32::from_bits(a as u32)
}
pub fn visit_f64_reinterpret_i64(a: i64) -> f64 {
    f64::from_bits(a as u64)
}
pub fn visit_i32_extend8_s(a: i32) -> i32 {
    a as i8 as i32
}
pub fn visit_i32_extend16_s(a: i32) -> i32 {
    a as i16 as i32
}
pub fn visit_i64_extend8_s(a: i64) -> i64 {
    a as i8 as i64
}
pub fn visit_i64_extend16_s(a: i64) -> i64 {
    a as i16 as i64
}
pub fn visit_i64_extend32_s(a: i64) -> i64 {
    a as i32 as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_zeros_and_nans() {
        assert_eq!(visit_f32_min(0.0, -0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(visit_f32_min(-0.0, 0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(visit_f32_max(-0.0, 0.0).to_bits(), 0);
        assert_eq!(visit_f64_max(0.0, -0.0).to_bits(), 0);
        assert!(visit_f32_min(f32::NAN, 1.0).is_nan());
        assert!(visit_f64_max(1.0, f64::from_bits(0x7ff0_0000_0000_0001)).is_nan());
        assert_eq!(visit_f64_min(1.0, 2.0), 1.0);
        assert_eq!(visit_f32_max(f32::NEG_INFINITY, -1.0), -1.0);
    }

    #[test]
    fn nearest_ties_even_and_nan_quieting() {
        assert_eq!(visit_f32_nearest(0.5), 0.0);
        assert_eq!(visit_f32_nearest(1.5), 2.0);
        assert_eq!(visit_f32_nearest(2.5), 2.0);
        assert_eq!(visit_f64_nearest(-0.5).to_bits(), (-0.0f64).to_bits());
        assert_eq!(visit_f64_nearest(4503599627370497.0), 4503599627370497.0);
        let snan = f32::from_bits(0x7fa0_0000);
        assert_eq!(visit_f32_nearest(snan).to_bits(), 0x7fe0_0000);
        assert_eq!(visit_f32_ceil(-0.5).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn bitwise_float_ops_keep_payloads() {
        let nan = f32::from_bits(0x7fa0_0001);
        assert_eq!(visit_f32_neg(nan).to_bits(), 0xffa0_0001);
        assert_eq!(visit_f32_abs(f32::from_bits(0xffa0_0001)).to_bits(), 0x7fa0_0001);
        assert_eq!(visit_f64_copysign(1.0, -0.0), -1.0);
    }

    #[test]
    fn trunc_bounds() {
        assert_eq!(visit_i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN));
        assert_eq!(visit_i32_trunc_f32_s(2147483648.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(visit_i32_trunc_f64_s(-2147483648.9), Ok(i32::MIN));
        assert_eq!(visit_i32_trunc_f64_s(-2147483649.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(visit_i32_trunc_f64_u(-0.9), Ok(0));
        assert_eq!(visit_i32_trunc_f64_u(4294967295.9), Ok(-1));
        assert_eq!(visit_i32_trunc_f64_u(4294967296.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(visit_i64_trunc_f64_s(-9223372036854775808.0), Ok(i64::MIN));
        assert_eq!(
            visit_i64_trunc_f64_s(9223372036854775808.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(visit_i64_trunc_f32_u(-0.9), Ok(0));
        assert_eq!(
            visit_i64_trunc_f32_u(f32::NAN),
            Err(TrapCode::InvalidConversionToInteger)
        );
        assert_eq!(visit_i32_trunc_sat_f32_s(f32::NAN), 0);
        assert_eq!(visit_i32_trunc_sat_f32_u(-5.0), 0);
        assert_eq!(visit_i64_trunc_sat_f64_u(1e30), -1);
        assert_eq!(visit_i32_trunc_sat_f64_s(-1e30), i32::MIN);
    }

    #[test]
    fn division_traps() {
        assert_eq!(visit_i32_div_s(i32::MIN, -1), Err(TrapCode::IntegerOverflow));
        assert_eq!(visit_i32_rem_s(i32::MIN, -1), Ok(0));
        assert_eq!(visit_i64_div_u(1, 0), Err(TrapCode::IntegerDivideByZero));
        assert_eq!(visit_i64_rem_s(-7, 2), Ok(-1));
        assert_eq!(visit_i32_div_u(-1, 2), Ok(0x7fff_ffff));
    }

    #[test]
    fn shifts_and_rotates() {
        assert_eq!(visit_i32_shl(1, 33), 2);
        assert_eq!(visit_i32_shr_s(-8, 33), -4);
        assert_eq!(visit_i32_shr_u(-8, 32), -8);
        assert_eq!(visit_i64_shr_u(-1, 65), i64::MAX);
        assert_eq!(visit_i32_rotl(0x8000_0001u32 as i32, 1), 3);
        assert_eq!(visit_i32_rotr(3, 33), 0x8000_0001u32 as i32);
        assert_eq!(visit_i64_rotl(1, -1), i64::MIN);
        assert_eq!(visit_i64_rotr(1, 64), 1);
    }
}
