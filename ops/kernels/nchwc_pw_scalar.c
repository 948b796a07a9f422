/* Pointwise (1x1) Conv on the channel-blocked layout NCHW16c (nchwc.h):
 * the weight/bias packing and the portable OpenMP C kernels (plain,
 * gated by a squeeze-excite gate, and the plain-in, plain-out gemv), the
 * plain references for the blocked layout that the AVX-512 kernels are
 * tested against. */
#include "nchwc.h"

#include <string.h>

/* w: (OC, C)  b: (OC) or NULL  ->  wp: (OCB, C, 16)  bp: (OCB * 16) */
void onr_nchwc_pack_pw(int64_t OC, int64_t C, const float *w, const float *b, float *wp,
                       float *bp)
{
    const int64_t OCB = onr_nchwc_blocks(OC);
    memset(wp, 0, (size_t)onr_nchwc_pw_weight_floats(OC, C) * sizeof(float));
    memset(bp, 0, (size_t)(OCB * ONR_NCHWC_LANES) * sizeof(float));
    for (int64_t oc = 0; oc < OC; oc++) {
        const int64_t ob = oc / ONR_NCHWC_LANES, l = oc % ONR_NCHWC_LANES;
        for (int64_t c = 0; c < C; c++)
            wp[(ob * C + c) * ONR_NCHWC_LANES + l] = w[oc * C + c];
        if (b) bp[oc] = b[oc];
    }
}

/* x: (N, CB, HW, 16)  g: (N or 1, CB * 16) or NULL  wp: (OCB, C, 16)
 * bp: (OCB * 16)  r, y: (N, OCB, HW, 16)
 * Threads split the (n, ob, pixel) items; each output is the c-sum of
 * (g * w) * x (w * x without g) in ascending order from 0, then + bias,
 * + r, act, all 16 lanes of a block (padding lanes: weights and bias are 0
 * there, so act(0 [+ r])). */
static void pwconv(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x, const float *g,
                   int64_t g_stride, const float *wp, const float *bp, const float *r,
                   const struct onr_activation *act, float *y, int threads)
{
    const int64_t CB = onr_nchwc_blocks(C), OCB = onr_nchwc_blocks(OC);
    const int64_t items = N * OCB * HW;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < items; i++) {
        const int64_t n = i / (OCB * HW), ob = i / HW % OCB, p = i % HW;
        const float *xn = x + n * CB * HW * ONR_NCHWC_LANES;
        const float *wo = wp + ob * C * ONR_NCHWC_LANES;
        float acc[ONR_NCHWC_LANES] = {0};
        for (int64_t c = 0; c < C; c++) {
            const float xv =
                xn[((c / ONR_NCHWC_LANES) * HW + p) * ONR_NCHWC_LANES + c % ONR_NCHWC_LANES];
            if (g) {
                const float gv = g[n * g_stride + c];
                for (int l = 0; l < ONR_NCHWC_LANES; l++)
                    acc[l] += (gv * wo[c * ONR_NCHWC_LANES + l]) * xv;
            } else {
                for (int l = 0; l < ONR_NCHWC_LANES; l++)
                    acc[l] += wo[c * ONR_NCHWC_LANES + l] * xv;
            }
        }
        const int64_t o = ((n * OCB + ob) * HW + p) * ONR_NCHWC_LANES;
        for (int l = 0; l < ONR_NCHWC_LANES; l++) {
            float v = acc[l] + bp[ob * ONR_NCHWC_LANES + l];
            if (r) v += r[o + l];
            y[o + l] = onr_activation_apply(act, v);
        }
    }
}

void onr_nchwc_pw_rows_f32__scalar(int64_t C, int64_t OC, int64_t P, const float *x, int64_t x_bs,
                                   const float *wp, const float *bp, const float *r,
                                   const struct onr_activation *act, float *y, int64_t y_bs)
{
    const int64_t OCB = onr_nchwc_blocks(OC);
    for (int64_t ob = 0; ob < OCB; ob++)
        for (int64_t p = 0; p < P; p++) {
            const float *wo = wp + ob * C * ONR_NCHWC_LANES;
            float acc[ONR_NCHWC_LANES] = {0};
            for (int64_t c = 0; c < C; c++) {
                const float xv = x[(c / ONR_NCHWC_LANES) * x_bs + p * ONR_NCHWC_LANES +
                                   c % ONR_NCHWC_LANES];
                for (int l = 0; l < ONR_NCHWC_LANES; l++) acc[l] += wo[c * ONR_NCHWC_LANES + l] * xv;
            }
            float *yp = y + ob * y_bs + p * ONR_NCHWC_LANES;
            const float *rp = r ? r + ob * y_bs + p * ONR_NCHWC_LANES : NULL;
            for (int l = 0; l < ONR_NCHWC_LANES; l++) {
                float v = acc[l] + bp[ob * ONR_NCHWC_LANES + l];
                if (rp) v += rp[l];
                yp[l] = onr_activation_apply(act, v);
            }
        }
}

void onr_nchwc_pwconv_f32__scalar(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                  const float *wp, const float *bp, const float *r,
                                  const struct onr_activation *act, float *y, int threads)
{
    pwconv(N, C, OC, HW, x, NULL, 0, wp, bp, r, act, y, threads);
}

void onr_nchwc_pwconv_gated_f32__scalar(int64_t N, int64_t C, int64_t OC, int64_t HW,
                                        const float *x, const float *g, int64_t g_stride,
                                        const float *wp, const float *bp, const float *r,
                                        const struct onr_activation *act, float *y,
                                        float *scratch, int threads)
{
    (void)scratch; /* the reference multiplies by g in its loop */
    pwconv(N, C, OC, HW, x, g, g_stride, wp, bp, r, act, y, threads);
}

/* x: (C) plain  wp: (OCB, C, 16)  bp: (OCB * 16)  y: (OC) plain
 * Each output: the c-sum in ascending order from 0, then + bias, act. */
void onr_nchwc_gemv_f32__scalar(int64_t C, int64_t OC, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads)
{
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t oc = 0; oc < OC; oc++) {
        const int64_t ob = oc / ONR_NCHWC_LANES, l = oc % ONR_NCHWC_LANES;
        const float *wo = wp + ob * C * ONR_NCHWC_LANES + l;
        float acc = 0.0f;
        for (int64_t c = 0; c < C; c++) acc += wo[c * ONR_NCHWC_LANES] * x[c];
        y[oc] = onr_activation_apply(act, acc + bp[oc]);
    }
}
