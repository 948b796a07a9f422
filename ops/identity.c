/* Identity, opsets 1..17: y = x for a tensor of any dtype and shape
 * (optional and sequence inputs of opset 16 are not tensors and never reach
 * here). A view: the executor lets y share x's storage and skips run; run
 * copies only when the storage differs (e.g. x is a constant). */
#include <string.h>

#include "op.h"

static enum onr_status identity_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    ctx->y[0]->dtype = ctx->x[0]->dtype;
    ctx->y[0]->shape = ctx->x[0]->shape;
    return ONR_STATUS_OK;
}

static enum onr_status identity_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    if (y->data != x->data && y->nbytes > 0) memcpy(y->data, x->data, y->nbytes);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_identity = {
    .name = "Identity", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_VIEW,
    .init = NULL, .infer = identity_infer, .prepare = NULL, .run = identity_run,
    .release = NULL, .describe = NULL,
};
