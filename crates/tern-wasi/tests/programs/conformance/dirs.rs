// Directories as descriptors: byte-stream operations on them fail (EBADF,
// as in wasmtime), and fd_readdir lists them. Prints what dirs.c prints.
#![allow(dead_code)]
include!("check.rs");

/// Entries `(name(type), d_next, d_ino)` read from `fd` at `cookie` with a
/// buffer of `len` bytes (whole entries only).
fn read_dir(fd: u32, cookie: u64, len: usize) -> Result<(Vec<(String, u64, u64)>, usize), u16> {
    let mut buf = vec![0u8; len];
    let mut used = 0;
    let e = unsafe { fd_readdir(fd, buf.as_mut_ptr(), len, cookie, &mut used) };
    if e != 0 {
        return Err(e);
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at + 24 <= used {
        let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
        let ino = u64::from_le_bytes(buf[at + 8..at + 16].try_into().unwrap());
        let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
        let ty = buf[at + 20];
        if at + 24 + namlen > used {
            break;
        }
        let name = String::from_utf8_lossy(&buf[at + 24..at + 24 + namlen]);
        out.push((format!("{name}({ty})"), next, ino));
        at += 24 + namlen;
    }
    Ok((out, used))
}

fn list(fd: u32, cookie: u64, print: bool) -> usize {
    match read_dir(fd, cookie, 4096) {
        Ok((entries, _)) => {
            let mut names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
            names.sort();
            if print {
                println!("entries: {}", names.join(" "));
            }
            names.len()
        }
        Err(e) => {
            println!("readdir: {}", errno_name(e));
            0
        }
    }
}

fn main() {
    t("mkdir", mkdir(ROOT, "dirs.d"));
    let dir = open_at(ROOT, "dirs.d", O_DIRECTORY, R_FD_READDIR | R_FD_SEEK, 0).unwrap();
    let (_, _, base, _) = fdstat(dir).unwrap();
    println!("directory has seek right: {}", (base & R_FD_SEEK != 0) as u8);
    println!("directory has readdir right: {}", (base & R_FD_READDIR != 0) as u8);
    unsafe {
        let mut pos = 0u64;
        let mut b = [0u8; 8];
        let iov = [b.as_mut_ptr() as usize, b.len()];
        let mut n = 0usize;
        t("fd_seek dir cur", fd_seek(dir, 0, 1, &mut pos));
        t("fd_seek dir set", fd_seek(dir, 0, 0, &mut pos));
        t("fd_seek dir end", fd_seek(dir, 0, 2, &mut pos));
        t("fd_tell dir", fd_tell(dir, &mut pos));
        t("fd_seek preopen", fd_seek(ROOT, 0, 1, &mut pos));
        t("fd_read dir", fd_read(dir, &iov, 1, &mut n));
        t("fd_write dir", fd_write(dir, &iov, 1, &mut n));
        t("fd_pread dir", fd_pread(dir, &iov, 1, 0, &mut n));
        t("fd_pwrite dir", fd_pwrite(dir, &iov, 1, 0, &mut n));
        t("fd_sync dir", fd_sync(dir));
        t("fd_allocate dir", fd_allocate(dir, 0, 1));
        t("fd_filestat_set_size dir", fd_filestat_set_size(dir, 0));
        t("fd_advise dir", fd_advise(dir, 0, 0, 0));
        t("fd_seek stdout", fd_seek(1, 0, 1, &mut pos));
        t("fd_tell stdout", fd_tell(1, &mut pos));
    }
    list(dir, 0, true);
    let mut st = [0u8; 64];
    unsafe { fd_filestat_get(dir, st.as_mut_ptr()) };
    let ino = u64::from_le_bytes(st[8..16].try_into().unwrap());
    let (entries, _) = read_dir(dir, 0, 256).unwrap();
    let dot = entries.iter().find(|e| e.0 == ".(3)").map(|e| e.2 == ino).unwrap_or(false);
    println!("dot is the directory itself: {}", dot as u8);
    make_file(dir, "a", "1");
    make_file(dir, "b", "22");
    t("mkdir sub", mkdir(dir, "sub"));
    t("symlink", symlink("a", dir, "link"));
    let all = list(dir, 0, true);
    println!("count: {all}");
    let second = read_dir(dir, 0, 4096).unwrap().0[1].1;
    println!("after the second: {}", list(dir, second, false));
    println!("past the end: {}", list(dir, 1000, false));
    // A small buffer: resume from the last whole entry's cookie.
    let (mut seen, mut cookie) = (0, 0);
    for _ in 0..20 {
        let (entries, used) = match read_dir(dir, cookie, 40) {
            Ok(r) => r,
            Err(_) => break,
        };
        seen += entries.len();
        if let Some(last) = entries.last() {
            cookie = last.1;
        }
        if used < 40 {
            break;
        }
    }
    println!("seen with a 40-byte buffer: {seen}");
    let file = open_at(dir, "a", 0, R_FD_READ, 0).unwrap();
    let mut b = [0u8; 8];
    let mut n = 0;
    unsafe {
        t("fd_readdir file", fd_readdir(file, b.as_mut_ptr(), 8, 0, &mut n));
        t("fd_readdir stdout", fd_readdir(1, b.as_mut_ptr(), 8, 0, &mut n));
        t("fd_readdir never opened", fd_readdir(1000, b.as_mut_ptr(), 8, 0, &mut n));
        fd_close(file);
    }
    t("rmdir not empty", rmdir(ROOT, "dirs.d"));
    t("unlink a", unlink(dir, "a"));
    t("unlink b", unlink(dir, "b"));
    t("unlink link", unlink(dir, "link"));
    t("rmdir sub", rmdir(dir, "sub"));
    unsafe { fd_close(dir) };
    t("rmdir", rmdir(ROOT, "dirs.d"));
}
