/* The channel-blocked layout NCHW16c (ops/kernels/nchwc.h): the plain <->
 * blocked reorders against the layout's index formula (padding lanes 0
 * after from_nchw) and round trips; onr_nchwc_pack_dw against the formula;
 * and the depthwise Conv (scalar and AVX-512) against the plain oracle
 * onr_conv2d_f32__ref with group == C == OC, converting layouts here with
 * tiny loops. Kernels 3x3 and 5x5 (and 1x1, 2x2, 7x7, 3x5), strides 1..3,
 * dilations 1 and 2, zero/symmetric/asymmetric pads, planes 1x1..113x113,
 * C around the 16-lane blocks, batch 1 and 2, every activation, bias
 * on/off; bitwise equality across 1, 2 and 3 threads, padding lanes
 * finite. AVX-512 variants are skipped with a note on CPUs without it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/conv.h"
#include "ops/kernels/nchwc.h"
#include "kernel_isa.h"
#include "testutil.h"

static int have_avx512;

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},  {ONR_ACT_RELU, 0.0f, 0.0f},     {ONR_ACT_CLIP, -0.3f, 0.4f},
    {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f}, {ONR_ACT_HARDSWISH, 0.0f, 0.0f},
    {ONR_ACT_SIGMOID, 0.0f, 0.0f}, {ONR_ACT_SILU, 0.0f, 0.0f},
};
static const char *act_names[] = {"none",      "relu",    "clip", "hardsigmoid",
                                  "hardswish", "sigmoid", "silu"};
#define N_ACTS ((int)(sizeof(acts) / sizeof(acts[0])))

/* Element (n, c, i) of a blocked (N, C, HW) tensor, from the layout formula. */
static size_t blk(int64_t C, int64_t HW, int64_t n, int64_t c, int64_t i)
{
    return (size_t)(((n * onr_nchwc_blocks(C) + c / 16) * HW + i) * 16 + c % 16);
}

static void to_blocked(int64_t N, int64_t C, int64_t HW, const float *x, float *y)
{
    for (size_t i = 0; i < (size_t)onr_nchwc_floats(N, C, HW); i++) y[i] = 0.0f;
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < HW; i++) y[blk(C, HW, n, c, i)] = x[(n * C + c) * HW + i];
}

static void from_blocked(int64_t N, int64_t C, int64_t HW, const float *x, float *y)
{
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < HW; i++) y[(n * C + c) * HW + i] = x[blk(C, HW, n, c, i)];
}

/* Padding lanes (c >= C in the last block) of a blocked tensor all finite. */
static int pad_lanes_finite(int64_t N, int64_t C, int64_t HW, const float *y)
{
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = C; c < onr_nchwc_blocks(C) * 16; c++)
            for (int64_t i = 0; i < HW; i++)
                if (!isfinite(y[blk(C, HW, n, c, i)])) return 0;
    return 1;
}

struct reorder_impl {
    const char *name;
    onr_nchwc_reorder_fn from, to;
    int avx512;
};

static const struct reorder_impl reorders[] = {
    {"scalar", onr_nchwc_from_nchw__scalar, onr_nchwc_to_nchw__scalar, 0},
#if defined(__x86_64__) || defined(__i386__)
    {"avx512", onr_nchwc_from_nchw__avx512, onr_nchwc_to_nchw__avx512, 1},
#endif
};
#define N_REORDERS (sizeof(reorders) / sizeof(reorders[0]))

/* from_nchw against the formula (padding lanes exactly 0), to_nchw back to
 * the input exactly, at 1, 2 and 3 threads. */
static void check_reorder(const struct reorder_impl *r, int64_t N, int64_t C, int64_t HW)
{
    const size_t nx = (size_t)(N * C * HW), nb = (size_t)onr_nchwc_floats(N, C, HW);
    float *x = malloc(nx * sizeof(float)), *want = malloc(nb * sizeof(float));
    float *blocked = malloc(nb * sizeof(float)), *back = malloc(nx * sizeof(float));
    char what[160];
    onr_test_fill(x, nx, (uint64_t)(N * 1000 + C * 10 + HW), -1.0f, 1.0f);
    to_blocked(N, C, HW, x, want);
    for (int t = 1; t <= 3; t++) {
        snprintf(what, sizeof(what), "from_nchw_%s N=%lld C=%lld HW=%lld threads=%d", r->name,
                 (long long)N, (long long)C, (long long)HW, t);
        for (size_t i = 0; i < nb; i++) blocked[i] = NAN; /* padding must be written 0 */
        r->from(N, C, HW, x, blocked, t);
        if (!onr_test_bitwise(what, blocked, want, nb)) onr_test_failures++;
        snprintf(what, sizeof(what), "to_nchw_%s N=%lld C=%lld HW=%lld threads=%d", r->name,
                 (long long)N, (long long)C, (long long)HW, t);
        for (size_t i = 0; i < nx; i++) back[i] = NAN;
        /* padding lanes set to NaN: they must not leak into the plain result */
        for (int64_t n = 0; n < N; n++)
            for (int64_t c = C; c < onr_nchwc_blocks(C) * 16; c++)
                for (int64_t i = 0; i < HW; i++) want[blk(C, HW, n, c, i)] = NAN;
        r->to(N, C, HW, want, back, t);
        to_blocked(N, C, HW, x, want);
        if (!onr_test_bitwise(what, back, x, nx)) onr_test_failures++;
    }
    free(x);
    free(want);
    free(blocked);
    free(back);
}

static void test_reorders(void)
{
    static const int64_t Cs[] = {1, 3, 15, 16, 17, 33, 40, 96};
    static const int64_t HWs[] = {1, 2, 7, 15, 16, 17, 31, 49, 196, 1023, 1024, 1025, 2000, 12769};
    for (size_t r = 0; r < N_REORDERS; r++) {
        if (reorders[r].avx512 ? !have_avx512 : !kt_runs(ONR_ISA_PORTABLE)) continue;
        for (size_t c = 0; c < sizeof(Cs) / sizeof(Cs[0]); c++)
            for (size_t h = 0; h < sizeof(HWs) / sizeof(HWs[0]); h++)
                check_reorder(&reorders[r], 1 + (int64_t)((c + h) % 2), Cs[c], HWs[h]);
    }
    printf("reorders: done\n");
}

static void test_pack_dw(void)
{
    static const int64_t Cs[] = {1, 15, 16, 17, 40};
    for (size_t i = 0; i < sizeof(Cs) / sizeof(Cs[0]); i++) {
        const int64_t C = Cs[i], KH = 3, KW = 5, CB = onr_nchwc_blocks(C);
        float *w = malloc((size_t)(C * KH * KW) * sizeof(float));
        float *b = malloc((size_t)C * sizeof(float));
        float *wp = malloc((size_t)onr_nchwc_dw_weight_floats(C, KH, KW) * sizeof(float));
        float *bp = malloc((size_t)(CB * 16) * sizeof(float));
        onr_test_fill(w, (size_t)(C * KH * KW), 7 + (uint64_t)C, -1.0f, 1.0f);
        onr_test_fill(b, (size_t)C, 8 + (uint64_t)C, -1.0f, 1.0f);
        for (int with_b = 0; with_b < 2; with_b++) {
            onr_nchwc_pack_dw(C, KH, KW, w, with_b ? b : NULL, wp, bp);
            for (int64_t c = 0; c < CB * 16; c++) {
                for (int64_t kh = 0; kh < KH; kh++)
                    for (int64_t kw = 0; kw < KW; kw++) {
                        const float want = c < C ? w[(c * KH + kh) * KW + kw] : 0.0f;
                        CHECK(wp[((c / 16 * KH + kh) * KW + kw) * 16 + c % 16] == want);
                    }
                CHECK(bp[c] == (with_b && c < C ? b[c] : 0.0f));
            }
        }
        free(w);
        free(b);
        free(wp);
        free(bp);
    }
    printf("pack_dw: done\n");
}

struct dw_impl {
    const char *name;
    onr_nchwc_dw_fn fn;
    int avx512;
};

static const struct dw_impl dw_impls[] = {
    {"scalar", onr_nchwc_dwconv_f32__scalar, 0},
#if defined(__x86_64__) || defined(__i386__)
    {"avx512", onr_nchwc_dwconv_f32__avx512, 1},
#endif
};
#define N_DW_IMPLS (sizeof(dw_impls) / sizeof(dw_impls[0]))

static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
    const int64_t ek = (k - 1) * d + 1;
    return in + p0 + p1 < ek ? 0 : (in + p0 + p1 - ek) / s + 1;
}

/* Every implementation on one shape against the oracle, 1..3 threads. */
static int check_dw(const struct onr_conv_shape *s, int bias, int act, uint64_t seed)
{
    const int64_t N = s->N, C = s->C, HW = s->H * s->W, OHW = s->OH * s->OW;
    const size_t nx = (size_t)(N * C * HW), ny = (size_t)(N * C * OHW);
    const size_t nxb = (size_t)onr_nchwc_floats(N, C, HW), nyb = (size_t)onr_nchwc_floats(N, C, OHW);
    const size_t nw = (size_t)(C * s->KH * s->KW);
    float *x = malloc(nx * sizeof(float)), *xb = malloc(nxb * sizeof(float));
    float *w = malloc(nw * sizeof(float)), *b = malloc((size_t)C * sizeof(float));
    float *wp = malloc((size_t)onr_nchwc_dw_weight_floats(C, s->KH, s->KW) * sizeof(float));
    float *bp = malloc((size_t)(onr_nchwc_blocks(C) * 16) * sizeof(float));
    float *ref = malloc(ny * sizeof(float)), *got = malloc(ny * sizeof(float));
    float *yb[3];
    for (int t = 0; t < 3; t++) yb[t] = malloc(nyb * sizeof(float));
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, nw, seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)C, seed + 2, -0.5f, 0.5f);
    onr_conv2d_f32__ref(s, x, w, bias ? b : NULL, &acts[act], ref);
    to_blocked(N, C, HW, x, xb);
    onr_nchwc_pack_dw(C, s->KH, s->KW, w, bias ? b : NULL, wp, bp);
    int ok = 1;
    for (size_t v = 0; v < N_DW_IMPLS && ok; v++) {
        if (dw_impls[v].avx512 ? !have_avx512 : !kt_runs(ONR_ISA_PORTABLE)) continue;
        char what[320];
        snprintf(what, sizeof(what),
                 "dw_%s N=%lld C=%lld HxW=%lldx%lld K=%lldx%lld s=%lld,%lld d=%lld,%lld "
                 "pads(t,l,b,r)=%lld,%lld,%lld,%lld bias=%d act=%s",
                 dw_impls[v].name, (long long)N, (long long)C, (long long)s->H, (long long)s->W,
                 (long long)s->KH, (long long)s->KW, (long long)s->stride_h,
                 (long long)s->stride_w, (long long)s->dil_h, (long long)s->dil_w,
                 (long long)s->pad_top, (long long)s->pad_left, (long long)s->pad_bottom,
                 (long long)s->pad_right, bias, act_names[act]);
        for (int t = 0; t < 3; t++) {
            for (size_t i = 0; i < nyb; i++) yb[t][i] = NAN; /* unwritten -> fails */
            dw_impls[v].fn(s, xb, wp, bp, &acts[act], yb[t], t + 1);
        }
        from_blocked(N, C, OHW, yb[0], got);
        if (!onr_test_close(what, got, ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL)) ok = 0;
        if (ok && !pad_lanes_finite(N, C, OHW, yb[0])) {
            fprintf(stderr, "%s: padding lanes not finite\n", what);
            ok = 0;
        }
        for (int t = 1; t < 3 && ok; t++) {
            char tw[360];
            snprintf(tw, sizeof(tw), "%s: 1 vs %d threads", what, t + 1);
            if (!onr_test_bitwise(tw, yb[0], yb[t], nyb)) ok = 0;
        }
    }
    free(x);
    free(xb);
    free(w);
    free(b);
    free(wp);
    free(bp);
    free(ref);
    free(got);
    for (int t = 0; t < 3; t++) free(yb[t]);
    if (!ok) onr_test_failures++;
    return ok;
}

static struct onr_conv_shape make_shape(int64_t N, int64_t C, int64_t H, int64_t W,
                                        int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                                        int64_t dh, int64_t dw, const int pads[4])
{
    struct onr_conv_shape s = {N,  C,  H,       W,       C,       KH,      KW,      0, 0,
                               sh, sw, pads[0], pads[1], pads[2], pads[3], dh,      dw, C};
    s.OH = out_size(H, KH, sh, dh, pads[0], pads[2]);
    s.OW = out_size(W, KW, sw, dw, pads[1], pads[3]);
    return s;
}

/* Kernel sizes x strides x dilations x pads x planes; channels, batch,
 * bias and activation cycle through the cases. Large planes get fewer
 * channels so the oracle stays quick. */
static void test_dwconv_shapes(void)
{
    static const int64_t ks[][2] = {{3, 3}, {5, 5}, {1, 1}, {2, 2}, {7, 7}, {3, 5}};
    static const int64_t strides[][2] = {{1, 1}, {2, 2}, {3, 3}, {1, 2}};
    static const int64_t dils[][2] = {{1, 1}, {2, 2}, {1, 2}};
    static const int64_t planes[][2] = {{1, 1},   {2, 2},   {3, 3},   {5, 4},   {7, 7},
                                        {8, 9},   {13, 11}, {14, 14}, {17, 17}, {28, 28},
                                        {31, 29}, {56, 56}, {113, 113}};
    static const int64_t Cs[] = {1, 3, 15, 16, 17, 33, 40, 96};
    const int nk = 6, ns = 4, nd = 3, npl = 13, nc = 8;
    int cases = 0, failed = 0;
    unsigned i = 0;
    for (int k = 0; k < nk; k++)
        for (int st = 0; st < ns; st++)
            for (int d = 0; d < nd; d++) {
                /* the fast paths (3x3, 5x5; square stride 1, 2; dilation 1) get
                 * every plane, the rest a sample */
                const int fast = k < 2 && st < 2 && d == 0;
                if (!fast && (st == 3 || d == 2) && k >= 2) continue;
                for (int pl = 0; pl < npl; pl++) {
                    if (!fast && pl % 3 != (k + st + d) % 3) continue;
                    const int64_t KH = ks[k][0], KW = ks[k][1];
                    const int64_t eh = (KH - 1) * dils[d][0], ew = (KW - 1) * dils[d][1];
                    const int pads[][4] = {{0, 0, 0, 0},
                                           {(int)(eh / 2), (int)(ew / 2), (int)(eh / 2),
                                            (int)(ew / 2)},
                                           {(int)(eh / 2), (int)((ew + 1) / 2),
                                            (int)((eh + 1) / 2), (int)(ew / 2)},
                                           {(int)eh, 0, 1, (int)ew}};
                    for (int p = 0; p < 4; p++, i++) {
                        const int64_t H = planes[pl][0], W = planes[pl][1];
                        int64_t C = Cs[(i * 5 + (unsigned)k) % (unsigned)nc];
                        if (H * W > 1000 && C > 17) C = 17 + 16 * (i % 2);
                        const int64_t N = 1 + (i / 3) % 2;
                        struct onr_conv_shape s =
                            make_shape(N, C, H, W, KH, KW, strides[st][0], strides[st][1],
                                       dils[d][0], dils[d][1], pads[p]);
                        if (s.OH == 0 || s.OW == 0) continue;
                        cases++;
                        if (!check_dw(&s, (i / 2) % 2, (int)(i % N_ACTS), i + 11) &&
                            ++failed >= 10) {
                            printf("dwconv shapes: stopping after %d failures\n", failed);
                            return;
                        }
                    }
                }
            }
    printf("dwconv shapes: %d cases, %d failed\n", cases, failed);
}

/* Every activation with and without bias on MobileNet / EfficientNet-like
 * shapes, channel counts that are not multiples of 16 included. */
static void test_dwconv_mobilenet(void)
{
    const int p1[4] = {1, 1, 1, 1}, p2[4] = {2, 2, 2, 2}, pa[4] = {0, 0, 1, 1};
    int cases = 0;
    for (int a = 0; a < N_ACTS; a++)
        for (int bias = 0; bias < 2; bias++) {
            const uint64_t seed = 1000 + (uint64_t)(a * 2 + bias) * 10;
            struct onr_conv_shape s = make_shape(1, 40, 113, 113, 3, 3, 1, 1, 1, 1, p1);
            check_dw(&s, bias, a, seed);
            s = make_shape(2, 33, 56, 56, 3, 3, 2, 2, 1, 1, pa);
            check_dw(&s, bias, a, seed + 1);
            s = make_shape(1, 96, 14, 14, 5, 5, 1, 1, 1, 1, p2);
            check_dw(&s, bias, a, seed + 2);
            s = make_shape(1, 40, 28, 28, 5, 5, 2, 2, 1, 1, p2);
            check_dw(&s, bias, a, seed + 3);
            s = make_shape(2, 96, 7, 7, 3, 3, 1, 1, 1, 1, p1);
            check_dw(&s, bias, a, seed + 4);
            cases += 5;
        }
    printf("dwconv mobilenet shapes: %d cases\n", cases);
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_nchwc_dw");
    if (rc >= 0) return rc;
#if defined(__x86_64__) || defined(__i386__)
    have_avx512 = kt_runs(ONR_ISA_AVX512);
#endif
    test_reorders();
    test_pack_dw();
    test_dwconv_shapes();
    test_dwconv_mobilenet();
    if (onr_test_failures) fprintf(stderr, "test_nchwc_dw: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
