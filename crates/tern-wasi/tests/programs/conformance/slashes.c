// Trailing slashes: a name with one asks for a directory (and follows a
// symlink in its last component).
#include "check.h"

static int open_e(int dir, const char *path, int oflags, __wasi_lookupflags_t follow) {
    __wasi_fd_t fd;
    int e = __wasi_path_open(dir, follow, path, oflags, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    if (!e) __wasi_fd_close(fd);
    return e;
}

int main(void) {
    T("mkdir dir/", __wasi_path_create_directory(ROOT, "dir/"));
    T("rmdir dir/", __wasi_path_remove_directory(ROOT, "dir/"));
    T("mkdir dir2//", __wasi_path_create_directory(ROOT, "dir2//"));
    T("rmdir dir2//", __wasi_path_remove_directory(ROOT, "dir2//"));
    T("mkdir dir", __wasi_path_create_directory(ROOT, "dir"));
    make_file(ROOT, "file", "abc");
    T("symlink file link", __wasi_path_symlink("file", ROOT, "link"));
    T("symlink dir dirlink", __wasi_path_symlink("dir", ROOT, "dirlink"));
    T("symlink nowhere dangling", __wasi_path_symlink("nowhere", ROOT, "dangling"));
    T("symlink onto new/", __wasi_path_symlink("file", ROOT, "new/"));

    T("rmdir file", __wasi_path_remove_directory(ROOT, "file"));
    T("rmdir file/", __wasi_path_remove_directory(ROOT, "file/"));
    T("unlink file/", __wasi_path_unlink_file(ROOT, "file/"));
    T("unlink dir", __wasi_path_unlink_file(ROOT, "dir"));
    T("unlink dir/", __wasi_path_unlink_file(ROOT, "dir/"));
    T("unlink link/", __wasi_path_unlink_file(ROOT, "link/"));
    T("unlink dirlink/", __wasi_path_unlink_file(ROOT, "dirlink/"));
    T("unlink dangling/", __wasi_path_unlink_file(ROOT, "dangling/"));
    T("unlink missing/", __wasi_path_unlink_file(ROOT, "missing/"));

    T("open file/", open_e(ROOT, "file/", 0, 0));
    T("open file//", open_e(ROOT, "file//", 0, 0));
    T("open dir/", open_e(ROOT, "dir/", 0, 0));
    T("open dir///", open_e(ROOT, "dir///", 0, 0));
    T("open dir/ directory", open_e(ROOT, "dir/", __WASI_OFLAGS_DIRECTORY, 0));
    T("open file/ creat", open_e(ROOT, "file/", __WASI_OFLAGS_CREAT, 0));
    T("open new/ creat", open_e(ROOT, "new/", __WASI_OFLAGS_CREAT, 0));
    T("open missing/", open_e(ROOT, "missing/", 0, 0));
    T("open link/", open_e(ROOT, "link/", 0, 0));
    T("open dirlink/", open_e(ROOT, "dirlink/", 0, 0));
    T("open dirlink", open_e(ROOT, "dirlink", 0, 0));
    T("open dirlink follow", open_e(ROOT, "dirlink", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW));

    T("rename file x/", __wasi_path_rename(ROOT, "file", ROOT, "x/"));
    T("rename file/ x", __wasi_path_rename(ROOT, "file/", ROOT, "x"));
    T("rename link x/", __wasi_path_rename(ROOT, "link", ROOT, "x/"));
    T("rename dir dir3/", __wasi_path_rename(ROOT, "dir", ROOT, "dir3/"));
    T("rename dir3/ dir", __wasi_path_rename(ROOT, "dir3/", ROOT, "dir"));
    T("rename dir file/", __wasi_path_rename(ROOT, "dir", ROOT, "file/"));
    T("rename missing/ x", __wasi_path_rename(ROOT, "missing/", ROOT, "x"));

    T("link file new/", __wasi_path_link(ROOT, 0, "file", ROOT, "new/"));
    T("link file link/", __wasi_path_link(ROOT, 0, "file", ROOT, "link/"));
    T("link file dir/", __wasi_path_link(ROOT, 0, "file", ROOT, "dir/"));
    T("link file/ x", __wasi_path_link(ROOT, 0, "file/", ROOT, "x"));
    T("link dir/ x", __wasi_path_link(ROOT, 0, "dir/", ROOT, "x"));

    char buf[16];
    __wasi_size_t n;
    T("readlink link/", __wasi_path_readlink(ROOT, "link/", (uint8_t *)buf, sizeof buf, &n));
    T("readlink dirlink/", __wasi_path_readlink(ROOT, "dirlink/", (uint8_t *)buf, sizeof buf, &n));
    __wasi_filestat_t fs;
    T("filestat dir/", __wasi_path_filestat_get(ROOT, 0, "dir/", &fs));
    printf("dir/ is a directory: %d\n", fs.filetype == __WASI_FILETYPE_DIRECTORY);
    T("filestat dirlink/", __wasi_path_filestat_get(ROOT, 0, "dirlink/", &fs));
    printf("dirlink/ is a directory: %d\n", fs.filetype == __WASI_FILETYPE_DIRECTORY);
    T("filestat missing/", __wasi_path_filestat_get(ROOT, 0, "missing/", &fs));

    unlink_each(ROOT, (const char *[]){"link", "dirlink", "dangling", "file", NULL});
    T("rmdir dir", __wasi_path_remove_directory(ROOT, "dir"));
    return 0;
}
