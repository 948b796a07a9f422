/* Softmax and LogSoftmax on float32, opsets 1..17.
 *
 * Opsets < 13: the input is viewed as 2-D (outer = dims before `axis`,
 * inner = the rest; axis default 1) and each row of `inner` elements is
 * normalised. Opsets >= 13: along the single axis `axis` (default -1).
 * axis outside [-rank, rank) is INVALID_MODEL; other dtypes UNSUPPORTED.
 *
 * Each row is normalised as max-subtracted exp, summed in index order, then
 * divided (Softmax) or subtracted as log(sum) (LogSoftmax); rows are
 * independent, so threads only split rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

struct softmax_params {
    bool log;
    int64_t axis;
    int64_t outer, len, inner;   /* set by infer: rows are (outer, inner), stride inner */
};

static enum onr_status softmax_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct softmax_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             ctx->node->op_type, ctx->node->name);
    ctx->params = p;
    p->log = strcmp(ctx->node->op_type, "LogSoftmax") == 0;
    return onr_node_attr_int(ctx->node, "axis", ctx->opset >= 13 ? -1 : 1, &p->axis, err);
}

static enum onr_status softmax_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct softmax_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const int rank = x->shape.rank;
    if (x->dtype != ONR_DTYPE_FLOAT)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': input is %s, only float32 is supported",
                             ctx->node->op_type, ctx->node->name, onr_dtype_name(x->dtype));
    /* Opsets < 13 allow axis == rank (an empty inner part: rows of one). */
    const int64_t hi = ctx->opset < 13 ? rank : rank - 1;
    const int64_t axis = p->axis < 0 ? p->axis + rank : p->axis;
    if (axis < 0 || axis > hi || (rank == 0 && ctx->opset >= 13))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': axis %lld is out of range for rank %d",
                             ctx->node->op_type, ctx->node->name, (long long)p->axis, rank);
    p->outer = p->len = p->inner = 1;
    for (int i = 0; i < rank; i++) {
        if (i < axis) p->outer *= x->shape.dims[i];
        else if (ctx->opset < 13 || i == axis) p->len *= x->shape.dims[i];
        else p->inner *= x->shape.dims[i];
    }
    ctx->y[0]->dtype = ONR_DTYPE_FLOAT;
    ctx->y[0]->shape = x->shape;
    return ONR_STATUS_OK;
}

/* x, y: (outer, len, inner); normalises along len. */
static void softmax_f32(bool log, int64_t outer, int64_t len, int64_t inner, const float *x,
                        float *y, int threads)
{
    const int64_t rows = outer * inner;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && rows > 1 && rows * len >= 16384)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t base = (r / inner) * len * inner + r % inner;
        const float *xr = x + base;
        float *yr = y + base;
        float m = -INFINITY;
        for (int64_t i = 0; i < len; i++)
            if (xr[i * inner] > m) m = xr[i * inner];
        float sum = 0.0f;
        for (int64_t i = 0; i < len; i++) {
            const float e = expf(xr[i * inner] - m);
            if (!log) yr[i * inner] = e;
            sum += e;
        }
        const float lse = logf(sum);
        for (int64_t i = 0; i < len; i++)
            yr[i * inner] = log ? xr[i * inner] - m - lse : yr[i * inner] / sum;
    }
}

static enum onr_status softmax_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct softmax_params *p = ctx->params;
    softmax_f32(p->log, p->outer, p->len, p->inner, ctx->x[0]->data, ctx->y[0]->data,
                ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_softmax = {
    .name = "Softmax", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = softmax_init, .infer = softmax_infer, .prepare = NULL, .run = softmax_run,
    .release = NULL, .describe = NULL,
};

const struct onr_op_def onr_op_logsoftmax = {
    .name = "LogSoftmax", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = softmax_init, .infer = softmax_infer, .prepare = NULL, .run = softmax_run,
    .release = NULL, .describe = NULL,
};
