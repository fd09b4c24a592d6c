//! Tables of references. Elements are raw references (see [`crate::RawRef`]):
//! 0 is null.
//!
//! Compiled code reads a table's element pointer and element count at
//! [`crate::vmctx::OFFSET_TABLE_BASE`] and [`crate::vmctx::OFFSET_TABLE_LEN`]:
//! the struct is `#[repr(C)]` with those two fields first, and they are
//! refreshed whenever the element storage changes (only growth moves it).

use crate::trap::TrapCode;
use tern_binary::TableType;

/// A table.
#[repr(C)]
pub struct Table {
    /// `elems.as_mut_ptr()`, for compiled code.
    base: *mut u64,
    /// `elems.len()`, for compiled code.
    len: usize,
    elems: Vec<u64>,
    ty: TableType,
    max: u64,
}

impl Table {
    /// A table of type `ty` filled with `init`, its maximum capped at
    /// `limit` elements. `None` when the minimum exceeds the limit.
    pub fn new(ty: TableType, init: u64, limit: u64) -> Option<Table> {
        let max = ty.limits.max.unwrap_or(u32::MAX as u64).min(u32::MAX as u64).min(limit);
        if ty.limits.min > max {
            return None;
        }
        let mut elems = Vec::new();
        elems.try_reserve_exact(ty.limits.min as usize).ok()?;
        elems.resize(ty.limits.min as usize, init);
        let mut t = Table {
            base: std::ptr::null_mut(),
            len: 0,
            elems,
            ty,
            max,
        };
        t.sync();
        Some(t)
    }

    /// Refreshes the fields compiled code reads after the storage changed.
    #[inline]
    fn sync(&mut self) {
        self.base = self.elems.as_mut_ptr();
        self.len = self.elems.len();
    }

    /// The element pointer compiled code sees (valid until the next
    /// [`Table::grow`]).
    #[inline]
    pub fn base(&self) -> *mut u64 {
        self.base
    }

    /// The declared type.
    pub fn ty(&self) -> TableType {
        self.ty
    }

    /// The current type: current size as minimum.
    pub fn current_ty(&self) -> TableType {
        let mut t = self.ty;
        t.limits.min = self.elems.len() as u64;
        t
    }

    /// The effective maximum number of elements: the type's maximum,
    /// capped by the store's limit.
    pub fn max_elements(&self) -> u64 {
        self.max
    }

    /// Number of elements.
    #[inline]
    pub fn size(&self) -> u32 {
        self.elems.len() as u32
    }

    /// The elements.
    pub fn elems(&self) -> &[u64] {
        &self.elems
    }

    /// The elements, mutably.
    pub fn elems_mut(&mut self) -> &mut [u64] {
        &mut self.elems
    }

    /// Element `i`.
    #[inline]
    pub fn get(&self, i: u32) -> Result<u64, TrapCode> {
        self.elems.get(i as usize).copied().ok_or(TrapCode::TableOutOfBounds)
    }

    /// Sets element `i`.
    #[inline]
    pub fn set(&mut self, i: u32, v: u64) -> Result<(), TrapCode> {
        match self.elems.get_mut(i as usize) {
            Some(e) => {
                *e = v;
                Ok(())
            }
            None => Err(TrapCode::TableOutOfBounds),
        }
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or
    /// `None` when the maximum would be exceeded.
    pub fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        let old = self.elems.len() as u64;
        let new = old + delta as u64;
        if new > self.max {
            return None;
        }
        if self.elems.try_reserve(delta as usize).is_err() {
            return None;
        }
        self.elems.resize(new as usize, init);
        self.sync();
        Some(old as u32)
    }

    /// The range `[at, at + n)` if it lies inside the table.
    #[inline]
    pub fn range(&self, at: u32, n: u32) -> Result<std::ops::Range<usize>, TrapCode> {
        let end = at as u64 + n as u64;
        if end > self.elems.len() as u64 {
            return Err(TrapCode::TableOutOfBounds);
        }
        Ok(at as usize..end as usize)
    }

    /// `table.fill`.
    pub fn fill(&mut self, at: u32, v: u64, n: u32) -> Result<(), TrapCode> {
        let r = self.range(at, n)?;
        self.elems[r].fill(v);
        Ok(())
    }

    /// `table.copy` within this table.
    pub fn copy_within(&mut self, dst: u32, src: u32, n: u32) -> Result<(), TrapCode> {
        let s = self.range(src, n)?;
        let d = self.range(dst, n)?;
        self.elems.copy_within(s, d.start);
        Ok(())
    }

    /// `table.init`: copies `seg[src..src+n]` to `dst`.
    pub fn init(&mut self, dst: u32, seg: &[u64], src: u32, n: u32) -> Result<(), TrapCode> {
        let end = src as u64 + n as u64;
        if end > seg.len() as u64 {
            return Err(TrapCode::TableOutOfBounds);
        }
        let d = self.range(dst, n)?;
        self.elems[d].copy_from_slice(&seg[src as usize..end as usize]);
        Ok(())
    }
}

// SAFETY: `base` points into `elems`, which the table owns; access goes
// through `&self`/`&mut self` (or raw pointers whose users uphold the same
// rules).
unsafe impl Send for Table {}
unsafe impl Sync for Table {}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("ty", &self.ty)
            .field("size", &self.elems.len())
            .field("max", &self.max)
            .finish()
    }
}

/// `table.copy` between two different tables.
pub fn copy_between(dst: &mut Table, d: u32, src: &Table, s: u32, n: u32) -> Result<(), TrapCode> {
    let sr = src.range(s, n)?;
    let dr = dst.range(d, n)?;
    dst.elems[dr].copy_from_slice(&src.elems[sr]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vmctx::{OFFSET_TABLE_BASE, OFFSET_TABLE_LEN};
    use tern_binary::{Limits, RefType};

    fn ty(min: u64, max: Option<u64>) -> TableType {
        TableType {
            element: RefType::FUNCREF,
            limits: Limits { min, max },
            table64: false,
        }
    }

    /// What compiled code would read.
    fn raw(t: &Table) -> (*mut u64, usize) {
        let p = t as *const Table as *const u8;
        // SAFETY: the offsets are inside the struct (checked below).
        unsafe {
            (
                *(p.add(OFFSET_TABLE_BASE as usize) as *const *mut u64),
                *(p.add(OFFSET_TABLE_LEN as usize) as *const usize),
            )
        }
    }

    #[test]
    fn layout_follows_the_storage() {
        assert_eq!(std::mem::offset_of!(Table, base), OFFSET_TABLE_BASE as usize);
        assert_eq!(std::mem::offset_of!(Table, len), OFFSET_TABLE_LEN as usize);
        let mut t = Table::new(ty(2, Some(3000)), 5, 10_000).unwrap();
        assert_eq!(raw(&t), (t.elems.as_mut_ptr(), 2));
        for i in 0..10 {
            assert_eq!(t.grow(50 * i, 7), Some((0..i).map(|k| 50 * k).sum::<u32>() + 2));
            assert_eq!(raw(&t), (t.elems.as_mut_ptr(), t.size() as usize));
        }
        let (p, n) = raw(&t);
        // SAFETY: `p` and `n` describe the live storage.
        let seen = unsafe { std::slice::from_raw_parts(p, n) };
        assert_eq!(seen[..2], [5, 5]);
        assert_eq!(seen[2..], vec![7; n - 2][..]);
        assert_eq!(t.grow(1000, 0), None);
        assert_eq!(t.grow(748, 0), Some(2252));
        assert_eq!(t.grow(1, 0), None);
        assert_eq!(raw(&t).1, t.size() as usize);
        let mut e = Table::new(ty(0, None), 0, 10).unwrap();
        assert_eq!(raw(&e).1, 0);
        assert_eq!(e.grow(3, 1), Some(0));
        assert_eq!(raw(&e), (e.elems.as_mut_ptr(), 3));
        assert_eq!(e.grow(8, 1), None);
    }
}
