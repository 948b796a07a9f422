/* InstanceNormalization 1..17 on float32: x (N, C, D1, ...) of rank >= 2,
 * scale and B of shape (C); y = scale[c] * (x - mean) / sqrt(var + epsilon)
 * + B[c], with mean and (biased) var over the spatial dims of each (n, c).
 * epsilon defaults to 1e-5; opset 1's consumed_inputs is ignored. Other
 * dtypes are UNSUPPORTED, other scale/B shapes SHAPE_MISMATCH.
 *
 * Each (n, c) plane is one thread's: its mean and variance are summed in
 * double, in index order (two passes: mean, then squared deviations), and
 * the deviations are normalised in double, so any thread count gives the
 * same bits. PyTorch exports GroupNorm as this
 * op on a reshaped input followed by a Mul and Add. */
#include <math.h>
#include <stdlib.h>

#include "op.h"

struct inorm_params {
    float epsilon;
    int64_t planes, C, len;      /* set by infer */
};

static enum onr_status inorm_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct inorm_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY,
                             "InstanceNormalization '%s': out of memory", ctx->node->name);
    ctx->params = p;
    return onr_node_attr_float(ctx->node, "epsilon", 1e-5f, &p->epsilon, err);
}

static enum onr_status inorm_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct inorm_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *name = ctx->node->name;
    static const char *const what[3] = {"input", "scale", "B"};
    for (int k = 0; k < 3; k++)
        if (ctx->x[k]->dtype != ONR_DTYPE_FLOAT)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "InstanceNormalization '%s': %s is %s, only float32 is "
                                 "supported", name, what[k], onr_dtype_name(ctx->x[k]->dtype));
    if (x->shape.rank < 2)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "InstanceNormalization '%s': input has rank %d, expected >= 2",
                             name, x->shape.rank);
    p->C = x->shape.dims[1];
    p->planes = x->shape.dims[0] * p->C;
    p->len = 1;
    for (int i = 2; i < x->shape.rank; i++) p->len *= x->shape.dims[i];
    for (int k = 1; k < 3; k++) {
        const struct onr_shape *s = &ctx->x[k]->shape;
        if (s->rank != 1 || s->dims[0] != p->C) {
            char buf[96];
            onr_shape_format(s, buf, sizeof buf);
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "InstanceNormalization '%s': %s has shape %s, expected (%lld)",
                                 name, what[k], buf, (long long)p->C);
        }
    }
    ctx->y[0]->dtype = ONR_DTYPE_FLOAT;
    ctx->y[0]->shape = x->shape;
    return ONR_STATUS_OK;
}

/* x, y: (planes, len)  scale, b: (C), plane q has channel q % C */
static void inorm_f32(const struct inorm_params *p, const float *x, const float *scale,
                      const float *b, float *y, int threads)
{
    const int64_t len = p->len;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && p->planes > 1 && p->planes * len >= 16384)
    for (int64_t q = 0; q < p->planes; q++) {
        const float *xq = x + q * len;
        float *yq = y + q * len;
        double sum = 0.0;
        for (int64_t i = 0; i < len; i++) sum += xq[i];
        const double mean = sum / (double)len;
        double ss = 0.0;
        for (int64_t i = 0; i < len; i++) ss += (xq[i] - mean) * (xq[i] - mean);
        const double inv = 1.0 / sqrt(ss / (double)len + (double)p->epsilon);
        const int64_t c = q % p->C;
        /* The deviation in double: a float32 mean would cost its rounding
         * error relative to the spread when |mean| >> std. */
        const double a = scale[c] * inv;
        const float shift = b[c];
        for (int64_t i = 0; i < len; i++) yq[i] = (float)((xq[i] - mean) * a) + shift;
    }
}

static enum onr_status inorm_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct inorm_params *p = ctx->params;
    if (p->planes == 0 || p->len == 0) return ONR_STATUS_OK;
    inorm_f32(p, ctx->x[0]->data, ctx->x[1]->data, ctx->x[2]->data, ctx->y[0]->data,
              ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_instancenormalization = {
    .name = "InstanceNormalization", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 3, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .init = inorm_init, .infer = inorm_infer,
    .prepare = NULL, .run = inorm_run, .release = NULL, .describe = NULL,
};
