/* The separable 2-D resize (resize2d.h) compiled for AVX-512. */
#include "../resize2d_body.h"

ONR_RESIZE2D_DEFINE(avx512)
