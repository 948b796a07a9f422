/* Identity and Constant through their hooks. Identity: float and int64,
 * copied into separate storage, flagged as a view. Constant: value (float
 * and int64 tensors), value_float(s), value_int(s); none, two, the wrong
 * type, sparse_value and value_string rejected, naming the node. */
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

static void test_identity(void)
{
    const struct onr_op_def *def = onr_op_find("Identity", "", 13);
    CHECK(def != NULL && (def->flags & ONR_OP_FLAG_VIEW));
    CHECK(onr_op_find("Identity", "", 1) != NULL && onr_op_find("Identity", "", 17) != NULL);
    struct oh_node n;
    oh_node_init(&n, "Identity", "id_1");
    const int64_t dims[3] = {2, 3, 4};
    struct onr_tensor x, xi = {0}, y = {0};
    oh_tensor_f32(&x, 3, dims, NULL);
    onr_test_fill(x.data, 24, 1, -5, 5);
    struct onr_shape s = {.rank = 2, .dims = {3, 5}};
    CHECK_STATUS(onr_tensor_alloc(&xi, ONR_DTYPE_INT64, &s, NULL), ONR_STATUS_OK);
    for (int i = 0; i < 15; i++) ((int64_t *)xi.data)[i] = (int64_t)i * 1000000007 - 7;
    struct onr_tensor *ins[2] = {&x, &xi};
    for (int k = 0; k < 2; k++) {
        struct onr_tensor *in[1] = {ins[k]}, *out[1] = {&y};
        struct oh_opts o = {.opset = k ? 16 : 1};
        struct onr_error err;
        memset(&y, 0, sizeof y);
        CHECK_STATUS(oh_run(&n, &o, in, 1, out, 1, &err), ONR_STATUS_OK);
        CHECK(y.dtype == ins[k]->dtype && onr_shape_equal(&y.shape, &ins[k]->shape));
        CHECK(y.data != ins[k]->data && y.nbytes == ins[k]->nbytes &&
              memcmp(y.data, ins[k]->data, y.nbytes) == 0);
        onr_tensor_free(&y);
    }
    onr_tensor_free(&x), onr_tensor_free(&xi), oh_node_free(&n);
}

/* Runs a Constant node and checks y's dtype, shape and bytes. */
static void expect_constant(const char *what, const struct oh_node *n, int64_t opset,
                            enum onr_dtype dtype, int rank, const int64_t *dims,
                            const void *bytes, size_t nbytes)
{
    struct onr_tensor y = {0};
    struct onr_tensor *out[1] = {&y};
    struct oh_opts o = {.opset = opset};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(n, &o, NULL, 0, out, 1, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s %s\n", what, onr_status_name(st), err.message);
        onr_test_failures++;
        return;
    }
    bool ok = y.dtype == dtype && y.shape.rank == rank && y.nbytes == nbytes &&
              memcmp(y.data, bytes, nbytes) == 0;
    for (int i = 0; i < rank && ok; i++) ok = y.shape.dims[i] == dims[i];
    if (!ok) {
        fprintf(stderr, "%s: wrong output\n", what);
        onr_test_failures++;
    }
    onr_tensor_free(&y);
}

static void test_constant_values(void)
{
    struct oh_node n;
    const int64_t d23[2] = {2, 3};
    struct onr_tensor t;
    oh_tensor_f32(&t, 2, d23, NULL);
    onr_test_fill(t.data, 6, 3, -1, 1);
    oh_node_init(&n, "Constant", "c_value");
    oh_attr_tensor(&n, "value", &t);
    expect_constant("value float 2x3", &n, 1, ONR_DTYPE_FLOAT, 2, d23, t.data, t.nbytes);
    onr_tensor_free(&t), oh_node_free(&n);

    struct onr_shape s = {.rank = 1, .dims = {4}};
    CHECK_STATUS(onr_tensor_alloc(&t, ONR_DTYPE_INT64, &s, NULL), ONR_STATUS_OK);
    for (int i = 0; i < 4; i++) ((int64_t *)t.data)[i] = -i * 3;
    oh_node_init(&n, "Constant", "c_int");
    oh_attr_tensor(&n, "value", &t);
    expect_constant("value int64 4", &n, 13, ONR_DTYPE_INT64, 1, s.dims, t.data, t.nbytes);
    onr_tensor_free(&t), oh_node_free(&n);

    const float f = 2.5f, fs[3] = {1, -2, 3.5f};
    const int64_t i = -42, is[2] = {7, INT64_MAX}, d3[1] = {3}, d2[1] = {2};
    oh_node_init(&n, "Constant", "c_f");
    oh_attr_float(&n, "value_float", f);
    expect_constant("value_float", &n, 12, ONR_DTYPE_FLOAT, 0, NULL, &f, 4);
    oh_node_free(&n);
    oh_node_init(&n, "Constant", "c_fs");
    oh_attr_floats(&n, "value_floats", fs, 3);
    expect_constant("value_floats", &n, 13, ONR_DTYPE_FLOAT, 1, d3, fs, 12);
    oh_node_free(&n);
    oh_node_init(&n, "Constant", "c_i");
    oh_attr_int(&n, "value_int", i);
    expect_constant("value_int", &n, 17, ONR_DTYPE_INT64, 0, NULL, &i, 8);
    oh_node_free(&n);
    oh_node_init(&n, "Constant", "c_is");
    oh_attr_ints(&n, "value_ints", is, 2);
    expect_constant("value_ints", &n, 17, ONR_DTYPE_INT64, 1, d2, is, 16);
    oh_node_free(&n);
}

static void test_constant_errors(void)
{
    struct oh_node n;
    struct oh_opts o = {.opset = 13};
    oh_node_init(&n, "Constant", "c_none");
    oh_expect_error("no value", &n, &o, NULL, 0, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Constant", "c_two");
    oh_attr_float(&n, "value_float", 1.0f);
    oh_attr_int(&n, "value_int", 1);
    oh_expect_error("two values", &n, &o, NULL, 0, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Constant", "c_type");
    oh_attr_int(&n, "value", 1);
    oh_expect_error("value as int", &n, &o, NULL, 0, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Constant", "c_type");
    oh_attr_float(&n, "value_ints", 1.0f);
    oh_expect_error("value_ints as float", &n, &o, NULL, 0, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Constant", "c_sparse");
    oh_attr_int(&n, "sparse_value", 0);
    oh_expect_error("sparse_value", &n, &o, NULL, 0, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Constant", "c_str");
    oh_attr_string(&n, "value_string", "hello");
    oh_expect_error("value_string", &n, &o, NULL, 0, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
}

int main(void)
{
    test_identity();
    test_constant_values();
    test_constant_errors();
    printf("test_identity_constant: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
