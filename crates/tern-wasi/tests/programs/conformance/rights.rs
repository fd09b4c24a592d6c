// Rights: fd_fdstat_get reports what a descriptor can do, fd_fdstat_set_rights
// can only drop rights, an operation whose right was dropped fails
// (ENOTCAPABLE; EBADF for reading and writing), and path_open grants at most
// the directory's inheriting rights. Prints what rights.c prints.
#![allow(dead_code)]
include!("check.rs");

const R_FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
const R_FD_SYNC: u64 = 1 << 4;
const R_PATH_LINK_SOURCE: u64 = 1 << 11;
const R_PATH_LINK_TARGET: u64 = 1 << 12;
const R_PATH_READLINK: u64 = 1 << 15;
const R_PATH_RENAME_SOURCE: u64 = 1 << 16;
const R_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
const R_FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
const R_PATH_SYMLINK: u64 = 1 << 24;
const R_PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
const R_PATH_UNLINK_FILE: u64 = 1 << 26;

fn has(fd: u32, right: u64) -> i32 {
    fdstat(fd).map(|s| (s.2 & right == right) as i32).unwrap_or(-1)
}
fn inherits(fd: u32, right: u64) -> i32 {
    fdstat(fd).map(|s| (s.3 & right == right) as i32).unwrap_or(-1)
}
fn drop_rights(fd: u32, base: u64, inheriting: u64) -> u16 {
    let (_, _, b, i) = fdstat(fd).unwrap_or_default();
    unsafe { fd_fdstat_set_rights(fd, b & !base, i & !inheriting) }
}
fn fd_or_err(r: Result<u32, u16>) -> i64 {
    match r {
        Ok(fd) => fd as i64,
        Err(e) => -(e as i64),
    }
}

fn main() {
    for fd in 0..4 {
        let (_, _, b, i) = fdstat(fd).unwrap();
        println!("fd {fd} base {b:x} inheriting {i:x}");
    }
    t("mkdir", mkdir(ROOT, "rights.d"));
    let dir = open_at(ROOT, "rights.d", O_DIRECTORY, 0, 0).unwrap();
    println!(
        "dir: readdir {} path_open {} seek {} read {}",
        has(dir, R_FD_READDIR),
        has(dir, R_PATH_OPEN),
        has(dir, R_FD_SEEK),
        has(dir, R_FD_READ)
    );
    println!(
        "dir inherits: read {} write {} seek {} path_open {}",
        inherits(dir, R_FD_READ),
        inherits(dir, R_FD_WRITE),
        inherits(dir, R_FD_SEEK),
        inherits(dir, R_PATH_OPEN)
    );
    let f = open_at(dir, "f", O_CREAT, R_FD_READ | R_FD_WRITE | R_PATH_FILESTAT_GET, 0).unwrap();
    println!(
        "file: read {} write {} seek {} tell {} filestat_get {}",
        has(f, R_FD_READ),
        has(f, R_FD_WRITE),
        has(f, R_FD_SEEK),
        has(f, R_FD_TELL),
        has(f, R_FD_FILESTAT_GET)
    );
    println!(
        "file path rights: base {} inheriting {}",
        (has(f, R_PATH_FILESTAT_GET) == 1 || has(f, R_PATH_OPEN) == 1) as i32,
        inherits(f, R_PATH_FILESTAT_GET)
    );
    let ro = open_at(dir, "f", 0, R_FD_READ, 0).unwrap();
    let wo = open_at(dir, "f", 0, R_FD_WRITE, 0).unwrap();
    println!("read-only file: read {} write {}", has(ro, R_FD_READ), has(ro, R_FD_WRITE));
    println!("write-only file: read {} write {}", has(wo, R_FD_READ), has(wo, R_FD_WRITE));

    let mut buf = *b"abcd";
    let iov = [buf.as_mut_ptr() as usize, 4];
    let (mut n, mut pos) = (0usize, 0u64);
    let mut fs = [0u8; 64];
    unsafe {
        t("write", fd_write(f, &iov, 1, &mut n));
        t("drop write", drop_rights(f, R_FD_WRITE, 0));
        println!("file: write {} read {}", has(f, R_FD_WRITE), has(f, R_FD_READ));
        t("write without the right", fd_write(f, &iov, 1, &mut n));
        t("pwrite without the right", fd_pwrite(f, &iov, 1, 0, &mut n));
        t("pread", fd_pread(f, &iov, 1, 0, &mut n));
        t("regrant write", fd_fdstat_set_rights(f, R_FD_READ | R_FD_WRITE, 0));
        t("drop seek", drop_rights(f, R_FD_SEEK, 0));
        t("seek without the right", fd_seek(f, 1, 0, &mut pos));
        t("seek cur 0 (tell)", fd_seek(f, 0, 1, &mut pos));
        t("tell", fd_tell(f, &mut pos));
        t("drop tell", drop_rights(f, R_FD_TELL, 0));
        t("tell without the right", fd_tell(f, &mut pos));
        t("drop filestat_get", drop_rights(f, R_FD_FILESTAT_GET, 0));
        t("filestat_get without the right", fd_filestat_get(f, fs.as_mut_ptr()));
        t("drop read", drop_rights(f, R_FD_READ, 0));
        t("read without the right", fd_read(f, &iov, 1, &mut n));
        t("drop sync", drop_rights(f, R_FD_SYNC | R_FD_DATASYNC, 0));
        t("sync without the right", fd_sync(f));
        t("datasync without the right", fd_datasync(f));
        t("drop set_flags", drop_rights(f, R_FD_FDSTAT_SET_FLAGS, 0));
        t("set_flags without the right", fd_fdstat_set_flags(f, 1));
        t("drop set_size", drop_rights(f, R_FD_FILESTAT_SET_SIZE | R_FD_FILESTAT_SET_TIMES, 0));
        t("set_size without the right", fd_filestat_set_size(f, 0));
        t("set_times without the right", fd_filestat_set_times(f, 0, 0, 8));
        t("drop everything", fd_fdstat_set_rights(f, 0, 0));
        let st = fdstat(f);
        t("fdstat still works", st.err().unwrap_or(0));
        let (_, _, b, i) = st.unwrap_or_default();
        println!("after dropping everything: base {b:x} inheriting {i:x}");
        t("close", fd_close(f));
        t("set_rights closed", fd_fdstat_set_rights(f, 0, 0));
    }
    t("set_rights stdout unchanged", drop_rights(1, 0, 0));

    // Directories: base rights gate path operations on them; inheriting
    // rights cap what is opened beneath them.
    let sub = open_at(ROOT, "rights.d", O_DIRECTORY, 0, 0).unwrap();
    t("drop create_directory", drop_rights(sub, R_PATH_CREATE_DIRECTORY, 0));
    t("mkdir without the right", mkdir(sub, "x"));
    t("mkdir through another descriptor", mkdir(dir, "x"));
    t("drop readdir", drop_rights(sub, R_FD_READDIR, 0));
    t("readdir without the right", unsafe { fd_readdir(sub, buf.as_mut_ptr(), 4, 0, &mut n) });
    t("drop filestat", drop_rights(sub, R_PATH_FILESTAT_GET, 0));
    t("path_filestat_get without the right", stat_at(sub, 0, "f").err().unwrap_or(0));
    t(
        "drop unlink, rmdir, rename, link, symlink, readlink",
        drop_rights(
            sub,
            R_PATH_UNLINK_FILE
                | R_PATH_REMOVE_DIRECTORY
                | R_PATH_RENAME_SOURCE
                | R_PATH_LINK_SOURCE
                | R_PATH_LINK_TARGET
                | R_PATH_SYMLINK
                | R_PATH_READLINK,
            0,
        ),
    );
    t("unlink without the right", unlink(sub, "f"));
    t("rmdir without the right", rmdir(sub, "x"));
    t("rename without the source right", rename(sub, "f", dir, "g"));
    t("link without the source right", link(sub, 0, "f", dir, "g"));
    t("link without the target right", link(dir, 0, "f", sub, "g"));
    t("symlink without the right", symlink("f", sub, "s"));
    let mut rb = [0u8; 4];
    t("readlink without the right", unsafe { path_readlink(sub, "f".as_ptr(), 1, rb.as_mut_ptr(), 4, &mut n) });
    t("drop inherited write", drop_rights(sub, 0, R_FD_WRITE));
    let w = fd_or_err(open_at(sub, "f", 0, R_FD_READ | R_FD_WRITE, 0));
    let wfd = w.max(0) as u32;
    println!(
        "opened beneath: fd ok {}, write {}, read {}",
        (w >= 0) as i32,
        has(wfd, R_FD_WRITE),
        has(wfd, R_FD_READ)
    );
    t("write beneath", unsafe { fd_write(wfd, &iov, 1, &mut n) });
    unsafe { fd_close(wfd) };
    let subsub = open_at(sub, "x", O_DIRECTORY, 0, 0).unwrap_or(u32::MAX);
    println!(
        "directory beneath inherits write: {}, mkdir right {}",
        inherits(subsub, R_FD_WRITE),
        has(subsub, R_PATH_CREATE_DIRECTORY)
    );
    unsafe { fd_close(subsub) };
    t("drop path_open", drop_rights(sub, R_PATH_OPEN, 0));
    t("open without the right", open_at(sub, "f", 0, R_FD_READ, 0).err().unwrap_or(0));
    unsafe {
        fd_close(sub);
        fd_close(ro);
        fd_close(wo);
    }
    t("unlink f", unlink(dir, "f"));
    t("rmdir x", rmdir(dir, "x"));
    unsafe { fd_close(dir) };
    t("rmdir", rmdir(ROOT, "rights.d"));
}
