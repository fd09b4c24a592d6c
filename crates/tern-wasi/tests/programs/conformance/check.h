// Shared by the C conformance programs: each prints one line per WASI call,
// `label: ERRNO`, so that runs under tern and under wasmtime can be compared
// line by line.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char *errno_name(int e) {
    switch (e) {
    case 0: return "OK";
    case __WASI_ERRNO_ACCES: return "ACCES";
    case __WASI_ERRNO_BADF: return "BADF";
    case __WASI_ERRNO_BUSY: return "BUSY";
    case __WASI_ERRNO_EXIST: return "EXIST";
    case __WASI_ERRNO_FAULT: return "FAULT";
    case __WASI_ERRNO_ILSEQ: return "ILSEQ";
    case __WASI_ERRNO_INVAL: return "INVAL";
    case __WASI_ERRNO_ISDIR: return "ISDIR";
    case __WASI_ERRNO_LOOP: return "LOOP";
    case __WASI_ERRNO_NOENT: return "NOENT";
    case __WASI_ERRNO_NOSYS: return "NOSYS";
    case __WASI_ERRNO_NOTDIR: return "NOTDIR";
    case __WASI_ERRNO_NOTEMPTY: return "NOTEMPTY";
    case __WASI_ERRNO_NOTSOCK: return "NOTSOCK";
    case __WASI_ERRNO_NOTSUP: return "NOTSUP";
    case __WASI_ERRNO_PERM: return "PERM";
    case __WASI_ERRNO_SPIPE: return "SPIPE";
    case __WASI_ERRNO_NOTCAPABLE: return "NOTCAPABLE";
    default: return "OTHER";
    }
}

#define T(label, expr) printf("%s: %s\n", (label), errno_name((int)(expr)))

// The pre-opened directory every program works in.
#define ROOT 3

// Opens `path` beneath `dir` (no symlink following), or returns -errno.
static int open_at(int dir, const char *path, int oflags, __wasi_rights_t rights, __wasi_fdflags_t fdflags) {
    __wasi_fd_t fd;
    int e = __wasi_path_open(dir, 0, path, oflags, rights, rights, fdflags, &fd);
    return e ? -e : (int)fd;
}

static void make_file(int dir, const char *path, const char *text) {
    int fd = open_at(dir, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0);
    if (fd < 0) {
        printf("cannot create %s: %s\n", path, errno_name(-fd));
        return;
    }
    __wasi_ciovec_t iov = {(const uint8_t *)text, strlen(text)};
    __wasi_size_t n;
    __wasi_fd_write(fd, &iov, 1, &n);
    __wasi_fd_close(fd);
}

// Unlinks each name beneath `dir` (the list ends with NULL), printing an
// `unlink NAME` line for each.
static void unlink_each(int dir, const char *const *names) {
    for (; *names; names++) {
        char label[64];
        snprintf(label, sizeof label, "unlink %s", *names);
        T(label, __wasi_path_unlink_file(dir, *names));
    }
}
