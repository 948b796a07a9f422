/* Shape and Size through their hooks (start/end of opset 15 clamped,
 * negative, empty), and through a session: a dynamic-batch chain
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as torch.onnx exports
 * x.view(x.size(0), -1), must fold at prepare time (Shape depends only on
 * shapes) and follow a new batch size when the session re-plans. */
#include "shapeops_util.h"

#include <stdint.h>

#include ONR_PB_HEADER

static void expect_shape(const char *what, int64_t start, int64_t end, bool has_start,
                         bool has_end, int64_t opset, int n_want, const int64_t *want)
{
    struct oh_node n;
    oh_node_init(&n, "Shape", "shape_1");
    if (has_start) oh_attr_int(&n, "start", start);
    if (has_end) oh_attr_int(&n, "end", end);
    const int64_t dims[4] = {2, 3, 5, 7};
    struct onr_tensor x, y;
    so_tensor(&x, ONR_DTYPE_FLOAT, 4, dims, NULL);
    struct onr_tensor *in[1] = {&x};
    const int64_t yd[1] = {n_want};
    /* x is not constant: Shape must not read its data. */
    void *saved = x.data;
    x.data = NULL;
    if (so_run(what, &n, opset, 0u, in, 1, &y)) so_expect(what, &y, ONR_DTYPE_INT64, 1, yd, want);
    x.data = saved;
    onr_tensor_free(&y), onr_tensor_free(&x), oh_node_free(&n);
}

static void test_shape(void)
{
    const struct onr_op_def *def = onr_op_find("Shape", "", 13);
    CHECK(def != NULL && (def->flags & ONR_OP_FLAG_SHAPE_ONLY));
    const int64_t all[4] = {2, 3, 5, 7};
    expect_shape("shape", 0, 0, false, false, 13, 4, all);
    expect_shape("shape start 1", 1, 0, true, false, 15, 3, all + 1);
    expect_shape("shape end -1", 0, -1, false, true, 15, 3, all);
    expect_shape("shape start -2 end 3", -2, 3, true, true, 15, 1, all + 2);
    expect_shape("shape clipped", -10, 10, true, true, 15, 4, all);
    expect_shape("shape empty", 3, 1, true, true, 15, 0, all);
}

static void test_size(void)
{
    struct oh_node n;
    oh_node_init(&n, "Size", "size_1");
    const int64_t dims[3] = {4, 0, 3}, dims2[2] = {6, 7};
    struct onr_tensor x, y;
    struct onr_tensor *in[1] = {&x};
    const int64_t zero = 0, f42 = 42;
    so_tensor(&x, ONR_DTYPE_INT64, 3, dims, NULL);
    if (so_run("size empty", &n, 13, 0u, in, 1, &y)) so_expect("size empty", &y, ONR_DTYPE_INT64, 0, NULL, &zero);
    onr_tensor_free(&y), onr_tensor_free(&x);
    so_tensor(&x, ONR_DTYPE_FLOAT, 2, dims2, NULL);
    if (so_run("size", &n, 13, 0u, in, 1, &y)) so_expect("size", &y, ONR_DTYPE_INT64, 0, NULL, &f42);
    onr_tensor_free(&y), onr_tensor_free(&x), oh_node_free(&n);
}

/* ---- the folded chain in a session ---- */

static Onnx__TensorProto init_i64(const char *name, int rank, int64_t *dims, int64_t *v, size_t n)
{
    Onnx__TensorProto t = ONNX__TENSOR_PROTO__INIT;
    t.name = (char *)name;
    t.has_data_type = 1;
    t.data_type = ONR_DTYPE_INT64;
    t.n_dims = (size_t)rank;
    t.dims = dims;
    t.n_int64_data = n;
    t.int64_data = v;
    return t;
}

static Onnx__NodeProto node(const char *op, const char *name, char **in, size_t n_in, char **out)
{
    Onnx__NodeProto n = ONNX__NODE_PROTO__INIT;
    n.op_type = (char *)op;
    n.name = (char *)name;
    n.input = in;
    n.n_input = n_in;
    n.output = out;
    n.n_output = 1;
    return n;
}

static Onnx__TensorShapeProto__Dimension dim_of(int64_t d)
{
    Onnx__TensorShapeProto__Dimension r = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
    if (d < 0) {
        r.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
        r.dim_param = "N";
    } else {
        r.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        r.dim_value = d;
    }
    return r;
}

/* Packs: y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0), [0]), [-1])),
 * x: float N x 4 x 2 x 3 (symbolic N), opset 13. */
static uint8_t *build_chain(size_t *size)
{
    static int64_t scalar_dims[1], one[1] = {1}, zero = 0, minus1 = -1;
    static char *n0_in[] = {"x"}, *n0_out[] = {"s"};
    static char *n1_in[] = {"s", "i0"}, *n1_out[] = {"g"};
    static char *n2_in[] = {"g", "ax0"}, *n2_out[] = {"u"};
    static char *n3_in[] = {"u", "m1"}, *n3_out[] = {"shp"};
    static char *n4_in[] = {"x", "shp"}, *n4_out[] = {"y"};
    Onnx__TensorProto inits[3] = {init_i64("i0", 0, scalar_dims, &zero, 1),
                                  init_i64("ax0", 1, one, &zero, 1),
                                  init_i64("m1", 1, one, &minus1, 1)};
    Onnx__TensorProto *init_p[3] = {&inits[0], &inits[1], &inits[2]};
    Onnx__NodeProto nodes[5] = {node("Shape", "shape", n0_in, 1, n0_out),
                                node("Gather", "gather", n1_in, 2, n1_out),
                                node("Unsqueeze", "unsqueeze", n2_in, 2, n2_out),
                                node("Concat", "concat", n3_in, 2, n3_out),
                                node("Reshape", "reshape", n4_in, 2, n4_out)};
    Onnx__AttributeProto axis = ONNX__ATTRIBUTE_PROTO__INIT, *axis_p[1] = {&axis};
    axis.name = "axis";
    axis.has_type = 1;
    axis.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    axis.has_i = 1;
    axis.i = 0;
    nodes[3].attribute = axis_p;
    nodes[3].n_attribute = 1;
    Onnx__NodeProto *node_p[5] = {&nodes[0], &nodes[1], &nodes[2], &nodes[3], &nodes[4]};
    Onnx__TensorShapeProto__Dimension xd[4] = {dim_of(-1), dim_of(4), dim_of(2), dim_of(3)};
    Onnx__TensorShapeProto__Dimension *xd_p[4] = {&xd[0], &xd[1], &xd[2], &xd[3]};
    Onnx__TensorShapeProto xs = ONNX__TENSOR_SHAPE_PROTO__INIT;
    xs.dim = xd_p;
    xs.n_dim = 4;
    Onnx__TypeProto__Tensor tt = ONNX__TYPE_PROTO__TENSOR__INIT;
    tt.has_elem_type = 1;
    tt.elem_type = ONR_DTYPE_FLOAT;
    tt.shape = &xs;
    Onnx__TypeProto ty = ONNX__TYPE_PROTO__INIT;
    ty.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    ty.tensor_type = &tt;
    Onnx__ValueInfoProto xv = ONNX__VALUE_INFO_PROTO__INIT, yv = ONNX__VALUE_INFO_PROTO__INIT;
    xv.name = "x";
    xv.type = &ty;
    yv.name = "y";
    Onnx__ValueInfoProto *in_p[1] = {&xv}, *out_p[1] = {&yv};
    Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
    g.name = "chain";
    g.node = node_p;
    g.n_node = 5;
    g.initializer = init_p;
    g.n_initializer = 3;
    g.input = in_p;
    g.n_input = 1;
    g.output = out_p;
    g.n_output = 1;
    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opset_p[1] = {&opset};
    opset.domain = "";
    opset.has_version = 1;
    opset.version = 13;
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    m.has_ir_version = 1;
    m.ir_version = 7;
    m.opset_import = opset_p;
    m.n_opset_import = 1;
    m.graph = &g;
    *size = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = malloc(*size);
    if (buf != NULL) onnx__model_proto__pack(&m, buf);
    return buf;
}

static void run_chain(struct onr_session *s, int64_t N)
{
    float x[5 * 24];
    onr_test_fill(x, (size_t)N * 24, (uint64_t)N, -1, 1);
    struct onr_tensor_ref in = {.name = "x", .dtype = ONR_DTYPE_FLOAT, .rank = 4,
                                .dims = {N, 4, 2, 3}, .data = x, .nbytes = (size_t)N * 24 * 4};
    struct onr_error err = {{0}};
    struct onr_tensor_ref out;
    enum onr_status st = onr_session_run(s, &in, 1, &err);
    CHECK_STATUS(st, ONR_STATUS_OK);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "  %s\n", err.message);
        return;
    }
    CHECK_STATUS(onr_session_output(s, 0, &out), ONR_STATUS_OK);
    CHECK(out.rank == 2 && out.dims[0] == N && out.dims[1] == 24);
    CHECK(out.nbytes == in.nbytes && memcmp(out.data, x, in.nbytes) == 0);
}

static void test_folded_chain(void)
{
    size_t size;
    uint8_t *buf = build_chain(&size);
    CHECK(buf != NULL);
    if (buf == NULL) return;
    struct onr_model *m = NULL;
    struct onr_session *s = NULL;
    struct onr_error err = {{0}};
    enum onr_status st = onr_model_load_buffer(buf, size, &m, &err);
    CHECK_STATUS(st, ONR_STATUS_OK);
    if (st == ONR_STATUS_OK) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.threads = 1;
        struct onr_tensor_ref shape = {.name = "x", .dtype = ONR_DTYPE_FLOAT, .rank = 4,
                                       .dims = {3, 4, 2, 3}};
        opt.n_input_shapes = 1;
        opt.input_shapes = &shape;
        st = onr_session_create(m, &opt, &s, &err);
        CHECK_STATUS(st, ONR_STATUS_OK);
        if (st != ONR_STATUS_OK) fprintf(stderr, "  %s\n", err.message);
    }
    if (s != NULL) {
        run_chain(s, 3);
        run_chain(s, 5); /* a new batch size re-plans and re-folds */
        run_chain(s, 1);
    }
    onr_session_free(s);
    onr_model_free(m);
    free(buf);
}

int main(void)
{
    test_shape();
    test_size();
    test_folded_chain();
    if (onr_test_failures) fprintf(stderr, "test_shape_ops: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
