/* The NCHW16c layout pass (ONR_PASS_NCHWC_LAYOUT), after every node is
 * inferred and prepared and before memory is planned.
 *
 * Depthwise and 1x1 Convs that can run on channel-blocked tensors
 * (onr_nchwc_conv_fits) and that form a connected chain of at least
 * MIN_CHAIN of them (through their X or residual inputs) switch to blocked
 * X, residual and Y (they become onnxrun.nchwc:Conv nodes); a dense Conv with few input channels (a stem) reads
 * its plain X and writes blocked Y, and makes its chain worth converting
 * on its own. Inside such a chain, a squeeze-excite block's
 * GlobalAveragePool and per-channel Mul become their blocked forms
 * (ops/nchwc_ops.h) when a blocked node produces their input, and the Mul
 * folds into the 1x1 Conv that reads it (its input G). A depthwise Conv
 * then takes in the Conv before it and the 1x1 Conv after it where they
 * fit (onnxrun.nchwc:FusedDepthwiseConv). A value a
 * blocked node writes becomes a new blocked value; a value it reads from
 * elsewhere gets a blocked copy. Reorder nodes are inserted only where a
 * chain meets other nodes: after a blocked node whose output is also read
 * plain (or is a graph output), and after the producer of a plain value
 * that a blocked node reads. A lone depthwise or 1x1 Conv stays plain: its
 * two reorders would move as much memory as it does. Only with AVX2 or
 * AVX-512, where the blocked kernels are fast (the portable ones are the
 * references they are tested against). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ops/fused_dwpw.h"
#include "../../ops/kernels/nchwc.h"
#include "../../ops/nchwc_conv.h"
#include "../../ops/nchwc_fused_dw.h"
#include "../../ops/nchwc_ops.h"
#include "../cpu.h"
#include "../error.h"
#include "passes.h"

/* Convs a chain needs to be worth its reorders, unless it has a dense
 * Conv (whose work dwarfs them). A chain that is one separable pair with
 * plain nodes on both sides (the notebook's block) then goes back to plain
 * as one fused node (keep_pairs_plain). */
#define MIN_CHAIN 2

/* What a node does on blocked tensors. */
enum role {
    ROLE_NONE,
    ROLE_CONV,   /* reads X (0), the residual (3) and a gate (4) blocked, writes blocked */
    ROLE_CONV_IN,/* reads X plain, writes blocked: a chain's first Conv */
    ROLE_FUSED,  /* a FusedDepthwiseConv: reads X and R blocked, writes blocked */
    ROLE_FUSED_IN,/* the same with a stem: reads X plain */
    ROLE_POOL,   /* GlobalAveragePool: reads and writes blocked */
    ROLE_MUL,    /* per-channel Mul: reads x (input `big`) and the gate blocked */
};

static int find_root(int *parent, int i)
{
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

/* One reorder node to insert after xnode `after` (-1: before the first). */
struct insert {
    int after;
    bool to_blocked;
    int from, to;   /* values */
};

struct pass {
    struct onr_session *s;
    int *producer;          /* per value: xnode index, or -1 */
    bool *on;               /* per xnode: runs blocked */
    enum role *role;        /* per xnode: what it would do blocked */
    signed char *big;       /* per xnode: ROLE_MUL's (N, C, H, W) input */
    int *fuse_prod, *fuse_cons; /* per depthwise xnode: the xnodes it takes in, or -1 */
    struct insert *ins;
    int n_ins;
};

static enum role role_of(const struct onr_xnode *xn, signed char *big)
{
    if (!xn->removed && !xn->folded && xn->def != NULL && xn->n_out == 1) {
        switch (onr_nchwc_conv_fits(xn->def, &xn->ctx)) {
        case ONR_NCHWC_CONV_IN_OUT: return ROLE_CONV;
        case ONR_NCHWC_CONV_OUT: return ROLE_CONV_IN;
        default: break;
        }
    }
    if (xn->n_out != 1) return ROLE_NONE;
    if (onr_xnode_is(xn, "GlobalAveragePool"))
        return onr_nchwc_global_avgpool_fits(&xn->ctx) ? ROLE_POOL : ROLE_NONE;
    if (onr_xnode_is(xn, "Mul")) {
        *big = (signed char)onr_nchwc_channel_mul_fits(&xn->ctx);
        return *big >= 0 ? ROLE_MUL : ROLE_NONE;
    }
    return ROLE_NONE;
}

/* Whether node j, if blocked, reads its input k blocked. */
static bool reads_blocked(const struct pass *p, int j, int k)
{
    switch (p->role[j]) {
    case ROLE_CONV: return k == 0 || k == 3 || k == 4;
    case ROLE_FUSED: return k == ONR_FUSED_DW_X || k == ONR_FUSED_DW_R;
    case ROLE_FUSED_IN: return k == ONR_FUSED_DW_R;
    case ROLE_POOL: return k == 0;
    case ROLE_MUL: return k == 0 || k == 1;
    default: return false;
    }
}

static bool writes_blocked(const struct pass *p, int i)
{
    return i >= 0 && p->on[i];
}

/* Marks the candidates, drops those in chains with fewer than MIN_CHAIN
 * Convs, then pools and Muls whose input no blocked node writes. */
static enum onr_status mark_chains(struct pass *p)
{
    struct onr_session *s = p->s;
    const size_t n = s->n_xnodes > 0 ? (size_t)s->n_xnodes : 1;
    int *parent = malloc(n * sizeof *parent);
    int *size = calloc(n, sizeof *size);
    if (parent == NULL || size == NULL) {
        free(parent);
        free(size);
        return ONR_STATUS_OUT_OF_MEMORY;
    }
    for (int i = 0; i < s->n_xnodes; i++) {
        parent[i] = i;
        p->role[i] = role_of(&s->xnodes[i], &p->big[i]);
        p->on[i] = p->role[i] != ROLE_NONE;
    }
    for (int j = 0; j < s->n_xnodes; j++) {
        if (!p->on[j]) continue;
        const struct onr_xnode *xn = &s->xnodes[j];
        for (int k = 0; k < xn->n_in; k++) {
            int v = xn->in[k];
            if (!reads_blocked(p, j, k) || v < 0 || !writes_blocked(p, p->producer[v])) continue;
            int a = find_root(parent, j), b = find_root(parent, p->producer[v]);
            if (a != b) parent[a] = b;
        }
    }
    for (int i = 0; i < s->n_xnodes; i++)
        if (p->on[i] && (p->role[i] == ROLE_CONV || p->role[i] == ROLE_CONV_IN))
            size[find_root(parent, i)] += p->role[i] == ROLE_CONV_IN ? MIN_CHAIN : 1;
    for (int i = 0; i < s->n_xnodes; i++)
        if (p->on[i] && size[find_root(parent, i)] < MIN_CHAIN) p->on[i] = false;
    /* In order, so a producer is decided before its readers. */
    for (int i = 0; i < s->n_xnodes; i++) {
        if (!p->on[i] || p->role[i] == ROLE_CONV || p->role[i] == ROLE_CONV_IN) continue;
        const int v = s->xnodes[i].in[p->role[i] == ROLE_MUL ? p->big[i] : 0];
        p->on[i] = writes_blocked(p, p->producer[v]);
    }
    free(parent);
    free(size);
    return ONR_STATUS_OK;
}

/* A new blocked value with v's logical shape; -1 when the table is full or
 * the size overflows. */
static int add_blocked_value(struct onr_session *s, int v)
{
    if (s->n_values >= s->cap_values) return -1;
    const struct onr_tensor *t = &s->values[v].t;
    if (t->shape.rank < 2) return -1;
    int64_t plane = 1;
    for (int d = 2; d < t->shape.rank; d++)
        if (__builtin_mul_overflow(plane, t->shape.dims[d], &plane)) return -1;
    int64_t floats, bytes;
    if (__builtin_mul_overflow(t->shape.dims[0], onr_nchwc_blocks(t->shape.dims[1]), &floats) ||
        __builtin_mul_overflow(floats, plane, &floats) ||
        __builtin_mul_overflow(floats, (int64_t)ONR_NCHWC_LANES * (int64_t)sizeof(float), &bytes))
        return -1;
    struct onr_svalue *b = &s->values[s->n_values];
    memset(b, 0, sizeof *b);
    b->name = s->values[v].name;
    b->t.dtype = ONR_DTYPE_FLOAT;
    b->t.shape = t->shape;
    b->t.nbytes = (size_t)bytes;
    b->alias = -1;
    b->producer = -1;
    return s->n_values++;
}

/* Gives value v a blocked twin when blocked Convs write or read it. */
static enum onr_status block_value(struct pass *p, int v, struct onr_error *err)
{
    struct onr_session *s = p->s;
    const int prod = p->producer[v];
    const bool prod_on = writes_blocked(p, prod);
    bool need_blocked = false, need_plain = s->values[v].is_output;
    for (int j = 0; j < s->n_xnodes; j++) {
        const struct onr_xnode *xn = &s->xnodes[j];
        if (xn->removed || xn->folded) continue;
        for (int k = 0; k < xn->n_in; k++) {
            if (xn->in[k] != v) continue;
            if (p->on[j] && reads_blocked(p, j, k)) need_blocked = true;
            else need_plain = true;
        }
    }
    if (!prod_on && !need_blocked) return ONR_STATUS_OK;
    const int vb = add_blocked_value(s, v);
    if (vb < 0)
        return onr_error_set(err, ONR_STATUS_INTERNAL, "layout pass: no room for '%s'",
                             s->values[v].name);
    if (prod_on) {
        s->xnodes[prod].out[0] = vb;
        s->xnodes[prod].y[0] = &s->values[vb].t;
    }
    if (prod_on ? need_plain : true)
        p->ins[p->n_ins++] = (struct insert){
            .after = prod, .to_blocked = !prod_on, .from = prod_on ? vb : v, .to = prod_on ? v : vb,
        };
    for (int j = 0; j < s->n_xnodes; j++) {
        struct onr_xnode *xn = &s->xnodes[j];
        if (!p->on[j]) continue;
        for (int k = 0; k < xn->n_in; k++)
            if (xn->in[k] == v && reads_blocked(p, j, k)) {
                xn->in[k] = vb;
                xn->x[k] = &s->values[vb].t;
            }
    }
    return ONR_STATUS_OK;
}

/* A new session-owned node named after xnode i, of def, with i's
 * attributes. */
static enum onr_status new_node(struct onr_session *s, int i, const struct onr_op_def *def,
                                struct onr_node **out, struct onr_error *err)
{
    const struct onr_node *old = s->xnodes[i].node;
    enum onr_status st = onr_node_new(old->name, def->name, def->domain, out, err);
    if (st == ONR_STATUS_OK) st = onr_session_own_node(s, *out, err);
    if (st == ONR_STATUS_OK) st = onr_node_copy_attrs(*out, old, "", err);
    return st;
}

/* Whether a node other than a and b reads value v in the given layout
 * (plain: or v is a graph output). */
static bool read_elsewhere(const struct pass *p, int v, int a, int b, bool blocked)
{
    const struct onr_session *s = p->s;
    if (!blocked && s->values[v].is_output) return true;
    for (int j = 0; j < s->n_xnodes; j++) {
        const struct onr_xnode *xn = &s->xnodes[j];
        if (j == a || j == b || xn->removed || xn->folded) continue;
        for (int k = 0; k < xn->n_in; k++)
            if (xn->in[k] == v && (p->on[j] && reads_blocked(p, j, k)) == blocked) return true;
    }
    return false;
}

/* The reorders that running separable pair (dw, pw) blocked needs and the
 * ones running it plain needs, and no other node needs anyway: for each
 * value the pair reads blocked (dw's X, pw's residual), a copy in the
 * pair's layout unless its producer writes that layout or another reader
 * already wants that copy; for pw's output, one for each layout its
 * readers want other than the pair's. */
static void pair_reorders(const struct pass *p, int dw, int pw, int *blocked, int *plain)
{
    const struct onr_session *s = p->s;
    const struct onr_xnode *d = &s->xnodes[dw], *q = &s->xnodes[pw];
    const int in[2] = {d->in[0], q->n_in > 3 ? q->in[3] : -1};
    *blocked = *plain = 0;
    for (int k = 0; k < 2; k++) {
        const int v = in[k];
        if (v < 0 || (k == 1 && v == in[0])) continue;
        const bool prod_blocked = writes_blocked(p, p->producer[v]);
        if (!read_elsewhere(p, v, dw, pw, !prod_blocked)) ++*(prod_blocked ? plain : blocked);
    }
    const int y = q->out[0];
    *blocked += read_elsewhere(p, y, dw, pw, false);
    *plain += read_elsewhere(p, y, dw, pw, true);
}

/* A blocked depthwise Conv whose output only a blocked 1x1 Conv reads is a
 * separable pair that onnxrun.fused:DepthwisePointwise computes on plain
 * tensors with the same arithmetic and the same cache traffic as the
 * blocked kernels; what blocking it can gain is only reorders saved. So the
 * pair runs plain when blocking it needs more reorders than plain does
 * (pair_reorders: an isolated block, plain on both sides, needs two
 * blocked and none plain), and stays blocked inside a blocked network. */
static enum onr_status keep_pairs_plain(struct pass *p, struct onr_error *err)
{
    struct onr_session *s = p->s;
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *dw = &s->xnodes[i];
        if (!p->on[i] || p->role[i] != ROLE_CONV || dw->removed) continue;
        const int v = dw->out[0];
        const int j = s->values[v].is_output ? -1 : onr_session_sole_reader(s, v);
        if (j < 0 || !p->on[j] || p->role[j] != ROLE_CONV || s->xnodes[j].in[0] != v ||
            !onr_fused_dwpw_fits(&dw->ctx, &s->xnodes[j].ctx))
            continue;
        int blocked, plain;
        pair_reorders(p, i, j, &blocked, &plain);
        if (blocked <= plain) continue;
        struct onr_xnode *pw = &s->xnodes[j];
        int in[ONR_DWPW_INPUTS] = {dw->in[0], dw->in[1], dw->n_in > 2 ? dw->in[2] : -1, pw->in[1],
                                   pw->n_in > 2 ? pw->in[2] : -1, pw->n_in > 3 ? pw->in[3] : -1};
        int n_in = ONR_DWPW_INPUTS;
        while (n_in > ONR_DWPW_WP + 1 && in[n_in - 1] < 0) n_in--;
        const int out = pw->out[0];
        struct onr_node *node;
        enum onr_status st = new_node(s, i, &onr_op_fused_dwpw, &node, err);
        if (st == ONR_STATUS_OK) st = onr_node_copy_attrs(node, pw->node, "pointwise_", err);
        if (st == ONR_STATUS_OK)
            st = onr_session_replace_node(s, i, node, &onr_op_fused_dwpw, in, n_in, &out, 1, true,
                                          err);
        if (st != ONR_STATUS_OK) return st;
        pw->removed = true;
        p->on[i] = p->on[j] = false;
        p->producer[out] = i;
        p->producer[v] = -1;
    }
    return ONR_STATUS_OK;
}

/* Node i to its blocked form: a Conv becomes onnxrun.nchwc:Conv (which
 * packs its weights for the blocked kernels); a pool or Mul gets the
 * blocked op's definition. */
static enum onr_status switch_node(struct pass *p, int i, struct onr_error *err)
{
    struct onr_xnode *xn = &p->s->xnodes[i];
    if (p->role[i] == ROLE_CONV || p->role[i] == ROLE_CONV_IN) {
        struct onr_node *node;
        enum onr_status st = new_node(p->s, i, &onr_op_nchwc_conv, &node, err);
        if (st != ONR_STATUS_OK) return st;
        return onr_session_replace_node(p->s, i, node, &onr_op_nchwc_conv, xn->in, xn->n_in,
                                        xn->out, xn->n_out, true, err);
    }
    onr_xnode_release_params(xn);
    xn->ctx.workspace_bytes = 0;
    xn->def = p->role[i] == ROLE_POOL ? &onr_op_nchwc_global_avgpool : &onr_op_nchwc_channel_mul;
    xn->initialised = true;
    enum onr_status st = xn->def->init != NULL ? xn->def->init(&xn->ctx, err) : ONR_STATUS_OK;
    if (st == ONR_STATUS_OK) st = xn->def->infer(&xn->ctx, err);
    return st;
}

/* A blocked Mul by a per-channel gate whose only reader is a blocked 1x1
 * Conv: the Conv scales its input channels by the gate itself (its input
 * G), saving a pass over the tensor. */
static enum onr_status fuse_gates(struct pass *p, struct onr_error *err)
{
    struct onr_session *s = p->s;
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *mul = &s->xnodes[i];
        if (!p->on[i] || p->role[i] != ROLE_MUL) continue;
        const int v = mul->out[0];
        if (s->values[v].is_output) continue;
        const int reader = onr_session_sole_reader(s, v);
        if (reader < 0 || !p->on[reader] || p->role[reader] != ROLE_CONV) continue;
        struct onr_xnode *conv = &s->xnodes[reader];
        if (conv->in[0] != v || !onr_nchwc_conv_takes_gate(&conv->ctx)) continue;
        const int big = p->big[i];
        const int in[5] = {mul->in[big], conv->in[1], conv->n_in > 2 ? conv->in[2] : -1,
                           conv->n_in > 3 ? conv->in[3] : -1, mul->in[1 - big]};
        struct onr_node *node;
        enum onr_status st = new_node(s, reader, &onr_op_nchwc_conv, &node, err);
        if (st == ONR_STATUS_OK)
            st = onr_session_replace_node(s, reader, node, &onr_op_nchwc_conv, in, 5, conv->out,
                                          1, true, err);
        if (st != ONR_STATUS_OK) return st;
        mul->removed = true;
        p->on[i] = false;
    }
    return ONR_STATUS_OK;
}

/* A blocked stem Conv (fuse_stem) or 1x1 Conv (fuse_expand) whose only
 * reader is a blocked depthwise Conv: the depthwise Conv will compute it a
 * few rows at a time (onr_nchwc_fused_dw_fits decides whether a 1x1 Conv
 * is worth it) and read its input instead. */
static void fuse_into_depthwise(struct pass *p)
{
    struct onr_session *s = p->s;
    const unsigned passes = s->options.passes;
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *prod = &s->xnodes[i];
        if (!p->on[i] || prod->removed) continue;
        const bool stem = p->role[i] == ROLE_CONV_IN;
        if (stem ? !(passes & ONR_PASS_FUSE_STEM)
                 : p->role[i] != ROLE_CONV || !(passes & ONR_PASS_FUSE_EXPAND))
            continue;
        const int v = prod->out[0];
        if (s->values[v].is_output) continue;
        const int reader = onr_session_sole_reader(s, v);
        if (reader < 0 || !p->on[reader] || p->role[reader] != ROLE_CONV ||
            p->fuse_prod[reader] >= 0)
            continue;
        struct onr_xnode *dw = &s->xnodes[reader];
        if (dw->in[0] != v || !onr_nchwc_fused_dw_fits(&dw->ctx, &prod->ctx, NULL)) continue;
        p->fuse_prod[reader] = i;
        /* a stem's input is plain: the depthwise Conv now reads plain X */
        if (stem) p->role[reader] = ROLE_CONV_IN;
        prod->removed = true;
        p->on[i] = false;
    }
}

/* A blocked 1x1 Conv whose input is read by it alone and written by a
 * blocked depthwise Conv (fuse_project): the depthwise Conv will compute
 * it as its rows come (onr_nchwc_fused_dw_fits decides whether it is worth
 * it) and write its output; the 1x1 Conv's residual becomes the fused
 * node's R. */
static void fuse_projections(struct pass *p)
{
    struct onr_session *s = p->s;
    if (!(s->options.passes & ONR_PASS_FUSE_PROJECT)) return;
    for (int j = 0; j < s->n_xnodes; j++) {
        struct onr_xnode *pw = &s->xnodes[j];
        if (!p->on[j] || pw->removed || p->role[j] != ROLE_CONV || pw->n_in > 4) continue;
        const int v = pw->in[0];
        const int i = v >= 0 ? p->producer[v] : -1;
        if (i < 0 || !p->on[i] || s->values[v].is_output || p->fuse_cons[i] >= 0) continue;
        struct onr_xnode *dw = &s->xnodes[i];
        if (dw->removed || dw->n_in > 3) continue;
        /* a stem-fused depthwise Conv reads plain X and nothing blocked, so
         * it cannot take a blocked residual */
        const bool residual = pw->n_in > 3 && pw->in[3] >= 0;
        if (residual && p->role[i] != ROLE_CONV) continue;
        const struct onr_op_ctx *prod = p->fuse_prod[i] >= 0 ? &s->xnodes[p->fuse_prod[i]].ctx : NULL;
        if (onr_session_sole_reader(s, v) != j ||
            !onr_nchwc_fused_dw_fits(&dw->ctx, prod, &pw->ctx))
            continue;
        p->fuse_cons[i] = j;
        p->producer[pw->out[0]] = i;
        p->producer[v] = -1;   /* the depthwise output is no longer written */
        pw->removed = true;
        p->on[j] = false;
    }
}

/* Each depthwise Conv that takes in a producer or a consumer becomes one
 * onnxrun.nchwc:FusedDepthwiseConv node with the parts' attributes and
 * inputs. */
static enum onr_status build_fused(struct pass *p, struct onr_error *err)
{
    struct onr_session *s = p->s;
    for (int i = 0; i < s->n_xnodes; i++) {
        const int ci = p->fuse_prod[i], oi = p->fuse_cons[i];
        if (ci < 0 && oi < 0) continue;
        const struct onr_xnode *dw = &s->xnodes[i];
        const struct onr_xnode *c = ci >= 0 ? &s->xnodes[ci] : NULL, *o = oi >= 0 ? &s->xnodes[oi] : NULL;
        int in[ONR_FUSED_DW_INPUTS];
        for (int k = 0; k < ONR_FUSED_DW_INPUTS; k++) in[k] = -1;
        in[ONR_FUSED_DW_X] = c != NULL ? c->in[0] : dw->in[0];
        in[ONR_FUSED_DW_W] = dw->in[1];
        in[ONR_FUSED_DW_B] = dw->n_in > 2 ? dw->in[2] : -1;
        if (c != NULL) {
            in[ONR_FUSED_DW_WP] = c->in[1];
            in[ONR_FUSED_DW_BP] = c->n_in > 2 ? c->in[2] : -1;
        }
        if (o != NULL) {
            in[ONR_FUSED_DW_WC] = o->in[1];
            in[ONR_FUSED_DW_BC] = o->n_in > 2 ? o->in[2] : -1;
            in[ONR_FUSED_DW_R] = o->n_in > 3 ? o->in[3] : -1;
        }
        int n_in = ONR_FUSED_DW_INPUTS;
        while (n_in > 2 && in[n_in - 1] < 0) n_in--;
        const int out = o != NULL ? o->out[0] : dw->out[0];
        struct onr_node *node;
        enum onr_status st = new_node(s, i, &onr_op_nchwc_fused_dw, &node, err);
        if (st == ONR_STATUS_OK && c != NULL) st = onr_node_copy_attrs(node, c->node, "producer_", err);
        if (st == ONR_STATUS_OK && o != NULL) st = onr_node_copy_attrs(node, o->node, "consumer_", err);
        if (st == ONR_STATUS_OK)
            st = onr_session_replace_node(s, i, node, &onr_op_nchwc_fused_dw, in, n_in, &out, 1,
                                          true, err);
        if (st != ONR_STATUS_OK) return st;
        p->role[i] = p->role[i] == ROLE_CONV_IN ? ROLE_FUSED_IN : ROLE_FUSED;
    }
    return ONR_STATUS_OK;
}

/* The reorder node for `in`, named after its value (owned by the session). */
static enum onr_status make_reorder(struct onr_session *s, const struct insert *in,
                                    struct onr_xnode *xn, struct onr_error *err)
{
    const char *vname = s->values[in->to_blocked ? in->from : in->to].name;
    const char *suffix = in->to_blocked ? "/to_nchw16c" : "/to_nchw";
    char name[256];
    snprintf(name, sizeof name, "%s%s", vname, suffix);
    memset(xn, 0, sizeof *xn);
    xn->in = malloc(sizeof *xn->in);
    xn->out = malloc(sizeof *xn->out);
    xn->x = calloc(1, sizeof *xn->x);
    xn->y = calloc(1, sizeof *xn->y);
    if (!xn->in || !xn->out || !xn->x || !xn->y)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "layout pass: out of memory");
    xn->def = in->to_blocked ? &onr_op_nchwc_reorder_in : &onr_op_nchwc_reorder_out;
    struct onr_node *node;
    enum onr_status st = onr_node_new(name, xn->def->name, xn->def->domain, &node, err);
    if (st == ONR_STATUS_OK) st = onr_session_own_node(s, node, err);
    if (st != ONR_STATUS_OK) return st;
    xn->node = node;
    xn->n_in = xn->n_out = 1;
    xn->in[0] = in->from;
    xn->out[0] = in->to;
    xn->x[0] = &s->values[in->from].t;
    xn->y[0] = &s->values[in->to].t;
    xn->ctx = (struct onr_op_ctx){
        .node = node, .opset = 1, .n_x = 1, .x = xn->x, .n_y = 1, .y = xn->y,
        .threads = s->threads, .isa = s->isa,
    };
    xn->initialised = true;
    st = xn->def->init(&xn->ctx, err);
    if (st == ONR_STATUS_OK) st = xn->def->infer(&xn->ctx, err);
    return st;
}

/* The xnode list with the reorders in place, in an order that runs. */
static enum onr_status insert_reorders(struct pass *p, struct onr_error *err)
{
    struct onr_session *s = p->s;
    if (p->n_ins == 0) return ONR_STATUS_OK;
    struct onr_xnode *all = calloc((size_t)(s->n_xnodes + p->n_ins), sizeof *all);
    if (all == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "layout pass: out of memory");
    int n = 0;
    enum onr_status st = ONR_STATUS_OK;
    for (int i = -1; i < s->n_xnodes; i++) {
        if (i >= 0) all[n++] = s->xnodes[i];
        for (int k = 0; k < p->n_ins; k++) {
            if (p->ins[k].after != i) continue;
            enum onr_status r = make_reorder(s, &p->ins[k], &all[n++], err);
            if (st == ONR_STATUS_OK) st = r;
        }
    }
    /* Even on failure the new list owns everything, for unprepare. */
    free(s->xnodes);
    s->xnodes = all;
    s->n_xnodes = n;
    return st;
}

enum onr_status onr_pass_nchwc_layout(struct onr_session *s, struct onr_error *err)
{
    if (s->options.reference_kernels || s->isa < ONR_ISA_AVX2 || s->n_xnodes <= 0)
        return ONR_STATUS_OK;
    struct pass p = {.s = s};
    const int n_values = s->n_values;
    p.producer = malloc((size_t)n_values * sizeof *p.producer);
    p.on = calloc((size_t)s->n_xnodes, sizeof *p.on);
    p.role = calloc((size_t)s->n_xnodes, sizeof *p.role);
    p.big = calloc((size_t)s->n_xnodes, sizeof *p.big);
    p.ins = calloc((size_t)n_values, sizeof *p.ins);
    p.fuse_prod = malloc((size_t)s->n_xnodes * sizeof *p.fuse_prod);
    p.fuse_cons = malloc((size_t)s->n_xnodes * sizeof *p.fuse_cons);
    enum onr_status st = ONR_STATUS_OK;
    if (p.producer == NULL || p.on == NULL || p.role == NULL || p.big == NULL || p.ins == NULL ||
        p.fuse_prod == NULL || p.fuse_cons == NULL) {
        st = onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "layout pass: out of memory");
        goto done;
    }
    for (int v = 0; v < n_values; v++) p.producer[v] = -1;
    for (int i = 0; i < s->n_xnodes; i++) p.fuse_prod[i] = p.fuse_cons[i] = -1;
    for (int i = 0; i < s->n_xnodes; i++) {
        const struct onr_xnode *xn = &s->xnodes[i];
        if (xn->removed || xn->folded) continue;
        for (int k = 0; k < xn->n_out; k++)
            if (xn->out[k] >= 0) p.producer[xn->out[k]] = i;
    }
    if (mark_chains(&p) != ONR_STATUS_OK) {
        st = onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "layout pass: out of memory");
        goto done;
    }
    st = keep_pairs_plain(&p, err);
    if (st != ONR_STATUS_OK) goto done;
    /* Room for a twin of every value: else leave the graph as it is. */
    int blocked = 0;
    for (int i = 0; i < s->n_xnodes; i++) blocked += p.on[i];
    if (blocked == 0 || s->n_values + n_values > s->cap_values) goto done;
    for (int i = 0; i < s->n_xnodes && st == ONR_STATUS_OK; i++)
        if (p.on[i]) st = switch_node(&p, i, err);
    if (st == ONR_STATUS_OK) st = fuse_gates(&p, err);
    if (st == ONR_STATUS_OK) fuse_into_depthwise(&p);
    if (st == ONR_STATUS_OK) fuse_projections(&p);
    if (st == ONR_STATUS_OK) st = build_fused(&p, err);
    for (int v = 0; v < n_values && st == ONR_STATUS_OK; v++) st = block_value(&p, v, err);
    if (st == ONR_STATUS_OK) st = insert_reorders(&p, err);
done:
    free(p.producer);
    free(p.on);
    free(p.role);
    free(p.big);
    free(p.ins);
    free(p.fuse_prod);
    free(p.fuse_cons);
    return st;
}
