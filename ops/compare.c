/* Equal, Greater, Less 1..17, GreaterOrEqual and LessOrEqual 12..17, with
 * multidirectional broadcasting from opset 7 (before: the legacy
 * `broadcast`/`axis` attributes); the output is bool (one byte, 0 or 1).
 * And, Or, Xor 1..17 (bool inputs, broadcasting as above) and Not 1..17
 * (bool), which the GreaterOrEqual and LessOrEqual decompositions use; a
 * nonzero bool byte counts as true.
 *
 * Inputs: float32, float64, int8/16/32/64, uint8/16/32/64 (A and B of one
 * dtype), and bool for Equal. float16 is UNSUPPORTED. NaN compares unequal and
 * unordered, as in C and numpy. Each output element is one comparison, so
 * any thread count gives the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"

enum cmp_kind { CMP_EQ, CMP_GT, CMP_LT, CMP_GE, CMP_LE, CMP_AND, CMP_OR, CMP_XOR };

struct cmp_params {
    enum cmp_kind kind;
    enum onr_dtype dtype;
    int64_t legacy_broadcast, legacy_axis;   /* opsets < 7 */
    bool has_legacy_axis;
    struct onr_bcast plan;
};

static const struct {
    const char *name;
    enum cmp_kind kind;
} cmp_kinds[] = {
    {"Equal", CMP_EQ}, {"Greater", CMP_GT}, {"Less", CMP_LT},
    {"GreaterOrEqual", CMP_GE}, {"LessOrEqual", CMP_LE},
    {"And", CMP_AND}, {"Or", CMP_OR}, {"Xor", CMP_XOR},
};

static enum onr_status cmp_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct cmp_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             ctx->node->op_type, ctx->node->name);
    ctx->params = p;
    for (size_t i = 0; i < sizeof cmp_kinds / sizeof cmp_kinds[0]; i++)
        if (strcmp(ctx->node->op_type, cmp_kinds[i].name) == 0) p->kind = cmp_kinds[i].kind;
    if (ctx->opset >= 7) return ONR_STATUS_OK;
    return onr_bcast_legacy_attrs(ctx, &p->legacy_broadcast, &p->legacy_axis,
                                  &p->has_legacy_axis, err);
}

static bool cmp_dtype_ok(enum onr_dtype t, enum cmp_kind kind)
{
    if (kind >= CMP_AND) return t == ONR_DTYPE_BOOL;
    switch (t) {
    case ONR_DTYPE_FLOAT: case ONR_DTYPE_DOUBLE:
    case ONR_DTYPE_INT8: case ONR_DTYPE_INT16: case ONR_DTYPE_INT32: case ONR_DTYPE_INT64:
    case ONR_DTYPE_UINT8: case ONR_DTYPE_UINT16: case ONR_DTYPE_UINT32: case ONR_DTYPE_UINT64:
        return true;
    case ONR_DTYPE_BOOL: return kind == CMP_EQ;
    default: return false;
    }
}

static enum onr_status cmp_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct cmp_params *p = ctx->params;
    const struct onr_tensor *a = ctx->x[0], *b = ctx->x[1];
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    if (a->dtype != b->dtype)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': A is %s but B is %s", op,
                             name, onr_dtype_name(a->dtype), onr_dtype_name(b->dtype));
    if (p->kind >= CMP_AND && a->dtype != ONR_DTYPE_BOOL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': inputs are %s, expected "
                             "bool", op, name, onr_dtype_name(a->dtype));
    if (!cmp_dtype_ok(a->dtype, p->kind))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': inputs are %s, only float32, float64, integers%s are "
                             "supported", op, name, onr_dtype_name(a->dtype),
                             p->kind == CMP_EQ ? " and bool" : "");
    p->dtype = a->dtype;
    struct onr_shape bshape = b->shape;
    enum onr_status st;
    if (ctx->opset < 7 &&
        (st = onr_bcast_legacy_shape(ctx, &a->shape, &b->shape, p->legacy_broadcast,
                                     p->has_legacy_axis ? &p->legacy_axis : NULL, &bshape, err)))
        return st;
    const struct onr_shape *shapes[2] = {&a->shape, &bshape};
    st = onr_bcast_plan(ctx, 2, shapes, false, &p->plan, &ctx->y[0]->shape, err);
    ctx->y[0]->dtype = ONR_DTYPE_BOOL;
    return st;
}

#define CMP_ROWS(T, EXPR)                                                             \
    do {                                                                              \
        const T *a = A, *b = B;                                                       \
        _Pragma("omp parallel for num_threads(threads) schedule(static) if (parallel)") \
        for (int64_t r = 0; r < pl->rows; r++) {                                      \
            int64_t off[2];                                                           \
            onr_bcast_row(pl, r, off);                                                \
            uint8_t *yr = y + r * pl->inner;                                          \
            for (int64_t i = 0; i < pl->inner; i++) {                                 \
                const T u = a[off[0] + i * sa], v = b[off[1] + i * sb];               \
                yr[i] = (uint8_t)(EXPR);                                              \
            }                                                                         \
        }                                                                             \
    } while (0)

#define CMP_TYPE(T)                                                                   \
    switch (kind) {                                                                   \
    case CMP_EQ: CMP_ROWS(T, u == v); break;                                          \
    case CMP_GT: CMP_ROWS(T, u > v); break;                                           \
    case CMP_LT: CMP_ROWS(T, u < v); break;                                           \
    case CMP_GE: CMP_ROWS(T, u >= v); break;                                          \
    case CMP_LE: CMP_ROWS(T, u <= v); break;                                          \
    case CMP_AND: CMP_ROWS(T, u && v); break;                                         \
    case CMP_OR: CMP_ROWS(T, u || v); break;                                          \
    case CMP_XOR: CMP_ROWS(T, !u != !v); break;                                       \
    }

/* A, B: broadcast per the plan  y: (rows, inner) bool */
static void cmp_all(enum cmp_kind kind, enum onr_dtype dtype, const struct onr_bcast *pl,
                    const void *A, const void *B, uint8_t *y, int threads)
{
    const int64_t sa = onr_bcast_step(pl, 0), sb = onr_bcast_step(pl, 1);
    const bool parallel = threads > 1 && pl->rows > 1 &&
                          pl->rows * pl->inner >= ONR_BCAST_PARALLEL_MIN;
    switch (dtype) {
    case ONR_DTYPE_FLOAT: CMP_TYPE(float) break;
    case ONR_DTYPE_DOUBLE: CMP_TYPE(double) break;
    case ONR_DTYPE_INT8: CMP_TYPE(int8_t) break;
    case ONR_DTYPE_INT16: CMP_TYPE(int16_t) break;
    case ONR_DTYPE_INT32: CMP_TYPE(int32_t) break;
    case ONR_DTYPE_INT64: CMP_TYPE(int64_t) break;
    case ONR_DTYPE_UINT8: case ONR_DTYPE_BOOL: CMP_TYPE(uint8_t) break;
    case ONR_DTYPE_UINT16: CMP_TYPE(uint16_t) break;
    case ONR_DTYPE_UINT32: CMP_TYPE(uint32_t) break;
    case ONR_DTYPE_UINT64: CMP_TYPE(uint64_t) break;
    default: break;
    }
}

static enum onr_status cmp_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct cmp_params *p = ctx->params;
    if (onr_shape_numel(&ctx->y[0]->shape) == 0) return ONR_STATUS_OK;
    cmp_all(p->kind, p->dtype, &p->plan, ctx->x[0]->data, ctx->x[1]->data, ctx->y[0]->data,
            ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

#define CMP_DEF(sym, op_name, first)                                                \
    const struct onr_op_def onr_op_##sym = {                                        \
        .name = op_name, .domain = "", .min_opset = first, .max_opset = 17,         \
        .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,      \
        .flags = ONR_OP_FLAG_NONE, .init = cmp_init, .infer = cmp_infer,            \
        .prepare = NULL, .run = cmp_run, .release = NULL, .describe = NULL,        \
    }

CMP_DEF(equal, "Equal", 1);
CMP_DEF(greater, "Greater", 1);
CMP_DEF(less, "Less", 1);
CMP_DEF(greaterorequal, "GreaterOrEqual", 12);
CMP_DEF(lessorequal, "LessOrEqual", 12);
CMP_DEF(and, "And", 1);
CMP_DEF(or, "Or", 1);
CMP_DEF(xor, "Xor", 1);

static enum onr_status not_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    if (ctx->x[0]->dtype != ONR_DTYPE_BOOL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Not '%s': input is %s, expected bool",
                             ctx->node->name, onr_dtype_name(ctx->x[0]->dtype));
    ctx->y[0]->dtype = ONR_DTYPE_BOOL;
    ctx->y[0]->shape = ctx->x[0]->shape;
    return ONR_STATUS_OK;
}

static enum onr_status not_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const uint8_t *x = ctx->x[0]->data;
    uint8_t *y = ctx->y[0]->data;
    const int64_t n = onr_shape_numel(&ctx->x[0]->shape);
    for (int64_t i = 0; i < n; i++) y[i] = !x[i];
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_not = {
    .name = "Not", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .init = NULL, .infer = not_infer,
    .prepare = NULL, .run = not_run, .release = NULL, .describe = NULL,
};
