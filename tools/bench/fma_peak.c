/* The machine's measured single-precision FMA peak, for tools/bench/compare.
 *
 * Each thread runs CHAINS independent chains of _mm256_fmadd_ps on its own
 * registers: enough chains to cover the FMA latency on every FMA port, so the
 * loop is bound by FMA throughput alone. One FMA on a __m256 is 8 lanes x 2
 * flops. The best of REPEATS timings is reported, since the machine is shared.
 *
 * Built at run time by compare: gcc -O2 -mavx2 -mfma -fopenmp fma_peak.c
 * Usage: fma_peak THREADS       prints "threads T: G GFLOP/s"
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define CHAINS 12 /* the number of acc<k> in fma_chains */
#define ITERS 5000000L
#define REPEATS 40

/* Runs ITERS rounds of CHAINS independent FMAs; returns a value that depends
 * on every chain so the compiler keeps them all. The chains are named
 * variables, not an array, so they stay in registers at -O2. */
static float fma_chains(float seed)
{
    const __m256 m = _mm256_set1_ps(0.999999f);
    const __m256 a = _mm256_set1_ps(1e-6f);
#define INIT(k) __m256 acc##k = _mm256_set1_ps(seed + (float)k)
#define STEP(k) acc##k = _mm256_fmadd_ps(acc##k, m, a)
#define EACH(X) X(0); X(1); X(2); X(3); X(4); X(5); X(6); X(7); X(8); X(9); X(10); X(11)
    EACH(INIT);
    for (long i = 0; i < ITERS; i++) {
        EACH(STEP);
    }
    __m256 s01 = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3));
    __m256 s23 = _mm256_add_ps(_mm256_add_ps(acc4, acc5), _mm256_add_ps(acc6, acc7));
    __m256 s45 = _mm256_add_ps(_mm256_add_ps(acc8, acc9), _mm256_add_ps(acc10, acc11));
    __m256 sum = _mm256_add_ps(_mm256_add_ps(s01, s23), s45);
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    return lanes[0] + lanes[7];
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1) {
        fprintf(stderr, "usage: fma_peak THREADS\n");
        return 2;
    }
    double best = 0.0;
    float sink = 0.0f;
    for (int r = 0; r < REPEATS; r++) {
        double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        sink += fma_chains((float)omp_get_thread_num());
        double dt = omp_get_wtime() - t0;
        double flops = (double)threads * ITERS * CHAINS * 8 * 2;
        if (flops / dt > best)
            best = flops / dt;
    }
    printf("threads %d: %.2f GFLOP/s (checksum %g)\n", threads, best * 1e-9, (double)sink);
    return 0;
}
