/* Conv's table of plain-layout kernel variants (conv.h: onr_conv_variants),
 * most specialised first: each line a name, a fits() that checks the shape
 * and the CPU, and the kernel. prepare (conv.c) takes the first that fits;
 * the kernel tests walk the same table. */
#include "../runtime/cpu.h"
#include "conv.h"
#include "conv_impl.h"
#include "kernels/dwconv.h"

static bool fits_any(const struct onr_conv_shape *s) { return true; }

static bool fits_depthwise(const struct onr_conv_shape *s)
{
    return s->C > 0 && s->group == s->C && s->OC % s->C == 0;
}

static bool fits_1x1(const struct onr_conv_shape *s)
{
    return s->KH == 1 && s->KW == 1 && s->stride_h == 1 && s->stride_w == 1 &&
           s->pad_top == 0 && s->pad_left == 0 && s->pad_bottom == 0 && s->pad_right == 0;
}

/* Depthwise (multiplier 1) shapes that onr_dwconv2d_f32_pick gives to `fn`. */
static bool dw_pick_is(const struct onr_conv_shape *s, onr_dwconv2d_fn fn, bool avx2)
{
    return (!avx2 || onr_cpu_has_avx2_fma()) && onr_dwconv2d_f32_pick(s, avx2) == fn;
}

#if defined(ONR_HAVE_X86)
static bool fits_dw3x3s1_avx2(const struct onr_conv_shape *s)
{
    return dw_pick_is(s, onr_dwconv2d_f32_3x3s1__avx2, true);
}
static bool fits_dw3x3s2_avx2(const struct onr_conv_shape *s)
{
    return dw_pick_is(s, onr_dwconv2d_f32_3x3s2__avx2, true);
}
static bool fits_dw5x5s1_avx2(const struct onr_conv_shape *s)
{
    return dw_pick_is(s, onr_dwconv2d_f32_5x5s1__avx2, true);
}
static bool fits_dw5x5s2_avx2(const struct onr_conv_shape *s)
{
    return dw_pick_is(s, onr_dwconv2d_f32_5x5s2__avx2, true);
}
/* AVX-512 variants: the shapes onr_dwconv2d_f32_pick_isa gives them. */
static bool dw512_pick_is(const struct onr_conv_shape *s, onr_dwconv2d_fn fn)
{
    return onr_cpu_has_avx512() && onr_dwconv2d_f32_pick_isa(s, true, true) == fn;
}
/* Small planes (at most 256 output pixels, onr_dwconv2d_small_fits): the
 * across-channels kernels beat the row kernels on every such MobileNet
 * layer (figures in the commit that added them), so they take all of them. */
static bool dwsmall_is(const struct onr_conv_shape *s, int64_t k, int64_t st)
{
    return s->KH == k && s->stride_h == st && onr_cpu_has_avx512() &&
           onr_dwconv2d_small_fits(s);
}
static bool fits_dwsmall3x3s1_avx512(const struct onr_conv_shape *s) { return dwsmall_is(s, 3, 1); }
static bool fits_dwsmall3x3s2_avx512(const struct onr_conv_shape *s) { return dwsmall_is(s, 3, 2); }
static bool fits_dwsmall5x5s1_avx512(const struct onr_conv_shape *s) { return dwsmall_is(s, 5, 1); }
static bool fits_dwsmall5x5s2_avx512(const struct onr_conv_shape *s) { return dwsmall_is(s, 5, 2); }
static bool fits_dw3x3s1_avx512(const struct onr_conv_shape *s)
{
    return dw512_pick_is(s, onr_dwconv2d_f32_3x3s1__avx512);
}
static bool fits_dw3x3s2_avx512(const struct onr_conv_shape *s)
{
    return dw512_pick_is(s, onr_dwconv2d_f32_3x3s2__avx512);
}
static bool fits_dw5x5s1_avx512(const struct onr_conv_shape *s)
{
    return dw512_pick_is(s, onr_dwconv2d_f32_5x5s1__avx512);
}
static bool fits_dw5x5s2_avx512(const struct onr_conv_shape *s)
{
    return dw512_pick_is(s, onr_dwconv2d_f32_5x5s2__avx512);
}
#endif

/* Few input channels (first Conv): the direct kernel beats im2col + GEMM. */
bool onr_conv_smallc_fits(const struct onr_conv_shape *s)
{
#if defined(ONR_HAVE_X86)
    return onr_cpu_has_avx512() && onr_conv2d_f32_smallc_fits(s);
#else
    return false;
#endif
}

/* Add a variant with one line here, above the ones it beats. An ISA
 * variant's fits() also checks onr_cpu_has_avx2_fma(). */
const struct onr_conv_variant onr_conv_variants[] = {
#if defined(ONR_HAVE_X86)
    {"dwconv2d_small3x3s1__avx512", fits_dwsmall3x3s1_avx512, onr_dwconv2d_f32_small3x3s1__avx512},
    {"dwconv2d_small3x3s2__avx512", fits_dwsmall3x3s2_avx512, onr_dwconv2d_f32_small3x3s2__avx512},
    {"dwconv2d_small5x5s1__avx512", fits_dwsmall5x5s1_avx512, onr_dwconv2d_f32_small5x5s1__avx512},
    {"dwconv2d_small5x5s2__avx512", fits_dwsmall5x5s2_avx512, onr_dwconv2d_f32_small5x5s2__avx512},
    {"dwconv2d_3x3s1__avx512", fits_dw3x3s1_avx512, onr_dwconv2d_f32_3x3s1__avx512},
    {"dwconv2d_3x3s2__avx512", fits_dw3x3s2_avx512, onr_dwconv2d_f32_3x3s2__avx512},
    {"dwconv2d_5x5s1__avx512", fits_dw5x5s1_avx512, onr_dwconv2d_f32_5x5s1__avx512},
    {"dwconv2d_5x5s2__avx512", fits_dw5x5s2_avx512, onr_dwconv2d_f32_5x5s2__avx512},
    {"dwconv2d_3x3s1__avx2", fits_dw3x3s1_avx2, onr_dwconv2d_f32_3x3s1__avx2},
    {"dwconv2d_3x3s2__avx2", fits_dw3x3s2_avx2, onr_dwconv2d_f32_3x3s2__avx2},
    {"dwconv2d_5x5s1__avx2", fits_dw5x5s1_avx2, onr_dwconv2d_f32_5x5s1__avx2},
    {"dwconv2d_5x5s2__avx2", fits_dw5x5s2_avx2, onr_dwconv2d_f32_5x5s2__avx2},
#endif
#if defined(ONR_HAVE_X86)
    {"conv2d_smallc__avx512", onr_conv_smallc_fits, onr_conv2d_f32_smallc__avx512},
#endif
    {"conv2d_1x1__scalar", fits_1x1, onr_conv2d_f32_1x1__scalar},
    {"conv2d_depthwise__scalar", fits_depthwise, onr_conv2d_f32_depthwise__scalar},
    {"conv2d__scalar", fits_any, onr_conv2d_f32__scalar},
};
const int onr_conv_variant_count =
    (int)(sizeof onr_conv_variants / sizeof onr_conv_variants[0]);

const struct onr_conv_variant *onr_conv_pick_variant(const struct onr_conv_shape *s)
{
    for (int i = 0; i < onr_conv_variant_count; i++)
        if (onr_conv_variants[i].fits(s)) return &onr_conv_variants[i];
    return &onr_conv_variants[onr_conv_variant_count - 1];
}

