/* onnx/loader.c on models built here with the protobuf-c API and packed to
 * bytes: a valid Conv model (values, attributes, raw and typed initializer
 * data, naming and sorting of nodes), every rejection with the culprit named
 * in the message, and a real file from the ONNX backend test data together
 * with its serialized input tensor. */
#include <stdlib.h>
#include <string.h>

#include "onnx/proto.h"
#include "runtime/error.h"
#include "testutil.h"

#define MAXN 8

/* A model under construction: every protobuf message lives in here. */
struct mb {
    Onnx__ModelProto m;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opsets[1];
    Onnx__GraphProto g;
    Onnx__NodeProto nodes[MAXN];
    Onnx__NodeProto *node_p[MAXN];
    char *io[MAXN][2][4];
    Onnx__AttributeProto attrs[MAXN][8];
    Onnx__AttributeProto *attr_p[MAXN][8];
    Onnx__TensorProto inits[MAXN];
    Onnx__TensorProto *init_p[MAXN];
    Onnx__ValueInfoProto vi[MAXN];
    Onnx__ValueInfoProto *in_p[MAXN], *out_p[MAXN];
    Onnx__TypeProto ty[MAXN];
    Onnx__TypeProto__Tensor tt[MAXN];
    Onnx__TensorShapeProto sh[MAXN];
    Onnx__TensorShapeProto__Dimension dim[MAXN][ONR_MAX_RANK + 1];
    Onnx__TensorShapeProto__Dimension *dim_p[MAXN][ONR_MAX_RANK + 1];
    int n_vi;
};

static struct onr_error err;

static void mb_init(struct mb *b)
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
static void mb_value(struct mb *b, char io, const char *name, int dtype, int rank,
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

static Onnx__NodeProto *mb_node(struct mb *b, const char *op, const char *name,
                                const char *in0, const char *in1, const char *in2,
                                const char *out)
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

static Onnx__AttributeProto *mb_attr(struct mb *b, Onnx__NodeProto *n, const char *name,
                                     int type)
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

static Onnx__TensorProto *mb_tensor(Onnx__TensorProto *t, const char *name, int dtype,
                                    int rank, int64_t *dims)
{
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = (char *)name;
    t->has_data_type = 1;
    t->data_type = dtype;
    t->n_dims = (size_t)rank;
    t->dims = dims;
    return t;
}

static Onnx__TensorProto *mb_init_tensor(struct mb *b, const char *name, int dtype, int rank,
                                         int64_t *dims)
{
    int k = (int)b->g.n_initializer++;
    b->init_p[k] = mb_tensor(&b->inits[k], name, dtype, rank, dims);
    return b->init_p[k];
}

static void set_raw(Onnx__TensorProto *t, const void *data, size_t len)
{
    t->has_raw_data = 1;
    t->raw_data.data = (uint8_t *)data;
    t->raw_data.len = len;
}

static enum onr_status load(const struct mb *b, struct onr_graph *g)
{
    size_t size = onnx__model_proto__get_packed_size(&b->m);
    uint8_t *buf = malloc(size + 1);
    onnx__model_proto__pack(&b->m, buf);
    err.message[0] = '\0';
    enum onr_status st = onr_onnx_load_model(buf, size, g, &err);
    if (getenv("ONR_TEST_VERBOSE")) fprintf(stderr, "  %s\n", err.message);
    free(buf);
    return st;
}

/* The test model, in file order:
 *   Relu (unnamed) y -> z;  Conv 'conv_0' (x, w, b) -> y
 *   x: float N x 2 x 5 x 5 (also listed: w, as older exporters do)
 *   w: float 3x2x3x3 in raw_data;  b: float 3 in float_data;  z: output */
static int64_t w_dims[4] = {3, 2, 3, 3}, b_dims[1] = {3};
static float w_data[54], b_data[3] = {0.5f, -1.0f, 2.0f};
static int64_t strides[2] = {2, 2}, pads[4] = {1, 1, 1, 1}, kernel[2] = {3, 3};

static void build_conv(struct mb *b)
{
    mb_init(b);
    for (int i = 0; i < 54; i++) w_data[i] = (float)i * 0.25f - 3.0f;
    static const int64_t x_dims[4] = {-1, 2, 5, 5}, z_dims[4] = {-1, 3, 3, 3};
    mb_value(b, 'i', "x", ONR_DTYPE_FLOAT, 4, x_dims);
    mb_value(b, 'i', "w", ONR_DTYPE_FLOAT, 4, w_dims);
    mb_value(b, 'o', "z", ONR_DTYPE_FLOAT, 4, z_dims);
    mb_node(b, "Relu", "", "y", NULL, NULL, "z");
    Onnx__NodeProto *conv = mb_node(b, "Conv", "conv_0", "x", "w", "b", "y");
    Onnx__AttributeProto *a = mb_attr(b, conv, "strides", ONR_ATTR_INTS);
    a->n_ints = 2, a->ints = strides;
    a = mb_attr(b, conv, "pads", ONR_ATTR_INTS);
    a->n_ints = 4, a->ints = pads;
    a = mb_attr(b, conv, "kernel_shape", ONR_ATTR_INTS);
    a->n_ints = 2, a->ints = kernel;
    a = mb_attr(b, conv, "group", ONR_ATTR_INT);
    a->has_i = 1, a->i = 1;
    set_raw(mb_init_tensor(b, "w", ONR_DTYPE_FLOAT, 4, w_dims), w_data, sizeof w_data);
    Onnx__TensorProto *t = mb_init_tensor(b, "b", ONR_DTYPE_FLOAT, 1, b_dims);
    t->n_float_data = 3;
    t->float_data = b_data;
}

static const char *vname(const struct onr_graph *g, int v)
{
    return v >= 0 ? g->values[v].name : "(none)";
}

static void test_valid_conv(void)
{
    struct mb b;
    struct onr_graph g;
    build_conv(&b);
    CHECK_STATUS(load(&b, &g), ONR_STATUS_OK);
    CHECK(g.opset == 13 && g.ir_version == 7);
    CHECK(strcmp(g.producer_name, "onnxrun-test") == 0);
    CHECK(strcmp(g.name, "test_graph") == 0);
    CHECK(g.n_inputs == 1 && strcmp(vname(&g, g.inputs[0]), "x") == 0);
    const struct onr_value *x = &g.values[g.inputs[0]];
    CHECK(x->dtype == ONR_DTYPE_FLOAT && x->has_shape && x->shape.rank == 4);
    CHECK(x->shape.dims[0] == -1 && x->dim_params[0] && strcmp(x->dim_params[0], "N") == 0);
    CHECK(x->shape.dims[1] == 2 && x->shape.dims[3] == 5 && x->dim_params[1] == NULL);
    CHECK(g.n_outputs == 1 && strcmp(vname(&g, g.outputs[0]), "z") == 0);
    CHECK(g.n_nodes == 2);
    /* Sorted: Conv first; the unnamed Relu was node 0 in the file. */
    const struct onr_node *conv = &g.nodes[0], *relu = &g.nodes[1];
    CHECK(strcmp(conv->op_type, "Conv") == 0 && strcmp(conv->name, "conv_0") == 0);
    CHECK(strcmp(relu->op_type, "Relu") == 0 && strcmp(relu->name, "Relu_0") == 0);
    CHECK(strcmp(conv->domain, "") == 0);
    CHECK(conv->n_inputs == 3 && strcmp(vname(&g, conv->inputs[1]), "w") == 0);
    CHECK(strcmp(vname(&g, conv->inputs[2]), "b") == 0);
    CHECK(relu->inputs[0] == conv->outputs[0]);
    CHECK(g.values[relu->outputs[0]].producer == 1 && g.values[conv->outputs[0]].producer == 0);

    const int64_t *ints;
    size_t n;
    int64_t group = 0;
    CHECK_STATUS(onr_node_attr_ints(conv, "pads", &ints, &n, &err), ONR_STATUS_OK);
    CHECK(n == 4 && ints[0] == 1 && ints[3] == 1);
    CHECK_STATUS(onr_node_attr_ints(conv, "strides", &ints, &n, &err), ONR_STATUS_OK);
    CHECK(n == 2 && ints[0] == 2 && ints[1] == 2);
    CHECK_STATUS(onr_node_attr_int(conv, "group", 0, &group, &err), ONR_STATUS_OK);
    CHECK(group == 1);
    CHECK_STATUS(onr_node_attr_int(conv, "strides", 1, &group, &err), ONR_STATUS_INVALID_MODEL);
    CHECK(strstr(err.message, "Conv 'conv_0': attribute 'strides' has type INTS") != NULL);

    const struct onr_value *w = &g.values[conv->inputs[1]], *bv = &g.values[conv->inputs[2]];
    CHECK(w->is_initializer && w->data.dtype == ONR_DTYPE_FLOAT && w->data.nbytes == 54 * 4);
    CHECK(w->shape.rank == 4 && w->shape.dims[0] == 3 && w->shape.dims[1] == 2);
    CHECK(memcmp(w->data.data, w_data, sizeof w_data) == 0);
    CHECK(bv->is_initializer && bv->data.nbytes == 12);
    CHECK(memcmp(bv->data.data, b_data, sizeof b_data) == 0);
    onr_graph_free(&g);
}

/* Typed fields for every dtype that uses them, and TENSOR/STRING/FLOATS/
 * STRINGS/GRAPH attributes on a Constant-like node. */
static void test_typed_data(void)
{
    struct mb b;
    struct onr_graph g;
    static int64_t d3[1] = {3}, d2x2[2] = {2, 2};
    static int32_t i32[4] = {-7, 300, 0, 1};
    static int64_t i64[3] = {-1, INT64_MAX, 5};
    static double f64[3] = {0.5, -2.25, 1e300};
    static uint64_t u64[3] = {1, 0xffffffffu, 7};
    static float fl[2] = {1.5f, -0.25f};
    static ProtobufCBinaryData strs[2] = {{2, (uint8_t *)"ab"}, {0, (uint8_t *)""}};
    mb_init(&b);
    mb_value(&b, 'o', "y", ONR_DTYPE_FLOAT, 0, NULL);
    Onnx__NodeProto *n = mb_node(&b, "Constant", "const", NULL, NULL, NULL, "y");
    Onnx__TensorProto attr_t;
    Onnx__AttributeProto *a = mb_attr(&b, n, "value", ONR_ATTR_TENSOR);
    a->t = mb_tensor(&attr_t, "", ONR_DTYPE_INT64, 1, d3);
    attr_t.n_int64_data = 3, attr_t.int64_data = i64;
    a = mb_attr(&b, n, "mode", ONR_ATTR_STRING);
    a->has_s = 1, a->s.data = (uint8_t *)"same", a->s.len = 4;
    a = mb_attr(&b, n, "scales", ONR_ATTR_FLOATS);
    a->n_floats = 2, a->floats = fl;
    a = mb_attr(&b, n, "names", ONR_ATTR_STRINGS);
    a->n_strings = 2, a->strings = strs;
    Onnx__TensorProto *t;
    t = mb_init_tensor(&b, "i8", ONR_DTYPE_INT8, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    t = mb_init_tensor(&b, "u8", ONR_DTYPE_UINT8, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    t = mb_init_tensor(&b, "bool", ONR_DTYPE_BOOL, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    t = mb_init_tensor(&b, "f16", ONR_DTYPE_FLOAT16, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    t = mb_init_tensor(&b, "f64", ONR_DTYPE_DOUBLE, 1, d3);
    t->n_double_data = 3, t->double_data = f64;
    t = mb_init_tensor(&b, "u32", ONR_DTYPE_UINT32, 1, d3);
    t->n_uint64_data = 3, t->uint64_data = u64;
    t = mb_init_tensor(&b, "i32", ONR_DTYPE_INT32, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    CHECK_STATUS(load(&b, &g), ONR_STATUS_OK);
    if (g.n_nodes != 1) {
        onr_graph_free(&g);
        return;
    }
    const struct onr_node *nd = &g.nodes[0];
    const struct onr_attr *va = onr_node_attr(nd, "value");
    CHECK(va && va->type == ONR_ATTR_TENSOR && va->t->dtype == ONR_DTYPE_INT64);
    CHECK(va && memcmp(va->t->data, i64, sizeof i64) == 0 && va->t->shape.dims[0] == 3);
    const char *s;
    CHECK_STATUS(onr_node_attr_string(nd, "mode", "", &s, &err), ONR_STATUS_OK);
    CHECK(strcmp(s, "same") == 0);
    const float *f;
    size_t cnt;
    CHECK_STATUS(onr_node_attr_floats(nd, "scales", &f, &cnt, &err), ONR_STATUS_OK);
    CHECK(cnt == 2 && f[0] == 1.5f && f[1] == -0.25f);
    const struct onr_attr *sa = onr_node_attr(nd, "names");
    CHECK(sa && sa->count == 2 && strcmp(sa->strings[0], "ab") == 0 && sa->strings[1][0] == 0);

    const struct onr_tensor *tt;
    tt = &g.values[onr_graph_find_value(&g, "i8")].data;
    CHECK(tt->dtype == ONR_DTYPE_INT8 && tt->nbytes == 4);
    CHECK(((int8_t *)tt->data)[0] == -7 && ((int8_t *)tt->data)[1] == (int8_t)300);
    tt = &g.values[onr_graph_find_value(&g, "u8")].data;
    CHECK(((uint8_t *)tt->data)[0] == (uint8_t)-7 && ((uint8_t *)tt->data)[3] == 1);
    tt = &g.values[onr_graph_find_value(&g, "bool")].data;
    CHECK(memcmp(tt->data, (uint8_t[]){1, 1, 0, 1}, 4) == 0);
    tt = &g.values[onr_graph_find_value(&g, "f16")].data;
    CHECK(tt->nbytes == 8 && ((uint16_t *)tt->data)[1] == 300);
    tt = &g.values[onr_graph_find_value(&g, "f64")].data;
    CHECK(tt->nbytes == 24 && memcmp(tt->data, f64, sizeof f64) == 0);
    tt = &g.values[onr_graph_find_value(&g, "u32")].data;
    CHECK(tt->nbytes == 12 && ((uint32_t *)tt->data)[1] == 0xffffffffu);
    tt = &g.values[onr_graph_find_value(&g, "i32")].data;
    CHECK(tt->nbytes == 16 && memcmp(tt->data, i32, sizeof i32) == 0);
    onr_graph_free(&g);
}

/* Loads b, expects want and a message containing each of parts. */
static void expect(const struct mb *b, enum onr_status want, const char *const *parts,
                   int line)
{
    struct onr_graph g;
    enum onr_status st = load(b, &g);
    if (st != want) {
        fprintf(stderr, "line %d: got %s (%s), expected %s\n", line, onr_status_name(st),
                err.message, onr_status_name(want));
        onr_test_failures++;
    }
    for (int i = 0; parts[i] != NULL; i++)
        if (strstr(err.message, parts[i]) == NULL) {
            fprintf(stderr, "line %d: message '%s' lacks '%s'\n", line, err.message, parts[i]);
            onr_test_failures++;
        }
    if (st == ONR_STATUS_OK) onr_graph_free(&g);
    CHECK(g.n_nodes == 0 && g.n_values == 0 && g.values == NULL);
}
#define EXPECT(b, want, ...) expect(b, want, (const char *const[]){__VA_ARGS__, NULL}, __LINE__)

static void test_bad_bytes(void)
{
    struct onr_graph g;
    const char *text = "this is not an ONNX model, just some text";
    CHECK_STATUS(onr_onnx_load_model(text, strlen(text), &g, &err), ONR_STATUS_PARSE);
    CHECK(strstr(err.message, "not an ONNX model") != NULL);
    CHECK_STATUS(onr_onnx_load_model("", 0, &g, &err), ONR_STATUS_INVALID_MODEL);
    CHECK(strstr(err.message, "no graph") != NULL);
    CHECK_STATUS(onr_onnx_load_model(NULL, 10, &g, &err), ONR_STATUS_INVALID_ARGUMENT);

    /* Every strict prefix of a valid model is rejected, none crashes. */
    struct mb b;
    build_conv(&b);
    size_t size = onnx__model_proto__get_packed_size(&b.m);
    uint8_t *buf = malloc(size);
    onnx__model_proto__pack(&b.m, buf);
    CHECK_STATUS(onr_onnx_load_model(buf, size, &g, &err), ONR_STATUS_OK);
    onr_graph_free(&g);
    int ok = 0;
    for (size_t len = 0; len < size; len++) {
        uint8_t *cut = malloc(len + 1);   /* exact size, so ASan sees overreads */
        memcpy(cut, buf, len);
        if (onr_onnx_load_model(cut, len, &g, &err) == ONR_STATUS_OK) {
            ok++;
            onr_graph_free(&g);
        }
        free(cut);
    }
    CHECK(ok == 0);
    CHECK_STATUS(onr_onnx_load_model(buf, size / 2, &g, &err), ONR_STATUS_PARSE);
    free(buf);
}

static void test_bad_tensors(void)
{
    struct mb b;
    static int64_t big[2] = {(int64_t)1 << 40, (int64_t)1 << 40}, neg[2] = {3, -3};
    static int64_t rank9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};

    build_conv(&b);
    b.inits[0].raw_data.len -= 4;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'w'", "raw_data has 212 bytes",
           "expected 216");

    build_conv(&b);
    b.inits[1].n_float_data = 2;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'b'", "float_data has 2 values",
           "expected 3");

    build_conv(&b);
    mb_init_tensor(&b, "huge", ONR_DTYPE_FLOAT, 2, big);
    EXPECT(&b, ONR_STATUS_SHAPE_MISMATCH, "initializer 'huge'", "overflow");

    build_conv(&b);
    mb_init_tensor(&b, "neg", ONR_DTYPE_FLOAT, 2, neg);
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'neg'", "dim 1 is -3");

    build_conv(&b);
    Onnx__TensorProto *deep = mb_init_tensor(&b, "deep", ONR_DTYPE_FLOAT, 9, rank9);
    deep->n_float_data = 1, deep->float_data = b_data;
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "initializer 'deep'", "rank 9");

    build_conv(&b);
    Onnx__StringStringEntryProto loc = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
    Onnx__StringStringEntryProto *locs[1] = {&loc};
    loc.key = "location", loc.value = "weights.bin";
    b.inits[0].has_raw_data = 0;
    b.inits[0].has_data_location = 1;
    b.inits[0].data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    b.inits[0].n_external_data = 1, b.inits[0].external_data = locs;
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "initializer 'w'", "external", "weights.bin");

    build_conv(&b);
    b.inits[1].data_type = ONR_DTYPE_STRING;
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "initializer 'b'", "string");

    build_conv(&b);
    b.inits[1].has_data_type = 0;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'b'", "no data type");

    build_conv(&b);
    b.inits[1].name = "w";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'w'", "twice");

    build_conv(&b);   /* a bad tensor attribute names its node */
    Onnx__TensorProto at;
    Onnx__AttributeProto *a = mb_attr(&b, &b.nodes[1], "value", ONR_ATTR_TENSOR);
    a->t = mb_tensor(&at, "", ONR_DTYPE_FLOAT, 1, b_dims);
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "Conv 'conv_0': attribute 'value'", "float_data");
}

static void test_bad_graphs(void)
{
    struct mb b;

    build_conv(&b);   /* cycle: conv reads z, which the Relu makes from y */
    b.io[1][0][0] = "z";
    b.g.n_input = 1;  /* keep only w listed... */
    b.in_p[0] = &b.vi[1];
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "cycle", "Conv 'conv_0'", "Relu 'Relu_0'");

    build_conv(&b);
    b.io[1][0][1] = "w_missing";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "Conv 'conv_0'", "input 1 'w_missing'");

    build_conv(&b);
    b.vi[2].name = "nothing";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "graph output 'nothing'");

    build_conv(&b);
    b.io[0][1][0] = "y";   /* Relu writes y too */
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "'y'", "Relu 'Relu_0'", "Conv 'conv_0'");

    build_conv(&b);
    b.nodes[0].op_type = "";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "node 0", "no op_type");

    build_conv(&b);
    b.attrs[1][1].name = "strides";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "Conv 'conv_0'", "'strides'", "twice");

    build_conv(&b);
    b.attrs[1][0].has_type = 0;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "Conv 'conv_0'", "'strides'", "no type");

    build_conv(&b);
    b.attrs[1][0].type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS;
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "Conv 'conv_0'", "'strides'", "TENSORS");

    build_conv(&b);
    b.m.n_opset_import = 0;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "opset");

    build_conv(&b);
    b.opset.domain = "com.example";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "opset");

    build_conv(&b);
    b.tt[0].elem_type = 16;   /* bfloat16 */
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "graph input 'x'");

    build_conv(&b);
    b.vi[0].type = NULL;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "graph input 'x'", "no type");

    build_conv(&b);
    b.dim[0][2].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    b.dim[0][2].dim_value = -5;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "graph input 'x'", "-5");

    build_conv(&b);
    b.in_p[1] = &b.vi[0];   /* x listed twice */
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "graph input 'x'", "twice");

    /* "ai.onnx" is the default domain; a GRAPH attribute loads without content. */
    build_conv(&b);
    b.opset.domain = "ai.onnx";
    b.nodes[0].domain = "ai.onnx";
    mb_attr(&b, &b.nodes[0], "body", ONR_ATTR_GRAPH);
    struct onr_graph g;
    CHECK_STATUS(load(&b, &g), ONR_STATUS_OK);
    CHECK(g.opset == 13);
    if (g.n_nodes == 2) {
        CHECK(strcmp(g.nodes[1].domain, "") == 0);
        const struct onr_attr *body = onr_node_attr(&g.nodes[1], "body");
        CHECK(body && body->type == ONR_ATTR_GRAPH);
        onr_graph_free(&g);
    }
}

/* Subgraphs nested levels deep in a GRAPH attribute: protobuf-c would
 * recurse once per message, so the loader bounds the nesting first. */
static void test_nesting(void)
{
    enum { LEVELS = 40 };
    static Onnx__GraphProto gs[LEVELS];
    static Onnx__NodeProto ns[LEVELS];
    static Onnx__NodeProto *np[LEVELS];
    static Onnx__AttributeProto as[LEVELS];
    static Onnx__AttributeProto *ap[LEVELS];
    for (int i = 0; i < LEVELS; i++) {
        gs[i] = (Onnx__GraphProto)ONNX__GRAPH_PROTO__INIT;
        ns[i] = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
        as[i] = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
        ns[i].op_type = "If";
        as[i].name = "then_branch";
        as[i].has_type = 1;
        as[i].type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
        np[i] = &ns[i];
        ap[i] = &as[i];
        if (i + 1 < LEVELS) {
            gs[i].n_node = 1, gs[i].node = &np[i];
            ns[i].n_attribute = 1, ns[i].attribute = &ap[i];
            as[i].g = &gs[i + 1];
        }
    }
    struct mb b;
    struct onr_graph g;
    build_conv(&b);
    mb_attr(&b, &b.nodes[1], "body", ONR_ATTR_GRAPH)->g = &gs[LEVELS - 20];
    CHECK_STATUS(load(&b, &g), ONR_STATUS_OK);   /* 20 levels: fine */
    if (g.n_nodes) onr_graph_free(&g);
    build_conv(&b);
    mb_attr(&b, &b.nodes[1], "body", ONR_ATTR_GRAPH)->g = &gs[0];
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "nests messages more than");

    /* 200000 levels written as raw wire bytes, from the inside out: without
     * the bound, unpacking this overflows the stack. */
    enum { DEEP = 200000 };
    static const uint8_t tags[3] = {(1 << 3) | 2, (5 << 3) | 2, (6 << 3) | 2}; /* node attr g */
    size_t cap = (size_t)DEEP * 6 + 16, at = cap, len;
    uint8_t *buf = malloc(cap);
    for (int i = DEEP - 1; i >= -1; i--) {
        len = cap - at;
        uint8_t v[10];
        int nv = 0;
        do v[nv++] = (uint8_t)((len & 0x7f) | (len > 0x7f ? 0x80 : 0)); while ((len >>= 7) != 0);
        while (nv > 0) buf[--at] = v[--nv];
        buf[--at] = i < 0 ? (7 << 3) | 2 : tags[i % 3];   /* outermost: ModelProto.graph */
    }
    struct onr_graph dg;
    CHECK_STATUS(onr_onnx_load_model(buf + at, cap - at, &dg, &err), ONR_STATUS_UNSUPPORTED);
    free(buf);
}

static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    *size = fread(buf, 1, (size_t)(n > 0 ? n : 0), f);
    fclose(f);
    return buf;
}

static void test_real_file(void)
{
    const char *dir = "/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding";
    char path[512];
    size_t size;
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    void *data = read_file(path, &size);
    if (data == NULL) {
        fprintf(stderr, "skipping %s: not installed\n", path);
        return;
    }
    struct onr_graph g;
    CHECK_STATUS(onr_onnx_load_model(data, size, &g, &err), ONR_STATUS_OK);
    free(data);
    if (g.n_nodes == 1) {
        const struct onr_node *n = &g.nodes[0];
        CHECK(strcmp(n->op_type, "Conv") == 0);
        const int64_t *ints;
        size_t cnt;
        CHECK_STATUS(onr_node_attr_ints(n, "strides", &ints, &cnt, &err), ONR_STATUS_OK);
        CHECK(cnt == 2 && ints[0] == 2 && ints[1] == 2);
        CHECK_STATUS(onr_node_attr_ints(n, "kernel_shape", &ints, &cnt, &err), ONR_STATUS_OK);
        CHECK(cnt == 2 && ints[0] == 3);
        CHECK(g.n_inputs == 2 && g.n_outputs == 1 && g.opset == 11);
        const struct onr_value *x = &g.values[g.inputs[0]];
        CHECK(strcmp(x->name, "x") == 0 && x->shape.rank == 4 && x->shape.dims[2] == 7);
        onr_graph_free(&g);
    }

    snprintf(path, sizeof path, "%s/test_data_set_0/input_0.pb", dir);
    data = read_file(path, &size);
    CHECK(data != NULL);
    if (data == NULL) return;
    struct onr_tensor_ref t;
    CHECK_STATUS(onr_tensor_parse_pb(data, size, &t, &err), ONR_STATUS_OK);
    CHECK(strcmp(t.name, "x") == 0 && t.dtype == ONR_DTYPE_FLOAT && t.rank == 4);
    CHECK(t.dims[0] == 1 && t.dims[1] == 1 && t.dims[2] == 7 && t.dims[3] == 5);
    CHECK(t.nbytes == 35 * sizeof(float));
    int arange = 1;   /* the backend test feeds x = arange(35) */
    for (int i = 0; i < 35; i++) arange &= ((const float *)t.data)[i] == (float)i;
    CHECK(arange);
    onr_tensor_ref_free(&t);
    CHECK(t.data == NULL && t.name == NULL);
    /* A truncated tensor file is a parse error. */
    CHECK_STATUS(onr_tensor_parse_pb(data, size - 7, &t, &err), ONR_STATUS_PARSE);
    free(data);
}

static void test_tensor_pb(void)
{
    /* Round trip through a packed TensorProto for the typed dtypes. */
    static int64_t d[1] = {3};
    static int64_t i64[3] = {4, -5, 6};
    static int32_t i32[3] = {1, 0, 1};
    Onnx__TensorProto tp;
    struct onr_tensor_ref t;
    uint8_t buf[256];
    mb_tensor(&tp, "ids", ONR_DTYPE_INT64, 1, d);
    tp.n_int64_data = 3, tp.int64_data = i64;
    size_t n = onnx__tensor_proto__pack(&tp, buf);
    CHECK_STATUS(onr_tensor_parse_pb(buf, n, &t, &err), ONR_STATUS_OK);
    CHECK(t.dtype == ONR_DTYPE_INT64 && t.nbytes == 24 && memcmp(t.data, i64, 24) == 0);
    CHECK(strcmp(t.name, "ids") == 0);
    onr_tensor_ref_free(&t);
    mb_tensor(&tp, NULL, ONR_DTYPE_BOOL, 1, d);
    tp.n_int32_data = 3, tp.int32_data = i32;
    n = onnx__tensor_proto__pack(&tp, buf);
    CHECK_STATUS(onr_tensor_parse_pb(buf, n, &t, &err), ONR_STATUS_OK);
    CHECK(t.dtype == ONR_DTYPE_BOOL && t.nbytes == 3 && strcmp(t.name, "") == 0);
    onr_tensor_ref_free(&t);
    tp.n_int32_data = 4;
    n = onnx__tensor_proto__pack(&tp, buf);
    CHECK_STATUS(onr_tensor_parse_pb(buf, n, &t, &err), ONR_STATUS_INVALID_MODEL);
    CHECK(strstr(err.message, "int32_data has 4 values") != NULL);
}

int main(void)
{
    test_valid_conv();
    test_typed_data();
    test_bad_bytes();
    test_bad_tensors();
    test_bad_graphs();
    test_nesting();
    test_real_file();
    test_tensor_pb();
    if (onr_test_failures) fprintf(stderr, "test_loader: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
