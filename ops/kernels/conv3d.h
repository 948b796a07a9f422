/* 3-D convolution (rank-5 Conv): one reference kernel, no fast path yet.
 *
 *   x: (N, C, D, H, W)  w: (OC, C/group, KD, KH, KW)  b: (OC) or NULL
 *   y: (N, OC, OD, OH, OW)
 *
 * Axis a of the arrays is D, H, W for a = 0, 1, 2. */
#ifndef ONR_KERNELS_CONV3D_H
#define ONR_KERNELS_CONV3D_H

#include <stdint.h>

#include "activation.h"

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

#endif
