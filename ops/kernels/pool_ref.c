/* Reference pooling kernels (see pool.h): every window position tested
 * against the input bounds. */
#include <math.h>

#include "pool.h"

/* x: (N, C, H, W)  y: (N, C, OH, OW) */
void onr_maxpool2d_f32__ref(const struct onr_pool_shape *s, const float *x, float *y,
                            int threads)
{
    for (int64_t nc = 0; nc < s->N * s->C; nc++)
        for (int64_t oh = 0; oh < s->OH; oh++)
            for (int64_t ow = 0; ow < s->OW; ow++) {
                float m = -INFINITY;
                for (int64_t kh = 0; kh < s->KH; kh++)
                    for (int64_t kw = 0; kw < s->KW; kw++) {
                        const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
                        const int64_t iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
                        if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W) continue;
                        const float v = x[(nc * s->H + ih) * s->W + iw];
                        if (v > m || isnan(v)) m = v;
                    }
                y[(nc * s->OH + oh) * s->OW + ow] = m;
            }
}

/* x: (N, C, H, W)  y: (N, C, OH, OW) */
void onr_avgpool2d_f32__ref(const struct onr_pool_shape *s, const float *x, float *y,
                            int threads)
{
    for (int64_t nc = 0; nc < s->N * s->C; nc++)
        for (int64_t oh = 0; oh < s->OH; oh++)
            for (int64_t ow = 0; ow < s->OW; ow++) {
                float sum = 0.0f;
                int64_t inside = 0, padded = 0;
                for (int64_t kh = 0; kh < s->KH; kh++)
                    for (int64_t kw = 0; kw < s->KW; kw++) {
                        const int64_t ih = oh * s->stride_h - s->pad_top + kh;
                        const int64_t iw = ow * s->stride_w - s->pad_left + kw;
                        if (ih >= -s->pad_top && ih < s->H + s->pad_bottom &&
                            iw >= -s->pad_left && iw < s->W + s->pad_right)
                            padded++;
                        if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W) continue;
                        sum += x[(nc * s->H + ih) * s->W + iw];
                        inside++;
                    }
                const int64_t count = s->count_include_pad ? padded : inside;
                y[(nc * s->OH + oh) * s->OW + ow] = sum / (float)count;
            }
}

/* x: (planes, size)  y: (planes) */
void onr_global_avgpool_f32__ref(int64_t planes, int64_t size, const float *x, float *y,
                                 int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t i = 0; i < planes; i++) {
        const float *xp = x + i * size;
        float acc = 0.0f;
        for (int64_t k = 0; k < size; k++) acc += xp[k];
        y[i] = acc / (float)size;
    }
}

/* x: (planes, size)  y: (planes) */
void onr_global_maxpool_f32__ref(int64_t planes, int64_t size, const float *x, float *y,
                                 int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t i = 0; i < planes; i++) {
        const float *xp = x + i * size;
        float acc = -INFINITY;
        for (int64_t k = 0; k < size; k++)
            if (xp[k] > acc || isnan(xp[k])) acc = xp[k];
        y[i] = acc;
    }
}
