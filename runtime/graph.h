/* The runtime's own graph: values (named tensors: inputs, initializers,
 * intermediates) and nodes that read and write them by index. Built by the
 * loader from a ModelProto; nothing here knows protobuf. */
#ifndef ONR_GRAPH_H
#define ONR_GRAPH_H

#include "tensor.h"

/* Values are those of ONNX's AttributeProto.AttributeType. */
enum onr_attr_type {
    ONR_ATTR_UNDEFINED = 0,
    ONR_ATTR_FLOAT = 1,
    ONR_ATTR_INT = 2,
    ONR_ATTR_STRING = 3,
    ONR_ATTR_TENSOR = 4,
    ONR_ATTR_GRAPH = 5,
    ONR_ATTR_FLOATS = 6,
    ONR_ATTR_INTS = 7,
    ONR_ATTR_STRINGS = 8,
};

struct onr_attr {
    char *name;
    enum onr_attr_type type;
    float f;                /* FLOAT */
    int64_t i;              /* INT */
    char *s;                /* STRING, NUL-terminated copy */
    size_t s_len;
    int64_t *ints;          /* INTS, count entries */
    float *floats;          /* FLOATS, count entries */
    char **strings;         /* STRINGS, count entries */
    size_t count;
    struct onr_tensor *t;   /* TENSOR (owned) */
};

struct onr_value {
    char *name;
    enum onr_dtype dtype;          /* UNDEFINED when not declared */
    bool has_shape;                /* a shape was declared */
    struct onr_shape shape;        /* declared; dims < 0 are symbolic/unknown */
    char *dim_params[ONR_MAX_RANK];/* symbolic dim names, or NULL */
    bool is_initializer;           /* data below holds the constant */
    struct onr_tensor data;        /* initializer data (owned) */
    int producer;                  /* node index, or -1 */
};

struct onr_node {
    char *name;                    /* may be "" in the file; loader names it */
    char *op_type;
    char *domain;                  /* "" for ai.onnx */
    int n_inputs;
    int *inputs;                   /* value indices; -1 for an omitted input */
    int n_outputs;
    int *outputs;                  /* value indices; -1 for an omitted output */
    int n_attrs;
    struct onr_attr *attrs;
};

struct onr_graph {
    char *name;
    int n_values, cap_values;
    struct onr_value *values;
    int n_nodes, cap_nodes;
    struct onr_node *nodes;        /* topologically sorted after onr_graph_sort */
    int n_inputs;
    int *inputs;                   /* graph inputs that are not initializers */
    int n_outputs;
    int *outputs;
    int64_t opset;                 /* of the default domain */
    int64_t ir_version;
    char *producer_name;
    char *producer_version;
    struct onr_value_index *index; /* name -> value lookup, private to graph.c */
};

void onr_graph_init(struct onr_graph *g);
void onr_graph_free(struct onr_graph *g);

/* Index of the value called name, or -1. */
int onr_graph_find_value(const struct onr_graph *g, const char *name);
/* Finds or adds a value by name; *index receives its index. */
enum onr_status onr_graph_intern_value(struct onr_graph *g, const char *name,
                                       int *index, struct onr_error *err);
/* Appends a zeroed node; *node points into g->nodes until the next append. */
enum onr_status onr_graph_add_node(struct onr_graph *g, struct onr_node **node,
                                   struct onr_error *err);

/* Sets producers, checks every input is produced, an initializer or a graph
 * input, that no value has two producers, and sorts nodes topologically
 * (stable: keeps file order where it is already valid). Cycles are
 * INVALID_MODEL with the names of nodes on them. */
enum onr_status onr_graph_sort(struct onr_graph *g, struct onr_error *err);

void onr_attr_free(struct onr_attr *a);
void onr_node_free(struct onr_node *n);
void onr_value_free(struct onr_value *v);

/* Attribute lookup by name; NULL when absent. */
const struct onr_attr *onr_node_attr(const struct onr_node *node, const char *name);
/* Typed getters: absent -> default (returns OK); wrong type -> INVALID_MODEL
 * with a message naming the node and attribute. */
enum onr_status onr_node_attr_int(const struct onr_node *node, const char *name,
                                  int64_t def, int64_t *out, struct onr_error *err);
enum onr_status onr_node_attr_float(const struct onr_node *node, const char *name,
                                    float def, float *out, struct onr_error *err);
/* *out points into the node (not copied); "" default when absent. */
enum onr_status onr_node_attr_string(const struct onr_node *node, const char *name,
                                     const char *def, const char **out,
                                     struct onr_error *err);
/* *ints points into the node, or is NULL with *count 0 when absent. */
enum onr_status onr_node_attr_ints(const struct onr_node *node, const char *name,
                                   const int64_t **ints, size_t *count,
                                   struct onr_error *err);
enum onr_status onr_node_attr_floats(const struct onr_node *node, const char *name,
                                     const float **floats, size_t *count,
                                     struct onr_error *err);

/* Nodes that graph passes build (a fused or blocked operator in place of the
 * nodes it computes). Their wiring lives in the session's xnode; the node
 * holds the name, op type, domain and attributes. Free with onr_node_free
 * and free(). */
enum onr_status onr_node_new(const char *name, const char *op_type, const char *domain,
                             struct onr_node **out, struct onr_error *err);
/* Appends copies of src's attributes to dst, each name prefixed (may be ""). */
enum onr_status onr_node_copy_attrs(struct onr_node *dst, const struct onr_node *src,
                                    const char *prefix, struct onr_error *err);
enum onr_status onr_node_add_attr_string(struct onr_node *node, const char *name, const char *s,
                                         struct onr_error *err);
enum onr_status onr_node_add_attr_floats(struct onr_node *node, const char *name,
                                         const float *v, size_t count, struct onr_error *err);

#endif
