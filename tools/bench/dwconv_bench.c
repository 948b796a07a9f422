/* Micro-benchmark for the depthwise convolution kernels: the fastest of
 * repeated, interleaved runs on MobileNet-style layers, as GFLOP/s (2 * MACs / time), of
 * each variant on 1 thread and of the picked one on 2. Not built by CMake; build by hand from the repo root:
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

static double now(clockid_t clk)
{
    struct timespec t;
    clock_gettime(clk, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Seconds of one run: on 1 thread in the thread's CPU time (time slices
 * lost to other processes do not count), on more in wall time. */
static double run_time(onr_dwconv2d_fn fn, const struct onr_conv_shape *s, const float *x,
                       const float *w, const float *b, const struct onr_activation *act,
                       float *y, int threads)
{
    const clockid_t clk = threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
    double t0 = now(clk);
    fn(s, x, w, b, act, y, threads);
    return now(clk) - t0;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 51;
    const bool avx2 = onr_cpu_has_avx2_fma(), avx512 = onr_cpu_has_avx512();
    const struct onr_activation relu6 = {ONR_ACT_CLIP, 0.0f, 6.0f};
    printf("GFLOP/s of the fastest of %d runs (1 thread: thread CPU time; 2: wall time)\n", reps);
    printf("%-26s %6s | %7s %7s %7s | %9s\n", "layer", "MFLOP", "scalar", avx2 ? "avx2" : "-",
           avx512 ? "avx512" : "-", "picked 2t");
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
        const onr_dwconv2d_fn fns[4] = {
            onr_dwconv2d_f32__scalar, avx2 ? onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX2) : NULL,
            avx512 ? onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX512) : NULL,
            onr_dwconv2d_f32_pick(&s, avx512 ? ONR_ISA_AVX512 : avx2 ? ONR_ISA_AVX2 : ONR_ISA_PORTABLE)};
        /* the variants take turns, so a busy spell slows them alike */
        double best[4] = {1e30, 1e30, 1e30, 1e30};
        for (int r = -2; r < reps; r++)
            for (int f = 0; f < 4; f++) {
                if (fns[f] == NULL) continue;
                const double t = run_time(fns[f], &s, x, w, b, &relu6, y, f == 3 ? 2 : 1);
                if (r >= 0 && t < best[f]) best[f] = t;
            }
        printf("%-26s %6.2f |", l->name, flop * 1e-6);
        for (int f = 0; f < 4; f++) {
            if (fns[f] == NULL)
                printf(" %7s", "-");
            else
                printf(f == 3 ? " | %9.1f" : " %7.1f", flop / best[f] * 1e-9);
        }
        printf("\n");
        free(x);
        free(y);
        free(w);
        free(b);
    }
    return 0;
}
