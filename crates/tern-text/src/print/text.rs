//! Lexical pieces of the printed text: integers, floats, strings and
//! identifiers, appended to a `String` without intermediate allocation.

/// Appends the decimal digits of `n`.
pub(super) fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

pub(super) fn push_u32(out: &mut String, n: u32) {
    push_u64(out, n as u64)
}

pub(super) fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs())
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `0x` and `digits` lowercase hex digits of `n`.
pub(super) fn push_hex(out: &mut String, n: u64, digits: usize) {
    out.push_str("0x");
    for i in (0..digits).rev() {
        out.push(HEX[((n >> (i * 4)) & 0xf) as usize] as char);
    }
}

/// Appends `0x` and the hex digits of `n` without leading zeros.
fn push_hex_min(out: &mut String, n: u64) {
    let digits = (64 - n.leading_zeros() as usize).div_ceil(4);
    push_hex(out, n, digits.max(1));
}

/// How a finite float is printed: decimal without exponent in this range of
/// magnitudes, scientific notation outside it. Rust prints the shortest
/// digits that read back to the same bits in both forms.
fn plain_range(a: f64) -> bool {
    a == 0.0 || (1e-5..1e16).contains(&a)
}

/// Appends an `f32` literal that reads back as exactly `bits`: `inf`,
/// `nan`, `nan:0x..` (with sign), `-0`, or the shortest round-trip decimal.
pub(super) fn push_f32(out: &mut String, bits: u32) {
    use std::fmt::Write;
    let sign = bits >> 31 != 0;
    let exp = (bits >> 23) & 0xff;
    let frac = bits & 0x7f_ffff;
    if exp == 0xff {
        push_special(out, sign, frac as u64, 1 << 22);
        return;
    }
    let f = f32::from_bits(bits);
    let _ = if plain_range(f.abs() as f64) {
        write!(out, "{f}")
    } else {
        write!(out, "{f:e}")
    };
}

/// Appends an `f64` literal that reads back as exactly `bits`.
pub(super) fn push_f64(out: &mut String, bits: u64) {
    use std::fmt::Write;
    let sign = bits >> 63 != 0;
    let exp = (bits >> 52) & 0x7ff;
    let frac = bits & 0xf_ffff_ffff_ffff;
    if exp == 0x7ff {
        push_special(out, sign, frac, 1 << 51);
        return;
    }
    let f = f64::from_bits(bits);
    let _ = if plain_range(f.abs()) {
        write!(out, "{f}")
    } else {
        write!(out, "{f:e}")
    };
}

fn push_special(out: &mut String, sign: bool, frac: u64, canonical: u64) {
    if sign {
        out.push('-');
    }
    if frac == 0 {
        out.push_str("inf");
    } else if frac == canonical {
        out.push_str("nan");
    } else {
        out.push_str("nan:");
        push_hex_min(out, frac);
    }
}

/// Whether `c` may appear in a plain `$id`.
fn is_idchar(c: char) -> bool {
    matches!(c,
        '0'..='9' | 'A'..='Z' | 'a'..='z'
        | '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '-' | '.' | '/'
        | ':' | '<' | '=' | '>' | '?' | '@' | '\\' | '^' | '_' | '`' | '|' | '~')
}

/// Whether `name` can be printed as a plain `$name` identifier.
pub(super) fn is_plain_id(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_idchar)
}

/// Bidirectional-override characters, which parsers reject in source text
/// unless escaped.
fn is_confusing(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{206c}'
    )
}

/// Appends `s` as a quoted string literal.
pub(super) fn push_str_lit(out: &mut String, s: &str) {
    out.push('"');
    push_str_body(out, s);
    out.push('"');
}

fn push_str_body(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c < ' ' || c == '"' || c == '\\' || c == '\u{7f}' || is_confusing(c)) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or(' ');
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => {
                out.push('\\');
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c => {
                out.push_str("\\u{");
                let n = c as u32;
                let digits = (32 - n.leading_zeros() as usize).div_ceil(4);
                for k in (0..digits).rev() {
                    out.push(HEX[((n >> (k * 4)) & 0xf) as usize] as char);
                }
                out.push('}');
            }
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// Appends arbitrary bytes as a quoted string literal: printable ASCII as
/// is, everything else as `\xx`.
pub(super) fn push_bytes_lit(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            continue;
        }
        // Everything in `start..i` is printable ASCII.
        out.push_str(std::str::from_utf8(&bytes[start..i]).unwrap_or(""));
        out.push('\\');
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
        start = i + 1;
    }
    out.push_str(std::str::from_utf8(&bytes[start..]).unwrap_or(""));
    out.push('"');
}

/// Appends `$name`, or `$"name"` when the name has characters that plain
/// identifiers cannot hold.
pub(super) fn push_id(out: &mut String, name: &str) {
    out.push('$');
    if is_plain_id(name) {
        out.push_str(name);
    } else {
        push_str_lit(out, name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats() {
        let f = |b: u32| {
            let mut s = String::new();
            push_f32(&mut s, b);
            s
        };
        assert_eq!(f(0x8000_0000), "-0");
        assert_eq!(f(0x7f80_0000), "inf");
        assert_eq!(f(0xff80_0000), "-inf");
        assert_eq!(f(0x7fc0_0000), "nan");
        assert_eq!(f(0xffc0_0001), "-nan:0x400001");
        assert_eq!(f(0x7f80_0001), "nan:0x1");
        assert_eq!(f(1.5f32.to_bits()), "1.5");
        assert_eq!(f(1e30f32.to_bits()), "1e30");
        let mut s = String::new();
        push_f64(&mut s, 0x7ff8_0000_0000_0000);
        assert_eq!(s, "nan");
    }

    #[test]
    fn strings() {
        let mut s = String::new();
        push_bytes_lit(&mut s, b"a\"\\\0\xffz");
        assert_eq!(s, r#""a\22\5c\00\ffz""#);
        s.clear();
        push_str_lit(&mut s, "x\"\u{202e}\u{e9}\n");
        assert_eq!(s, "\"x\\\"\\u{202e}\u{e9}\\n\"");
        s.clear();
        push_i64(&mut s, i64::MIN);
        assert_eq!(s, "-9223372036854775808");
    }
}
