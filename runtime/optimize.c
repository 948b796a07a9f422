/* Graph optimisation passes on a session's wiring, run after every node's
 * attributes are read and before shapes are inferred. Passes rewrite the
 * session's copy of the node list (removing nodes, rewiring inputs, adding
 * folded constants); the model is never changed. Each pass can be switched
 * off with the session options (enum onr_pass).
 *
 *   eliminate_identity  Identity and inference Dropout: readers use the input
 *   fold_batchnorm      Conv -> BatchNormalization: scale W and shift B
 *   fuse_activation     Conv -> Relu / Clip / HardSigmoid / HardSwish: the
 *                       Conv applies it before its store; also Conv -> x *
 *                       HardSigmoid(x) (alpha 1/6, beta 1/2: how PyTorch
 *                       exports hardswish before opset 14) as HardSwish, and
 *                       x * Sigmoid(x) as SiLU (EfficientNet)
 *   fuse_residual       (late, shapes known) Conv -> Add(., r) with r of the
 *                       same shape: the Conv adds r before its activation;
 *                       an activation after the Add then fuses too
 *   fuse_blocks         (after prepare) 1x1 Conv -> depthwise Conv, the
 *                       expanded tensor's only reader: the depthwise Conv
 *                       computes the 1x1 one block by block of channels, so
 *                       the expanded tensor stays in cache (MobileNetV2,
 *                       MNASNet, EfficientNet's expand -> depthwise) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../ops/conv.h"
#include "error.h"
#include "session.h"

static void recount(struct onr_session *s);

static bool is_op(const struct onr_xnode *xn, const char *op_type)
{
    return !xn->removed && strcmp(xn->node->op_type, op_type) == 0 &&
           (xn->node->domain[0] == '\0' || strcmp(xn->node->domain, "ai.onnx") == 0);
}

static bool const_float(const struct onr_session *s, int v)
{
    return v >= 0 && s->values[v].is_const && s->values[v].t.dtype == ONR_DTYPE_FLOAT;
}

/* The only reader of value v, or NULL when v has several readers or is a
 * graph output (then it must stay as it is). */
static struct onr_xnode *sole_reader(struct onr_session *s, int v)
{
    if (v < 0 || s->values[v].is_output || s->values[v].n_consumers != 1) return NULL;
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *xn = &s->xnodes[i];
        if (xn->removed) continue;
        for (int k = 0; k < xn->n_in; k++)
            if (xn->in[k] == v) return xn;
    }
    return NULL;
}

/* Every reader of `from` reads `to` instead. */
static void rewire(struct onr_session *s, int from, int to)
{
    for (int i = 0; i < s->n_xnodes; i++)
        for (int k = 0; k < s->xnodes[i].n_in; k++)
            if (s->xnodes[i].in[k] == from) s->xnodes[i].in[k] = to;
}

/* A new constant float value of the given shape, owned by the session. */
static enum onr_status add_const(struct onr_session *s, const char *name,
                                 const struct onr_shape *shape, int *index, struct onr_error *err)
{
    if (s->n_values >= s->cap_values)
        return onr_error_set(err, ONR_STATUS_INTERNAL, "optimiser: value table full");
    struct onr_svalue *v = &s->values[s->n_values];
    memset(v, 0, sizeof *v);
    enum onr_status st = onr_tensor_alloc(&v->t, ONR_DTYPE_FLOAT, shape, err);
    if (st != ONR_STATUS_OK) return st;
    v->name = name;
    v->is_const = true;
    v->alias = -1;
    v->producer = -1;
    *index = s->n_values++;
    return ONR_STATUS_OK;
}

static void eliminate_identity(struct onr_session *s)
{
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *xn = &s->xnodes[i];
        bool dropout = is_op(xn, "Dropout") && (xn->n_out < 2 || xn->out[1] < 0);
        if (!(is_op(xn, "Identity") || dropout) || xn->n_in < 1 || xn->in[0] < 0) continue;
        /* Dropout with a ratio or training_mode input stays (the op checks them). */
        if (dropout && xn->n_in > 1) continue;
        int out = xn->out[0];
        if (out < 0 || s->values[out].is_output) continue; /* the output's name must stay */
        rewire(s, out, xn->in[0]);
        xn->removed = true;
    }
}

/* Conv -> BatchNormalization becomes one Conv with W' = W*k, B' = (B-mean)*k + beta,
 * k = scale / sqrt(var + epsilon), computed in double. */
static enum onr_status fold_batchnorm(struct onr_session *s, struct onr_error *err)
{
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *conv = &s->xnodes[i];
        if (!is_op(conv, "Conv") || conv->n_out != 1 || !const_float(s, conv->in[1]) ||
            (conv->n_in > 2 && conv->in[2] >= 0 && !const_float(s, conv->in[2])))
            continue;
        struct onr_xnode *bn = sole_reader(s, conv->out[0]);
        if (bn == NULL || !is_op(bn, "BatchNormalization") || bn->n_in != 5 || bn->n_out != 1 ||
            bn->in[0] != conv->out[0])
            continue;
        bool params_const = true;
        for (int k = 1; k < 5; k++) params_const &= const_float(s, bn->in[k]);
        const struct onr_tensor *w = &s->values[conv->in[1]].t;
        int64_t OC = w->shape.rank == 4 ? w->shape.dims[0] : -1;
        for (int k = 1; k < 5 && params_const; k++)
            params_const = onr_shape_numel(&s->values[bn->in[k]].t.shape) == OC;
        if (!params_const || OC <= 0) continue;
        float eps;
        if (onr_node_attr_float(bn->node, "epsilon", 1e-5f, &eps, NULL) != ONR_STATUS_OK) continue;

        const float *scale = s->values[bn->in[1]].t.data, *beta = s->values[bn->in[2]].t.data;
        const float *mean = s->values[bn->in[3]].t.data, *var = s->values[bn->in[4]].t.data;
        const float *b = conv->n_in > 2 && conv->in[2] >= 0 ? s->values[conv->in[2]].t.data : NULL;
        struct onr_shape bshape = {.rank = 1, .dims = {OC}};
        int wi = -1, bi = -1;
        enum onr_status st = add_const(s, s->values[conv->in[1]].name, &w->shape, &wi, err);
        if (st == ONR_STATUS_OK) st = add_const(s, s->values[bn->in[2]].name, &bshape, &bi, err);
        if (st != ONR_STATUS_OK) return st;
        w = &s->values[conv->in[1]].t;
        float *w2 = s->values[wi].t.data, *b2 = s->values[bi].t.data;
        const int64_t per_oc = onr_shape_numel(&w->shape) / OC;
        for (int64_t oc = 0; oc < OC; oc++) {
            double k = (double)scale[oc] / sqrt((double)var[oc] + (double)eps);
            for (int64_t j = 0; j < per_oc; j++)
                w2[oc * per_oc + j] = (float)((double)((const float *)w->data)[oc * per_oc + j] * k);
            b2[oc] = (float)(((b ? (double)b[oc] : 0.0) - (double)mean[oc]) * k + (double)beta[oc]);
        }
        conv->in[1] = wi;
        conv->in[2] = bi;
        conv->n_in = conv->ctx.n_x = 3;
        conv->out[0] = bn->out[0];
        bn->removed = true;
    }
    return ONR_STATUS_OK;
}

/* Reads the activation that node `act` computes, if a Conv can apply it. */
static bool activation_of(const struct onr_session *s, const struct onr_xnode *xn,
                          struct onr_activation *act)
{
    memset(act, 0, sizeof *act);
    const struct onr_node *n = xn->node;
    if (is_op(xn, "Relu")) {
        act->kind = ONR_ACT_RELU;
        return true;
    }
    if (is_op(xn, "Clip")) {
        act->kind = ONR_ACT_CLIP;
        act->a = -INFINITY;
        act->b = INFINITY;
        if (xn->ctx.opset < 11) {
            return onr_node_attr_float(n, "min", -INFINITY, &act->a, NULL) == ONR_STATUS_OK &&
                   onr_node_attr_float(n, "max", INFINITY, &act->b, NULL) == ONR_STATUS_OK;
        }
        for (int k = 1; k < xn->n_in && k < 3; k++) {
            int v = xn->in[k];
            if (v < 0) continue;
            if (!const_float(s, v) || onr_shape_numel(&s->values[v].t.shape) != 1) return false;
            float bound = *(const float *)s->values[v].t.data;
            if (k == 1) act->a = bound;
            else act->b = bound;
        }
        return true;
    }
    if (is_op(xn, "HardSigmoid")) {
        act->kind = ONR_ACT_HARDSIGMOID;
        return onr_node_attr_float(n, "alpha", 0.2f, &act->a, NULL) == ONR_STATUS_OK &&
               onr_node_attr_float(n, "beta", 0.5f, &act->b, NULL) == ONR_STATUS_OK;
    }
    if (is_op(xn, "HardSwish")) {
        act->kind = ONR_ACT_HARDSWISH;
        return true;
    }
    if (is_op(xn, "Sigmoid")) {
        act->kind = ONR_ACT_SIGMOID;
        return true;
    }
    return false;
}

/* If the Conv's output v feeds exactly a gate G(v) (HardSigmoid with alpha
 * 1/6 and beta 1/2, or Sigmoid) and Mul(v, G(v)), returns the Mul and sets
 * the activation the pair computes (HardSwish or SiLU). */
static struct onr_xnode *gated_pair(struct onr_session *s, int v, struct onr_xnode **hs_out,
                                    struct onr_activation *act)
{
    if (v < 0 || s->values[v].is_output || s->values[v].n_consumers != 2) return NULL;
    struct onr_xnode *hs = NULL, *mul = NULL;
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *xn = &s->xnodes[i];
        if (xn->removed) continue;
        bool reads = false;
        for (int k = 0; k < xn->n_in; k++) reads |= xn->in[k] == v;
        if (!reads) continue;
        if ((is_op(xn, "HardSigmoid") || is_op(xn, "Sigmoid")) && xn->in[0] == v) hs = xn;
        else if (is_op(xn, "Mul")) mul = xn;
    }
    if (hs == NULL || mul == NULL || hs->n_out != 1 || mul->n_in != 2 || mul->n_out != 1 ||
        s->values[hs->out[0]].n_consumers != 1 || s->values[hs->out[0]].is_output)
        return NULL;
    if (!((mul->in[0] == v && mul->in[1] == hs->out[0]) ||
          (mul->in[1] == v && mul->in[0] == hs->out[0])))
        return NULL;
    memset(act, 0, sizeof *act);
    act->kind = ONR_ACT_SILU;
    *hs_out = hs;
    if (is_op(hs, "Sigmoid")) return mul;
    act->kind = ONR_ACT_HARDSWISH;
    float alpha, beta;
    if (onr_node_attr_float(hs->node, "alpha", 0.2f, &alpha, NULL) != ONR_STATUS_OK ||
        onr_node_attr_float(hs->node, "beta", 0.5f, &beta, NULL) != ONR_STATUS_OK ||
        fabsf(alpha - 1.0f / 6.0f) > 1e-6f || beta != 0.5f)
        return NULL;
    return mul;
}

static enum onr_status fuse_activation(struct onr_session *s, struct onr_error *err)
{
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *conv = &s->xnodes[i];
        if (!is_op(conv, "Conv") || conv->n_out != 1) continue;
        if (onr_conv_get_activation(conv->ctx.params).kind != ONR_ACT_NONE) continue;
        struct onr_activation gated;
        struct onr_xnode *hs = NULL, *mul = gated_pair(s, conv->out[0], &hs, &gated);
        if (mul != NULL) {
            enum onr_status st = onr_conv_set_activation(conv->ctx.params, &gated, err);
            if (st != ONR_STATUS_OK) return st;
            conv->out[0] = mul->out[0];
            hs->removed = mul->removed = true;
            continue;
        }
        struct onr_xnode *a = sole_reader(s, conv->out[0]);
        struct onr_activation act;
        if (a == NULL || a->n_out != 1 || a->in[0] != conv->out[0] || !activation_of(s, a, &act))
            continue;
        if (act.kind == ONR_ACT_CLIP && !(act.a <= act.b)) continue; /* left to Clip's own checks */
        enum onr_status st = onr_conv_set_activation(conv->ctx.params, &act, err);
        if (st != ONR_STATUS_OK) return st;
        conv->out[0] = a->out[0];
        a->removed = true;
    }
    return ONR_STATUS_OK;
}

/* Consumer counts after a pass changed the wiring. */
static void recount(struct onr_session *s)
{
    for (int v = 0; v < s->n_values; v++) {
        s->values[v].n_consumers = 0;
        s->values[v].producer = -1;
    }
    for (int i = 0; i < s->n_xnodes; i++) {
        if (s->xnodes[i].removed) continue;
        for (int k = 0; k < s->xnodes[i].n_in; k++)
            if (s->xnodes[i].in[k] >= 0) s->values[s->xnodes[i].in[k]].n_consumers++;
        for (int k = 0; k < s->xnodes[i].n_out; k++)
            if (s->xnodes[i].out[k] >= 0) s->values[s->xnodes[i].out[k]].producer = i;
    }
}

enum onr_status onr_session_optimize(struct onr_session *s, struct onr_error *err)
{
    unsigned passes = s->options.passes;
    enum onr_status st = ONR_STATUS_OK;
    recount(s);
    if (passes & ONR_PASS_ELIMINATE_IDENTITY) {
        eliminate_identity(s);
        recount(s);
    }
    if (passes & ONR_PASS_FOLD_BATCHNORM) {
        st = fold_batchnorm(s, err);
        recount(s);
    }
    if (st == ONR_STATUS_OK && (passes & ONR_PASS_FUSE_ACTIVATION)) {
        st = fuse_activation(s, err);
        recount(s);
    }
    return st;
}

/* The Conv that produces value v and whose output only node `reader`
 * reads, or NULL. */
static struct onr_xnode *conv_feeding(struct onr_session *s, int v, int reader)
{
    if (v < 0 || s->values[v].is_output || s->values[v].n_consumers != 1) return NULL;
    int p = s->values[v].producer;
    if (p < 0 || p >= reader) return NULL;
    struct onr_xnode *conv = &s->xnodes[p];
    if (!is_op(conv, "Conv") || conv->folded || conv->n_out != 1 || conv->out[0] != v) return NULL;
    return conv;
}

static bool fuse_residual(struct onr_session *s, int i)
{
    struct onr_xnode *add = &s->xnodes[i];
    if (!is_op(add, "Add") || add->n_in != 2 || add->n_out != 1 || add->in[0] < 0 || add->in[1] < 0)
        return false;
    for (int k = 0; k < 2; k++) {
        int v = add->in[k], r = add->in[1 - k];
        struct onr_xnode *conv = conv_feeding(s, v, i);
        if (conv == NULL || v == r || onr_conv_get_activation(conv->ctx.params).kind != ONR_ACT_NONE)
            continue;
        const struct onr_svalue *rv = &s->values[r];
        /* r must be ready when the Conv runs, and of the Conv output's shape. */
        if (rv->t.dtype != ONR_DTYPE_FLOAT || !onr_shape_equal(&rv->t.shape, &s->values[v].t.shape) ||
            (rv->producer >= 0 && rv->producer >= conv - s->xnodes))
            continue;
        if (onr_conv_set_residual(conv->ctx.params, true, NULL) != ONR_STATUS_OK) continue;
        while (conv->n_in < 3) conv->in[conv->n_in++] = -1; /* residual is input 3 */
        conv->in[3] = r;
        conv->x[3] = &s->values[r].t;
        for (int j = 0; j < 3; j++) conv->x[j] = conv->in[j] >= 0 ? &s->values[conv->in[j]].t : NULL;
        conv->n_in = conv->ctx.n_x = 4;
        conv->out[0] = add->out[0];
        conv->y[0] = &s->values[add->out[0]].t;
        conv->y[0]->dtype = ONR_DTYPE_FLOAT;
        conv->y[0]->shape = s->values[v].t.shape;
        onr_shape_check(&conv->y[0]->shape, ONR_DTYPE_FLOAT, &conv->y[0]->nbytes, NULL);
        add->removed = true;
        recount(s);
        return true;
    }
    return false;
}

/* An activation whose input a (residual) Conv produces, after shapes. */
static bool fuse_activation_late(struct onr_session *s, int i)
{
    struct onr_xnode *a = &s->xnodes[i];
    struct onr_activation act;
    if (a->n_in < 1 || a->n_out != 1 || !activation_of(s, a, &act)) return false;
    struct onr_xnode *conv = conv_feeding(s, a->in[0], i);
    if (conv == NULL || onr_conv_get_activation(conv->ctx.params).kind != ONR_ACT_NONE ||
        (act.kind == ONR_ACT_CLIP && !(act.a <= act.b)) ||
        onr_conv_set_activation(conv->ctx.params, &act, NULL) != ONR_STATUS_OK)
        return false;
    const struct onr_shape shape = conv->y[0]->shape;
    conv->out[0] = a->out[0];
    conv->y[0] = &s->values[a->out[0]].t;
    conv->y[0]->dtype = ONR_DTYPE_FLOAT;
    conv->y[0]->shape = shape;
    onr_shape_check(&conv->y[0]->shape, ONR_DTYPE_FLOAT, &conv->y[0]->nbytes, NULL);
    a->removed = true;
    recount(s);
    return true;
}

bool onr_session_fuse_late(struct onr_session *s, int i)
{
    if (s->xnodes[i].removed || s->xnodes[i].def == NULL) return false;
    if (!(s->options.passes & ONR_PASS_FUSE_RESIDUAL)) return false;
    if (fuse_residual(s, i)) return true;
    return (s->options.passes & ONR_PASS_FUSE_ACTIVATION) && fuse_activation_late(s, i);
}

void onr_session_fuse_prepared(struct onr_session *s, int i)
{
    struct onr_xnode *dw = &s->xnodes[i];
    if (!(s->options.passes & ONR_PASS_FUSE_BLOCKS) || dw->removed || dw->folded ||
        !is_op(dw, "Conv") || dw->n_in < 2)
        return;
    struct onr_xnode *pw = conv_feeding(s, dw->in[0], i);
    if (pw == NULL || onr_conv_fuse_pointwise(&dw->ctx, &pw->ctx, NULL) != ONR_STATUS_OK) return;
    dw->in[0] = pw->in[0];
    dw->x[0] = pw->x[0];
    pw->removed = true;
    recount(s);
}
