/* Micro-benchmark for the depthwise convolution kernels: median time of
 * repeated runs on MobileNet-style layers, as GFLOP/s (2 * MACs / time), on
 * 1 and 2 threads. Not built by CMake; build by hand from the repo root:
 *
 *   cmake --build build-dwconv --target onnxrun
 *   gcc -std=c11 -O2 -fopenmp -Iinclude -I. tools/bench/dwconv_bench.c \
 *       build-dwconv/libonnxrun.a -lm -o /tmp/dwconv_bench
 *   /tmp/dwconv_bench [reps]          (ReLU6 and bias, as in MobileNetV2) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ops/kernels/dwconv.h"
#include "runtime/cpu.h"

struct layer {
    const char *name;
    int64_t C, HW, K, S;
};

static const struct layer layers[] = {
    {"notebook 32x64x64 3x3 s1", 32, 64, 3, 1},
    {"mbv2 32x112 3x3 s1", 32, 112, 3, 1},
    {"mbv2 96x112 3x3 s2", 96, 112, 3, 2},
    {"mbv2 144x56 3x3 s1", 144, 56, 3, 1},
    {"mbv2 144x56 3x3 s2", 144, 56, 3, 2},
    {"mbv2 192x28 3x3 s1", 192, 28, 3, 1},
    {"mbv2 192x28 3x3 s2", 192, 28, 3, 2},
    {"mbv2 384x14 3x3 s1", 384, 14, 3, 1},
    {"mbv2 576x14 3x3 s1", 576, 14, 3, 1},
    {"mbv2 576x14 3x3 s2", 576, 14, 3, 2},
    {"mbv2 960x7 3x3 s1", 960, 7, 3, 1},
    {"effb0 144x56 5x5 s2", 144, 56, 5, 2},
    {"mbv3 240x28 5x5 s1", 240, 28, 5, 1},
    {"mbv3 480x14 5x5 s1", 480, 14, 5, 1},
    {"effb0 672x14 5x5 s2", 672, 14, 5, 2},
    {"mbv3 960x7 5x5 s1", 960, 7, 5, 1},
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds of `reps` runs after two warm-up runs; *best gets the
 * fastest run (on a busy machine the median mostly measures the others). */
static double median_time(onr_dwconv2d_fn fn, const struct onr_conv_shape *s, const float *x,
                          const float *w, const float *b, const struct onr_activation *act,
                          float *y, int threads, int reps, double *best)
{
    double *t = malloc(sizeof(double) * (size_t)reps);
    fn(s, x, w, b, act, y, threads);
    fn(s, x, w, b, act, y, threads);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        fn(s, x, w, b, act, y, threads);
        t[r] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp_double);
    double m = t[reps / 2];
    *best = t[0];
    free(t);
    return m;
}

/* This machine's FMA throughput now (12 independent chains), so figures
 * taken on a busy machine can be read against it. */
__attribute__((target("avx2,fma"))) static double fma_peak(void)
{
    typedef float v8 __attribute__((vector_size(32)));
    v8 a[12], m = {0}, c = {0};
    for (int i = 0; i < 12; i++) a[i] = (v8){0} + (float)i;
    m += 0.999f;
    c += 0.001f;
    double best = 1e30;
    for (int r = 0; r < 20; r++) {
        double t0 = now();
        for (int k = 0; k < 100000; k++) {
            for (int i = 0; i < 12; i++) a[i] = __builtin_ia32_vfmaddps256(a[i], m, c);
            __asm__ volatile("" : "+x"(a[0]), "+x"(a[1]), "+x"(a[2]), "+x"(a[3]), "+x"(a[4]),
                             "+x"(a[5]), "+x"(a[6]), "+x"(a[7]), "+x"(a[8]), "+x"(a[9]),
                             "+x"(a[10]), "+x"(a[11]));
        }
        double t = now() - t0;
        if (t < best) best = t;
    }
    return 12.0 * 100000 * 16 / best * 1e-9;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 51;
    const bool avx2 = onr_cpu_has_avx2_fma();
    const struct onr_activation relu6 = {ONR_ACT_CLIP, 0.0f, 6.0f};
    if (avx2) printf("FMA peak of one core right now: %.1f GFLOP/s\n", fma_peak());
    printf("GFLOP/s as median (best) of %d runs\n", reps);
    printf("%-26s %6s | %13s %13s | %13s %13s\n", "layer", "MFLOP", "scalar 1t", "2t",
           avx2 ? "avx2 1t" : "-", "2t");
    for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
        const struct layer *l = &layers[i];
        const int64_t p = l->K / 2;
        struct onr_conv_shape s = {1, l->C, l->HW, l->HW, l->C, l->K, l->K, 0, 0, l->S, l->S,
                                   p, p, p, p, 1, 1, l->C};
        s.OH = (l->HW + 2 * p - l->K) / l->S + 1;
        s.OW = s.OH;
        const size_t nx = (size_t)(l->C * l->HW * l->HW), ny = (size_t)(l->C * s.OH * s.OW);
        float *x = malloc(nx * sizeof(float)), *y = malloc(ny * sizeof(float));
        float *w = malloc((size_t)(l->C * l->K * l->K) * sizeof(float));
        float *b = malloc((size_t)l->C * sizeof(float));
        for (size_t j = 0; j < nx; j++) x[j] = (float)(j % 17) * 0.1f - 0.8f;
        for (int64_t j = 0; j < l->C * l->K * l->K; j++) w[j] = (float)(j % 7) * 0.05f - 0.15f;
        for (int64_t j = 0; j < l->C; j++) b[j] = 0.01f * (float)j;
        const double flop = 2.0 * (double)ny * (double)(l->K * l->K);
        double g[4] = {0, 0, 0, 0}, gb[4] = {0, 0, 0, 0};
        onr_dwconv2d_fn fns[2] = {onr_dwconv2d_f32__scalar, onr_dwconv2d_f32_pick(&s, avx2)};
        for (int f = 0; f < (avx2 ? 2 : 1); f++)
            for (int t = 1; t <= 2; t++) {
                double best;
                double med = median_time(fns[f], &s, x, w, b, &relu6, y, t, reps, &best);
                g[f * 2 + t - 1] = flop / med * 1e-9;
                gb[f * 2 + t - 1] = flop / best * 1e-9;
            }
        printf("%-26s %6.2f |", l->name, flop * 1e-6);
        for (int k = 0; k < 4; k++) printf(" %5.1f (%5.1f)%s", g[k], gb[k], k == 1 ? " |" : "");
        printf("\n");
        free(x);
        free(y);
        free(w);
        free(b);
    }
    return 0;
}
