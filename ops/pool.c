/* Pooling on float32, opsets 1..17:
 *
 *   GlobalAveragePool, GlobalMaxPool   X of rank >= 3 (any spatial rank):
 *                                      y (N, C, 1, ...) over each plane
 *   AveragePool  kernel_shape, strides, pads, auto_pad, ceil_mode (10+),
 *                count_include_pad (7+)
 *   MaxPool      the same plus dilations (10+); storage_order is ignored
 *                (it only orders the Indices output)
 *
 * AveragePool and MaxPool take rank-4 X only (2-D pooling); other ranks and
 * MaxPool's Indices output are UNSUPPORTED. kernel_shape, strides and
 * dilations must be >= 1 and pads in [0, kernel extent) (so every window
 * holds an input element), else INVALID_MODEL. ceil_mode follows PyTorch:
 * a last window that would start inside the end padding is dropped.
 * GlobalAveragePool sums with partial sums (pool.h) except under --isa ref,
 * which keeps the in-order oracle. */
#include <stdlib.h>
#include <string.h>

#include "../runtime/cpu.h"
#include "kernels/pool.h"
#include "auto_pad.h"
#include "op.h"

enum pool_kind { POOL_GLOBAL_AVG, POOL_GLOBAL_MAX, POOL_AVG, POOL_MAX };

struct pool_params {
    enum pool_kind kind;
    int64_t kernel[2], strides[2], dilations[2], pads[4];
    int64_t ceil_mode, count_include_pad;
    enum onr_auto_pad auto_pad;
    struct onr_pool_shape shape;        /* set by infer (2-D pools) */
    int64_t planes, plane_size;         /* set by infer (global pools) */
    onr_pool2d_f32_fn kernel_fn;        /* set by prepare (2-D pools) */
    onr_global_pool_f32_fn global_fn;   /* set by prepare (global pools) */
};

/* An ints attribute of exactly `want` values, each >= min; absent: unchanged. */
static enum onr_status read_ints(const struct onr_node *node, const char *name, size_t want,
                                 int64_t min, bool required, int64_t *out, struct onr_error *err)
{
    const int64_t *v;
    size_t n;
    enum onr_status st = onr_node_attr_ints(node, name, &v, &n, err);
    if (st != ONR_STATUS_OK) return st;
    if (v == NULL && required)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': %s is required",
                             node->op_type, node->name, name);
    if (v == NULL) return ONR_STATUS_OK;
    if (n != want)
        return onr_error_set(err, n % (want / 2) == 0 ? ONR_STATUS_UNSUPPORTED
                                                      : ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s has %zu values, expected %zu: only 2-D pooling is "
                             "supported", node->op_type, node->name, name, n, want);
    for (size_t i = 0; i < n; i++) {
        if (v[i] < min)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': %s[%zu] = %lld, expected >= %lld", node->op_type,
                                 node->name, name, i, (long long)v[i], (long long)min);
        out[i] = v[i];
    }
    return ONR_STATUS_OK;
}

static enum onr_status pool_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct pool_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    const char *op = node->op_type;
    p->kind = strcmp(op, "GlobalAveragePool") == 0 ? POOL_GLOBAL_AVG
            : strcmp(op, "GlobalMaxPool") == 0     ? POOL_GLOBAL_MAX
            : strcmp(op, "AveragePool") == 0       ? POOL_AVG
                                                   : POOL_MAX;
    if (p->kind == POOL_GLOBAL_AVG || p->kind == POOL_GLOBAL_MAX) return ONR_STATUS_OK;
    p->strides[0] = p->strides[1] = p->dilations[0] = p->dilations[1] = 1;
    enum onr_status st;
    if ((st = read_ints(node, "kernel_shape", 2, 1, true, p->kernel, err)) ||
        (st = read_ints(node, "strides", 2, 1, false, p->strides, err)) ||
        (st = read_ints(node, "pads", 4, 0, false, p->pads, err)) ||
        (st = onr_read_auto_pad(node, &p->auto_pad, err)) ||
        (st = onr_node_attr_int(node, "ceil_mode", 0, &p->ceil_mode, err)) ||
        (st = onr_node_attr_int(node, "count_include_pad", 0, &p->count_include_pad, err)))
        return st;
    if (p->kind == POOL_MAX && (st = read_ints(node, "dilations", 2, 1, false, p->dilations, err)))
        return st;
    if (p->auto_pad != ONR_AUTO_PAD_NOTSET && (p->pads[0] | p->pads[1] | p->pads[2] | p->pads[3]))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': explicit pads given together with auto_pad", op,
                             node->name);
    for (int i = 0; i < 4; i++) {
        const int64_t ek = (p->kernel[i % 2] - 1) * p->dilations[i % 2] + 1;
        if (p->kernel[i % 2] > INT32_MAX || p->dilations[i % 2] > INT32_MAX || p->pads[i] >= ek)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': pads[%d] = %lld with kernel extent %lld: pads must "
                                 "be smaller than the kernel", op, node->name, i,
                                 (long long)p->pads[i], (long long)ek);
    }
    return ONR_STATUS_OK;
}

/* Output size along one axis; resolves auto_pad into *p0 (begin) and *p1. */
static enum onr_status out_dim(const struct onr_op_ctx *ctx, const struct pool_params *p,
                               int axis, int64_t in, int64_t *p0, int64_t *p1, int64_t *out,
                               struct onr_error *err)
{
    const int64_t s = p->strides[axis], ek = (p->kernel[axis] - 1) * p->dilations[axis] + 1;
    *p0 = p->pads[axis];
    *p1 = p->pads[axis + 2];
    if (p->auto_pad == ONR_AUTO_PAD_SAME_UPPER || p->auto_pad == ONR_AUTO_PAD_SAME_LOWER) {
        const int64_t o = in / s + (in % s != 0);
        int64_t total = (o > 0 ? o - 1 : 0) * s + ek - in;
        if (total < 0) total = 0;
        *p0 = p->auto_pad == ONR_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        *p1 = total - *p0;
        *out = o;
    } else {
        const int64_t span = in + *p0 + *p1 - ek;
        *out = span < 0 ? 0 : span / s + 1;
        if (span >= 0 && p->ceil_mode && span % s != 0) {
            *out += 1;
            if ((*out - 1) * s >= in + *p0) *out -= 1;
        }
    }
    if (*out < 1)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': output %s would be %lld: input %lld + pads %lld,%lld is "
                             "smaller than the kernel extent %lld", ctx->node->op_type,
                             ctx->node->name, axis == 0 ? "height" : "width", (long long)*out,
                             (long long)in, (long long)*p0, (long long)*p1, (long long)ek);
    return ONR_STATUS_OK;
}

static enum onr_status pool_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct pool_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    if (x->dtype != ONR_DTYPE_FLOAT)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': X is %s, only float32 is supported", op, name,
                             onr_dtype_name(x->dtype));
    if (ctx->n_y > 1 && ctx->y[1] != NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': the Indices output is not supported", op, name);
    y->dtype = ONR_DTYPE_FLOAT;
    if (p->kind == POOL_GLOBAL_AVG || p->kind == POOL_GLOBAL_MAX) {
        if (x->shape.rank < 3)
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "%s '%s': X has rank %d, expected >= 3 (N, C, spatial...)", op,
                                 name, x->shape.rank);
        y->shape = x->shape;
        p->plane_size = 1;
        for (int i = 2; i < x->shape.rank; i++) {
            p->plane_size *= x->shape.dims[i];
            y->shape.dims[i] = 1;
        }
        p->planes = x->shape.dims[0] * x->shape.dims[1];
        if (p->plane_size == 0 && p->planes > 0)
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "%s '%s': X has an empty spatial extent", op, name);
        return ONR_STATUS_OK;
    }
    if (x->shape.rank != 4)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': X has rank %d; only 2-D pooling (rank-4 X) is supported",
                             op, name, x->shape.rank);
    const int64_t *d = x->shape.dims;
    struct onr_pool_shape s = {
        .N = d[0], .C = d[1], .H = d[2], .W = d[3], .KH = p->kernel[0], .KW = p->kernel[1],
        .stride_h = p->strides[0], .stride_w = p->strides[1],
        .dil_h = p->dilations[0], .dil_w = p->dilations[1],
        .count_include_pad = p->count_include_pad != 0,
    };
    enum onr_status st;
    if ((st = out_dim(ctx, p, 0, s.H, &s.pad_top, &s.pad_bottom, &s.OH, err)) ||
        (st = out_dim(ctx, p, 1, s.W, &s.pad_left, &s.pad_right, &s.OW, err)))
        return st;
    y->shape.rank = 4;
    y->shape.dims[0] = s.N;
    y->shape.dims[1] = s.C;
    y->shape.dims[2] = s.OH;
    y->shape.dims[3] = s.OW;
    p->shape = s;
    return ONR_STATUS_OK;
}

/* The kernels: the oracles with ctx->reference, else the first entry of the
 * family's table (pool.h) that the CPU's ISA level allows. GlobalMaxPool
 * has only its oracle: a max is exact in any order. */
static enum onr_status pool_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct pool_params *p = ctx->params;
    const enum onr_isa isa = onr_cpu_isa();
    const struct onr_kernel_no_shape none = {0};
    if (p->kind == POOL_AVG)
        p->kernel_fn = ctx->reference ? onr_avgpool2d_f32__ref
                                      : onr_pool2d_pick(onr_avgpool2d_kernels,
                                                        onr_avgpool2d_kernels_count, isa,
                                                        &p->shape)->fn;
    else if (p->kind == POOL_MAX)
        p->kernel_fn = ctx->reference ? onr_maxpool2d_f32__ref
                                      : onr_pool2d_pick(onr_maxpool2d_kernels,
                                                        onr_maxpool2d_kernels_count, isa,
                                                        &p->shape)->fn;
    else if (p->kind == POOL_GLOBAL_AVG)
        p->global_fn = ctx->reference ? onr_global_avgpool_f32__ref
                                      : onr_global_pool_pick(onr_global_avgpool_kernels,
                                                             onr_global_avgpool_kernels_count,
                                                             isa, &none)->fn;
    else
        p->global_fn = onr_global_maxpool_f32__ref;
    ctx->workspace_bytes = 0;
    return ONR_STATUS_OK;
}

static enum onr_status pool_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct pool_params *p = ctx->params;
    const int threads = ctx->reference ? 1 : ctx->threads;
    if (p->kind == POOL_GLOBAL_AVG || p->kind == POOL_GLOBAL_MAX)
        p->global_fn(p->planes, p->plane_size, ctx->x[0]->data, ctx->y[0]->data, threads);
    else
        p->kernel_fn(&p->shape, ctx->x[0]->data, ctx->y[0]->data, threads);
    return ONR_STATUS_OK;
}

#define POOL_DEF(sym, op_name, outputs)                                              \
    const struct onr_op_def onr_op_##sym = {                                         \
        .name = op_name, .domain = "", .min_opset = 1, .max_opset = 17,              \
        .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = outputs, \
        .flags = ONR_OP_FLAG_NONE, .init = pool_init, .infer = pool_infer,           \
        .prepare = pool_prepare, .run = pool_run, .release = NULL, .describe = NULL, \
    }

POOL_DEF(globalaveragepool, "GlobalAveragePool", 1);
POOL_DEF(globalmaxpool, "GlobalMaxPool", 1);
POOL_DEF(averagepool, "AveragePool", 1);
POOL_DEF(maxpool, "MaxPool", 2);
