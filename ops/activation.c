/* Elementwise float32 activations and unary math, opsets up to 17, any
 * shape, sharing one init/infer/run driver:
 *
 *   Clip         1..5 and 6..10: attributes min, max (consumed_inputs of
 *                1..5 ignored); 11+: optional scalar inputs min, max (read
 *                at run time, so they need not be constant). An omitted
 *                bound does not clip. min > max gives max (as the spec).
 *   Sigmoid 1+, HardSigmoid 1+ (alpha 0.2, beta 0.5), HardSwish 14+,
 *   LeakyRelu 1+ (alpha 0.01), Tanh 1+, Exp 1+, Sqrt 1+, Neg 1+, Abs 1+,
 *   Erf 9+.
 *
 * Clip (12+), Neg and Abs also take the integer types (Neg the signed ones):
 * Clip's bounds are then of x's type, an omitted one the type's limit; Neg
 * and Abs of the most negative value wrap to itself, as two's complement
 * does. Other dtypes are UNSUPPORTED. Each op is one expression in the table of
 * loops below, except Sigmoid, whose kernel prepare picks from
 * onr_sigmoid_kernels (kernels/unary.h); elements are independent, so any
 * thread count gives the same bits. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/unary.h"
#include "op.h"

enum unary_kind {
    UNARY_CLIP, UNARY_SIGMOID, UNARY_HARDSIGMOID, UNARY_HARDSWISH, UNARY_LEAKYRELU,
    UNARY_TANH, UNARY_EXP, UNARY_SQRT, UNARY_NEG, UNARY_ABS, UNARY_ERF,
};

struct unary_params {
    enum unary_kind kind;
    float alpha, beta;       /* HardSigmoid, LeakyRelu */
    float lo, hi;            /* Clip bounds from attributes (opset < 11) */
    onr_unary_f32_fn sigmoid;  /* Sigmoid's kernel, set by prepare */
};

static const struct {
    const char *name;
    enum unary_kind kind;
    float alpha, beta;       /* attribute defaults */
} unary_kinds[] = {
    {"Clip", UNARY_CLIP, 0.0f, 0.0f},         {"Sigmoid", UNARY_SIGMOID, 0.0f, 0.0f},
    {"HardSigmoid", UNARY_HARDSIGMOID, 0.2f, 0.5f}, {"HardSwish", UNARY_HARDSWISH, 0.0f, 0.0f},
    {"LeakyRelu", UNARY_LEAKYRELU, 0.01f, 0.0f}, {"Tanh", UNARY_TANH, 0.0f, 0.0f},
    {"Exp", UNARY_EXP, 0.0f, 0.0f},           {"Sqrt", UNARY_SQRT, 0.0f, 0.0f},
    {"Neg", UNARY_NEG, 0.0f, 0.0f},           {"Abs", UNARY_ABS, 0.0f, 0.0f},
    {"Erf", UNARY_ERF, 0.0f, 0.0f},
};

enum { UNARY_PARALLEL_MIN = 16384 };

static enum onr_status unary_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct unary_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    size_t i = 0;
    while (i < sizeof unary_kinds / sizeof unary_kinds[0] &&
           strcmp(unary_kinds[i].name, node->op_type) != 0)
        i++;
    if (i == sizeof unary_kinds / sizeof unary_kinds[0])
        return onr_error_set(err, ONR_STATUS_INTERNAL, "%s '%s': not an activation",
                             node->op_type, node->name);
    p->kind = unary_kinds[i].kind;
    p->lo = -INFINITY;
    p->hi = INFINITY;
    enum onr_status st = ONR_STATUS_OK;
    if (p->kind == UNARY_HARDSIGMOID || p->kind == UNARY_LEAKYRELU)
        st = onr_node_attr_float(node, "alpha", unary_kinds[i].alpha, &p->alpha, err);
    if (st == ONR_STATUS_OK && p->kind == UNARY_HARDSIGMOID)
        st = onr_node_attr_float(node, "beta", unary_kinds[i].beta, &p->beta, err);
    if (st == ONR_STATUS_OK && p->kind == UNARY_CLIP && ctx->opset < 11) {
        st = onr_node_attr_float(node, "min", -INFINITY, &p->lo, err);
        if (st == ONR_STATUS_OK) st = onr_node_attr_float(node, "max", INFINITY, &p->hi, err);
    }
    return st;
}

static bool is_signed_int(enum onr_dtype t)
{
    return t == ONR_DTYPE_INT8 || t == ONR_DTYPE_INT16 || t == ONR_DTYPE_INT32 ||
           t == ONR_DTYPE_INT64;
}

static bool is_unsigned_int(enum onr_dtype t)
{
    return t == ONR_DTYPE_UINT8 || t == ONR_DTYPE_UINT16 || t == ONR_DTYPE_UINT32 ||
           t == ONR_DTYPE_UINT64;
}

/* Whether the op takes integer x of dtype t. */
static bool integer_ok(enum unary_kind kind, enum onr_dtype t)
{
    switch (kind) {
    case UNARY_CLIP: case UNARY_ABS: return is_signed_int(t) || is_unsigned_int(t);
    case UNARY_NEG: return is_signed_int(t);
    default: return false;
    }
}

static enum onr_status unary_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct unary_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    const bool integer = x->dtype != ONR_DTYPE_FLOAT && integer_ok(p->kind, x->dtype);
    for (int i = 0; i < ctx->n_x; i++) {
        if (ctx->x[i] == NULL) continue;
        if (ctx->x[i]->dtype != x->dtype || (x->dtype != ONR_DTYPE_FLOAT && !integer))
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "%s '%s': input %d is %s, only float32%s is supported", op,
                                 name, i, onr_dtype_name(ctx->x[i]->dtype),
                                 p->kind == UNARY_NEG ? " and signed integers (all alike)"
                                 : p->kind == UNARY_CLIP || p->kind == UNARY_ABS
                                     ? " and integers (all alike)" : "");
        if (i > 0 && onr_shape_numel(&ctx->x[i]->shape) != 1) {
            char buf[96];
            onr_shape_format(&ctx->x[i]->shape, buf, sizeof buf);
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "%s '%s': %s has shape %s, expected a scalar", op, name,
                                 i == 1 ? "min" : "max", buf);
        }
    }
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = x->shape;
    return ONR_STATUS_OK;
}

/* Sigmoid's kernel: the oracle with ctx->reference, else the table's best
 * for the CPU's ISA level. */
static enum onr_status unary_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct unary_params *p = ctx->params;
    const struct onr_kernel_no_shape none = {0};
    if (p->kind == UNARY_SIGMOID)
        p->sigmoid = ctx->reference ? onr_sigmoid_f32__scalar
                                    : onr_unary_pick(onr_sigmoid_kernels, onr_sigmoid_kernels_count,
                                                     ctx->isa, &none)->fn;
    ctx->workspace_bytes = 0;
    return ONR_STATUS_OK;
}

/* Clip, HardSigmoid and HardSwish are onr_activation_apply (kernels/
 * activation.h), the one scalar definition, so a Conv with the activation
 * fused gives the same bits as the Conv and the node apart. Each case's
 * kind is a constant, so the switch inside folds away. */
#define MAP_ACT(KIND, A, B)                                                           \
    do {                                                                              \
        const struct onr_activation act = {KIND, A, B};                               \
        MAP(onr_activation_apply(&act, v))                                            \
    } while (0)

#define MAP(EXPR)                                                                     \
    _Pragma("omp parallel for num_threads(threads) schedule(static) if (parallel)")   \
    for (int64_t i = 0; i < n; i++) {                                                 \
        const float v = x[i];                                                         \
        y[i] = (EXPR);                                                                \
    }

/* x: (n)  y: (n); x and y may be the same buffer. */
static void unary_f32(const struct unary_params *p, float lo, float hi, int64_t n,
                      const float *x, float *y, int threads)
{
    const bool parallel = threads > 1 && n >= UNARY_PARALLEL_MIN;
    const float alpha = p->alpha, beta = p->beta;
    switch (p->kind) {
    case UNARY_CLIP: MAP_ACT(ONR_ACT_CLIP, lo, hi); break;
    case UNARY_SIGMOID: p->sigmoid(x, y, n, threads); break;
    case UNARY_HARDSIGMOID: MAP_ACT(ONR_ACT_HARDSIGMOID, alpha, beta); break;
    case UNARY_HARDSWISH: MAP_ACT(ONR_ACT_HARDSWISH, 0.0f, 0.0f); break;
    case UNARY_LEAKYRELU: MAP(v < 0.0f ? alpha * v : v) break;
    case UNARY_TANH: MAP(tanhf(v)) break;
    case UNARY_EXP: MAP(expf(v)) break;
    case UNARY_SQRT: MAP(sqrtf(v)) break;
    case UNARY_NEG: MAP(-v) break;
    case UNARY_ABS: MAP(fabsf(v)) break;
    case UNARY_ERF: MAP(erff(v)) break;
    }
}

/* The integer Clip, Neg and Abs; negation in the unsigned type of the same
 * width, so the most negative value maps to itself instead of overflowing. */
#define INT_UNARY(T, UT, TMIN, TMAX, SIGNED)                                                     \
    static void unary_##T(enum unary_kind kind, const struct onr_op_ctx *ctx, int64_t n, \
                          const T *x, T *y)                                              \
    {                                                                                    \
        T lo = TMIN, hi = TMAX;                                                          \
        if (ctx->n_x > 1 && ctx->x[1] != NULL) lo = *(const T *)ctx->x[1]->data;         \
        if (ctx->n_x > 2 && ctx->x[2] != NULL) hi = *(const T *)ctx->x[2]->data;         \
        if (lo > hi) lo = hi;                                                            \
        for (int64_t i = 0; i < n; i++) {                                                \
            const T v = x[i];                                                            \
            const T neg = (T)(UT)(0u - (UT)v);                                           \
            const bool negative = SIGNED && ((UT)v >> (sizeof(T) * 8 - 1)) != 0;         \
            y[i] = kind == UNARY_CLIP ? (v < lo ? lo : (v > hi ? hi : v))                \
                   : kind == UNARY_NEG ? neg : (negative ? neg : v);                     \
        }                                                                                \
    }

INT_UNARY(int8_t, uint8_t, INT8_MIN, INT8_MAX, 1)
INT_UNARY(uint8_t, uint8_t, 0, UINT8_MAX, 0)
INT_UNARY(int16_t, uint16_t, INT16_MIN, INT16_MAX, 1)
INT_UNARY(uint16_t, uint16_t, 0, UINT16_MAX, 0)
INT_UNARY(int32_t, uint32_t, INT32_MIN, INT32_MAX, 1)
INT_UNARY(uint32_t, uint32_t, 0, UINT32_MAX, 0)
INT_UNARY(int64_t, uint64_t, INT64_MIN, INT64_MAX, 1)
INT_UNARY(uint64_t, uint64_t, 0, UINT64_MAX, 0)

static void unary_int(const struct unary_params *p, const struct onr_op_ctx *ctx)
{
    const int64_t n = onr_shape_numel(&ctx->x[0]->shape);
    const void *x = ctx->x[0]->data;
    void *y = ctx->y[0]->data;
    switch (ctx->x[0]->dtype) {
    case ONR_DTYPE_INT8: unary_int8_t(p->kind, ctx, n, x, y); break;
    case ONR_DTYPE_UINT8: unary_uint8_t(p->kind, ctx, n, x, y); break;
    case ONR_DTYPE_INT16: unary_int16_t(p->kind, ctx, n, x, y); break;
    case ONR_DTYPE_UINT16: unary_uint16_t(p->kind, ctx, n, x, y); break;
    case ONR_DTYPE_INT32: unary_int32_t(p->kind, ctx, n, x, y); break;
    case ONR_DTYPE_UINT32: unary_uint32_t(p->kind, ctx, n, x, y); break;
    case ONR_DTYPE_INT64: unary_int64_t(p->kind, ctx, n, x, y); break;
    case ONR_DTYPE_UINT64: unary_uint64_t(p->kind, ctx, n, x, y); break;
    default: break; /* infer admits no other */
    }
}

static enum onr_status unary_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct unary_params *p = ctx->params;
    if (ctx->x[0]->dtype != ONR_DTYPE_FLOAT) {
        unary_int(p, ctx);
        return ONR_STATUS_OK;
    }
    float lo = p->lo, hi = p->hi;
    if (p->kind == UNARY_CLIP && ctx->opset >= 11) {
        if (ctx->n_x > 1 && ctx->x[1] != NULL) lo = *(const float *)ctx->x[1]->data;
        if (ctx->n_x > 2 && ctx->x[2] != NULL) hi = *(const float *)ctx->x[2]->data;
    }
    /* min > max: every element becomes max (ONNX Clip). */
    if (lo > hi) lo = hi;
    unary_f32(p, lo, hi, onr_shape_numel(&ctx->x[0]->shape), ctx->x[0]->data, ctx->y[0]->data,
              ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

#define UNARY_DEF(sym, op_name, first_opset, inputs)                               \
    const struct onr_op_def onr_op_##sym = {                                       \
        .name = op_name, .domain = "", .min_opset = first_opset, .max_opset = 17,  \
        .min_inputs = 1, .max_inputs = inputs, .min_outputs = 1, .max_outputs = 1, \
        .flags = ONR_OP_FLAG_NONE, .init = unary_init, .infer = unary_infer,       \
        .prepare = unary_prepare, .run = unary_run, .release = NULL, .describe = NULL,     \
    }

/* Clip's bounds are inputs from opset 11; before that, attributes only. */
const struct onr_op_def onr_op_clip_attr = {
    .name = "Clip", .domain = "", .min_opset = 1, .max_opset = 10,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .init = unary_init, .infer = unary_infer,
    .prepare = unary_prepare, .run = unary_run, .release = NULL, .describe = NULL,
};
UNARY_DEF(clip, "Clip", 11, 3);
UNARY_DEF(sigmoid, "Sigmoid", 1, 1);
UNARY_DEF(hardsigmoid, "HardSigmoid", 1, 1);
UNARY_DEF(hardswish, "HardSwish", 14, 1);
UNARY_DEF(leakyrelu, "LeakyRelu", 1, 1);
UNARY_DEF(tanh, "Tanh", 1, 1);
UNARY_DEF(exp, "Exp", 1, 1);
UNARY_DEF(sqrt, "Sqrt", 1, 1);
UNARY_DEF(neg, "Neg", 1, 1);
UNARY_DEF(abs, "Abs", 1, 1);
UNARY_DEF(erf, "Erf", 9, 1);
