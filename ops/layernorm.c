/* LayerNormalization 17 on float32: X normalised over its dims [axis, rank)
 * (axis default -1, negative counts from the end), then times Scale and
 * plus B (optional), both broadcast unidirectionally to the normalised
 * dims. epsilon defaults to 1e-5. The optional outputs Mean and InvStdDev
 * have X's leading dims and 1 for each normalised dim. stash_type other
 * than 1 (float32), other dtypes and an axis out of range are UNSUPPORTED /
 * INVALID_MODEL; a Scale or B that does not broadcast is SHAPE_MISMATCH.
 *
 * Each row's mean and variance are summed in double in index order by one
 * thread, so any thread count gives the same bits; then, in the order of
 * the spec's function body, y = (x - mean) * inv_std_dev (in double: a
 * float32 mean would cost its rounding relative to the spread when
 * |mean| >> std), rounded to float32, times scale, plus b. */
#include <math.h>
#include <stdlib.h>

#include "broadcast.h"

struct lnorm_params {
    int64_t axis, stash_type;
    float epsilon;
    int64_t rows, len;           /* set by infer */
    struct onr_bcast sp, bp;     /* (normalised dims, Scale) and (normalised dims, B) */
};

static enum onr_status lnorm_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct lnorm_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "LayerNormalization '%s': out of memory",
                             node->name);
    ctx->params = p;
    enum onr_status st;
    if ((st = onr_node_attr_int(node, "axis", -1, &p->axis, err)) ||
        (st = onr_node_attr_int(node, "stash_type", 1, &p->stash_type, err)) ||
        (st = onr_node_attr_float(node, "epsilon", 1e-5f, &p->epsilon, err)))
        return st;
    if (p->stash_type != 1)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "LayerNormalization '%s': stash_type %lld is not supported (only 1, "
                             "float32)", node->name, (long long)p->stash_type);
    return ONR_STATUS_OK;
}

static enum onr_status lnorm_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct lnorm_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *name = ctx->node->name;
    static const char *const what[3] = {"X", "Scale", "B"};
    for (int k = 0; k < ctx->n_x; k++)
        if (ctx->x[k] != NULL && ctx->x[k]->dtype != ONR_DTYPE_FLOAT)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "LayerNormalization '%s': %s is %s, only float32 is supported",
                                 name, what[k], onr_dtype_name(ctx->x[k]->dtype));
    const int rank = x->shape.rank;
    const int64_t axis = p->axis < 0 ? p->axis + rank : p->axis;
    if (axis < 0 || axis >= rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "LayerNormalization '%s': axis %lld is out of range for rank %d",
                             name, (long long)p->axis, rank);
    struct onr_shape norm = {.rank = rank - (int)axis};
    struct onr_shape stat = x->shape;
    p->rows = p->len = 1;
    for (int i = 0; i < rank; i++) {
        if (i < axis) {
            p->rows *= x->shape.dims[i];
        } else {
            p->len *= x->shape.dims[i];
            norm.dims[i - axis] = x->shape.dims[i];
            stat.dims[i] = 1;
        }
    }
    struct onr_shape same;
    const struct onr_shape *ss[2] = {&norm, &ctx->x[1]->shape};
    enum onr_status st = onr_bcast_plan(ctx, 2, ss, true, &p->sp, &same, err);
    if (st == ONR_STATUS_OK && ctx->n_x > 2 && ctx->x[2] != NULL) {
        const struct onr_shape *bs[2] = {&norm, &ctx->x[2]->shape};
        st = onr_bcast_plan(ctx, 2, bs, true, &p->bp, &same, err);
    }
    if (st != ONR_STATUS_OK) return st;
    ctx->y[0]->dtype = ONR_DTYPE_FLOAT;
    ctx->y[0]->shape = x->shape;
    for (int k = 1; k < ctx->n_y; k++)
        if (ctx->y[k] != NULL) {
            ctx->y[k]->dtype = ONR_DTYPE_FLOAT;
            ctx->y[k]->shape = stat;
        }
    return ONR_STATUS_OK;
}

/* v[j] for j < len read through a plan over the normalised dims. */
static void lnorm_affine(const struct onr_bcast *pl, const float *v, float *yr, bool add)
{
    const int64_t s = onr_bcast_step(pl, 1);
    for (int64_t r = 0; r < pl->rows; r++) {
        int64_t off[2];
        onr_bcast_row(pl, r, off);
        float *o = yr + off[0];
        const float *vr = v + off[1];
        if (add)
            for (int64_t i = 0; i < pl->inner; i++) o[i] += vr[i * s];
        else
            for (int64_t i = 0; i < pl->inner; i++) o[i] *= vr[i * s];
    }
}

/* x, y: (rows, len)  mean, inv: (rows) or NULL */
static void lnorm_f32(const struct lnorm_params *p, const float *x, const float *scale,
                      const float *b, float *y, float *mean_out, float *inv_out, int threads)
{
    const int64_t len = p->len;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && p->rows > 1 && p->rows * len >= 16384)
    for (int64_t r = 0; r < p->rows; r++) {
        const float *xr = x + r * len;
        float *yr = y + r * len;
        double sum = 0.0;
        for (int64_t i = 0; i < len; i++) sum += xr[i];
        const double mean = sum / (double)len;
        double ss = 0.0;
        for (int64_t i = 0; i < len; i++) ss += (xr[i] - mean) * (xr[i] - mean);
        const double inv = 1.0 / sqrt(ss / (double)len + (double)p->epsilon);
        for (int64_t i = 0; i < len; i++) yr[i] = (float)((xr[i] - mean) * inv);
        lnorm_affine(&p->sp, scale, yr, false);
        if (b != NULL) lnorm_affine(&p->bp, b, yr, true);
        if (mean_out) mean_out[r] = (float)mean;
        if (inv_out) inv_out[r] = (float)inv;
    }
}

static enum onr_status lnorm_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct lnorm_params *p = ctx->params;
    if (p->rows == 0) return ONR_STATUS_OK;
    float *mean = ctx->n_y > 1 && ctx->y[1] != NULL ? ctx->y[1]->data : NULL;
    float *inv = ctx->n_y > 2 && ctx->y[2] != NULL ? ctx->y[2]->data : NULL;
    const float *b = ctx->n_x > 2 && ctx->x[2] != NULL ? ctx->x[2]->data : NULL;
    if (p->len == 0) {
        /* Empty rows: mean 0/0 and 1/sqrt(epsilon - NaN) are NaN, as numpy gives. */
        for (int64_t r = 0; r < p->rows; r++) {
            if (mean) mean[r] = NAN;
            if (inv) inv[r] = NAN;
        }
        return ONR_STATUS_OK;
    }
    lnorm_f32(p, ctx->x[0]->data, ctx->x[1]->data, b, ctx->y[0]->data, mean, inv,
              ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_layernormalization = {
    .name = "LayerNormalization", .domain = "", .min_opset = 17, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 3, .min_outputs = 1, .max_outputs = 3,
    .flags = ONR_OP_FLAG_NONE, .init = lnorm_init, .infer = lnorm_infer,
    .prepare = NULL, .run = lnorm_run, .release = NULL, .describe = NULL,
};
