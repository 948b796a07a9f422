/* The phase-gather ConvTranspose kernel (conv_transpose.h) compiled for AVX-512. */
#include "../conv_transpose_phase_body.h"

void onr_convt_phase_f32__avx512(const struct onr_convt_shape *s, const float *x,
                                 const float *w, const float *b, const struct onr_activation *act,
                                 float *y, float *workspace, int threads)
{
    convt_phase_body(s, x, w, b, act, y, workspace, threads);
}
