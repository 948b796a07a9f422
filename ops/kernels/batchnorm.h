/* Inference-form batch normalization kernels.
 *
 *   x, y: (N, C, inner) where inner is the product of the spatial dims;
 *   scale, bias, mean, var, a, b: (C)
 *
 * The oracle follows the ONNX formula per element; the fast path applies a
 * per-channel affine y = x*a[c] + b[c] folded once from the four vectors. */
#ifndef ONR_KERNELS_BATCHNORM_H
#define ONR_KERNELS_BATCHNORM_H

#include <math.h>
#include <stdint.h>

/* y = (x - mean) / sqrt(var + eps) * scale + bias. Single-threaded. */
void onr_batchnorm_f32__ref(int64_t N, int64_t C, int64_t inner, const float *x,
                            const float *scale, const float *bias, const float *mean,
                            const float *var, float eps, float *y);

/* The per-channel factor k = scale / sqrt(var + eps), in double so that
 * folding it into float weights or an affine rounds once. */
static inline double onr_batchnorm_factor(float scale, float var, float eps)
{
    return (double)scale / sqrt((double)var + (double)eps);
}

/* The fold of BatchNormalization into a per-channel affine, used by the
 * op and by the pass that folds it into a preceding Conv:
 *   a = k, b = (b0 - mean) * k + bias, in double, each rounded once;
 * b0 is that Conv's bias (NULL: 0), a may be NULL (the Conv's weights are
 * scaled by onr_batchnorm_factor instead). */
void onr_batchnorm_f32_fold(int64_t C, const float *scale, const float *bias,
                            const float *mean, const float *var, float eps, const float *b0,
                            float *a, float *b);

/* y = x * a[c] + b[c]; x and y may be the same buffer. */
void onr_batchnorm_f32__scalar(int64_t N, int64_t C, int64_t inner, const float *x,
                               const float *a, const float *b, float *y, int threads);

#endif
