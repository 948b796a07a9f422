/* Graph optimisation passes on a session's wiring (passes.h; the first
 * three run before shapes are inferred, fuse_residual after). Passes rewrite the
 * session's copy of the node list (removing nodes, rewiring inputs, adding
 * folded constants); the model is never changed. Each pass can be switched
 * off with the session options (enum onr_pass).
 *
 *   eliminate_identity  Identity and inference Dropout: readers use the input
 *   fold_batchnorm      Conv or ConvTranspose -> BatchNormalization: scale
 *                       W and shift B
 *   fuse_activation     Conv -> Relu / Clip / HardSigmoid / HardSwish: the
 *                       Conv applies it before its store; also Conv -> x *
 *                       HardSigmoid(x) (alpha 1/6, beta 1/2: how PyTorch
 *                       exports hardswish before opset 14) as HardSwish, and
 *                       x * Sigmoid(x) as SiLU (EfficientNet); the same
 *                       after a ConvTranspose (onnxrun.fused:ConvTranspose)
 *   fuse_residual       (shapes known) Conv -> Add(., r) with r of the
 *                       same shape: the Conv adds r before its activation;
 *                       an activation after the Add then fuses too
 * and the helpers every pass uses (passes.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../ops/conv.h"
#include "../../ops/kernels/batchnorm.h"
#include "../../ops/fused_conv.h"
#include "../../ops/fused_conv_transpose.h"
#include "../error.h"
#include "passes.h"

enum onr_status onr_session_own_node(struct onr_session *s, struct onr_node *node,
                                     struct onr_error *err)
{
    if (s->n_pass_nodes == s->cap_pass_nodes) {
        int cap = s->cap_pass_nodes > 0 ? 2 * s->cap_pass_nodes : 16;
        struct onr_node **grown = realloc(s->pass_nodes, (size_t)cap * sizeof *grown);
        if (grown == NULL) {
            onr_node_free(node);
            free(node);
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "graph pass: out of memory");
        }
        s->pass_nodes = grown;
        s->cap_pass_nodes = cap;
    }
    s->pass_nodes[s->n_pass_nodes++] = node;
    return ONR_STATUS_OK;
}

enum onr_status onr_session_replace_node(struct onr_session *s, int i, const struct onr_node *node,
                                         const struct onr_op_def *def, const int *in, int n_in,
                                         const int *out, int n_out, bool shaped,
                                         struct onr_error *err)
{
    struct onr_xnode *xn = &s->xnodes[i];
    int *nin = malloc((size_t)(n_in > 0 ? n_in : 1) * sizeof *nin);
    int *nout = malloc((size_t)(n_out > 0 ? n_out : 1) * sizeof *nout);
    struct onr_tensor **x = calloc((size_t)(n_in > 0 ? n_in : 1), sizeof *x);
    struct onr_tensor **y = calloc((size_t)(n_out > 0 ? n_out : 1), sizeof *y);
    if (nin == NULL || nout == NULL || x == NULL || y == NULL) {
        free(nin);
        free(nout);
        free(x);
        free(y);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    }
    /* in and out may be the old node's arrays: copy before freeing them */
    for (int k = 0; k < n_in; k++) {
        nin[k] = in[k];
        x[k] = in[k] >= 0 ? &s->values[in[k]].t : NULL;
    }
    for (int k = 0; k < n_out; k++) {
        nout[k] = out[k];
        y[k] = out[k] >= 0 ? &s->values[out[k]].t : NULL;
    }
    onr_xnode_release(xn);
    xn->node = node;
    xn->def = def;
    xn->n_in = n_in;
    xn->n_out = n_out;
    xn->in = nin;
    xn->out = nout;
    xn->x = x;
    xn->y = y;
    xn->ctx.node = node;
    xn->ctx.opset = 1;
    xn->ctx.params = NULL;
    xn->ctx.n_x = n_in;
    xn->ctx.x = x;
    xn->ctx.n_y = n_out;
    xn->ctx.y = y;
    xn->ctx.workspace_bytes = 0;
    xn->initialised = true;
    enum onr_status st = def->init != NULL ? def->init(&xn->ctx, err) : ONR_STATUS_OK;
    if (st != ONR_STATUS_OK || !shaped) return st;
    if ((st = def->infer(&xn->ctx, err)) != ONR_STATUS_OK) return st;
    for (int k = 0; k < n_out && st == ONR_STATUS_OK; k++)
        if (y[k] != NULL) st = onr_shape_check(&y[k]->shape, y[k]->dtype, &y[k]->nbytes, err);
    if (st == ONR_STATUS_OK && def->prepare != NULL) st = def->prepare(&xn->ctx, err);
    if (xn->ctx.workspace_bytes > s->workspace_bytes) s->workspace_bytes = xn->ctx.workspace_bytes;
    return st;
}

/* Conv (ONNX) or onnxrun.fused:Conv, live. */
static bool is_conv(const struct onr_xnode *xn)
{
    return !xn->removed && (xn->def == &onr_op_conv || xn->def == &onr_op_fused_conv);
}

/* The activation a Conv node applies: its attributes say. */
static struct onr_activation conv_activation(const struct onr_xnode *xn)
{
    struct onr_activation act = {ONR_ACT_NONE, 0.0f, 0.0f};
    if (xn->def == &onr_op_fused_conv) onr_activation_read_attrs(xn->node, "", &act, NULL);
    return act;
}

static bool conv_has_residual(const struct onr_xnode *xn)
{
    return xn->n_in > 3 && xn->in[3] >= 0;
}

/* Makes node i a `def` node (onnxrun.fused:Conv or :ConvTranspose) with
 * the node's attributes and act (the node applies none yet), reading in
 * (X, W, B, R) and writing out. */
static enum onr_status make_fused(struct onr_session *s, int i, const struct onr_op_def *def,
                                  const struct onr_activation *act, const int *in, int n_in,
                                  int out, bool shaped, struct onr_error *err)
{
    const struct onr_node *old = s->xnodes[i].node;
    struct onr_node *node;
    enum onr_status st = onr_node_new(old->name, def->name, ONR_DOMAIN_FUSED, &node, err);
    if (st != ONR_STATUS_OK) return st;
    if ((st = onr_session_own_node(s, node, err)) != ONR_STATUS_OK) return st;
    if ((st = onr_node_copy_attrs(node, old, "", err)) != ONR_STATUS_OK ||
        (st = onr_activation_write_attrs(node, "", act, err)) != ONR_STATUS_OK)
        return st;
    return onr_session_replace_node(s, i, node, def, in, n_in, &out, 1, shaped, err);
}

static enum onr_status make_fused_conv(struct onr_session *s, int i, const struct onr_activation *act,
                                       const int *in, int n_in, int out, bool shaped,
                                       struct onr_error *err)
{
    return make_fused(s, i, &onr_op_fused_conv, act, in, n_in, out, shaped, err);
}

bool onr_xnode_is(const struct onr_xnode *xn, const char *op_type)
{
    return !xn->removed && !xn->folded && xn->def != NULL && xn->def->domain[0] == '\0' &&
           strcmp(xn->def->name, op_type) == 0;
}

static bool const_float(const struct onr_session *s, int v)
{
    return v >= 0 && s->values[v].is_const && s->values[v].t.dtype == ONR_DTYPE_FLOAT;
}

int onr_session_sole_reader(const struct onr_session *s, int v)
{
    if (v < 0 || s->values[v].is_output) return -1;
    int reader = -1, reads = 0;
    for (int j = 0; j < s->n_xnodes; j++) {
        const struct onr_xnode *xn = &s->xnodes[j];
        if (xn->removed || xn->folded) continue;
        for (int k = 0; k < xn->n_in; k++)
            if (xn->in[k] == v) reader = j, reads++;
    }
    return reads == 1 ? reader : -1;
}

/* The xnode of onr_session_sole_reader, or NULL. */
static struct onr_xnode *sole_reader(struct onr_session *s, int v)
{
    const int j = onr_session_sole_reader(s, v);
    return j >= 0 ? &s->xnodes[j] : NULL;
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

enum onr_status onr_pass_eliminate_identity(struct onr_session *s, struct onr_error *err)
{
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *xn = &s->xnodes[i];
        bool dropout = onr_xnode_is(xn, "Dropout") && (xn->n_out < 2 || xn->out[1] < 0);
        if (!(onr_xnode_is(xn, "Identity") || dropout) || xn->n_in < 1 || xn->in[0] < 0) continue;
        /* Dropout with a ratio or training_mode input stays (the op checks them). */
        if (dropout && xn->n_in > 1) continue;
        int out = xn->out[0];
        if (out < 0 || s->values[out].is_output) continue; /* the output's name must stay */
        rewire(s, out, xn->in[0]);
        xn->removed = true;
    }
    return ONR_STATUS_OK;
}

/* w2 = w scaled per output channel by the BatchNormalization factor, in
 * double, each weight rounded once. Conv's W is (OC, C/group, k...): the
 * channel is the outermost index. ConvTranspose's is (C, M/group, k...):
 * input channel c of group c / cg feeds output channels g * mg + mm. */
static void scale_weights(const float *w, int64_t numel, bool transposed, int64_t dim0,
                          int64_t dim1, int64_t group, const float *scale, const float *var,
                          float eps, float *w2)
{
    const int64_t per0 = numel / dim0, inner = per0 / dim1, cg = dim0 / group;
    for (int64_t i0 = 0; i0 < dim0; i0++)
        for (int64_t i1 = 0; i1 < dim1; i1++) {
            const int64_t oc = transposed ? i0 / cg * dim1 + i1 : i0;
            const double k = onr_batchnorm_factor(scale[oc], var[oc], eps);
            const int64_t base = i0 * per0 + i1 * inner;
            for (int64_t j = 0; j < inner; j++) w2[base + j] = (float)((double)w[base + j] * k);
        }
}

/* The output channels of Conv or ConvTranspose node xn with constant W,
 * or -1; *transposed and *group say how W is laid out. */
static int64_t folding_channels(const struct onr_session *s, const struct onr_xnode *xn,
                                bool *transposed, int64_t *group)
{
    *transposed = onr_xnode_is(xn, "ConvTranspose");
    if (!(*transposed || onr_xnode_is(xn, "Conv")) || xn->n_out != 1 || xn->n_in < 2 ||
        !const_float(s, xn->in[1]) || (xn->n_in > 2 && xn->in[2] >= 0 && !const_float(s, xn->in[2])))
        return -1;
    const struct onr_shape *ws = &s->values[xn->in[1]].t.shape;
    if (ws->rank < 3 || ws->dims[0] < 1 || ws->dims[1] < 1) return -1; /* scale_weights divides */
    *group = 1;
    if (!*transposed) return ws->dims[0];
    /* the op checks group at init; here only a value that lays W out */
    if (onr_node_attr_int(xn->node, "group", 1, group, NULL) != ONR_STATUS_OK || *group < 1 ||
        ws->dims[0] % *group != 0 || ws->dims[1] > INT64_MAX / *group)
        return -1;
    return ws->dims[1] * *group;
}

/* Conv or ConvTranspose -> BatchNormalization becomes one node with
 * W' = W*k, B' = (B-mean)*k + beta, k = scale / sqrt(var + epsilon),
 * computed in double. */
enum onr_status onr_pass_fold_batchnorm(struct onr_session *s, struct onr_error *err)
{
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *conv = &s->xnodes[i];
        bool transposed;
        int64_t group;
        const int64_t OC = folding_channels(s, conv, &transposed, &group);
        if (OC <= 0) continue;
        struct onr_xnode *bn = sole_reader(s, conv->out[0]);
        if (bn == NULL || !onr_xnode_is(bn, "BatchNormalization") || bn->n_in != 5 || bn->n_out != 1 ||
            bn->in[0] != conv->out[0])
            continue;
        bool params_const = true;
        for (int k = 1; k < 5; k++) params_const &= const_float(s, bn->in[k]);
        const struct onr_tensor *w = &s->values[conv->in[1]].t;
        for (int k = 1; k < 5 && params_const; k++)
            params_const = onr_shape_numel(&s->values[bn->in[k]].t.shape) == OC;
        if (!params_const) continue;
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
        scale_weights(w->data, onr_shape_numel(&w->shape), transposed, w->shape.dims[0],
                      w->shape.dims[1], group, scale, var, eps, s->values[wi].t.data);
        onr_batchnorm_f32_fold(OC, scale, beta, mean, var, eps, b, NULL, s->values[bi].t.data);
        /* the node's arrays have room for every input its def declares */
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
    if (onr_xnode_is(xn, "Relu")) {
        act->kind = ONR_ACT_RELU;
        return true;
    }
    if (onr_xnode_is(xn, "Clip")) {
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
    if (onr_xnode_is(xn, "HardSigmoid")) {
        act->kind = ONR_ACT_HARDSIGMOID;
        return onr_node_attr_float(n, "alpha", 0.2f, &act->a, NULL) == ONR_STATUS_OK &&
               onr_node_attr_float(n, "beta", 0.5f, &act->b, NULL) == ONR_STATUS_OK;
    }
    if (onr_xnode_is(xn, "HardSwish")) {
        act->kind = ONR_ACT_HARDSWISH;
        return true;
    }
    if (onr_xnode_is(xn, "Sigmoid")) {
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
        if ((onr_xnode_is(xn, "HardSigmoid") || onr_xnode_is(xn, "Sigmoid")) && xn->in[0] == v) hs = xn;
        else if (onr_xnode_is(xn, "Mul")) mul = xn;
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
    if (onr_xnode_is(hs, "Sigmoid")) return mul;
    act->kind = ONR_ACT_HARDSWISH;
    float alpha, beta;
    if (onr_node_attr_float(hs->node, "alpha", 0.2f, &alpha, NULL) != ONR_STATUS_OK ||
        onr_node_attr_float(hs->node, "beta", 0.5f, &beta, NULL) != ONR_STATUS_OK ||
        fabsf(alpha - 1.0f / 6.0f) > 1e-6f || beta != 0.5f)
        return NULL;
    return mul;
}

enum onr_status onr_pass_fuse_activation(struct onr_session *s, struct onr_error *err)
{
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *conv = &s->xnodes[i];
        const bool transposed = !conv->removed && conv->def == &onr_op_convtranspose;
        if (!(transposed || (is_conv(conv) && conv->def == &onr_op_conv)) || conv->n_out != 1)
            continue;
        struct onr_activation act;
        struct onr_xnode *hs = NULL, *mul = gated_pair(s, conv->out[0], &hs, &act), *a = NULL;
        if (mul == NULL) {
            a = sole_reader(s, conv->out[0]);
            if (a == NULL || a->n_out != 1 || a->in[0] != conv->out[0] || !activation_of(s, a, &act))
                continue;
            if (act.kind == ONR_ACT_CLIP && !(act.a <= act.b)) continue; /* left to Clip's own checks */
        }
        enum onr_status st = make_fused(s, i, transposed ? &onr_op_fused_convtranspose : &onr_op_fused_conv,
                                        &act, conv->in, conv->n_in,
                                        mul != NULL ? mul->out[0] : a->out[0], false, err);
        if (st != ONR_STATUS_OK) return st;
        if (mul != NULL) hs->removed = mul->removed = true;
        else a->removed = true;
    }
    return ONR_STATUS_OK;
}

/* The Conv that produces value v and whose output only node `reader`
 * reads, or NULL. */
static struct onr_xnode *conv_feeding(struct onr_session *s, int v, int reader)
{
    if (v < 0 || s->values[v].is_output || s->values[v].n_consumers != 1) return NULL;
    int p = s->values[v].producer;
    if (p < 0 || p >= reader) return NULL;
    struct onr_xnode *conv = &s->xnodes[p];
    if (!is_conv(conv) || conv->folded || conv->n_out != 1 || conv->out[0] != v) return NULL;
    return conv;
}

static bool fuse_residual(struct onr_session *s, int i, enum onr_status *st, struct onr_error *err)
{
    struct onr_xnode *add = &s->xnodes[i];
    if (!onr_xnode_is(add, "Add") || add->n_in != 2 || add->n_out != 1 || add->in[0] < 0 || add->in[1] < 0)
        return false;
    for (int k = 0; k < 2; k++) {
        int v = add->in[k], r = add->in[1 - k];
        struct onr_xnode *conv = conv_feeding(s, v, i);
        if (conv == NULL || v == r || conv_activation(conv).kind != ONR_ACT_NONE ||
            conv_has_residual(conv))
            continue;
        const struct onr_svalue *rv = &s->values[r];
        /* r must be ready when the Conv runs, and of the Conv output's shape. */
        if (rv->t.dtype != ONR_DTYPE_FLOAT || !onr_shape_equal(&rv->t.shape, &s->values[v].t.shape) ||
            (rv->producer >= 0 && rv->producer >= conv - s->xnodes))
            continue;
        const int in[4] = {conv->in[0], conv->in[1], conv->n_in > 2 ? conv->in[2] : -1, r};
        const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
        *st = make_fused_conv(s, (int)(conv - s->xnodes), &none, in, 4, add->out[0], true, err);
        add->removed = true;
        onr_session_count_readers(s);
        return true;
    }
    return false;
}

/* An activation whose input a (residual) Conv produces, after shapes. */
static bool fuse_activation_late(struct onr_session *s, int i, enum onr_status *st,
                                 struct onr_error *err)
{
    struct onr_xnode *a = &s->xnodes[i];
    struct onr_activation act;
    if (a->n_in < 1 || a->n_out != 1 || !activation_of(s, a, &act)) return false;
    struct onr_xnode *conv = conv_feeding(s, a->in[0], i);
    if (conv == NULL || conv_activation(conv).kind != ONR_ACT_NONE ||
        (act.kind == ONR_ACT_CLIP && !(act.a <= act.b)))
        return false;
    *st = make_fused_conv(s, (int)(conv - s->xnodes), &act, conv->in, conv->n_in, a->out[0], true,
                          err);
    a->removed = true;
    onr_session_count_readers(s);
    return true;
}

/* Walks the nodes in order, so that an activation after an Add fuses
 * into the Conv that took the Add. */
enum onr_status onr_pass_fuse_residual(struct onr_session *s, struct onr_error *err)
{
    const bool activation = (s->options.passes & ONR_PASS_FUSE_ACTIVATION) != 0;
    for (int i = 0; i < s->n_xnodes; i++) {
        const struct onr_xnode *xn = &s->xnodes[i];
        if (xn->removed || xn->folded || xn->def == NULL) continue;
        enum onr_status st = ONR_STATUS_OK;
        if (fuse_residual(s, i, &st, err) || (activation && fuse_activation_late(s, i, &st, err)))
            if (st != ONR_STATUS_OK) return st;
    }
    return ONR_STATUS_OK;
}
