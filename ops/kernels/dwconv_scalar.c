/* Portable depthwise 2-D convolution (any kernel size, strides, pads,
 * dilations; channel multiplier 1) and the variant selector.
 *
 * Each output row is built in a small accumulator tile: bias, then one
 * pass per filter tap over the output columns whose input column is inside
 * the image (the ranges are computed, so the inner loop has no branch and
 * vectorises for stride 1). The order per element is the oracle's: bias,
 * then (kh, kw) ascending, skipping taps in the padding. */
#include "dwconv.h"

#define TILE 256 /* output columns per accumulator tile */

/* First and one-past-last ow in [lo, hi) with 0 <= ow*S + off < W. */
static void valid_cols(int64_t off, int64_t S, int64_t W, int64_t lo, int64_t hi,
                       int64_t *first, int64_t *last)
{
    int64_t a = off >= 0 ? 0 : (-off + S - 1) / S;
    int64_t b = W - 1 - off >= 0 ? (W - 1 - off) / S + 1 : 0;
    if (a < lo) a = lo;
    if (b > hi) b = hi;
    if (b < a) b = a;
    *first = a;
    *last = b;
}

/* x: (H, W)  w: (KH, KW)  y: (OH, OW), rows [oh0, oh1) of one plane */
static void plane_rows(const struct onr_conv_shape *s, const float *x, const float *w,
                       float bias, const struct onr_activation *act, float *y,
                       int64_t oh0, int64_t oh1)
{
    float acc[TILE];
    for (int64_t oh = oh0; oh < oh1; oh++) {
        for (int64_t ow0 = 0; ow0 < s->OW; ow0 += TILE) {
            const int64_t ow1 = s->OW - ow0 < TILE ? s->OW : ow0 + TILE;
            const int64_t tw = ow1 - ow0;
            for (int64_t i = 0; i < tw; i++) acc[i] = bias;
            for (int64_t kh = 0; kh < s->KH; kh++) {
                const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
                if (ih < 0 || ih >= s->H) continue;
                const float *xr = x + ih * s->W;
                for (int64_t kw = 0; kw < s->KW; kw++) {
                    const int64_t off = kw * s->dil_w - s->pad_left;
                    const float wv = w[kh * s->KW + kw];
                    const int64_t S = s->stride_w;
                    int64_t first, last;
                    valid_cols(off, S, s->W, ow0, ow1, &first, &last);
                    if (last <= first) continue;
                    /* acc[i] takes input column (ow0 + i)*S + off */
                    float *a = acc + (first - ow0);
                    const float *xs = xr + (first * S + off);
                    const int64_t n = last - first;
                    if (S == 1) {
                        for (int64_t i = 0; i < n; i++) a[i] += xs[i] * wv;
                    } else {
                        for (int64_t i = 0; i < n; i++) a[i] += xs[i * S] * wv;
                    }
                }
            }
            float *yr = y + oh * s->OW;
            for (int64_t i = 0; i < tw; i++) yr[ow0 + i] = onr_activation_apply(act, acc[i]);
        }
    }
}

/* x: (N, C, H, W)  w: (C, 1, KH, KW)  y: (N, C, OH, OW) */
void onr_dwconv2d_drive(const struct onr_conv_shape *s, const float *x, const float *w,
                        const float *b, const void *av, float *y, int threads,
                        onr_dwconv2d_rows_fn rows)
{
    const int64_t planes = s->N * s->C;
    const int64_t nrb = onr_dwconv2d_row_blocks(planes, s->OH, threads);
    const int64_t items = planes * nrb;
    const int64_t kk = s->KH * s->KW;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t p = it / nrb, rb = it % nrb, c = p % s->C;
        rows(s, x + p * s->H * s->W, w + c * kk, b != NULL ? b[c] : 0.0f, av,
             y + p * s->OH * s->OW, rb * s->OH / nrb, (rb + 1) * s->OH / nrb);
    }
}

static void plane_rows_any(const struct onr_conv_shape *s, const float *x, const float *w,
                           float bias, const void *av, float *y, int64_t oh0, int64_t oh1)
{
    plane_rows(s, x, w, bias, av, y, oh0, oh1);
}

/* x: (N, C, H, W)  w: (C, 1, KH, KW)  y: (N, C, OH, OW) */
void onr_dwconv2d_f32__scalar(const struct onr_conv_shape *s, const float *x, const float *w,
                              const float *b, const struct onr_activation *act, float *y,
                              int threads)
{
    onr_dwconv2d_drive(s, x, w, b, act, y, threads, plane_rows_any);
}

#ifdef ONR_HAVE_X86
/* The row kernels, best first: square k x k filter, equal strides. */
static const struct {
    enum onr_isa isa;
    int64_t k, stride;
    onr_dwconv2d_fn fn;
} row_kernels[] = {
    {ONR_ISA_AVX512, 3, 1, onr_dwconv2d_f32_3x3s1__avx512},
    {ONR_ISA_AVX512, 3, 2, onr_dwconv2d_f32_3x3s2__avx512},
    {ONR_ISA_AVX512, 5, 1, onr_dwconv2d_f32_5x5s1__avx512},
    {ONR_ISA_AVX512, 5, 2, onr_dwconv2d_f32_5x5s2__avx512},
    {ONR_ISA_AVX2, 3, 1, onr_dwconv2d_f32_3x3s1__avx2},
    {ONR_ISA_AVX2, 3, 2, onr_dwconv2d_f32_3x3s2__avx2},
    {ONR_ISA_AVX2, 5, 1, onr_dwconv2d_f32_5x5s1__avx2},
    {ONR_ISA_AVX2, 5, 2, onr_dwconv2d_f32_5x5s2__avx2},
};
#endif

onr_dwconv2d_fn onr_dwconv2d_f32_pick(const struct onr_conv_shape *s, enum onr_isa level)
{
    if (s->group < 1 || s->group != s->C || s->OC != s->C) return NULL;
#ifdef ONR_HAVE_X86
    /* the x86 kernels compute column masks in 32 bits */
    const int64_t lim = (int64_t)1 << 30;
    if (s->KH == s->KW && s->stride_h == s->stride_w && s->dil_h == 1 && s->dil_w == 1 &&
        s->W < lim && s->OW < lim && s->pad_left < lim)
        for (size_t i = 0; i < sizeof row_kernels / sizeof row_kernels[0]; i++)
            if (row_kernels[i].isa <= level && row_kernels[i].k == s->KH &&
                row_kernels[i].stride == s->stride_h)
                return row_kernels[i].fn;
#else
    (void)level;
#endif
    return onr_dwconv2d_f32__scalar;
}
