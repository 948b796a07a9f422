/* 2-D convolution kernels: one shape struct and one signature for every
 * variant, so one test table calls them all.
 *
 *   x: (N, C, H, W)  w: (OC, C/group, KH, KW)  b: (OC) or NULL
 *   y: (N, OC, OH, OW)
 *
 * Names: onr_conv2d_f32__ref is the oracle, written from the ONNX spec;
 * fast variants are onr_<family>_f32[_<variant>]__<impl> (impl: scalar =
 * portable OpenMP C, avx2 = ops/kernels/x86). */
#ifndef ONR_KERNELS_CONV_H
#define ONR_KERNELS_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activation.h"
#include "kernel_table.h"

struct onr_conv_shape {
    int64_t N, C, H, W;                 /* input */
    int64_t OC, KH, KW;                 /* output channels, kernel size */
    int64_t OH, OW;                     /* output */
    int64_t stride_h, stride_w;
    int64_t pad_top, pad_left, pad_bottom, pad_right;
    int64_t dil_h, dil_w;
    int64_t group;                      /* divides C and OC */
};

/* The oracle: seven nested loops, accumulation in float in (c, kh, kw)
 * order, bias first, activation last. Single-threaded. */
void onr_conv2d_f32__ref(const struct onr_conv_shape *s, const float *x, const float *w,
                         const float *b, const struct onr_activation *act, float *y);

/* Fast variants take the oracle's arguments plus the OpenMP thread count.
 * Each output element is computed by one thread in a fixed order, so the
 * result does not depend on threads. x and y must not overlap. */
typedef void (*onr_conv2d_f32_fn)(const struct onr_conv_shape *s, const float *x,
                                  const float *w, const float *b,
                                  const struct onr_activation *act, float *y,
                                  int threads);

/* Portable OpenMP C (conv_scalar.c). */
/* Any group (dense, grouped, depthwise). */
void onr_conv2d_f32__scalar(const struct onr_conv_shape *s, const float *x, const float *w,
                            const float *b, const struct onr_activation *act, float *y,
                            int threads);
/* group == C and OC = m*C (channel multiplier m >= 1). */
void onr_conv2d_f32_depthwise__scalar(const struct onr_conv_shape *s, const float *x,
                                      const float *w, const float *b,
                                      const struct onr_activation *act, float *y,
                                      int threads);
/* KH == KW == 1, unit strides, no padding, any group. */
void onr_conv2d_f32_1x1__scalar(const struct onr_conv_shape *s, const float *x,
                                const float *w, const float *b,
                                const struct onr_activation *act, float *y, int threads);

/* Few input channels (a network's first Conv), group 1: direct AVX-512
 * kernel in ops/kernels/x86/conv_direct_avx512.c, x86 builds only, reached
 * through onr_conv2d_kernels on shapes onr_conv2d_f32_smallc_fits() takes. Any pads, strides
 * and dilations within the limits below (its per-thread row buffer). */
void onr_conv2d_f32_smallc__avx512(const struct onr_conv_shape *s, const float *x,
                                   const float *w, const float *b,
                                   const struct onr_activation *act, float *y, int threads);
enum { ONR_CONV_SMALLC_BUF = 12288, ONR_CONV_SMALLC_MAX_C = 4 };
/* Length of one stride phase of a padded input row: the output columns
 * rounded up to 16 plus the widest tap offset. */
static inline int64_t onr_conv2d_f32_smallc_phase_len(const struct onr_conv_shape *s)
{
    return (s->OW + 15) / 16 * 16 + (s->KW - 1) * s->dil_w / s->stride_w + 1;
}
static inline bool onr_conv2d_f32_smallc_fits(const struct onr_conv_shape *s)
{
    if (s->group != 1 || s->C < 1 || s->C > ONR_CONV_SMALLC_MAX_C || s->stride_w > 4 ||
        s->KH > 16 || s->KW > 16 || s->dil_w > 16 || s->OW > ONR_CONV_SMALLC_BUF)
        return false;
    return s->C * s->KH * s->stride_w * onr_conv2d_f32_smallc_phase_len(s) <=
           ONR_CONV_SMALLC_BUF;
}

/* The kernel table (conv_table.c), most specialised first; the last entry
 * fits every shape at every level. */
ONR_KERNEL_TABLE(onr_conv2d, struct onr_conv_shape, onr_conv2d_f32_fn)
extern const struct onr_conv2d_kernel onr_conv2d_kernels[];
extern const int onr_conv2d_kernels_count;
/* Whether a direct kernel of the table at `level` beats im2col + GEMM,
 * which Conv otherwise takes for group-1 shapes with constant W: few input
 * channels (a network's first Conv). */
bool onr_conv2d_direct_beats_gemm(const struct onr_conv_shape *s, enum onr_isa level);

#endif
