/* The reference 3-D convolution (conv3d.h), straight from the ONNX Conv
 * spec: a direct loop over each output element's window. */
#include <stddef.h>

#include "conv3d.h"

void onr_conv3d_f32__ref(const struct onr_conv3d_shape *s, const float *x, const float *w,
                         const float *b, const struct onr_activation *act, float *y,
                         int threads)
{
    const int64_t cg = s->C / s->group, ocg = s->OC / s->group;
    const int64_t ID = s->in[0], IH = s->in[1], IW = s->in[2];
    const int64_t KD = s->k[0], KH = s->k[1], KW = s->k[2];
    const int64_t OD = s->out[0], OH = s->out[1], OW = s->out[2];
    const int64_t in_plane = ID * IH * IW, out_plane = OD * OH * OW, kvol = KD * KH * KW;
    const int64_t pairs = s->N * s->OC;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && pairs > 1)
    for (int64_t nk = 0; nk < pairs; nk++) {
        const int64_t n = nk / s->OC, oc = nk % s->OC, g = oc / ocg;
        const float *xg = x + (n * s->C + g * cg) * in_plane;
        const float *wo = w + oc * cg * kvol;
        float *yp = y + nk * out_plane;
        for (int64_t od = 0; od < OD; od++)
            for (int64_t oh = 0; oh < OH; oh++)
                for (int64_t ow = 0; ow < OW; ow++) {
                    float acc = b != NULL ? b[oc] : 0.0f;
                    for (int64_t ci = 0; ci < cg; ci++)
                        for (int64_t kd = 0; kd < KD; kd++) {
                            const int64_t id = od * s->stride[0] - s->pad_begin[0] + kd * s->dil[0];
                            if (id < 0 || id >= ID) continue;
                            for (int64_t kh = 0; kh < KH; kh++) {
                                const int64_t ih =
                                    oh * s->stride[1] - s->pad_begin[1] + kh * s->dil[1];
                                if (ih < 0 || ih >= IH) continue;
                                for (int64_t kw = 0; kw < KW; kw++) {
                                    const int64_t iw =
                                        ow * s->stride[2] - s->pad_begin[2] + kw * s->dil[2];
                                    if (iw < 0 || iw >= IW) continue;
                                    acc += xg[((ci * ID + id) * IH + ih) * IW + iw] *
                                           wo[((ci * KD + kd) * KH + kh) * KW + kw];
                                }
                            }
                        }
                    yp[(od * OH + oh) * OW + ow] = onr_activation_apply(act, acc);
                }
    }
}
