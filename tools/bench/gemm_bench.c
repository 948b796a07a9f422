/* GEMM micro-benchmark: GFLOP/s (median of repeated runs) of the fast GEMM
 * variants on MobileNetV2 pointwise shapes, 1 and 2 threads, with a row bias
 * and Relu6 as a pointwise conv would fuse. Not built by CMake; from the
 * repository root:
 *   gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -fopenmp -DONR_HAVE_X86=1 -Iinclude -I. \
 *       -c ops/kernels/x86/gemm_avx2.c -mavx2 -mfma -o /tmp/gemm_avx2.o
 *   gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -fopenmp -DONR_HAVE_X86=1 -Iinclude -I. tools/bench/gemm_bench.c ops/kernels/gemm_ref.c \
 *       ops/kernels/gemm_scalar.c runtime/cpu.c /tmp/gemm_avx2.o -o /tmp/gemm_bench
 *   /tmp/gemm_bench [--scalar]       (GEMM_BENCH_MAX=1: best run, not median) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/kernels/gemm.h"
#include "runtime/cpu.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

    double t0 = now();
    int reps = 0;
    do {
        fn(&s, packed, b, bias, NULL, &relu6, y, ws, threads);
        reps++;
    } while (now() - t0 < 0.02);
    enum { RUNS = 15 };
    double gflops[RUNS];
    for (int r = 0; r < RUNS; r++) {
        t0 = now();
        for (int i = 0; i < reps; i++) fn(&s, packed, b, bias, NULL, &relu6, y, ws, threads);
        double dt = (now() - t0) / reps;
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
        {64, 32, 4096}, {96, 16, 12544}, {144, 24, 3136}, {32, 144, 3136},
        {192, 32, 784}, {384, 64, 196},  {960, 160, 49},  {1280, 320, 49},
    };
    onr_gemm_f32_fn fn = onr_gemm_f32__avx2;
    const char *name = "avx2";
    if ((argc > 1 && strcmp(argv[1], "--scalar") == 0) || !onr_cpu_has_avx2_fma()) {
        fn = onr_gemm_f32__scalar;
        name = "scalar";
    }
    printf("gemm_%s      M     K      N   1 thread   2 threads  (GFLOP/s)\n", name);
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        const int64_t M = shapes[i][0], K = shapes[i][1], N = shapes[i][2];
        double g1 = bench(fn, M, N, K, 1), g2 = bench(fn, M, N, K, 2);
        printf("          %5lld %5lld %6lld   %8.1f   %9.1f\n", (long long)M, (long long)K,
               (long long)N, g1, g2);
    }
    return 0;
}
