/* Portable elementwise kernels of the activation ops (unary.h) and their
 * kernel tables. */
#include <math.h>

#include "unary.h"

/* Below this many elements a parallel region costs more than it saves. */
enum { UNARY_PARALLEL_MIN = 16384 };

/* x: (n)  y: (n) */
void onr_sigmoid_f32__scalar(const float *x, float *y, int64_t n, int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) \
    if (threads > 1 && n >= UNARY_PARALLEL_MIN)
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        y[i] = 1.0f / (1.0f + expf(-v));
    }
}

const struct onr_unary_kernel onr_sigmoid_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"sigmoid__avx2", ONR_ISA_AVX2, NULL, onr_sigmoid_f32__avx2},
#endif
    {"sigmoid__scalar", ONR_ISA_PORTABLE, NULL, onr_sigmoid_f32__scalar},
};
const int onr_sigmoid_kernels_count = sizeof onr_sigmoid_kernels / sizeof onr_sigmoid_kernels[0];
