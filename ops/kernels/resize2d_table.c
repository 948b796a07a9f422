/* The separable 2-D resize kernel table (resize2d.h). */
#include "resize2d.h"

const struct onr_resize2d_kernel onr_resize2d_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"resize2d_linear__avx512", ONR_ISA_AVX512, onr_resize2d_f32__avx512},
    {"resize2d_linear__avx2", ONR_ISA_AVX2, onr_resize2d_f32__avx2},
#endif
    {"resize2d_linear__scalar", ONR_ISA_PORTABLE, onr_resize2d_f32__scalar},
};
const int onr_resize2d_kernels_count =
    (int)(sizeof onr_resize2d_kernels / sizeof onr_resize2d_kernels[0]);
