/* Iterative radix-2 complex FFT, forward and inverse, repeated. The twiddle
 * factors come from our own sine/cosine (Taylor series) so that the result
 * does not depend on the C library's libm. */
#include "common.h"
#define PI 3.141592653589793
static double my_sin(double x) { /* |x| <= pi */
    double x2 = x * x, term = x, sum = x;
    for (int k = 1; k < 14; k++) {
        term *= -x2 / ((2 * k) * (2 * k + 1));
        sum += term;
    }
    return sum;
}
static double my_cos(double x) {
    double x2 = x * x, term = 1, sum = 1;
    for (int k = 1; k < 14; k++) {
        term *= -x2 / ((2 * k - 1) * (2 * k));
        sum += term;
    }
    return sum;
}
static void fft(double *re, double *im, int n, const double *wr, const double *wi, int inverse) {
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i]; re[i] = re[j]; re[j] = t;
            t = im[i]; im[i] = im[j]; im[j] = t;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        int half = len >> 1, step = n / len;
        for (int i = 0; i < n; i += len) {
            for (int k = 0; k < half; k++) {
                double cr = wr[k * step], ci = inverse ? -wi[k * step] : wi[k * step];
                double xr = re[i + k + half], xi = im[i + k + half];
                double tr = xr * cr - xi * ci, ti = xr * ci + xi * cr;
                re[i + k + half] = re[i + k] - tr; im[i + k + half] = im[i + k] - ti;
                re[i + k] += tr; im[i + k] += ti;
            }
        }
    }
    if (inverse)
        for (int i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
}
int main(int argc, char **argv) {
    long reps = arg_size(argc, argv, 100);
    const int n = 1 << 16;
    double *re = malloc(sizeof(double) * n), *im = malloc(sizeof(double) * n);
    double *wr = malloc(sizeof(double) * n / 2), *wi = malloc(sizeof(double) * n / 2);
    for (int k = 0; k < n / 2; k++) {
        double a = -2.0 * PI * k / n;
        if (a < -PI / 2) { /* keep the series argument small: use symmetry */
            double b = -PI - a;
            wr[k] = -my_cos(b); wi[k] = my_sin(b);
        } else {
            wr[k] = my_cos(a); wi[k] = my_sin(a);
        }
    }
    for (int i = 0; i < n; i++) { re[i] = (double)(rng_u32() % 2001) / 1000.0 - 1.0; im[i] = 0; }
    uint64_t h = FNV_INIT;
    for (long r = 0; r < reps; r++) {
        fft(re, im, n, wr, wi, 0);
        h = fnv_u64(h, f64_bits(re[r % n]) ^ f64_bits(im[(r * 7) % n]));
        fft(re, im, n, wr, wi, 1);
    }
    double s = 0;
    for (int i = 0; i < n; i++) s += re[i] * re[i] + im[i] * im[i];
    printf("fft reps=%ld checksum %016llx %.9f\n", reps, (unsigned long long)h, s);
    return 0;
}
