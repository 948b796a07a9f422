/* The reference 2-D convolution, straight from the ONNX Conv spec: every
 * output element is bias + sum over its group's input channels and the
 * kernel window of x * w, with zero padding and dilation. */
#include "conv.h"

void onr_conv2d_f32__ref(const struct onr_conv_shape *s, const float *x, const float *w,
                         const float *b, const struct onr_activation *act, float *y)
{
    const int64_t cg = s->C / s->group;   /* input channels per group */
    const int64_t ocg = s->OC / s->group; /* output channels per group */
    for (int64_t n = 0; n < s->N; n++)
        for (int64_t oc = 0; oc < s->OC; oc++) {
            const int64_t g = oc / ocg;
            for (int64_t oh = 0; oh < s->OH; oh++)
                for (int64_t ow = 0; ow < s->OW; ow++) {
                    float acc = b != NULL ? b[oc] : 0.0f;
                    for (int64_t ci = 0; ci < cg; ci++) {
                        const int64_t c = g * cg + ci;
                        for (int64_t kh = 0; kh < s->KH; kh++) {
                            const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
                            if (ih < 0 || ih >= s->H) continue;
                            for (int64_t kw = 0; kw < s->KW; kw++) {
                                const int64_t iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
                                if (iw < 0 || iw >= s->W) continue;
                                acc += x[((n * s->C + c) * s->H + ih) * s->W + iw] *
                                       w[((oc * cg + ci) * s->KH + kh) * s->KW + kw];
                            }
                        }
                    }
                    y[((n * s->OC + oc) * s->OH + oh) * s->OW + ow] =
                        onr_activation_apply(act, acc);
                }
        }
}
