/* Shape and Size, opsets 1..17: x's dims (int64, 1-D) and its element
 * count (int64 scalar), for x of any dtype. Shape's start and end (opset
 * 15) are clamped to [0, rank] after adding rank to negative values; an
 * empty range gives an empty tensor. Both depend only on x's shape, so the
 * executor folds them at prepare time (ONR_OP_FLAG_SHAPE_ONLY) and the
 * shape arithmetic that follows them folds too. */
#include <stdlib.h>

#include "op.h"

struct shape_params {
    int64_t start, end;   /* as given; end INT64_MAX when absent */
    int first, count;     /* after clamping to x's rank (infer) */
};

static enum onr_status shape_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct shape_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Shape '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    enum onr_status st = onr_node_attr_int(ctx->node, "start", 0, &p->start, err);
    if (st == ONR_STATUS_OK) st = onr_node_attr_int(ctx->node, "end", INT64_MAX, &p->end, err);
    return st;
}

static int64_t clamp_dim(int64_t v, int rank)
{
    if (v < 0) v = v < -(int64_t)rank ? 0 : v + rank;
    return v > rank ? rank : v;
}

static enum onr_status shape_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct shape_params *p = ctx->params;
    const int rank = ctx->x[0]->shape.rank;
    const int64_t start = clamp_dim(p->start, rank), end = clamp_dim(p->end, rank);
    p->first = (int)start;
    p->count = end > start ? (int)(end - start) : 0;
    ctx->y[0]->dtype = ONR_DTYPE_INT64;
    ctx->y[0]->shape = (struct onr_shape){.rank = 1, .dims = {p->count}};
    return ONR_STATUS_OK;
}

static enum onr_status shape_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct shape_params *p = ctx->params;
    int64_t *y = ctx->y[0]->data;
    for (int i = 0; i < p->count; i++) y[i] = ctx->x[0]->shape.dims[p->first + i];
    return ONR_STATUS_OK;
}

static enum onr_status size_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    ctx->y[0]->dtype = ONR_DTYPE_INT64;
    ctx->y[0]->shape = (struct onr_shape){.rank = 0};
    return ONR_STATUS_OK;
}

static enum onr_status size_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    *(int64_t *)ctx->y[0]->data = onr_shape_numel(&ctx->x[0]->shape);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_shape = {
    .name = "Shape", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_SHAPE_ONLY,
    .init = shape_init, .infer = shape_infer, .prepare = NULL, .run = shape_run,
    .release = NULL, .describe = NULL,
};

const struct onr_op_def onr_op_size = {
    .name = "Size", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_SHAPE_ONLY,
    .init = NULL, .infer = size_infer, .prepare = NULL, .run = size_run,
    .release = NULL, .describe = NULL,
};
