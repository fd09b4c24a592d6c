// Directories as descriptors: byte-stream operations on them fail (EBADF,
// as in wasmtime), and fd_readdir lists them (`.` and `..` first, cookies
// resume a listing); fd_readdir on anything else is EBADF.
#include "check.h"
#include <stdlib.h>

// Names and types read from `fd` starting at `cookie` with a buffer of
// `len` bytes; prints them sorted, returns how many, and the cookie of the
// second entry in *second.
static int list(int fd, __wasi_dircookie_t cookie, size_t len, __wasi_dircookie_t *second, int print) {
    static uint8_t buf[4096];
    __wasi_size_t used;
    int e = __wasi_fd_readdir(fd, buf, len, cookie, &used);
    if (e) {
        printf("readdir: %s\n", errno_name(e));
        return -1;
    }
    char names[32][64];
    int count = 0;
    size_t at = 0;
    while (at + sizeof(__wasi_dirent_t) <= used && count < 32) {
        __wasi_dirent_t d;
        memcpy(&d, buf + at, sizeof d);
        at += sizeof d;
        if (at + d.d_namlen > used) break;
        if (count == 1 && second) *second = d.d_next;
        snprintf(names[count], sizeof names[count], "%.*s(%d)", (int)d.d_namlen, (const char *)buf + at, d.d_type);
        at += d.d_namlen;
        count++;
    }
    qsort(names, count, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    if (print) {
        printf("entries:");
        for (int i = 0; i < count; i++) printf(" %s", names[i]);
        printf("\n");
    }
    return count;
}

int main(void) {
    T("mkdir", __wasi_path_create_directory(ROOT, "dirs.d"));
    int dir = open_at(ROOT, "dirs.d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_SEEK, 0);
    __wasi_fdstat_t st;
    __wasi_fd_fdstat_get(dir, &st);
    printf("directory has seek right: %d\n", (st.fs_rights_base & __WASI_RIGHTS_FD_SEEK) != 0);
    printf("directory has readdir right: %d\n", (st.fs_rights_base & __WASI_RIGHTS_FD_READDIR) != 0);
    __wasi_filesize_t pos;
    uint8_t b[8];
    __wasi_iovec_t iov = {b, sizeof b};
    __wasi_ciovec_t ciov = {b, sizeof b};
    __wasi_size_t n;
    T("fd_seek dir cur", __wasi_fd_seek(dir, 0, __WASI_WHENCE_CUR, &pos));
    T("fd_seek dir set", __wasi_fd_seek(dir, 0, __WASI_WHENCE_SET, &pos));
    T("fd_seek dir end", __wasi_fd_seek(dir, 0, __WASI_WHENCE_END, &pos));
    T("fd_tell dir", __wasi_fd_tell(dir, &pos));
    T("fd_seek preopen", __wasi_fd_seek(ROOT, 0, __WASI_WHENCE_CUR, &pos));
    T("fd_read dir", __wasi_fd_read(dir, &iov, 1, &n));
    T("fd_write dir", __wasi_fd_write(dir, &ciov, 1, &n));
    T("fd_pread dir", __wasi_fd_pread(dir, &iov, 1, 0, &n));
    T("fd_pwrite dir", __wasi_fd_pwrite(dir, &ciov, 1, 0, &n));
    T("fd_sync dir", __wasi_fd_sync(dir));
    T("fd_allocate dir", __wasi_fd_allocate(dir, 0, 1));
    T("fd_filestat_set_size dir", __wasi_fd_filestat_set_size(dir, 0));
    T("fd_advise dir", __wasi_fd_advise(dir, 0, 0, __WASI_ADVICE_NORMAL));
    T("fd_seek stdout", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos));
    T("fd_tell stdout", __wasi_fd_tell(1, &pos));

    list(dir, 0, 4096, NULL, 1);
    __wasi_filestat_t fs;
    __wasi_fd_filestat_get(dir, &fs);
    {
        uint8_t buf[256];
        __wasi_size_t used;
        __wasi_dirent_t d;
        __wasi_fd_readdir(dir, buf, sizeof buf, 0, &used);
        int found = 0;
        for (size_t at = 0; at + sizeof d <= used; at += sizeof d + d.d_namlen) {
            memcpy(&d, buf + at, sizeof d);
            if (d.d_namlen == 1 && buf[at + sizeof d] == '.') found = d.d_ino == fs.ino;
        }
        printf("dot is the directory itself: %d\n", found);
    }
    make_file(dir, "a", "1");
    make_file(dir, "b", "22");
    T("mkdir sub", __wasi_path_create_directory(dir, "sub"));
    T("symlink", __wasi_path_symlink("a", dir, "link"));
    __wasi_dircookie_t second = 0;
    int all = list(dir, 0, 4096, &second, 1);
    printf("count: %d\n", all);
    printf("after the second: %d\n", list(dir, second, 4096, NULL, 0));
    printf("past the end: %d\n", list(dir, 1000, 4096, NULL, 0));
    // A small buffer: resume from the last whole entry's cookie.
    int seen = 0;
    __wasi_dircookie_t cookie = 0;
    for (int round = 0; round < 20; round++) {
        uint8_t buf[40];
        __wasi_size_t used;
        if (__wasi_fd_readdir(dir, buf, sizeof buf, cookie, &used)) break;
        __wasi_dirent_t d;
        size_t at = 0;
        while (at + sizeof d <= used) {
            memcpy(&d, buf + at, sizeof d);
            if (at + sizeof d + d.d_namlen > used) break;
            seen++;
            cookie = d.d_next;
            at += sizeof d + d.d_namlen;
        }
        if (used < sizeof buf) break;
    }
    printf("seen with a 40-byte buffer: %d\n", seen);

    int file = open_at(dir, "a", 0, __WASI_RIGHTS_FD_READ, 0);
    T("fd_readdir file", __wasi_fd_readdir(file, (uint8_t *)b, sizeof b, 0, &n));
    T("fd_readdir stdout", __wasi_fd_readdir(1, (uint8_t *)b, sizeof b, 0, &n));
    T("fd_readdir never opened", __wasi_fd_readdir(1000, (uint8_t *)b, sizeof b, 0, &n));
    __wasi_fd_close(file);

    T("rmdir not empty", __wasi_path_remove_directory(ROOT, "dirs.d"));
    unlink_each(dir, (const char *[]){"a", "b", "link", NULL});
    T("rmdir sub", __wasi_path_remove_directory(dir, "sub"));
    __wasi_fd_close(dir);
    T("rmdir", __wasi_path_remove_directory(ROOT, "dirs.d"));
    return 0;
}
