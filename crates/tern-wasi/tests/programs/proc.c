// Process-level conformance program, run both natively and as wasm32-wasi:
// arguments, environment, stdout and stderr, stdin, clocks, sleeping, poll
// on stdin, randomness, and the exit status (argv[1]). Output is the same
// on both when given the same arguments, environment and stdin.
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long ns(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] = [%s]\n", i, argv[i]);

    // Only the TERN_* variables, sorted (the native environment has more).
    char *vars[64];
    int n = 0;
    for (char **e = environ; *e && n < 64; e++)
        if (strncmp(*e, "TERN_", 5) == 0) vars[n++] = *e;
    qsort(vars, n, sizeof vars[0], cmp);
    for (int i = 0; i < n; i++) printf("env %s\n", vars[i]);
    printf("getenv missing: %s\n", getenv("TERN_SURELY_MISSING") ? "set" : "null");

    // Clocks: resolution positive, monotonic does not go back, sleeping
    // takes at least as long as asked, CPU time is readable.
    struct timespec r, a, b;
    printf("res monotonic ok: %d\n", clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(r) > 0);
    printf("res realtime ok: %d\n", clock_getres(CLOCK_REALTIME, &r) == 0 && ns(r) > 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec req = {0, 20 * 1000 * 1000};
    printf("nanosleep: %d\n", nanosleep(&req, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("slept >= 20ms: %d\n", ns(b) - ns(a) >= 20000000LL);
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020: %d\n", a.tv_sec > 1577836800);
    // clock() is process CPU time (wasi-libc: emulated process clocks).
    printf("process cputime ok: %d\n", clock() != (clock_t)-1);
    printf("time() ok: %d\n", time(NULL) > 1577836800);

    // Randomness: two draws of 32 bytes differ.
    unsigned char x[32], y[32];
    printf("getentropy: %d %d\n", getentropy(x, sizeof x), getentropy(y, sizeof y));
    printf("random differs: %d\n", memcmp(x, y, sizeof x) != 0);

    // poll on stdin: a pipe with data is readable; with --no-input the
    // caller keeps the pipe open and empty, so poll times out.
    struct pollfd p = {0, POLLIN, 0};
    int want_input = argc > 2 && strcmp(argv[2], "--no-input") != 0;
    int k = poll(&p, 1, 100);
    printf("poll stdin: %d readable %d\n", k, (p.revents & POLLIN) != 0);
    if (want_input) {
        char line[128];
        while (fgets(line, sizeof line, stdin)) printf("stdin: %s", line);
        printf("stdin eof: %d\n", feof(stdin));
    }
    // poll with no descriptors is a sleep.
    clock_gettime(CLOCK_MONOTONIC, &a);
    printf("poll sleep: %d\n", poll(NULL, 0, 15));
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("poll slept >= 15ms: %d\n", ns(b) - ns(a) >= 15000000LL);

    fprintf(stderr, "to stderr\n");
    fflush(stdout);
    return argc > 1 ? atoi(argv[1]) : 0;
}
