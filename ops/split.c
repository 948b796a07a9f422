/* Split, opsets 1..17: cuts x (any fixed-size dtype) along `axis`
 * (default 0, negative from opset 11) into the outputs. Sizes come from the
 * `split` attribute (opsets 1-12; opsets 1-1's second input is not
 * supported) or the constant `split` input (13+); without them x's dim is
 * divided equally, and must be divisible by the number of outputs.
 * Negative sizes or sizes that do not sum to the dim are rejected. An
 * omitted output is skipped. */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "shape_util.h"

#define SPLIT_MAX_OUTPUTS 1024

struct split_params {
    int64_t axis_attr;
    int axis;                            /* normalised (infer) */
    int64_t outer;                       /* prod dims[:axis] */
    int64_t sizes[SPLIT_MAX_OUTPUTS];    /* along axis (infer) */
    int n_attr;                          /* sizes from the attribute */
};

static enum onr_status split_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct split_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Split '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    enum onr_status st = onr_node_attr_int(ctx->node, "axis", 0, &p->axis_attr, err);
    if (st != ONR_STATUS_OK) return st;
    if (ctx->n_y > SPLIT_MAX_OUTPUTS)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Split '%s': %d outputs, at most %d",
                             ctx->node->name, ctx->n_y, SPLIT_MAX_OUTPUTS);
    if (ctx->opset >= 13) return ONR_STATUS_OK;
    if (ctx->n_x > 1)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Split '%s': a split input before opset 13 is not supported",
                             ctx->node->name);
    const int64_t *ints;
    size_t count;
    st = onr_node_attr_ints(ctx->node, "split", &ints, &count, err);
    if (st != ONR_STATUS_OK) return st;
    if (count > 0 && count != (size_t)ctx->n_y)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Split '%s': split has %zu values for %d outputs", ctx->node->name,
                             count, ctx->n_y);
    if (count) memcpy(p->sizes, ints, count * sizeof *ints);
    p->n_attr = (int)count;
    return ONR_STATUS_OK;
}

/* Sizes along the axis: given (attribute or input) or equal parts of dim. */
static enum onr_status split_sizes(struct onr_op_ctx *ctx, int64_t dim, struct onr_error *err)
{
    struct split_params *p = ctx->params;
    const char *name = ctx->node->name;
    int n = p->n_attr;
    if (ctx->opset >= 13 && ctx->n_x > 1 && ctx->x[1] != NULL) {
        enum onr_status st = onr_op_const_ints(ctx, 1, "split", p->sizes, SPLIT_MAX_OUTPUTS, &n, err);
        if (st != ONR_STATUS_OK) return st;
        if (n != ctx->n_y)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Split '%s': split has %d values for %d outputs", name, n, ctx->n_y);
    }
    if (n == 0) {
        if (dim % ctx->n_y != 0)
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "Split '%s': dim %lld on axis %d does not divide into %d equal parts",
                                 name, (long long)dim, p->axis, ctx->n_y);
        for (int k = 0; k < ctx->n_y; k++) p->sizes[k] = dim / ctx->n_y;
        return ONR_STATUS_OK;
    }
    int64_t sum = 0;
    for (int k = 0; k < n; k++) {
        if (p->sizes[k] < 0 || p->sizes[k] > dim)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Split '%s': split[%d] = %lld is outside [0, %lld]", name, k,
                                 (long long)p->sizes[k], (long long)dim);
        sum += p->sizes[k];   /* n <= 1024 values of at most dim: no overflow */
    }
    if (sum != dim)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "Split '%s': split sums to %lld, axis %d has %lld", name,
                             (long long)sum, p->axis, (long long)dim);
    return ONR_STATUS_OK;
}

static enum onr_status split_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct split_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const int rank = x->shape.rank;
    if (!onr_axis_normalize(p->axis_attr, rank, &p->axis))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Split '%s': axis %lld is outside [%d, %d) for rank %d", ctx->node->name,
                             (long long)p->axis_attr, -rank, rank, rank);
    enum onr_status st = split_sizes(ctx, x->shape.dims[p->axis], err);
    if (st != ONR_STATUS_OK) return st;
    p->outer = 1;
    for (int d = 0; d < p->axis; d++) p->outer *= x->shape.dims[d];
    for (int k = 0; k < ctx->n_y; k++) {
        if (ctx->y[k] == NULL) continue;
        ctx->y[k]->dtype = x->dtype;
        ctx->y[k]->shape = x->shape;
        ctx->y[k]->shape.dims[p->axis] = p->sizes[k];
    }
    return ONR_STATUS_OK;
}

/* x: (outer, D, inner)  y_k: (outer, sizes[k], inner) */
static enum onr_status split_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct split_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    if (x->nbytes == 0) return ONR_STATUS_OK;
    const size_t in_block = x->nbytes / (size_t)p->outer;
    const size_t unit = in_block / (size_t)x->shape.dims[p->axis]; /* bytes per axis step */
    size_t off = 0;
    for (int k = 0; k < ctx->n_y; k++) {
        const size_t block = unit * (size_t)p->sizes[k];
        struct onr_tensor *y = ctx->y[k];
        if (y != NULL && block > 0) {
            char *yd = y->data;
            const char *xd = (const char *)x->data + off;
#pragma omp parallel for num_threads(ctx->threads) schedule(static) if (y->nbytes > 262144)
            for (int64_t o = 0; o < p->outer; o++)
                memcpy(yd + (size_t)o * block, xd + (size_t)o * in_block, block);
        }
        off += block;
    }
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_split = {
    .name = "Split", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = SPLIT_MAX_OUTPUTS,
    .flags = ONR_OP_FLAG_NONE, .value_inputs = 1u << 1,
    .init = split_init, .infer = split_infer, .prepare = NULL, .run = split_run,
    .release = NULL, .describe = NULL,
};
