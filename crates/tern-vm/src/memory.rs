//! Linear memory: a zero-initialised byte buffer that grows in pages of its
//! type's page size (64 KiB, or 1 byte with custom-page-sizes), with
//! bounds-checked access, in one of three backings ([`MemoryStyle`]):
//!
//! - [`MemoryStyle::Heap`]: a plain heap allocation, reallocated on growth,
//!   so the base moves. The interpreter checks every access explicitly
//!   against [`LinearMemory::len`] and reloads [`LinearMemory::base`] after
//!   operations that may move it (`memory.grow`, calls).
//! - [`MemoryStyle::Mapped`]: an inaccessible reservation of the memory's
//!   maximum size whose first `len` bytes are made readable and writable;
//!   growth makes more of it accessible in place, so it costs what
//!   touching the new pages costs (nothing is zeroed or copied) and the
//!   base never moves. Accesses are checked explicitly, as for `Heap`. The
//!   interpreter's memories are these.
//! - [`MemoryStyle::Reserved`]: an inaccessible reservation of
//!   [`RESERVATION_BYTES`] (4 GiB of addressable memory, 4 GiB more so that
//!   any 32-bit static offset stays inside, and a 64 KiB guard for the
//!   widest access), whose first `len` bytes are made readable and
//!   writable; growth makes more of it accessible in place, so the base
//!   never moves. Compiled code addresses `base + zext(index) + offset`
//!   without a bounds check: an access past `len` faults in the reservation
//!   and the signal handler turns the fault into an out-of-bounds trap.
//!
//! Compiled code reads the base pointer and the byte length at
//! [`crate::vmctx::OFFSET_MEMORY_BASE`] and [`crate::vmctx::OFFSET_MEMORY_LEN`]:
//! the struct is `#[repr(C)]` with those two fields first.

use crate::trap::TrapCode;
use std::alloc::{Layout, alloc_zeroed, dealloc, realloc};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use tern_binary::MemoryType;

/// Bytes per page (the default page size).
pub const PAGE_SIZE: u64 = 65536;

/// The most bytes a memory can have: 4 GiB, and one byte less for a 64-bit
/// memory so that every 64-bit address at or above 2^32 is out of bounds
/// whatever the access size (the interpreter relies on this to check such
/// addresses with one comparison).
pub fn max_bytes(ty: &MemoryType) -> u64 {
    if ty.memory64 { (4 << 30) - 1 } else { 4 << 30 }
}

/// Whether compiled code may leave accesses to memories of type `ty` to
/// the guard regions of a [`MemoryStyle::Reserved`] memory: 32-bit
/// addresses and 64 KiB pages. 64-bit addresses do not fit a reservation,
/// and a smaller page size leaves accessible bytes past the length.
pub fn guard_eligible(ty: &MemoryType) -> bool {
    !ty.memory64 && page_size_log2(ty) == 16
}

/// log2 of `ty`'s page size (16 unless given).
#[inline]
pub fn page_size_log2(ty: &MemoryType) -> u32 {
    ty.page_size_log2.unwrap_or(16)
}

/// The largest number of pages a 32-bit memory can have.
pub const MAX_PAGES: u64 = 65536;

/// Bytes a [`MemoryStyle::Reserved`] memory reserves: 4 GiB for the largest
/// 32-bit memory, 4 GiB so that `index + offset` with a 32-bit offset stays
/// inside, and [`GUARD_TAIL_BYTES`] for the bytes of the widest access.
pub const RESERVATION_BYTES: u64 = (4 << 30) + (4 << 30) + GUARD_TAIL_BYTES;

/// The guard after the 8 GiB of a reservation; an access of up to this many
/// bytes at any `zext(i32) + u32` address faults inside the reservation.
pub const GUARD_TAIL_BYTES: u64 = 64 << 10;

const ALIGN: usize = 16;

/// How a [`LinearMemory`] is backed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryStyle {
    /// A heap allocation, reallocated (and so possibly moved) on growth.
    /// Works everywhere; compiled code must bounds-check every access and
    /// reload the base after anything that may grow the memory.
    Heap,
    /// A [`RESERVATION_BYTES`] address-space reservation whose accessible
    /// prefix grows in place: the base never moves and accesses past the
    /// length fault. Needs a 64-bit Unix host that allows the reservation.
    Reserved,
    /// A reservation of the memory's maximum size (no guard region) whose
    /// accessible prefix grows in place: the base never moves, and growth
    /// only changes page protections. Accesses must be checked explicitly.
    /// Needs what [`MemoryStyle::Reserved`] needs; a memory whose maximum
    /// is 0 pages is [`MemoryStyle::Heap`] instead.
    Mapped,
}

impl MemoryStyle {
    /// Whether this host can use [`MemoryStyle::Reserved`] at all (64-bit
    /// Unix); a reservation may still fail at run time (address-space
    /// limits), which [`LinearMemory::with_style`] reports as `None`.
    pub const fn reserved_supported() -> bool {
        cfg!(all(unix, target_pointer_width = "64"))
    }
}

/// A linear memory.
///
/// `#[repr(C)]`: the base pointer is at offset 0 and the byte length (a
/// `usize`) at offset 8, as [`crate::vmctx`] promises compiled code.
#[repr(C)]
pub struct LinearMemory {
    /// Start of the memory; dangling (but aligned) for an empty heap memory.
    base: *mut u8,
    /// Accessible length in bytes. Atomic because a shared memory is grown
    /// by one thread while others read its length (compiled code reads it
    /// with plain loads, which is what a relaxed atomic load is on the
    /// hosts tern compiles for).
    len: AtomicUsize,
    style: MemoryStyle,
    ty: MemoryType,
    /// The effective maximum in pages: the type's maximum, capped by the
    /// store's limit and [`max_bytes`].
    max_pages: u64,
    /// log2 of the page size in bytes.
    page_log2: u32,
    /// Bytes of address space reserved at `base` (`Reserved`, `Mapped`).
    reserved: usize,
    /// Serialises the growth of a shared memory (never taken for others).
    grow_lock: Mutex<()>,
}

// SAFETY: the memory owns its buffer exclusively; access goes through
// `&self`/`&mut self` (or through raw pointers whose users uphold the same
// rules).
unsafe impl Send for LinearMemory {}
unsafe impl Sync for LinearMemory {}

impl LinearMemory {
    /// A heap-backed memory ([`MemoryStyle::Heap`]) of type `ty`, its
    /// maximum capped at `limit_pages` (64 KiB pages, whatever the type's
    /// page size). Returns `None` when the minimum
    /// exceeds the limit or cannot be allocated.
    pub fn new(ty: MemoryType, limit_pages: u64) -> Option<LinearMemory> {
        LinearMemory::with_style(ty, limit_pages, MemoryStyle::Heap)
    }

    /// A memory of type `ty` with the given backing, its maximum capped at
    /// `limit_pages`. Returns `None` when the minimum exceeds the limit, or
    /// the memory cannot be allocated or reserved (a host that cannot
    /// reserve address space may fall back to [`MemoryStyle::Heap`]).
    pub fn with_style(ty: MemoryType, limit_pages: u64, style: MemoryStyle) -> Option<LinearMemory> {
        let page_log2 = page_size_log2(&ty);
        let cap_bytes = max_bytes(&ty).min(limit_pages.saturating_mul(PAGE_SIZE));
        let max_pages = ty.limits.max.unwrap_or(u64::MAX).min(cap_bytes >> page_log2);
        if ty.limits.min > max_pages {
            return None;
        }
        let style = if style == MemoryStyle::Mapped && max_pages == 0 && !ty.shared {
            MemoryStyle::Heap
        } else {
            style
        };
        // A shared memory never moves: it needs a reservation.
        if ty.shared && style == MemoryStyle::Heap {
            return None;
        }
        let reserved = match style {
            MemoryStyle::Heap => 0,
            MemoryStyle::Reserved => RESERVATION_BYTES as usize,
            // At most 4 GiB, rounded up to whole 64 KiB (a multiple of any
            // OS page size).
            MemoryStyle::Mapped => {
                usize::try_from((max_pages << page_log2).next_multiple_of(PAGE_SIZE).max(PAGE_SIZE)).ok()?
            }
        };
        let base = match style {
            MemoryStyle::Heap => std::ptr::NonNull::<u128>::dangling().as_ptr().cast(),
            MemoryStyle::Reserved | MemoryStyle::Mapped => reserve(reserved)?,
        };
        let mut m = LinearMemory {
            base,
            len: AtomicUsize::new(0),
            style,
            ty,
            max_pages,
            page_log2,
            reserved,
            grow_lock: Mutex::new(()),
        };
        m.resize(ty.limits.min)?;
        Some(m)
    }

    fn layout(len: usize) -> Layout {
        Layout::from_size_align(len, ALIGN).expect("memory sizes are below isize::MAX")
    }

    fn resize(&mut self, pages: u64) -> Option<()> {
        let new_len = usize::try_from(pages.checked_mul(1 << self.page_log2)?).ok()?;
        let len = *self.len.get_mut();
        if new_len == len {
            return Some(());
        }
        if new_len > isize::MAX as usize - ALIGN {
            return None;
        }
        if self.style != MemoryStyle::Heap {
            return self.commit_to(len, new_len);
        }
        match self.style {
            MemoryStyle::Heap => {
                // SAFETY: layouts are non-zero-sized where allocated; `base`
                // was allocated with `layout(self.len)` whenever
                // `self.len != 0`.
                unsafe {
                    let p = if len == 0 {
                        alloc_zeroed(Self::layout(new_len))
                    } else {
                        let p = realloc(self.base, Self::layout(len), new_len);
                        if !p.is_null() {
                            p.add(len).write_bytes(0, new_len - len);
                        }
                        p
                    };
                    if p.is_null() {
                        return None;
                    }
                    self.base = p;
                }
            }
            MemoryStyle::Reserved | MemoryStyle::Mapped => unreachable!("handled above"),
        }
        *self.len.get_mut() = new_len;
        Some(())
    }

    /// Makes the reservation accessible from `len` up to `new_len` bytes
    /// and publishes the new length (`Reserved` and `Mapped` only).
    fn commit_to(&self, len: usize, new_len: usize) -> Option<()> {
        // Memories never shrink, and the maximum is at most 4 GiB, inside
        // the reservation.
        debug_assert!(new_len > len && new_len as u64 <= 4 << 30 && new_len <= self.reserved);
        // Whole 64 KiB units are made accessible: with a page size of 1 the
        // bytes between `len` and the next unit are already accessible (and
        // still zero: every access is checked against `len`, see
        // `page_size`).
        let unit = PAGE_SIZE as usize;
        let (from, to) = (len.next_multiple_of(unit), new_len.next_multiple_of(unit));
        if to > from {
            // SAFETY: `[base + from, base + to)` lies inside the reservation
            // this memory owns (a multiple of 64 KiB); fresh anonymous
            // pages read as zero.
            unsafe { commit(self.base.add(from), to - from)? };
        }
        self.len.store(new_len, Ordering::Release);
        Some(())
    }

    /// Whether this is a shared memory (threads): one memory that several
    /// stores and threads use at once, through `&self` only.
    #[inline]
    pub fn is_shared(&self) -> bool {
        self.ty.shared
    }

    /// `memory.grow` of a shared memory, atomic with respect to other
    /// threads' growth (they see the new length once it is accessible).
    /// Returns the old size in pages, or `None` when the maximum would be
    /// exceeded or the OS refuses.
    pub fn grow_shared(&self, delta: u64) -> Option<u64> {
        let _guard = self.grow_lock.lock().unwrap_or_else(|e| e.into_inner());
        let len = self.len.load(Ordering::Acquire);
        let old = len as u64 >> self.page_log2;
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        let new_len = usize::try_from(new.checked_mul(1 << self.page_log2)?).ok()?;
        if new_len != len {
            self.commit_to(len, new_len)?;
        }
        Some(old)
    }

    /// The host address of the naturally aligned `n`-byte atomic access at
    /// `ea`: traps `unaligned atomic` first, then out of bounds.
    pub fn atomic_addr(&self, ea: u64, n: u64) -> Result<*mut u8, TrapCode> {
        if !ea.is_multiple_of(n) {
            return Err(TrapCode::UnalignedAtomic);
        }
        let r = self.range(ea, n)?;
        // SAFETY: inside the accessible memory.
        Ok(unsafe { self.base.add(r.start) })
    }

    /// `memory.atomic.wait32` (`wide` false) or `wait64` at `ea`: 0 when
    /// woken, 1 when the value is not `expected`, 2 when `timeout`
    /// nanoseconds (negative: for ever) passed. Traps on a memory that is
    /// not shared.
    pub fn atomic_wait(&self, ea: u64, expected: u64, timeout: i64, wide: bool) -> Result<u32, TrapCode> {
        let p = self.atomic_addr(ea, if wide { 8 } else { 4 })?;
        if !self.is_shared() {
            return Err(TrapCode::ExpectedSharedMemory);
        }
        let timeout = (timeout >= 0).then(|| std::time::Duration::from_nanos(timeout as u64));
        // SAFETY: `p` is aligned and inside the memory, which outlives the
        // wait.
        let same = || unsafe {
            if wide {
                AtomicU64::from_ptr(p.cast()).load(Ordering::SeqCst) == expected
            } else {
                AtomicU32::from_ptr(p.cast()).load(Ordering::SeqCst) == expected as u32
            }
        };
        Ok(crate::parking::wait(p.addr(), same, timeout) as u32)
    }

    /// `memory.atomic.notify` at `ea`: wakes up to `count` waiters, returns
    /// how many (none can wait on a memory that is not shared).
    pub fn atomic_notify(&self, ea: u64, count: u32) -> Result<u32, TrapCode> {
        let p = self.atomic_addr(ea, 4)?;
        Ok(if self.is_shared() {
            crate::parking::notify(p.addr(), count)
        } else {
            0
        })
    }

    /// The byte at `i` (inside the accessible memory) as an atomic.
    ///
    /// # Safety
    ///
    /// `i < self.len()`.
    unsafe fn byte(&self, i: usize) -> &AtomicU8 {
        // SAFETY: the caller's contract; the memory outlives the reference.
        unsafe { AtomicU8::from_ptr(self.base.add(i)) }
    }

    /// Reads `buf.len()` bytes at `at` with relaxed atomic byte loads: for
    /// a shared memory that other threads may be writing.
    pub fn read_racy(&self, at: u64, buf: &mut [u8]) -> Result<(), TrapCode> {
        let r = self.range(at, buf.len() as u64)?;
        for (i, b) in buf.iter_mut().enumerate() {
            // SAFETY: inside the checked range.
            *b = unsafe { self.byte(r.start + i) }.load(Ordering::Relaxed);
        }
        Ok(())
    }

    /// Writes `buf` at `at` with relaxed atomic byte stores (shared
    /// memories).
    pub fn write_racy(&self, at: u64, buf: &[u8]) -> Result<(), TrapCode> {
        let r = self.range(at, buf.len() as u64)?;
        for (i, b) in buf.iter().enumerate() {
            // SAFETY: inside the checked range.
            unsafe { self.byte(r.start + i) }.store(*b, Ordering::Relaxed);
        }
        Ok(())
    }

    /// `memory.fill` of a shared memory (relaxed atomic byte stores).
    pub fn fill_racy(&self, at: u64, val: u8, n: u64) -> Result<(), TrapCode> {
        for i in self.range(at, n)? {
            // SAFETY: inside the checked range.
            unsafe { self.byte(i) }.store(val, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Copies `n` bytes at `src` of `from` (which may be `self`) to `dst`,
    /// overlap allowed, with relaxed atomic byte accesses: for copies where
    /// either memory is shared.
    pub fn copy_racy(&self, dst: u64, from: &LinearMemory, src: u64, n: u64) -> Result<(), TrapCode> {
        let s = from.range(src, n)?;
        let d = self.range(dst, n)?;
        // SAFETY: both ranges were checked above.
        let step = |i: usize| unsafe {
            self.byte(d.start + i)
                .store(from.byte(s.start + i).load(Ordering::Relaxed), Ordering::Relaxed)
        };
        if d.start <= s.start || !std::ptr::eq(self, from) {
            (0..s.len()).for_each(step);
        } else {
            (0..s.len()).rev().for_each(step);
        }
        Ok(())
    }

    /// `memory.init` into a shared memory (relaxed atomic byte stores).
    pub fn init_racy(&self, dst: u64, data: &[u8], src: u64, n: u64) -> Result<(), TrapCode> {
        let s = match src.checked_add(n) {
            Some(end) if end <= data.len() as u64 => src as usize..end as usize,
            _ => return Err(TrapCode::MemoryOutOfBounds),
        };
        self.write_racy(dst, &data[s])
    }

    /// Makes bytes `at..at + len` of the memory copy-on-write mappings of
    /// `file`'s bytes from `offset` (a precompiled artifact's image of the
    /// memory's initial contents), instead of copying them: pages the
    /// guest never touches are never read. Returns `Ok(false)`, having
    /// changed nothing, when this memory cannot: a heap memory, a shared
    /// one, a range that is not page-aligned or not inside the memory, or
    /// a host without file mappings; the caller then copies.
    ///
    /// # Safety
    ///
    /// No references into the range may be live, and the file must not
    /// change while the memory lives.
    pub unsafe fn map_image(
        &mut self,
        at: usize,
        file: &crate::code::MappedFile,
        offset: usize,
        len: usize,
    ) -> std::io::Result<bool> {
        let page = crate::code::CodeRegion::page_size();
        let fits = at.checked_add(len).is_some_and(|e| e <= self.len())
            && offset.checked_add(len).is_some_and(|e| e <= file.len());
        if self.style == MemoryStyle::Heap
            || self.is_shared()
            || !cfg!(unix)
            || !fits
            || !at.is_multiple_of(page)
            || !offset.is_multiple_of(page)
            || !len.is_multiple_of(page)
        {
            return Ok(false);
        }
        if len == 0 {
            return Ok(true);
        }
        // SAFETY: the range is inside this memory's accessible, read-write
        // prefix, which it owns; the caller vouches for the file.
        unsafe { file.map_over(self.base.add(at), offset, len)? };
        Ok(true)
    }

    /// The backing of this memory.
    pub fn style(&self) -> MemoryStyle {
        self.style
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
        self.len.load(Ordering::Acquire)
    }

    /// Whether the memory has no pages.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size in pages of the memory's page size.
    #[inline]
    pub fn size_pages(&self) -> u64 {
        self.len() as u64 >> self.page_log2
    }

    /// The page size in bytes (65536, or 1 with custom-page-sizes). A
    /// memory whose page size is below 64 KiB may be accessible (in
    /// [`MemoryStyle::Reserved`] and [`MemoryStyle::Mapped`]) past its
    /// length up to the next 64 KiB, so guard regions alone cannot check
    /// its accesses: compiled code checks them explicitly.
    #[inline]
    pub fn page_size(&self) -> u64 {
        1 << self.page_log2
    }

    /// The effective maximum in pages of the memory's page size.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// Start of the buffer. Valid until the next [`LinearMemory::grow`]
    /// for [`MemoryStyle::Heap`]; for the memory's lifetime for the other
    /// styles.
    #[inline]
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// The contents.
    pub fn data(&self) -> &[u8] {
        // SAFETY: `base` is valid for `len` initialised bytes (and aligned
        // and non-null when `len` is 0).
        unsafe { std::slice::from_raw_parts(self.base, self.len()) }
    }

    /// The contents, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`, and `&mut self` is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.len()) }
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` when
    /// the maximum would be exceeded or the OS refuses the memory (never
    /// an abort).
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
            Some(end) if end <= self.len() as u64 => Ok(at as usize..end as usize),
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
        match self.style {
            MemoryStyle::Heap => {
                let len = *self.len.get_mut();
                if len != 0 {
                    // SAFETY: allocated with this layout.
                    unsafe { dealloc(self.base, Self::layout(len)) }
                }
            }
            // SAFETY: the reservation was mapped by `reserve` and is owned
            // by this memory alone.
            MemoryStyle::Reserved | MemoryStyle::Mapped => unsafe { unreserve(self.base, self.reserved) },
        }
    }
}

/// Maps an inaccessible reservation of `bytes` (non-zero).
#[cfg(all(unix, target_pointer_width = "64"))]
fn reserve(bytes: usize) -> Option<*mut u8> {
    use rustix::mm::{MapFlags, ProtFlags, mmap_anonymous};
    // SAFETY: a fresh anonymous mapping at an address the kernel picks
    // aliases nothing.
    let p = unsafe {
        mmap_anonymous(
            std::ptr::null_mut(),
            bytes,
            ProtFlags::empty(),
            MapFlags::PRIVATE | MapFlags::NORESERVE,
        )
    };
    p.ok().map(|p| p.cast())
}

#[cfg(not(all(unix, target_pointer_width = "64")))]
fn reserve(_bytes: usize) -> Option<*mut u8> {
    None
}

/// Makes `[at, at + len)` (page-aligned, inside a reservation) readable and
/// writable.
#[cfg(all(unix, target_pointer_width = "64"))]
unsafe fn commit(at: *mut u8, len: usize) -> Option<()> {
    use rustix::mm::{MprotectFlags, mprotect};
    // SAFETY: the caller passes a range of its own reservation.
    unsafe { mprotect(at.cast(), len, MprotectFlags::READ | MprotectFlags::WRITE).ok() }
}

#[cfg(not(all(unix, target_pointer_width = "64")))]
unsafe fn commit(_at: *mut u8, _len: usize) -> Option<()> {
    None
}

#[cfg(all(unix, target_pointer_width = "64"))]
unsafe fn unreserve(base: *mut u8, bytes: usize) {
    // SAFETY: the caller owns the reservation of `bytes` at `base`. An
    // error here would only leak address space.
    let _ = unsafe { rustix::mm::munmap(base.cast(), bytes) };
}

#[cfg(not(all(unix, target_pointer_width = "64")))]
unsafe fn unreserve(_base: *mut u8, _bytes: usize) {}

impl std::fmt::Debug for LinearMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearMemory")
            .field("style", &self.style)
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

    const STYLES: [MemoryStyle; 3] = [MemoryStyle::Heap, MemoryStyle::Reserved, MemoryStyle::Mapped];

    #[test]
    fn layout_matches_vmctx() {
        use crate::vmctx::{OFFSET_MEMORY_BASE, OFFSET_MEMORY_LEN};
        use std::mem::offset_of;
        assert_eq!(offset_of!(LinearMemory, base), OFFSET_MEMORY_BASE as usize);
        assert_eq!(offset_of!(LinearMemory, len), OFFSET_MEMORY_LEN as usize);
        for style in STYLES {
            let m = LinearMemory::with_style(ty(2, None), MAX_PAGES, style).unwrap();
            let p = &m as *const LinearMemory as *const u8;
            // SAFETY: the offsets are inside the struct (checked above).
            unsafe {
                assert_eq!(*(p.add(OFFSET_MEMORY_BASE as usize) as *const *mut u8), m.base());
                assert_eq!(
                    *(p.add(OFFSET_MEMORY_LEN as usize) as *const usize),
                    2 * PAGE_SIZE as usize
                );
            }
        }
    }

    #[test]
    fn grow_zeroes_and_keeps_contents() {
        for style in STYLES {
            grow_zeroes_and_keeps_contents_in(style);
        }
    }

    fn grow_zeroes_and_keeps_contents_in(style: MemoryStyle) {
        let mut m = LinearMemory::with_style(ty(1, Some(3)), MAX_PAGES, style).unwrap();
        assert_eq!(m.style(), style);
        m.write(10, &[1, 2, 3]).unwrap();
        let base = m.base();
        assert_eq!(m.grow(1), Some(1));
        if style != MemoryStyle::Heap {
            assert_eq!(m.base(), base, "a reserved memory never moves");
        }
        assert_eq!(m.size_pages(), 2);
        let mut b = [0; 3];
        m.read(10, &mut b).unwrap();
        assert_eq!(b, [1, 2, 3]);
        assert!(m.data()[65536..].iter().all(|&x| x == 0));
        m.data_mut()[2 * 65536 - 1] = 7;
        assert_eq!(m.grow(2), None);
        assert_eq!(m.grow(0), Some(2));
        assert_eq!(m.grow(u64::MAX), None);
        assert_eq!(m.grow(1), Some(2));
        assert_eq!(m.data()[2 * 65536 - 1], 7);
        assert!(m.data()[2 * 65536..].iter().all(|&x| x == 0));
        assert_eq!(m.grow(1), None);
    }

    #[test]
    fn bounds() {
        for style in STYLES {
            let mut m = LinearMemory::with_style(ty(0, None), MAX_PAGES, style).unwrap();
            assert!(m.is_empty());
            assert_eq!(m.data(), &[] as &[u8]);
            assert_eq!(m.fill(0, 1, 0), Ok(()));
            assert_eq!(m.fill(1, 1, 0), Err(TrapCode::MemoryOutOfBounds));
            assert_eq!(m.grow(1), Some(0));
            assert_eq!(m.fill(65530, 9, 6), Ok(()));
            assert_eq!(m.fill(65530, 9, 7), Err(TrapCode::MemoryOutOfBounds));
            assert_eq!(m.copy_within(65535, 0, 1), Ok(()));
            assert_eq!(m.copy_within(65535, 0, 2), Err(TrapCode::MemoryOutOfBounds));
            assert_eq!(m.copy_within(0, 65530, 6), Ok(()));
            assert_eq!(&m.data()[..6], &[9, 9, 9, 9, 9, 0]);
            assert_eq!(m.range(u64::MAX, 2), Err(TrapCode::MemoryOutOfBounds));
            assert_eq!(m.init(100, &[1, 2, 3, 4], 1, 3), Ok(()));
            assert_eq!(&m.data()[100..103], &[2, 3, 4]);
            assert_eq!(m.init(100, &[1, 2, 3, 4], 2, 3), Err(TrapCode::MemoryOutOfBounds));
            assert_eq!(m.init(65534, &[1, 2, 3, 4], 0, 3), Err(TrapCode::MemoryOutOfBounds));
            let mut b = [0; 2];
            assert_eq!(m.read(65535, &mut b), Err(TrapCode::MemoryOutOfBounds));
            assert_eq!(m.write(65534, &[5, 6]), Ok(()));
            assert_eq!(m.read(65534, &mut b), Ok(()));
            assert_eq!(b, [5, 6]);
        }
    }

    #[test]
    fn limits() {
        for style in STYLES {
            assert!(LinearMemory::with_style(ty(3, None), 2, style).is_none());
            let mut m = LinearMemory::with_style(ty(1, None), 2, style).unwrap();
            assert_eq!(m.max_pages(), 2);
            assert_eq!(m.grow(2), None);
            assert_eq!(m.grow(1), Some(1));
            assert_eq!(m.current_ty().limits.min, 2);
        }
    }

    #[test]
    fn reserved_memories_can_grow_to_4_gib() {
        // Only address space and page tables for the touched pages.
        for style in [MemoryStyle::Reserved, MemoryStyle::Mapped] {
            let mut m = LinearMemory::with_style(ty(0, None), MAX_PAGES, style).unwrap();
            assert_eq!(m.style(), style);
            assert_eq!(m.grow(MAX_PAGES), Some(0));
            assert_eq!(m.len() as u64, 4 << 30);
            assert_eq!(m.write((4 << 30) - 1, &[1]), Ok(()));
            assert_eq!(m.write(4 << 30, &[1]), Err(TrapCode::MemoryOutOfBounds));
            assert_eq!(m.grow(1), None);
        }
    }

    #[test]
    fn mapped_memories_reserve_their_maximum() {
        let mut m = LinearMemory::with_style(ty(1, Some(3)), MAX_PAGES, MemoryStyle::Mapped).unwrap();
        assert_eq!(m.reserved, 3 * PAGE_SIZE as usize);
        assert_eq!(m.grow(2), Some(1));
        assert_eq!(m.grow(1), None);
        m.write(3 * PAGE_SIZE - 1, &[9]).unwrap();
        // Nothing to reserve for a memory that can never have a page.
        let z = LinearMemory::with_style(ty(0, Some(0)), MAX_PAGES, MemoryStyle::Mapped).unwrap();
        assert_eq!(z.style(), MemoryStyle::Heap);
        assert!(z.is_empty());
    }
}
