/* A small WASI command runner around wasm3's C core, for the benchmark
 * suite. wasm3's sources come from the pywasm3 sdist, which does not ship
 * wasm3's own WASI layer, so the handful of wasi_snapshot_preview1 functions
 * that the suite's programs (and the start-up modules) import are written
 * here: arguments, stdio, clocks, random, exit. Files and directories are not
 * offered (no preopens).
 *
 *   wasm3-runner [--invoke NAME] FILE.wasm [ARGS...]
 *
 * Exit status: the guest's exit code, 134 on a trap, 1 on a load error. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wasm3.h"

enum { WASI_ESUCCESS = 0, WASI_EBADF = 8, WASI_EFAULT = 21, WASI_EINVAL = 28, WASI_EIO = 29, WASI_ENOSYS = 52, WASI_ESPIPE = 70 };

static int g_argc;
static char **g_argv;

/* Bounds-checked guest pointer: NULL when [off, off+len) is outside memory. */
static void *guest(IM3Runtime rt, void *mem, uint32_t off, uint64_t len) {
    uint64_t size = m3_GetMemorySize(rt);
    if ((uint64_t)off + len > size) return NULL;
    return (uint8_t *)mem + off;
}
#define PTR(off, len) guest(runtime, _mem, (off), (len))

static m3ApiRawFunction(w_args_sizes_get) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, argc_off);
    m3ApiGetArg(uint32_t, size_off);
    uint32_t *argc = PTR(argc_off, 4), *size = PTR(size_off, 4);
    if (!argc || !size) m3ApiReturn(WASI_EFAULT);
    uint32_t total = 0;
    for (int i = 0; i < g_argc; i++) total += (uint32_t)strlen(g_argv[i]) + 1;
    *argc = (uint32_t)g_argc;
    *size = total;
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_args_get) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, argv_off);
    m3ApiGetArg(uint32_t, buf_off);
    uint32_t *argv = PTR(argv_off, 4ull * g_argc);
    if (!argv) m3ApiReturn(WASI_EFAULT);
    for (int i = 0; i < g_argc; i++) {
        size_t l = strlen(g_argv[i]) + 1;
        char *dst = PTR(buf_off, l);
        if (!dst) m3ApiReturn(WASI_EFAULT);
        memcpy(dst, g_argv[i], l);
        argv[i] = buf_off;
        buf_off += (uint32_t)l;
    }
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_environ_sizes_get) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, count_off);
    m3ApiGetArg(uint32_t, size_off);
    uint32_t *count = PTR(count_off, 4), *size = PTR(size_off, 4);
    if (!count || !size) m3ApiReturn(WASI_EFAULT);
    *count = 0;
    *size = 0;
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_environ_get) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, env_off);
    m3ApiGetArg(uint32_t, buf_off);
    (void)env_off;
    (void)buf_off;
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_fd_write) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, fd);
    m3ApiGetArg(uint32_t, iovs_off);
    m3ApiGetArg(uint32_t, iovs_len);
    m3ApiGetArg(uint32_t, nwritten_off);
    if (fd != 1 && fd != 2) m3ApiReturn(WASI_EBADF);
    uint32_t *iovs = PTR(iovs_off, 8ull * iovs_len), *nwritten = PTR(nwritten_off, 4);
    if (!iovs || !nwritten) m3ApiReturn(WASI_EFAULT);
    uint32_t total = 0;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint32_t off = iovs[2 * i], len = iovs[2 * i + 1];
        const char *p = PTR(off, len);
        if (!p) m3ApiReturn(WASI_EFAULT);
        while (len > 0) {
            ssize_t w = write((int)fd, p, len);
            if (w < 0) {
                if (errno == EINTR) continue;
                m3ApiReturn(WASI_EIO);
            }
            p += w;
            len -= (uint32_t)w;
            total += (uint32_t)w;
        }
    }
    *nwritten = total;
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_fd_read) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, fd);
    m3ApiGetArg(uint32_t, iovs_off);
    m3ApiGetArg(uint32_t, iovs_len);
    m3ApiGetArg(uint32_t, nread_off);
    if (fd != 0) m3ApiReturn(WASI_EBADF);
    uint32_t *iovs = PTR(iovs_off, 8ull * iovs_len), *nread = PTR(nread_off, 4);
    if (!iovs || !nread) m3ApiReturn(WASI_EFAULT);
    uint32_t total = 0;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint32_t off = iovs[2 * i], len = iovs[2 * i + 1];
        char *p = PTR(off, len);
        if (!p) m3ApiReturn(WASI_EFAULT);
        ssize_t r = read(0, p, len);
        if (r < 0) m3ApiReturn(WASI_EIO);
        total += (uint32_t)r;
        if ((uint32_t)r < len) break;
    }
    *nread = total;
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_fd_close) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, fd);
    m3ApiReturn(fd <= 2 ? WASI_ESUCCESS : WASI_EBADF);
}

static m3ApiRawFunction(w_fd_seek) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, fd);
    m3ApiGetArg(int64_t, offset);
    m3ApiGetArg(uint32_t, whence);
    m3ApiGetArg(uint32_t, result_off);
    (void)offset;
    (void)whence;
    (void)result_off;
    m3ApiReturn(fd <= 2 ? WASI_ESPIPE : WASI_EBADF);
}

static m3ApiRawFunction(w_fd_fdstat_get) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, fd);
    m3ApiGetArg(uint32_t, stat_off);
    if (fd > 2) m3ApiReturn(WASI_EBADF);
    uint8_t *st = PTR(stat_off, 24);
    if (!st) m3ApiReturn(WASI_EFAULT);
    memset(st, 0, 24);
    st[0] = isatty((int)fd) ? 2 /* character device */ : 0 /* unknown */;
    uint64_t rights = fd == 0 ? 0x2 /* fd_read */ : 0x40 /* fd_write */;
    memcpy(st + 8, &rights, 8);
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_fd_fdstat_set_flags) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, fd);
    m3ApiGetArg(uint32_t, flags);
    (void)flags;
    m3ApiReturn(fd <= 2 ? WASI_ENOSYS : WASI_EBADF);
}

static m3ApiRawFunction(w_badf2) { /* fd_prestat_get, fd_filestat_get */
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, a);
    m3ApiGetArg(uint32_t, b);
    (void)a;
    (void)b;
    m3ApiReturn(WASI_EBADF);
}

static m3ApiRawFunction(w_badf3) { /* fd_prestat_dir_name */
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, a);
    m3ApiGetArg(uint32_t, b);
    m3ApiGetArg(uint32_t, c);
    (void)a;
    (void)b;
    (void)c;
    m3ApiReturn(WASI_EBADF);
}

static m3ApiRawFunction(w_path_filestat_get) {
    m3ApiReturnType(uint32_t);
    m3ApiReturn(WASI_EBADF);
}

static m3ApiRawFunction(w_path_open) {
    m3ApiReturnType(uint32_t);
    m3ApiReturn(WASI_EBADF);
}

static m3ApiRawFunction(w_clock_time_get) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, id);
    m3ApiGetArg(uint64_t, precision);
    m3ApiGetArg(uint32_t, time_off);
    (void)precision;
    uint64_t *out = PTR(time_off, 8);
    if (!out) m3ApiReturn(WASI_EFAULT);
    clockid_t c = id == 0 ? CLOCK_REALTIME : id == 1 ? CLOCK_MONOTONIC : id == 2 ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_THREAD_CPUTIME_ID;
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) m3ApiReturn(WASI_EINVAL);
    *out = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_random_get) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, buf_off);
    m3ApiGetArg(uint32_t, len);
    uint8_t *p = PTR(buf_off, len);
    if (!p) m3ApiReturn(WASI_EFAULT);
    while (len > 0) {
        ssize_t r = getrandom(p, len, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            m3ApiReturn(WASI_EIO);
        }
        p += r;
        len -= (uint32_t)r;
    }
    m3ApiReturn(WASI_ESUCCESS);
}

static m3ApiRawFunction(w_proc_exit) {
    m3ApiGetArg(uint32_t, code);
    fflush(stdout);
    exit((int)code);
}

static int link_wasi(IM3Module m, const char *name, const char *sig, M3RawCall f) {
    M3Result r = m3_LinkRawFunction(m, "wasi_snapshot_preview1", name, sig, f);
    if (r && r != m3Err_functionLookupFailed) {
        fprintf(stderr, "wasm3-runner: linking %s: %s\n", name, r);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *invoke = NULL;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--invoke") == 0) {
        invoke = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: wasm3-runner [--invoke NAME] FILE.wasm [ARGS...]\n");
        return 1;
    }
    const char *path = argv[i];
    g_argc = argc - i;
    g_argv = argv + i;

    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)size);
    if (!bytes || fread(bytes, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "wasm3-runner: cannot read %s\n", path);
        return 1;
    }
    fclose(f);

    IM3Environment env = m3_NewEnvironment();
    IM3Runtime rt = m3_NewRuntime(env, 1 << 20, NULL);
    IM3Module mod;
    M3Result r = m3_ParseModule(env, &mod, bytes, (uint32_t)size);
    if (r) { fprintf(stderr, "wasm3-runner: parse: %s\n", r); return 1; }
    r = m3_LoadModule(rt, mod);
    if (r) { fprintf(stderr, "wasm3-runner: load: %s\n", r); return 1; }
    if (link_wasi(mod, "args_get", "i(ii)", w_args_get) || link_wasi(mod, "args_sizes_get", "i(ii)", w_args_sizes_get) ||
        link_wasi(mod, "environ_get", "i(ii)", w_environ_get) ||
        link_wasi(mod, "environ_sizes_get", "i(ii)", w_environ_sizes_get) ||
        link_wasi(mod, "fd_write", "i(iiii)", w_fd_write) || link_wasi(mod, "fd_read", "i(iiii)", w_fd_read) ||
        link_wasi(mod, "fd_close", "i(i)", w_fd_close) || link_wasi(mod, "fd_seek", "i(iIii)", w_fd_seek) ||
        link_wasi(mod, "fd_fdstat_get", "i(ii)", w_fd_fdstat_get) ||
        link_wasi(mod, "fd_fdstat_set_flags", "i(ii)", w_fd_fdstat_set_flags) ||
        link_wasi(mod, "fd_prestat_get", "i(ii)", w_badf2) || link_wasi(mod, "fd_filestat_get", "i(ii)", w_badf2) ||
        link_wasi(mod, "fd_prestat_dir_name", "i(iii)", w_badf3) ||
        link_wasi(mod, "path_filestat_get", "i(iiiii)", w_path_filestat_get) ||
        link_wasi(mod, "path_open", "i(iiiiiIIii)", w_path_open) ||
        link_wasi(mod, "clock_time_get", "i(iIi)", w_clock_time_get) ||
        link_wasi(mod, "random_get", "i(ii)", w_random_get) || link_wasi(mod, "proc_exit", "v(i)", w_proc_exit))
        return 1;

    IM3Function fn;
    r = m3_FindFunction(&fn, rt, invoke ? invoke : "_start");
    if (r) { fprintf(stderr, "wasm3-runner: %s: %s\n", invoke ? invoke : "_start", r); return 1; }
    r = m3_CallV(fn);
    if (r) {
        fprintf(stderr, "wasm3-runner: %s\n", r);
        return 134;
    }
    if (invoke && m3_GetRetCount(fn) == 1 && m3_GetRetType(fn, 0) == c_m3Type_i32) {
        uint32_t v = 0;
        m3_GetResultsV(fn, &v);
        printf("%u\n", v);
    }
    fflush(stdout);
    return 0;
}
