/* DepthToSpace 1..17 and SpaceToDepth 1..17 on 4-D (N, C, H, W) tensors of
 * any dtype the tensor layer stores.
 *
 *   DepthToSpace: y (N, C/b^2, H*b, W*b); mode DCR (default; the only one
 *     before opset 11) reads channel (b1*b + b2) * C/b^2 + c, mode CRD
 *     (PyTorch's PixelShuffle) reads channel c*b^2 + b1*b + b2.
 *   SpaceToDepth: y (N, C*b^2, H/b, W/b), channel (b1*b + b2)*C + c.
 *
 * blocksize < 1, C not divisible by b^2 (DepthToSpace), H or W not
 * divisible by b (SpaceToDepth), another rank or mode are INVALID_MODEL.
 * Both are one strided copy over a 6-D view of x (onr_strided_copy). */
#include <stdlib.h>
#include <string.h>

#include "shape_util.h"

struct d2s_params {
    bool to_depth;                 /* SpaceToDepth */
    bool crd;
    int64_t b;
    int64_t dims[6], strides[6];   /* set by infer: y in this order, x strides */
};

static enum onr_status d2s_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct d2s_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    p->to_depth = strcmp(node->op_type, "SpaceToDepth") == 0;
    const char *mode = "DCR";
    enum onr_status st = onr_node_attr_int(node, "blocksize", 0, &p->b, err);
    if (st == ONR_STATUS_OK && !p->to_depth && ctx->opset >= 11)
        st = onr_node_attr_string(node, "mode", "DCR", &mode, err);
    if (st != ONR_STATUS_OK) return st;
    if (onr_node_attr(node, "blocksize") == NULL || p->b < 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': blocksize is %lld, expected a value >= 1", node->op_type,
                             node->name, (long long)p->b);
    if (strcmp(mode, "DCR") != 0 && strcmp(mode, "CRD") != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': mode '%s', expected DCR or CRD", node->op_type,
                             node->name, mode);
    p->crd = strcmp(mode, "CRD") == 0;
    return ONR_STATUS_OK;
}

static enum onr_status d2s_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct d2s_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    if (x->shape.rank != 4)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': input has rank %d, expected 4",
                             op, name, x->shape.rank);
    const int64_t N = x->shape.dims[0], C = x->shape.dims[1], H = x->shape.dims[2],
                  W = x->shape.dims[3], b = p->b;
    struct onr_tensor *y = ctx->y[0];
    y->dtype = x->dtype;
    y->shape.rank = 4;
    y->shape.dims[0] = N;
    if (!p->to_depth) {
        if (b > C || C % (b * b) != 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': C=%lld is not divisible by blocksize^2=%lld", op, name,
                                 (long long)C, (long long)(b * b));
        const int64_t Co = C / (b * b);
        y->shape.dims[1] = Co, y->shape.dims[2] = H * b, y->shape.dims[3] = W * b;
        /* y as (N, C', H, b1, W, b2) */
        const int64_t dims[6] = {N, Co, H, b, W, b};
        const int64_t dcr[6] = {C * H * W, H * W, W, b * Co * H * W, 1, Co * H * W};
        const int64_t crd[6] = {C * H * W, b * b * H * W, W, b * H * W, 1, H * W};
        memcpy(p->dims, dims, sizeof dims);
        memcpy(p->strides, p->crd ? crd : dcr, sizeof dcr);
        return ONR_STATUS_OK;
    }
    if (H % b != 0 || W % b != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': H=%lld and W=%lld must be divisible by blocksize %lld", op,
                             name, (long long)H, (long long)W, (long long)b);
    y->shape.dims[1] = C * b * b, y->shape.dims[2] = H / b, y->shape.dims[3] = W / b;
    /* y as (N, b1, b2, C, H', W') */
    const int64_t dims[6] = {N, b, b, C, H / b, W / b};
    const int64_t strides[6] = {C * H * W, W, 1, H * W, b * W, b};
    memcpy(p->dims, dims, sizeof dims);
    memcpy(p->strides, strides, sizeof strides);
    return ONR_STATUS_OK;
}

static enum onr_status d2s_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct d2s_params *p = ctx->params;
    if (onr_shape_numel(&ctx->y[0]->shape) == 0) return ONR_STATUS_OK;
    onr_strided_copy(ctx->y[0]->data, ctx->x[0]->data, 6, p->dims, p->strides,
                     onr_dtype_size(ctx->x[0]->dtype), ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_depthtospace = {
    .name = "DepthToSpace", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .init = d2s_init, .infer = d2s_infer,
    .prepare = NULL, .run = d2s_run, .release = NULL, .describe = NULL,
};

const struct onr_op_def onr_op_spacetodepth = {
    .name = "SpaceToDepth", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .init = d2s_init, .infer = d2s_infer,
    .prepare = NULL, .run = d2s_run, .release = NULL, .describe = NULL,
};
