/* The AVX2+FMA GEMM: a 6x16 register tile (12 accumulators, B panel loads
 * and A broadcasts) specialised for every row count 1..6 and for 8- or
 * 16-column panels, with the epilogue (bias, residual, activation) applied
 * in registers before one store. Blocking and threading come from the
 * shared driver (gemm_scalar.c); partial columns use masked loads/stores. */
#include <immintrin.h>

#include "vmath_avx2.h"

#include "../gemm.h"

#define ONR_INLINE static inline __attribute__((always_inline))

/* A last panel this narrow is done a column at a time. */
#define ONR_GEMM_NARROW 6

/* The epilogue by value, so the compiler keeps it in registers across the
 * stores to y (a pointer to it could alias them). */
struct epi {
    const float *bias_row, *bias_col, *res;   /* offset to the block */
    int64_t ldy;
    enum onr_activation_kind kind;
    float a, b;
    bool first, last;
};

/* onr_activation_apply on n vectors, NaN handling included: max_ps(x, y)
 * is x > y ? x : y and min_ps(x, y) is x < y ? x : y. */
ONR_INLINE void act_n(const int n, __m256 *v, const struct epi ep)
{
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    const __m256 a = _mm256_set1_ps(ep.a), b = _mm256_set1_ps(ep.b);
    switch (ep.kind) {
    case ONR_ACT_NONE: break;
    case ONR_ACT_RELU:
#pragma GCC unroll 12
        for (int i = 0; i < n; i++) v[i] = _mm256_max_ps(zero, v[i]); /* NaN stays NaN */
        break;
    case ONR_ACT_CLIP:
#pragma GCC unroll 12
        for (int i = 0; i < n; i++) v[i] = _mm256_min_ps(b, _mm256_max_ps(a, v[i]));
        break;
    case ONR_ACT_HARDSIGMOID:
#pragma GCC unroll 12
        for (int i = 0; i < n; i++) {
            __m256 t = _mm256_add_ps(_mm256_mul_ps(a, v[i]), b);
            v[i] = _mm256_min_ps(one, _mm256_max_ps(zero, t));
        }
        break;
    case ONR_ACT_HARDSWISH: {
        const __m256 six = _mm256_set1_ps(6.0f), half = _mm256_set1_ps(0.5f);
#pragma GCC unroll 12
        for (int i = 0; i < n; i++) {
            __m256 t = _mm256_add_ps(_mm256_div_ps(v[i], six), half);
            v[i] = _mm256_mul_ps(v[i], _mm256_min_ps(one, _mm256_max_ps(zero, t)));
        }
        break;
    }
    case ONR_ACT_SIGMOID:
#pragma GCC unroll 12
        for (int i = 0; i < n; i++) v[i] = onr_sigmoid_avx2(v[i]);
        break;
    case ONR_ACT_SILU:
#pragma GCC unroll 12
        for (int i = 0; i < n; i++) v[i] = onr_silu_avx2(v[i]);
        break;
    }
}

/* Lanes below n (n may be <= 0 or >= 8). */
ONR_INLINE __m256i lanes_below(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

ONR_INLINE __m256 load8(const float *p, bool full, __m256i mask)
{
    return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask);
}

ONR_INLINE void store8(float *p, __m256 v, bool full, __m256i mask)
{
    if (full)
        _mm256_storeu_ps(p, v);
    else
        _mm256_maskstore_ps(p, mask, v);
}

/* y (MR, NV*8) tile at row i, column j of the block, from an A panel
 * slice (kc x 6) and a B panel (kc x 16); MR and NV are constants. */
ONR_INLINE void tile(const int MR, const int NV, int nr, int64_t kc, const float *a,
                     const float *b, float *y, const struct epi ep, int64_t i, int64_t j)
{
    const int64_t ldy = ep.ldy;
    bool full[2];
    __m256i mask[2];
    for (int h = 0; h < 2; h++) {
        full[h] = nr >= 8 * (h + 1);
        mask[h] = lanes_below(nr - 8 * h);
    }
    __m256 c[6 * 2];
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 2
        for (int h = 0; h < NV; h++)
            c[r * NV + h] = ep.first ? _mm256_setzero_ps()
                                     : load8(y + r * ldy + 8 * h, full[h], mask[h]);
    for (int64_t k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_load_ps(b + k * ONR_GEMM_NR);
        const __m256 b1 = NV > 1 ? _mm256_load_ps(b + k * ONR_GEMM_NR + 8) : b0;
#pragma GCC unroll 6
        for (int r = 0; r < MR; r++) {
            const __m256 ar = _mm256_broadcast_ss(a + k * ONR_GEMM_MR + r);
            c[r * NV] = _mm256_fmadd_ps(ar, b0, c[r * NV]);
            if (NV > 1) c[r * NV + 1] = _mm256_fmadd_ps(ar, b1, c[r * NV + 1]);
        }
    }
    if (ep.last) {
#pragma GCC unroll 6
        for (int r = 0; r < MR; r++)
#pragma GCC unroll 2
            for (int h = 0; h < NV; h++) {
                __m256 v = c[r * NV + h];
                if (ep.bias_row != NULL)
                    v = _mm256_add_ps(v, _mm256_broadcast_ss(ep.bias_row + i + r));
                if (ep.bias_col != NULL)
                    v = _mm256_add_ps(v, load8(ep.bias_col + j + 8 * h, full[h], mask[h]));
                if (ep.res != NULL)
                    v = _mm256_add_ps(v, load8(ep.res + (i + r) * ldy + j + 8 * h, full[h],
                                               mask[h]));
                c[r * NV + h] = v;
            }
        act_n(MR * NV, c, ep);
    }
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 2
        for (int h = 0; h < NV; h++) store8(y + r * ldy + 8 * h, c[r * NV + h], full[h], mask[h]);
}

#define ONR_GEMM_TILE(MR, NV)                                                          \
    static void tile_##MR##x##NV(int nr, int64_t kc, const float *a, const float *b,   \
                                 float *y, const struct epi ep, int64_t i, int64_t j)  \
    {                                                                                  \
        tile(MR, NV, nr, kc, a, b, y, ep, i, j);                                       \
    }
ONR_GEMM_TILE(1, 1) ONR_GEMM_TILE(2, 1) ONR_GEMM_TILE(3, 1)
ONR_GEMM_TILE(4, 1) ONR_GEMM_TILE(5, 1) ONR_GEMM_TILE(6, 1)
ONR_GEMM_TILE(1, 2) ONR_GEMM_TILE(2, 2) ONR_GEMM_TILE(3, 2)
ONR_GEMM_TILE(4, 2) ONR_GEMM_TILE(5, 2) ONR_GEMM_TILE(6, 2)

typedef void (*tile_fn)(int nr, int64_t kc, const float *a, const float *b, float *y,
                        const struct epi ep, int64_t i, int64_t j);
static const tile_fn edge_tiles[2][6] = {
    {tile_1x1, tile_2x1, tile_3x1, tile_4x1, tile_5x1, tile_6x1},
    {tile_1x2, tile_2x2, tile_3x2, tile_4x2, tile_5x2, tile_6x2},
};

/* Column c of y for P panels (6P rows) at row i of the block: the rows
 * are the vector lanes (6 of 8 used), so a narrow last panel of columns
 * costs one FMA per k instead of a 6x8 tile. Same FMA per element as the
 * tiles, in k order. */
ONR_INLINE void column(const int P, int64_t m, int64_t kc, const float *a, int64_t a_stride,
                       const float *b, int64_t ldb, float *y, const struct epi ep, int64_t i,
                       int64_t j)
{
    const int64_t ldy = ep.ldy;
    __m256 acc[8];
    float t[8 * 8];
#pragma GCC unroll 8
    for (int p = 0; p < P; p++) {
        if (!ep.first)
            for (int r = 0; r < ONR_GEMM_MR && i + p * 6 + r < m; r++)
                t[p * 8 + r] = y[(i + p * 6 + r) * ldy + j];
        acc[p] = ep.first ? _mm256_setzero_ps() : _mm256_loadu_ps(t + p * 8);
    }
    for (int64_t k = 0; k < kc; k++) {
        const __m256 bk = _mm256_broadcast_ss(b + k * ldb + j);
#pragma GCC unroll 8
        for (int p = 0; p < P; p++)
            acc[p] = _mm256_fmadd_ps(_mm256_loadu_ps(a + p * a_stride + k * ONR_GEMM_MR), bk,
                                     acc[p]);
    }
#pragma GCC unroll 8
    for (int p = 0; p < P; p++) _mm256_storeu_ps(t + p * 8, acc[p]);
    const struct onr_activation act = {ep.kind, ep.a, ep.b};
    for (int p = 0; p < P; p++)
        for (int r = 0; r < ONR_GEMM_MR && i + p * 6 + r < m; r++) {
            const int64_t row = i + p * 6 + r;
            float v = t[p * 8 + r];
            if (ep.last) {
                if (ep.bias_row != NULL) v += ep.bias_row[row];
                if (ep.bias_col != NULL) v += ep.bias_col[j];
                if (ep.res != NULL) v += ep.res[row * ldy + j];
                v = onr_activation_apply(&act, v);
            }
            y[row * ldy + j] = v;
        }
}

#define ONR_GEMM_COLUMN(P)                                                              \
    static void column_##P(int64_t m, int64_t kc, const float *a, int64_t a_stride,     \
                           const float *b, int64_t ldb, float *y, const struct epi ep,  \
                           int64_t i, int64_t j)                                        \
    {                                                                                   \
        column(P, m, kc, a, a_stride, b, ldb, y, ep, i, j);                             \
    }
ONR_GEMM_COLUMN(1) ONR_GEMM_COLUMN(2) ONR_GEMM_COLUMN(3) ONR_GEMM_COLUMN(4)
ONR_GEMM_COLUMN(5) ONR_GEMM_COLUMN(6) ONR_GEMM_COLUMN(7) ONR_GEMM_COLUMN(8)

typedef void (*column_fn)(int64_t m, int64_t kc, const float *a, int64_t a_stride,
                          const float *b, int64_t ldb, float *y, const struct epi ep,
                          int64_t i, int64_t j);
static const column_fn columns[8] = {column_1, column_2, column_3, column_4,
                                     column_5, column_6, column_7, column_8};

/* Columns [j, j + w) of the block, 8 panels (48 rows) at a time. */
static void narrow_panel(int64_t m, int w, int64_t kc, const float *a, int64_t a_stride,
                         const float *b, int64_t ldb, float *y, const struct epi ep, int64_t j)
{
    const int64_t panels = (m + ONR_GEMM_MR - 1) / ONR_GEMM_MR;
    for (int64_t p = 0; p < panels; p += 8) {
        const int np = (int)(panels - p < 8 ? panels - p : 8);
        for (int c = 0; c < w; c++)
            columns[np - 1](m, kc, a + p * a_stride, a_stride, b, ldb, y, ep,
                            p * ONR_GEMM_MR, j + c);
    }
}

/* One B panel: (kc, w) of b, w <= NR, to kc x NR zero padded, touching
 * the next panel's lines for the next call. */
static void pack_b_panel(const float *b, int64_t ldb, int64_t kc, int w, float *packed)
{
    if (w == ONR_GEMM_NR) {
        for (int64_t k = 0; k < kc; k++) {
            const float *src = b + k * ldb;
            _mm_prefetch((const char *)(src + ONR_GEMM_NR), _MM_HINT_T0);
            _mm256_store_ps(packed + k * ONR_GEMM_NR, _mm256_loadu_ps(src));
            _mm256_store_ps(packed + k * ONR_GEMM_NR + 8, _mm256_loadu_ps(src + 8));
        }
        return;
    }
    const __m256i m0 = lanes_below(w), m1 = lanes_below(w - 8);
    for (int64_t k = 0; k < kc; k++) {
        const float *src = b + k * ldb;
        _mm256_store_ps(packed + k * ONR_GEMM_NR, _mm256_maskload_ps(src, m0));
        _mm256_store_ps(packed + k * ONR_GEMM_NR + 8, _mm256_maskload_ps(src + 8, m1));
    }
}

/* Full 6x16 tiles inline; edge tiles through the table. */
static void block_avx2(int64_t m, int64_t n, int64_t kc, const float *a, int64_t a_stride,
                       const float *b, int64_t ldb, float *bp, float *y,
                       const struct onr_gemm_epilogue *e)
{
    const struct epi ep = {
        .bias_row = e->bias_row, .bias_col = e->bias_col, .res = e->residual,
        .ldy = e->ldy, .kind = e->act->kind, .a = e->act->a, .b = e->act->b,
        .first = e->first, .last = e->last,
    };
    const int64_t ldy = e->ldy;
    for (int64_t j = 0; j < n; j += ONR_GEMM_NR) {
        const int nr = (int)(n - j < ONR_GEMM_NR ? n - j : ONR_GEMM_NR);
        if (nr <= ONR_GEMM_NARROW) {
            narrow_panel(m, nr, kc, a, a_stride, b, ldb, y, ep, j);
            continue;
        }
        pack_b_panel(b + j, ldb, kc, nr, bp);
        int64_t i = 0;
        if (nr == ONR_GEMM_NR)
            for (; i + ONR_GEMM_MR <= m; i += ONR_GEMM_MR)
                tile(6, 2, ONR_GEMM_NR, kc, a + i / ONR_GEMM_MR * a_stride, bp, y + i * ldy + j,
                     ep, i, j);
        for (; i < m; i += ONR_GEMM_MR) {
            const int mr = (int)(m - i < ONR_GEMM_MR ? m - i : ONR_GEMM_MR);
            edge_tiles[nr > 8][mr - 1](nr, kc, a + i / ONR_GEMM_MR * a_stride, bp,
                                       y + i * ldy + j, ep, i, j);
        }
    }
}

/* a: packed (M, K)  b: (K, N) ldb  y: (M, N) ldy */
void onr_gemm_f32__avx2(const struct onr_gemm_shape *s, const float *a, const float *b,
                        const float *bias, const float *residual,
                        const struct onr_activation *act, float *y, void *workspace,
                        int threads)
{
    onr_gemm_f32_tiled(s, a, b, bias, residual, act, y, workspace, threads, ONR_GEMM_NR,
                       ONR_GEMM_MR, block_avx2);
}
