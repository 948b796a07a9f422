/* Portable OpenMP C batch normalization: a per-channel affine folded from
 * scale, bias, mean and var. Elements are independent, so the result does
 * not depend on the thread count. */
#include <math.h>
#include <stddef.h>

#include "batchnorm.h"

void onr_batchnorm_f32_fold(int64_t C, const float *scale, const float *bias,
                            const float *mean, const float *var, float eps, const float *b0,
                            float *a, float *b)
{
    for (int64_t c = 0; c < C; c++) {
        const double k = onr_batchnorm_factor(scale[c], var[c], eps);
        if (a != NULL) a[c] = (float)k;
        b[c] = (float)(((b0 != NULL ? (double)b0[c] : 0.0) - (double)mean[c]) * k +
                       (double)bias[c]);
    }
}

/* x: (N, C, inner)  a, b: (C)  y: (N, C, inner) */
void onr_batchnorm_f32__scalar(int64_t N, int64_t C, int64_t inner, const float *x,
                               const float *a, const float *b, float *y, int threads)
{
    const int64_t planes = N * C;
#pragma omp parallel for num_threads(threads) schedule(static) if (planes * inner >= 32768)
    for (int64_t p = 0; p < planes; p++) {
        const int64_t c = p % C;
        const float ac = a[c], bc = b[c];
        const float *xp = x + p * inner;
        float *yp = y + p * inner;
        for (int64_t i = 0; i < inner; i++) yp[i] = xp[i] * ac + bc;
    }
}
