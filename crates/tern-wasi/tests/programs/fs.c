// File-system conformance program, run both natively and as wasm32-wasi with
// the same arguments: argv[1] is a directory it owns (natively a temporary
// directory, under tern a pre-opened one). Output names no host path, so the
// two runs must print the same lines.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char path_bufs[4][4096];
static int next_buf;
static const char *base;

// `base/rel` in one of four rotating buffers (calls take up to two paths).
static const char *p(const char *rel) {
    char *b = path_bufs[next_buf++ % 4];
    snprintf(b, sizeof path_bufs[0], "%s/%s", base, rel);
    return b;
}

static const char *err_name(int e) {
    switch (e) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ELOOP: return "ELOOP";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    default: return strerror(e);
    }
}

#define CHECK(label, expr)                                                                 \
    do {                                                                                   \
        errno = 0;                                                                         \
        int r_ = (expr);                                                                   \
        printf("%s: %s\n", label, r_ < 0 ? err_name(errno) : "ok");                        \
    } while (0)

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *rel) {
    DIR *d = opendir(p(rel));
    if (!d) { printf("opendir %s: %s\n", rel, err_name(errno)); return; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("list %s:", rel);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: fs DIR\n"); return 2; }
    base = argv[1];

    // create, write, read back, seek, tell
    int fd = open(p("a.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644);
    printf("open excl: %s\n", fd < 0 ? err_name(errno) : "ok");
    printf("write: %zd\n", write(fd, "hello, world\n", 13));
    printf("pwrite: %zd\n", pwrite(fd, "HELLO", 5, 0));
    close(fd);
    CHECK("open excl again", open(p("a.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    fd = open(p("a.txt"), O_RDWR);
    char buf[64] = {0};
    ssize_t n;
    printf("read: %zd '%.*s'\n", read(fd, buf, 5), 5, buf);
    printf("lseek cur: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek end: %lld\n", (long long)lseek(fd, -6, SEEK_END));
    memset(buf, 0, sizeof buf);
    n = read(fd, buf, sizeof buf - 1);
    printf("read rest: %zd %s", n, buf);
    printf("pread: %zd\n", pread(fd, buf, 4, 7));
    printf("pread data: %.4s\n", buf);
    printf("read at eof: %zd\n", read(fd, buf, 4));
    CHECK("lseek negative", (int)lseek(fd, -100, SEEK_SET));
    CHECK("ftruncate", ftruncate(fd, 4));
    struct stat st;
    fstat(fd, &st);
    printf("fstat size %lld reg %d dir %d\n", (long long)st.st_size, S_ISREG(st.st_mode), S_ISDIR(st.st_mode));
    CHECK("fsync", fsync(fd));
    CHECK("fdatasync", fdatasync(fd));
    close(fd);
    CHECK("read closed", (int)read(fd, buf, 1));

    // append mode
    fd = open(p("a.txt"), O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "++", 2);
    close(fd);
    stat(p("a.txt"), &st);
    printf("after append size %lld\n", (long long)st.st_size);
    fd = open(p("a.txt"), O_WRONLY | O_TRUNC);
    close(fd);
    stat(p("a.txt"), &st);
    printf("after trunc size %lld\n", (long long)st.st_size);

    // times
    struct timeval tv[2] = {{1000000000, 0}, {1500000000, 0}};
    CHECK("utimes", utimes(p("a.txt"), tv));
    stat(p("a.txt"), &st);
    printf("mtime %lld\n", (long long)st.st_mtime);
    printf("atime %lld\n", (long long)st.st_atime);

    // directories
    CHECK("mkdir", mkdir(p("d"), 0755));
    CHECK("mkdir again", mkdir(p("d"), 0755));
    CHECK("mkdir nested", mkdir(p("d/e"), 0755));
    CHECK("rename into dir", rename(p("a.txt"), p("d/b.txt")));
    CHECK("stat old", stat(p("a.txt"), &st));
    CHECK("rmdir nonempty", rmdir(p("d")));
    CHECK("unlink dir", unlink(p("d/e")));
    CHECK("rmdir file", rmdir(p("d/b.txt")));
    CHECK("open dir for write", open(p("d"), O_WRONLY));
    CHECK("open missing", open(p("missing"), O_RDONLY));
    CHECK("open file as dir", open(p("d/b.txt/x"), O_RDONLY));
    CHECK("open O_DIRECTORY on file", open(p("d/b.txt"), O_RDONLY | O_DIRECTORY));
    list("d");

    // links
    CHECK("link", link(p("d/b.txt"), p("d/hard.txt")));
    stat(p("d/b.txt"), &st);
    printf("nlink %d\n", (int)st.st_nlink);
    CHECK("symlink", symlink("b.txt", p("d/sym")));
    char target[64] = {0};
    n = readlink(p("d/sym"), target, sizeof target - 1);
    printf("readlink: %zd %s\n", n, n > 0 ? target : "");
    CHECK("readlink regular", (int)readlink(p("d/b.txt"), target, sizeof target));
    CHECK("lstat sym", lstat(p("d/sym"), &st));
    printf("lstat is link %d\n", S_ISLNK(st.st_mode));
    CHECK("stat sym", stat(p("d/sym"), &st));
    printf("stat follows to regular %d\n", S_ISREG(st.st_mode));
    CHECK("open nofollow", open(p("d/sym"), O_RDONLY | O_NOFOLLOW));
    CHECK("symlink loop", symlink("loop", p("d/loop")));
    CHECK("open loop", open(p("d/loop"), O_RDONLY));
    list("d");
    CHECK("unlink sym", unlink(p("d/sym")));
    CHECK("unlink loop", unlink(p("d/loop")));
    CHECK("unlink hard", unlink(p("d/hard.txt")));
    CHECK("unlink b", unlink(p("d/b.txt")));
    CHECK("unlink again", unlink(p("d/b.txt")));
    CHECK("rmdir e", rmdir(p("d/e")));
    CHECK("rmdir d", rmdir(p("d")));
    list(".");

    // a large file through stdio
    FILE *f = fopen(p("big.bin"), "wb");
    for (int i = 0; i < 100000; i++) fputc(i * 7 & 0xff, f);
    fclose(f);
    f = fopen(p("big.bin"), "rb");
    unsigned sum = 0;
    int c;
    while ((c = fgetc(f)) != EOF) sum = sum * 31 + (unsigned)c;
    fclose(f);
    printf("big sum %u\n", sum);
    unlink(p("big.bin"));
    return 0;
}
