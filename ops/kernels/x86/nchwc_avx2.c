/* AVX2 + FMA kernels for the channel-blocked layout NCHW16c (nchwc.h), for
 * CPUs without AVX-512 (the AMD EPYC targets): the plain <-> blocked
 * reorders, the depthwise, pointwise (plain, gated, HW == 1), gemv and
 * dense-stem Convs. Same layout and contracts as the __scalar and __avx512
 * versions; a 16-lane block is two ymm halves of 8 lanes.
 *
 * Register budget: 16 ymm. The depthwise Conv runs each 8-lane half as an
 * independent problem (8 pixels x 1 half = 8 accumulators + up to 5 weights
 * + an input); the pointwise and stem Convs use tiles of one 16-channel
 * block x up to 6 pixels (12 accumulators + 2 weights + 1 broadcast).
 *
 * Order per lane, the same as the scalar kernels: depthwise bias, then taps
 * (kh, kw) ascending, padding taps skipped; pointwise 0, then c ascending,
 * + bias, + r, act; stem bias, then (c, kh, kw). One FMA per term, in every
 * tile shape, so the split between threads changes no bit. */
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

/* ======================= reorders ======================= */

/* In-place transpose of 8 vectors of 8 floats: r[i][j] <-> r[j][i]. */
INLINE void transpose8(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    /* u[4h + k]: rows 4h..4h+3 at column k (low 128 bits) and k + 4 (high) */
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
        r[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
    }
}

enum { REORDER_CHUNK = 1024 }; /* positions per work item with several threads */

/* Positions [q0, q1) of one block of nc channels: plain xb (nc, HW) ->
 * blocked yb (HW, 16), zeros in lanes nc..15. Tails: masked loads. */
static void from_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q += 8) {
        const int np = q1 - q < 8 ? (int)(q1 - q) : 8;
        const __m256i m = lane_mask(np);
        for (int h = 0; h < 2; h++) {
            __m256 r[8];
            for (int c = 0; c < 8; c++) {
                const int ch = h * 8 + c;
                const float *src = xb + ch * HW + q;
                r[c] = ch >= nc ? _mm256_setzero_ps()
                       : np == 8 ? _mm256_loadu_ps(src)
                                 : _mm256_maskload_ps(src, m);
            }
            transpose8(r);
            for (int i = 0; i < np; i++) _mm256_storeu_ps(yb + (q + i) * L + h * 8, r[i]);
        }
    }
}

/* Blocked xb (HW, 16) -> plain yb (nc, HW) for positions [q0, q1); only the
 * halves holding channels are loaded, lanes >= nc dropped at the store. */
static void to_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q += 8) {
        const int np = q1 - q < 8 ? (int)(q1 - q) : 8;
        const __m256i m = lane_mask(np);
        for (int h = 0; h * 8 < nc; h++) {
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = i < np ? _mm256_loadu_ps(xb + (q + i) * L + h * 8) : _mm256_setzero_ps();
            transpose8(r);
            const int nh = nc - h * 8 < 8 ? nc - h * 8 : 8;
            for (int c = 0; c < nh; c++) {
                float *dst = yb + (h * 8 + c) * HW + q;
                if (np == 8)
                    _mm256_storeu_ps(dst, r[c]);
                else
                    _mm256_maskstore_ps(dst, m, r[c]);
            }
        }
    }
}

/* Items of (image, channel block, chunk of positions). */
static void reorder(int64_t N, int64_t C, int64_t HW, const float *x, float *y, int threads,
                    bool to_plain)
{
    const int64_t CB = onr_nchwc_blocks(C);
    const int64_t chunks = threads > 1 ? (HW + REORDER_CHUNK - 1) / REORDER_CHUNK : 1;
    const int64_t chunk = threads > 1 ? REORDER_CHUNK : HW;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t it = 0; it < N * CB * chunks; it++) {
        const int64_t nb = it / chunks, n = nb / CB, c0 = nb % CB * L;
        const int64_t q0 = it % chunks * chunk, q1 = q0 + chunk < HW ? q0 + chunk : HW;
        const int nc = C - c0 < L ? (int)(C - c0) : L;
        if (to_plain)
            to_block(x + nb * HW * L, y + (n * C + c0) * HW, nc, HW, q0, q1);
        else
            from_block(x + (n * C + c0) * HW, y + nb * HW * L, nc, HW, q0, q1);
    }
}

/* x: (N, C, HW) plain  y: (N, CB, HW, 16) */
void onr_nchwc_from_nchw__avx2(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                               int threads)
{
    reorder(N, C, HW, x, y, threads, false);
}

/* x: (N, CB, HW, 16)  y: (N, C, HW) plain; padding lanes of x not read */
void onr_nchwc_to_nchw__avx2(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                             int threads)
{
    reorder(N, C, HW, x, y, threads, true);
}

/* ======================= depthwise ======================= */

enum { G_MAX = 8 }; /* output pixels per group: 8 accumulators hide the FMA latency */

/* The sizes of one depthwise Conv; the fast paths use compile-time KH, KW, S
 * (KH == 0: run-time, read from here). */
struct dw_geom {
    int64_t H, W, OH, OW, KH, KW, SH, SW, DH, DW, pt, pl;
};

/* NP output pixels of one 8-lane half: taps kh in [kh0, kh1), kw in [kw0,
 * kw1) all inside the input. xb, wb, yo point at the half (stride L per
 * pixel / tap); ih = oh*SH - pt, iw = ow*SW - pl of the first pixel. */
INLINE void dw_pixels(const float *xb, int64_t ih, int64_t iw, const float *wb, __m256 vb,
                      int kh0, int kh1, int kw0, int kw1, const struct dw_geom *g,
                      const struct onr_act256 *av, float *yo, const int KH, const int KW,
                      const int S, const int NP)
{
    const int64_t kh_n = KH ? KH : g->KH, kw_n = KW ? KW : g->KW;
    const int64_t sw = KH ? S : g->SW, dh = KH ? 1 : g->DH, dw = KH ? 1 : g->DW;
    __m256 acc[G_MAX];
    UNROLL for (int p = 0; p < NP; p++) acc[p] = vb;
#pragma GCC unroll 5
    for (int64_t kh = 0; kh < kh_n; kh++) {
        if (kh < kh0 || kh >= kh1) continue;
        const float *xr = xb + ((ih + kh * dh) * g->W + iw) * L;
        if (KH && kw0 == 0 && kw1 == KW) {
            /* compile-time taps, whole row: each input vector loaded once for
             * every pixel it reaches (column j meets pixel p at kw = j - p*S,
             * kw ascending with j, so each accumulator's order is kept) */
            __m256 wr[5];
            UNROLL for (int kw = 0; kw < KW; kw++) wr[kw] = _mm256_loadu_ps(wb + (kh * KW + kw) * L);
            UNROLL for (int j = 0; j < (NP - 1) * S + KW; j++) {
                const __m256 v = _mm256_loadu_ps(xr + j * L);
                UNROLL for (int kw = 0; kw < KW; kw++) {
                    const int p = (j - kw) / S;
                    if (j - kw >= 0 && (j - kw) % S == 0 && p < NP)
                        acc[p] = _mm256_fmadd_ps(v, wr[kw], acc[p]);
                }
            }
            continue;
        }
        for (int64_t kw = kw0; kw < kw1; kw++) {
            const __m256 wv = _mm256_loadu_ps(wb + (kh * kw_n + kw) * L);
            UNROLL for (int p = 0; p < NP; p++)
                acc[p] = _mm256_fmadd_ps(_mm256_loadu_ps(xr + (p * sw + kw * dw) * L), wv, acc[p]);
        }
    }
    store_act(av, acc, yo, NP);
}

/* First tap t in [0, n) with base + t*d >= 0; one past the last with
 * base + t*d < lim. */
static inline int tap_lo(int64_t base, int64_t d, int64_t n)
{
    if (base >= 0) return 0;
    const int64_t t = (-base + d - 1) / d;
    return (int)(t < n ? t : n);
}
static inline int tap_hi(int64_t base, int64_t d, int64_t n, int64_t lim)
{
    if (base >= lim) return 0;
    const int64_t t = (lim - 1 - base) / d + 1;
    return (int)(t < n ? t : n);
}

/* Output rows [oh0, oh1) of one block: x (H, W, 16), y (OH, OW, 16); each
 * row's two halves in turn (the row's input stays in L1 for the second). */
INLINE void dw_rows(const struct dw_geom *g, const float *xb, const float *wb, const float *bb,
                    const struct onr_act256 *av, float *yb, int64_t oh0, int64_t oh1,
                    const int KH, const int KW, const int S)
{
    const int64_t kh_n = KH ? KH : g->KH, kw_n = KW ? KW : g->KW;
    const int64_t sh = KH ? S : g->SH, sw = KH ? S : g->SW;
    const int64_t dh = KH ? 1 : g->DH, dw = KH ? 1 : g->DW;
    const int64_t W = g->W, OW = g->OW, pl = g->pl;
    /* columns whose kw taps are all inside the row: [owa, owb) */
    int64_t owa = (pl + sw - 1) / sw, owb = 0;
    if (W - 1 - (kw_n - 1) * dw + pl >= 0) owb = (W - 1 - (kw_n - 1) * dw + pl) / sw + 1;
    if (owa > OW) owa = OW;
    if (owb > OW) owb = OW;
    if (owb < owa) owb = owa;
    const __m256 vbs[2] = {_mm256_loadu_ps(bb), _mm256_loadu_ps(bb + 8)};
    for (int64_t oh = oh0; oh < oh1; oh++) {
        const int64_t ih = oh * sh - g->pt;
        const int kh0 = tap_lo(ih, dh, kh_n), kh1 = tap_hi(ih, dh, kh_n, g->H);
        for (int h = 0; h < 2; h++) {
            const float *xh = xb + h * 8, *wh = wb + h * 8;
            const __m256 vb = vbs[h];
            float *yr = yb + oh * OW * L + h * 8;
            for (int64_t ow = 0; ow < owa; ow++) {
                const int64_t iw = ow * sw - pl;
                dw_pixels(xh, ih, iw, wh, vb, kh0, kh1, tap_lo(iw, dw, kw_n),
                          tap_hi(iw, dw, kw_n, W), g, av, yr + ow * L, KH, KW, S, 1);
            }
            int64_t ow = owa;
            for (; ow + G_MAX <= owb; ow += G_MAX)
                dw_pixels(xh, ih, ow * sw - pl, wh, vb, kh0, kh1, 0, (int)kw_n, g, av,
                          yr + ow * L, KH, KW, S, G_MAX);
            const int64_t iw = ow * sw - pl;
            float *yo = yr + ow * L;
#define GROUP(NP)                                                                            \
    case NP: dw_pixels(xh, ih, iw, wh, vb, kh0, kh1, 0, (int)kw_n, g, av, yo, KH, KW, S, NP); break;
            switch (owb - ow) {
                GROUP(1) GROUP(2) GROUP(3) GROUP(4) GROUP(5) GROUP(6) GROUP(7)
            default: break;
            }
#undef GROUP
            for (ow = owb; ow < OW; ow++) {
                const int64_t iwb = ow * sw - pl;
                dw_pixels(xh, ih, iwb, wh, vb, kh0, kh1, tap_lo(iwb, dw, kw_n),
                          tap_hi(iwb, dw, kw_n, W), g, av, yr + ow * L, KH, KW, S, 1);
            }
        }
    }
}

typedef void (*dw_rows_fn)(const struct dw_geom *g, const float *xb, const float *wb,
                           const float *bb, const struct onr_act256 *av, float *yb, int64_t oh0,
                           int64_t oh1);
#define DEFINE_DW_ROWS(NAME, KH, KW, S)                                                      \
    static void NAME(const struct dw_geom *g, const float *xb, const float *wb,              \
                     const float *bb, const struct onr_act256 *av, float *yb, int64_t oh0,   \
                     int64_t oh1)                                                            \
    {                                                                                        \
        dw_rows(g, xb, wb, bb, av, yb, oh0, oh1, KH, KW, S);                                 \
    }
DEFINE_DW_ROWS(dw_rows_3x3s1, 3, 3, 1)
DEFINE_DW_ROWS(dw_rows_3x3s2, 3, 3, 2)
DEFINE_DW_ROWS(dw_rows_5x5s1, 5, 5, 1)
DEFINE_DW_ROWS(dw_rows_5x5s2, 5, 5, 2)
DEFINE_DW_ROWS(dw_rows_any, 0, 0, 0)

static dw_rows_fn pick_dw_rows(const struct onr_conv_shape *s)
{
    if (s->KH != s->KW || s->stride_h != s->stride_w || s->dil_h != 1 || s->dil_w != 1)
        return dw_rows_any;
    if (s->KH == 3 && s->stride_h == 1) return dw_rows_3x3s1;
    if (s->KH == 3 && s->stride_h == 2) return dw_rows_3x3s2;
    if (s->KH == 5 && s->stride_h == 1) return dw_rows_5x5s1;
    if (s->KH == 5 && s->stride_h == 2) return dw_rows_5x5s2;
    return dw_rows_any;
}

/* x: (N, CB, H, W, 16)  wp: (CB, KH, KW, 16)  bp: (CB, 16)  y: (N, CB, OH, OW, 16)
 * Threads split (image, channel block, band of output rows) items. */
void onr_nchwc_dwconv_f32__avx2(const struct onr_conv_shape *s, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads)
{
    const struct dw_geom g = {s->H,  s->W,  s->OH,       s->OW,       s->KH,    s->KW,
                              s->stride_h, s->stride_w, s->dil_h, s->dil_w, s->pad_top,
                              s->pad_left};
    const struct onr_act256 av = onr_act256_make(act);
    const dw_rows_fn fn = pick_dw_rows(s);
    const int64_t CB = onr_nchwc_blocks(s->C), NB = s->N * CB, OH = s->OH;
    if (NB <= 0 || OH <= 0 || s->OW <= 0) return;
    if (threads <= 1) { /* no parallel region: it costs as much as a small block */
        for (int64_t nb = 0; nb < NB; nb++)
            fn(&g, x + nb * s->H * s->W * L, wp + nb % CB * s->KH * s->KW * L, bp + nb % CB * L,
               &av, y + nb * OH * s->OW * L, 0, OH);
        return;
    }
    /* bands of output rows: at least ~8 items per thread when N * CB is small */
    int64_t bands = (8 * (int64_t)threads + NB - 1) / NB;
    if (bands > OH) bands = OH;
    const int64_t band_rows = (OH + bands - 1) / bands;
    bands = (OH + band_rows - 1) / band_rows;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t it = 0; it < NB * bands; it++) {
        const int64_t nb = it / bands, cb = nb % CB, oh0 = it % bands * band_rows;
        const int64_t oh1 = oh0 + band_rows < OH ? oh0 + band_rows : OH;
        fn(&g, x + nb * s->H * s->W * L, wp + cb * s->KH * s->KW * L, bp + cb * L, &av,
           y + nb * OH * s->OW * L, oh0, oh1);
    }
}

/* ======================= pointwise ======================= */

#define PW_P 6 /* pixels per tile: 12 accumulators + 2 weights + 1 broadcast */

/* One tile: P pixels x one output block (two halves). x: the image at
 * block 0, first pixel  g: the image's gates (GATED only)  w, b: the
 * block's packed weights and bias  r, y: at (block, first pixel). Gated,
 * the block's weights of channel c are scaled by g[c] once for the tile. */
INLINE void pw_tile(int64_t C, int64_t HW, const float *x, const float *g, const float *w,
                    const float *b, const float *r, float *y, const struct onr_act256 *av,
                    const int P, const bool GATED)
{
    __m256 a0[PW_P], a1[PW_P];
    UNROLL for (int p = 0; p < P; p++) a0[p] = a1[p] = _mm256_setzero_ps();
    const int64_t bs = HW * L;
    for (int64_t c0 = 0; c0 < C; c0 += L) {
        const float *xc = x + c0 / L * bs, *wc = w + c0 * L;
        const int64_t nl = C - c0 < L ? C - c0 : L;
        for (int64_t l = 0; l < nl; l++) {
            __m256 w0 = _mm256_loadu_ps(wc + l * L), w1 = _mm256_loadu_ps(wc + l * L + 8);
            if (GATED) {
                const __m256 gv = _mm256_broadcast_ss(g + c0 + l);
                w0 = _mm256_mul_ps(gv, w0);
                w1 = _mm256_mul_ps(gv, w1);
            }
            UNROLL for (int p = 0; p < P; p++) {
                const __m256 xv = _mm256_broadcast_ss(xc + p * L + l);
                a0[p] = _mm256_fmadd_ps(w0, xv, a0[p]);
                a1[p] = _mm256_fmadd_ps(w1, xv, a1[p]);
            }
        }
    }
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    UNROLL for (int p = 0; p < P; p++) {
        a0[p] = _mm256_add_ps(a0[p], b0);
        a1[p] = _mm256_add_ps(a1[p], b1);
        if (r) {
            a0[p] = _mm256_add_ps(a0[p], _mm256_loadu_ps(r + p * L));
            a1[p] = _mm256_add_ps(a1[p], _mm256_loadu_ps(r + p * L + 8));
        }
    }
    store_act(av, a0, y, P);
    store_act(av, a1, y + 8, P);
}

typedef void (*pw_tile_fn)(int64_t C, int64_t HW, const float *x, const float *g, const float *w,
                           const float *b, const float *r, float *y, const struct onr_act256 *av);
#define DEF_PW_TILE(P)                                                                      \
    static void pw_tile_##P(int64_t C, int64_t HW, const float *x, const float *g,          \
                            const float *w, const float *b, const float *r, float *y,       \
                            const struct onr_act256 *av)                                    \
    {                                                                                       \
        pw_tile(C, HW, x, g, w, b, r, y, av, P, false);                                     \
    }                                                                                       \
    static void pw_gtile_##P(int64_t C, int64_t HW, const float *x, const float *g,         \
                             const float *w, const float *b, const float *r, float *y,      \
                             const struct onr_act256 *av)                                   \
    {                                                                                       \
        pw_tile(C, HW, x, g, w, b, r, y, av, P, true);                                      \
    }
DEF_PW_TILE(1)
DEF_PW_TILE(2)
DEF_PW_TILE(3)
DEF_PW_TILE(4)
DEF_PW_TILE(5)
DEF_PW_TILE(6)
/* pw_tiles[gated][P - 1] */
static const pw_tile_fn pw_tiles[2][PW_P] = {
    {pw_tile_1, pw_tile_2, pw_tile_3, pw_tile_4, pw_tile_5, pw_tile_6},
    {pw_gtile_1, pw_gtile_2, pw_gtile_3, pw_gtile_4, pw_gtile_5, pw_gtile_6}};

/* 16 lanes (v0, v1) to y, only the first n (1..16) of them. */
INLINE void store16(float *y, __m256 v0, __m256 v1, int n)
{
    if (n >= 16) {
        _mm256_storeu_ps(y, v0);
        _mm256_storeu_ps(y + 8, v1);
    } else if (n >= 8) {
        _mm256_storeu_ps(y, v0);
        if (n > 8) _mm256_maskstore_ps(y + 8, lane_mask(n - 8), v1);
    } else {
        _mm256_maskstore_ps(y, lane_mask(n), v0);
    }
}

/* OB output blocks of one image with HW == 1, x[c] channel c (blocked or
 * plain alike): one FMA chain per vector over c ascending, the same sums as
 * a tile; OB weight streams read once. The last block stores `last` lanes. */
INLINE void vec_group(int64_t C, const float *x, const float *g, const float *w, const float *b,
                      const float *r, float *y, const struct onr_act256 *av, int last,
                      const int OB, const bool GATED)
{
    __m256 acc[4][2];
    UNROLL for (int o = 0; o < OB; o++) acc[o][0] = acc[o][1] = _mm256_setzero_ps();
    const int64_t ws = C * L;
    for (int64_t c = 0; c < C; c++) {
        const __m256 xv = _mm256_broadcast_ss(x + c);
        const __m256 gv = GATED ? _mm256_broadcast_ss(g + c) : xv;
        UNROLL for (int o = 0; o < OB; o++) UNROLL for (int h = 0; h < 2; h++) {
            __m256 wv = _mm256_loadu_ps(w + o * ws + c * L + h * 8);
            if (GATED) wv = _mm256_mul_ps(gv, wv);
            acc[o][h] = _mm256_fmadd_ps(wv, xv, acc[o][h]);
        }
    }
    UNROLL for (int o = 0; o < OB; o++) {
        __m256 v[2];
        UNROLL for (int h = 0; h < 2; h++) {
            v[h] = _mm256_add_ps(acc[o][h], _mm256_loadu_ps(b + o * L + h * 8));
            if (r) v[h] = _mm256_add_ps(v[h], _mm256_loadu_ps(r + o * L + h * 8));
            v[h] = onr_act256_apply(av, v[h]);
        }
        store16(y + o * L, v[0], v[1], o == OB - 1 ? last : L);
    }
}

typedef void (*vec_fn)(int64_t C, const float *x, const float *g, const float *w, const float *b,
                       const float *r, float *y, const struct onr_act256 *av, int last);
#define DEF_VEC(OB)                                                                         \
    static void vec_##OB(int64_t C, const float *x, const float *g, const float *w,         \
                         const float *b, const float *r, float *y,                          \
                         const struct onr_act256 *av, int last)                             \
    {                                                                                       \
        vec_group(C, x, g, w, b, r, y, av, last, OB, false);                                \
    }                                                                                       \
    static void gvec_##OB(int64_t C, const float *x, const float *g, const float *w,        \
                          const float *b, const float *r, float *y,                         \
                          const struct onr_act256 *av, int last)                            \
    {                                                                                       \
        vec_group(C, x, g, w, b, r, y, av, last, OB, true);                                 \
    }
DEF_VEC(1)
DEF_VEC(2)
DEF_VEC(3)
DEF_VEC(4)
static const vec_fn vecs[2][5] = {{0, vec_1, vec_2, vec_3, vec_4},
                                  {0, gvec_1, gvec_2, gvec_3, gvec_4}};

/* HW == 1: x[n * xs + c] channel c, y at y + n * ys, the final block of
 * each image storing `last` lanes. Each thread takes one contiguous range of
 * output blocks, whose weights it streams once per image. */
static void matvec(int64_t N, int64_t C, int64_t OC, const float *x, int64_t xs, const float *g,
                   int64_t g_stride, const float *wp, const float *bp, const float *r,
                   const struct onr_activation *act, float *y, int64_t ys, int last,
                   int threads)
{
    const int64_t OCB = onr_nchwc_blocks(OC);
    /* below ~64 KB of weights a fork costs more than it saves */
    int64_t T = N * OCB * C * L >= (1 << 14) ? threads : 1;
    if (T > OCB) T = OCB;
    if (T < 1) T = 1;
    const struct onr_act256 av = onr_act256_make(act);
    const vec_fn *vf = vecs[g != NULL];
#pragma omp parallel for schedule(static) num_threads((int)T) if (T > 1)
    for (int64_t t = 0; t < T; t++) {
        const int64_t ob0 = OCB * t / T, ob1 = OCB * (t + 1) / T;
        for (int64_t n = 0; n < N; n++)
            for (int64_t ob = ob0; ob < ob1; ob += 4) {
                const int OB = ob1 - ob < 4 ? (int)(ob1 - ob) : 4;
                vf[OB](C, x + n * xs, g ? g + n * g_stride : NULL, wp + ob * C * L, bp + ob * L,
                       r ? r + n * ys + ob * L : NULL, y + n * ys + ob * L, &av,
                       ob + OB == OCB ? last : L);
            }
    }
}

/* x: (N, CB, HW, 16)  g: (N or 1, CB * 16) or NULL  wp: (OCB, C, 16)
 * bp: (OCB * 16)  r, y: (N, OCB, HW, 16)
 * Items: (image, pixel chunk, group of output blocks). A chunk's input
 * (about 16 KB) stays in L1 while every block of the group runs over it. */
static void pwconv(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x, const float *g,
                   int64_t g_stride, const float *wp, const float *bp, const float *r,
                   const struct onr_activation *act, float *y, int threads)
{
    if (N < 1 || C < 1 || OC < 1 || HW < 1) return;
    const int64_t CB = onr_nchwc_blocks(C), OCB = onr_nchwc_blocks(OC);
    if (HW == 1) {
        matvec(N, C, OC, x, CB * L, g, g_stride, wp, bp, r, act, y, OCB * L, L, threads);
        return;
    }
    int64_t plen = 256 / CB / PW_P * PW_P; /* 16 KB of input: 256 pixel lines of 64 bytes */
    if (plen < PW_P) plen = PW_P;
    const int64_t pc = (HW + plen - 1) / plen;
    /* split the output blocks too when there are few items for the threads */
    int64_t ngr = 1;
    if (threads > 1 && N * pc < 4 * (int64_t)threads) {
        ngr = (4 * (int64_t)threads + N * pc - 1) / (N * pc);
        if (ngr > OCB) ngr = OCB;
    }
    const int64_t items = N * pc * ngr;
    /* below ~1e5 multiply-adds a fork costs more than it saves */
    const bool par = threads > 1 && items > 1 && N * OC * C * HW >= (1 << 17);
    const struct onr_act256 av = onr_act256_make(act);
    const pw_tile_fn *tf = pw_tiles[g != NULL];
    (void)par;
#pragma omp parallel for schedule(static) num_threads(threads) if (par)
    for (int64_t i = 0; i < items; i++) {
        const int64_t n = i / (pc * ngr), k = i / ngr % pc, gi = i % ngr;
        const int64_t p0 = HW * k / pc, p1 = HW * (k + 1) / pc;
        const int64_t ob0 = OCB * gi / ngr, ob1 = OCB * (gi + 1) / ngr;
        const float *xn = x + n * CB * HW * L, *gn = g ? g + n * g_stride : NULL;
        /* pixels spread evenly over the fewest tiles of at most PW_P */
        const int64_t len = p1 - p0, nt = (len + PW_P - 1) / PW_P;
        for (int64_t ob = ob0; ob < ob1; ob++) {
            const int64_t yo = (n * OCB + ob) * HW * L;
            int64_t p = p0;
            for (int64_t t = 0; t < nt; t++) {
                const int64_t np = len / nt + (t < len % nt);
                tf[np - 1](C, HW, xn + p * L, gn, wp + ob * C * L, bp + ob * L,
                           r ? r + yo + p * L : NULL, y + yo + p * L, &av);
                p += np;
            }
        }
    }
}

void onr_nchwc_pw_rows_f32__avx2(int64_t C, int64_t OC, int64_t P, const float *x, int64_t x_bs,
                                 const float *wp, const float *bp, const float *r,
                                 const struct onr_activation *act, float *y, int64_t y_bs)
{
    if (C < 1 || OC < 1 || P < 1) return;
    const struct onr_act256 av = onr_act256_make(act);
    const int64_t OCB = onr_nchwc_blocks(OC), nt = (P + PW_P - 1) / PW_P;
    for (int64_t ob = 0; ob < OCB; ob++) {
        int64_t p = 0;
        for (int64_t t = 0; t < nt; t++) {
            const int64_t np = P / nt + (t < P % nt);
            /* a tile's x block stride is its HW * 16 */
            pw_tiles[0][np - 1](C, x_bs / L, x + p * L, NULL, wp + ob * C * L, bp + ob * L,
                                r ? r + ob * y_bs + p * L : NULL, y + ob * y_bs + p * L, &av);
            p += np;
        }
    }
}

void onr_nchwc_pwconv_f32__avx2(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                const float *wp, const float *bp, const float *r,
                                const struct onr_activation *act, float *y, int threads)
{
    pwconv(N, C, OC, HW, x, NULL, 0, wp, bp, r, act, y, threads);
}

void onr_nchwc_pwconv_gated_f32__avx2(int64_t N, int64_t C, int64_t OC, int64_t HW,
                                      const float *x, const float *g, int64_t g_stride,
                                      const float *wp, const float *bp, const float *r,
                                      const struct onr_activation *act, float *y, int threads)
{
    pwconv(N, C, OC, HW, x, g, g_stride, wp, bp, r, act, y, threads);
}

/* x: (C) plain  wp: (OCB, C, 16)  bp: (OCB * 16)  y: (OC) plain, its last
 * partial block stored masked. */
void onr_nchwc_gemv_f32__avx2(int64_t C, int64_t OC, const float *x, const float *wp,
                              const float *bp, const struct onr_activation *act, float *y,
                              int threads)
{
    if (C < 1 || OC < 1) return;
    matvec(1, C, OC, x, 0, NULL, 0, wp, bp, NULL, act, y, 0, OC % L ? (int)(OC % L) : L,
           threads);
}

/* ======================= dense stem Conv ======================= */

#define CV_P 6 /* pixels per interior tile: 12 accumulators + 2 weights + 1 broadcast */

struct cv_row {
    const struct onr_conv_shape *s;
    const float *x;     /* image n */
    const float *w, *b; /* the output block's packed weights and bias */
    int kh[16];         /* kernel rows inside the image, ascending */
    int64_t ih[16];     /* their input rows */
    int nkh;
    const struct onr_act256 *av;
};

/* P pixels from ow, all taps inside the row; SW > 0: column stride (and
 * dilation 1) at compile time, SW == 0: run-time; KW3: a 3-wide kernel,
 * its tap loop unrolled (a run-time loop of 3 cost a third of the time). */
INLINE void cv_tile(const int P, const int SW, const int KW3, const struct cv_row *r, int64_t ow,
                    float *y)
{
    const struct onr_conv_shape *s = r->s;
    const int64_t sw = SW > 0 ? SW : s->stride_w, dw = SW > 0 ? 1 : s->dil_w;
    const int64_t KW = KW3 ? 3 : s->KW;
    __m256 a0[CV_P], a1[CV_P];
    const __m256 b0 = _mm256_loadu_ps(r->b), b1 = _mm256_loadu_ps(r->b + 8);
    UNROLL for (int p = 0; p < P; p++) a0[p] = b0, a1[p] = b1;
    for (int64_t c = 0; c < s->C; c++)
        for (int k = 0; k < r->nkh; k++) {
            const float *xr = r->x + (c * s->H + r->ih[k]) * s->W + ow * sw - s->pad_left;
            const float *wr = r->w + ((c * s->KH + r->kh[k]) * KW) * L;
            for (int64_t kw = 0; kw < KW; kw++) {
                const __m256 w0 = _mm256_loadu_ps(wr + kw * L), w1 = _mm256_loadu_ps(wr + kw * L + 8);
                UNROLL for (int p = 0; p < P; p++) {
                    const __m256 xv = _mm256_broadcast_ss(xr + p * sw + kw * dw);
                    a0[p] = _mm256_fmadd_ps(xv, w0, a0[p]);
                    a1[p] = _mm256_fmadd_ps(xv, w1, a1[p]);
                }
            }
        }
    store_act(r->av, a0, y, P);
    store_act(r->av, a1, y + 8, P);
}

/* One pixel whose taps may leave the row: those are skipped. */
static void cv_border(const struct cv_row *r, int64_t ow, float *y)
{
    const struct onr_conv_shape *s = r->s;
    __m256 a[2] = {_mm256_loadu_ps(r->b), _mm256_loadu_ps(r->b + 8)};
    for (int64_t c = 0; c < s->C; c++)
        for (int k = 0; k < r->nkh; k++) {
            const float *xr = r->x + (c * s->H + r->ih[k]) * s->W;
            const float *wr = r->w + ((c * s->KH + r->kh[k]) * s->KW) * L;
            for (int64_t kw = 0; kw < s->KW; kw++) {
                const int64_t iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
                if (iw < 0 || iw >= s->W) continue;
                const __m256 xv = _mm256_broadcast_ss(xr + iw);
                a[0] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wr + kw * L), a[0]);
                a[1] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wr + kw * L + 8), a[1]);
            }
        }
    _mm256_storeu_ps(y, onr_act256_apply(r->av, a[0]));
    _mm256_storeu_ps(y + 8, onr_act256_apply(r->av, a[1]));
}

typedef void (*cv_tile_fn)(const struct cv_row *r, int64_t ow, float *y);
#define DEF_CV_TILE(P)                                                                      \
    static void cv_tile_##P(const struct cv_row *r, int64_t ow, float *y)                   \
    {                                                                                       \
        const bool d1 = r->s->dil_w == 1, k3 = r->s->KW == 3;                               \
        if (d1 && r->s->stride_w == 2 && k3) cv_tile(P, 2, 1, r, ow, y);                     \
        else if (d1 && r->s->stride_w == 2) cv_tile(P, 2, 0, r, ow, y);                      \
        else if (d1 && r->s->stride_w == 1 && k3) cv_tile(P, 1, 1, r, ow, y);                \
        else if (d1 && r->s->stride_w == 1) cv_tile(P, 1, 0, r, ow, y);                      \
        else cv_tile(P, 0, 0, r, ow, y);                                                     \
    }
DEF_CV_TILE(1)
DEF_CV_TILE(2)
DEF_CV_TILE(3)
DEF_CV_TILE(4)
DEF_CV_TILE(5)
DEF_CV_TILE(6)
static const cv_tile_fn cv_tiles[CV_P] = {cv_tile_1, cv_tile_2, cv_tile_3,
                                          cv_tile_4, cv_tile_5, cv_tile_6};

/* Interior columns [lo, hi) of a row: every tap inside it. */
static void cv_interior(const struct onr_conv_shape *s, int64_t *lo_out, int64_t *hi_out)
{
    const int64_t sw = s->stride_w, reach = (s->KW - 1) * s->dil_w;
    int64_t lo = (s->pad_left + sw - 1) / sw;
    const int64_t last = s->W - 1 - reach + s->pad_left; /* ow * sw <= last */
    int64_t hi = last < 0 ? 0 : last / sw + 1;
    if (hi > s->OW) hi = s->OW;
    if (lo > hi) lo = hi;
    *lo_out = lo;
    *hi_out = hi;
}

/* Output row oh of image n, output block ob. */
static void cv_one_row(const struct onr_conv_shape *s, const struct onr_act256 *av,
                       const float *x, const float *wp, const float *bp, float *y, int64_t lo,
                       int64_t hi, int64_t n, int64_t ob, int64_t oh)
{
    const int64_t OCB = onr_nchwc_blocks(s->OC), taps = s->C * s->KH * s->KW;
    struct cv_row r = {.s = s, .x = x + n * s->C * s->H * s->W, .w = wp + ob * taps * L,
                       .b = bp + ob * L, .av = av};
    for (int kh = 0; kh < s->KH; kh++) {
        const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
        if (ih < 0 || ih >= s->H) continue;
        r.kh[r.nkh] = kh;
        r.ih[r.nkh++] = ih;
    }
    float *yr = y + ((n * OCB + ob) * s->OH + oh) * s->OW * L;
    for (int64_t ow = 0; ow < lo; ow++) cv_border(&r, ow, yr + ow * L);
    int64_t ow = lo;
    for (; ow + CV_P <= hi; ow += CV_P) cv_tiles[CV_P - 1](&r, ow, yr + ow * L);
    if (ow < hi) cv_tiles[hi - ow - 1](&r, ow, yr + ow * L);
    for (ow = hi; ow < s->OW; ow++) cv_border(&r, ow, yr + ow * L);
}

/* x: (N, C, H, W) plain  wp: (OCB, C, KH, KW, 16)  y: (N, OCB, OH, OW, 16)
 * Items: (image, output block, output row). */
void onr_nchwc_conv_f32__avx2(const struct onr_conv_shape *s, const float *x, const float *wp,
                              const float *bp, const struct onr_activation *act, float *y,
                              int threads)
{
    if (s->KH > 16) { /* the row's kernel-row list is fixed-size */
        onr_nchwc_conv_f32__scalar(s, x, wp, bp, act, y, threads);
        return;
    }
    const struct onr_act256 av = onr_act256_make(act);
    const int64_t OCB = onr_nchwc_blocks(s->OC), items = s->N * OCB * s->OH;
    int64_t lo, hi;
    cv_interior(s, &lo, &hi);
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && items > 1)
    for (int64_t it = 0; it < items; it++)
        cv_one_row(s, &av, x, wp, bp, y, lo, hi, it / (OCB * s->OH), it / s->OH % OCB,
                   it % s->OH);
}

void onr_nchwc_conv_rows_f32__avx2(const struct onr_conv_shape *s, const float *x,
                                   const float *wp, const float *bp,
                                   const struct onr_activation *act, float *y, int64_t oh0,
                                   int64_t oh1)
{
    if (s->KH > 16) {
        onr_nchwc_conv_rows_f32__scalar(s, x, wp, bp, act, y, oh0, oh1);
        return;
    }
    const struct onr_act256 av = onr_act256_make(act);
    const int64_t OCB = onr_nchwc_blocks(s->OC);
    int64_t lo, hi;
    cv_interior(s, &lo, &hi);
    for (int64_t n = 0; n < s->N; n++)
        for (int64_t ob = 0; ob < OCB; ob++)
            for (int64_t oh = oh0; oh < oh1; oh++)
                cv_one_row(s, &av, x, wp, bp, y, lo, hi, n, ob, oh);
}
