/* The tap-row depthwise kernel (dwconv_taps.h) for the portable ISA level. */
#include "dwconv_taps.h"
#include "dwconv_taps_body.h"

void onr_dwconv2d_f32_taps__scalar(const struct onr_conv_shape *s, const float *x,
                                   const float *w, const float *b,
                                   const struct onr_activation *act, float *y, int threads)
{
    dwconv_taps_body(s, x, w, b, act, y, threads);
}
