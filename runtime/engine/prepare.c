/* The prepare pipeline (prepare_steps reads as it): bind the graph's values
 * and nodes to operator definitions, compute the constant sources, run the
 * wiring passes, infer shapes from the prepared input shapes while running
 * constant subgraphs once and preparing kernels, run the passes that need
 * prepared nodes, then plan the values' memory. The graph passes are the
 * list of runtime/passes/passes.h; executor.c runs the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../error.h"
#include "../cpu.h"
#include "../passes/passes.h"
#include "../plan.h"
#include "session.h"

/* Values of the graph, as the session sees them, before any node runs. */
static enum onr_status bind_values(struct onr_session *s, struct onr_error *err)
{
    const struct onr_graph *g = &s->model->graph;
    /* Passes add values: BatchNorm folding two per node, the layout pass
     * at most one twin per value. */
    s->cap_values = 2 * g->n_values + 4 * g->n_nodes + 16;
    s->values = calloc((size_t)s->cap_values, sizeof *s->values);
    if (s->values == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    s->n_values = g->n_values;
    for (int i = 0; i < g->n_values; i++) {
        const struct onr_value *v = &g->values[i];
        struct onr_svalue *sv = &s->values[i];
        sv->name = v->name;
        sv->alias = -1;
        sv->producer = -1;
        sv->t.dtype = v->dtype;
        if (v->is_initializer) {
            sv->t = v->data;
            sv->t.owned = false; /* borrowed from the model */
            sv->is_const = true;
        }
    }
    for (int i = 0; i < g->n_inputs; i++) {
        struct onr_svalue *sv = &s->values[g->inputs[i]];
        sv->is_input = true;
        sv->t.shape = s->prepared_inputs[i];
        if (s->value_input[i] && s->input_values[i].data != NULL) {
            sv->t = s->input_values[i];
            sv->t.owned = false; /* the session's copy */
            sv->is_const = true;
        }
        enum onr_status st = onr_shape_check(&sv->t.shape, sv->t.dtype, &sv->t.nbytes, err);
        if (st != ONR_STATUS_OK) {
            onr_error_prefix(err, "input '%s'", sv->name);
            return st;
        }
    }
    for (int i = 0; i < g->n_outputs; i++) s->values[g->outputs[i]].is_output = true;
    return ONR_STATUS_OK;
}

/* Appends "'node' (Op, opset N)" to the message of unsupported nodes. */
static void note_unsupported(char *buf, size_t size, size_t *used, const struct onr_node *n,
                             int64_t opset, const char *why)
{
    if (*used >= size) return;
    int k = snprintf(buf + *used, size - *used, "%s%s '%s' (%s%s%s, opset %lld)", *used ? "; " : "",
                     why, n->name, n->domain[0] ? n->domain : "", n->domain[0] ? "." : "",
                     n->op_type, (long long)opset);
    if (k > 0) *used += (size_t)k;
}

/* One xnode per graph node: find its definition, check its arity, read its
 * attributes. Every unsupported node is named in one message. */
static enum onr_status bind_nodes(struct onr_session *s, struct onr_error *err)
{
    const struct onr_graph *g = &s->model->graph;
    s->xnodes = calloc((size_t)(g->n_nodes ? g->n_nodes : 1), sizeof *s->xnodes);
    if (s->xnodes == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    s->n_xnodes = g->n_nodes;
    char bad[768];
    size_t used = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const struct onr_node *n = &g->nodes[i];
        struct onr_xnode *xn = &s->xnodes[i];
        xn->node = n;
        xn->def = onr_op_find(n->op_type, n->domain, g->opset);
        /* Internal operators (onnxrun.*) are built by passes, not read. */
        if (xn->def != NULL && (xn->def->flags & ONR_OP_FLAG_INTERNAL)) xn->def = NULL;
        if (xn->def == NULL) {
            const char *why = onr_op_find_any(n->op_type, n->domain) ? "unsupported opset for"
                                                                       : "unsupported operator at";
            note_unsupported(bad, sizeof bad, &used, n, g->opset, why);
            continue;
        }
        xn->n_in = n->n_inputs;
        xn->n_out = n->n_outputs;
        /* Room for every input the definition declares (BatchNorm folding
         * gives a Conv its B); a pass that needs more builds another node. */
        const int in_cap = n->n_inputs > xn->def->max_inputs ? n->n_inputs : xn->def->max_inputs;
        const int out_cap = n->n_outputs > 0 ? n->n_outputs : 1;
        xn->in = malloc((size_t)(in_cap > 0 ? in_cap : 1) * sizeof *xn->in);
        xn->out = malloc((size_t)out_cap * sizeof *xn->out);
        xn->x = calloc((size_t)(in_cap > 0 ? in_cap : 1), sizeof *xn->x);
        xn->y = calloc((size_t)out_cap, sizeof *xn->y);
        if (!xn->in || !xn->out || !xn->x || !xn->y)
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
        if (n->n_inputs) memcpy(xn->in, n->inputs, (size_t)n->n_inputs * sizeof *xn->in);
        if (n->n_outputs) memcpy(xn->out, n->outputs, (size_t)n->n_outputs * sizeof *xn->out);
        /* Trailing omitted inputs do not count towards arity. */
        while (xn->n_in > 0 && xn->in[xn->n_in - 1] < 0) xn->n_in--;
        if (xn->n_in < xn->def->min_inputs || xn->n_in > xn->def->max_inputs ||
            xn->n_out < xn->def->min_outputs || xn->n_out > xn->def->max_outputs)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': %d inputs and %d outputs, expected %d..%d and %d..%d",
                                 n->op_type, n->name, xn->n_in, xn->n_out, xn->def->min_inputs,
                                 xn->def->max_inputs, xn->def->min_outputs, xn->def->max_outputs);
        for (int k = 0; k < xn->def->min_inputs && k < xn->n_in; k++)
            if (xn->in[k] < 0)
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "%s '%s': required input %d is omitted", n->op_type,
                                     n->name, k);
        xn->ctx.node = n;
        xn->ctx.opset = g->opset;
        xn->ctx.threads = s->threads;
        xn->ctx.reference = s->options.reference_kernels != 0;
        xn->ctx.isa = s->isa;
        xn->ctx.winograd_tile = s->winograd_tile;
        xn->ctx.n_x = xn->n_in;
        xn->ctx.n_y = xn->n_out;
        xn->ctx.x = xn->x;
        xn->ctx.y = xn->y;
        if (xn->def->init != NULL) {
            xn->initialised = true;
            enum onr_status st = xn->def->init(&xn->ctx, err);
            /* Unsupported attribute values are collected like unknown ops. */
            if (st == ONR_STATUS_UNSUPPORTED && used < sizeof bad) {
                int k = snprintf(bad + used, sizeof bad - used, "%s%s", used ? "; " : "",
                                 err ? err->message : "unsupported attribute");
                if (k > 0) used += (size_t)k;
            } else if (st != ONR_STATUS_OK) {
                return st;
            }
        }
    }
    if (used >= sizeof bad) memcpy(bad + sizeof bad - 4, "...", 4);
    if (used > 0)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s", bad);
    return ONR_STATUS_OK;
}

void onr_session_count_readers(struct onr_session *s)
{
    for (int v = 0; v < s->n_values; v++) {
        s->values[v].n_consumers = 0;
        s->values[v].producer = -1;
    }
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *xn = &s->xnodes[i];
        if (xn->removed) continue;
        for (int k = 0; k < xn->n_in; k++)
            if (xn->in[k] >= 0) s->values[xn->in[k]].n_consumers++;
        for (int k = 0; k < xn->n_out; k++)
            if (xn->out[k] >= 0) s->values[xn->out[k]].producer = i;
    }
}

/* Zero-sized dimensions are legal ONNX. A node whose outputs all have no
 * elements has nothing to compute, so it is not run: kernels then never see
 * an empty output (their work splits divide by block counts). A node with a
 * non-empty output and an empty input (Concat, a reduction over an empty
 * axis, Shape) runs, and its operator handles the empty input. */
static bool outputs_empty(const struct onr_session *s, const struct onr_xnode *xn)
{
    bool empty = xn->n_out > 0;
    for (int k = 0; k < xn->n_out && empty; k++)
        empty = xn->out[k] < 0 || s->values[xn->out[k]].t.nbytes == 0;
    return empty;
}

/* Runs a node whose inputs are all constant, once, into owned outputs. */
static enum onr_status fold_node(struct onr_session *s, struct onr_xnode *xn, struct onr_error *err)
{
    for (int k = 0; k < xn->n_out; k++) {
        struct onr_svalue *v = xn->out[k] >= 0 ? &s->values[xn->out[k]] : NULL;
        if (v == NULL) continue;
        struct onr_shape shape = v->t.shape;
        enum onr_status st = onr_tensor_alloc(&v->t, v->t.dtype, &shape, err);
        if (st != ONR_STATUS_OK) return st;
        v->is_const = true;
    }
    if (xn->def->prepare != NULL) {
        enum onr_status st = xn->def->prepare(&xn->ctx, err);
        if (st != ONR_STATUS_OK) return st;
    }
    void *ws = NULL;
    if (xn->ctx.workspace_bytes > 0) {
        ws = onr_aligned_alloc(xn->ctx.workspace_bytes);
        if (ws == NULL)
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': cannot allocate workspace",
                                 xn->node->op_type, xn->node->name);
    }
    xn->ctx.workspace = ws;
    enum onr_status st = outputs_empty(s, xn) ? ONR_STATUS_OK : xn->def->run(&xn->ctx, err);
    xn->ctx.workspace = NULL;
    onr_aligned_free(ws);
    xn->folded = true;
    return st;
}

/* Shape inference, constant folding and kernel preparation, in order. */
static enum onr_status infer_and_prepare(struct onr_session *s, struct onr_error *err)
{
    s->workspace_bytes = 0;
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *xn = &s->xnodes[i];
        if (xn->removed || xn->folded) continue;
        bool all_const = true;
        for (int k = 0; k < xn->n_in; k++) {
            xn->x[k] = xn->in[k] >= 0 ? &s->values[xn->in[k]].t : NULL;
            if (xn->in[k] >= 0 && !s->values[xn->in[k]].is_const &&
                !(xn->def->flags & ONR_OP_FLAG_SHAPE_ONLY))
                all_const = false;
            if (xn->x[k] != NULL && xn->x[k]->dtype == ONR_DTYPE_UNDEFINED)
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "%s '%s': input '%s' has no known type", xn->node->op_type,
                                     xn->node->name, s->values[xn->in[k]].name);
        }
        for (int k = 0; k < xn->n_out; k++)
            xn->y[k] = xn->out[k] >= 0 ? &s->values[xn->out[k]].t : NULL;
        enum onr_status st = xn->def->infer(&xn->ctx, err);
        if (st != ONR_STATUS_OK) return st;
        for (int k = 0; k < xn->n_out; k++) {
            if (xn->y[k] == NULL) continue;
            st = onr_shape_check(&xn->y[k]->shape, xn->y[k]->dtype, &xn->y[k]->nbytes, err);
            if (st != ONR_STATUS_OK) {
                onr_error_prefix(err, "%s '%s': output %d", xn->node->op_type, xn->node->name, k);
                return st;
            }
        }
        if (all_const) {
            st = fold_node(s, xn, err);
            if (st != ONR_STATUS_OK) return st;
            continue;
        }
        if (xn->def->prepare != NULL) {
            st = xn->def->prepare(&xn->ctx, err);
            if (st != ONR_STATUS_OK) return st;
        }
        if (xn->ctx.workspace_bytes > s->workspace_bytes) s->workspace_bytes = xn->ctx.workspace_bytes;
        /* A view shares its input's storage when that input is not constant. */
        if ((xn->def->flags & ONR_OP_FLAG_VIEW) && xn->in[0] >= 0 && xn->out[0] >= 0 &&
            !s->values[xn->in[0]].is_const && xn->x[0]->nbytes == xn->y[0]->nbytes) {
            int root = xn->in[0];
            while (s->values[root].alias >= 0) root = s->values[root].alias;
            s->values[xn->out[0]].alias = root;
            xn->skip_run = true;
        }
    }
    return ONR_STATUS_OK;
}

/* "1.5 GiB", "512 KiB", "100 bytes" */
static const char *format_bytes(size_t bytes, char *buf, size_t size)
{
    static const char *unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    if (u == 0) snprintf(buf, size, "%zu bytes", bytes);
    else snprintf(buf, size, "%.1f %s", v, unit[u]);
    return buf;
}

/* The planned values and the workspace against the session's memory cap,
 * before either is allocated: what prepare allocated so far (packed
 * weights, folded constants) plus what the plan needs. */
static enum onr_status check_memory_cap(struct onr_session *s, const struct onr_plan_item *items,
                                        int n, struct onr_error *err)
{
    const struct onr_mem_budget *b = onr_mem_budget_current();
    if (b == NULL || b->cap == 0) return ONR_STATUS_OK;
    size_t values = 0;
    if (s->options.no_arena) {
        for (int k = 0; k < n; k++) values += items[k].bytes;
    } else {
        values = s->arena_bytes;
    }
    const size_t need = b->used + values + s->workspace_bytes;
    if (need >= b->used && need <= b->cap && values <= need) return ONR_STATUS_OK;
    char total[32], act[32], ws[32], rest[32], cap[32];
    return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY,
                         "the session needs %s (intermediate tensors %s, workspace %s, weights and "
                         "constants %s), more than its memory cap of %s",
                         format_bytes(need < b->used ? SIZE_MAX : need, total, sizeof total),
                         format_bytes(values, act, sizeof act),
                         format_bytes(s->workspace_bytes, ws, sizeof ws),
                         format_bytes(b->used, rest, sizeof rest), format_bytes(b->cap, cap, sizeof cap));
}

/* Which nodes write and read each value, for the planner: the live
 * nodes in run order (a folded node counts: it ran at prepare). */
static struct onr_plan_use *value_uses(const struct onr_session *s, int *n_uses)
{
    int n = 0;
    for (int i = 0; i < s->n_xnodes; i++)
        if (!s->xnodes[i].removed) n += s->xnodes[i].n_in + s->xnodes[i].n_out;
    struct onr_plan_use *uses = malloc((size_t)(n > 0 ? n : 1) * sizeof *uses);
    if (uses == NULL) return NULL;
    n = 0;
    for (int i = 0; i < s->n_xnodes; i++) {
        const struct onr_xnode *xn = &s->xnodes[i];
        if (xn->removed) continue;
        for (int k = 0; k < xn->n_in; k++)
            if (xn->in[k] >= 0) uses[n++] = (struct onr_plan_use){i, xn->in[k], false};
        for (int k = 0; k < xn->n_out; k++)
            if (xn->out[k] >= 0) uses[n++] = (struct onr_plan_use){i, xn->out[k], true};
    }
    *n_uses = n;
    return uses;
}

/* Lifetimes of the values written at run time (plan.c), then one arena
 * for all, or one allocation each in no-arena mode. */
static enum onr_status plan_memory(struct onr_session *s, struct onr_error *err)
{
    onr_session_count_readers(s);
    int n_uses = 0;
    struct onr_plan_use *uses = value_uses(s, &n_uses);
    struct onr_plan_value *pv = calloc((size_t)s->n_values + 1, sizeof *pv);
    struct onr_plan_item *items = calloc((size_t)s->n_values + 1, sizeof *items);
    int *owner = calloc((size_t)s->n_values + 1, sizeof *owner);
    if (uses == NULL || pv == NULL || items == NULL || owner == NULL) {
        free(uses);
        free(pv);
        free(items);
        free(owner);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    for (int v = 0; v < s->n_values; v++) {
        const struct onr_svalue *sv = &s->values[v];
        pv[v] = (struct onr_plan_value){.bytes = sv->t.nbytes, .planned = !sv->is_const && !sv->is_input,
                                        .is_output = sv->is_output, .alias = sv->alias};
    }
    const int n = onr_plan_lifetimes(pv, s->n_values, uses, n_uses, s->n_xnodes, items, owner);
    free(uses);
    free(pv);
    enum onr_status st = ONR_STATUS_OK;
    if (s->options.no_arena) {
        st = check_memory_cap(s, items, n, err);
    } else {
        st = onr_plan_assign(items, n, &s->arena_bytes, err);
        if (st == ONR_STATUS_OK) st = check_memory_cap(s, items, n, err);
    }
    if (st != ONR_STATUS_OK) {
        /* nothing allocated */
    } else if (s->options.no_arena) {
        /* One allocation per value, so AddressSanitizer sees each bound. */
        s->value_buffers = calloc((size_t)s->n_values + 1, sizeof *s->value_buffers);
        if (s->value_buffers == NULL) st = ONR_STATUS_OUT_OF_MEMORY;
        for (int k = 0; k < n && st == ONR_STATUS_OK; k++) {
            void *p = onr_aligned_alloc(items[k].bytes);
            if (p == NULL) st = ONR_STATUS_OUT_OF_MEMORY;
            s->value_buffers[owner[k]] = p;
            s->values[owner[k]].t.data = p;
        }
        if (st != ONR_STATUS_OK) onr_error_set(err, st, "cannot allocate value buffers");
    } else {
        /* Allocated even when every planned value is empty, so that no
         * value's data is an offset from NULL. */
        s->arena = onr_aligned_alloc(s->arena_bytes);
        if (s->arena == NULL)
            st = onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "cannot allocate a %zu-byte arena",
                               s->arena_bytes);
        for (int k = 0; k < n && st == ONR_STATUS_OK; k++)
            s->values[owner[k]].t.data = (char *)s->arena + items[k].offset;
    }
    free(items);
    free(owner);
    if (st != ONR_STATUS_OK) return st;
    if (s->workspace_bytes > 0) {
        s->workspace = onr_aligned_alloc(s->workspace_bytes);
        if (s->workspace == NULL)
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "cannot allocate a %zu-byte workspace",
                                 s->workspace_bytes);
    }
    for (int i = 0; i < s->n_xnodes; i++) s->xnodes[i].ctx.workspace = s->workspace;
    return ONR_STATUS_OK;
}

static void mark_empty_nodes(struct onr_session *s)
{
    for (int i = 0; i < s->n_xnodes; i++) s->xnodes[i].empty_output = outputs_empty(s, &s->xnodes[i]);
}

/* The first run should cost what later ones do: the OpenMP team is started
 * here (creating threads takes milliseconds) and the arena and workspace
 * are written once, so their pages are mapped now and not during a run. */
static void warm_start(struct onr_session *s)
{
    if (s->arena != NULL) memset(s->arena, 0, s->arena_bytes);
    if (s->workspace != NULL) memset(s->workspace, 0, s->workspace_bytes);
    onr_cpu_restore_denormals(onr_cpu_flush_denormals(s->threads), s->threads);
}

/* Nodes without inputs (Constant) are computed before the graph passes, so
 * passes see their values as they see initializers (Clip's bounds). */
static enum onr_status fold_sources(struct onr_session *s, struct onr_error *err)
{
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *xn = &s->xnodes[i];
        if (xn->n_in != 0) continue;
        for (int k = 0; k < xn->n_out; k++)
            xn->y[k] = xn->out[k] >= 0 ? &s->values[xn->out[k]].t : NULL;
        enum onr_status st = xn->def->infer(&xn->ctx, err);
        for (int k = 0; k < xn->n_out && st == ONR_STATUS_OK; k++)
            if (xn->y[k] != NULL)
                st = onr_shape_check(&xn->y[k]->shape, xn->y[k]->dtype, &xn->y[k]->nbytes, err);
        if (st == ONR_STATUS_OK) st = fold_node(s, xn, err);
        if (st != ONR_STATUS_OK) return st;
    }
    return ONR_STATUS_OK;
}

/* The passes of one phase that the session's options turn on, in the
 * list's order; the readers are counted before each. */
static enum onr_status run_passes(struct onr_session *s, enum onr_pass_phase phase,
                                  struct onr_error *err)
{
    for (int k = 0; k < onr_graph_passes_count; k++) {
        const struct onr_graph_pass *p = &onr_graph_passes[k];
        if (p->phase != phase || !(s->options.passes & p->option)) continue;
        onr_session_count_readers(s);
        enum onr_status st = p->fn(s, err);
        if (st != ONR_STATUS_OK) return st;
    }
    onr_session_count_readers(s);
    return ONR_STATUS_OK;
}

static enum onr_status prepare_steps(struct onr_session *s, struct onr_error *err);

/* Everything prepare allocates counts against the session's memory cap. */
enum onr_status onr_session_prepare(struct onr_session *s, struct onr_error *err)
{
    struct onr_mem_budget budget = {.cap = s->options.max_memory};
    onr_mem_budget_enter(&budget);
    enum onr_status st = prepare_steps(s, err);
    onr_mem_budget_leave();
    if (st == ONR_STATUS_OUT_OF_MEMORY && budget.refused > 0) {
        char want[32], cap[32];
        onr_error_prefix(err, "memory cap of %s reached (an allocation of %s refused)",
                         format_bytes(budget.cap, cap, sizeof cap),
                         format_bytes(budget.refused, want, sizeof want));
    }
    return st;
}

static enum onr_status prepare_steps(struct onr_session *s, struct onr_error *err)
{
    enum onr_status st = bind_values(s, err);
    if (st == ONR_STATUS_OK) st = bind_nodes(s, err);
    if (st == ONR_STATUS_OK) st = fold_sources(s, err);
    if (st == ONR_STATUS_OK) st = run_passes(s, ONR_PASS_PHASE_WIRING, err);
    if (st == ONR_STATUS_OK) st = infer_and_prepare(s, err);
    if (st == ONR_STATUS_OK) st = run_passes(s, ONR_PASS_PHASE_PREPARED, err);
    if (st == ONR_STATUS_OK) st = plan_memory(s, err);
    if (st == ONR_STATUS_OK) {
        mark_empty_nodes(s);
        warm_start(s);
    }
    if (st != ONR_STATUS_OK) {
        onr_session_unprepare(s);
        return st;
    }
    s->ready = true;
    return ONR_STATUS_OK;
}

void onr_xnode_release_params(struct onr_xnode *xn)
{
    if (xn->initialised) {
        if (xn->def->release != NULL) xn->def->release(xn->ctx.params);
        else free(xn->ctx.params);
    }
    xn->initialised = false;
    xn->ctx.params = NULL;
}

void onr_xnode_release(struct onr_xnode *xn)
{
    onr_xnode_release_params(xn);
    free(xn->in);
    free(xn->out);
    free(xn->x);
    free(xn->y);
    xn->in = xn->out = NULL;
    xn->x = xn->y = NULL;
}

void onr_session_unprepare(struct onr_session *s)
{
    for (int i = 0; i < s->n_xnodes; i++) onr_xnode_release(&s->xnodes[i]);
    free(s->xnodes);
    s->xnodes = NULL;
    s->n_xnodes = 0;
    for (int i = 0; i < s->n_pass_nodes; i++) {
        onr_node_free(s->pass_nodes[i]);
        free(s->pass_nodes[i]);
    }
    free(s->pass_nodes);
    s->pass_nodes = NULL;
    s->n_pass_nodes = s->cap_pass_nodes = 0;
    for (int v = 0; v < s->n_values; v++) {
        if (s->values[v].t.owned) onr_tensor_free(&s->values[v].t);
        if (s->value_buffers != NULL) onr_aligned_free(s->value_buffers[v]);
    }
    free(s->value_buffers);
    s->value_buffers = NULL;
    free(s->values);
    s->values = NULL;
    s->n_values = 0;
    onr_aligned_free(s->arena);
    s->arena = NULL;
    s->arena_bytes = 0;
    onr_aligned_free(s->workspace);
    s->workspace = NULL;
    s->workspace_bytes = 0;
    s->ready = false;
}
