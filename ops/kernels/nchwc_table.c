/* The NCHW16c kernel tables (nchwc.h): per family the AVX-512, AVX2 and
 * portable kernels, best first. Every entry fits every shape its family
 * takes (the ISA kernels hand shapes they do not specialise to their own
 * general code), so the first entry the ISA level allows is the kernel. */
#include "nchwc.h"

#define COUNT(t) ((int)(sizeof(t) / sizeof((t)[0])))

const struct onr_nchwc_reorder_kernel onr_nchwc_from_nchw_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_from_nchw__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_from_nchw__avx512},
    {"nchwc_from_nchw__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_from_nchw__avx2},
#endif
    {"nchwc_from_nchw__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_from_nchw__scalar},
};
const int onr_nchwc_from_nchw_kernels_count = COUNT(onr_nchwc_from_nchw_kernels);

const struct onr_nchwc_reorder_kernel onr_nchwc_to_nchw_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_to_nchw__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_to_nchw__avx512},
    {"nchwc_to_nchw__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_to_nchw__avx2},
#endif
    {"nchwc_to_nchw__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_to_nchw__scalar},
};
const int onr_nchwc_to_nchw_kernels_count = COUNT(onr_nchwc_to_nchw_kernels);

const struct onr_nchwc_dw_kernel onr_nchwc_dw_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_dwconv__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_dwconv_f32__avx512},
    {"nchwc_dwconv__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_dwconv_f32__avx2},
#endif
    {"nchwc_dwconv__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_dwconv_f32__scalar},
};
const int onr_nchwc_dw_kernels_count = COUNT(onr_nchwc_dw_kernels);

const struct onr_nchwc_pw_kernel onr_nchwc_pw_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_pwconv__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_pwconv_f32__avx512},
    {"nchwc_pwconv__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_pwconv_f32__avx2},
#endif
    {"nchwc_pwconv__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_pwconv_f32__scalar},
};
const int onr_nchwc_pw_kernels_count = COUNT(onr_nchwc_pw_kernels);

const struct onr_nchwc_pw_rows_kernel onr_nchwc_pw_rows_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_pw_rows__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_pw_rows_f32__avx512},
    {"nchwc_pw_rows__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_pw_rows_f32__avx2},
#endif
    {"nchwc_pw_rows__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_pw_rows_f32__scalar},
};
const int onr_nchwc_pw_rows_kernels_count = COUNT(onr_nchwc_pw_rows_kernels);

const struct onr_nchwc_pw_gated_kernel onr_nchwc_pw_gated_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_pwconv_gated__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_pwconv_gated_f32__avx512},
    {"nchwc_pwconv_gated__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_pwconv_gated_f32__avx2},
#endif
    {"nchwc_pwconv_gated__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_pwconv_gated_f32__scalar},
};
const int onr_nchwc_pw_gated_kernels_count = COUNT(onr_nchwc_pw_gated_kernels);

const struct onr_nchwc_gemv_kernel onr_nchwc_gemv_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_gemv__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_gemv_f32__avx512},
    {"nchwc_gemv__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_gemv_f32__avx2},
#endif
    {"nchwc_gemv__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_gemv_f32__scalar},
};
const int onr_nchwc_gemv_kernels_count = COUNT(onr_nchwc_gemv_kernels);

const struct onr_nchwc_conv_kernel onr_nchwc_conv_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_conv__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_conv_f32__avx512},
    {"nchwc_conv__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_conv_f32__avx2},
#endif
    {"nchwc_conv__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_conv_f32__scalar},
};
const int onr_nchwc_conv_kernels_count = COUNT(onr_nchwc_conv_kernels);

const struct onr_nchwc_conv_rows_kernel onr_nchwc_conv_rows_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"nchwc_conv_rows__avx512", ONR_ISA_AVX512, NULL, onr_nchwc_conv_rows_f32__avx512},
    {"nchwc_conv_rows__avx2", ONR_ISA_AVX2, NULL, onr_nchwc_conv_rows_f32__avx2},
#endif
    {"nchwc_conv_rows__scalar", ONR_ISA_PORTABLE, NULL, onr_nchwc_conv_rows_f32__scalar},
};
const int onr_nchwc_conv_rows_kernels_count = COUNT(onr_nchwc_conv_rows_kernels);
