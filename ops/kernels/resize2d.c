/* The separable 2-D resize (resize2d.h) for the portable ISA level, and
 * its oracle. */
#include "resize2d_body.h"

ONR_RESIZE2D_DEFINE(scalar)

void onr_resize2d_f32__ref(const struct onr_resize2d_shape *s, const struct onr_resize2d_axis *h,
                           const struct onr_resize2d_axis *w, const float *x, float *y)
{
    for (int64_t p = 0; p < s->P; p++) {
        const float *xp = x + p * s->IH * s->IW;
        for (int64_t oh = 0; oh < s->OH; oh++)
            for (int64_t ow = 0; ow < s->OW; ow++) {
                const int32_t hi[2] = {h->i0[oh], h->i1[oh]}, wi[2] = {w->i0[ow], w->i1[ow]};
                const double hw[2] = {h->w0[oh], h->w1[oh]}, ww[2] = {w->w0[ow], w->w1[ow]};
                double acc = 0.0;
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++)
                        if (hw[a] != 0.0 && ww[b] != 0.0 && (a == 0 || !h->single) &&
                            (b == 0 || !w->single))
                            acc += hw[a] * ww[b] * (double)xp[(int64_t)hi[a] * s->IW + wi[b]];
                y[(p * s->OH + oh) * s->OW + ow] = (float)acc;
            }
    }
}
