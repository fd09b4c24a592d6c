//! Bounds-checked access to guest memory: every out-of-range pointer is
//! `EFAULT`, never a host panic.

use crate::errno::Errno;
use std::borrow::Cow;

/// A view of the calling instance's memory (empty when it exports none).
pub(crate) enum Mem<'a> {
    /// A memory only this store can reach: read and written in place.
    Plain(&'a mut [u8]),
    /// A shared memory other threads may be writing: copied in and out
    /// with race-tolerant accesses, never borrowed as a slice.
    Shared(tern::SharedMemory),
}

impl Mem<'_> {
    fn len(&self) -> usize {
        match self {
            Mem::Plain(b) => b.len(),
            Mem::Shared(m) => m.data_size(),
        }
    }

    fn range(&self, ptr: u32, len: u64) -> Result<std::ops::Range<usize>, Errno> {
        let start = ptr as u64;
        let end = start.checked_add(len).ok_or(Errno::FAULT)?;
        if end > self.len() as u64 {
            return Err(Errno::FAULT);
        }
        Ok(start as usize..end as usize)
    }

    /// `len` bytes at `ptr` (a copy for a shared memory).
    pub(crate) fn slice(&self, ptr: u32, len: u32) -> Result<Cow<'_, [u8]>, Errno> {
        let r = self.range(ptr, len as u64)?;
        Ok(match self {
            Mem::Plain(b) => Cow::Borrowed(&b[r]),
            Mem::Shared(m) => {
                let mut out = vec![0u8; r.len()];
                m.read(r.start, &mut out).map_err(|_| Errno::FAULT)?;
                Cow::Owned(out)
            }
        })
    }

    /// Lets `fill` write into the `len` bytes at `ptr` and returns what it
    /// returns (the count of bytes it filled, which are the ones kept).
    pub(crate) fn fill<E: From<Errno>>(
        &mut self,
        ptr: u32,
        len: u32,
        fill: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<usize, E> {
        let r = self.range(ptr, len as u64)?;
        match self {
            Mem::Plain(b) => fill(&mut b[r]),
            Mem::Shared(m) => {
                let mut buf = vec![0u8; r.len()];
                let n = fill(&mut buf)?.min(buf.len());
                m.write(r.start, &buf[..n]).map_err(|_| Errno::FAULT)?;
                Ok(n)
            }
        }
    }

    fn array<const N: usize>(&self, ptr: u32) -> Result<[u8; N], Errno> {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.slice(ptr, N as u32)?);
        Ok(out)
    }

    pub(crate) fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    pub(crate) fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    pub(crate) fn read_u16(&self, ptr: u32) -> Result<u16, Errno> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    pub(crate) fn read_u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.array::<1>(ptr)?[0])
    }

    pub(crate) fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
        let r = self.range(ptr, bytes.len() as u64)?;
        match self {
            Mem::Plain(b) => b[r].copy_from_slice(bytes),
            Mem::Shared(m) => m.write(r.start, bytes).map_err(|_| Errno::FAULT)?,
        }
        Ok(())
    }

    pub(crate) fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.write(ptr, &[v])
    }

    pub(crate) fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub(crate) fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// A UTF-8 string (a path): `EFAULT` out of bounds, `EILSEQ` when not
    /// UTF-8.
    pub(crate) fn str(&self, ptr: u32, len: u32) -> Result<Cow<'_, str>, Errno> {
        match self.slice(ptr, len)? {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed),
            Cow::Owned(v) => String::from_utf8(v).map(Cow::Owned).map_err(|e| e.utf8_error()),
        }
        .map_err(|_| Errno::ILSEQ)
    }

    /// An array of `ciovec`/`iovec`: (buf, len) pairs, each range checked.
    pub(crate) fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        let bytes = (count as u64).checked_mul(8).ok_or(Errno::FAULT)?;
        self.range(ptr, bytes)?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let at = ptr + i * 8;
            let buf = self.read_u32(at)?;
            let len = self.read_u32(at + 4)?;
            self.range(buf, len as u64)?;
            out.push((buf, len));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        let mut buf = [0u8; 16];
        let mut m = Mem::Plain(&mut buf);
        assert_eq!(m.write_u64(8, 1), Ok(()));
        assert_eq!(m.write_u64(9, 1), Err(Errno::FAULT));
        assert_eq!(m.read_u32(u32::MAX), Err(Errno::FAULT));
        assert_eq!(m.slice(16, 0).map(|s| s.len()), Ok(0));
        assert_eq!(m.slice(17, 0).map(|s| s.len()), Err(Errno::FAULT));
        assert!(m.iovecs(0, u32::MAX).is_err());
        assert!(m.iovecs(8, 1).is_ok());
    }
}
