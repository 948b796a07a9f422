/* GEMM micro-benchmark: GFLOP/s (median of repeated runs) of the GEMM
 * variants on MobileNetV2 pointwise shapes, 1 and 2 threads, with a row bias
 * and Relu6 as a pointwise conv would fuse. Not built by CMake; from the
 * repository root:
 *   F="-O3 -std=c11 -D_POSIX_C_SOURCE=200809L -fopenmp -DONR_HAVE_X86=1 -Iinclude -I."
 *   gcc $F -c ops/kernels/x86/gemm_avx2.c -mavx2 -mfma -o /tmp/gemm_avx2.o
 *   gcc $F -c ops/kernels/x86/gemm_avx512.c -mavx2 -mfma -mavx512f -mavx512dq \
 *       -mavx512bw -mavx512vl -o /tmp/gemm_avx512.o
 *   gcc $F tools/bench/gemm_bench.c ops/kernels/gemm_ref.c ops/kernels/gemm_scalar.c \
 *       runtime/cpu.c /tmp/gemm_avx2.o /tmp/gemm_avx512.o -lm -o /tmp/gemm_bench
 *   /tmp/gemm_bench [scalar|avx2|avx512]...   (default: every available
 *       fast variant; GEMM_BENCH_MAX=1: best run, not median) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/kernels/gemm.h"
#include "runtime/cpu.h"

/* Seconds; 1 thread is timed by its own CPU time, which a shared machine's
 * other load disturbs less than the wall clock. */
static double now(int threads)
{
    struct timespec ts;
    clock_gettime(threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Median GFLOP/s over `runs` runs, each repeating the call for >= 20 ms. */
static double bench(onr_gemm_f32_fn fn, int64_t M, int64_t N, int64_t K, int threads)
{
    struct onr_gemm_shape s = {M, N, K, N, N, ONR_GEMM_BIAS_ROW};
    struct onr_activation relu6 = {ONR_ACT_CLIP, 0.0f, 6.0f};
    float *a = malloc((size_t)(M * K) * sizeof(float));
    float *packed = aligned_alloc(64, (onr_gemm_f32_packed_a_size(M, K) + 63) / 64 * 64);
    float *b = aligned_alloc(64, (size_t)(K * N + 16) * sizeof(float));
    float *y = aligned_alloc(64, (size_t)(M * N + 16) * sizeof(float));
    float *bias = malloc((size_t)M * sizeof(float));
    void *ws = aligned_alloc(64, (onr_gemm_f32_workspace_size(M, N, K, threads) + 63) / 64 * 64);
    if (!a || !packed || !b || !y || !bias || !ws) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int64_t i = 0; i < M * K; i++) a[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
    for (int64_t i = 0; i < K * N; i++) b[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;
    for (int64_t i = 0; i < M; i++) bias[i] = 0.1f;
    onr_gemm_f32_pack_a(M, K, a, K, false, packed);

    double t0 = now(threads);
    int reps = 0;
    do {
        fn(&s, packed, b, bias, NULL, &relu6, y, ws, threads);
        reps++;
    } while (now(threads) - t0 < 0.02);
    enum { RUNS = 15 };
    double gflops[RUNS];
    for (int r = 0; r < RUNS; r++) {
        t0 = now(threads);
        for (int i = 0; i < reps; i++) fn(&s, packed, b, bias, NULL, &relu6, y, ws, threads);
        double dt = (now(threads) - t0) / reps;
        gflops[r] = 2.0 * (double)M * (double)N * (double)K / dt * 1e-9;
    }
    qsort(gflops, RUNS, sizeof(double), cmp_double);
    free(a), free(packed), free(b), free(y), free(bias), free(ws);
    if (getenv("GEMM_BENCH_MAX")) return gflops[RUNS - 1];
    return gflops[RUNS / 2];
}

int main(int argc, char **argv)
{
    static const int64_t shapes[][3] = {   /* M (OC), K (C), N (HW) */
        {64, 32, 4096},  {16, 32, 12544}, {96, 16, 12544}, {24, 96, 3136},
        {144, 24, 3136}, {32, 144, 3136}, {192, 32, 784},  {384, 64, 196},
        {64, 384, 196},  {960, 160, 49},  {160, 960, 49},  {1280, 320, 49},
    };
    static const struct {
        const char *name;
        onr_gemm_f32_fn fn;
    } all[] = {
        {"scalar", onr_gemm_f32__scalar},
        {"avx2", onr_gemm_f32__avx2},
        {"avx512", onr_gemm_f32__avx512},
    };
    const bool usable[] = {true, onr_cpu_has_avx2_fma(), onr_cpu_has_avx512()};
    bool chosen[3] = {false, usable[1], usable[2]};
    if (argc > 1) chosen[1] = chosen[2] = false;
    for (int a = 1; a < argc; a++)
        for (int v = 0; v < 3; v++)
            if (strcmp(argv[a], all[v].name) == 0) {
                if (!usable[v]) fprintf(stderr, "%s: not available on this CPU\n", all[v].name);
                chosen[v] = usable[v];
            }
    for (int v = 0; v < 3; v++) {
        if (!chosen[v]) continue;
        printf("gemm_%-8s    M     K      N   1 thread   2 threads  (GFLOP/s)\n", all[v].name);
        for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
            const int64_t M = shapes[i][0], K = shapes[i][1], N = shapes[i][2];
            double g1 = bench(all[v].fn, M, N, K, 1), g2 = bench(all[v].fn, M, N, K, 2);
            printf("            %5lld %5lld %6lld   %8.1f   %9.1f\n", (long long)M,
                   (long long)K, (long long)N, g1, g2);
        }
    }
    return 0;
}
