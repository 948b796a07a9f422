/* The layout pass's nodes on NCHW16c tensors (nchwc_ops.h). Shapes are the
 * logical ones; the pass has set them, so infer only checks them. */
#include <stdio.h>
#include <stdlib.h>

#include "kernels/nchwc.h"
#include "nchwc_conv.h"
#include "nchwc_ops.h"

/* ---- reorders: x and y (N, C, ...), the dims after C one plane ---- */

struct reorder_params {
    onr_nchwc_reorder_fn fn;
};

static enum onr_status reorder_init(struct onr_op_ctx *ctx, bool in, struct onr_error *err)
{
    struct reorder_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s: out of memory", ctx->node->name);
    const struct onr_kernel_no_shape none = {0};
    p->fn = in ? onr_nchwc_reorder_pick(onr_nchwc_from_nchw_kernels,
                                        onr_nchwc_from_nchw_kernels_count, ctx->isa, &none)->fn
               : onr_nchwc_reorder_pick(onr_nchwc_to_nchw_kernels,
                                        onr_nchwc_to_nchw_kernels_count, ctx->isa, &none)->fn;
    ctx->params = p;
    return ONR_STATUS_OK;
}

static enum onr_status init_in(struct onr_op_ctx *ctx, struct onr_error *err)
{
    return reorder_init(ctx, true, err);
}

static enum onr_status init_out(struct onr_op_ctx *ctx, struct onr_error *err)
{
    return reorder_init(ctx, false, err);
}

static enum onr_status reorder_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0], *y = ctx->y[0];
    if (x->dtype != ONR_DTYPE_FLOAT || x->shape.rank < 2 || !onr_shape_equal(&x->shape, &y->shape))
        return onr_error_set(err, ONR_STATUS_INTERNAL, "%s: bad reorder shapes", ctx->node->name);
    return ONR_STATUS_OK;
}

static int64_t plane_of(const struct onr_shape *sh)
{
    int64_t plane = 1;
    for (int d = 2; d < sh->rank; d++) plane *= sh->dims[d];
    return plane;
}

static enum onr_status reorder_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct reorder_params *p = ctx->params;
    const struct onr_shape *sh = &ctx->x[0]->shape;
    p->fn(sh->dims[0], sh->dims[1], plane_of(sh), ctx->x[0]->data, ctx->y[0]->data, ctx->threads);
    return ONR_STATUS_OK;
}

static void describe_in(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    if (macs != NULL) *macs = 0;
    snprintf(buf, size, "NCHW -> NCHW16c");
}

static void describe_out(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    if (macs != NULL) *macs = 0;
    snprintf(buf, size, "NCHW16c -> NCHW");
}

const struct onr_op_def onr_op_nchwc_reorder_in = {
    .name = "ReorderToNCHW16c", .domain = ONR_DOMAIN_NCHWC, .min_opset = 1, .max_opset = 1,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .init = init_in, .infer = reorder_infer, .run = reorder_run, .describe = describe_in,
};

const struct onr_op_def onr_op_nchwc_reorder_out = {
    .name = "ReorderToNCHW", .domain = ONR_DOMAIN_NCHWC, .min_opset = 1, .max_opset = 1,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .init = init_out, .infer = reorder_infer, .run = reorder_run, .describe = describe_out,
};

/* ---- GlobalAveragePool: x blocked (N, C, H, W) -> y blocked (N, C, 1, 1) ---- */

bool onr_nchwc_global_avgpool_fits(const struct onr_op_ctx *ctx)
{
    const struct onr_tensor *x = ctx->x[0], *y = ctx->y[0];
    return x != NULL && y != NULL && x->dtype == ONR_DTYPE_FLOAT && x->shape.rank == 4 &&
           x->data == NULL && y->shape.rank == 4;
}

static enum onr_status gap_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    if (!onr_nchwc_global_avgpool_fits(ctx))
        return onr_error_set(err, ONR_STATUS_INTERNAL, "%s: bad blocked pool shapes",
                             ctx->node->name);
    return ONR_STATUS_OK;
}

static enum onr_status gap_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_shape *sh = &ctx->x[0]->shape;
    onr_nchwc_global_avgpool(sh->dims[0], sh->dims[1], plane_of(sh), ctx->x[0]->data,
                             ctx->y[0]->data, ctx->threads);
    return ONR_STATUS_OK;
}

static void describe_blocked(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    if (macs != NULL) *macs = 0;
    snprintf(buf, size, "on NCHW16c");
}

const struct onr_op_def onr_op_nchwc_global_avgpool = {
    .name = "GlobalAveragePool", .domain = ONR_DOMAIN_NCHWC, .min_opset = 1, .max_opset = 1,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .infer = gap_infer, .run = gap_run, .describe = describe_blocked,
};

/* ---- Mul: x blocked (N, C, H, W) times a blocked gate (N or 1, C, 1, 1) ---- */

struct mul_params {
    int big;   /* the (N, C, H, W) input; the other is the gate */
};

/* g: float (N or 1, C, 1, 1) for x (N, C, H, W) */
static bool is_gate(const struct onr_tensor *g, const struct onr_tensor *x)
{
    return g->dtype == ONR_DTYPE_FLOAT && g->shape.rank == 4 && g->shape.dims[1] == x->shape.dims[1] &&
           (g->shape.dims[0] == 1 || g->shape.dims[0] == x->shape.dims[0]) &&
           g->shape.dims[2] == 1 && g->shape.dims[3] == 1;
}

int onr_nchwc_channel_mul_fits(const struct onr_op_ctx *ctx)
{
    if (ctx->n_x != 2 || ctx->x[0] == NULL || ctx->x[1] == NULL || ctx->y[0] == NULL) return -1;
    const struct onr_tensor *y = ctx->y[0];
    for (int k = 0; k < 2; k++) {
        const struct onr_tensor *x = ctx->x[k], *g = ctx->x[1 - k];
        if (x->dtype == ONR_DTYPE_FLOAT && x->shape.rank == 4 && x->data == NULL &&
            onr_shape_equal(&x->shape, &y->shape) && is_gate(g, x) &&
            !onr_shape_equal(&g->shape, &x->shape))
            return k;
    }
    return -1;
}

static enum onr_status mul_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct mul_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s: out of memory", ctx->node->name);
    p->big = onr_nchwc_channel_mul_fits(ctx);
    ctx->params = p;
    if (p->big < 0)
        return onr_error_set(err, ONR_STATUS_INTERNAL, "%s: not a per-channel Mul",
                             ctx->node->name);
    return ONR_STATUS_OK;
}

static enum onr_status mul_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    return ONR_STATUS_OK;   /* checked by init, which the pass runs with the shapes set */
}

static enum onr_status mul_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct mul_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[p->big], *g = ctx->x[1 - p->big];
    const struct onr_shape *sh = &x->shape;
    const int64_t g_stride = g->shape.dims[0] == 1 ? 0 : onr_nchwc_floats(1, sh->dims[1], 1);
    onr_nchwc_channel_mul(sh->dims[0], sh->dims[1], plane_of(sh), x->data, g->data, g_stride,
                          ctx->y[0]->data, ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_nchwc_channel_mul = {
    .name = "Mul", .domain = ONR_DOMAIN_NCHWC, .min_opset = 1, .max_opset = 1,
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .init = mul_init, .infer = mul_infer, .run = mul_run, .describe = describe_blocked,
};
