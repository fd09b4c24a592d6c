// Symlinks: path_filestat_get without SYMLINK_FOLLOW reports the link's
// own metadata; opening one without following is ELOOP; links that lead
// out of the pre-open are EPERM when followed.
#include "check.h"

static void stat_line(const char *label, const char *path, __wasi_lookupflags_t flags) {
    __wasi_filestat_t fs;
    int e = __wasi_path_filestat_get(ROOT, flags, path, &fs);
    if (e)
        printf("%s: %s\n", label, errno_name(e));
    else
        printf("%s: OK type %d size %llu\n", label, fs.filetype, (unsigned long long)fs.size);
}

static int open_e(const char *path, int oflags, __wasi_lookupflags_t follow) {
    __wasi_fd_t fd;
    int e = __wasi_path_open(ROOT, follow, path, oflags, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    if (!e) __wasi_fd_close(fd);
    return e;
}

static void readlink_line(const char *label, const char *path, size_t len) {
    char buf[64];
    __wasi_size_t n = 0;
    int e = __wasi_path_readlink(ROOT, path, (uint8_t *)buf, len, &n);
    if (e)
        printf("%s: %s\n", label, errno_name(e));
    else
        printf("%s: OK \"%.*s\"\n", label, (int)n, buf);
}

int main(void) {
    const __wasi_lookupflags_t F = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
    make_file(ROOT, "target", "hello");
    T("mkdir d", __wasi_path_create_directory(ROOT, "d"));
    T("symlink target link", __wasi_path_symlink("target", ROOT, "link"));
    T("symlink ../target d/up", __wasi_path_symlink("../target", ROOT, "d/up"));
    T("symlink nowhere dangling", __wasi_path_symlink("nowhere", ROOT, "dangling"));
    T("symlink loop loop", __wasi_path_symlink("loop", ROOT, "loop"));
    T("symlink ../outside escape", __wasi_path_symlink("../outside", ROOT, "escape"));
    T("symlink absolute", __wasi_path_symlink("/etc/passwd", ROOT, "abs"));
    T("symlink onto a file", __wasi_path_symlink("x", ROOT, "target"));
    T("symlink onto a symlink", __wasi_path_symlink("x", ROOT, "link"));

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

    T("open link", open_e("link", 0, 0));
    T("open link follow", open_e("link", 0, F));
    T("open d/up follow", open_e("d/up", 0, F));
    T("open loop follow", open_e("loop", 0, F));
    T("open escape follow", open_e("escape", 0, F));
    T("open link creat+excl", open_e("link", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, F));
    T("open dangling creat", open_e("dangling", __WASI_OFLAGS_CREAT, 0));
    T("open dangling creat follow", open_e("dangling", __WASI_OFLAGS_CREAT, F));
    stat_line("filestat nowhere", "nowhere", 0);

    readlink_line("readlink link", "link", 64);
    readlink_line("readlink d/up", "d/up", 64);
    readlink_line("readlink short buffer", "link", 3);
    readlink_line("readlink target", "target", 64);
    readlink_line("readlink missing", "missing", 64);
    readlink_line("readlink escape", "escape", 64);

    T("set times link", __wasi_path_filestat_set_times(ROOT, 0, "link", 0, 1000000000, __WASI_FSTFLAGS_MTIM));
    __wasi_filestat_t fs, ts;
    __wasi_path_filestat_get(ROOT, 0, "link", &fs);
    __wasi_path_filestat_get(ROOT, 0, "target", &ts);
    printf("link mtime set: %d, target untouched: %d\n", fs.mtim == 1000000000, ts.mtim != 1000000000);
    T("set times link follow", __wasi_path_filestat_set_times(ROOT, F, "link", 0, 2000000000, __WASI_FSTFLAGS_MTIM));
    __wasi_path_filestat_get(ROOT, 0, "target", &ts);
    printf("target mtime set: %d\n", ts.mtim == 2000000000);
    T("set times loop", __wasi_path_filestat_set_times(ROOT, 0, "loop", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    T("set times loop follow", __wasi_path_filestat_set_times(ROOT, F, "loop", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    T("set times both mtim flags", __wasi_path_filestat_set_times(ROOT, 0, "target", 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    T("set times both atim flags", __wasi_path_filestat_set_times(ROOT, 0, "target", 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));

    T("unlink link", __wasi_path_unlink_file(ROOT, "link"));
    stat_line("filestat target", "target", 0);
    unlink_each(ROOT, (const char *[]){"d/up", "dangling", "loop", "escape", "nowhere", "target", NULL});
    T("rmdir d", __wasi_path_remove_directory(ROOT, "d"));
    return 0;
}
