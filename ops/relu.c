/* Relu, opsets 1..17: y = max(x, 0) on float32 of any shape (NaN stays
 * NaN). Opsets 1..5's consumed_inputs is ignored; other types are
 * UNSUPPORTED. */
#include "kernels/elementwise.h"
#include "op.h"

static enum onr_status relu_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0];
    if (x->dtype != ONR_DTYPE_FLOAT)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Relu '%s': input is %s, only float32 is supported",
                             ctx->node->name, onr_dtype_name(x->dtype));
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = x->shape;
    return ONR_STATUS_OK;
}

static enum onr_status relu_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    onr_relu_f32__scalar(onr_shape_numel(&ctx->x[0]->shape), ctx->x[0]->data,
                         ctx->y[0]->data, ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_relu = {
    .name = "Relu", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = NULL, .infer = relu_infer, .prepare = NULL, .run = relu_run,
    .release = NULL, .describe = NULL,
};
