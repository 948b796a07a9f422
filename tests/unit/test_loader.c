/* onnx/loader.c on models built here with the protobuf-c API
 * (loader_builder.h): a valid Conv model (values, attributes, raw and typed
 * initializer data, naming and sorting of nodes), and a real file from the
 * ONNX backend test data together with its serialized input tensor. */
#include <stdlib.h>
#include <string.h>

#include "loader_builder.h"
#include "testutil.h"

static void test_valid_conv(void)
{
    struct lb b;
    struct onr_graph g;
    lb_build_conv(&b);
    CHECK_STATUS(lb_load(&b, &g), ONR_STATUS_OK);
    CHECK(g.opset == 13 && g.ir_version == 7);
    CHECK(strcmp(g.producer_name, "onnxrun-test") == 0);
    CHECK(strcmp(g.name, "test_graph") == 0);
    CHECK(g.n_inputs == 1 && strcmp(lb_vname(&g, g.inputs[0]), "x") == 0);
    const struct onr_value *x = &g.values[g.inputs[0]];
    CHECK(x->dtype == ONR_DTYPE_FLOAT && x->has_shape && x->shape.rank == 4);
    CHECK(x->shape.dims[0] == -1 && x->dim_params[0] && strcmp(x->dim_params[0], "N") == 0);
    CHECK(x->shape.dims[1] == 2 && x->shape.dims[3] == 5 && x->dim_params[1] == NULL);
    CHECK(g.n_outputs == 1 && strcmp(lb_vname(&g, g.outputs[0]), "z") == 0);
    CHECK(g.n_nodes == 2);
    /* Sorted: Conv first; the unnamed Relu was node 0 in the file. */
    const struct onr_node *conv = &g.nodes[0], *relu = &g.nodes[1];
    CHECK(strcmp(conv->op_type, "Conv") == 0 && strcmp(conv->name, "conv_0") == 0);
    CHECK(strcmp(relu->op_type, "Relu") == 0 && strcmp(relu->name, "Relu_0") == 0);
    CHECK(strcmp(conv->domain, "") == 0);
    CHECK(conv->n_inputs == 3 && strcmp(lb_vname(&g, conv->inputs[1]), "w") == 0);
    CHECK(strcmp(lb_vname(&g, conv->inputs[2]), "b") == 0);
    CHECK(relu->inputs[0] == conv->outputs[0]);
    CHECK(g.values[relu->outputs[0]].producer == 1 && g.values[conv->outputs[0]].producer == 0);

    const int64_t *ints;
    size_t n;
    int64_t group = 0;
    CHECK_STATUS(onr_node_attr_ints(conv, "pads", &ints, &n, &lb_err), ONR_STATUS_OK);
    CHECK(n == 4 && ints[0] == 1 && ints[3] == 1);
    CHECK_STATUS(onr_node_attr_ints(conv, "strides", &ints, &n, &lb_err), ONR_STATUS_OK);
    CHECK(n == 2 && ints[0] == 2 && ints[1] == 2);
    CHECK_STATUS(onr_node_attr_int(conv, "group", 0, &group, &lb_err), ONR_STATUS_OK);
    CHECK(group == 1);
    CHECK_STATUS(onr_node_attr_int(conv, "strides", 1, &group, &lb_err), ONR_STATUS_INVALID_MODEL);
    CHECK(strstr(lb_err.message, "Conv 'conv_0': attribute 'strides' has type INTS") != NULL);

    const struct onr_value *w = &g.values[conv->inputs[1]], *bv = &g.values[conv->inputs[2]];
    CHECK(w->is_initializer && w->data.dtype == ONR_DTYPE_FLOAT && w->data.nbytes == 54 * 4);
    CHECK(w->shape.rank == 4 && w->shape.dims[0] == 3 && w->shape.dims[1] == 2);
    CHECK(memcmp(w->data.data, lb_w_data, sizeof lb_w_data) == 0);
    CHECK(bv->is_initializer && bv->data.nbytes == 12);
    CHECK(memcmp(bv->data.data, lb_b_data, sizeof lb_b_data) == 0);
    onr_graph_free(&g);
}

/* Typed fields for every dtype that uses them, and TENSOR/STRING/FLOATS/
 * STRINGS/GRAPH attributes on a Constant-like node. */
static void test_typed_data(void)
{
    struct lb b;
    struct onr_graph g;
    static int64_t d3[1] = {3}, d2x2[2] = {2, 2};
    static int32_t i32[4] = {-7, 300, 0, 1};
    static int64_t i64[3] = {-1, INT64_MAX, 5};
    static double f64[3] = {0.5, -2.25, 1e300};
    static uint64_t u64[3] = {1, 0xffffffffu, 7};
    static float fl[2] = {1.5f, -0.25f};
    static ProtobufCBinaryData strs[2] = {{2, (uint8_t *)"ab"}, {0, (uint8_t *)""}};
    lb_init(&b);
    lb_value(&b, 'o', "y", ONR_DTYPE_FLOAT, 0, NULL);
    Onnx__NodeProto *n = lb_node(&b, "Constant", "const", NULL, NULL, NULL, "y");
    Onnx__TensorProto attr_t;
    Onnx__AttributeProto *a = lb_attr(&b, n, "value", ONR_ATTR_TENSOR);
    a->t = lb_tensor(&attr_t, "", ONR_DTYPE_INT64, 1, d3);
    attr_t.n_int64_data = 3, attr_t.int64_data = i64;
    a = lb_attr(&b, n, "mode", ONR_ATTR_STRING);
    a->has_s = 1, a->s.data = (uint8_t *)"same", a->s.len = 4;
    a = lb_attr(&b, n, "scales", ONR_ATTR_FLOATS);
    a->n_floats = 2, a->floats = fl;
    a = lb_attr(&b, n, "names", ONR_ATTR_STRINGS);
    a->n_strings = 2, a->strings = strs;
    Onnx__TensorProto *t;
    t = lb_init_tensor(&b, "i8", ONR_DTYPE_INT8, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    t = lb_init_tensor(&b, "u8", ONR_DTYPE_UINT8, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    t = lb_init_tensor(&b, "bool", ONR_DTYPE_BOOL, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    t = lb_init_tensor(&b, "f16", ONR_DTYPE_FLOAT16, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    t = lb_init_tensor(&b, "f64", ONR_DTYPE_DOUBLE, 1, d3);
    t->n_double_data = 3, t->double_data = f64;
    t = lb_init_tensor(&b, "u32", ONR_DTYPE_UINT32, 1, d3);
    t->n_uint64_data = 3, t->uint64_data = u64;
    t = lb_init_tensor(&b, "i32", ONR_DTYPE_INT32, 2, d2x2);
    t->n_int32_data = 4, t->int32_data = i32;
    CHECK_STATUS(lb_load(&b, &g), ONR_STATUS_OK);
    if (g.n_nodes != 1) {
        onr_graph_free(&g);
        return;
    }
    const struct onr_node *nd = &g.nodes[0];
    const struct onr_attr *va = onr_node_attr(nd, "value");
    CHECK(va && va->type == ONR_ATTR_TENSOR && va->t->dtype == ONR_DTYPE_INT64);
    CHECK(va && memcmp(va->t->data, i64, sizeof i64) == 0 && va->t->shape.dims[0] == 3);
    const char *s;
    CHECK_STATUS(onr_node_attr_string(nd, "mode", "", &s, &lb_err), ONR_STATUS_OK);
    CHECK(strcmp(s, "same") == 0);
    const float *f;
    size_t cnt;
    CHECK_STATUS(onr_node_attr_floats(nd, "scales", &f, &cnt, &lb_err), ONR_STATUS_OK);
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
    CHECK_STATUS(onr_onnx_load_model(data, size, &g, &lb_err), ONR_STATUS_OK);
    free(data);
    if (g.n_nodes == 1) {
        const struct onr_node *n = &g.nodes[0];
        CHECK(strcmp(n->op_type, "Conv") == 0);
        const int64_t *ints;
        size_t cnt;
        CHECK_STATUS(onr_node_attr_ints(n, "strides", &ints, &cnt, &lb_err), ONR_STATUS_OK);
        CHECK(cnt == 2 && ints[0] == 2 && ints[1] == 2);
        CHECK_STATUS(onr_node_attr_ints(n, "kernel_shape", &ints, &cnt, &lb_err), ONR_STATUS_OK);
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
    CHECK_STATUS(onr_tensor_parse_pb(data, size, &t, &lb_err), ONR_STATUS_OK);
    CHECK(strcmp(t.name, "x") == 0 && t.dtype == ONR_DTYPE_FLOAT && t.rank == 4);
    CHECK(t.dims[0] == 1 && t.dims[1] == 1 && t.dims[2] == 7 && t.dims[3] == 5);
    CHECK(t.nbytes == 35 * sizeof(float));
    int arange = 1;   /* the backend test feeds x = arange(35) */
    for (int i = 0; i < 35; i++) arange &= ((const float *)t.data)[i] == (float)i;
    CHECK(arange);
    onr_tensor_ref_free(&t);
    CHECK(t.data == NULL && t.name == NULL);
    /* A truncated tensor file is a parse error. */
    CHECK_STATUS(onr_tensor_parse_pb(data, size - 7, &t, &lb_err), ONR_STATUS_PARSE);
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
    lb_tensor(&tp, "ids", ONR_DTYPE_INT64, 1, d);
    tp.n_int64_data = 3, tp.int64_data = i64;
    size_t n = onnx__tensor_proto__pack(&tp, buf);
    CHECK_STATUS(onr_tensor_parse_pb(buf, n, &t, &lb_err), ONR_STATUS_OK);
    CHECK(t.dtype == ONR_DTYPE_INT64 && t.nbytes == 24 && memcmp(t.data, i64, 24) == 0);
    CHECK(strcmp(t.name, "ids") == 0);
    onr_tensor_ref_free(&t);
    lb_tensor(&tp, NULL, ONR_DTYPE_BOOL, 1, d);
    tp.n_int32_data = 3, tp.int32_data = i32;
    n = onnx__tensor_proto__pack(&tp, buf);
    CHECK_STATUS(onr_tensor_parse_pb(buf, n, &t, &lb_err), ONR_STATUS_OK);
    CHECK(t.dtype == ONR_DTYPE_BOOL && t.nbytes == 3 && strcmp(t.name, "") == 0);
    onr_tensor_ref_free(&t);
    tp.n_int32_data = 4;
    n = onnx__tensor_proto__pack(&tp, buf);
    CHECK_STATUS(onr_tensor_parse_pb(buf, n, &t, &lb_err), ONR_STATUS_INVALID_MODEL);
    CHECK(strstr(lb_err.message, "int32_data has 4 values") != NULL);
}

int main(void)
{
    test_valid_conv();
    test_typed_data();
    test_real_file();
    test_tensor_pb();
    if (onr_test_failures) fprintf(stderr, "test_loader: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
