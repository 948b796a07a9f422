/* Depthwise 2-D convolution with AVX-512 (F, DQ, BW, VL): square 3x3 and
 * 5x5 filters, stride 1 and 2, dilation 1, any (asymmetric) pads, channel
 * multiplier 1. Same contract as the AVX2 variants (dwconv.h).
 *
 * A chunk of output rows and a tile of up to TW output columns is computed
 * from a padded copy of the input rows it reads, on the thread's stack:
 * masked loads turn the padding into zeros, and for stride 2 rows and
 * columns are split by parity, so the copy is S*S "sub-buffers" of rows Wq
 * = tw + (K-1)/S wide and tap (kh, kw) of output (r, c) is sub-buffer
 * (kh%S, kw%S) at row r + kh/S, column c + kw/S: one unaligned load.
 *
 *  - Rows of 16 or more (Wq >= 16): 4 output rows x 1-2 vectors at a time;
 *    each loaded input vector feeds every output row that uses it, the
 *    last vector of a row is stored with a mask.
 *  - Small planes (7x7, 14x14 stride 2): the buffer is read as one flat
 *    sequence of Wq-wide rows, so a vector covers several output rows;
 *    the padding lanes are dropped by a compress before a masked store.
 *
 * Order per output: bias, then (kh, kw) ascending, one FMA each; it does
 * not depend on the tile, chunk, row block or thread. */
#include <immintrin.h>
#include <stdint.h>

#include "../dwconv.h"
#include "act_avx512.h"

#define TW 128     /* most output columns per tile */
#define BUF 8192   /* floats of padded input per thread (32 KiB) */
#define R 4        /* output rows per group */

/* Lanes l < 16 with 0 <= c + l < W. */
static inline __mmask16 col_mask(int64_t c, int64_t W)
{
    if (c >= 0 && c + 16 <= W) return 0xFFFF;
    const int64_t lo = c < 0 ? -c : 0, hi = W - c < 16 ? W - c : 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

/* Padded row of input row xr (NULL: a row in the padding): dst[p][i] =
 * xr[start + S*i + p] or 0 outside the row, for i < ceil(Wq/16)*16.
 * cm[i/16][h] masks the 16 columns from start + S*i + 16*h to those inside
 * the row, so only those are read. */
static inline __attribute__((always_inline)) void
fill_row(float *const dst[2], const float *xr, int64_t start, int Wq, const __mmask16 (*cm)[2],
         const int S)
{
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
    if (xr == NULL) {
        for (int i = 0; i < Wq; i += 16)
            for (int p = 0; p < S; p++) _mm512_storeu_ps(dst[p] + i, _mm512_setzero_ps());
        return;
    }
    const float *p = (const float *)((uintptr_t)xr + (uintptr_t)(start * 4));
    for (int i = 0; i < Wq; i += 16, p += 16 * S) {
        const __m512 u = _mm512_maskz_loadu_ps(cm[i / 16][0], p);
        if (S == 1) {
            _mm512_storeu_ps(dst[0] + i, u);
        } else {
            const __m512 v = _mm512_maskz_loadu_ps(cm[i / 16][1], p + 16);
            _mm512_storeu_ps(dst[0] + i, _mm512_permutex2var_ps(u, ev, v));
            _mm512_storeu_ps(dst[1] + i, _mm512_permutex2var_ps(u, od, v));
        }
    }
}

/* Output rows r < NR (y + r*OW) at columns [c, c + 16*V) of the tile, of
 * which the first `valid` exist: sub[kh%S][kw%S] row r + kh/S is read for
 * tap (kh, kw). Padded row t = r*S + kh is loaded once for all r. */
static inline __attribute__((always_inline)) void
rows_kxs(float *y, int64_t OW, const float *const sub[2][2], int Wq, int c, int valid,
         const float *w, __m512 vb, const struct onr_act512 *av, const int K, const int S,
         const int NR, const int V)
{
    __m512 acc[R][2];
#pragma GCC unroll 4
    for (int r = 0; r < NR; r++)
        for (int v = 0; v < V; v++) acc[r][v] = vb;
#pragma GCC unroll 12
    for (int t = 0; t < (NR - 1) * S + K; t++) {
        const float *row0 = sub[t % S][0] + (t / S) * Wq + c;
        const float *row1 = sub[t % S][S - 1] + (t / S) * Wq + c;
#pragma GCC unroll 5
        for (int kw = 0; kw < K; kw++) {
            const float *p = (kw % S ? row1 : row0) + kw / S;
            __m512 xv[2];
#pragma GCC unroll 2
            for (int v = 0; v < V; v++) xv[v] = _mm512_loadu_ps(p + 16 * v);
#pragma GCC unroll 4
            for (int r = 0; r < NR; r++) {
                const int kh = t - r * S;
                if (kh < 0 || kh >= K) continue;
                const __m512 wv = _mm512_set1_ps(w[kh * K + kw]);
#pragma GCC unroll 2
                for (int v = 0; v < V; v++) acc[r][v] = _mm512_fmadd_ps(xv[v], wv, acc[r][v]);
            }
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < NR; r++)
#pragma GCC unroll 2
        for (int v = 0; v < V; v++) {
            const int n = valid - 16 * v;
            const __mmask16 m = n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1u);
            _mm512_mask_storeu_ps(y + r * OW + c + 16 * v, m, onr_act512_apply(av, acc[r][v]));
        }
}

/* Row mode: `rows` output rows of tw columns from the padded buffer. */
static inline __attribute__((always_inline)) void
chunk_rows(float *y, int64_t OW, const float *const sub[2][2], int Wq, int tw, int rows,
           const float *w, __m512 vb, const struct onr_act512 *av, const int K, const int S)
{
    for (int r = 0; r < rows; r += R) {
        /* a last partial group is redone as the chunk's last R rows: the
         * rows computed twice get identical values */
        const int r0 = r + R <= rows ? r : rows - R;
        if (r0 < 0) break;
        const float *const s0[2][2] = {{sub[0][0] + r0 * Wq, sub[0][1] + r0 * Wq},
                                 {sub[1][0] + r0 * Wq, sub[1][1] + r0 * Wq}};
        int c = 0;
        for (; c + 16 < tw; c += 32)
            rows_kxs(y + r0 * OW, OW, s0, Wq, c, tw - c, w, vb, av, K, S, R, 2);
        if (c < tw) rows_kxs(y + r0 * OW, OW, s0, Wq, c, tw - c, w, vb, av, K, S, R, 1);
    }
    if (rows < R) /* too few rows for a group */
        for (int r = 0; r < rows; r++) {
            const float *const s0[2][2] = {{sub[0][0] + r * Wq, sub[0][1] + r * Wq},
                                     {sub[1][0] + r * Wq, sub[1][1] + r * Wq}};
            for (int c = 0; c < tw; c += 16)
                rows_kxs(y + r * OW, OW, s0, Wq, c, tw - c, w, vb, av, K, S, 1, 1);
        }
}

/* Flat mode (Wq < 16, the tile is the whole width): output (r, c) is flat
 * position q = r*Wq + c of the buffer; lanes with c >= OW are dropped. */
static inline __attribute__((always_inline)) void
chunk_flat(float *y, int64_t OW, const float *const sub[2][2], int Wq, int rows,
           const float *w, __m512 vb, const struct onr_act512 *av, const int K, const int S)
{
    const int qend = (rows - 1) * Wq + (int)OW;
    const __m512i wq = _mm512_set1_epi32(Wq), ow = _mm512_set1_epi32((int)OW);
    const __m512i step = _mm512_set1_epi32(16 % Wq);
    __m512i col = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (__mmask16 m; (m = _mm512_cmpge_epi32_mask(col, wq)) != 0;) /* col %= Wq */
        col = _mm512_mask_sub_epi32(col, m, col, wq);
    int64_t pos = 0;
    for (int q = 0; q < qend; q += 16) {
        __m512 acc = vb;
#pragma GCC unroll 5
        for (int kh = 0; kh < K; kh++)
#pragma GCC unroll 5
            for (int kw = 0; kw < K; kw++) {
                const float *p = sub[kh % S][kw % S] + (kh / S) * Wq + kw / S + q;
                acc = _mm512_fmadd_ps(_mm512_loadu_ps(p), _mm512_set1_ps(w[kh * K + kw]), acc);
            }
        __mmask16 m = _mm512_cmplt_epi32_mask(col, ow);
        if (qend - q < 16) m &= (__mmask16)((1u << (qend - q)) - 1u);
        const int n = __builtin_popcount(m);
        _mm512_mask_storeu_ps(y + pos, (__mmask16)((1u << n) - 1u),
                              _mm512_maskz_compress_ps(m, onr_act512_apply(av, acc)));
        pos += n;
        col = _mm512_add_epi32(col, step);
        col = _mm512_mask_sub_epi32(col, _mm512_cmpge_epi32_mask(col, wq), col, wq);
    }
}

/* x: (H, W)  w: (K, K)  y: (OH, OW), rows [oh0, oh1) of one plane. */
static inline __attribute__((always_inline)) void
block_kxs(const struct onr_conv_shape *s, const float *x, const float *w, float bias,
          const struct onr_act512 *av, float *y, int64_t oh0, int64_t oh1, const int K,
          const int S)
{
    float buf[BUF] __attribute__((aligned(64)));
    const int sub_cap = BUF / (S * S);
    const int64_t ntiles = (s->OW + TW - 1) / TW; /* balanced: each >= TW/2 wide */
    const __m512 vb = _mm512_set1_ps(bias);
    for (int64_t ti = 0; ti < ntiles; ti++) {
        const int64_t ow0 = ti * s->OW / ntiles;
        const int tw = (int)((ti + 1) * s->OW / ntiles - ow0);
        /* row stride: rows of 16 or more start on a cache line */
        const int Wq = tw + (K - 1) / S < 16 ? tw + (K - 1) / S : (tw + (K - 1) / S + 15) / 16 * 16;
        const int chunk = (sub_cap - 32) / Wq - (K - 1) / S; /* >= 7 */
        const int64_t start = ow0 * S - s->pad_left;
        float *sub[2][2] = {{buf, buf}, {buf, buf}};
        __mmask16 cm[(TW + 2 + 15) / 16 + 1][2];
        for (int i = 0; i < Wq; i += 16)
            for (int h = 0; h < S; h++) cm[i / 16][h] = col_mask(start + S * i + 16 * h, s->W);
        for (int i = 0; i < S * S; i++) sub[i / S][i % S] = buf + i * sub_cap;
        for (int64_t c0 = oh0; c0 < oh1; c0 += chunk) {
            const int rows = oh1 - c0 < chunk ? (int)(oh1 - c0) : chunk;
            const int in_rows = (rows - 1) * S + K;
            for (int t = 0; t < in_rows; t++) {
                const int64_t ih = c0 * S - s->pad_top + t;
                float *dst[2] = {sub[t % S][0] + (t / S) * Wq, sub[t % S][S - 1] + (t / S) * Wq};
                fill_row(dst, ih >= 0 && ih < s->H ? x + ih * s->W : NULL, start, Wq,
                         (const __mmask16(*)[2])cm, S);
            }
            /* reads reach 16 floats past a sub-buffer's last row: zeros */
            for (int i = 0; i < S * S; i++)
                _mm512_storeu_ps(sub[i / S][i % S] + ((in_rows + S - 1 - i / S) / S) * Wq,
                                 _mm512_setzero_ps());
            const float *const(*cs)[2] = (const float *const(*)[2])sub;
            if (Wq >= 16)
                chunk_rows(y + c0 * s->OW + ow0, s->OW, cs, Wq, tw, rows, w, vb, av, K, S);
            else
                chunk_flat(y + c0 * s->OW, s->OW, cs, Wq, rows, w, vb, av, K, S);
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
    void onr_dwconv2d_f32_##K##x##K##s##S##__avx512(                                        \
        const struct onr_conv_shape *s, const float *x, const float *w, const float *b,     \
        const struct onr_activation *act, float *y, int threads)                            \
    {                                                                                       \
        const struct onr_act512 av = onr_act512_make(act);                                       \
        onr_dwconv2d_drive(s, x, w, b, &av, y, threads, block_##K##x##K##s##S);             \
    }
DEFINE_VARIANT(3, 1)
DEFINE_VARIANT(3, 2)
DEFINE_VARIANT(5, 1)
DEFINE_VARIANT(5, 2)
