/* Dense Conv from a plain input into a blocked NCHW16c output
 * (ops/kernels/nchwc.h: onr_nchwc_conv_f32__scalar / __avx512) against the
 * oracle onr_conv2d_f32__ref, whose plain output the test puts in blocked
 * order itself: channels 1..5, 17 and 32 in, 1..80 out (around the 16-lane blocks and
 * the 1- to 4-block tasks), kernels 1x1..7x7 and 3x5, strides 1..3, dilation 1
 * and 2, symmetric and asymmetric pads, planes 1..31, batch 1 and 2, each
 * activation, bias on and off; padding lanes finite; bitwise equality
 * across 1, 2 and 3 threads. The AVX-512 kernel is skipped with a note on
 * CPUs without it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/nchwc.h"
#include "kernel_isa.h"
#include "testutil.h"

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},  {ONR_ACT_RELU, 0.0f, 0.0f},     {ONR_ACT_CLIP, -0.3f, 0.4f},
    {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f}, {ONR_ACT_HARDSWISH, 0.0f, 0.0f},
    {ONR_ACT_SIGMOID, 0.0f, 0.0f}, {ONR_ACT_SILU, 0.0f, 0.0f},
};
#define N_ACTS ((int)(sizeof(acts) / sizeof(acts[0])))

struct variant {
    const char *name;
    onr_nchwc_conv_fn fn;
};

static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
    const int64_t ext = (k - 1) * d + 1;
    return in + p0 + p1 < ext ? 0 : (in + p0 + p1 - ext) / s + 1;
}

/* One case: 1, 2 and 3 threads against the oracle. */
static int check_case(const struct variant *v, const struct onr_conv_shape *s, bool bias, int act,
                      uint64_t seed)
{
    const int64_t OCB = onr_nchwc_blocks(s->OC), plane = s->OH * s->OW;
    const size_t nx = (size_t)(s->N * s->C * s->H * s->W), nw = (size_t)(s->OC * s->C * s->KH * s->KW);
    const size_t ny = (size_t)(s->N * s->OC * plane), nyb = (size_t)onr_nchwc_floats(s->N, s->OC, plane);
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((size_t)s->OC * 4);
    float *wp = malloc((size_t)onr_nchwc_conv_weight_floats(s->OC, s->C, s->KH, s->KW) * 4);
    float *bp = malloc((size_t)OCB * ONR_NCHWC_LANES * 4);
    float *ref = malloc(ny * 4), *refb = malloc(nyb * 4), *got[3];
    for (int t = 0; t < 3; t++) got[t] = malloc(nyb * 4);
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, nw, seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)s->OC, seed + 2, -0.5f, 0.5f);
    onr_conv2d_f32__ref(s, x, w, bias ? b : NULL, &acts[act], ref);
    onr_nchwc_pack_conv(s->OC, s->C, s->KH, s->KW, w, bias ? b : NULL, wp, bp);
    /* the oracle's output in blocked order; padding lanes are not compared */
    for (size_t i = 0; i < nyb; i++) refb[i] = 0.0f;
    for (int64_t n = 0; n < s->N; n++)
        for (int64_t oc = 0; oc < s->OC; oc++)
            for (int64_t p = 0; p < plane; p++)
                refb[((n * OCB + oc / 16) * plane + p) * 16 + oc % 16] = ref[(n * s->OC + oc) * plane + p];
    int ok = 1;
    char what[256];
    snprintf(what, sizeof what,
             "%s N=%lld C=%lld OC=%lld %lldx%lld k=%lldx%lld s=%lld d=%lld pads=%lld,%lld,%lld,%lld "
             "bias=%d act=%d", v->name, (long long)s->N, (long long)s->C, (long long)s->OC,
             (long long)s->H, (long long)s->W, (long long)s->KH, (long long)s->KW,
             (long long)s->stride_h, (long long)s->dil_h, (long long)s->pad_top,
             (long long)s->pad_left, (long long)s->pad_bottom, (long long)s->pad_right, bias, act);
    for (int t = 0; t < 3; t++) {
        for (size_t i = 0; i < nyb; i++) got[t][i] = NAN; /* unwritten -> fails */
        v->fn(s, x, wp, bp, &acts[act], got[t], t + 1);
    }
    /* compare real lanes; padding lanes must be finite */
    for (size_t i = 0; i < nyb && ok; i++) {
        const int64_t oc = (int64_t)(i / 16 / (size_t)plane % (size_t)OCB) * 16 + (int64_t)(i % 16);
        if (oc >= s->OC) {
            if (!isfinite(got[0][i])) {
                fprintf(stderr, "%s: padding lane %zu is %g\n", what, i, got[0][i]);
                ok = 0;
            }
            got[0][i] = refb[i];   /* so the comparison below skips it */
        }
    }
    if (ok && !onr_test_close(what, got[0], refb, nyb, ONR_TEST_ATOL, ONR_TEST_RTOL)) ok = 0;
    for (int t = 1; t < 3 && ok; t++) {
        /* the same lanes as got[0], padding included */
        for (size_t i = 0; i < nyb; i++) {
            const int64_t oc = (int64_t)(i / 16 / (size_t)plane % (size_t)OCB) * 16 + (int64_t)(i % 16);
            if (oc >= s->OC) got[t][i] = refb[i];
        }
        char tw[300];
        snprintf(tw, sizeof tw, "%s: 1 vs %d threads", what, t + 1);
        if (!onr_test_bitwise(tw, got[0], got[t], nyb)) ok = 0;
    }
    free(x), free(w), free(b), free(wp), free(bp), free(ref), free(refb);
    for (int t = 0; t < 3; t++) free(got[t]);
    if (!ok) onr_test_failures++;
    return ok;
}

static void test_variant(const struct variant *v)
{
    static const int64_t Cs[] = {1, 3, 4, 5, 2, 17, 32};
    static const int64_t OCs[] = {1, 8, 16, 17, 32, 33, 48, 24, 64, 80};
    static const int64_t Ks[][2] = {{3, 3}, {1, 1}, {5, 5}, {7, 7}, {3, 5}, {2, 2}};
    static const int pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {0, 1, 1, 0},
                                  {3, 2, 1, 3}};
    int cases = 0, failed = 0;
    for (unsigned i = 0; i < 600 && failed < 10; i++) {
        struct onr_conv_shape s = {0};
        s.N = 1 + (i / 7) % 2;
        s.C = Cs[i % 7];
        s.OC = OCs[(i / 3) % 10];
        s.H = 1 + (i * 7) % 31;
        s.W = 1 + (i * 13) % 31;
        s.KH = Ks[(i / 2) % 6][0];
        s.KW = Ks[(i / 2) % 6][1];
        s.stride_h = s.stride_w = 1 + (i / 5) % 3;
        s.dil_h = s.dil_w = 1 + (i / 11) % 2;
        const int *pd = pads[(i / 4) % 5];
        s.pad_top = pd[0], s.pad_left = pd[1], s.pad_bottom = pd[2], s.pad_right = pd[3];
        s.group = 1;
        s.OH = out_size(s.H, s.KH, s.stride_h, s.dil_h, s.pad_top, s.pad_bottom);
        s.OW = out_size(s.W, s.KW, s.stride_w, s.dil_w, s.pad_left, s.pad_right);
        if (s.OH == 0 || s.OW == 0) continue;
        cases++;
        if (!check_case(v, &s, i % 3 != 0, (int)(i % N_ACTS), i + 1)) failed++;
    }
    /* MobileNet / EfficientNet stem: 3 -> 32, 3x3 stride 2 pad 1, 224 -> 112 */
    struct onr_conv_shape stem = {1, 3, 224, 224, 32, 3, 3, 112, 112, 2, 2, 1, 1, 1, 1, 1, 1, 1};
    for (int a = 0; a < N_ACTS; a += 3) cases++, failed += !check_case(v, &stem, true, a, 900 + (uint64_t)a);
    printf("%s: %d cases, %d failed\n", v->name, cases, failed);
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_nchwc_conv");
    if (rc >= 0) return rc;
    int ran = 0;
    for (int i = 0; i < onr_nchwc_conv_kernels_count; i++) {
        const struct onr_nchwc_conv_kernel *k = &onr_nchwc_conv_kernels[i];
        if (!kt_runs(k->isa)) continue;
        const struct variant v = {k->name, k->fn};
        test_variant(&v);
        ran++;
    }
    return onr_test_failures != 0 || ran == 0;
}
