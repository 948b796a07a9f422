/* Reshape, Flatten, Squeeze and Unsqueeze, opsets 1..17: views that keep
 * x's bytes and change only the shape, for a tensor of any dtype.
 *   Reshape    opsets 1-4: `shape` attribute; 5+: shape input (int64), which
 *              must be known when the session is prepared (a constant or
 *              folded from constants), else UNSUPPORTED. 0 copies x's dim
 *              (allowzero=0) or is a zero dim (allowzero=1, opset 14+); one -1
 *              is inferred.
 *   Flatten    axis (default 1, negative from opset 11): (prod d[:axis], prod d[axis:]).
 *   Squeeze    axes attribute (opsets 1-12) or input (13+); absent: every 1-dim.
 *   Unsqueeze  axes attribute (opsets 1-12) or input (13+), over the output rank.
 * Axes out of range, repeated axes, squeezing a dim that is not 1 and shapes
 * whose element counts differ are rejected naming the node. The executor
 * shares x's storage and skips run; run copies only when it does not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "shape_util.h"

struct reshape_params {
    int64_t allowzero;           /* Reshape */
    int64_t axis;                /* Flatten */
    bool from_attr;              /* shape/axes come from an attribute */
    int n;                       /* Reshape shape or Squeeze/Unsqueeze axes */
    int64_t v[ONR_MAX_RANK];
};

static enum onr_status params_new(struct onr_op_ctx *ctx, struct reshape_params **p,
                                  struct onr_error *err)
{
    *p = calloc(1, sizeof **p);
    if (*p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             ctx->node->op_type, ctx->node->name);
    ctx->params = *p;
    return ONR_STATUS_OK;
}

/* Copies an ints attribute (at most ONR_MAX_RANK values) into p->v. */
static enum onr_status ints_attr(struct onr_op_ctx *ctx, const char *name, bool required,
                                 struct reshape_params *p, struct onr_error *err)
{
    const int64_t *ints;
    size_t count;
    enum onr_status st = onr_node_attr_ints(ctx->node, name, &ints, &count, err);
    if (st != ONR_STATUS_OK) return st;
    if (required && onr_node_attr(ctx->node, name) == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': attribute %s is missing",
                             ctx->node->op_type, ctx->node->name, name);
    if (count > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': attribute %s has %zu values, at most %d supported",
                             ctx->node->op_type, ctx->node->name, name, count, ONR_MAX_RANK);
    p->from_attr = onr_node_attr(ctx->node, name) != NULL;
    p->n = (int)count;
    if (count) memcpy(p->v, ints, count * sizeof *ints);
    return ONR_STATUS_OK;
}

/* ---- Reshape ---- */

static enum onr_status reshape_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct reshape_params *p;
    enum onr_status st = params_new(ctx, &p, err);
    if (st != ONR_STATUS_OK) return st;
    if (ctx->opset < 5) return ints_attr(ctx, "shape", true, p, err);
    st = onr_node_attr_int(ctx->node, "allowzero", 0, &p->allowzero, err);
    if (st != ONR_STATUS_OK) return st;
    if (p->allowzero != 0 && p->allowzero != 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Reshape '%s': allowzero=%lld, expected 0 or 1",
                             ctx->node->name, (long long)p->allowzero);
    return ONR_STATUS_OK;
}

static enum onr_status reshape_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct reshape_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *name = ctx->node->name;
    int64_t want[ONR_MAX_RANK];
    int n = p->n;
    if (ctx->opset < 5) {
        memcpy(want, p->v, sizeof want);
    } else {
        if (ctx->n_x < 2 || ctx->x[1] == NULL)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Reshape '%s': shape input is missing", name);
        enum onr_status st = onr_op_const_ints(ctx, 1, "shape", want, ONR_MAX_RANK, &n, err);
        if (st != ONR_STATUS_OK) return st;
    }
    struct onr_shape y = {.rank = n};
    int infer_at = -1;
    int64_t known = 1;
    for (int i = 0; i < n; i++) {
        int64_t d = want[i];
        if (d == -1 && infer_at < 0) {
            infer_at = i;
            continue;
        }
        if (d == 0 && !p->allowzero) {
            if (i >= x->shape.rank) goto bad;
            d = x->shape.dims[i];
        }
        if (d < 0) goto bad;
        if (onr_mul_overflow_i64(known, d, &known)) goto bad;
        y.dims[i] = d;
    }
    const int64_t numel = onr_shape_numel(&x->shape);
    if (infer_at >= 0) {
        if (known == 0 || numel % known != 0) goto bad;
        y.dims[infer_at] = numel / known;
    } else if (known != numel) {
        goto bad;
    }
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
bad:;
    char xs[128], ws[160];
    onr_shape_format(&x->shape, xs, sizeof xs);
    size_t used = 0;
    ws[0] = '\0';
    for (int i = 0; i < n && used < sizeof ws; i++) {
        int k = snprintf(ws + used, sizeof ws - used, "%s%lld", i ? "x" : "", (long long)want[i]);
        if (k > 0) used += (size_t)k;
    }
    return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                         "Reshape '%s': cannot reshape %s (%lld elements) to %s%s", name, xs,
                         (long long)onr_shape_numel(&x->shape), n ? ws : "scalar",
                         p->allowzero ? " (allowzero=1)" : "");
}

/* ---- Flatten ---- */

static enum onr_status flatten_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct reshape_params *p;
    enum onr_status st = params_new(ctx, &p, err);
    if (st != ONR_STATUS_OK) return st;
    return onr_node_attr_int(ctx->node, "axis", 1, &p->axis, err);
}

static enum onr_status flatten_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct reshape_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const int rank = x->shape.rank;
    int64_t axis = p->axis;
    if (axis < 0 && ctx->opset >= 11) axis += rank;
    if (axis < 0 || axis > rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Flatten '%s': axis %lld is outside [%d, %d] for rank %d",
                             ctx->node->name, (long long)p->axis, ctx->opset >= 11 ? -rank : 0,
                             rank, rank);
    struct onr_shape y = {.rank = 2, .dims = {1, 1}};
    for (int i = 0; i < rank; i++) y.dims[i < axis ? 0 : 1] *= x->shape.dims[i];
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

/* ---- Squeeze and Unsqueeze ---- */

static enum onr_status axes_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct reshape_params *p;
    enum onr_status st = params_new(ctx, &p, err);
    if (st != ONR_STATUS_OK) return st;
    if (ctx->opset >= 13) {
        if (onr_node_attr(ctx->node, "axes") != NULL)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': axes is an input from opset 13, not an attribute",
                                 ctx->node->op_type, ctx->node->name);
        return ONR_STATUS_OK;
    }
    bool unsqueeze = strcmp(ctx->node->op_type, "Unsqueeze") == 0;
    return ints_attr(ctx, "axes", unsqueeze, p, err);
}

/* The axes: the attribute (opsets 1-12) or the constant input (13+). */
static enum onr_status get_axes(struct onr_op_ctx *ctx, int64_t *axes, int *n,
                                struct onr_error *err)
{
    const struct reshape_params *p = ctx->params;
    *n = p->n;
    memcpy(axes, p->v, sizeof p->v);
    if (ctx->opset < 13) return ONR_STATUS_OK;
    *n = 0;
    if (ctx->n_x >= 2 && ctx->x[1] != NULL)
        return onr_op_const_ints(ctx, 1, "axes", axes, ONR_MAX_RANK, n, err);
    if (strcmp(ctx->node->op_type, "Unsqueeze") == 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Unsqueeze '%s': axes input is missing",
                             ctx->node->name);
    return ONR_STATUS_OK;
}

/* Normalises the axes over `rank` into a mask; repeats are errors. */
static enum onr_status axes_mask(const struct onr_op_ctx *ctx, const int64_t *axes, int n,
                                 int rank, bool *mask, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    for (int i = 0; i < rank; i++) mask[i] = false;
    for (int i = 0; i < n; i++) {
        int a;
        if (!onr_axis_normalize(axes[i], rank, &a))
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': axis %lld is outside [%d, %d)", node->op_type,
                                 node->name, (long long)axes[i], -rank, rank);
        if (mask[a])
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': axis %lld is repeated",
                                 node->op_type, node->name, (long long)axes[i]);
        mask[a] = true;
    }
    return ONR_STATUS_OK;
}

static enum onr_status squeeze_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0];
    int64_t axes[ONR_MAX_RANK];
    bool mask[ONR_MAX_RANK];
    int n;
    enum onr_status st = get_axes(ctx, axes, &n, err);
    if (st == ONR_STATUS_OK) st = axes_mask(ctx, axes, n, x->shape.rank, mask, err);
    if (st != ONR_STATUS_OK) return st;
    struct onr_shape y = {.rank = 0};
    for (int i = 0; i < x->shape.rank; i++) {
        const int64_t d = x->shape.dims[i];
        if (n > 0 && mask[i] && d != 1) {
            char xs[128];
            onr_shape_format(&x->shape, xs, sizeof xs);
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "Squeeze '%s': cannot squeeze axis %d of %s (dim %lld, expected 1)",
                                 ctx->node->name, i, xs, (long long)d);
        }
        if ((n > 0 && mask[i]) || (n == 0 && d == 1)) continue;
        y.dims[y.rank++] = d;
    }
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

static enum onr_status unsqueeze_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0];
    int64_t axes[ONR_MAX_RANK];
    bool mask[ONR_MAX_RANK];
    int n;
    enum onr_status st = get_axes(ctx, axes, &n, err);
    if (st != ONR_STATUS_OK) return st;
    const int rank = x->shape.rank + n;
    if (rank > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Unsqueeze '%s': output rank %d exceeds %d", ctx->node->name, rank,
                             ONR_MAX_RANK);
    st = axes_mask(ctx, axes, n, rank, mask, err);
    if (st != ONR_STATUS_OK) return st;
    struct onr_shape y = {.rank = rank};
    for (int i = 0, k = 0; i < rank; i++) y.dims[i] = mask[i] ? 1 : x->shape.dims[k++];
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

/* Shared by all four: the bytes are x's bytes. */
static enum onr_status view_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    if (y->data != x->data && y->nbytes > 0) memcpy(y->data, x->data, y->nbytes);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_reshape = {
    .name = "Reshape", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_VIEW, .value_inputs = 1u << 1,
    .init = reshape_init, .infer = reshape_infer, .prepare = NULL, .run = view_run,
    .release = NULL, .describe = NULL,
};

const struct onr_op_def onr_op_flatten = {
    .name = "Flatten", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_VIEW,
    .init = flatten_init, .infer = flatten_infer, .prepare = NULL, .run = view_run,
    .release = NULL, .describe = NULL,
};

const struct onr_op_def onr_op_squeeze = {
    .name = "Squeeze", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_VIEW, .value_inputs = 1u << 1,
    .init = axes_init, .infer = squeeze_infer, .prepare = NULL, .run = view_run,
    .release = NULL, .describe = NULL,
};

const struct onr_op_def onr_op_unsqueeze = {
    .name = "Unsqueeze", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_VIEW, .value_inputs = 1u << 1,
    .init = axes_init, .infer = unsqueeze_infer, .prepare = NULL, .run = view_run,
    .release = NULL, .describe = NULL,
};
