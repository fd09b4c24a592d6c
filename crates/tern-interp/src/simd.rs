//! The semantics of the SIMD (0xFD) operators with a plain signature, on
//! `u128` vectors whose lane 0 is the least significant.

use crate::ops::float::*;

macro_rules! lanes {
    ($to:ident, $from:ident, $t:ty, $n:literal) => {
        /// The lanes of a vector.
        #[inline(always)]
        pub fn $to(v: u128) -> [$t; $n] {
            const W: usize = 16 / $n;
            let b = v.to_le_bytes();
            std::array::from_fn(|i| {
                let mut x = [0u8; W];
                x.copy_from_slice(&b[i * W..(i + 1) * W]);
                <$t>::from_le_bytes(x)
            })
        }
        /// A vector from its lanes.
        #[inline(always)]
        pub fn $from(a: [$t; $n]) -> u128 {
            const W: usize = 16 / $n;
            let mut b = [0u8; 16];
            for i in 0..$n {
                b[i * W..(i + 1) * W].copy_from_slice(&a[i].to_le_bytes());
            }
            u128::from_le_bytes(b)
        }
    };
}

lanes!(i8x16, from_i8x16, i8, 16);
lanes!(u8x16, from_u8x16, u8, 16);
lanes!(i16x8, from_i16x8, i16, 8);
lanes!(u16x8, from_u16x8, u16, 8);
lanes!(i32x4, from_i32x4, i32, 4);
lanes!(u32x4, from_u32x4, u32, 4);
lanes!(i64x2, from_i64x2, i64, 2);
lanes!(u64x2, from_u64x2, u64, 2);
lanes!(f32x4, from_f32x4, f32, 4);
lanes!(f64x2, from_f64x2, f64, 2);

macro_rules! unop {
    ($( $name:ident $to:ident $from:ident |$x:ident| $e:expr; )*) => {$(
        pub fn $name(v: u128) -> u128 {
            $from($to(v).map(|$x| $e))
        }
    )*};
}

macro_rules! binop {
    ($( $name:ident $to:ident $from:ident |$x:ident, $y:ident| $e:expr $(=> $sse:ident)?; )*) => {$(
        #[allow(unreachable_code)]
        pub fn $name(a: u128, b: u128) -> u128 {
            $(
                #[cfg(target_arch = "x86_64")]
                return sse::$sse(a, b);
            )?
            let (a, b) = ($to(a), $to(b));
            $from(std::array::from_fn(|i| {
                let ($x, $y) = (a[i], b[i]);
                $e
            }))
        }
    )*};
}

/// Comparisons: all-ones lanes where true. `$mask` is the signed integer
/// lane type of the same width.
macro_rules! cmpop {
    ($( $name:ident $to:ident $from:ident $mask:ty |$x:ident, $y:ident| $e:expr $(=> $sse:ident)?; )*) => {$(
        #[allow(unreachable_code)]
        pub fn $name(a: u128, b: u128) -> u128 {
            $(
                #[cfg(target_arch = "x86_64")]
                return sse::$sse(a, b);
            )?
            let (a, b) = ($to(a), $to(b));
            $from(std::array::from_fn(|i| {
                let ($x, $y) = (a[i], b[i]);
                -(($e) as $mask)
            }))
        }
    )*};
}

macro_rules! shiftop {
    ($( $name:ident $to:ident $from:ident $bits:literal |$x:ident, $s:ident| $e:expr $(=> $sse:ident)?; )*) => {$(
        #[allow(unreachable_code)]
        pub fn $name(a: u128, s: i32) -> u128 {
            let $s = (s as u32) % $bits;
            $(
                #[cfg(target_arch = "x86_64")]
                return sse::$sse(a, $s);
            )?
            $from($to(a).map(|$x| $e))
        }
    )*};
}

/// SSE2 (part of every x86-64) for the operators whose lane loops the
/// compiler leaves scalar: each has exactly the lane semantics of the
/// portable definition beside it (wrapping and saturating integer
/// arithmetic, IEEE float arithmetic, shifts by a count already taken
/// modulo the lane width).
#[cfg(target_arch = "x86_64")]
mod sse {
    use std::arch::x86_64::*;
    use std::mem::transmute;

    macro_rules! vector_ops {
        ($v:ty: $( $name:ident $f:ident; )*) => {$(
            #[inline(always)]
            pub fn $name(a: u128, b: u128) -> u128 {
                // SAFETY: SSE2 is part of x86-64, and a vector and a u128
                // are both 16 bytes, any bits a valid value of each.
                unsafe { transmute::<$v, u128>($f(transmute::<u128, $v>(a), transmute::<u128, $v>(b))) }
            }
        )*};
    }
    vector_ops! { __m128i:
        and_si128 _mm_and_si128; or_si128 _mm_or_si128; xor_si128 _mm_xor_si128;
        add_epi8 _mm_add_epi8; sub_epi8 _mm_sub_epi8; adds_epi8 _mm_adds_epi8; adds_epu8 _mm_adds_epu8;
        subs_epi8 _mm_subs_epi8; subs_epu8 _mm_subs_epu8; min_epu8 _mm_min_epu8; max_epu8 _mm_max_epu8;
        avg_epu8 _mm_avg_epu8;
        add_epi16 _mm_add_epi16; sub_epi16 _mm_sub_epi16; mullo_epi16 _mm_mullo_epi16;
        adds_epi16 _mm_adds_epi16; adds_epu16 _mm_adds_epu16; subs_epi16 _mm_subs_epi16;
        subs_epu16 _mm_subs_epu16; min_epi16 _mm_min_epi16; max_epi16 _mm_max_epi16; avg_epu16 _mm_avg_epu16;
        add_epi32 _mm_add_epi32; sub_epi32 _mm_sub_epi32; add_epi64 _mm_add_epi64; sub_epi64 _mm_sub_epi64;
        cmpeq_epi8 _mm_cmpeq_epi8; cmplt_epi8 _mm_cmplt_epi8; cmpgt_epi8 _mm_cmpgt_epi8;
        cmpeq_epi16 _mm_cmpeq_epi16; cmplt_epi16 _mm_cmplt_epi16; cmpgt_epi16 _mm_cmpgt_epi16;
        cmpeq_epi32 _mm_cmpeq_epi32; cmplt_epi32 _mm_cmplt_epi32; cmpgt_epi32 _mm_cmpgt_epi32;
    }
    // Float comparisons give all-ones lanes where they hold; with a NaN,
    // only `ne` holds, as in Wasm.
    vector_ops! { __m128:
        add_ps _mm_add_ps; sub_ps _mm_sub_ps; mul_ps _mm_mul_ps; div_ps _mm_div_ps;
        cmpeq_ps _mm_cmpeq_ps; cmpneq_ps _mm_cmpneq_ps; cmplt_ps _mm_cmplt_ps; cmpgt_ps _mm_cmpgt_ps;
        cmple_ps _mm_cmple_ps; cmpge_ps _mm_cmpge_ps;
    }
    vector_ops! { __m128d:
        add_pd _mm_add_pd; sub_pd _mm_sub_pd; mul_pd _mm_mul_pd; div_pd _mm_div_pd;
        cmpeq_pd _mm_cmpeq_pd; cmpneq_pd _mm_cmpneq_pd; cmplt_pd _mm_cmplt_pd; cmpgt_pd _mm_cmpgt_pd;
        cmple_pd _mm_cmple_pd; cmpge_pd _mm_cmpge_pd;
    }

    /// `v128.andnot`: `a & !b`.
    #[inline(always)]
    pub fn andnot(a: u128, b: u128) -> u128 {
        // SAFETY: as for `vector_ops`.
        unsafe {
            transmute::<__m128i, u128>(_mm_andnot_si128(
                transmute::<u128, __m128i>(b),
                transmute::<u128, __m128i>(a),
            ))
        }
    }

    /// `v128.bitselect`: `(a & c) | (b & !c)`.
    #[inline(always)]
    pub fn bitselect(a: u128, b: u128, c: u128) -> u128 {
        // SAFETY: as for `vector_ops`.
        unsafe {
            let (a, b, c) = (
                transmute::<u128, __m128i>(a),
                transmute::<u128, __m128i>(b),
                transmute::<u128, __m128i>(c),
            );
            transmute::<__m128i, u128>(_mm_or_si128(_mm_and_si128(a, c), _mm_andnot_si128(c, b)))
        }
    }

    macro_rules! shift_ops {
        ($( $name:ident $f:ident; )*) => {$(
            #[inline(always)]
            pub fn $name(a: u128, s: u32) -> u128 {
                // SAFETY: as for `vector_ops`; the count is below the lane
                // width, where the instruction shifts as the lanes do.
                unsafe { transmute::<__m128i, u128>($f(transmute::<u128, __m128i>(a), _mm_cvtsi32_si128(s as i32))) }
            }
        )*};
    }
    shift_ops! {
        sll_epi16 _mm_sll_epi16; sra_epi16 _mm_sra_epi16; srl_epi16 _mm_srl_epi16;
        sll_epi32 _mm_sll_epi32; sra_epi32 _mm_sra_epi32; srl_epi32 _mm_srl_epi32;
        sll_epi64 _mm_sll_epi64; srl_epi64 _mm_srl_epi64;
    }
}

// ---- bitwise ----

pub fn visit_v128_not(a: u128) -> u128 {
    !a
}
pub fn visit_v128_and(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    return sse::and_si128(a, b);
    #[cfg(not(target_arch = "x86_64"))]
    return a & b;
}
pub fn visit_v128_andnot(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    return sse::andnot(a, b);
    #[cfg(not(target_arch = "x86_64"))]
    return a & !b;
}
pub fn visit_v128_or(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    return sse::or_si128(a, b);
    #[cfg(not(target_arch = "x86_64"))]
    return a | b;
}
pub fn visit_v128_xor(a: u128, b: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    return sse::xor_si128(a, b);
    #[cfg(not(target_arch = "x86_64"))]
    return a ^ b;
}
pub fn visit_v128_bitselect(a: u128, b: u128, c: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    return sse::bitselect(a, b, c);
    #[cfg(not(target_arch = "x86_64"))]
    return (a & c) | (b & !c);
}
pub fn visit_v128_any_true(a: u128) -> i32 {
    (a != 0) as i32
}

// ---- splats ----

pub fn visit_i8x16_splat(x: i32) -> u128 {
    from_i8x16([x as i8; 16])
}
pub fn visit_i16x8_splat(x: i32) -> u128 {
    from_i16x8([x as i16; 8])
}
pub fn visit_i32x4_splat(x: i32) -> u128 {
    from_i32x4([x; 4])
}
pub fn visit_i64x2_splat(x: i64) -> u128 {
    from_i64x2([x; 2])
}
pub fn visit_f32x4_splat(x: f32) -> u128 {
    from_u32x4([x.to_bits(); 4])
}
pub fn visit_f64x2_splat(x: f64) -> u128 {
    from_u64x2([x.to_bits(); 2])
}

// ---- swizzle ----

pub fn visit_i8x16_swizzle(a: u128, s: u128) -> u128 {
    let (a, s) = (u8x16(a), u8x16(s));
    from_u8x16(s.map(|i| if i < 16 { a[i as usize] } else { 0 }))
}

// ---- comparisons ----

cmpop! {
    visit_i8x16_eq i8x16 from_i8x16 i8 |x, y| x == y => cmpeq_epi8;
    visit_i8x16_ne i8x16 from_i8x16 i8 |x, y| x != y;
    visit_i8x16_lt_s i8x16 from_i8x16 i8 |x, y| x < y => cmplt_epi8;
    visit_i8x16_lt_u u8x16 from_i8x16 i8 |x, y| x < y;
    visit_i8x16_gt_s i8x16 from_i8x16 i8 |x, y| x > y => cmpgt_epi8;
    visit_i8x16_gt_u u8x16 from_i8x16 i8 |x, y| x > y;
    visit_i8x16_le_s i8x16 from_i8x16 i8 |x, y| x <= y;
    visit_i8x16_le_u u8x16 from_i8x16 i8 |x, y| x <= y;
    visit_i8x16_ge_s i8x16 from_i8x16 i8 |x, y| x >= y;
    visit_i8x16_ge_u u8x16 from_i8x16 i8 |x, y| x >= y;
    visit_i16x8_eq i16x8 from_i16x8 i16 |x, y| x == y => cmpeq_epi16;
    visit_i16x8_ne i16x8 from_i16x8 i16 |x, y| x != y;
    visit_i16x8_lt_s i16x8 from_i16x8 i16 |x, y| x < y => cmplt_epi16;
    visit_i16x8_lt_u u16x8 from_i16x8 i16 |x, y| x < y;
    visit_i16x8_gt_s i16x8 from_i16x8 i16 |x, y| x > y => cmpgt_epi16;
    visit_i16x8_gt_u u16x8 from_i16x8 i16 |x, y| x > y;
    visit_i16x8_le_s i16x8 from_i16x8 i16 |x, y| x <= y;
    visit_i16x8_le_u u16x8 from_i16x8 i16 |x, y| x <= y;
    visit_i16x8_ge_s i16x8 from_i16x8 i16 |x, y| x >= y;
    visit_i16x8_ge_u u16x8 from_i16x8 i16 |x, y| x >= y;
    visit_i32x4_eq i32x4 from_i32x4 i32 |x, y| x == y => cmpeq_epi32;
    visit_i32x4_ne i32x4 from_i32x4 i32 |x, y| x != y;
    visit_i32x4_lt_s i32x4 from_i32x4 i32 |x, y| x < y => cmplt_epi32;
    visit_i32x4_lt_u u32x4 from_i32x4 i32 |x, y| x < y;
    visit_i32x4_gt_s i32x4 from_i32x4 i32 |x, y| x > y => cmpgt_epi32;
    visit_i32x4_gt_u u32x4 from_i32x4 i32 |x, y| x > y;
    visit_i32x4_le_s i32x4 from_i32x4 i32 |x, y| x <= y;
    visit_i32x4_le_u u32x4 from_i32x4 i32 |x, y| x <= y;
    visit_i32x4_ge_s i32x4 from_i32x4 i32 |x, y| x >= y;
    visit_i32x4_ge_u u32x4 from_i32x4 i32 |x, y| x >= y;
    visit_i64x2_eq i64x2 from_i64x2 i64 |x, y| x == y;
    visit_i64x2_ne i64x2 from_i64x2 i64 |x, y| x != y;
    visit_i64x2_lt_s i64x2 from_i64x2 i64 |x, y| x < y;
    visit_i64x2_gt_s i64x2 from_i64x2 i64 |x, y| x > y;
    visit_i64x2_le_s i64x2 from_i64x2 i64 |x, y| x <= y;
    visit_i64x2_ge_s i64x2 from_i64x2 i64 |x, y| x >= y;
    visit_f32x4_eq f32x4 from_i32x4 i32 |x, y| x == y => cmpeq_ps;
    visit_f32x4_ne f32x4 from_i32x4 i32 |x, y| x != y => cmpneq_ps;
    visit_f32x4_lt f32x4 from_i32x4 i32 |x, y| x < y => cmplt_ps;
    visit_f32x4_gt f32x4 from_i32x4 i32 |x, y| x > y => cmpgt_ps;
    visit_f32x4_le f32x4 from_i32x4 i32 |x, y| x <= y => cmple_ps;
    visit_f32x4_ge f32x4 from_i32x4 i32 |x, y| x >= y => cmpge_ps;
    visit_f64x2_eq f64x2 from_i64x2 i64 |x, y| x == y => cmpeq_pd;
    visit_f64x2_ne f64x2 from_i64x2 i64 |x, y| x != y => cmpneq_pd;
    visit_f64x2_lt f64x2 from_i64x2 i64 |x, y| x < y => cmplt_pd;
    visit_f64x2_gt f64x2 from_i64x2 i64 |x, y| x > y => cmpgt_pd;
    visit_f64x2_le f64x2 from_i64x2 i64 |x, y| x <= y => cmple_pd;
    visit_f64x2_ge f64x2 from_i64x2 i64 |x, y| x >= y => cmpge_pd;
}

// ---- integer lane arithmetic ----

unop! {
    visit_i8x16_abs i8x16 from_i8x16 |x| x.wrapping_abs();
    visit_i8x16_neg i8x16 from_i8x16 |x| x.wrapping_neg();
    visit_i8x16_popcnt u8x16 from_u8x16 |x| x.count_ones() as u8;
    visit_i16x8_abs i16x8 from_i16x8 |x| x.wrapping_abs();
    visit_i16x8_neg i16x8 from_i16x8 |x| x.wrapping_neg();
    visit_i32x4_abs i32x4 from_i32x4 |x| x.wrapping_abs();
    visit_i32x4_neg i32x4 from_i32x4 |x| x.wrapping_neg();
    visit_i64x2_abs i64x2 from_i64x2 |x| x.wrapping_abs();
    visit_i64x2_neg i64x2 from_i64x2 |x| x.wrapping_neg();
}

binop! {
    visit_i8x16_add i8x16 from_i8x16 |x, y| x.wrapping_add(y) => add_epi8;
    visit_i8x16_sub i8x16 from_i8x16 |x, y| x.wrapping_sub(y) => sub_epi8;
    visit_i8x16_add_sat_s i8x16 from_i8x16 |x, y| x.saturating_add(y) => adds_epi8;
    visit_i8x16_add_sat_u u8x16 from_u8x16 |x, y| x.saturating_add(y) => adds_epu8;
    visit_i8x16_sub_sat_s i8x16 from_i8x16 |x, y| x.saturating_sub(y) => subs_epi8;
    visit_i8x16_sub_sat_u u8x16 from_u8x16 |x, y| x.saturating_sub(y) => subs_epu8;
    visit_i8x16_min_s i8x16 from_i8x16 |x, y| x.min(y);
    visit_i8x16_min_u u8x16 from_u8x16 |x, y| x.min(y) => min_epu8;
    visit_i8x16_max_s i8x16 from_i8x16 |x, y| x.max(y);
    visit_i8x16_max_u u8x16 from_u8x16 |x, y| x.max(y) => max_epu8;
    visit_i8x16_avgr_u u8x16 from_u8x16 |x, y| ((x as u16 + y as u16).div_ceil(2)) as u8 => avg_epu8;
    visit_i16x8_add i16x8 from_i16x8 |x, y| x.wrapping_add(y) => add_epi16;
    visit_i16x8_sub i16x8 from_i16x8 |x, y| x.wrapping_sub(y) => sub_epi16;
    visit_i16x8_mul i16x8 from_i16x8 |x, y| x.wrapping_mul(y) => mullo_epi16;
    visit_i16x8_add_sat_s i16x8 from_i16x8 |x, y| x.saturating_add(y) => adds_epi16;
    visit_i16x8_add_sat_u u16x8 from_u16x8 |x, y| x.saturating_add(y) => adds_epu16;
    visit_i16x8_sub_sat_s i16x8 from_i16x8 |x, y| x.saturating_sub(y) => subs_epi16;
    visit_i16x8_sub_sat_u u16x8 from_u16x8 |x, y| x.saturating_sub(y) => subs_epu16;
    visit_i16x8_min_s i16x8 from_i16x8 |x, y| x.min(y) => min_epi16;
    visit_i16x8_min_u u16x8 from_u16x8 |x, y| x.min(y);
    visit_i16x8_max_s i16x8 from_i16x8 |x, y| x.max(y) => max_epi16;
    visit_i16x8_max_u u16x8 from_u16x8 |x, y| x.max(y);
    visit_i16x8_avgr_u u16x8 from_u16x8 |x, y| ((x as u32 + y as u32).div_ceil(2)) as u16 => avg_epu16;
    visit_i16x8_q15mulr_sat_s i16x8 from_i16x8
        |x, y| ((x as i32 * y as i32 + 0x4000) >> 15).clamp(i16::MIN as i32, i16::MAX as i32) as i16;
    visit_i32x4_add i32x4 from_i32x4 |x, y| x.wrapping_add(y) => add_epi32;
    visit_i32x4_sub i32x4 from_i32x4 |x, y| x.wrapping_sub(y) => sub_epi32;
    visit_i32x4_mul i32x4 from_i32x4 |x, y| x.wrapping_mul(y);
    visit_i32x4_min_s i32x4 from_i32x4 |x, y| x.min(y);
    visit_i32x4_min_u u32x4 from_u32x4 |x, y| x.min(y);
    visit_i32x4_max_s i32x4 from_i32x4 |x, y| x.max(y);
    visit_i32x4_max_u u32x4 from_u32x4 |x, y| x.max(y);
    visit_i64x2_add i64x2 from_i64x2 |x, y| x.wrapping_add(y) => add_epi64;
    visit_i64x2_sub i64x2 from_i64x2 |x, y| x.wrapping_sub(y) => sub_epi64;
    visit_i64x2_mul i64x2 from_i64x2 |x, y| x.wrapping_mul(y);
}

shiftop! {
    visit_i8x16_shl i8x16 from_i8x16 8 |x, s| x.wrapping_shl(s);
    visit_i8x16_shr_s i8x16 from_i8x16 8 |x, s| x.wrapping_shr(s);
    visit_i8x16_shr_u u8x16 from_u8x16 8 |x, s| x.wrapping_shr(s);
    visit_i16x8_shl i16x8 from_i16x8 16 |x, s| x.wrapping_shl(s) => sll_epi16;
    visit_i16x8_shr_s i16x8 from_i16x8 16 |x, s| x.wrapping_shr(s) => sra_epi16;
    visit_i16x8_shr_u u16x8 from_u16x8 16 |x, s| x.wrapping_shr(s) => srl_epi16;
    visit_i32x4_shl i32x4 from_i32x4 32 |x, s| x.wrapping_shl(s) => sll_epi32;
    visit_i32x4_shr_s i32x4 from_i32x4 32 |x, s| x.wrapping_shr(s) => sra_epi32;
    visit_i32x4_shr_u u32x4 from_u32x4 32 |x, s| x.wrapping_shr(s) => srl_epi32;
    visit_i64x2_shl i64x2 from_i64x2 64 |x, s| x.wrapping_shl(s) => sll_epi64;
    visit_i64x2_shr_s i64x2 from_i64x2 64 |x, s| x.wrapping_shr(s);
    visit_i64x2_shr_u u64x2 from_u64x2 64 |x, s| x.wrapping_shr(s) => srl_epi64;
}

// ---- reductions ----

pub fn visit_i8x16_all_true(a: u128) -> i32 {
    u8x16(a).iter().all(|&x| x != 0) as i32
}
pub fn visit_i16x8_all_true(a: u128) -> i32 {
    u16x8(a).iter().all(|&x| x != 0) as i32
}
pub fn visit_i32x4_all_true(a: u128) -> i32 {
    u32x4(a).iter().all(|&x| x != 0) as i32
}
pub fn visit_i64x2_all_true(a: u128) -> i32 {
    u64x2(a).iter().all(|&x| x != 0) as i32
}
pub fn visit_i8x16_bitmask(a: u128) -> i32 {
    i8x16(a).iter().enumerate().map(|(i, &x)| ((x < 0) as i32) << i).sum()
}
pub fn visit_i16x8_bitmask(a: u128) -> i32 {
    i16x8(a).iter().enumerate().map(|(i, &x)| ((x < 0) as i32) << i).sum()
}
pub fn visit_i32x4_bitmask(a: u128) -> i32 {
    i32x4(a).iter().enumerate().map(|(i, &x)| ((x < 0) as i32) << i).sum()
}
pub fn visit_i64x2_bitmask(a: u128) -> i32 {
    i64x2(a).iter().enumerate().map(|(i, &x)| ((x < 0) as i32) << i).sum()
}

// ---- narrowing and widening ----

pub fn visit_i8x16_narrow_i16x8_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i16x8(a), i16x8(b));
    from_i8x16(std::array::from_fn(|i| {
        let x = if i < 8 { a[i] } else { b[i - 8] };
        x.clamp(i8::MIN as i16, i8::MAX as i16) as i8
    }))
}
pub fn visit_i8x16_narrow_i16x8_u(a: u128, b: u128) -> u128 {
    let (a, b) = (i16x8(a), i16x8(b));
    from_u8x16(std::array::from_fn(|i| {
        let x = if i < 8 { a[i] } else { b[i - 8] };
        x.clamp(0, u8::MAX as i16) as u8
    }))
}
pub fn visit_i16x8_narrow_i32x4_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i32x4(a), i32x4(b));
    from_i16x8(std::array::from_fn(|i| {
        let x = if i < 4 { a[i] } else { b[i - 4] };
        x.clamp(i16::MIN as i32, i16::MAX as i32) as i16
    }))
}
pub fn visit_i16x8_narrow_i32x4_u(a: u128, b: u128) -> u128 {
    let (a, b) = (i32x4(a), i32x4(b));
    from_u16x8(std::array::from_fn(|i| {
        let x = if i < 4 { a[i] } else { b[i - 4] };
        x.clamp(0, u16::MAX as i32) as u16
    }))
}

/// Widening operators: `$src` lanes of the low (offset 0) or high half,
/// extended to the `$dst` lane type.
macro_rules! extend {
    ($( $name:ident $src:ident $dst_from:ident $dst:ident $n:literal $off:literal; )*) => {$(
        pub fn $name(a: u128) -> u128 {
            let a = $src(a);
            $dst_from(std::array::from_fn(|i| a[i + $off] as $dst))
        }
    )*};
}

extend! {
    visit_i16x8_extend_low_i8x16_s i8x16 from_i16x8 i16 8 0;
    visit_i16x8_extend_high_i8x16_s i8x16 from_i16x8 i16 8 8;
    visit_i16x8_extend_low_i8x16_u u8x16 from_i16x8 i16 8 0;
    visit_i16x8_extend_high_i8x16_u u8x16 from_i16x8 i16 8 8;
    visit_i32x4_extend_low_i16x8_s i16x8 from_i32x4 i32 4 0;
    visit_i32x4_extend_high_i16x8_s i16x8 from_i32x4 i32 4 4;
    visit_i32x4_extend_low_i16x8_u u16x8 from_i32x4 i32 4 0;
    visit_i32x4_extend_high_i16x8_u u16x8 from_i32x4 i32 4 4;
    visit_i64x2_extend_low_i32x4_s i32x4 from_i64x2 i64 2 0;
    visit_i64x2_extend_high_i32x4_s i32x4 from_i64x2 i64 2 2;
    visit_i64x2_extend_low_i32x4_u u32x4 from_i64x2 i64 2 0;
    visit_i64x2_extend_high_i32x4_u u32x4 from_i64x2 i64 2 2;
}

macro_rules! extmul {
    ($( $name:ident $src:ident $dst_from:ident $dst:ident $off:literal; )*) => {$(
        pub fn $name(a: u128, b: u128) -> u128 {
            let (a, b) = ($src(a), $src(b));
            $dst_from(std::array::from_fn(|i| (a[i + $off] as $dst).wrapping_mul(b[i + $off] as $dst)))
        }
    )*};
}

extmul! {
    visit_i16x8_extmul_low_i8x16_s i8x16 from_i16x8 i16 0;
    visit_i16x8_extmul_high_i8x16_s i8x16 from_i16x8 i16 8;
    visit_i16x8_extmul_low_i8x16_u u8x16 from_i16x8 i16 0;
    visit_i16x8_extmul_high_i8x16_u u8x16 from_i16x8 i16 8;
    visit_i32x4_extmul_low_i16x8_s i16x8 from_i32x4 i32 0;
    visit_i32x4_extmul_high_i16x8_s i16x8 from_i32x4 i32 4;
    visit_i32x4_extmul_low_i16x8_u u16x8 from_i32x4 i32 0;
    visit_i32x4_extmul_high_i16x8_u u16x8 from_i32x4 i32 4;
    visit_i64x2_extmul_low_i32x4_s i32x4 from_i64x2 i64 0;
    visit_i64x2_extmul_high_i32x4_s i32x4 from_i64x2 i64 2;
    visit_i64x2_extmul_low_i32x4_u u32x4 from_i64x2 i64 0;
    visit_i64x2_extmul_high_i32x4_u u32x4 from_i64x2 i64 2;
}

macro_rules! extadd {
    ($( $name:ident $src:ident $dst_from:ident $dst:ident; )*) => {$(
        pub fn $name(a: u128) -> u128 {
            let a = $src(a);
            $dst_from(std::array::from_fn(|i| (a[2 * i] as $dst) + (a[2 * i + 1] as $dst)))
        }
    )*};
}

extadd! {
    visit_i16x8_extadd_pairwise_i8x16_s i8x16 from_i16x8 i16;
    visit_i16x8_extadd_pairwise_i8x16_u u8x16 from_i16x8 i16;
    visit_i32x4_extadd_pairwise_i16x8_s i16x8 from_i32x4 i32;
    visit_i32x4_extadd_pairwise_i16x8_u u16x8 from_i32x4 i32;
}

pub fn visit_i32x4_dot_i16x8_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i16x8(a), i16x8(b));
    from_i32x4(std::array::from_fn(|i| {
        (a[2 * i] as i32 * b[2 * i] as i32).wrapping_add(a[2 * i + 1] as i32 * b[2 * i + 1] as i32)
    }))
}

// ---- float lanes ----

unop! {
    visit_f32x4_abs f32x4 from_f32x4 |x| abs32(x);
    visit_f32x4_neg f32x4 from_f32x4 |x| neg32(x);
    visit_f32x4_sqrt f32x4 from_f32x4 |x| x.sqrt();
    visit_f32x4_ceil f32x4 from_f32x4 |x| ceil32(x);
    visit_f32x4_floor f32x4 from_f32x4 |x| floor32(x);
    visit_f32x4_trunc f32x4 from_f32x4 |x| trunc32(x);
    visit_f32x4_nearest f32x4 from_f32x4 |x| nearest32(x);
    visit_f64x2_abs f64x2 from_f64x2 |x| abs64(x);
    visit_f64x2_neg f64x2 from_f64x2 |x| neg64(x);
    visit_f64x2_sqrt f64x2 from_f64x2 |x| x.sqrt();
    visit_f64x2_ceil f64x2 from_f64x2 |x| ceil64(x);
    visit_f64x2_floor f64x2 from_f64x2 |x| floor64(x);
    visit_f64x2_trunc f64x2 from_f64x2 |x| trunc64(x);
    visit_f64x2_nearest f64x2 from_f64x2 |x| nearest64(x);
}

binop! {
    visit_f32x4_add f32x4 from_f32x4 |x, y| x + y => add_ps;
    visit_f32x4_sub f32x4 from_f32x4 |x, y| x - y => sub_ps;
    visit_f32x4_mul f32x4 from_f32x4 |x, y| x * y => mul_ps;
    visit_f32x4_div f32x4 from_f32x4 |x, y| x / y => div_ps;
    visit_f32x4_min f32x4 from_f32x4 |x, y| fmin32(x, y);
    visit_f32x4_max f32x4 from_f32x4 |x, y| fmax32(x, y);
    visit_f32x4_pmin f32x4 from_f32x4 |x, y| if y < x { y } else { x };
    visit_f32x4_pmax f32x4 from_f32x4 |x, y| if x < y { y } else { x };
    visit_f64x2_add f64x2 from_f64x2 |x, y| x + y => add_pd;
    visit_f64x2_sub f64x2 from_f64x2 |x, y| x - y => sub_pd;
    visit_f64x2_mul f64x2 from_f64x2 |x, y| x * y => mul_pd;
    visit_f64x2_div f64x2 from_f64x2 |x, y| x / y => div_pd;
    visit_f64x2_min f64x2 from_f64x2 |x, y| fmin64(x, y);
    visit_f64x2_max f64x2 from_f64x2 |x, y| fmax64(x, y);
    visit_f64x2_pmin f64x2 from_f64x2 |x, y| if y < x { y } else { x };
    visit_f64x2_pmax f64x2 from_f64x2 |x, y| if x < y { y } else { x };
}

// ---- conversions ----

pub fn visit_i32x4_trunc_sat_f32x4_s(a: u128) -> u128 {
    from_i32x4(f32x4(a).map(|x| x as i32))
}
pub fn visit_i32x4_trunc_sat_f32x4_u(a: u128) -> u128 {
    from_u32x4(f32x4(a).map(|x| x as u32))
}
pub fn visit_i32x4_trunc_sat_f64x2_s_zero(a: u128) -> u128 {
    let a = f64x2(a);
    from_i32x4([a[0] as i32, a[1] as i32, 0, 0])
}
pub fn visit_i32x4_trunc_sat_f64x2_u_zero(a: u128) -> u128 {
    let a = f64x2(a);
    from_u32x4([a[0] as u32, a[1] as u32, 0, 0])
}
pub fn visit_f32x4_convert_i32x4_s(a: u128) -> u128 {
    from_f32x4(i32x4(a).map(|x| x as f32))
}
pub fn visit_f32x4_convert_i32x4_u(a: u128) -> u128 {
    from_f32x4(u32x4(a).map(|x| x as f32))
}
pub fn visit_f64x2_convert_low_i32x4_s(a: u128) -> u128 {
    let a = i32x4(a);
    from_f64x2([a[0] as f64, a[1] as f64])
}
pub fn visit_f64x2_convert_low_i32x4_u(a: u128) -> u128 {
    let a = u32x4(a);
    from_f64x2([a[0] as f64, a[1] as f64])
}
pub fn visit_f32x4_demote_f64x2_zero(a: u128) -> u128 {
    let a = f64x2(a);
    from_f32x4([demote(a[0]), demote(a[1]), 0.0, 0.0])
}
pub fn visit_f64x2_promote_low_f32x4(a: u128) -> u128 {
    let a = f32x4(a);
    from_f64x2([promote(a[0]), promote(a[1])])
}

// ---- relaxed SIMD ----
//
// Each relaxed operator has one fixed behaviour, the same in both tiers
// and on every host: the choice of x86-64's SSE instructions where the
// spec allows one (see docs/ARCHITECTURE.md, "Relaxed SIMD"). In the
// deterministic mode (`Config::relaxed_simd_deterministic`) the
// translator emits the spec's deterministic behaviour instead: the plain
// SIMD operator, or the `*_det` functions below.

/// `pshufb`: an index with its top bit set selects 0, any other selects
/// lane `index % 16`.
pub fn visit_i8x16_relaxed_swizzle(a: u128, s: u128) -> u128 {
    let (a, s) = (u8x16(a), u8x16(s));
    from_u8x16(s.map(|i| if i & 0x80 != 0 { 0 } else { a[(i & 15) as usize] }))
}

/// `cvttps2dq`/`cvttpd2dq`: NaN and out-of-range lanes give `i32::MIN`.
#[inline]
fn trunc_or_min(x: f64) -> i32 {
    let t = x.trunc();
    if t.is_nan() || !(-2147483648.0..=2147483647.0).contains(&t) {
        i32::MIN
    } else {
        t as i32
    }
}
pub fn visit_i32x4_relaxed_trunc_f32x4_s(a: u128) -> u128 {
    from_i32x4(f32x4(a).map(|x| trunc_or_min(x as f64)))
}
/// Unsigned: the deterministic behaviour (saturating).
pub fn visit_i32x4_relaxed_trunc_f32x4_u(a: u128) -> u128 {
    visit_i32x4_trunc_sat_f32x4_u(a)
}
pub fn visit_i32x4_relaxed_trunc_f64x2_s_zero(a: u128) -> u128 {
    let a = f64x2(a);
    from_i32x4([trunc_or_min(a[0]), trunc_or_min(a[1]), 0, 0])
}
pub fn visit_i32x4_relaxed_trunc_f64x2_u_zero(a: u128) -> u128 {
    visit_i32x4_trunc_sat_f64x2_u_zero(a)
}

const CANON_NAN32: u32 = 0x7fc0_0000;
const CANON_NAN64: u64 = 0x7ff8_0000_0000_0000;

/// A NaN result of a multiply-add becomes the canonical NaN: which input
/// NaN a fused multiply-add propagates depends on the instruction form
/// the register allocator picks, so both tiers canonicalize.
#[inline]
fn canon32(x: f32) -> f32 {
    if x.is_nan() { f32::from_bits(CANON_NAN32) } else { x }
}
#[inline]
fn canon64(x: f64) -> f64 {
    if x.is_nan() { f64::from_bits(CANON_NAN64) } else { x }
}

/// Fused (one rounding).
pub fn visit_f32x4_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
    from_f32x4(std::array::from_fn(|i| canon32(a[i].mul_add(b[i], c[i]))))
}
pub fn visit_f32x4_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
    from_f32x4(std::array::from_fn(|i| canon32((-a[i]).mul_add(b[i], c[i]))))
}
pub fn visit_f64x2_relaxed_madd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
    from_f64x2(std::array::from_fn(|i| canon64(a[i].mul_add(b[i], c[i]))))
}
pub fn visit_f64x2_relaxed_nmadd(a: u128, b: u128, c: u128) -> u128 {
    let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
    from_f64x2(std::array::from_fn(|i| canon64((-a[i]).mul_add(b[i], c[i]))))
}
/// Deterministic: unfused (two roundings).
pub fn f32x4_madd_det(a: u128, b: u128, c: u128, neg: bool) -> u128 {
    let (a, b, c) = (f32x4(a), f32x4(b), f32x4(c));
    from_f32x4(std::array::from_fn(|i| {
        let x = if neg { -a[i] } else { a[i] };
        canon32(x * b[i] + c[i])
    }))
}
pub fn f64x2_madd_det(a: u128, b: u128, c: u128, neg: bool) -> u128 {
    let (a, b, c) = (f64x2(a), f64x2(b), f64x2(c));
    from_f64x2(std::array::from_fn(|i| {
        let x = if neg { -a[i] } else { a[i] };
        canon64(x * b[i] + c[i])
    }))
}

/// `pblendvb`/`blendvps`/`blendvpd`: the top bit of each mask lane picks
/// `a` (set) or `b` (clear).
pub fn visit_i8x16_relaxed_laneselect(a: u128, b: u128, m: u128) -> u128 {
    let (a, b, m) = (i8x16(a), i8x16(b), i8x16(m));
    from_i8x16(std::array::from_fn(|i| if m[i] < 0 { a[i] } else { b[i] }))
}
/// `i16x8`: the deterministic `bitselect` (x86 has no 16-bit blend).
pub fn visit_i16x8_relaxed_laneselect(a: u128, b: u128, m: u128) -> u128 {
    visit_v128_bitselect(a, b, m)
}
pub fn visit_i32x4_relaxed_laneselect(a: u128, b: u128, m: u128) -> u128 {
    let (a, b, m) = (i32x4(a), i32x4(b), i32x4(m));
    from_i32x4(std::array::from_fn(|i| if m[i] < 0 { a[i] } else { b[i] }))
}
pub fn visit_i64x2_relaxed_laneselect(a: u128, b: u128, m: u128) -> u128 {
    let (a, b, m) = (i64x2(a), i64x2(b), i64x2(m));
    from_i64x2(std::array::from_fn(|i| if m[i] < 0 { a[i] } else { b[i] }))
}

/// `minps`/`maxps` with the operands swapped, as `pmin`/`pmax`: the first
/// operand unless the second is strictly smaller (larger).
pub fn visit_f32x4_relaxed_min(a: u128, b: u128) -> u128 {
    visit_f32x4_pmin(a, b)
}
pub fn visit_f32x4_relaxed_max(a: u128, b: u128) -> u128 {
    visit_f32x4_pmax(a, b)
}
pub fn visit_f64x2_relaxed_min(a: u128, b: u128) -> u128 {
    visit_f64x2_pmin(a, b)
}
pub fn visit_f64x2_relaxed_max(a: u128, b: u128) -> u128 {
    visit_f64x2_pmax(a, b)
}

/// `pmulhrsw`: `-32768 * -32768` wraps to `-32768`.
pub fn visit_i16x8_relaxed_q15mulr_s(a: u128, b: u128) -> u128 {
    let (a, b) = (i16x8(a), i16x8(b));
    from_i16x8(std::array::from_fn(|i| {
        ((a[i] as i32 * b[i] as i32 + 0x4000) >> 15) as i16
    }))
}

/// The 16-bit dot product of pairs of bytes, saturating: `a` signed, `b`
/// unsigned (`pmaddubsw`) or, deterministically, signed.
#[inline]
fn dot_i8_pairs(a: u128, b: u128, b_signed: bool) -> [i16; 8] {
    let (a, b) = (i8x16(a), i8x16(b));
    let wide = |x: i8| if b_signed { x as i16 } else { x as u8 as i16 };
    std::array::from_fn(|i| {
        let p0 = a[2 * i] as i16 * wide(b[2 * i]);
        let p1 = a[2 * i + 1] as i16 * wide(b[2 * i + 1]);
        p0.saturating_add(p1)
    })
}
/// `pmaddubsw` with the second operand as the unsigned one.
pub fn visit_i16x8_relaxed_dot_i8x16_i7x16_s(a: u128, b: u128) -> u128 {
    from_i16x8(dot_i8_pairs(a, b, false))
}
/// `pmaddubsw`, then `pmaddwd` by ones, then the accumulator.
pub fn visit_i32x4_relaxed_dot_i8x16_i7x16_add_s(a: u128, b: u128, c: u128) -> u128 {
    dot_add(a, b, c, false)
}
pub fn dot_det(a: u128, b: u128) -> u128 {
    from_i16x8(dot_i8_pairs(a, b, true))
}
pub fn dot_add(a: u128, b: u128, c: u128, b_signed: bool) -> u128 {
    let d = dot_i8_pairs(a, b, b_signed);
    let c = i32x4(c);
    from_i32x4(std::array::from_fn(|i| {
        (d[2 * i] as i32 + d[2 * i + 1] as i32).wrapping_add(c[i])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_order_is_little_endian() {
        let v = from_i32x4([1, 2, 3, 4]);
        assert_eq!(v & 0xffff_ffff, 1);
        assert_eq!(i32x4(v), [1, 2, 3, 4]);
        assert_eq!(u8x16(v)[4], 2);
    }

    #[test]
    fn saturating_arith() {
        let a = from_i8x16([127, -128, 100, -100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let b = from_i8x16([1, -1, 100, -100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let r = i8x16(visit_i8x16_add_sat_s(a, b));
        assert_eq!(&r[..4], &[127, -128, 127, -128]);
        let r = u8x16(visit_i8x16_sub_sat_u(from_u8x16([5; 16]), from_u8x16([9; 16])));
        assert_eq!(r, [0; 16]);
        let r = u16x8(visit_i16x8_add_sat_u(from_u16x8([65530; 8]), from_u16x8([10; 8])));
        assert_eq!(r, [65535; 8]);
        let q = i16x8(visit_i16x8_q15mulr_sat_s(
            from_i16x8([i16::MIN; 8]),
            from_i16x8([i16::MIN; 8]),
        ));
        assert_eq!(q, [i16::MAX; 8]);
    }

    #[test]
    fn narrowing() {
        let a = from_i16x8([300, -300, 127, -128, 0, 255, 256, -1]);
        let s = i8x16(visit_i8x16_narrow_i16x8_s(a, a));
        assert_eq!(&s[..8], &[127, -128, 127, -128, 0, 127, 127, -1]);
        let u = u8x16(visit_i8x16_narrow_i16x8_u(a, 0));
        assert_eq!(&u[..8], &[255, 0, 127, 0, 0, 255, 255, 0]);
        assert_eq!(&u[8..], &[0; 8]);
        let w = from_i32x4([70000, -70000, 65535, -1]);
        assert_eq!(
            u16x8(visit_i16x8_narrow_i32x4_u(w, w)),
            [65535, 0, 65535, 0, 65535, 0, 65535, 0]
        );
        assert_eq!(
            i16x8(visit_i16x8_narrow_i32x4_s(w, 0)),
            [32767, -32768, 32767, -1, 0, 0, 0, 0]
        );
    }

    #[test]
    fn widening_and_dot() {
        let a = from_i8x16([-1, 2, -3, 4, 5, 6, 7, 8, -9, 10, 11, 12, 13, 14, 15, -128]);
        assert_eq!(
            i16x8(visit_i16x8_extend_high_i8x16_s(a)),
            [-9, 10, 11, 12, 13, 14, 15, -128]
        );
        assert_eq!(i16x8(visit_i16x8_extend_low_i8x16_u(a))[0], 255);
        assert_eq!(i16x8(visit_i16x8_extadd_pairwise_i8x16_s(a))[0], 1);
        let m = from_i16x8([i16::MIN; 8]);
        assert_eq!(i32x4(visit_i32x4_dot_i16x8_s(m, m)), [i32::MIN; 4]);
    }

    #[test]
    fn shifts_mask_the_count() {
        assert_eq!(i8x16(visit_i8x16_shl(from_i8x16([1; 16]), 9)), [2; 16]);
        assert_eq!(i32x4(visit_i32x4_shr_s(from_i32x4([-8; 4]), 33)), [-4; 4]);
        assert_eq!(
            u64x2(visit_i64x2_shr_u(from_u64x2([u64::MAX; 2]), 65)),
            [u64::MAX >> 1; 2]
        );
    }

    #[test]
    fn float_lanes() {
        let a = from_f32x4([0.0, -0.0, f32::NAN, 1.0]);
        let b = from_f32x4([-0.0, 0.0, 1.0, f32::NAN]);
        let m = f32x4(visit_f32x4_min(a, b));
        assert_eq!(m[0].to_bits(), 0x8000_0000);
        assert_eq!(m[1].to_bits(), 0x8000_0000);
        assert!(m[2].is_nan() && m[3].is_nan());
        let p = f32x4(visit_f32x4_pmin(a, b));
        assert_eq!(p[0].to_bits(), 0);
        assert!(p[2].is_nan());
        assert_eq!(p[3], 1.0);
        assert_eq!(
            i32x4(visit_i32x4_trunc_sat_f32x4_s(from_f32x4([f32::NAN, 3e9, -3e9, -1.5]))),
            [0, i32::MAX, i32::MIN, -1]
        );
        assert_eq!(
            u32x4(visit_i32x4_trunc_sat_f64x2_u_zero(from_f64x2([-1.0, 5e9]))),
            [0, u32::MAX, 0, 0]
        );
    }
}
