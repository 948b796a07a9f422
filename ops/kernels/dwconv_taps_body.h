/* The body of the tap-row depthwise kernels (dwconv_taps.h), included by
 * each ISA's file so the compiler vectorises the same loops for each.
 *
 * An output row starts as the bias; each kernel row (kd, kh) that lands
 * inside x adds, tap by tap, w * (a row of x shifted by the tap's offset):
 * a contiguous multiply-add over the output row (strided in x for
 * stride_w > 1), where a per-pixel window sum would walk the taps in its
 * inner loop. The in-bounds range of each tap along W is the same for
 * every row, so it is computed once. The activation runs over the finished
 * row. */
#ifndef ONR_KERNELS_DWCONV_TAPS_BODY_H
#define ONR_KERNELS_DWCONV_TAPS_BODY_H

#include <stdint.h>

#include "activation.h"
#include "dwconv_taps.h"

/* Tap kw reads x column q * stride + off for the output columns q in [lo, hi). */
struct dwtaps_col {
    int64_t off, lo, hi;
};

static inline void dwtaps_cols(const struct onr_dwtaps_geom *g, struct dwtaps_col *cols)
{
    const int64_t sw = g->stride[2], OW = g->out[2], W = g->in[2];
    for (int64_t kw = 0; kw < g->k[2]; kw++) {
        const int64_t off = kw * g->dil[2] - g->pad[2];
        int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int64_t hi = W - off <= 0 ? 0 : (W - off - 1) / sw + 1;
        if (hi > OW) hi = OW;
        if (lo > hi) lo = hi;
        cols[kw] = (struct dwtaps_col){off, lo, hi};
    }
}

static inline void dwtaps_add_s1(float *restrict y, const float *restrict x, int64_t off,
                                 float w, int64_t lo, int64_t hi)
{
    for (int64_t q = lo; q < hi; q++) y[q] += w * x[q + off];
}

static inline void dwtaps_add_s2(float *restrict y, const float *restrict x, int64_t off,
                                 float w, int64_t lo, int64_t hi)
{
    for (int64_t q = lo; q < hi; q++) y[q] += w * x[2 * q + off];
}

static inline void dwtaps_add_sn(float *restrict y, const float *restrict x, int64_t off,
                                 int64_t sw, float w, int64_t lo, int64_t hi)
{
    for (int64_t q = lo; q < hi; q++) y[q] += w * x[sw * q + off];
}

static inline void dwtaps_activate(const struct onr_activation *act, float *y, int64_t n)
{
    switch (act->kind) {
    case ONR_ACT_NONE: return;
    case ONR_ACT_RELU:
        for (int64_t q = 0; q < n; q++) y[q] = y[q] < 0.0f ? 0.0f : y[q];
        return;
    default:
        for (int64_t q = 0; q < n; q++) y[q] = onr_activation_apply(act, y[q]);
        return;
    }
}

static inline void dwconv_taps_body(const struct onr_dwtaps_geom *g, const float *x,
                                    const float *w, const float *b,
                                    const struct onr_activation *act, float *y, int threads)
{
    struct dwtaps_col cols[ONR_DWTAPS_MAX_KW];
    dwtaps_cols(g, cols);
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t KD = g->k[0], KH = g->k[1], KW = g->k[2];
    const int64_t OD = g->out[0], OH = g->out[1], OW = g->out[2];
    const int64_t sw = g->stride[2], mult = g->OC / g->C;
    const int64_t rows_per_plane = OD * OH, rows = g->N * g->OC * rows_per_plane;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows > 1)
#endif
    for (int64_t row = 0; row < rows; row++) {
        const int64_t plane = row / rows_per_plane, r = row % rows_per_plane;
        const int64_t n = plane / g->OC, oc = plane % g->OC;
        const int64_t od = r / OH, oh = r % OH;
        const float *xc = x + (n * g->C + oc / mult) * ID * IH * IW;
        const float *wk = w + oc * KD * KH * KW;
        float *yr = y + plane * rows_per_plane * OW + r * OW;
        const float bias = b != NULL ? b[oc] : 0.0f;
        for (int64_t q = 0; q < OW; q++) yr[q] = bias;
        for (int64_t kd = 0; kd < KD; kd++) {
            const int64_t id = od * g->stride[0] - g->pad[0] + kd * g->dil[0];
            if (id < 0 || id >= ID) continue;
            for (int64_t kh = 0; kh < KH; kh++) {
                const int64_t ih = oh * g->stride[1] - g->pad[1] + kh * g->dil[1];
                if (ih < 0 || ih >= IH) continue;
                const float *xrow = xc + (id * IH + ih) * IW;
                const float *wrow = wk + (kd * KH + kh) * KW;
                for (int64_t kw = 0; kw < KW; kw++) {
                    const struct dwtaps_col c = cols[kw];
                    if (sw == 1) dwtaps_add_s1(yr, xrow, c.off, wrow[kw], c.lo, c.hi);
                    else if (sw == 2) dwtaps_add_s2(yr, xrow, c.off, wrow[kw], c.lo, c.hi);
                    else dwtaps_add_sn(yr, xrow, c.off, sw, wrow[kw], c.lo, c.hi);
                }
            }
        }
        dwtaps_activate(act, yr, OW);
    }
}

#endif
