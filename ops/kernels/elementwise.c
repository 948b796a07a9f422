/* Portable OpenMP C elementwise kernels (see elementwise.h). */
#include "elementwise.h"

/* Below this many elements a parallel region costs more than it saves. */
enum { ELEMENTWISE_PARALLEL_MIN = 32768 };

/* x: (n)  y: (n) */
void onr_relu_f32__scalar(int64_t n, const float *x, float *y, int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static) if (n >= ELEMENTWISE_PARALLEL_MIN)
    for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}
