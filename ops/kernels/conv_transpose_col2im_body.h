/* The body of the ISA col2im kernels (conv_transpose.h), included by each
 * ISA's file after it defines
 *     static inline void convt_add_pairs(float *y, const float *c0,
 *                                        const float *c1, int64_t n);
 * (y[2q] += c0[q] and y[2q + 1] += c1[q] for q < n, in vectors).
 *
 * The scatter of __scalar, except along W with stride 2 and dilation 1:
 * there taps tw and tw + 1 of one kernel row land on alternate output
 * columns (2 iw + tw - pad and the next), so one pass adds both as
 * interleaved pairs instead of two strided scalar passes. An output
 * element receives at most one of the two (they differ in parity), so its
 * taps still arrive in (td, th, tw) order and the sums are __scalar's. */
#ifndef ONR_KERNELS_CONV_TRANSPOSE_COL2IM_BODY_H
#define ONR_KERNELS_CONV_TRANSPOSE_COL2IM_BODY_H

#include <stdbool.h>
#include <stdint.h>

#include "conv_transpose.h"

/* First and one-past-last q with 0 <= o0 + q * stride < out, q in [0, n). */
static inline void convt_valid_range(int64_t o0, int64_t stride, int64_t out, int64_t n,
                                     int64_t *lo, int64_t *hi)
{
    const int64_t a = o0 >= 0 ? 0 : (-o0 + stride - 1) / stride;
    const int64_t z = o0 <= out - 1 ? (out - 1 - o0) / stride + 1 : 0;
    *lo = a;
    *hi = z < n ? z : n;
}

/* yr[o0 + q * sw] += c[q] over the q that land inside the row. */
static inline void convt_add_tap_row(float *restrict yr, const float *restrict c, int64_t o0,
                                     int64_t sw, int64_t out, int64_t n)
{
    int64_t lo, hi;
    convt_valid_range(o0, sw, out, n, &lo, &hi);
    if (sw == 1) {
        for (int64_t q = lo; q < hi; q++) yr[o0 + q] += c[q];
    } else {
        for (int64_t q = lo; q < hi; q++) yr[o0 + q * sw] += c[q];
    }
}

/* Taps tw (row c0, first column o0) and tw + 1 (row c1, column o0 + 1)
 * with stride 2: the q both keep inside the row as pairs, the at most one
 * q at either end that only one of them keeps singly. */
static inline void convt_add_tap_pair(float *restrict yr, const float *restrict c0,
                                      const float *restrict c1, int64_t o0, int64_t out,
                                      int64_t n)
{
    int64_t lo0, hi0, lo1, hi1;
    convt_valid_range(o0, 2, out, n, &lo0, &hi0);
    convt_valid_range(o0 + 1, 2, out, n, &lo1, &hi1);
    const int64_t lo = lo0 > lo1 ? lo0 : lo1, hi = hi0 < hi1 ? hi0 : hi1;
    if (lo >= hi) {
        for (int64_t q = lo0; q < hi0; q++) yr[o0 + 2 * q] += c0[q];
        for (int64_t q = lo1; q < hi1; q++) yr[o0 + 1 + 2 * q] += c1[q];
        return;
    }
    for (int64_t q = lo0; q < lo; q++) yr[o0 + 2 * q] += c0[q];
    for (int64_t q = lo1; q < lo; q++) yr[o0 + 1 + 2 * q] += c1[q];
    convt_add_pairs(yr + o0 + 2 * lo, c0 + lo, c1 + lo, hi - lo);
    for (int64_t q = hi; q < hi0; q++) yr[o0 + 2 * q] += c0[q];
    for (int64_t q = hi; q < hi1; q++) yr[o0 + 1 + 2 * q] += c1[q];
}

/* One kernel row (td, th) of plane yp: taps tw in order, paired where the
 * stride is 2 and the dilation 1. */
static inline void convt_col2im_kernel_row(const struct onr_convt_shape *s, const float *rows,
                                           int64_t p0, int64_t nb, int64_t td, int64_t th,
                                           float *yp)
{
    const int64_t hw = s->in[1] * s->in[2], KW = s->k[2], sw = s->stride[2];
    const bool pairs = sw == 2 && s->dil[2] == 1;
    /* Walk the block one input row (fixed id, ih) at a time. */
    for (int64_t j = 0, p = p0; j < nb;) {
        const int64_t id = p / hw, ih = p / s->in[2] % s->in[1], iw = p % s->in[2];
        const int64_t run = s->in[2] - iw < nb - j ? s->in[2] - iw : nb - j;
        const int64_t od = id * s->stride[0] - s->pad_begin[0] + td * s->dil[0];
        const int64_t oh = ih * s->stride[1] - s->pad_begin[1] + th * s->dil[1];
        if (od >= 0 && od < s->out[0] && oh >= 0 && oh < s->out[1]) {
            float *yr = yp + (od * s->out[1] + oh) * s->out[2];
            for (int64_t tw = 0; tw < KW;) {
                const int64_t ow0 = iw * sw - s->pad_begin[2] + tw * s->dil[2];
                const float *c = rows + tw * nb + j;
                if (pairs && tw + 1 < KW) {
                    convt_add_tap_pair(yr, c, c + nb, ow0, s->out[2], run);
                    tw += 2;
                } else {
                    convt_add_tap_row(yr, c, ow0, sw, s->out[2], run);
                    tw += 1;
                }
            }
        }
        j += run;
        p += run;
    }
}

static inline void convt_col2im_body(const struct onr_convt_shape *s, const float *cols,
                                     int64_t p0, int64_t nb, const float *b, float *y,
                                     const struct onr_activation *act, int threads)
{
    const int64_t mg = s->M / s->group;
    const int64_t out_vol = s->out[0] * s->out[1] * s->out[2];
    const int64_t taps = s->k[0] * s->k[1] * s->k[2];
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && mg > 1)
    for (int64_t m = 0; m < mg; m++) {
        float *yp = y + m * out_vol;
        if (p0 == 0) {
            const float v = b != NULL ? b[m] : 0.0f;
            for (int64_t o = 0; o < out_vol; o++) yp[o] = v;
        }
        for (int64_t td = 0; td < s->k[0]; td++)
            for (int64_t th = 0; th < s->k[1]; th++) {
                const int64_t t = (td * s->k[1] + th) * s->k[2];
                convt_col2im_kernel_row(s, cols + (m * taps + t) * nb, p0, nb, td, th, yp);
            }
        if (act != NULL && act->kind != ONR_ACT_NONE)
            onr_convt_act_row(yp, out_vol, act);
    }
}

#endif
