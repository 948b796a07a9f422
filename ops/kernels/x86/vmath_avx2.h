/* Vector exp, sigmoid and SiLU on 8 floats, for the AVX2 kernels' fused
 * activations and the Sigmoid op. Include only from files compiled with
 * -mavx2 -mfma.
 *
 * exp: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two for exactness),
 * e^r by a degree-6 polynomial (the classic Cephes coefficients), times 2^n
 * built in the exponent bits. Inputs are clamped to +-88.376 (e^x of float
 * range), so no lane overflows to inf or becomes a denormal; max relative
 * error about 2 ulp against expf. */
#ifndef ONR_VMATH_AVX2_H
#define ONR_VMATH_AVX2_H

#include <immintrin.h>

static inline __m256 onr_exp_avx2(__m256 x)
{
    const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-88.3762626647949f);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    /* n = round(x / ln2) */
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    /* 2^n: n is in [-128, 128] here; split so each factor is a normal float. */
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i half = _mm256_srai_epi32(ni, 1);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
    __m256 s2 = _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, half), _mm256_set1_epi32(127)), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

/* 1 / (1 + e^-v); NaN stays NaN. */
static inline __m256 onr_sigmoid_avx2(__m256 v)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 s = _mm256_div_ps(one, _mm256_add_ps(one, onr_exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    return _mm256_blendv_ps(s, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

/* v * sigmoid(v) (SiLU, Swish). */
static inline __m256 onr_silu_avx2(__m256 v)
{
    return _mm256_mul_ps(v, onr_sigmoid_avx2(v));
}

#endif
