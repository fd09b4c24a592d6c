//! Executable memory for compiled code, and the process-wide registry of
//! code ranges that the trap handler consults.
//!
//! [`CodeMemory`] is never writable and executable at once: the code is
//! written (and its relocations patched) into a fresh read-write mapping,
//! which is then made read-execute for the rest of its life.
//!
//! [`register`] records a range of compiled code together with a function
//! from an offset in that range to the [`TrapCode`] of the trap site there;
//! the signal handler in [`crate::signals`] looks faulting PCs up in it.
//! The registry is a `RwLock`ed ordered map: the handler takes the read
//! lock, which cannot deadlock because writers hold the write lock only
//! inside [`register`] and [`Registration`]'s drop, never while compiled
//! code runs on their thread (and the handler declines to look when the
//! faulting thread itself is the writer).
//!
//! Code mapped from a precompiled artifact can be registered with a
//! [`LazyCheck`]: it stays inaccessible until code touches it, and the
//! handler then checks the touched block against its recorded hash
//! ([`check_fault`]) before making it read-execute, so loading a large
//! artifact does not read all of it.

use crate::trap::TrapCode;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// Maps an offset inside a registered code range to the trap code of the
/// trap site at that offset, or `None` when there is none.
///
/// It runs inside a signal handler: it must not allocate, lock, panic or
/// otherwise do anything that is not async-signal-safe (a binary search in
/// a table built beforehand is the intended use).
pub type TrapLookup = Arc<dyn Fn(usize) -> Option<TrapCode> + Send + Sync>;

/// Where compiled code catches exceptions thrown out of a call: the
/// offset (in the same code range) of the landing pad, and the distance
/// from the frame pointer down to the stack pointer the pad expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handler {
    pub pad: u32,
    pub sp_to_fp: u32,
}

/// Maps the offset of a call's return address inside a registered code
/// range to the [`Handler`] of that call site, or `None` when the call
/// has none. Not used by the signal handler (only by throws, which run
/// in ordinary code).
pub type HandlerLookup = Arc<dyn Fn(usize) -> Option<Handler> + Send + Sync>;

/// A region of executable code: read-write while it is filled, then
/// read-execute until dropped (unmapped).
#[derive(Debug)]
pub struct CodeMemory {
    ptr: *mut u8,
    len: usize,
    map_len: usize,
}

// SAFETY: the mapping is immutable once constructed.
unsafe impl Send for CodeMemory {}
unsafe impl Sync for CodeMemory {}

impl CodeMemory {
    /// Executable memory holding a copy of `code`.
    pub fn new(code: &[u8]) -> io::Result<CodeMemory> {
        CodeMemory::new_with(code.len(), |buf| {
            buf.copy_from_slice(code);
            Ok::<(), io::Error>(())
        })
    }

    /// Executable memory of `len` bytes, filled by `fill` while it is still
    /// writable (and not executable). The buffer `fill` gets is at its final
    /// address, so `fill` can patch absolute and PC-relative relocations
    /// against `buf.as_ptr()`; it starts zeroed. An error from `fill` is
    /// returned and the memory released.
    pub fn new_with<E: From<io::Error>>(
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
    ) -> Result<CodeMemory, E> {
        let page = page_size();
        let map_len = len
            .max(1)
            .checked_next_multiple_of(page)
            .ok_or_else(|| io::Error::new(io::ErrorKind::OutOfMemory, "code size overflows the address space"))?;
        let ptr = map_rw(map_len)?;
        let mem = CodeMemory { ptr, len, map_len };
        // SAFETY: the fresh mapping is readable and writable for `map_len`
        // bytes and nothing else refers to it.
        fill(unsafe { std::slice::from_raw_parts_mut(ptr, len) })?;
        // SAFETY: our own mapping; from now on it is only read and executed.
        unsafe { protect_rx(ptr, map_len)? };
        Ok(mem)
    }

    /// Start of the code.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr
    }

    /// Length of the code in bytes (as requested; the mapping is rounded
    /// up to whole pages).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the code is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The code's address range.
    pub fn range(&self) -> Range<usize> {
        self.ptr as usize..self.ptr as usize + self.len
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours; its users (registrations, function
        // pointers) must be gone by now, which owners ensure by dropping
        // them first.
        unsafe { unmap(self.ptr, self.map_len) }
    }
}

impl CodeMemory {
    /// Executable memory holding `len` bytes of `file` from `offset` (a
    /// multiple of the page size), mapped copy-on-write rather than copied:
    /// only the pages `fill` writes to (relocations) become private copies,
    /// the rest stay shared with the page cache. `fill` gets the bytes at
    /// their final address while they are writable, then they become
    /// read-execute for good.
    ///
    /// # Safety
    ///
    /// Nobody may change or truncate the file while the memory lives: its
    /// unwritten pages are the file's (see [`MappedFile`]).
    pub unsafe fn map_file<E: From<io::Error>>(
        file: &MappedFile,
        offset: usize,
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
    ) -> Result<CodeMemory, E> {
        // SAFETY: the caller's.
        unsafe { CodeMemory::map_file_as(file, offset, len, fill, true) }
    }

    /// [`CodeMemory::map_file`], except that the memory is left
    /// inaccessible: register it with a [`LazyCheck`], which makes each
    /// block read-execute once its bytes are checked.
    ///
    /// # Safety
    ///
    /// As [`CodeMemory::map_file`].
    pub unsafe fn map_file_unchecked<E: From<io::Error>>(
        file: &MappedFile,
        offset: usize,
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
    ) -> Result<CodeMemory, E> {
        // SAFETY: the caller's.
        unsafe { CodeMemory::map_file_as(file, offset, len, fill, false) }
    }

    unsafe fn map_file_as<E: From<io::Error>>(
        file: &MappedFile,
        offset: usize,
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
        executable: bool,
    ) -> Result<CodeMemory, E> {
        let page = page_size();
        let end = offset.checked_add(len).filter(|&e| e <= file.len());
        if len == 0 || !offset.is_multiple_of(page) || end.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "code range is not page-aligned inside the file",
            )
            .into());
        }
        let map_len = len.next_multiple_of(page);
        let ptr = file.map_private(offset, map_len)?;
        let mem = CodeMemory { ptr, len, map_len };
        // SAFETY: the fresh private mapping is readable and writable for
        // `map_len` bytes and nothing else refers to it.
        fill(unsafe { std::slice::from_raw_parts_mut(ptr, len) })?;
        // SAFETY: our own mapping; from now on it is only read and executed.
        unsafe {
            match executable {
                true => protect_rx(ptr, map_len)?,
                false => protect_none(ptr, map_len)?,
            }
        }
        Ok(mem)
    }
}

/// A file mapped read-only into memory: a precompiled artifact being
/// loaded, whose pages come from the page cache instead of being read and
/// copied. Its code can then be mapped copy-on-write
/// ([`CodeMemory::map_file`]).
///
/// Like every mapped file, it must not change while mapped: a truncated
/// file makes reads of the lost pages fault. Loading an artifact already
/// requires trusting its file (it is native code); writers should replace
/// such files (write another and rename it over) rather than rewrite them.
pub struct MappedFile {
    file: std::fs::File,
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is read-only and lives as long as the value.
unsafe impl Send for MappedFile {}
unsafe impl Sync for MappedFile {}

impl MappedFile {
    /// Maps the whole of the file at `path`, read-only.
    pub fn open(path: &std::path::Path) -> io::Result<MappedFile> {
        let file = std::fs::File::open(path)?;
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "file too large to map"))?;
        let ptr = if len == 0 {
            std::ptr::null_mut()
        } else {
            map_file_ro(&file, len)?
        };
        Ok(MappedFile { file, ptr, len })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: a read-only mapping of `len` bytes that lives as long as
        // `self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The file's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn map_private(&self, offset: usize, len: usize) -> io::Result<*mut u8> {
        map_file_private(&self.file, offset, len)
    }

    /// Maps `len` bytes of the file from `offset` copy-on-write and
    /// read-write at `addr`, in place of what was mapped there: reads see
    /// the file's bytes (faulted in from the page cache when first
    /// touched), writes make private copies.
    ///
    /// # Safety
    ///
    /// `addr..addr + len` must be read-write memory the caller owns,
    /// page-aligned, with no live references into it; `offset` and `len`
    /// must be multiples of the page size inside the file, which must not
    /// change while mapped.
    pub unsafe fn map_over(&self, addr: *mut u8, offset: usize, len: usize) -> io::Result<()> {
        // SAFETY: the caller's.
        unsafe { map_file_over(&self.file, addr, offset, len) }
    }
}

impl AsRef<[u8]> for MappedFile {
    fn as_ref(&self) -> &[u8] {
        self.bytes()
    }
}

impl std::fmt::Debug for MappedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedFile").field("len", &self.len).finish()
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: our own mapping; borrows of `bytes` ended with `self`.
            unsafe { unmap(self.ptr, self.len) }
        }
    }
}

#[cfg(unix)]
fn map_file_ro(file: &std::fs::File, len: usize) -> io::Result<*mut u8> {
    use rustix::mm::{MapFlags, ProtFlags, mmap};
    // Pages are mapped as they are read: loading an artifact reads only
    // the parts it uses (see `tern_cranelift::aot`).
    // SAFETY: a fresh mapping of a file we hold open; nothing aliases it.
    let p = unsafe { mmap(std::ptr::null_mut(), len, ProtFlags::READ, MapFlags::PRIVATE, file, 0)? };
    Ok(p.cast())
}

#[cfg(unix)]
unsafe fn map_file_over(file: &std::fs::File, addr: *mut u8, offset: usize, len: usize) -> io::Result<()> {
    use rustix::mm::{MapFlags, ProtFlags, mmap};
    // SAFETY: the caller owns the range being replaced.
    unsafe {
        mmap(
            addr.cast(),
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE | MapFlags::FIXED,
            file,
            offset as u64,
        )?
    };
    Ok(())
}

#[cfg(not(unix))]
unsafe fn map_file_over(_file: &std::fs::File, _addr: *mut u8, _offset: usize, _len: usize) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "file mappings are not supported on this host",
    ))
}

#[cfg(unix)]
fn map_file_private(file: &std::fs::File, offset: usize, len: usize) -> io::Result<*mut u8> {
    use rustix::mm::{MapFlags, ProtFlags, mmap};
    // SAFETY: a fresh copy-on-write mapping; nothing aliases it.
    let p = unsafe {
        mmap(
            std::ptr::null_mut(),
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE,
            file,
            offset as u64,
        )?
    };
    Ok(p.cast())
}

#[cfg(not(unix))]
fn map_file_ro(_file: &std::fs::File, _len: usize) -> io::Result<*mut u8> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "mapping files is not supported on this host",
    ))
}

#[cfg(not(unix))]
fn map_file_private(_file: &std::fs::File, _offset: usize, _len: usize) -> io::Result<*mut u8> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "mapping files is not supported on this host",
    ))
}

/// A reservation of address space for code that is filled piece by piece
/// (the compiler tier's lazily compiled functions): inaccessible until a
/// page range is made writable, filled, and made read-execute for good.
/// Pages are never writable and executable at once. Unmapped on drop.
#[derive(Debug)]
pub struct CodeRegion {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the reservation is only changed through `&mut`-free methods that
// the owner serializes (see `fill`); executable pages are immutable.
unsafe impl Send for CodeRegion {}
unsafe impl Sync for CodeRegion {}

impl CodeRegion {
    /// Reserves `len` bytes (rounded up to whole pages), inaccessible.
    pub fn reserve(len: usize) -> io::Result<CodeRegion> {
        let len = len
            .max(1)
            .checked_next_multiple_of(page_size())
            .ok_or_else(|| io::Error::new(io::ErrorKind::OutOfMemory, "code size overflows the address space"))?;
        let ptr = map_none(len)?;
        Ok(CodeRegion { ptr, len })
    }

    /// The page size: offsets given to [`CodeRegion::fill`] and
    /// [`CodeRegion::make_rw`] are multiples of it.
    pub fn page_size() -> usize {
        page_size()
    }

    /// Start of the reservation.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr
    }

    /// Size of the reservation in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the reservation is empty (never: it is at least a page).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes `len` bytes at `offset` readable and writable for good (for
    /// data that lives beside the code, such as call slots) and returns
    /// them.
    ///
    /// # Safety
    ///
    /// The range lies in the reservation, page-aligned, and was never made
    /// accessible before; the caller serializes access to the returned
    /// memory.
    pub unsafe fn make_rw(&self, offset: usize, len: usize) -> io::Result<*mut u8> {
        // SAFETY: the caller's contract.
        unsafe {
            let p = self.ptr.add(offset);
            protect_rw(p, len)?;
            Ok(p)
        }
    }

    /// Fills `len` bytes of fresh pages at `offset` with `fill` while they
    /// are writable, then makes them read-execute for good.
    ///
    /// # Safety
    ///
    /// The range lies in the reservation, `offset` is page-aligned, and no
    /// page of it was ever made accessible before (so nothing executes it
    /// while it is written); calls for overlapping ranges never happen.
    pub unsafe fn fill<E: From<io::Error>>(
        &self,
        offset: usize,
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let map_len = len.max(1).next_multiple_of(page_size());
        // SAFETY: the caller's contract: fresh pages of ours.
        unsafe {
            let p = self.ptr.add(offset);
            protect_rw(p, map_len)?;
            fill(std::slice::from_raw_parts_mut(p, len))?;
            protect_rx(p, map_len)?;
        }
        Ok(())
    }
}

impl Drop for CodeRegion {
    fn drop(&mut self) {
        // SAFETY: the reservation is ours; its owner drops every user
        // (registrations, function pointers) first.
        unsafe { unmap(self.ptr, self.len) }
    }
}

#[cfg(unix)]
fn map_none(len: usize) -> io::Result<*mut u8> {
    use rustix::mm::{MapFlags, ProtFlags, mmap_anonymous};
    // SAFETY: a fresh anonymous mapping aliases nothing.
    let p = unsafe {
        mmap_anonymous(
            std::ptr::null_mut(),
            len,
            ProtFlags::empty(),
            MapFlags::PRIVATE | MapFlags::NORESERVE,
        )?
    };
    Ok(p.cast())
}

#[cfg(unix)]
unsafe fn protect_rw(ptr: *mut u8, len: usize) -> io::Result<()> {
    use rustix::mm::{MprotectFlags, mprotect};
    // SAFETY: the caller's own mapping.
    unsafe { mprotect(ptr.cast(), len, MprotectFlags::READ | MprotectFlags::WRITE)? };
    Ok(())
}

#[cfg(not(unix))]
fn map_none(_len: usize) -> io::Result<*mut u8> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "executable memory is not supported on this host",
    ))
}

#[cfg(not(unix))]
unsafe fn protect_rw(_ptr: *mut u8, _len: usize) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn page_size() -> usize {
    rustix::param::page_size()
}

#[cfg(not(unix))]
fn page_size() -> usize {
    4096
}

#[cfg(unix)]
fn map_rw(len: usize) -> io::Result<*mut u8> {
    use rustix::mm::{MapFlags, ProtFlags, mmap_anonymous};
    // SAFETY: a fresh anonymous mapping aliases nothing.
    let p = unsafe {
        mmap_anonymous(
            std::ptr::null_mut(),
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE,
        )?
    };
    Ok(p.cast())
}

#[cfg(unix)]
unsafe fn protect_rx(ptr: *mut u8, len: usize) -> io::Result<()> {
    use rustix::mm::{MprotectFlags, mprotect};
    // x86-64 keeps instruction fetch coherent with stores; other
    // architectures would need an instruction-cache flush here.
    // SAFETY: the caller's own mapping.
    unsafe { mprotect(ptr.cast(), len, MprotectFlags::READ | MprotectFlags::EXEC)? };
    Ok(())
}

#[cfg(unix)]
unsafe fn protect_none(ptr: *mut u8, len: usize) -> io::Result<()> {
    use rustix::mm::{MprotectFlags, mprotect};
    // SAFETY: the caller's own mapping.
    unsafe { mprotect(ptr.cast(), len, MprotectFlags::empty())? };
    Ok(())
}

#[cfg(unix)]
unsafe fn unmap(ptr: *mut u8, len: usize) {
    // SAFETY: the caller's own mapping; an error would only leak it.
    let _ = unsafe { rustix::mm::munmap(ptr.cast(), len) };
}

#[cfg(not(unix))]
fn map_rw(_len: usize) -> io::Result<*mut u8> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "executable memory is not supported on this host",
    ))
}

#[cfg(not(unix))]
unsafe fn protect_rx(_ptr: *mut u8, _len: usize) -> io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
unsafe fn protect_none(_ptr: *mut u8, _len: usize) -> io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
unsafe fn unmap(_ptr: *mut u8, _len: usize) {}

struct Entry {
    end: usize,
    lookup: TrapLookup,
    handlers: Option<HandlerLookup>,
    lazy: Option<Lazy>,
}

/// How the blocks of code mapped from a file are checked when code first
/// touches them (see [`register_checked`]).
pub struct LazyCheck {
    /// The file the code was mapped from, read through its own read-only
    /// mapping (the code's may have relocations patched in).
    pub file: Arc<MappedFile>,
    /// Where the code's bytes start in the file.
    pub offset: usize,
    /// Bytes per block: a multiple of the page size.
    pub block: usize,
    /// The recorded hash of each block (the last may be shorter).
    pub hashes: Arc<[u64]>,
    /// The hash function: it runs in the signal handler, so it must be a
    /// plain computation.
    pub hash: fn(&[u8]) -> u64,
}

struct Lazy {
    check: LazyCheck,
    /// Whether each block has been checked and made read-execute.
    checked: Box<[AtomicBool]>,
}

/// Registered code ranges by start address.
static REGISTRY: RwLock<BTreeMap<usize, Entry>> = RwLock::new(BTreeMap::new());

thread_local! {
    /// Set while this thread holds the registry's write lock, so that the
    /// signal handler never waits for a lock its own thread holds.
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

fn write_registry<R>(f: impl FnOnce(&mut BTreeMap<usize, Entry>) -> R) -> R {
    let mut g = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    WRITING.with(|w| w.set(true));
    let r = f(&mut g);
    WRITING.with(|w| w.set(false));
    r
}

/// Keeps a code range registered; unregisters it on drop. Drop it before
/// the code memory it describes is unmapped (or use [`RegisteredCode`]):
/// another mapping may take the address, and registering it would then
/// find the range taken.
#[must_use = "the range is unregistered when the registration is dropped"]
pub struct Registration {
    start: usize,
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Dropping the entry's `TrapLookup` may run arbitrary destructors:
        // do it after the lock is released.
        let entry = write_registry(|m| m.remove(&self.start));
        drop(entry);
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").field("start", &self.start).finish()
    }
}

/// A [`CodeMemory`] registered with the trap handler for its whole range;
/// on drop it is unregistered first, then unmapped.
pub struct RegisteredCode {
    // Field order is drop order.
    _registration: Registration,
    memory: CodeMemory,
}

impl RegisteredCode {
    /// Registers all of `memory` with `lookup` (see [`register`]).
    pub fn new(memory: CodeMemory, lookup: TrapLookup) -> RegisteredCode {
        RegisteredCode {
            _registration: register(memory.range(), lookup),
            memory,
        }
    }

    /// The code memory.
    pub fn memory(&self) -> &CodeMemory {
        &self.memory
    }
}

impl std::fmt::Debug for RegisteredCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RegisteredCode").field(&self.memory).finish()
    }
}

/// Registers `range` as compiled code whose trap sites `lookup` describes
/// (it gets offsets from `range.start`). A fault at a PC in the range,
/// while the thread is inside [`crate::signals::catch_traps`], becomes a
/// trap.
///
/// # Panics
///
/// When the range is empty or overlaps a registered one (a bug in the
/// caller: code memories do not overlap).
pub fn register(range: Range<usize>, lookup: TrapLookup) -> Registration {
    register_with_handlers(range, lookup, None)
}

/// [`register`], with the exception handlers of the code's call sites.
///
/// # Panics
///
/// As [`register`].
pub fn register_with_handlers(
    range: Range<usize>,
    lookup: TrapLookup,
    handlers: Option<HandlerLookup>,
) -> Registration {
    register_entry(range, lookup, handlers, None)
}

/// [`register_with_handlers`] for code mapped inaccessible
/// ([`CodeMemory::map_file_unchecked`]) whose blocks `check` describes:
/// a fault on a block that is not yet checked checks it and, when its
/// hash is the recorded one, makes it read-execute ([`check_fault`]).
///
/// # Panics
///
/// As [`register`], and when `check` does not describe the range: block
/// size not a multiple of the page size, a hash count that does not cover
/// the range, or bytes outside the file.
pub fn register_checked(
    range: Range<usize>,
    lookup: TrapLookup,
    handlers: Option<HandlerLookup>,
    check: LazyCheck,
) -> Registration {
    let len = range.end - range.start;
    assert!(
        check.block > 0
            && check.block.is_multiple_of(page_size())
            && check.hashes.len() == len.div_ceil(check.block)
            && check.offset.checked_add(len).is_some_and(|e| e <= check.file.len())
            && range.start.is_multiple_of(page_size()),
        "a lazy check that does not describe its code"
    );
    let checked = (0..check.hashes.len()).map(|_| AtomicBool::new(false)).collect();
    register_entry(range, lookup, handlers, Some(Lazy { check, checked }))
}

fn register_entry(
    range: Range<usize>,
    lookup: TrapLookup,
    handlers: Option<HandlerLookup>,
    lazy: Option<Lazy>,
) -> Registration {
    assert!(range.start < range.end, "registering an empty code range");
    let overlap = write_registry(|m| {
        if let Some((&s, e)) = m.range(..range.end).next_back()
            && e.end > range.start
        {
            return Some(s..e.end);
        }
        m.insert(
            range.start,
            Entry {
                end: range.end,
                lookup,
                handlers,
                lazy,
            },
        );
        None
    });
    if let Some(o) = overlap {
        panic!("code range {range:#x?} overlaps the registered {o:#x?}");
    }
    Registration { start: range.start }
}

/// Looks `pc` up: `None` when it is not in registered code, otherwise
/// `Some` of the trap code recorded at it (if any).
///
/// Async-signal-safe as far as the registered lookups are; returns `None`
/// when called on a thread that is inside [`register`] or a
/// [`Registration`]'s drop (a fault there is not in compiled code).
pub fn lookup_trap(pc: usize) -> Option<Option<TrapCode>> {
    if WRITING.with(|w| w.get()) {
        return None;
    }
    let g = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    let (&start, e) = g.range(..=pc).next_back()?;
    if pc >= e.end {
        return None;
    }
    Some((e.lookup)(pc - start))
}

/// Looks the return address `ret` of a call up: `None` when it is not in
/// registered code, otherwise `Some` of the absolute address of the call
/// site's landing pad and the pad's stack-pointer distance below the frame
/// pointer, if the call has a handler.
pub fn lookup_handler(ret: usize) -> Option<Option<(usize, u32)>> {
    if WRITING.with(|w| w.get()) {
        return None;
    }
    let g = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    let (&start, e) = g.range(..=ret).next_back()?;
    if ret >= e.end {
        return None;
    }
    let h = e.handlers.as_ref().and_then(|h| h(ret - start));
    Some(h.map(|h| (start + h.pad as usize, h.sp_to_fp)))
}

/// For a fault reading or executing `addr`: `None` when `addr` is not in
/// registered code with a [`LazyCheck`]; otherwise checks the block there
/// (unless done before) and returns whether its bytes are the recorded
/// ones, in which case the block is now read-execute and the faulting
/// access can be retried. A write fault is never one to retry.
///
/// Async-signal-safe: a lookup, a hash and an `mprotect`.
pub fn check_fault(addr: usize) -> Option<bool> {
    if WRITING.with(|w| w.get()) {
        return None;
    }
    let g = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    let (&start, e) = g.range(..=addr).next_back()?;
    if addr >= e.end {
        return None;
    }
    let lazy = e.lazy.as_ref()?;
    let c = &lazy.check;
    let i = (addr - start) / c.block;
    if lazy.checked[i].load(Ordering::Acquire) {
        // Another thread made it read-execute after this fault.
        return Some(true);
    }
    let block = i * c.block..((i + 1) * c.block).min(e.end - start);
    let bytes = &c.file.bytes()[c.offset + block.start..c.offset + block.end];
    if (c.hash)(bytes) != c.hashes[i] {
        return Some(false);
    }
    // SAFETY: the block lies in the registered mapping, which lives while
    // registered; its length is rounded up within the mapping's pages.
    let made = unsafe {
        protect_rx(
            (start + block.start) as *mut u8,
            block.len().next_multiple_of(page_size()),
        )
    };
    if made.is_err() {
        return Some(false);
    }
    lazy.checked[i].store(true, Ordering::Release);
    Some(true)
}

/// Whether `pc` lies in registered compiled code.
pub fn is_compiled_code(pc: usize) -> bool {
    lookup_trap(pc).is_some()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn code_memory_is_read_execute_and_filled() {
        let m = CodeMemory::new(&[0xc3, 0x90, 0x90]).unwrap();
        assert_eq!(m.len(), 3);
        // SAFETY: readable.
        assert_eq!(
            unsafe { std::slice::from_raw_parts(m.as_ptr(), 3) },
            &[0xc3, 0x90, 0x90]
        );
        let mut seen = 0;
        let m2 = CodeMemory::new_with(10, |b| {
            assert!(b.iter().all(|&x| x == 0));
            seen = b.as_ptr() as usize;
            b[9] = 1;
            Ok::<_, io::Error>(())
        })
        .unwrap();
        assert_eq!(seen, m2.as_ptr() as usize, "filled at its final address");
        let e = CodeMemory::new_with(10, |_| Err(io::Error::other("relocation out of range")));
        assert_eq!(e.unwrap_err().to_string(), "relocation out of range");
        let empty = CodeMemory::new(&[]).unwrap();
        assert!(empty.is_empty());
    }

    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn code_memory_runs() {
        // mov eax, 42; ret
        let m = CodeMemory::new(&[0xb8, 42, 0, 0, 0, 0xc3]).unwrap();
        // SAFETY: the bytes are a complete function of this signature.
        let f: extern "C" fn() -> u32 = unsafe { std::mem::transmute(m.as_ptr()) };
        assert_eq!(f(), 42);
    }

    #[test]
    fn registry_lookups() {
        let m = CodeMemory::new(&[0; 100]).unwrap();
        let r = m.range();
        let reg = register(r.clone(), Arc::new(|off| (off == 7).then_some(TrapCode::Unreachable)));
        assert_eq!(lookup_trap(r.start + 7), Some(Some(TrapCode::Unreachable)));
        assert_eq!(lookup_trap(r.start), Some(None));
        assert_eq!(lookup_trap(r.end - 1), Some(None));
        assert_eq!(lookup_trap(r.end), None);
        assert_eq!(lookup_trap(r.start - 1), None);
        assert!(is_compiled_code(r.start + 50));
        let overlap = std::panic::catch_unwind(|| register(r.start + 10..r.end + 10, Arc::new(|_| None)));
        assert!(overlap.is_err());
        drop(reg);
        assert_eq!(lookup_trap(r.start + 7), None);
        let again = register(r.clone(), Arc::new(|_| None));
        assert_eq!(lookup_trap(r.start + 7), Some(None));
        drop(again);
    }
}
