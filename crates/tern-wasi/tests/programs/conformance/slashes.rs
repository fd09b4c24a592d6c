// Trailing slashes: a name with one asks for a directory (and follows a
// symlink in its last component). Prints what slashes.c prints.
#![allow(dead_code)]
include!("check.rs");

fn open_f(dir: u32, path: &str, oflags: u16, follow: u32) -> u16 {
    let mut fd = 0;
    let e = unsafe { path_open(dir, follow, path.as_ptr(), path.len(), oflags, R_FD_READ, 0, 0, &mut fd) };
    if e == 0 {
        unsafe { fd_close(fd) };
    }
    e
}

fn main() {
    t("mkdir dir/", mkdir(ROOT, "dir/"));
    t("rmdir dir/", rmdir(ROOT, "dir/"));
    t("mkdir dir2//", mkdir(ROOT, "dir2//"));
    t("rmdir dir2//", rmdir(ROOT, "dir2//"));
    t("mkdir dir", mkdir(ROOT, "dir"));
    make_file(ROOT, "file", "abc");
    t("symlink file link", symlink("file", ROOT, "link"));
    t("symlink dir dirlink", symlink("dir", ROOT, "dirlink"));
    t("symlink nowhere dangling", symlink("nowhere", ROOT, "dangling"));
    t("symlink onto new/", symlink("file", ROOT, "new/"));

    t("rmdir file", rmdir(ROOT, "file"));
    t("rmdir file/", rmdir(ROOT, "file/"));
    t("unlink file/", unlink(ROOT, "file/"));
    t("unlink dir", unlink(ROOT, "dir"));
    t("unlink dir/", unlink(ROOT, "dir/"));
    t("unlink link/", unlink(ROOT, "link/"));
    t("unlink dirlink/", unlink(ROOT, "dirlink/"));
    t("unlink dangling/", unlink(ROOT, "dangling/"));
    t("unlink missing/", unlink(ROOT, "missing/"));

    t("open file/", open_f(ROOT, "file/", 0, 0));
    t("open file//", open_f(ROOT, "file//", 0, 0));
    t("open dir/", open_f(ROOT, "dir/", 0, 0));
    t("open dir///", open_f(ROOT, "dir///", 0, 0));
    t("open dir/ directory", open_f(ROOT, "dir/", O_DIRECTORY, 0));
    t("open file/ creat", open_f(ROOT, "file/", O_CREAT, 0));
    t("open new/ creat", open_f(ROOT, "new/", O_CREAT, 0));
    t("open missing/", open_f(ROOT, "missing/", 0, 0));
    t("open link/", open_f(ROOT, "link/", 0, 0));
    t("open dirlink/", open_f(ROOT, "dirlink/", 0, 0));
    t("open dirlink", open_f(ROOT, "dirlink", 0, 0));
    t("open dirlink follow", open_f(ROOT, "dirlink", 0, FOLLOW));

    t("rename file x/", rename(ROOT, "file", ROOT, "x/"));
    t("rename file/ x", rename(ROOT, "file/", ROOT, "x"));
    t("rename link x/", rename(ROOT, "link", ROOT, "x/"));
    t("rename dir dir3/", rename(ROOT, "dir", ROOT, "dir3/"));
    t("rename dir3/ dir", rename(ROOT, "dir3/", ROOT, "dir"));
    t("rename dir file/", rename(ROOT, "dir", ROOT, "file/"));
    t("rename missing/ x", rename(ROOT, "missing/", ROOT, "x"));

    t("link file new/", link(ROOT, 0, "file", ROOT, "new/"));
    t("link file link/", link(ROOT, 0, "file", ROOT, "link/"));
    t("link file dir/", link(ROOT, 0, "file", ROOT, "dir/"));
    t("link file/ x", link(ROOT, 0, "file/", ROOT, "x"));
    t("link dir/ x", link(ROOT, 0, "dir/", ROOT, "x"));

    t("readlink link/", readlink(ROOT, "link/").err().unwrap_or(0));
    t("readlink dirlink/", readlink(ROOT, "dirlink/").err().unwrap_or(0));
    let st = stat_at(ROOT, 0, "dir/");
    t("filestat dir/", st.err().unwrap_or(0));
    println!("dir/ is a directory: {}", st.map(|s| s.0 == 3).unwrap_or(false) as u8);
    let st = stat_at(ROOT, 0, "dirlink/");
    t("filestat dirlink/", st.err().unwrap_or(0));
    println!("dirlink/ is a directory: {}", st.map(|s| s.0 == 3).unwrap_or(false) as u8);
    t("filestat missing/", stat_at(ROOT, 0, "missing/").err().unwrap_or(0));

    t("unlink link", unlink(ROOT, "link"));
    t("unlink dirlink", unlink(ROOT, "dirlink"));
    t("unlink dangling", unlink(ROOT, "dangling"));
    t("unlink file", unlink(ROOT, "file"));
    t("rmdir dir", rmdir(ROOT, "dir"));
}
