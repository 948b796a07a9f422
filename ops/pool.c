/* Pooling on float32 (MaxPool also on uint8 and int8 from opset 12, through
 * the reference kernels), opsets 1..17:
 *
 *   GlobalAveragePool, GlobalMaxPool   X of rank >= 3 (any spatial rank):
 *                                      y (N, C, 1, ...) over each plane
 *   AveragePool  kernel_shape, strides, pads, auto_pad, ceil_mode (10+),
 *                count_include_pad (7+)
 *   MaxPool      the same plus dilations (10+) and storage_order (the
 *                order of the optional Indices output, int64)
 *
 * AveragePool and MaxPool take X of rank 3, 4 or 5 (1-D, 2-D, 3-D), the
 * attributes one value per spatial axis (pads two). A 1-D pool runs as
 * the 2-D pool of height 1 on the 2-D kernels; 3-D pools and MaxPool with
 * Indices run the reference kernels of pool3d.h. Rank > 5 is UNSUPPORTED.
 * kernel_shape, strides and dilations must be >= 1, of one length, matching
 * X's rank, and pads in [0, kernel extent) (so every window holds an input
 * element), else INVALID_MODEL. ceil_mode follows PyTorch: a last window
 * that would start inside the end padding is dropped. GlobalAveragePool
 * sums with partial sums (pool.h) except under --isa ref, which keeps the
 * in-order oracle. */
#include <stdlib.h>
#include <string.h>

#include "../runtime/cpu.h"
#include "kernels/pool.h"
#include "kernels/pool3d.h"
#include "auto_pad.h"
#include "op.h"

enum pool_kind { POOL_GLOBAL_AVG, POOL_GLOBAL_MAX, POOL_AVG, POOL_MAX };

struct pool_params {
    enum pool_kind kind;
    /* attributes for `axes` spatial axes (kernel_shape's length); pads all
     * begins, then all ends */
    int64_t kernel[3], strides[3], dilations[3], pads[6];
    int axes;
    int64_t ceil_mode, count_include_pad, storage_order;
    enum onr_auto_pad auto_pad;
    struct onr_pool3d_shape shape3;     /* set by infer (windowed pools, any rank) */
    struct onr_pool_shape shape;        /* set by infer: its 2-D form (rank 3, 4) */
    bool use_3d;                        /* rank 5, or the Indices output wanted */
    int64_t planes, plane_size;         /* set by infer (global pools) */
    onr_pool2d_f32_fn kernel_fn;        /* set by prepare (1-D and 2-D pools) */
    onr_global_pool_f32_fn global_fn;   /* set by prepare (global pools) */
};

/* An ints attribute of per_axis values for each of 1 to 3 spatial axes,
 * each >= min; absent: unchanged. *axes: the axes kernel_shape names (0
 * while it is being read): any other count is INVALID_MODEL. */
static enum onr_status read_ints(const struct onr_node *node, const char *name, int per_axis,
                                 int64_t min, bool required, int *axes, int64_t *out,
                                 struct onr_error *err)
{
    const int64_t *v;
    size_t n;
    enum onr_status st = onr_node_attr_ints(node, name, &v, &n, err);
    if (st != ONR_STATUS_OK) return st;
    if (v == NULL && required)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': %s is required",
                             node->op_type, node->name, name);
    if (v == NULL) return ONR_STATUS_OK;
    if (*axes == 0 && (n < 1 || n > 3))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s has %zu values, expected 1, 2 or 3 (1-D, 2-D or "
                             "3-D pooling)", node->op_type, node->name, name, n);
    if (*axes == 0) *axes = (int)n;
    if (n != (size_t)(*axes * per_axis))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s has %zu values, expected %d (kernel_shape names %d "
                             "spatial axes)", node->op_type, node->name, name, n,
                             *axes * per_axis, *axes);
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
    for (int i = 0; i < 3; i++) p->strides[i] = p->dilations[i] = 1;
    enum onr_status st;
    if ((st = read_ints(node, "kernel_shape", 1, 1, true, &p->axes, p->kernel, err)) ||
        (st = read_ints(node, "strides", 1, 1, false, &p->axes, p->strides, err)) ||
        (st = read_ints(node, "pads", 2, 0, false, &p->axes, p->pads, err)) ||
        (st = onr_read_auto_pad(node, &p->auto_pad, err)) ||
        (st = onr_node_attr_int(node, "ceil_mode", 0, &p->ceil_mode, err)) ||
        (st = onr_node_attr_int(node, "count_include_pad", 0, &p->count_include_pad, err)))
        return st;
    if (p->kind == POOL_MAX &&
        ((st = read_ints(node, "dilations", 1, 1, false, &p->axes, p->dilations, err)) ||
         (st = onr_node_attr_int(node, "storage_order", 0, &p->storage_order, err))))
        return st;
    if (p->storage_order != 0 && p->storage_order != 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': storage_order %lld, expected 0 or 1", op, node->name,
                             (long long)p->storage_order);
    int64_t any_pad = 0;
    for (int i = 0; i < 2 * p->axes; i++) any_pad |= p->pads[i];
    if (p->auto_pad != ONR_AUTO_PAD_NOTSET && any_pad)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': explicit pads given together with auto_pad", op,
                             node->name);
    for (int i = 0; i < 2 * p->axes; i++) {
        const int a = i % p->axes;
        const int64_t ek = (p->kernel[a] - 1) * p->dilations[a] + 1;
        if (p->kernel[a] > INT32_MAX || p->dilations[a] > INT32_MAX || p->pads[i] >= ek)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': pads[%d] = %lld with kernel extent %lld: pads must "
                                 "be smaller than the kernel", op, node->name, i,
                                 (long long)p->pads[i], (long long)ek);
    }
    return ONR_STATUS_OK;
}

/* Output size along spatial axis a of s (s->in, k, stride, dil set);
 * resolves auto_pad into s->pad_begin[a], s->pad_end[a]. */
static enum onr_status out_dim(const struct onr_op_ctx *ctx, const struct pool_params *p,
                               struct onr_pool3d_shape *sh, int a, const char *what,
                               struct onr_error *err)
{
    const int64_t in = sh->in[a], s = sh->stride[a], ek = (sh->k[a] - 1) * sh->dil[a] + 1;
    int64_t *p0 = &sh->pad_begin[a], *p1 = &sh->pad_end[a], *out = &sh->out[a];
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
                             ctx->node->name, what, (long long)*out, (long long)in,
                             (long long)*p0, (long long)*p1, (long long)ek);
    return ONR_STATUS_OK;
}

static enum onr_status pool_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct pool_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    const bool int8 = x->dtype == ONR_DTYPE_UINT8 || x->dtype == ONR_DTYPE_INT8;
    if (x->dtype != ONR_DTYPE_FLOAT && !(int8 && p->kind == POOL_MAX && ctx->opset >= 12))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': X is %s, only float32 is supported (and uint8, int8 by "
                             "MaxPool from opset 12)", op, name, onr_dtype_name(x->dtype));
    struct onr_tensor *indices = ctx->n_y > 1 ? ctx->y[1] : NULL;
    y->dtype = x->dtype;
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
    const int rank = x->shape.rank;
    if (rank < 3 || rank > 5)
        return onr_error_set(err, rank < 3 ? ONR_STATUS_SHAPE_MISMATCH : ONR_STATUS_UNSUPPORTED,
                             "%s '%s': X has rank %d; 1-D, 2-D and 3-D pooling (rank 3 to 5) "
                             "are supported", op, name, rank);
    if (rank - 2 != p->axes)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': kernel_shape has %d values, expected %d (X has rank %d)",
                             op, name, p->axes, rank - 2, rank);
    /* The 3-D form, lower ranks with leading axes of size 1. */
    const int lead = 3 - p->axes;
    struct onr_pool3d_shape s = {
        .N = x->shape.dims[0], .C = x->shape.dims[1],
        .count_include_pad = p->count_include_pad != 0,
    };
    static const char *const what[3] = {"depth", "height", "width"};
    for (int a = 0; a < 3; a++) {
        const int i = a - lead; /* attribute index, < 0 for a leading axis */
        s.in[a] = i < 0 ? 1 : x->shape.dims[2 + i];
        s.k[a] = i < 0 ? 1 : p->kernel[i];
        s.stride[a] = i < 0 ? 1 : p->strides[i];
        s.dil[a] = i < 0 ? 1 : p->dilations[i];
        s.pad_begin[a] = i < 0 ? 0 : p->pads[i];
        s.pad_end[a] = i < 0 ? 0 : p->pads[p->axes + i];
        enum onr_status st = out_dim(ctx, p, &s, a, what[a], err);
        if (st != ONR_STATUS_OK) return st;
    }
    y->shape.rank = rank;
    y->shape.dims[0] = s.N;
    y->shape.dims[1] = s.C;
    for (int i = 0; i < p->axes; i++) y->shape.dims[2 + i] = s.out[lead + i];
    if (indices != NULL) {
        indices->dtype = ONR_DTYPE_INT64;
        indices->shape = y->shape;
    }
    p->shape3 = s;
    p->use_3d = rank == 5 || indices != NULL || int8;
    /* the 2-D form (rank 3: height 1) for the 2-D kernels */
    struct onr_pool_shape s2 = {
        .N = s.N, .C = s.C, .H = s.in[1], .W = s.in[2], .OH = s.out[1], .OW = s.out[2],
        .KH = s.k[1], .KW = s.k[2], .stride_h = s.stride[1], .stride_w = s.stride[2],
        .dil_h = s.dil[1], .dil_w = s.dil[2], .pad_top = s.pad_begin[1],
        .pad_left = s.pad_begin[2], .pad_bottom = s.pad_end[1], .pad_right = s.pad_end[2],
        .count_include_pad = s.count_include_pad,
    };
    p->shape = s2;
    return ONR_STATUS_OK;
}

/* The kernels: the oracles with ctx->reference, else the first entry of the
 * family's table (pool.h) that the CPU's ISA level allows. GlobalMaxPool
 * has only its oracle: a max is exact in any order. 3-D pools and MaxPool
 * with Indices have only their oracles (pool3d.h) so far. */
static enum onr_status pool_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct pool_params *p = ctx->params;
    const enum onr_isa isa = ctx->isa;
    const struct onr_kernel_no_shape none = {0};
    ctx->workspace_bytes = 0;
    if ((p->kind == POOL_AVG || p->kind == POOL_MAX) && p->use_3d) return ONR_STATUS_OK;
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
    return ONR_STATUS_OK;
}

static enum onr_status pool_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct pool_params *p = ctx->params;
    const int threads = ctx->reference ? 1 : ctx->threads;
    if (p->kind == POOL_GLOBAL_AVG || p->kind == POOL_GLOBAL_MAX)
        p->global_fn(p->planes, p->plane_size, ctx->x[0]->data, ctx->y[0]->data, threads);
    else if (p->kind == POOL_MAX && ctx->x[0]->dtype == ONR_DTYPE_UINT8)
        onr_maxpool3d_u8__ref(&p->shape3, ctx->x[0]->data, ctx->y[0]->data,
                              ctx->n_y > 1 && ctx->y[1] != NULL ? ctx->y[1]->data : NULL,
                              (int)p->storage_order, threads);
    else if (p->kind == POOL_MAX && ctx->x[0]->dtype == ONR_DTYPE_INT8)
        onr_maxpool3d_i8__ref(&p->shape3, ctx->x[0]->data, ctx->y[0]->data,
                              ctx->n_y > 1 && ctx->y[1] != NULL ? ctx->y[1]->data : NULL,
                              (int)p->storage_order, threads);
    else if (p->use_3d && p->kind == POOL_MAX)
        onr_maxpool3d_f32__ref(&p->shape3, ctx->x[0]->data, ctx->y[0]->data,
                               ctx->n_y > 1 && ctx->y[1] != NULL ? ctx->y[1]->data : NULL,
                               (int)p->storage_order, threads);
    else if (p->use_3d)
        onr_avgpool3d_f32__ref(&p->shape3, ctx->x[0]->data, ctx->y[0]->data, threads);
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
