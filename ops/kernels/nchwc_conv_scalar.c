/* Dense Conv from a plain input into a blocked output (nchwc.h): the
 * portable version, plain loops. */
#include "nchwc.h"

void onr_nchwc_pack_conv(int64_t OC, int64_t C, int64_t KH, int64_t KW, const float *w,
                         const float *b, float *wp, float *bp)
{
    const int64_t OCB = onr_nchwc_blocks(OC), taps = C * KH * KW;
    for (int64_t ob = 0; ob < OCB; ob++) {
        for (int64_t t = 0; t < taps; t++)
            for (int l = 0; l < ONR_NCHWC_LANES; l++) {
                const int64_t oc = ob * ONR_NCHWC_LANES + l;
                wp[(ob * taps + t) * ONR_NCHWC_LANES + l] = oc < OC ? w[oc * taps + t] : 0.0f;
            }
        for (int l = 0; l < ONR_NCHWC_LANES; l++) {
            const int64_t oc = ob * ONR_NCHWC_LANES + l;
            bp[ob * ONR_NCHWC_LANES + l] = oc < OC && b != NULL ? b[oc] : 0.0f;
        }
    }
}

/* Output row oh of image n, output block ob. */
static void one_row(const struct onr_conv_shape *s, const float *x, const float *wp,
                    const float *bp, const struct onr_activation *act, float *y, int64_t n,
                    int64_t ob, int64_t oh)
{
    const int64_t OCB = onr_nchwc_blocks(s->OC);
    for (int64_t ow = 0; ow < s->OW; ow++) {
        float acc[ONR_NCHWC_LANES];
        for (int l = 0; l < ONR_NCHWC_LANES; l++) acc[l] = bp[ob * ONR_NCHWC_LANES + l];
        for (int64_t c = 0; c < s->C; c++)
            for (int64_t kh = 0; kh < s->KH; kh++) {
                const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
                if (ih < 0 || ih >= s->H) continue;
                for (int64_t kw = 0; kw < s->KW; kw++) {
                    const int64_t iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
                    if (iw < 0 || iw >= s->W) continue;
                    const float xv = x[((n * s->C + c) * s->H + ih) * s->W + iw];
                    const float *wv =
                        wp + (((ob * s->C + c) * s->KH + kh) * s->KW + kw) * ONR_NCHWC_LANES;
                    for (int l = 0; l < ONR_NCHWC_LANES; l++) acc[l] += xv * wv[l];
                }
            }
        float *yp = y + (((n * OCB + ob) * s->OH + oh) * s->OW + ow) * ONR_NCHWC_LANES;
        for (int l = 0; l < ONR_NCHWC_LANES; l++) yp[l] = onr_activation_apply(act, acc[l]);
    }
}

/* x: (N, C, H, W) plain  wp: (OCB, C, KH, KW, 16)  y: (N, OCB, OH, OW, 16) */
void onr_nchwc_conv_f32__scalar(const struct onr_conv_shape *s, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads)
{
    const int64_t OCB = onr_nchwc_blocks(s->OC), rows = s->N * OCB * s->OH;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t r = 0; r < rows; r++)
        one_row(s, x, wp, bp, act, y, r / (OCB * s->OH), r / s->OH % OCB, r % s->OH);
}

void onr_nchwc_conv_rows_f32__scalar(const struct onr_conv_shape *s, const float *x,
                                     const float *wp, const float *bp,
                                     const struct onr_activation *act, float *y, int64_t oh0,
                                     int64_t oh1)
{
    const int64_t OCB = onr_nchwc_blocks(s->OC);
    for (int64_t n = 0; n < s->N; n++)
        for (int64_t ob = 0; ob < OCB; ob++)
            for (int64_t oh = oh0; oh < oh1; oh++) one_row(s, x, wp, bp, act, y, n, ob, oh);
}
