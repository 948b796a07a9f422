/* The AVX-512 GEMM: a 12x32 register tile (24 zmm accumulators, two A
 * panels of ONR_GEMM_MR = 6 rows broadcast against a 32-column packed B
 * panel), specialised for every row count 1..12 and for 16- or 32-column
 * panels, with the epilogue (bias, residual, activation) applied in
 * registers before one store; partial columns use mask registers. A last
 * few columns go together with the rows in the vector lanes.
 * Relu and Clip (Relu6) are applied in registers; the other activations
 * in a pass over the tile just stored (still in L1). The shared driver
 * (onr_gemm_f32_tiled) splits the output into tasks of 32-column x 12-row
 * multiples; each element is one FMA chain in k order whichever path
 * computes it, so results do not depend on the thread count. */
#include <immintrin.h>

#include "vmath_avx512.h"

#include "../gemm.h"

#define ONR_INLINE static inline __attribute__((always_inline))

#define NR ONR_GEMM_NR_WIDE   /* columns per packed B panel */
#define TM (2 * ONR_GEMM_MR)  /* rows per register tile */
#define NARROW 4              /* a remainder this narrow goes by columns */

/* The epilogue by value, so the compiler keeps it in registers across the
 * stores to y (a pointer to it could alias them). */
struct epi {
    const float *bias_row, *bias_col, *res;   /* offset to the block */
    int64_t ldy;
    enum onr_activation_kind kind;
    float a, b;
    bool first, last;
};

/* A tile's activation: NONE, RELU and CLIP in registers (the kind a
 * constant); any other kind (ACT_LATER) after the store, by act_rows. */
#define ACT_LATER (-1)

/* onr_activation_apply on one vector, NaN handling included: max_ps(x, y)
 * is x > y ? x : y and min_ps(x, y) is x < y ? x : y. */
ONR_INLINE __m512 act1(const int kind, __m512 v, const struct epi ep)
{
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    switch (kind) {
    case ONR_ACT_RELU: return _mm512_max_ps(zero, v);   /* NaN stays NaN */
    case ONR_ACT_CLIP:
        return _mm512_min_ps(_mm512_set1_ps(ep.b), _mm512_max_ps(_mm512_set1_ps(ep.a), v));
    case ONR_ACT_HARDSIGMOID: {
        const __m512 t = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(ep.a), v),
                                       _mm512_set1_ps(ep.b));
        return _mm512_min_ps(one, _mm512_max_ps(zero, t));
    }
    case ONR_ACT_HARDSWISH: {
        const __m512 t = _mm512_add_ps(_mm512_div_ps(v, _mm512_set1_ps(6.0f)),
                                       _mm512_set1_ps(0.5f));
        return _mm512_mul_ps(v, _mm512_min_ps(one, _mm512_max_ps(zero, t)));
    }
    case ONR_ACT_SIGMOID: return onr_sigmoid_avx512(v);
    case ONR_ACT_SILU: return onr_silu_avx512(v);
    default: return v;
    }
}

/* Lanes below n (n may be <= 0 or >= 16). */
ONR_INLINE __mmask16 lanes_below(int n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

ONR_INLINE __m512 load16(const float *p, __mmask16 mask)
{
    return mask == 0xFFFF ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(mask, p);
}

ONR_INLINE void store16(float *p, __m512 v, __mmask16 mask)
{
    if (mask == 0xFFFF)
        _mm512_storeu_ps(p, v);
    else
        _mm512_mask_storeu_ps(p, mask, v);
}

/* The activation over rows x nr of y, in place: the epilogue of tiles and
 * columns whose kind is not applied in registers. */
static void act_rows(float *y, int rows, int nr, int64_t ldy, const struct epi ep)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < nr; c += 16) {
            const __mmask16 mask = lanes_below(nr - c);
            const __m512 v = _mm512_maskz_loadu_ps(mask, y + r * ldy + c);
            _mm512_mask_storeu_ps(y + r * ldy + c, mask, act1(ep.kind, v, ep));
        }
}

/* y (MR, NV*16) tile at row i, column j of the block, from two A panel
 * slices (kc x 6 each, the second used when MR > 6) and a B panel
 * (kc x 32); MR, NV and ACT are constants, nr the valid columns. */
ONR_INLINE void tile(const int MR, const int NV, const int ACT, int nr, int64_t kc, const float *a,
                     int64_t a_stride, const float *b, float *y, const struct epi ep,
                     int64_t i, int64_t j, const float *pf0, const float *pf1)
{
    const int64_t ldy = ep.ldy;
    const float *a0 = a, *a1 = MR > ONR_GEMM_MR ? a + a_stride : a;
    const __mmask16 mask[2] = {lanes_below(nr), lanes_below(nr - 16)};
    __m512 c[TM * 2];
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 2
        for (int h = 0; h < NV; h++)
            c[r * NV + h] = ep.first ? _mm512_setzero_ps() : load16(y + r * ldy + 16 * h, mask[h]);
    for (int64_t k = 0; k < kc; k++) {
        const __m512 b0 = _mm512_load_ps(b + k * NR);
        const __m512 b1 = NV > 1 ? _mm512_load_ps(b + k * NR + 16) : b0;
        if (pf0 != NULL) {   /* a line of the next tile's A slices per k */
            const int64_t o = k * 16, len = kc * ONR_GEMM_MR;
            if (o < len) _mm_prefetch((const char *)(pf0 + o), _MM_HINT_T0);
            else if (o < 2 * len) _mm_prefetch((const char *)(pf1 + (o - len)), _MM_HINT_T0);
        }
#pragma GCC unroll 12
        for (int r = 0; r < MR; r++) {
            const float *ar = r < ONR_GEMM_MR ? a0 + r : a1 + (r - ONR_GEMM_MR);
            const __m512 av = _mm512_set1_ps(ar[k * ONR_GEMM_MR]);
            c[r * NV] = _mm512_fmadd_ps(av, b0, c[r * NV]);
            if (NV > 1) c[r * NV + 1] = _mm512_fmadd_ps(av, b1, c[r * NV + 1]);
        }
    }
    if (ep.last) {
#pragma GCC unroll 12
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 2
            for (int h = 0; h < NV; h++) {
                __m512 v = c[r * NV + h];
                if (ep.bias_row != NULL) v = _mm512_add_ps(v, _mm512_set1_ps(ep.bias_row[i + r]));
                if (ep.bias_col != NULL)
                    v = _mm512_add_ps(v, load16(ep.bias_col + j + 16 * h, mask[h]));
                if (ep.res != NULL)
                    v = _mm512_add_ps(v, load16(ep.res + (i + r) * ldy + j + 16 * h, mask[h]));
                c[r * NV + h] = ACT == ACT_LATER ? v : act1(ACT, v, ep);
            }
    }
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 2
        for (int h = 0; h < NV; h++) store16(y + r * ldy + 16 * h, c[r * NV + h], mask[h]);
    if (ACT == ACT_LATER && ep.last && ep.kind != ONR_ACT_NONE) act_rows(y, MR, nr, ldy, ep);
}

#define ONR_GEMM_TILE(MR, NV)                                                            \
    static void tile_##MR##x##NV(int nr, int64_t kc, const float *a, int64_t a_stride,   \
                                 const float *b, float *y, const struct epi ep,          \
                                 int64_t i, int64_t j)                                   \
    {                                                                                    \
        tile(MR, NV, ACT_LATER, nr, kc, a, a_stride, b, y, ep, i, j, NULL, NULL);        \
    }
ONR_GEMM_TILE(1, 1) ONR_GEMM_TILE(2, 1) ONR_GEMM_TILE(3, 1) ONR_GEMM_TILE(4, 1)
ONR_GEMM_TILE(5, 1) ONR_GEMM_TILE(6, 1) ONR_GEMM_TILE(7, 1) ONR_GEMM_TILE(8, 1)
ONR_GEMM_TILE(9, 1) ONR_GEMM_TILE(10, 1) ONR_GEMM_TILE(11, 1) ONR_GEMM_TILE(12, 1)
ONR_GEMM_TILE(1, 2) ONR_GEMM_TILE(2, 2) ONR_GEMM_TILE(3, 2) ONR_GEMM_TILE(4, 2)
ONR_GEMM_TILE(5, 2) ONR_GEMM_TILE(6, 2) ONR_GEMM_TILE(7, 2) ONR_GEMM_TILE(8, 2)
ONR_GEMM_TILE(9, 2) ONR_GEMM_TILE(10, 2) ONR_GEMM_TILE(11, 2) ONR_GEMM_TILE(12, 2)

typedef void (*tile_fn)(int nr, int64_t kc, const float *a, int64_t a_stride, const float *b,
                        float *y, const struct epi ep, int64_t i, int64_t j);
static const tile_fn edge_tiles[2][TM] = {
    {tile_1x1, tile_2x1, tile_3x1, tile_4x1, tile_5x1, tile_6x1,
     tile_7x1, tile_8x1, tile_9x1, tile_10x1, tile_11x1, tile_12x1},
    {tile_1x2, tile_2x2, tile_3x2, tile_4x2, tile_5x2, tile_6x2,
     tile_7x2, tile_8x2, tile_9x2, tile_10x2, tile_11x2, tile_12x2},
};

/* Columns [j, j + W) of y for up to 4 panels (24 rows) from row i of the
 * block: the 6 rows of a panel are lanes of one 8-float vector (A_PAD
 * keeps the 8-float loads inside packed A), so a narrow remainder costs
 * one FMA per panel, column and k, and A is read once for all W columns.
 * Missing panels re-read the first one and are dropped. The epilogue runs
 * on zmm as in tile(), so every element gets the bits a tile would give it. */
ONR_INLINE void columns(const int W, int64_t m, int64_t kc, const float *a, int64_t a_stride,
                        const float *b, int64_t ldb, float *y, const struct epi ep, int64_t i,
                        int64_t j)
{
    enum { P = 4 };
    const int64_t ldy = ep.ldy;
    const int rows = (int)(m - i < P * ONR_GEMM_MR ? m - i : P * ONR_GEMM_MR);
    const float *ap[P];
    for (int p = 0; p < P; p++) ap[p] = a + (p * ONR_GEMM_MR < rows ? p : 0) * a_stride;
    float t[4][P * ONR_GEMM_MR + 2] = {{0}};   /* [column][row]; 2 spare lanes */
    if (!ep.first)
        for (int c = 0; c < W; c++)
            for (int r = 0; r < rows; r++) t[c][r] = y[(i + r) * ldy + j + c];
    __m256 acc[4][P];
#pragma GCC unroll 4
    for (int c = 0; c < W; c++)
#pragma GCC unroll 4
        for (int p = 0; p < P; p++) acc[c][p] = _mm256_loadu_ps(t[c] + p * ONR_GEMM_MR);
    for (int64_t k = 0; k < kc; k++) {
        __m256 av[P];
#pragma GCC unroll 4
        for (int p = 0; p < P; p++) av[p] = _mm256_loadu_ps(ap[p] + k * ONR_GEMM_MR);
#pragma GCC unroll 4
        for (int c = 0; c < W; c++) {
            const __m256 bk = _mm256_broadcast_ss(b + k * ldb + j + c);
#pragma GCC unroll 4
            for (int p = 0; p < P; p++) acc[c][p] = _mm256_fmadd_ps(av[p], bk, acc[c][p]);
        }
    }
    /* 6 lanes per panel: lanes 6-7 would overwrite the next panel's rows. */
#pragma GCC unroll 4
    for (int c = 0; c < W; c++)
#pragma GCC unroll 4
        for (int p = 0; p < P; p++)
            _mm256_mask_storeu_ps(t[c] + p * ONR_GEMM_MR, 0x3F, acc[c][p]);
    for (int c = 0; c < W; c++) {
        if (ep.last) {
            for (int r = 0; r < rows; r++) {
                if (ep.bias_row != NULL) t[c][r] += ep.bias_row[i + r];
                if (ep.bias_col != NULL) t[c][r] += ep.bias_col[j + c];
                if (ep.res != NULL) t[c][r] += ep.res[(i + r) * ldy + j + c];
            }
            act_rows(t[c], 1, rows, 0, ep);
        }
        for (int r = 0; r < rows; r++) y[(i + r) * ldy + j + c] = t[c][r];
    }
}

#define ONR_GEMM_COLUMNS(W)                                                              \
    static void columns_##W(int64_t m, int64_t kc, const float *a, int64_t a_stride,     \
                            const float *b, int64_t ldb, float *y, const struct epi ep,  \
                            int64_t i, int64_t j)                                        \
    {                                                                                    \
        columns(W, m, kc, a, a_stride, b, ldb, y, ep, i, j);                             \
    }
ONR_GEMM_COLUMNS(1) ONR_GEMM_COLUMNS(2) ONR_GEMM_COLUMNS(3) ONR_GEMM_COLUMNS(4)

/* Columns [j, j + w) of the block (w <= NARROW), 4 panels at a time. */
static void narrow_panel(int64_t m, int w, int64_t kc, const float *a, int64_t a_stride,
                         const float *b, int64_t ldb, float *y, const struct epi ep, int64_t j)
{
    typedef void (*col_fn)(int64_t, int64_t, const float *, int64_t, const float *, int64_t,
                           float *, const struct epi, int64_t, int64_t);
    static const col_fn fns[NARROW] = {columns_1, columns_2, columns_3, columns_4};
    for (int64_t i = 0; i < m; i += 4 * ONR_GEMM_MR)
        fns[w - 1](m, kc, a + i / ONR_GEMM_MR * a_stride, a_stride, b, ldb, y, ep, i, j);
}

/* One B panel: (kc, w) of b, w <= NR, to kc x NR (zero padded up to the
 * next 16 columns), touching the next panel's lines for the next call. */
static void pack_b_panel(const float *b, int64_t ldb, int64_t kc, int w, float *packed)
{
    if (w == NR) {
        for (int64_t k = 0; k < kc; k++) {
            const float *src = b + k * ldb;
            _mm_prefetch((const char *)(src + NR), _MM_HINT_T0);
            _mm_prefetch((const char *)(src + NR + 16), _MM_HINT_T0);
            _mm512_store_ps(packed + k * NR, _mm512_loadu_ps(src));
            _mm512_store_ps(packed + k * NR + 16, _mm512_loadu_ps(src + 16));
        }
        return;
    }
    const __mmask16 m0 = lanes_below(w), m1 = lanes_below(w - 16);
    for (int64_t k = 0; k < kc; k++) {
        const float *src = b + k * ldb;
        _mm512_store_ps(packed + k * NR, _mm512_maskz_loadu_ps(m0, src));
        if (w > 16) _mm512_store_ps(packed + k * NR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
}

/* Asks for the lines of a tile of y (rows x 32) ahead of its stores: written
 * in strips 12 rows apart, y outruns the hardware prefetcher. */
ONR_INLINE void prefetch_tile(const float *y, int64_t rows, int64_t ldy)
{
    for (int64_t r = 0; r < rows; r++) {
        _mm_prefetch((const char *)(y + r * ldy), _MM_HINT_ET0);
        _mm_prefetch((const char *)(y + r * ldy + 16), _MM_HINT_ET0);
    }
}

/* Full 12x32 tiles, one copy per activation applied in registers (not
 * inlined into the row loop, whose pointers would take the registers). */
#define ONR_GEMM_FULL_TILE(NAME, ACT)                                                    \
    __attribute__((noinline)) static void full_##NAME(                                   \
        int64_t kc, const float *a, int64_t a_stride, const float *b, float *y,          \
        const struct epi ep, int64_t i, int64_t j, const float *pf0, const float *pf1)   \
    {                                                                                    \
        tile(TM, 2, ACT, NR, kc, a, a_stride, b, y, ep, i, j, pf0, pf1);                 \
    }
ONR_GEMM_FULL_TILE(none, ONR_ACT_NONE) ONR_GEMM_FULL_TILE(relu, ONR_ACT_RELU)
ONR_GEMM_FULL_TILE(clip, ONR_ACT_CLIP) ONR_GEMM_FULL_TILE(later, ACT_LATER)

typedef void (*full_fn)(int64_t kc, const float *a, int64_t a_stride, const float *b,
                        float *y, const struct epi ep, int64_t i, int64_t j, const float *pf0,
                        const float *pf1);

/* One K-block of the task: 32-column panels, each packed once and swept
 * down the rows, full 12x32 tiles by `full` (y of the next tile prefetched)
 * and edge tiles by table; a last 1-4 columns of a panel by narrow_panel. */
static void block(int64_t m, int64_t n, int64_t kc, const float *a, int64_t a_stride,
                  const float *b, int64_t ldb, float *bp, float *y, const struct epi ep)
{
    const int64_t ldy = ep.ldy;
    const full_fn full = !ep.last || ep.kind == ONR_ACT_NONE ? full_none
                         : ep.kind == ONR_ACT_RELU           ? full_relu
                         : ep.kind == ONR_ACT_CLIP           ? full_clip
                                                             : full_later;
    for (int64_t j = 0; j < n; j += NR) {
        int nr = (int)(n - j < NR ? n - j : NR);
        const int rest = nr % 16 <= NARROW ? nr % 16 : 0;   /* columns done one by one */
        nr -= rest;
        if (rest > 0) narrow_panel(m, rest, kc, a, a_stride, b, ldb, y, ep, j + nr);
        if (nr == 0) continue;
        pack_b_panel(b + j, ldb, kc, nr, bp);
        int64_t i = 0;
        if (nr == NR)
            for (; i + TM <= m; i += TM) {
                if (i + TM < m)   /* the next tile, or the next panel's first */
                    prefetch_tile(y + (i + TM) * ldy + j, m - i - TM < TM ? m - i - TM : TM, ldy);
                else if (j + 2 * NR <= n)
                    prefetch_tile(y + j + NR, m < TM ? m : TM, ldy);
                /* the next tile's A panels (the first sweep reads A from L3) */
                const float *an = a + i / ONR_GEMM_MR * a_stride, *pf0 = an, *pf1 = an;
                if (i + TM < m) pf0 = pf1 = an + 2 * a_stride;
                if (i + TM + ONR_GEMM_MR < m) pf1 = an + 3 * a_stride;
                full(kc, an, a_stride, bp, y + i * ldy + j, ep, i, j, pf0, pf1);
            }
        for (; i < m; i += TM) {
            const int mr = (int)(m - i < TM ? m - i : TM);
            edge_tiles[nr > 16][mr - 1](nr, kc, a + i / ONR_GEMM_MR * a_stride, a_stride, bp,
                                        y + i * ldy + j, ep, i, j);
        }
    }
}

/* The shared driver's view of block (onr_gemm_block_fn). */
static void block_avx512(int64_t m, int64_t n, int64_t kc, const float *a, int64_t a_stride,
                         const float *b, int64_t ldb, float *bp, float *y,
                         const struct onr_gemm_epilogue *e)
{
    const struct epi ep = {
        .bias_row = e->bias_row, .bias_col = e->bias_col, .res = e->residual,
        .ldy = e->ldy, .kind = e->act->kind, .a = e->act->a, .b = e->act->b,
        .first = e->first, .last = e->last,
    };
    block(m, n, kc, a, a_stride, b, ldb, bp, y, ep);
}

/* a: packed (M, K)  b: (K, N) ldb  y: (M, N) ldy */
void onr_gemm_f32__avx512(const struct onr_gemm_shape *s, const float *a, const float *b,
                          const float *bias, const float *residual,
                          const struct onr_activation *act, float *y, void *workspace,
                          int threads)
{
    onr_gemm_f32_tiled(s, a, b, bias, residual, act, y, workspace, threads, NR, TM,
                       block_avx512);
}
