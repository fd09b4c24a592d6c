/* Shared helpers for the tern benchmark suite: argument parsing, a
 * deterministic PRNG and a checksum hash. Every program takes its size as
 * argv[1] (with a default) and prints one "checksum ..." line that must be
 * identical natively and on every WebAssembly engine. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long arg_size(int argc, char **argv, long dflt) {
    if (argc > 1) {
        long v = strtol(argv[1], NULL, 10);
        if (v >= 0) return v;
    }
    return dflt;
}

/* xorshift64*: same sequence on every platform. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static inline uint64_t rng_next(void) {
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
static inline uint32_t rng_u32(void) { return (uint32_t)(rng_next() >> 32); }

/* FNV-1a over 64-bit words. */
#define FNV_INIT 0xcbf29ce484222325ull
static inline uint64_t fnv_u64(uint64_t h, uint64_t v) {
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (i * 8)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}
static inline uint64_t f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

#endif
