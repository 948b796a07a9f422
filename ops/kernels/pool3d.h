/* 3-D pooling (MaxPool, AveragePool on rank-5 X), and MaxPool with its
 * Indices output at any spatial rank: reference kernels only, no fast
 * path yet. Lower ranks are this with leading axes of size 1.
 *
 *   x: (N, C, D, H, W)  y, indices: (N, C, OD, OH, OW)
 *
 * Axis a of the arrays is D, H, W for a = 0, 1, 2. Windows follow pool.h:
 * positions outside the input are skipped, MaxPool lets a NaN win, the
 * average divides by the inside count or, with count_include_pad, by the
 * window's overlap with the padded input. Every window holds at least one
 * input element (the op checks pads < kernel). */
#ifndef ONR_KERNELS_POOL3D_H
#define ONR_KERNELS_POOL3D_H

#include <stdbool.h>
#include <stdint.h>

struct onr_pool3d_shape {
    int64_t N, C;
    int64_t in[3], out[3], k[3], stride[3], dil[3];   /* dil 1 for AveragePool */
    int64_t pad_begin[3], pad_end[3];
    bool count_include_pad;  /* AveragePool only */
};

/* indices (may be NULL): for each output, the position of the element it
 * took in the flattened x, as ONNX's MaxPool defines it, with
 * storage_order 0 (row-major: ((n*C + c)*D + d)*H*W + h*W + w) or 1
 * (spatial axes column-major: (n*C + c)*D*H*W + d + h*D + w*D*H); among
 * equal maxima the first in (kd, kh, kw) order. OpenMP over planes: each
 * output is one thread's fixed-order loop, so results do not depend on
 * threads. */
void onr_maxpool3d_f32__ref(const struct onr_pool3d_shape *s, const float *x, float *y,
                            int64_t *indices, int storage_order, int threads);
/* The same for uint8 and int8 X (MaxPool 12+). */
void onr_maxpool3d_u8__ref(const struct onr_pool3d_shape *s, const uint8_t *x, uint8_t *y,
                           int64_t *indices, int storage_order, int threads);
void onr_maxpool3d_i8__ref(const struct onr_pool3d_shape *s, const int8_t *x, int8_t *y,
                           int64_t *indices, int storage_order, int threads);
void onr_avgpool3d_f32__ref(const struct onr_pool3d_shape *s, const float *x, float *y,
                            int threads);

#endif
