/* The ConvTranspose kernel tables (conv_transpose.h). */
#include "conv_transpose.h"

const struct onr_convt_phase_kernel onr_convt_phase_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"convtranspose_phase__avx512", ONR_ISA_AVX512, NULL, onr_convt_phase_f32__avx512},
    {"convtranspose_phase__avx2", ONR_ISA_AVX2, NULL, onr_convt_phase_f32__avx2},
#endif
    {"convtranspose_phase__scalar", ONR_ISA_PORTABLE, NULL, onr_convt_phase_f32__scalar},
};
const int onr_convt_phase_kernels_count =
    (int)(sizeof onr_convt_phase_kernels / sizeof onr_convt_phase_kernels[0]);

const struct onr_convt_col2im_kernel onr_convt_col2im_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"col2im__avx512", ONR_ISA_AVX512, NULL, onr_convt_col2im_f32__avx512},
    {"col2im__avx2", ONR_ISA_AVX2, NULL, onr_convt_col2im_f32__avx2},
#endif
    {"col2im__scalar", ONR_ISA_PORTABLE, NULL, onr_convt_col2im_f32__scalar},
};
const int onr_convt_col2im_kernels_count =
    (int)(sizeof onr_convt_col2im_kernels / sizeof onr_convt_col2im_kernels[0]);
