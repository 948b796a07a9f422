/* Expand 8..17: y is `input` broadcast (multidirectionally) with `shape`, a
 * 1-D int64 input that must be known when the session is prepared (an
 * initializer, a folded Shape computation or a small integer graph input).
 * Any dtype the tensor layer stores; a shape dim that neither matches nor
 * is 1 is SHAPE_MISMATCH, a negative one INVALID_MODEL. The copy reads the
 * input with zero strides on broadcast dims (onr_strided_copy). */
#include <stdlib.h>

#include "broadcast.h"
#include "shape_util.h"

struct expand_params {
    struct onr_bcast plan;
};

static enum onr_status expand_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    ctx->params = calloc(1, sizeof(struct expand_params));
    if (ctx->params == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Expand '%s': out of memory",
                             ctx->node->name);
    return ONR_STATUS_OK;
}

static enum onr_status expand_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const char *name = ctx->node->name;
    struct onr_shape target = {0};
    enum onr_status st = onr_op_const_ints(ctx, 1, "shape", target.dims, ONR_MAX_RANK,
                                           &target.rank, err);
    if (st != ONR_STATUS_OK) return st;
    for (int i = 0; i < target.rank; i++)
        if (target.dims[i] < 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Expand '%s': shape[%d] is %lld, expected >= 0", name, i,
                                 (long long)target.dims[i]);
    struct expand_params *p = ctx->params;
    const struct onr_shape *shapes[2] = {&ctx->x[0]->shape, &target};
    ctx->y[0]->dtype = ctx->x[0]->dtype;
    return onr_bcast_plan(ctx, 2, shapes, false, &p->plan, &ctx->y[0]->shape, err);
}

static enum onr_status expand_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct expand_params *p = ctx->params;
    if (onr_shape_numel(&ctx->y[0]->shape) == 0) return ONR_STATUS_OK;
    onr_strided_copy(ctx->y[0]->data, ctx->x[0]->data, p->plan.rank, p->plan.dims,
                     p->plan.strides[0], onr_dtype_size(ctx->x[0]->dtype),
                     ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_expand = {
    .name = "Expand", .domain = "", .min_opset = 8, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .value_inputs = 1u << 1, .init = expand_init, .infer = expand_infer,
    .prepare = NULL, .run = expand_run, .release = NULL, .describe = NULL,
};
