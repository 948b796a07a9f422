/* AVX-512 global average pool: the 32 partial sums of pool.h in two
 * vectors (lanes 0-15, 16-31), the tail by masked loads, then the same
 * pairwise fold as the portable kernel. */
#include <immintrin.h>

#include "../pool.h"

/* Lanes [0, n) of 16 set. */
static __mmask16 lane_mask(int64_t n)
{
    return n <= 0 ? 0 : n >= 16 ? 0xffff : (__mmask16)((1u << n) - 1);
}

/* x: (planes, size)  y: (planes) */
void onr_global_avgpool_f32__avx512(int64_t planes, int64_t size, const float *x, float *y,
                                    int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t i = 0; i < planes; i++) {
        const float *xp = x + i * size;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0;
        int64_t k = 0;
        for (; k + 32 <= size; k += 32) {
            a0 = _mm512_add_ps(a0, _mm512_loadu_ps(xp + k));
            a1 = _mm512_add_ps(a1, _mm512_loadu_ps(xp + k + 16));
        }
        if (k < size) {
            const int64_t r = size - k;
            a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(lane_mask(r), xp + k));
            a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(lane_mask(r - 16), xp + k + 16));
        }
        a0 = _mm512_add_ps(a0, a1); /* j + 16 */
        __m256 q = _mm256_add_ps(_mm512_castps512_ps256(a0), _mm512_extractf32x8_ps(a0, 1));
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(q), _mm256_extractf128_ps(q, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_movehdup_ps(h));
        y[i] = _mm_cvtss_f32(h) / (float)size;
    }
}
