//! Preview1 rights: what each kind of descriptor can do, and the check
//! that an operation's right is still held.
//!
//! A descriptor starts with the rights of its kind, narrowed by the
//! inheriting rights of the directory it was opened from: a directory has
//! the `path_*` rights (exactly what wasmtime reports for a pre-open), a
//! file the `fd_*` rights its open mode allows (wasmtime reports every
//! right for files; the WASI test suite expects no `path_*` rights), a
//! standard stream its read or write right (as in wasmtime). `fd_fdstat_set_rights` can only drop rights. An
//! operation on a descriptor of the wrong kind fails as it does in wasmtime
//! (mostly `EBADF`); an operation whose right was dropped fails with
//! `ENOTCAPABLE`, except reading and writing, which fail with `EBADF` as
//! POSIX does for a descriptor not open for them.

use crate::ctx::Desc;
use crate::errno::Errno;

pub(crate) const FD_DATASYNC: u64 = 1 << 0;
pub(crate) const FD_READ: u64 = 1 << 1;
pub(crate) const FD_SEEK: u64 = 1 << 2;
pub(crate) const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
pub(crate) const FD_SYNC: u64 = 1 << 4;
pub(crate) const FD_TELL: u64 = 1 << 5;
pub(crate) const FD_WRITE: u64 = 1 << 6;
pub(crate) const FD_ADVISE: u64 = 1 << 7;
pub(crate) const FD_ALLOCATE: u64 = 1 << 8;
pub(crate) const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
pub(crate) const PATH_CREATE_FILE: u64 = 1 << 10;
pub(crate) const PATH_LINK_SOURCE: u64 = 1 << 11;
pub(crate) const PATH_LINK_TARGET: u64 = 1 << 12;
pub(crate) const PATH_OPEN: u64 = 1 << 13;
pub(crate) const FD_READDIR: u64 = 1 << 14;
pub(crate) const PATH_READLINK: u64 = 1 << 15;
pub(crate) const PATH_RENAME_SOURCE: u64 = 1 << 16;
pub(crate) const PATH_RENAME_TARGET: u64 = 1 << 17;
pub(crate) const PATH_FILESTAT_GET: u64 = 1 << 18;
// (1 << 19 is `path_filestat_set_size`, which no descriptor has here:
// truncation goes through `path_open` with `O_TRUNC`.)
pub(crate) const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
pub(crate) const FD_FILESTAT_GET: u64 = 1 << 21;
pub(crate) const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
pub(crate) const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
pub(crate) const PATH_SYMLINK: u64 = 1 << 24;
pub(crate) const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
pub(crate) const PATH_UNLINK_FILE: u64 = 1 << 26;
pub(crate) const POLL_FD_READWRITE: u64 = 1 << 27;
// (1 << 28 and 1 << 29 are `sock_shutdown` and `sock_accept`: no socket
// is ever open.)
/// Every defined right.
pub(crate) const ALL: u64 = (1 << 30) - 1;

/// The base rights of a directory: the `path_*` operations, listing, and
/// its own metadata and times (not reading, writing, seeking or sizes).
pub(crate) const DIR_BASE: u64 = PATH_CREATE_DIRECTORY
    | PATH_CREATE_FILE
    | PATH_LINK_SOURCE
    | PATH_LINK_TARGET
    | PATH_OPEN
    | FD_READDIR
    | PATH_READLINK
    | PATH_RENAME_SOURCE
    | PATH_RENAME_TARGET
    | PATH_FILESTAT_GET
    | PATH_FILESTAT_SET_TIMES
    | FD_FILESTAT_GET
    | FD_FILESTAT_SET_TIMES
    | PATH_SYMLINK
    | PATH_REMOVE_DIRECTORY
    | PATH_UNLINK_FILE;

/// The rights of a regular file open for reading and writing.
pub(crate) const FILE_BASE: u64 = FD_DATASYNC
    | FD_READ
    | FD_SEEK
    | FD_FDSTAT_SET_FLAGS
    | FD_SYNC
    | FD_TELL
    | FD_WRITE
    | FD_ADVISE
    | FD_ALLOCATE
    | FD_FILESTAT_GET
    | FD_FILESTAT_SET_SIZE
    | FD_FILESTAT_SET_TIMES
    | POLL_FD_READWRITE;

/// What a directory passes on to what is opened beneath it: everything a
/// directory or a file can have.
pub(crate) const DIR_INHERITING: u64 = DIR_BASE | FILE_BASE;

/// The rights a fresh descriptor of `desc`'s kind has: `(base, inheriting)`.
pub(crate) fn natural(desc: &Desc) -> (u64, u64) {
    match desc {
        Desc::Stdin(..) => (FD_READ, FD_READ),
        Desc::Output(..) => (FD_WRITE, FD_WRITE),
        Desc::File { readable, writable, .. } => {
            let mut r = FILE_BASE;
            if !readable {
                r &= !FD_READ;
            }
            if !writable {
                r &= !FD_WRITE;
            }
            (r, r)
        }
        Desc::Dir { .. } => (DIR_BASE, DIR_INHERITING),
    }
}

/// `Ok` when `base` holds `right`.
pub(crate) fn check(base: u64, right: u64) -> Result<(), Errno> {
    if base & right == right {
        Ok(())
    } else if right & (FD_READ | FD_WRITE) != 0 {
        Err(Errno::BADF)
    } else {
        Err(Errno::NOTCAPABLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        // The values wasmtime reports for a pre-opened directory.
        assert_eq!(DIR_BASE, 0x7b7fe00);
        assert_eq!(DIR_INHERITING, 0xff7ffff);
        assert_eq!(FILE_BASE & (DIR_BASE & !(FD_FILESTAT_GET | FD_FILESTAT_SET_TIMES)), 0);
        assert_eq!(ALL & FILE_BASE, FILE_BASE);
        assert_eq!(check(FILE_BASE, FD_SEEK), Ok(()));
        assert_eq!(check(FILE_BASE & !FD_READ, FD_READ), Err(Errno::BADF));
        assert_eq!(check(DIR_BASE, FD_SEEK), Err(Errno::NOTCAPABLE));
        assert_eq!(check(0, PATH_LINK_SOURCE | PATH_OPEN), Err(Errno::NOTCAPABLE));
    }
}
