/* The machine's measured single-precision FMA peak, for tools/bench/compare.
 *
 * Each thread runs CHAINS independent chains of FMAs on its own registers:
 * enough chains to cover the FMA latency on every FMA port, so the loop is
 * bound by FMA throughput alone. The vectors are 512-bit (16 lanes x 2
 * flops per FMA) where the CPU has AVX-512, as onnxrun's kernels are, else
 * 256-bit (8 lanes). The best of REPEATS timings is reported, since the
 * machine is shared; each timing is short (about 1 ms at 40 GFLOP/s), so
 * that some of them fall inside one scheduler slice even when the machine
 * is loaded (runs of 10 ms all got preempted at a load of 15 on 2 cores and
 * gave a third of the peak).
 *
 * Built at run time by compare: gcc -O2 -mavx2 -mfma -fopenmp fma_peak.c
 * Usage: fma_peak THREADS       prints "threads T: G GFLOP/s (B-bit FMA, ...)"
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define CHAINS 12 /* the number of acc<k> in fma_chains */
#define ITERS 500000L
#define REPEATS 500

/* Runs ITERS rounds of CHAINS independent FMAs on vectors of type V (set1,
 * fmadd, add, storeu: its intrinsics); returns a value that depends on
 * every chain so the compiler keeps them all. The chains are named
 * variables, not an array, so they stay in registers at -O2. */
#define FMA_CHAINS(NAME, ATTR, V, SET1, FMADD, ADD, STOREU, LANES)                      \
    ATTR static float NAME(float seed)                                                  \
    {                                                                                   \
        const V m = SET1(0.999999f);                                                    \
        const V a = SET1(1e-6f);                                                        \
        V acc0 = SET1(seed), acc1 = SET1(seed + 1), acc2 = SET1(seed + 2);              \
        V acc3 = SET1(seed + 3), acc4 = SET1(seed + 4), acc5 = SET1(seed + 5);          \
        V acc6 = SET1(seed + 6), acc7 = SET1(seed + 7), acc8 = SET1(seed + 8);          \
        V acc9 = SET1(seed + 9), acc10 = SET1(seed + 10), acc11 = SET1(seed + 11);      \
        for (long i = 0; i < ITERS; i++) {                                              \
            acc0 = FMADD(acc0, m, a); acc1 = FMADD(acc1, m, a); acc2 = FMADD(acc2, m, a); \
            acc3 = FMADD(acc3, m, a); acc4 = FMADD(acc4, m, a); acc5 = FMADD(acc5, m, a); \
            acc6 = FMADD(acc6, m, a); acc7 = FMADD(acc7, m, a); acc8 = FMADD(acc8, m, a); \
            acc9 = FMADD(acc9, m, a); acc10 = FMADD(acc10, m, a);                         \
            acc11 = FMADD(acc11, m, a);                                                 \
        }                                                                               \
        V s01 = ADD(ADD(acc0, acc1), ADD(acc2, acc3));                                  \
        V s23 = ADD(ADD(acc4, acc5), ADD(acc6, acc7));                                  \
        V s45 = ADD(ADD(acc8, acc9), ADD(acc10, acc11));                                \
        V sum = ADD(ADD(s01, s23), s45);                                                \
        float lanes[LANES];                                                             \
        STOREU(lanes, sum);                                                             \
        return lanes[0] + lanes[LANES - 1];                                             \
    }
FMA_CHAINS(fma_chains_256, , __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps,
           _mm256_storeu_ps, 8)
/* The AVX-512 peak where the CPU has it: onnxrun's kernels use 512-bit FMAs
 * there, and a 256-bit peak would make their share look above 100%. */
FMA_CHAINS(fma_chains_512, __attribute__((target("avx512f"))), __m512, _mm512_set1_ps,
           _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps, 16)

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1) {
        fprintf(stderr, "usage: fma_peak THREADS\n");
        return 2;
    }
    /* as onnxrun picks its kernels: ONR_DISABLE_AVX512 set -> 256-bit */
    const char *no512 = getenv("ONR_DISABLE_AVX512");
    const int wide = __builtin_cpu_supports("avx512f") && !(no512 && *no512 && *no512 != '0');
    const int lanes = wide ? 16 : 8;
    double best = 0.0;
    float sink = 0.0f;
    for (int r = 0; r < REPEATS; r++) {
        double t0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        sink += wide ? fma_chains_512((float)omp_get_thread_num())
                     : fma_chains_256((float)omp_get_thread_num());
        double dt = omp_get_wtime() - t0;
        double flops = (double)threads * ITERS * CHAINS * lanes * 2;
        if (flops / dt > best)
            best = flops / dt;
    }
    printf("threads %d: %.2f GFLOP/s (%d-bit FMA, checksum %g)\n", threads, best * 1e-9,
           lanes * 32, (double)sink);
    return 0;
}
