/* Tap-row depthwise 2-D convolution (1-D as H = 1): group == C == OC, any
 * KH x KW, dilations, pads and stride_h; stride_w 1 or 2. The shapes the
 * fixed-size row kernels of dwconv.h do not take: the 1 x K filters of
 * 1-D separable nets (keyword spotting), 7x7 (ConvNeXt), dilated ones.
 *
 *   x: (N, C, H, W)  w: (C, 1, KH, KW)  b: (C) or NULL  y: (N, C, OH, OW)
 *
 * Each output element is its bias plus w * x over the taps in (kh, kw)
 * order (multiply-adds contracted to FMA where the ISA has it), then `act`
 * (onr_activation_apply); an output row is one OpenMP thread's task, so y
 * does not depend on threads. The oracle is onr_conv2d_f32__ref. Entries
 * in conv.h's onr_conv2d_kernels (ops/kernels/conv_table.c). */
#ifndef ONR_KERNELS_DWCONV_TAPS_H
#define ONR_KERNELS_DWCONV_TAPS_H

#include <stdbool.h>

#include "conv.h"

static inline bool onr_dwconv2d_taps_fits(const struct onr_conv_shape *s)
{
    return s->C > 0 && s->group == s->C && s->OC == s->C &&
           (s->stride_w == 1 || s->stride_w == 2);
}

void onr_dwconv2d_f32_taps__scalar(const struct onr_conv_shape *s, const float *x,
                                   const float *w, const float *b,
                                   const struct onr_activation *act, float *y, int threads);
void onr_dwconv2d_f32_taps__avx2(const struct onr_conv_shape *s, const float *x,
                                 const float *w, const float *b,
                                 const struct onr_activation *act, float *y, int threads);
void onr_dwconv2d_f32_taps__avx512(const struct onr_conv_shape *s, const float *x,
                                   const float *w, const float *b,
                                   const struct onr_activation *act, float *y, int threads);

#endif
