/* Elementwise float32 kernels: x and y hold n elements and may be the same
 * buffer. Elements are independent, so results do not depend on threads. */
#ifndef ONR_KERNELS_ELEMENTWISE_H
#define ONR_KERNELS_ELEMENTWISE_H

#include <stdint.h>

/* y = max(x, 0); NaN stays NaN (as in PyTorch). */
void onr_relu_f32__scalar(int64_t n, const float *x, float *y, int threads);

#endif
