// Shared by the Rust conformance programs (`include!`d): raw
// wasi_snapshot_preview1 imports and the same `label: ERRNO` lines as
// check.h, so that the C and Rust programs of a topic print alike.

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn fd_close(fd: u32) -> u16;
    fn fd_fdstat_get(fd: u32, out: *mut u8) -> u16;
    fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> u16;
    fn fd_filestat_get(fd: u32, out: *mut u8) -> u16;
    fn fd_read(fd: u32, iovs: *const [usize; 2], n: usize, nread: *mut usize) -> u16;
    fn fd_write(fd: u32, iovs: *const [usize; 2], n: usize, nwritten: *mut usize) -> u16;
    fn fd_pread(fd: u32, iovs: *const [usize; 2], n: usize, off: u64, nread: *mut usize) -> u16;
    fn fd_pwrite(fd: u32, iovs: *const [usize; 2], n: usize, off: u64, nwritten: *mut usize) -> u16;
    fn fd_seek(fd: u32, off: i64, whence: u8, pos: *mut u64) -> u16;
    fn fd_tell(fd: u32, pos: *mut u64) -> u16;
    fn fd_sync(fd: u32) -> u16;
    fn fd_datasync(fd: u32) -> u16;
    fn fd_fdstat_set_flags(fd: u32, flags: u16) -> u16;
    fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst: u16) -> u16;
    fn fd_renumber(from: u32, to: u32) -> u16;
    fn fd_prestat_get(fd: u32, out: *mut u8) -> u16;
    fn poll_oneoff(subs: *const u8, events: *mut u8, n: usize, nevents: *mut usize) -> u16;
    fn fd_readdir(fd: u32, buf: *mut u8, len: usize, cookie: u64, used: *mut usize) -> u16;
    fn fd_filestat_set_size(fd: u32, size: u64) -> u16;
    fn fd_allocate(fd: u32, off: u64, len: u64) -> u16;
    fn fd_advise(fd: u32, off: u64, len: u64, advice: u8) -> u16;
    fn path_open(dir: u32, dirflags: u32, path: *const u8, len: usize, oflags: u16, base: u64, inheriting: u64, fdflags: u16, fd: *mut u32) -> u16;
    fn path_create_directory(dir: u32, path: *const u8, len: usize) -> u16;
    fn path_remove_directory(dir: u32, path: *const u8, len: usize) -> u16;
    fn path_unlink_file(dir: u32, path: *const u8, len: usize) -> u16;
    fn path_filestat_get(dir: u32, flags: u32, path: *const u8, len: usize, out: *mut u8) -> u16;
    fn path_filestat_set_times(dir: u32, flags: u32, path: *const u8, len: usize, atim: u64, mtim: u64, fst: u16) -> u16;
    fn path_link(old_dir: u32, flags: u32, old: *const u8, old_len: usize, new_dir: u32, new: *const u8, new_len: usize) -> u16;
    fn path_rename(old_dir: u32, old: *const u8, old_len: usize, new_dir: u32, new: *const u8, new_len: usize) -> u16;
    fn path_symlink(target: *const u8, target_len: usize, dir: u32, path: *const u8, len: usize) -> u16;
    fn path_readlink(dir: u32, path: *const u8, len: usize, buf: *mut u8, buf_len: usize, used: *mut usize) -> u16;
    fn sock_shutdown(fd: u32, how: u8) -> u16;
    fn sock_accept(fd: u32, flags: u16, out: *mut u32) -> u16;
    fn sock_recv(fd: u32, iovs: *const [usize; 2], n: usize, flags: u16, nread: *mut usize, oflags: *mut u16) -> u16;
    fn sock_send(fd: u32, iovs: *const [usize; 2], n: usize, flags: u16, nwritten: *mut usize) -> u16;
}

const ROOT: u32 = 3;

const O_CREAT: u16 = 1;
const O_DIRECTORY: u16 = 2;
const O_EXCL: u16 = 4;
const O_TRUNC: u16 = 8;
const FOLLOW: u32 = 1;

const R_FD_DATASYNC: u64 = 1 << 0;
const R_FD_READ: u64 = 1 << 1;
const R_FD_SEEK: u64 = 1 << 2;
const R_FD_TELL: u64 = 1 << 5;
const R_FD_WRITE: u64 = 1 << 6;
const R_PATH_CREATE_DIRECTORY: u64 = 1 << 9;
const R_PATH_CREATE_FILE: u64 = 1 << 10;
const R_PATH_OPEN: u64 = 1 << 13;
const R_FD_READDIR: u64 = 1 << 14;
const R_PATH_FILESTAT_GET: u64 = 1 << 18;
const R_FD_FILESTAT_GET: u64 = 1 << 21;

fn errno_name(e: u16) -> &'static str {
    match e {
        0 => "OK",
        2 => "ACCES",
        8 => "BADF",
        10 => "BUSY",
        20 => "EXIST",
        21 => "FAULT",
        25 => "ILSEQ",
        28 => "INVAL",
        31 => "ISDIR",
        32 => "LOOP",
        44 => "NOENT",
        52 => "NOSYS",
        54 => "NOTDIR",
        55 => "NOTEMPTY",
        57 => "NOTSOCK",
        58 => "NOTSUP",
        63 => "PERM",
        70 => "SPIPE",
        76 => "NOTCAPABLE",
        _ => "OTHER",
    }
}

fn t(label: &str, e: u16) {
    println!("{label}: {}", errno_name(e));
}

/// Opens `path` beneath `dir` without following symlinks.
fn open_at(dir: u32, path: &str, oflags: u16, rights: u64, fdflags: u16) -> Result<u32, u16> {
    let mut fd = 0;
    match unsafe { path_open(dir, 0, path.as_ptr(), path.len(), oflags, rights, rights, fdflags, &mut fd) } {
        0 => Ok(fd),
        e => Err(e),
    }
}

fn open_e(dir: u32, path: &str, oflags: u16, rights: u64) -> u16 {
    open_at(dir, path, oflags, rights, 0).map(|fd| unsafe { fd_close(fd) }).err().unwrap_or(0)
}

fn make_file(dir: u32, path: &str, text: &str) {
    match open_at(dir, path, O_CREAT | O_TRUNC, R_FD_WRITE, 0) {
        Ok(fd) => unsafe {
            let iov = [text.as_ptr() as usize, text.len()];
            let mut n = 0;
            fd_write(fd, &iov, 1, &mut n);
            fd_close(fd);
        },
        Err(e) => println!("cannot create {path}: {}", errno_name(e)),
    }
}

/// (filetype, flags, base, inheriting) of `fd`.
fn fdstat(fd: u32) -> Result<(u8, u16, u64, u64), u16> {
    let mut b = [0u8; 24];
    match unsafe { fd_fdstat_get(fd, b.as_mut_ptr()) } {
        0 => Ok((
            b[0],
            u16::from_le_bytes([b[2], b[3]]),
            u64::from_le_bytes(b[8..16].try_into().unwrap()),
            u64::from_le_bytes(b[16..24].try_into().unwrap()),
        )),
        e => Err(e),
    }
}

/// (filetype, size, mtim) of `path` beneath `dir`.
fn stat_at(dir: u32, flags: u32, path: &str) -> Result<(u8, u64, u64), u16> {
    let mut b = [0u8; 64];
    match unsafe { path_filestat_get(dir, flags, path.as_ptr(), path.len(), b.as_mut_ptr()) } {
        0 => Ok((
            b[16],
            u64::from_le_bytes(b[32..40].try_into().unwrap()),
            u64::from_le_bytes(b[48..56].try_into().unwrap()),
        )),
        e => Err(e),
    }
}

fn mkdir(dir: u32, p: &str) -> u16 {
    unsafe { path_create_directory(dir, p.as_ptr(), p.len()) }
}
fn rmdir(dir: u32, p: &str) -> u16 {
    unsafe { path_remove_directory(dir, p.as_ptr(), p.len()) }
}
fn unlink(dir: u32, p: &str) -> u16 {
    unsafe { path_unlink_file(dir, p.as_ptr(), p.len()) }
}
fn link(d1: u32, flags: u32, a: &str, d2: u32, b: &str) -> u16 {
    unsafe { path_link(d1, flags, a.as_ptr(), a.len(), d2, b.as_ptr(), b.len()) }
}
fn rename(d1: u32, a: &str, d2: u32, b: &str) -> u16 {
    unsafe { path_rename(d1, a.as_ptr(), a.len(), d2, b.as_ptr(), b.len()) }
}
fn set_times(dir: u32, flags: u32, p: &str, mtim: u64, fst: u16) -> u16 {
    unsafe { path_filestat_set_times(dir, flags, p.as_ptr(), p.len(), 0, mtim, fst) }
}
fn symlink(target: &str, dir: u32, p: &str) -> u16 {
    unsafe { path_symlink(target.as_ptr(), target.len(), dir, p.as_ptr(), p.len()) }
}
fn readlink(dir: u32, p: &str) -> Result<String, u16> {
    readlink_n(dir, p, 64)
}
fn readlink_n(dir: u32, p: &str, len: usize) -> Result<String, u16> {
    let mut buf = [0u8; 64];
    let mut n = 0;
    match unsafe { path_readlink(dir, p.as_ptr(), p.len(), buf.as_mut_ptr(), len.min(64), &mut n) } {
        0 => Ok(String::from_utf8_lossy(&buf[..n]).into_owned()),
        e => Err(e),
    }
}
