/* Direct convolution for few input channels (a network's first Conv: RGB
 * in, 3x3 or 7x7, stride 2), AVX-512. See conv.h for the shapes it takes.
 *
 * One task is 3 output rows of one image (or 1 where the input rows under
 * 3 would overflow the buffer). Each input row under the task is split by
 * the column stride into phases (phase p, index j holds padded column
 * p + stride_w*j; rows outside the image are zeros), so the input columns
 * under 16 consecutive outputs for one kernel tap are 16 consecutive
 * floats of one phase. The outputs are then computed as 3 rows x 16
 * columns x 8 output channels in 24 registers: each input vector feeds 8
 * FMAs and each weight (packed per channel block, broadcast) feeds 3.
 * Each output starts at its bias and adds the taps in (c, kh, kw) order
 * with FMA, then takes the activation; one thread computes it, and the
 * same way whatever the task, so any thread count gives the same bits. */
#include <immintrin.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "../conv.h"

/* dst[j] = src[stride * j] for j < n. */
static void gather_cols(float *dst, const float *src, int64_t n, int64_t stride)
{
    int64_t j = 0;
    if (stride == 1) {
        memcpy(dst, src, (size_t)n * sizeof *dst);
        return;
    }
    if (stride == 2) {
        const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                               26, 28, 30);
        for (; j + 16 <= n - 1; j += 16) /* the pair's last float, src[2j+31], is < 2n - 1 */
            _mm512_storeu_ps(dst + j, _mm512_permutex2var_ps(_mm512_loadu_ps(src + 2 * j), even,
                                                             _mm512_loadu_ps(src + 2 * j + 16)));
    }
    for (; j < n; j++) dst[j] = src[stride * j];
}

/* ph[p * L + j] = x row at column p - pad_left + stride_w * j, 0 outside. */
static void fill_phases(const struct onr_conv_shape *s, const float *xrow, int64_t L, float *ph)
{
    const int64_t sw = s->stride_w;
    for (int64_t p = 0; p < sw; p++) {
        float *d = ph + p * L;
        const int64_t off = p - s->pad_left; /* input column of j = 0 */
        int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int64_t hi = s->W - 1 - off < 0 ? 0 : (s->W - 1 - off) / sw + 1;
        if (hi > L) hi = L;
        if (lo > hi) lo = hi;
        memset(d, 0, (size_t)lo * sizeof *d);
        if (hi > lo) gather_cols(d + lo, xrow + off + sw * lo, hi - lo, sw);
        memset(d + hi, 0, (size_t)(L - hi) * sizeof *d);
    }
}

/* e^x as onr_exp_avx2 (vmath_avx2.h) computes it, 16 lanes. */
static inline __m512 exp_avx512(__m512 x)
{
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-88.3762626647949f)),
                      _mm512_set1_ps(88.3762626647949f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
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
    /* 2^n in two normal factors (n in [-128, 128]). */
    const __m512i ni = _mm512_cvtps_epi32(n), half = _mm512_srai_epi32(ni, 1);
    const __m512i bias = _mm512_set1_epi32(127);
    const __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(half, bias), 23));
    const __m512 s2 = _mm512_castsi512_ps(
        _mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(ni, half), bias), 23));
    return _mm512_mul_ps(_mm512_mul_ps(p, s1), s2);
}

/* 1 / (1 + e^-v); NaN stays NaN. */
static inline __m512 sigmoid_avx512(__m512 v)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 e = exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), v));
    const __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, e));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), s, v);
}

static __m512 activate(const struct onr_activation *act, __m512 v)
{
    switch (act->kind) {
    case ONR_ACT_NONE: return v;
    case ONR_ACT_RELU: return _mm512_max_ps(_mm512_setzero_ps(), v); /* NaN stays */
    case ONR_ACT_CLIP:
        return _mm512_min_ps(_mm512_set1_ps(act->b), _mm512_max_ps(_mm512_set1_ps(act->a), v));
    case ONR_ACT_HARDSIGMOID: {
        __m512 t = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(act->a), v), _mm512_set1_ps(act->b));
        return _mm512_min_ps(_mm512_set1_ps(1.0f), _mm512_max_ps(_mm512_setzero_ps(), t));
    }
    case ONR_ACT_HARDSWISH: {
        __m512 t = _mm512_add_ps(_mm512_div_ps(v, _mm512_set1_ps(6.0f)), _mm512_set1_ps(0.5f));
        t = _mm512_min_ps(_mm512_set1_ps(1.0f), _mm512_max_ps(_mm512_setzero_ps(), t));
        return _mm512_mul_ps(v, t);
    }
    case ONR_ACT_SIGMOID: return sigmoid_avx512(v);
    case ONR_ACT_SILU: return _mm512_mul_ps(v, sigmoid_avx512(v));
    }
    return v;
}

enum { OCB = 8, RB = 3, MAX_TAPS = ONR_CONV_SMALLC_MAX_C * 16 * 16 };

/* Output rows [0, R) of a block (row r's tap t, in (c, kh, kw) order,
 * reads ph + r * rs + tap_off[t]) by output channels [oc0, oc0 + NO), 16
 * columns at a time. wp holds the block's weights packed as [tap][NO]. */
static inline __attribute__((always_inline)) void
block(const struct onr_conv_shape *s, const float *ph, int64_t rs, int64_t taps,
      const int64_t *tap_off, const float *wp, const float *b,
      const struct onr_activation *act, int64_t oc0, const int R, const int NO, float *y0)
{
    const int64_t plane = s->OH * s->OW;
    for (int64_t ow = 0; ow < s->OW; ow += 16) {
        __m512 acc[RB][OCB];
#pragma GCC unroll 8
        for (int o = 0; o < NO; o++) {
            const __m512 b0 = b != NULL ? _mm512_set1_ps(b[oc0 + o]) : _mm512_setzero_ps();
#pragma GCC unroll 3
            for (int r = 0; r < R; r++) acc[r][o] = b0;
        }
        const float *wt = wp, *p = ph + ow;
        for (int64_t t = 0; t < taps; t++, wt += NO) {
            __m512 xv[RB];
#pragma GCC unroll 3
            for (int r = 0; r < R; r++) xv[r] = _mm512_loadu_ps(p + r * rs + tap_off[t]);
#pragma GCC unroll 8
            for (int o = 0; o < NO; o++) {
                const __m512 wv = _mm512_set1_ps(wt[o]);
#pragma GCC unroll 3
                for (int r = 0; r < R; r++) acc[r][o] = _mm512_fmadd_ps(wv, xv[r], acc[r][o]);
            }
        }
        const __mmask16 m = s->OW - ow >= 16 ? 0xffff : (__mmask16)((1u << (s->OW - ow)) - 1);
        /* ReLU and Clip inline; the other activations by call. */
        const bool inl = act->kind == ONR_ACT_RELU || act->kind == ONR_ACT_CLIP;
        const __m512 lo = _mm512_set1_ps(act->kind == ONR_ACT_CLIP ? act->a : 0.0f);
        const __m512 hi = _mm512_set1_ps(act->kind == ONR_ACT_CLIP ? act->b : INFINITY);
#pragma GCC unroll 8
        for (int o = 0; o < NO; o++)
#pragma GCC unroll 3
            for (int r = 0; r < R; r++) {
                __m512 v = acc[r][o];
                if (inl) v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
                else if (act->kind != ONR_ACT_NONE) v = activate(act, v);
                _mm512_mask_storeu_ps(y0 + r * s->OW + (oc0 + o) * plane + ow, m, v);
            }
    }
}

/* wp[t * NO + o] = w[oc0 + o][t] for the C * KH * KW taps t. */
static void pack_weights(const float *w, int64_t taps, int64_t oc0, int NO, float *wp)
{
    for (int64_t t = 0; t < taps; t++)
        for (int o = 0; o < NO; o++) wp[t * NO + o] = w[(oc0 + o) * taps + t];
}

/* All output channels of R rows (R = RB) or of rows [0, nr) one by one. */
static void rows_all_oc(const struct onr_conv_shape *s, const float *ph, int64_t rs,
                        const int64_t *tap_off, const float *w,
                        const float *b, const struct onr_activation *act, int64_t nr, float *y0)
{
    float wp[OCB * MAX_TAPS];
    const int64_t taps = s->C * s->KH * s->KW;
    int64_t oc = 0;
#define ONR_SMALLC_BLOCKS(NO)                                                                  \
    do {                                                                                       \
        pack_weights(w, taps, oc, NO, wp);                                                     \
        if (nr == RB)                                                                          \
            block(s, ph, rs, taps, tap_off, wp, b, act, oc, RB, NO, y0);          \
        else                                                                                   \
            for (int64_t r = 0; r < nr; r++)                                                   \
                block(s, ph + r * rs, rs, taps, tap_off, wp, b, act, oc, 1, NO,                \
                      y0 + r * s->OW);                                                         \
    } while (0)
    for (; oc + 8 <= s->OC; oc += 8) ONR_SMALLC_BLOCKS(8);
    for (; oc + 4 <= s->OC; oc += 4) ONR_SMALLC_BLOCKS(4);
    for (; oc < s->OC; oc++) ONR_SMALLC_BLOCKS(1);
#undef ONR_SMALLC_BLOCKS
}

/* x: (N, C, H, W)  w: (OC, C, KH, KW)  b: (OC) or NULL  y: (N, OC, OH, OW)
 * A task is RB output rows when the input rows under them fit the buffer
 * (phase row i of channel c is input row ih0 + i, so kernel row kh of
 * output row r is row r * stride_h + kh * dil_h), else one output row
 * (phase row kh is input row ih0 + kh * dil_h). Rows outside the image
 * are zeros. */
void onr_conv2d_f32_smallc__avx512(const struct onr_conv_shape *s, const float *x,
                                   const float *w, const float *b,
                                   const struct onr_activation *act, float *y, int threads)
{
    const int64_t L = onr_conv2d_f32_smallc_phase_len(s), sw = s->stride_w;
    const int64_t span = (RB - 1) * s->stride_h + (s->KH - 1) * s->dil_h + 1;
    const bool blocked = s->C * span * sw * L <= ONR_CONV_SMALLC_BUF;
    const int64_t R = blocked ? RB : 1, S = blocked ? span : s->KH;
    const int64_t fstep = blocked ? 1 : s->dil_h, ks = (blocked ? s->dil_h : 1) * sw * L;
    const int64_t rs = s->stride_h * sw * L, nblk = (s->OH + R - 1) / R, tasks = s->N * nblk;
    int64_t tap_off[MAX_TAPS]; /* phase row and column of each tap, as one offset */
    for (int64_t c = 0, t = 0; c < s->C; c++)
        for (int64_t kh = 0; kh < s->KH; kh++)
            for (int64_t kw = 0; kw < s->KW; kw++, t++)
                tap_off[t] = c * S * sw * L + kh * ks + kw * s->dil_w % sw * L +
                             kw * s->dil_w / sw;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && tasks > 1)
    for (int64_t t = 0; t < tasks; t++) {
        float ph[ONR_CONV_SMALLC_BUF];
        const int64_t n = t / nblk, oh0 = t % nblk * R;
        const int64_t nr = s->OH - oh0 < R ? s->OH - oh0 : R, ih0 = oh0 * s->stride_h - s->pad_top;
        for (int64_t c = 0; c < s->C; c++)
            for (int64_t i = 0; i < S; i++) {
                const int64_t ih = ih0 + i * fstep;
                float *d = ph + (c * S + i) * sw * L;
                if (ih < 0 || ih >= s->H) memset(d, 0, (size_t)(sw * L) * sizeof *d);
                else fill_phases(s, x + ((n * s->C + c) * s->H + ih) * s->W, L, d);
            }
        rows_all_oc(s, ph, rs, tap_off, w, b, act, nr,
                    y + n * s->OC * s->OH * s->OW + oh0 * s->OW);
    }
}
