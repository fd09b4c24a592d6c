//! Preview1 error numbers and the mapping from host I/O errors.

use std::io;

/// A preview1 `errno` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub u16);

impl Errno {
    pub const SUCCESS: Errno = Errno(0);
    pub const TOOBIG: Errno = Errno(1);
    pub const ACCES: Errno = Errno(2);
    pub const AGAIN: Errno = Errno(6);
    pub const BADF: Errno = Errno(8);
    pub const BUSY: Errno = Errno(10);
    pub const EXIST: Errno = Errno(20);
    pub const FAULT: Errno = Errno(21);
    pub const FBIG: Errno = Errno(22);
    pub const ILSEQ: Errno = Errno(25);
    pub const INTR: Errno = Errno(27);
    pub const INVAL: Errno = Errno(28);
    pub const IO: Errno = Errno(29);
    pub const ISDIR: Errno = Errno(31);
    pub const LOOP: Errno = Errno(32);
    pub const MFILE: Errno = Errno(33);
    pub const MLINK: Errno = Errno(34);
    pub const NAMETOOLONG: Errno = Errno(37);
    pub const NFILE: Errno = Errno(41);
    pub const NODEV: Errno = Errno(43);
    pub const NOENT: Errno = Errno(44);
    pub const NOMEM: Errno = Errno(48);
    pub const NOSPC: Errno = Errno(51);
    pub const NOSYS: Errno = Errno(52);
    pub const NOTDIR: Errno = Errno(54);
    pub const NOTEMPTY: Errno = Errno(55);
    pub const NOTSOCK: Errno = Errno(57);
    pub const NOTSUP: Errno = Errno(58);
    pub const NOTTY: Errno = Errno(59);
    pub const NXIO: Errno = Errno(60);
    pub const OVERFLOW: Errno = Errno(61);
    pub const PERM: Errno = Errno(63);
    pub const PIPE: Errno = Errno(64);
    pub const RANGE: Errno = Errno(68);
    pub const ROFS: Errno = Errno(69);
    pub const SPIPE: Errno = Errno(70);
    pub const TXTBSY: Errno = Errno(74);
    pub const XDEV: Errno = Errno(75);
    pub const NOTCAPABLE: Errno = Errno(76);
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        if let Some(code) = e.raw_os_error() {
            return from_os(code);
        }
        match e.kind() {
            // cap-std reports sandbox escapes (`..`, absolute paths,
            // symlinks out) as PermissionDenied without an OS code; wasmtime
            // reports them as EPERM.
            io::ErrorKind::PermissionDenied => Errno::PERM,
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::NotADirectory => Errno::NOTDIR,
            io::ErrorKind::IsADirectory => Errno::ISDIR,
            io::ErrorKind::DirectoryNotEmpty => Errno::NOTEMPTY,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::BrokenPipe => Errno::PIPE,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            io::ErrorKind::Interrupted => Errno::INTR,
            io::ErrorKind::OutOfMemory => Errno::NOMEM,
            _ => Errno::IO,
        }
    }
}

fn from_os(code: i32) -> Errno {
    match code {
        libc::EPERM => Errno::PERM,
        libc::ENOENT => Errno::NOENT,
        libc::EIO => Errno::IO,
        libc::ENXIO => Errno::NXIO,
        libc::E2BIG => Errno::TOOBIG,
        libc::EBADF => Errno::BADF,
        libc::EAGAIN => Errno::AGAIN,
        libc::ENOMEM => Errno::NOMEM,
        libc::EACCES => Errno::ACCES,
        libc::EFAULT => Errno::FAULT,
        libc::EBUSY => Errno::BUSY,
        libc::EEXIST => Errno::EXIST,
        libc::EXDEV => Errno::XDEV,
        libc::ENODEV => Errno::NODEV,
        libc::ENOTDIR => Errno::NOTDIR,
        libc::EISDIR => Errno::ISDIR,
        libc::EINVAL => Errno::INVAL,
        libc::ENFILE => Errno::NFILE,
        libc::EMFILE => Errno::MFILE,
        libc::ENOTTY => Errno::NOTTY,
        libc::ETXTBSY => Errno::TXTBSY,
        libc::EFBIG => Errno::FBIG,
        libc::ENOSPC => Errno::NOSPC,
        libc::ESPIPE => Errno::SPIPE,
        libc::EROFS => Errno::ROFS,
        libc::EMLINK => Errno::MLINK,
        libc::EPIPE => Errno::PIPE,
        libc::ERANGE => Errno::RANGE,
        libc::ENAMETOOLONG => Errno::NAMETOOLONG,
        libc::ENOSYS => Errno::NOSYS,
        libc::ENOTEMPTY => Errno::NOTEMPTY,
        libc::ELOOP => Errno::LOOP,
        libc::EOVERFLOW => Errno::OVERFLOW,
        libc::EILSEQ => Errno::ILSEQ,
        libc::EINTR => Errno::INTR,
        libc::EOPNOTSUPP => Errno::NOTSUP,
        libc::ENOTSOCK => Errno::NOTSOCK,
        _ => Errno::IO,
    }
}
