/* The runtime graph: value and node storage, a name -> value hash index,
 * topological sort with the checks that make a graph executable (one
 * producer per value, every input defined, no cycles), and typed attribute
 * getters. Nothing here knows protobuf; the loader fills these structs.
 *
 * The index is keyed by value names at the time they were interned: value
 * names must not change afterwards. Values appended or removed without
 * onr_graph_intern_value are picked up by a rebuild on the next lookup. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "graph.h"

struct onr_value_index {
    size_t cap;         /* power of two, > 2 * n_indexed */
    int *slots;         /* value index, or -1 when empty */
    int n_indexed;      /* g->values[0 .. n_indexed) are in the table */
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static void index_put(struct onr_value_index *idx, const struct onr_value *values, int i)
{
    if (values[i].name == NULL) return;
    size_t mask = idx->cap - 1;
    size_t h = (size_t)hash_name(values[i].name) & mask;
    while (idx->slots[h] >= 0) h = (h + 1) & mask;
    idx->slots[h] = i;
}

/* Makes the index cover every value, growing it so that it stays at most
 * half full. Returns 0, or -1 when out of memory. */
static int index_sync(const struct onr_graph *g, int need)
{
    struct onr_value_index *idx = g->index;
    size_t cap = idx->cap ? idx->cap : 64;
    while (cap / 2 <= (size_t)need) cap *= 2;
    if (cap != idx->cap || idx->n_indexed > g->n_values) {
        int *slots = malloc(cap * sizeof *slots);
        if (slots == NULL) return -1;
        free(idx->slots);
        idx->slots = slots;
        idx->cap = cap;
        idx->n_indexed = 0;
        for (size_t k = 0; k < cap; k++) idx->slots[k] = -1;
    }
    for (int i = idx->n_indexed; i < g->n_values; i++) index_put(idx, g->values, i);
    idx->n_indexed = g->n_values;
    return 0;
}

void onr_graph_init(struct onr_graph *g)
{
    memset(g, 0, sizeof *g);
}

void onr_graph_free(struct onr_graph *g)
{
    for (int i = 0; i < g->n_values; i++) onr_value_free(&g->values[i]);
    for (int i = 0; i < g->n_nodes; i++) onr_node_free(&g->nodes[i]);
    free(g->values);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->name);
    free(g->producer_name);
    free(g->producer_version);
    if (g->index) free(g->index->slots);
    free(g->index);
    onr_graph_init(g);
}

int onr_graph_find_value(const struct onr_graph *g, const char *name)
{
    if (name == NULL) return -1;
    struct onr_value_index *idx = g->index;
    if (idx == NULL || index_sync(g, g->n_values) != 0) {
        for (int i = 0; i < g->n_values; i++)   /* no index: linear scan */
            if (g->values[i].name && strcmp(g->values[i].name, name) == 0) return i;
        return -1;
    }
    size_t mask = idx->cap - 1;
    for (size_t h = (size_t)hash_name(name) & mask; idx->slots[h] >= 0; h = (h + 1) & mask)
        if (strcmp(g->values[idx->slots[h]].name, name) == 0) return idx->slots[h];
    return -1;
}

enum onr_status onr_graph_intern_value(struct onr_graph *g, const char *name,
                                       int *index, struct onr_error *err)
{
    if (name == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "value name is NULL");
    if (g->index == NULL) {
        g->index = calloc(1, sizeof *g->index);
        if (g->index == NULL) goto oom;
    }
    int found = onr_graph_find_value(g, name);
    if (found >= 0) {
        *index = found;
        return ONR_STATUS_OK;
    }
    if (g->n_values == 0x3fffffff)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "more than %d values", g->n_values);
    if (g->n_values == g->cap_values) {
        int cap = g->cap_values ? g->cap_values * 2 : 16;
        struct onr_value *v = realloc(g->values, (size_t)cap * sizeof *v);
        if (v == NULL) goto oom;
        g->values = v;
        g->cap_values = cap;
    }
    if (index_sync(g, g->n_values + 1) != 0) goto oom;
    struct onr_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    v->name = strdup(name);
    if (v->name == NULL) goto oom;
    v->producer = -1;
    *index = g->n_values++;
    index_put(g->index, g->values, *index);
    g->index->n_indexed = g->n_values;
    return ONR_STATUS_OK;
oom:
    return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory adding value '%s'", name);
}

enum onr_status onr_graph_add_node(struct onr_graph *g, struct onr_node **node,
                                   struct onr_error *err)
{
    if (g->n_nodes == 0x3fffffff)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "more than %d nodes", g->n_nodes);
    if (g->n_nodes == g->cap_nodes) {
        int cap = g->cap_nodes ? g->cap_nodes * 2 : 16;
        struct onr_node *n = realloc(g->nodes, (size_t)cap * sizeof *n);
        if (n == NULL)
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory adding a node");
        g->nodes = n;
        g->cap_nodes = cap;
    }
    *node = &g->nodes[g->n_nodes++];
    memset(*node, 0, sizeof **node);
    return ONR_STATUS_OK;
}

void onr_attr_free(struct onr_attr *a)
{
    free(a->name);
    free(a->s);
    free(a->ints);
    free(a->floats);
    if (a->strings)
        for (size_t i = 0; i < a->count; i++) free(a->strings[i]);
    free(a->strings);
    if (a->t) onr_tensor_free(a->t);
    free(a->t);
    memset(a, 0, sizeof *a);
}

void onr_node_free(struct onr_node *n)
{
    free(n->name);
    free(n->op_type);
    free(n->domain);
    free(n->inputs);
    free(n->outputs);
    for (int i = 0; i < n->n_attrs; i++) onr_attr_free(&n->attrs[i]);
    free(n->attrs);
    memset(n, 0, sizeof *n);
}

void onr_value_free(struct onr_value *v)
{
    free(v->name);
    for (int i = 0; i < ONR_MAX_RANK; i++) free(v->dim_params[i]);
    onr_tensor_free(&v->data);
    memset(v, 0, sizeof *v);
}

/* ---- topological sort ---- */

/* Binary min-heap of node indices: Kahn's algorithm that always emits the
 * lowest ready index keeps file order wherever file order is valid. */
struct heap {
    int *a;
    int n;
};

static void heap_push(struct heap *h, int x)
{
    int i = h->n++;
    while (i > 0 && h->a[(i - 1) / 2] > x) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = x;
}

static int heap_pop(struct heap *h)
{
    int top = h->a[0], x = h->a[--h->n], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->a[c + 1] < h->a[c]) c++;
        if (h->a[c] >= x) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n > 0) h->a[i] = x;
    return top;
}

static enum onr_status check_indices(const struct onr_graph *g, struct onr_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const struct onr_node *nd = &g->nodes[i];
        for (int k = 0; k < nd->n_inputs + nd->n_outputs; k++) {
            int v = k < nd->n_inputs ? nd->inputs[k] : nd->outputs[k - nd->n_inputs];
            if (v < -1 || v >= g->n_values)
                return onr_error_set(err, ONR_STATUS_INTERNAL,
                                     "%s '%s': value index %d is outside -1..%d",
                                     nd->op_type, nd->name, v, g->n_values - 1);
        }
    }
    for (int k = 0; k < g->n_inputs + g->n_outputs; k++) {
        int v = k < g->n_inputs ? g->inputs[k] : g->outputs[k - g->n_inputs];
        if (v < 0 || v >= g->n_values)
            return onr_error_set(err, ONR_STATUS_INTERNAL,
                                 "graph %s %d has value index %d, outside 0..%d",
                                 k < g->n_inputs ? "input" : "output", k, v, g->n_values - 1);
    }
    return ONR_STATUS_OK;
}

/* Sets producers; rejects a value written twice, a node writing a graph
 * input or initializer, and reads of values nothing defines. */
static enum onr_status set_producers(struct onr_graph *g, const bool *is_input,
                                     struct onr_error *err)
{
    for (int v = 0; v < g->n_values; v++) g->values[v].producer = -1;
    for (int i = 0; i < g->n_nodes; i++) {
        const struct onr_node *nd = &g->nodes[i];
        for (int k = 0; k < nd->n_outputs; k++) {
            int v = nd->outputs[k];
            if (v < 0) continue;
            struct onr_value *val = &g->values[v];
            if (val->producer >= 0) {
                const struct onr_node *p = &g->nodes[val->producer];
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "value '%s' is produced twice: by %s '%s' and by %s '%s'",
                                     val->name, p->op_type, p->name, nd->op_type, nd->name);
            }
            if (val->is_initializer || is_input[v])
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "%s '%s': output '%s' is also %s", nd->op_type,
                                     nd->name, val->name,
                                     val->is_initializer ? "an initializer" : "a graph input");
            val->producer = i;
        }
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const struct onr_node *nd = &g->nodes[i];
        for (int k = 0; k < nd->n_inputs; k++) {
            int v = nd->inputs[k];
            if (v < 0) continue;
            const struct onr_value *val = &g->values[v];
            if (val->producer < 0 && !val->is_initializer && !is_input[v])
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "%s '%s': input %d '%s' is not a graph input, an "
                                     "initializer or the output of any node",
                                     nd->op_type, nd->name, k, val->name);
        }
    }
    for (int k = 0; k < g->n_outputs; k++) {
        const struct onr_value *val = &g->values[g->outputs[k]];
        if (val->producer < 0 && !val->is_initializer && !is_input[g->outputs[k]])
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "graph output '%s' is not produced by any node", val->name);
    }
    return ONR_STATUS_OK;
}

/* Called when Kahn's algorithm stalls: every node left waits on another node
 * left. Walks producer edges back from one until a node repeats, and names
 * the nodes of that loop in data-flow order. path and seen hold n_nodes. */
static enum onr_status report_cycle(const struct onr_graph *g, const int *indeg,
                                    int *path, int *seen, struct onr_error *err)
{
    int cur = 0, len = 0;
    while (indeg[cur] == 0) cur++;
    for (int i = 0; i < g->n_nodes; i++) seen[i] = -1;
    while (seen[cur] < 0) {
        seen[cur] = len;
        path[len++] = cur;
        const struct onr_node *nd = &g->nodes[cur];
        int next = -1;
        for (int k = 0; k < nd->n_inputs && next < 0; k++) {
            int v = nd->inputs[k];
            if (v >= 0 && g->values[v].producer >= 0 && indeg[g->values[v].producer] > 0)
                next = g->values[v].producer;
        }
        if (next < 0)
            return onr_error_set(err, ONR_STATUS_INTERNAL, "cycle search lost its way");
        cur = next;
    }
    /* path[j + 1] feeds path[j]; the loop is path[seen[cur]] .. path[len-1]. */
    char buf[512];
    size_t used = 0;
    buf[0] = '\0';
    for (int j = len - 1; j >= seen[cur] - 1 && used < sizeof buf; j--) {
        const struct onr_node *nd = &g->nodes[path[j >= seen[cur] ? j : len - 1]];
        int w = snprintf(buf + used, sizeof buf - used, "%s%s '%s'",
                         j == len - 1 ? "" : " -> ", nd->op_type, nd->name);
        if (w < 0) break;
        used += (size_t)w;
    }
    return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "graph has a cycle: %s", buf);
}

/* Kahn's algorithm over consumer lists; order receives the new node order.
 * indeg, path and seen are scratch arrays of n_nodes entries. */
static enum onr_status kahn_sort(struct onr_graph *g, int *order, int *indeg,
                                 struct onr_error *err)
{
    int n = g->n_nodes, nv = g->n_values;
    size_t n_edges = 0;
    for (int i = 0; i < n; i++) n_edges += (size_t)g->nodes[i].n_inputs;
    if (n_edges > INT_MAX)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%zu node inputs in all", n_edges);
    int *start = calloc((size_t)nv + 1, sizeof *start);   /* CSR offsets */
    int *cursor = calloc((size_t)nv + 1, sizeof *cursor);
    int *cons = malloc((n_edges + 1) * sizeof *cons);
    int *scratch = malloc(((size_t)n + 1) * sizeof *scratch);
    struct heap h = {malloc(((size_t)n + 1) * sizeof(int)), 0};
    enum onr_status st = ONR_STATUS_OUT_OF_MEMORY;
    if (!start || !cursor || !cons || !scratch || !h.a) {
        onr_error_set(err, st, "out of memory sorting %d nodes", n);
        goto free_all;
    }
    for (int i = 0; i < n; i++) {
        indeg[i] = 0;
        for (int k = 0; k < g->nodes[i].n_inputs; k++) {
            int v = g->nodes[i].inputs[k];
            if (v >= 0 && g->values[v].producer >= 0) {
                start[v + 1]++;
                indeg[i]++;
            }
        }
    }
    for (int v = 0; v < nv; v++) {
        start[v + 1] += start[v];
        cursor[v] = start[v];
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++) {
            int v = g->nodes[i].inputs[k];
            if (v >= 0 && g->values[v].producer >= 0) cons[cursor[v]++] = i;
        }
    int done = 0;
    for (int i = 0; i < n; i++)
        if (indeg[i] == 0) heap_push(&h, i);
    while (h.n > 0) {
        int i = heap_pop(&h);
        order[done++] = i;
        const struct onr_node *nd = &g->nodes[i];
        for (int k = 0; k < nd->n_outputs; k++) {
            int v = nd->outputs[k];
            if (v < 0) continue;
            for (int c = start[v]; c < start[v + 1]; c++)
                if (--indeg[cons[c]] == 0) heap_push(&h, cons[c]);
        }
    }
    st = done == n ? ONR_STATUS_OK : report_cycle(g, indeg, scratch, h.a, err);
free_all:
    free(start);
    free(cursor);
    free(cons);
    free(scratch);
    free(h.a);
    return st;
}

enum onr_status onr_graph_sort(struct onr_graph *g, struct onr_error *err)
{
    enum onr_status st = check_indices(g, err);
    if (st != ONR_STATUS_OK) return st;
    size_t n = (size_t)g->n_nodes;
    bool *is_input = calloc((size_t)g->n_values + 1, sizeof *is_input);
    int *order = malloc((n + 1) * sizeof *order);
    int *indeg = malloc((n + 1) * sizeof *indeg);
    struct onr_node *sorted = malloc((n + 1) * sizeof *sorted);
    if (!is_input || !order || !indeg || !sorted) {
        st = onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory sorting %zu nodes", n);
        goto free_all;
    }
    for (int k = 0; k < g->n_inputs; k++) is_input[g->inputs[k]] = true;
    st = set_producers(g, is_input, err);
    if (st != ONR_STATUS_OK) goto free_all;
    st = kahn_sort(g, order, indeg, err);
    if (st != ONR_STATUS_OK) goto free_all;
    for (size_t i = 0; i < n; i++) sorted[i] = g->nodes[order[i]];
    if (n) memcpy(g->nodes, sorted, n * sizeof *sorted);
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_outputs; k++)
            if (g->nodes[i].outputs[k] >= 0) g->values[g->nodes[i].outputs[k]].producer = i;
free_all:
    free(is_input);
    free(order);
    free(indeg);
    free(sorted);
    return st;
}

/* ---- attributes ---- */

static const char *attr_type_name(enum onr_attr_type t)
{
    switch (t) {
    case ONR_ATTR_UNDEFINED: return "UNDEFINED";
    case ONR_ATTR_FLOAT: return "FLOAT";
    case ONR_ATTR_INT: return "INT";
    case ONR_ATTR_STRING: return "STRING";
    case ONR_ATTR_TENSOR: return "TENSOR";
    case ONR_ATTR_GRAPH: return "GRAPH";
    case ONR_ATTR_FLOATS: return "FLOATS";
    case ONR_ATTR_INTS: return "INTS";
    case ONR_ATTR_STRINGS: return "STRINGS";
    }
    return "UNKNOWN";
}

const struct onr_attr *onr_node_attr(const struct onr_node *node, const char *name)
{
    for (int i = 0; i < node->n_attrs; i++)
        if (node->attrs[i].name && strcmp(node->attrs[i].name, name) == 0)
            return &node->attrs[i];
    return NULL;
}

/* *a is NULL when absent; a present attribute of another type is an error. */
static enum onr_status attr_typed(const struct onr_node *node, const char *name,
                                  enum onr_attr_type want, const struct onr_attr **a,
                                  struct onr_error *err)
{
    *a = onr_node_attr(node, name);
    if (*a != NULL && (*a)->type != want) {
        enum onr_attr_type got = (*a)->type;
        *a = NULL;
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': attribute '%s' has type %s, expected %s", node->op_type,
                             node->name, name, attr_type_name(got), attr_type_name(want));
    }
    return ONR_STATUS_OK;
}

enum onr_status onr_node_attr_int(const struct onr_node *node, const char *name,
                                  int64_t def, int64_t *out, struct onr_error *err)
{
    const struct onr_attr *a;
    enum onr_status st = attr_typed(node, name, ONR_ATTR_INT, &a, err);
    if (st == ONR_STATUS_OK) *out = a ? a->i : def;
    return st;
}

enum onr_status onr_node_attr_float(const struct onr_node *node, const char *name,
                                    float def, float *out, struct onr_error *err)
{
    const struct onr_attr *a;
    enum onr_status st = attr_typed(node, name, ONR_ATTR_FLOAT, &a, err);
    if (st == ONR_STATUS_OK) *out = a ? a->f : def;
    return st;
}

enum onr_status onr_node_attr_string(const struct onr_node *node, const char *name,
                                     const char *def, const char **out,
                                     struct onr_error *err)
{
    const struct onr_attr *a;
    enum onr_status st = attr_typed(node, name, ONR_ATTR_STRING, &a, err);
    if (st == ONR_STATUS_OK) *out = a ? (a->s ? a->s : "") : (def ? def : "");
    return st;
}

enum onr_status onr_node_attr_ints(const struct onr_node *node, const char *name,
                                   const int64_t **ints, size_t *count,
                                   struct onr_error *err)
{
    const struct onr_attr *a;
    enum onr_status st = attr_typed(node, name, ONR_ATTR_INTS, &a, err);
    *ints = a ? a->ints : NULL;
    *count = a ? a->count : 0;
    return st;
}

enum onr_status onr_node_attr_floats(const struct onr_node *node, const char *name,
                                     const float **floats, size_t *count,
                                     struct onr_error *err)
{
    const struct onr_attr *a;
    enum onr_status st = attr_typed(node, name, ONR_ATTR_FLOATS, &a, err);
    *floats = a ? a->floats : NULL;
    *count = a ? a->count : 0;
    return st;
}
