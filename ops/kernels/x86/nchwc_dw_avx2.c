/* AVX2 + FMA depthwise Conv on the channel-blocked layout NCHW16c
 * (nchwc.h), row functions under the shared driver (onr_nchwc_dw_drive).
 *
 * Register budget: 16 ymm. Each 8-lane half of a block runs as an
 * independent problem: 8 pixels x 1 half = 8 accumulators + up to 5
 * weights + an input. 3x3 and 5x5 with stride 1 or 2 and dilation 1 get
 * compile-time tap loops; every other shape runs the same code with
 * run-time sizes.
 *
 * Order per lane, the same as the scalar kernel: bias, then taps (kh, kw)
 * ascending, padding taps skipped, one FMA each, so the split between
 * threads changes no bit. */
#include "../nchwc_driver.h"
#include "nchwc_avx2.h"

enum { G_MAX = 8 }; /* output pixels per group: 8 accumulators hide the FMA latency */

/* NP output pixels of one 8-lane half: taps kh in [kh0, kh1), kw in [kw0,
 * kw1) all inside the input. xb, wb, yo point at the half (stride L per
 * pixel / tap); ih = oh*SH - pt, iw = ow*SW - pl of the first pixel. */
INLINE void dw_pixels(const float *xb, int64_t ih, int64_t iw, const float *wb, __m256 vb,
                      int kh0, int kh1, int kw0, int kw1, const struct onr_nchwc_dw_geom *g,
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

/* Output rows [oh0, oh1) of one block: x (H, W, 16), y (OH, OW, 16); each
 * row's two halves in turn (the row's input stays in L1 for the second). */
INLINE void dw_rows(const struct onr_nchwc_dw_geom *g, const float *xb, const float *wb,
                    const float *bb, const struct onr_act256 *av, float *yb, int64_t oh0, int64_t oh1,
                    const int KH, const int KW, const int S)
{
    const int64_t kh_n = KH ? KH : g->KH, kw_n = KW ? KW : g->KW;
    const int64_t sh = KH ? S : g->SH, sw = KH ? S : g->SW;
    const int64_t dh = KH ? 1 : g->DH, dw = KH ? 1 : g->DW;
    const int64_t W = g->W, OW = g->OW, pl = g->pl;
    /* columns whose kw taps are all inside the row: [owa, owb) */
    int64_t owa, owb;
    onr_nchwc_dw_interior(g, kw_n, sw, dw, &owa, &owb);
    const __m256 vbs[2] = {_mm256_loadu_ps(bb), _mm256_loadu_ps(bb + 8)};
    for (int64_t oh = oh0; oh < oh1; oh++) {
        const int64_t ih = oh * sh - g->pt;
        const int kh0 = onr_nchwc_tap_lo(ih, dh, kh_n), kh1 = onr_nchwc_tap_hi(ih, dh, kh_n, g->H);
        for (int h = 0; h < 2; h++) {
            const float *xh = xb + h * 8, *wh = wb + h * 8;
            const __m256 vb = vbs[h];
            float *yr = yb + oh * OW * L + h * 8;
            for (int64_t ow = 0; ow < owa; ow++) {
                const int64_t iw = ow * sw - pl;
                dw_pixels(xh, ih, iw, wh, vb, kh0, kh1, onr_nchwc_tap_lo(iw, dw, kw_n),
                          onr_nchwc_tap_hi(iw, dw, kw_n, W), g, av, yr + ow * L, KH, KW, S, 1);
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
                dw_pixels(xh, ih, iwb, wh, vb, kh0, kh1, onr_nchwc_tap_lo(iwb, dw, kw_n),
                          onr_nchwc_tap_hi(iwb, dw, kw_n, W), g, av, yr + ow * L, KH, KW, S, 1);
            }
        }
    }
}

#define DEFINE_DW_ROWS(NAME, KH, KW, S)                                                      \
    static void NAME(const struct onr_nchwc_dw_geom *g, const float *xb, const float *wb,    \
                     const float *bb, const void *av, float *yb, int64_t oh0, int64_t oh1)   \
    {                                                                                        \
        dw_rows(g, xb, wb, bb, av, yb, oh0, oh1, KH, KW, S);                                 \
    }
DEFINE_DW_ROWS(dw_rows_3x3s1, 3, 3, 1)
DEFINE_DW_ROWS(dw_rows_3x3s2, 3, 3, 2)
DEFINE_DW_ROWS(dw_rows_5x5s1, 5, 5, 1)
DEFINE_DW_ROWS(dw_rows_5x5s2, 5, 5, 2)
DEFINE_DW_ROWS(dw_rows_any, 0, 0, 0)

/* rows[onr_nchwc_dw_variant] */
static const onr_nchwc_dw_rows_fn dw_rows_table[ONR_NCHWC_DW_VARIANTS] = {
    [ONR_NCHWC_DW_3X3S1] = dw_rows_3x3s1, [ONR_NCHWC_DW_3X3S2] = dw_rows_3x3s2,
    [ONR_NCHWC_DW_5X5S1] = dw_rows_5x5s1, [ONR_NCHWC_DW_5X5S2] = dw_rows_5x5s2,
    [ONR_NCHWC_DW_ANY] = dw_rows_any,
};

/* x: (N, CB, H, W, 16)  wp: (CB, KH, KW, 16)  bp: (CB, 16)  y: (N, CB, OH, OW, 16) */
void onr_nchwc_dwconv_f32__avx2(const struct onr_conv_shape *s, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads)
{
    const struct onr_act256 av = onr_act256_make(act);
    onr_nchwc_dw_drive(s, x, wp, bp, &av, y, threads, dw_rows_table);
}
