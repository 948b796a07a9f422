/* The plain-layout (NCHW) 2-D Conv kernel table (conv.h: onr_conv2d_kernels),
 * most specialised first: each entry a name, the ISA it needs, a fits() on
 * the shape alone and the kernel. Conv's prepare takes the first entry the
 * session's ISA level allows and that fits; the kernel tests walk the same
 * table, so a new variant is one line here. */
#include "conv.h"
#include "dwconv.h"
#include "dwconv_taps.h"
#include "winograd.h"

static bool fits_depthwise(const struct onr_conv_shape *s)
{
    return s->C > 0 && s->group == s->C && s->OC % s->C == 0;
}

static bool fits_1x1(const struct onr_conv_shape *s)
{
    return s->KH == 1 && s->KW == 1 && s->stride_h == 1 && s->stride_w == 1 &&
           s->pad_top == 0 && s->pad_left == 0 && s->pad_bottom == 0 && s->pad_right == 0;
}

#if defined(ONR_HAVE_X86)
/* The row kernels (x86/dwconv_avx2.c, x86/dwconv_avx512.c): depthwise with
 * multiplier 1, square k x k filter, equal strides st, dilation 1; they
 * compute column masks in 32 bits. */
static bool dw_rows(const struct onr_conv_shape *s, int64_t k, int64_t st)
{
    const int64_t lim = (int64_t)1 << 30;
    return s->group >= 1 && s->group == s->C && s->OC == s->C && s->KH == k && s->KW == k &&
           s->stride_h == st && s->stride_w == st && s->dil_h == 1 && s->dil_w == 1 &&
           s->W < lim && s->OW < lim && s->pad_left < lim;
}
static bool fits_dw3x3s1(const struct onr_conv_shape *s) { return dw_rows(s, 3, 1); }
static bool fits_dw3x3s2(const struct onr_conv_shape *s) { return dw_rows(s, 3, 2); }
static bool fits_dw5x5s1(const struct onr_conv_shape *s) { return dw_rows(s, 5, 1); }
static bool fits_dw5x5s2(const struct onr_conv_shape *s) { return dw_rows(s, 5, 2); }

/* Small planes (at most 256 output pixels, onr_dwconv2d_small_fits): the
 * across-channels kernels beat the row kernels on every such MobileNet
 * layer (tools/bench/README.md), so they come first. */
static bool dw_small(const struct onr_conv_shape *s, int64_t k, int64_t st)
{
    return s->KH == k && s->stride_h == st && onr_dwconv2d_small_fits(s);
}
static bool fits_dwsmall3x3s1(const struct onr_conv_shape *s) { return dw_small(s, 3, 1); }
static bool fits_dwsmall3x3s2(const struct onr_conv_shape *s) { return dw_small(s, 3, 2); }
static bool fits_dwsmall5x5s1(const struct onr_conv_shape *s) { return dw_small(s, 5, 1); }
static bool fits_dwsmall5x5s2(const struct onr_conv_shape *s) { return dw_small(s, 5, 2); }
#endif

/* Add a variant with one line here, above the ones it beats. */
const struct onr_conv2d_kernel onr_conv2d_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"dwconv2d_small3x3s1__avx512", ONR_ISA_AVX512, fits_dwsmall3x3s1, onr_dwconv2d_f32_small3x3s1__avx512},
    {"dwconv2d_small3x3s2__avx512", ONR_ISA_AVX512, fits_dwsmall3x3s2, onr_dwconv2d_f32_small3x3s2__avx512},
    {"dwconv2d_small5x5s1__avx512", ONR_ISA_AVX512, fits_dwsmall5x5s1, onr_dwconv2d_f32_small5x5s1__avx512},
    {"dwconv2d_small5x5s2__avx512", ONR_ISA_AVX512, fits_dwsmall5x5s2, onr_dwconv2d_f32_small5x5s2__avx512},
    {"dwconv2d_3x3s1__avx512", ONR_ISA_AVX512, fits_dw3x3s1, onr_dwconv2d_f32_3x3s1__avx512},
    {"dwconv2d_3x3s2__avx512", ONR_ISA_AVX512, fits_dw3x3s2, onr_dwconv2d_f32_3x3s2__avx512},
    {"dwconv2d_5x5s1__avx512", ONR_ISA_AVX512, fits_dw5x5s1, onr_dwconv2d_f32_5x5s1__avx512},
    {"dwconv2d_5x5s2__avx512", ONR_ISA_AVX512, fits_dw5x5s2, onr_dwconv2d_f32_5x5s2__avx512},
    {"dwconv2d_3x3s1__avx2", ONR_ISA_AVX2, fits_dw3x3s1, onr_dwconv2d_f32_3x3s1__avx2},
    {"dwconv2d_3x3s2__avx2", ONR_ISA_AVX2, fits_dw3x3s2, onr_dwconv2d_f32_3x3s2__avx2},
    {"dwconv2d_5x5s1__avx2", ONR_ISA_AVX2, fits_dw5x5s1, onr_dwconv2d_f32_5x5s1__avx2},
    {"dwconv2d_5x5s2__avx2", ONR_ISA_AVX2, fits_dw5x5s2, onr_dwconv2d_f32_5x5s2__avx2},
    {"dwconv2d_taps__avx512", ONR_ISA_AVX512, onr_dwconv2d_taps_fits, onr_dwconv2d_f32_taps__avx512},
    {"dwconv2d_taps__avx2", ONR_ISA_AVX2, onr_dwconv2d_taps_fits, onr_dwconv2d_f32_taps__avx2},
    {"conv2d_smallc__avx512", ONR_ISA_AVX512, onr_conv2d_f32_smallc_fits, onr_conv2d_f32_smallc__avx512},
#endif
    {"conv2d_1x1__scalar", ONR_ISA_PORTABLE, fits_1x1, onr_conv2d_f32_1x1__scalar},
    {"dwconv2d_taps__scalar", ONR_ISA_PORTABLE, onr_dwconv2d_taps_fits, onr_dwconv2d_f32_taps__scalar},
    {"conv2d_depthwise__scalar", ONR_ISA_PORTABLE, fits_depthwise, onr_conv2d_f32_depthwise__scalar},
    {"conv2d__scalar", ONR_ISA_PORTABLE, NULL, onr_conv2d_f32__scalar},
};
const int onr_conv2d_kernels_count = (int)(sizeof onr_conv2d_kernels / sizeof onr_conv2d_kernels[0]);

bool onr_conv2d_direct_beats_gemm(const struct onr_conv_shape *s, enum onr_isa level)
{
#if defined(ONR_HAVE_X86)
    return onr_kernel_isa_allowed(ONR_ISA_AVX512, level) && onr_conv2d_f32_smallc_fits(s);
#else
    (void)s;
    (void)level;
    return false;
#endif
}

/* Winograd (winograd.h): packed weights, so tables of their own, one per
 * tile size; Conv's prepare asks them before the im2col + GEMM path. */
const struct onr_winograd_kernel onr_winograd2_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"conv2d_winograd2x2__avx512", ONR_ISA_AVX512, onr_winograd2_fits, onr_conv2d_f32_winograd2x2__avx512},
    {"conv2d_winograd2x2__avx2", ONR_ISA_AVX2, onr_winograd2_fits, onr_conv2d_f32_winograd2x2__avx2},
#endif
    {"conv2d_winograd2x2__scalar", ONR_ISA_PORTABLE, onr_winograd2_fits, onr_conv2d_f32_winograd2x2__scalar},
};
const int onr_winograd2_kernels_count =
    (int)(sizeof onr_winograd2_kernels / sizeof onr_winograd2_kernels[0]);

const struct onr_winograd_kernel onr_winograd4_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"conv2d_winograd4x4__avx512", ONR_ISA_AVX512, onr_winograd4_fits, onr_conv2d_f32_winograd4x4__avx512},
    {"conv2d_winograd4x4__avx2", ONR_ISA_AVX2, onr_winograd4_fits, onr_conv2d_f32_winograd4x4__avx2},
#endif
    {"conv2d_winograd4x4__scalar", ONR_ISA_PORTABLE, onr_winograd4_fits, onr_conv2d_f32_winograd4x4__scalar},
};
const int onr_winograd4_kernels_count =
    (int)(sizeof onr_winograd4_kernels / sizeof onr_winograd4_kernels[0]);
