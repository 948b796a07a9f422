/* AVX2 pooling kernels (see pool.h).
 *
 * MaxPool: 8 output columns per vector where the whole window lies inside
 * the row (stride_w 1 or 2: stride 2 deinterleaves two loads); the max is
 * taken as the oracle does (a NaN wins, the first of equal values stays),
 * so the bits are the oracle's. Edge columns use the same scalar steps.
 *
 * Global average pool: the 32 partial sums of pool.h in four vectors (lanes
 * 0-7, 8-15, 16-23, 24-31), the tail by masked loads (masked lanes add
 * zero), then the same pairwise fold as the portable kernel. */
#include <immintrin.h>
#include <math.h>
#include <stdbool.h>

#include "../pool.h"

/* Lanes [0, n) of 8 set, n may be <= 0 or >= 8. */
static __m256i lane_mask(int64_t n)
{
    const int v = n < 0 ? 0 : n > 8 ? 8 : (int)n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

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

/* 8 floats at p, p + stride, ... (stride 1 or 2). */
static __m256 load_strided(const float *p, int64_t stride)
{
    if (stride == 1) return _mm256_loadu_ps(p);
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)); /* a0 a2 b0 b2 a4 a6 b4 b6 */
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* One output row of one plane: window rows [kh0, kh1) from row ih0. */
static void maxpool_row(const struct onr_pool_shape *s, const float *xp, int64_t ih0,
                        int64_t kh0, int64_t kh1, float *yr)
{
    const int64_t sw = s->stride_w, span = (s->KW - 1) * s->dil_w;
    const int64_t lo = (s->pad_left + sw - 1) / sw; /* first column with iw0 >= 0 */
    for (int64_t ow = 0; ow < s->OW; ow++) {
        const int64_t iw0 = ow * sw - s->pad_left;
        /* 8 columns whose loads (8 * sw floats per tap) stay inside the row. */
        const bool vec = (sw == 1 || sw == 2) && ow >= lo && ow + 8 <= s->OW &&
                         iw0 + span + 8 * sw - 1 < s->W;
        if (vec) {
            __m256 m = _mm256_set1_ps(-INFINITY);
            for (int64_t kh = kh0; kh < kh1; kh++) {
                const float *row = xp + (ih0 + kh * s->dil_h) * s->W + iw0;
                for (int64_t kw = 0; kw < s->KW; kw++) {
                    const __m256 v = load_strided(row + kw * s->dil_w, sw);
                    m = _mm256_blendv_ps(_mm256_max_ps(v, m), v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
                }
            }
            _mm256_storeu_ps(yr + ow, m);
            ow += 7;
            continue;
        }
        int64_t kw0, kw1;
        taps(ow, sw, s->pad_left, s->dil_w, s->KW, s->W, &kw0, &kw1);
        float m = -INFINITY;
        for (int64_t kh = kh0; kh < kh1; kh++) {
            const float *row = xp + (ih0 + kh * s->dil_h) * s->W + iw0;
            for (int64_t kw = kw0; kw < kw1; kw++) {
                const float v = row[kw * s->dil_w];
                m = v != v ? v : (v > m ? v : m);
            }
        }
        yr[ow] = m;
    }
}

/* x: (N, C, H, W)  y: (N, C, OH, OW) */
void onr_maxpool2d_f32__avx2(const struct onr_pool_shape *s, const float *x, float *y,
                             int threads)
{
    const int64_t planes = s->N * s->C;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t nc = 0; nc < planes; nc++)
        for (int64_t oh = 0; oh < s->OH; oh++) {
            int64_t kh0, kh1;
            taps(oh, s->stride_h, s->pad_top, s->dil_h, s->KH, s->H, &kh0, &kh1);
            maxpool_row(s, x + nc * s->H * s->W, oh * s->stride_h - s->pad_top, kh0, kh1,
                        y + (nc * s->OH + oh) * s->OW);
        }
}

/* x: (planes, size)  y: (planes) */
void onr_global_avgpool_f32__avx2(int64_t planes, int64_t size, const float *x, float *y,
                                  int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t i = 0; i < planes; i++) {
        const float *xp = x + i * size;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        int64_t k = 0;
        for (; k + 32 <= size; k += 32) {
            a0 = _mm256_add_ps(a0, _mm256_loadu_ps(xp + k));
            a1 = _mm256_add_ps(a1, _mm256_loadu_ps(xp + k + 8));
            a2 = _mm256_add_ps(a2, _mm256_loadu_ps(xp + k + 16));
            a3 = _mm256_add_ps(a3, _mm256_loadu_ps(xp + k + 24));
        }
        if (k < size) {
            const int64_t r = size - k;
            a0 = _mm256_add_ps(a0, _mm256_maskload_ps(xp + k, lane_mask(r)));
            a1 = _mm256_add_ps(a1, _mm256_maskload_ps(xp + k + 8, lane_mask(r - 8)));
            a2 = _mm256_add_ps(a2, _mm256_maskload_ps(xp + k + 16, lane_mask(r - 16)));
            a3 = _mm256_add_ps(a3, _mm256_maskload_ps(xp + k + 24, lane_mask(r - 24)));
        }
        a0 = _mm256_add_ps(_mm256_add_ps(a0, a2), _mm256_add_ps(a1, a3)); /* j+16, j+8 */
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_movehdup_ps(h));
        y[i] = _mm_cvtss_f32(h) / (float)size;
    }
}
