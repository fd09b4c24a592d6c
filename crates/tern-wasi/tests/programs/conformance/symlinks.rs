// Symlinks: path_filestat_get without SYMLINK_FOLLOW reports the link's
// own metadata; opening one without following is ELOOP; links that lead
// out of the pre-open are EPERM when followed. Prints what symlinks.c
// prints.
#![allow(dead_code)]
include!("check.rs");

fn stat_line(label: &str, path: &str, flags: u32) {
    match stat_at(ROOT, flags, path) {
        Ok((ty, size, _)) => println!("{label}: OK type {ty} size {size}"),
        Err(e) => println!("{label}: {}", errno_name(e)),
    }
}

fn open_f(path: &str, oflags: u16, follow: u32) -> u16 {
    let mut fd = 0;
    let e = unsafe { path_open(ROOT, follow, path.as_ptr(), path.len(), oflags, R_FD_READ, 0, 0, &mut fd) };
    if e == 0 {
        unsafe { fd_close(fd) };
    }
    e
}

fn readlink_line(label: &str, path: &str, len: usize) {
    match readlink_n(ROOT, path, len) {
        Ok(s) => println!("{label}: OK {s:?}"),
        Err(e) => println!("{label}: {}", errno_name(e)),
    }
}

fn main() {
    const F: u32 = FOLLOW;
    make_file(ROOT, "target", "hello");
    t("mkdir d", mkdir(ROOT, "d"));
    t("symlink target link", symlink("target", ROOT, "link"));
    t("symlink ../target d/up", symlink("../target", ROOT, "d/up"));
    t("symlink nowhere dangling", symlink("nowhere", ROOT, "dangling"));
    t("symlink loop loop", symlink("loop", ROOT, "loop"));
    t("symlink ../outside escape", symlink("../outside", ROOT, "escape"));
    t("symlink absolute", symlink("/etc/passwd", ROOT, "abs"));
    t("symlink onto a file", symlink("x", ROOT, "target"));
    t("symlink onto a symlink", symlink("x", ROOT, "link"));

    stat_line("filestat link", "link", 0);
    stat_line("filestat link follow", "link", F);
    stat_line("filestat d/up", "d/up", 0);
    stat_line("filestat d/up follow", "d/up", F);
    stat_line("filestat dangling", "dangling", 0);
    stat_line("filestat dangling follow", "dangling", F);
    stat_line("filestat loop", "loop", 0);
    stat_line("filestat loop follow", "loop", F);
    stat_line("filestat escape", "escape", 0);
    stat_line("filestat escape follow", "escape", F);
    stat_line("filestat loop/x", "loop/x", 0);

    t("open link", open_f("link", 0, 0));
    t("open link follow", open_f("link", 0, F));
    t("open d/up follow", open_f("d/up", 0, F));
    t("open loop follow", open_f("loop", 0, F));
    t("open escape follow", open_f("escape", 0, F));
    t("open link creat+excl", open_f("link", O_CREAT | O_EXCL, F));
    t("open dangling creat", open_f("dangling", O_CREAT, 0));
    t("open dangling creat follow", open_f("dangling", O_CREAT, F));
    stat_line("filestat nowhere", "nowhere", 0);

    readlink_line("readlink link", "link", 64);
    readlink_line("readlink d/up", "d/up", 64);
    readlink_line("readlink short buffer", "link", 3);
    readlink_line("readlink target", "target", 64);
    readlink_line("readlink missing", "missing", 64);
    readlink_line("readlink escape", "escape", 64);

    const MTIM: u16 = 4;
    const MTIM_NOW: u16 = 8;
    const ATIM: u16 = 1;
    const ATIM_NOW: u16 = 2;
    t("set times link", set_times(ROOT, 0, "link", 1_000_000_000, MTIM));
    let link_m = stat_at(ROOT, 0, "link").unwrap().2;
    let target_m = stat_at(ROOT, 0, "target").unwrap().2;
    println!(
        "link mtime set: {}, target untouched: {}",
        (link_m == 1_000_000_000) as u8,
        (target_m != 1_000_000_000) as u8
    );
    t("set times link follow", set_times(ROOT, F, "link", 2_000_000_000, MTIM));
    println!("target mtime set: {}", (stat_at(ROOT, 0, "target").unwrap().2 == 2_000_000_000) as u8);
    t("set times loop", set_times(ROOT, 0, "loop", 0, MTIM_NOW));
    t("set times loop follow", set_times(ROOT, F, "loop", 0, MTIM_NOW));
    t("set times both mtim flags", set_times(ROOT, 0, "target", 0, MTIM | MTIM_NOW));
    t("set times both atim flags", set_times(ROOT, 0, "target", 0, ATIM | ATIM_NOW));

    t("unlink link", unlink(ROOT, "link"));
    stat_line("filestat target", "target", 0);
    for name in ["d/up", "dangling", "loop", "escape", "nowhere", "target"] {
        t(&format!("unlink {name}"), unlink(ROOT, name));
    }
    t("rmdir d", rmdir(ROOT, "d"));
}
