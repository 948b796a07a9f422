/* Softmax and LogSoftmax through their hooks: opset 11 (flatten at axis)
 * and opset 13 (one axis) semantics on a 3-D tensor for every axis, against
 * a double-precision formula written here; large inputs do not overflow;
 * 1 vs 3 threads bitwise; axis out of range is INVALID_MODEL. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

/* Reference: rows of `len` elements with stride `inner`. */
static void reference(bool log_out, const float *x, float *y, int64_t outer, int64_t len,
                      int64_t inner)
{
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *xr = x + o * len * inner + i;
            double m = -INFINITY, sum = 0;
            for (int64_t k = 0; k < len; k++) m = fmax(m, xr[k * inner]);
            for (int64_t k = 0; k < len; k++) sum += exp((double)xr[k * inner] - m);
            for (int64_t k = 0; k < len; k++) {
                const double v = (double)xr[k * inner] - m;
                y[o * len * inner + i + k * inner] = (float)(log_out ? v - log(sum) : exp(v) / sum);
            }
        }
}

static void check(const char *op, int64_t opset, int64_t axis, bool has_axis, int threads,
                  float scale, struct onr_tensor *keep)
{
    static const int64_t dims[3] = {3, 40, 50};
    struct oh_node n;
    oh_node_init(&n, op, "sm");
    if (has_axis) oh_attr_int(&n, "axis", axis);
    struct onr_tensor x, y = {0};
    oh_tensor_f32(&x, 3, dims, NULL);
    onr_test_fill(x.data, 6000, (uint64_t)(axis + 10), -scale, scale);
    struct onr_tensor *in[1] = {&x}, *out[1] = {&y};
    struct oh_opts o = {.opset = opset, .threads = threads};
    struct onr_error err = {{0}};
    CHECK_STATUS(oh_run(&n, &o, in, 1, out, 1, &err), ONR_STATUS_OK);
    if (y.data != NULL) {
        const int64_t a = axis < 0 ? axis + 3 : axis;
        int64_t outer = 1, len = 1, inner = 1;
        for (int i = 0; i < 3; i++) {
            if (i < a) outer *= dims[i];
            else if (opset < 13 || i == a) len *= dims[i];
            else inner *= dims[i];
        }
        float *ref = malloc(6000 * sizeof *ref);
        reference(strcmp(op, "LogSoftmax") == 0, x.data, ref, outer, len, inner);
        char what[64];
        snprintf(what, sizeof what, "%s opset %lld axis %lld", op, (long long)opset, (long long)axis);
        CHECK(onr_test_close(what, y.data, ref, 6000, ONR_TEST_ATOL, ONR_TEST_RTOL));
        free(ref);
    }
    if (keep != NULL) *keep = y;
    else onr_tensor_free(&y);
    onr_tensor_free(&x), oh_node_free(&n);
}

int main(void)
{
    static const char *const ops[2] = {"Softmax", "LogSoftmax"};
    for (int k = 0; k < 2; k++) {
        for (int64_t axis = -3; axis < 3; axis++) {
            check(ops[k], 11, axis, true, 1, 3, NULL);
            check(ops[k], 13, axis, true, 2, 3, NULL);
        }
        check(ops[k], 11, 1, false, 1, 3, NULL);     /* default axis 1, flattened */
        check(ops[k], 13, -1, false, 1, 3, NULL);    /* default axis -1 */
        check(ops[k], 17, 1, true, 1, 1000, NULL);   /* no overflow */
        struct onr_tensor y1, y3;
        check(ops[k], 13, 1, true, 1, 5, &y1);
        check(ops[k], 13, 1, true, 3, 5, &y3);
        if (y1.data && y3.data) CHECK(onr_test_bitwise(ops[k], y1.data, y3.data, 6000));
        onr_tensor_free(&y1), onr_tensor_free(&y3);
    }
    static const int64_t dims[2] = {2, 3};
    struct onr_tensor x;
    oh_tensor_f32(&x, 2, dims, NULL);
    struct onr_tensor *in[1] = {&x};
    struct oh_node n;
    oh_node_init(&n, "Softmax", "sm_bad");
    oh_attr_int(&n, "axis", 2);
    struct oh_opts o13 = {.opset = 13};
    oh_expect_error("axis 2 of rank 2", &n, &o13, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Softmax", "sm_bad_neg");
    oh_attr_int(&n, "axis", -3);
    oh_expect_error("axis -3 of rank 2", &n, &o13, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x);
    printf("test_softmax: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
