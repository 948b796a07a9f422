/* AVX2 elementwise kernels: Sigmoid with the vector exp of vmath_avx2.h.
 * Blocks of 4096 elements go to threads; each element is computed alone, so
 * any thread count gives the same bits. The tail uses masked loads/stores. */
#include <immintrin.h>

#include "../unary.h"
#include "vmath_avx2.h"

enum { BLOCK = 4096 };

void onr_sigmoid_f32__avx2(const float *x, float *y, int64_t n, int threads)
{
    const int64_t blocks = (n + BLOCK - 1) / BLOCK;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && blocks > 1)
    for (int64_t blk = 0; blk < blocks; blk++) {
        const int64_t end = (blk + 1) * BLOCK < n ? (blk + 1) * BLOCK : n;
        int64_t i = blk * BLOCK;
        for (; i + 8 <= end; i += 8) _mm256_storeu_ps(y + i, onr_sigmoid_avx2(_mm256_loadu_ps(x + i)));
        if (i < end) {
            __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(end - i)),
                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            _mm256_maskstore_ps(y + i, mask, onr_sigmoid_avx2(_mm256_maskload_ps(x + i, mask)));
        }
    }
}
