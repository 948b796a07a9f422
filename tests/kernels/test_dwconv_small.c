/* Small-plane depthwise kernels (ops/kernels/dwconv.h, vectorised across
 * channels) against the oracle onr_conv2d_f32__ref with group == C: every
 * variant over channel counts around the 16-lane blocks, planes 1..20,
 * symmetric and asymmetric pads, bias on/off, each activation and batch
 * 1/2; bitwise equality across 1, 2 and 3 threads; and the fits check.
 * Skipped with a note on CPUs without AVX-512. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/dwconv.h"
#include "kernel_isa.h"
#include "testutil.h"

#if defined(__x86_64__) || defined(__i386__)
struct variant {
    const char *name;
    onr_dwconv2d_fn fn;
    int k, stride;
};

static const struct variant variants[] = {
    {"small3x3s1_avx512", onr_dwconv2d_f32_small3x3s1__avx512, 3, 1},
    {"small3x3s2_avx512", onr_dwconv2d_f32_small3x3s2__avx512, 3, 2},
    {"small5x5s1_avx512", onr_dwconv2d_f32_small5x5s1__avx512, 5, 1},
    {"small5x5s2_avx512", onr_dwconv2d_f32_small5x5s2__avx512, 5, 2},
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},  {ONR_ACT_RELU, 0.0f, 0.0f},     {ONR_ACT_CLIP, -0.3f, 0.4f},
    {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f}, {ONR_ACT_HARDSWISH, 0.0f, 0.0f},
    {ONR_ACT_SIGMOID, 0.0f, 0.0f}, {ONR_ACT_SILU, 0.0f, 0.0f},
};
static const char *act_names[] = {"none",      "relu",    "clip", "hardsigmoid",
                                  "hardswish", "sigmoid", "silu"};
#define N_ACTS ((int)(sizeof(acts) / sizeof(acts[0])))

/* Output size from the ONNX formula; 0 when the window does not fit. */
static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1)
{
    return in + p0 + p1 < k ? 0 : (in + p0 + p1 - k) / s + 1;
}

static struct onr_conv_shape make_shape(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K,
                                        int64_t st, const int pads[4])
{
    struct onr_conv_shape s = {N, C, H, W, C, K, K, 0, 0, st, st, pads[0], pads[1],
                               pads[2], pads[3], 1, 1, C};
    s.OH = out_size(H, K, st, pads[0], pads[2]);
    s.OW = out_size(W, K, st, pads[1], pads[3]);
    return s;
}

/* One variant on one shape against the oracle at 1, 2 and 3 threads. */
static int check_case(const struct variant *v, const struct onr_conv_shape *s, bool bias,
                      int act, uint64_t seed)
{
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
             "%s N=%lld C=%lld H=%lld W=%lld pads(t,l,b,r)=%lld,%lld,%lld,%lld bias=%d act=%s",
             v->name, (long long)s->N, (long long)s->C, (long long)s->H, (long long)s->W,
             (long long)s->pad_top, (long long)s->pad_left, (long long)s->pad_bottom,
             (long long)s->pad_right, bias, act_names[act]);
    for (int t = 0; t < 3; t++) {
        for (size_t i = 0; i < ny; i++) got[t][i] = NAN; /* unwritten -> fails */
        v->fn(s, x, w, bias ? b : NULL, &acts[act], got[t], t + 1);
    }
    if (!onr_test_close(what, got[0], ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL)) ok = 0;
    for (int t = 1; t < 3 && ok; t++) {
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

/* Every variant over channels, planes 1..20 (H and W separately), pads;
 * bias, activation and batch cycle through the cases. */
static void test_variants(void)
{
    static const int64_t Cs[] = {1, 2, 15, 16, 17, 33, 100};
    static const int pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2},
                                  {0, 0, 1, 1}, {1, 2, 2, 1}, {2, 0, 1, 2}};
    const int np = (int)(sizeof(pads) / sizeof(pads[0]));
    for (size_t v = 0; v < N_VARIANTS; v++) {
        const struct variant *var = &variants[v];
        int cases = 0, failed = 0;
        for (int64_t h = 1; h <= 20; h++)
            for (int64_t w = 1; w <= 20; w += (h % 3) + 1)
                for (int p = 0; p < np; p++) {
                    const unsigned i = (unsigned)((h * 21 + w) * np + p);
                    const int64_t N = 1 + (i / 5) % 2;
                    const int64_t C = Cs[(i * 3 + v) % 7];
                    struct onr_conv_shape s = make_shape(N, C, h, w, var->k, var->stride, pads[p]);
                    if (s.OH == 0 || s.OW == 0 || !onr_dwconv2d_small_fits(&s)) continue;
                    cases++;
                    if (!check_case(var, &s, (i / 2) % 2 == 0, (int)(i % N_ACTS), i + 1) &&
                        ++failed >= 10)
                        return;
                }
        printf("%s: %d cases, %d failed\n", var->name, cases, failed);
    }
}

/* Every activation with and without bias on the MobileNet shapes. */
static void test_mobilenet_shapes(void)
{
    const int p1[4] = {1, 1, 1, 1}, p2[4] = {2, 2, 2, 2};
    for (int a = 0; a < N_ACTS; a++)
        for (int bias = 0; bias < 2; bias++) {
            struct onr_conv_shape s = make_shape(1, 512, 7, 7, 3, 1, p1);
            check_case(&variants[0], &s, bias, a, 100 + (uint64_t)a);
            s = make_shape(1, 256, 14, 14, 3, 2, p1);
            check_case(&variants[1], &s, bias, a, 200 + (uint64_t)a);
            s = make_shape(1, 120, 14, 14, 5, 1, p2);
            check_case(&variants[2], &s, bias, a, 300 + (uint64_t)a);
            s = make_shape(1, 72, 14, 14, 5, 2, p2);
            check_case(&variants[3], &s, bias, a, 400 + (uint64_t)a);
        }
}

static void test_fits(void)
{
    const int p1[4] = {1, 1, 1, 1};
    struct onr_conv_shape s = make_shape(1, 32, 16, 16, 3, 1, p1);
    CHECK(onr_dwconv2d_small_fits(&s));
    s = make_shape(1, 32, 17, 17, 3, 1, p1); /* 289 outputs */
    CHECK(!onr_dwconv2d_small_fits(&s));
    s = make_shape(1, 32, 7, 7, 3, 1, p1);
    s.OC = 64; /* channel multiplier 2 */
    CHECK(!onr_dwconv2d_small_fits(&s));
    s = make_shape(1, 32, 7, 7, 3, 1, p1);
    s.dil_h = 2;
    CHECK(!onr_dwconv2d_small_fits(&s));
    s = make_shape(1, 32, 7, 7, 3, 3, p1); /* stride 3 */
    CHECK(!onr_dwconv2d_small_fits(&s));
    s = make_shape(1, 32, 2, 600, 3, 2, p1); /* 1 x 300 outputs */
    CHECK(!onr_dwconv2d_small_fits(&s));
    s = make_shape(1, 32, 1, 1000, 3, 2, p1); /* tile wider than the buffer */
    CHECK(!onr_dwconv2d_small_fits(&s));
}
#endif

/* Registered for avx512 only: every variant is AVX-512 code. */
int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_dwconv_small");
    if (rc >= 0) return rc;
#if defined(__x86_64__) || defined(__i386__)
    test_fits();
    if (!kt_runs(ONR_ISA_AVX512)) {
        printf("test_dwconv_small: skipped, the CPU's ISA level is %s\n",
               onr_isa_name(onr_cpu_isa()));
        return onr_test_failures != 0 ? 1 : KT_SKIPPED;
    }
    test_variants();
    test_mobilenet_shapes();
#else
    printf("test_dwconv_small: no x86 variants on this architecture, skipped\n");
    return KT_SKIPPED;
#endif
    if (onr_test_failures) fprintf(stderr, "test_dwconv_small: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
