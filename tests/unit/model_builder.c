/* See model_builder.h. The protobuf messages are plain structs filled with
 * the generated *_INIT values; everything they point to is allocated with
 * mb_alloc and freed together by mb_free. */
#include "model_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/graph.h"

struct mb_model {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opset_p[1];
    Onnx__NodeProto *nodes[MB_MAX_NODES];
    Onnx__ValueInfoProto *inputs[MB_MAX_VALUES], *outputs[MB_MAX_VALUES];
    Onnx__TensorProto *inits[MB_MAX_INITS];
    void **blocks; /* every allocation, freed by mb_free */
    size_t n_blocks, cap_blocks;
    const char *failure; /* first builder failure, reported by mb_load */
};

static void fail(struct mb_model *m, const char *why)
{
    if (m->failure == NULL) m->failure = why;
}

/* Zeroed memory owned by the builder; NULL (and a failure noted) if out of memory. */
static void *mb_alloc(struct mb_model *m, size_t size)
{
    if (m->n_blocks == m->cap_blocks) {
        size_t cap = m->cap_blocks ? 2 * m->cap_blocks : 64;
        void **b = realloc(m->blocks, cap * sizeof *b);
        if (b == NULL) {
            fail(m, "out of memory");
            return NULL;
        }
        m->blocks = b;
        m->cap_blocks = cap;
    }
    void *p = calloc(1, size ? size : 1);
    if (p == NULL) {
        fail(m, "out of memory");
        return NULL;
    }
    m->blocks[m->n_blocks++] = p;
    return p;
}

static char *mb_strdup(struct mb_model *m, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = mb_alloc(m, n);
    if (p != NULL) memcpy(p, s, n);
    return p;
}

static void *mb_copy(struct mb_model *m, const void *data, size_t size)
{
    void *p = mb_alloc(m, size);
    if (p != NULL && size > 0) memcpy(p, data, size);
    return p;
}

struct mb_model *mb_new(int64_t opset)
{
    struct mb_model *m = calloc(1, sizeof *m);
    if (m == NULL) return NULL;
    m->model = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
    m->model.has_ir_version = 1;
    m->model.ir_version = 8;
    m->model.producer_name = "onnxrun-model-builder";
    m->opset = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
    m->opset.domain = "";
    m->opset.has_version = 1;
    m->opset.version = opset;
    m->opset_p[0] = &m->opset;
    m->model.n_opset_import = 1;
    m->model.opset_import = m->opset_p;
    m->graph = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    m->graph.name = "mb_graph";
    m->graph.node = m->nodes;
    m->graph.input = m->inputs;
    m->graph.output = m->outputs;
    m->graph.initializer = m->inits;
    m->model.graph = &m->graph;
    return m;
}

void mb_free(struct mb_model *m)
{
    if (m == NULL) return;
    for (size_t i = 0; i < m->n_blocks; i++) free(m->blocks[i]);
    free(m->blocks);
    free(m);
}

static Onnx__ValueInfoProto *value_info(struct mb_model *m, const char *name,
                                        enum onr_dtype dtype, int rank, const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = mb_alloc(m, sizeof *vi);
    Onnx__TypeProto *ty = mb_alloc(m, sizeof *ty);
    Onnx__TypeProto__Tensor *tt = mb_alloc(m, sizeof *tt);
    if (vi == NULL || ty == NULL || tt == NULL) return NULL;
    *vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    *ty = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    *tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    vi->name = mb_strdup(m, name);
    vi->type = ty;
    ty->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    ty->tensor_type = tt;
    tt->has_elem_type = 1;
    tt->elem_type = (int32_t)dtype;
    if (rank < 0) return vi;
    Onnx__TensorShapeProto *sh = mb_alloc(m, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dim_p = mb_alloc(m, (size_t)(rank + 1) * sizeof *dim_p);
    if (sh == NULL || dim_p == NULL) return NULL;
    *sh = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    for (int i = 0; i < rank; i++) {
        Onnx__TensorShapeProto__Dimension *d = mb_alloc(m, sizeof *d);
        if (d == NULL) return NULL;
        *d = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        if (dims[i] < 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = "N";
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = dims[i];
        }
        dim_p[i] = d;
    }
    sh->n_dim = (size_t)rank;
    sh->dim = dim_p;
    tt->shape = sh;
    return vi;
}

void mb_input(struct mb_model *m, const char *name, enum onr_dtype dtype, int rank,
              const int64_t *dims)
{
    if (m->graph.n_input >= MB_MAX_VALUES) {
        fail(m, "too many graph inputs");
        return;
    }
    Onnx__ValueInfoProto *vi = value_info(m, name, dtype, rank, dims);
    if (vi != NULL) m->inputs[m->graph.n_input++] = vi;
}

void mb_output(struct mb_model *m, const char *name, enum onr_dtype dtype, int rank,
               const int64_t *dims)
{
    if (m->graph.n_output >= MB_MAX_VALUES) {
        fail(m, "too many graph outputs");
        return;
    }
    Onnx__ValueInfoProto *vi = value_info(m, name, dtype, rank, dims);
    if (vi != NULL) m->outputs[m->graph.n_output++] = vi;
}

/* A TensorProto with raw little-endian data (x86 is little-endian). */
static Onnx__TensorProto *tensor(struct mb_model *m, const char *name, enum onr_dtype dtype,
                                 int rank, const int64_t *dims, const void *data)
{
    Onnx__TensorProto *t = mb_alloc(m, sizeof *t);
    int64_t *d = mb_copy(m, dims, (size_t)rank * sizeof *dims);
    if (t == NULL || d == NULL) return NULL;
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = mb_strdup(m, name);
    t->has_data_type = 1;
    t->data_type = (int32_t)dtype;
    t->n_dims = (size_t)rank;
    t->dims = d;
    size_t numel = 1;
    for (int i = 0; i < rank; i++) numel *= (size_t)dims[i];
    size_t bytes = numel * onr_dtype_size(dtype);
    t->has_raw_data = 1;
    t->raw_data.len = bytes;
    t->raw_data.data = mb_copy(m, data, bytes);
    return t->raw_data.data != NULL ? t : NULL;
}

static void add_init(struct mb_model *m, const char *name, enum onr_dtype dtype, int rank,
                     const int64_t *dims, const void *data)
{
    if (m->graph.n_initializer >= MB_MAX_INITS) {
        fail(m, "too many initializers");
        return;
    }
    Onnx__TensorProto *t = tensor(m, name, dtype, rank, dims, data);
    if (t != NULL) m->inits[m->graph.n_initializer++] = t;
}

void mb_init_f32(struct mb_model *m, const char *name, int rank, const int64_t *dims,
                 const float *data)
{
    add_init(m, name, ONR_DTYPE_FLOAT, rank, dims, data);
}

void mb_init_i64(struct mb_model *m, const char *name, int rank, const int64_t *dims,
                 const int64_t *data)
{
    add_init(m, name, ONR_DTYPE_INT64, rank, dims, data);
}

/* Splits "a,,b" into builder-owned strings; returns the count or -1. */
static int split_names(struct mb_model *m, const char *list, char **out)
{
    int n = 0;
    const char *p = list;
    if (*list == '\0') return 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (n >= MB_MAX_IO) return -1;
        char *s = mb_alloc(m, len + 1);
        if (s == NULL) return -1;
        memcpy(s, p, len);
        out[n++] = s;
        if (comma == NULL) break;
        p = comma + 1;
    }
    return n;
}

Onnx__NodeProto *mb_node(struct mb_model *m, const char *op_type, const char *name,
                         const char *inputs, const char *outputs)
{
    static Onnx__NodeProto dummy; /* returned on failure so callers need no checks */
    Onnx__NodeProto *n = m->graph.n_node < MB_MAX_NODES ? mb_alloc(m, sizeof *n) : NULL;
    char **ins = mb_alloc(m, MB_MAX_IO * sizeof *ins);
    char **outs = mb_alloc(m, MB_MAX_IO * sizeof *outs);
    Onnx__AttributeProto **attrs = mb_alloc(m, MB_MAX_ATTRS * sizeof *attrs);
    int n_in = split_names(m, inputs, ins), n_out = split_names(m, outputs, outs);
    if (n == NULL || ins == NULL || outs == NULL || attrs == NULL || n_in < 0 || n_out < 0) {
        fail(m, "too many nodes or node inputs");
        dummy = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
        return &dummy;
    }
    *n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    n->op_type = mb_strdup(m, op_type);
    n->name = mb_strdup(m, name);
    n->domain = "";
    n->n_input = (size_t)n_in;
    n->input = ins;
    n->n_output = (size_t)n_out;
    n->output = outs;
    n->attribute = attrs;
    m->nodes[m->graph.n_node++] = n;
    return n;
}

void mb_node_domain(struct mb_model *m, Onnx__NodeProto *n, const char *domain)
{
    n->domain = mb_strdup(m, domain);
}

static Onnx__AttributeProto *attr(struct mb_model *m, Onnx__NodeProto *n, const char *name,
                                  enum onr_attr_type type)
{
    if (n->n_attribute >= MB_MAX_ATTRS || n->attribute == NULL) {
        fail(m, "too many attributes");
        return NULL;
    }
    Onnx__AttributeProto *a = mb_alloc(m, sizeof *a);
    if (a == NULL) return NULL;
    *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    a->name = mb_strdup(m, name);
    a->has_type = 1;
    a->type = (Onnx__AttributeProto__AttributeType)type;
    n->attribute[n->n_attribute++] = a;
    return a;
}

void mb_attr_int(struct mb_model *m, Onnx__NodeProto *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(m, n, name, ONR_ATTR_INT);
    if (a == NULL) return;
    a->has_i = 1;
    a->i = v;
}

void mb_attr_float(struct mb_model *m, Onnx__NodeProto *n, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(m, n, name, ONR_ATTR_FLOAT);
    if (a == NULL) return;
    a->has_f = 1;
    a->f = v;
}

void mb_attr_ints(struct mb_model *m, Onnx__NodeProto *n, const char *name,
                  const int64_t *v, size_t count)
{
    Onnx__AttributeProto *a = attr(m, n, name, ONR_ATTR_INTS);
    if (a == NULL) return;
    a->ints = mb_copy(m, v, count * sizeof *v);
    a->n_ints = a->ints != NULL ? count : 0;
}

void mb_attr_tensor_f32(struct mb_model *m, Onnx__NodeProto *n, const char *name, int rank,
                        const int64_t *dims, const float *data)
{
    Onnx__AttributeProto *a = attr(m, n, name, ONR_ATTR_TENSOR);
    if (a == NULL) return;
    a->t = tensor(m, "", ONR_DTYPE_FLOAT, rank, dims, data);
}

enum onr_status mb_load(struct mb_model *m, struct onr_model **model, struct onr_error *err)
{
    *model = NULL;
    if (m == NULL || m->failure != NULL) {
        if (err != NULL)
            snprintf(err->message, sizeof err->message, "model builder: %s",
                     m ? m->failure : "out of memory");
        return ONR_STATUS_INVALID_ARGUMENT;
    }
    size_t size = onnx__model_proto__get_packed_size(&m->model);
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL) {
        if (err != NULL) snprintf(err->message, sizeof err->message, "model builder: out of memory");
        return ONR_STATUS_OUT_OF_MEMORY;
    }
    onnx__model_proto__pack(&m->model, buf);
    enum onr_status st = onr_model_load_buffer(buf, size, model, err);
    free(buf);
    return st;
}

void mb_ref_conv2d(const float *x, int64_t N, int64_t C, int64_t H, int64_t W, const float *w,
                   int64_t OC, int64_t KH, int64_t KW, const float *b, int64_t stride,
                   int64_t pad, int64_t group, float *y)
{
    const int64_t OH = (H + 2 * pad - KH) / stride + 1, OW = (W + 2 * pad - KW) / stride + 1;
    const int64_t CG = C / group, OCG = OC / group;
    for (int64_t n = 0; n < N; n++)
        for (int64_t oc = 0; oc < OC; oc++)
            for (int64_t oh = 0; oh < OH; oh++)
                for (int64_t ow = 0; ow < OW; ow++) {
                    double acc = b != NULL ? b[oc] : 0.0;
                    const int64_t g = oc / OCG;
                    for (int64_t c = 0; c < CG; c++)
                        for (int64_t kh = 0; kh < KH; kh++)
                            for (int64_t kw = 0; kw < KW; kw++) {
                                int64_t ih = oh * stride - pad + kh, iw = ow * stride - pad + kw;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                acc += (double)x[((n * C + g * CG + c) * H + ih) * W + iw] *
                                       (double)w[((oc * CG + c) * KH + kh) * KW + kw];
                            }
                    y[((n * OC + oc) * OH + oh) * OW + ow] = (float)acc;
                }
}
