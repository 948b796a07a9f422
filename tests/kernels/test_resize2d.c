/* The separable 2-D resize kernels (ops/kernels/resize2d.h), each entry of
 * onr_resize2d_kernels for the ISA under test, against the oracle
 * onr_resize2d_f32__ref: bilinear tap tables as Resize builds them
 * (half_pixel and align_corners, up- and downsampling, with the edge taps
 * clamped onto one index), tables whose second tap was dropped (weight 0),
 * nearest tables (`single`: one tap, weight 1; with infinities and NaNs in
 * x, which must be copied bit for bit), and random tables (any indices,
 * any weights, zeros among them); widths
 * across vector edges (1..40, 63..65), odd heights, 1..5 planes;
 * bitwise equality across 1, 2 and 3 threads.
 *
 * Tolerance, per element: 4 * FLT_EPSILON * sum |wh * ww * x| over its four
 * taps. The kernel rounds each of the two horizontal sums and the vertical
 * one to float (three roundings, each at most eps/2 of a partial sum bounded
 * by that sum, FMA or not), where the oracle sums in double. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_isa.h"
#include "ops/kernels/resize2d.h"
#include "testutil.h"

static int cases_run;

struct axis_table {
    int32_t *i0, *i1;
    float *w0, *w1;
    bool single;
};

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}
static int64_t pick(int64_t lo, int64_t hi) { return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1)); }

enum table_kind { HALF_PIXEL, ALIGN_CORNERS, DROPPED, RANDOM, NEAREST };

/* The taps of n_out coordinates over n_in, as Resize's linear mode makes
 * them (clamped to the edges), or drawn at random. */
static void make_axis(struct axis_table *t, int64_t n_in, int64_t n_out, enum table_kind kind)
{
    const size_t n = (size_t)(n_out > 0 ? n_out : 1);
    t->i0 = malloc(n * sizeof *t->i0), t->i1 = malloc(n * sizeof *t->i1);
    t->w0 = malloc(n * sizeof *t->w0), t->w1 = malloc(n * sizeof *t->w1);
    t->single = kind == NEAREST;
    for (int64_t o = 0; o < n_out; o++) {
        if (kind == NEAREST) {
            int64_t i = (int64_t)floor(((double)o + 0.5) * (double)n_in / (double)n_out);
            t->i0[o] = t->i1[o] = (int32_t)(i < n_in ? i : n_in - 1);
            t->w0[o] = 1.0f, t->w1[o] = 0.0f;
            continue;
        }
        if (kind == RANDOM) {
            t->i0[o] = (int32_t)pick(0, n_in - 1), t->i1[o] = (int32_t)pick(0, n_in - 1);
            t->w0[o] = (float)pick(-1000, 1000) / 500.0f;
            t->w1[o] = next() % 4 == 0 ? 0.0f : (float)pick(-1000, 1000) / 500.0f;
            continue;
        }
        double c = kind == ALIGN_CORNERS
                       ? (n_out > 1 ? (double)o * (double)(n_in - 1) / (double)(n_out - 1) : 0.0)
                       : ((double)o + 0.5) * (double)n_in / (double)n_out - 0.5;
        if (c < 0) c = 0;
        const double f = floor(c), r = c - f;
        int64_t a = (int64_t)f, b = a + 1;
        if (a > n_in - 1) a = n_in - 1;
        if (b > n_in - 1) b = n_in - 1;
        t->i0[o] = (int32_t)a, t->i1[o] = (int32_t)b;
        t->w0[o] = (float)(1.0 - r), t->w1[o] = (float)r;
        if (kind == DROPPED && (o % 3 == 0 || r == 0.0)) t->i1[o] = (int32_t)a, t->w0[o] = 1.0f, t->w1[o] = 0.0f;
    }
}

static void free_axis(struct axis_table *t) { free(t->i0), free(t->i1), free(t->w0), free(t->w1); }

static void check_case(const struct onr_resize2d_kernel *k, const struct onr_resize2d_shape *s,
                       enum table_kind hk, enum table_kind wk, uint64_t seed)
{
    struct axis_table ht, wt;
    make_axis(&ht, s->IH, s->OH, hk);
    make_axis(&wt, s->IW, s->OW, wk);
    const struct onr_resize2d_axis h = {ht.i0, ht.i1, ht.w0, ht.w1, ht.single};
    const struct onr_resize2d_axis w = {wt.i0, wt.i1, wt.w0, wt.w1, wt.single};
    const size_t nx = (size_t)(s->P * s->IH * s->IW), ny = (size_t)(s->P * s->OH * s->OW);
    float *x = malloc((nx ? nx : 1) * sizeof *x), *ref = malloc((ny ? ny : 1) * sizeof *ref);
    float *got[3], *ws = malloc(onr_resize2d_workspace_floats(s, 3) * sizeof *ws);
    for (int t = 0; t < 3; t++) got[t] = malloc((ny ? ny : 1) * sizeof *got[t]);
    onr_test_fill(x, nx, seed, -2.0f, 2.0f);
    const bool nearest = hk == NEAREST && wk == NEAREST;
    if (nearest)
        for (size_t i = 0; i < nx; i += 5) x[i] = i % 3 == 0 ? INFINITY : (i % 3 == 1 ? -INFINITY : NAN);
    onr_resize2d_f32__ref(s, &h, &w, x, ref);
    char what[200];
    snprintf(what, sizeof what, "%s P=%lld %lldx%lld -> %lldx%lld tables %d/%d", k->name,
             (long long)s->P, (long long)s->IH, (long long)s->IW, (long long)s->OH,
             (long long)s->OW, hk, wk);
    for (int t = 0; t < 3; t++) {
        memset(got[t], 0xff, ny * sizeof *got[t]); /* NaN: an element not written fails */
        k->fn(s, &h, &w, x, got[t], ws, t + 1);
    }
    if (nearest) {
        /* A copy: every output element is its input element's bits. */
        for (int64_t p = 0; p < s->P; p++)
            for (int64_t oh = 0; oh < s->OH; oh++)
                for (int64_t ow = 0; ow < s->OW; ow++)
                    ref[(p * s->OH + oh) * s->OW + ow] =
                        x[(p * s->IH + h.i0[oh]) * s->IW + w.i0[ow]];
        CHECK(onr_test_bitwise(what, got[0], ref, ny));
    } else
    for (int64_t p = 0; p < s->P; p++)
        for (int64_t oh = 0; oh < s->OH; oh++)
            for (int64_t ow = 0; ow < s->OW; ow++) {
                const size_t e = (size_t)((p * s->OH + oh) * s->OW + ow);
                const float *xp = x + p * s->IH * s->IW;
                const int32_t hi[2] = {h.i0[oh], h.i1[oh]}, wi[2] = {w.i0[ow], w.i1[ow]};
                const double hw[2] = {h.w0[oh], h.w1[oh]}, ww[2] = {w.w0[ow], w.w1[ow]};
                double bound = 0.0;
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++)
                        bound += fabs(hw[a] * ww[b] * (double)xp[(int64_t)hi[a] * s->IW + wi[b]]);
                bound *= 4.0 * FLT_EPSILON;
                const double err = fabs((double)got[0][e] - (double)ref[e]);
                if (!(err <= bound)) {
                    fprintf(stderr, "FAIL %s: element %zu (p %lld, %lld, %lld): got %.9g, ref %.9g, "
                            "error %.3g > bound %.3g\n", what, e, (long long)p, (long long)oh,
                            (long long)ow, got[0][e], ref[e], err, bound);
                    onr_test_failures++;
                    goto done;
                }
            }
    CHECK(onr_test_bitwise(what, got[1], got[0], ny));
    CHECK(onr_test_bitwise(what, got[2], got[0], ny));
done:
    cases_run++;
    free(x), free(ref), free(ws);
    for (int t = 0; t < 3; t++) free(got[t]);
    free_axis(&ht), free_axis(&wt);
}

static void run_kernel(const struct onr_resize2d_kernel *k)
{
    uint64_t seed = 1;
    /* Widths across vector edges, up- and downsampling by the coordinate
     * modes Resize uses. */
    for (int64_t ow = 1; ow <= 40; ow++)
        for (int kind = HALF_PIXEL; kind <= DROPPED; kind++) {
            const int64_t iw = ow % 3 == 0 ? ow / 3 + 1 : ow * 2 + 1;
            const struct onr_resize2d_shape s = {1 + ow % 3, 5, iw, 7 + ow % 5, ow};
            check_case(k, &s, (enum table_kind)kind, (enum table_kind)kind, seed++);
        }
    for (int64_t ow = 1; ow <= 40; ow++) {
        const struct onr_resize2d_shape s = {2, 4 + ow % 3, ow / 2 + 1, 9, ow};
        check_case(k, &s, NEAREST, NEAREST, seed++);
        check_case(k, &s, NEAREST, HALF_PIXEL, seed++);
        check_case(k, &s, HALF_PIXEL, NEAREST, seed++);
    }
    for (int64_t ow = 63; ow <= 65; ow++) {
        const struct onr_resize2d_shape s = {2, 9, 8, 72, ow};
        check_case(k, &s, HALF_PIXEL, HALF_PIXEL, seed++);
    }
    /* LR-ASPP's head: 28x28 -> 224x224, and a 1-row / 1-column input. */
    const struct onr_resize2d_shape big = {3, 28, 28, 224, 224};
    check_case(k, &big, HALF_PIXEL, HALF_PIXEL, seed++);
    const struct onr_resize2d_shape thin = {2, 1, 1, 5, 9};
    check_case(k, &thin, HALF_PIXEL, ALIGN_CORNERS, seed++);
    /* Drawn shapes and tables. */
    for (int i = 0; i < 200; i++) {
        const struct onr_resize2d_shape s = {pick(1, 5), pick(1, 20), pick(1, 40), pick(1, 40),
                                             pick(1, 70)};
        check_case(k, &s, (enum table_kind)pick(0, 4), (enum table_kind)pick(0, 4), seed++);
    }
    /* Empty planes and outputs: nothing is written, nothing read. */
    const struct onr_resize2d_shape empty[] = {{0, 4, 4, 8, 8}, {2, 4, 4, 0, 8}, {2, 4, 4, 8, 0}};
    for (int i = 0; i < 3; i++) check_case(k, &empty[i], HALF_PIXEL, HALF_PIXEL, seed++);
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_resize2d");
    if (rc >= 0) return rc;
    int kernels = 0;
    for (int i = 0; i < onr_resize2d_kernels_count; i++) {
        const struct onr_resize2d_kernel *k = &onr_resize2d_kernels[i];
        if (!kt_runs(k->isa)) continue;
        run_kernel(k);
        kernels++;
    }
    CHECK(kernels > 0);
    printf("test_resize2d: %d kernel(s), %d cases, %d failure(s)\n", kernels, cases_run,
           onr_test_failures);
    return onr_test_failures != 0;
}
