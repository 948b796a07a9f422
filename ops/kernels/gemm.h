/* Single-precision GEMM with a fused epilogue, for pointwise (1x1) and
 * im2col convolutions and for Gemm/MatMul:
 *
 *   a: (M, K) weights   b: (K, N) activations, row stride ldb
 *   y: (M, N) row stride ldy     y = act(a * b + bias + residual)
 *
 * bias is NULL, per row (length M: conv bias) or per column (length N: the
 * Gemm C vector); residual is NULL or (M, N) with row stride ldy and must
 * not overlap y. Each y element is the K-sum in k order (K-blocks in order,
 * the partial sum kept exactly in y between blocks), then + bias, then
 * + residual, then the activation (onr_activation_apply): one thread
 * computes it, so results are bitwise identical for any thread count.
 *
 * __ref reads a row-major (lda = K). __scalar, __avx2 and __avx512 read a packed by
 * onr_gemm_f32_pack_a (panels of ONR_GEMM_MR rows, k-major, zero padded)
 * and pack panels of b into `workspace` (onr_gemm_f32_workspace_size bytes,
 * 64-byte aligned, for at least `threads` threads). b and y must not overlap. */
#ifndef ONR_KERNELS_GEMM_H
#define ONR_KERNELS_GEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activation.h"
#include "kernel_table.h"

enum onr_gemm_bias {
    ONR_GEMM_BIAS_NONE = 0,
    ONR_GEMM_BIAS_ROW,       /* bias[m], length M */
    ONR_GEMM_BIAS_COL,       /* bias[n], length N */
};

struct onr_gemm_shape {
    int64_t M, N, K;         /* all >= 1 */
    int64_t ldb;             /* row stride of b, >= N */
    int64_t ldy;             /* row stride of y and residual, >= N */
    enum onr_gemm_bias bias_mode;
};

/* One signature for every variant. `a` is row-major for __ref, packed for
 * the others; `workspace` is unused by __ref. threads >= 1. */
typedef void (*onr_gemm_f32_fn)(const struct onr_gemm_shape *s, const float *a,
                                const float *b, const float *bias,
                                const float *residual,
                                const struct onr_activation *act, float *y,
                                void *workspace, int threads);

void onr_gemm_f32__ref(const struct onr_gemm_shape *s, const float *a, const float *b,
                       const float *bias, const float *residual,
                       const struct onr_activation *act, float *y, void *workspace,
                       int threads);
void onr_gemm_f32__scalar(const struct onr_gemm_shape *s, const float *a, const float *b,
                          const float *bias, const float *residual,
                          const struct onr_activation *act, float *y, void *workspace,
                          int threads);
/* x86 builds only; reached through onr_gemm_kernels. */
void onr_gemm_f32__avx2(const struct onr_gemm_shape *s, const float *a, const float *b,
                        const float *bias, const float *residual,
                        const struct onr_activation *act, float *y, void *workspace,
                        int threads);
void onr_gemm_f32__avx512(const struct onr_gemm_shape *s, const float *a, const float *b,
                          const float *bias, const float *residual,
                          const struct onr_activation *act, float *y, void *workspace,
                          int threads);

/* The fast variants, best first (kernel_table.h); __ref is the oracle. */
ONR_KERNEL_TABLE(onr_gemm, struct onr_gemm_shape, onr_gemm_f32_fn)
extern const struct onr_gemm_kernel onr_gemm_kernels[];
extern const int onr_gemm_kernels_count;

/* Strided products for the Gemm / MatMul op's paths that do not pack A:
 *   y (M, N) = a' (M, K) * b' (K, N), a'(m, k) = a[m * sam + k * sak],
 *   b'(k, n) = b[k * sbk + n * sbn], y row-major (row stride N).
 * Each y element is its K-sum in k order from zero, nothing added.
 * __ref: the triple loop, one thread (the op's --reference path, its alpha
 * and beta applied after). __scalar, for M < ONR_GEMM_MR: b' row-major
 * (sbn 1, sbk the row stride), y rows in blocks of 256 columns, OpenMP over
 * the column blocks; the same sums as __ref. */
void onr_gemm_f32_strided__ref(int64_t M, int64_t N, int64_t K, const float *a, int64_t sam,
                               int64_t sak, const float *b, int64_t sbk, int64_t sbn, float *y);
void onr_gemm_f32_rows__scalar(int64_t M, int64_t N, int64_t K, const float *a, int64_t sam,
                               int64_t sak, const float *b, int64_t ldb, float *y, int threads);

/* Packed-A layout shared by __scalar, __avx2 and __avx512. */
#define ONR_GEMM_MR 6

/* Bytes of packed A; 0 when M or K < 1 or the size overflows size_t. */
size_t onr_gemm_f32_packed_a_size(int64_t M, int64_t K);
/* Packs a (M, K) into `packed`. trans = false: a[m * lda + k] (lda >= K);
 * trans = true: a is stored (K, M), element (m, k) at a[k * lda + m]
 * (lda >= M), e.g. Gemm's B with transB = 0. */
void onr_gemm_f32_pack_a(int64_t M, int64_t K, const float *a, int64_t lda, bool trans,
                         float *packed);
/* Workspace bytes for __scalar, __avx2 and __avx512 with up to `threads` threads;
 * 0 when a size is < 1 or the size overflows. */
size_t onr_gemm_f32_workspace_size(int64_t M, int64_t N, int64_t K, int threads);

/* ---- shared by the fast variants (not for callers) ---- */

#define ONR_GEMM_NR 16       /* columns per packed B panel */
#define ONR_GEMM_NR_WIDE 32  /* columns per packed B panel of __avx512 */
#define ONR_GEMM_A_PAD 16    /* zero floats after packed A: 8-float loads of a
                                panel row (6 used) never leave the buffer */
#define ONR_GEMM_KC 320      /* longest K-block */
#define ONR_GEMM_NC 512      /* most columns in one task (multiple of NR) */
#define ONR_GEMM_MC 192      /* most rows in one task (multiple of MR) */

/* The K-block length: depends on K only, so sums never depend on threads. */
static inline int64_t onr_gemm_kc(int64_t K)
{
    int64_t blocks = (K + ONR_GEMM_KC - 1) / ONR_GEMM_KC;
    return (K + blocks - 1) / blocks;
}

/* Floats of packed B one thread needs: one kc x NR_WIDE panel (enough for
 * every variant; K-blocks of __avx512 are never longer than onr_gemm_kc). */
static inline int64_t onr_gemm_b_panel_floats(int64_t K)
{
    return onr_gemm_kc(K) * ONR_GEMM_NR_WIDE;   /* a 64-byte multiple */
}

/* The output split into tasks of nt columns x mt rows (panel multiples),
 * enough of them to keep `threads` busy. Any split gives the same sums. */
struct onr_gemm_tiles {
    int64_t nt, mt;          /* task width and height */
    int64_t tasks_n, tasks_m;
};

/* The split for tiles of nr columns x mr rows (NC a multiple of nr, MC of
 * mr). */
static inline void onr_gemm_tiles_make_for(int64_t M, int64_t N, int threads, int64_t nr,
                                           int64_t mr, struct onr_gemm_tiles *t)
{
    const int64_t pn = (N + nr - 1) / nr;
    const int64_t pm = (M + mr - 1) / mr;
    int64_t cn = (pn + ONR_GEMM_NC / nr - 1) / (ONR_GEMM_NC / nr);
    int64_t cm = (pm + ONR_GEMM_MC / mr - 1) / (ONR_GEMM_MC / mr);
    const int64_t want = threads > 1 ? 4 * (int64_t)threads : 1;
    while (cn * cm < want) {
        if (cn < pn && (pn / cn >= pm / cm || cm >= pm))
            cn = cn * 2 < pn ? cn * 2 : pn;
        else if (cm < pm)
            cm = cm * 2 < pm ? cm * 2 : pm;
        else
            break;
    }
    const int64_t np = (pn + cn - 1) / cn, mp = (pm + cm - 1) / cm;
    t->nt = np * nr;
    t->mt = mp * mr;
    t->tasks_n = (pn + np - 1) / np;
    t->tasks_m = (pm + mp - 1) / mp;
}

/* A block's view of the epilogue: pointers at the block's first row and
 * column (bias_row[i], bias_col[j], residual[i * ldy + j]). */
struct onr_gemm_epilogue {
    const float *bias_row;   /* per-row bias, or NULL */
    const float *bias_col;   /* per-column bias, or NULL */
    const float *residual;   /* or NULL */
    int64_t ldy;             /* row stride of y and residual */
    const struct onr_activation *act;
    bool first, last;        /* first K-block: start from 0, else from y;
                                last: add bias, residual, activate */
};

/* One K-block of y (m, n) from b (kc, n) (row stride ldb), each B panel
 * packed (kc x NR, k-major, zero padded) into bpack just before use; a
 * points at the block's first A panel slice (panels a_stride floats apart,
 * each kc x MR). */
typedef void (*onr_gemm_block_fn)(int64_t m, int64_t n, int64_t kc, const float *a,
                                  int64_t a_stride, const float *b, int64_t ldb,
                                  float *bpack, float *y, const struct onr_gemm_epilogue *e);

/* The blocked, threaded driver every fast variant runs (gemm_scalar.c):
 * the output split into tasks of nr-column x mr-row multiples
 * (onr_gemm_tiles_make_for), each task's K-blocks in order through
 * `block`, whose B panels are nr columns wide. */
void onr_gemm_f32_tiled(const struct onr_gemm_shape *s, const float *a, const float *b,
                        const float *bias, const float *residual,
                        const struct onr_activation *act, float *y, void *workspace,
                        int threads, int64_t nr, int64_t mr, onr_gemm_block_fn block);

#endif
