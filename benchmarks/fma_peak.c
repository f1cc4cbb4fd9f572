/* The cores' multiply-add peak: independent fused multiply-adds on
 * registers only (no loads), float32, AVX2 (8 lanes) and AVX-512 (16 lanes),
 * on 1 and on N OpenMP threads. No product can run faster than this; the
 * bench_conv2d.py --ceiling figures are read against it.
 *
 *   gcc -O2 -march=native -fopenmp benchmarks/fma_peak.c -o /tmp/fma_peak
 *   /tmp/fma_peak 2
 *
 * Twelve accumulators per thread cover the FMA latency on every x86 core
 * we run on (4 cycles, 2 pipes). Zen 4 issues one 512-bit FMA per cycle
 * as two 256-bit halves, so both widths give the same figure there.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define ACCUMULATE(F) \
    a0 = F(a0, m, c); a1 = F(a1, m, c); a2 = F(a2, m, c); a3 = F(a3, m, c); \
    a4 = F(a4, m, c); a5 = F(a5, m, c); a6 = F(a6, m, c); a7 = F(a7, m, c); \
    a8 = F(a8, m, c); a9 = F(a9, m, c); a10 = F(a10, m, c); a11 = F(a11, m, c)

#define KERNEL(NAME, VT, SET1, FMA, ADD, LANES, STORE)                          \
    static double NAME(long iters) {                                            \
        VT m = SET1(0.999999f), c = SET1(1e-7f);                                \
        VT a0 = SET1(0), a1 = SET1(1), a2 = SET1(2), a3 = SET1(3);              \
        VT a4 = SET1(4), a5 = SET1(5), a6 = SET1(6), a7 = SET1(7);              \
        VT a8 = SET1(8), a9 = SET1(9), a10 = SET1(10), a11 = SET1(11);          \
        for (long n = 0; n < iters; n++) {                                      \
            ACCUMULATE(FMA);                                                    \
        }                                                                       \
        VT z = ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7))); \
        z = ADD(z, ADD(ADD(a8, a9), ADD(a10, a11)));                            \
        float t[LANES];                                                         \
        STORE(t, z);                                                            \
        double s = 0;                                                           \
        for (int j = 0; j < LANES; j++) s += t[j];                              \
        return s; /* used, so the loop is not removed */                        \
    }

KERNEL(fma512, __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, 16, _mm512_storeu_ps)
KERNEL(fma256, __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, 8, _mm256_storeu_ps)

int main(int argc, char **argv) {
    const long iters = 200000000L;
    int threads = argc > 1 ? atoi(argv[1]) : omp_get_max_threads();
    for (int round = 0; round < 3; round++) {
        double sink = 0, t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        sink += fma512(iters);
        double t1 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        sink += fma256(iters);
        double t2 = omp_get_wtime();
        double per_iter = 2.0 * 12 * iters * threads / 1e9; /* flops / lane */
        printf("%d threads: avx512 %.1f GFlop/s, avx2 %.1f GFlop/s (float32; checksum %g)\n",
               threads, 16 * per_iter / (t1 - t0), 8 * per_iter / (t2 - t1), sink);
    }
    return 0;
}
