/* ModelProto -> struct onr_graph. Reads ir_version, producer, the default
 * domain's opset ("" or "ai.onnx"; models of IR version 1-2 without
 * opset_import get opset 1), initializers (onnx/tensorproto.c), graph inputs
 * (those that are also initializers, as older exporters list them, are
 * treated as constants), outputs, nodes (onnx/nodes.c) and value_info, then
 * sorts the graph (runtime/graph.c), which rejects dangling inputs, values
 * with two producers, outputs nothing produces and cycles.
 * Rejected here: bytes that are not a ModelProto, a missing graph or opset,
 * empty or duplicate names, sparse initializers, graph inputs without a
 * tensor type, dims beyond ONR_MAX_RANK or below zero. */
#include <stdlib.h>
#include <string.h>

#include "../runtime/error.h"
#include "proto.h"

/* Deepest message nesting accepted: model -> graph -> node -> attribute ->
 * graph ... allows about 30 levels of nested subgraphs. */
#define ONR_MAX_NESTING 100

static enum onr_status read_header(const Onnx__ModelProto *m, struct onr_graph *g,
                                   struct onr_error *err)
{
    g->ir_version = m->has_ir_version ? m->ir_version : 0;
    g->producer_name = strdup(m->producer_name ? m->producer_name : "");
    g->producer_version = strdup(m->producer_version ? m->producer_version : "");
    g->name = strdup(m->graph->name ? m->graph->name : "");
    if (!g->producer_name || !g->producer_version || !g->name)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    g->opset = 0;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *op = m->opset_import[i];
        const char *d = op->domain ? op->domain : "";
        if (strcmp(d, "") != 0 && strcmp(d, "ai.onnx") != 0) continue;
        if (g->opset != 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "opset_import lists the "
                                 "default domain twice");
        if (!op->has_version || op->version < 1)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "opset_import: default domain "
                                 "version %lld, expected >= 1", (long long)op->version);
        g->opset = op->version;
    }
    if (g->opset == 0) {
        if (m->n_opset_import == 0 && g->ir_version >= 1 && g->ir_version < 3)
            g->opset = 1; /* IR versions before 3 had no opset_import */
        else
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "model imports no opset for "
                                 "the default ONNX domain");
    }
    return ONR_STATUS_OK;
}

/* Declared dtype and shape of a graph input, output or value_info entry.
 * Graph inputs must declare a tensor type; for the others a missing or
 * non-tensor type leaves the value undeclared. The first declaration of a
 * value wins. */
static enum onr_status read_type(const Onnx__ValueInfoProto *vi, const char *what,
                                 bool required, struct onr_value *v, struct onr_error *err)
{
    const Onnx__TypeProto *tp = vi->type;
    if (v->dtype != ONR_DTYPE_UNDEFINED || v->has_shape || v->is_initializer)
        return ONR_STATUS_OK;
    if (tp == NULL || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
        tp->tensor_type == NULL) {
        if (!required) return ONR_STATUS_OK;
        return onr_error_set(err, tp ? ONR_STATUS_UNSUPPORTED : ONR_STATUS_INVALID_MODEL,
                             "%s '%s' %s", what, v->name,
                             tp ? "is not a tensor (sequences, maps and optionals are not "
                                  "supported)" : "has no type");
    }
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    enum onr_dtype dtype = tt->has_elem_type ? onr_onnx_dtype(tt->elem_type) : ONR_DTYPE_UNDEFINED;
    if (required && onr_dtype_size(dtype) == 0)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s '%s' has element type %d, which "
                             "onnxrun does not support", what, v->name, (int)tt->elem_type);
    v->dtype = onr_dtype_size(dtype) ? dtype : ONR_DTYPE_UNDEFINED;
    if (tt->shape == NULL) return ONR_STATUS_OK;
    if (tt->shape->n_dim > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s '%s' has rank %zu, more than the "
                             "%d onnxrun supports", what, v->name, tt->shape->n_dim,
                             ONR_MAX_RANK);
    v->shape.rank = (int)tt->shape->n_dim;
    for (int i = 0; i < v->shape.rank; i++) {
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        v->shape.dims[i] = -1;
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (d->dim_value < 0)
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': dim %d is %lld, "
                                     "expected >= 0", what, v->name, i,
                                     (long long)d->dim_value);
            v->shape.dims[i] = d->dim_value;
        } else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                   d->dim_param != NULL && d->dim_param[0] != '\0') {
            if ((v->dim_params[i] = strdup(d->dim_param)) == NULL)
                return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
        }
    }
    v->has_shape = true;
    return ONR_STATUS_OK;
}

static enum onr_status read_initializers(const Onnx__GraphProto *gp, struct onr_graph *g,
                                         struct onr_error *err)
{
    if (gp->n_sparse_initializer > 0) {
        const Onnx__SparseTensorProto *sp = gp->sparse_initializer[0];
        const char *name = sp->values && sp->values->name ? sp->values->name : "";
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "sparse initializer '%s' is not "
                             "supported", name);
    }
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        if (tp->name == NULL || tp->name[0] == '\0')
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "initializer %zu has no name", i);
        int v;
        enum onr_status st = onr_graph_intern_value(g, tp->name, &v, err);
        if (st != ONR_STATUS_OK) return st;
        struct onr_value *val = &g->values[v];
        if (val->is_initializer)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "initializer '%s' appears "
                                 "twice", tp->name);
        st = onr_onnx_tensor_from_proto_as(tp, "initializer", &val->data, err);
        if (st != ONR_STATUS_OK) return st;
        val->is_initializer = true;
        val->dtype = val->data.dtype;
        val->has_shape = true;
        val->shape = val->data.shape;
    }
    return ONR_STATUS_OK;
}

/* Graph inputs (is_input true) or outputs: value indices in *list. Inputs
 * that are initializers are left out. Each name may appear once. */
static enum onr_status read_io(Onnx__ValueInfoProto *const *vis, size_t n, bool is_input,
                               struct onr_graph *g, int **list, int *count,
                               struct onr_error *err)
{
    const char *what = is_input ? "graph input" : "graph output";
    if ((*list = malloc((n + 1) * sizeof **list)) == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = vis[i]->name;
        if (name == NULL || name[0] == '\0')
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s %zu has no name", what, i);
        int v;
        enum onr_status st = onr_graph_intern_value(g, name, &v, err);
        if (st != ONR_STATUS_OK) return st;
        if (is_input && g->values[v].is_initializer) continue;
        (*list)[(*count)++] = v;
        st = read_type(vis[i], what, is_input, &g->values[v], err);
        if (st != ONR_STATUS_OK) return st;
    }
    bool *seen = calloc((size_t)g->n_values + 1, sizeof *seen);
    if (seen == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    enum onr_status st = ONR_STATUS_OK;
    for (int k = 0; k < *count && st == ONR_STATUS_OK; k++) {
        if (seen[(*list)[k]])
            st = onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s' is listed twice", what,
                               g->values[(*list)[k]].name);
        seen[(*list)[k]] = true;
    }
    free(seen);
    return st;
}

/* value_info describes intermediate values: applied only to values that
 * nodes use, so stray entries create nothing. */
static enum onr_status read_value_info(const Onnx__GraphProto *gp, struct onr_graph *g,
                                       struct onr_error *err)
{
    for (size_t i = 0; i < gp->n_value_info; i++) {
        int v = onr_graph_find_value(g, gp->value_info[i]->name);
        if (v < 0) continue;
        enum onr_status st = read_type(gp->value_info[i], "value_info", false, &g->values[v], err);
        if (st != ONR_STATUS_OK) return st;
    }
    return ONR_STATUS_OK;
}

static enum onr_status read_graph(const Onnx__GraphProto *gp, struct onr_graph *g,
                                  struct onr_error *err)
{
    if (gp->n_input > 0x3fffffff || gp->n_output > 0x3fffffff || gp->n_node > 0x3fffffff)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "graph is too large");
    enum onr_status st = read_initializers(gp, g, err);
    if (st == ONR_STATUS_OK)
        st = read_io(gp->input, gp->n_input, true, g, &g->inputs, &g->n_inputs, err);
    if (st == ONR_STATUS_OK) st = onr_onnx_load_nodes(gp, g, err);
    if (st == ONR_STATUS_OK)
        st = read_io(gp->output, gp->n_output, false, g, &g->outputs, &g->n_outputs, err);
    if (st == ONR_STATUS_OK) st = read_value_info(gp, g, err);
    if (st == ONR_STATUS_OK && g->n_outputs == 0)
        st = onr_error_set(err, ONR_STATUS_INVALID_MODEL, "graph has no outputs");
    return st;
}

enum onr_status onr_onnx_load_model(const void *data, size_t size, struct onr_graph *g,
                                    struct onr_error *err)
{
    if (g == NULL || (data == NULL && size > 0))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_onnx_load_model: NULL "
                             "argument");
    onr_graph_init(g);
    enum onr_status st = onr_onnx_check_nesting(&onnx__model_proto__descriptor, data, size,
                                                ONR_MAX_NESTING, err);
    if (st != ONR_STATUS_OK) return st;
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, size, data);
    if (m == NULL)
        return onr_error_set(err, ONR_STATUS_PARSE, "not an ONNX model: %zu bytes do not parse "
                             "as a ModelProto (corrupt or truncated file?)", size);
    if (m->graph == NULL)
        st = onr_error_set(err, ONR_STATUS_INVALID_MODEL, "not an ONNX model: the ModelProto "
                           "has no graph");
    else
        st = read_header(m, g, err);
    if (st == ONR_STATUS_OK) st = read_graph(m->graph, g, err);
    if (st == ONR_STATUS_OK) st = onr_graph_sort(g, err);
    if (st != ONR_STATUS_OK) onr_graph_free(g);
    onnx__model_proto__free_unpacked(m, NULL);
    return st;
}
