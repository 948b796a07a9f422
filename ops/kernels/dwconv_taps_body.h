/* The body of the tap-row depthwise kernels (dwconv_taps.h), included by
 * each ISA's file so the compiler vectorises the same loops for each.
 *
 * An output row starts as the bias; each kernel row that lands inside x
 * adds, tap by tap, w * (a row of x shifted by the tap's offset): a
 * contiguous multiply-add over the output row (strided by 2 in x for
 * stride_w 2), where a per-pixel window sum would walk the taps in its
 * inner loop. The activation runs over the finished row. */
#ifndef ONR_KERNELS_DWCONV_TAPS_BODY_H
#define ONR_KERNELS_DWCONV_TAPS_BODY_H

#include <stdint.h>

#include "activation.h"
#include "conv.h"

/* The q in [0, n) whose input column q * stride + off is inside [0, in):
 * [*lo, *hi). */
static inline void dwtaps_range(int64_t off, int64_t stride, int64_t n, int64_t in,
                                int64_t *lo, int64_t *hi)
{
    int64_t a = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int64_t z = in - off <= 0 ? 0 : (in - off - 1) / stride + 1;
    if (z > n) z = n;
    *lo = a;
    *hi = z > a ? z : a;
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

static inline void dwconv_taps_body(const struct onr_conv_shape *s, const float *x,
                                    const float *w, const float *b,
                                    const struct onr_activation *act, float *y, int threads)
{
    const int64_t H = s->H, W = s->W, OH = s->OH, OW = s->OW, KH = s->KH, KW = s->KW;
    const int64_t sw = s->stride_w;
    const int64_t rows = s->N * s->C * OH;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows > 1)
#endif
    for (int64_t row = 0; row < rows; row++) {
        const int64_t plane = row / OH, oh = row % OH, c = plane % s->C;
        const float *xp = x + plane * H * W;
        const float *wc = w + c * KH * KW;
        float *yr = y + plane * OH * OW + oh * OW;
        const float bias = b != NULL ? b[c] : 0.0f;
        for (int64_t q = 0; q < OW; q++) yr[q] = bias;
        for (int64_t kh = 0; kh < KH; kh++) {
            const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
            if (ih < 0 || ih >= H) continue;
            const float *xrow = xp + ih * W;
            for (int64_t kw = 0; kw < KW; kw++) {
                const int64_t off = kw * s->dil_w - s->pad_left;
                int64_t lo, hi;
                dwtaps_range(off, sw, OW, W, &lo, &hi);
                if (sw == 1) dwtaps_add_s1(yr, xrow, off, wc[kh * KW + kw], lo, hi);
                else dwtaps_add_s2(yr, xrow, off, wc[kh * KW + kw], lo, hi);
            }
        }
        dwtaps_activate(act, yr, OW);
    }
}

#endif
