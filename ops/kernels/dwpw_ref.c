/* The oracle of the fused depthwise -> pointwise kernel (dwpw.h): the
 * reference depthwise Conv, then the reference 1x1 Conv, written straight
 * from the definitions with no fusion. */
#include <stddef.h>

#include "dwpw.h"

/* x: (N, C, H, W)  wd: (C, 1, KH, KW)  wp: (OC, C)  y: (N, OC, OH, OW) */
void onr_dwpw_f32__ref(const struct onr_dwpw_shape *s, const float *x, const float *wd,
                       const float *bd, const struct onr_activation *dact, const float *wp,
                       const float *bp, const struct onr_activation *pact, const float *r,
                       float *y, float *tmp)
{
    const struct onr_conv_shape *d = &s->dw;
    onr_conv2d_f32__ref(d, x, wd, bd, dact, tmp);
    const struct onr_conv_shape p = {
        .N = d->N, .C = d->C, .H = d->OH, .W = d->OW, .OC = s->OC, .KH = 1, .KW = 1,
        .OH = d->OH, .OW = d->OW, .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1,
        .group = 1,
    };
    if (r == NULL) {
        onr_conv2d_f32__ref(&p, tmp, wp, bp, pact, y);
        return;
    }
    const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
    onr_conv2d_f32__ref(&p, tmp, wp, bp, &none, y);
    const int64_t n = d->N * s->OC * d->OH * d->OW;
    for (int64_t i = 0; i < n; i++) y[i] = onr_activation_apply(pact, y[i] + r[i]);
}
