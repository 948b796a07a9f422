/* The fused depthwise -> pointwise kernel on plain NCHW (ops/kernels/
 * dwpw.h): the band functions of the run's ISA (kernel_isa.h), through the
 * threaded driver, against onr_dwpw_f32__ref (the reference depthwise Conv,
 * then the reference 1x1 Conv) at 1e-5 + 1e-4*|ref|, and bitwise equal for
 * 1, 2 and 3 threads. Shapes: channels around the 4/8/16/24/32 tiles, odd
 * and tiny planes, kernels 1, 3, 5 and 3x5, strides 1-3, symmetric,
 * asymmetric, zero and wide pads, dilation 1-2, batch 1-3, planes that
 * take several bands; every activation on either side, biases and the
 * residual on and off (cycled over the shapes). Outputs are pre-filled with
 * NaN (an unwritten element fails) and every buffer is allocated exactly,
 * so AddressSanitizer sees an overrun. A run for an ISA the CPU lacks
 * exits 77 (skipped). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_isa.h"
#include "ops/kernels/dwpw.h"
#include "testutil.h"

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},      {ONR_ACT_RELU, 0.0f, 0.0f},
    {ONR_ACT_CLIP, -0.3f, 0.4f},     {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f},
    {ONR_ACT_HARDSWISH, 0.0f, 0.0f}, {ONR_ACT_SIGMOID, 0.0f, 0.0f},
    {ONR_ACT_SILU, 0.0f, 0.0f},
};
#define N_ACTS ((int)(sizeof acts / sizeof acts[0]))

struct tcase {
    int64_t N, C, H, W, OC, KH, KW, S, pt, pl, pb, pr, D;
};

static const struct tcase cases[] = {
    /* the notebook's block, and near it */
    {1, 32, 64, 64, 64, 3, 3, 1, 1, 1, 1, 1, 1},
    {1, 33, 37, 65, 17, 3, 3, 1, 1, 1, 1, 1, 1},
    {2, 31, 29, 63, 23, 3, 3, 2, 1, 1, 1, 1, 1},
    /* channels around the tiles, odd planes */
    {1, 1, 5, 7, 1, 3, 3, 1, 1, 1, 1, 1, 1},
    {1, 2, 9, 11, 3, 3, 3, 1, 1, 1, 1, 1, 1},
    {1, 3, 13, 11, 5, 3, 3, 1, 0, 0, 0, 0, 1},
    {2, 7, 15, 14, 7, 3, 3, 1, 1, 1, 1, 1, 1},
    {1, 8, 17, 19, 8, 3, 3, 2, 1, 1, 1, 1, 1},
    {1, 9, 16, 16, 9, 5, 5, 1, 2, 2, 2, 2, 1},
    {1, 15, 17, 33, 15, 5, 5, 2, 2, 2, 2, 2, 1},
    {3, 16, 8, 40, 16, 3, 3, 1, 1, 1, 1, 1, 1},
    {1, 17, 33, 31, 24, 3, 3, 2, 1, 1, 1, 1, 1},
    {1, 24, 12, 47, 25, 3, 3, 1, 1, 1, 1, 1, 2},
    {1, 12, 20, 17, 33, 5, 5, 1, 4, 4, 4, 4, 2},
    {1, 5, 19, 21, 31, 3, 5, 1, 1, 2, 1, 2, 1},
    {1, 6, 14, 30, 4, 3, 3, 3, 1, 1, 1, 1, 1},
    {1, 7, 13, 29, 9, 1, 1, 1, 0, 0, 0, 0, 1},
    {1, 4, 11, 12, 6, 1, 1, 2, 0, 0, 0, 0, 1},
    /* asymmetric and wide pads: border columns and rows of padding only */
    {1, 10, 9, 10, 12, 3, 3, 1, 0, 2, 2, 0, 1},
    {1, 11, 6, 5, 13, 3, 3, 1, 4, 4, 4, 4, 1},
    {1, 3, 7, 9, 18, 5, 5, 2, 0, 1, 3, 2, 1},
    {1, 20, 3, 3, 40, 3, 3, 1, 1, 1, 1, 1, 1},
    {2, 64, 7, 7, 48, 3, 3, 1, 1, 1, 1, 1, 1},
    {1, 48, 1, 1, 16, 3, 3, 1, 1, 1, 1, 1, 1},
    /* widths of every remainder of the 8- and 16-column vectors, strides 1 and 2 */
    {1, 5, 6, 100, 10, 3, 3, 1, 1, 1, 1, 1, 1},
    {1, 5, 6, 101, 10, 3, 3, 2, 1, 1, 1, 1, 1},
    {1, 5, 6, 66, 10, 5, 5, 2, 2, 2, 2, 2, 1},
    {1, 5, 6, 75, 10, 5, 5, 1, 2, 2, 2, 2, 1},
};
#define N_CASES ((int)(sizeof cases / sizeof cases[0]))

static float *alloc_f(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static void fill_nan(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = NAN;
}

static int64_t out_dim(int64_t in, int64_t k, int64_t s, int64_t pa, int64_t pb, int64_t d)
{
    return (in + pa + pb - d * (k - 1) - 1) / s + 1;
}

/* One case with the variant's band functions; i picks the activations,
 * biases and residual. */
static void run_case(const char *isa, const struct onr_dwpw_fns *fns, const struct tcase *t, int i)
{
    struct onr_dwpw_shape s = {
        .dw = {.N = t->N, .C = t->C, .H = t->H, .W = t->W, .OC = t->C, .KH = t->KH, .KW = t->KW,
               .stride_h = t->S, .stride_w = t->S, .pad_top = t->pt, .pad_left = t->pl,
               .pad_bottom = t->pb, .pad_right = t->pr, .dil_h = t->D, .dil_w = t->D,
               .group = t->C},
        .OC = t->OC,
    };
    s.dw.OH = out_dim(t->H, t->KH, t->S, t->pt, t->pb, t->D);
    s.dw.OW = out_dim(t->W, t->KW, t->S, t->pl, t->pr, t->D);
    if (!onr_dwpw_fits(&s)) {
        printf("%s case %d: does not fit\n", isa, i);
        onr_test_failures++;
        return;
    }
    const struct onr_activation *dact = &acts[i % N_ACTS], *pact = &acts[(i * 3 + 1) % N_ACTS];
    const bool bd_on = i % 3 != 1, bp_on = i % 4 != 2, r_on = i % 2 == 1;
    const size_t nx = (size_t)(t->N * t->C * t->H * t->W), nwd = (size_t)(t->C * t->KH * t->KW);
    const size_t nt = (size_t)(t->N * t->C * s.dw.OH * s.dw.OW);
    const size_t ny = (size_t)(t->N * t->OC * s.dw.OH * s.dw.OW);
    float *x = alloc_f(nx), *wd = alloc_f(nwd), *bd = alloc_f((size_t)t->C);
    float *wp = alloc_f((size_t)(t->OC * t->C)), *bp = alloc_f((size_t)t->OC), *r = alloc_f(ny);
    float *ref = alloc_f(ny), *tmp = alloc_f(nt), *y[3];
    const size_t wsn = (size_t)onr_dwpw_thread_floats(&s);
    onr_test_fill(x, nx, 1000 + (uint64_t)i, -1.0f, 1.0f);
    onr_test_fill(wd, nwd, 2000 + (uint64_t)i, -0.5f, 0.5f);
    onr_test_fill(bd, (size_t)t->C, 3000 + (uint64_t)i, -0.3f, 0.3f);
    onr_test_fill(wp, (size_t)(t->OC * t->C), 4000 + (uint64_t)i, -0.4f, 0.4f);
    onr_test_fill(bp, (size_t)t->OC, 5000 + (uint64_t)i, -0.3f, 0.3f);
    onr_test_fill(r, ny, 6000 + (uint64_t)i, -1.0f, 1.0f);
    onr_dwpw_f32__ref(&s, x, wd, bd_on ? bd : NULL, dact, wp, bp_on ? bp : NULL, pact,
                      r_on ? r : NULL, ref, tmp);
    char what[200];
    snprintf(what, sizeof what,
             "%s case %d: N=%lld C=%lld %lldx%lld OC=%lld k=%lldx%lld s=%lld p=%lld,%lld,%lld,%lld "
             "d=%lld dact=%d pact=%d bd=%d bp=%d r=%d",
             isa, i, (long long)t->N, (long long)t->C, (long long)t->H, (long long)t->W,
             (long long)t->OC, (long long)t->KH, (long long)t->KW, (long long)t->S,
             (long long)t->pt, (long long)t->pl, (long long)t->pb, (long long)t->pr,
             (long long)t->D, (int)dact->kind, (int)pact->kind, bd_on, bp_on, r_on);
    for (int th = 1; th <= 3; th++) {
        y[th - 1] = alloc_f(ny);
        float *ws = alloc_f(wsn * (size_t)th);
        fill_nan(y[th - 1], ny);
        fill_nan(ws, wsn * (size_t)th);
        onr_dwpw_f32(&s, fns, x, wd, bd_on ? bd : NULL, dact, wp, bp_on ? bp : NULL, pact,
                     r_on ? r : NULL, y[th - 1], ws, th);
        free(ws);
    }
    if (!onr_test_close(what, y[0], ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL)) onr_test_failures++;
    if (!onr_test_bitwise(what, y[0], y[1], ny) || !onr_test_bitwise(what, y[0], y[2], ny))
        onr_test_failures++;
    for (int th = 0; th < 3; th++) free(y[th]);
    free(x);
    free(wd);
    free(bd);
    free(wp);
    free(bp);
    free(r);
    free(ref);
    free(tmp);
}

/* The oracle on a case small enough to write down: 1 channel 3x3 input,
 * a 3x3 filter of ones with pad 1, then a 1x1 Conv to 2 channels. */
static void test_ref_by_hand(void)
{
    const struct onr_dwpw_shape s = {
        .dw = {.N = 1, .C = 1, .H = 3, .W = 3, .OC = 1, .KH = 3, .KW = 3, .OH = 3, .OW = 3,
               .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_left = 1, .pad_bottom = 1,
               .pad_right = 1, .dil_h = 1, .dil_w = 1, .group = 1},
        .OC = 2,
    };
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, wd[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    const float wp[2] = {1.0f, -1.0f}, bp[2] = {0.0f, 1.0f};
    const struct onr_activation none = {ONR_ACT_NONE, 0, 0}, relu = {ONR_ACT_RELU, 0, 0};
    /* box sums of the 3x3 neighbourhoods */
    const float box[9] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
    float want[18], got[18], tmp[9];
    for (int p = 0; p < 9; p++) {
        want[p] = box[p];
        want[9 + p] = 0.0f; /* relu(1 - box) */
    }
    onr_dwpw_f32__ref(&s, x, wd, NULL, &none, wp, bp, &relu, NULL, got, tmp);
    if (!onr_test_close("ref by hand", got, want, 18, 0.0f, 0.0f)) onr_test_failures++;
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_dwpw");
    if (rc >= 0) return rc;
    test_ref_by_hand();
    int ran = 0;
    for (int k = 0; k < onr_dwpw_kernels_count; k++) {
        const struct onr_dwpw_kernel *e = &onr_dwpw_kernels[k];
        if (!kt_runs(e->isa)) continue;
        for (int i = 0; i < N_CASES; i++) run_case(e->name, e->fn, &cases[i], i);
        ran++;
    }
    if (ran == 0) {
        printf("test_dwpw: no kernel built for the ISA asked for\n");
        onr_test_failures++;
    }
    printf("test_dwpw: %d variant(s), %d cases each, %d failure(s)\n", ran, N_CASES,
           onr_test_failures);
    return onr_test_failures != 0;
}
