/* ReduceSumSquare, ReduceL1, ReduceL2, ReduceProd, ReduceLogSum and
 * ReduceLogSumExp through their hooks: every subset of axes of a 4-D
 * tensor, keepdims 0/1, against the spec's formulas in double; reference
 * and fast paths agree bitwise, as do 1 and 3 threads; LogSumExp of values
 * near 100 does not overflow (e^100 is not a float); reducing an empty dim
 * gives each op's empty value (0, 1, -inf); the same in float64. */
#include <math.h>

#include "bcast_ref.h"

static const char *const ops[6] = {"ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceProd",
                                   "ReduceLogSum", "ReduceLogSumExp"};
static const int64_t dims[4] = {3, 5, 7, 4};

static double empty_value(int op) { return op == 3 ? 1 : (op >= 4 ? -INFINITY : 0); }

/* x: dims  y: kept dims (mask bit d: dim d reduced) */
static void reference(int op, const double *x, unsigned mask, double *y, int64_t ny)
{
    double *acc = malloc((size_t)ny * sizeof *acc), *mx = malloc((size_t)ny * sizeof *mx);
    for (int64_t i = 0; i < ny; i++) acc[i] = op == 3 ? 1 : 0, mx[i] = -INFINITY;
    for (int pass = 0; pass < 2; pass++)
        for (int64_t xi = 0; xi < 420; xi++) {
            int64_t rest = xi, o = 0, scale = 1;
            for (int d = 3; d >= 0; d--) {
                const int64_t c = rest % dims[d];
                rest /= dims[d];
                if (!(mask & (1u << d))) o += c * scale, scale *= dims[d];
            }
            const double v = x[xi];
            if (pass == 0) {
                mx[o] = fmax(mx[o], v);
                continue;
            }
            switch (op) {
            case 0: case 2: acc[o] += v * v; break;
            case 1: acc[o] += fabs(v); break;
            case 3: acc[o] *= v; break;
            case 4: acc[o] += v; break;
            default: acc[o] += exp(v - mx[o]); break;
            }
        }
    for (int64_t i = 0; i < ny; i++)
        y[i] = op == 2 ? sqrt(acc[i]) : op == 4 ? log(acc[i])
               : op == 5 ? mx[i] + log(acc[i]) : acc[i];
    free(acc), free(mx);
}

/* f64: x and y are float64 (the same values), compared with the double
 * formulas to 1e-12 relative. */
static void check(int op, unsigned mask, bool keepdims, float lo, float hi, bool f64)
{
    struct oh_node n;
    oh_node_init(&n, ops[op], "red");
    int64_t axes[4];
    size_t n_axes = 0;
    for (int d = 0; d < 4; d++)
        if (mask & (1u << d)) axes[n_axes++] = (mask & 4) ? d - 4 : d;
    if (n_axes) oh_attr_ints(&n, "axes", axes, n_axes);
    if (!keepdims) oh_attr_int(&n, "keepdims", 0);
    struct onr_tensor x;
    oh_tensor_f32(&x, 4, dims, NULL);
    onr_test_fill(x.data, 420, mask + 3, lo, hi);
    double *xd = malloc(420 * sizeof *xd);
    for (int i = 0; i < 420; i++) xd[i] = ((const float *)x.data)[i];
    if (f64) {
        const struct onr_shape s = x.shape;
        onr_tensor_free(&x);
        if (onr_tensor_alloc(&x, ONR_DTYPE_DOUBLE, &s, NULL) != ONR_STATUS_OK) exit(2);
        memcpy(x.data, xd, x.nbytes);
    }
    struct onr_tensor *in[1] = {&x};
    struct onr_tensor ys[3];
    int ok = 1;
    for (int v = 0; v < 3; v++) {
        memset(&ys[v], 0, sizeof ys[v]);
        struct onr_tensor *out[1] = {&ys[v]};
        struct oh_opts o = {.opset = 13, .reference = v == 0, .threads = v == 2 ? 3 : 1};
        struct onr_error err = {{0}};
        enum onr_status st = oh_run(&n, &o, in, 1, out, 1, &err);
        if (st != ONR_STATUS_OK) {
            fprintf(stderr, "%s: %s\n", ops[op], err.message);
            onr_test_failures++;
            ok = 0;
        }
    }
    if (mask == 0) mask = 15;
    struct onr_shape want = {0};
    for (int d = 0; d < 4; d++)
        if (!(mask & (1u << d))) want.dims[want.rank++] = dims[d];
        else if (keepdims) want.dims[want.rank++] = 1;
    char what[80];
    snprintf(what, sizeof what, "%s%s mask %u keepdims %d [%g, %g]", ops[op],
             f64 ? " float64" : "", mask, keepdims, lo, hi);
    if (ok && onr_shape_equal(&ys[0].shape, &want)) {
        const int64_t ny = onr_shape_numel(&want);
        double *ref = malloc((size_t)ny * sizeof *ref);
        float *ref32 = malloc((size_t)ny * sizeof *ref32);
        reference(op, xd, mask, ref, ny);
        for (int64_t i = 0; i < ny; i++) ref32[i] = (float)ref[i];
        if (f64) {
            CHECK(ys[0].dtype == ONR_DTYPE_DOUBLE);
            for (int64_t i = 0; i < ny; i++) {
                const double got = ((const double *)ys[0].data)[i];
                if (!(fabs(got - ref[i]) <= 1e-12 * fabs(ref[i]) + 1e-300)) {
                    fprintf(stderr, "%s [%lld]: got %.17g want %.17g\n", what, (long long)i,
                            got, ref[i]);
                    onr_test_failures++;
                    break;
                }
            }
            CHECK(memcmp(ys[1].data, ys[0].data, ys[0].nbytes) == 0);
            CHECK(memcmp(ys[2].data, ys[0].data, ys[0].nbytes) == 0);
        } else {
            CHECK(onr_test_close(what, ys[0].data, ref32, (size_t)ny, ONR_TEST_ATOL,
                                 ONR_TEST_RTOL));
            CHECK(onr_test_bitwise(what, ys[1].data, ys[0].data, (size_t)ny));
            CHECK(onr_test_bitwise(what, ys[2].data, ys[0].data, (size_t)ny));
        }
        free(ref), free(ref32);
    } else if (ok) {
        fprintf(stderr, "%s: wrong shape\n", what);
        onr_test_failures++;
    }
    for (int v = 0; v < 3; v++) onr_tensor_free(&ys[v]);
    onr_tensor_free(&x), oh_node_free(&n);
    free(xd);
}

static void check_empty(int op)
{
    static const int64_t d[3] = {3, 0, 4}, want[2] = {3, 4};
    struct oh_node n;
    oh_node_init(&n, ops[op], "red_empty");
    const int64_t axis = 1;
    oh_attr_ints(&n, "axes", &axis, 1);
    oh_attr_int(&n, "keepdims", 0);
    struct onr_tensor x, y;
    so_tensor(&x, ONR_DTYPE_FLOAT, 3, d, NULL);
    struct onr_tensor *in[1] = {&x};
    for (int ref = 0; ref < 2; ref++) {
        struct oh_opts o = {.opset = 13, .reference = ref == 1};
        struct onr_tensor *out[1] = {&y};
        struct onr_error err = {{0}};
        memset(&y, 0, sizeof y);
        CHECK_STATUS(oh_run(&n, &o, in, 1, out, 1, &err), ONR_STATUS_OK);
        if (y.data != NULL && so_shape_is(&y, 2, want))
            for (int i = 0; i < 12; i++)
                if (((float *)y.data)[i] != (float)empty_value(op)) {
                    fprintf(stderr, "%s of an empty dim: %g, expected %g\n", ops[op],
                            ((float *)y.data)[i], empty_value(op));
                    onr_test_failures++;
                    break;
                }
        onr_tensor_free(&y);
    }
    onr_tensor_free(&x), oh_node_free(&n);
}

int main(void)
{
    for (int op = 0; op < 6; op++) {
        for (unsigned mask = 0; mask < 16; mask++)
            for (int keep = 0; keep < 2; keep++)
                for (int f64 = 0; f64 < 2; f64++)
                    check(op, mask, keep, op == 3 || op == 4 ? 0.5f : -2,
                          op == 3 || op == 4 ? 1.5f : 2, f64);
        check_empty(op);
    }
    check(5, 0, 1, 90, 100, false);
    check(5, 6, 0, -100, -90, false);
    check(5, 6, 0, 700, 710, true);  /* e^700 overflows nothing in double either */
    printf("test_reduce_more: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
