/* Slice, opsets 1..17, on x of any fixed-size dtype.
 *   opsets 1-9:  attributes starts, ends (required) and axes.
 *   opsets 10+:  inputs starts, ends, axes, steps (int64 or int32), which
 *                must be known when the session is prepared (constants or
 *                folded), else UNSUPPORTED: the output shape depends on them.
 * Negative starts/ends count from the end and are then clamped (INT64_MAX
 * and INT64_MIN work as "to the end"); negative steps walk backwards; a
 * step of 0, an axis out of range or a repeated axis is rejected. */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "shape_util.h"

struct slice_params {
    int64_t starts[ONR_MAX_RANK], ends[ONR_MAX_RANK], axes[ONR_MAX_RANK];
    int n, n_axes;                 /* attribute values (opsets 1-9) */
    /* From infer: y = strided view of x. */
    int64_t offset;                /* elements from x's start */
    int64_t ystride[ONR_MAX_RANK]; /* x stride (elements) of each y dim */
};

static enum onr_status attr_list(const struct onr_node *node, const char *name, bool required,
                                 int64_t *out, int *n, struct onr_error *err)
{
    const int64_t *ints;
    size_t count;
    enum onr_status st = onr_node_attr_ints(node, name, &ints, &count, err);
    if (st != ONR_STATUS_OK) return st;
    if (required && onr_node_attr(node, name) == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Slice '%s': attribute %s is missing",
                             node->name, name);
    if (count > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Slice '%s': attribute %s has %zu values, at most %d", node->name,
                             name, count, ONR_MAX_RANK);
    if (count) memcpy(out, ints, count * sizeof *ints);
    *n = (int)count;
    return ONR_STATUS_OK;
}

static enum onr_status slice_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct slice_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Slice '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    if (ctx->opset >= 10) {
        if (ctx->n_x < 3)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Slice '%s': %d inputs, expected data, starts, ends", ctx->node->name,
                                 ctx->n_x);
        return ONR_STATUS_OK;
    }
    if (ctx->n_x > 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Slice '%s': starts/ends are attributes before opset 10, not inputs",
                             ctx->node->name);
    int n_ends;
    enum onr_status st = attr_list(ctx->node, "starts", true, p->starts, &p->n, err);
    if (st == ONR_STATUS_OK) st = attr_list(ctx->node, "ends", true, p->ends, &n_ends, err);
    if (st == ONR_STATUS_OK) st = attr_list(ctx->node, "axes", false, p->axes, &p->n_axes, err);
    if (st == ONR_STATUS_OK && n_ends != p->n)
        st = onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Slice '%s': %d starts but %d ends",
                           ctx->node->name, p->n, n_ends);
    return st;
}

/* starts, ends, axes (NULL entries default to 0..n-1) and steps. */
struct slice_args {
    int n, n_axes, n_steps;
    int64_t starts[ONR_MAX_RANK], ends[ONR_MAX_RANK], axes[ONR_MAX_RANK], steps[ONR_MAX_RANK];
};

static enum onr_status read_args(struct onr_op_ctx *ctx, struct slice_args *a, struct onr_error *err)
{
    const struct slice_params *p = ctx->params;
    a->n_steps = 0;
    if (ctx->opset < 10) {
        a->n = p->n;
        a->n_axes = p->n_axes;
        memcpy(a->starts, p->starts, sizeof a->starts);
        memcpy(a->ends, p->ends, sizeof a->ends);
        memcpy(a->axes, p->axes, sizeof a->axes);
        return ONR_STATUS_OK;
    }
    int n_ends;
    a->n_axes = 0;
    enum onr_status st = onr_op_const_ints(ctx, 1, "starts", a->starts, ONR_MAX_RANK, &a->n, err);
    if (st == ONR_STATUS_OK) st = onr_op_const_ints(ctx, 2, "ends", a->ends, ONR_MAX_RANK, &n_ends, err);
    if (st == ONR_STATUS_OK && ctx->n_x > 3 && ctx->x[3] != NULL)
        st = onr_op_const_ints(ctx, 3, "axes", a->axes, ONR_MAX_RANK, &a->n_axes, err);
    if (st == ONR_STATUS_OK && ctx->n_x > 4 && ctx->x[4] != NULL)
        st = onr_op_const_ints(ctx, 4, "steps", a->steps, ONR_MAX_RANK, &a->n_steps, err);
    if (st != ONR_STATUS_OK) return st;
    if (n_ends != a->n || (ctx->n_x > 3 && ctx->x[3] != NULL && a->n_axes != a->n) ||
        (ctx->n_x > 4 && ctx->x[4] != NULL && a->n_steps != a->n))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Slice '%s': starts, ends, axes and steps must have the same length "
                             "(%d, %d, %d, %d)", ctx->node->name, a->n, n_ends, a->n_axes, a->n_steps);
    return ONR_STATUS_OK;
}

/* Output length of one axis; *first is the first index taken. */
static int64_t slice_axis(int64_t d, int64_t start, int64_t end, int64_t step, int64_t *first)
{
    if (start < 0) start += d;
    if (end < 0) end += d;
    int64_t lo = 0, hi = d; /* clamp range for start and end */
    if (step < 0) {
        start = start < 0 ? 0 : (start > d - 1 ? d - 1 : start);
        end = end < -1 ? -1 : (end > d - 1 ? d - 1 : end);
        *first = start;
        if (d == 0 || start <= end) return 0;
        /* step may be INT64_MIN: -step overflows, but then one element is taken. */
        const int64_t span = start - end; /* >= 1 */
        return step == INT64_MIN ? 1 : (span - 1) / -step + 1;
    }
    start = start < lo ? lo : (start > hi ? hi : start);
    end = end < lo ? lo : (end > hi ? hi : end);
    *first = start;
    return end <= start ? 0 : (end - start - 1) / step + 1;
}

static enum onr_status slice_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct slice_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *name = ctx->node->name;
    const int rank = x->shape.rank;
    struct slice_args a;
    enum onr_status st = read_args(ctx, &a, err);
    if (st != ONR_STATUS_OK) return st;
    if (a.n_axes == 0 && a.n > rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Slice '%s': %d starts for rank %d", name, a.n, rank);
    int64_t first[ONR_MAX_RANK], step[ONR_MAX_RANK], xstride[ONR_MAX_RANK];
    struct onr_shape y = x->shape;
    bool seen[ONR_MAX_RANK] = {false};
    for (int d = 0; d < rank; d++) {
        first[d] = 0;
        step[d] = 1;
    }
    for (int i = 0; i < a.n; i++) {
        int ax = i;
        if (a.n_axes > 0 && !onr_axis_normalize(a.axes[i], rank, &ax))
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Slice '%s': axis %lld is outside [%d, %d)", name,
                                 (long long)a.axes[i], -rank, rank);
        if (seen[ax])
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Slice '%s': axis %d is repeated",
                                 name, ax);
        seen[ax] = true;
        const int64_t s = a.n_steps > 0 ? a.steps[i] : 1;
        if (s == 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Slice '%s': step on axis %d is 0",
                                 name, ax);
        y.dims[ax] = slice_axis(x->shape.dims[ax], a.starts[i], a.ends[i], s, &first[ax]);
        /* With at most one element taken the step is never applied. */
        step[ax] = y.dims[ax] > 1 ? s : 1;
    }
    p->offset = 0;
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
        xstride[d] = stride;
        stride *= x->shape.dims[d];
    }
    for (int d = 0; d < rank; d++) {
        if (y.dims[d] > 0) p->offset += first[d] * xstride[d];
        /* |step| < dim here (more than one element taken): no overflow. */
        p->ystride[d] = xstride[d] * step[d];
    }
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

/* y[i0..] = x[offset + sum(i_d * ystride[d])] */
static enum onr_status slice_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct slice_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    if (y->nbytes == 0) return ONR_STATUS_OK;
    const size_t elem = onr_dtype_size(x->dtype);
    onr_strided_copy(y->data, (const char *)x->data + (size_t)p->offset * elem, y->shape.rank,
                     y->shape.dims, p->ystride, elem, ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_slice = {
    .name = "Slice", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 5, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .value_inputs = 0x1eu /* starts, ends, axes, steps */,
    .init = slice_init, .infer = slice_infer, .prepare = NULL, .run = slice_run,
    .release = NULL, .describe = NULL,
};
