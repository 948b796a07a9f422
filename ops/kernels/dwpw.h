/* Fused depthwise -> pointwise convolution on plain NCHW tensors: a
 * depthwise Conv (group == C == OC, channel multiplier 1) whose output is
 * consumed at once by a 1x1 Conv (stride 1, no pads, group 1), so the
 * tensor between them never goes to memory whole and neither side needs a
 * layout change.
 *
 *   x: (N, C, H, W)  wd: (C, 1, KH, KW)  bd: (C) or NULL
 *   t = dact(dwconv(x, wd) + bd)                      (N, C, OH, OW), never stored whole
 *   wp: (OC, C)  bp: (OC) or NULL  r: (N, OC, OH, OW) or NULL
 *   y = pact(wp * t + bp + r)                         (N, OC, OH, OW)
 *
 * The driver (dwpw_driver.c) cuts each image into bands of output rows
 * (onr_dwpw_band_rows: the band of t for all C channels fits in L1/L2),
 * computes a band of t into the thread's buffer with the ISA's depthwise
 * band function and hands it at once to the ISA's pointwise band function,
 * which applies bp, r and pact in its single store. Bands are spread over OpenMP
 * threads; each output element is computed by one thread in a fixed order
 * whatever the band split, so results are bitwise identical for any thread
 * count. The oracle is onr_dwpw_f32__ref: the reference depthwise Conv, then
 * the reference 1x1 Conv. */
#ifndef ONR_KERNELS_DWPW_H
#define ONR_KERNELS_DWPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activation.h"
#include "conv.h"
#include "kernel_table.h"

struct onr_dwpw_shape {
    struct onr_conv_shape dw;   /* the depthwise Conv: group == C == OC */
    int64_t OC;                 /* the pointwise Conv's output channels */
};

/* The oracle: onr_conv2d_f32__ref twice (the residual added before pact).
 * tmp holds N*C*OH*OW floats. Single-threaded. */
void onr_dwpw_f32__ref(const struct onr_dwpw_shape *s, const float *x, const float *wd,
                       const float *bd, const struct onr_activation *dact, const float *wp,
                       const float *bp, const struct onr_activation *pact, const float *r,
                       float *y, float *tmp);

/* One band of the pointwise Conv: t (C, P) row-major (the band's P pixels
 * of each channel), w (OC, C), b (OC) or NULL; y and r (OC rows of P
 * pixels, ldy floats apart; r may be NULL):
 *   y[o*ldy + p] = act(b[o] + sum_c w[o*C + c] * t[c*P + p] + r[o*ldy + p]),
 * the sum in increasing c. */
typedef void (*onr_dwpw_band_fn)(int64_t OC, int64_t C, int64_t P, const float *w,
                                 const float *b, const float *t, const float *r,
                                 const struct onr_activation *act, float *y, int64_t ldy);

/* One band of the depthwise Conv: output rows [oh0, oh1) of every channel
 * of image x (C, H, W) into t (C, P = (oh1-oh0)*OW):
 *   t[c*P + (oh-oh0)*OW + ow] = act(bd[c] + sum_{kh,kw} wd * x), the taps in
 * (kh, kw) order, those in the padding left out. */
typedef void (*onr_dwpw_dw_fn)(const struct onr_conv_shape *d, const float *x, const float *wd,
                               const float *bd, const struct onr_activation *act, int64_t oh0,
                               int64_t oh1, float *t);

/* One ISA's pair of band functions. */
struct onr_dwpw_fns {
    onr_dwpw_dw_fn dw;
    onr_dwpw_band_fn band;
};
/* dwpw_driver.c: portable C. */
extern const struct onr_dwpw_fns onr_dwpw_fns__scalar;
/* x86/dwpw_avx2.c: the depthwise rows 32 columns at a time from padded
 * row copies (3x3 and 5x5, strides 1 and 2; other shapes row by row), the
 * pointwise band in 4 x 24 tiles; only after onr_cpu_has_avx2_fma(). */
extern const struct onr_dwpw_fns onr_dwpw_fns__avx2;
/* x86/dwpw_avx512.c: 16 columns, 8 x 32 tiles; only after
 * onr_cpu_has_avx512(). */
extern const struct onr_dwpw_fns onr_dwpw_fns__avx512;

/* The band functions, best first (dwpw_driver.c). */
ONR_KERNEL_TABLE(onr_dwpw, struct onr_dwpw_shape, const struct onr_dwpw_fns *)
extern const struct onr_dwpw_kernel onr_dwpw_kernels[];
extern const int onr_dwpw_kernels_count;

/* The shapes the fused kernel takes: a 2-D depthwise Conv with channel
 * multiplier 1 and OC >= 1 (x and y sizes are the caller's to check). */
bool onr_dwpw_fits(const struct onr_dwpw_shape *s);

/* Output rows per band: the band of t (C channels) within about
 * ONR_DWPW_BAND_BYTES, at least one row. Depends on the shape only. */
enum { ONR_DWPW_BAND_BYTES = 32 << 10 };
int64_t onr_dwpw_band_rows(const struct onr_dwpw_shape *s);
/* Floats of one thread's buffer (a band of t). */
int64_t onr_dwpw_thread_floats(const struct onr_dwpw_shape *s);

/* One depthwise output pixel (oh, ow) of channel plane xc (H, W) with
 * its filter w (KH, KW): the border columns of every variant. */
static inline float onr_dwpw_dw_pixel(const struct onr_conv_shape *d, const float *xc,
                                      const float *w, float bias, int64_t oh, int64_t ow)
{
    float acc = bias;
    for (int64_t kh = 0; kh < d->KH; kh++) {
        const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dil_h;
        if (ih < 0 || ih >= d->H) continue;
        for (int64_t kw = 0; kw < d->KW; kw++) {
            const int64_t iw = ow * d->stride_w - d->pad_left + kw * d->dil_w;
            if (iw >= 0 && iw < d->W) acc += w[kh * d->KW + kw] * xc[ih * d->W + iw];
        }
    }
    return acc;
}

/* Asks for the input rows of channel plane xc that the band after rows
 * [oh0, oh1) will read and this one did not: each band reads a short piece
 * of every channel plane, too short for the hardware prefetchers to pick up
 * the stream, so the next band's pieces are fetched while this band computes. */
static inline void onr_dwpw_prefetch_next(const struct onr_conv_shape *d, const float *xc,
                                          int64_t oh0, int64_t oh1)
{
    const int64_t span = (d->KH - 1) * d->dil_h + 1;
    int64_t a = oh1 * d->stride_h - d->pad_top + span - 1 - d->stride_h + 1;
    int64_t e = (2 * oh1 - oh0 - 1) * d->stride_h - d->pad_top + span;
    if (a < 0) a = 0;
    if (e > d->H) e = d->H;
    for (int64_t i = a * d->W; i < e * d->W; i += 16) __builtin_prefetch(xc + i, 0, 2);
}

/* The columns [*lo, *hi) of output row of d whose taps all fall inside the
 * input row when a vector of `lanes` reads `lanes` * stride floats from
 * its first tap (the last lanes of a stride-2 load read one float past
 * the last tap): the rest are border columns. */
static inline void onr_dwpw_inner_cols(const struct onr_conv_shape *d, int64_t reach,
                                       int64_t *lo, int64_t *hi)
{
    const int64_t s = d->stride_w;
    int64_t a = (d->pad_left + s - 1) / s;
    /* ow*s - pad_left + (KW-1)*dil + reach <= W - 1 */
    const int64_t top = d->W - 1 - reach - (d->KW - 1) * d->dil_w + d->pad_left;
    int64_t e = top < 0 ? 0 : top / s + 1;
    if (e > d->OW) e = d->OW;
    if (a > e) a = e;
    *lo = a;
    *hi = e;
}

/* ---- the depthwise band walk of the ISA files (dwpw_driver.c) ---- */

/* One channel's output rows [oh0, oh1) into t (rows of OW) from the padded
 * copies of the input rows they read (ld floats a row; see the walk). */
typedef void (*onr_dwpw_pad_band_fn)(const struct onr_conv_shape *d, const float *buf,
                                     int64_t ld, const float *w, float bias, const void *av,
                                     int64_t oh0, int64_t oh1, float *t);
/* Output row oh of channel plane xc into y: the inner columns [lo, hi)
 * (onr_dwpw_inner_cols) in vectors, the others through onr_dwpw_dw_pixel
 * and act. */
typedef void (*onr_dwpw_row_fn)(const struct onr_conv_shape *d, const float *xc, const float *w,
                                float bias, const struct onr_activation *act, const void *av,
                                int64_t lo, int64_t hi, int64_t oh, float *y);
/* One ISA's depthwise block functions; av is its activation constants. */
struct onr_dwpw_dw_isa {
    int64_t lanes;                     /* floats per vector */
    onr_dwpw_pad_band_fn pad_band[4];  /* 3x3 stride 1, 3x3 stride 2, 5x5 stride 1, 5x5 stride 2 */
    onr_dwpw_row_fn row[3];            /* stride 1, stride 2, any other */
};
/* An onr_dwpw_dw_fn over every channel: square 3x3 and 5x5 kernels of
 * stride 1 or 2 whose band's input rows fit a stack buffer go through
 * padded copies of those rows (no border columns, every tap unrolled),
 * the others row by row. */
void onr_dwpw_dw_walk(const struct onr_dwpw_dw_isa *isa, const struct onr_conv_shape *d,
                      const float *x, const float *wd, const float *bd,
                      const struct onr_activation *act, const void *av, int64_t oh0,
                      int64_t oh1, float *t);

/* The fused Conv; ws holds threads * onr_dwpw_thread_floats(s) floats.
 * x, y, r must not overlap ws; y must not overlap x or r. */
void onr_dwpw_f32(const struct onr_dwpw_shape *s, const struct onr_dwpw_fns *fns, const float *x,
                  const float *wd, const float *bd, const struct onr_activation *dact,
                  const float *wp, const float *bp, const struct onr_activation *pact,
                  const float *r, float *y, float *ws, int threads);

#endif
