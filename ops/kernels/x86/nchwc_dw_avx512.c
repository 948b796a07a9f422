/* AVX-512 (F, DQ, BW, VL) kernels for the channel-blocked layout NCHW16c
 * (nchwc.h): the plain <-> blocked reorders (16x16 transposes in
 * registers) and the depthwise Conv.
 *
 * In the blocked layout one pixel of a 16-channel block is one vector, so
 * a depthwise output pixel is bias + one FMA per tap, with no shuffles.
 * Per output row the valid kernel rows are found once; the columns whose
 * taps are all inside the row run in groups of up to 8 pixels (12 for 5x5;
 * at least 8 independent accumulators hide the FMA latency), the border
 * columns one pixel at a time with their valid kw range. 3x3 and 5x5 with
 * stride 1 or 2 and dilation 1 get compile-time tap loops that load each
 * input vector once per kernel row for all the pixels it reaches; every
 * other shape runs the same code with run-time sizes. One thread runs
 * without a parallel region (its cost shows on 7x7 planes).
 *
 * Order per output: bias, then taps in (kh, kw) order, padding taps
 * skipped; one FMA each. Threads split (image, channel block, band of
 * output rows) items; a row's arithmetic does not depend on the banding,
 * so results do not depend on the thread count. */
#include <immintrin.h>
#include <stdbool.h>
#include <stdint.h>

#include "../nchwc.h"
#include "act_avx512.h"
#include "transpose_avx512.h"

enum { L = ONR_NCHWC_LANES };


/* Flat positions per reorder work item: enough items for the threads when
 * N * CB is small, long enough runs to stream. */
enum { REORDER_CHUNK = 1024 };

/* Flat positions [q0, q1) of one block of nc channels: plain xb (nc, HW)
 * -> blocked yb (HW, 16), zeros in lanes nc..15. */
static void from_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q += 16) {
        const int np = q1 - q < 16 ? (int)(q1 - q) : 16;
        const __mmask16 m = (__mmask16)((1u << np) - 1u);
        __m512 r[16];
        for (int c = 0; c < 16; c++)
            r[c] = c < nc ? _mm512_maskz_loadu_ps(m, xb + c * HW + q) : _mm512_setzero_ps();
        onr_transpose16_avx512(r);
        for (int i = 0; i < np; i++) _mm512_storeu_ps(yb + (q + i) * L, r[i]);
    }
}

/* Blocked xb (HW, 16) -> plain yb (nc, HW) for positions [q0, q1); lanes
 * nc..15 are loaded, then dropped by the masked stores. */
static void to_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q += 16) {
        const int np = q1 - q < 16 ? (int)(q1 - q) : 16;
        const __mmask16 m = (__mmask16)((1u << np) - 1u);
        __m512 r[16];
        for (int i = 0; i < 16; i++)
            r[i] = i < np ? _mm512_loadu_ps(xb + (q + i) * L) : _mm512_setzero_ps();
        onr_transpose16_avx512(r);
        for (int c = 0; c < nc; c++) _mm512_mask_storeu_ps(yb + c * HW + q, m, r[c]);
    }
}

/* Both directions: items of (image, channel block, chunk of positions);
 * one thread runs them without a parallel region. */
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
void onr_nchwc_from_nchw__avx512(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                                 int threads)
{
    reorder(N, C, HW, x, y, threads, false);
}

/* x: (N, CB, HW, 16)  y: (N, C, HW) plain; padding lanes of x not read */
void onr_nchwc_to_nchw__avx512(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                               int threads)
{
    reorder(N, C, HW, x, y, threads, true);
}

/* Most output pixels per group: accumulators + one kernel row of weights
 * + the input vectors in flight fit the 32 registers. */
enum { G_MAX = 12 };

/* The sizes of one depthwise Conv, compile-time constants in the fast
 * paths (K == 0 there means "run-time, read from here"). */
struct dw_geom {
    int64_t H, W, OH, OW, KH, KW, SH, SW, DH, DW, pt, pl;
};

/* act(acc[p]) to yo[p], the activation picked once per group rather than
 * per vector (each case sees a constant kind, so its switch folds away). */
static inline __attribute__((always_inline)) void store_act(const struct onr_act512 *av,
                                                           const __m512 *acc, float *yo,
                                                           const int NP)
{
#define STORE_ACT(KIND)                                                                      \
    case KIND: {                                                                             \
        struct onr_act512 a = *av;                                                           \
        a.kind = KIND;                                                                       \
        _Pragma("GCC unroll 16") for (int p = 0; p < NP; p++)                                \
            _mm512_storeu_ps(yo + p * L, onr_act512_apply(&a, acc[p]));                      \
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

/* NP output pixels (oh, ow..ow+NP-1) of one block: taps kh in [kh0, kh1),
 * kw in [kw0, kw1) all inside the input. xr: input row ih = oh*SH - pt
 * (not dereferenced outside the valid taps), column iw = ow*SW - pl. */
static inline __attribute__((always_inline)) void
pixels(const float *xb, int64_t ih, int64_t iw, const float *wb, __m512 vb, int kh0, int kh1,
       int kw0, int kw1, const struct dw_geom *g, const struct onr_act512 *av, float *yo,
       const int KH, const int KW, const int S, const int NP)
{
    const int64_t kh_n = KH ? KH : g->KH, kw_n = KW ? KW : g->KW;
    const int64_t sw = KH ? S : g->SW, dh = KH ? 1 : g->DH, dw = KH ? 1 : g->DW;
    __m512 acc[G_MAX];
#pragma GCC unroll 16
    for (int p = 0; p < NP; p++) acc[p] = vb;
#pragma GCC unroll 5
    for (int64_t kh = 0; kh < kh_n; kh++) {
        if (kh < kh0 || kh >= kh1) continue;
        const float *xr = xb + ((ih + kh * dh) * g->W + iw) * L;
        if (KH && kw0 == 0 && kw1 == KW) {
            /* compile-time taps, whole row: each input vector loaded once
             * and used by every output pixel it reaches (input column j
             * meets pixel p at tap kw = j - p*S, kw ascending with j) */
            __m512 wr[8]; /* the fast paths have KW <= 5 */
#pragma GCC unroll 16
            for (int kw = 0; kw < KW; kw++) wr[kw] = _mm512_loadu_ps(wb + (kh * KW + kw) * L);
#pragma GCC unroll 16
            for (int j = 0; j < (NP - 1) * S + KW; j++) {
                const __m512 v = _mm512_loadu_ps(xr + j * L);
#pragma GCC unroll 16
                for (int kw = 0; kw < KW; kw++) {
                    const int p = (j - kw) / S;
                    if (j - kw >= 0 && (j - kw) % S == 0 && p < NP)
                        acc[p] = _mm512_fmadd_ps(v, wr[kw], acc[p]);
                }
            }
            continue;
        }
        for (int64_t kw = 0; kw < kw_n; kw++) {
            if (kw < kw0 || kw >= kw1) continue;
            const __m512 wv = _mm512_loadu_ps(wb + (kh * kw_n + kw) * L);
#pragma GCC unroll 16
            for (int p = 0; p < NP; p++)
                acc[p] = _mm512_fmadd_ps(_mm512_loadu_ps(xr + (p * sw + kw * dw) * L), wv, acc[p]);
        }
    }
    store_act(av, acc, yo, NP);
}

/* First kernel tap index t in [0, n) with base + t*d >= 0, and one past the
 * last with base + t*d < lim. */
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

/* Output rows [oh0, oh1) of one block: x (H, W, 16), y (OH, OW, 16). */
static inline __attribute__((always_inline)) void
rows(const struct dw_geom *g, const float *xb, const float *wb, __m512 vb,
     const struct onr_act512 *av, float *yb, int64_t oh0, int64_t oh1, const int KH,
     const int KW, const int S)
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
    for (int64_t oh = oh0; oh < oh1; oh++) {
        const int64_t ih = oh * sh - g->pt;
        const int kh0 = tap_lo(ih, dh, kh_n), kh1 = tap_hi(ih, dh, kh_n, g->H);
        float *yr = yb + oh * OW * L;
        for (int64_t ow = 0; ow < owa; ow++) {
            const int64_t iw = ow * sw - pl;
            pixels(xb, ih, iw, wb, vb, kh0, kh1, tap_lo(iw, dw, kw_n), tap_hi(iw, dw, kw_n, W),
                   g, av, yr + ow * L, KH, KW, S, 1);
        }
        /* interior: 5x5 in ceil(n / 12) groups of near-equal size (14
         * columns: one group of 12, not 8 + 4); others in groups of 8 and a
         * tail, which measured faster for 3x3 */
        const int64_t n = owb - owa, ng = KH == 5 ? (n + G_MAX - 1) / G_MAX : 0;
        int64_t ow = owa;
#define GROUP(NP)                                                                            \
    case NP: pixels(xb, ih, iw, wb, vb, kh0, kh1, 0, (int)kw_n, g, av, yo, KH, KW, S, NP); break;
        for (int64_t q = 0; q < ng; q++) {
            const int np = (int)(n / ng + (q < n % ng));
            const int64_t iw = ow * sw - pl;
            float *yo = yr + ow * L;
            switch (np) {
                GROUP(1) GROUP(2) GROUP(3) GROUP(4) GROUP(5) GROUP(6) GROUP(7) GROUP(8)
                GROUP(9) GROUP(10) GROUP(11) GROUP(12)
            default: break;
            }
            ow += np;
        }
        if (KH != 5) {
            for (; ow + 8 <= owb; ow += 8)
                pixels(xb, ih, ow * sw - pl, wb, vb, kh0, kh1, 0, (int)kw_n, g, av, yr + ow * L,
                       KH, KW, S, 8);
            const int64_t iw = ow * sw - pl;
            float *yo = yr + ow * L;
            switch (owb - ow) {
                GROUP(1) GROUP(2) GROUP(3) GROUP(4) GROUP(5) GROUP(6) GROUP(7)
            default: break;
            }
        }
#undef GROUP
        for (ow = owb; ow < OW; ow++) {
            const int64_t iwb = ow * sw - pl;
            pixels(xb, ih, iwb, wb, vb, kh0, kh1, tap_lo(iwb, dw, kw_n),
                   tap_hi(iwb, dw, kw_n, W), g, av, yr + ow * L, KH, KW, S, 1);
        }
    }
}

typedef void (*rows_fn)(const struct dw_geom *g, const float *xb, const float *wb, __m512 vb,
                        const struct onr_act512 *av, float *yb, int64_t oh0, int64_t oh1);

#define DEFINE_ROWS(NAME, KH, KW, S)                                                         \
    static void NAME(const struct dw_geom *g, const float *xb, const float *wb, __m512 vb,   \
                     const struct onr_act512 *av, float *yb, int64_t oh0, int64_t oh1)       \
    {                                                                                        \
        rows(g, xb, wb, vb, av, yb, oh0, oh1, KH, KW, S);                                    \
    }
DEFINE_ROWS(rows_3x3s1, 3, 3, 1)
DEFINE_ROWS(rows_3x3s2, 3, 3, 2)
DEFINE_ROWS(rows_5x5s1, 5, 5, 1)
DEFINE_ROWS(rows_5x5s2, 5, 5, 2)
DEFINE_ROWS(rows_any, 0, 0, 0)

static rows_fn pick_rows(const struct onr_conv_shape *s)
{
    if (s->KH != s->KW || s->stride_h != s->stride_w || s->dil_h != 1 || s->dil_w != 1)
        return rows_any;
    if (s->KH == 3 && s->stride_h == 1) return rows_3x3s1;
    if (s->KH == 3 && s->stride_h == 2) return rows_3x3s2;
    if (s->KH == 5 && s->stride_h == 1) return rows_5x5s1;
    if (s->KH == 5 && s->stride_h == 2) return rows_5x5s2;
    return rows_any;
}

/* x: (N, CB, H, W, 16)  wp: (CB, KH, KW, 16)  bp: (CB, 16)  y: (N, CB, OH, OW, 16) */
void onr_nchwc_dwconv_f32__avx512(const struct onr_conv_shape *s, const float *x,
                                  const float *wp, const float *bp,
                                  const struct onr_activation *act, float *y, int threads)
{
    const struct dw_geom g = {s->H,        s->W,        s->OH,    s->OW,
                              s->KH,       s->KW,       s->stride_h, s->stride_w,
                              s->dil_h,    s->dil_w,    s->pad_top, s->pad_left};
    const struct onr_act512 av = onr_act512_make(act);
    const rows_fn fn = pick_rows(s);
    const int64_t CB = onr_nchwc_blocks(s->C), NB = s->N * CB, OH = s->OH;
    if (OH <= 0 || s->OW <= 0) return;
    if (threads <= 1) { /* no parallel region: it costs as much as a 7x7 block */
        for (int64_t nb = 0; nb < NB; nb++)
            fn(&g, x + nb * s->H * s->W * L, wp + nb % CB * s->KH * s->KW * L,
               _mm512_loadu_ps(bp + nb % CB * L), &av, y + nb * OH * s->OW * L, 0, OH);
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
        fn(&g, x + nb * s->H * s->W * L, wp + cb * s->KH * s->KW * L,
           _mm512_loadu_ps(bp + cb * L), &av, y + nb * OH * s->OW * L, oh0, oh1);
    }
}
