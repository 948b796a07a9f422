/* The 3-D convolution paths besides the oracle (conv3d.h): the im2col of
 * the GEMM path and the direct depthwise kernel. */
#include <string.h>

#include "conv3d.h"

void onr_dwconv3d_f32__direct(const struct onr_conv3d_shape *s, const float *x, const float *w,
                              const float *b, const struct onr_activation *act, float *y,
                              int threads)
{
    const int64_t mult = s->OC / s->C;
    const int64_t ID = s->in[0], IH = s->in[1], IW = s->in[2];
    const int64_t KD = s->k[0], KH = s->k[1], KW = s->k[2];
    const int64_t OD = s->out[0], OH = s->out[1], OW = s->out[2];
    const int64_t sw = s->stride[2], dw = s->dil[2], pw = s->pad_begin[2];
    const int64_t in_plane = ID * IH * IW, out_plane = OD * OH * OW, kvol = KD * KH * KW;
    const int64_t planes = s->N * s->OC;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t nk = 0; nk < planes; nk++) {
        const int64_t n = nk / s->OC, oc = nk % s->OC;
        const float *xc = x + (n * s->C + oc / mult) * in_plane;
        const float *wk = w + oc * kvol;
        const float bias = b != NULL ? b[oc] : 0.0f;
        float *yp = y + nk * out_plane;
        for (int64_t od = 0; od < OD; od++)
            for (int64_t oh = 0; oh < OH; oh++) {
                float *yr = yp + (od * OH + oh) * OW;
                for (int64_t ow = 0; ow < OW; ow++) yr[ow] = bias;
                for (int64_t kd = 0; kd < KD; kd++) {
                    const int64_t id = od * s->stride[0] - s->pad_begin[0] + kd * s->dil[0];
                    if (id < 0 || id >= ID) continue;
                    for (int64_t kh = 0; kh < KH; kh++) {
                        const int64_t ih = oh * s->stride[1] - s->pad_begin[1] + kh * s->dil[1];
                        if (ih < 0 || ih >= IH) continue;
                        const float *xr = xc + (id * IH + ih) * IW;
                        for (int64_t kw = 0; kw < KW; kw++) {
                            const float wv = wk[(kd * KH + kh) * KW + kw];
                            /* the ow whose input iw = ow*sw - pw + kw*dw is inside x */
                            const int64_t off = kw * dw - pw;
                            int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
                            int64_t hi = IW - 1 - off >= 0 ? (IW - 1 - off) / sw + 1 : 0;
                            if (hi > OW) hi = OW;
                            for (int64_t ow = lo; ow < hi; ow++) yr[ow] += xr[ow * sw + off] * wv;
                        }
                    }
                }
                for (int64_t ow = 0; ow < OW; ow++) yr[ow] = onr_activation_apply(act, yr[ow]);
            }
    }
}

void onr_conv3d_im2col_f32(const struct onr_conv3d_shape *s, const float *x, int64_t p0,
                           int64_t nb, float *cols, int threads)
{
    const int64_t KD = s->k[0], KH = s->k[1], KW = s->k[2], kvol = KD * KH * KW;
    const int64_t ID = s->in[0], IH = s->in[1], IW = s->in[2];
    const int64_t OH = s->out[1], OW = s->out[2];
    const int64_t rows = s->C * kvol;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && rows > 1)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t c = r / kvol, kd = r / (KH * KW) % KD, kh = r / KW % KH, kw = r % KW;
        const float *xc = x + c * ID * IH * IW;
        float *row = cols + r * nb;
        int64_t od = p0 / (OH * OW), oh = p0 / OW % OH, ow = p0 % OW;
        for (int64_t j = 0; j < nb;) {
            /* the rest of output row (od, oh), or what the block still needs of it */
            const int64_t run = OW - ow < nb - j ? OW - ow : nb - j;
            const int64_t id = od * s->stride[0] - s->pad_begin[0] + kd * s->dil[0];
            const int64_t ih = oh * s->stride[1] - s->pad_begin[1] + kh * s->dil[1];
            float *out = row + j;
            if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
                memset(out, 0, (size_t)run * sizeof *out);
            } else {
                const float *xr = xc + (id * IH + ih) * IW;
                for (int64_t i = 0; i < run; i++) {
                    const int64_t iw = (ow + i) * s->stride[2] - s->pad_begin[2] + kw * s->dil[2];
                    out[i] = iw >= 0 && iw < IW ? xr[iw] : 0.0f;
                }
            }
            j += run;
            ow = 0;
            if (++oh == OH) oh = 0, od++;
        }
    }
}
