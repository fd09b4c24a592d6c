//! Number literals: integers in every spelling (signs, hex, `_`
//! separators) and floats (decimal, hex with `p` exponents, `inf`, `nan`,
//! `nan:0x...`), converted with correct rounding.

/// Removes `_` separators, checking each sits between two digits.
fn strip_underscores(s: &str, hex: bool) -> Option<String> {
    let b = s.as_bytes();
    let is_digit = |c: u8| if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() };
    let mut out = String::with_capacity(s.len());
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            if i == 0 || i + 1 >= b.len() || !is_digit(b[i - 1]) || !is_digit(b[i + 1]) {
                return None;
            }
        } else {
            out.push(c as char);
        }
    }
    Some(out)
}

/// Splits a sign off.
fn sign(s: &str) -> (bool, &str) {
    if let Some(r) = s.strip_prefix('-') {
        (true, r)
    } else if let Some(r) = s.strip_prefix('+') {
        (false, r)
    } else {
        (false, s)
    }
}

/// Parses an unsigned magnitude (decimal or `0x` hex) into a u64; `None` if
/// malformed or too large.
fn magnitude(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x") {
        let d = strip_underscores(h, true)?;
        if d.is_empty() {
            return None;
        }
        u64::from_str_radix(&d, 16).ok()
    } else {
        let d = strip_underscores(s, false)?;
        if d.is_empty() || !d.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        d.parse().ok()
    }
}

/// An unsigned 32-bit integer without sign (indices, alignments, lanes).
pub fn parse_u32(s: &str) -> Option<u32> {
    if s.starts_with('+') || s.starts_with('-') {
        return None;
    }
    magnitude(s).and_then(|v| u32::try_from(v).ok())
}

/// An unsigned 64-bit integer without sign (memory offsets).
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.starts_with('+') || s.starts_with('-') {
        return None;
    }
    magnitude(s)
}

/// An integer of `bits` bits in signed or unsigned interpretation, as its
/// two's-complement bit pattern.
pub fn parse_int(s: &str, bits: u32) -> Option<u64> {
    let (neg, rest) = sign(s);
    let m = magnitude(rest)?;
    let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    if neg {
        let min_mag = 1u64 << (bits - 1);
        if m > min_mag {
            return None;
        }
        Some(m.wrapping_neg() & mask)
    } else {
        if m > mask {
            return None;
        }
        Some(m)
    }
}

/// A float format: mantissa bits (without the implicit one) and exponent
/// bits.
#[derive(Clone, Copy)]
struct Format {
    mant: u32,
    exp: u32,
}

const F32: Format = Format { mant: 23, exp: 8 };
const F64: Format = Format { mant: 52, exp: 11 };

/// An f32 literal as bits.
pub fn parse_f32(s: &str) -> Option<u32> {
    parse_float(s, F32).map(|b| b as u32)
}

/// An f64 literal as bits.
pub fn parse_f64(s: &str) -> Option<u64> {
    parse_float(s, F64)
}

fn parse_float(s: &str, f: Format) -> Option<u64> {
    let (neg, rest) = sign(s);
    let sign_bit = (neg as u64) << (f.mant + f.exp);
    let exp_all = ((1u64 << f.exp) - 1) << f.mant;
    if rest == "inf" {
        return Some(sign_bit | exp_all);
    }
    if rest == "nan" {
        return Some(sign_bit | exp_all | (1u64 << (f.mant - 1)));
    }
    if let Some(p) = rest.strip_prefix("nan:0x") {
        let d = strip_underscores(p, true)?;
        let payload = u64::from_str_radix(&d, 16).ok()?;
        if payload == 0 || payload >= (1u64 << f.mant) {
            return None;
        }
        return Some(sign_bit | exp_all | payload);
    }
    let magnitude_bits = if let Some(h) = rest.strip_prefix("0x") {
        hex_float(h, f)?
    } else {
        decimal_float(rest, f)?
    };
    Some(sign_bit | magnitude_bits)
}

fn decimal_float(s: &str, f: Format) -> Option<u64> {
    // Grammar: digits ('.' digits?)? ([eE] [+-]? digits)?
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() {
        return None;
    }
    let (mant_part, exp_part) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int_part, frac_part) = match mant_part.find('.') {
        Some(i) => (&mant_part[..i], Some(&mant_part[i + 1..])),
        None => (mant_part, None),
    };
    let mut text = strip_underscores(int_part, false)?;
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if let Some(fr) = frac_part
        && !fr.is_empty()
    {
        let fr = strip_underscores(fr, false)?;
        if !fr.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        text.push('.');
        text.push_str(&fr);
    }
    if let Some(e) = exp_part {
        let (eneg, ed) = sign(e);
        let ed = strip_underscores(ed, false)?;
        if ed.is_empty() || !ed.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        text.push('e');
        if eneg {
            text.push('-');
        }
        text.push_str(&ed);
    }
    // Rust's float parsing is correctly rounded; overflow gives infinity,
    // which the text format forbids for finite literals.
    if f.mant == 23 {
        let v: f32 = text.parse().ok()?;
        if v.is_infinite() {
            return None;
        }
        Some(v.to_bits() as u64)
    } else {
        let v: f64 = text.parse().ok()?;
        if v.is_infinite() {
            return None;
        }
        Some(v.to_bits())
    }
}

/// A hex float (after `0x`): hexdigits ('.' hexdigits?)? ([pP] [+-]? digits)?
/// rounded to nearest, ties to even, subnormals included.
fn hex_float(s: &str, f: Format) -> Option<u64> {
    let (mant_part, exp_part) = match s.find(['p', 'P']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int_part, frac_part) = match mant_part.find('.') {
        Some(i) => (&mant_part[..i], &mant_part[i + 1..]),
        None => (mant_part, ""),
    };
    let int_digits = strip_underscores(int_part, true)?;
    if int_digits.is_empty() {
        return None;
    }
    let frac_digits = if frac_part.is_empty() {
        String::new()
    } else {
        strip_underscores(frac_part, true)?
    };
    let mut exp: i64 = match exp_part {
        Some(e) => {
            let (eneg, ed) = sign(e);
            let ed = strip_underscores(ed, false)?;
            if ed.is_empty() || !ed.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let v: i64 = ed.parse().unwrap_or(i64::MAX / 4).min(1 << 40);
            if eneg { -v } else { v }
        }
        None => 0,
    };
    // Accumulate up to 64 significant bits; remember whether anything
    // non-zero was dropped (sticky).
    let mut m: u64 = 0;
    let mut sticky = false;
    let mut push = |d: u64, exp: &mut i64, after_point: bool| {
        if m >> 60 == 0 {
            m = (m << 4) | d;
            if after_point {
                *exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !after_point {
                *exp += 4;
            }
        }
    };
    for c in int_digits.chars() {
        push(c.to_digit(16)? as u64, &mut exp, false);
    }
    for c in frac_digits.chars() {
        push(c.to_digit(16)? as u64, &mut exp, true);
    }
    if m == 0 {
        return Some(0);
    }
    // value = m * 2^exp (plus sticky). Normalise m to have its top bit at 63.
    let lz = m.leading_zeros() as i64;
    m <<= lz;
    exp -= lz;
    // Now value = 1.xxx * 2^(exp + 63).
    let e = exp + 63;
    let bias = (1i64 << (f.exp - 1)) - 1;
    let emin = 1 - bias;
    // Number of mantissa bits we keep (including the leading one).
    let precision = f.mant as i64 + 1;
    let keep = if e < emin { precision - (emin - e) } else { precision };
    if keep < -1 {
        // Far below the smallest subnormal: rounds to zero.
        return Some(0);
    }
    // Round m (64 bits) to `keep` bits.
    let shift = 64 - keep;
    let (mut q, rem_nonzero, half) = if shift >= 64 {
        let half = shift == 64 && (m >> 63) == 1;
        let rest = if shift == 64 { (m << 1) != 0 } else { true };
        (0u64, rest || sticky, half)
    } else {
        let q = m >> shift;
        let rem = m & ((1u64 << shift) - 1);
        let halfway = 1u64 << (shift - 1);
        (q, (rem & (halfway - 1)) != 0 || sticky, rem & halfway != 0)
    };
    if half && (rem_nonzero || q & 1 == 1) {
        q += 1;
    }
    // Assemble.
    if e < emin {
        // Subnormal (or rounded up into the smallest normal).
        return Some(q);
    }
    let mut biased = e + bias;
    if q >> precision != 0 {
        // Rounding carried into a new bit.
        q >>= 1;
        biased += 1;
    }
    if biased >= (1i64 << f.exp) - 1 {
        return None; // overflow: not representable
    }
    Some(((biased as u64) << f.mant) | (q & ((1u64 << f.mant) - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int("-1", 32), Some(0xffff_ffff));
        assert_eq!(parse_int("0xffff_ffff", 32), Some(0xffff_ffff));
        assert_eq!(parse_int("-0x8000_0000", 32), Some(0x8000_0000));
        assert_eq!(parse_int("-0x8000_0001", 32), None);
        assert_eq!(parse_int("4294967296", 32), None);
        assert_eq!(parse_int("1__0", 32), None);
        assert_eq!(parse_int("_1", 32), None);
        assert_eq!(parse_int("-9223372036854775808", 64), Some(1 << 63));
        assert_eq!(parse_u32("+1"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(parse_f32("1.5"), Some(1.5f32.to_bits()));
        assert_eq!(parse_f32("0x1.8p1"), Some(3.0f32.to_bits()));
        assert_eq!(parse_f32("-0x1p-149"), Some((-f32::from_bits(1)).to_bits()));
        assert_eq!(parse_f32("0x1p-150"), Some(0)); // tie to even: 0
        assert_eq!(parse_f32("0x1.000001p-149"), Some(1));
        assert_eq!(parse_f32("0x1.fffffefffp127"), Some(f32::MAX.to_bits()));
        assert_eq!(parse_f32("0x1.ffffffp127"), None);
        assert_eq!(parse_f64("0x1p-1074"), Some(1));
        assert_eq!(parse_f64("0x1.fffffffffffff8p-1023"), Some(0x0010_0000_0000_0000));
        assert_eq!(parse_f32("nan:0x200000"), Some(0x7fa0_0000));
        assert_eq!(parse_f32("-nan"), Some(0xffc0_0000));
        assert_eq!(parse_f64("inf"), Some(f64::INFINITY.to_bits()));
        assert_eq!(parse_f64("1e309"), None);
        assert_eq!(parse_f64("1_000.000_1e1_0"), Some(1000.0001e10f64.to_bits()));
        assert_eq!(parse_f32("0x1.00000100000000000001p0"), Some(0x3f80_0001));
        assert_eq!(parse_f32("0x1.000001p0"), Some(0x3f80_0000));
        assert_eq!(parse_f32("0x1.000003p0"), Some(0x3f80_0002));
    }
}
