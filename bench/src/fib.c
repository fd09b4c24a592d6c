/* Doubly recursive Fibonacci: call-heavy. */
#include "common.h"
__attribute__((noinline)) static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int main(int argc, char **argv) {
    long n = arg_size(argc, argv, 40);
    uint32_t r = fib((uint32_t)n);
    printf("fib(%ld) checksum %u\n", n, r);
    return 0;
}
