/* Depthwise 2-D convolution with AVX2+FMA: square 3x3 and 5x5 filters,
 * stride 1 and 2, dilation 1, any (asymmetric) pads, channel multiplier 1.
 *
 * The input rows a chunk of output rows reads are copied once into a
 * padded buffer on the thread's stack (26 KiB, L1-resident): zeros stand
 * for the padding (rows outside the image are all zero; border chunks use
 * masked loads), and for stride 2 each row is split into its even and odd
 * columns, so every filter tap is one contiguous unaligned load. The inner
 * loop then computes 4 output rows x 2 vectors of 8 outputs (8 independent
 * accumulators, weights broadcast from memory) with no branches; the last
 * vector of a row is stored with a mask. Wide images are processed in
 * tiles of TW output columns.
 *
 * Order per output: bias, then (kh, kw) ascending, one FMA each; it does
 * not depend on the tile, row block or thread. */
#include <immintrin.h>

#include "act_avx2.h"
#include <stdint.h>

#include "../dwconv.h"

#define TW 128          /* output columns per tile */
#define PL (TW + 8)     /* floats per phase row: TW + (K-1)/S + load slack */
#define KMAX 5
#define SMAX 2

/* dst[p*PL + i] = xr[start + S*i + p], or 0 outside [0, W) or when xr is
 * NULL, for i < n (a multiple of 8) and phase p < S. Border chunks use
 * masked loads, so x is read only inside the row. */
static inline __attribute__((always_inline)) void
fill_row(float *dst, const float *xr, int64_t W, int64_t start, int n, const int S)
{
    if (xr == NULL) W = 0; /* a row in the padding: every chunk is zeros */
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i none = _mm256_set1_epi32(-1), vw = _mm256_set1_epi32((int32_t)W);
    for (int i = 0; i < n; i += 8) {
        const int64_t c0 = start + (int64_t)S * i; /* first column of the chunk */
        if (c0 >= 0 && c0 + 8 * S <= W) { /* inside the row */
            if (S == 1) {
                _mm256_storeu_ps(dst + i, _mm256_loadu_ps(xr + c0));
            } else { /* deinterleave 16 columns: [u0..3|v0..3], [u4..7|v4..7] */
                const __m256 lo = _mm256_loadu2_m128(xr + c0 + 8, xr + c0);
                const __m256 hi = _mm256_loadu2_m128(xr + c0 + 12, xr + c0 + 4);
                _mm256_storeu_ps(dst + i, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)));
                _mm256_storeu_ps(dst + PL + i, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));
            }
            continue;
        }
        if (W == 0 || c0 >= W || c0 + 8 * S <= 0) { /* wholly in the padding */
            for (int p = 0; p < S; p++) _mm256_storeu_ps(dst + p * PL + i, _mm256_setzero_ps());
            continue;
        }
        /* straddles a border: lanes outside [0, W) are masked off, never read */
        const float *p = (const float *)((uintptr_t)xr + (uintptr_t)(c0 * 4));
        __m256i col = _mm256_add_epi32(_mm256_set1_epi32((int32_t)c0), iota);
        __m256i m = _mm256_and_si256(_mm256_cmpgt_epi32(col, none), _mm256_cmpgt_epi32(vw, col));
        const __m256 u = _mm256_maskload_ps(p, m);
        if (S == 1) {
            _mm256_storeu_ps(dst + i, u);
            continue;
        }
        col = _mm256_add_epi32(col, _mm256_set1_epi32(8));
        m = _mm256_and_si256(_mm256_cmpgt_epi32(col, none), _mm256_cmpgt_epi32(vw, col));
        const __m256 v = _mm256_maskload_ps((const float *)((uintptr_t)p + 32), m);
        __m256 ev = _mm256_shuffle_ps(u, v, _MM_SHUFFLE(2, 0, 2, 0));
        __m256 od = _mm256_shuffle_ps(u, v, _MM_SHUFFLE(3, 1, 3, 1));
        ev = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
        od = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(od), 0xD8));
        _mm256_storeu_ps(dst + i, ev);
        _mm256_storeu_ps(dst + PL + i, od);
    }
}

static const int32_t mask_tab[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* Stores the first `valid` (1..8, or more for all) lanes of v. */
static inline void store_part(float *y, __m256 v, int valid)
{
    if (valid >= 8)
        _mm256_storeu_ps(y, v);
    else
        _mm256_maskstore_ps(y, _mm256_loadu_si256((const __m256i *)(mask_tab + 8 - valid)), v);
}

/* Output rows r < R (y + r*OW) of tw columns from padded rows buf: tap
 * (kh, kw) of row r reads phase kw%S of padded row r*S + kh, from column
 * ow + kw/S. V full vectors of each row at a time, then one (masked). */
static inline __attribute__((always_inline)) void
rows_kxs(float *y, int64_t OW, const float *buf, const float *w, float bias,
         const struct onr_act256 *av, int tw, const int K, const int S, const int R)
{
    enum { V = 2 };
    const __m256 vb = _mm256_set1_ps(bias);
    int j = 0;
    for (; j + 8 * V <= tw; j += 8 * V) {
        __m256 acc[4][V];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++)
            for (int v = 0; v < V; v++) acc[r][v] = vb;
#pragma GCC unroll 5
        for (int kh = 0; kh < K; kh++)
#pragma GCC unroll 5
            for (int kw = 0; kw < K; kw++) {
                const __m256 wv = _mm256_broadcast_ss(w + kh * K + kw);
#pragma GCC unroll 4
                for (int r = 0; r < R; r++) {
                    const float *p = buf + ((r * S + kh) * S + kw % S) * PL + j + kw / S;
#pragma GCC unroll 2
                    for (int v = 0; v < V; v++)
                        acc[r][v] = _mm256_fmadd_ps(_mm256_loadu_ps(p + 8 * v), wv, acc[r][v]);
                }
            }
#pragma GCC unroll 4
        for (int r = 0; r < R; r++)
#pragma GCC unroll 2
            for (int v = 0; v < V; v++)
                _mm256_storeu_ps(y + r * OW + j + 8 * v, onr_act256_apply(av, acc[r][v]));
    }
    for (; j < tw; j += 8) {
        __m256 acc[4];
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) acc[r] = vb;
#pragma GCC unroll 5
        for (int kh = 0; kh < K; kh++)
#pragma GCC unroll 5
            for (int kw = 0; kw < K; kw++) {
                const __m256 wv = _mm256_broadcast_ss(w + kh * K + kw);
#pragma GCC unroll 4
                for (int r = 0; r < R; r++) {
                    const float *p = buf + ((r * S + kh) * S + kw % S) * PL + j + kw / S;
                    acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(p), wv, acc[r]);
                }
            }
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) store_part(y + r * OW + j, onr_act256_apply(av, acc[r]), tw - j);
    }
}

/* x: (H, W)  w: (K, K)  y: (OH, OW), rows [oh0, oh1) of one plane. The
 * input rows a chunk of output rows reads are copied once into the padded
 * buffer (BUF_ROWS*SMAX phase rows); the chunk is then computed in groups
 * of ROWS output rows (one at a time in chunks shorter than ROWS). */
#define ROWS 4
#define BUF_ROWS 24
static inline __attribute__((always_inline)) void
block_kxs(const struct onr_conv_shape *s, const float *x, const float *w, float bias,
          const struct onr_act256 *av, float *y, int64_t oh0, int64_t oh1, const int K,
          const int S)
{
    float buf[BUF_ROWS * SMAX * PL] __attribute__((aligned(32)));
    const int cap = BUF_ROWS * SMAX / S;           /* padded input rows that fit */
    const int chunk = ((cap - K) / S + 1) / ROWS * ROWS; /* output rows per fill */
    for (int64_t ow0 = 0; ow0 < s->OW; ow0 += TW) {
        const int tw = s->OW - ow0 < TW ? (int)(s->OW - ow0) : TW;
        const int n = ((tw + 7) / 8 * 8 + (K - 1) / S + 7) / 8 * 8;
        const int64_t start = ow0 * S - s->pad_left;
        for (int64_t c0 = oh0; c0 < oh1; c0 += chunk) {
            const int rows = oh1 - c0 < chunk ? (int)(oh1 - c0) : chunk;
            for (int q = 0; q < (rows - 1) * S + K; q++) {
                const int64_t ih = c0 * S - s->pad_top + q;
                fill_row(buf + q * S * PL, ih >= 0 && ih < s->H ? x + ih * s->W : NULL, s->W,
                         start, n, S);
            }
            float *yc = y + c0 * s->OW + ow0;
            for (int r = 0; r < rows; r += ROWS) {
                /* a last partial group is redone as the chunk's last ROWS
                 * rows: the rows computed twice get identical values */
                const int r0 = r + ROWS <= rows ? r : rows - ROWS;
                if (r0 >= 0) {
                    rows_kxs(yc + r0 * s->OW, s->OW, buf + r0 * S * S * PL, w, bias, av, tw, K, S, ROWS);
                } else {
                    for (int r1 = r; r1 < rows; r1++)
                        rows_kxs(yc + r1 * s->OW, s->OW, buf + r1 * S * S * PL, w, bias, av, tw, K, S, 1);
                }
            }
        }
    }
}

#define DEFINE_BLOCK(K, S)                                                                   \
    static void block_##K##x##K##s##S(const struct onr_conv_shape *s, const float *x,       \
                                      const float *w, float bias, const void *av,           \
                                      float *y, int64_t oh0, int64_t oh1)                   \
    {                                                                                        \
        block_kxs(s, x, w, bias, av, y, oh0, oh1, K, S);                                     \
    }
DEFINE_BLOCK(3, 1)
DEFINE_BLOCK(3, 2)
DEFINE_BLOCK(5, 1)
DEFINE_BLOCK(5, 2)

#define DEFINE_VARIANT(K, S)                                                                \
    void onr_dwconv2d_f32_##K##x##K##s##S##__avx2(                                          \
        const struct onr_conv_shape *s, const float *x, const float *w, const float *b,     \
        const struct onr_activation *act, float *y, int threads)                            \
    {                                                                                       \
        const struct onr_act256 av = onr_act256_make(act);                                       \
        onr_dwconv2d_drive(s, x, w, b, &av, y, threads, block_##K##x##K##s##S);             \
    }
DEFINE_VARIANT(3, 1)
DEFINE_VARIANT(3, 2)
DEFINE_VARIANT(5, 1)
DEFINE_VARIANT(5, 2)
