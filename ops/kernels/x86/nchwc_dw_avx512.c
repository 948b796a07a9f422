/* AVX-512 (F, DQ, BW, VL) depthwise Conv on the channel-blocked layout
 * NCHW16c (nchwc.h), row functions under the shared driver
 * (onr_nchwc_dw_drive).
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

#include "../nchwc_driver.h"
#include "act_avx512.h"

enum { L = ONR_NCHWC_LANES };


/* Most output pixels per group: accumulators + one kernel row of weights
 * + the input vectors in flight fit the 32 registers. */
enum { G_MAX = 12 };

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
       int kw0, int kw1, const struct onr_nchwc_dw_geom *g, const struct onr_act512 *av, float *yo,
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

/* Output rows [oh0, oh1) of one block: x (H, W, 16), y (OH, OW, 16). */
static inline __attribute__((always_inline)) void
rows(const struct onr_nchwc_dw_geom *g, const float *xb, const float *wb, __m512 vb,
     const struct onr_act512 *av, float *yb, int64_t oh0, int64_t oh1, const int KH,
     const int KW, const int S)
{
    const int64_t kh_n = KH ? KH : g->KH, kw_n = KW ? KW : g->KW;
    const int64_t sh = KH ? S : g->SH, sw = KH ? S : g->SW;
    const int64_t dh = KH ? 1 : g->DH, dw = KH ? 1 : g->DW;
    const int64_t W = g->W, OW = g->OW, pl = g->pl;
    /* columns whose kw taps are all inside the row: [owa, owb) */
    int64_t owa, owb;
    onr_nchwc_dw_interior(g, kw_n, sw, dw, &owa, &owb);
    for (int64_t oh = oh0; oh < oh1; oh++) {
        const int64_t ih = oh * sh - g->pt;
        const int kh0 = onr_nchwc_tap_lo(ih, dh, kh_n), kh1 = onr_nchwc_tap_hi(ih, dh, kh_n, g->H);
        float *yr = yb + oh * OW * L;
        for (int64_t ow = 0; ow < owa; ow++) {
            const int64_t iw = ow * sw - pl;
            pixels(xb, ih, iw, wb, vb, kh0, kh1, onr_nchwc_tap_lo(iw, dw, kw_n),
                   onr_nchwc_tap_hi(iw, dw, kw_n, W), g, av, yr + ow * L, KH, KW, S, 1);
        }
        /* interior: 5x5 in ceil(n / 12) groups of near-equal size (14
         * columns: one group of 12, not 8 + 4): each input vector feeds up
         * to 5 accumulators, so longer groups load each one for more
         * pixels; 3x3 in groups of 8, already enough accumulators to cover
         * the FMA latency, and a tail */
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
            pixels(xb, ih, iwb, wb, vb, kh0, kh1, onr_nchwc_tap_lo(iwb, dw, kw_n),
                   onr_nchwc_tap_hi(iwb, dw, kw_n, W), g, av, yr + ow * L, KH, KW, S, 1);
        }
    }
}

#define DEFINE_ROWS(NAME, KH, KW, S)                                                         \
    static void NAME(const struct onr_nchwc_dw_geom *g, const float *xb, const float *wb,    \
                     const float *bb, const void *av, float *yb, int64_t oh0, int64_t oh1)   \
    {                                                                                        \
        rows(g, xb, wb, _mm512_loadu_ps(bb), av, yb, oh0, oh1, KH, KW, S);                   \
    }
DEFINE_ROWS(rows_3x3s1, 3, 3, 1)
DEFINE_ROWS(rows_3x3s2, 3, 3, 2)
DEFINE_ROWS(rows_5x5s1, 5, 5, 1)
DEFINE_ROWS(rows_5x5s2, 5, 5, 2)
DEFINE_ROWS(rows_any, 0, 0, 0)

/* rows_table[onr_nchwc_dw_variant] */
static const onr_nchwc_dw_rows_fn rows_table[ONR_NCHWC_DW_VARIANTS] = {
    [ONR_NCHWC_DW_3X3S1] = rows_3x3s1, [ONR_NCHWC_DW_3X3S2] = rows_3x3s2,
    [ONR_NCHWC_DW_5X5S1] = rows_5x5s1, [ONR_NCHWC_DW_5X5S2] = rows_5x5s2,
    [ONR_NCHWC_DW_ANY] = rows_any,
};

/* x: (N, CB, H, W, 16)  wp: (CB, KH, KW, 16)  bp: (CB, 16)  y: (N, CB, OH, OW, 16) */
void onr_nchwc_dwconv_f32__avx512(const struct onr_conv_shape *s, const float *x,
                                  const float *wp, const float *bp,
                                  const struct onr_activation *act, float *y, int threads)
{
    const struct onr_act512 av = onr_act512_make(act);
    onr_nchwc_dw_drive(s, x, wp, bp, &av, y, threads, rows_table);
}
