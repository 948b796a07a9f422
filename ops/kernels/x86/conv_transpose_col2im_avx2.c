/* The col2im kernel (conv_transpose.h) for AVX2: stride-2 tap pairs
 * interleaved with unpack and lane permutes, 8 pairs a step. */
#include <immintrin.h>
#include <stdint.h>

static inline void convt_add_pairs(float *restrict y, const float *restrict c0,
                                   const float *restrict c1, int64_t n)
{
    int64_t q = 0;
    for (; q + 8 <= n; q += 8) {
        const __m256 a = _mm256_loadu_ps(c0 + q), b = _mm256_loadu_ps(c1 + q);
        /* lo: a0 b0 a1 b1 | a4 b4 a5 b5   hi: a2 b2 a3 b3 | a6 b6 a7 b7 */
        const __m256 lo = _mm256_unpacklo_ps(a, b), hi = _mm256_unpackhi_ps(a, b);
        float *yq = y + 2 * q;
        _mm256_storeu_ps(yq, _mm256_add_ps(_mm256_loadu_ps(yq),
                                           _mm256_permute2f128_ps(lo, hi, 0x20)));
        _mm256_storeu_ps(yq + 8, _mm256_add_ps(_mm256_loadu_ps(yq + 8),
                                               _mm256_permute2f128_ps(lo, hi, 0x31)));
    }
    for (; q < n; q++) {
        y[2 * q] += c0[q];
        y[2 * q + 1] += c1[q];
    }
}

#include "../conv_transpose_col2im_body.h"

void onr_convt_col2im_f32__avx2(const struct onr_convt_shape *s, const float *cols,
                                int64_t p0, int64_t nb, const float *b, float *y,
                                const struct onr_activation *act, int threads)
{
    convt_col2im_body(s, cols, p0, nb, b, y, act, threads);
}
