/* The protobuf model builder of the loader tests (loader_builder.h). */
#include "loader_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct onr_error lb_err;

void lb_init(struct lb *b)
{
    memset(b, 0, sizeof *b);
    b->m = (Onnx__ModelProto)ONNX__MODEL_PROTO__INIT;
    b->m.has_ir_version = 1;
    b->m.ir_version = 7;
    b->m.producer_name = "onnxrun-test";
    b->opset = (Onnx__OperatorSetIdProto)ONNX__OPERATOR_SET_ID_PROTO__INIT;
    b->opset.domain = "";
    b->opset.has_version = 1;
    b->opset.version = 13;
    b->opsets[0] = &b->opset;
    b->m.n_opset_import = 1;
    b->m.opset_import = b->opsets;
    b->g = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
    b->g.name = "test_graph";
    b->g.node = b->node_p;
    b->g.initializer = b->init_p;
    b->g.input = b->in_p;
    b->g.output = b->out_p;
    b->m.graph = &b->g;
}

/* A graph input ('i') or output ('o'); a dim of -1 is the symbolic "N". */
void lb_value(struct lb *b, char io, const char *name, int dtype, int rank,
              const int64_t *dims)
{
    int k = b->n_vi++;
    b->vi[k] = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    b->vi[k].name = (char *)name;
    b->ty[k] = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    b->ty[k].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    b->ty[k].tensor_type = &b->tt[k];
    b->tt[k] = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    b->tt[k].has_elem_type = 1;
    b->tt[k].elem_type = dtype;
    b->tt[k].shape = &b->sh[k];
    b->sh[k] = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    b->sh[k].n_dim = (size_t)rank;
    b->sh[k].dim = b->dim_p[k];
    for (int i = 0; i < rank; i++) {
        Onnx__TensorShapeProto__Dimension *d = &b->dim[k][i];
        *d = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        if (dims[i] < 0) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = "N";
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = dims[i];
        }
        b->dim_p[k][i] = d;
    }
    b->vi[k].type = &b->ty[k];
    if (io == 'i') b->in_p[b->g.n_input++] = &b->vi[k];
    else b->out_p[b->g.n_output++] = &b->vi[k];
}

Onnx__NodeProto *lb_node(struct lb *b, const char *op, const char *name, const char *in0,
                         const char *in1, const char *in2, const char *out)
{
    int k = (int)b->g.n_node++;
    Onnx__NodeProto *n = &b->nodes[k];
    *n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    n->op_type = (char *)op;
    n->name = (char *)name;
    const char *ins[3] = {in0, in1, in2};
    for (int i = 0; i < 3 && ins[i]; i++) b->io[k][0][n->n_input++] = (char *)ins[i];
    b->io[k][1][n->n_output++] = (char *)out;
    n->input = b->io[k][0];
    n->output = b->io[k][1];
    n->attribute = b->attr_p[k];
    b->node_p[k] = n;
    return n;
}

Onnx__AttributeProto *lb_attr(struct lb *b, Onnx__NodeProto *n, const char *name, int type)
{
    int k = (int)(n - b->nodes);
    Onnx__AttributeProto *a = &b->attrs[k][n->n_attribute];
    *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    a->name = (char *)name;
    a->has_type = 1;
    a->type = (Onnx__AttributeProto__AttributeType)type;
    b->attr_p[k][n->n_attribute++] = a;
    return a;
}

Onnx__TensorProto *lb_tensor(Onnx__TensorProto *t, const char *name, int dtype, int rank,
                             int64_t *dims)
{
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = (char *)name;
    t->has_data_type = 1;
    t->data_type = dtype;
    t->n_dims = (size_t)rank;
    t->dims = dims;
    return t;
}

Onnx__TensorProto *lb_init_tensor(struct lb *b, const char *name, int dtype, int rank,
                                  int64_t *dims)
{
    int k = (int)b->g.n_initializer++;
    b->init_p[k] = lb_tensor(&b->inits[k], name, dtype, rank, dims);
    return b->init_p[k];
}

void lb_set_raw(Onnx__TensorProto *t, const void *data, size_t len)
{
    t->has_raw_data = 1;
    t->raw_data.data = (uint8_t *)data;
    t->raw_data.len = len;
}

enum onr_status lb_load(const struct lb *b, struct onr_graph *g)
{
    size_t size = onnx__model_proto__get_packed_size(&b->m);
    uint8_t *buf = malloc(size + 1);
    onnx__model_proto__pack(&b->m, buf);
    lb_err.message[0] = '\0';
    enum onr_status st = onr_onnx_load_model(buf, size, g, &lb_err);
    if (getenv("ONR_TEST_VERBOSE")) fprintf(stderr, "  %s\n", lb_err.message);
    free(buf);
    return st;
}

int64_t lb_w_dims[4] = {3, 2, 3, 3}, lb_b_dims[1] = {3};
float lb_w_data[54], lb_b_data[3] = {0.5f, -1.0f, 2.0f};
static int64_t lb_strides[2] = {2, 2}, lb_pads[4] = {1, 1, 1, 1}, lb_kernel[2] = {3, 3};

void lb_build_conv(struct lb *b)
{
    lb_init(b);
    for (int i = 0; i < 54; i++) lb_w_data[i] = (float)i * 0.25f - 3.0f;
    static const int64_t x_dims[4] = {-1, 2, 5, 5}, z_dims[4] = {-1, 3, 3, 3};
    lb_value(b, 'i', "x", ONR_DTYPE_FLOAT, 4, x_dims);
    lb_value(b, 'i', "w", ONR_DTYPE_FLOAT, 4, lb_w_dims);
    lb_value(b, 'o', "z", ONR_DTYPE_FLOAT, 4, z_dims);
    lb_node(b, "Relu", "", "y", NULL, NULL, "z");
    Onnx__NodeProto *conv = lb_node(b, "Conv", "conv_0", "x", "w", "b", "y");
    Onnx__AttributeProto *a = lb_attr(b, conv, "strides", ONR_ATTR_INTS);
    a->n_ints = 2, a->ints = lb_strides;
    a = lb_attr(b, conv, "pads", ONR_ATTR_INTS);
    a->n_ints = 4, a->ints = lb_pads;
    a = lb_attr(b, conv, "kernel_shape", ONR_ATTR_INTS);
    a->n_ints = 2, a->ints = lb_kernel;
    a = lb_attr(b, conv, "group", ONR_ATTR_INT);
    a->has_i = 1, a->i = 1;
    lb_set_raw(lb_init_tensor(b, "w", ONR_DTYPE_FLOAT, 4, lb_w_dims), lb_w_data, sizeof lb_w_data);
    Onnx__TensorProto *t = lb_init_tensor(b, "b", ONR_DTYPE_FLOAT, 1, lb_b_dims);
    t->n_float_data = 3;
    t->float_data = lb_b_data;
}

const char *lb_vname(const struct onr_graph *g, int v)
{
    return v >= 0 ? g->values[v].name : "(none)";
}
