/* The separable 2-D resize (resize2d.h) compiled for AVX2 + FMA. */
#include "../resize2d_body.h"

ONR_RESIZE2D_DEFINE(avx2)
