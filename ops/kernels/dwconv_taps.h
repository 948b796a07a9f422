/* Tap-row depthwise convolution, 2-D (1-D as H = 1) and 3-D: group == C,
 * OC a multiple of C (output channel oc reads input channel oc / (OC / C)),
 * any kernel up to ONR_DWTAPS_MAX_KW wide, strides, dilations and pads.
 * The shapes the fixed-size row kernels of dwconv.h do not take: the 1 x K
 * filters of 1-D separable nets (keyword spotting), 7x7 (ConvNeXt),
 * dilated ones, and 3-D depthwise (video).
 *
 *   2-D  x: (N, C, H, W)     w: (OC, 1, KH, KW)      y: (N, OC, OH, OW)
 *   3-D  x: (N, C, D, H, W)  w: (OC, 1, KD, KH, KW)  y: (N, OC, OD, OH, OW)
 *
 * Each output element is its bias (b, or 0) plus w * x over the taps in
 * (kd, kh, kw) order (multiply-adds contracted to FMA where the ISA has
 * it), then `act` (onr_activation_apply); an output row is one OpenMP
 * thread's task, so y does not depend on threads. The oracles are
 * onr_conv2d_f32__ref and onr_conv3d_f32__ref. The 2-D variants are
 * entries of conv.h's onr_conv2d_kernels (conv_table.c), the 3-D ones of
 * onr_dwconv3d_kernels (dwconv3d_table.c). */
#ifndef ONR_KERNELS_DWCONV_TAPS_H
#define ONR_KERNELS_DWCONV_TAPS_H

#include <stdbool.h>

#include "conv.h"
#include "conv3d.h"

enum { ONR_DWTAPS_MAX_KW = 64 }; /* the per-tap column ranges live on the stack */

/* Both ranks as D, H, W (2-D: D = 1). */
struct onr_dwtaps_geom {
    int64_t N, C, OC;
    int64_t in[3], k[3], out[3], stride[3], dil[3], pad[3];
};

static inline bool onr_dwconv2d_taps_fits(const struct onr_conv_shape *s)
{
    return s->C > 0 && s->group == s->C && s->OC % s->C == 0 && s->KW <= ONR_DWTAPS_MAX_KW;
}

static inline bool onr_dwconv3d_taps_fits(const struct onr_conv3d_shape *s)
{
    return s->C > 0 && s->group == s->C && s->OC % s->C == 0 &&
           s->k[2] <= ONR_DWTAPS_MAX_KW;
}

static inline struct onr_dwtaps_geom onr_dwtaps_geom_2d(const struct onr_conv_shape *s)
{
    return (struct onr_dwtaps_geom){
        .N = s->N, .C = s->C, .OC = s->OC,
        .in = {1, s->H, s->W}, .k = {1, s->KH, s->KW}, .out = {1, s->OH, s->OW},
        .stride = {1, s->stride_h, s->stride_w}, .dil = {1, s->dil_h, s->dil_w},
        .pad = {0, s->pad_top, s->pad_left}};
}

static inline struct onr_dwtaps_geom onr_dwtaps_geom_3d(const struct onr_conv3d_shape *s)
{
    struct onr_dwtaps_geom g = {.N = s->N, .C = s->C, .OC = s->OC};
    for (int a = 0; a < 3; a++) {
        g.in[a] = s->in[a], g.k[a] = s->k[a], g.out[a] = s->out[a];
        g.stride[a] = s->stride[a], g.dil[a] = s->dil[a], g.pad[a] = s->pad_begin[a];
    }
    return g;
}

#define ONR_DWTAPS_DECLARE(isa)                                                                \
    void onr_dwconv2d_f32_taps__##isa(const struct onr_conv_shape *s, const float *x,          \
                                      const float *w, const float *b,                          \
                                      const struct onr_activation *act, float *y, int threads); \
    void onr_dwconv3d_f32_taps__##isa(const struct onr_conv3d_shape *s, const float *x,        \
                                      const float *w, const float *b,                          \
                                      const struct onr_activation *act, float *y, int threads);
ONR_DWTAPS_DECLARE(scalar)
ONR_DWTAPS_DECLARE(avx2)
ONR_DWTAPS_DECLARE(avx512)
#undef ONR_DWTAPS_DECLARE

/* Each ISA's file defines its pair with this. */
#define ONR_DWTAPS_DEFINE(isa)                                                                 \
    void onr_dwconv2d_f32_taps__##isa(const struct onr_conv_shape *s, const float *x,          \
                                      const float *w, const float *b,                          \
                                      const struct onr_activation *act, float *y, int threads) \
    {                                                                                          \
        const struct onr_dwtaps_geom g = onr_dwtaps_geom_2d(s);                                \
        dwconv_taps_body(&g, x, w, b, act, y, threads);                                        \
    }                                                                                          \
    void onr_dwconv3d_f32_taps__##isa(const struct onr_conv3d_shape *s, const float *x,        \
                                      const float *w, const float *b,                          \
                                      const struct onr_activation *act, float *y, int threads) \
    {                                                                                          \
        const struct onr_dwtaps_geom g = onr_dwtaps_geom_3d(s);                                \
        dwconv_taps_body(&g, x, w, b, act, y, threads);                                        \
    }

#endif
