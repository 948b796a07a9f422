/* The col2im kernel (conv_transpose.h) for AVX-512: stride-2 tap pairs
 * interleaved with two-source permutes, 16 pairs a step. */
#include <immintrin.h>
#include <stdint.h>

static inline void convt_add_pairs(float *restrict y, const float *restrict c0,
                                   const float *restrict c1, int64_t n)
{
    /* lanes of (a, b): 0-15 are a, 16-31 are b */
    const __m512i lo_idx = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22,
                                             7, 23);
    const __m512i hi_idx = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14,
                                             30, 15, 31);
    int64_t q = 0;
    for (; q + 16 <= n; q += 16) {
        const __m512 a = _mm512_loadu_ps(c0 + q), b = _mm512_loadu_ps(c1 + q);
        float *yq = y + 2 * q;
        _mm512_storeu_ps(yq, _mm512_add_ps(_mm512_loadu_ps(yq),
                                           _mm512_permutex2var_ps(a, lo_idx, b)));
        _mm512_storeu_ps(yq + 16, _mm512_add_ps(_mm512_loadu_ps(yq + 16),
                                                _mm512_permutex2var_ps(a, hi_idx, b)));
    }
    for (; q < n; q++) {
        y[2 * q] += c0[q];
        y[2 * q + 1] += c1[q];
    }
}

#include "../conv_transpose_col2im_body.h"

void onr_convt_col2im_f32__avx512(const struct onr_convt_shape *s, const float *cols,
                                  int64_t p0, int64_t nb, const float *b, float *y,
                                  const struct onr_activation *act, int threads)
{
    convt_col2im_body(s, cols, p0, nb, b, y, act, threads);
}
