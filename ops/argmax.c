/* ArgMax and ArgMin 1..17: int64 index of the largest / smallest element
 * along `axis` (default 0, negative from 11), keepdims (default 1),
 * select_last_index (12+, default 0: the first of equal elements wins).
 * Inputs: float32, float64, int8, uint8, int16, int32, int64; others are
 * UNSUPPORTED. A NaN counts as larger than any number for ArgMax and
 * smaller for ArgMin (the first NaN wins, as numpy's argmax). An empty
 * axis is INVALID_ARGUMENT (no index to give). Each output is one thread's,
 * so any thread count gives the same result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

struct arg_params {
    bool min;
    int64_t axis, keepdims, last;
    int64_t outer, len, inner;    /* set by infer */
};

static enum onr_status arg_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct arg_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    p->min = strcmp(node->op_type, "ArgMin") == 0;
    enum onr_status st;
    if ((st = onr_node_attr_int(node, "axis", 0, &p->axis, err)) ||
        (st = onr_node_attr_int(node, "keepdims", 1, &p->keepdims, err)) ||
        (st = onr_node_attr_int(node, "select_last_index", 0, &p->last, err)))
        return st;
    if (p->last != 0 && ctx->opset < 12)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': select_last_index is an attribute from opset 12 (model "
                             "opset %lld)", node->op_type, node->name, (long long)ctx->opset);
    return ONR_STATUS_OK;
}

static bool arg_dtype_ok(enum onr_dtype t)
{
    switch (t) {
    case ONR_DTYPE_FLOAT: case ONR_DTYPE_DOUBLE: case ONR_DTYPE_INT8: case ONR_DTYPE_UINT8:
    case ONR_DTYPE_INT16: case ONR_DTYPE_INT32: case ONR_DTYPE_INT64: return true;
    default: return false;
    }
}

static enum onr_status arg_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct arg_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    if (!arg_dtype_ok(x->dtype))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': input is %s, only float32, float64, int8, uint8, int16, "
                             "int32 and int64 are supported", op, name, onr_dtype_name(x->dtype));
    const int rank = x->shape.rank;
    const int64_t axis = p->axis < 0 ? p->axis + rank : p->axis;
    if (axis < 0 || axis >= rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': axis %lld is out of range for rank %d", op, name,
                             (long long)p->axis, rank);
    struct onr_tensor *y = ctx->y[0];
    y->dtype = ONR_DTYPE_INT64;
    y->shape.rank = 0;
    p->outer = p->inner = 1;
    p->len = x->shape.dims[axis];
    for (int i = 0; i < rank; i++) {
        if (i < axis) p->outer *= x->shape.dims[i];
        if (i > axis) p->inner *= x->shape.dims[i];
        if (i != axis) y->shape.dims[y->shape.rank++] = x->shape.dims[i];
        else if (p->keepdims) y->shape.dims[y->shape.rank++] = 1;
    }
    if (p->len == 0 && p->outer * p->inner > 0)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "%s '%s': axis %lld has size 0", op, name, (long long)p->axis);
    return ONR_STATUS_OK;
}

/* Does v replace best? (ArgMax; ArgMin flips the comparison.) NaN is the
 * extreme: the first NaN stays, a later one replaces only with `last`. */
#define ARG_LOOP(T)                                                                   \
    do {                                                                              \
        const T *x = X;                                                               \
        _Pragma("omp parallel for num_threads(threads) schedule(static) if (parallel)") \
        for (int64_t e = 0; e < n_out; e++) {                                         \
            const T *xe = x + (e / p->inner) * p->len * p->inner + e % p->inner;      \
            T best = xe[0];                                                           \
            int64_t at = 0;                                                           \
            for (int64_t k = 1; k < p->len; k++) {                                    \
                const T v = xe[k * p->inner];                                         \
                const bool vn = v != v, bn = best != best;                            \
                bool take;                                                            \
                if (bn) take = vn && p->last;                                         \
                else if (vn) take = true;                                             \
                else take = p->min ? (p->last ? v <= best : v < best)                 \
                                   : (p->last ? v >= best : v > best);                \
                if (take) best = v, at = k;                                           \
            }                                                                         \
            y[e] = at;                                                                \
        }                                                                             \
    } while (0)

static enum onr_status arg_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct arg_params *p = ctx->params;
    const int64_t n_out = p->outer * p->inner;
    if (n_out == 0) return ONR_STATUS_OK;
    const void *X = ctx->x[0]->data;
    int64_t *y = ctx->y[0]->data;
    const int threads = ctx->reference ? 1 : ctx->threads;
    const bool parallel = threads > 1 && n_out > 1 && n_out * p->len >= 32768;
    switch (ctx->x[0]->dtype) {
    case ONR_DTYPE_FLOAT: ARG_LOOP(float); break;
    case ONR_DTYPE_DOUBLE: ARG_LOOP(double); break;
    case ONR_DTYPE_INT8: ARG_LOOP(int8_t); break;
    case ONR_DTYPE_UINT8: ARG_LOOP(uint8_t); break;
    case ONR_DTYPE_INT16: ARG_LOOP(int16_t); break;
    case ONR_DTYPE_INT32: ARG_LOOP(int32_t); break;
    default: ARG_LOOP(int64_t); break;
    }
    return ONR_STATUS_OK;
}

#define ARG_DEF(sym, op_name)                                                      \
    const struct onr_op_def onr_op_##sym = {                                       \
        .name = op_name, .domain = "", .min_opset = 1, .max_opset = 17,            \
        .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,     \
        .flags = ONR_OP_FLAG_NONE, .init = arg_init, .infer = arg_infer,           \
        .prepare = NULL, .run = arg_run, .release = NULL, .describe = NULL,       \
    }

ARG_DEF(argmax, "ArgMax");
ARG_DEF(argmin, "ArgMin");
