/* Micro-benchmark for the NCHW16c pointwise (1x1) Conv kernels
 * (ops/kernels/nchwc.h) on the MobileNetV2/V3 layers where most of those
 * networks' time goes: GFLOP/s (2 * MACs / time) of the fastest of
 * repeated, interleaved runs, per kernel of the table this CPU can run, on
 * 1 thread (thread CPU time, so slices lost to other processes do not
 * count), plain and gated (the projection after a squeeze-excite: the
 * gate folded into the weights). Not built by CMake; build by hand from the repo root:
 *
 *   cmake --build build-bench --target onnxrun
 *   gcc -std=c11 -O2 -fopenmp -Iinclude -I. tools/bench/pw_bench.c \
 *       build-bench/libonnxrun.a -lm -o /tmp/pw_bench
 *   /tmp/pw_bench [reps [cold]]   (bias, ReLU; with a residual where the
 *                                  network has one; cold: the weights
 *                                  evicted before each run, as in a
 *                                  network too big for the caches) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ops/kernels/nchwc.h"
#include "runtime/cpu.h"

struct layer {
    const char *name;
    int64_t C, OC, HW; /* HW: side of the square map */
    int residual;
};

static const struct layer layers[] = {
    {"v3l 16->64 @112", 16, 64, 112, 0},    {"v3l 64->24 @56", 64, 24, 56, 0},
    {"v3l 72->24 @56 +r", 72, 24, 56, 1},   {"v3l 24->72 @56", 24, 72, 56, 0},
    {"v3l 120->40 @28 +r", 120, 40, 28, 1}, {"v3l 72->40 @28", 72, 40, 28, 0},
    {"v3l 40->240 @28", 40, 240, 28, 0},    {"v3l 80->480 @14", 80, 480, 14, 0},
    {"v3l 480->112 @14", 480, 112, 14, 0},  {"v3l 112->672 @14", 112, 672, 14, 0},
    {"v3l 672->112 @14 +r", 672, 112, 14, 1}, {"v3l 672->160 @7", 672, 160, 7, 0},
    {"v3l 160->960 @7", 160, 960, 7, 0},    {"v3l 960->160 @7 +r", 960, 160, 7, 1},
    {"v2 96->24 @56", 96, 24, 56, 0},       {"v2 144->24 @56 +r", 144, 24, 56, 1},
    {"v2 192->32 @28 +r", 192, 32, 28, 1},  {"v2 384->64 @14 +r", 384, 64, 14, 1},
    {"v2 576->96 @14 +r", 576, 96, 14, 1},  {"v2 960->160 @7 +r", 960, 160, 7, 1},
    {"v2 320->1280 @7", 320, 1280, 7, 0},
};

/* As in a network: the weights cold (a 32 MiB write evicts every cache
 * level), the input just written by the layer before. */
static void model_cache_state(float *flush, size_t nflush, float *x, size_t nx)
{
    for (size_t j = 0; j < nflush; j += 16) flush[j] += 1.0f;
    for (size_t j = 0; j < nx; j += 16) x[j] += 0.0f;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 51;
    const int cold = argc > 2 && argv[2][0] == 'c';
    const size_t nflush = (size_t)32 << 18;
    float *flush = calloc(nflush, sizeof(float));
    const enum onr_isa level = onr_cpu_isa();
    const struct onr_activation relu = {ONR_ACT_RELU, 0.0f, 0.0f};
    /* the ISA kernels this CPU runs (the portable ones too only on a CPU
     * without any) */
    int nk = 0;
    const struct onr_nchwc_pw_kernel *ks[4];
    const struct onr_nchwc_pw_gated_kernel *gks[4];
    for (int i = 0; i < onr_nchwc_pw_kernels_count && nk < 4; i++)
        if (onr_kernel_isa_allowed(onr_nchwc_pw_kernels[i].isa, level) &&
            (onr_nchwc_pw_kernels[i].isa != ONR_ISA_PORTABLE || nk == 0)) {
            ks[nk] = &onr_nchwc_pw_kernels[i];
            gks[nk++] = &onr_nchwc_pw_gated_kernels[i];
        }
    printf("GFLOP/s of the fastest of %d runs, 1 thread (thread CPU time), %s\n", reps,
           cold ? "weights cold, input warm" : "all warm");
    printf("%-22s %7s", "layer", "MFLOP");
    for (int k = 0; k < nk; k++) printf(" %22s %26s", ks[k]->name, gks[k]->name);
    printf("\n");
    for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
        const struct layer *l = &layers[i];
        const int64_t HW = l->HW * l->HW, CB = onr_nchwc_blocks(l->C), OCB = onr_nchwc_blocks(l->OC);
        const size_t nx = (size_t)(CB * HW * 16), ny = (size_t)(OCB * HW * 16);
        float *x = calloc(nx, sizeof(float)), *y = malloc(ny * sizeof(float));
        float *r = l->residual ? malloc(ny * sizeof(float)) : NULL;
        float *w = malloc((size_t)(l->OC * l->C) * sizeof(float)), *b = malloc((size_t)l->OC * 4);
        float *wp = malloc((size_t)onr_nchwc_pw_weight_floats(l->OC, l->C) * sizeof(float));
        float *bp = malloc((size_t)(OCB * 16) * sizeof(float));
        float *g = malloc((size_t)(CB * 16) * sizeof(float));
        float *scratch = malloc((size_t)onr_nchwc_pw_gated_scratch_floats(l->OC, l->C) * 4);
        for (int64_t j = 0; j < CB * 16; j++) g[j] = 0.5f + 0.001f * (float)j;
        for (size_t j = 0; j < nx; j++) x[j] = (float)(j % 17) * 0.1f - 0.8f;
        for (size_t j = 0; r && j < ny; j++) r[j] = (float)(j % 5) * 0.1f;
        for (int64_t j = 0; j < l->OC * l->C; j++) w[j] = (float)(j % 7) * 0.05f - 0.15f;
        for (int64_t j = 0; j < l->OC; j++) b[j] = 0.01f * (float)j;
        onr_nchwc_pack_pw(l->OC, l->C, w, b, wp, bp);
        const double flop = 2.0 * (double)(l->C * l->OC * HW);
        double best[8];
        for (int k = 0; k < 2 * nk; k++) best[k] = 1e30;
        for (int rep = -2; rep < reps; rep++)
            for (int k = 0; k < 2 * nk; k++) {
                if (cold) model_cache_state(flush, nflush, x, nx);
                const double t0 = now();
                if (k % 2 == 0)
                    ks[k / 2]->fn(1, l->C, l->OC, HW, x, wp, bp, r, &relu, y, 1);
                else
                    gks[k / 2]->fn(1, l->C, l->OC, HW, x, g, 0, wp, bp, r, &relu, y, scratch, 1);
                const double t = now() - t0;
                if (rep >= 0 && t < best[k]) best[k] = t;
            }
        printf("%-22s %7.2f", l->name, flop * 1e-6);
        for (int k = 0; k < nk; k++)
            printf(" %22.1f %26.1f", flop / best[2 * k] * 1e-9, flop / best[2 * k + 1] * 1e-9);
        printf("\n");
        free(x), free(y), free(r), free(w), free(b), free(wp), free(bp), free(g), free(scratch);
    }
    return 0;
}
