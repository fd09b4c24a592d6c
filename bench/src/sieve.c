/* Sieve of Eratosthenes over a byte array, repeated. */
#include "common.h"
int main(int argc, char **argv) {
    long reps = arg_size(argc, argv, 30);
    const long n = 8 * 1000 * 1000;
    unsigned char *s = malloc(n + 1);
    uint64_t total = 0, h = FNV_INIT;
    for (long r = 0; r < reps; r++) {
        long limit = n - r * 1000;
        memset(s, 1, limit + 1);
        s[0] = s[1] = 0;
        for (long i = 2; i * i <= limit; i++)
            if (s[i])
                for (long j = i * i; j <= limit; j += i) s[j] = 0;
        long count = 0;
        for (long i = 0; i <= limit; i++) count += s[i];
        total += count;
        h = fnv_u64(h, count);
    }
    printf("sieve reps=%ld checksum %llu %016llx\n", reps, (unsigned long long)total, (unsigned long long)h);
    return 0;
}
