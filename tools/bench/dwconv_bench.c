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

/* Median seconds of `reps` runs after two warm-up runs. */
static double median_time(onr_dwconv2d_fn fn, const struct onr_conv_shape *s, const float *x,
                          const float *w, const float *b, const struct onr_activation *act,
                          float *y, int threads, int reps)
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
    free(t);
    return m;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 51;
    const bool avx2 = onr_cpu_has_avx2_fma();
    const struct onr_activation relu6 = {ONR_ACT_CLIP, 0.0f, 6.0f};
    printf("%-26s %8s | %9s %9s | %9s %9s   GFLOP/s, median of %d\n", "layer", "MFLOP",
           "scalar 1t", "2t", avx2 ? "avx2 1t" : "-", "2t", reps);
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
        double g[4] = {0, 0, 0, 0};
        onr_dwconv2d_fn fns[2] = {onr_dwconv2d_f32__scalar, onr_dwconv2d_f32_pick(&s, avx2)};
        for (int f = 0; f < (avx2 ? 2 : 1); f++)
            for (int t = 1; t <= 2; t++)
                g[f * 2 + t - 1] = flop / median_time(fns[f], &s, x, w, b, &relu6, y, t, reps) * 1e-9;
        printf("%-26s %8.2f | %9.1f %9.1f | %9.1f %9.1f\n", l->name, flop * 1e-6, g[0], g[1],
               g[2], g[3]);
        free(x);
        free(y);
        free(w);
        free(b);
    }
    return 0;
}
