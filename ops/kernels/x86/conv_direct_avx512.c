/* Direct convolution for few input channels (a network's first Conv: RGB
 * in, 3x3 or 7x7, stride 2), AVX-512. See conv.h for the shapes it takes.
 *
 * One task is one output row (n, oh). For each input channel c and each
 * kernel row kh whose input row lies inside the image, the padded input row
 * is split by the column stride into phases (phase p, index j holds padded
 * column p + stride_w*j), so the input columns under 16 consecutive outputs
 * for one kernel tap are 16 consecutive floats of one phase. The outputs
 * are then computed 16 columns by up to 16 output channels at a time: every
 * input vector feeds all the channels' FMAs (weights broadcast from W).
 * Each output starts at its bias and adds the taps in (c, kh, kw) order
 * with FMA, then takes the activation; one thread computes it, so any
 * thread count gives the same bits. */
#include <immintrin.h>
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

/* Output channels [oc0, oc0 + OCB) of one row, 16 columns at a time; ph
 * holds the phase rows of (c, kh) for kh in [kh0, kh1). */
static inline __attribute__((always_inline)) void
row_block(const struct onr_conv_shape *s, const float *ph, int64_t L, int64_t kh0, int64_t kh1,
          const int64_t *tap_off, const float *w, const float *b,
          const struct onr_activation *act, int64_t oc0, const int OCB, float *yrow)
{
    const int64_t plane = s->OH * s->OW, taps = s->KH * s->KW;
    for (int64_t ow = 0; ow < s->OW; ow += 16) {
        __m512 acc[16];
#pragma GCC unroll 16
        for (int o = 0; o < OCB; o++)
            acc[o] = b != NULL ? _mm512_set1_ps(b[oc0 + o]) : _mm512_setzero_ps();
        for (int64_t c = 0; c < s->C; c++)
            for (int64_t kh = kh0; kh < kh1; kh++) {
                const float *prow = ph + (c * s->KH + kh) * s->stride_w * L;
                const float *wt = w + (oc0 * s->C + c) * taps + kh * s->KW;
                for (int64_t kw = 0; kw < s->KW; kw++) {
                    const __m512 xv = _mm512_loadu_ps(prow + tap_off[kw] + ow);
#pragma GCC unroll 16
                    for (int k = 0; k < OCB; k++)
                        acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(wt[k * s->C * taps + kw]), xv,
                                                 acc[k]);
                }
            }
        const __mmask16 m = s->OW - ow >= 16 ? 0xffff : (__mmask16)((1u << (s->OW - ow)) - 1);
#pragma GCC unroll 16
        for (int o = 0; o < OCB; o++)
            _mm512_mask_storeu_ps(yrow + (oc0 + o) * plane + ow, m, activate(act, acc[o]));
    }
}

/* x: (N, C, H, W)  w: (OC, C, KH, KW)  b: (OC) or NULL  y: (N, OC, OH, OW) */
void onr_conv2d_f32_smallc__avx512(const struct onr_conv_shape *s, const float *x,
                                   const float *w, const float *b,
                                   const struct onr_activation *act, float *y, int threads)
{
    const int64_t rows = s->N * s->OH, L = onr_conv2d_f32_smallc_phase_len(s);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && rows > 1)
    for (int64_t r = 0; r < rows; r++) {
        float ph[ONR_CONV_SMALLC_BUF];
        const int64_t n = r / s->OH, oh = r % s->OH, ih0 = oh * s->stride_h - s->pad_top;
        int64_t kh0 = 0, kh1 = 0;
        for (int64_t kh = 0; kh < s->KH; kh++) { /* kernel rows inside the image */
            const int64_t ih = ih0 + kh * s->dil_h;
            if (ih < 0) kh0 = kh + 1;
            else if (ih < s->H) kh1 = kh + 1;
        }
        for (int64_t c = 0; c < s->C; c++)
            for (int64_t kh = kh0; kh < kh1; kh++)
                fill_phases(s, x + ((n * s->C + c) * s->H + ih0 + kh * s->dil_h) * s->W, L,
                            ph + (c * s->KH + kh) * s->stride_w * L);
        int64_t tap_off[16]; /* phase row and column of tap kw, as one offset */
        for (int64_t kw = 0; kw < s->KW; kw++)
            tap_off[kw] = kw * s->dil_w % s->stride_w * L + kw * s->dil_w / s->stride_w;
        float *yrow = y + n * s->OC * s->OH * s->OW + oh * s->OW;
        int64_t oc = 0;
        for (; oc + 16 <= s->OC; oc += 16)
            row_block(s, ph, L, kh0, kh1, tap_off, w, b, act, oc, 16, yrow);
        for (; oc + 8 <= s->OC; oc += 8)
            row_block(s, ph, L, kh0, kh1, tap_off, w, b, act, oc, 8, yrow);
        for (; oc + 4 <= s->OC; oc += 4)
            row_block(s, ph, L, kh0, kh1, tap_off, w, b, act, oc, 4, yrow);
        for (; oc < s->OC; oc++) row_block(s, ph, L, kh0, kh1, tap_off, w, b, act, oc, 1, yrow);
    }
}
