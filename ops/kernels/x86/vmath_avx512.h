/* Vector exp, sigmoid and SiLU on 16 floats, for the AVX-512 kernels' fused
 * activations: the same algorithm, constants and operation order as
 * vmath_avx2.h (x = n ln2 + r, degree-6 polynomial, inputs clamped to
 * +-88.376; 2^n applied by scalef, exact like AVX2's two normal factors),
 * so each lane gets the bits the AVX2 version gives. Include only from files compiled with -mavx512f. */
#ifndef ONR_VMATH_AVX512_H
#define ONR_VMATH_AVX512_H

#include <immintrin.h>

static inline __m512 onr_exp_avx512(__m512 x)
{
    const __m512 hi = _mm512_set1_ps(88.3762626647949f), lo = _mm512_set1_ps(-88.3762626647949f);
    x = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
    /* n = round(x / ln2) */
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    /* p * 2^n in one instruction, rounded once as AVX2's two exact
     * power-of-two products are, without building 2^n from its bits. */
    return _mm512_scalef_ps(p, n);
}

/* 1 / (1 + e^-v); NaN stays NaN. */
static inline __m512 onr_sigmoid_avx512(__m512 v)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 s = _mm512_div_ps(
        one, _mm512_add_ps(one, onr_exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), s, v);
}

/* v * sigmoid(v) (SiLU, Swish). */
static inline __m512 onr_silu_avx512(__m512 v)
{
    return _mm512_mul_ps(v, onr_sigmoid_avx512(v));
}

#endif
