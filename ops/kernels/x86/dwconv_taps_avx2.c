/* The tap-row depthwise kernels (dwconv_taps.h) compiled for AVX2 + FMA. */
#include "../dwconv_taps.h"
#include "../dwconv_taps_body.h"

ONR_DWTAPS_DEFINE(avx2)
