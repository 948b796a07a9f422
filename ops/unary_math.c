/* Elementwise float32 math without a Conv fusion, any shape:
 *
 *   Elu 1..17 (alpha 1): v < 0 ? alpha * (e^v - 1) : v
 *   Selu 1..17 (alpha 1.67326..., gamma 1.05070...): gamma * (v <= 0 ?
 *       alpha * (e^v - 1) : v)
 *   Softplus 1..17: log(1 + e^v), as max(v, 0) + log1p(e^-|v|) so large
 *       |v| neither overflows nor loses the linear part
 *   Softsign 1..17: v / (1 + |v|)
 *   Reciprocal 1..17: 1 / v
 *   Log 1..17: natural log (0 gives -inf, negatives NaN)
 *
 * Opset 1's consumed_inputs attribute is ignored. Other dtypes are
 * UNSUPPORTED. Elements are independent, so any thread count gives the same
 * bits; x and y may share storage. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

enum umath_kind { UMATH_ELU, UMATH_SELU, UMATH_SOFTPLUS, UMATH_SOFTSIGN, UMATH_RECIPROCAL, UMATH_LOG };

struct umath_params {
    enum umath_kind kind;
    float alpha, gamma;
};

static const struct {
    const char *name;
    enum umath_kind kind;
    float alpha, gamma;      /* attribute defaults (the spec's float values) */
} umath_kinds[] = {
    {"Elu", UMATH_ELU, 1.0f, 0.0f},
    {"Selu", UMATH_SELU, 1.67326319217681884765625f, 1.05070102214813232421875f},
    {"Softplus", UMATH_SOFTPLUS, 0.0f, 0.0f},
    {"Softsign", UMATH_SOFTSIGN, 0.0f, 0.0f},
    {"Reciprocal", UMATH_RECIPROCAL, 0.0f, 0.0f},
    {"Log", UMATH_LOG, 0.0f, 0.0f},
};

enum { UMATH_PARALLEL_MIN = 16384 };

static enum onr_status umath_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct umath_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    size_t i = 0;
    const size_t n = sizeof umath_kinds / sizeof umath_kinds[0];
    while (i < n && strcmp(umath_kinds[i].name, node->op_type) != 0) i++;
    if (i == n)
        return onr_error_set(err, ONR_STATUS_INTERNAL, "%s '%s': not a unary math op",
                             node->op_type, node->name);
    p->kind = umath_kinds[i].kind;
    enum onr_status st = ONR_STATUS_OK;
    if (p->kind == UMATH_ELU || p->kind == UMATH_SELU)
        st = onr_node_attr_float(node, "alpha", umath_kinds[i].alpha, &p->alpha, err);
    if (st == ONR_STATUS_OK && p->kind == UMATH_SELU)
        st = onr_node_attr_float(node, "gamma", umath_kinds[i].gamma, &p->gamma, err);
    return st;
}

static enum onr_status umath_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0];
    if (x->dtype != ONR_DTYPE_FLOAT)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': input is %s, only float32 is supported",
                             ctx->node->op_type, ctx->node->name, onr_dtype_name(x->dtype));
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = x->shape;
    return ONR_STATUS_OK;
}

#define MAP(EXPR)                                                                     \
    _Pragma("omp parallel for num_threads(threads) schedule(static) if (parallel)")   \
    for (int64_t i = 0; i < n; i++) {                                                 \
        const float v = x[i];                                                         \
        y[i] = (EXPR);                                                                \
    }

/* x: (n)  y: (n) */
static void umath_f32(const struct umath_params *p, int64_t n, const float *x, float *y,
                      int threads)
{
    const bool parallel = threads > 1 && n >= UMATH_PARALLEL_MIN;
    const float alpha = p->alpha, gamma = p->gamma;
    switch (p->kind) {
    case UMATH_ELU: MAP(v < 0.0f ? alpha * expm1f(v) : v) break;
    case UMATH_SELU: MAP(gamma * (v <= 0.0f ? alpha * expm1f(v) : v)) break;
    case UMATH_SOFTPLUS: MAP(fmaxf(v, 0.0f) + log1pf(expf(-fabsf(v)))) break;
    case UMATH_SOFTSIGN: MAP(v / (1.0f + fabsf(v))) break;
    case UMATH_RECIPROCAL: MAP(1.0f / v) break;
    case UMATH_LOG: MAP(logf(v)) break;
    }
}

static enum onr_status umath_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    umath_f32(ctx->params, onr_shape_numel(&ctx->x[0]->shape), ctx->x[0]->data,
              ctx->y[0]->data, ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

#define UMATH_DEF(sym, op_name)                                                    \
    const struct onr_op_def onr_op_##sym = {                                       \
        .name = op_name, .domain = "", .min_opset = 1, .max_opset = 17,            \
        .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,     \
        .flags = ONR_OP_FLAG_NONE, .init = umath_init, .infer = umath_infer,       \
        .prepare = NULL, .run = umath_run, .release = NULL, .describe = NULL,     \
    }

UMATH_DEF(elu, "Elu");
UMATH_DEF(selu, "Selu");
UMATH_DEF(softplus, "Softplus");
UMATH_DEF(softsign, "Softsign");
UMATH_DEF(reciprocal, "Reciprocal");
UMATH_DEF(log, "Log");
