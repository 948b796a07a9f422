/* onr_activation_apply on 8 lanes, for the AVX2 + FMA kernels of the
 * blocked layout and the plain depthwise kernels. Include only from files
 * compiled with -mavx2 -mfma. */
#ifndef ONR_ACT_AVX2_H
#define ONR_ACT_AVX2_H

#include <immintrin.h>

#include "../activation.h"
#include "vmath_avx2.h"

/* The activation's constants, broadcast once per call. */
struct onr_act256 {
    enum onr_activation_kind kind;
    __m256 a, b, zero, one, six, half;
};

static inline struct onr_act256 onr_act256_make(const struct onr_activation *act)
{
    struct onr_act256 av = {act->kind,           _mm256_set1_ps(act->a), _mm256_set1_ps(act->b),
                            _mm256_setzero_ps(), _mm256_set1_ps(1.0f),   _mm256_set1_ps(6.0f),
                            _mm256_set1_ps(0.5f)};
    return av;
}

/* Same results as onr_activation_apply, NaN and comparisons included:
 * vmaxps returns its second operand (v) when either is NaN, and the
 * ordered compares are false on NaN, so NaN passes through as in C. */
static inline __m256 onr_act256_apply(const struct onr_act256 *av, __m256 v)
{
    switch (av->kind) {
    case ONR_ACT_NONE: return v;
    case ONR_ACT_RELU: return _mm256_max_ps(av->zero, v); /* as v < 0 ? 0 : v, NaN kept */
    case ONR_ACT_CLIP: {
        __m256 r = _mm256_blendv_ps(v, av->b, _mm256_cmp_ps(v, av->b, _CMP_GT_OQ));
        return _mm256_blendv_ps(r, av->a, _mm256_cmp_ps(v, av->a, _CMP_LT_OQ));
    }
    case ONR_ACT_HARDSIGMOID: {
        __m256 t = _mm256_add_ps(_mm256_mul_ps(av->a, v), av->b);
        __m256 r = _mm256_blendv_ps(t, av->one, _mm256_cmp_ps(t, av->one, _CMP_GT_OQ));
        return _mm256_blendv_ps(r, av->zero, _mm256_cmp_ps(t, av->zero, _CMP_LT_OQ));
    }
    case ONR_ACT_HARDSWISH: {
        __m256 t = _mm256_add_ps(_mm256_div_ps(v, av->six), av->half);
        __m256 r = _mm256_blendv_ps(t, av->one, _mm256_cmp_ps(t, av->one, _CMP_GT_OQ));
        r = _mm256_blendv_ps(r, av->zero, _mm256_cmp_ps(t, av->zero, _CMP_LT_OQ));
        return _mm256_mul_ps(v, r);
    }
    case ONR_ACT_SIGMOID: return onr_sigmoid_avx2(v);
    case ONR_ACT_SILU: return onr_silu_avx2(v);
    }
    return v;
}

#endif
