/* Concat and Split through their hooks: Concat on every axis (positive and
 * negative) of rank-1..4 inputs of float32 and int64 against an element-by-
 * element reference, zero-sized inputs, mismatched inputs rejected; Split
 * by equal parts, by the attribute (opset 11) and by the input (13), and
 * Split then Concat giving x back; bad sizes rejected. */
#include "shapeops_util.h"

/* Element (o, k, i) of y along axis with x_j stacked: index arithmetic
 * written independently of the op's block copies. */
static void concat_reference(struct onr_tensor **x, int n, int axis, const struct onr_tensor *y,
                             char *ref)
{
    const size_t elem = onr_dtype_size(y->dtype);
    int64_t inner = 1, outer = 1;
    for (int d = axis + 1; d < y->shape.rank; d++) inner *= y->shape.dims[d];
    for (int d = 0; d < axis; d++) outer *= y->shape.dims[d];
    const int64_t Y = y->shape.dims[axis];
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < Y; k++) {
            int j = 0;
            int64_t kk = k;
            while (kk >= x[j]->shape.dims[axis]) kk -= x[j++]->shape.dims[axis];
            const int64_t X = x[j]->shape.dims[axis];
            for (int64_t i = 0; i < inner; i++)
                memcpy(ref + ((o * Y + k) * inner + i) * elem,
                       (char *)x[j]->data + ((o * X + kk) * inner + i) * elem, elem);
        }
}

static void test_concat(void)
{
    const enum onr_dtype dtypes[2] = {ONR_DTYPE_FLOAT, ONR_DTYPE_INT64};
    for (int t = 0; t < 2; t++)
        for (int rank = 1; rank <= 4; rank++)
            for (int axis = -rank; axis < rank; axis++) {
                const int ax = axis < 0 ? axis + rank : axis;
                const int64_t sizes[3] = {2, 0, 3};
                struct onr_tensor xs[3], *in[3], y;
                for (int j = 0; j < 3; j++) {
                    int64_t dims[4] = {2, 3, 1, 2};
                    dims[ax] = sizes[j];
                    so_tensor(&xs[j], dtypes[t], rank, dims, NULL);
                    so_iota(&xs[j], 1000 * j);
                    in[j] = &xs[j];
                }
                struct oh_node n;
                oh_node_init(&n, "Concat", "concat_1");
                oh_attr_int(&n, "axis", axis);
                char what[64];
                snprintf(what, sizeof what, "concat %s rank %d axis %d", onr_dtype_name(dtypes[t]),
                         rank, axis);
                if (so_run(what, &n, 13, 0u, in, 3, &y)) {
                    int64_t dims[4] = {2, 3, 1, 2};
                    dims[ax] = 5;
                    char *ref = malloc(y.nbytes + 1);
                    concat_reference(in, 3, ax, &y, ref);
                    so_expect(what, &y, dtypes[t], rank, dims, ref);
                    free(ref);
                }
                onr_tensor_free(&y), oh_node_free(&n);
                for (int j = 0; j < 3; j++) onr_tensor_free(&xs[j]);
            }
    /* Rejections. */
    const int64_t a[2] = {2, 3}, b[2] = {3, 3}, c[1] = {6};
    struct onr_tensor x0, x1, x2, xi;
    so_tensor(&x0, ONR_DTYPE_FLOAT, 2, a, NULL);
    so_tensor(&x1, ONR_DTYPE_FLOAT, 2, b, NULL);
    so_tensor(&x2, ONR_DTYPE_FLOAT, 1, c, NULL);
    so_tensor(&xi, ONR_DTYPE_INT64, 2, a, NULL);
    struct oh_node n;
    oh_node_init(&n, "Concat", "concat_bad");
    oh_attr_int(&n, "axis", 1);
    struct oh_opts o = {.opset = 13};
    struct onr_tensor *in[2] = {&x0, &x1};
    oh_expect_error("concat dims differ off-axis", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    in[1] = &x2;
    oh_expect_error("concat ranks differ", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    in[1] = &xi;
    oh_expect_error("concat dtypes differ", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    in[1] = NULL;
    oh_expect_error("concat omitted input", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Concat", "concat_axis");
    oh_attr_int(&n, "axis", -3);
    in[1] = &x0;
    oh_expect_error("concat axis -3", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Concat", "concat_noaxis");
    oh_expect_error("concat axis missing", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x0), onr_tensor_free(&x1), onr_tensor_free(&x2), onr_tensor_free(&xi);
}

/* Splits x (2x6x3 iota) on axis into n outputs, checks the sizes, then
 * Concat of the outputs must give x back. split: NULL, attribute or input. */
static void split_case(const char *what, int64_t opset, int64_t axis, int n_out,
                       const int64_t *split, bool as_input, const int64_t *want)
{
    const int64_t xd[3] = {2, 6, 3};
    const int ax = (int)(axis < 0 ? axis + 3 : axis);
    struct onr_tensor x, s, ys[6], *y[6], *in[2] = {&x, NULL};
    so_tensor(&x, ONR_DTYPE_FLOAT, 3, xd, NULL);
    so_iota(&x, 0);
    struct oh_node n;
    oh_node_init(&n, "Split", "split_1");
    oh_attr_int(&n, "axis", axis);
    if (split != NULL && as_input) {
        so_ints(&s, n_out, split);
        in[1] = &s;
    } else if (split != NULL) {
        oh_attr_ints(&n, "split", split, (size_t)n_out);
    }
    memset(ys, 0, sizeof ys);
    for (int k = 0; k < n_out; k++) y[k] = &ys[k];
    struct oh_opts o = {.opset = opset, .const_mask = 2u};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(&n, &o, in, in[1] ? 2 : 1, y, n_out, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s\n", what, err.message);
        onr_test_failures++;
    } else {
        for (int k = 0; k < n_out; k++) {
            int64_t d[3] = {2, 6, 3};
            d[ax] = want[k];
            if (!so_shape_is(&ys[k], 3, d)) {
                fprintf(stderr, "%s: output %d has the wrong shape\n", what, k);
                onr_test_failures++;
            }
        }
        struct oh_node c;
        oh_node_init(&c, "Concat", "rejoin");
        oh_attr_int(&c, "axis", axis);
        struct onr_tensor back;
        if (so_run(what, &c, 13, 0u, y, n_out, &back)) so_expect(what, &back, ONR_DTYPE_FLOAT, 3, xd, x.data);
        onr_tensor_free(&back), oh_node_free(&c);
    }
    for (int k = 0; k < n_out; k++) onr_tensor_free(&ys[k]);
    onr_tensor_free(&x), oh_node_free(&n);
    if (in[1] != NULL) onr_tensor_free(&s);
}

static void test_split(void)
{
    const int64_t eq3[3] = {2, 2, 2}, eq2[2] = {1, 1}, eq3b[3] = {1, 1, 1};
    split_case("split equal axis 1", 13, 1, 3, NULL, false, eq3);
    split_case("split equal axis 0", 11, 0, 2, NULL, false, eq2);
    split_case("split equal axis -1", 13, -1, 3, NULL, false, eq3b);
    const int64_t v[3] = {1, 0, 5};
    split_case("split attribute", 11, 1, 3, v, false, v);
    split_case("split input", 13, -2, 3, v, true, v);
    /* Rejections. */
    const int64_t xd[3] = {2, 6, 3};
    struct onr_tensor x, s;
    so_tensor(&x, ONR_DTYPE_FLOAT, 3, xd, NULL);
    struct oh_node n;
    struct oh_opts o13 = {.opset = 13, .const_mask = 2u}, o11 = {.opset = 11};
    struct onr_tensor *in[2] = {&x, &s};
    const int64_t bad_sum[2] = {2, 3}, bad_neg[2] = {7, -1};
    oh_node_init(&n, "Split", "split_bad");
    oh_attr_int(&n, "axis", 1);
    oh_expect_error("split 6 in 4 parts", &n, &o13, in, 1, 4, ONR_STATUS_SHAPE_MISMATCH);
    so_ints(&s, 2, bad_sum);
    oh_expect_error("split sum 5 of 6", &n, &o13, in, 2, 2, ONR_STATUS_SHAPE_MISMATCH);
    oh_expect_error("split 2 sizes, 3 outputs", &n, &o13, in, 2, 3, ONR_STATUS_INVALID_MODEL);
    struct oh_opts o13v = {.opset = 13};
    oh_expect_error("split sizes not constant", &n, &o13v, in, 2, 2, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&s);
    so_ints(&s, 2, bad_neg);
    oh_expect_error("split negative size", &n, &o13, in, 2, 2, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&s);
    oh_node_free(&n);
    oh_node_init(&n, "Split", "split_attr_bad");
    oh_attr_ints(&n, "split", bad_sum, 2);
    oh_expect_error("split attribute count", &n, &o11, in, 1, 3, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Split", "split_axis_bad");
    oh_attr_int(&n, "axis", 3);
    oh_expect_error("split axis 3", &n, &o11, in, 1, 2, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x);
}

int main(void)
{
    test_concat();
    test_split();
    if (onr_test_failures) fprintf(stderr, "test_concat_split: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
