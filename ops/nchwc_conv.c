/* onnxrun.nchwc:Conv (internal, opset 1): a Conv on channel-blocked
 * NCHW16c tensors, with its activation, residual R and squeeze-excite gate
 * G fused (nchwc_conv.h says which inputs are blocked). Attributes are
 * Conv's (conv.c) and the activation ones (fused_conv.h); infer checks
 * logical shapes, which the layout pass keeps; prepare packs W and B for
 * the blocked kernel (conv_nchwc.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "conv_impl.h"
#include "fused_conv.h"
#include "nchwc_conv.h"

/* Input channels up to which a dense Conv reads its plain X and writes a
 * blocked Y: a network's RGB stem and the notebook's ClassicCNN (32 -> 64
 * channels), where it beats im2col + GEMM with the reorder back to NCHW
 * included. Wider inputs are untested. */
#define BLOCKED_DENSE_MAX_C 32

static const struct onr_tensor *input(const struct onr_op_ctx *ctx, int k)
{
    return ctx->n_x > k ? ctx->x[k] : NULL;
}

enum onr_nchwc_conv_fit onr_nchwc_conv_fits(const struct onr_op_def *def,
                                            const struct onr_op_ctx *ctx)
{
    if (def != &onr_op_conv && def != &onr_op_fused_conv) return ONR_NCHWC_CONV_NO;
    const struct conv_params *p = ctx->params;
    if (p == NULL || !p->shaped || p->spatial != 2 || ctx->reference) return ONR_NCHWC_CONV_NO;
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    if (ctx->x[0] == NULL || ctx->x[0]->data != NULL || ctx->x[1]->data == NULL ||
        (b != NULL && b->data == NULL))
        return ONR_NCHWC_CONV_NO;   /* x computed at run time, W and B constant */
    switch (onr_conv_blocked_kind(&p->shape)) {
    case CONV_BLOCKED_DW: return p->residual ? ONR_NCHWC_CONV_NO : ONR_NCHWC_CONV_IN_OUT;
    case CONV_BLOCKED_PW: return ONR_NCHWC_CONV_IN_OUT;
    case CONV_BLOCKED_DENSE:
        /* Winograd F(2x2) needs 4/9 of the direct kernel's multiplies. */
        if (onr_conv_winograd_takes(ctx, p)) return ONR_NCHWC_CONV_NO;
        return p->shape.C <= BLOCKED_DENSE_MAX_C && !p->residual ? ONR_NCHWC_CONV_OUT
                                                                 : ONR_NCHWC_CONV_NO;
    default: return ONR_NCHWC_CONV_NO;
    }
}

bool onr_nchwc_conv_takes_gate(const struct onr_op_ctx *ctx)
{
    const struct conv_params *p = ctx->params;
    return p != NULL && p->shaped && p->blk.kind == CONV_BLOCKED_PW && input(ctx, 4) == NULL;
}

static enum onr_status nconv_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "NchwcConv '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    onr_conv_params_defaults(p);
    enum onr_status st = onr_conv_read_attrs(ctx->node, "NchwcConv", "", p, err);
    if (st == ONR_STATUS_OK) st = onr_activation_read_attrs(ctx->node, "", &p->act, err);
    return st;
}

static enum onr_status nconv_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = ctx->params;
    const char *name = ctx->node->name;
    enum onr_status st = onr_conv_infer_shape(ctx->node, "NchwcConv", p, ctx->x[0], ctx->x[1],
                                              input(ctx, 2), ctx->y[0], err);
    if (st != ONR_STATUS_OK) return st;
    const struct onr_tensor *r = input(ctx, 3), *g = input(ctx, 4);
    const enum conv_blocked_kind kind = onr_conv_blocked_kind(&p->shape);
    p->residual = r != NULL;
    if (kind == CONV_BLOCKED_NO)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "NchwcConv '%s': group %lld has no blocked kernel", name,
                             (long long)p->shape.group);
    if ((r != NULL || g != NULL) && kind != CONV_BLOCKED_PW)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "NchwcConv '%s': only a 1x1 Conv takes R or G", name);
    if (r != NULL && !onr_shape_equal(&r->shape, &ctx->y[0]->shape))
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH, "NchwcConv '%s': R is not Y's shape",
                             name);
    const struct onr_conv_shape *s = &p->shape;
    if (g != NULL && !(g->shape.rank == 4 && g->shape.dims[1] == s->C &&
                       (g->shape.dims[0] == 1 || g->shape.dims[0] == s->N) &&
                       g->shape.dims[2] == 1 && g->shape.dims[3] == 1))
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "NchwcConv '%s': G is not (N or 1, %lld, 1, 1)", name,
                             (long long)s->C);
    return ONR_STATUS_OK;
}

static enum onr_status nconv_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = ctx->params;
    ctx->workspace_bytes = 0;
    enum onr_status st = onr_conv_blocked_pack(ctx->node, ctx->isa, p, ctx->x[1], input(ctx, 2), err);
    if (st != ONR_STATUS_OK || input(ctx, 4) == NULL) return st;
    /* room for the weights scaled by one image's gate (nchwc.h) */
    ctx->workspace_bytes =
        (size_t)onr_nchwc_pw_gated_scratch_floats(p->shape.OC, p->shape.C) * sizeof(float);
    /* nchwc_pwconv__<isa> -> nchwc_pwconv_gated__<isa> */
    char isa[16] = "";   /* the "__<isa>" suffix, copied: snprintf's output overlaps it */
    const char *at = strstr(p->blk.name, "__");
    if (at != NULL) snprintf(isa, sizeof isa, "%s", at);
    snprintf(p->blk.name, sizeof p->blk.name, "nchwc_pwconv_gated%s", isa);
    return ONR_STATUS_OK;
}

static enum onr_status nconv_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct conv_params *p = ctx->params;
    const struct onr_conv_shape *s = &p->shape;
    const float *x = ctx->x[0]->data;
    float *y = ctx->y[0]->data;
    if (p->blk.kind == CONV_BLOCKED_DW) {
        p->blk.dw(s, x, p->blk.w, p->blk.b, &p->act, y, ctx->threads);
        return ONR_STATUS_OK;
    }
    if (p->blk.kind == CONV_BLOCKED_DENSE) {
        p->blk.dense(s, x, p->blk.w, p->blk.b, &p->act, y, ctx->threads);
        return ONR_STATUS_OK;
    }
    const struct onr_tensor *rt = input(ctx, 3), *g = input(ctx, 4);
    const float *r = rt != NULL ? rt->data : NULL;
    if (g != NULL) {
        const int64_t g_stride = g->shape.dims[0] == 1 ? 0 : onr_nchwc_floats(1, s->C, 1);
        p->blk.gated(s->N, s->C, s->OC, s->H * s->W, x, g->data, g_stride, p->blk.w, p->blk.b, r,
                     &p->act, y, ctx->workspace, ctx->threads);
        return ONR_STATUS_OK;
    }
    p->blk.pw(s->N, s->C, s->OC, s->H * s->W, x, p->blk.w, p->blk.b, r, &p->act, y, ctx->threads);
    return ONR_STATUS_OK;
}

static void nconv_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    onr_conv_describe_params(ctx->params, buf, size, macs);
}

const struct onr_op_def onr_op_nchwc_conv = {
    .name = "Conv", .domain = ONR_DOMAIN_NCHWC, .min_opset = 1, .max_opset = 1,
    .min_inputs = 2, .max_inputs = 5, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .init = nconv_init, .infer = nconv_infer, .prepare = nconv_prepare, .run = nconv_run,
    .release = onr_conv_params_free, .describe = nconv_describe,
};
