/* The band functions of the fused depthwise -> pointwise kernel (dwpw.h),
 * AVX2 + FMA; the walk over channels and the padded row copies are
 * onr_dwpw_dw_walk's (dwpw_driver.c). The depthwise rows: 3x3 and 5x5 of stride 1 or 2 from padded
 * copies of the rows they read (no border columns, every tap unrolled), 2
 * rows x 32 columns at a time (the last vector stored under a mask); other kernels
 * row by row, 8 inner columns at a time (stride 1: the last vector masked;
 * stride 2: two loads per tap and a shuffle), the border columns through
 * onr_dwpw_dw_pixel. The pointwise band: register tiles of MR = 4 output
 * channels x NV = 3 vectors of 8 pixels (12 accumulators, 3 pixel loads and
 * 4 weight broadcasts per input channel); the tile's C x 24 pixels of t
 * stay in L1 while the tile walks down the output channels. The last pixel
 * vector of a band is masked: nothing past t, r or y is read or written. */
#include <immintrin.h>
#include <stdbool.h>
#include <string.h>

#include "../dwpw.h"
#include "act_avx2.h"

enum { MR = 4, NV = 3 };
/* Depthwise vectors per step: independent accumulators hide the FMA
 * latency of the tap chain. */
enum { DW_NV = 4 };

static const int32_t mask_tab[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* The activation with its common kinds inline: onr_act256_apply is too
 * big for the compiler to inline into the tiles. */
static inline __attribute__((always_inline)) __m256 act_vec(const struct onr_act256 *av, __m256 v)
{
    if (av->kind == ONR_ACT_NONE) return v;
    if (av->kind == ONR_ACT_RELU) return _mm256_max_ps(av->zero, v);
    return onr_act256_apply(av, v);
}

/* y (mr, nv*8 pixels, the last vector `mask`ed when `masked`), ldy apart:
 * act(b + w (mr, C) * t (C, .) + r). */
static inline __attribute__((always_inline)) void
tile(int mr, int nv, bool masked, __m256i mask, int64_t C, int64_t P, const float *w,
     const float *b, const float *t, const float *r, const struct onr_act256 *av, float *y,
     int64_t ldy)
{
    __m256 acc[MR][NV];
    _Pragma("GCC unroll 8")
    for (int i = 0; i < mr; i++) {
        const __m256 bv = b != NULL ? _mm256_broadcast_ss(b + i) : _mm256_setzero_ps();
        _Pragma("GCC unroll 8")
        for (int v = 0; v < nv; v++) acc[i][v] = bv;
    }
    for (int64_t c = 0; c < C; c++) {
        const float *tc = t + c * P;
        __m256 tv[NV];
        _Pragma("GCC unroll 8")
        for (int v = 0; v < nv; v++)
            tv[v] = masked && v == nv - 1 ? _mm256_maskload_ps(tc + 8 * v, mask)
                                          : _mm256_loadu_ps(tc + 8 * v);
        _Pragma("GCC unroll 8")
        for (int i = 0; i < mr; i++) {
            const __m256 wv = _mm256_broadcast_ss(w + i * C + c);
            _Pragma("GCC unroll 8")
            for (int v = 0; v < nv; v++) acc[i][v] = _mm256_fmadd_ps(wv, tv[v], acc[i][v]);
        }
    }
    _Pragma("GCC unroll 8")
    for (int i = 0; i < mr; i++)
        _Pragma("GCC unroll 8")
        for (int v = 0; v < nv; v++) {
            const bool m = masked && v == nv - 1;
            __m256 s = acc[i][v];
            if (r != NULL) {
                const float *rp = r + i * ldy + 8 * v;
                s = _mm256_add_ps(s, m ? _mm256_maskload_ps(rp, mask) : _mm256_loadu_ps(rp));
            }
            s = act_vec(av, s);
            float *yp = y + i * ldy + 8 * v;
            if (m) _mm256_maskstore_ps(yp, mask, s);
            else _mm256_storeu_ps(yp, s);
        }
}

#define TILE(MR_, NV_, M_) \
    tile(MR_, NV_, M_, mask, C, P, w, b, t, r, av, y, ldy)
#define TILES(MR_)                                        \
    do {                                                  \
        if (masked) {                                     \
            if (nv == 1) TILE(MR_, 1, true);              \
            else if (nv == 2) TILE(MR_, 2, true);         \
            else TILE(MR_, 3, true);                      \
        } else {                                          \
            if (nv == 1) TILE(MR_, 1, false);             \
            else if (nv == 2) TILE(MR_, 2, false);        \
            else TILE(MR_, 3, false);                     \
        }                                                 \
    } while (0)

/* One tile of up to MR channels x 24 pixels; the shapes as constants. */
static void tile_any(int mr, int nv, bool masked, __m256i mask, int64_t C, int64_t P,
                     const float *w, const float *b, const float *t, const float *r,
                     const struct onr_act256 *av, float *y, int64_t ldy)
{
    switch (mr) {
    case 1: TILES(1); break;
    case 2: TILES(2); break;
    case 3: TILES(3); break;
    default: TILES(4); break;
    }
}

/* t: (C, P)  w: (OC, C)  y, r: (OC, P) ldy apart */
static void band_avx2(int64_t OC, int64_t C, int64_t P, const float *w, const float *b,
                      const float *t, const float *r, const struct onr_activation *act,
                      float *y, int64_t ldy)
{
    const struct onr_act256 av = onr_act256_make(act);
    for (int64_t p0 = 0; p0 < P; p0 += 8 * NV) {
        const int64_t np = P - p0 < 8 * NV ? P - p0 : 8 * NV;
        const int nv = (int)((np + 7) / 8), last = (int)(np - 8 * (nv - 1));
        const __m256i mask = _mm256_loadu_si256((const __m256i *)(mask_tab + 8 - last));
        for (int64_t o = 0; o < OC; o += MR) {
            const int mr = OC - o < MR ? (int)(OC - o) : MR;
            tile_any(mr, nv, last < 8, mask, C, P, w + o * C, b != NULL ? b + o : NULL, t + p0,
                     r != NULL ? r + o * ldy + p0 : NULL, &av, y + o * ldy + p0, ldy);
        }
    }
}

/* The even floats of p[0..16). */
static inline __m256 load_even(const float *p)
{
    const __m256 t = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), 0xD8));
}

/* Output columns [ow, ow + 8) of row oh (the first n of them stored when
 * masked, stride 1 only), every tap inside the row. */
static inline __attribute__((always_inline)) void
dw_vec(const struct onr_conv_shape *d, int64_t K, int64_t S, int nv, bool masked, __m256i mask,
       const float *xc, const float *w, float bias, const struct onr_act256 *av, int64_t oh,
       int64_t ow, float *y)
{
    __m256 acc[DW_NV];
    _Pragma("GCC unroll 4")
    for (int v = 0; v < nv; v++) acc[v] = _mm256_set1_ps(bias);
    const int64_t KH = K ? K : d->KH, KW = K ? K : d->KW;
    _Pragma("GCC unroll 5")
    for (int64_t kh = 0; kh < KH; kh++) {
        const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dil_h;
        if (ih < 0 || ih >= d->H) continue;
        const float *xr = xc + ih * d->W + ow * S - d->pad_left;
        _Pragma("GCC unroll 5")
        for (int64_t kw = 0; kw < KW; kw++) {
            const float *xp = xr + kw * d->dil_w;
            const __m256 wv = _mm256_broadcast_ss(w + kh * KW + kw);
            _Pragma("GCC unroll 4")
            for (int v = 0; v < nv; v++) {
                const float *q = xp + 8 * S * v;
                const __m256 xv = S == 2 ? load_even(q)
                                  : masked && v == nv - 1 ? _mm256_maskload_ps(q, mask)
                                                          : _mm256_loadu_ps(q);
                acc[v] = _mm256_fmadd_ps(wv, xv, acc[v]);
            }
        }
    }
    _Pragma("GCC unroll 4")
    for (int v = 0; v < nv; v++) {
        const __m256 o = act_vec(av, acc[v]);
        if (masked && v == nv - 1) _mm256_maskstore_ps(y + ow + 8 * v, mask, o);
        else _mm256_storeu_ps(y + ow + 8 * v, o);
    }
}

/* One output row of channel plane xc into y, stride S (1 or 2; else all
 * columns go through onr_dwpw_dw_pixel), square kernel size K (3 or 5, or
 * 0: d's), as constants once inlined; [lo, hi) the inner columns
 * (onr_dwpw_inner_cols), fn the activation of the border columns. */
static inline __attribute__((always_inline)) void
dw_row(const struct onr_conv_shape *d, int64_t K, int64_t S, const float *xc, const float *w, float bias,
       const struct onr_activation *fn, const struct onr_act256 *av, int64_t lo, int64_t hi,
       int64_t oh, float *y)
{
    int64_t ow = 0;
    for (; ow < lo; ow++) y[ow] = onr_activation_apply(fn, onr_dwpw_dw_pixel(d, xc, w, bias, oh, ow));
    const __m256i none = _mm256_setzero_si256();
    for (; ow + 8 * DW_NV <= hi; ow += 8 * DW_NV) dw_vec(d, K, S, DW_NV, false, none, xc, w, bias, av, oh, ow, y);
    /* the rest of the inner columns: stride 1 masks the last vector,
     * stride 2 leaves a partial one to the border code */
    const int64_t n = hi - ow;
    const int nv = (int)(S == 1 ? (n + 7) / 8 : n / 8);
    const bool masked = S == 1 && n % 8 != 0;
    const __m256i mask = _mm256_loadu_si256((const __m256i *)(mask_tab + 8 - (masked ? n % 8 : 8)));
    switch (nv) {
    case 1: dw_vec(d, K, S, 1, masked, mask, xc, w, bias, av, oh, ow, y); break;
    case 2: dw_vec(d, K, S, 2, masked, mask, xc, w, bias, av, oh, ow, y); break;
    case 3: dw_vec(d, K, S, 3, masked, mask, xc, w, bias, av, oh, ow, y); break;
    case 4: dw_vec(d, K, S, 4, masked, mask, xc, w, bias, av, oh, ow, y); break;
    default: break;
    }
    ow = S == 1 ? hi : ow + 8 * nv;
    for (; ow < d->OW; ow++) y[ow] = onr_activation_apply(fn, onr_dwpw_dw_pixel(d, xc, w, bias, oh, ow));
}

/* nv vectors of nr (1 or 2) output rows from row r of the band on, from
 * the padded rows, every tap taken (the padding's are zeros); the last
 * vector of a row stored under mask when masked. Two rows give 8
 * independent accumulators, enough to cover the FMA latency of the taps. */
static inline __attribute__((always_inline)) void
pad_vec(const struct onr_conv_shape *d, int64_t K, int64_t S, int nr, int nv, bool masked,
        __m256i mask, const float *buf, int64_t ld, const float *w, float bias,
        const struct onr_act256 *av, int64_t r, int64_t ow, float *y)
{
    __m256 acc[2][DW_NV];
    _Pragma("GCC unroll 2")
    for (int i = 0; i < nr; i++)
        _Pragma("GCC unroll 4")
        for (int v = 0; v < nv; v++) acc[i][v] = _mm256_set1_ps(bias);
    _Pragma("GCC unroll 5")
    for (int64_t kh = 0; kh < K; kh++) {
        _Pragma("GCC unroll 5")
        for (int64_t kw = 0; kw < K; kw++) {
            const __m256 wv = _mm256_broadcast_ss(w + kh * K + kw);
            _Pragma("GCC unroll 2")
            for (int i = 0; i < nr; i++) {
                const float *br = buf + ((r + i) * d->stride_h + kh * d->dil_h) * ld + ow * S +
                                  kw * d->dil_w;
                _Pragma("GCC unroll 4")
                for (int v = 0; v < nv; v++) {
                    const float *q = br + 8 * S * v;
                    acc[i][v] = _mm256_fmadd_ps(wv, S == 2 ? load_even(q) : _mm256_loadu_ps(q),
                                                acc[i][v]);
                }
            }
        }
    }
    _Pragma("GCC unroll 2")
    for (int i = 0; i < nr; i++)
        _Pragma("GCC unroll 4")
        for (int v = 0; v < nv; v++) {
            const __m256 o = act_vec(av, acc[i][v]);
            float *yp = y + i * d->OW + ow + 8 * v;
            if (masked && v == nv - 1) _mm256_maskstore_ps(yp, mask, o);
            else _mm256_storeu_ps(yp, o);
        }
}

/* Output rows [oh0, oh1) of one channel from its padded rows into t
 * (rows of OW), two at a time; K and S constants once inlined. */
static inline __attribute__((always_inline)) void
pad_band(const struct onr_conv_shape *d, int64_t K, int64_t S, const float *buf, int64_t ld,
         const float *w, float bias, const struct onr_act256 *av, int64_t oh0, int64_t oh1,
         float *t)
{
    const int64_t OW = d->OW, full = OW / (8 * DW_NV) * (8 * DW_NV);
    const int64_t rest = OW - full, nv = (rest + 7) / 8;
    const bool masked = rest % 8 != 0;
    const __m256i mask = _mm256_loadu_si256((const __m256i *)(mask_tab + 8 - (masked ? rest % 8 : 8)));
    const __m256i none = _mm256_setzero_si256();
    for (int64_t oh = oh0; oh < oh1; oh += 2) {
        float *y = t + (oh - oh0) * OW;
        const int64_t r = oh - oh0;
#define PAD_ROWS(NR)                                                                       \
    do {                                                                                   \
        for (int64_t ow = 0; ow < full; ow += 8 * DW_NV)                                   \
            pad_vec(d, K, S, NR, DW_NV, false, none, buf, ld, w, bias, av, r, ow, y);      \
        switch (nv) {                                                                      \
        case 1: pad_vec(d, K, S, NR, 1, masked, mask, buf, ld, w, bias, av, r, full, y); break; \
        case 2: pad_vec(d, K, S, NR, 2, masked, mask, buf, ld, w, bias, av, r, full, y); break; \
        case 3: pad_vec(d, K, S, NR, 3, masked, mask, buf, ld, w, bias, av, r, full, y); break; \
        case 4: pad_vec(d, K, S, NR, 4, masked, mask, buf, ld, w, bias, av, r, full, y); break; \
        default: break;                                                                    \
        }                                                                                  \
    } while (0)
        if (oh + 1 < oh1) PAD_ROWS(2);
        else PAD_ROWS(1);
#undef PAD_ROWS
    }
}

/* The block functions of onr_dwpw_dw_walk and their table. */
#define DWPW_GLUE_LANES 8
#include "dwpw_walk_glue.h"

/* x: (C, H, W)  t: (C, (oh1-oh0)*OW) */
static void dw_avx2(const struct onr_conv_shape *d, const float *x, const float *wd,
                   const float *bd, const struct onr_activation *act, int64_t oh0, int64_t oh1,
                   float *t)
{
    const struct onr_act256 av = onr_act256_make(act);
    onr_dwpw_dw_walk(&dw_isa, d, x, wd, bd, act, &av, oh0, oh1, t);
}

const struct onr_dwpw_fns onr_dwpw_fns__avx2 = {dw_avx2, band_avx2};
