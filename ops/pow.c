/* Pow 1..17: z = x ^ y with multidirectional broadcasting (opsets 1..6: the
 * legacy `broadcast`/`axis` attributes instead); z has X's dtype.
 *
 * X: float32, float64, int32, int64. Y (any of those, and uint32/uint64
 * from opset 12; before 12 Y must have X's dtype). Floats use pow() (powf
 * for float32 x float32); an integer base with an integer exponent is exact
 * (wrapping on overflow; a negative exponent gives 1/x^n truncated: 0
 * unless |x| is 1), an integer base with a float exponent is pow() in double
 * truncated toward zero. Other dtypes are UNSUPPORTED. Any thread count gives the same
 * bits. */
#include <math.h>
#include <stdlib.h>

#include "broadcast.h"

struct pow_params {
    struct onr_bcast plan;
    enum onr_dtype xt, yt;
    int64_t legacy_broadcast, legacy_axis;   /* opsets < 7 */
    bool has_legacy_axis;
};

static enum onr_status pow_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct pow_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Pow '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    if (ctx->opset >= 7) return ONR_STATUS_OK;
    return onr_bcast_legacy_attrs(ctx, &p->legacy_broadcast, &p->legacy_axis,
                                  &p->has_legacy_axis, err);
}

static bool pow_base_ok(enum onr_dtype t)
{
    return t == ONR_DTYPE_FLOAT || t == ONR_DTYPE_DOUBLE || t == ONR_DTYPE_INT32 ||
           t == ONR_DTYPE_INT64;
}

static bool is_float(enum onr_dtype t) { return t == ONR_DTYPE_FLOAT || t == ONR_DTYPE_DOUBLE; }

static enum onr_status pow_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct pow_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0], *y = ctx->x[1];
    const char *name = ctx->node->name;
    if (!pow_base_ok(x->dtype))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Pow '%s': X is %s, only float32, float64, int32 and int64 are "
                             "supported", name, onr_dtype_name(x->dtype));
    if (!pow_base_ok(y->dtype) && y->dtype != ONR_DTYPE_UINT32 && y->dtype != ONR_DTYPE_UINT64)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Pow '%s': Y is %s, only float32, float64, int32, int64, uint32 "
                             "and uint64 are supported", name, onr_dtype_name(y->dtype));
    if (ctx->opset < 12 && x->dtype != y->dtype)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Pow '%s': X is %s but Y is %s (one dtype before opset 12)", name,
                             onr_dtype_name(x->dtype), onr_dtype_name(y->dtype));
    p->xt = x->dtype;
    p->yt = y->dtype;
    struct onr_shape yshape = y->shape;
    enum onr_status st;
    if (ctx->opset < 7 &&
        (st = onr_bcast_legacy_shape(ctx, &x->shape, &y->shape, p->legacy_broadcast,
                                     p->has_legacy_axis ? &p->legacy_axis : NULL, &yshape, err)))
        return st;
    const struct onr_shape *shapes[2] = {&x->shape, &yshape};
    ctx->y[0]->dtype = x->dtype;
    return onr_bcast_plan(ctx, 2, shapes, false, &p->plan, &ctx->y[0]->shape, err);
}

static double load_f(enum onr_dtype t, const void *p, int64_t i)
{
    switch (t) {
    case ONR_DTYPE_FLOAT: return ((const float *)p)[i];
    case ONR_DTYPE_DOUBLE: return ((const double *)p)[i];
    case ONR_DTYPE_INT32: return ((const int32_t *)p)[i];
    case ONR_DTYPE_INT64: return (double)((const int64_t *)p)[i];
    case ONR_DTYPE_UINT32: return ((const uint32_t *)p)[i];
    case ONR_DTYPE_UINT64: return (double)((const uint64_t *)p)[i];
    default: return 0.0;
    }
}

static int64_t load_i(enum onr_dtype t, const void *p, int64_t i)
{
    switch (t) {
    case ONR_DTYPE_INT32: return ((const int32_t *)p)[i];
    case ONR_DTYPE_INT64: return ((const int64_t *)p)[i];
    case ONR_DTYPE_UINT32: return ((const uint32_t *)p)[i];
    case ONR_DTYPE_UINT64: return (int64_t)((const uint64_t *)p)[i];
    default: return 0;
    }
}

/* b ^ e exactly in wrapping int64 (by squaring). */
static int64_t ipow(int64_t b, int64_t e)
{
    if (e < 0) return b == 1 ? 1 : (b == -1 ? ((e & 1) ? -1 : 1) : 0);
    uint64_t r = 1, u = (uint64_t)b;
    while (e > 0) {
        if (e & 1) r *= u;
        u *= u;
        e >>= 1;
    }
    return (int64_t)r;
}

static double trunc_to_range(double v, double lo, double hi)
{
    if (isnan(v)) return 0.0;
    return v < lo ? lo : (v > hi ? hi : trunc(v));
}

/* x, y: broadcast per the plan  z: (rows, inner), X's dtype */
static void pow_all(const struct pow_params *p, const void *X, const void *Y, void *Z,
                    int threads)
{
    const struct onr_bcast *pl = &p->plan;
    const int64_t sx = onr_bcast_step(pl, 0), sy = onr_bcast_step(pl, 1), inner = pl->inner;
    const bool parallel = threads > 1 && pl->rows > 1 && pl->rows * inner >= ONR_BCAST_PARALLEL_MIN;
    const bool ff = p->xt == ONR_DTYPE_FLOAT && p->yt == ONR_DTYPE_FLOAT;
    const bool int_exp = !is_float(p->yt);
#pragma omp parallel for num_threads(threads) schedule(static) if (parallel)
    for (int64_t r = 0; r < pl->rows; r++) {
        int64_t off[2];
        onr_bcast_row(pl, r, off);
        const int64_t z0 = r * inner;
        if (ff) {
            const float *xr = (const float *)X + off[0], *yr = (const float *)Y + off[1];
            float *zr = (float *)Z + z0;
            for (int64_t i = 0; i < inner; i++) zr[i] = powf(xr[i * sx], yr[i * sy]);
            continue;
        }
        for (int64_t i = 0; i < inner; i++) {
            const int64_t ix = off[0] + i * sx, iy = off[1] + i * sy;
            switch (p->xt) {
            case ONR_DTYPE_FLOAT:
                ((float *)Z)[z0 + i] = (float)pow(load_f(p->xt, X, ix), load_f(p->yt, Y, iy));
                break;
            case ONR_DTYPE_DOUBLE:
                ((double *)Z)[z0 + i] = pow(load_f(p->xt, X, ix), load_f(p->yt, Y, iy));
                break;
            case ONR_DTYPE_INT32:
                ((int32_t *)Z)[z0 + i] =
                    int_exp ? (int32_t)ipow(load_i(p->xt, X, ix), load_i(p->yt, Y, iy))
                            : (int32_t)trunc_to_range(pow(load_f(p->xt, X, ix), load_f(p->yt, Y, iy)),
                                                      INT32_MIN, INT32_MAX);
                break;
            default:
                ((int64_t *)Z)[z0 + i] =
                    int_exp ? ipow(load_i(p->xt, X, ix), load_i(p->yt, Y, iy))
                            : (int64_t)trunc_to_range(pow(load_f(p->xt, X, ix), load_f(p->yt, Y, iy)),
                                                      -9.2e18, 9.2e18);
                break;
            }
        }
    }
}

static enum onr_status pow_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    if (onr_shape_numel(&ctx->y[0]->shape) == 0) return ONR_STATUS_OK;
    pow_all(ctx->params, ctx->x[0]->data, ctx->x[1]->data, ctx->y[0]->data,
            ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_pow = {
    .name = "Pow", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .init = pow_init, .infer = pow_infer,
    .prepare = NULL, .run = pow_run, .release = NULL, .describe = NULL,
};
