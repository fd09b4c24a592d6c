/* CRC-32 (IEEE 802.3, reflected, table-driven byte at a time) over a buffer. */
#include "common.h"
int main(int argc, char **argv) {
    long reps = arg_size(argc, argv, 40);
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    const size_t len = 4 << 20;
    unsigned char *buf = malloc(len);
    for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)(rng_next() >> 56);
    uint32_t check = 0xFFFFFFFFu;
    const char *s = "123456789";
    for (int i = 0; i < 9; i++) check = table[(check ^ (unsigned char)s[i]) & 0xff] ^ (check >> 8);
    uint64_t h = FNV_INIT;
    for (long r = 0; r < reps; r++) {
        uint32_t c = 0xFFFFFFFFu;
        for (size_t i = 0; i < len; i++) c = table[(c ^ buf[i]) & 0xff] ^ (c >> 8);
        c ^= 0xFFFFFFFFu;
        buf[r % len] ^= (unsigned char)c;
        h = fnv_u64(h, c);
    }
    printf("crc32 reps=%ld crc(123456789)=%08x checksum %016llx\n", reps, check ^ 0xFFFFFFFFu, (unsigned long long)h);
    return 0;
}
