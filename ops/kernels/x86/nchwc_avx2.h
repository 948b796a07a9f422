/* Helpers shared by the AVX2 + FMA kernels of the channel-blocked layout
 * NCHW16c (nchwc_*_avx2.c): a 16-lane block is two ymm halves of 8 lanes.
 * Include only from files compiled with -mavx2 -mfma. */
#ifndef ONR_NCHWC_AVX2_H
#define ONR_NCHWC_AVX2_H

#include <immintrin.h>
#include <stdbool.h>
#include <stdint.h>

#include "../nchwc.h"
#include "act_avx2.h"

#define L ONR_NCHWC_LANES
#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")

/* The first n (0..8) lanes set, for maskload / maskstore. */
INLINE __m256i lane_mask(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* act(v[p]) to y + p * L for p < NP, the kind's switch taken once per group
 * (each case sees a constant kind, so its inner switch folds away). */
INLINE void store_act(const struct onr_act256 *av, const __m256 *v, float *y, const int NP)
{
#define STORE_ACT(KIND)                                                                      \
    case KIND: {                                                                             \
        struct onr_act256 a = *av;                                                           \
        a.kind = KIND;                                                                       \
        UNROLL for (int p = 0; p < NP; p++) _mm256_storeu_ps(y + p * L, onr_act256_apply(&a, v[p])); \
        return;                                                                              \
    }
    switch (av->kind) {
    default: /* every kind is listed; NONE for anything else */
        STORE_ACT(ONR_ACT_NONE)
        STORE_ACT(ONR_ACT_RELU)
        STORE_ACT(ONR_ACT_CLIP)
        STORE_ACT(ONR_ACT_HARDSIGMOID)
        STORE_ACT(ONR_ACT_HARDSWISH)
        STORE_ACT(ONR_ACT_SIGMOID)
        STORE_ACT(ONR_ACT_SILU)
    }
#undef STORE_ACT
}

#endif
