/* The reference batch normalization, straight from the ONNX formula. */
#include <math.h>

#include "batchnorm.h"

/* x: (N, C, inner)  y: (N, C, inner) */
void onr_batchnorm_f32__ref(int64_t N, int64_t C, int64_t inner, const float *x,
                            const float *scale, const float *bias, const float *mean,
                            const float *var, float eps, float *y)
{
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++) {
            const float *xp = x + (n * C + c) * inner;
            float *yp = y + (n * C + c) * inner;
            const float sd = sqrtf(var[c] + eps);
            for (int64_t i = 0; i < inner; i++)
                yp[i] = (xp[i] - mean[c]) / sd * scale[c] + bias[c];
        }
}
