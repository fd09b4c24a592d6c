// path_open and path_link on a pre-opened directory itself (`.`) and on
// paths beneath it, including escapes (EPERM, as in wasmtime) and links
// between the pre-open and a directory opened beneath it.
#include "check.h"

static int open_e(int dir, const char *path, int oflags, __wasi_rights_t rights, __wasi_fdflags_t fdflags) {
    int fd = open_at(dir, path, oflags, rights, fdflags);
    if (fd < 0) return -fd;
    __wasi_fd_close(fd);
    return 0;
}

int main(void) {
    __wasi_fdstat_t st;
    __wasi_fd_fdstat_get(ROOT, &st);
    printf("preopen base %llx inheriting %llx\n", (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting);
    T("open .", open_e(ROOT, ".", 0, 0, 0));
    T("open . directory", open_e(ROOT, ".", __WASI_OFLAGS_DIRECTORY, 0, 0));
    T("open . directory read", open_e(ROOT, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, 0));
    T("open . directory read+write", open_e(ROOT, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0));
    T("open . write", open_e(ROOT, ".", 0, __WASI_RIGHTS_FD_WRITE, 0));
    T("open . creat", open_e(ROOT, ".", __WASI_OFLAGS_CREAT, 0, 0));
    T("open . creat+excl", open_e(ROOT, ".", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, 0));
    T("open . trunc", open_e(ROOT, ".", __WASI_OFLAGS_TRUNC, 0, 0));
    T("open . with the preopen's rights", open_e(ROOT, ".", __WASI_OFLAGS_DIRECTORY, st.fs_rights_base, 0));
    T("open ./", open_e(ROOT, "./", 0, 0, 0));
    T("open empty path", open_e(ROOT, "", 0, 0, 0));
    T("open ..", open_e(ROOT, "..", 0, 0, 0));
    T("open /", open_e(ROOT, "/", 0, 0, 0));
    T("open absolute", open_e(ROOT, "/etc/passwd", 0, 0, 0));

    T("mkdir sub", __wasi_path_create_directory(ROOT, "sub"));
    make_file(ROOT, "file", "hello");
    T("open sub/../file", open_e(ROOT, "sub/../file", 0, __WASI_RIGHTS_FD_READ, 0));
    T("open sub/.//..//./file", open_e(ROOT, "sub/.//..//./file", 0, __WASI_RIGHTS_FD_READ, 0));
    T("open sub/../..", open_e(ROOT, "sub/../..", 0, 0, 0));
    T("open sub/../../file", open_e(ROOT, "sub/../../file", 0, 0, 0));
    T("open missing/../file", open_e(ROOT, "missing/../file", 0, 0, 0));
    T("open file directory", open_e(ROOT, "file", __WASI_OFLAGS_DIRECTORY, 0, 0));
    T("open missing directory", open_e(ROOT, "missing", __WASI_OFLAGS_DIRECTORY, 0, 0));
    T("open missing", open_e(ROOT, "missing", 0, 0, 0));
    T("open missing/x creat", open_e(ROOT, "missing/x", __WASI_OFLAGS_CREAT, 0, 0));
    T("open directory+creat", open_e(ROOT, "new", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_CREAT, 0, 0));
    T("open file creat+excl", open_e(ROOT, "file", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, 0));
    T("open file sync", open_e(ROOT, "file", 0, __WASI_RIGHTS_FD_WRITE, __WASI_FDFLAGS_SYNC));
    T("open file nonblock", open_e(ROOT, "file", 0, __WASI_RIGHTS_FD_READ, __WASI_FDFLAGS_NONBLOCK));
    T("open sub", open_e(ROOT, "sub", 0, 0, 0));

    int file = open_at(ROOT, "file", 0, __WASI_RIGHTS_FD_READ, 0);
    int sub = open_at(ROOT, "sub", __WASI_OFLAGS_DIRECTORY, 0, 0);
    T("open beneath a file", open_e(file, "x", 0, 0, 0));
    T("open beneath stdout", open_e(1, "x", 0, 0, 0));
    T("open beneath a closed descriptor", open_e(1000, "x", 0, 0, 0));
    T("open .. beneath sub", open_e(sub, "..", 0, 0, 0));
    T("open ../file beneath sub", open_e(sub, "../file", 0, 0, 0));
    T("mkdir beneath a file", __wasi_path_create_directory(file, "x"));

    T("link file file2", __wasi_path_link(ROOT, 0, "file", ROOT, "file2"));
    T("link file into sub", __wasi_path_link(ROOT, 0, "file", sub, "file3"));
    T("link from sub to the preopen", __wasi_path_link(sub, 0, "file3", ROOT, "file4"));
    __wasi_filestat_t fs;
    __wasi_fd_filestat_get(file, &fs);
    printf("links: %llu\n", (unsigned long long)fs.nlink);
    T("link onto an existing file", __wasi_path_link(ROOT, 0, "file", ROOT, "file2"));
    T("link onto itself", __wasi_path_link(ROOT, 0, "file", ROOT, "file"));
    T("link onto a directory", __wasi_path_link(ROOT, 0, "file", ROOT, "sub"));
    T("link a directory", __wasi_path_link(ROOT, 0, "sub", ROOT, "sub2"));
    T("link the preopen", __wasi_path_link(ROOT, 0, ".", ROOT, "dot"));
    T("link onto the preopen", __wasi_path_link(ROOT, 0, "file", ROOT, "."));
    T("link with symlink_follow", __wasi_path_link(ROOT, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "file", ROOT, "file5"));
    T("link missing", __wasi_path_link(ROOT, 0, "missing", ROOT, "file5"));
    T("link into missing dir", __wasi_path_link(ROOT, 0, "file", ROOT, "missing/file5"));
    T("link out of the preopen", __wasi_path_link(ROOT, 0, "file", ROOT, "../file5"));
    T("link out of sub", __wasi_path_link(ROOT, 0, "file", sub, "../../file5"));
    T("link from outside", __wasi_path_link(ROOT, 0, "../file", ROOT, "file5"));
    T("link absolute", __wasi_path_link(ROOT, 0, "/etc/passwd", ROOT, "file5"));
    T("link to a file descriptor", __wasi_path_link(file, 0, "x", ROOT, "file5"));
    T("symlink dangling", __wasi_path_symlink("nowhere", ROOT, "dangling"));
    T("link a dangling symlink", __wasi_path_link(ROOT, 0, "dangling", ROOT, "dangling2"));
    T("symlink loop", __wasi_path_symlink("loop", ROOT, "loop"));
    T("link a symlink loop", __wasi_path_link(ROOT, 0, "loop", ROOT, "loop2"));
    T("link onto a dangling symlink", __wasi_path_link(ROOT, 0, "file", ROOT, "dangling"));
    __wasi_filestat_t ls;
    __wasi_path_filestat_get(ROOT, 0, "dangling2", &ls);
    printf("dangling2 is a symlink: %d\n", ls.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);

    __wasi_fd_close(file);
    __wasi_fd_close(sub);
    unlink_each(ROOT, (const char *[]){"file", "file2", "file4", "dangling", "dangling2", "loop", "loop2", "sub/file3", NULL});
    T("rmdir sub", __wasi_path_remove_directory(ROOT, "sub"));
    return 0;
}
