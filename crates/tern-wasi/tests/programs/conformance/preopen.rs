// path_open and path_link on a pre-opened directory itself and beneath it.
// Prints what preopen.c prints.
#![allow(dead_code)]
include!("check.rs");

fn open_f(dir: u32, path: &str, oflags: u16, rights: u64, fdflags: u16) -> u16 {
    open_at(dir, path, oflags, rights, fdflags).map(|fd| unsafe { fd_close(fd) }).err().unwrap_or(0)
}

fn main() {
    let (_, _, base, inheriting) = fdstat(ROOT).unwrap();
    println!("preopen base {base:x} inheriting {inheriting:x}");
    t("open .", open_e(ROOT, ".", 0, 0));
    t("open . directory", open_e(ROOT, ".", O_DIRECTORY, 0));
    t("open . directory read", open_e(ROOT, ".", O_DIRECTORY, R_FD_READ));
    t("open . directory read+write", open_e(ROOT, ".", O_DIRECTORY, R_FD_READ | R_FD_WRITE));
    t("open . write", open_e(ROOT, ".", 0, R_FD_WRITE));
    t("open . creat", open_e(ROOT, ".", O_CREAT, 0));
    t("open . creat+excl", open_e(ROOT, ".", O_CREAT | O_EXCL, 0));
    t("open . trunc", open_e(ROOT, ".", O_TRUNC, 0));
    t("open . with the preopen's rights", open_e(ROOT, ".", O_DIRECTORY, base));
    t("open ./", open_e(ROOT, "./", 0, 0));
    t("open empty path", open_e(ROOT, "", 0, 0));
    t("open ..", open_e(ROOT, "..", 0, 0));
    t("open /", open_e(ROOT, "/", 0, 0));
    t("open absolute", open_e(ROOT, "/etc/passwd", 0, 0));

    t("mkdir sub", mkdir(ROOT, "sub"));
    make_file(ROOT, "file", "hello");
    t("open sub/../file", open_e(ROOT, "sub/../file", 0, R_FD_READ));
    t("open sub/.//..//./file", open_e(ROOT, "sub/.//..//./file", 0, R_FD_READ));
    t("open sub/../..", open_e(ROOT, "sub/../..", 0, 0));
    t("open sub/../../file", open_e(ROOT, "sub/../../file", 0, 0));
    t("open missing/../file", open_e(ROOT, "missing/../file", 0, 0));
    t("open file directory", open_e(ROOT, "file", O_DIRECTORY, 0));
    t("open missing directory", open_e(ROOT, "missing", O_DIRECTORY, 0));
    t("open missing", open_e(ROOT, "missing", 0, 0));
    t("open missing/x creat", open_e(ROOT, "missing/x", O_CREAT, 0));
    t("open directory+creat", open_e(ROOT, "new", O_DIRECTORY | O_CREAT, 0));
    t("open file creat+excl", open_e(ROOT, "file", O_CREAT | O_EXCL, 0));
    t("open file sync", open_f(ROOT, "file", 0, R_FD_WRITE, 16));
    t("open file nonblock", open_f(ROOT, "file", 0, R_FD_READ, 4));
    t("open sub", open_e(ROOT, "sub", 0, 0));

    let file = open_at(ROOT, "file", 0, R_FD_READ, 0).unwrap();
    let sub = open_at(ROOT, "sub", O_DIRECTORY, 0, 0).unwrap();
    t("open beneath a file", open_e(file, "x", 0, 0));
    t("open beneath stdout", open_e(1, "x", 0, 0));
    t("open beneath a closed descriptor", open_e(1000, "x", 0, 0));
    t("open .. beneath sub", open_e(sub, "..", 0, 0));
    t("open ../file beneath sub", open_e(sub, "../file", 0, 0));
    t("mkdir beneath a file", mkdir(file, "x"));

    t("link file file2", link(ROOT, 0, "file", ROOT, "file2"));
    t("link file into sub", link(ROOT, 0, "file", sub, "file3"));
    t("link from sub to the preopen", link(sub, 0, "file3", ROOT, "file4"));
    let mut st = [0u8; 64];
    unsafe { fd_filestat_get(file, st.as_mut_ptr()) };
    println!("links: {}", u64::from_le_bytes(st[24..32].try_into().unwrap()));
    t("link onto an existing file", link(ROOT, 0, "file", ROOT, "file2"));
    t("link onto itself", link(ROOT, 0, "file", ROOT, "file"));
    t("link onto a directory", link(ROOT, 0, "file", ROOT, "sub"));
    t("link a directory", link(ROOT, 0, "sub", ROOT, "sub2"));
    t("link the preopen", link(ROOT, 0, ".", ROOT, "dot"));
    t("link onto the preopen", link(ROOT, 0, "file", ROOT, "."));
    t("link with symlink_follow", link(ROOT, FOLLOW, "file", ROOT, "file5"));
    t("link missing", link(ROOT, 0, "missing", ROOT, "file5"));
    t("link into missing dir", link(ROOT, 0, "file", ROOT, "missing/file5"));
    t("link out of the preopen", link(ROOT, 0, "file", ROOT, "../file5"));
    t("link out of sub", link(ROOT, 0, "file", sub, "../../file5"));
    t("link from outside", link(ROOT, 0, "../file", ROOT, "file5"));
    t("link absolute", link(ROOT, 0, "/etc/passwd", ROOT, "file5"));
    t("link to a file descriptor", link(file, 0, "x", ROOT, "file5"));
    t("symlink dangling", symlink("nowhere", ROOT, "dangling"));
    t("link a dangling symlink", link(ROOT, 0, "dangling", ROOT, "dangling2"));
    t("symlink loop", symlink("loop", ROOT, "loop"));
    t("link a symlink loop", link(ROOT, 0, "loop", ROOT, "loop2"));
    t("link onto a dangling symlink", link(ROOT, 0, "file", ROOT, "dangling"));
    let is_link = stat_at(ROOT, 0, "dangling2").map(|s| s.0 == 7).unwrap_or(false);
    println!("dangling2 is a symlink: {}", is_link as u8);

    unsafe {
        fd_close(file);
        fd_close(sub);
    }
    for name in ["file", "file2", "file4", "dangling", "dangling2", "loop", "loop2", "sub/file3"] {
        t(&format!("unlink {name}"), unlink(ROOT, name));
    }
    t("rmdir sub", rmdir(ROOT, "sub"));
}
