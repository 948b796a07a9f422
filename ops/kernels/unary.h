/* Vectorised elementwise kernels used by the activation ops.
 *   x: (n)  y: (n); x and y may be the same buffer. */
#ifndef ONR_KERNELS_UNARY_H
#define ONR_KERNELS_UNARY_H

#include <stdint.h>

/* Only after onr_cpu_has_avx2_fma(); x86 builds only. */
void onr_sigmoid_f32__avx2(const float *x, float *y, int64_t n, int threads);

#endif
