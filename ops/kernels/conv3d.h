/* 3-D convolution (rank-5 Conv): the reference kernel, the im2col of the
 * GEMM path (dense Convs: the shared GEMM kernels do the arithmetic) and a
 * direct depthwise kernel.
 *
 *   x: (N, C, D, H, W)  w: (OC, C/group, KD, KH, KW)  b: (OC) or NULL
 *   y: (N, OC, OD, OH, OW)
 *
 * Axis a of the arrays is D, H, W for a = 0, 1, 2. */
#ifndef ONR_KERNELS_CONV3D_H
#define ONR_KERNELS_CONV3D_H

#include <stdint.h>

#include "activation.h"
#include "kernel_table.h"

struct onr_conv3d_shape {
    int64_t N, C, OC, group;            /* group divides C and OC */
    int64_t in[3], k[3], out[3];        /* D, H, W of x, of the kernel, of y */
    int64_t stride[3], dil[3];
    int64_t pad_begin[3], pad_end[3];   /* pads resolved from auto_pad */
};

/* Every output element is bias + the sum over its group's input channels
 * and the kernel window in (c, kd, kh, kw) order of x * w (zero padding),
 * then the activation. OpenMP over (n, oc) pairs: each element is computed
 * by one thread in that fixed order, so y does not depend on threads. */
void onr_conv3d_f32__ref(const struct onr_conv3d_shape *s, const float *x, const float *w,
                         const float *b, const struct onr_activation *act, float *y,
                         int threads);

/* Depthwise 3-D convolution (group == C, OC a multiple of C: output
 * channel oc reads input channel oc / (OC / C)): each output element is
 * bias + the window's products in (kd, kh, kw) order, then the activation;
 * the same sum as __ref, written so the compiler vectorises along W.
 * OpenMP over (n, oc) planes, so y does not depend on threads. */
void onr_dwconv3d_f32__direct(const struct onr_conv3d_shape *s, const float *x, const float *w,
                              const float *b, const struct onr_activation *act, float *y,
                              int threads);

typedef void (*onr_dwconv3d_fn)(const struct onr_conv3d_shape *s, const float *x,
                                const float *w, const float *b,
                                const struct onr_activation *act, float *y, int threads);
/* The depthwise 3-D kernel table (dwconv3d_table.c): the tap-row kernels
 * of dwconv_taps.h per ISA, then __direct for every shape. */
ONR_KERNEL_TABLE(onr_dwconv3d, struct onr_conv3d_shape, onr_dwconv3d_fn)
extern const struct onr_dwconv3d_kernel onr_dwconv3d_kernels[];
extern const int onr_dwconv3d_kernels_count;

/* The im2col of one image for a group-1 Conv: cols (C*KD*KH*KW, nb) holds,
 * in row (c, kd, kh, kw), the input element each of the output positions
 * p0 .. p0+nb-1 (flattened OD, OH, OW) reads through that tap, 0 in the
 * padding. OpenMP over rows. */
void onr_conv3d_im2col_f32(const struct onr_conv3d_shape *s, const float *x, int64_t p0,
                           int64_t nb, float *cols, int threads);

#endif
