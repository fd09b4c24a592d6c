/* SIMD kernel: 4-lane f32 and i32 vectors (GCC/Clang vector extensions;
 * compiled for WebAssembly with -msimd128, natively with SSE2): a 1-D blur
 * followed by a dot product and an integer histogram mix, repeated. */
#include "common.h"
typedef float f32x4 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
int main(int argc, char **argv) {
    long reps = arg_size(argc, argv, 20000);
    const int n = 1 << 16; /* floats, multiple of 4 */
    float *a = aligned_alloc(16, sizeof(float) * (n + 8)), *b = aligned_alloc(16, sizeof(float) * (n + 8));
    uint32_t *u = aligned_alloc(16, sizeof(uint32_t) * n);
    for (int i = 0; i < n + 8; i++) { a[i] = (float)(rng_u32() % 1000) / 500.0f - 1.0f; b[i] = 0; }
    for (int i = 0; i < n; i++) u[i] = rng_u32();
    const f32x4 k0 = {0.25f, 0.25f, 0.25f, 0.25f}, k1 = {0.5f, 0.5f, 0.5f, 0.5f};
    uint64_t h = FNV_INIT;
    u32x4 mix = {1, 2, 3, 4};
    for (long r = 0; r < reps; r++) {
        f32x4 dot = {0, 0, 0, 0};
        for (int i = 4; i < n; i += 4) {
            f32x4 l, c, rr;
            memcpy(&l, a + i - 1, 16);
            memcpy(&c, a + i, 16);
            memcpy(&rr, a + i + 1, 16);
            f32x4 v = k0 * l + k1 * c + k0 * rr;
            memcpy(b + i, &v, 16);
            dot += v * c;
        }
        for (int i = 0; i < n; i += 4) {
            u32x4 x;
            memcpy(&x, u + i, 16);
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            memcpy(u + i, &x, 16);
            mix = (mix + x) ^ (mix >> 3);
        }
        float d = ((dot[0] + dot[1]) + (dot[2] + dot[3]));
        h = fnv_u64(h, f32_bits(d));
        float *t = a; a = b; b = t;
        a[0] = a[1] = a[2] = a[3] = 0.5f;
    }
    for (int l = 0; l < 4; l++) h = fnv_u64(h, mix[l]);
    printf("simd reps=%ld checksum %016llx\n", reps, (unsigned long long)h);
    return 0;
}
