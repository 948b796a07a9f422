/* Relu through its hooks: exact max(x, 0) with NaN kept, small and large
 * (parallel) tensors, 1 vs 3 threads bitwise, opsets 1 (consumed_inputs)
 * to 17; a non-float input is UNSUPPORTED naming the node. */
#include <math.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

static void check_relu(const char *what, int64_t opset, int rank, const int64_t *dims, int threads)
{
    struct oh_node n;
    oh_node_init(&n, "Relu", "relu_1");
    if (opset < 6) {
        const int64_t consumed[1] = {0};
        oh_attr_ints(&n, "consumed_inputs", consumed, 1);
    }
    struct onr_tensor x, y = {0};
    oh_tensor_f32(&x, rank, dims, NULL);
    float *xs = x.data;
    const size_t total = x.nbytes / 4;
    onr_test_fill(xs, total, (uint64_t)opset, -1, 1);
    if (total > 3) {
        xs[0] = NAN;
        xs[1] = 0.0f;
        xs[2] = -INFINITY;
    }
    struct onr_tensor *in[1] = {&x}, *out[1] = {&y};
    struct oh_opts o = {.opset = opset, .threads = threads};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(&n, &o, in, 1, out, 1, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s %s\n", what, onr_status_name(st), err.message);
        onr_test_failures++;
    } else {
        CHECK(onr_shape_equal(&y.shape, &x.shape) && y.dtype == ONR_DTYPE_FLOAT);
        const float *ys = y.data;
        size_t bad = 0;
        for (size_t i = 0; i < total; i++) {
            if (isnan(xs[i]) ? !isnan(ys[i]) : ys[i] != (xs[i] < 0 ? 0.0f : xs[i])) bad++;
        }
        if (bad) {
            fprintf(stderr, "%s: %zu wrong elements\n", what, bad);
            onr_test_failures++;
        }
    }
    onr_tensor_free(&x), onr_tensor_free(&y), oh_node_free(&n);
}

int main(void)
{
    static const int64_t small[3] = {2, 3, 5}, big[4] = {1, 8, 100, 100}, scalar[1] = {1};
    check_relu("opset 1", 1, 3, small, 1);
    check_relu("opset 6", 6, 3, small, 2);
    check_relu("opset 14 rank 0", 14, 0, scalar, 1);
    check_relu("opset 13 big 1 thread", 13, 4, big, 1);
    check_relu("opset 17 big 3 threads", 17, 4, big, 3);
    CHECK(onr_op_find("Relu", "", 18) == NULL);

    struct oh_node n;
    oh_node_init(&n, "Relu", "relu_int");
    struct onr_tensor xi = {0};
    struct onr_shape s = {.rank = 1, .dims = {4}};
    CHECK_STATUS(onr_tensor_alloc(&xi, ONR_DTYPE_INT64, &s, NULL), ONR_STATUS_OK);
    struct onr_tensor *in[1] = {&xi};
    struct oh_opts o = {.opset = 14};
    oh_expect_error("int64 input", &n, &o, in, 1, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&xi), oh_node_free(&n);
    printf("test_relu: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
