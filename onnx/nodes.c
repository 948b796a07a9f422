/* NodeProto -> struct onr_node: name (unnamed nodes become
 * "<op_type>_<index>"), op type, domain ("ai.onnx" is stored as ""),
 * inputs and outputs by value index ("" -> -1), and attributes of every
 * single-valued type plus FLOATS, INTS and STRINGS. TENSOR attributes become
 * owned onr_tensors; GRAPH attributes are kept as type GRAPH without content
 * (onnxrun runs no control flow). Rejected: attributes without a type,
 * duplicate attribute names, references to function attributes, and the
 * TENSORS, GRAPHS, SPARSE_TENSOR(S) and TYPE_PROTO(S) types. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/error.h"
#include "proto.h"

/* More attributes than this on one node is taken as a corrupt file. */
#define MAX_ATTRS 1024

static const char *proto_attr_type_name(int type)
{
    static const char *const names[] = {
        "UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS", "INTS",
        "STRINGS", "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO",
        "TYPE_PROTOS"};
    return type >= 0 && type < (int)(sizeof names / sizeof names[0]) ? names[type] : "unknown";
}

static char *dup_bytes(const uint8_t *data, size_t len)
{
    char *s = malloc(len + 1);
    if (s == NULL) return NULL;
    if (len) memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

/* Copies the list fields; a->type is already set. */
static int copy_attr_list(const Onnx__AttributeProto *ap, struct onr_attr *a)
{
    if (a->type == ONR_ATTR_FLOATS) {
        a->count = ap->n_floats;
        a->floats = malloc((ap->n_floats + 1) * sizeof *a->floats);
        if (a->floats == NULL) return -1;
        if (ap->n_floats) memcpy(a->floats, ap->floats, ap->n_floats * sizeof *a->floats);
    } else if (a->type == ONR_ATTR_INTS) {
        a->count = ap->n_ints;
        a->ints = malloc((ap->n_ints + 1) * sizeof *a->ints);
        if (a->ints == NULL) return -1;
        if (ap->n_ints) memcpy(a->ints, ap->ints, ap->n_ints * sizeof *a->ints);
    } else if (a->type == ONR_ATTR_STRINGS) {
        a->count = ap->n_strings;
        a->strings = calloc(ap->n_strings + 1, sizeof *a->strings);
        if (a->strings == NULL) return -1;
        for (size_t i = 0; i < ap->n_strings; i++) {
            a->strings[i] = dup_bytes(ap->strings[i].data, ap->strings[i].len);
            if (a->strings[i] == NULL) return -1;
        }
    }
    return 0;
}

static enum onr_status copy_attr(const Onnx__AttributeProto *ap, const struct onr_node *nd,
                                 struct onr_attr *a, struct onr_error *err)
{
    const char *name = ap->name;
    if (name == NULL || name[0] == '\0')
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': an attribute has no name",
                             nd->op_type, nd->name);
    if ((a->name = strdup(name)) == NULL) goto oom;
    if (ap->ref_attr_name != NULL && ap->ref_attr_name[0] != '\0')
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s '%s': attribute '%s' refers to "
                             "function attribute '%s', which is not supported", nd->op_type,
                             nd->name, name, ap->ref_attr_name);
    int type = ap->has_type ? (int)ap->type : 0;
    switch (type) {
    case ONR_ATTR_FLOAT: a->f = ap->f; break;
    case ONR_ATTR_INT: a->i = ap->i; break;
    case ONR_ATTR_STRING:
        if ((a->s = dup_bytes(ap->s.data, ap->s.len)) == NULL) goto oom;
        a->s_len = ap->s.len;
        break;
    case ONR_ATTR_TENSOR: {
        if (ap->t == NULL)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': TENSOR attribute "
                                 "'%s' holds no tensor", nd->op_type, nd->name, name);
        if ((a->t = calloc(1, sizeof *a->t)) == NULL) goto oom;
        enum onr_status st = onr_onnx_tensor_from_proto(ap->t, a->t, err);
        if (st != ONR_STATUS_OK) {
            onr_error_prefix(err, "%s '%s': attribute '%s'", nd->op_type, nd->name, name);
            return st;
        }
        break;
    }
    case ONR_ATTR_GRAPH: break;
    case ONR_ATTR_FLOATS: case ONR_ATTR_INTS: case ONR_ATTR_STRINGS:
        a->type = (enum onr_attr_type)type;
        if (copy_attr_list(ap, a) != 0) goto oom;
        break;
    case 0:
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': attribute '%s' has no "
                             "type", nd->op_type, nd->name, name);
    default:
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s '%s': attribute '%s' has type "
                             "%s (%d), which onnxrun does not support", nd->op_type, nd->name,
                             name, proto_attr_type_name(type), type);
    }
    a->type = (enum onr_attr_type)type;
    return ONR_STATUS_OK;
oom:
    return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory copying "
                         "attribute '%s'", nd->op_type, nd->name, name);
}

static enum onr_status load_attrs(const Onnx__NodeProto *np, struct onr_node *nd,
                                  struct onr_error *err)
{
    if (np->n_attribute > MAX_ATTRS)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s' has %zu attributes, more "
                             "than %d", nd->op_type, nd->name, np->n_attribute, MAX_ATTRS);
    nd->attrs = calloc(np->n_attribute + 1, sizeof *nd->attrs);
    if (nd->attrs == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    for (size_t k = 0; k < np->n_attribute; k++) {
        struct onr_attr *a = &nd->attrs[nd->n_attrs++];
        enum onr_status st = copy_attr(np->attribute[k], nd, a, err);
        if (st != ONR_STATUS_OK) return st;
        for (int j = 0; j < nd->n_attrs - 1; j++)
            if (strcmp(nd->attrs[j].name, a->name) == 0)
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': attribute '%s' "
                                     "appears twice", nd->op_type, nd->name, a->name);
    }
    return ONR_STATUS_OK;
}

/* Interns names into value indices; "" (an omitted optional) becomes -1. */
static enum onr_status load_names(struct onr_graph *g, char *const *names, size_t n,
                                  int **out, int *n_out, struct onr_error *err)
{
    if (n > INT_MAX / 2)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%zu inputs or outputs", n);
    if ((*out = malloc((n + 1) * sizeof **out)) == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    *n_out = (int)n;
    for (size_t k = 0; k < n; k++) {
        (*out)[k] = -1;
        if (names[k] == NULL || names[k][0] == '\0') continue;
        enum onr_status st = onr_graph_intern_value(g, names[k], &(*out)[k], err);
        if (st != ONR_STATUS_OK) return st;
    }
    return ONR_STATUS_OK;
}

static enum onr_status load_node(const Onnx__NodeProto *np, size_t index,
                                 struct onr_graph *g, struct onr_error *err)
{
    if (np->op_type == NULL || np->op_type[0] == '\0')
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "node %zu ('%s') has no op_type",
                             index, np->name ? np->name : "");
    struct onr_node *nd;
    enum onr_status st = onr_graph_add_node(g, &nd, err);
    if (st != ONR_STATUS_OK) return st;
    const char *domain = np->domain ? np->domain : "";
    if (strcmp(domain, "ai.onnx") == 0) domain = "";
    nd->op_type = strdup(np->op_type);
    nd->domain = strdup(domain);
    if (np->name != NULL && np->name[0] != '\0') {
        nd->name = strdup(np->name);
    } else {
        size_t len = strlen(np->op_type) + 24;
        if ((nd->name = malloc(len)) != NULL)
            snprintf(nd->name, len, "%s_%zu", np->op_type, index);
    }
    if (nd->op_type == NULL || nd->domain == NULL || nd->name == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    /* Interning does not move g->nodes, so nd stays valid below. */
    st = load_names(g, np->input, np->n_input, &nd->inputs, &nd->n_inputs, err);
    if (st == ONR_STATUS_OK)
        st = load_names(g, np->output, np->n_output, &nd->outputs, &nd->n_outputs, err);
    if (st != ONR_STATUS_OK) {
        onr_error_prefix(err, "%s '%s'", nd->op_type, nd->name);
        return st;
    }
    return load_attrs(np, nd, err);
}

enum onr_status onr_onnx_load_nodes(const Onnx__GraphProto *gp, struct onr_graph *g,
                                    struct onr_error *err)
{
    for (size_t i = 0; i < gp->n_node; i++) {
        enum onr_status st = load_node(gp->node[i], i, g, err);
        if (st != ONR_STATUS_OK) return st;
    }
    return ONR_STATUS_OK;
}
