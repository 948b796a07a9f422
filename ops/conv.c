/* Conv, opsets 1..17: 2-D float32 convolution (rank-4 X, W; optional B).
 *
 * X of rank 3 (1-D), 4 (2-D) or 5 (3-D), W of X's rank. Attributes:
 * auto_pad (NOTSET, SAME_UPPER, SAME_LOWER, VALID), dilations, group
 * (dense, grouped, depthwise with any channel multiplier), kernel_shape
 * (optional, must match W), pads, strides, each of one value per spatial
 * axis (pads two). Rejected: rank > 5 and non-float types as UNSUPPORTED;
 * strides, dilations or kernel_shape < 1, negative pads, attribute lengths
 * that disagree with each other or with X's rank, explicit pads together
 * with auto_pad, group < 1 or not dividing C and OC as INVALID_MODEL;
 * rank < 3, W's channels not C/group, B not of length OC, or an output
 * size < 1 as SHAPE_MISMATCH.
 *
 * A 1-D Conv (N, C, W) runs as the 2-D Conv (N, C, 1, W) with a 1xK
 * kernel (the same bytes), so it has every 2-D path below and the graph
 * passes' fusions. A 3-D Conv runs onr_conv3d_f32__ref (kernels/conv3d.h),
 * the only 3-D kernel so far, in every mode.
 *
 * prepare picks the 1-D/2-D kernel: the oracle onr_conv2d_f32__ref when
 * ctx->reference is set, the im2col + GEMM path (conv_gemm.c) for group 1
 * with constant W, else the first entry of the kernel table
 * (kernels/conv.h: onr_conv2d_kernels) that the session's ISA level allows
 * and that fits. The attribute and shape code here is shared with the fused
 * and blocked Conv operators (conv_impl.h), which graph passes build in
 * place of a Conv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "conv_impl.h"

/* ---- kernel choice: kernels/conv_table.c holds the table ---- */

static void conv_ref(const struct onr_conv_shape *s, const float *x, const float *w,
                     const float *b, const struct onr_activation *act, float *y, int threads)
{
    onr_conv2d_f32__ref(s, x, w, b, act, y);
}

/* ---- init: attributes ---- */

/* Reads an ints attribute of per_axis values per spatial axis (1 to 3
 * axes) into out, each >= min; leaves out alone when absent. *axes is the
 * number of axes the attributes read so far name (0: none): a count that
 * disagrees with it is INVALID_MODEL. */
static enum onr_status read_ints(const struct onr_node *node, const char *op, const char *prefix,
                                 const char *attr, size_t per_axis, int64_t min, int64_t *out,
                                 bool *present, int *axes, struct onr_error *err)
{
    char name[64];
    snprintf(name, sizeof name, "%s%s", prefix, attr);
    const int64_t *v;
    size_t n;
    enum onr_status st = onr_node_attr_ints(node, name, &v, &n, err);
    if (st != ONR_STATUS_OK) return st;
    if (present != NULL) *present = v != NULL;
    if (v == NULL) return ONR_STATUS_OK;
    if (n == 0 || n % per_axis != 0 || n / per_axis > 3)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s has %zu values, expected %zu, %zu or %zu (1-D, 2-D "
                             "or 3-D convolution)", op, node->name, name, n, per_axis,
                             2 * per_axis, 3 * per_axis);
    if (*axes != 0 && (size_t)*axes != n / per_axis)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s has %zu values, expected %zu: the other attributes "
                             "name %d spatial axes", op, node->name, name, n,
                             (size_t)*axes * per_axis, *axes);
    *axes = (int)(n / per_axis);
    for (size_t i = 0; i < n; i++) {
        if (v[i] < min)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': %s[%zu] = %lld, expected >= %lld", op, node->name,
                                 name, i, (long long)v[i], (long long)min);
        out[i] = v[i];
    }
    return ONR_STATUS_OK;
}

void onr_conv_params_defaults(struct conv_params *p)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < 3; i++) p->a_strides[i] = p->a_dilations[i] = 1;
    p->strides[0] = p->strides[1] = p->dilations[0] = p->dilations[1] = 1;
    p->group = 1;
    p->act.kind = ONR_ACT_NONE;
}

enum onr_status onr_conv_read_attrs(const struct onr_node *node, const char *op, const char *prefix,
                                    struct conv_params *p, struct onr_error *err)
{
    char auto_pad[64], group[64];
    snprintf(auto_pad, sizeof auto_pad, "%sauto_pad", prefix);
    snprintf(group, sizeof group, "%sgroup", prefix);
    bool has_pads;
    int *axes = &p->attr_axes;
    enum onr_status st;
    if ((st = read_ints(node, op, prefix, "kernel_shape", 1, 1, p->a_kernel, &p->has_kernel, axes,
                        err)) ||
        (st = read_ints(node, op, prefix, "strides", 1, 1, p->a_strides, NULL, axes, err)) ||
        (st = read_ints(node, op, prefix, "dilations", 1, 1, p->a_dilations, NULL, axes, err)) ||
        (st = read_ints(node, op, prefix, "pads", 2, 0, p->a_pads, &has_pads, axes, err)) ||
        (st = onr_read_auto_pad_named(node, auto_pad, &p->auto_pad, err)) ||
        (st = onr_node_attr_int(node, group, 1, &p->group, err)))
        return st;
    if (p->group < 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s %lld, expected >= 1", op, node->name, group,
                             (long long)p->group);
    int64_t any_pad = 0;
    for (int i = 0; i < 6; i++) any_pad |= p->a_pads[i];
    if (p->auto_pad != ONR_AUTO_PAD_NOTSET && any_pad)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': explicit pads given together with auto_pad", op,
                             node->name);
    return ONR_STATUS_OK;
}

static enum onr_status conv_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Conv '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    onr_conv_params_defaults(p);
    return onr_conv_read_attrs(ctx->node, "Conv", "", p, err);
}

/* ---- infer: shapes ---- */

/* Output size along one axis; resolves auto_pad into *p0 (begin), *p1. */
static enum onr_status out_dim(const struct onr_node *node, const char *op,
                               const struct conv_params *p, const char *what, int64_t in,
                               int64_t k, int64_t s, int64_t d, int64_t *p0, int64_t *p1,
                               int64_t *out, struct onr_error *err)
{
    int64_t ek, padded;
    if (onr_mul_overflow_i64(k - 1, d, &ek) || ek == INT64_MAX) goto overflow;
    ek += 1; /* extent of the dilated kernel */
    if (p->auto_pad == ONR_AUTO_PAD_SAME_UPPER || p->auto_pad == ONR_AUTO_PAD_SAME_LOWER) {
        int64_t o = in / s + (in % s != 0), total;
        if (__builtin_add_overflow((o > 0 ? o - 1 : 0) * s, ek, &total)) goto overflow;
        total = total > in ? total - in : 0;
        *p0 = p->auto_pad == ONR_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        *p1 = total - *p0;
    }
    if (__builtin_add_overflow(in, *p0, &padded) ||
        __builtin_add_overflow(padded, *p1, &padded))
        goto overflow;
    *out = padded >= ek ? (padded - ek) / s + 1 : 0;
    if (*out < 1)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': output %s would be %lld: input %lld + pads %lld,%lld "
                             "is smaller than the kernel extent %lld", op, node->name, what,
                             (long long)*out, (long long)in, (long long)*p0, (long long)*p1,
                             (long long)ek);
    return ONR_STATUS_OK;
overflow:
    return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                         "%s '%s': kernel, dilation or pads along the %s overflow", op,
                         node->name, what);
}

/* Ranks, dtypes and the channel agreement of X, W and B. */
static enum onr_status check_inputs(const char *name, const char *op, const struct conv_params *p,
                                    const struct onr_tensor *x, const struct onr_tensor *w,
                                    const struct onr_tensor *b, struct onr_error *err)
{
    char buf[96];
    const int rank = x->shape.rank;
    if (rank < 3)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': X has rank %d, expected 3, 4 or 5 (N, C, spatial...)",
                             op, name, rank);
    if (rank > 5)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': X has rank %d; only 1-D, 2-D and 3-D convolution "
                             "(rank 3 to 5) is supported", op, name, rank);
    if (x->dtype != ONR_DTYPE_FLOAT || w->dtype != ONR_DTYPE_FLOAT ||
        (b != NULL && b->dtype != ONR_DTYPE_FLOAT))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': only float32 is supported", op, name);
    if (p->attr_axes != 0 && p->attr_axes != rank - 2)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': the attributes name %d spatial axes, X (rank %d) has %d",
                             op, name, p->attr_axes, rank, rank - 2);
    onr_shape_format(&w->shape, buf, sizeof buf);
    if (w->shape.rank != rank)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': W has shape %s, expected rank %d (X's)", op, name, buf,
                             rank);
    const int64_t C = x->shape.dims[1], OC = w->shape.dims[0];
    if (C % p->group != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': group %lld does not divide C=%lld", op, name,
                             (long long)p->group, (long long)C);
    if (OC % p->group != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': group %lld does not divide the output channels %lld",
                             op, name, (long long)p->group, (long long)OC);
    if (w->shape.dims[1] != C / p->group)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': W has shape %s, expected %lld channels per group "
                             "(C=%lld / group %lld)", op, name, buf, (long long)(C / p->group),
                             (long long)C, (long long)p->group);
    for (int i = 0; p->has_kernel && i < rank - 2; i++)
        if (p->a_kernel[i] != w->shape.dims[2 + i])
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': kernel_shape[%d] = %lld does not match W's shape %s",
                                 op, name, i, (long long)p->a_kernel[i], buf);
    for (int i = 2; i < rank; i++)
        if (w->shape.dims[i] < 1)
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "%s '%s': W has shape %s, an empty kernel", op, name, buf);
    if (b != NULL && (b->shape.rank != 1 || b->shape.dims[0] != OC)) {
        onr_shape_format(&b->shape, buf, sizeof buf);
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': B has shape %s, expected %lld", op, name, buf,
                             (long long)OC);
    }
    return ONR_STATUS_OK;
}

/* A rank-5 Conv: the 3-D shape for the reference kernel. */
static enum onr_status infer_3d(const struct onr_node *node, const char *op,
                                struct conv_params *p, const struct onr_tensor *x,
                                const struct onr_tensor *w, struct onr_tensor *y,
                                struct onr_error *err)
{
    static const char *const what[3] = {"depth", "height", "width"};
    struct onr_conv3d_shape s = {
        .N = x->shape.dims[0], .C = x->shape.dims[1], .OC = w->shape.dims[0], .group = p->group,
    };
    for (int a = 0; a < 3; a++) {
        s.in[a] = x->shape.dims[2 + a];
        s.k[a] = w->shape.dims[2 + a];
        s.stride[a] = p->a_strides[a];
        s.dil[a] = p->a_dilations[a];
        s.pad_begin[a] = p->a_pads[a];
        s.pad_end[a] = p->a_pads[3 + a];
        enum onr_status st = out_dim(node, op, p, what[a], s.in[a], s.k[a], s.stride[a],
                                     s.dil[a], &s.pad_begin[a], &s.pad_end[a], &s.out[a], err);
        if (st != ONR_STATUS_OK) return st;
    }
    y->shape.rank = 5;
    y->shape.dims[0] = s.N;
    y->shape.dims[1] = s.OC;
    for (int a = 0; a < 3; a++) y->shape.dims[2 + a] = s.out[a];
    p->shape3 = s;
    memset(&p->shape, 0, sizeof p->shape);
    return ONR_STATUS_OK;
}

enum onr_status onr_conv_infer_shape(const struct onr_node *node, const char *op,
                                     struct conv_params *p, const struct onr_tensor *x,
                                     const struct onr_tensor *w, const struct onr_tensor *b,
                                     struct onr_tensor *y, struct onr_error *err)
{
    p->shaped = false;
    enum onr_status st = check_inputs(node->name, op, p, x, w, b, err);
    if (st != ONR_STATUS_OK) return st;
    p->spatial = x->shape.rank - 2;
    y->dtype = ONR_DTYPE_FLOAT;
    if (p->spatial == 3) {
        if ((st = infer_3d(node, op, p, x, w, y, err)) != ONR_STATUS_OK) return st;
    } else {
        /* A 1-D Conv is a 2-D Conv of height 1 (kernel height 1, no
         * vertical stride, dilation or pads): the same memory layout, so
         * every 2-D kernel and graph pass applies to it. */
        const bool one = p->spatial == 1;
        p->kernel[0] = one ? 1 : p->a_kernel[0];
        p->kernel[1] = p->a_kernel[one ? 0 : 1];
        p->strides[0] = one ? 1 : p->a_strides[0];
        p->strides[1] = p->a_strides[one ? 0 : 1];
        p->dilations[0] = one ? 1 : p->a_dilations[0];
        p->dilations[1] = p->a_dilations[one ? 0 : 1];
        p->pads[0] = one ? 0 : p->a_pads[0];
        p->pads[1] = p->a_pads[one ? 0 : 1];
        p->pads[2] = one ? 0 : p->a_pads[2];
        p->pads[3] = p->a_pads[one ? 1 : 3];
        const int64_t *xd = x->shape.dims, *wd = w->shape.dims;
        struct onr_conv_shape s = {
            .N = xd[0], .C = xd[1], .H = one ? 1 : xd[2], .W = xd[one ? 2 : 3], .OC = wd[0],
            .KH = one ? 1 : wd[2], .KW = wd[one ? 2 : 3],
            .stride_h = p->strides[0], .stride_w = p->strides[1],
            .dil_h = p->dilations[0], .dil_w = p->dilations[1], .group = p->group,
            .pad_top = p->pads[0], .pad_left = p->pads[1], .pad_bottom = p->pads[2],
            .pad_right = p->pads[3],
        };
        if ((st = out_dim(node, op, p, "height", s.H, s.KH, s.stride_h, s.dil_h, &s.pad_top,
                          &s.pad_bottom, &s.OH, err)) ||
            (st = out_dim(node, op, p, "width", s.W, s.KW, s.stride_w, s.dil_w, &s.pad_left,
                          &s.pad_right, &s.OW, err)))
            return st;
        y->shape.rank = x->shape.rank;
        y->shape.dims[0] = s.N;
        y->shape.dims[1] = s.OC;
        if (one) {
            y->shape.dims[2] = s.OW;
        } else {
            y->shape.dims[2] = s.OH;
            y->shape.dims[3] = s.OW;
        }
        p->shape = s;
    }
    if ((st = onr_shape_check(&y->shape, y->dtype, NULL, err)) != ONR_STATUS_OK) {
        onr_error_prefix(err, "%s '%s': output", op, node->name);
        return st;
    }
    p->shaped = true;
    return ONR_STATUS_OK;
}

static enum onr_status conv_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    return onr_conv_infer_shape(ctx->node, "Conv", ctx->params, ctx->x[0], ctx->x[1],
                                ctx->n_x > 2 ? ctx->x[2] : NULL, ctx->y[0], err);
}

/* ---- prepare, run ---- */

void onr_conv_params_clear(struct conv_params *p)
{
    onr_aligned_free(p->gemm.packed_w);
    onr_aligned_free(p->blk.w);
    onr_aligned_free(p->blk.b);
    memset(&p->gemm, 0, sizeof p->gemm);
    memset(&p->blk, 0, sizeof p->blk);
    p->kernel_fn = NULL;
    p->kernel_name = NULL;
}

void onr_conv_params_free(void *params)
{
    struct conv_params *p = params;
    if (p == NULL) return;
    onr_conv_params_clear(p);
    free(p);
}

enum onr_status onr_conv_prepare_plain(struct onr_op_ctx *ctx, struct conv_params *p,
                                       struct onr_error *err)
{
    if (!p->shaped)
        return onr_error_set(err, ONR_STATUS_INTERNAL, "%s '%s': prepare before infer",
                             ctx->node->op_type, ctx->node->name);
    ctx->workspace_bytes = 0;
    onr_conv_params_clear(p);
    if (p->spatial == 3) {
        /* no fast 3-D kernel yet: the reference loop, threaded */
        p->kernel_name = "conv3d__ref";
        return ONR_STATUS_OK;
    }
    if (ctx->reference) {
        p->kernel_fn = conv_ref;
        p->kernel_name = "conv2d__ref";
        return ONR_STATUS_OK;
    }
    if (p->shape.group == 1 && ctx->x[1]->data != NULL &&
        !onr_conv2d_direct_beats_gemm(&p->shape, ctx->isa))
        return onr_conv_gemm_prepare(ctx, p, err);
    const struct onr_conv2d_kernel *k =
        onr_conv2d_pick(onr_conv2d_kernels, onr_conv2d_kernels_count, ctx->isa, &p->shape);
    p->kernel_fn = k->fn;
    p->kernel_name = k->name;
    return ONR_STATUS_OK;
}

static enum onr_status conv_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    return onr_conv_prepare_plain(ctx, ctx->params, err);
}

void onr_conv_run_plain(const struct onr_op_ctx *ctx, const struct conv_params *p,
                        const float *r)
{
    if (p->gemm.fn != NULL) {
        onr_conv_gemm_run(ctx, p, r);
        return;
    }
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    if (p->spatial == 3) {
        const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
        onr_conv3d_f32__ref(&p->shape3, ctx->x[0]->data, ctx->x[1]->data,
                            b != NULL ? b->data : NULL, r != NULL ? &none : &p->act,
                            ctx->y[0]->data, ctx->reference ? 1 : ctx->threads);
        if (r == NULL) return;
    } else if (r == NULL) {
        p->kernel_fn(&p->shape, ctx->x[0]->data, ctx->x[1]->data, b != NULL ? b->data : NULL,
                     &p->act, ctx->y[0]->data, ctx->threads);
        return;
    }
    /* Kernels without a residual input: conv + bias, then + r, then act. */
    const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
    if (p->spatial != 3)
        p->kernel_fn(&p->shape, ctx->x[0]->data, ctx->x[1]->data, b != NULL ? b->data : NULL,
                     &none, ctx->y[0]->data, ctx->threads);
    float *y = ctx->y[0]->data;
    const int64_t n = onr_shape_numel(&ctx->y[0]->shape);
#pragma omp parallel for num_threads(ctx->threads) schedule(static) if (n >= 65536)
    for (int64_t i = 0; i < n; i++) y[i] = onr_activation_apply(&p->act, y[i] + r[i]);
}

static enum onr_status conv_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    onr_conv_run_plain(ctx, ctx->params, NULL);
    return ONR_STATUS_OK;
}

/* ---- --info ---- */

const struct onr_conv_shape *onr_conv_get_shape(const void *conv_params)
{
    const struct conv_params *p = conv_params;
    return p != NULL && p->shaped && p->spatial != 3 ? &p->shape : NULL;
}

const char *onr_conv_act_suffix(enum onr_activation_kind kind)
{
    switch (kind) {
    case ONR_ACT_NONE: return "";
    case ONR_ACT_RELU: return " +relu";
    case ONR_ACT_CLIP: return " +clip";
    case ONR_ACT_HARDSIGMOID: return " +hardsigmoid";
    case ONR_ACT_HARDSWISH: return " +hardswish";
    case ONR_ACT_SIGMOID: return " +sigmoid";
    case ONR_ACT_SILU: return " +silu";
    }
    return " +?";
}

int64_t onr_conv_macs(const struct onr_conv_shape *s)
{
    int64_t m = s->N;
    const int64_t f[] = {s->OC, s->OH, s->OW, s->C / s->group, s->KH, s->KW};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (onr_mul_overflow_i64(m, f[i], &m)) m = INT64_MAX;
    return m;
}

void onr_conv_describe_params(const struct conv_params *p, char *buf, size_t size,
                              int64_t *macs)
{
    if (macs != NULL) *macs = 0;
    if (p == NULL || !p->shaped) {
        if (size) buf[0] = '\0';
        return;
    }
    if (p->spatial == 3) {
        const struct onr_conv3d_shape *t = &p->shape3;
        snprintf(buf, size, "k=%lldx%lldx%lld s=%lldx%lldx%lld p=%lld,%lld,%lld,%lld,%lld,%lld "
                 "d=%lldx%lldx%lld g=%lld%s%s%s%s", (long long)t->k[0], (long long)t->k[1],
                 (long long)t->k[2], (long long)t->stride[0], (long long)t->stride[1],
                 (long long)t->stride[2], (long long)t->pad_begin[0], (long long)t->pad_begin[1],
                 (long long)t->pad_begin[2], (long long)t->pad_end[0], (long long)t->pad_end[1],
                 (long long)t->pad_end[2], (long long)t->dil[0], (long long)t->dil[1],
                 (long long)t->dil[2], (long long)t->group, p->residual ? " +add" : "",
                 onr_conv_act_suffix(p->act.kind), p->kernel_name ? " " : "",
                 p->kernel_name ? p->kernel_name : "");
        if (macs != NULL) {
            int64_t m = t->N;
            const int64_t f[] = {t->OC, t->out[0], t->out[1], t->out[2], t->C / t->group,
                                 t->k[0], t->k[1], t->k[2]};
            for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
                if (onr_mul_overflow_i64(m, f[i], &m)) m = INT64_MAX;
            *macs = m;
        }
        return;
    }
    const struct onr_conv_shape *s = &p->shape;
    snprintf(buf, size, "k=%lldx%lld s=%lldx%lld p=%lld,%lld,%lld,%lld d=%lldx%lld g=%lld%s%s%s%s",
             (long long)s->KH, (long long)s->KW, (long long)s->stride_h,
             (long long)s->stride_w, (long long)s->pad_top, (long long)s->pad_left,
             (long long)s->pad_bottom, (long long)s->pad_right, (long long)s->dil_h,
             (long long)s->dil_w, (long long)s->group, p->residual ? " +add" : "",
             onr_conv_act_suffix(p->act.kind),
             p->kernel_name ? " " : "", p->kernel_name ? p->kernel_name : "");
    if (macs != NULL) *macs = onr_conv_macs(s);
}

static void conv_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    onr_conv_describe_params(ctx->params, buf, size, macs);
}

const struct onr_op_def onr_op_conv = {
    .name = "Conv", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = conv_init, .infer = conv_infer, .prepare = conv_prepare, .run = conv_run,
    .release = onr_conv_params_free, .describe = conv_describe,
};
