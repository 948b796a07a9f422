/* onnxrun.fused:DepthwisePointwise (internal, opset 1); see fused_dwpw.h
 * for its inputs and attributes. Each part is a Conv of its own
 * (conv_impl.h: attributes and shapes); the kernel is onr_dwpw_f32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/cpu.h"
#include "conv_impl.h"
#include "fused_dwpw.h"
#include "kernels/dwpw.h"

struct dwpw_params {
    struct conv_params d, p;      /* depthwise, pointwise */
    struct onr_dwpw_shape shape;
    const struct onr_dwpw_fns *fns;
    char name[48];                /* the kernel, for --info */
};

static const struct onr_tensor *input(const struct onr_op_ctx *ctx, int k)
{
    return ctx->n_x > k ? ctx->x[k] : NULL;
}

static bool is_depthwise(const struct conv_params *d)
{
    const struct onr_conv_shape *s = &d->shape;
    return d->shaped && d->spatial <= 2 && !d->residual && s->group == s->C && s->OC == s->C;
}

static bool is_pointwise(const struct conv_params *p)
{
    const struct onr_conv_shape *s = &p->shape;
    return p->shaped && p->spatial <= 2 && s->KH == 1 && s->KW == 1 && s->stride_h == 1 &&
           s->stride_w == 1 && s->pad_top == 0 && s->pad_left == 0 && s->pad_bottom == 0 &&
           s->pad_right == 0 && s->group == 1;
}

static bool pair_fits(const struct conv_params *d, const struct conv_params *p)
{
    if (!is_depthwise(d) || !is_pointwise(p)) return false;
    const struct onr_conv_shape *ds = &d->shape, *ps = &p->shape;
    const struct onr_dwpw_shape s = {.dw = *ds, .OC = ps->OC};
    return ps->N == ds->N && ps->C == ds->OC && ps->H == ds->OH && ps->W == ds->OW &&
           onr_dwpw_fits(&s);
}

/* The params of an inferred plain Conv node with constant W and B. */
static const struct conv_params *plain_conv(const struct onr_op_ctx *ctx)
{
    if (ctx == NULL || ctx->node == NULL || strcmp(ctx->node->op_type, "Conv") != 0 ||
        (ctx->node->domain[0] != '\0' && strcmp(ctx->node->domain, ONR_DOMAIN_FUSED) != 0))
        return NULL;
    const struct onr_tensor *w = input(ctx, 1), *b = input(ctx, 2);
    if (w == NULL || w->data == NULL || (b != NULL && b->data == NULL) ||
        w->dtype != ONR_DTYPE_FLOAT)
        return NULL;
    return ctx->params;
}

bool onr_fused_dwpw_fits(const struct onr_op_ctx *dw, const struct onr_op_ctx *pw)
{
    const struct conv_params *d = plain_conv(dw), *p = plain_conv(pw);
    return d != NULL && p != NULL && pair_fits(d, p);
}

static enum onr_status dwpw_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct dwpw_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "DepthwisePointwise '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    static const char *const prefix[2] = {"", "pointwise_"};
    struct conv_params *part[2] = {&p->d, &p->p};
    enum onr_status st = ONR_STATUS_OK;
    for (int i = 0; i < 2 && st == ONR_STATUS_OK; i++) {
        onr_conv_params_defaults(part[i]);
        st = onr_conv_read_attrs(ctx->node, "DepthwisePointwise", prefix[i], part[i], err);
        if (st == ONR_STATUS_OK) st = onr_activation_read_attrs(ctx->node, prefix[i], &part[i]->act, err);
    }
    return st;
}

static enum onr_status dwpw_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct dwpw_params *p = ctx->params;
    const char *op = "DepthwisePointwise";
    if (input(ctx, ONR_DWPW_WP) == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': no pointwise W (input %d)",
                             op, ctx->node->name, ONR_DWPW_WP);
    struct onr_tensor t = {0};
    enum onr_status st = onr_conv_infer_shape(ctx->node, op, &p->d, ctx->x[ONR_DWPW_X],
                                              ctx->x[ONR_DWPW_WD], input(ctx, ONR_DWPW_BD), &t,
                                              err);
    if (st == ONR_STATUS_OK)
        st = onr_conv_infer_shape(ctx->node, op, &p->p, &t, ctx->x[ONR_DWPW_WP],
                                  input(ctx, ONR_DWPW_BP), ctx->y[0], err);
    if (st != ONR_STATUS_OK) return st;
    const struct onr_tensor *r = input(ctx, ONR_DWPW_R);
    p->p.residual = r != NULL;
    if (r != NULL && (r->dtype != ONR_DTYPE_FLOAT || !onr_shape_equal(&r->shape, &ctx->y[0]->shape)))
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH, "%s '%s': R is not Y's shape", op,
                             ctx->node->name);
    if (!pair_fits(&p->d, &p->p))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': the parts do not fuse (expected a 2-D depthwise Conv, "
                             "group == C == OC = %lld, then a 1x1 stride-1 unpadded Conv with group 1)",
                             op, ctx->node->name, (long long)p->d.shape.C);
    p->shape = (struct onr_dwpw_shape){.dw = p->d.shape, .OC = p->p.shape.OC};
    return ONR_STATUS_OK;
}

static enum onr_status dwpw_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct dwpw_params *p = ctx->params;
    const char *op = "DepthwisePointwise";
    static const int constant[] = {ONR_DWPW_WD, ONR_DWPW_BD, ONR_DWPW_WP, ONR_DWPW_BP};
    for (size_t i = 0; i < sizeof constant / sizeof constant[0]; i++) {
        const struct onr_tensor *t = input(ctx, constant[i]);
        if (t != NULL && t->data == NULL)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s '%s': input %d is not constant",
                                 op, ctx->node->name, constant[i]);
    }
    const enum onr_isa level = ctx->reference ? ONR_ISA_PORTABLE : ctx->isa;
    const struct onr_dwpw_kernel *k =
        onr_dwpw_pick(onr_dwpw_kernels, onr_dwpw_kernels_count, level, &p->shape);
    p->fns = k->fn;
    snprintf(p->name, sizeof p->name, "%s", k->name);
    p->d.kernel_name = p->name;
    const size_t per = (size_t)onr_dwpw_thread_floats(&p->shape) * sizeof(float);
    ctx->workspace_bytes = per * (size_t)(ctx->threads > 1 ? ctx->threads : 1);
    return ONR_STATUS_OK;
}

static const float *data(const struct onr_op_ctx *ctx, int k)
{
    const struct onr_tensor *t = input(ctx, k);
    return t != NULL ? t->data : NULL;
}

static enum onr_status dwpw_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct dwpw_params *p = ctx->params;
    onr_dwpw_f32(&p->shape, p->fns, data(ctx, ONR_DWPW_X), data(ctx, ONR_DWPW_WD),
                 data(ctx, ONR_DWPW_BD), &p->d.act, data(ctx, ONR_DWPW_WP), data(ctx, ONR_DWPW_BP),
                 &p->p.act, data(ctx, ONR_DWPW_R), ctx->y[0]->data, ctx->workspace, ctx->threads);
    return ONR_STATUS_OK;
}

static int64_t add_sat(int64_t a, int64_t b)
{
    return a <= INT64_MAX - b ? a + b : INT64_MAX;
}

/* The depthwise Conv's summary, then the 1x1 Conv's; the MACs of both. */
static void dwpw_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    const struct dwpw_params *p = ctx->params;
    onr_conv_describe_params(p != NULL ? &p->d : NULL, buf, size, macs);
    if (p == NULL || !p->d.shaped || !p->p.shaped) return;
    const struct onr_conv_shape *o = &p->p.shape;
    size_t used = strlen(buf);
    if (used < size)
        snprintf(buf + used, size - used, " +pointwise(%lld->%lld%s%s)", (long long)o->C,
                 (long long)o->OC, p->p.residual ? " +add" : "", onr_conv_act_suffix(p->p.act.kind));
    if (macs != NULL) *macs = add_sat(*macs, onr_conv_macs(o));
}

static void dwpw_release(void *params)
{
    struct dwpw_params *p = params;
    if (p == NULL) return;
    onr_conv_params_clear(&p->d);
    onr_conv_params_clear(&p->p);
    free(p);
}

const struct onr_op_def onr_op_fused_dwpw = {
    .name = "DepthwisePointwise", .domain = ONR_DOMAIN_FUSED, .min_opset = 1, .max_opset = 1,
    .min_inputs = 4, .max_inputs = ONR_DWPW_INPUTS, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .init = dwpw_init, .infer = dwpw_infer, .prepare = dwpw_prepare, .run = dwpw_run,
    .release = dwpw_release, .describe = dwpw_describe,
};
