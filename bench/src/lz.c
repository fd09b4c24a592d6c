/* LZ77-style compression with a hash chain (window 64 KiB) and decompression
 * of generated text; the round trip is checked. */
#include "common.h"
#define WIN 65536
#define HBITS 15
#define MAXCHAIN 16
static inline uint32_t hash3(const unsigned char *p) {
    return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) * 2654435761u >> (32 - HBITS);
}
/* Output: literal run = [0x00..0x7f len-1][bytes], match = [0x80|len-4 (0..127)][off lo][off hi]. */
static size_t compress(const unsigned char *in, size_t n, unsigned char *out, int32_t *head, int32_t *prev) {
    for (int i = 0; i < (1 << HBITS); i++) head[i] = -1;
    size_t o = 0, i = 0, lit_start = 0;
#define FLUSH_LITS(end)                                                  \
    while (lit_start < (end)) {                                          \
        size_t l = (end) - lit_start;                                    \
        if (l > 128) l = 128;                                            \
        out[o++] = (unsigned char)(l - 1);                               \
        memcpy(out + o, in + lit_start, l);                              \
        o += l;                                                          \
        lit_start += l;                                                  \
    }
    while (i + 3 <= n) {
        uint32_t h = hash3(in + i);
        int32_t cand = head[h];
        size_t best_len = 0, best_off = 0;
        for (int chain = 0; cand >= 0 && chain < MAXCHAIN && i - (size_t)cand < WIN; chain++) {
            size_t l = 0, max = n - i < 131 ? n - i : 131;
            while (l < max && in[cand + l] == in[i + l]) l++;
            if (l > best_len) { best_len = l; best_off = i - cand; }
            cand = prev[cand % WIN];
        }
        prev[i % WIN] = head[h];
        head[h] = (int32_t)i;
        if (best_len >= 4) {
            FLUSH_LITS(i);
            out[o++] = (unsigned char)(0x80 | (best_len - 4));
            out[o++] = (unsigned char)(best_off & 0xff);
            out[o++] = (unsigned char)(best_off >> 8);
            for (size_t k = 1; k < best_len && i + k + 3 <= n; k++) {
                uint32_t h2 = hash3(in + i + k);
                prev[(i + k) % WIN] = head[h2];
                head[h2] = (int32_t)(i + k);
            }
            i += best_len;
            lit_start = i;
        } else {
            i++;
        }
    }
    FLUSH_LITS(n);
    return o;
}
static size_t decompress(const unsigned char *in, size_t n, unsigned char *out) {
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned c = in[i++];
        if (c < 0x80) {
            size_t l = c + 1;
            memcpy(out + o, in + i, l);
            i += l; o += l;
        } else {
            size_t l = (c & 0x7f) + 4, off = in[i] | (size_t)in[i + 1] << 8;
            i += 2;
            for (size_t k = 0; k < l; k++, o++) out[o] = out[o - off];
        }
    }
    return o;
}
int main(int argc, char **argv) {
    long reps = arg_size(argc, argv, 12);
    static const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ",
                                  "wasm ", "engine ", "tern ", "compiles ", "and ", "runs ", "modules ",
                                  "fast ", "\n", "0123 ", "{\"key\": ", "value}, "};
    const size_t n = 2 << 20;
    unsigned char *in = malloc(n), *comp = malloc(n + n / 64 + 16), *dec = malloc(n);
    int32_t *head = malloc(sizeof(int32_t) << HBITS), *prev = malloc(sizeof(int32_t) * WIN);
    size_t p = 0;
    while (p < n) {
        const char *w = words[rng_u32() % 20];
        size_t l = strlen(w);
        if (rng_u32() % 8 == 0) { in[p++] = (unsigned char)(rng_u32() & 0xff); continue; }
        for (size_t k = 0; k < l && p < n; k++) in[p++] = (unsigned char)w[k];
    }
    uint64_t h = FNV_INIT;
    long bad = 0;
    for (long r = 0; r < reps; r++) {
        in[(r * 7919) % n] ^= (unsigned char)r;
        size_t cl = compress(in, n, comp, head, prev);
        size_t dl = decompress(comp, cl, dec);
        if (dl != n || memcmp(in, dec, n) != 0) bad++;
        h = fnv_u64(h, cl);
        h = fnv_u64(h, comp[cl / 2]);
    }
    printf("lz reps=%ld checksum %016llx bad=%ld\n", reps, (unsigned long long)h, bad);
    return 0;
}
