/* onr_activation_apply on 16 lanes, for the AVX-512 depthwise kernels.
 * Include only from files compiled with the AVX-512 flags. */
#ifndef ONR_ACT_AVX512_H
#define ONR_ACT_AVX512_H

#include <immintrin.h>

#include "../activation.h"
#include "vmath_avx512.h"

/* The activation's constants, broadcast once per call. */
struct onr_act512 {
    enum onr_activation_kind kind;
    __m512 a, b, zero, one, six, half;
};

static inline struct onr_act512 onr_act512_make(const struct onr_activation *act)
{
    struct onr_act512 av = {act->kind,           _mm512_set1_ps(act->a), _mm512_set1_ps(act->b),
                            _mm512_setzero_ps(), _mm512_set1_ps(1.0f),   _mm512_set1_ps(6.0f),
                            _mm512_set1_ps(0.5f)};
    return av;
}

/* Same results as onr_activation_apply, NaN and comparisons included. */
static inline __m512 onr_act512_apply(const struct onr_act512 *av, __m512 v)
{
    switch (av->kind) {
    case ONR_ACT_NONE: return v;
    case ONR_ACT_RELU: return _mm512_max_ps(av->zero, v); /* as v < 0 ? 0 : v, NaN kept */
    case ONR_ACT_CLIP: {
        __m512 r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, av->b, _CMP_GT_OQ), v, av->b);
        return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, av->a, _CMP_LT_OQ), r, av->a);
    }
    case ONR_ACT_HARDSIGMOID: {
        __m512 t = _mm512_add_ps(_mm512_mul_ps(av->a, v), av->b);
        __m512 r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(t, av->one, _CMP_GT_OQ), t, av->one);
        return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(t, av->zero, _CMP_LT_OQ), r, av->zero);
    }
    case ONR_ACT_HARDSWISH: {
        __m512 t = _mm512_add_ps(_mm512_div_ps(v, av->six), av->half);
        __m512 r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(t, av->one, _CMP_GT_OQ), t, av->one);
        r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(t, av->zero, _CMP_LT_OQ), r, av->zero);
        return _mm512_mul_ps(v, r);
    }
    case ONR_ACT_SIGMOID: return onr_sigmoid_avx512(v);
    case ONR_ACT_SILU: return onr_silu_avx512(v);
    }
    return v;
}

#endif
