/* Concat, opsets 1..17: joins inputs of one dtype (any fixed-size dtype)
 * along `axis` (default 1 in opsets 1-3, required from 4; negative from
 * 11). Every input has the same rank and the same dims except on `axis`;
 * anything else is rejected naming the node and the input. */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "shape_util.h"

struct concat_params {
    int64_t axis_attr;
    int axis;           /* normalised (infer) */
    int64_t outer;      /* prod dims[:axis] */
    size_t out_block;   /* bytes of one outer slice of y */
};

static enum onr_status concat_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct concat_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Concat '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    if (ctx->opset >= 4 && onr_node_attr(ctx->node, "axis") == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Concat '%s': attribute axis is missing",
                             ctx->node->name);
    return onr_node_attr_int(ctx->node, "axis", 1, &p->axis_attr, err);
}

static enum onr_status concat_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct concat_params *p = ctx->params;
    const char *name = ctx->node->name;
    const struct onr_tensor *x0 = ctx->x[0];
    for (int i = 0; i < ctx->n_x; i++)
        if (ctx->x[i] == NULL)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Concat '%s': input %d is missing",
                                 name, i);
    const int rank = x0->shape.rank;
    if (!onr_axis_normalize(p->axis_attr, rank, &p->axis))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Concat '%s': axis %lld is outside [%d, %d) for rank %d", name,
                             (long long)p->axis_attr, -rank, rank, rank);
    struct onr_shape y = x0->shape;
    y.dims[p->axis] = 0;
    for (int i = 0; i < ctx->n_x; i++) {
        const struct onr_tensor *x = ctx->x[i];
        bool ok = x->dtype == x0->dtype && x->shape.rank == rank;
        for (int d = 0; ok && d < rank; d++)
            if (d != p->axis && x->shape.dims[d] != x0->shape.dims[d]) ok = false;
        if (!ok) {
            char a[128], b[128];
            onr_shape_format(&x0->shape, a, sizeof a);
            onr_shape_format(&x->shape, b, sizeof b);
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "Concat '%s': input %d is %s %s, input 0 is %s %s; they must "
                                 "agree except on axis %d", name, i, onr_dtype_name(x->dtype), b,
                                 onr_dtype_name(x0->dtype), a, p->axis);
        }
        /* Each dim is at most INT64_MAX/2 (checked sizes): the sum cannot wrap. */
        y.dims[p->axis] += x->shape.dims[p->axis];
        if (y.dims[p->axis] > INT64_MAX / 2)
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH, "Concat '%s': axis %d overflows",
                                 name, p->axis);
    }
    p->outer = 1;
    for (int d = 0; d < p->axis; d++) p->outer *= y.dims[d];
    ctx->y[0]->dtype = x0->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

/* x_i: (outer, D_i, inner)  y: (outer, sum D_i, inner) */
static enum onr_status concat_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct concat_params *p = ctx->params;
    if (ctx->y[0]->nbytes == 0) return ONR_STATUS_OK;
    const size_t out_block = ctx->y[0]->nbytes / (size_t)p->outer;
    char *y = ctx->y[0]->data;
    size_t off = 0;
    for (int i = 0; i < ctx->n_x; i++) {
        const size_t block = ctx->x[i]->nbytes / (size_t)p->outer;
        const char *x = ctx->x[i]->data;
        if (block == 0) continue;
#pragma omp parallel for num_threads(ctx->threads) schedule(static) if (ctx->x[i]->nbytes > 262144)
        for (int64_t o = 0; o < p->outer; o++)
            memcpy(y + (size_t)o * out_block + off, x + (size_t)o * block, block);
        off += block;
    }
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_concat = {
    .name = "Concat", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1 << 20, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = concat_init, .infer = concat_infer, .prepare = NULL, .run = concat_run,
    .release = NULL, .describe = NULL,
};
