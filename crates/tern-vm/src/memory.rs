//! Linear memory: a zero-initialised byte buffer that grows in 64 KiB pages,
//! with bounds-checked access.
//!
//! The interpreter checks every access explicitly against [`LinearMemory::len`]
//! and caches [`LinearMemory::base`] between operations that may move it
//! (`memory.grow`, calls). The buffer is a plain heap allocation, reallocated
//! on growth. The compiler tier's 4 GiB reservations with guard pages will be
//! a second backing behind the same interface.

use crate::trap::TrapCode;
use std::alloc::{Layout, alloc_zeroed, dealloc, realloc};
use std::ptr::NonNull;
use tern_binary::MemoryType;

/// Bytes per page.
pub const PAGE_SIZE: u64 = 65536;

/// The largest number of pages a 32-bit memory can have.
pub const MAX_PAGES: u64 = 65536;

const ALIGN: usize = 16;

/// A linear memory.
pub struct LinearMemory {
    ptr: NonNull<u8>,
    len: usize,
    ty: MemoryType,
    /// The effective maximum in pages: the type's maximum, capped by the
    /// store's limit and the 4 GiB of 32-bit addressing.
    max_pages: u64,
}

// SAFETY: the memory owns its buffer exclusively; access goes through
// `&self`/`&mut self` (or through raw pointers whose users uphold the same
// rules).
unsafe impl Send for LinearMemory {}
unsafe impl Sync for LinearMemory {}

impl LinearMemory {
    /// A memory of type `ty`, its maximum capped at `limit_pages`. Returns
    /// `None` when the minimum exceeds the limit or cannot be allocated.
    pub fn new(ty: MemoryType, limit_pages: u64) -> Option<LinearMemory> {
        let max_pages = ty.limits.max.unwrap_or(MAX_PAGES).min(MAX_PAGES).min(limit_pages);
        if ty.limits.min > max_pages {
            return None;
        }
        let mut m = LinearMemory {
            ptr: NonNull::<u128>::dangling().cast(),
            len: 0,
            ty,
            max_pages,
        };
        m.resize(ty.limits.min)?;
        Some(m)
    }

    fn layout(len: usize) -> Layout {
        Layout::from_size_align(len, ALIGN).expect("memory sizes are below isize::MAX")
    }

    fn resize(&mut self, pages: u64) -> Option<()> {
        let new_len = usize::try_from(pages.checked_mul(PAGE_SIZE)?).ok()?;
        if new_len == self.len {
            return Some(());
        }
        if new_len > isize::MAX as usize - ALIGN {
            return None;
        }
        // SAFETY: layouts are non-zero-sized where allocated; `ptr` was
        // allocated with `layout(self.len)` whenever `self.len != 0`.
        unsafe {
            let p = if self.len == 0 {
                alloc_zeroed(Self::layout(new_len))
            } else {
                let p = realloc(self.ptr.as_ptr(), Self::layout(self.len), new_len);
                if !p.is_null() {
                    p.add(self.len).write_bytes(0, new_len - self.len);
                }
                p
            };
            self.ptr = NonNull::new(p)?;
        }
        self.len = new_len;
        Some(())
    }

    /// The memory's type as declared (its minimum is the initial size).
    pub fn ty(&self) -> MemoryType {
        self.ty
    }

    /// The current type: current size as minimum, declared maximum.
    pub fn current_ty(&self) -> MemoryType {
        let mut t = self.ty;
        t.limits.min = self.size_pages();
        t
    }

    /// Size in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the memory has no pages.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size in pages.
    #[inline]
    pub fn size_pages(&self) -> u64 {
        self.len as u64 / PAGE_SIZE
    }

    /// The effective maximum in pages.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// Start of the buffer. Valid until the next [`LinearMemory::grow`].
    #[inline]
    pub fn base(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The contents.
    pub fn data(&self) -> &[u8] {
        // SAFETY: `ptr` is valid for `len` initialised bytes.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The contents, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, and `&mut self` is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` when
    /// the maximum would be exceeded or allocation fails.
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.size_pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        self.resize(new)?;
        Some(old)
    }

    /// The byte range `[at, at + n)` if it lies inside the memory.
    #[inline]
    pub fn range(&self, at: u64, n: u64) -> Result<std::ops::Range<usize>, TrapCode> {
        match at.checked_add(n) {
            Some(end) if end <= self.len as u64 => Ok(at as usize..end as usize),
            _ => Err(TrapCode::MemoryOutOfBounds),
        }
    }

    /// Reads `buf.len()` bytes at `at`.
    pub fn read(&self, at: u64, buf: &mut [u8]) -> Result<(), TrapCode> {
        let r = self.range(at, buf.len() as u64)?;
        buf.copy_from_slice(&self.data()[r]);
        Ok(())
    }

    /// Writes `buf` at `at`.
    pub fn write(&mut self, at: u64, buf: &[u8]) -> Result<(), TrapCode> {
        let r = self.range(at, buf.len() as u64)?;
        self.data_mut()[r].copy_from_slice(buf);
        Ok(())
    }

    /// `memory.fill`.
    pub fn fill(&mut self, at: u64, val: u8, n: u64) -> Result<(), TrapCode> {
        let r = self.range(at, n)?;
        self.data_mut()[r].fill(val);
        Ok(())
    }

    /// `memory.copy` within this memory (overlap allowed).
    pub fn copy_within(&mut self, dst: u64, src: u64, n: u64) -> Result<(), TrapCode> {
        let s = self.range(src, n)?;
        let d = self.range(dst, n)?;
        self.data_mut().copy_within(s, d.start);
        Ok(())
    }

    /// `memory.init`: copies `data[src..src+n]` to `dst`.
    pub fn init(&mut self, dst: u64, data: &[u8], src: u64, n: u64) -> Result<(), TrapCode> {
        let s = match src.checked_add(n) {
            Some(end) if end <= data.len() as u64 => src as usize..end as usize,
            _ => return Err(TrapCode::MemoryOutOfBounds),
        };
        let d = self.range(dst, n)?;
        self.data_mut()[d].copy_from_slice(&data[s]);
        Ok(())
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: allocated with this layout.
            unsafe { dealloc(self.ptr.as_ptr(), Self::layout(self.len)) }
        }
    }
}

impl std::fmt::Debug for LinearMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearMemory")
            .field("pages", &self.size_pages())
            .field("max_pages", &self.max_pages)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tern_binary::Limits;

    fn ty(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            limits: Limits { min, max },
            shared: false,
            memory64: false,
            page_size_log2: None,
        }
    }

    #[test]
    fn grow_zeroes_and_keeps_contents() {
        let mut m = LinearMemory::new(ty(1, Some(3)), MAX_PAGES).unwrap();
        m.write(10, &[1, 2, 3]).unwrap();
        assert_eq!(m.grow(1), Some(1));
        assert_eq!(m.size_pages(), 2);
        let mut b = [0; 3];
        m.read(10, &mut b).unwrap();
        assert_eq!(b, [1, 2, 3]);
        assert!(m.data()[65536..].iter().all(|&x| x == 0));
        assert_eq!(m.grow(2), None);
        assert_eq!(m.grow(0), Some(2));
    }

    #[test]
    fn bounds() {
        let mut m = LinearMemory::new(ty(0, None), MAX_PAGES).unwrap();
        assert_eq!(m.fill(0, 1, 0), Ok(()));
        assert_eq!(m.fill(1, 1, 0), Err(TrapCode::MemoryOutOfBounds));
        assert_eq!(m.grow(1), Some(0));
        assert_eq!(m.copy_within(65535, 0, 1), Ok(()));
        assert_eq!(m.copy_within(65535, 0, 2), Err(TrapCode::MemoryOutOfBounds));
        assert_eq!(m.range(u64::MAX, 2), Err(TrapCode::MemoryOutOfBounds));
    }
}
