/* Pad, opsets 2..17, on x of any fixed-size dtype.
 *   opsets 2-10: attributes pads (required), mode, value (float).
 *   opsets 11+:  input pads (int64, known at prepare: a constant or folded,
 *                else UNSUPPORTED) and optional scalar constant_value (x's
 *                dtype, may change per run). `axes` (opset 18) is not handled.
 * pads is [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; negative pads
 * crop. Modes: constant, edge (needs a non-empty dim) and reflect (pads at
 * most dim-1 on each side). Output position o on an axis reads input
 * position o - begin, mapped back inside by the mode. */
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "shape_util.h"

enum pad_mode { PAD_CONSTANT, PAD_EDGE, PAD_REFLECT };

struct pad_params {
    enum pad_mode mode;
    int n_pads;                       /* attribute pads (opsets 2-10) */
    int64_t pads[2 * ONR_MAX_RANK];
    float value;                      /* attribute value (opsets 2-10) */
    unsigned char fill[8];            /* value in x's dtype (infer) */
    int64_t begin[ONR_MAX_RANK];      /* (infer) */
};

static enum onr_status pad_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct pad_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Pad '%s': out of memory", node->name);
    ctx->params = p;
    const char *mode;
    enum onr_status st = onr_node_attr_string(node, "mode", "constant", &mode, err);
    if (st != ONR_STATUS_OK) return st;
    if (strcmp(mode, "constant") == 0) p->mode = PAD_CONSTANT;
    else if (strcmp(mode, "edge") == 0) p->mode = PAD_EDGE;
    else if (strcmp(mode, "reflect") == 0) p->mode = PAD_REFLECT;
    else
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Pad '%s': mode '%s' is not supported (constant, edge, reflect)",
                             node->name, mode);
    if (ctx->opset >= 11) {
        if (ctx->n_x < 2)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Pad '%s': pads input is missing",
                                 node->name);
        return ONR_STATUS_OK;
    }
    const int64_t *ints;
    size_t count;
    st = onr_node_attr_ints(node, "pads", &ints, &count, err);
    if (st == ONR_STATUS_OK) st = onr_node_attr_float(node, "value", 0.0f, &p->value, err);
    if (st != ONR_STATUS_OK) return st;
    if (onr_node_attr(node, "pads") == NULL || count > 2 * ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Pad '%s': attribute pads is missing or has %zu values", node->name,
                             count);
    if (count) memcpy(p->pads, ints, count * sizeof *ints);
    p->n_pads = (int)count;
    return ONR_STATUS_OK;
}

/* The attribute value as x's dtype; false for a dtype it cannot express. */
static bool fill_from_float(enum onr_dtype dtype, float v, unsigned char *out)
{
    memset(out, 0, 8);
    switch (dtype) {
    case ONR_DTYPE_FLOAT: memcpy(out, &v, 4); return true;
    case ONR_DTYPE_DOUBLE: { double d = v; memcpy(out, &d, 8); return true; }
    case ONR_DTYPE_INT32: { int32_t i = (int32_t)v; memcpy(out, &i, 4); return v >= -2147483648.0f && v < 2147483648.0f; }
    case ONR_DTYPE_INT64: { int64_t i = (int64_t)v; memcpy(out, &i, 8); return v >= -9.2e18f && v <= 9.2e18f; }
    default: return v == 0.0f;
    }
}

static enum onr_status pad_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct pad_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *name = ctx->node->name;
    const int rank = x->shape.rank;
    int64_t pads[2 * ONR_MAX_RANK];
    int n = p->n_pads;
    memcpy(pads, p->pads, sizeof pads);
    if (ctx->opset >= 11) {
        enum onr_status st = onr_op_const_ints(ctx, 1, "pads", pads, 2 * ONR_MAX_RANK, &n, err);
        if (st != ONR_STATUS_OK) return st;
        const struct onr_tensor *cv = ctx->n_x > 2 ? ctx->x[2] : NULL;
        if (cv != NULL && (cv->dtype != x->dtype || onr_shape_numel(&cv->shape) != 1))
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Pad '%s': constant_value must be one %s value", name,
                                 onr_dtype_name(x->dtype));
        memset(p->fill, 0, sizeof p->fill);
    } else if (!fill_from_float(x->dtype, p->value, p->fill)) {
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Pad '%s': value %g for %s data", name,
                             p->value, onr_dtype_name(x->dtype));
    }
    if (n != 2 * rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Pad '%s': %d pads for rank %d, expected %d",
                             name, n, rank, 2 * rank);
    struct onr_shape y = {.rank = rank};
    for (int d = 0; d < rank; d++) {
        const int64_t dim = x->shape.dims[d], b = pads[d], e = pads[d + rank];
        const int64_t lim = INT64_MAX / 4;
        if (b < -lim || b > lim || e < -lim || e > lim || dim + b + e < 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Pad '%s': pads %lld, %lld on axis %d of size %lld", name,
                                 (long long)b, (long long)e, d, (long long)dim);
        y.dims[d] = dim + b + e;
        if (y.dims[d] > 0 && ((p->mode == PAD_EDGE && dim == 0) ||
                              (p->mode == PAD_REFLECT && (b > dim - 1 || e > dim - 1) && (b > 0 || e > 0))))
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "Pad '%s': %s pads %lld, %lld on axis %d of size %lld are too large",
                                 name, p->mode == PAD_EDGE ? "edge" : "reflect", (long long)b,
                                 (long long)e, d, (long long)dim);
        p->begin[d] = b;
    }
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = y;
    return ONR_STATUS_OK;
}

/* Input position for output position o on an axis of size d, or -1 for
 * the constant. */
static int64_t map_pos(enum pad_mode mode, int64_t o, int64_t begin, int64_t d)
{
    int64_t i = o - begin;
    if (i >= 0 && i < d) return i;
    if (mode == PAD_CONSTANT) return -1;
    if (mode == PAD_EDGE) return i < 0 ? 0 : d - 1;
    return i < 0 ? -i : 2 * (d - 1) - i;
}

/* x: (d0..dr)  y: (d0+b0+e0 ..): rows along the last axis */
static enum onr_status pad_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct pad_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    if (y->nbytes == 0) return ONR_STATUS_OK;
    const int rank = x->shape.rank;
    const size_t elem = onr_dtype_size(x->dtype);
    unsigned char fill[8];
    memcpy(fill, p->fill, sizeof fill);
    if (ctx->n_x > 2 && ctx->x[2] != NULL) memcpy(fill, ctx->x[2]->data, elem);
    if (rank == 0) {
        memcpy(y->data, x->data, elem);
        return ONR_STATUS_OK;
    }
    const int64_t W = x->shape.dims[rank - 1], OW = y->shape.dims[rank - 1];
    const int64_t b = p->begin[rank - 1];
    const int64_t lo = b > 0 ? b : 0, hi = b + W < OW ? b + W : OW; /* copied run [lo, hi) */
    const int64_t rows = onr_shape_numel(&y->shape) / OW;
#pragma omp parallel for num_threads(ctx->threads) schedule(static) if (y->nbytes > 262144)
    for (int64_t r = 0; r < rows; r++) {
        char *yrow = (char *)y->data + (size_t)(r * OW) * elem;
        int64_t rem = r, src = 0, scale = 1;
        bool constant = false;
        for (int d = rank - 2; d >= 0; d--) {
            const int64_t od = y->shape.dims[d];
            const int64_t i = map_pos(p->mode, rem % od, p->begin[d], x->shape.dims[d]);
            rem /= od;
            if (i < 0) constant = true;
            src += i * scale;
            scale *= x->shape.dims[d];
        }
        const char *xrow = constant ? NULL : (const char *)x->data + (size_t)(src * W) * elem;
        for (int64_t j = 0; j < OW; j++) {
            if (!constant && j == lo && hi > lo) {
                memcpy(yrow + (size_t)j * elem, xrow + (size_t)(j - b) * elem, (size_t)(hi - lo) * elem);
                j = hi - 1;
                continue;
            }
            const int64_t i = constant ? -1 : map_pos(p->mode, j, b, W);
            memcpy(yrow + (size_t)j * elem, i < 0 ? (const char *)fill : xrow + (size_t)i * elem, elem);
        }
    }
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_pad = {
    .name = "Pad", .domain = "", .min_opset = 2, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .value_inputs = 1u << 1,
    .init = pad_init, .infer = pad_infer, .prepare = NULL, .run = pad_run,
    .release = NULL, .describe = NULL,
};
