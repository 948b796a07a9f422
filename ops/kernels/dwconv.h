/* Depthwise 2-D convolution kernels: group == C == OC, one KHxKW filter per
 * channel (channel multiplier 1), NCHW.
 *
 *   x: (N, C, H, W)  w: (C, 1, KH, KW)  b: (C) or NULL  y: (N, C, OH, OW)
 *
 * Every variant takes the shape struct of conv.h, applies `act` (exactly
 * onr_activation_apply) before its single store, and runs on `threads`
 * OpenMP threads over (n, c) planes and row blocks. Each output element is
 * computed by one thread in a fixed order, so results are bitwise identical
 * for any thread count. The oracle is onr_conv2d_f32__ref with group == C.
 *
 *   __scalar          portable C: any KH, KW, strides, pads, dilations
 *   _3x3s1__avx2 ...  AVX2+FMA: square 3x3/5x5 filter, equal strides 1 or
 *                     2, dilation 1, any pads, W and pads below 2^30
 *                     (ops/kernels/x86/dwconv_avx2.c).
 *   _3x3s1__avx512 ...  AVX-512 F/DQ/BW/VL, same shapes as the AVX2 ones
 *                     (ops/kernels/x86/dwconv_avx512.c).
 * The ISA variants are reached through conv.h's onr_conv2d_kernels. */
#ifndef ONR_KERNELS_DWCONV_H
#define ONR_KERNELS_DWCONV_H

#include <stdbool.h>

#include "../../runtime/cpu.h"
#include "conv.h"

typedef void (*onr_dwconv2d_fn)(const struct onr_conv_shape *s, const float *x,
                                const float *w, const float *b,
                                const struct onr_activation *act, float *y, int threads);

void onr_dwconv2d_f32__scalar(const struct onr_conv_shape *s, const float *x, const float *w,
                              const float *b, const struct onr_activation *act, float *y,
                              int threads);

void onr_dwconv2d_f32_3x3s1__avx2(const struct onr_conv_shape *s, const float *x,
                                  const float *w, const float *b,
                                  const struct onr_activation *act, float *y, int threads);
void onr_dwconv2d_f32_3x3s2__avx2(const struct onr_conv_shape *s, const float *x,
                                  const float *w, const float *b,
                                  const struct onr_activation *act, float *y, int threads);
void onr_dwconv2d_f32_5x5s1__avx2(const struct onr_conv_shape *s, const float *x,
                                  const float *w, const float *b,
                                  const struct onr_activation *act, float *y, int threads);
void onr_dwconv2d_f32_5x5s2__avx2(const struct onr_conv_shape *s, const float *x,
                                  const float *w, const float *b,
                                  const struct onr_activation *act, float *y, int threads);

void onr_dwconv2d_f32_3x3s1__avx512(const struct onr_conv_shape *s, const float *x,
                                    const float *w, const float *b,
                                    const struct onr_activation *act, float *y, int threads);
void onr_dwconv2d_f32_3x3s2__avx512(const struct onr_conv_shape *s, const float *x,
                                    const float *w, const float *b,
                                    const struct onr_activation *act, float *y, int threads);
void onr_dwconv2d_f32_5x5s1__avx512(const struct onr_conv_shape *s, const float *x,
                                    const float *w, const float *b,
                                    const struct onr_activation *act, float *y, int threads);
void onr_dwconv2d_f32_5x5s2__avx512(const struct onr_conv_shape *s, const float *x,
                                    const float *w, const float *b,
                                    const struct onr_activation *act, float *y, int threads);

/* Small planes, vectorised across channels (ops/kernels/x86/
 * dwconv_small_avx512.c): blocks of 16 channels are transposed into a
 * zero-padded [row][col][16] tile of at most ONR_DWCONV_SMALL_TILE pixels
 * and computed into at most ONR_DWCONV_SMALL_OUT output pixels, both on the
 * thread's stack. Square 3x3/5x5, equal strides 1 or 2, dilation 1, any
 * pads; for shapes onr_dwconv2d_small_fits() takes. */
void onr_dwconv2d_f32_small3x3s1__avx512(const struct onr_conv_shape *s, const float *x,
                                         const float *w, const float *b,
                                         const struct onr_activation *act, float *y,
                                         int threads);
void onr_dwconv2d_f32_small3x3s2__avx512(const struct onr_conv_shape *s, const float *x,
                                         const float *w, const float *b,
                                         const struct onr_activation *act, float *y,
                                         int threads);
void onr_dwconv2d_f32_small5x5s1__avx512(const struct onr_conv_shape *s, const float *x,
                                         const float *w, const float *b,
                                         const struct onr_activation *act, float *y,
                                         int threads);
void onr_dwconv2d_f32_small5x5s2__avx512(const struct onr_conv_shape *s, const float *x,
                                         const float *w, const float *b,
                                         const struct onr_activation *act, float *y,
                                         int threads);
enum { ONR_DWCONV_SMALL_TILE = 1024, ONR_DWCONV_SMALL_OUT = 256 };
/* Rows and columns of the padded input tile: the taps' reach and the
 * input itself, whichever ends later. */
static inline int64_t onr_dwconv2d_small_tile_rows(const struct onr_conv_shape *s)
{
    const int64_t reach = (s->OH - 1) * s->stride_h + s->KH, in = s->pad_top + s->H;
    return reach > in ? reach : in;
}
static inline int64_t onr_dwconv2d_small_tile_cols(const struct onr_conv_shape *s)
{
    const int64_t reach = (s->OW - 1) * s->stride_w + s->KW, in = s->pad_left + s->W;
    return reach > in ? reach : in;
}
/* The shapes the small-plane variants accept (their stack buffers). */
static inline bool onr_dwconv2d_small_fits(const struct onr_conv_shape *s)
{
    const int64_t lim = ONR_DWCONV_SMALL_TILE;
    if (s->group < 1 || s->group != s->C || s->OC != s->C || s->KH != s->KW ||
        (s->KH != 3 && s->KH != 5) || s->stride_h != s->stride_w ||
        (s->stride_h != 1 && s->stride_h != 2) || s->dil_h != 1 || s->dil_w != 1)
        return false;
    if (s->H < 1 || s->W < 1 || s->OH < 1 || s->OW < 1 || s->H > lim || s->W > lim ||
        s->OH > lim || s->OW > lim || s->pad_top < 0 || s->pad_left < 0 ||
        s->pad_top > lim || s->pad_left > lim)
        return false;
    return s->OH * s->OW <= ONR_DWCONV_SMALL_OUT &&
           onr_dwconv2d_small_tile_rows(s) * onr_dwconv2d_small_tile_cols(s) <= lim;
}

/* Row blocks per (n, c) plane so that `threads` threads get equal shares:
 * 1 when planes divide evenly and are plentiful, else up to `threads`
 * blocks (or more for very few planes). Shared by the variants. */
static inline int64_t onr_dwconv2d_row_blocks(int64_t planes, int64_t OH, int threads)
{
    int64_t nrb = 1;
    if (threads <= 1 || planes <= 0 || OH <= 1) return 1;
    if (planes % threads != 0 && planes < 16 * (int64_t)threads) nrb = threads;
    while (planes * nrb < 4 * (int64_t)threads) nrb += threads;
    return nrb < OH ? nrb : OH;
}

/* The threaded driver every variant runs (dwconv_scalar.c): items of
 * (plane, block of output rows, onr_dwconv2d_row_blocks), `rows` computing
 * output rows [oh0, oh1) of one plane x (H, W) -> y (OH, OW) with its
 * channel's weights w (KH, KW) and bias; av is the variant's activation
 * constants (its ISA's, or the struct onr_activation itself), passed
 * through. */
typedef void (*onr_dwconv2d_rows_fn)(const struct onr_conv_shape *s, const float *x,
                                     const float *w, float bias, const void *av, float *y,
                                     int64_t oh0, int64_t oh1);
void onr_dwconv2d_drive(const struct onr_conv_shape *s, const float *x, const float *w,
                        const float *b, const void *av, float *y, int threads,
                        onr_dwconv2d_rows_fn rows);

/* The best row kernel for the shape that `level` allows (the small-plane
 * ones left out), or NULL when it is not depthwise with channel multiplier
 * 1 (group == C == OC): for the kernel tests and the benchmark, which
 * compare one ISA's row kernels with another's. Conv chooses through
 * conv.h's onr_conv2d_kernels. */
onr_dwconv2d_fn onr_dwconv2d_f32_pick(const struct onr_conv_shape *s, enum onr_isa level);

#endif
