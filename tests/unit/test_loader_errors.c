/* onnx/loader.c refusing corrupted models built here with the protobuf-c
 * API (loader_builder.h): bad bytes, bad tensors, bad graphs and nesting
 * too deep, each with the culprit named in the message. */
#include <stdlib.h>
#include <string.h>

#include "loader_builder.h"
#include "testutil.h"

static void expect(const struct lb *b, enum onr_status want, const char *const *parts,
                   int line)
{
    struct onr_graph g;
    enum onr_status st = lb_load(b, &g);
    if (st != want) {
        fprintf(stderr, "line %d: got %s (%s), expected %s\n", line, onr_status_name(st),
                lb_err.message, onr_status_name(want));
        onr_test_failures++;
    }
    for (int i = 0; parts[i] != NULL; i++)
        if (strstr(lb_err.message, parts[i]) == NULL) {
            fprintf(stderr, "line %d: message '%s' lacks '%s'\n", line, lb_err.message, parts[i]);
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
    CHECK_STATUS(onr_onnx_load_model(text, strlen(text), &g, &lb_err), ONR_STATUS_PARSE);
    CHECK(strstr(lb_err.message, "not an ONNX model") != NULL);
    CHECK_STATUS(onr_onnx_load_model("", 0, &g, &lb_err), ONR_STATUS_INVALID_MODEL);
    CHECK(strstr(lb_err.message, "no graph") != NULL);
    CHECK_STATUS(onr_onnx_load_model(NULL, 10, &g, &lb_err), ONR_STATUS_INVALID_ARGUMENT);

    /* Every strict prefix of a valid model is rejected, none crashes. */
    struct lb b;
    lb_build_conv(&b);
    size_t size = onnx__model_proto__get_packed_size(&b.m);
    uint8_t *buf = malloc(size);
    onnx__model_proto__pack(&b.m, buf);
    CHECK_STATUS(onr_onnx_load_model(buf, size, &g, &lb_err), ONR_STATUS_OK);
    onr_graph_free(&g);
    int ok = 0;
    for (size_t len = 0; len < size; len++) {
        uint8_t *cut = malloc(len + 1);   /* exact size, so ASan sees overreads */
        memcpy(cut, buf, len);
        if (onr_onnx_load_model(cut, len, &g, &lb_err) == ONR_STATUS_OK) {
            ok++;
            onr_graph_free(&g);
        }
        free(cut);
    }
    CHECK(ok == 0);
    CHECK_STATUS(onr_onnx_load_model(buf, size / 2, &g, &lb_err), ONR_STATUS_PARSE);
    free(buf);
}

static void test_bad_tensors(void)
{
    struct lb b;
    static int64_t big[2] = {(int64_t)1 << 40, (int64_t)1 << 40}, neg[2] = {3, -3};
    static int64_t rank9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};

    lb_build_conv(&b);
    b.inits[0].raw_data.len -= 4;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'w'", "raw_data has 212 bytes",
           "expected 216");

    lb_build_conv(&b);
    b.inits[1].n_float_data = 2;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'b'", "float_data has 2 values",
           "expected 3");

    lb_build_conv(&b);
    lb_init_tensor(&b, "huge", ONR_DTYPE_FLOAT, 2, big);
    EXPECT(&b, ONR_STATUS_SHAPE_MISMATCH, "initializer 'huge'", "overflow");

    lb_build_conv(&b);
    lb_init_tensor(&b, "neg", ONR_DTYPE_FLOAT, 2, neg);
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'neg'", "dim 1 is -3");

    lb_build_conv(&b);
    Onnx__TensorProto *deep = lb_init_tensor(&b, "deep", ONR_DTYPE_FLOAT, 9, rank9);
    deep->n_float_data = 1, deep->float_data = lb_b_data;
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "initializer 'deep'", "rank 9");

    lb_build_conv(&b);
    Onnx__StringStringEntryProto loc = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
    Onnx__StringStringEntryProto *locs[1] = {&loc};
    loc.key = "location", loc.value = "weights.bin";
    b.inits[0].has_raw_data = 0;
    b.inits[0].has_data_location = 1;
    b.inits[0].data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    b.inits[0].n_external_data = 1, b.inits[0].external_data = locs;
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "initializer 'w'", "external", "weights.bin");

    lb_build_conv(&b);
    b.inits[1].data_type = ONR_DTYPE_STRING;
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "initializer 'b'", "string");

    lb_build_conv(&b);
    b.inits[1].has_data_type = 0;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'b'", "no data type");

    lb_build_conv(&b);
    b.inits[1].name = "w";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "initializer 'w'", "twice");

    lb_build_conv(&b);   /* a bad tensor attribute names its node */
    Onnx__TensorProto at;
    Onnx__AttributeProto *a = lb_attr(&b, &b.nodes[1], "value", ONR_ATTR_TENSOR);
    a->t = lb_tensor(&at, "", ONR_DTYPE_FLOAT, 1, lb_b_dims);
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "Conv 'conv_0': attribute 'value'", "float_data");
}

static void test_bad_graphs(void)
{
    struct lb b;

    lb_build_conv(&b);   /* cycle: conv reads z, which the Relu makes from y */
    b.io[1][0][0] = "z";
    b.g.n_input = 1;  /* keep only w listed... */
    b.in_p[0] = &b.vi[1];
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "cycle", "Conv 'conv_0'", "Relu 'Relu_0'");

    lb_build_conv(&b);
    b.io[1][0][1] = "w_missing";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "Conv 'conv_0'", "input 1 'w_missing'");

    lb_build_conv(&b);
    b.vi[2].name = "nothing";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "graph output 'nothing'");

    lb_build_conv(&b);
    b.io[0][1][0] = "y";   /* Relu writes y too */
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "'y'", "Relu 'Relu_0'", "Conv 'conv_0'");

    lb_build_conv(&b);
    b.nodes[0].op_type = "";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "node 0", "no op_type");

    lb_build_conv(&b);
    b.attrs[1][1].name = "strides";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "Conv 'conv_0'", "'strides'", "twice");

    lb_build_conv(&b);
    b.attrs[1][0].has_type = 0;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "Conv 'conv_0'", "'strides'", "no type");

    lb_build_conv(&b);
    b.attrs[1][0].type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS;
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "Conv 'conv_0'", "'strides'", "TENSORS");

    lb_build_conv(&b);
    b.m.n_opset_import = 0;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "opset");

    lb_build_conv(&b);
    b.opset.domain = "com.example";
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "opset");

    lb_build_conv(&b);
    b.tt[0].elem_type = 16;   /* bfloat16 */
    EXPECT(&b, ONR_STATUS_UNSUPPORTED, "graph input 'x'");

    lb_build_conv(&b);
    b.vi[0].type = NULL;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "graph input 'x'", "no type");

    lb_build_conv(&b);
    b.dim[0][2].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    b.dim[0][2].dim_value = -5;
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "graph input 'x'", "-5");

    lb_build_conv(&b);
    b.in_p[1] = &b.vi[0];   /* x listed twice */
    EXPECT(&b, ONR_STATUS_INVALID_MODEL, "graph input 'x'", "twice");

    /* "ai.onnx" is the default domain; a GRAPH attribute loads without content. */
    lb_build_conv(&b);
    b.opset.domain = "ai.onnx";
    b.nodes[0].domain = "ai.onnx";
    lb_attr(&b, &b.nodes[0], "body", ONR_ATTR_GRAPH);
    struct onr_graph g;
    CHECK_STATUS(lb_load(&b, &g), ONR_STATUS_OK);
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
    struct lb b;
    struct onr_graph g;
    lb_build_conv(&b);
    lb_attr(&b, &b.nodes[1], "body", ONR_ATTR_GRAPH)->g = &gs[LEVELS - 20];
    CHECK_STATUS(lb_load(&b, &g), ONR_STATUS_OK);   /* 20 levels: fine */
    if (g.n_nodes) onr_graph_free(&g);
    lb_build_conv(&b);
    lb_attr(&b, &b.nodes[1], "body", ONR_ATTR_GRAPH)->g = &gs[0];
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
    CHECK_STATUS(onr_onnx_load_model(buf + at, cap - at, &dg, &lb_err), ONR_STATUS_UNSUPPORTED);
    free(buf);
}


int main(void)
{
    test_bad_bytes();
    test_bad_tensors();
    test_bad_graphs();
    test_nesting();
    if (onr_test_failures) fprintf(stderr, "test_loader_errors: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
