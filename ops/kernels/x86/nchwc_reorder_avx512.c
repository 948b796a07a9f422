/* AVX-512 (F, DQ, BW, VL) reorders of the channel-blocked layout NCHW16c
 * (nchwc.h): plain <-> blocked by 16x16 transposes in registers, one block
 * function per direction under the shared driver (onr_nchwc_reorder_drive).
 * Exact copies, so the same bits as the scalar reorders. */
#include <immintrin.h>

#include "../nchwc_driver.h"
#include "transpose_avx512.h"

enum { L = ONR_NCHWC_LANES };

/* Flat positions [q0, q1) of one block of nc channels: plain xb (nc, HW)
 * -> blocked yb (HW, 16), zeros in lanes nc..15. */
static void from_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q += 16) {
        const int np = q1 - q < 16 ? (int)(q1 - q) : 16;
        const __mmask16 m = (__mmask16)((1u << np) - 1u);
        __m512 r[16];
        for (int c = 0; c < 16; c++)
            r[c] = c < nc ? _mm512_maskz_loadu_ps(m, xb + c * HW + q) : _mm512_setzero_ps();
        onr_transpose16_avx512(r);
        for (int i = 0; i < np; i++) _mm512_storeu_ps(yb + (q + i) * L, r[i]);
    }
}

/* Blocked xb (HW, 16) -> plain yb (nc, HW) for positions [q0, q1); lanes
 * nc..15 are loaded, then dropped by the masked stores. */
static void to_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q += 16) {
        const int np = q1 - q < 16 ? (int)(q1 - q) : 16;
        const __mmask16 m = (__mmask16)((1u << np) - 1u);
        __m512 r[16];
        for (int i = 0; i < 16; i++)
            r[i] = i < np ? _mm512_loadu_ps(xb + (q + i) * L) : _mm512_setzero_ps();
        onr_transpose16_avx512(r);
        for (int c = 0; c < nc; c++) _mm512_mask_storeu_ps(yb + c * HW + q, m, r[c]);
    }
}

/* x: (N, C, HW) plain  y: (N, CB, HW, 16) */
void onr_nchwc_from_nchw__avx512(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                                 int threads)
{
    onr_nchwc_reorder_drive(N, C, HW, x, y, threads, false, from_block);
}

/* x: (N, CB, HW, 16)  y: (N, C, HW) plain; padding lanes of x not read */
void onr_nchwc_to_nchw__avx512(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                               int threads)
{
    onr_nchwc_reorder_drive(N, C, HW, x, y, threads, true, to_block);
}
