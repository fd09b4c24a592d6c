// A libc program for tern-wasi's tests: argv, environment, stdio, files and
// directories under the pre-opened /sandbox, an escape attempt, clocks,
// randomness, and an exit status. Prints one line per check.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    const char *v = getenv("GREETING");
    printf("env GREETING: %s\n", v ? v : "(unset)");

    FILE *f = fopen("/sandbox/data.txt", "w");
    if (!f) { perror("fopen w"); return 10; }
    fputs("line one\nline two\n", f);
    fclose(f);

    f = fopen("/sandbox/data.txt", "r");
    if (!f) { perror("fopen r"); return 11; }
    char buf[64];
    fseek(f, 5, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    printf("read from 5: %zu bytes, ftell %ld\n", n, ftell(f));
    fclose(f);

    struct stat st;
    if (stat("/sandbox/data.txt", &st) != 0) { perror("stat"); return 12; }
    printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));

    if (mkdir("/sandbox/sub", 0755) != 0) { perror("mkdir"); return 13; }
    if (rename("/sandbox/data.txt", "/sandbox/sub/moved.txt") != 0) { perror("rename"); return 14; }
    printf("old exists: %d\n", access("/sandbox/data.txt", F_OK) == 0);

    DIR *d = opendir("/sandbox/sub");
    if (!d) { perror("opendir"); return 15; }
    char *names[16];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 16) names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, count, sizeof names[0], cmp);
    for (int i = 0; i < count; i++) printf("entry %s\n", names[i]);

    if (unlink("/sandbox/sub/moved.txt") != 0) { perror("unlink"); return 16; }
    if (rmdir("/sandbox/sub") != 0) { perror("rmdir"); return 17; }

    errno = 0;
    f = fopen("/sandbox/../escape.txt", "w");
    printf("escape: %s (errno %s)\n", f ? "OPENED" : "refused", errno == ENOTCAPABLE ? "ENOTCAPABLE" : strerror(errno));

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic ok: %d\n", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
    time_t now = time(NULL);
    printf("realtime after 2020: %d\n", now > 1577836800);
    unsigned char r1[16] = {0}, r2[16] = {0};
    getentropy(r1, sizeof r1);
    getentropy(r2, sizeof r2);
    printf("random differs: %d\n", memcmp(r1, r2, sizeof r1) != 0);
    fprintf(stderr, "to stderr\n");
    fflush(stdout);
    return 3;
}
