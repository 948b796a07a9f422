/* BatchNormalization, opsets 1..17, inference form: Y from X (N, C, ...)
 * of any rank >= 2 and per-channel scale, B, mean, var; attribute epsilon
 * (default 1e-5). momentum, is_test and consumed_inputs are ignored;
 * spatial is accepted when 1. Rejected as UNSUPPORTED: training_mode=1,
 * spatial=0, any of the training outputs (mean, var, saved_*), non-float32.
 *
 * The fast path applies y = x*a[c] + b[c]: a and b are folded in prepare
 * when the four vectors are constant, else into the workspace at run. */
#include <stdio.h>
#include <stdlib.h>

#include "kernels/batchnorm.h"
#include "op.h"

struct bn_params {
    float epsilon;
    int64_t N, C, inner;    /* X viewed as (N, C, inner); set by infer */
    float *folded;          /* a then b (2*C), when the vectors are constant */
};

static enum onr_status bn_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct bn_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY,
                             "BatchNormalization '%s': out of memory", node->name);
    ctx->params = p;
    int64_t spatial, training;
    enum onr_status st;
    if ((st = onr_node_attr_float(node, "epsilon", 1e-5f, &p->epsilon, err)) ||
        (st = onr_node_attr_int(node, "spatial", 1, &spatial, err)) ||
        (st = onr_node_attr_int(node, "training_mode", 0, &training, err)))
        return st;
    if (spatial != 1)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "BatchNormalization '%s': spatial=%lld is not supported "
                             "(only per-channel statistics)", node->name, (long long)spatial);
    if (training != 0)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "BatchNormalization '%s': training_mode=%lld is not supported "
                             "(inference only)", node->name, (long long)training);
    if (!(p->epsilon >= 0.0f))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "BatchNormalization '%s': epsilon %g, expected >= 0", node->name,
                             p->epsilon);
    return ONR_STATUS_OK;
}

static enum onr_status bn_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    static const char *const names[] = {"X", "scale", "B", "mean", "var"};
    const char *name = ctx->node->name;
    struct bn_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    for (int k = 1; k < ctx->n_y; k++)
        if (ctx->y[k] != NULL)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "BatchNormalization '%s': output %d (training statistics) "
                                 "is not supported", name, k);
    for (int k = 0; k < 5; k++)
        if (ctx->x[k] == NULL || ctx->x[k]->dtype != ONR_DTYPE_FLOAT)
            return onr_error_set(err, ctx->x[k] == NULL ? ONR_STATUS_INVALID_MODEL
                                                        : ONR_STATUS_UNSUPPORTED,
                                 "BatchNormalization '%s': input %s %s", name, names[k],
                                 ctx->x[k] == NULL ? "is missing" : "is not float32");
    if (x->shape.rank < 2)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "BatchNormalization '%s': X has rank %d, expected >= 2", name,
                             x->shape.rank);
    const int64_t C = x->shape.dims[1];
    for (int k = 1; k < 5; k++) {
        const struct onr_shape *s = &ctx->x[k]->shape;
        if (s->rank != 1 || s->dims[0] != C) {
            char buf[96];
            onr_shape_format(s, buf, sizeof buf);
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "BatchNormalization '%s': %s has shape %s, expected %lld (C)",
                                 name, names[k], buf, (long long)C);
        }
    }
    p->N = x->shape.dims[0];
    p->C = C;
    p->inner = 1;
    for (int i = 2; i < x->shape.rank; i++)
        if (onr_mul_overflow_i64(p->inner, x->shape.dims[i], &p->inner))
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "BatchNormalization '%s': X is too large", name);
    ctx->y[0]->dtype = ONR_DTYPE_FLOAT;
    ctx->y[0]->shape = x->shape;
    return ONR_STATUS_OK;
}

static enum onr_status bn_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct bn_params *p = ctx->params;
    struct onr_tensor *const *x = ctx->x;
    size_t bytes;
    free(p->folded);
    p->folded = NULL;
    ctx->workspace_bytes = 0;
    if (ctx->reference) return ONR_STATUS_OK;
    if ((uint64_t)p->C > SIZE_MAX / 2 || onr_mul_overflow_size((size_t)p->C * 2, sizeof(float), &bytes))
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "BatchNormalization '%s': C=%lld is too large", ctx->node->name,
                             (long long)p->C);
    if (x[1]->data && x[2]->data && x[3]->data && x[4]->data) {
        p->folded = malloc(bytes ? bytes : 1);
        if (p->folded == NULL)
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY,
                                 "BatchNormalization '%s': out of memory", ctx->node->name);
        onr_batchnorm_f32_fold(p->C, x[1]->data, x[2]->data, x[3]->data, x[4]->data,
                               p->epsilon, NULL, p->folded, p->folded + p->C);
    } else {
        ctx->workspace_bytes = bytes;
    }
    return ONR_STATUS_OK;
}

static enum onr_status bn_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct bn_params *p = ctx->params;
    struct onr_tensor *const *x = ctx->x;
    if (ctx->reference) {
        onr_batchnorm_f32__ref(p->N, p->C, p->inner, x[0]->data, x[1]->data, x[2]->data,
                               x[3]->data, x[4]->data, p->epsilon, ctx->y[0]->data);
        return ONR_STATUS_OK;
    }
    float *ab = p->folded;
    if (ab == NULL) {
        ab = ctx->workspace;
        onr_batchnorm_f32_fold(p->C, x[1]->data, x[2]->data, x[3]->data, x[4]->data,
                               p->epsilon, NULL, ab, ab + p->C);
    }
    onr_batchnorm_f32__scalar(p->N, p->C, p->inner, x[0]->data, ab, ab + p->C,
                              ctx->y[0]->data, ctx->threads);
    return ONR_STATUS_OK;
}

static void bn_release(void *params)
{
    struct bn_params *p = params;
    if (p == NULL) return;
    free(p->folded);
    free(p);
}

static void bn_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    const struct bn_params *p = ctx->params;
    if (size) buf[0] = '\0';
    if (macs != NULL) *macs = 0;
    if (p == NULL) return;
    snprintf(buf, size, "eps=%g%s", p->epsilon, p->folded ? " folded" : "");
    int64_t m;
    if (macs != NULL && !onr_mul_overflow_i64(p->N * p->C, p->inner, &m)) *macs = m;
}

const struct onr_op_def onr_op_batchnormalization = {
    .name = "BatchNormalization", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 5, .max_inputs = 5, .min_outputs = 1, .max_outputs = 5,
    .flags = ONR_OP_FLAG_NONE,
    .init = bn_init, .infer = bn_infer, .prepare = bn_prepare, .run = bn_run,
    .release = bn_release, .describe = bn_describe,
};
