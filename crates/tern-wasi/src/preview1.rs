//! The `wasi_snapshot_preview1` functions.
//!
//! Each function is a plain `fn(&mut WasiCtx, &mut Mem, &[u64]) ->
//! Result<(), Errno>` over its raw arguments (i32 zero-extended, i64 as
//! bits); [`add_to_linker`] registers it with its preview1 signature.

use crate::I32Exit;
use crate::ctx::{Desc, Entry, WasiCtx};
use crate::errno::Errno;
use crate::mem::Mem;
use crate::rights;
use cap_std::fs::{Dir, FileExt, FileTypeExt, Metadata, MetadataExt, OpenOptions};
use rustix::event::{PollFd, PollFlags};
use rustix::fs::{AtFlags, Timestamps};
use rustix::rand::GetRandomFlags;
use rustix::time::{ClockId, Timespec};
use std::fs::FileTimes;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::BorrowedFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tern::{Caller, Extern, FuncType, Linker, Trap, Val, ValType};

const MODULE: &str = "wasi_snapshot_preview1";

type R = Result<(), Errno>;
type HostFn = fn(&mut WasiCtx, &mut Mem<'_>, &[u64]) -> R;

// filetype
const FT_UNKNOWN: u8 = 0;
const FT_BLOCK_DEVICE: u8 = 1;
const FT_CHARACTER_DEVICE: u8 = 2;
const FT_DIRECTORY: u8 = 3;
const FT_REGULAR_FILE: u8 = 4;
const FT_SOCKET_STREAM: u8 = 6;
const FT_SYMBOLIC_LINK: u8 = 7;

// oflags
const O_CREAT: u64 = 1;
const O_DIRECTORY: u64 = 2;
const O_EXCL: u64 = 4;
const O_TRUNC: u64 = 8;

// fdflags
const FDFLAG_APPEND: u16 = 1;
const FDFLAG_NONBLOCK: u16 = 4;
const FDFLAGS_ALL: u16 = 0x1f;

// lookupflags
const LOOKUP_SYMLINK_FOLLOW: u64 = 1;

// fstflags
const FST_ATIM: u64 = 1;
const FST_ATIM_NOW: u64 = 2;
const FST_MTIM: u64 = 4;
const FST_MTIM_NOW: u64 = 8;

/// Every preview1 function: name, parameter types (`i` i32, `I` i64),
/// implementation. Each returns an `errno` (i32).
const FUNCS: &[(&str, &str, HostFn)] = &[
    ("args_get", "ii", args_get),
    ("args_sizes_get", "ii", args_sizes_get),
    ("environ_get", "ii", environ_get),
    ("environ_sizes_get", "ii", environ_sizes_get),
    ("clock_res_get", "ii", clock_res_get),
    ("clock_time_get", "iIi", clock_time_get),
    ("fd_advise", "iIIi", fd_advise),
    ("fd_allocate", "iII", fd_allocate),
    ("fd_close", "i", fd_close),
    ("fd_datasync", "i", fd_datasync),
    ("fd_fdstat_get", "ii", fd_fdstat_get),
    ("fd_fdstat_set_flags", "ii", fd_fdstat_set_flags),
    ("fd_fdstat_set_rights", "iII", fd_fdstat_set_rights),
    ("fd_filestat_get", "ii", fd_filestat_get),
    ("fd_filestat_set_size", "iI", fd_filestat_set_size),
    ("fd_filestat_set_times", "iIIi", fd_filestat_set_times),
    ("fd_pread", "iiiIi", fd_pread),
    ("fd_prestat_get", "ii", fd_prestat_get),
    ("fd_prestat_dir_name", "iii", fd_prestat_dir_name),
    ("fd_pwrite", "iiiIi", fd_pwrite),
    ("fd_read", "iiii", fd_read),
    ("fd_readdir", "iiiIi", fd_readdir),
    ("fd_renumber", "ii", fd_renumber),
    ("fd_seek", "iIii", fd_seek),
    ("fd_sync", "i", fd_sync),
    ("fd_tell", "ii", fd_tell),
    ("fd_write", "iiii", fd_write),
    ("path_create_directory", "iii", path_create_directory),
    ("path_filestat_get", "iiiii", path_filestat_get),
    ("path_filestat_set_times", "iiiiIIi", path_filestat_set_times),
    ("path_link", "iiiiiii", path_link),
    ("path_open", "iiiiiIIii", path_open),
    ("path_readlink", "iiiiii", path_readlink),
    ("path_remove_directory", "iii", path_remove_directory),
    ("path_rename", "iiiiii", path_rename),
    ("path_symlink", "iiiii", path_symlink),
    ("path_unlink_file", "iii", path_unlink_file),
    ("poll_oneoff", "iiii", poll_oneoff),
    ("proc_raise", "i", notsup),
    ("sched_yield", "", sched_yield),
    ("random_get", "ii", random_get),
    ("sock_accept", "iii", sock_op),
    ("sock_recv", "iiiiii", sock_op),
    ("sock_send", "iiiii", sock_op),
    ("sock_shutdown", "ii", sock_op),
];

/// Defines every `wasi_snapshot_preview1` function in `linker`; `get`
/// finds the [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static, G>(linker: &mut Linker<T>, get: G) -> tern::Result<()>
where
    G: Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
{
    add_funcs(linker, move |caller, _, f| {
        // Move the context out so that it and the memory can be borrowed
        // at once.
        let mut cx = std::mem::take(get(caller.data_mut()));
        let r = with_memory(caller, |mem| f(&mut cx, mem));
        *get(caller.data_mut()) = cx;
        r
    })
}

/// Like [`add_to_linker`], for a context that several stores share (the
/// threads of a wasi-threads program): `get` finds it, and each call holds
/// its lock, so that one call's output is never interleaved with
/// another's.
pub fn add_to_linker_shared<T: 'static, G>(linker: &mut Linker<T>, get: G) -> tern::Result<()>
where
    G: Fn(&T) -> Arc<Mutex<WasiCtx>> + Send + Sync + Copy + 'static,
{
    add_funcs(linker, move |caller, context_free, f| {
        // A call that can do without the context (a sleep) does not hold
        // its lock, so that the other threads' calls go on meanwhile.
        if let Some(r) = context_free.and_then(|g| with_memory(caller, g)) {
            return r;
        }
        let shared = get(caller.data());
        // A thread that panicked while holding it left the context as
        // it was between calls: go on with it.
        let mut cx = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        with_memory(caller, |mem| f(&mut cx, mem))
    })
}

/// What a call may do without the context (`poll_oneoff` on clocks
/// only): `None` when it needs the context after all.
type ContextFree<'a> = dyn FnMut(&mut Mem<'_>) -> Option<R> + 'a;

/// How a function reaches the context and memory: runs the given
/// closure with both. A shared context may first try the context-free
/// step without taking its lock.
type Access<T> = dyn Fn(&mut Caller<'_, T>, Option<&mut ContextFree<'_>>, &mut dyn FnMut(&mut WasiCtx, &mut Mem<'_>) -> R) -> R
    + Send
    + Sync;

fn add_funcs<T: 'static>(
    linker: &mut Linker<T>,
    access: impl Fn(&mut Caller<'_, T>, Option<&mut ContextFree<'_>>, &mut dyn FnMut(&mut WasiCtx, &mut Mem<'_>) -> R) -> R
    + Send
    + Sync
    + 'static,
) -> tern::Result<()> {
    let access: Arc<Access<T>> = Arc::new(access);
    for &(name, sig, f) in FUNCS {
        let params = sig.bytes().map(|c| if c == b'I' { ValType::I64 } else { ValType::I32 });
        let ty = FuncType::new(params, [ValType::I32]);
        let access = access.clone();
        linker.func_new(MODULE, name, ty, move |mut caller, params, results| {
            let mut args = [0u64; 10];
            for (a, p) in args.iter_mut().zip(params) {
                *a = match p {
                    Val::I32(x) => *x as u32 as u64,
                    Val::I64(x) => *x as u64,
                    _ => 0,
                };
            }
            crate::threads::progressed();
            let args = &args[..params.len()];
            let mut clocks = |mem: &mut Mem<'_>| poll_clocks(mem, args);
            let context_free: Option<&mut ContextFree<'_>> = (name == "poll_oneoff").then_some(&mut clocks);
            let r = access(&mut caller, context_free, &mut |cx, mem| f(cx, mem, args));
            results[0] = Val::I32(match r {
                Ok(()) => 0,
                Err(e) => e.0 as i32,
            });
            Ok(())
        })?;
    }
    linker.func_new(
        MODULE,
        "proc_exit",
        FuncType::new([ValType::I32], []),
        |_caller, params, _results| {
            let code = params.first().and_then(Val::i32).unwrap_or(0);
            Err(Trap::host(I32Exit(code)))
        },
    )?;
    Ok(())
}

/// Runs `f` with the caller's exported `memory` (empty when there is none,
/// so that every pointer is `EFAULT`).
fn with_memory<T, X>(caller: &mut Caller<'_, T>, f: impl FnOnce(&mut Mem<'_>) -> X) -> X {
    match caller.get_export("memory").and_then(Extern::into_memory) {
        Some(m) => match m.shared(&*caller) {
            // Other threads may write a shared memory: copy in and out.
            Some(shared) => f(&mut Mem::Shared(shared)),
            None => f(&mut Mem::Plain(m.data_mut(&mut *caller))),
        },
        None => f(&mut Mem::Plain(&mut [])),
    }
}

impl WasiCtx {
    fn entry(&mut self, fd: u64) -> Result<&mut Entry, Errno> {
        self.fds.get_mut(&(fd as u32)).ok_or(Errno::BADF)
    }

    fn desc(&mut self, fd: u64) -> Result<&mut Desc, Errno> {
        Ok(&mut self.entry(fd)?.desc)
    }

    /// The directory behind `fd` once `right` is checked; `EBADF` for
    /// anything else (as wasmtime reports, except `path_open`).
    fn dir(&self, fd: u64, right: u64) -> Result<&Dir, Errno> {
        match self.fds.get(&(fd as u32)) {
            Some(Entry {
                desc: Desc::Dir { dir, .. },
                base,
                ..
            }) => {
                rights::check(*base, right)?;
                Ok(dir)
            }
            _ => Err(Errno::BADF),
        }
    }

    /// The regular file behind `fd` once `right` is checked; `EBADF` for
    /// anything else.
    fn file(&mut self, fd: u64, right: u64) -> Result<&mut cap_std::fs::File, Errno> {
        match self.entry(fd)? {
            Entry {
                desc: Desc::File { file, .. },
                base,
                ..
            } => {
                rights::check(*base, right)?;
                Ok(file)
            }
            _ => Err(Errno::BADF),
        }
    }
}

/// A guest path relative to a directory descriptor; absolute paths are
/// refused outright with `EPERM`, as wasmtime does (cap-std also refuses
/// `..` escapes and symlinks out).
fn path(m: &Mem<'_>, ptr: u64, len: u64) -> Result<String, Errno> {
    let p = m.str(ptr as u32, len as u32)?;
    if p.starts_with('/') {
        return Err(Errno::PERM);
    }
    if p.contains('\0') {
        return Err(Errno::INVAL);
    }
    Ok(p.to_string())
}

/// `path` without its trailing slashes, and whether it had any: a trailing
/// slash asks for a directory (and follows a symlink in the last
/// component).
fn strip_slash(path: &str) -> (&str, bool) {
    let t = path.trim_end_matches('/');
    if t.len() < path.len() && !t.is_empty() {
        (t, true)
    } else {
        (path, false)
    }
}

/// Whether `err` is "nothing there".
fn is_noent(err: &std::io::Error) -> bool {
    err.kind() == std::io::ErrorKind::NotFound
}

fn notsup(_: &mut WasiCtx, _: &mut Mem<'_>, _: &[u64]) -> R {
    Err(Errno::NOTSUP)
}

// ---- args and environment -------------------------------------------------

fn write_strings(m: &mut Mem<'_>, list: &[Vec<u8>], ptrs: u64, buf: u64) -> R {
    let (mut p, mut b) = (ptrs as u32, buf as u32);
    for s in list {
        m.write_u32(p, b)?;
        m.write(b, s)?;
        m.write_u8(b.checked_add(s.len() as u32).ok_or(Errno::FAULT)?, 0)?;
        p = p.checked_add(4).ok_or(Errno::FAULT)?;
        b = b.checked_add(s.len() as u32 + 1).ok_or(Errno::FAULT)?;
    }
    Ok(())
}

fn write_sizes(m: &mut Mem<'_>, list: &[Vec<u8>], count: u64, size: u64) -> R {
    let total: usize = list.iter().map(|s| s.len() + 1).sum();
    m.write_u32(count as u32, list.len() as u32)?;
    m.write_u32(size as u32, total as u32)
}

fn args_get(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    write_strings(m, &cx.args, a[0], a[1])
}

fn args_sizes_get(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    write_sizes(m, &cx.args, a[0], a[1])
}

fn environ_get(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    write_strings(m, &cx.env, a[0], a[1])
}

fn environ_sizes_get(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    write_sizes(m, &cx.env, a[0], a[1])
}

// ---- clocks, random, scheduling --------------------------------------------

fn clock_id(id: u64) -> Result<ClockId, Errno> {
    Ok(match id {
        0 => ClockId::Realtime,
        1 => ClockId::Monotonic,
        2 => ClockId::ProcessCPUTime,
        3 => ClockId::ThreadCPUTime,
        _ => return Err(Errno::INVAL),
    })
}

fn ts_nanos(ts: Timespec) -> u64 {
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

/// (`clock_gettime` and `clock_getres` cannot fail for these clocks.)
fn now(id: u64) -> Result<u64, Errno> {
    Ok(ts_nanos(rustix::time::clock_gettime(clock_id(id)?)))
}

fn clock_res_get(_: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let res = rustix::time::clock_getres(clock_id(a[0])?);
    m.write_u64(a[1] as u32, ts_nanos(res).max(1))
}

fn clock_time_get(_: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let t = now(a[0])?;
    m.write_u64(a[2] as u32, t)
}

fn random_get(_: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    m.fill(a[0] as u32, a[1] as u32, |buf| {
        let mut filled = 0;
        while filled < buf.len() {
            let rest = &mut buf[filled..];
            match rustix::rand::getrandom(rest, GetRandomFlags::empty()) {
                Ok(n) => filled += n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(Errno::from(std::io::Error::from(e))),
            }
        }
        Ok(filled)
    })?;
    Ok(())
}

fn sched_yield(_: &mut WasiCtx, _: &mut Mem<'_>, _: &[u64]) -> R {
    std::thread::yield_now();
    Ok(())
}

fn poll_oneoff(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    poll(Some(cx), m, a).expect("with a context, poll always answers")
}

/// `poll_oneoff` when every subscription is a clock, which needs no
/// context: a shared context's lock is then not held while the caller
/// sleeps, so other threads' calls go on. `None` when a subscription names
/// a descriptor.
fn poll_clocks(m: &mut Mem<'_>, a: &[u64]) -> Option<R> {
    poll(None, m, a)
}

/// `poll_oneoff`; `None` when a subscription names a descriptor and there
/// is no context `cx` to find it in.
fn poll(mut cx: Option<&mut WasiCtx>, m: &mut Mem<'_>, a: &[u64]) -> Option<R> {
    let r = (|| -> Result<Option<()>, Errno> {
        const EVENT_FD_READ: u8 = 1;
        let (inp, out, nsubs, nevents) = (a[0] as u32, a[1] as u32, a[2] as u32, a[3] as u32);
        if nsubs == 0 {
            return Err(Errno::INVAL);
        }
        m.slice(inp, nsubs.checked_mul(48).ok_or(Errno::FAULT)?)?;
        m.slice(out, nsubs.checked_mul(32).ok_or(Errno::FAULT)?)?;
        m.slice(nevents, 4)?;
        // Events ready without waiting: (userdata, errno, type, nbytes, hangup).
        let mut ready: Vec<(u64, u16, u8, u64, bool)> = Vec::new();
        // Clock subscriptions: (userdata, nanoseconds from now).
        let mut clocks: Vec<(u64, u64)> = Vec::new();
        // Host descriptors to wait for: (userdata, type, descriptor).
        let mut waits: Vec<(u64, u8, BorrowedFd<'static>)> = Vec::new();
        for i in 0..nsubs {
            let base = inp + i * 48;
            let userdata = m.read_u64(base)?;
            let tag = m.read_u8(base + 8)?;
            match tag {
                0 => {
                    let id = m.read_u32(base + 16)? as u64;
                    let timeout = m.read_u64(base + 24)?;
                    let flags = m.read_u16(base + 40)?;
                    let remaining = if flags & 1 != 0 {
                        match now(id) {
                            Ok(t) => timeout.saturating_sub(t),
                            Err(e) => {
                                ready.push((userdata, e.0, 0, 0, false));
                                continue;
                            }
                        }
                    } else {
                        if let Err(e) = clock_id(id) {
                            ready.push((userdata, e.0, 0, 0, false));
                            continue;
                        }
                        timeout
                    };
                    clocks.push((userdata, remaining));
                }
                1 | 2 => {
                    let Some(cx) = cx.as_deref_mut() else {
                        return Ok(None);
                    };
                    let fd = m.read_u32(base + 16)?;
                    // (A descriptor that is not open, or cannot be polled, fails
                    // the whole call with EBADF, as in wasmtime.)
                    let raw = match cx.fds.get_mut(&fd).map(|e| &mut e.desc) {
                        None => return Err(Errno::BADF),
                        Some(Desc::Stdin(_, raw)) if tag == EVENT_FD_READ => *raw,
                        Some(Desc::Output(_, raw)) if tag != EVENT_FD_READ => *raw,
                        Some(Desc::Stdin(..) | Desc::Output(..)) => return Err(Errno::BADF),
                        Some(Desc::File { file, .. }) => {
                            // Regular files are always ready; a read reports the
                            // bytes left before the end.
                            let mut nbytes = 0;
                            if tag == EVENT_FD_READ
                                && let (Ok(meta), Ok(pos)) = (file.metadata(), file.stream_position())
                            {
                                nbytes = meta.len().saturating_sub(pos);
                            }
                            ready.push((userdata, 0, tag, nbytes, false));
                            continue;
                        }
                        Some(Desc::Dir { .. }) => return Err(Errno::BADF),
                    };
                    match raw {
                        Some(fd) => waits.push((userdata, tag, fd)),
                        // An in-memory stream never blocks.
                        None => ready.push((userdata, 0, tag, 0, false)),
                    }
                }
                _ => return Err(Errno::INVAL),
            }
        }
        // Wait for the first host descriptor or clock, unless something is ready.
        let min_clock = clocks.iter().map(|c| c.1).min();
        let start = std::time::Instant::now();
        if !waits.is_empty() {
            let timeout_ms: i32 = if !ready.is_empty() {
                0
            } else {
                match min_clock {
                    // Round up, so a clock is never reported before it expires.
                    Some(ns) => ns.div_ceil(1_000_000).min(i32::MAX as u64) as i32,
                    None => -1,
                }
            };
            let timeout = (timeout_ms >= 0).then(|| Timespec {
                tv_sec: (timeout_ms / 1000).into(),
                tv_nsec: ((timeout_ms % 1000) * 1_000_000).into(),
            });
            let mut fds: Vec<PollFd<'_>> = waits
                .iter()
                .map(|&(_, tag, fd)| {
                    let events = if tag == EVENT_FD_READ {
                        PollFlags::IN
                    } else {
                        PollFlags::OUT
                    };
                    PollFd::from_borrowed_fd(fd, events)
                })
                .collect();
            loop {
                match rustix::event::poll(&mut fds, timeout.as_ref()) {
                    Ok(_) => break,
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(e) => return Err(std::io::Error::from(e).into()),
                }
            }
            for (w, p) in waits.iter().zip(&fds) {
                let revents = p.revents();
                if !revents.is_empty() {
                    let hangup = revents.contains(PollFlags::HUP);
                    let err = if revents.contains(PollFlags::NVAL) {
                        Errno::BADF.0
                    } else {
                        0
                    };
                    // (0 bytes when FIONREAD fails.)
                    let nbytes = if w.1 == EVENT_FD_READ {
                        rustix::io::ioctl_fionread(w.2).unwrap_or(0)
                    } else {
                        0
                    };
                    ready.push((w.0, err, w.1, nbytes, hangup));
                }
            }
        } else if ready.is_empty()
            && let Some(min) = min_clock
            && min > 0
        {
            std::thread::sleep(Duration::from_nanos(min));
        }
        let elapsed = start.elapsed().as_nanos() as u64;
        for &(userdata, remaining) in &clocks {
            if remaining <= elapsed || (ready.is_empty() && Some(remaining) == min_clock) {
                ready.push((userdata, 0, 0, 0, false));
            }
        }
        for (k, &(userdata, err, ty, nbytes, hangup)) in ready.iter().enumerate() {
            let mut ev = [0u8; 32];
            ev[0..8].copy_from_slice(&userdata.to_le_bytes());
            ev[8..10].copy_from_slice(&err.to_le_bytes());
            ev[10] = ty;
            if ty != 0 {
                ev[16..24].copy_from_slice(&nbytes.to_le_bytes());
                ev[24..26].copy_from_slice(&(hangup as u16).to_le_bytes());
            }
            m.write(out + k as u32 * 32, &ev)?;
        }
        m.write_u32(nevents, ready.len() as u32).map(Some)
    })();
    r.transpose()
}

// ---- descriptors -------------------------------------------------------------

fn fd_close(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    cx.fds.remove(&(a[0] as u32)).map(drop).ok_or(Errno::BADF)
}

fn fd_renumber(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    let (from, to) = (a[0] as u32, a[1] as u32);
    if !cx.fds.contains_key(&from) || !cx.fds.contains_key(&to) {
        return Err(Errno::BADF);
    }
    if from != to {
        let d = cx.fds.remove(&from).ok_or(Errno::BADF)?;
        cx.fds.insert(to, d);
    }
    Ok(())
}

fn fd_write(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let iovs = m.iovecs(a[1] as u32, a[2] as u32)?;
    m.slice(a[3] as u32, 4)?;
    let mut total: u64 = 0;
    let entry = cx.entry(a[0])?;
    let base = entry.base;
    match &mut entry.desc {
        Desc::Output(w, _) => {
            rights::check(base, rights::FD_WRITE)?;
            for &(p, l) in &iovs {
                w.write_all(&m.slice(p, l)?)?;
                total += l as u64;
            }
            w.flush()?;
        }
        Desc::File { file, flags, .. } => {
            rights::check(base, rights::FD_WRITE)?;
            if *flags & FDFLAG_APPEND != 0 {
                file.seek(SeekFrom::End(0))?;
            }
            for &(p, l) in &iovs {
                let n = file.write(&m.slice(p, l)?)?;
                total += n as u64;
                if n < l as usize {
                    break;
                }
            }
        }
        Desc::Stdin(..) | Desc::Dir { .. } => return Err(Errno::BADF),
    }
    m.write_u32(a[3] as u32, total.min(u32::MAX as u64) as u32)
}

fn fd_read(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let iovs = m.iovecs(a[1] as u32, a[2] as u32)?;
    m.slice(a[3] as u32, 4)?;
    let mut total: u64 = 0;
    let entry = cx.entry(a[0])?;
    let base = entry.base;
    let reader: &mut dyn Read = match &mut entry.desc {
        Desc::Stdin(r, _) => r,
        Desc::File { file, .. } => file,
        Desc::Dir { .. } | Desc::Output(..) => return Err(Errno::BADF),
    };
    rights::check(base, rights::FD_READ)?;
    for &(p, l) in &iovs {
        let n = m.fill(p, l, |buf| {
            loop {
                match reader.read(buf) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    r => break Ok::<usize, Errno>(r?),
                }
            }
        })?;
        total += n as u64;
        if n < l as usize {
            break;
        }
    }
    m.write_u32(a[3] as u32, total.min(u32::MAX as u64) as u32)
}

/// The file behind `fd` for a positioned or seeking operation needing
/// `right`: a stream is `ESPIPE` (`EBADF` when it cannot go the direction
/// `right` asks, as wasmtime reports), a directory `EBADF`.
fn seekable(cx: &mut WasiCtx, fd: u64, right: u64) -> Result<&mut cap_std::fs::File, Errno> {
    match &cx.entry(fd)?.desc {
        Desc::Stdin(..) if right == rights::FD_WRITE => Err(Errno::BADF),
        Desc::Output(..) if right == rights::FD_READ => Err(Errno::BADF),
        Desc::Stdin(..) | Desc::Output(..) => Err(Errno::SPIPE),
        _ => cx.file(fd, right),
    }
}

fn fd_pread(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let iovs = m.iovecs(a[1] as u32, a[2] as u32)?;
    m.slice(a[4] as u32, 4)?;
    let file = seekable(cx, a[0], rights::FD_READ)?;
    let total = positioned(&iovs, a[3], |p, l, at| {
        m.fill(p, l, |buf| Ok::<usize, Errno>(file.read_at(buf, at)?))
    })?;
    m.write_u32(a[4] as u32, total.min(u32::MAX as u64) as u32)
}

/// Runs `op(ptr, len, offset)` over the buffers `iovs` at consecutive file
/// offsets from `offset`, stopping after a short transfer; returns the
/// bytes moved.
fn positioned(
    iovs: &[(u32, u32)],
    mut offset: u64,
    mut op: impl FnMut(u32, u32, u64) -> Result<usize, Errno>,
) -> Result<u64, Errno> {
    let mut total: u64 = 0;
    for &(p, l) in iovs {
        let n = op(p, l, offset)?;
        total += n as u64;
        offset += n as u64;
        if n < l as usize {
            break;
        }
    }
    Ok(total)
}

fn fd_pwrite(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let iovs = m.iovecs(a[1] as u32, a[2] as u32)?;
    m.slice(a[4] as u32, 4)?;
    let append = matches!(cx.desc(a[0])?, Desc::File { flags, .. } if *flags & FDFLAG_APPEND != 0);
    let file = seekable(cx, a[0], rights::FD_WRITE)?;
    // With `append`, the data goes to the end whatever the offset (as
    // pwrite does on Linux, and wasmtime).
    let offset = if append { file.metadata()?.len() } else { a[3] };
    let total = positioned(&iovs, offset, |p, l, at| Ok(file.write_at(&m.slice(p, l)?, at)?))?;
    m.write_u32(a[4] as u32, total.min(u32::MAX as u64) as u32)
}

fn fd_seek(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    m.slice(a[3] as u32, 8)?;
    let offset = a[1] as i64;
    let pos = match a[2] {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?),
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Err(Errno::INVAL),
    };
    // Asking where we are needs only `fd_tell`.
    let right = if a[2] == 1 && offset == 0 {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    let n = seekable(cx, a[0], right)?.seek(pos)?;
    m.write_u64(a[3] as u32, n)
}

fn fd_tell(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    m.slice(a[1] as u32, 8)?;
    let n = seekable(cx, a[0], rights::FD_TELL)?.stream_position()?;
    m.write_u64(a[1] as u32, n)
}

fn fd_sync(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    Ok(cx.file(a[0], rights::FD_SYNC)?.sync_all()?)
}

fn fd_datasync(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    Ok(cx.file(a[0], rights::FD_DATASYNC)?.sync_data()?)
}

fn fd_advise(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    cx.file(a[0], rights::FD_ADVISE)?;
    if a[3] > 5 {
        return Err(Errno::INVAL);
    }
    Ok(())
}

fn fd_allocate(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    // As in wasmtime: preallocation is not offered (callers fall back to
    // writing or `fd_filestat_set_size`).
    cx.file(a[0], rights::FD_ALLOCATE)?;
    Err(Errno::NOTSUP)
}

fn fd_filestat_set_size(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    let writable = matches!(cx.desc(a[0])?, Desc::File { writable: true, .. });
    let file = cx.file(a[0], rights::FD_FILESTAT_SET_SIZE)?;
    if !writable {
        // ftruncate on a descriptor not open for writing.
        return Err(Errno::INVAL);
    }
    Ok(file.set_len(a[1])?)
}

fn filetype(md: &Metadata) -> u8 {
    let ft = md.file_type();
    if ft.is_dir() {
        FT_DIRECTORY
    } else if ft.is_file() {
        FT_REGULAR_FILE
    } else if ft.is_symlink() {
        FT_SYMBOLIC_LINK
    } else if ft.is_block_device() {
        FT_BLOCK_DEVICE
    } else if ft.is_char_device() {
        FT_CHARACTER_DEVICE
    } else if ft.is_socket() {
        FT_SOCKET_STREAM
    } else {
        FT_UNKNOWN
    }
}

/// The file type of a standard stream, as wasmtime reports it: a
/// character device when the host descriptor is a terminal, otherwise
/// unknown (so the guest's libc buffers output to files and pipes fully,
/// as natively, and line-buffers a terminal).
fn stdio_type(raw: Option<BorrowedFd<'_>>) -> u8 {
    match raw {
        Some(fd) if rustix::termios::isatty(fd) => FT_CHARACTER_DEVICE,
        _ => FT_UNKNOWN,
    }
}

fn desc_filetype(d: &Desc) -> Result<u8, Errno> {
    Ok(match d {
        Desc::Stdin(_, raw) | Desc::Output(_, raw) => stdio_type(*raw),
        Desc::File { file, .. } => filetype(&file.metadata()?),
        Desc::Dir { .. } => FT_DIRECTORY,
    })
}

fn nanos(secs: i64, nsec: i64) -> u64 {
    (secs as u64).wrapping_mul(1_000_000_000).wrapping_add(nsec as u64)
}

fn filestat(md: &Metadata) -> [u8; 64] {
    let mut b = [0u8; 64];
    b[0..8].copy_from_slice(&md.dev().to_le_bytes());
    b[8..16].copy_from_slice(&md.ino().to_le_bytes());
    b[16] = filetype(md);
    b[24..32].copy_from_slice(&md.nlink().to_le_bytes());
    b[32..40].copy_from_slice(&md.len().to_le_bytes());
    b[40..48].copy_from_slice(&nanos(md.atime(), md.atime_nsec()).to_le_bytes());
    b[48..56].copy_from_slice(&nanos(md.mtime(), md.mtime_nsec()).to_le_bytes());
    b[56..64].copy_from_slice(&nanos(md.ctime(), md.ctime_nsec()).to_le_bytes());
    b
}

fn fd_fdstat_get(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    m.slice(a[1] as u32, 24)?;
    let e = cx.entry(a[0])?;
    let ty = desc_filetype(&e.desc)?;
    let flags = match e.desc {
        Desc::File { flags, .. } => flags,
        _ => 0,
    };
    let mut b = [0u8; 24];
    b[0] = ty;
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&e.base.to_le_bytes());
    b[16..24].copy_from_slice(&e.inheriting.to_le_bytes());
    m.write(a[1] as u32, &b)
}

fn fd_fdstat_set_flags(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    let entry = cx.entry(a[0])?;
    let Desc::File { flags, .. } = &mut entry.desc else {
        return Err(Errno::BADF);
    };
    rights::check(entry.base, rights::FD_FDSTAT_SET_FLAGS)?;
    // Append and non-blocking can change; the synchronous-I/O flags cannot.
    if a[1] & !((FDFLAG_APPEND | FDFLAG_NONBLOCK) as u64) != 0 {
        return Err(Errno::INVAL);
    }
    *flags = a[1] as u16;
    Ok(())
}

fn fd_fdstat_set_rights(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    let (base, inheriting) = (a[1], a[2]);
    let e = cx.entry(a[0])?;
    if (base | inheriting) & !rights::ALL != 0 {
        return Err(Errno::INVAL);
    }
    // Rights can only be dropped.
    if base & !e.base != 0 || inheriting & !e.inheriting != 0 {
        return Err(Errno::NOTCAPABLE);
    }
    e.base = base;
    e.inheriting = inheriting;
    Ok(())
}

fn fd_filestat_get(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    m.slice(a[1] as u32, 64)?;
    let e = cx.entry(a[0])?;
    let b = match &e.desc {
        Desc::File { file, .. } => {
            rights::check(e.base, rights::FD_FILESTAT_GET)?;
            filestat(&file.metadata()?)
        }
        Desc::Dir { dir, .. } => {
            rights::check(e.base, rights::FD_FILESTAT_GET)?;
            filestat(&dir.dir_metadata()?)
        }
        Desc::Stdin(_, raw) | Desc::Output(_, raw) => {
            let mut b = [0u8; 64];
            b[16] = stdio_type(*raw);
            b
        }
    };
    m.write(a[1] as u32, &b)
}

fn file_times(atim: u64, mtim: u64, fst: u64) -> Result<FileTimes, Errno> {
    if fst & !(FST_ATIM | FST_ATIM_NOW | FST_MTIM | FST_MTIM_NOW) != 0
        || (fst & FST_ATIM != 0 && fst & FST_ATIM_NOW != 0)
        || (fst & FST_MTIM != 0 && fst & FST_MTIM_NOW != 0)
    {
        return Err(Errno::INVAL);
    }
    let mut t = FileTimes::new();
    if fst & FST_ATIM != 0 {
        t = t.set_accessed(UNIX_EPOCH + Duration::from_nanos(atim));
    } else if fst & FST_ATIM_NOW != 0 {
        t = t.set_accessed(SystemTime::now());
    }
    if fst & FST_MTIM != 0 {
        t = t.set_modified(UNIX_EPOCH + Duration::from_nanos(mtim));
    } else if fst & FST_MTIM_NOW != 0 {
        t = t.set_modified(SystemTime::now());
    }
    Ok(t)
}

fn fd_filestat_set_times(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    let times = file_times(a[1], a[2], a[3])?;
    let e = cx.entry(a[0])?;
    let std = match &e.desc {
        Desc::File { file, .. } => {
            rights::check(e.base, rights::FD_FILESTAT_SET_TIMES)?;
            file.try_clone()?.into_std()
        }
        Desc::Dir { dir, .. } => {
            rights::check(e.base, rights::FD_FILESTAT_SET_TIMES)?;
            // (Directory handles may be O_PATH, which futimens refuses.)
            return set_times_at(dir, ".", a[1], a[2], a[3], true);
        }
        _ => return Err(Errno::BADF),
    };
    Ok(std.set_times(times)?)
}

fn fd_prestat_get(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    match cx.desc(a[0])? {
        Desc::Dir {
            preopen: Some(name), ..
        } => {
            let mut b = [0u8; 8];
            b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
            m.write(a[1] as u32, &b)
        }
        _ => Err(Errno::BADF),
    }
}

fn fd_prestat_dir_name(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    match cx.desc(a[0])? {
        Desc::Dir {
            preopen: Some(name), ..
        } => {
            if (a[2] as usize) < name.len() {
                return Err(Errno::NAMETOOLONG);
            }
            m.write(a[1] as u32, name.as_bytes())
        }
        _ => Err(Errno::BADF),
    }
}

fn fd_readdir(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let (buf, buf_len, cookie, bufused) = (a[1] as u32, a[2] as u32, a[3], a[4] as u32);
    m.slice(buf, buf_len)?;
    m.slice(bufused, 4)?;
    let e = cx.entry(a[0])?;
    let Desc::Dir { dir, .. } = &e.desc else {
        return Err(Errno::BADF);
    };
    rights::check(e.base, rights::FD_READDIR)?;
    let self_ino = dir.dir_metadata()?.ino();
    // `.` and `..` first, then the entries in the host's order (as
    // wasmtime lists them); a cookie is the index of the next entry.
    let mut entries: Vec<(Vec<u8>, u64, u8)> = vec![
        (b".".to_vec(), self_ino, FT_DIRECTORY),
        (b"..".to_vec(), self_ino, FT_DIRECTORY),
    ];
    for e in dir.entries()? {
        let e = e?;
        let md = e.metadata()?;
        entries.push((e.file_name().into_encoded_bytes(), md.ino(), filetype(&md)));
    }
    let mut out = Vec::new();
    let skip = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, (name, ino, ty)) in entries.iter().enumerate().skip(skip) {
        if out.len() >= buf_len as usize {
            break;
        }
        out.extend_from_slice(&(i as u64 + 1).to_le_bytes());
        out.extend_from_slice(&ino.to_le_bytes());
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(&[*ty, 0, 0, 0]);
        out.extend_from_slice(name);
    }
    let n = out.len().min(buf_len as usize);
    m.write(buf, &out[..n])?;
    m.write_u32(bufused, n as u32)
}

// ---- sockets (none are ever open) ----------------------------------------------

/// `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`: no descriptor
/// is a socket, so each is `ENOTSOCK` on an open descriptor and `EBADF`
/// otherwise.
fn sock_op(cx: &mut WasiCtx, _: &mut Mem<'_>, a: &[u64]) -> R {
    cx.entry(a[0])?;
    Err(Errno::NOTSOCK)
}

// ---- paths ---------------------------------------------------------------------

fn path_open(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let (dirflags, oflags, requested, fdflags, out) = (a[1], a[4], a[5], a[7], a[8] as u32);
    let p = path(m, a[2], a[3])?;
    m.slice(out, 4)?;
    if fdflags > FDFLAGS_ALL as u64 || oflags > 0xf {
        return Err(Errno::INVAL);
    }
    let parent = cx.entry(a[0])?;
    if let Desc::File { .. } = parent.desc {
        return Err(Errno::NOTDIR);
    }
    let parent_inheriting = parent.inheriting;
    let needed = if oflags & O_CREAT != 0 {
        rights::PATH_OPEN | rights::PATH_CREATE_FILE
    } else {
        rights::PATH_OPEN
    };
    let dir = cx.dir(a[0], needed)?;
    if oflags & O_DIRECTORY != 0 && oflags & (O_CREAT | O_EXCL | O_TRUNC) != 0 {
        return Err(Errno::INVAL);
    }
    // Synchronous I/O is not offered (as in wasmtime).
    if fdflags & !((FDFLAG_APPEND | FDFLAG_NONBLOCK) as u64) != 0 {
        return Err(Errno::NOTSUP);
    }
    let (name, slash) = strip_slash(&p);
    if slash && oflags & O_CREAT != 0 {
        return Err(Errno::ISDIR);
    }
    // A trailing slash follows a symlink in the last component, as POSIX
    // has it; otherwise only `symlink_follow` does.
    let follow = dirflags & LOOKUP_SYMLINK_FOLLOW != 0 || slash;
    let existing = if follow {
        dir.metadata(name)
    } else {
        dir.symlink_metadata(name)
    };
    let exclusive = oflags & (O_CREAT | O_EXCL) == (O_CREAT | O_EXCL);
    let desc = match existing {
        Ok(md) if md.file_type().is_symlink() => {
            // Not followed (O_NOFOLLOW natively).
            return Err(if exclusive { Errno::EXIST } else { Errno::LOOP });
        }
        Ok(md) if md.is_dir() => {
            if exclusive {
                return Err(Errno::EXIST);
            }
            if oflags & (O_CREAT | O_TRUNC) != 0 || requested & rights::FD_WRITE != 0 {
                return Err(Errno::ISDIR);
            }
            Desc::Dir {
                dir: dir.open_dir(name)?,
                preopen: None,
            }
        }
        Ok(_) if slash || oflags & O_DIRECTORY != 0 => return Err(Errno::NOTDIR),
        Ok(_) if exclusive => return Err(Errno::EXIST),
        Err(e) if is_noent(&e) && (slash || oflags & (O_CREAT | O_DIRECTORY) != O_CREAT) => {
            return Err(Errno::NOENT);
        }
        Err(e) if !is_noent(&e) => return Err(e.into()),
        // A file, or nothing yet and O_CREAT.
        _ => {
            // Read unless only writing is asked for; truncating and
            // creating need writing too.
            let mut writable = requested & rights::FD_WRITE != 0;
            let readable = requested & rights::FD_READ != 0 || !writable;
            writable |= oflags & O_TRUNC != 0;
            if oflags & O_CREAT != 0 {
                writable = true;
            }
            let mut o = OpenOptions::new();
            o.read(readable).write(writable);
            if oflags & O_CREAT != 0 {
                if oflags & O_EXCL != 0 {
                    o.create_new(true);
                } else {
                    o.create(true);
                }
            }
            if oflags & O_TRUNC != 0 {
                o.truncate(true);
            }
            Desc::File {
                file: dir.open_with(name, &o)?,
                flags: fdflags as u16,
                readable,
                writable,
            }
        }
    };
    // What is opened gets the rights of its kind, at most the directory's
    // inheriting rights.
    let mut entry = Entry::new(desc);
    entry.base &= parent_inheriting;
    entry.inheriting &= parent_inheriting;
    let fd = cx.push(entry);
    m.write_u32(out, fd)
}

fn path_create_directory(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let p = path(m, a[1], a[2])?;
    let (name, _) = strip_slash(&p);
    Ok(cx.dir(a[0], rights::PATH_CREATE_DIRECTORY)?.create_dir(name)?)
}

fn path_remove_directory(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let p = path(m, a[1], a[2])?;
    // `dir/` names the directory `dir` (as `rmdir("dir/")` does natively).
    let (name, _) = strip_slash(&p);
    Ok(cx.dir(a[0], rights::PATH_REMOVE_DIRECTORY)?.remove_dir(name)?)
}

fn path_unlink_file(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let p = path(m, a[1], a[2])?;
    let dir = cx.dir(a[0], rights::PATH_UNLINK_FILE)?;
    let (name, slash) = strip_slash(&p);
    if slash {
        // `x/` asks for a directory, which unlink never removes.
        return Err(match dir.metadata(name) {
            Ok(md) if md.is_dir() => Errno::ISDIR,
            Ok(_) => Errno::NOTDIR,
            Err(e) => e.into(),
        });
    }
    match dir.remove_file(name) {
        Ok(()) => Ok(()),
        // Linux reports EISDIR for unlink of a directory; POSIX allows EPERM.
        Err(e) if e.raw_os_error() == Some(libc::EPERM) && dir.is_dir(name) => Err(Errno::ISDIR),
        Err(e) => Err(e.into()),
    }
}

fn path_filestat_get(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let p = path(m, a[2], a[3])?;
    m.slice(a[4] as u32, 64)?;
    let dir = cx.dir(a[0], rights::PATH_FILESTAT_GET)?;
    // Without `symlink_follow`, a symlink's own metadata. (Like wasmtime,
    // a trailing slash neither requires a directory nor follows a final
    // symlink here.)
    let (name, _) = strip_slash(&p);
    let md = if a[1] & LOOKUP_SYMLINK_FOLLOW != 0 {
        dir.metadata(name)?
    } else {
        dir.symlink_metadata(name)?
    };
    m.write(a[4] as u32, &filestat(&md))
}

/// `utimensat` on `name` relative to the open directory `parent` (`name`
/// is one component, or `.`), following a final symlink or not.
fn set_times_at(parent: &Dir, name: &str, atim: u64, mtim: u64, fst: u64, follow: bool) -> R {
    let _validated = file_times(atim, mtim, fst)?;
    let ts = |set: u64, now: u64, t: u64| Timespec {
        tv_sec: if fst & set != 0 { (t / 1_000_000_000) as _ } else { 0 },
        tv_nsec: if fst & set != 0 {
            (t % 1_000_000_000) as _
        } else if fst & now != 0 {
            rustix::fs::UTIME_NOW
        } else {
            rustix::fs::UTIME_OMIT
        },
    };
    let times = Timestamps {
        last_access: ts(FST_ATIM, FST_ATIM_NOW, atim),
        last_modification: ts(FST_MTIM, FST_MTIM_NOW, mtim),
    };
    let cname = std::ffi::CString::new(name).map_err(|_| Errno::INVAL)?;
    let flags = if follow {
        AtFlags::empty()
    } else {
        AtFlags::SYMLINK_NOFOLLOW
    };
    rustix::fs::utimensat(parent, cname.as_c_str(), &times, flags).map_err(std::io::Error::from)?;
    Ok(())
}

fn path_filestat_set_times(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let p = path(m, a[2], a[3])?;
    let (atim, mtim, fst) = (a[4], a[5], a[6]);
    let times = file_times(atim, mtim, fst)?;
    let dir = cx.dir(a[0], rights::PATH_FILESTAT_SET_TIMES)?;
    let (name, slash) = strip_slash(&p);
    let follow = a[1] & LOOKUP_SYMLINK_FOLLOW != 0 || slash;
    if !follow && dir.symlink_metadata(name)?.file_type().is_symlink() {
        // The link's own times: resolve its directory inside the sandbox,
        // then set them without following it.
        let (parent, last) = match name.rsplit_once('/') {
            Some((parent, last)) => (dir.open_dir(if parent.is_empty() { "." } else { parent })?, last),
            None => (dir.try_clone()?, name),
        };
        return set_times_at(&parent, last, atim, mtim, fst, false);
    }
    if dir.metadata(name)?.is_dir() {
        return set_times_at(&dir.open_dir(name)?, ".", atim, mtim, fst, true);
    }
    Ok(dir.open(name)?.into_std().set_times(times)?)
}

/// Checks the trailing slashes of a rename or link: a name with one must
/// be a directory (`ENOTDIR` otherwise).
fn slash_names_dir(dir: &Dir, name: &str) -> R {
    match dir.metadata(name) {
        Ok(md) if md.is_dir() => Ok(()),
        Ok(_) => Err(Errno::NOTDIR),
        Err(e) if is_noent(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn path_rename(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let from = path(m, a[1], a[2])?;
    let to = path(m, a[4], a[5])?;
    let src = cx.dir(a[0], rights::PATH_RENAME_SOURCE)?;
    let dst = cx.dir(a[3], rights::PATH_RENAME_TARGET)?;
    let (from_name, from_slash) = strip_slash(&from);
    let (to_name, to_slash) = strip_slash(&to);
    if from_slash || to_slash {
        // Only a directory can be renamed with a trailing slash.
        match src.symlink_metadata(from_name) {
            Ok(md) if md.is_dir() => {}
            Ok(_) => return Err(Errno::NOTDIR),
            Err(e) => return Err(e.into()),
        }
        if to_slash {
            slash_names_dir(dst, to_name)?;
        }
    }
    Ok(src.rename(from_name, dst, to_name)?)
}

fn path_link(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let from = path(m, a[2], a[3])?;
    let to = path(m, a[5], a[6])?;
    let src = cx.dir(a[0], rights::PATH_LINK_SOURCE)?;
    let dst = cx.dir(a[4], rights::PATH_LINK_TARGET)?;
    // Following a symlink source is not offered (as in wasmtime).
    if a[1] & LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::INVAL);
    }
    let (from_name, from_slash) = strip_slash(&from);
    let (to_name, to_slash) = strip_slash(&to);
    if from_slash {
        return Err(match src.metadata(from_name) {
            Ok(md) if md.is_dir() => Errno::PERM,
            Ok(_) => Errno::NOTDIR,
            Err(e) => e.into(),
        });
    }
    if to_slash {
        // A new name with a trailing slash would be a directory.
        return Err(match dst.symlink_metadata(to_name) {
            Ok(md) if md.is_dir() => Errno::EXIST,
            Ok(_) => Errno::NOTDIR,
            Err(e) => e.into(),
        });
    }
    Ok(src.hard_link(from_name, dst, to_name)?)
}

fn path_symlink(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let target = path(m, a[0], a[1])?;
    let link = path(m, a[3], a[4])?;
    Ok(cx.dir(a[2], rights::PATH_SYMLINK)?.symlink(target, link)?)
}

fn path_readlink(cx: &mut WasiCtx, m: &mut Mem<'_>, a: &[u64]) -> R {
    let p = path(m, a[1], a[2])?;
    let (buf, buf_len, used) = (a[3] as u32, a[4] as u32, a[5] as u32);
    m.slice(buf, buf_len)?;
    m.slice(used, 4)?;
    let dir = cx.dir(a[0], rights::PATH_READLINK)?;
    let (name, slash) = strip_slash(&p);
    if slash {
        // `link/` names what the link points to, which is no symlink.
        return Err(match dir.metadata(name) {
            Ok(md) if md.is_dir() => Errno::INVAL,
            Ok(_) => Errno::NOTDIR,
            Err(e) => e.into(),
        });
    }
    if !dir.symlink_metadata(name)?.file_type().is_symlink() {
        return Err(Errno::INVAL);
    }
    let target = dir.read_link_contents(name)?;
    let bytes = target.into_os_string().into_encoded_bytes();
    let n = bytes.len().min(buf_len as usize);
    m.write(buf, &bytes[..n])?;
    m.write_u32(used, n as u32)
}
