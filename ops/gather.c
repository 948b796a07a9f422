/* Gather, opsets 1..17: y = data indexed by `indices` along `axis`
 * (default 0; negative from opset 11), for data of any fixed-size dtype and
 * int64 or int32 indices; a negative index counts from the end. The output
 * shape is data[:axis] + indices + data[axis+1:]. An index outside
 * [-d, d) is INVALID_ARGUMENT from run (or from prepare when the indices
 * are constant), never an out-of-bounds read. */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "shape_util.h"

struct gather_params {
    int64_t axis_attr;
    int axis;                  /* normalised (infer) */
    int64_t outer, n_idx, dim; /* prod data[:axis], numel(indices), data[axis] */
    size_t block;              /* bytes of data[axis+1:] */
};

static enum onr_status gather_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct gather_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Gather '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    return onr_node_attr_int(ctx->node, "axis", 0, &p->axis_attr, err);
}

static enum onr_status gather_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct gather_params *p = ctx->params;
    const struct onr_tensor *data = ctx->x[0], *idx = ctx->x[1];
    const char *name = ctx->node->name;
    const int rank = data->shape.rank;
    if (idx->dtype != ONR_DTYPE_INT64 && idx->dtype != ONR_DTYPE_INT32)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Gather '%s': indices are %s, expected int64 or int32", name,
                             onr_dtype_name(idx->dtype));
    if (!onr_axis_normalize(p->axis_attr, rank, &p->axis))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Gather '%s': axis %lld is outside [%d, %d) for rank %d", name,
                             (long long)p->axis_attr, -rank, rank, rank);
    const int out_rank = rank - 1 + idx->shape.rank;
    if (out_rank > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Gather '%s': output rank %d exceeds %d",
                             name, out_rank, ONR_MAX_RANK);
    struct onr_shape y = {.rank = out_rank};
    int k = 0;
    p->outer = 1;
    p->block = onr_dtype_size(data->dtype);
    for (int i = 0; i < p->axis; i++) {
        y.dims[k++] = data->shape.dims[i];
        p->outer *= data->shape.dims[i];
    }
    for (int i = 0; i < idx->shape.rank; i++) y.dims[k++] = idx->shape.dims[i];
    for (int i = p->axis + 1; i < rank; i++) {
        y.dims[k++] = data->shape.dims[i];
        p->block *= (size_t)data->shape.dims[i];
    }
    p->n_idx = onr_shape_numel(&idx->shape);
    p->dim = data->shape.dims[p->axis];
    ctx->y[0]->dtype = data->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

/* The first index outside [-dim, dim), or -1 when all are in range. */
static int64_t first_bad_index(const struct onr_tensor *idx, int64_t n, int64_t dim)
{
    for (int64_t j = 0; j < n; j++) {
        const int64_t v = onr_int_at(idx, j);
        if (v < -dim || v >= dim) return j;
    }
    return -1;
}

static enum onr_status check_indices(const struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct gather_params *p = ctx->params;
    const int64_t bad = first_bad_index(ctx->x[1], p->n_idx, p->dim);
    if (bad < 0) return ONR_STATUS_OK;
    return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                         "Gather '%s': index %lld (at position %lld) is outside [%lld, %lld) "
                         "for axis %d", ctx->node->name, (long long)onr_int_at(ctx->x[1], bad),
                         (long long)bad, (long long)-p->dim, (long long)p->dim, p->axis);
}

static enum onr_status gather_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    /* Constant indices are checked once here; run checks the others. */
    return ctx->x[1]->data != NULL ? check_indices(ctx, err) : ONR_STATUS_OK;
}

/* data: (outer, dim, block)  indices: (n_idx)  y: (outer, n_idx, block) */
static enum onr_status gather_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct gather_params *p = ctx->params;
    const struct onr_tensor *idx = ctx->x[1];
    /* Indices are data: a bad one must be an error, not a wild read. */
    enum onr_status st = check_indices(ctx, err);
    if (st != ONR_STATUS_OK || ctx->y[0]->nbytes == 0) return st;
    const char *x = ctx->x[0]->data;
    char *y = ctx->y[0]->data;
    const int64_t total = p->outer * p->n_idx;
#pragma omp parallel for num_threads(ctx->threads) schedule(static) if (total * (int64_t)p->block > 65536)
    for (int64_t t = 0; t < total; t++) {
        const int64_t o = t / p->n_idx, j = t % p->n_idx;
        int64_t v = onr_int_at(idx, j);
        if (v < 0) v += p->dim;
        memcpy(y + (size_t)t * p->block, x + (size_t)(o * p->dim + v) * p->block, p->block);
    }
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_gather = {
    .name = "Gather", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = gather_init, .infer = gather_infer, .prepare = gather_prepare, .run = gather_run,
    .release = NULL, .describe = NULL,
};
