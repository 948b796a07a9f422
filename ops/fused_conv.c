/* onnxrun.fused:Conv (internal, opset 1): ONNX Conv with the activation
 * that followed it and the residual Add after it computed in its store:
 * Y = act(Conv(X, W) + B + R). Inputs X, W, B (optional), R (optional,
 * Y's shape, the Add's other input). Attributes: Conv's (conv.c reads
 * them) and the activation ones of fused_conv.h. Built by the
 * fuse_activation and fuse_residual passes (runtime/passes/optimize.c); kernels
 * are Conv's, so results are bitwise those of the nodes it replaces. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_impl.h"
#include "fused_conv.h"

static const struct {
    const char *name;
    enum onr_activation_kind kind;
    int n_params;
} activations[] = {
    {"Relu", ONR_ACT_RELU, 0},           {"Clip", ONR_ACT_CLIP, 2},
    {"HardSigmoid", ONR_ACT_HARDSIGMOID, 2}, {"HardSwish", ONR_ACT_HARDSWISH, 0},
    {"Sigmoid", ONR_ACT_SIGMOID, 0},     {"SiLU", ONR_ACT_SILU, 0},
};
#define N_ACTIVATIONS (int)(sizeof activations / sizeof activations[0])

enum onr_status onr_activation_write_attrs(struct onr_node *node, const char *prefix,
                                           const struct onr_activation *act,
                                           struct onr_error *err)
{
    if (act->kind == ONR_ACT_NONE) return ONR_STATUS_OK;
    for (int i = 0; i < N_ACTIVATIONS; i++) {
        if (activations[i].kind != act->kind) continue;
        char name[64];
        snprintf(name, sizeof name, "%sactivation", prefix);
        enum onr_status st = onr_node_add_attr_string(node, name, activations[i].name, err);
        if (st != ONR_STATUS_OK || activations[i].n_params == 0) return st;
        const float params[2] = {act->a, act->b};
        snprintf(name, sizeof name, "%sactivation_params", prefix);
        return onr_node_add_attr_floats(node, name, params, 2, err);
    }
    return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "%s '%s': unknown activation kind %d",
                         node->op_type, node->name, (int)act->kind);
}

enum onr_status onr_activation_read_attrs(const struct onr_node *node, const char *prefix,
                                          struct onr_activation *act, struct onr_error *err)
{
    char name[64], pname[64];
    snprintf(name, sizeof name, "%sactivation", prefix);
    snprintf(pname, sizeof pname, "%sactivation_params", prefix);
    memset(act, 0, sizeof *act);
    act->kind = ONR_ACT_NONE;
    const char *s;
    enum onr_status st = onr_node_attr_string(node, name, "", &s, err);
    if (st != ONR_STATUS_OK || s[0] == '\0') return st;
    int i = 0;
    while (i < N_ACTIVATIONS && strcmp(activations[i].name, s) != 0) i++;
    if (i == N_ACTIVATIONS)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s '%s', expected Relu, Clip, HardSigmoid, HardSwish, "
                             "Sigmoid or SiLU", node->op_type, node->name, name, s);
    const float *v;
    size_t n;
    if ((st = onr_node_attr_floats(node, pname, &v, &n, err)) != ONR_STATUS_OK) return st;
    if ((int)n != activations[i].n_params)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': %s has %zu values, expected %d",
                             node->op_type, node->name, pname, n, activations[i].n_params);
    act->kind = activations[i].kind;
    if (n == 2) {
        act->a = v[0];
        act->b = v[1];
    }
    if (act->kind == ONR_ACT_CLIP && !(act->a <= act->b))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': Clip min %g > max %g",
                             node->op_type, node->name, act->a, act->b);
    return ONR_STATUS_OK;
}

static enum onr_status fused_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "FusedConv '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    onr_conv_params_defaults(p);
    enum onr_status st = onr_conv_read_attrs(ctx->node, "FusedConv", "", p, err);
    if (st == ONR_STATUS_OK) st = onr_activation_read_attrs(ctx->node, "", &p->act, err);
    p->residual = ctx->n_x > 3 && ctx->x[3] != NULL;
    return st;
}

static enum onr_status fused_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = ctx->params;
    enum onr_status st = onr_conv_infer_shape(ctx->node, "FusedConv", p, ctx->x[0], ctx->x[1],
                                              ctx->n_x > 2 ? ctx->x[2] : NULL, ctx->y[0], err);
    if (st != ONR_STATUS_OK) return st;
    p->residual = ctx->n_x > 3 && ctx->x[3] != NULL;
    if (p->residual && (ctx->x[3]->dtype != ONR_DTYPE_FLOAT ||
                        !onr_shape_equal(&ctx->x[3]->shape, &ctx->y[0]->shape))) {
        char a[96], b[96];
        onr_shape_format(&ctx->x[3]->shape, a, sizeof a);
        onr_shape_format(&ctx->y[0]->shape, b, sizeof b);
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "FusedConv '%s': R has shape %s, expected Y's %s", ctx->node->name,
                             a, b);
    }
    return ONR_STATUS_OK;
}

static enum onr_status fused_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    return onr_conv_prepare_plain(ctx, ctx->params, err);
}

static enum onr_status fused_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct conv_params *p = ctx->params;
    onr_conv_run_plain(ctx, p, p->residual ? ctx->x[3]->data : NULL);
    return ONR_STATUS_OK;
}

static void fused_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    onr_conv_describe_params(ctx->params, buf, size, macs);
}

const struct onr_op_def onr_op_fused_conv = {
    .name = "Conv", .domain = ONR_DOMAIN_FUSED, .min_opset = 1, .max_opset = 1,
    .min_inputs = 2, .max_inputs = 4, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .init = fused_init, .infer = fused_infer, .prepare = fused_prepare, .run = fused_run,
    .release = onr_conv_params_free, .describe = fused_describe,
};
