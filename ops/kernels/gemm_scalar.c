/* The portable GEMM: A packing and sizes shared with the AVX2 variant, the
 * blocked OpenMP driver both fast variants run, and a plain C register tile.
 * Layouts and summation order are described in gemm.h. */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gemm.h"

size_t onr_gemm_f32_packed_a_size(int64_t M, int64_t K)
{
    if (M < 1 || K < 1 || M > INT64_MAX - ONR_GEMM_MR) return 0;
    const int64_t rows = (M + ONR_GEMM_MR - 1) / ONR_GEMM_MR * ONR_GEMM_MR;
    if ((uint64_t)rows > (SIZE_MAX / sizeof(float) - ONR_GEMM_A_PAD) / (uint64_t)K) return 0;
    return ((size_t)rows * (size_t)K + ONR_GEMM_A_PAD) * sizeof(float);
}

/* packed: ceil(M / MR) panels of K x MR, element (m, k) of panel p = m / MR
 * at [p * MR * K + k * MR + m % MR]; rows past M and the A_PAD floats after
 * the last panel are zero. */
void onr_gemm_f32_pack_a(int64_t M, int64_t K, const float *a, int64_t lda, bool trans,
                         float *packed)
{
    for (int64_t m0 = 0; m0 < M; m0 += ONR_GEMM_MR) {
        float *panel = packed + m0 * K;
        for (int64_t k = 0; k < K; k++)
            for (int64_t r = 0; r < ONR_GEMM_MR; r++) {
                const int64_t m = m0 + r;
                float v = 0.0f;
                if (m < M) v = trans ? a[k * lda + m] : a[m * lda + k];
                panel[k * ONR_GEMM_MR + r] = v;
            }
    }
    const int64_t end = (M + ONR_GEMM_MR - 1) / ONR_GEMM_MR * ONR_GEMM_MR * K;
    for (int64_t i = 0; i < ONR_GEMM_A_PAD; i++) packed[end + i] = 0.0f;
}

size_t onr_gemm_f32_workspace_size(int64_t M, int64_t N, int64_t K, int threads)
{
    if (M < 1 || N < 1 || K < 1 || threads < 1 || N > INT64_MAX - ONR_GEMM_NR) return 0;
    const uint64_t per_thread = (uint64_t)onr_gemm_b_panel_floats(K);
    if (per_thread > SIZE_MAX / sizeof(float) / (uint64_t)threads) return 0;
    return (size_t)per_thread * sizeof(float) * (size_t)threads;
}

/* One task: rows [m0, m1) x columns [n0, n1), every K-block in order. */
static void run_task(const struct onr_gemm_shape *s, const float *a, const float *b,
                     const float *bias, const float *residual,
                     const struct onr_activation *act, float *y, float *bpack,
                     int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                     onr_gemm_block_fn block)
{
    const int64_t K = s->K, kc = onr_gemm_kc(K);
    const bool row = bias != NULL && s->bias_mode == ONR_GEMM_BIAS_ROW;
    const bool col = bias != NULL && s->bias_mode == ONR_GEMM_BIAS_COL;
    struct onr_gemm_epilogue e = {
        .bias_row = row ? bias + m0 : NULL,
        .bias_col = col ? bias + n0 : NULL,
        .residual = residual != NULL ? residual + m0 * s->ldy + n0 : NULL,
        .ldy = s->ldy, .act = act,
    };
    for (int64_t pc = 0; pc < K; pc += kc) {
        const int64_t kb = K - pc < kc ? K - pc : kc;
        e.first = pc == 0;
        e.last = pc + kb == K;
        block(m1 - m0, n1 - n0, kb, a + m0 * K + pc * ONR_GEMM_MR, ONR_GEMM_MR * K,
              b + pc * s->ldb + n0, s->ldb, bpack, y + m0 * s->ldy + n0, &e);
    }
}

void onr_gemm_f32_tiled(const struct onr_gemm_shape *s, const float *a, const float *b,
                        const float *bias, const float *residual,
                        const struct onr_activation *act, float *y, void *workspace,
                        int threads, int64_t nr, int64_t mr, onr_gemm_block_fn block)
{
    struct onr_gemm_tiles t;
    onr_gemm_tiles_make_for(s->M, s->N, threads, nr, mr, &t);
    const int64_t per_thread = onr_gemm_b_panel_floats(s->K);
    const int64_t tasks = t.tasks_n * t.tasks_m;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1 && tasks > 1)
#endif
    for (int64_t task = 0; task < tasks; task++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        const int64_t n0 = task % t.tasks_n * t.nt, m0 = task / t.tasks_n * t.mt;
        const int64_t n1 = n0 + t.nt < s->N ? n0 + t.nt : s->N;
        const int64_t m1 = m0 + t.mt < s->M ? m0 + t.mt : s->M;
        run_task(s, a, b, bias, residual, act, y, (float *)workspace + tid * per_thread,
                 m0, m1, n0, n1, block);
    }
}

/* One B panel: (kc, w) of b, w <= NR, to kc x NR zero padded. */
static void pack_b_panel(const float *b, int64_t ldb, int64_t kc, int64_t w, float *packed)
{
    for (int64_t k = 0; k < kc; k++) {
        float *dst = packed + k * ONR_GEMM_NR;
        memcpy(dst, b + k * ldb, (size_t)w * sizeof(float));
        for (int64_t c = w; c < ONR_GEMM_NR; c++) dst[c] = 0.0f;
    }
}

/* y (mr, nr) tile at row i, column j of the block. */
static void tile_scalar(int mr, int nr, int64_t kc, const float *a, const float *b, float *y,
                        const struct onr_gemm_epilogue *e, int64_t i, int64_t j)
{
    const int64_t ldy = e->ldy;
    float acc[ONR_GEMM_MR][ONR_GEMM_NR];
    for (int r = 0; r < mr; r++) {   /* a row at a time: 16 sums in registers */
        float row[ONR_GEMM_NR];
        for (int c = 0; c < ONR_GEMM_NR; c++)
            row[c] = !e->first && c < nr ? y[r * ldy + c] : 0.0f;
        for (int64_t k = 0; k < kc; k++) {
            const float ar = a[k * ONR_GEMM_MR + r];
#pragma GCC unroll 16
            for (int c = 0; c < ONR_GEMM_NR; c++) row[c] += ar * b[k * ONR_GEMM_NR + c];
        }
        memcpy(acc[r], row, sizeof(row));
    }
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nr; c++) {
            float v = acc[r][c];
            if (e->last) {
                if (e->bias_row != NULL) v += e->bias_row[i + r];
                if (e->bias_col != NULL) v += e->bias_col[j + c];
                if (e->residual != NULL) v += e->residual[(i + r) * ldy + j + c];
                v = onr_activation_apply(e->act, v);
            }
            y[r * ldy + c] = v;
        }
}

static void block_scalar(int64_t m, int64_t n, int64_t kc, const float *a, int64_t a_stride,
                         const float *b, int64_t ldb, float *bpack, float *y,
                         const struct onr_gemm_epilogue *e)
{
    for (int64_t j = 0; j < n; j += ONR_GEMM_NR) {
        const int nr = (int)(n - j < ONR_GEMM_NR ? n - j : ONR_GEMM_NR);
        pack_b_panel(b + j, ldb, kc, nr, bpack);
        for (int64_t i = 0; i < m; i += ONR_GEMM_MR) {
            const int mr = (int)(m - i < ONR_GEMM_MR ? m - i : ONR_GEMM_MR);
            tile_scalar(mr, nr, kc, a + i / ONR_GEMM_MR * a_stride, bpack,
                        y + i * e->ldy + j, e, i, j);
        }
    }
}

/* a: packed (M, K)  b: (K, N) ldb  y: (M, N) ldy */
void onr_gemm_f32__scalar(const struct onr_gemm_shape *s, const float *a, const float *b,
                          const float *bias, const float *residual,
                          const struct onr_activation *act, float *y, void *workspace,
                          int threads)
{
    onr_gemm_f32_tiled(s, a, b, bias, residual, act, y, workspace, threads, ONR_GEMM_NR,
                       ONR_GEMM_MR, block_scalar);
}

enum { ROWS_BLOCK = 256 };

/* a' (M, K) strided  b (K, N) row stride ldb  y (M, N) */
void onr_gemm_f32_rows__scalar(int64_t M, int64_t N, int64_t K, const float *a, int64_t sam,
                               int64_t sak, const float *restrict b, int64_t ldb,
                               float *restrict y, int threads)
{
    const int64_t blocks = (N + ROWS_BLOCK - 1) / ROWS_BLOCK;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && blocks > 1 && M * N * K >= 65536)
    for (int64_t blk = 0; blk < blocks; blk++) {
        const int64_t n0 = blk * ROWS_BLOCK, nb = N - n0 < ROWS_BLOCK ? N - n0 : ROWS_BLOCK;
        for (int64_t m = 0; m < M; m++) {
            float *restrict yr = y + m * N + n0;
            for (int64_t j = 0; j < nb; j++) yr[j] = 0.0f;
            for (int64_t k = 0; k < K; k++) {
                const float av = a[m * sam + k * sak];
                const float *restrict br = b + k * ldb + n0;
                for (int64_t j = 0; j < nb; j++) yr[j] += av * br[j];
            }
        }
    }
}

/* ---- the kernel table (gemm.h) ---- */

const struct onr_gemm_kernel onr_gemm_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"gemm__avx512", ONR_ISA_AVX512, NULL, onr_gemm_f32__avx512},
    {"gemm__avx2", ONR_ISA_AVX2, NULL, onr_gemm_f32__avx2},
#endif
    {"gemm__scalar", ONR_ISA_PORTABLE, NULL, onr_gemm_f32__scalar},
};
const int onr_gemm_kernels_count = sizeof onr_gemm_kernels / sizeof onr_gemm_kernels[0];
