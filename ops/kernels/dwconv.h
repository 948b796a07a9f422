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
 *                     (ops/kernels/x86/dwconv_avx2.c); call only after
 *                     onr_cpu_has_avx2_fma().
 *   _3x3s1__avx512 ...  AVX-512 F/DQ/BW/VL, same shapes as the AVX2 ones
 *                     (ops/kernels/x86/dwconv_avx512.c); call only after
 *                     onr_cpu_has_avx512(). */
#ifndef ONR_KERNELS_DWCONV_H
#define ONR_KERNELS_DWCONV_H

#include <stdbool.h>

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

/* The best variant for the shape, or NULL when it is not depthwise with
 * channel multiplier 1 (group == C == OC). `avx2`: the caller has checked
 * onr_cpu_has_avx2_fma(); without it only portable variants are returned. */
onr_dwconv2d_fn onr_dwconv2d_f32_pick(const struct onr_conv_shape *s, bool avx2);
/* The same with AVX-512 variants too: `avx512` means the caller has checked
 * onr_cpu_has_avx512() (which implies AVX2+FMA). */
onr_dwconv2d_fn onr_dwconv2d_f32_pick_isa(const struct onr_conv_shape *s, bool avx2,
                                          bool avx512);

#endif
