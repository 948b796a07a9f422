/* Max, Min, Sum and Mean through their hooks: one, two and four inputs
 * broadcast together, every dtype each accepts, against a reference that
 * folds the inputs in order element by element (so float sums must match
 * bitwise); a NaN wins Max and Min; empty tensors; 1 vs 2 vs 3 threads
 * bitwise; opset 7 requires equal shapes; integers before opset 12, mixed
 * dtypes and non-broadcasting shapes are named errors. */
#include <math.h>

#include "bcast_ref.h"

static const char *const ops[4] = {"Max", "Min", "Sum", "Mean"};

static double fold(int op, double u, double v)
{
    if (op == 0) return isnan(u) || isnan(v) ? NAN : (v > u ? v : u);
    if (op == 1) return isnan(u) || isnan(v) ? NAN : (v < u ? v : u);
    return u + v;
}

static void check(int op, enum onr_dtype dtype, int n_in, const int (*ranks), const int64_t (*dims)[4],
                  int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, ops[op], "var");
    struct onr_tensor x[4], y;
    struct onr_tensor *in[4];
    for (int k = 0; k < n_in; k++) {
        br_tensor(&x[k], dtype, ranks[k], dims[k], 31 + (uint64_t)k, 0, 50);
        if (dtype == ONR_DTYPE_FLOAT) onr_test_fill(x[k].data, (size_t)onr_shape_numel(&x[k].shape),
                                                    41 + (uint64_t)k, -2, 2);
        in[k] = &x[k];
    }
    char what[96];
    snprintf(what, sizeof what, "%s %s of %d threads %d", ops[op], onr_dtype_name(dtype), n_in,
             threads);
    if (br_run(what, &n, 13, threads, 0, in, n_in, &y)) {
        CHECK(y.dtype == dtype);
        const int64_t ny = onr_shape_numel(&y.shape);
        int bad = 0;
        for (int64_t i = 0; i < ny; i++) {
            double want;
            if (dtype == ONR_DTYPE_FLOAT) {
                /* float32 arithmetic in input order, as the spec's reference */
                float acc = ((float *)x[0].data)[br_index(&y.shape, &x[0].shape, i)];
                for (int k = 1; k < n_in; k++) {
                    const float v = ((float *)x[k].data)[br_index(&y.shape, &x[k].shape, i)];
                    acc = op >= 2 ? acc + v : (float)fold(op, acc, v);
                }
                if (op == 3) acc /= (float)n_in;
                want = acc;
            } else {
                want = br_get(&x[0], br_index(&y.shape, &x[0].shape, i));
                for (int k = 1; k < n_in; k++)
                    want = fold(op, want, br_get(&x[k], br_index(&y.shape, &x[k].shape, i)));
                if (op == 3) want /= n_in;
            }
            const double got = br_get(&y, i);
            if (!(got == want || (isnan(got) && isnan(want)))) {
                if (bad++ == 0) fprintf(stderr, "%s: element %lld is %g, expected %g\n", what,
                                        (long long)i, got, want);
            }
        }
        if (bad) onr_test_failures++;
        if (keep) *keep = y;
        else onr_tensor_free(&y);
    }
    for (int k = 0; k < n_in; k++) onr_tensor_free(&x[k]);
    oh_node_free(&n);
}

int main(void)
{
    static const int r1[1] = {3}, r2[2] = {3, 1}, r4[4] = {2, 3, 0, 1}, re[2] = {2, 1};
    static const int64_t d1[1][4] = {{2, 3, 4}}, d2[2][4] = {{2, 3, 4}, {4}},
                         d4[4][4] = {{3, 1}, {2, 1, 5}, {0}, {5}}, de[2][4] = {{0, 3}, {3}};
    static const enum onr_dtype ints[] = {ONR_DTYPE_INT8, ONR_DTYPE_INT16, ONR_DTYPE_INT32,
                                          ONR_DTYPE_INT64, ONR_DTYPE_UINT8, ONR_DTYPE_UINT16,
                                          ONR_DTYPE_UINT32, ONR_DTYPE_UINT64};
    for (int op = 0; op < 4; op++) {
        check(op, ONR_DTYPE_FLOAT, 1, r1, d1, 1, NULL);
        check(op, ONR_DTYPE_FLOAT, 2, r2, d2, 1, NULL);
        check(op, ONR_DTYPE_FLOAT, 4, r4, d4, 1, NULL);
        check(op, ONR_DTYPE_DOUBLE, 4, r4, d4, 1, NULL);
        check(op, ONR_DTYPE_FLOAT, 2, re, de, 1, NULL);   /* empty */
        static const int rb[2] = {2, 1};
        static const int64_t db[2][4] = {{64, 1031}, {1031}};
        struct onr_tensor y[3] = {{0}};
        for (int t = 0; t < 3; t++) check(op, ONR_DTYPE_FLOAT, 2, rb, db, t + 1, &y[t]);
        if (y[0].data && y[1].data && y[2].data) {
            br_same_bytes("1 vs 2 threads", &y[0], &y[1]);
            br_same_bytes("1 vs 3 threads", &y[0], &y[2]);
        }
        for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);
    }
    for (int op = 0; op < 2; op++)
        for (size_t t = 0; t < sizeof ints / sizeof ints[0]; t++)
            check(op, ints[t], 4, r4, d4, 1, NULL);

    /* NaN wins Max and Min, whichever input holds it. */
    static const int64_t d3[1] = {3};
    const float av[3] = {NAN, 1, 5}, bv[3] = {2, NAN, 1};
    struct onr_tensor a, b, y;
    so_tensor(&a, ONR_DTYPE_FLOAT, 1, d3, av);
    so_tensor(&b, ONR_DTYPE_FLOAT, 1, d3, bv);
    struct onr_tensor *ab[2] = {&a, &b};
    for (int op = 0; op < 2; op++) {
        struct oh_node n;
        oh_node_init(&n, ops[op], "nan");
        if (br_run("NaN", &n, 13, 1, 0, ab, 2, &y)) {
            const float *v = y.data;
            CHECK(isnan(v[0]) && isnan(v[1]) && v[2] == (op == 0 ? 5.0f : 1.0f));
            onr_tensor_free(&y);
        }
        oh_node_free(&n);
    }
    onr_tensor_free(&a), onr_tensor_free(&b);

    static const int64_t d23[2] = {2, 3}, d4x[1] = {4};
    struct onr_tensor f23, f3, f4, i3, i3b;
    so_tensor(&f23, ONR_DTYPE_FLOAT, 2, d23, NULL);
    so_tensor(&f3, ONR_DTYPE_FLOAT, 1, d3, NULL);
    so_tensor(&f4, ONR_DTYPE_FLOAT, 1, d4x, NULL);
    so_tensor(&i3, ONR_DTYPE_INT32, 1, d3, NULL);
    so_tensor(&i3b, ONR_DTYPE_INT32, 1, d3, NULL);
    struct oh_opts o7 = {.opset = 7}, o11 = {.opset = 11}, o13 = {.opset = 13};
    struct oh_node n;
    oh_node_init(&n, "Max", "max_bad");
    struct onr_tensor *bc[2] = {&f23, &f3}, *mis[2] = {&f23, &f4}, *mixed[2] = {&f3, &i3},
                      *ii[2] = {&i3, &i3b};
    oh_expect_error("broadcast at opset 7", &n, &o7, bc, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_expect_error("2x3 and 4", &n, &o13, mis, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_expect_error("float32 and int32", &n, &o13, mixed, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_expect_error("int32 at opset 11", &n, &o11, ii, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Sum", "sum_bad");
    oh_expect_error("Sum of int32", &n, &o13, ii, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    onr_tensor_free(&f23), onr_tensor_free(&f3), onr_tensor_free(&f4);
    onr_tensor_free(&i3), onr_tensor_free(&i3b);
    printf("test_variadic: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
