/* Phase-plane depthwise 3-D convolution, for the small planes of video
 * nets (X3D-style 3x3x3 depthwise on 14x14 or 7x7 maps), where a tap-row
 * kernel spends its time on loop overhead: rows of 7-14 outputs are
 * shorter than two vectors.
 *
 * Per (n, oc) plane, each input depth plane is split once, when the first
 * output depth reads it, into its sh x sw stride phases, zero-padded: phase (a, b) holds
 * x[id][i*sh + a - pad_h][j*sw + b - pad_w] at (i, j), rows of PW =
 * OW + (KW-1)/sw. Tap (kh, kw) then reads phase (kh % sh, kw % sw) at
 * (oh + kh/sh, ow + kw/sw), so over the output plane flattened with the
 * same row length PW it is ONE contiguous multiply-add of OH * PW elements
 * shifted by (kh/sh) * PW + kw/sw (the PW - OW extra columns of each row
 * are computed and dropped). Each output element is its bias plus the
 * taps in (kd, kh, kw) order, then the activation, as in dwconv_taps.h,
 * so y does not depend on threads; the oracle is onr_conv3d_f32__ref.
 *
 * Takes dilation 1, H and W strides 1 or 2, any D stride and pads,
 * kernels up to 7 in H and W (and D), and planes whose buffers fit the per-thread
 * stack block (ONR_DW3D_PHASE_FLOATS): the shapes where rows are short.
 * Entries of onr_dwconv3d_kernels (dwconv3d_table.c) ahead of the tap-row
 * kernels. */
#ifndef ONR_KERNELS_DWCONV3D_PHASE_H
#define ONR_KERNELS_DWCONV3D_PHASE_H

#include <stdbool.h>

#include "conv3d.h"

enum { ONR_DW3D_PHASE_FLOATS = 8192, ONR_DW3D_PHASE_MAX_OW = 24, ONR_DW3D_PHASE_MAX_KD = 7 };

/* Phase-plane geometry of s: row length, rows per phase, floats used. */
static inline int64_t onr_dw3d_phase_pw(const struct onr_conv3d_shape *s)
{
    return s->out[2] + (s->k[2] - 1) / s->stride[2];
}
static inline int64_t onr_dw3d_phase_ph(const struct onr_conv3d_shape *s)
{
    return s->out[1] + (s->k[1] - 1) / s->stride[1];
}
/* Floats of the stack block: the accumulated output plane, then KD input
 * planes split into phases (each with one spare row, read by the dropped
 * columns of the last rows). */
static inline int64_t onr_dw3d_phase_floats(const struct onr_conv3d_shape *s)
{
    const int64_t pw = onr_dw3d_phase_pw(s), ph = onr_dw3d_phase_ph(s);
    return (s->out[1] * pw + 15) / 16 * 16 + s->k[0] * s->stride[1] * s->stride[2] * (ph + 1) * pw;
}

static inline bool onr_dwconv3d_phase_fits(const struct onr_conv3d_shape *s)
{
    if (s->C <= 0 || s->group != s->C || s->OC % s->C != 0) return false;
    for (int a = 0; a < 3; a++)
        if (s->dil[a] != 1) return false;
    if (s->k[0] > ONR_DW3D_PHASE_MAX_KD) return false;
    for (int a = 1; a < 3; a++)
        if (s->stride[a] < 1 || s->stride[a] > 2 || s->k[a] > 7) return false;
    return s->out[2] <= ONR_DW3D_PHASE_MAX_OW && onr_dw3d_phase_floats(s) <= ONR_DW3D_PHASE_FLOATS;
}

#define ONR_DW3D_PHASE_DECLARE(isa)                                                           \
    void onr_dwconv3d_f32_phase__##isa(const struct onr_conv3d_shape *s, const float *x,     \
                                       const float *w, const float *b,                       \
                                       const struct onr_activation *act, float *y, int threads);
ONR_DW3D_PHASE_DECLARE(scalar)
ONR_DW3D_PHASE_DECLARE(avx2)
ONR_DW3D_PHASE_DECLARE(avx512)
#undef ONR_DW3D_PHASE_DECLARE

#endif
