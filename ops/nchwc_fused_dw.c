/* onnxrun.nchwc:FusedDepthwiseConv (internal, opset 1); see
 * nchwc_fused_dw.h for its inputs and attributes. Each part is a Conv of
 * its own (conv_impl.h: attributes, shapes, blocked packing), so the fused
 * node gives the bits of the onnxrun.nchwc:Conv nodes it replaces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/cpu.h"
#include "conv_impl.h"
#include "fused_conv.h"
#include "nchwc_conv.h"
#include "nchwc_fused_dw.h"

#define FUSED_1X1_MIN_BYTES (512 << 10)
#define FUSED_1X1_MAX_WEIGHT_BYTES (64 << 10)
/* A thread's window of the producer's rows: half the core's L2 within
 * these bounds (the weights and the output rows need the rest). */
#define FUSED_WINDOW_MIN_BYTES (128 << 10)
#define FUSED_WINDOW_MAX_BYTES (1 << 20)

struct fused_dw_params {
    struct conv_params d, c, o;   /* depthwise, producer, consumer */
    bool has_c, has_o;
    int64_t window_bytes;
    char name[64];                /* the kernel, for --info */
};

static const struct onr_tensor *input(const struct onr_op_ctx *ctx, int k)
{
    return ctx->n_x > k ? ctx->x[k] : NULL;
}

/* Whether a 1x1 Conv of shape s sharing a tensor of C channels on HW
 * pixels (one image) with the depthwise Conv is worth fusing. */
static bool worth_fusing_1x1(int64_t C, int64_t HW, const struct onr_conv_shape *s)
{
    return (double)onr_nchwc_floats(1, C, HW) * sizeof(float) >= FUSED_1X1_MIN_BYTES &&
           (double)onr_nchwc_pw_weight_floats(s->OC, s->C) * sizeof(float) <=
               FUSED_1X1_MAX_WEIGHT_BYTES;
}

/* The params of a prepared onnxrun.nchwc:Conv node without G, or NULL. */
static const struct conv_params *blocked_conv(const struct onr_op_ctx *ctx)
{
    if (ctx == NULL || ctx->node == NULL || strcmp(ctx->node->op_type, "Conv") != 0 ||
        strcmp(ctx->node->domain, ONR_DOMAIN_NCHWC) != 0 || input(ctx, 4) != NULL)
        return NULL;
    const struct conv_params *p = ctx->params;
    return p != NULL && p->shaped && p->blk.w != NULL ? p : NULL;
}

/* The rules of onr_nchwc_fused_dw_fits on the parts' shapes and kinds. */
static bool parts_fit(const struct conv_params *d, const struct conv_params *c,
                      const struct conv_params *o)
{
    if (d->blk.kind != CONV_BLOCKED_DW || d->residual) return false;
    const struct onr_conv_shape *ds = &d->shape;
    if (c != NULL) {
        const struct onr_conv_shape *cs = &c->shape;
        if ((c->blk.kind != CONV_BLOCKED_DENSE && c->blk.kind != CONV_BLOCKED_PW) || c->residual ||
            ds->N != cs->N || ds->C != cs->OC || ds->H != cs->OH || ds->W != cs->OW)
            return false;
        if (c->blk.kind == CONV_BLOCKED_PW && !worth_fusing_1x1(cs->OC, cs->OH * cs->OW, cs))
            return false;
    }
    if (o != NULL) {
        const struct onr_conv_shape *os = &o->shape;
        if (o->blk.kind != CONV_BLOCKED_PW || ds->N != os->N || ds->OC != os->C ||
            ds->OH != os->H || ds->OW != os->W || !worth_fusing_1x1(ds->OC, ds->OH * ds->OW, os))
            return false;
    }
    return true;
}

bool onr_nchwc_fused_dw_fits(const struct onr_op_ctx *dw, const struct onr_op_ctx *producer,
                             const struct onr_op_ctx *consumer)
{
    const struct conv_params *d = blocked_conv(dw), *c = blocked_conv(producer),
                             *o = blocked_conv(consumer);
    if (d == NULL || (producer != NULL && c == NULL) || (consumer != NULL && o == NULL))
        return false;
    return parts_fit(d, c, o);
}

static enum onr_status fdw_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct fused_dw_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "FusedDepthwiseConv '%s': out of memory",
                             ctx->node->name);
    ctx->params = p;
    static const char *const prefix[3] = {"", "producer_", "consumer_"};
    struct conv_params *part[3] = {&p->d, &p->c, &p->o};
    enum onr_status st = ONR_STATUS_OK;
    for (int i = 0; i < 3 && st == ONR_STATUS_OK; i++) {
        onr_conv_params_defaults(part[i]);
        st = onr_conv_read_attrs(ctx->node, "FusedDepthwiseConv", prefix[i], part[i], err);
        if (st == ONR_STATUS_OK) st = onr_activation_read_attrs(ctx->node, prefix[i], &part[i]->act, err);
    }
    return st;
}

static enum onr_status fdw_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct fused_dw_params *p = ctx->params;
    const char *op = "FusedDepthwiseConv";
    p->has_c = input(ctx, ONR_FUSED_DW_WP) != NULL;
    p->has_o = input(ctx, ONR_FUSED_DW_WC) != NULL;
    const struct onr_tensor *r = input(ctx, ONR_FUSED_DW_R);
    if (r != NULL && !p->has_o)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': R without a consumer", op,
                             ctx->node->name);
    struct onr_tensor t = {0}, u = {0};
    const struct onr_tensor *x = ctx->x[ONR_FUSED_DW_X];
    enum onr_status st = ONR_STATUS_OK;
    if (p->has_c) {
        st = onr_conv_infer_shape(ctx->node, op, &p->c, x, ctx->x[ONR_FUSED_DW_WP],
                                  input(ctx, ONR_FUSED_DW_BP), &t, err);
        x = &t;
    }
    if (st == ONR_STATUS_OK)
        st = onr_conv_infer_shape(ctx->node, op, &p->d, x, ctx->x[ONR_FUSED_DW_W],
                                  input(ctx, ONR_FUSED_DW_B), p->has_o ? &u : ctx->y[0], err);
    if (st == ONR_STATUS_OK && p->has_o)
        st = onr_conv_infer_shape(ctx->node, op, &p->o, &u, ctx->x[ONR_FUSED_DW_WC],
                                  input(ctx, ONR_FUSED_DW_BC), ctx->y[0], err);
    if (st != ONR_STATUS_OK) return st;
    p->o.residual = r != NULL;
    if (r != NULL && !onr_shape_equal(&r->shape, &ctx->y[0]->shape))
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH, "%s '%s': R is not Y's shape", op,
                             ctx->node->name);
    return ONR_STATUS_OK;
}

/* The kernel's view of the parts. */
static struct onr_nchwc_fused_dw fused_dw(const struct fused_dw_params *p)
{
    const struct conv_params *d = &p->d;
    struct onr_nchwc_fused_dw f = {
        .ps = &d->shape, .ds = &d->shape, .dw = d->blk.w, .db = d->blk.b, .dact = &d->act,
        .dwconv = d->blk.dw, .window_bytes = p->window_bytes,
    };
    if (p->has_c) {
        const struct conv_params *c = &p->c;
        f.ps = &c->shape;
        f.pw = c->blk.w;
        f.pb = c->blk.b;
        f.pact = &c->act;
        f.conv_rows = c->blk.kind == CONV_BLOCKED_DENSE ? c->blk.rows : NULL;
        f.pw_rows = c->blk.kind == CONV_BLOCKED_PW ? c->blk.pw_rows : NULL;
    }
    if (p->has_o) {
        const struct conv_params *o = &p->o;
        f.co_OC = o->shape.OC;
        f.cw = o->blk.w;
        f.cb = o->blk.b;
        f.cact = &o->act;
        f.co_rows = o->blk.pw_rows;
    }
    return f;
}

static enum onr_status fdw_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct fused_dw_params *p = ctx->params;
    ctx->workspace_bytes = 0;
    enum onr_status st = onr_conv_blocked_pack(ctx->node, ctx->isa, &p->d, ctx->x[ONR_FUSED_DW_W],
                                               input(ctx, ONR_FUSED_DW_B), err);
    if (st == ONR_STATUS_OK && p->has_c)
        st = onr_conv_blocked_pack(ctx->node, ctx->isa, &p->c, ctx->x[ONR_FUSED_DW_WP],
                                   input(ctx, ONR_FUSED_DW_BP), err);
    if (st == ONR_STATUS_OK && p->has_o)
        st = onr_conv_blocked_pack(ctx->node, ctx->isa, &p->o, ctx->x[ONR_FUSED_DW_WC],
                                   input(ctx, ONR_FUSED_DW_BC), err);
    if (st != ONR_STATUS_OK) return st;
    if (!parts_fit(&p->d, p->has_c ? &p->c : NULL, p->has_o ? &p->o : NULL))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "FusedDepthwiseConv '%s': the parts do not fuse (a depthwise Conv; "
                             "a stem or big 1x1 before it; a big 1x1 after it)", ctx->node->name);
    int64_t window = onr_cpu_l2_bytes() / 2;
    if (window > FUSED_WINDOW_MAX_BYTES) window = FUSED_WINDOW_MAX_BYTES;
    if (window < FUSED_WINDOW_MIN_BYTES) window = FUSED_WINDOW_MIN_BYTES;
    p->window_bytes = window;
    const struct onr_nchwc_fused_dw f = fused_dw(p);
    ctx->workspace_bytes = (size_t)onr_nchwc_fused_dw_thread_floats(&f) * sizeof(float) *
                           (size_t)(ctx->threads > 1 ? ctx->threads : 1);
    /* nchwc_[stem_|expand_]dwconv[_project]__<isa> */
    const char *at = strstr(p->d.blk.name, "__");
    snprintf(p->name, sizeof p->name, "nchwc_%sdwconv%s%s",
             !p->has_c ? "" : p->c.blk.kind == CONV_BLOCKED_PW ? "expand_" : "stem_",
             p->has_o ? "_project" : "", at != NULL ? at : "");
    p->d.kernel_name = p->name;
    return ONR_STATUS_OK;
}

static enum onr_status fdw_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct fused_dw_params *p = ctx->params;
    const struct onr_nchwc_fused_dw f = fused_dw(p);
    const struct onr_tensor *r = input(ctx, ONR_FUSED_DW_R);
    onr_nchwc_fused_dw_f32(&f, ctx->x[0]->data, r != NULL ? r->data : NULL, ctx->y[0]->data,
                           ctx->workspace, ctx->threads);
    return ONR_STATUS_OK;
}

static int64_t add_sat(int64_t a, int64_t b)
{
    return a <= INT64_MAX - b ? a + b : INT64_MAX;
}

/* The depthwise Conv's summary, then what it computes besides; the MACs
 * of all parts. */
static void fdw_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    const struct fused_dw_params *p = ctx->params;
    onr_conv_describe_params(p != NULL ? &p->d : NULL, buf, size, macs);
    if (p == NULL || !p->d.shaped) return;
    int64_t m = macs != NULL ? *macs : 0;
    if (p->has_c) {
        const struct onr_conv_shape *c = &p->c.shape;
        size_t used = strlen(buf);
        if (used < size)
            snprintf(buf + used, size - used, " +%s(%lld->%lld k=%lldx%lld s=%lldx%lld%s)",
                     p->c.blk.kind == CONV_BLOCKED_PW ? "expand" : "stem", (long long)c->C,
                     (long long)c->OC, (long long)c->KH, (long long)c->KW,
                     (long long)c->stride_h, (long long)c->stride_w,
                     onr_conv_act_suffix(p->c.act.kind));
        m = add_sat(m, onr_conv_macs(c));
    }
    if (p->has_o) {
        const struct onr_conv_shape *o = &p->o.shape;
        size_t used = strlen(buf);
        if (used < size)
            snprintf(buf + used, size - used, " +project(%lld->%lld%s%s)", (long long)o->C,
                     (long long)o->OC, p->o.residual ? " +add" : "",
                     onr_conv_act_suffix(p->o.act.kind));
        m = add_sat(m, onr_conv_macs(o));
    }
    if (macs != NULL) *macs = m;
}

static void fdw_release(void *params)
{
    struct fused_dw_params *p = params;
    if (p == NULL) return;
    onr_conv_params_clear(&p->d);
    onr_conv_params_clear(&p->c);
    onr_conv_params_clear(&p->o);
    free(p);
}

const struct onr_op_def onr_op_nchwc_fused_dw = {
    .name = "FusedDepthwiseConv", .domain = ONR_DOMAIN_NCHWC, .min_opset = 1, .max_opset = 1,
    .min_inputs = 2, .max_inputs = ONR_FUSED_DW_INPUTS, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .init = fdw_init, .infer = fdw_infer, .prepare = fdw_prepare, .run = fdw_run,
    .release = fdw_release, .describe = fdw_describe,
};
