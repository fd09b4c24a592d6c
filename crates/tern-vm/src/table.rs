//! Tables of references. Elements are raw references (see [`crate::RawRef`]):
//! 0 is null.

use crate::trap::TrapCode;
use tern_binary::TableType;

/// A table.
#[derive(Debug)]
pub struct Table {
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
        Some(Table {
            elems: vec![init; ty.limits.min as usize],
            ty,
            max,
        })
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

/// `table.copy` between two different tables.
pub fn copy_between(dst: &mut Table, d: u32, src: &Table, s: u32, n: u32) -> Result<(), TrapCode> {
    let sr = src.range(s, n)?;
    let dr = dst.range(d, n)?;
    dst.elems[dr].copy_from_slice(&src.elems[sr]);
    Ok(())
}
