/* Depthwise convolution kernels (ops/kernels/dwconv.h) against the oracle
 * onr_conv2d_f32__ref with group == C: a hand-computed case, then every
 * variant over channels, odd and vector-straddling sizes, pads (also
 * asymmetric), strides, bias, each activation and batch 1/2; bitwise
 * equality across 1, 2 and 3 threads; and the selector. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/dwconv.h"
#include "kernel_isa.h"
#include "testutil.h"

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_X86_VARIANTS 1
#endif

struct variant {
    const char *name;
    onr_dwconv2d_fn fn;
    int k, stride; /* 0: any (portable) */
    int isa;       /* 0 portable, 1 AVX2+FMA, 2 AVX-512 */
};

static const struct variant variants[] = {
    {"scalar", onr_dwconv2d_f32__scalar, 0, 0, 0},
#ifdef HAVE_X86_VARIANTS
    {"3x3s1_avx2", onr_dwconv2d_f32_3x3s1__avx2, 3, 1, 1},
    {"3x3s2_avx2", onr_dwconv2d_f32_3x3s2__avx2, 3, 2, 1},
    {"5x5s1_avx2", onr_dwconv2d_f32_5x5s1__avx2, 5, 1, 1},
    {"5x5s2_avx2", onr_dwconv2d_f32_5x5s2__avx2, 5, 2, 1},
    {"3x3s1_avx512", onr_dwconv2d_f32_3x3s1__avx512, 3, 1, 2},
    {"3x3s2_avx512", onr_dwconv2d_f32_3x3s2__avx512, 3, 2, 2},
    {"5x5s1_avx512", onr_dwconv2d_f32_5x5s1__avx512, 5, 1, 2},
    {"5x5s2_avx512", onr_dwconv2d_f32_5x5s2__avx512, 5, 2, 2},
#endif
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},        {ONR_ACT_RELU, 0.0f, 0.0f},
    {ONR_ACT_CLIP, -0.3f, 0.4f},       {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f},
    {ONR_ACT_HARDSWISH, 0.0f, 0.0f},
    {ONR_ACT_SIGMOID, 0.0f, 0.0f},
    {ONR_ACT_SILU, 0.0f, 0.0f},
};
static const char *act_names[] = {"none",      "relu",    "clip", "hardsigmoid",
                                  "hardswish", "sigmoid", "silu"};
#define N_ACTS ((int)(sizeof(acts) / sizeof(acts[0])))

/* Whether this run tests the variant (kernel_isa.h). */
static bool can_run(const struct variant *v, bool note)
{
    (void)note;
    return kt_runs((enum onr_isa)v->isa);
}

/* Output size from the ONNX formula; 0 when the window does not fit. */
static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
    const int64_t span = (k - 1) * d + 1;
    return in + p0 + p1 < span ? 0 : (in + p0 + p1 - span) / s + 1;
}

static struct onr_conv_shape make_shape(int64_t N, int64_t C, int64_t H, int64_t W, int64_t KH,
                                        int64_t KW, int64_t sh, int64_t sw, int64_t dh,
                                        int64_t dw, const int pads[4])
{
    struct onr_conv_shape s = {N, C, H, W, C, KH, KW, 0, 0, sh, sw, pads[0], pads[1],
                               pads[2], pads[3], dh, dw, C};
    s.OH = out_size(H, KH, sh, dh, pads[0], pads[2]);
    s.OW = out_size(W, KW, sw, dw, pads[1], pads[3]);
    return s;
}

/* Runs one variant on one shape against the oracle, at 1, 2 and (when
 * `three`) 3 threads. Returns 1 when all agree. 3 threads on this 2-core
 * machine oversubscribe it and each run then costs a scheduler slice, so
 * the callers ask for it on a sample of the cases. */
static int check_case(const struct variant *v, const struct onr_conv_shape *s, bool bias,
                      int act, uint64_t seed, bool three)
{
    const int nt = three ? 3 : 2;
    const size_t nx = (size_t)(s->N * s->C * s->H * s->W);
    const size_t nw = (size_t)(s->C * s->KH * s->KW);
    const size_t ny = (size_t)(s->N * s->C * s->OH * s->OW);
    float *x = malloc(nx * sizeof(float)), *w = malloc(nw * sizeof(float));
    float *b = malloc((size_t)s->C * sizeof(float));
    float *ref = malloc(ny * sizeof(float));
    float *got[3];
    for (int t = 0; t < 3; t++) got[t] = malloc(ny * sizeof(float));
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, nw, seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)s->C, seed + 2, -0.5f, 0.5f);
    onr_conv2d_f32__ref(s, x, w, bias ? b : NULL, &acts[act], ref);
    int ok = 1;
    char what[256];
    snprintf(what, sizeof(what),
             "%s N=%lld C=%lld H=%lld W=%lld K=%lldx%lld s=%lld,%lld d=%lld,%lld "
             "pads(t,l,b,r)=%lld,%lld,%lld,%lld bias=%d act=%s",
             v->name, (long long)s->N, (long long)s->C, (long long)s->H, (long long)s->W,
             (long long)s->KH, (long long)s->KW, (long long)s->stride_h,
             (long long)s->stride_w, (long long)s->dil_h, (long long)s->dil_w,
             (long long)s->pad_top, (long long)s->pad_left, (long long)s->pad_bottom,
             (long long)s->pad_right, bias, act_names[act]);
    for (int t = 0; t < nt; t++) {
        for (size_t i = 0; i < ny; i++) got[t][i] = NAN; /* unwritten -> fails */
        v->fn(s, x, w, bias ? b : NULL, &acts[act], got[t], t + 1);
    }
    if (!onr_test_close(what, got[0], ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL)) ok = 0;
    for (int t = 1; t < nt && ok; t++) {
        char tw[300];
        snprintf(tw, sizeof(tw), "%s: 1 vs %d threads", what, t + 1);
        if (!onr_test_bitwise(tw, got[0], got[t], ny)) ok = 0;
    }
    free(x);
    free(w);
    free(b);
    free(ref);
    for (int t = 0; t < 3; t++) free(got[t]);
    if (!ok) onr_test_failures++;
    return ok;
}

/* 3x3 all-ones filter, pad 1, on a 3x3 ramp: each output is the sum of its
 * in-image neighbours, written out by hand; bias 0.5 and no activation. */
static void test_hand_case(void)
{
    const int pads[4] = {1, 1, 1, 1};
    const struct onr_conv_shape s = make_shape(1, 1, 3, 3, 3, 3, 1, 1, 1, 1, pads);
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float w[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    const float b[1] = {0.5f};
    const float want[9] = {12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f};
    float y[9];
    onr_conv2d_f32__ref(&s, x, w, b, &acts[0], y);
    CHECK(onr_test_close("hand case: ref", y, want, 9, 0.0f, 0.0f));
    for (size_t v = 0; v < N_VARIANTS; v++) {
        if (variants[v].k != 0 && variants[v].k != 3) continue;
        if (variants[v].stride > 1) continue;
        if (!can_run(&variants[v], false)) continue;
        memset(y, 0, sizeof(y));
        variants[v].fn(&s, x, w, b, &acts[0], y, 1);
        CHECK(onr_test_close(variants[v].name, y, want, 9, 0.0f, 0.0f));
    }
}

/* Every variant over the size table; C, bias, activation and batch cycle
 * so that each variant meets each of them many times. */
static void test_variants(void)
{
    static const int64_t Cs[] = {1, 2, 3, 7, 8, 9, 16, 17, 33};
    static const int64_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 15, 16, 17, 31, 56};
    static const int pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2},
                                  {0, 0, 1, 1}, {1, 2, 2, 1}, {2, 0, 1, 2}};
    const int ns = (int)(sizeof(sizes) / sizeof(sizes[0]));
    const int np = (int)(sizeof(pads) / sizeof(pads[0]));
    for (size_t v = 0; v < N_VARIANTS; v++) {
        const struct variant *var = &variants[v];
        if (!can_run(var, true)) continue;
        int cases = 0, failed = 0;
        for (int k = 3; k <= 5; k += 2) {
            if (var->k != 0 && var->k != k) continue;
            for (int st = 1; st <= 2; st++) {
                if (var->stride != 0 && var->stride != st) continue;
                for (int hi = 0; hi < ns; hi++)
                    for (int wi = 0; wi < ns; wi++)
                        for (int p = 0; p < np; p++) {
                            const unsigned i = (unsigned)((hi * ns + wi) * np + p);
                            const int64_t N = 1 + (i / 7) % 2;
                            /* keep big planes to few channels: the oracle is slow */
                            int64_t C = Cs[(i * 5 + (unsigned)k) % 9];
                            if (sizes[hi] * sizes[wi] > 256 && C > 9) C = C % 8 + 1;
                            struct onr_conv_shape s = make_shape(N, C, sizes[hi], sizes[wi], k, k,
                                                                 st, st, 1, 1, pads[p]);
                            if (s.OH == 0 || s.OW == 0) continue;
                            cases++;
                            if (!check_case(var, &s, (i / 3) % 2 == 0, (int)(i % N_ACTS), i + 1, i % 16 == 0) &&
                                ++failed >= 10)
                                return;
                        }
            }
        }
        printf("%s: %d cases, %d failed\n", var->name, cases, failed);
    }
}

/* The portable kernel takes any shape: other kernel sizes, mixed strides,
 * dilations, non-square filters. */
static void test_scalar_general(void)
{
    static const int64_t dims[][6] = {
        /* KH KW sh sw dh dw */
        {1, 1, 1, 1, 1, 1}, {7, 7, 1, 1, 1, 1}, {3, 3, 2, 1, 1, 1}, {3, 3, 1, 1, 2, 2},
        {3, 5, 1, 2, 1, 1}, {5, 3, 2, 2, 2, 1}, {2, 2, 2, 2, 1, 1}, {3, 3, 3, 3, 1, 1},
    };
    static const int pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {3, 2, 1, 0}};
    int cases = 0;
    for (size_t d = 0; d < sizeof(dims) / sizeof(dims[0]); d++)
        for (int64_t hw = 1; hw <= 17; hw += 4)
            for (int p = 0; p < 3; p++) {
                const unsigned i = (unsigned)(d * 100 + (size_t)hw * 3 + (size_t)p);
                struct onr_conv_shape s =
                    make_shape(1 + i % 2, 1 + i % 9, hw, hw + 2, dims[d][0], dims[d][1], dims[d][2],
                               dims[d][3], dims[d][4], dims[d][5], pads[p]);
                if (s.OH == 0 || s.OW == 0) continue;
                cases++;
                check_case(&variants[0], &s, i % 2 == 0, (int)(i % N_ACTS), i + 7, i % 4 == 0);
            }
    /* Wider than one accumulator / vector tile, for every variant. */
    for (size_t v = 0; v < N_VARIANTS; v++) {
        if (!can_run(&variants[v], false)) continue;
        const int k = variants[v].k ? variants[v].k : 3, st = variants[v].stride ? variants[v].stride : 1;
        const int pads1[4] = {k / 2, k / 2, k / 2, k / 2};
        struct onr_conv_shape s = make_shape(1, 3, 5, 600, k, k, st, st, 1, 1, pads1);
        cases++;
        check_case(&variants[v], &s, true, 2, 99 + v, true);
    }
    printf("general shapes: %d cases\n", cases);
}

static void test_pick(void)
{
    const int pads[4] = {1, 1, 1, 1};
    struct onr_conv_shape s = make_shape(1, 8, 9, 9, 3, 3, 1, 1, 1, 1, pads);
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_PORTABLE) == onr_dwconv2d_f32__scalar);
    s.group = 1; /* regular convolution */
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_PORTABLE) == NULL);
    s.group = 8;
    s.OC = 16; /* channel multiplier 2 */
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX2) == NULL);
    s.OC = 8;
#ifdef HAVE_X86_VARIANTS
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX2) == onr_dwconv2d_f32_3x3s1__avx2);
    s.stride_h = s.stride_w = 2;
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX2) == onr_dwconv2d_f32_3x3s2__avx2);
    s.KH = s.KW = 5;
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX2) == onr_dwconv2d_f32_5x5s2__avx2);
    s.stride_h = s.stride_w = 1;
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX2) == onr_dwconv2d_f32_5x5s1__avx2);
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX512) == onr_dwconv2d_f32_5x5s1__avx512);
    s.KH = s.KW = 3;
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX512) == onr_dwconv2d_f32_3x3s1__avx512);
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX2) == onr_dwconv2d_f32_3x3s1__avx2);
    s.stride_h = s.stride_w = 2;
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX512) == onr_dwconv2d_f32_3x3s2__avx512);
    s.KH = s.KW = 5;
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX512) == onr_dwconv2d_f32_5x5s2__avx512);
    s.stride_h = s.stride_w = 1;
    s.dil_h = 2;
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX2) == onr_dwconv2d_f32__scalar);
    CHECK(onr_dwconv2d_f32_pick(&s, ONR_ISA_AVX512) == onr_dwconv2d_f32__scalar);
#endif
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_dwconv");
    if (rc >= 0) return rc;
    if (kt_runs(ONR_ISA_PORTABLE)) {
        test_hand_case();
        test_pick();
        test_scalar_general();
    }
    test_variants();
    if (onr_test_failures) fprintf(stderr, "test_dwconv: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
