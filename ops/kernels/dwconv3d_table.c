/* The depthwise 3-D Conv kernel table (conv3d.h: onr_dwconv3d_kernels),
 * most specialised first, as conv_table.c is for 2-D: Conv's 3-D prepare
 * takes the first entry the session's ISA level allows and that fits. */
#include "conv3d.h"
#include "dwconv3d_phase.h"
#include "dwconv_taps.h"

const struct onr_dwconv3d_kernel onr_dwconv3d_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"dwconv3d_phase__avx512", ONR_ISA_AVX512, onr_dwconv3d_phase_fits, onr_dwconv3d_f32_phase__avx512},
    {"dwconv3d_phase__avx2", ONR_ISA_AVX2, onr_dwconv3d_phase_fits, onr_dwconv3d_f32_phase__avx2},
    {"dwconv3d_taps__avx512", ONR_ISA_AVX512, onr_dwconv3d_taps_fits, onr_dwconv3d_f32_taps__avx512},
    {"dwconv3d_taps__avx2", ONR_ISA_AVX2, onr_dwconv3d_taps_fits, onr_dwconv3d_f32_taps__avx2},
#endif
    {"dwconv3d_phase__scalar", ONR_ISA_PORTABLE, onr_dwconv3d_phase_fits, onr_dwconv3d_f32_phase__scalar},
    {"dwconv3d_taps__scalar", ONR_ISA_PORTABLE, onr_dwconv3d_taps_fits, onr_dwconv3d_f32_taps__scalar},
    {"dwconv3d_direct__scalar", ONR_ISA_PORTABLE, NULL, onr_dwconv3d_f32__direct},
};
const int onr_dwconv3d_kernels_count =
    (int)(sizeof onr_dwconv3d_kernels / sizeof onr_dwconv3d_kernels[0]);
