/* AVX2 + FMA reorders of the channel-blocked layout NCHW16c (nchwc.h):
 * plain <-> blocked by 8x8 transposes in registers, one block function per
 * direction under the shared driver (onr_nchwc_reorder_drive). Exact
 * copies, so the same bits as the scalar reorders. */
#include "../nchwc_driver.h"
#include "nchwc_avx2.h"

/* In-place transpose of 8 vectors of 8 floats: r[i][j] <-> r[j][i]. */
INLINE void transpose8(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    /* u[4h + k]: rows 4h..4h+3 at column k (low 128 bits) and k + 4 (high) */
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
        r[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
    }
}

/* Positions [q0, q1) of one block of nc channels: plain xb (nc, HW) ->
 * blocked yb (HW, 16), zeros in lanes nc..15. Tails: masked loads. */
static void from_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q += 8) {
        const int np = q1 - q < 8 ? (int)(q1 - q) : 8;
        const __m256i m = lane_mask(np);
        for (int h = 0; h < 2; h++) {
            __m256 r[8];
            for (int c = 0; c < 8; c++) {
                const int ch = h * 8 + c;
                const float *src = xb + ch * HW + q;
                r[c] = ch >= nc ? _mm256_setzero_ps()
                       : np == 8 ? _mm256_loadu_ps(src)
                                 : _mm256_maskload_ps(src, m);
            }
            transpose8(r);
            for (int i = 0; i < np; i++) _mm256_storeu_ps(yb + (q + i) * L + h * 8, r[i]);
        }
    }
}

/* Blocked xb (HW, 16) -> plain yb (nc, HW) for positions [q0, q1); only the
 * halves holding channels are loaded, lanes >= nc dropped at the store. */
static void to_block(const float *xb, float *yb, int nc, int64_t HW, int64_t q0, int64_t q1)
{
    for (int64_t q = q0; q < q1; q += 8) {
        const int np = q1 - q < 8 ? (int)(q1 - q) : 8;
        const __m256i m = lane_mask(np);
        for (int h = 0; h * 8 < nc; h++) {
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = i < np ? _mm256_loadu_ps(xb + (q + i) * L + h * 8) : _mm256_setzero_ps();
            transpose8(r);
            const int nh = nc - h * 8 < 8 ? nc - h * 8 : 8;
            for (int c = 0; c < nh; c++) {
                float *dst = yb + (h * 8 + c) * HW + q;
                if (np == 8)
                    _mm256_storeu_ps(dst, r[c]);
                else
                    _mm256_maskstore_ps(dst, m, r[c]);
            }
        }
    }
}

/* x: (N, C, HW) plain  y: (N, CB, HW, 16) */
void onr_nchwc_from_nchw__avx2(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                               int threads)
{
    onr_nchwc_reorder_drive(N, C, HW, x, y, threads, false, from_block);
}

/* x: (N, CB, HW, 16)  y: (N, C, HW) plain; padding lanes of x not read */
void onr_nchwc_to_nchw__avx2(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                             int threads)
{
    onr_nchwc_reorder_drive(N, C, HW, x, y, threads, true, to_block);
}
