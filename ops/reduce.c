/* ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceSumSquare, ReduceL1,
 * ReduceL2, ReduceProd, ReduceLogSum, ReduceLogSumExp on float32 and
 * float64, opsets 1..17.
 *
 * Attributes: axes (every opset here, except ReduceSum from 13, where axes
 * is an optional int64 input that must be constant), keepdims (default 1),
 * noop_with_empty_axes (ReduceSum 13+: empty axes then copy the input).
 * Absent or empty axes reduce every dim. Axes out of range or repeated are
 * INVALID_MODEL; other dtypes and non-constant axes UNSUPPORTED.
 *
 * Each output element combines its inputs in row-major order of the reduced
 * dims (Sum and Mean add from 0; Mean then divides by the count; Max and Min
 * let a NaN win; SumSquare, L1, L2 and LogSum add v*v, |v|, v*v and v, then
 * L2 takes the square root and LogSum the log; Prod multiplies from 1;
 * LogSumExp adds e^(v - max) after a first pass for the max, then takes
 * max + log of the sum, so it neither overflows nor underflows; an
 * infinite max is the result). The reference walks the input once in memory order; the
 * fast path walks each output's inputs and splits outputs across threads.
 * Both add in the same order, so they agree bitwise. float64 runs the fast
 * path's loop in double in both modes (one thread under --reference). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

enum reduce_kind {
    REDUCE_MEAN, REDUCE_SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_SUMSQUARE, REDUCE_L1, REDUCE_L2,
    REDUCE_PROD, REDUCE_LOGSUM, REDUCE_LOGSUMEXP,
};

static const struct {
    const char *name;
    enum reduce_kind kind;
} reduce_kinds[] = {
    {"ReduceMean", REDUCE_MEAN}, {"ReduceSum", REDUCE_SUM}, {"ReduceMax", REDUCE_MAX},
    {"ReduceMin", REDUCE_MIN}, {"ReduceSumSquare", REDUCE_SUMSQUARE}, {"ReduceL1", REDUCE_L1},
    {"ReduceL2", REDUCE_L2}, {"ReduceProd", REDUCE_PROD}, {"ReduceLogSum", REDUCE_LOGSUM},
    {"ReduceLogSumExp", REDUCE_LOGSUMEXP},
};

struct reduce_params {
    enum reduce_kind kind;
    int64_t keepdims, noop_with_empty_axes;
    bool axes_input;                   /* ReduceSum 13+ */
    int64_t attr_axes[ONR_MAX_RANK];
    size_t n_attr_axes;
    /* set by infer: the input as kept dims x reduced dims, size-1 dims
     * dropped and neighbours of the same kind merged (outermost first) */
    bool copy;                         /* noop_with_empty_axes with no axes */
    bool reduced[ONR_MAX_RANK];        /* per input dim */
    int n_keep, n_red;
    int64_t keep_dims[ONR_MAX_RANK], keep_strides[ONR_MAX_RANK];
    int64_t red_dims[ONR_MAX_RANK], red_strides[ONR_MAX_RANK];
    int64_t count;                     /* inputs per output */
};

static enum onr_status reduce_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct reduce_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    const char *op = node->op_type;
    for (size_t i = 0; i < sizeof reduce_kinds / sizeof reduce_kinds[0]; i++)
        if (strcmp(op, reduce_kinds[i].name) == 0) p->kind = reduce_kinds[i].kind;
    p->axes_input = p->kind == REDUCE_SUM && ctx->opset >= 13;
    enum onr_status st;
    if ((st = onr_node_attr_int(node, "keepdims", 1, &p->keepdims, err)) ||
        (st = onr_node_attr_int(node, "noop_with_empty_axes", 0, &p->noop_with_empty_axes, err)))
        return st;
    if (p->axes_input) return ONR_STATUS_OK;
    const int64_t *axes;
    if ((st = onr_node_attr_ints(node, "axes", &axes, &p->n_attr_axes, err))) return st;
    if (p->n_attr_axes > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': %zu axes, at most %d",
                             op, node->name, p->n_attr_axes, ONR_MAX_RANK);
    if (p->n_attr_axes) memcpy(p->attr_axes, axes, p->n_attr_axes * sizeof *axes);
    return ONR_STATUS_OK;
}

/* The axes as a per-dim mask; *none when no axes were given. */
static enum onr_status read_axes(const struct onr_op_ctx *ctx, struct reduce_params *p,
                                 int rank, bool *none, struct onr_error *err)
{
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    const int64_t *axes = p->attr_axes;
    int64_t n = (int64_t)p->n_attr_axes;
    if (!p->axes_input && ctx->n_x > 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': axes is an input only from opset 13 (model opset %lld)",
                             op, name, (long long)ctx->opset);
    const struct onr_tensor *t = p->axes_input && ctx->n_x > 1 ? ctx->x[1] : NULL;
    if (t != NULL) {
        if (t->dtype != ONR_DTYPE_INT64 || t->shape.rank > 1)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': axes must be a 1-D int64 tensor", op, name);
        if (t->data == NULL)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "%s '%s': axes must be constant", op, name);
        axes = t->data;
        n = onr_shape_numel(&t->shape);
    }
    memset(p->reduced, 0, sizeof p->reduced);
    *none = n == 0;
    for (int64_t i = 0; i < n; i++) {
        const int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (a < 0 || a >= rank || p->reduced[a])
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': axis %lld is out of range for rank %d or repeated",
                                 op, name, (long long)axes[i], rank);
        p->reduced[a] = true;
    }
    if (*none)
        for (int i = 0; i < rank; i++) p->reduced[i] = true;
    return ONR_STATUS_OK;
}

static enum onr_status reduce_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct reduce_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    if (x->dtype != ONR_DTYPE_FLOAT && x->dtype != ONR_DTYPE_DOUBLE)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': input is %s, only float32 and float64 are supported",
                             ctx->node->op_type, ctx->node->name, onr_dtype_name(x->dtype));
    bool none;
    enum onr_status st = read_axes(ctx, p, x->shape.rank, &none, err);
    if (st != ONR_STATUS_OK) return st;
    y->dtype = x->dtype;
    p->copy = none && p->noop_with_empty_axes && p->axes_input;
    if (p->copy) {
        y->shape = x->shape;
        return ONR_STATUS_OK;
    }
    y->shape.rank = 0;
    p->n_keep = p->n_red = 0;
    p->count = 1;
    int64_t stride = 1;
    int last = -1; /* kind of the previous (inner) kept dim: 0 keep, 1 reduce */
    for (int i = x->shape.rank - 1; i >= 0; i--) {
        const int64_t d = x->shape.dims[i];
        const int kind = p->reduced[i] ? 1 : 0;
        if (kind) p->count *= d;
        if (d != 1) {
            int64_t *dims = kind ? p->red_dims : p->keep_dims;
            int64_t *strides = kind ? p->red_strides : p->keep_strides;
            int *n = kind ? &p->n_red : &p->n_keep;
            if (last == kind) {
                dims[*n - 1] *= d; /* contiguous with its inner neighbour */
            } else {
                dims[*n] = d;
                strides[*n] = stride;
                (*n)++;
            }
            last = kind;
        }
        stride *= d;
    }
    /* Built innermost first: reverse to outermost first. */
    for (int k = 0; k < 2; k++) {
        int64_t *dims = k ? p->red_dims : p->keep_dims, *strides = k ? p->red_strides : p->keep_strides;
        const int n = k ? p->n_red : p->n_keep;
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            int64_t t = dims[i]; dims[i] = dims[j]; dims[j] = t;
            t = strides[i]; strides[i] = strides[j]; strides[j] = t;
        }
    }
    for (int i = 0; i < x->shape.rank; i++) {
        if (!p->reduced[i]) y->shape.dims[y->shape.rank++] = x->shape.dims[i];
        else if (p->keepdims) y->shape.dims[y->shape.rank++] = 1;
    }
    return ONR_STATUS_OK;
}

/* combine, start and finish for one element type T (float: the compute
 * type; double: the float64 inputs ONNX allows), with T's math functions.
 * m: the output's max (LogSumExp only). */
#define REDUCE_MATH(SUFFIX, T, FABS, EXP, SQRT, LOG)                                   \
    static inline T combine##SUFFIX(enum reduce_kind kind, T acc, T v, T m)            \
    {                                                                                  \
        switch (kind) {                                                                \
        case REDUCE_MAX: return v > acc || isnan(v) ? v : acc;                         \
        case REDUCE_MIN: return v < acc || isnan(v) ? v : acc;                         \
        case REDUCE_SUMSQUARE: case REDUCE_L2: return acc + v * v;                     \
        case REDUCE_L1: return acc + FABS(v);                                          \
        case REDUCE_PROD: return acc * v;                                              \
        case REDUCE_LOGSUMEXP: return acc + EXP(v - m);                                \
        default: return acc + v;                                                       \
        }                                                                              \
    }                                                                                  \
    static T start_value##SUFFIX(enum reduce_kind kind)                                \
    {                                                                                  \
        return kind == REDUCE_MAX ? (T)-INFINITY : kind == REDUCE_MIN ? (T)INFINITY    \
             : kind == REDUCE_PROD ? (T)1 : (T)0;                                      \
    }                                                                                  \
    static inline T finish##SUFFIX(enum reduce_kind kind, T acc, T m, int64_t count)   \
    {                                                                                  \
        switch (kind) {                                                                \
        case REDUCE_MEAN: return acc / (T)count;                                       \
        case REDUCE_L2: return SQRT(acc);                                              \
        case REDUCE_LOGSUM: return LOG(acc);                                           \
        case REDUCE_LOGSUMEXP: return isinf(m) ? m : m + LOG(acc);                     \
        default: return acc;                                                           \
        }                                                                              \
    }

REDUCE_MATH(, float, fabsf, expf, sqrtf, logf)
REDUCE_MATH(_f64, double, fabs, exp, sqrt, log)

static enum onr_status reduce_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct reduce_params *p = ctx->params;
    /* The reference keeps LogSumExp's per-output max here. */
    if (p->kind == REDUCE_LOGSUMEXP && !p->copy && ctx->x[0]->dtype == ONR_DTYPE_FLOAT)
        ctx->workspace_bytes = (size_t)onr_shape_numel(&ctx->y[0]->shape) * sizeof(float);
    return ONR_STATUS_OK;
}

/* The oracle: one pass over x in memory order, accumulating into y. */
static void reduce_ref(const struct reduce_params *p, const struct onr_shape *xs, const float *x,
                       int64_t ny, float *y, float *max)
{
    const bool lse = p->kind == REDUCE_LOGSUMEXP;
    const int64_t nx = onr_shape_numel(xs);
    /* LogSumExp: a first pass for each output's max, kept in max[]. */
    for (int pass = lse ? 0 : 1; pass < 2; pass++) {
        const enum reduce_kind kind = pass == 0 ? REDUCE_MAX : p->kind;
        if (pass == 1 && lse) memcpy(max, y, (size_t)ny * sizeof *y);
        for (int64_t i = 0; i < ny; i++) y[i] = start_value(kind);
        for (int64_t i = 0; i < nx; i++) {
            int64_t rest = i, o = 0, scale = 1;
            for (int d = xs->rank - 1; d >= 0; d--) {
                const int64_t idx = rest % xs->dims[d];
                rest /= xs->dims[d];
                if (!p->reduced[d]) {
                    o += idx * scale;
                    scale *= xs->dims[d];
                }
            }
            y[o] = combine(kind, y[o], x[i], lse && pass == 1 ? max[o] : 0.0f);
        }
    }
    for (int64_t i = 0; i < ny; i++) y[i] = finish(p->kind, y[i], lse ? max[i] : 0.0f, p->count);
}

/* x: kept dims x reduced dims (strided)  y: kept dims. */
#define REDUCE_FAST(SUFFIX, T)                                                          \
    static void reduce_fast##SUFFIX(const struct reduce_params *p, const T *x, int64_t ny, \
                                    T *y, int threads)                                  \
    {                                                                                   \
        const int nr = p->n_red;                                                        \
        const int64_t inner = nr ? p->red_dims[nr - 1] : 1;                             \
        const int64_t istride = nr ? p->red_strides[nr - 1] : 0;                        \
        const int64_t outer = inner ? p->count / inner : 0;                             \
        _Pragma("omp parallel for num_threads(threads) schedule(static) if (threads > 1 && ny > 1 && ny * p->count >= 32768)") \
        for (int64_t e = 0; e < ny; e++) {                                              \
            int64_t base = 0, rest = e;                                                 \
            for (int d = p->n_keep - 1; d >= 0; d--) {                                  \
                base += (rest % p->keep_dims[d]) * p->keep_strides[d];                  \
                rest /= p->keep_dims[d];                                                \
            }                                                                           \
            const bool lse = p->kind == REDUCE_LOGSUMEXP;                               \
            T acc = 0, m = 0;                                                           \
            for (int pass = lse ? 0 : 1; pass < 2; pass++) {                            \
                const enum reduce_kind kind = pass == 0 ? REDUCE_MAX : p->kind;         \
                if (pass == 1) m = acc;                                                 \
                acc = start_value##SUFFIX(kind);                                        \
                for (int64_t j = 0; j < outer; j++) {                                   \
                    int64_t off = base;                                                 \
                    rest = j;                                                           \
                    for (int d = nr - 2; d >= 0; d--) {                                 \
                        off += (rest % p->red_dims[d]) * p->red_strides[d];             \
                        rest /= p->red_dims[d];                                         \
                    }                                                                   \
                    const T *xr = x + off;                                              \
                    if (kind == REDUCE_SUM || kind == REDUCE_MEAN)                      \
                        for (int64_t i = 0; i < inner; i++) acc += xr[i * istride];     \
                    else                                                                \
                        for (int64_t i = 0; i < inner; i++)                             \
                            acc = combine##SUFFIX(kind, acc, xr[i * istride], m);       \
                }                                                                       \
            }                                                                           \
            y[e] = finish##SUFFIX(p->kind, acc, m, p->count);                           \
        }                                                                               \
    }

REDUCE_FAST(, float)
REDUCE_FAST(_f64, double)

static enum onr_status reduce_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct reduce_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    const int64_t ny = onr_shape_numel(&y->shape);
    if (p->copy) {
        if (y->nbytes) memcpy(y->data, x->data, y->nbytes);
    } else if (x->dtype == ONR_DTYPE_DOUBLE) {
        reduce_fast_f64(p, x->data, ny, y->data, ctx->reference ? 1 : ctx->threads);
    } else if (ctx->reference) {
        reduce_ref(p, &x->shape, x->data, ny, y->data, ctx->workspace);
    } else {
        reduce_fast(p, x->data, ny, y->data, ctx->threads);
    }
    return ONR_STATUS_OK;
}

#define REDUCE_DEF(sym, op_name, inputs)                                             \
    const struct onr_op_def onr_op_##sym = {                                         \
        .name = op_name, .domain = "", .min_opset = 1, .max_opset = 17,              \
        .min_inputs = 1, .max_inputs = inputs, .min_outputs = 1, .max_outputs = 1,  \
        .flags = ONR_OP_FLAG_NONE, .value_inputs = 1u << 1 /* axes (13+) */,       \
        .init = reduce_init, .infer = reduce_infer,                                  \
        .prepare = reduce_prepare, .run = reduce_run, .release = NULL,              \
        .describe = NULL,                                                            \
    }

REDUCE_DEF(reducemean, "ReduceMean", 1);
REDUCE_DEF(reducesum, "ReduceSum", 2);
REDUCE_DEF(reducemax, "ReduceMax", 1);
REDUCE_DEF(reducemin, "ReduceMin", 1);
REDUCE_DEF(reducesumsquare, "ReduceSumSquare", 1);
REDUCE_DEF(reducel1, "ReduceL1", 1);
REDUCE_DEF(reducel2, "ReduceL2", 1);
REDUCE_DEF(reduceprod, "ReduceProd", 1);
REDUCE_DEF(reducelogsum, "ReduceLogSum", 1);
REDUCE_DEF(reducelogsumexp, "ReduceLogSumExp", 1);
