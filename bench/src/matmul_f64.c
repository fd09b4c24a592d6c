/* Dense matrix multiply, double precision, i-k-j loop order. */
#include "common.h"
int main(int argc, char **argv) {
    int n = (int)arg_size(argc, argv, 1000);
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n),
           *c = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 7 + j * 3) % 17) / 8.0 - 1.0;
            b[i * n + j] = (double)((i * 5 + j * 11) % 13) / 4.0 - 1.5;
        }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
        }
    uint64_t h = FNV_INIT;
    for (int i = 0; i < n * n; i++) h = fnv_u64(h, f64_bits(c[i]));
    printf("matmul_f64 n=%d checksum %016llx\n", n, (unsigned long long)h);
    return 0;
}
