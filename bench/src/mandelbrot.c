/* Mandelbrot set: escape-time iteration counts over a w x w grid. */
#include "common.h"
int main(int argc, char **argv) {
    int w = (int)arg_size(argc, argv, 2000);
    const int maxiter = 100;
    uint64_t inside = 0, iters = 0, h = FNV_INIT;
    for (int py = 0; py < w; py++) {
        double ci = 2.0 * py / w - 1.0;
        uint64_t row = 0;
        for (int px = 0; px < w; px++) {
            double cr = 2.5 * px / w - 2.0;
            double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
            int k = 0;
            while (k < maxiter && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                k++;
            }
            if (k == maxiter) inside++;
            iters += k;
            row = row * 31 + k;
        }
        h = fnv_u64(h, row);
    }
    printf("mandelbrot w=%d checksum %llu %llu %016llx\n", w, (unsigned long long)inside,
           (unsigned long long)iters, (unsigned long long)h);
    return 0;
}
