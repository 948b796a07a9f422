/* The tap-row depthwise kernels (ops/kernels/dwconv_taps.h), found by name
 * in conv.h's onr_conv2d_kernels and conv3d.h's onr_dwconv3d_kernels,
 * against the oracles onr_conv2d_f32__ref and onr_conv3d_f32__ref: a systematic 1-D sweep (H = 1: the 1 x K filters of
 * separable speech nets) over widths across vector edges, kernel widths to
 * 29, dilations, pads (also wider than the kernel's reach) and stride_w 1
 * and 2; then 2-D shapes drawn from a fixed seed (KH x KW to 7x7, strides,
 * dilations, uneven pads, channel multiplier 1 or 2), every activation,
 * bias or not, batch 1 and 2; 120 drawn 3-D shapes likewise, and the
 * phase-plane 3-D kernels (dwconv3d_phase.h) on 150 drawn shapes they
 * take and X3D's; bitwise
 * equality across 1, 2 and (on a sample) 3 threads. The tolerance
 * is the kernels' default (testutil.h): float32 sums of at most 50
 * products in the oracle's order, contracted to FMA in the ISA builds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_isa.h"
#include "ops/kernels/conv.h"
#include "ops/kernels/dwconv3d_phase.h"
#include "ops/kernels/dwconv_taps.h"
#include "testutil.h"

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},  {ONR_ACT_RELU, 0.0f, 0.0f},      {ONR_ACT_CLIP, -0.3f, 0.4f},
    {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f}, {ONR_ACT_HARDSWISH, 0.0f, 0.0f},
    {ONR_ACT_SIGMOID, 0.0f, 0.0f}, {ONR_ACT_SILU, 0.0f, 0.0f},
};
#define N_ACTS ((int)(sizeof acts / sizeof acts[0]))

static int cases_run;

static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
    const int64_t span = (k - 1) * d + 1;
    return in + p0 + p1 < span ? 0 : (in + p0 + p1 - span) / s + 1;
}

/* Runs fn on s against the oracle at 1, 2 and (three) 3 threads. */
static void check_case(const char *name, onr_conv2d_f32_fn fn, const struct onr_conv_shape *s,
                       bool bias, int act, uint64_t seed, bool three)
{
    const size_t nx = (size_t)(s->N * s->C * s->H * s->W);
    const size_t nw = (size_t)(s->OC * s->KH * s->KW);
    const size_t ny = (size_t)(s->N * s->OC * s->OH * s->OW);
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
    float *b = malloc((size_t)s->OC * sizeof *b), *ref = malloc(ny * sizeof *ref);
    float *got[3];
    for (int t = 0; t < 3; t++) got[t] = malloc(ny * sizeof *got[t]);
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, nw, seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)s->OC, seed + 2, -0.5f, 0.5f);
    onr_conv2d_f32__ref(s, x, w, bias ? b : NULL, &acts[act], ref);
    char what[256];
    snprintf(what, sizeof what,
             "%s N=%lld C=%lld OC=%lld H=%lld W=%lld K=%lldx%lld s=%lld,%lld d=%lld,%lld "
             "pads(t,l,b,r)=%lld,%lld,%lld,%lld bias=%d act=%d",
             name, (long long)s->N, (long long)s->C, (long long)s->OC, (long long)s->H, (long long)s->W,
             (long long)s->KH, (long long)s->KW, (long long)s->stride_h, (long long)s->stride_w,
             (long long)s->dil_h, (long long)s->dil_w, (long long)s->pad_top,
             (long long)s->pad_left, (long long)s->pad_bottom, (long long)s->pad_right, bias,
             act);
    const int nt = three ? 3 : 2;
    for (int t = 0; t < nt; t++) {
        for (size_t i = 0; i < ny; i++) got[t][i] = NAN; /* unwritten: fails */
        fn(s, x, w, bias ? b : NULL, &acts[act], got[t], t + 1);
    }
    bool ok = onr_test_close(what, got[0], ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL);
    for (int t = 1; t < nt && ok; t++) ok = onr_test_bitwise(what, got[0], got[t], ny);
    if (!ok) onr_test_failures++;
    cases_run++;
    free(x), free(w), free(b), free(ref);
    for (int t = 0; t < 3; t++) free(got[t]);
}

static struct onr_conv_shape make_shape(int64_t N, int64_t C, int64_t H, int64_t W, int64_t KH,
                                        int64_t KW, int64_t sh, int64_t sw, int64_t dh,
                                        int64_t dw, int64_t pt, int64_t pl, int64_t pb,
                                        int64_t pr)
{
    struct onr_conv_shape s = {.N = N, .C = C, .H = H, .W = W, .OC = C, .KH = KH, .KW = KW,
                               .stride_h = sh, .stride_w = sw, .pad_top = pt, .pad_left = pl,
                               .pad_bottom = pb, .pad_right = pr, .dil_h = dh, .dil_w = dw,
                               .group = C};
    s.OH = out_size(H, KH, sh, dh, pt, pb);
    s.OW = out_size(W, KW, sw, dw, pl, pr);
    return s;
}

static void test_1d(const char *name, onr_conv2d_f32_fn fn)
{
    static const int64_t widths[] = {1, 2, 7, 8, 9, 16, 17, 31, 51, 70};
    static const int64_t kernels[] = {1, 3, 5, 13, 15, 29};
    uint64_t seed = 100;
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
        for (size_t ki = 0; ki < sizeof kernels / sizeof kernels[0]; ki++)
            for (int64_t d = 1; d <= 2; d++)
                for (int64_t sw = 1; sw <= 2; sw++) {
                    const int64_t k = kernels[ki], reach = (k - 1) * d;
                    /* "same" pads, none, and more than the reach on the left */
                    const int64_t pads[3][2] = {{reach / 2, reach - reach / 2},
                                                {0, 0},
                                                {reach + 2, 1}};
                    for (int p = 0; p < 3; p++) {
                        const struct onr_conv_shape s =
                            make_shape(1 + (int64_t)(seed % 2), 3, 1, widths[wi], 1, k, 1, sw,
                                       1, d, 0, pads[p][0], 0, pads[p][1]);
                        if (s.OW < 1) continue;
                        check_case(name, fn, &s, seed % 3 != 0, (int)(seed % N_ACTS), seed,
                                   seed % 7 == 0);
                        seed++;
                    }
                }
}

/* A deterministic pseudo-random integer in [lo, hi]. */
static int64_t draw(uint64_t *state, int64_t lo, int64_t hi)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (int64_t)((*state >> 33) % (uint64_t)(hi - lo + 1));
}

static void test_2d(const char *name, onr_conv2d_f32_fn fn)
{
    uint64_t st = 12345;
    for (int i = 0; i < 300; i++) {
        const int64_t KH = draw(&st, 1, 7), KW = draw(&st, 1, 7);
        const int64_t dh = draw(&st, 1, 2), dw = draw(&st, 1, 3);
        const int64_t sh = draw(&st, 1, 3), sw = draw(&st, 1, 2);
        const int64_t H = draw(&st, 1, 12), W = draw(&st, 1, 40);
        struct onr_conv_shape s =
            make_shape(draw(&st, 1, 2), draw(&st, 1, 5), H, W, KH, KW, sh, sw, dh, dw,
                       draw(&st, 0, KH), draw(&st, 0, KW + 1), draw(&st, 0, KH),
                       draw(&st, 0, KW));
        s.OC = s.C * draw(&st, 1, 2); /* a channel multiplier of 1 or 2 */
        if (s.OH < 1 || s.OW < 1) continue;
        check_case(name, fn, &s, i % 4 != 0, i % N_ACTS, 1000 + (uint64_t)i, i % 9 == 0);
    }
}

/* One 3-D kernel on s against onr_conv3d_f32__ref, at 1 and 2 threads. */
static void check_case_3d(const char *name, onr_dwconv3d_fn fn, const struct onr_conv3d_shape *s,
                          bool bias, int act, uint64_t seed)
{
    const int64_t in = s->in[0] * s->in[1] * s->in[2], out = s->out[0] * s->out[1] * s->out[2];
    const size_t nx = (size_t)(s->N * s->C * in), ny = (size_t)(s->N * s->OC * out);
    const size_t nw = (size_t)(s->OC * s->k[0] * s->k[1] * s->k[2]);
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
    float *b = malloc((size_t)s->OC * sizeof *b), *ref = malloc(ny * sizeof *ref);
    float *got[2] = {malloc(ny * sizeof(float)), malloc(ny * sizeof(float))};
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, nw, seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)s->OC, seed + 2, -0.5f, 0.5f);
    onr_conv3d_f32__ref(s, x, w, bias ? b : NULL, &acts[act], ref, 1);
    char what[256];
    snprintf(what, sizeof what,
             "%s N=%lld C=%lld OC=%lld in=%lldx%lldx%lld k=%lldx%lldx%lld s=%lldx%lldx%lld "
             "d=%lldx%lldx%lld pads=%lld,%lld,%lld bias=%d act=%d",
             name, (long long)s->N, (long long)s->C, (long long)s->OC, (long long)s->in[0],
             (long long)s->in[1], (long long)s->in[2], (long long)s->k[0], (long long)s->k[1],
             (long long)s->k[2], (long long)s->stride[0], (long long)s->stride[1],
             (long long)s->stride[2], (long long)s->dil[0], (long long)s->dil[1],
             (long long)s->dil[2], (long long)s->pad_begin[0], (long long)s->pad_begin[1],
             (long long)s->pad_begin[2], bias, act);
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < ny; i++) got[t][i] = NAN;
        fn(s, x, w, bias ? b : NULL, &acts[act], got[t], t + 1);
    }
    bool ok = onr_test_close(what, got[0], ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL) &&
              onr_test_bitwise(what, got[0], got[1], ny);
    if (!ok) onr_test_failures++;
    cases_run++;
    free(x), free(w), free(b), free(ref), free(got[0]), free(got[1]);
}

static void test_3d(const char *name, onr_dwconv3d_fn fn)
{
    uint64_t st = 777;
    for (int i = 0; i < 120; i++) {
        struct onr_conv3d_shape s = {.N = draw(&st, 1, 2), .C = draw(&st, 1, 4)};
        s.group = s.C;
        s.OC = s.C * draw(&st, 1, 2);
        bool empty = false;
        for (int a = 0; a < 3; a++) {
            s.in[a] = draw(&st, 1, a == 2 ? 19 : 6);
            s.k[a] = draw(&st, 1, 3);
            s.stride[a] = draw(&st, 1, 2);
            s.dil[a] = draw(&st, 1, 2);
            s.pad_begin[a] = draw(&st, 0, s.k[a]);
            s.pad_end[a] = draw(&st, 0, s.k[a]);
            s.out[a] = out_size(s.in[a], s.k[a], s.stride[a], s.dil[a], s.pad_begin[a],
                                s.pad_end[a]);
            empty |= s.out[a] < 1;
        }
        if (empty) continue;
        check_case_3d(name, fn, &s, i % 3 != 0, i % N_ACTS, 5000 + (uint64_t)i);
    }
}

/* The phase-plane 3-D kernels (dwconv3d_phase.h) on the shapes they take:
 * dilation 1, H/W strides 1-2, kernels to 7x7 in H and W with pads to the
 * kernel size, D strides 1-3, outputs up to their row limit; X3D's
 * 3x3x3 stride (1,2,2) on 28x28 and 14x14 planes; fits() must refuse
 * dilation 2, stride 3 in W and rows past the limit. */
static int test_3d_phase(const char *name, onr_dwconv3d_fn fn, bool (*fits)(const struct onr_conv3d_shape *))
{
    uint64_t st = 4242;
    int taken = 0;
    for (int i = 0; i < 400 && taken < 150; i++) {
        struct onr_conv3d_shape s = {.N = draw(&st, 1, 2), .C = draw(&st, 1, 4)};
        s.group = s.C;
        s.OC = s.C * draw(&st, 1, 2);
        bool empty = false;
        for (int a = 0; a < 3; a++) {
            s.in[a] = draw(&st, 1, a == 0 ? 6 : 30);
            s.k[a] = draw(&st, 1, a == 0 ? 3 : 7);
            s.stride[a] = draw(&st, 1, a == 0 ? 3 : 2);
            s.dil[a] = 1;
            s.pad_begin[a] = draw(&st, 0, s.k[a]);
            s.pad_end[a] = draw(&st, 0, s.k[a]);
            s.out[a] = out_size(s.in[a], s.k[a], s.stride[a], 1, s.pad_begin[a], s.pad_end[a]);
            empty |= s.out[a] < 1;
        }
        if (empty || !fits(&s)) continue;
        check_case_3d(name, fn, &s, i % 3 != 0, i % N_ACTS, 9000 + (uint64_t)i);
        taken++;
    }
    static const int64_t x3d[][3] = {{8, 28, 28}, {8, 14, 14}, {4, 7, 7}};
    for (int i = 0; i < 3; i++) {
        struct onr_conv3d_shape s = {.N = 1, .C = 24, .OC = 24, .group = 24};
        for (int a = 0; a < 3; a++) {
            s.in[a] = x3d[i][a], s.k[a] = 3, s.stride[a] = a == 0 ? 1 : 2, s.dil[a] = 1;
            s.pad_begin[a] = s.pad_end[a] = 1;
            s.out[a] = out_size(s.in[a], 3, s.stride[a], 1, 1, 1);
        }
        CHECK(fits(&s));
        check_case_3d(name, fn, &s, true, 1, 9900 + (uint64_t)i);
        s.dil[2] = 2;
        CHECK(!fits(&s));
        s.dil[2] = 1, s.stride[2] = 3;
        CHECK(!fits(&s));
        taken++;
    }
    struct onr_conv3d_shape wide = {.N = 1, .C = 2, .OC = 2, .group = 2,
                                    .in = {2, 4, 56}, .k = {1, 3, 3}, .stride = {1, 1, 1},
                                    .dil = {1, 1, 1}, .pad_begin = {0, 1, 1}, .pad_end = {0, 1, 1},
                                    .out = {2, 4, 56}};
    CHECK(!fits(&wide));
    return taken;
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_dwconv_taps");
    if (rc >= 0) return rc;
    const char *prefix = "dwconv2d_taps__";
    int variants = 0;
    for (int i = 0; i < onr_conv2d_kernels_count; i++) {
        const struct onr_conv2d_kernel *k = &onr_conv2d_kernels[i];
        if (strncmp(k->name, prefix, strlen(prefix)) != 0 || !kt_runs(k->isa)) continue;
        /* the table's fits must take the shapes tested here */
        const struct onr_conv_shape probe = make_shape(1, 4, 1, 30, 1, 13, 1, 2, 1, 2, 0, 3, 0, 3);
        CHECK(k->fits != NULL && k->fits(&probe));
        test_1d(k->name, k->fn);
        test_2d(k->name, k->fn);
        variants++;
    }
    const char *prefix3 = "dwconv3d_taps__", *phase3 = "dwconv3d_phase__";
    for (int i = 0; i < onr_dwconv3d_kernels_count; i++) {
        const struct onr_dwconv3d_kernel *k = &onr_dwconv3d_kernels[i];
        if (!kt_runs(k->isa)) continue;
        if (strncmp(k->name, prefix3, strlen(prefix3)) == 0) {
            test_3d(k->name, k->fn);
            variants++;
        } else if (strncmp(k->name, phase3, strlen(phase3)) == 0) {
            CHECK(test_3d_phase(k->name, k->fn, k->fits) >= 100);
            variants++;
        }
    }
    CHECK(variants > 0);
    printf("test_dwconv_taps: %d variants, %d cases, %d failures\n", variants, cases_run,
           onr_test_failures);
    return onr_test_failures != 0;
}
