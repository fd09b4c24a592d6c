//! A cursor over bytes with LEB128 and the other primitive encodings.
//!
//! Every read checks bounds and returns an error carrying the absolute byte
//! offset; nothing here panics on any input.

use crate::error::{BinaryError, Result};

/// A cursor over a byte slice. `base` is the absolute offset of `data[0]` in
/// the whole module, so errors point into the module, not into a section.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `data`, whose first byte sits at absolute offset `base`.
    pub fn new(data: &'a [u8], base: usize) -> Self {
        Reader { data, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    #[inline]
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Absolute offset of the first byte.
    pub fn base(&self) -> usize {
        self.base
    }

    /// Whether every byte has been read.
    #[inline]
    pub fn eof(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The unread bytes.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    /// An error at the current position.
    #[cold]
    pub fn error(&self, msg: impl Into<String>) -> BinaryError {
        BinaryError::new(msg, self.offset())
    }

    #[cold]
    fn eof_error(&self) -> BinaryError {
        self.error("unexpected end")
    }

    /// Reads one byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.eof_error()),
        }
    }

    /// Looks at the next byte without consuming it.
    #[inline]
    pub fn peek(&self) -> Result<u8> {
        self.data.get(self.pos).copied().ok_or_else(|| self.eof_error())
    }

    /// Reads `n` bytes.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.eof_error());
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// Reads a fixed-size array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let b = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    /// Unsigned LEB128, at most 32 bits.
    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        // Fast path: one byte.
        if let Some(&b) = self.data.get(self.pos)
            && b < 0x80
        {
            self.pos += 1;
            return Ok(b as u32);
        }
        self.u32_slow()
    }

    #[inline(never)]
    fn u32_slow(&mut self) -> Result<u32> {
        Ok(self.uleb::<32>()? as u32)
    }

    /// Unsigned LEB128, at most 64 bits.
    pub fn u64(&mut self) -> Result<u64> {
        self.uleb::<64>()
    }

    /// Signed LEB128, at most 32 bits.
    #[inline]
    pub fn i32(&mut self) -> Result<i32> {
        if let Some(&b) = self.data.get(self.pos)
            && b < 0x80
        {
            self.pos += 1;
            return Ok(((b << 1) as i8 >> 1) as i32);
        }
        self.i32_slow()
    }

    #[inline(never)]
    fn i32_slow(&mut self) -> Result<i32> {
        Ok(self.sleb::<32>()? as i32)
    }

    /// Signed LEB128, at most 64 bits.
    pub fn i64(&mut self) -> Result<i64> {
        self.sleb::<64>()
    }

    /// Signed LEB128, at most 33 bits (block types).
    pub fn s33(&mut self) -> Result<i64> {
        self.sleb::<33>()
    }

    /// Unsigned LEB128 of at most `BITS` bits (32 or 64): at most
    /// ceil(BITS / 7) bytes, and the last byte's bits above `BITS` zero.
    #[inline]
    fn uleb<const BITS: u32>(&mut self) -> Result<u64> {
        let start = self.offset();
        let last_shift = (BITS - 1) / 7 * 7;
        let mut result: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            if shift == last_shift {
                if b & 0x80 != 0 {
                    return Err(BinaryError::new("integer representation too long", start));
                }
                // Only the low `BITS - shift` bits of the last byte count.
                if (b as u32) >> (BITS - shift) != 0 {
                    return Err(BinaryError::new("integer too large", start));
                }
                return Ok(result | ((b as u64) << shift));
            }
            result |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(result);
            }
            shift += 7;
        }
    }

    /// Signed LEB128 of at most `BITS` bits (32, 33 or 64), sign-extended
    /// to 64 bits: at most ceil(BITS / 7) bytes, and the last byte's bits
    /// above `BITS` all equal its sign bit.
    #[inline]
    fn sleb<const BITS: u32>(&mut self) -> Result<i64> {
        let start = self.offset();
        let last_shift = (BITS - 1) / 7 * 7;
        let mut result: i64 = 0;
        let mut shift = 0;
        loop {
            let b = self.u8()?;
            if shift == last_shift {
                if b & 0x80 != 0 {
                    return Err(BinaryError::new("integer representation too long", start));
                }
                // The sign bit and the unused bits above it must agree.
                let rest = b & (0x7f & !((1u8 << (BITS - shift - 1)) - 1));
                let all = 0x7f & !((1u8 << (BITS - shift - 1)) - 1);
                if rest != 0 && rest != all {
                    return Err(BinaryError::new("integer too large", start));
                }
                let v = result | (((b & 0x7f) as i64) << shift);
                let ashift = 64 - BITS;
                return Ok((v << ashift) >> ashift);
            }
            result |= ((b & 0x7f) as i64) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                let ashift = 64 - shift;
                return Ok((result << ashift) >> ashift);
            }
        }
    }

    /// Little-endian 32-bit float bits.
    #[inline]
    pub fn f32_bits(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// Little-endian 64-bit float bits.
    #[inline]
    pub fn f64_bits(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A vector length, checked against the bytes left: each element takes
    /// at least `min_elem_size` bytes, so a count that cannot fit is refused
    /// before anything is allocated.
    pub fn count(&mut self, min_elem_size: usize) -> Result<u32> {
        let start = self.offset();
        let n = self.u32()?;
        if (n as usize).saturating_mul(min_elem_size) > self.remaining() {
            return Err(BinaryError::new(
                if min_elem_size == 0 {
                    "length out of bounds"
                } else {
                    "unexpected end of section or function"
                },
                start,
            ));
        }
        Ok(n)
    }

    /// A length-prefixed byte string.
    pub fn byte_vec(&mut self) -> Result<&'a [u8]> {
        let start = self.offset();
        let n = self.u32()? as usize;
        if n > self.remaining() {
            return Err(BinaryError::new("unexpected end of section or function", start));
        }
        self.bytes(n)
    }

    /// A length-prefixed UTF-8 name.
    pub fn name(&mut self) -> Result<&'a str> {
        let start = self.offset();
        let b = self.byte_vec()?;
        std::str::from_utf8(b).map_err(|_| BinaryError::new("malformed UTF-8 encoding", start))
    }

    /// A sub-reader over the next `n` bytes, consuming them here.
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a>> {
        let base = self.offset();
        let data = self.bytes(n)?;
        Ok(Reader::new(data, base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb_unsigned() {
        assert_eq!(Reader::new(&[0xe5, 0x8e, 0x26], 0).u32().unwrap(), 624485);
        assert_eq!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f], 0).u32().unwrap(), u32::MAX);
        assert!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f], 0).u32().is_err());
        assert!(Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 0).u32().is_err());
        assert_eq!(Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x00], 0).u32().unwrap(), 0);
        assert!(Reader::new(&[0x80], 0).u32().is_err());
    }

    #[test]
    fn leb_signed() {
        assert_eq!(Reader::new(&[0x7f], 0).i32().unwrap(), -1);
        assert_eq!(Reader::new(&[0xc0, 0xbb, 0x78], 0).i32().unwrap(), -123456);
        assert_eq!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x7f], 0).i32().unwrap(), -1);
        assert!(Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x4f], 0).i32().is_err());
        assert_eq!(Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x78], 0).i32().unwrap(), i32::MIN);
        assert_eq!(
            Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f], 0)
                .i64()
                .unwrap(),
            i64::MIN
        );
        assert_eq!(Reader::new(&[0x40], 0).s33().unwrap(), -64);
        assert_eq!(
            Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x0f], 0).s33().unwrap(),
            0xf000_0000
        );
    }
}
