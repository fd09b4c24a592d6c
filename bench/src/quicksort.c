/* Recursive quicksort (median of three, insertion sort below 16) of
 * pseudo-random 32-bit integers. */
#include "common.h"
static void insertion(uint32_t *a, long lo, long hi) {
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        long j = i - 1;
        while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}
static void qsort_rec(uint32_t *a, long lo, long hi) {
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        uint32_t x = a[lo], y = a[mid], z = a[hi];
        uint32_t p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { qsort_rec(a, lo, j); lo = i; }
        else { qsort_rec(a, i, hi); hi = j; }
    }
    insertion(a, lo, hi);
}
int main(int argc, char **argv) {
    long n = arg_size(argc, argv, 6000000);
    uint32_t *a = malloc(sizeof(uint32_t) * (n > 0 ? n : 1));
    for (long i = 0; i < n; i++) a[i] = rng_u32() % 1000000007u;
    if (n > 0) qsort_rec(a, 0, n - 1);
    uint64_t h = FNV_INIT;
    long bad = 0;
    for (long i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) bad++;
        if ((i & 63) == 0) h = fnv_u64(h, a[i]);
    }
    printf("quicksort n=%ld checksum %016llx unsorted=%ld\n", n, (unsigned long long)h, bad);
    return 0;
}
