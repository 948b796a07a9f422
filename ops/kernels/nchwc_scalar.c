/* Portable OpenMP C for the channel-blocked layout NCHW16c (nchwc.h): the
 * plain <-> blocked reorders, the depthwise weight packing and the
 * depthwise Conv. Plain loops straight from the layout formula: they are
 * the reference for the blocked layout and the path on CPUs without
 * AVX-512. */
#include <string.h>

#include "nchwc_driver.h"

enum { L = ONR_NCHWC_LANES };

/* Positions [q0, q1) of one block of nc channels: plain xb (nc, HW) ->
 * blocked yb (HW, 16), zeros in lanes nc..15. */
static void from_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t i = q0; i < q1; i++)
        for (int l = 0; l < L; l++) yb[i * L + l] = l < nc ? xb[l * HW + i] : 0.0f;
}

/* Blocked xb (HW, 16) -> plain yb (nc, HW) for positions [q0, q1). */
static void to_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int l = 0; l < nc; l++)
        for (int64_t i = q0; i < q1; i++) yb[l * HW + i] = xb[i * L + l];
}

/* x: (N, C, HW) plain  y: (N, CB, HW, 16) */
void onr_nchwc_from_nchw__scalar(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                                 int threads)
{
    onr_nchwc_reorder_drive(N, C, HW, x, y, threads, false, from_block);
}

/* x: (N, CB, HW, 16)  y: (N, C, HW) plain; padding lanes of x not read */
void onr_nchwc_to_nchw__scalar(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                               int threads)
{
    onr_nchwc_reorder_drive(N, C, HW, x, y, threads, true, to_block);
}

/* w: (C, 1, KH, KW) -> wp (CB, KH, KW, 16);  b: (C) or NULL -> bp (CB * 16) */
void onr_nchwc_pack_dw(int64_t C, int64_t KH, int64_t KW, const float *w, const float *b,
                       float *wp, float *bp)
{
    const int64_t CB = onr_nchwc_blocks(C), kk = KH * KW;
    for (int64_t cb = 0; cb < CB; cb++)
        for (int64_t t = 0; t < kk; t++)
            for (int64_t l = 0; l < L; l++) {
                const int64_t c = cb * L + l;
                wp[(cb * kk + t) * L + l] = c < C ? w[c * kk + t] : 0.0f;
            }
    for (int64_t c = 0; c < CB * L; c++) bp[c] = b != NULL && c < C ? b[c] : 0.0f;
}

/* x: (N, CB, H, W, 16)  wp: (CB, KH, KW, 16)  bp: (CB, 16)  y: (N, CB, OH, OW, 16)
 * Threads split (image, channel block, output row) items. */
void onr_nchwc_dwconv_f32__scalar(const struct onr_conv_shape *s, const float *x,
                                  const float *wp, const float *bp,
                                  const struct onr_activation *act, float *y, int threads)
{
    const int64_t CB = onr_nchwc_blocks(s->C), H = s->H, W = s->W, OH = s->OH, OW = s->OW;
    const int64_t KH = s->KH, KW = s->KW, items = s->N * CB * OH;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t nb = it / OH, oh = it % OH, cb = nb % CB;
        const float *xb = x + nb * H * W * L;
        const float *wb = wp + cb * KH * KW * L;
        float *yr = y + (nb * OH + oh) * OW * L;
        for (int64_t ow = 0; ow < OW; ow++) {
            float acc[L];
            memcpy(acc, bp + cb * L, sizeof(acc));
            for (int64_t kh = 0; kh < KH; kh++) {
                const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
                if (ih < 0 || ih >= H) continue;
                for (int64_t kw = 0; kw < KW; kw++) {
                    const int64_t iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
                    if (iw < 0 || iw >= W) continue;
                    const float *xv = xb + (ih * W + iw) * L;
                    const float *wv = wb + (kh * KW + kw) * L;
                    for (int l = 0; l < L; l++) acc[l] += xv[l] * wv[l];
                }
            }
            for (int l = 0; l < L; l++) yr[ow * L + l] = onr_activation_apply(act, acc[l]);
        }
    }
}
