/* Winograd F(2x2, 3x3) and F(4x4, 3x3) (ops/kernels/winograd.h), each
 * ISA's entry of onr_winograd2_kernels and onr_winograd4_kernels, against
 * a float64 convolution: odd images 1..17 (not multiples of the tiles),
 * pads 0/1/2 and asymmetric, C and OC 1..70 across the 6-row weight panels
 * and the 8/16-tile vectors, batch 2 (tiles across images), wider images
 * (several blocks, runs of whole tiles on the vector load/store paths),
 * bias or none, residual or none, every activation; 1, 2 and 3 threads
 * bitwise equal; and which shapes fits() takes.
 *
 * Tolerance. Each output is a sum of C*9 products; its natural scale is
 * S = |b| + |r| + sum |w||x| over its window. Both the direct reference
 * conv (onr_conv2d_f32__ref) and Winograd are measured against float64 as
 * |y - y64| / S and the worst of each is printed. Measured on these cases
 * (AVX2 and portable): the direct conv 2.6e-7 .. 3e-7, F(2x2) 4.1e-7 ..
 * 4.6e-7 (1.5x the direct conv), F(4x4) 1.3e-5 .. 2.3e-5 (50 to 75x).
 * The check is |y - y64| <= tol * S with tol 2e-6 for F(2x2) and 5e-5 for
 * F(4x4), about 4x and 2x the worst seen, and each worst must stay within
 * 5x (F(2x2)) or 200x (F(4x4)) of the direct conv's worst. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/conv.h"
#include "ops/kernels/winograd.h"
#include "kernel_isa.h"
#include "runtime/tensor.h"
#include "testutil.h"

/* |y - y64| <= tol * S, by tile size */
static double tol_of(int m)
{
    return m == 2 ? 2e-6 : 5e-5;
}
static double tol;

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},       {ONR_ACT_RELU, 0.0f, 0.0f},
    {ONR_ACT_CLIP, 0.0f, 6.0f},       {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f},
    {ONR_ACT_HARDSWISH, 0.0f, 0.0f},  {ONR_ACT_SIGMOID, 0.0f, 0.0f},
    {ONR_ACT_SILU, 0.0f, 0.0f},
};
enum { N_ACTS = sizeof acts / sizeof acts[0] };

static int cases;
static double worst_wino, worst_direct;

static double act64(const struct onr_activation *a, double v)
{
    switch (a->kind) {
    case ONR_ACT_NONE: return v;
    case ONR_ACT_RELU: return v < 0 ? 0 : v;
    case ONR_ACT_CLIP: return v < a->a ? a->a : (v > a->b ? a->b : v);
    case ONR_ACT_HARDSIGMOID: {
        double t = a->a * v + a->b;
        return t < 0 ? 0 : (t > 1 ? 1 : t);
    }
    case ONR_ACT_HARDSWISH: {
        double t = v / 6 + 0.5;
        return v * (t < 0 ? 0 : (t > 1 ? 1 : t));
    }
    case ONR_ACT_SIGMOID: return 1 / (1 + exp(-v));
    case ONR_ACT_SILU: return v / (1 + exp(-v));
    }
    return v;
}

/* y64 = act(conv + b + r) in double and the scale S of each output. */
static void conv64(const struct onr_conv_shape *s, const float *x, const float *w,
                   const float *b, const float *r, const struct onr_activation *act,
                   double *y64, double *scale)
{
    for (int64_t n = 0; n < s->N; n++)
        for (int64_t o = 0; o < s->OC; o++)
            for (int64_t oh = 0; oh < s->OH; oh++)
                for (int64_t ow = 0; ow < s->OW; ow++) {
                    const int64_t at = ((n * s->OC + o) * s->OH + oh) * s->OW + ow;
                    double acc = b != NULL ? b[o] : 0, sc = b != NULL ? fabs(b[o]) : 0;
                    for (int64_t c = 0; c < s->C; c++)
                        for (int64_t kh = 0; kh < 3; kh++)
                            for (int64_t kw = 0; kw < 3; kw++) {
                                const int64_t ih = oh - s->pad_top + kh, iw = ow - s->pad_left + kw;
                                if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W) continue;
                                const double p = (double)w[((o * s->C + c) * 3 + kh) * 3 + kw] *
                                                 x[((n * s->C + c) * s->H + ih) * s->W + iw];
                                acc += p;
                                sc += fabs(p);
                            }
                    if (r != NULL) acc += r[at], sc += fabs(r[at]);
                    y64[at] = act64(act, acc);
                    scale[at] = sc;
                }
}

/* The worst |y - y64| / S; reports the first element over tol. */
static double scaled_error(const char *what, const float *y, const double *y64,
                           const double *scale, size_t n, bool check)
{
    double worst = 0;
    bool reported = false;
    for (size_t i = 0; i < n; i++) {
        const double e = fabs((double)y[i] - y64[i]);
        const double rel = scale[i] > 0 ? e / scale[i] : (e > 0 ? INFINITY : 0);
        if (rel > worst || isnan(rel)) worst = isnan(rel) ? INFINITY : rel;
        if (check && !reported && !(e <= tol * scale[i] + 1e-30)) {
            fprintf(stderr, "%s: [%zu] got %.9g, float64 %.9g, |err| %.3g > %.1g * scale %.3g\n",
                    what, i, y[i], y64[i], e, tol, scale[i]);
            reported = true;
            onr_test_failures++;
        }
    }
    return worst;
}

static void check(onr_winograd_f32_fn fn, int m, struct onr_conv_shape s, bool bias, bool res,
                  int act)
{
    s.KH = s.KW = 3;
    s.stride_h = s.stride_w = s.dil_h = s.dil_w = s.group = 1;
    s.OH = s.H + s.pad_top + s.pad_bottom - 2;
    s.OW = s.W + s.pad_left + s.pad_right - 2;
    if (s.OH < 1 || s.OW < 1) return;
    const size_t nx = (size_t)(s.N * s.C * s.H * s.W), nw = (size_t)(s.OC * s.C * 9);
    const size_t ny = (size_t)(s.N * s.OC * s.OH * s.OW);
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((size_t)s.OC * 4);
    float *r = malloc(ny * 4), *yd = malloc(ny * 4), *y[3];
    double *y64 = malloc(ny * sizeof *y64), *scale = malloc(ny * sizeof *scale);
    float *u = onr_aligned_alloc((size_t)onr_winograd_weight_floats(&s, m) * 4);
    void *ws = onr_aligned_alloc(onr_winograd_workspace_size(&s, m, 3));
    for (int t = 0; t < 3; t++) y[t] = malloc(ny * 4);
    onr_test_fill(x, nx, (uint64_t)cases * 4 + 1, -2, 2);
    onr_test_fill(w, nw, (uint64_t)cases * 4 + 2, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)s.OC, (uint64_t)cases * 4 + 3, -1, 1);
    onr_test_fill(r, ny, (uint64_t)cases * 4 + 4, -1, 1);
    const float *bp = bias ? b : NULL, *rp = res ? r : NULL;
    conv64(&s, x, w, bp, rp, &acts[act], y64, scale);
    onr_winograd_pack_weights(&s, m, w, u);
    for (int t = 0; t < 3; t++) fn(&s, x, u, bp, rp, &acts[act], y[t], ws, t + 1);
    char what[160];
    snprintf(what, sizeof what, "winograd%d N%lld C%lld %lldx%lld OC%lld p%lld,%lld,%lld,%lld "
             "bias=%d res=%d act=%d", m, (long long)s.N, (long long)s.C, (long long)s.H,
             (long long)s.W, (long long)s.OC, (long long)s.pad_top, (long long)s.pad_left,
             (long long)s.pad_bottom, (long long)s.pad_right, bias, res, act);
    const double e = scaled_error(what, y[0], y64, scale, ny, true);
    if (e > worst_wino) worst_wino = e;
    CHECK(onr_test_bitwise(what, y[1], y[0], ny));
    CHECK(onr_test_bitwise(what, y[2], y[0], ny));
    if (!res) {   /* the direct oracle has no residual input */
        onr_conv2d_f32__ref(&s, x, w, bp, &acts[act], yd);
        const double ed = scaled_error(what, yd, y64, scale, ny, false);
        if (ed > worst_direct) worst_direct = ed;
    }
    cases++;
    for (int t = 0; t < 3; t++) free(y[t]);
    onr_aligned_free(u), onr_aligned_free(ws);
    free(x), free(w), free(b), free(r), free(yd), free(y64), free(scale);
}

static void test_sweep(onr_winograd_f32_fn fn, int m)
{
    static const int64_t chans[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 33, 64, 70};
    static const int64_t pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2},
                                      {0, 1, 2, 0}, {2, 0, 1, 1}, {1, 2, 0, 2}};
    enum { NC = sizeof chans / sizeof chans[0], NP = sizeof pads / sizeof pads[0] };
    int i = 0;
    for (int64_t h = 1; h <= 17; h++)
        for (int64_t wd = 1; wd <= 17; wd += 1 + (h % 3))
            for (int k = 0; k < 2; k++, i++) {
                const int64_t *p = pads[(i * 7 + k) % NP];
                const struct onr_conv_shape s = {
                    .N = 1 + (i % 4 == 1), .C = chans[(i * 5) % NC], .H = h, .W = wd,
                    .OC = chans[(i * 7 + 3) % NC], .pad_top = p[0], .pad_left = p[1],
                    .pad_bottom = p[2], .pad_right = p[3],
                };
                check(fn, m, s, i % 3 != 0, i % 5 == 2, i % N_ACTS);
            }
    /* Wider images: many blocks of tiles, the last one partial. */
    static const int64_t big[][4] = {{2, 32, 64, 31}, {1, 70, 17, 45}, {2, 16, 70, 23},
                                     {1, 64, 64, 30}};
    for (size_t j = 0; j < sizeof big / sizeof big[0]; j++) {
        const struct onr_conv_shape s = {.N = big[j][0], .C = big[j][1], .H = big[j][3],
                                         .W = big[j][3] + 6, .OC = big[j][2], .pad_top = 1,
                                         .pad_left = 1, .pad_bottom = 1, .pad_right = j % 2};
        check(fn, m, s, j != 1, j == 2, (int)j % N_ACTS);
    }
}

static void test_fits(void)
{
    struct onr_conv_shape s = {.N = 1, .C = 32, .H = 64, .W = 64, .OC = 64, .KH = 3, .KW = 3,
                               .OH = 62, .OW = 62, .stride_h = 1, .stride_w = 1,
                               .dil_h = 1, .dil_w = 1, .group = 1};
    CHECK(onr_winograd2_fits(&s));
    CHECK(onr_winograd4_fits(&s));
    struct onr_conv_shape t = s;
    t.stride_h = 2, t.OH = 31;
    CHECK(!onr_winograd2_fits(&t) && !onr_winograd4_fits(&t));
    t = s, t.dil_w = 2, t.OW = 60;
    CHECK(!onr_winograd2_fits(&t) && !onr_winograd4_fits(&t));
    t = s, t.group = 2;
    CHECK(!onr_winograd2_fits(&t) && !onr_winograd4_fits(&t));
    t = s, t.KH = t.KW = 5, t.OH = t.OW = 60;
    CHECK(!onr_winograd2_fits(&t) && !onr_winograd4_fits(&t));
    t = s, t.C = 3;
    CHECK(!onr_winograd2_fits(&t) && !onr_winograd4_fits(&t));
    t = s, t.H = t.W = 3, t.OH = t.OW = 1;   /* one tile, padded to 32 */
    CHECK(!onr_winograd2_fits(&t) && !onr_winograd4_fits(&t));
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_winograd");
    if (rc >= 0) return rc;
    test_fits();
    int tested = 0;
    const struct {
        const struct onr_winograd_kernel *t;
        int n, m;
    } tables[] = {{onr_winograd2_kernels, onr_winograd2_kernels_count, 2},
                  {onr_winograd4_kernels, onr_winograd4_kernels_count, 4}};
    for (size_t g = 0; g < sizeof tables / sizeof tables[0]; g++)
        for (int k = 0; k < tables[g].n; k++) {
            const struct onr_winograd_kernel *e = &tables[g].t[k];
            if (!kt_runs(e->isa)) continue;
            const int before = cases;
            worst_wino = worst_direct = 0;
            tol = tol_of(tables[g].m);
            test_sweep(e->fn, tables[g].m);
            printf("test_winograd %s: %d cases, worst |y - y64| / scale: winograd %.3g, direct "
                   "%.3g (tolerance %.1g)\n", e->name, cases - before, worst_wino, worst_direct,
                   tol);
            CHECK(worst_wino <= (tables[g].m == 2 ? 5 : 200) * worst_direct);
            tested++;
        }
    if (tested == 0) {
        printf("test_winograd: skipped, no Winograd kernel for this ISA\n");
        return KT_SKIPPED;
    }
    printf("test_winograd: %d cases, %d failures\n", cases, onr_test_failures);
    return onr_test_failures != 0 || cases < 100;
}
