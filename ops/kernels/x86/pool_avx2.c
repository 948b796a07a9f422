/* AVX2 global average pool: the 32 partial sums of pool.h in four vectors
 * (lanes 0-7, 8-15, 16-23, 24-31), the tail by masked loads (masked lanes
 * add zero), then the same pairwise fold as the portable kernel. */
#include <immintrin.h>

#include "../pool.h"

/* Lanes [0, n) of 8 set, n may be <= 0 or >= 8. */
static __m256i lane_mask(int64_t n)
{
    const int v = n < 0 ? 0 : n > 8 ? 8 : (int)n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
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
