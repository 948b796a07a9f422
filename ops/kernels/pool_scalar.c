/* Portable OpenMP pooling kernels (see pool.h): each window's valid kernel
 * range is computed once (and only at the edges: interior windows take the
 * whole kernel), then the loops run without bounds tests. */
#include <math.h>

#include "pool.h"

/* Kernel taps [*k0, *k1) of output position o that land inside [0, in). */
static void taps(int64_t o, int64_t stride, int64_t pad, int64_t dil, int64_t K, int64_t in,
                 int64_t *k0, int64_t *k1)
{
    const int64_t start = o * stride - pad;
    int64_t lo = start < 0 ? (-start + dil - 1) / dil : 0;
    int64_t hi = in - start <= 0 ? 0 : (in - start + dil - 1) / dil;
    if (hi > K) hi = K;
    if (lo > hi) lo = hi;
    *k0 = lo;
    *k1 = hi;
}

/* Outputs [*lo, *hi) whose window of extent `ext` lies inside [0, in). */
static void interior(int64_t O, int64_t stride, int64_t pad, int64_t ext, int64_t in,
                     int64_t *lo, int64_t *hi)
{
    const int64_t last = in - ext + pad; /* the largest o * stride allowed */
    int64_t a = (pad + stride - 1) / stride, b = last < 0 ? 0 : last / stride + 1;
    if (b > O) b = O;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

/* x: (N, C, H, W)  y: (N, C, OH, OW) */
void onr_maxpool2d_f32__scalar(const struct onr_pool_shape *s, const float *x, float *y,
                               int threads)
{
    const int64_t planes = s->N * s->C;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t nc = 0; nc < planes; nc++) {
        const float *xp = x + nc * s->H * s->W;
        float *yp = y + nc * s->OH * s->OW;
        int64_t in_lo, in_hi;
        interior(s->OW, s->stride_w, s->pad_left, (s->KW - 1) * s->dil_w + 1, s->W, &in_lo,
                 &in_hi);
        for (int64_t oh = 0; oh < s->OH; oh++) {
            int64_t kh0, kh1;
            taps(oh, s->stride_h, s->pad_top, s->dil_h, s->KH, s->H, &kh0, &kh1);
            const int64_t ih0 = oh * s->stride_h - s->pad_top;
            for (int64_t ow = 0; ow < s->OW; ow++) {
                int64_t kw0 = 0, kw1 = s->KW;
                if (ow < in_lo || ow >= in_hi)
                    taps(ow, s->stride_w, s->pad_left, s->dil_w, s->KW, s->W, &kw0, &kw1);
                const int64_t iw0 = ow * s->stride_w - s->pad_left;
                float m = -INFINITY;
                for (int64_t kh = kh0; kh < kh1; kh++) {
                    const float *row = xp + (ih0 + kh * s->dil_h) * s->W + iw0;
                    for (int64_t kw = kw0; kw < kw1; kw++) {
                        const float v = row[kw * s->dil_w];
                        m = v != v ? v : (v > m ? v : m); /* a NaN wins; no branch */
                    }
                }
                yp[oh * s->OW + ow] = m;
            }
        }
    }
}

/* Overlap of [start, start + K) with [lo, hi). */
static int64_t overlap(int64_t start, int64_t K, int64_t lo, int64_t hi)
{
    const int64_t a = start > lo ? start : lo, b = start + K < hi ? start + K : hi;
    return b > a ? b - a : 0;
}

/* x: (N, C, H, W)  y: (N, C, OH, OW) */
void onr_avgpool2d_f32__scalar(const struct onr_pool_shape *s, const float *x, float *y,
                               int threads)
{
    const int64_t planes = s->N * s->C;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t nc = 0; nc < planes; nc++) {
        const float *xp = x + nc * s->H * s->W;
        float *yp = y + nc * s->OH * s->OW;
        int64_t in_lo, in_hi;
        interior(s->OW, s->stride_w, s->pad_left, s->KW, s->W, &in_lo, &in_hi);
        for (int64_t oh = 0; oh < s->OH; oh++) {
            int64_t kh0, kh1;
            taps(oh, s->stride_h, s->pad_top, 1, s->KH, s->H, &kh0, &kh1);
            const int64_t ih0 = oh * s->stride_h - s->pad_top;
            const int64_t ph = overlap(ih0, s->KH, -s->pad_top, s->H + s->pad_bottom);
            for (int64_t ow = 0; ow < s->OW; ow++) {
                int64_t kw0 = 0, kw1 = s->KW;
                if (ow < in_lo || ow >= in_hi)
                    taps(ow, s->stride_w, s->pad_left, 1, s->KW, s->W, &kw0, &kw1);
                const int64_t iw0 = ow * s->stride_w - s->pad_left;
                float sum = 0.0f;
                for (int64_t kh = kh0; kh < kh1; kh++) {
                    const float *row = xp + (ih0 + kh) * s->W + iw0;
                    for (int64_t kw = kw0; kw < kw1; kw++) sum += row[kw];
                }
                const int64_t count =
                    s->count_include_pad
                        ? ph * overlap(iw0, s->KW, -s->pad_left, s->W + s->pad_right)
                        : (kh1 - kh0) * (kw1 - kw0);
                yp[oh * s->OW + ow] = sum / (float)count;
            }
        }
    }
}

/* x: (planes, size)  y: (planes): 32 lanes, folded as pool.h describes. */
void onr_global_avgpool_f32__scalar(int64_t planes, int64_t size, const float *x, float *y,
                                    int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t i = 0; i < planes; i++) {
        const float *xp = x + i * size;
        float acc[32] = {0};
        int64_t k = 0;
        for (; k + 32 <= size; k += 32)
            for (int j = 0; j < 32; j++) acc[j] += xp[k + j];
        for (int j = 0; k + j < size; j++) acc[j] += xp[k + j];
        for (int half = 16; half >= 1; half /= 2)
            for (int j = 0; j < half; j++) acc[j] += acc[j + half];
        y[i] = acc[0] / (float)size;
    }
}

/* ---- the kernel tables (pool.h) ---- */

const struct onr_pool2d_kernel onr_maxpool2d_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"maxpool2d__avx2", ONR_ISA_AVX2, NULL, onr_maxpool2d_f32__avx2},
#endif
    {"maxpool2d__scalar", ONR_ISA_PORTABLE, NULL, onr_maxpool2d_f32__scalar},
};
const int onr_maxpool2d_kernels_count = sizeof onr_maxpool2d_kernels / sizeof onr_maxpool2d_kernels[0];

const struct onr_pool2d_kernel onr_avgpool2d_kernels[] = {
    {"avgpool2d__scalar", ONR_ISA_PORTABLE, NULL, onr_avgpool2d_f32__scalar},
};
const int onr_avgpool2d_kernels_count = sizeof onr_avgpool2d_kernels / sizeof onr_avgpool2d_kernels[0];

const struct onr_global_pool_kernel onr_global_avgpool_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"global_avgpool__avx512", ONR_ISA_AVX512, NULL, onr_global_avgpool_f32__avx512},
    {"global_avgpool__avx2", ONR_ISA_AVX2, NULL, onr_global_avgpool_f32__avx2},
#endif
    {"global_avgpool__scalar", ONR_ISA_PORTABLE, NULL, onr_global_avgpool_f32__scalar},
};
const int onr_global_avgpool_kernels_count =
    sizeof onr_global_avgpool_kernels / sizeof onr_global_avgpool_kernels[0];
