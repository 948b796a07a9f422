/* Elementwise kernels of the activation ops that have vector variants.
 *   x: (n)  y: (n); x and y may be the same buffer. Elements are
 * independent, so any thread count gives the same bits. */
#ifndef ONR_KERNELS_UNARY_H
#define ONR_KERNELS_UNARY_H

#include <stdint.h>

#include "kernel_table.h"

typedef void (*onr_unary_f32_fn)(const float *x, float *y, int64_t n, int threads);

/* y = 1 / (1 + e^-x) with the C library's expf: the oracle, and the
 * portable kernel (OpenMP over blocks). */
void onr_sigmoid_f32__scalar(const float *x, float *y, int64_t n, int threads);
/* The vector exp of vmath_avx2.h; x86 builds only, reached through the table. */
void onr_sigmoid_f32__avx2(const float *x, float *y, int64_t n, int threads);

/* The Sigmoid kernels, best first (kernel_table.h). */
ONR_KERNEL_TABLE(onr_unary, struct onr_kernel_no_shape, onr_unary_f32_fn)
extern const struct onr_unary_kernel onr_sigmoid_kernels[];
extern const int onr_sigmoid_kernels_count;

#endif
