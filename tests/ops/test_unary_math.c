/* Elu, Selu, Softplus, Softsign, Reciprocal and Log through their hooks
 * against the spec's formulas in double precision: default and given alpha
 * / gamma, values across [-100, 100] (Softplus must neither overflow nor
 * lose its linear part), zero, empty tensors, 1 vs 2 vs 3 threads bitwise,
 * a non-float input is UNSUPPORTED. */
#include <math.h>

#include "bcast_ref.h"

static double ref(const char *op, double v, double alpha, double gamma)
{
    if (strcmp(op, "Elu") == 0) return v < 0 ? alpha * (exp(v) - 1) : v;
    if (strcmp(op, "Selu") == 0) return v <= 0 ? gamma * (alpha * exp(v) - alpha) : gamma * v;
    if (strcmp(op, "Softplus") == 0) return log(exp(v) + 1);
    if (strcmp(op, "Softsign") == 0) return v / (1 + fabs(v));
    if (strcmp(op, "Reciprocal") == 0) return 1 / v;
    return log(v);
}

enum { N = 40000 };

static void check(const char *op, bool set_attrs, float alpha, float gamma, float lo, float hi,
                  int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, op, "umath");
    if (set_attrs) {
        oh_attr_float(&n, "alpha", alpha);
        if (strcmp(op, "Selu") == 0) oh_attr_float(&n, "gamma", gamma);
    }
    static const int64_t dims[2] = {8, N / 8};
    struct onr_tensor x, y;
    oh_tensor_f32(&x, 2, dims, NULL);
    onr_test_fill(x.data, N, 77, lo, hi);
    ((float *)x.data)[0] = 0.0f;
    ((float *)x.data)[1] = lo;
    struct onr_tensor *in[1] = {&x};
    char what[96];
    snprintf(what, sizeof what, "%s [%g, %g] threads %d", op, lo, hi, threads);
    if (br_run(what, &n, 13, threads, 0, in, 1, &y)) {
        float *want = malloc(N * sizeof *want);
        for (int i = 0; i < N; i++)
            want[i] = (float)ref(op, ((float *)x.data)[i], alpha, gamma);
        if (strcmp(op, "Reciprocal") == 0 || strcmp(op, "Log") == 0) {
            /* 1/0 = inf and log(0) = -inf: compare the rest, then these exactly. */
            CHECK(((float *)y.data)[0] == want[0]);
            want[0] = ((float *)y.data)[0] = 1.0f;
        }
        CHECK(onr_test_close(what, y.data, want, N, ONR_TEST_ATOL, ONR_TEST_RTOL));
        free(want);
        if (keep) *keep = y;
        else onr_tensor_free(&y);
    }
    onr_tensor_free(&x), oh_node_free(&n);
}

int main(void)
{
    const float selu_a = 1.67326319217681884765625f, selu_g = 1.05070102214813232421875f;
    check("Elu", false, 1.0f, 0, -20, 20, 1, NULL);
    check("Elu", true, 0.5f, 0, -20, 20, 1, NULL);
    check("Selu", false, selu_a, selu_g, -20, 20, 1, NULL);
    check("Selu", true, 2.0f, 3.0f, -20, 20, 1, NULL);
    check("Softplus", false, 0, 0, -100, 100, 1, NULL);
    check("Softplus", false, 0, 0, -5, 5, 1, NULL);
    check("Softsign", false, 0, 0, -100, 100, 1, NULL);
    check("Reciprocal", false, 0, 0, 0.01f, 100, 1, NULL);
    check("Reciprocal", false, 0, 0, -100, -0.01f, 1, NULL);
    check("Log", false, 0, 0, 1e-6f, 1e6f, 1, NULL);
    static const char *const ops[6] = {"Elu", "Selu", "Softplus", "Softsign", "Reciprocal", "Log"};
    for (int k = 0; k < 6; k++) {
        struct onr_tensor y[3] = {{0}};
        for (int t = 0; t < 3; t++)
            check(ops[k], false, k == 1 ? selu_a : 1.0f, selu_g, 0.5f, 9, t + 1, &y[t]);
        if (y[0].data && y[1].data && y[2].data) {
            CHECK(onr_test_bitwise(ops[k], y[0].data, y[1].data, N));
            CHECK(onr_test_bitwise(ops[k], y[0].data, y[2].data, N));
        }
        for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);
        /* Empty input, empty output; int64 input refused. */
        struct oh_node n;
        oh_node_init(&n, ops[k], "umath_edge");
        static const int64_t e[2] = {0, 5};
        struct onr_tensor x, out;
        so_tensor(&x, ONR_DTYPE_FLOAT, 2, e, NULL);
        struct onr_tensor *in[1] = {&x};
        if (br_run("empty", &n, 13, 2, 0, in, 1, &out)) {
            CHECK(so_shape_is(&out, 2, e) && out.nbytes == 0);
            onr_tensor_free(&out);
        }
        onr_tensor_free(&x);
        so_tensor(&x, ONR_DTYPE_INT64, 2, e, NULL);
        struct oh_opts o = {.opset = 13};
        oh_expect_error("int64 input", &n, &o, in, 1, 1, ONR_STATUS_UNSUPPORTED);
        onr_tensor_free(&x), oh_node_free(&n);
    }
    /* Opset 1 (consumed_inputs) is accepted. */
    CHECK(onr_op_find("Elu", "", 1) != NULL && onr_op_find("Log", "", 1) != NULL);
    printf("test_unary_math: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
