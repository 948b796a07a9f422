/* Gemm and MatMul on float32, opsets 1..17.
 *
 * Gemm: Y (M, N) = alpha * A' B' + beta * C, A' = transA ? A^T : A (M, K),
 * B' = transB ? B^T : B (K, N); A and B rank 2; C optional (from opset 11)
 * and unidirectionally broadcast to (M, N). Opsets < 7's `broadcast` is
 * ignored (any C that broadcasts is accepted).
 * MatMul: numpy matmul: 1-D A is (1, K) and 1-D B is (K, 1) with that dim
 * dropped from Y; leading (batch) dims broadcast.
 *
 * Paths (prepare picks one and its kernels from the tables of
 * ops/kernels/; run only computes):
 *   reference  onr_gemm_f32_strided__ref, the triple loop (ctx->reference)
 *   rows       M < ONR_GEMM_MR (batch-1 classifiers): onr_gemm_f32_rows__scalar,
 *              each Y element its K products in k order, threads split the columns
 *   tiled      onr_gemm_kernels (gemm.h): A' packed into the workspace at
 *              run time, B' read as (K, N) rows
 *   gemv       M == 1 with a constant B and a vector kernel in
 *              onr_nchwc_gemv_kernels (batch-1 classifiers): B'^T
 *              packed once in the blocked layout of ops/kernels/nchwc.h and
 *              streamed by onr_nchwc_gemv, which reads weights at the
 *              machine's bandwidth; C fused as the bias when it can be
 *   weights    small M with a constant B (classifiers, batch < 16): the
 *              transposed product Y^T (N, M) = B'^T (N, K) * A'^T (K, M) with
 *              B'^T packed once in prepare as the kernel's A: the weights are
 *              streamed once, through the register-blocked kernel
 * B' must be (K, N) row-major for the fast kernels: a constant B with
 * transB = 1 is transposed once in prepare into params, a computed one at
 * run time into the workspace. Then alpha and beta * C are applied after the
 * sum (or fused as the kernel's column bias / residual when alpha = beta =
 * 1). Other dtypes and ranks are UNSUPPORTED / SHAPE_MISMATCH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/cpu.h"
#include "kernels/gemm.h"
#include "kernels/nchwc.h"
#include "op.h"

enum gemm_path { GEMM_PATH_REF, GEMM_PATH_ROWS, GEMM_PATH_TILED, GEMM_PATH_WEIGHTS, GEMM_PATH_GEMV };

/* Largest M (batch) for the weights path. */
#define GEMM_WEIGHTS_MAX_M 16

struct gemm_params {
    bool matmul;
    float alpha, beta;
    int64_t trans_a, trans_b;
    /* set by infer */
    int64_t M, N, K;
    int64_t c_sm, c_sn;            /* C's element strides over (M, N), 0 = broadcast */
    bool has_c;
    int batch_rank;                /* MatMul: broadcast batch dims */
    int64_t batch_dims[ONR_MAX_RANK], batch_sa[ONR_MAX_RANK], batch_sb[ONR_MAX_RANK];
    int64_t batches;
    /* set by prepare */
    enum gemm_path path;
    onr_gemm_f32_fn tiled_fn;
    float *bt;                     /* constant B transposed to (K, N), owned */
    float *packed_w;               /* weights path: B'^T (N, K) packed, owned */
    float *gemv_b;                 /* gemv path: the bias (C) packed, owned */
    bool gemv_fused;               /* gemv path: C is in gemv_b */
    onr_nchwc_gemv_fn gemv_fn;
    size_t ws_at, ws_yt, ws_work;  /* weights path: A'^T (K, M), Y^T (N, M), kernel */
    bool transpose_b_at_run;
    size_t ws_bt, ws_pack;         /* workspace offsets of B^T and packed A */
};

static void gemm_release(void *params)
{
    struct gemm_params *p = params;
    if (p != NULL) {
        onr_aligned_free(p->bt);
        onr_aligned_free(p->packed_w);
        onr_aligned_free(p->gemv_b);
    }
    free(p);
}

static enum onr_status gemm_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct gemm_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    p->matmul = strcmp(node->op_type, "MatMul") == 0;
    p->alpha = p->beta = 1.0f;
    if (p->matmul) return ONR_STATUS_OK;
    enum onr_status st;
    if ((st = onr_node_attr_float(node, "alpha", 1.0f, &p->alpha, err)) ||
        (st = onr_node_attr_float(node, "beta", 1.0f, &p->beta, err)) ||
        (st = onr_node_attr_int(node, "transA", 0, &p->trans_a, err)) ||
        (st = onr_node_attr_int(node, "transB", 0, &p->trans_b, err)))
        return st;
    if ((p->trans_a != 0 && p->trans_a != 1) || (p->trans_b != 0 && p->trans_b != 1))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Gemm '%s': transA %lld, transB %lld, expected 0 or 1", node->name,
                             (long long)p->trans_a, (long long)p->trans_b);
    return ONR_STATUS_OK;
}

static enum onr_status shape_error(const struct onr_op_ctx *ctx, const char *what,
                                   struct onr_error *err)
{
    char sa[96], sb[96], sc[96] = "";
    onr_shape_format(&ctx->x[0]->shape, sa, sizeof sa);
    onr_shape_format(&ctx->x[1]->shape, sb, sizeof sb);
    if (ctx->n_x > 2 && ctx->x[2] != NULL) onr_shape_format(&ctx->x[2]->shape, sc, sizeof sc);
    return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH, "%s '%s': %s (A %s, B %s%s%s)",
                         ctx->node->op_type, ctx->node->name, what, sa, sb, sc[0] ? ", C " : "",
                         sc);
}

static enum onr_status gemm_infer_gemm(struct onr_op_ctx *ctx, struct gemm_params *p,
                                       struct onr_error *err)
{
    const struct onr_shape *a = &ctx->x[0]->shape, *b = &ctx->x[1]->shape;
    if (a->rank != 2 || b->rank != 2) return shape_error(ctx, "A and B must have rank 2", err);
    p->M = a->dims[p->trans_a ? 1 : 0];
    p->K = a->dims[p->trans_a ? 0 : 1];
    p->N = b->dims[p->trans_b ? 0 : 1];
    if (b->dims[p->trans_b ? 1 : 0] != p->K) return shape_error(ctx, "inner dims differ", err);
    const struct onr_tensor *c = ctx->n_x > 2 ? ctx->x[2] : NULL;
    p->has_c = c != NULL;
    if (c != NULL) {
        /* Unidirectional broadcast of C to (M, N). */
        const struct onr_shape *cs = &c->shape;
        int64_t cm = cs->rank == 2 ? cs->dims[0] : 1, cn = cs->rank >= 1 ? cs->dims[cs->rank - 1] : 1;
        if (cs->rank > 2 || (cm != 1 && cm != p->M) || (cn != 1 && cn != p->N))
            return shape_error(ctx, "C does not broadcast to (M, N)", err);
        p->c_sn = cn == 1 ? 0 : 1;
        p->c_sm = cm == 1 ? 0 : cn;
    }
    struct onr_tensor *y = ctx->y[0];
    y->shape.rank = 2;
    y->shape.dims[0] = p->M;
    y->shape.dims[1] = p->N;
    p->batches = 1;
    return ONR_STATUS_OK;
}

static enum onr_status gemm_infer_matmul(struct onr_op_ctx *ctx, struct gemm_params *p,
                                         struct onr_error *err)
{
    const struct onr_shape *a = &ctx->x[0]->shape, *b = &ctx->x[1]->shape;
    if (a->rank < 1 || b->rank < 1) return shape_error(ctx, "A and B must have rank >= 1", err);
    p->M = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
    p->K = a->dims[a->rank - 1];
    p->N = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
    if ((b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0]) != p->K)
        return shape_error(ctx, "inner dims differ", err);
    const int ra = a->rank > 2 ? a->rank - 2 : 0, rb = b->rank > 2 ? b->rank - 2 : 0;
    const int R = ra > rb ? ra : rb;
    struct onr_tensor *y = ctx->y[0];
    int64_t stride_a = p->M * p->K, stride_b = p->K * p->N;
    p->batch_rank = R;
    p->batches = 1;
    for (int i = R - 1; i >= 0; i--) {
        const int64_t da = i >= R - ra ? a->dims[i - (R - ra)] : 1;
        const int64_t db = i >= R - rb ? b->dims[i - (R - rb)] : 1;
        if (da != db && da != 1 && db != 1)
            return shape_error(ctx, "batch dims do not broadcast", err);
        p->batch_dims[i] = da == 1 ? db : da;
        p->batch_sa[i] = da == 1 ? 0 : stride_a;
        p->batch_sb[i] = db == 1 ? 0 : stride_b;
        stride_a *= da;
        stride_b *= db;
        p->batches *= p->batch_dims[i];
        y->shape.dims[i] = p->batch_dims[i];
    }
    y->shape.rank = R;
    if (a->rank >= 2) y->shape.dims[y->shape.rank++] = p->M;
    if (b->rank >= 2) y->shape.dims[y->shape.rank++] = p->N;
    return ONR_STATUS_OK;
}

static enum onr_status gemm_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct gemm_params *p = ctx->params;
    for (int i = 0; i < ctx->n_x; i++)
        if (ctx->x[i] != NULL && ctx->x[i]->dtype != ONR_DTYPE_FLOAT)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "%s '%s': input %d is %s, only float32 is supported",
                                 ctx->node->op_type, ctx->node->name, i,
                                 onr_dtype_name(ctx->x[i]->dtype));
    ctx->y[0]->dtype = ONR_DTYPE_FLOAT;
    enum onr_status st = p->matmul ? gemm_infer_matmul(ctx, p, err) : gemm_infer_gemm(ctx, p, err);
    if (st != ONR_STATUS_OK) return st;
    return onr_shape_check(&ctx->y[0]->shape, ONR_DTYPE_FLOAT, NULL, err);
}

/* dst (K, N) = transpose of src (N, K). */
static void transpose(int64_t N, int64_t K, const float *src, float *dst)
{
    for (int64_t n = 0; n < N; n++)
        for (int64_t k = 0; k < K; k++) dst[k * N + n] = src[n * K + k];
}

static size_t align64(size_t n) { return (n + 63) / 64 * 64; }

/* The gemv path: B'^T (N, K) packed for the blocked gemv kernel, with a
 * constant per-column C as its bias when alpha = beta = 1. */
static enum onr_status prepare_gemv(struct onr_op_ctx *ctx, struct gemm_params *p,
                                    const struct onr_nchwc_gemv_kernel *gemv,
                                    struct onr_error *err)
{
    const float *b = ctx->x[1]->data;
    const struct onr_tensor *c = ctx->n_x > 2 ? ctx->x[2] : NULL;
    float *bt = NULL;
    p->packed_w = onr_aligned_alloc((size_t)onr_nchwc_pw_weight_floats(p->N, p->K) * sizeof(float));
    p->gemv_b = onr_aligned_alloc((size_t)onr_nchwc_floats(1, p->N, 1) * sizeof(float));
    if (!p->trans_b) bt = malloc((size_t)(p->N * p->K) * sizeof(float));
    if (p->packed_w == NULL || p->gemv_b == NULL || (!p->trans_b && bt == NULL)) {
        free(bt);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Gemm '%s': cannot pack B",
                             ctx->node->name);
    }
    /* B'^T row-major: B itself with transB, else B transposed. */
    if (bt != NULL) {
        for (int64_t n = 0; n < p->N; n++)
            for (int64_t k = 0; k < p->K; k++) bt[n * p->K + k] = b[k * p->N + n];
    }
    p->gemv_fused = p->alpha == 1.0f && p->beta == 1.0f && c != NULL && c->data != NULL &&
                    p->c_sm == 0 && p->c_sn == 1;
    onr_nchwc_pack_pw(p->N, p->K, bt != NULL ? bt : b, p->gemv_fused ? c->data : NULL,
                      p->packed_w, p->gemv_b);
    free(bt);
    p->gemv_fn = gemv->fn;
    p->path = GEMM_PATH_GEMV;
    return ONR_STATUS_OK;
}

/* The weights path: pack B'^T (N, K) once; the workspace holds A'^T and Y^T
 * (when M > 1) and the kernel's panels. */
static enum onr_status prepare_weights(struct onr_op_ctx *ctx, struct gemm_params *p,
                                       struct onr_error *err)
{
    const float *b = ctx->x[1]->data;
    const size_t packed = onr_gemm_f32_packed_a_size(p->N, p->K);
    const size_t work = onr_gemm_f32_workspace_size(p->N, p->M, p->K, ctx->threads);
    if (packed == 0 || work == 0)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Gemm '%s': N=%lld K=%lld too large",
                             ctx->node->name, (long long)p->N, (long long)p->K);
    p->packed_w = onr_aligned_alloc(packed);
    if (p->packed_w == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Gemm '%s': cannot pack B (%zu bytes)",
                             ctx->node->name, packed);
    /* Element (n, k) of B'^T: B[n*K + k] with transB, else B[k*N + n]. */
    if (p->trans_b) onr_gemm_f32_pack_a(p->N, p->K, b, p->K, false, p->packed_w);
    else onr_gemm_f32_pack_a(p->N, p->K, b, p->N, true, p->packed_w);
    const size_t at = align64((size_t)(p->K * p->M) * sizeof(float));
    const size_t yt = align64((size_t)(p->N * p->M) * sizeof(float));
    p->ws_at = 0;
    p->ws_yt = at;
    p->ws_work = at + yt;
    ctx->workspace_bytes = at + yt + work;
    p->path = GEMM_PATH_WEIGHTS;
    return ONR_STATUS_OK;
}

static enum onr_status gemm_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct gemm_params *p = ctx->params;
    const struct onr_tensor *b = ctx->x[1];
    ctx->workspace_bytes = 0;
    onr_aligned_free(p->bt);
    p->bt = NULL;
    onr_aligned_free(p->packed_w);
    p->packed_w = NULL;
    onr_aligned_free(p->gemv_b);
    p->gemv_b = NULL;
    p->transpose_b_at_run = false;
    if (ctx->reference || p->M == 0 || p->N == 0) {
        p->path = GEMM_PATH_REF;
        return ONR_STATUS_OK;
    }
    const enum onr_isa isa = ctx->isa;
    const struct onr_gemm_shape shape = {.M = p->M, .N = p->N, .K = p->K, .ldb = p->N, .ldy = p->N};
    p->tiled_fn = onr_gemm_pick(onr_gemm_kernels, onr_gemm_kernels_count, isa, &shape)->fn;
    /* A vector gemv streams the weights at the memory's bandwidth; the
     * portable one is no faster than the weights path, which keeps it. */
    const struct onr_kernel_no_shape none = {0};
    const struct onr_nchwc_gemv_kernel *gemv =
        onr_nchwc_gemv_pick(onr_nchwc_gemv_kernels, onr_nchwc_gemv_kernels_count, isa, &none);
    if (!p->matmul && b->data != NULL && p->M == 1 && p->K >= 1 && gemv->isa != ONR_ISA_PORTABLE)
        return prepare_gemv(ctx, p, gemv, err);
    if (!p->matmul && b->data != NULL && p->M <= GEMM_WEIGHTS_MAX_M && p->K >= 1)
        return prepare_weights(ctx, p, err);
    const bool tiled = p->M >= ONR_GEMM_MR && p->K >= 1;
    p->path = tiled ? GEMM_PATH_TILED : GEMM_PATH_ROWS;
    size_t bytes = 0, kn;
    if (onr_mul_overflow_size((size_t)p->K, (size_t)p->N, &kn) ||
        onr_mul_overflow_size(kn, sizeof(float), &kn))
        goto too_big;
    if (p->trans_b && b->data != NULL) {
        p->bt = onr_aligned_alloc(kn ? kn : 1);
        if (p->bt == NULL)
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY,
                                 "Gemm '%s': cannot allocate %zu bytes for B^T", ctx->node->name, kn);
        transpose(p->N, p->K, b->data, p->bt);
    } else if (p->trans_b) {
        p->transpose_b_at_run = true;
        bytes = align64(kn);
    }
    p->ws_bt = 0;
    p->ws_pack = bytes;
    if (tiled) {
        const size_t pack = onr_gemm_f32_packed_a_size(p->M, p->K);
        const size_t work = onr_gemm_f32_workspace_size(p->M, p->N, p->K, ctx->threads);
        if (pack == 0 || work == 0 || onr_add_overflow_size(bytes, align64(pack), &bytes) ||
            onr_add_overflow_size(bytes, work, &bytes))
            goto too_big;
    }
    ctx->workspace_bytes = bytes;
    return ONR_STATUS_OK;
too_big:
    return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': M=%lld N=%lld K=%lld too large",
                         ctx->node->op_type, ctx->node->name, (long long)p->M, (long long)p->N,
                         (long long)p->K);
}

/* y (M, N) = alpha * y + beta * C, in the reference's order of operations. */
static void apply_alpha_beta(const struct gemm_params *p, const float *c, float *y)
{
    for (int64_t m = 0; m < p->M; m++)
        for (int64_t n = 0; n < p->N; n++) {
            float v = p->alpha * y[m * p->N + n];
            if (c != NULL) v += p->beta * c[m * p->c_sm + n * p->c_sn];
            y[m * p->N + n] = v;
        }
}

/* One (M, N) product: a is A (M, K) or, with trans_a, (K, M); b is (K, N). */
static void gemm_one(const struct onr_op_ctx *ctx, const struct gemm_params *p, const float *a,
                     const float *b, const float *c, float *y)
{
    const int64_t sam = p->trans_a ? 1 : p->K, sak = p->trans_a ? p->M : 1;
    const bool fuse = !p->matmul && p->alpha == 1.0f && p->beta == 1.0f && c != NULL &&
                      (p->c_sm == 0 || (p->c_sm == p->N && p->c_sn == 1));
    if (p->path == GEMM_PATH_ROWS) {
        onr_gemm_f32_rows__scalar(p->M, p->N, p->K, a, sam, sak, b, p->N, y, ctx->threads);
    } else {
        char *ws = ctx->workspace;
        float *packed = (float *)(ws + p->ws_pack);
        void *work = ws + p->ws_pack + align64(onr_gemm_f32_packed_a_size(p->M, p->K));
        onr_gemm_f32_pack_a(p->M, p->K, a, p->trans_a ? p->M : p->K, p->trans_a != 0, packed);
        const struct onr_gemm_shape s = {
            .M = p->M, .N = p->N, .K = p->K, .ldb = p->N, .ldy = p->N,
            .bias_mode = fuse && p->c_sm == 0 && p->c_sn == 1 ? ONR_GEMM_BIAS_COL : ONR_GEMM_BIAS_NONE,
        };
        const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
        const float *bias = s.bias_mode == ONR_GEMM_BIAS_COL ? c : NULL;
        const float *residual = fuse && p->c_sm == p->N ? c : NULL;
        p->tiled_fn(&s, packed, b, bias, residual, &none, y, work, ctx->threads);
        if (fuse && (bias != NULL || residual != NULL)) return;
    }
    if (!p->matmul) apply_alpha_beta(p, c, y);
}

/* Y = alpha * A' B' + beta * C as Y^T = B'^T A'^T with B'^T packed. */
static void gemm_weights(const struct onr_op_ctx *ctx, const struct gemm_params *p,
                         const float *a, const float *c, float *y)
{
    char *ws = ctx->workspace;
    const int64_t M = p->M, N = p->N, K = p->K;
    /* A'^T (K, M): with M == 1 and no transA it is A itself. */
    const float *at = a;
    if (M > 1 || p->trans_a) {
        float *t = (float *)(ws + p->ws_at);
        for (int64_t m = 0; m < M; m++)
            for (int64_t k = 0; k < K; k++)
                t[k * M + m] = p->trans_a ? a[k * M + m] : a[m * K + k];
        at = t;
    }
    /* With alpha = beta = 1 and C one value per column of Y, C is the bias. */
    const bool fuse = p->alpha == 1.0f && p->beta == 1.0f && c != NULL && p->c_sm == 0;
    const struct onr_gemm_shape s = {
        .M = N, .N = M, .K = K, .ldb = M, .ldy = M,
        .bias_mode = fuse ? ONR_GEMM_BIAS_ROW : ONR_GEMM_BIAS_NONE,
    };
    const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
    float *yt = M > 1 ? (float *)(ws + p->ws_yt) : y;
    if (fuse && p->c_sn == 0) {
        /* A scalar C: the row bias needs N values; add it after instead. */
        p->tiled_fn(&s, p->packed_w, at, NULL, NULL, &none, yt, ws + p->ws_work, ctx->threads);
    } else {
        p->tiled_fn(&s, p->packed_w, at, fuse ? c : NULL, NULL, &none, yt, ws + p->ws_work,
                    ctx->threads);
    }
    if (M > 1)
        for (int64_t m = 0; m < M; m++)
            for (int64_t n = 0; n < N; n++) y[m * N + n] = yt[n * M + m];
    if (fuse && p->c_sn == 0) {
        for (int64_t i = 0; i < M * N; i++) y[i] += c[0];
    } else if (!fuse) {
        apply_alpha_beta(p, c, y);
    }
}

static enum onr_status gemm_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct gemm_params *p = ctx->params;
    const float *a = ctx->x[0]->data, *b = ctx->x[1]->data;
    const float *c = ctx->n_x > 2 && ctx->x[2] != NULL ? ctx->x[2]->data : NULL;
    float *y = ctx->y[0]->data;
    if (p->M == 0 || p->N == 0) return ONR_STATUS_OK;
    if (p->path == GEMM_PATH_REF) {
        const int64_t sbk = p->trans_b ? 1 : p->N, sbn = p->trans_b ? p->K : 1;
        for (int64_t i = 0; i < p->batches; i++) {
            int64_t oa = 0, ob = 0, r = i;
            for (int d = p->batch_rank - 1; d >= 0; d--) {
                oa += (r % p->batch_dims[d]) * p->batch_sa[d];
                ob += (r % p->batch_dims[d]) * p->batch_sb[d];
                r /= p->batch_dims[d];
            }
            float *yi = y + i * p->M * p->N;
            onr_gemm_f32_strided__ref(p->M, p->N, p->K, a + oa, p->trans_a ? 1 : p->K,
                                      p->trans_a ? p->M : 1, b + ob, sbk, sbn, yi);
            if (!p->matmul) apply_alpha_beta(p, c, yi);
        }
        return ONR_STATUS_OK;
    }
    if (p->path == GEMM_PATH_WEIGHTS) {
        gemm_weights(ctx, p, a, c, y);
        return ONR_STATUS_OK;
    }
    if (p->path == GEMM_PATH_GEMV) {
        /* A' (1, K) is A's K values whether or not transA. */
        const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
        p->gemv_fn(p->K, p->N, a, p->packed_w, p->gemv_b, &none, y, ctx->threads);
        if (!p->gemv_fused) apply_alpha_beta(p, c, y);
        return ONR_STATUS_OK;
    }
    if (p->bt != NULL) b = p->bt;
    if (p->transpose_b_at_run) {
        float *bt = (float *)((char *)ctx->workspace + p->ws_bt);
        transpose(p->N, p->K, b, bt);
        b = bt;
    }
    for (int64_t i = 0; i < p->batches; i++) {
        int64_t oa = 0, ob = 0, r = i;
        for (int d = p->batch_rank - 1; d >= 0; d--) {
            oa += (r % p->batch_dims[d]) * p->batch_sa[d];
            ob += (r % p->batch_dims[d]) * p->batch_sb[d];
            r /= p->batch_dims[d];
        }
        gemm_one(ctx, p, a + oa, b + ob, c, y + i * p->M * p->N);
    }
    return ONR_STATUS_OK;
}

static void gemm_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    const struct gemm_params *p = ctx->params;
    static const char *const paths[] = {"ref", "rows", "tiled", "weights", "gemv"};
    if (p == NULL) {
        if (size) buf[0] = '\0';
        if (macs) *macs = 0;
        return;
    }
    snprintf(buf, size, "M=%lld N=%lld K=%lld%s %s", (long long)p->M, (long long)p->N,
             (long long)p->K, p->batches > 1 ? " batched" : "", paths[p->path]);
    int64_t m = p->batches;
    if (onr_mul_overflow_i64(m, p->M, &m) || onr_mul_overflow_i64(m, p->N, &m) ||
        onr_mul_overflow_i64(m, p->K, &m))
        m = INT64_MAX;
    if (macs) *macs = m;
}

const struct onr_op_def onr_op_gemm = {
    .name = "Gemm", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = gemm_init, .infer = gemm_infer, .prepare = gemm_prepare, .run = gemm_run,
    .release = gemm_release, .describe = gemm_describe,
};

const struct onr_op_def onr_op_matmul = {
    .name = "MatMul", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = gemm_init, .infer = gemm_infer, .prepare = gemm_prepare, .run = gemm_run,
    .release = gemm_release, .describe = gemm_describe,
};
