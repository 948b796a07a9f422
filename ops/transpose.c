/* Transpose, opsets 1..17: y.dims[i] = x.dims[perm[i]] for x of any
 * fixed-size dtype; perm defaults to the reversed axes and must be a
 * permutation of 0..rank-1. The copy merges dims that stay contiguous, so
 * ShuffleNet's channel shuffle (N, g, C/g, H, W) -> (N, C/g, g, H, W) is
 * N*C memcpy calls of H*W elements. */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "shape_util.h"

struct transpose_params {
    int n_perm;                    /* 0: reverse */
    int64_t perm[ONR_MAX_RANK];
    int64_t xstride[ONR_MAX_RANK]; /* x stride (elements) of each y dim (infer) */
};

static enum onr_status transpose_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct transpose_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Transpose '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    const int64_t *ints;
    size_t count;
    enum onr_status st = onr_node_attr_ints(ctx->node, "perm", &ints, &count, err);
    if (st != ONR_STATUS_OK) return st;
    if (count > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Transpose '%s': perm has %zu values, at most %d",
                             ctx->node->name, count, ONR_MAX_RANK);
    if (count) memcpy(p->perm, ints, count * sizeof *ints);
    p->n_perm = (int)count;
    return ONR_STATUS_OK;
}

static enum onr_status transpose_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct transpose_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const int rank = x->shape.rank;
    int64_t perm[ONR_MAX_RANK], xstride[ONR_MAX_RANK];
    bool seen[ONR_MAX_RANK] = {false};
    if (p->n_perm != 0 && p->n_perm != rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Transpose '%s': perm has %d values for rank %d", ctx->node->name,
                             p->n_perm, rank);
    for (int i = 0; i < rank; i++) {
        perm[i] = p->n_perm ? p->perm[i] : rank - 1 - i;
        if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]])
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Transpose '%s': perm[%d] = %lld is not a permutation of 0..%d",
                                 ctx->node->name, i, (long long)perm[i], rank - 1);
        seen[perm[i]] = true;
    }
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
        xstride[d] = stride;
        stride *= x->shape.dims[d];
    }
    struct onr_shape y = {.rank = rank};
    for (int i = 0; i < rank; i++) {
        y.dims[i] = x->shape.dims[perm[i]];
        p->xstride[i] = xstride[perm[i]];
    }
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

/* x: (d0..dr)  y: (d_perm[0]..d_perm[r]) */
static enum onr_status transpose_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct transpose_params *p = ctx->params;
    struct onr_tensor *y = ctx->y[0];
    if (y->nbytes == 0) return ONR_STATUS_OK;
    onr_strided_copy(y->data, ctx->x[0]->data, y->shape.rank, y->shape.dims, p->xstride,
                     onr_dtype_size(y->dtype), ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_transpose = {
    .name = "Transpose", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = transpose_init, .infer = transpose_infer, .prepare = NULL, .run = transpose_run,
    .release = NULL, .describe = NULL,
};
