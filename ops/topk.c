/* TopK 1..17: the k largest (or, from opset 11 with largest=0, smallest)
 * elements along `axis` (default -1) with their int64 indices, in order
 * (sorted=0 is allowed and gives the same sorted order). Opset 1 takes k as
 * an attribute; from 10 it is a one-element int64 input that must be known
 * when the session is prepared. Equal values keep index order (the lower
 * index first, as the spec asks); a NaN counts as larger than any number.
 * Inputs: float32, float64, int32, int64; others UNSUPPORTED. k < 0 or
 * larger than the axis is INVALID_MODEL.
 *
 * Each slice along the axis is one thread's: its (value, index) pairs are
 * sorted in that thread's part of the workspace, so any thread count gives
 * the same result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "shape_util.h"

struct topk_params {
    int64_t axis, k, largest, sorted;
    int64_t outer, len, inner;    /* set by infer */
    enum onr_dtype dtype;
};

struct topk_pair {
    double f;         /* float32, float64, int32 keys */
    int64_t i;        /* int64 keys */
    int64_t index;
};

static enum onr_status topk_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct topk_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "TopK '%s': out of memory", node->name);
    ctx->params = p;
    enum onr_status st;
    if ((st = onr_node_attr_int(node, "axis", -1, &p->axis, err)) ||
        (st = onr_node_attr_int(node, "largest", 1, &p->largest, err)) ||
        (st = onr_node_attr_int(node, "sorted", 1, &p->sorted, err)))
        return st;
    if (ctx->opset < 10) {
        if (onr_node_attr(node, "k") == NULL)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "TopK '%s': attribute k is required before opset 10", node->name);
        if ((st = onr_node_attr_int(node, "k", 0, &p->k, err))) return st;
    }
    return ONR_STATUS_OK;
}

static enum onr_status topk_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct topk_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *name = ctx->node->name;
    if (x->dtype != ONR_DTYPE_FLOAT && x->dtype != ONR_DTYPE_DOUBLE &&
        x->dtype != ONR_DTYPE_INT32 && x->dtype != ONR_DTYPE_INT64)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "TopK '%s': X is %s, only float32, float64, int32 and int64 are "
                             "supported", name, onr_dtype_name(x->dtype));
    if (ctx->opset >= 10) {
        if (ctx->n_x < 2 || ctx->x[1] == NULL)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "TopK '%s': input K is missing",
                                 name);
        int n;
        enum onr_status st = onr_op_const_ints(ctx, 1, "K", &p->k, 1, &n, err);
        if (st != ONR_STATUS_OK) return st;
        if (n != 1)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "TopK '%s': K has %d values, expected 1", name, n);
    }
    const int rank = x->shape.rank;
    const int64_t axis = p->axis < 0 ? p->axis + rank : p->axis;
    if (axis < 0 || axis >= rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "TopK '%s': axis %lld is out of range for rank %d", name,
                             (long long)p->axis, rank);
    p->len = x->shape.dims[axis];
    if (p->k < 0 || p->k > p->len)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "TopK '%s': k = %lld, expected 0..%lld (the axis size)", name,
                             (long long)p->k, (long long)p->len);
    p->outer = p->inner = 1;
    for (int i = 0; i < rank; i++) {
        if (i < axis) p->outer *= x->shape.dims[i];
        if (i > axis) p->inner *= x->shape.dims[i];
    }
    p->dtype = x->dtype;
    for (int k = 0; k < 2 && k < ctx->n_y; k++) { /* Indices may be left out */
        struct onr_tensor *y = ctx->y[k];
        if (y == NULL) continue;
        y->dtype = k ? ONR_DTYPE_INT64 : x->dtype;
        y->shape = x->shape;
        y->shape.dims[axis] = p->k;
    }
    return ONR_STATUS_OK;
}

static enum onr_status topk_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct topk_params *p = ctx->params;
    size_t bytes;
    const int threads = ctx->reference ? 1 : ctx->threads;
    if (onr_mul_overflow_size((size_t)p->len * (size_t)threads, sizeof(struct topk_pair), &bytes))
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "TopK '%s': workspace too large",
                             ctx->node->name);
    ctx->workspace_bytes = bytes;
    return ONR_STATUS_OK;
}

/* Orders pairs best first: larger (or smaller) key, NaN as the largest,
 * then the lower index. */
static int cmp_f_large(const void *a, const void *b)
{
    const struct topk_pair *u = a, *v = b;
    const bool un = isnan(u->f), vn = isnan(v->f);
    if (un != vn) return un ? -1 : 1;
    if (!un && u->f != v->f) return u->f > v->f ? -1 : 1;
    return u->index < v->index ? -1 : (u->index > v->index);
}

static int cmp_f_small(const void *a, const void *b)
{
    const struct topk_pair *u = a, *v = b;
    const bool un = isnan(u->f), vn = isnan(v->f);
    if (un != vn) return un ? 1 : -1;
    if (!un && u->f != v->f) return u->f < v->f ? -1 : 1;
    return u->index < v->index ? -1 : (u->index > v->index);
}

static int cmp_i_large(const void *a, const void *b)
{
    const struct topk_pair *u = a, *v = b;
    if (u->i != v->i) return u->i > v->i ? -1 : 1;
    return u->index < v->index ? -1 : (u->index > v->index);
}

static int cmp_i_small(const void *a, const void *b)
{
    const struct topk_pair *u = a, *v = b;
    if (u->i != v->i) return u->i < v->i ? -1 : 1;
    return u->index < v->index ? -1 : (u->index > v->index);
}

static double key_f(enum onr_dtype t, const void *x, int64_t i)
{
    if (t == ONR_DTYPE_FLOAT) return ((const float *)x)[i];
    if (t == ONR_DTYPE_DOUBLE) return ((const double *)x)[i];
    return ((const int32_t *)x)[i];
}

static enum onr_status topk_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct topk_params *p = ctx->params;
    const int64_t slices = p->outer * p->inner;
    if (slices == 0 || p->k == 0) return ONR_STATUS_OK;
    const int threads = ctx->reference ? 1 : ctx->threads;
    const bool ints = p->dtype == ONR_DTYPE_INT64;
    int (*cmp)(const void *, const void *) =
        ints ? (p->largest ? cmp_i_large : cmp_i_small) : (p->largest ? cmp_f_large : cmp_f_small);
    const size_t elem = onr_dtype_size(p->dtype);
    const char *x = ctx->x[0]->data;
    char *values = ctx->y[0] ? ctx->y[0]->data : NULL;
    int64_t *indices = ctx->n_y > 1 && ctx->y[1] ? ctx->y[1]->data : NULL;
    struct topk_pair *ws = ctx->workspace;
#pragma omp parallel num_threads(threads) if (threads > 1 && slices > 1 && slices * p->len >= 16384)
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        struct topk_pair *pairs = ws + (size_t)t * (size_t)p->len;
#pragma omp for schedule(static)
        for (int64_t s = 0; s < slices; s++) {
            const int64_t o = s / p->inner, in = s % p->inner;
            const int64_t xbase = o * p->len * p->inner + in, ybase = o * p->k * p->inner + in;
            for (int64_t j = 0; j < p->len; j++) {
                const int64_t xi = xbase + j * p->inner;
                pairs[j].index = j;
                if (ints) pairs[j].i = ((const int64_t *)(const void *)x)[xi];
                else pairs[j].f = key_f(p->dtype, x, xi);
            }
            qsort(pairs, (size_t)p->len, sizeof *pairs, cmp);
            for (int64_t j = 0; j < p->k; j++) {
                const int64_t yi = ybase + j * p->inner;
                if (values)
                    memcpy(values + (size_t)yi * elem,
                           x + (size_t)(xbase + pairs[j].index * p->inner) * elem, elem);
                if (indices) indices[yi] = pairs[j].index;
            }
        }
    }
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_topk_attr = {
    .name = "TopK", .domain = "", .min_opset = 1, .max_opset = 9,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 2,
    .flags = ONR_OP_FLAG_NONE, .init = topk_init, .infer = topk_infer,
    .prepare = topk_prepare, .run = topk_run, .release = NULL, .describe = NULL,
};

const struct onr_op_def onr_op_topk = {
    .name = "TopK", .domain = "", .min_opset = 10, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 2,
    .flags = ONR_OP_FLAG_NONE, .value_inputs = 1u << 1, .init = topk_init, .infer = topk_infer,
    .prepare = topk_prepare, .run = topk_run, .release = NULL, .describe = NULL,
};
