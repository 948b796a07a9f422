/* The memory-bound blocked kernels of a squeeze-excite block (EfficientNet,
 * MobileNetV3): global average pooling and the per-channel gate. Plain C
 * over the 16 lanes of a pixel, which the compiler vectorises. */
#include "nchwc.h"

/* x: blocked (N, C, HW)  y: blocked (N, C, 1): the mean over HW in pixel
 * order (padding lanes too: finite) */
void onr_nchwc_global_avgpool(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                              int threads)
{
    const int64_t CB = onr_nchwc_blocks(C), items = N * CB;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && items > 1)
    for (int64_t it = 0; it < items; it++) {
        const float *xp = x + it * HW * ONR_NCHWC_LANES;
        float sum[ONR_NCHWC_LANES] = {0};
        for (int64_t p = 0; p < HW; p++)
            for (int l = 0; l < ONR_NCHWC_LANES; l++) sum[l] += xp[p * ONR_NCHWC_LANES + l];
        for (int l = 0; l < ONR_NCHWC_LANES; l++)
            y[it * ONR_NCHWC_LANES + l] = sum[l] / (float)HW;
    }
}

/* x, y: blocked (N, C, HW)  g: blocked (N or 1, C, 1), image n's at
 * g + n * g_stride; y = x * g per channel */
void onr_nchwc_channel_mul(int64_t N, int64_t C, int64_t HW, const float *x, const float *g,
                           int64_t g_stride, float *y, int threads)
{
    const int64_t CB = onr_nchwc_blocks(C), items = N * CB;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && items > 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t n = it / CB, cb = it % CB;
        const float *gv = g + n * g_stride + cb * ONR_NCHWC_LANES;
        const float *xp = x + it * HW * ONR_NCHWC_LANES;
        float *yp = y + it * HW * ONR_NCHWC_LANES;
        for (int64_t p = 0; p < HW; p++)
            for (int l = 0; l < ONR_NCHWC_LANES; l++)
                yp[p * ONR_NCHWC_LANES + l] = xp[p * ONR_NCHWC_LANES + l] * gv[l];
    }
}
