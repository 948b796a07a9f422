/* Range 11..17: y[i] = start + i * delta for i < max(ceil((limit - start) /
 * delta), 0), on float32, float64, int16, int32 and int64 (all three inputs
 * scalars of one dtype). The output length depends on the values, so the
 * three inputs must be known when the session is prepared (initializers,
 * folded arithmetic, or graph inputs: value_inputs declares all three);
 * otherwise, computed from data at run time, UNSUPPORTED.
 * delta 0 is INVALID_ARGUMENT. The count is computed in double for floats
 * and exactly for integers. */
#include <math.h>
#include <stdlib.h>

#include "op.h"

struct range_params {
    enum onr_dtype dtype;
    int64_t n;
};

static enum onr_status range_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    ctx->params = calloc(1, sizeof(struct range_params));
    if (ctx->params == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Range '%s': out of memory",
                             ctx->node->name);
    return ONR_STATUS_OK;
}

static double as_double(const struct onr_tensor *t)
{
    switch (t->dtype) {
    case ONR_DTYPE_FLOAT: return *(const float *)t->data;
    case ONR_DTYPE_DOUBLE: return *(const double *)t->data;
    case ONR_DTYPE_INT16: return *(const int16_t *)t->data;
    case ONR_DTYPE_INT32: return *(const int32_t *)t->data;
    default: return (double)*(const int64_t *)t->data;
    }
}

static int64_t as_int(const struct onr_tensor *t)
{
    switch (t->dtype) {
    case ONR_DTYPE_INT16: return *(const int16_t *)t->data;
    case ONR_DTYPE_INT32: return *(const int32_t *)t->data;
    default: return *(const int64_t *)t->data;
    }
}

static enum onr_status range_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct range_params *p = ctx->params;
    static const char *const what[3] = {"start", "limit", "delta"};
    const char *name = ctx->node->name;
    const enum onr_dtype t = ctx->x[0]->dtype;
    if (t != ONR_DTYPE_FLOAT && t != ONR_DTYPE_DOUBLE && t != ONR_DTYPE_INT16 &&
        t != ONR_DTYPE_INT32 && t != ONR_DTYPE_INT64)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Range '%s': start is %s, only float32, float64, int16, int32 and "
                             "int64 are supported", name, onr_dtype_name(t));
    for (int k = 0; k < 3; k++) {
        const struct onr_tensor *x = ctx->x[k];
        if (x->dtype != t)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Range '%s': %s is %s but start is %s", name, what[k],
                                 onr_dtype_name(x->dtype), onr_dtype_name(t));
        if (onr_shape_numel(&x->shape) != 1 || x->shape.rank > 1)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Range '%s': %s is not a scalar", name, what[k]);
        if (x->data == NULL)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "Range '%s': input %s is not a constant (computed at run "
                                 "time); onnxrun needs it when preparing the session", name,
                                 what[k]);
    }
    if (as_double(ctx->x[2]) == 0.0)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "Range '%s': delta is 0", name);
    p->dtype = t;
    if (t == ONR_DTYPE_FLOAT || t == ONR_DTYPE_DOUBLE) {
        const double c = ceil((as_double(ctx->x[1]) - as_double(ctx->x[0])) /
                              as_double(ctx->x[2]));
        if (isnan(c) || c > 9.0e15)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "Range '%s': %g elements", name, c);
        p->n = c > 0 ? (int64_t)c : 0;
    } else {
        /* |limit - start| fits in int64 for int16/int32; int64 overflow is an error. */
        const int64_t s = as_int(ctx->x[0]), l = as_int(ctx->x[1]), d = as_int(ctx->x[2]);
        int64_t span;
        if (__builtin_sub_overflow(l, s, &span))
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Range '%s': limit - start overflows int64", name);
        int64_t q = span / d;
        if (q * d != span && (span < 0) == (d < 0)) q++; /* ceil for the same sign */
        p->n = q > 0 ? q : 0;
    }
    ctx->y[0]->dtype = t;
    ctx->y[0]->shape.rank = 1;
    ctx->y[0]->shape.dims[0] = p->n;
    return ONR_STATUS_OK;
}

static enum onr_status range_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct range_params *p = ctx->params;
    void *y = ctx->y[0]->data;
    switch (p->dtype) {
    case ONR_DTYPE_FLOAT: {
        const float s = *(const float *)ctx->x[0]->data, d = *(const float *)ctx->x[2]->data;
        for (int64_t i = 0; i < p->n; i++) ((float *)y)[i] = s + (float)i * d;
        break;
    }
    case ONR_DTYPE_DOUBLE: {
        const double s = *(const double *)ctx->x[0]->data, d = *(const double *)ctx->x[2]->data;
        for (int64_t i = 0; i < p->n; i++) ((double *)y)[i] = s + (double)i * d;
        break;
    }
    default: {
        const int64_t s = as_int(ctx->x[0]), d = as_int(ctx->x[2]);
        for (int64_t i = 0; i < p->n; i++) {
            const int64_t v = s + i * d;
            if (p->dtype == ONR_DTYPE_INT16) ((int16_t *)y)[i] = (int16_t)v;
            else if (p->dtype == ONR_DTYPE_INT32) ((int32_t *)y)[i] = (int32_t)v;
            else ((int64_t *)y)[i] = v;
        }
    }
    }
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_range = {
    .name = "Range", .domain = "", .min_opset = 11, .max_opset = 17,
    .min_inputs = 3, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .value_inputs = 0x7u /* start, limit, delta */,
    .init = range_init, .infer = range_infer,
    .prepare = NULL, .run = range_run, .release = NULL, .describe = NULL,
};
