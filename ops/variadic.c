/* Max, Min, Sum, Mean over one or more inputs (at most 64), opsets 1..17.
 *
 * Opsets >= 8: multidirectional broadcasting of all inputs; opsets < 8:
 * every input must have the first one's shape (consumed_inputs of 1..5 is
 * ignored). Max and Min take float32, float64 and every integer dtype (the
 * integers from opset 12); Sum and Mean float32 and float64. Inputs of
 * different dtypes are INVALID_MODEL, others UNSUPPORTED.
 *
 * The output starts as input 0 broadcast to the output shape; each further
 * input is combined into it in input order (Mean divides the sum by the
 * count at the end), the same order as the ONNX reference. Max and Min let a
 * NaN win, as numpy's maximum/minimum. Each output element is computed by
 * one thread, so any thread count gives the same bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "shape_util.h"

enum var_kind { VAR_MAX, VAR_MIN, VAR_SUM, VAR_MEAN };
enum { VAR_MAX_INPUTS = 64 };

struct var_params {
    enum var_kind kind;
    enum onr_dtype dtype;
    struct onr_bcast first;                  /* input 0 -> y */
    struct onr_bcast plans[VAR_MAX_INPUTS];  /* [k]: y and input k, k >= 1 */
};

static enum onr_status var_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const char *op = ctx->node->op_type;
    struct var_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory", op,
                             ctx->node->name);
    ctx->params = p;
    p->kind = strcmp(op, "Max") == 0 ? VAR_MAX
            : strcmp(op, "Min") == 0 ? VAR_MIN
            : strcmp(op, "Sum") == 0 ? VAR_SUM : VAR_MEAN;
    return ONR_STATUS_OK;
}

static bool var_dtype_ok(enum onr_dtype t, enum var_kind kind, int64_t opset)
{
    if (t == ONR_DTYPE_FLOAT || t == ONR_DTYPE_DOUBLE) return true;
    if (kind != VAR_MAX && kind != VAR_MIN) return false;
    switch (t) {
    case ONR_DTYPE_INT8: case ONR_DTYPE_INT16: case ONR_DTYPE_INT32: case ONR_DTYPE_INT64:
    case ONR_DTYPE_UINT8: case ONR_DTYPE_UINT16: case ONR_DTYPE_UINT32: case ONR_DTYPE_UINT64:
        return opset >= 12;
    default: return false;
    }
}

static enum onr_status var_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct var_params *p = ctx->params;
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    const int n = ctx->n_x;
    if (n > VAR_MAX_INPUTS)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s '%s': %d inputs, at most %d", op,
                             name, n, VAR_MAX_INPUTS);
    p->dtype = ctx->x[0]->dtype;
    struct onr_shape y = ctx->x[0]->shape;
    for (int k = 0; k < n; k++) {
        const struct onr_tensor *x = ctx->x[k];
        if (x == NULL)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': input %d is omitted",
                                 op, name, k);
        if (x->dtype != p->dtype)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': input %d is %s but input 0 is %s", op, name, k,
                                 onr_dtype_name(x->dtype), onr_dtype_name(p->dtype));
        if (ctx->opset < 8 && !onr_shape_equal(&x->shape, &y)) {
            char a[96], b[96];
            onr_shape_format(&x->shape, a, sizeof a);
            onr_shape_format(&y, b, sizeof b);
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "%s '%s': input %d has shape %s, input 0 %s (no broadcasting "
                                 "before opset 8)", op, name, k, a, b);
        }
        const struct onr_shape *pair[2] = {&y, &x->shape};
        struct onr_bcast scratch;
        struct onr_shape grown;
        enum onr_status st = onr_bcast_plan(ctx, 2, pair, false, &scratch, &grown, err);
        if (st != ONR_STATUS_OK) return st;
        y = grown;
    }
    if (!var_dtype_ok(p->dtype, p->kind, ctx->opset))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': inputs are %s, only float32, float64%s are supported", op,
                             name, onr_dtype_name(p->dtype),
                             p->kind <= VAR_MIN ? " and integers (opset 12+)" : "");
    for (int k = 0; k < n; k++) {
        const struct onr_shape *pair[2] = {&y, &ctx->x[k]->shape};
        struct onr_shape same;
        enum onr_status st = onr_bcast_plan(ctx, 2, pair, true, k ? &p->plans[k] : &p->first,
                                            &same, err);
        if (st != ONR_STATUS_OK) return st;
    }
    ctx->y[0]->dtype = p->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

#define VAR_ROWS(T, EXPR)                                                             \
    do {                                                                              \
        const T *x = X;                                                               \
        T *y = Y;                                                                     \
        _Pragma("omp parallel for num_threads(threads) schedule(static) if (parallel)") \
        for (int64_t r = 0; r < pl->rows; r++) {                                      \
            int64_t off[2];                                                           \
            onr_bcast_row(pl, r, off);                                                \
            T *yr = y + off[0];                                                       \
            const T *xr = x + off[1];                                                 \
            for (int64_t i = 0; i < pl->inner; i++) {                                 \
                const T u = yr[i], v = xr[i * sx];                                    \
                yr[i] = (EXPR);                                                       \
            }                                                                         \
        }                                                                             \
    } while (0)

/* Max/Min: a NaN operand wins (u != u only for NaN; false for integers). */
#define VAR_TYPE(T)                                                                   \
    switch (kind) {                                                                   \
    case VAR_MAX: VAR_ROWS(T, (u != u || v > u) ? (u != u ? u : v) : (v != v ? v : u)); break; \
    case VAR_MIN: VAR_ROWS(T, (u != u || v < u) ? (u != u ? u : v) : (v != v ? v : u)); break; \
    case VAR_SUM: case VAR_MEAN: VAR_ROWS(T, u + v); break;                           \
    }

/* y (the plan's input 0, dense) op= X (input 1, broadcast) */
static void var_combine(enum var_kind kind, enum onr_dtype dtype, const struct onr_bcast *pl,
                        const void *X, void *Y, int threads)
{
    const int64_t sx = onr_bcast_step(pl, 1);
    const bool parallel = threads > 1 && pl->rows > 1 &&
                          pl->rows * pl->inner >= ONR_BCAST_PARALLEL_MIN;
    switch (dtype) {
    case ONR_DTYPE_FLOAT: VAR_TYPE(float) break;
    case ONR_DTYPE_DOUBLE: VAR_TYPE(double) break;
    case ONR_DTYPE_INT8: VAR_TYPE(int8_t) break;
    case ONR_DTYPE_INT16: VAR_TYPE(int16_t) break;
    case ONR_DTYPE_INT32: VAR_TYPE(int32_t) break;
    case ONR_DTYPE_INT64: VAR_TYPE(int64_t) break;
    case ONR_DTYPE_UINT8: VAR_TYPE(uint8_t) break;
    case ONR_DTYPE_UINT16: VAR_TYPE(uint16_t) break;
    case ONR_DTYPE_UINT32: VAR_TYPE(uint32_t) break;
    case ONR_DTYPE_UINT64: VAR_TYPE(uint64_t) break;
    default: break;
    }
}

static enum onr_status var_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct var_params *p = ctx->params;
    struct onr_tensor *y = ctx->y[0];
    const int64_t numel = onr_shape_numel(&y->shape);
    if (numel == 0) return ONR_STATUS_OK;
    const int threads = ctx->reference ? 1 : ctx->threads;
    onr_strided_copy(y->data, ctx->x[0]->data, p->first.rank, p->first.dims, p->first.strides[1],
                     onr_dtype_size(p->dtype), threads);
    for (int k = 1; k < ctx->n_x; k++)
        var_combine(p->kind, p->dtype, &p->plans[k], ctx->x[k]->data, y->data, threads);
    if (p->kind == VAR_MEAN) {
        const bool parallel = threads > 1 && numel >= ONR_BCAST_PARALLEL_MIN;
        if (p->dtype == ONR_DTYPE_FLOAT) {
            float *v = y->data;
            const float n = (float)ctx->n_x;
#pragma omp parallel for num_threads(threads) schedule(static) if (parallel)
            for (int64_t i = 0; i < numel; i++) v[i] /= n;
        } else {
            double *v = y->data;
            const double n = (double)ctx->n_x;
#pragma omp parallel for num_threads(threads) schedule(static) if (parallel)
            for (int64_t i = 0; i < numel; i++) v[i] /= n;
        }
    }
    return ONR_STATUS_OK;
}

#define VAR_DEF(sym, op_name)                                                      \
    const struct onr_op_def onr_op_##sym = {                                       \
        .name = op_name, .domain = "", .min_opset = 1, .max_opset = 17,            \
        .min_inputs = 1, .max_inputs = VAR_MAX_INPUTS, .min_outputs = 1,           \
        .max_outputs = 1, .flags = ONR_OP_FLAG_NONE, .init = var_init,             \
        .infer = var_infer, .prepare = NULL, .run = var_run, .release = NULL,      \
        .describe = NULL,                                                          \
    }

VAR_DEF(max, "Max");
VAR_DEF(min, "Min");
VAR_DEF(sum, "Sum");
VAR_DEF(mean, "Mean");
