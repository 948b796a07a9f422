/* The ISA kernels of the channel-blocked layout NCHW16c
 * (ops/kernels/nchwc.h): each AVX2 and AVX-512 entry of the NCHW16c kernel
 * tables (those of the run's ISA, kernel_isa.h) against the scalar ones,
 * which test_nchwc_{dw,pw,conv}.c check against the plain-layout oracle; the plain output is also checked against onr_conv2d_f32__ref here
 * on the Conv cases (layouts converted with plain loops). Covered: the
 * reorders (bitwise), depthwise over kernel sizes 1x1..7x7, strides 1-3,
 * dilation 1-2, symmetric / asymmetric / zero pads; pointwise plain, gated
 * (per-image and shared gates), HW == 1, gemv; the dense stem Conv. Channel
 * counts around the 8- and 16-lane blocks, batch 1 and 2, every activation,
 * bias and residual on/off (cycled over the shapes). Each: 1, 2 and 3
 * threads bitwise equal, outputs pre-filled with NaN (unwritten fails),
 * padding lanes of blocked outputs finite, input padding lanes NaN where
 * the contract says they are never read, and buffers allocated exactly so
 * ASan sees an overrun. A run for an ISA the CPU lacks is skipped (77). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/nchwc.h"
#include "kernel_isa.h"
#include "testutil.h"

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},        {ONR_ACT_RELU, 0.0f, 0.0f},
    {ONR_ACT_CLIP, -0.3f, 0.4f},       {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f},
    {ONR_ACT_HARDSWISH, 0.0f, 0.0f},   {ONR_ACT_SIGMOID, 0.0f, 0.0f},
    {ONR_ACT_SILU, 0.0f, 0.0f},
};
static const char *act_names[] = {"none",      "relu",    "clip", "hardsigmoid",
                                  "hardswish", "sigmoid", "silu"};
#define N_ACTS ((int)(sizeof(acts) / sizeof(acts[0])))

#if defined(__x86_64__) || defined(__i386__)

/* The kernels under test: one ISA's entries of the NCHW16c tables. */
static struct {
    const char *isa;
    onr_nchwc_reorder_fn from, to;
    onr_nchwc_dw_fn dw;
    onr_nchwc_pw_fn pw;
    onr_nchwc_pw_gated_fn gated;
    onr_nchwc_gemv_fn gemv;
    onr_nchwc_conv_fn conv;
} IK;

static float *alloc_f(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static void fill_nan(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = NAN;
}

/* plain (N, C, HW) -> blocked, padding lanes set to `pad` */
static void to_blocked(int64_t N, int64_t C, int64_t HW, const float *x, float *xb, float pad)
{
    const int64_t CB = onr_nchwc_blocks(C);
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < CB * 16; c++)
            for (int64_t p = 0; p < HW; p++)
                xb[((n * CB + c / 16) * HW + p) * 16 + c % 16] =
                    c < C ? x[(n * C + c) * HW + p] : pad;
}

/* blocked -> plain, padding lanes dropped */
static void from_blocked(int64_t N, int64_t C, int64_t HW, const float *xb, float *x)
{
    const int64_t CB = onr_nchwc_blocks(C);
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t p = 0; p < HW; p++)
                x[(n * C + c) * HW + p] = xb[((n * CB + c / 16) * HW + p) * 16 + c % 16];
}

/* Padding lanes of a blocked (N, C, HW) output finite. */
static int pad_finite(const char *what, int64_t N, int64_t C, int64_t HW, const float *yb)
{
    const int64_t CB = onr_nchwc_blocks(C);
    for (int64_t n = 0; n < N; n++)
        for (int64_t p = 0; p < HW; p++)
            for (int64_t l = C % 16 ? C % 16 : 16; l < 16; l++)
                if (!isfinite(yb[((n * CB + CB - 1) * HW + p) * 16 + l])) {
                    fprintf(stderr, "%s: padding lane %lld of pixel %lld not finite\n", what,
                            (long long)l, (long long)p);
                    return 0;
                }
    return 1;
}

/* got[t] (t = 0..2: 1..3 threads) against ref: close, and bitwise across
 * thread counts. */
static int compare3(const char *what, float *const got[3], const float *ref, size_t n)
{
    if (!onr_test_close(what, got[0], ref, n, ONR_TEST_ATOL, ONR_TEST_RTOL)) return 0;
    for (int t = 1; t < 3; t++) {
        char tw[400];
        snprintf(tw, sizeof(tw), "%s: 1 vs %d threads", what, t + 1);
        if (!onr_test_bitwise(tw, got[0], got[t], n)) return 0;
    }
    return 1;
}

/* ---- reorders ---- */

static void check_reorder(int64_t N, int64_t C, int64_t HW, uint64_t seed)
{
    const size_t np = (size_t)(N * C * HW), nb = (size_t)onr_nchwc_floats(N, C, HW);
    float *x = alloc_f(np), *xb = alloc_f(nb), *ref = alloc_f(nb), *refp = alloc_f(np);
    float *yb[3], *yp[3];
    for (int t = 0; t < 3; t++) yb[t] = alloc_f(nb), yp[t] = alloc_f(np);
    onr_test_fill(x, np, seed, -2.0f, 2.0f);
    char what[200];
    snprintf(what, sizeof(what), "from_nchw N=%lld C=%lld HW=%lld", (long long)N, (long long)C,
             (long long)HW);
    fill_nan(ref, nb);
    onr_nchwc_from_nchw__scalar(N, C, HW, x, ref, 1);
    int ok = 1;
    for (int t = 0; t < 3; t++) {
        fill_nan(yb[t], nb);
        IK.from(N, C, HW, x, yb[t], t + 1);
        ok = ok && onr_test_bitwise(what, yb[t], ref, nb);
    }
    /* the scalar writes zero padding; the bitwise match carries it over */
    to_blocked(N, C, HW, x, xb, NAN); /* to_nchw must not read padding */
    snprintf(what, sizeof(what), "to_nchw N=%lld C=%lld HW=%lld", (long long)N, (long long)C,
             (long long)HW);
    for (int t = 0; t < 3 && ok; t++) {
        fill_nan(yp[t], np);
        IK.to(N, C, HW, xb, yp[t], t + 1);
        ok = ok && onr_test_bitwise(what, yp[t], x, np);
    }
    if (!ok) onr_test_failures++;
    free(x), free(xb), free(ref), free(refp);
    for (int t = 0; t < 3; t++) free(yb[t]), free(yp[t]);
}

static void test_reorders(void)
{
    static const int64_t Cs[] = {1, 3, 8, 9, 15, 16, 17, 33, 40};
    static const int64_t HWs[] = {1, 7, 8, 9, 15, 16, 17, 49, 196, 1025};
    uint64_t seed = 1;
    for (size_t i = 0; i < sizeof(Cs) / sizeof(Cs[0]); i++)
        for (size_t j = 0; j < sizeof(HWs) / sizeof(HWs[0]); j++)
            for (int64_t N = 1; N <= 2; N++) check_reorder(N, Cs[i], HWs[j], seed++);
}

/* ---- depthwise ---- */

struct dw_case {
    int64_t KH, KW, sh, sw, dh, dw, pt, pl, pb, pr;
};

static void check_dw(const struct dw_case *k, int64_t N, int64_t C, int64_t H, int64_t W,
                     bool bias, int act, uint64_t seed)
{
    struct onr_conv_shape s = {N, C, H, W, C, k->KH, k->KW, 0, 0, k->sh, k->sw,
                               k->pt, k->pl, k->pb, k->pr, k->dh, k->dw, C};
    s.OH = (H + k->pt + k->pb - (k->KH - 1) * k->dh - 1) / k->sh + 1;
    s.OW = (W + k->pl + k->pr - (k->KW - 1) * k->dw - 1) / k->sw + 1;
    if (s.OH < 1 || s.OW < 1) return;
    const size_t nx = (size_t)(N * C * H * W), ny = (size_t)(N * C * s.OH * s.OW);
    const size_t nxb = (size_t)onr_nchwc_floats(N, C, H * W);
    const size_t nyb = (size_t)onr_nchwc_floats(N, C, s.OH * s.OW);
    const int64_t CB = onr_nchwc_blocks(C);
    float *x = alloc_f(nx), *xb = alloc_f(nxb), *w = alloc_f((size_t)(C * k->KH * k->KW));
    float *b = alloc_f((size_t)C), *wp = alloc_f((size_t)onr_nchwc_dw_weight_floats(C, k->KH, k->KW));
    float *bp = alloc_f((size_t)(CB * 16)), *ref = alloc_f(nyb), *plain = alloc_f(ny);
    float *oracle = alloc_f(ny), *got[3];
    for (int t = 0; t < 3; t++) got[t] = alloc_f(nyb);
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, (size_t)(C * k->KH * k->KW), seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)C, seed + 2, -0.5f, 0.5f);
    to_blocked(N, C, H * W, x, xb, 0.75f); /* finite padding, as every producer writes */
    onr_nchwc_pack_dw(C, k->KH, k->KW, w, bias ? b : NULL, wp, bp);
    fill_nan(ref, nyb);
    onr_nchwc_dwconv_f32__scalar(&s, xb, wp, bp, &acts[act], ref, 1);
    onr_conv2d_f32__ref(&s, x, w, bias ? b : NULL, &acts[act], oracle);
    char what[300];
    snprintf(what, sizeof(what),
             "dw N=%lld C=%lld %lldx%lld in=%lldx%lld k=%lldx%lld s=%lld,%lld d=%lld,%lld "
             "pads=%lld,%lld,%lld,%lld bias=%d act=%s",
             (long long)N, (long long)C, (long long)H, (long long)W, (long long)s.OH,
             (long long)s.OW, (long long)k->KH, (long long)k->KW, (long long)k->sh,
             (long long)k->sw, (long long)k->dh, (long long)k->dw, (long long)k->pt,
             (long long)k->pl, (long long)k->pb, (long long)k->pr, bias, act_names[act]);
    for (int t = 0; t < 3; t++) {
        fill_nan(got[t], nyb);
        IK.dw(&s, xb, wp, bp, &acts[act], got[t], t + 1);
    }
    int ok = compare3(what, got, ref, nyb) && pad_finite(what, N, C, s.OH * s.OW, got[0]);
    if (ok) {
        from_blocked(N, C, s.OH * s.OW, got[0], plain);
        char ow[340];
        snprintf(ow, sizeof(ow), "%s vs oracle", what);
        ok = onr_test_close(ow, plain, oracle, ny, ONR_TEST_ATOL, ONR_TEST_RTOL);
    }
    if (!ok) onr_test_failures++;
    free(x), free(xb), free(w), free(b), free(wp), free(bp), free(ref), free(plain), free(oracle);
    for (int t = 0; t < 3; t++) free(got[t]);
}

static void test_dw(void)
{
    static const struct dw_case ks[] = {
        {3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, {3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
        {3, 3, 2, 2, 1, 1, 0, 0, 1, 1}, {3, 3, 1, 1, 1, 1, 0, 0, 0, 0},
        {5, 5, 1, 1, 1, 1, 2, 2, 2, 2}, {5, 5, 2, 2, 1, 1, 2, 2, 2, 2},
        {5, 5, 2, 2, 1, 1, 1, 1, 2, 2}, {5, 5, 1, 1, 1, 1, 0, 0, 0, 0},
        {1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, {1, 1, 2, 2, 1, 1, 0, 0, 0, 0},
        {7, 7, 1, 1, 1, 1, 3, 3, 3, 3}, {7, 7, 2, 2, 1, 1, 3, 3, 3, 3},
        {3, 5, 1, 1, 1, 1, 1, 2, 1, 2}, {3, 5, 2, 1, 1, 1, 0, 2, 1, 0},
        {3, 3, 3, 3, 1, 1, 1, 1, 1, 1}, {3, 3, 1, 1, 2, 2, 2, 2, 2, 2},
        {3, 3, 2, 2, 2, 2, 2, 1, 0, 2}, {5, 5, 3, 3, 2, 1, 4, 2, 1, 3},
        {3, 3, 1, 2, 1, 1, 1, 0, 1, 0},
    };
    static const int64_t Cs[] = {1, 3, 16, 17, 40};
    static const int64_t planes[][2] = {{1, 1}, {2, 3}, {5, 5}, {7, 7}, {8, 13},
                                        {14, 14}, {17, 9}, {20, 40}, {1, 33}, {33, 2}};
    uint64_t seed = 1000;
    int cnt = 0;
    for (size_t k = 0; k < sizeof(ks) / sizeof(ks[0]); k++)
        for (size_t c = 0; c < sizeof(Cs) / sizeof(Cs[0]); c++)
            for (size_t p = 0; p < sizeof(planes) / sizeof(planes[0]); p++, cnt++)
                check_dw(&ks[k], 1 + cnt % 2, Cs[c], planes[p][0], planes[p][1], cnt % 3 != 1,
                         cnt % N_ACTS, seed += 7);
}

/* ---- pointwise ---- */

/* gate: 0 plain, 1 per-image gates, 2 one gate for all images */
static void check_pw(int64_t N, int64_t C, int64_t OC, int64_t HW, bool bias, bool resid,
                     int act, int gate, uint64_t seed)
{
    const int64_t CB = onr_nchwc_blocks(C), OCB = onr_nchwc_blocks(OC);
    const size_t nx = (size_t)(N * C * HW), nr = (size_t)(N * OC * HW);
    const size_t nxb = (size_t)onr_nchwc_floats(N, C, HW), nyb = (size_t)onr_nchwc_floats(N, OC, HW);
    const int64_t gn = gate == 1 ? N : 1, g_stride = gate == 1 ? CB * 16 : 0;
    float *x = alloc_f(nx), *xb = alloc_f(nxb), *w = alloc_f((size_t)(OC * C));
    float *b = alloc_f((size_t)OC), *wp = alloc_f((size_t)onr_nchwc_pw_weight_floats(OC, C));
    float *bp = alloc_f((size_t)(OCB * 16)), *r = alloc_f(nr), *rb = alloc_f(nyb);
    float *g = alloc_f((size_t)(gn * C)), *gb = alloc_f((size_t)(gn * CB * 16));
    float *scratch = alloc_f((size_t)onr_nchwc_pw_gated_scratch_floats(OC, C));
    float *ref = alloc_f(nyb), *got[3];
    for (int t = 0; t < 3; t++) got[t] = alloc_f(nyb);
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, (size_t)(OC * C), seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)OC, seed + 2, -0.5f, 0.5f);
    onr_test_fill(r, nr, seed + 3, -1.0f, 1.0f);
    onr_test_fill(g, (size_t)(gn * C), seed + 4, 0.0f, 1.0f);
    to_blocked(N, C, HW, x, xb, NAN);   /* input padding is never read */
    to_blocked(gn, C, 1, g, gb, NAN);   /* nor gate padding */
    to_blocked(N, OC, HW, r, rb, 0.25f);
    onr_nchwc_pack_pw(OC, C, w, bias ? b : NULL, wp, bp);
    const float *rr = resid ? rb : NULL;
    fill_nan(ref, nyb);
    if (gate)
        onr_nchwc_pwconv_gated_f32__scalar(N, C, OC, HW, xb, gb, g_stride, wp, bp, rr, &acts[act],
                                           ref, NULL, 1);
    else
        onr_nchwc_pwconv_f32__scalar(N, C, OC, HW, xb, wp, bp, rr, &acts[act], ref, 1);
    char what[300];
    snprintf(what, sizeof(what), "pw N=%lld C=%lld OC=%lld HW=%lld bias=%d resid=%d act=%s gate=%d",
             (long long)N, (long long)C, (long long)OC, (long long)HW, bias, resid,
             act_names[act], gate);
    for (int t = 0; t < 3; t++) {
        fill_nan(got[t], nyb);
        /* 1 and 3 threads with the scratch (scaled weights), 2 without */
        if (gate)
            IK.gated(N, C, OC, HW, xb, gb, g_stride, wp, bp, rr, &acts[act], got[t],
                     t == 1 ? NULL : scratch, t + 1);
        else
            IK.pw(N, C, OC, HW, xb, wp, bp, rr, &acts[act], got[t], t + 1);
    }
    if (!(compare3(what, got, ref, nyb) && pad_finite(what, N, OC, HW, got[0])))
        onr_test_failures++;
    free(x), free(xb), free(w), free(b), free(wp), free(bp), free(r), free(rb), free(g), free(gb);
    free(ref), free(scratch);
    for (int t = 0; t < 3; t++) free(got[t]);
}

/* y allocated exactly OC floats: ASan sees a write past it. */
static void check_gemv(int64_t C, int64_t OC, bool bias, int act, uint64_t seed)
{
    const int64_t OCB = onr_nchwc_blocks(OC);
    float *x = alloc_f((size_t)C), *w = alloc_f((size_t)(OC * C)), *b = alloc_f((size_t)OC);
    float *wp = alloc_f((size_t)onr_nchwc_pw_weight_floats(OC, C));
    float *bp = alloc_f((size_t)(OCB * 16)), *ref = alloc_f((size_t)OC), *got[3];
    for (int t = 0; t < 3; t++) got[t] = alloc_f((size_t)OC);
    onr_test_fill(x, (size_t)C, seed, -1.0f, 1.0f);
    onr_test_fill(w, (size_t)(OC * C), seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)OC, seed + 2, -0.5f, 0.5f);
    onr_nchwc_pack_pw(OC, C, w, bias ? b : NULL, wp, bp);
    fill_nan(ref, (size_t)OC);
    onr_nchwc_gemv_f32__scalar(C, OC, x, wp, bp, &acts[act], ref, 1);
    char what[200];
    snprintf(what, sizeof(what), "gemv C=%lld OC=%lld bias=%d act=%s", (long long)C,
             (long long)OC, bias, act_names[act]);
    for (int t = 0; t < 3; t++) {
        fill_nan(got[t], (size_t)OC);
        IK.gemv(C, OC, x, wp, bp, &acts[act], got[t], t + 1);
    }
    if (!compare3(what, got, ref, (size_t)OC)) onr_test_failures++;
    free(x), free(w), free(b), free(wp), free(bp), free(ref);
    for (int t = 0; t < 3; t++) free(got[t]);
}

static void test_pw(void)
{
    static const int64_t chans[] = {1, 3, 16, 17, 24, 40, 96, 160};
    static const int64_t HWs[] = {1, 2, 7, 49, 196, 197};
    const int nc = (int)(sizeof(chans) / sizeof(chans[0]));
    uint64_t seed = 5000;
    int cnt = 0;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            for (size_t h = 0; h < sizeof(HWs) / sizeof(HWs[0]); h++, cnt++) {
                const int64_t HW = HWs[h];
                const int64_t N = 1 + cnt % 2;
                /* big shapes with one activation per pass, small ones with all */
                const bool big = chans[i] * chans[j] * HW > 200000;
                for (int a = big ? cnt % N_ACTS : 0; a < N_ACTS; a += big ? N_ACTS : 1)
                    check_pw(N, chans[i], chans[j], HW, (cnt + a) % 3 != 1, (cnt + a) % 2 == 0,
                             a, (cnt + a) % 3, seed += 11);
            }
            for (int a = 0; a < N_ACTS; a++) check_gemv(chans[i], chans[j], a % 2 == 0, a, seed += 5);
        }
    check_gemv(1280, 1000, true, 0, 77); /* a classifier */
    check_pw(2, 576, 1024, 1, true, true, 6, 1, 78);
}

/* ---- activations on special values ---- */

/* A 1x1 depthwise Conv with weight 1 and bias 0 is y = act(x) exactly up to
 * the activation: NaN, infinities, signed zeros and the activations' bounds
 * against the scalar onr_activation_apply (NaN where it gives NaN, equal
 * infinities; sigmoid and SiLU get finite inputs and NaN only, since their
 * vector exp clamps at +-88). */
static void test_act_special(void)
{
    static const float vals[] = {NAN,   INFINITY, -INFINITY, 0.0f,  -0.0f, -0.3f, 0.4f,
                                 -0.31f, 0.41f,   3.0f,      -3.0f, 2.5f,  -2.5f, 1e-30f,
                                 -1e-30f, 100.0f, -100.0f,   90.0f, -90.0f, 1e30f, -1e30f,
                                 0.5f,  -0.5f,   6.0f,      -6.0f, 1.0f,  -1.0f, 1e-3f};
    enum { NV = sizeof(vals) / sizeof(vals[0]), C = 16, HW = NV };
    float x[C * HW], w[C], b[C], ref[C * HW], got[C * HW];
    for (int i = 0; i < C * HW; i++) x[i] = vals[i % NV];
    for (int c = 0; c < C; c++) w[c] = 1.0f, b[c] = 0.0f;
    const struct onr_conv_shape s = {1, C, 1, HW, C, 1, 1, 1, HW, 1, 1, 0, 0, 0, 0, 1, 1, C};
    for (int a = 0; a < N_ACTS; a++) {
        const bool smooth = acts[a].kind == ONR_ACT_SIGMOID || acts[a].kind == ONR_ACT_SILU;
        float xa[C * HW];
        for (int i = 0; i < C * HW; i++) xa[i] = smooth && isinf(x[i]) ? 0.0f : x[i];
        /* blocked with C == 16 is plain transposed: build it directly */
        float xb[C * HW], wp[C], bp[C];
        for (int c = 0; c < C; c++)
            for (int p = 0; p < HW; p++) xb[p * C + c] = xa[c * HW + p];
        onr_nchwc_pack_dw(C, 1, 1, w, b, wp, bp);
        onr_nchwc_dwconv_f32__scalar(&s, xb, wp, bp, &acts[a], ref, 1);
        IK.dw(&s, xb, wp, bp, &acts[a], got, 1);
        for (int i = 0; i < C * HW; i++) {
            const float g = got[i], r = ref[i];
            const bool ok = isnan(r) ? isnan(g)
                            : isinf(r) ? g == r
                                       : fabsf(g - r) <= ONR_TEST_ATOL + ONR_TEST_RTOL * fabsf(r);
            if (!ok) {
                fprintf(stderr, "act %s of %g: got %.9g, scalar %.9g\n", act_names[a],
                        (double)xb[i], (double)g, (double)r);
                onr_test_failures++;
                break;
            }
        }
    }
}

/* ---- dense stem Conv ---- */

static void check_conv(int64_t N, int64_t C, int64_t OC, int64_t H, int64_t W, int64_t K,
                       int64_t S, int64_t D, int64_t pad_lo, int64_t pad_hi, bool bias, int act,
                       uint64_t seed)
{
    struct onr_conv_shape s = {N, C, H, W, OC, K, K, 0, 0, S, S, pad_lo, pad_lo, pad_hi, pad_hi,
                               D, D, 1};
    s.OH = (H + pad_lo + pad_hi - (K - 1) * D - 1) / S + 1;
    s.OW = (W + pad_lo + pad_hi - (K - 1) * D - 1) / S + 1;
    if (s.OH < 1 || s.OW < 1) return;
    const int64_t OCB = onr_nchwc_blocks(OC), OHW = s.OH * s.OW;
    const size_t nx = (size_t)(N * C * H * W), ny = (size_t)(N * OC * OHW);
    const size_t nyb = (size_t)onr_nchwc_floats(N, OC, OHW);
    float *x = alloc_f(nx), *w = alloc_f((size_t)(OC * C * K * K)), *b = alloc_f((size_t)OC);
    float *wp = alloc_f((size_t)onr_nchwc_conv_weight_floats(OC, C, K, K));
    float *bp = alloc_f((size_t)(OCB * 16)), *ref = alloc_f(nyb), *oracle = alloc_f(ny);
    float *plain = alloc_f(ny), *got[3];
    for (int t = 0; t < 3; t++) got[t] = alloc_f(nyb);
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, (size_t)(OC * C * K * K), seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)OC, seed + 2, -0.5f, 0.5f);
    onr_nchwc_pack_conv(OC, C, K, K, w, bias ? b : NULL, wp, bp);
    fill_nan(ref, nyb);
    onr_nchwc_conv_f32__scalar(&s, x, wp, bp, &acts[act], ref, 1);
    onr_conv2d_f32__ref(&s, x, w, bias ? b : NULL, &acts[act], oracle);
    char what[300];
    snprintf(what, sizeof(what),
             "conv N=%lld C=%lld OC=%lld in=%lldx%lld k=%lld s=%lld d=%lld pads=%lld,%lld "
             "bias=%d act=%s",
             (long long)N, (long long)C, (long long)OC, (long long)H, (long long)W, (long long)K,
             (long long)S, (long long)D, (long long)pad_lo, (long long)pad_hi, bias,
             act_names[act]);
    for (int t = 0; t < 3; t++) {
        fill_nan(got[t], nyb);
        IK.conv(&s, x, wp, bp, &acts[act], got[t], t + 1);
    }
    int ok = compare3(what, got, ref, nyb) && pad_finite(what, N, OC, OHW, got[0]);
    if (ok) {
        from_blocked(N, OC, OHW, got[0], plain);
        char ow[340];
        snprintf(ow, sizeof(ow), "%s vs oracle", what);
        ok = onr_test_close(ow, plain, oracle, ny, ONR_TEST_ATOL, ONR_TEST_RTOL);
    }
    if (!ok) onr_test_failures++;
    free(x), free(w), free(b), free(wp), free(bp), free(ref), free(oracle), free(plain);
    for (int t = 0; t < 3; t++) free(got[t]);
}

static void test_conv(void)
{
    static const int64_t OCs[] = {1, 8, 16, 17, 32, 33};
    static const int64_t planes[][2] = {{1, 1}, {5, 7}, {9, 16}, {17, 23}, {30, 31}};
    uint64_t seed = 9000;
    int cnt = 0;
    for (int64_t C = 1; C <= 5; C++)
        for (size_t o = 0; o < sizeof(OCs) / sizeof(OCs[0]); o++)
            for (int64_t K = 1; K <= 7; K++)
                for (size_t p = 0; p < sizeof(planes) / sizeof(planes[0]); p++, cnt++) {
                    const int64_t S = 1 + cnt % 3, D = 1 + (cnt / 3) % 2 * (cnt % 5 == 0);
                    const int64_t plo = cnt % 4 == 0 ? 0 : (K - 1) / 2 + cnt % 2;
                    const int64_t phi = cnt % 4 == 0 ? 0 : (K - 1) / 2 + (cnt / 2) % 2;
                    check_conv(1 + cnt % 2, C, OCs[o], planes[p][0], planes[p][1], K, S, D, plo,
                               phi, cnt % 3 != 2, cnt % N_ACTS, seed += 3);
                }
    /* the RGB stem itself, every activation */
    for (int a = 0; a < N_ACTS; a++) check_conv(1, 3, 32, 32, 29, 3, 2, 1, 1, 1, true, a, 99 + a);
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_nchwc_isa");
    if (rc >= 0) return rc;
    int ran = 0;
    for (int i = ONR_ISA_AVX2; i < ONR_ISA_COUNT; i++) {
        if (!kt_runs((enum onr_isa)i)) continue;
        IK.isa = onr_isa_name((enum onr_isa)i);
        KT_FN(onr_nchwc_from_nchw_kernels, i, IK.from);
        KT_FN(onr_nchwc_to_nchw_kernels, i, IK.to);
        KT_FN(onr_nchwc_dw_kernels, i, IK.dw);
        KT_FN(onr_nchwc_pw_kernels, i, IK.pw);
        KT_FN(onr_nchwc_pw_gated_kernels, i, IK.gated);
        KT_FN(onr_nchwc_gemv_kernels, i, IK.gemv);
        KT_FN(onr_nchwc_conv_kernels, i, IK.conv);
        if (!IK.from || !IK.to || !IK.dw || !IK.pw || !IK.gated || !IK.gemv || !IK.conv) {
            printf("test_nchwc_isa %s: not in this build's kernel tables\n", IK.isa);
            return 1;
        }
        const int before = onr_test_failures;
        test_act_special();
        test_reorders();
        test_dw();
        test_pw();
        test_conv();
        printf("test_nchwc_isa %s: %d failure(s)\n", IK.isa, onr_test_failures - before);
        ran++;
    }
    if (ran == 0) {
        printf("test_nchwc_isa: no ISA kernels at this ISA level, skipped\n");
        return KT_SKIPPED;
    }
    return onr_test_failures != 0;
}

#else

int main(void)
{
    (void)acts;
    (void)act_names;
    printf("test_nchwc_isa: not an x86 build, skipped\n");
    return KT_SKIPPED;
}

#endif
