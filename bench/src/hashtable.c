/* Open-addressing hash table (linear probing) of 64-bit keys: inserts, then
 * lookups of which about half hit. */
#include "common.h"
static inline uint64_t mix(uint64_t k) {
    k ^= k >> 33; k *= 0xff51afd7ed558ccdull; k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53ull; k ^= k >> 33;
    return k;
}
int main(int argc, char **argv) {
    long n = arg_size(argc, argv, 2000000);
    size_t cap = 16;
    while (cap < (size_t)n * 2) cap <<= 1;
    uint64_t *keys = calloc(cap, 8), *vals = calloc(cap, 8);
    size_t mask = cap - 1;
    for (long i = 0; i < n; i++) {
        uint64_t k = (rng_next() | 1) & 0x7fffffffffffull;
        size_t s = mix(k) & mask;
        while (keys[s] && keys[s] != k) s = (s + 1) & mask;
        keys[s] = k;
        vals[s] += (uint64_t)i;
    }
    rng_state = 0x9E3779B97F4A7C15ull;
    uint64_t hits = 0, sum = 0;
    for (long i = 0; i < 2 * n; i++) {
        uint64_t k = (rng_next() | 1) & 0x7fffffffffffull;
        if (i & 1) k ^= 0x400000000000ull; /* mostly misses */
        size_t s = mix(k) & mask;
        while (keys[s] && keys[s] != k) s = (s + 1) & mask;
        if (keys[s] == k) { hits++; sum += vals[s]; }
    }
    printf("hashtable n=%ld checksum %llu %llu\n", n, (unsigned long long)hits, (unsigned long long)sum);
    return 0;
}
