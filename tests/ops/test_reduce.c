/* ReduceMean, ReduceSum, ReduceMax, ReduceMin through their hooks: every
 * subset of axes of a 4-D tensor (also negative and empty), keepdims 0/1,
 * against a double-precision reduction written here; the reference and
 * fast paths agree bitwise, as do 1 and 3 threads; ReduceSum 13's axes
 * input and noop_with_empty_axes; repeated or out-of-range axes and
 * non-constant axes are rejected. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

static const char *const ops[4] = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"};
static const int64_t dims[4] = {3, 5, 7, 4};

/* Reference over mask (bit d: dim d reduced); y is in kept-dim order. */
static void reference(int op, const float *x, unsigned mask, float *y, int64_t ny)
{
    double *acc = malloc((size_t)ny * sizeof *acc);
    for (int64_t i = 0; i < ny; i++) acc[i] = op == 2 ? -INFINITY : op == 3 ? INFINITY : 0.0;
    int64_t count = 1;
    for (int d = 0; d < 4; d++)
        if (mask & (1u << d)) count *= dims[d];
    int64_t idx[4];
    for (idx[0] = 0; idx[0] < dims[0]; idx[0]++)
        for (idx[1] = 0; idx[1] < dims[1]; idx[1]++)
            for (idx[2] = 0; idx[2] < dims[2]; idx[2]++)
                for (idx[3] = 0; idx[3] < dims[3]; idx[3]++) {
                    int64_t o = 0, xi = 0;
                    for (int d = 0; d < 4; d++) {
                        xi = xi * dims[d] + idx[d];
                        if (!(mask & (1u << d))) o = o * dims[d] + idx[d];
                    }
                    const double v = x[xi];
                    acc[o] = op == 2 ? fmax(acc[o], v) : op == 3 ? fmin(acc[o], v) : acc[o] + v;
                }
    for (int64_t i = 0; i < ny; i++) y[i] = (float)(op == 0 ? acc[i] / (double)count : acc[i]);
    free(acc);
}

static void check(int op, unsigned mask, bool keepdims, bool negative, int64_t opset)
{
    struct oh_node n;
    oh_node_init(&n, ops[op], "red");
    int64_t axes[4];
    size_t n_axes = 0;
    for (int d = 0; d < 4; d++)
        if (mask & (1u << d)) axes[n_axes++] = negative ? d - 4 : d;
    const bool as_input = op == 1 && opset >= 13;
    if (n_axes && !as_input) oh_attr_ints(&n, "axes", axes, n_axes);
    if (!keepdims) oh_attr_int(&n, "keepdims", 0);
    struct onr_tensor x, t = {0};
    oh_tensor_f32(&x, 4, dims, NULL);
    onr_test_fill(x.data, 420, mask + 1, -2, 2);
    struct onr_shape ts = {.rank = 1, .dims = {(int64_t)n_axes}};
    CHECK_STATUS(onr_tensor_alloc(&t, ONR_DTYPE_INT64, &ts, NULL), ONR_STATUS_OK);
    if (n_axes) memcpy(t.data, axes, n_axes * sizeof *axes);
    struct onr_tensor *in[2] = {&x, &t};
    const int n_x = as_input && n_axes ? 2 : 1;
    struct onr_tensor ys[3];
    for (int v = 0; v < 3; v++) {
        memset(&ys[v], 0, sizeof ys[v]);
        struct onr_tensor *out[1] = {&ys[v]};
        struct oh_opts o = {.opset = opset, .reference = v == 0, .threads = v == 2 ? 3 : 1,
                            .const_mask = 2};
        struct onr_error err = {{0}};
        CHECK_STATUS(oh_run(&n, &o, in, n_x, out, 1, &err), ONR_STATUS_OK);
    }
    if (mask == 0) mask = 15; /* no axes: every dim */
    struct onr_shape want = {0};
    for (int d = 0; d < 4; d++)
        if (!(mask & (1u << d))) want.dims[want.rank++] = dims[d];
        else if (keepdims) want.dims[want.rank++] = 1;
    char what[80];
    snprintf(what, sizeof what, "%s opset %lld mask %u keepdims %d", ops[op], (long long)opset,
             mask, keepdims);
    if (ys[0].data && ys[1].data && ys[2].data && onr_shape_equal(&ys[0].shape, &want)) {
        const int64_t ny = onr_shape_numel(&want);
        float *ref = malloc((size_t)ny * sizeof *ref);
        reference(op, x.data, mask, ref, ny);
        CHECK(onr_test_close(what, ys[0].data, ref, (size_t)ny, ONR_TEST_ATOL, ONR_TEST_RTOL));
        CHECK(onr_test_bitwise(what, ys[1].data, ys[0].data, (size_t)ny));
        CHECK(onr_test_bitwise(what, ys[2].data, ys[0].data, (size_t)ny));
        free(ref);
    } else {
        fprintf(stderr, "%s: no output or wrong shape\n", what);
        onr_test_failures++;
    }
    for (int v = 0; v < 3; v++) onr_tensor_free(&ys[v]);
    onr_tensor_free(&x), onr_tensor_free(&t), oh_node_free(&n);
}

static void test_special(void)
{
    /* ReduceSum 13 with noop_with_empty_axes and no axes copies the input. */
    struct oh_node n;
    oh_node_init(&n, "ReduceSum", "noop");
    oh_attr_int(&n, "noop_with_empty_axes", 1);
    struct onr_tensor x, y = {0}, t = {0};
    oh_tensor_f32(&x, 4, dims, NULL);
    onr_test_fill(x.data, 420, 77, -1, 1);
    struct onr_tensor *in[2] = {&x, &t}, *out[1] = {&y};
    struct oh_opts o = {.opset = 13, .const_mask = 2};
    struct onr_error err = {{0}};
    CHECK_STATUS(oh_run(&n, &o, in, 1, out, 1, &err), ONR_STATUS_OK);
    CHECK(onr_shape_equal(&y.shape, &x.shape));
    if (y.data) CHECK(onr_test_bitwise("noop", y.data, x.data, 420));
    onr_tensor_free(&y);
    oh_node_free(&n);

    /* Axes as a computed input: UNSUPPORTED; repeated axes: INVALID_MODEL. */
    oh_node_init(&n, "ReduceSum", "axes_runtime");
    struct onr_shape ts = {.rank = 1, .dims = {2}};
    CHECK_STATUS(onr_tensor_alloc(&t, ONR_DTYPE_INT64, &ts, NULL), ONR_STATUS_OK);
    ((int64_t *)t.data)[0] = 1;
    ((int64_t *)t.data)[1] = -3;
    struct oh_opts o_runtime = {.opset = 13};
    oh_expect_error("non-constant axes", &n, &o_runtime, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_expect_error("repeated axes input", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ReduceMean", "axes_range");
    const int64_t bad[1] = {4};
    oh_attr_ints(&n, "axes", bad, 1);
    oh_expect_error("axis 4 of rank 4", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&t);
}

int main(void)
{
    for (int op = 0; op < 4; op++)
        for (unsigned mask = 0; mask < 16; mask++)
            for (int keep = 0; keep < 2; keep++) {
                check(op, mask, keep, (mask & 1) != 0, 11);
                if (op == 1) check(op, mask, keep, (mask & 2) != 0, 13);
            }
    test_special();
    printf("test_reduce: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
