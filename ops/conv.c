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
 * passes' fusions. A 3-D Conv takes the paths of conv3d.c (direct
 * depthwise, im2col + GEMM, the reference).
 *
 * prepare picks the 1-D/2-D kernel: the oracle onr_conv2d_f32__ref when
 * ctx->reference is set, Winograd F(2x2, 3x3) (conv_winograd.c) for the
 * group-1 3x3 stride-1 shapes with constant W its table takes, the
 * im2col + GEMM path (conv_gemm.c) for other group-1 Convs with constant
 * W, else the first entry of the kernel table
 * (kernels/conv.h: onr_conv2d_kernels) that the session's ISA level allows
 * and that fits. The attribute code here and the shape code of conv_shape.c
 * are shared with the fused and blocked Conv operators (conv_impl.h),
 * which graph passes build in place of a Conv. */
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

/* ---- infer: shapes (conv_shape.c) ---- */

static enum onr_status conv_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    return onr_conv_infer_shape(ctx->node, "Conv", ctx->params, ctx->x[0], ctx->x[1],
                                ctx->n_x > 2 ? ctx->x[2] : NULL, ctx->y[0], err);
}

/* ---- prepare, run ---- */

void onr_conv_params_clear(struct conv_params *p)
{
    onr_aligned_free(p->gemm.packed_w);
    onr_aligned_free(p->wino.u);
    onr_aligned_free(p->blk.w);
    onr_aligned_free(p->blk.b);
    memset(&p->gemm, 0, sizeof p->gemm);
    memset(&p->wino, 0, sizeof p->wino);
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
    if (p->spatial == 3) return onr_conv3d_prepare(ctx, p, err);
    if (ctx->reference) {
        p->kernel_fn = conv_ref;
        p->kernel_name = "conv2d__ref";
        return ONR_STATUS_OK;
    }
    if (onr_conv_winograd_takes(ctx, p)) return onr_conv_winograd_prepare(ctx, p, err);
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
    if (p->spatial == 3) {
        onr_conv3d_run(ctx, p, r);
        return;
    }
    if (p->gemm.fn != NULL) {
        onr_conv_gemm_run(ctx, p, r);
        return;
    }
    if (p->wino.fn != NULL) {
        onr_conv_winograd_run(ctx, p, r);
        return;
    }
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    if (r == NULL) {
        p->kernel_fn(&p->shape, ctx->x[0]->data, ctx->x[1]->data, b != NULL ? b->data : NULL,
                     &p->act, ctx->y[0]->data, ctx->threads);
        return;
    }
    /* Kernels without a residual input: conv + bias, then + r, then act. */
    const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
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
