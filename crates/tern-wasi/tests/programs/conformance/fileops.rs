// Regular-file and stream descriptors: positions, sizes, append, flags,
// renumbering and closing, and what each operation answers on a stream.
// Prints what fileops.c prints.
#![allow(dead_code)]
include!("check.rs");

fn size(fd: u32) -> (u64, u64) {
    let mut b = [0u8; 64];
    unsafe { fd_filestat_get(fd, b.as_mut_ptr()) };
    (
        u64::from_le_bytes(b[32..40].try_into().unwrap()),
        u64::from_le_bytes(b[24..32].try_into().unwrap()),
    )
}

/// poll_oneoff with one read subscription on `fd`.
fn poll_read(fd: u32) -> u16 {
    let mut sub = [0u8; 48];
    sub[8] = 1;
    sub[16..20].copy_from_slice(&fd.to_le_bytes());
    let mut ev = [0u8; 32];
    let mut n = 0;
    unsafe { poll_oneoff(sub.as_ptr(), ev.as_mut_ptr(), 1, &mut n) }
}

fn main() {
    let mut buf = [0u8; 16];
    let iov = [buf.as_mut_ptr() as usize, 8];
    let hello = [b"hello".as_ptr() as usize, 5];
    let xy = [b"XY".as_ptr() as usize, 2];
    let (mut n, mut pos) = (0usize, 0u64);
    // (Up to the first NUL, as C's %.*s prints it.)
    let read_text = |n: usize, buf: &[u8]| {
        let text = buf[..n].split(|&b| b == 0).next().unwrap_or_default();
        String::from_utf8_lossy(text).into_owned()
    };
    unsafe {
        let f = open_at(ROOT, "f", O_CREAT, R_FD_READ | R_FD_WRITE, 0).unwrap();
        t("write", fd_write(f, &hello, 1, &mut n));
        t("seek past the end", fd_seek(f, 5, 2, &mut pos));
        println!("position {pos}");
        t("write past the end", fd_write(f, &xy, 1, &mut n));
        let (sz, links) = size(f);
        println!("size {sz} links {links}");
        t("seek before the start", fd_seek(f, -1, 0, &mut pos));
        t("seek back too far", fd_seek(f, -100, 1, &mut pos));
        t("pwrite", fd_pwrite(f, &xy, 1, 1, &mut n));
        t("tell", fd_tell(f, &mut pos));
        println!("position after pwrite {pos}");
        t("pread", fd_pread(f, &iov, 1, 0, &mut n));
        println!("read {}", read_text(n, &buf));
        t("pread past the end", fd_pread(f, &iov, 1, 100, &mut n));
        println!("read {n} bytes");
        t("set size 3", fd_filestat_set_size(f, 3));
        t("set append", fd_fdstat_set_flags(f, 1));
        println!("flags {}", fdstat(f).unwrap().1);
        t("set sync", fd_fdstat_set_flags(f, 16));
        t("set nonblock", fd_fdstat_set_flags(f, 4 | 1));
        t("seek 0", fd_seek(f, 0, 0, &mut pos));
        t("append", fd_write(f, &xy, 1, &mut n));
        t("pwrite at 0 appends", fd_pwrite(f, &xy, 1, 0, &mut n));
        println!("size {}", size(f).0);
        t("advise", fd_advise(f, 0, 10, 2));
        t("allocate", fd_allocate(f, 0, 100));
        t("datasync", fd_datasync(f));
        t("sync", fd_sync(f));
        t("close", fd_close(f));
        t("close again", fd_close(f));
        t("read closed", fd_read(f, &iov, 1, &mut n));

        let r = open_at(ROOT, "f", 0, R_FD_READ, 0).unwrap();
        t("read", fd_read(r, &iov, 1, &mut n));
        println!("read {}", read_text(n, &buf));
        t("write read-only", fd_write(r, &xy, 1, &mut n));
        t("set size read-only", fd_filestat_set_size(r, 0));
        t("set times read-only", fd_filestat_set_times(r, 0, 0, 8));
        t("open sync", open_at(ROOT, "f", 0, R_FD_WRITE, 16).err().unwrap_or(0));
        t("open dsync", open_at(ROOT, "f", 0, R_FD_WRITE, 2).err().unwrap_or(0));
        t("open rsync", open_at(ROOT, "f", 0, R_FD_READ, 8).err().unwrap_or(0));
        let tr = open_at(ROOT, "f", O_TRUNC, 0, 0).unwrap();
        t("write after truncating open", fd_write(tr, &xy, 1, &mut n));
        t("read after truncating open", fd_read(tr, &iov, 1, &mut n));
        println!("size {}", size(tr).0);

        t("renumber", fd_renumber(r, tr));
        t("renumber onto itself", fd_renumber(tr, tr));
        t("renumber closed", fd_renumber(r, tr));
        t("renumber onto closed", fd_renumber(tr, 200));
        t("read renumbered", fd_pread(tr, &iov, 1, 0, &mut n));
        println!("read {}", read_text(n, &buf));

        t("poll a closed descriptor", poll_read(200));
        t("poll a directory", poll_read(ROOT));
        t("poll stdout for reading", poll_read(1));

        let (ty, _, base, _) = fdstat(1).unwrap();
        println!("stdout type {ty} rights {base:x}");
        let (ty, _, base, _) = fdstat(0).unwrap();
        println!("stdin type {ty} rights {base:x}");
        let mut fs = [0u8; 64];
        t("filestat stdout", fd_filestat_get(1, fs.as_mut_ptr()));
        println!(
            "stdout filestat type {} size {}",
            fs[16],
            u64::from_le_bytes(fs[32..40].try_into().unwrap())
        );
        t("set flags stdout", fd_fdstat_set_flags(1, 0));
        t("set size stdout", fd_filestat_set_size(1, 0));
        t("set times stdout", fd_filestat_set_times(1, 0, 0, 0));
        t("sync stdout", fd_sync(1));
        t("datasync stdout", fd_datasync(1));
        t("advise stdout", fd_advise(1, 0, 0, 0));
        t("allocate stdout", fd_allocate(1, 0, 1));
        t("pread stdout", fd_pread(1, &iov, 1, 0, &mut n));
        t("pwrite stdout", fd_pwrite(1, &xy, 0, 0, &mut n));
        t("pread stdin", fd_pread(0, &iov, 1, 0, &mut n));
        t("pwrite stdin", fd_pwrite(0, &xy, 1, 0, &mut n));
        t("read stdout", fd_read(1, &iov, 1, &mut n));
        t("write stdin", fd_write(0, &xy, 1, &mut n));
        t("write stdout nothing", fd_write(1, &xy, 0, &mut n));
        let mut pre = [0u8; 8];
        t("prestat of a file", fd_prestat_get(tr, pre.as_mut_ptr()));

        t("close", fd_close(tr));
        t("unlink", unlink(ROOT, "f"));
        t("close the preopen", fd_close(ROOT));
        t("fdstat of the closed preopen", fdstat(ROOT).err().unwrap_or(0));
    }
}
