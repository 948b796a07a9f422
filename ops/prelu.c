/* PRelu 1..17 on float32: y = x < 0 ? slope * x : x, with slope broadcast
 * to X's shape (unidirectional: a per-channel slope of shape (C, 1, 1), a
 * scalar, or X's own shape). Opsets before 7 predate numpy broadcasting:
 * there a 1-D slope of X's channel count is per channel (axis 1), as
 * PyTorch's exports of that time and ONNX Runtime read it. A slope that
 * does not broadcast to X is SHAPE_MISMATCH; other dtypes UNSUPPORTED. Elements are independent, so any thread
 * count gives the same bits. */
#include <stdlib.h>

#include "broadcast.h"

struct prelu_params {
    struct onr_bcast plan;
};

static enum onr_status prelu_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    ctx->params = calloc(1, sizeof(struct prelu_params));
    if (ctx->params == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "PRelu '%s': out of memory",
                             ctx->node->name);
    return ONR_STATUS_OK;
}

static enum onr_status prelu_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct prelu_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0], *slope = ctx->x[1];
    for (int k = 0; k < 2; k++)
        if (ctx->x[k]->dtype != ONR_DTYPE_FLOAT)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "PRelu '%s': %s is %s, only float32 is supported",
                                 ctx->node->name, k ? "slope" : "X",
                                 onr_dtype_name(ctx->x[k]->dtype));
    struct onr_shape sshape = slope->shape;
    if (ctx->opset < 7 && sshape.rank == 1 && x->shape.rank >= 2 &&
        sshape.dims[0] == x->shape.dims[1] && sshape.dims[0] != 1) {
        sshape.rank = x->shape.rank - 1;
        for (int i = 1; i < sshape.rank; i++) sshape.dims[i] = 1;
    }
    const struct onr_shape *shapes[2] = {&x->shape, &sshape};
    ctx->y[0]->dtype = ONR_DTYPE_FLOAT;
    return onr_bcast_plan(ctx, 2, shapes, true, &p->plan, &ctx->y[0]->shape, err);
}

/* x: (rows, inner)  slope: broadcast per the plan  y: (rows, inner) */
static void prelu_f32(const struct onr_bcast *pl, const float *x, const float *s, float *y,
                      int threads)
{
    const int64_t ss = onr_bcast_step(pl, 1), inner = pl->inner;
    const bool parallel = threads > 1 && pl->rows > 1 && pl->rows * inner >= ONR_BCAST_PARALLEL_MIN;
#pragma omp parallel for num_threads(threads) schedule(static) if (parallel)
    for (int64_t r = 0; r < pl->rows; r++) {
        int64_t off[2];
        onr_bcast_row(pl, r, off);
        const float *xr = x + off[0], *sr = s + off[1];
        float *yr = y + r * inner;
        if (ss == 0) {
            const float a = sr[0];
            for (int64_t i = 0; i < inner; i++) yr[i] = xr[i] < 0.0f ? a * xr[i] : xr[i];
        } else {
            for (int64_t i = 0; i < inner; i++) yr[i] = xr[i] < 0.0f ? sr[i] * xr[i] : xr[i];
        }
    }
}

static enum onr_status prelu_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct prelu_params *p = ctx->params;
    if (onr_shape_numel(&ctx->y[0]->shape) == 0) return ONR_STATUS_OK;
    prelu_f32(&p->plan, ctx->x[0]->data, ctx->x[1]->data, ctx->y[0]->data,
              ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_prelu = {
    .name = "PRelu", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .init = prelu_init, .infer = prelu_infer,
    .prepare = NULL, .run = prelu_run, .release = NULL, .describe = NULL,
};
