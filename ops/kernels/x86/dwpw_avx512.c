/* The band functions of the fused depthwise -> pointwise kernel (dwpw.h),
 * AVX-512 F, shaped as dwpw_avx2.c with 16 lanes, walked by
 * onr_dwpw_dw_walk (dwpw_driver.c). The depthwise rows: 3x3
 * and 5x5 of stride 1 or 2 from padded copies of the rows they read, 64
 * columns at a time (the last vector stored under a mask); other kernels
 * row by row, 16 inner columns at a time (stride 1: the last vector under a
 * mask; stride 2: a two-register permute), the border columns through
 * onr_dwpw_dw_pixel. The pointwise band: register tiles of MR = 8 output
 * channels x NV = 2 vectors of 16 pixels (16 accumulators, 2 pixel loads
 * and 8 weight broadcasts per input channel). The last pixel vector of a
 * tile is loaded and stored under a mask (all ones when it is full):
 * nothing past t, r or y is touched. */
#include <immintrin.h>
#include <stdbool.h>
#include <string.h>

#include "../dwpw.h"
#include "act_avx512.h"

enum { MR = 8, NV = 2 };
/* Depthwise vectors per step: independent accumulators hide the FMA
 * latency of the tap chain. */
enum { DW_NV = 4 };

/* The activation with its common kinds inline: onr_act512_apply is too
 * big for the compiler to inline into the tiles. */
static inline __attribute__((always_inline)) __m512 act_vec(const struct onr_act512 *av, __m512 v)
{
    if (av->kind == ONR_ACT_NONE) return v;
    if (av->kind == ONR_ACT_RELU) return _mm512_max_ps(av->zero, v);
    return onr_act512_apply(av, v);
}

/* y (mr, nv*16 pixels, the last vector under `mask`), ldy apart:
 * act(b + w (mr, C) * t (C, .) + r). */
static inline __attribute__((always_inline)) void
tile(int mr, int nv, __mmask16 mask, int64_t C, int64_t P, const float *w, const float *b,
     const float *t, const float *r, const struct onr_act512 *av, float *y, int64_t ldy)
{
    __m512 acc[MR][NV];
    _Pragma("GCC unroll 8")
    for (int i = 0; i < mr; i++) {
        const __m512 bv = b != NULL ? _mm512_set1_ps(b[i]) : _mm512_setzero_ps();
        _Pragma("GCC unroll 8")
        for (int v = 0; v < nv; v++) acc[i][v] = bv;
    }
    for (int64_t c = 0; c < C; c++) {
        const float *tc = t + c * P;
        __m512 tv[NV];
        _Pragma("GCC unroll 8")
        for (int v = 0; v < nv; v++)
            tv[v] = v == nv - 1 ? _mm512_maskz_loadu_ps(mask, tc + 16 * v)
                                : _mm512_loadu_ps(tc + 16 * v);
        _Pragma("GCC unroll 8")
        for (int i = 0; i < mr; i++) {
            const __m512 wv = _mm512_set1_ps(w[i * C + c]);
            _Pragma("GCC unroll 8")
            for (int v = 0; v < nv; v++) acc[i][v] = _mm512_fmadd_ps(wv, tv[v], acc[i][v]);
        }
    }
    _Pragma("GCC unroll 8")
    for (int i = 0; i < mr; i++)
        _Pragma("GCC unroll 8")
        for (int v = 0; v < nv; v++) {
            const __mmask16 m = v == nv - 1 ? mask : (__mmask16)0xffff;
            __m512 s = acc[i][v];
            if (r != NULL) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, r + i * ldy + 16 * v));
            s = act_vec(av, s);
            _mm512_mask_storeu_ps(y + i * ldy + 16 * v, m, s);
        }
}

#define TILES(MR_)                                                        \
    do {                                                                  \
        if (nv == 1) tile(MR_, 1, mask, C, P, w, b, t, r, av, y, ldy);    \
        else tile(MR_, 2, mask, C, P, w, b, t, r, av, y, ldy);            \
    } while (0)

/* One tile of up to MR channels x 32 pixels; the shapes as constants. */
static void tile_any(int mr, int nv, __mmask16 mask, int64_t C, int64_t P, const float *w,
                     const float *b, const float *t, const float *r, const struct onr_act512 *av,
                     float *y, int64_t ldy)
{
    switch (mr) {
    case 1: TILES(1); break;
    case 2: TILES(2); break;
    case 3: TILES(3); break;
    case 4: TILES(4); break;
    case 5: TILES(5); break;
    case 6: TILES(6); break;
    case 7: TILES(7); break;
    default: TILES(8); break;
    }
}

/* t: (C, P)  w: (OC, C)  y, r: (OC, P) ldy apart */
static void band_avx512(int64_t OC, int64_t C, int64_t P, const float *w, const float *b,
                        const float *t, const float *r, const struct onr_activation *act,
                        float *y, int64_t ldy)
{
    const struct onr_act512 av = onr_act512_make(act);
    for (int64_t p0 = 0; p0 < P; p0 += 16 * NV) {
        const int64_t np = P - p0 < 16 * NV ? P - p0 : 16 * NV;
        const int nv = (int)((np + 15) / 16), last = (int)(np - 16 * (nv - 1));
        const __mmask16 mask = (__mmask16)((1u << last) - 1u);
        for (int64_t o = 0; o < OC; o += MR) {
            const int mr = OC - o < MR ? (int)(OC - o) : MR;
            tile_any(mr, nv, mask, C, P, w + o * C, b != NULL ? b + o : NULL, t + p0,
                     r != NULL ? r + o * ldy + p0 : NULL, &av, y + o * ldy + p0, ldy);
        }
    }
}

/* The even floats of p[0..32). */
static inline __m512 load_even(const float *p)
{
    const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(_mm512_loadu_ps(p), idx, _mm512_loadu_ps(p + 16));
}

/* Output columns [ow, ow + 16) of row oh under mask (a partial mask for
 * stride 1 only), every tap inside the row. */
static inline __attribute__((always_inline)) void
dw_vec(const struct onr_conv_shape *d, int64_t K, int64_t S, int nv, __mmask16 mask, const float *xc,
       const float *w, float bias, const struct onr_act512 *av, int64_t oh, int64_t ow, float *y)
{
    __m512 acc[DW_NV];
    _Pragma("GCC unroll 4")
    for (int v = 0; v < nv; v++) acc[v] = _mm512_set1_ps(bias);
    const int64_t KH = K ? K : d->KH, KW = K ? K : d->KW;
    _Pragma("GCC unroll 5")
    for (int64_t kh = 0; kh < KH; kh++) {
        const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dil_h;
        if (ih < 0 || ih >= d->H) continue;
        const float *xr = xc + ih * d->W + ow * S - d->pad_left;
        _Pragma("GCC unroll 5")
        for (int64_t kw = 0; kw < KW; kw++) {
            const float *xp = xr + kw * d->dil_w;
            const __m512 wv = _mm512_set1_ps(w[kh * KW + kw]);
            _Pragma("GCC unroll 4")
            for (int v = 0; v < nv; v++) {
                const float *q = xp + 16 * S * v;
                const __mmask16 m = v == nv - 1 ? mask : (__mmask16)0xffff;
                const __m512 xv = S == 2 ? load_even(q) : _mm512_maskz_loadu_ps(m, q);
                acc[v] = _mm512_fmadd_ps(wv, xv, acc[v]);
            }
        }
    }
    _Pragma("GCC unroll 4")
    for (int v = 0; v < nv; v++)
        _mm512_mask_storeu_ps(y + ow + 16 * v, v == nv - 1 ? mask : (__mmask16)0xffff,
                              act_vec(av, acc[v]));
}

/* One output row of channel plane xc into y, stride S (1 or 2; else all
 * columns go through onr_dwpw_dw_pixel), square kernel size K (3 or 5, or
 * 0: d's), as constants once inlined; [lo, hi) the inner columns
 * (onr_dwpw_inner_cols), fn the activation of the border columns. */
static inline __attribute__((always_inline)) void
dw_row(const struct onr_conv_shape *d, int64_t K, int64_t S, const float *xc, const float *w, float bias,
       const struct onr_activation *fn, const struct onr_act512 *av, int64_t lo, int64_t hi,
       int64_t oh, float *y)
{
    int64_t ow = 0;
    for (; ow < lo; ow++) y[ow] = onr_activation_apply(fn, onr_dwpw_dw_pixel(d, xc, w, bias, oh, ow));
    const __mmask16 all = (__mmask16)0xffff;
    for (; ow + 16 * DW_NV <= hi; ow += 16 * DW_NV) dw_vec(d, K, S, DW_NV, all, xc, w, bias, av, oh, ow, y);
    /* the rest of the inner columns: stride 1 masks the last vector,
     * stride 2 leaves a partial one to the border code */
    const int64_t n = hi - ow;
    const int nv = (int)(S == 1 ? (n + 15) / 16 : n / 16);
    const __mmask16 mask = S == 1 && n % 16 != 0 ? (__mmask16)((1u << (n % 16)) - 1u) : all;
    switch (nv) {
    case 1: dw_vec(d, K, S, 1, mask, xc, w, bias, av, oh, ow, y); break;
    case 2: dw_vec(d, K, S, 2, mask, xc, w, bias, av, oh, ow, y); break;
    case 3: dw_vec(d, K, S, 3, mask, xc, w, bias, av, oh, ow, y); break;
    case 4: dw_vec(d, K, S, 4, mask, xc, w, bias, av, oh, ow, y); break;
    default: break;
    }
    ow = S == 1 ? hi : ow + 16 * nv;
    for (; ow < d->OW; ow++) y[ow] = onr_activation_apply(fn, onr_dwpw_dw_pixel(d, xc, w, bias, oh, ow));
}

/* nv vectors of output row r of the band from the padded rows, every tap
 * taken (the padding's are zeros); the last vector stored under mask. */
static inline __attribute__((always_inline)) void
pad_vec(const struct onr_conv_shape *d, int64_t K, int64_t S, int nv, __mmask16 mask,
        const float *buf, int64_t ld, const float *w, float bias, const struct onr_act512 *av,
        int64_t r, int64_t ow, float *y)
{
    __m512 acc[DW_NV];
    _Pragma("GCC unroll 4")
    for (int v = 0; v < nv; v++) acc[v] = _mm512_set1_ps(bias);
    _Pragma("GCC unroll 5")
    for (int64_t kh = 0; kh < K; kh++) {
        const float *br = buf + (r * d->stride_h + kh * d->dil_h) * ld + ow * S;
        _Pragma("GCC unroll 5")
        for (int64_t kw = 0; kw < K; kw++) {
            const __m512 wv = _mm512_set1_ps(w[kh * K + kw]);
            _Pragma("GCC unroll 4")
            for (int v = 0; v < nv; v++) {
                const float *q = br + kw * d->dil_w + 16 * S * v;
                acc[v] = _mm512_fmadd_ps(wv, S == 2 ? load_even(q) : _mm512_loadu_ps(q), acc[v]);
            }
        }
    }
    _Pragma("GCC unroll 4")
    for (int v = 0; v < nv; v++)
        _mm512_mask_storeu_ps(y + ow + 16 * v, v == nv - 1 ? mask : (__mmask16)0xffff,
                              act_vec(av, acc[v]));
}

/* Output rows [oh0, oh1) of one channel from its padded rows into t
 * (rows of OW); K and S constants once inlined. */
static inline __attribute__((always_inline)) void
pad_band(const struct onr_conv_shape *d, int64_t K, int64_t S, const float *buf, int64_t ld,
         const float *w, float bias, const struct onr_act512 *av, int64_t oh0, int64_t oh1,
         float *t)
{
    const int64_t OW = d->OW, full = OW / (16 * DW_NV) * (16 * DW_NV);
    const int64_t rest = OW - full, nv = (rest + 15) / 16;
    const __mmask16 all = (__mmask16)0xffff;
    const __mmask16 mask = rest % 16 != 0 ? (__mmask16)((1u << (rest % 16)) - 1u) : all;
    for (int64_t oh = oh0; oh < oh1; oh++) {
        float *y = t + (oh - oh0) * OW;
        const int64_t r = oh - oh0;
        for (int64_t ow = 0; ow < full; ow += 16 * DW_NV)
            pad_vec(d, K, S, DW_NV, all, buf, ld, w, bias, av, r, ow, y);
        switch (nv) {
        case 1: pad_vec(d, K, S, 1, mask, buf, ld, w, bias, av, r, full, y); break;
        case 2: pad_vec(d, K, S, 2, mask, buf, ld, w, bias, av, r, full, y); break;
        case 3: pad_vec(d, K, S, 3, mask, buf, ld, w, bias, av, r, full, y); break;
        case 4: pad_vec(d, K, S, 4, mask, buf, ld, w, bias, av, r, full, y); break;
        default: break;
        }
    }
}

/* The block functions of onr_dwpw_dw_walk and their table. */
#define DWPW_GLUE_LANES 16
#include "dwpw_walk_glue.h"

/* x: (C, H, W)  t: (C, (oh1-oh0)*OW) */
static void dw_avx512(const struct onr_conv_shape *d, const float *x, const float *wd,
                   const float *bd, const struct onr_activation *act, int64_t oh0, int64_t oh1,
                   float *t)
{
    const struct onr_act512 av = onr_act512_make(act);
    onr_dwpw_dw_walk(&dw_isa, d, x, wd, bd, act, &av, oh0, oh1, t);
}

const struct onr_dwpw_fns onr_dwpw_fns__avx512 = {dw_avx512, band_avx512};
