/* Reshape, Flatten, Squeeze and Unsqueeze through their hooks: output
 * shapes for 0 (copy and allowzero), -1, negative axes, attribute and input
 * forms of each opset; the bytes are x's bytes; every rejected case names
 * the node. */
#include "shapeops_util.h"

/* Runs op on x (float32 iota of xdims) with an optional int64 second input,
 * and checks y's shape and that its bytes equal x's. */
static void expect_view(const char *what, const struct oh_node *n, int64_t opset, int xrank,
                        const int64_t *xdims, const int64_t *second, int n_second, int yrank,
                        const int64_t *ydims)
{
    struct onr_tensor x, s, y;
    so_tensor(&x, ONR_DTYPE_FLOAT, xrank, xdims, NULL);
    so_iota(&x, 1);
    struct onr_tensor *in[2] = {&x, NULL};
    if (second != NULL) {
        so_ints(&s, n_second, second);
        in[1] = &s;
    }
    if (so_run(what, n, opset, 2u, in, second ? 2 : 1, &y)) {
        so_expect(what, &y, ONR_DTYPE_FLOAT, yrank, ydims, x.data);
        CHECK(y.data != x.data);
    }
    onr_tensor_free(&y);
    onr_tensor_free(&x);
    if (second != NULL) onr_tensor_free(&s);
}

/* Expects a failure naming the node; second input constant. */
static void expect_fail(const char *what, const struct oh_node *n, int64_t opset, int xrank,
                        const int64_t *xdims, const int64_t *second, int n_second,
                        unsigned const_mask, enum onr_status want)
{
    struct onr_tensor x, s;
    so_tensor(&x, ONR_DTYPE_FLOAT, xrank, xdims, NULL);
    struct onr_tensor *in[2] = {&x, NULL};
    if (second != NULL) {
        so_ints(&s, n_second, second);
        in[1] = &s;
    }
    struct oh_opts o = {.opset = opset, .const_mask = const_mask};
    oh_expect_error(what, n, &o, in, second ? 2 : 1, 1, want);
    onr_tensor_free(&x);
    if (second != NULL) onr_tensor_free(&s);
}

static void test_reshape(void)
{
    const struct onr_op_def *def = onr_op_find("Reshape", "", 13);
    CHECK(def != NULL && (def->flags & ONR_OP_FLAG_VIEW));
    struct oh_node n;
    oh_node_init(&n, "Reshape", "reshape_1");
    const int64_t x3[3] = {2, 3, 4};
    const int64_t s1[3] = {4, -1, 2}, y1[3] = {4, 3, 2};
    expect_view("reshape -1", &n, 13, 3, x3, s1, 3, 3, y1);
    const int64_t s2[4] = {0, 0, 2, 2}, y2[4] = {2, 3, 2, 2};
    expect_view("reshape 0 copies", &n, 13, 3, x3, s2, 4, 4, y2);
    const int64_t s3[1] = {-1}, y3[1] = {24};
    expect_view("reshape to 1-D", &n, 5, 3, x3, s3, 1, 1, y3);
    const int64_t x1[1] = {1};
    /* The shape input with 0 values (a scalar result) must be a real input. */
    {
        struct onr_tensor x, s, y;
        so_tensor(&x, ONR_DTYPE_FLOAT, 1, x1, NULL);
        so_ints(&s, 0, NULL);
        struct onr_tensor *in[2] = {&x, &s};
        if (so_run("reshape []", &n, 13, 2u, in, 2, &y)) CHECK(y.shape.rank == 0);
        onr_tensor_free(&y), onr_tensor_free(&x), onr_tensor_free(&s);
    }
    const int64_t bad1[2] = {5, -1}, bad2[2] = {-1, -1}, bad3[2] = {0, 7}, bad4[4] = {1, 1, 1, 0};
    const int64_t bad5[2] = {-2, -12};
    expect_fail("reshape not divisible", &n, 13, 3, x3, bad1, 2, 2u, ONR_STATUS_SHAPE_MISMATCH);
    expect_fail("reshape two -1", &n, 13, 3, x3, bad2, 2, 2u, ONR_STATUS_SHAPE_MISMATCH);
    expect_fail("reshape wrong count", &n, 13, 3, x3, bad3, 2, 2u, ONR_STATUS_SHAPE_MISMATCH);
    expect_fail("reshape 0 beyond rank", &n, 13, 3, x3, bad4, 4, 2u, ONR_STATUS_SHAPE_MISMATCH);
    expect_fail("reshape negative", &n, 13, 3, x3, bad5, 2, 2u, ONR_STATUS_SHAPE_MISMATCH);
    expect_fail("reshape shape not constant", &n, 13, 3, x3, s1, 3, 0u, ONR_STATUS_UNSUPPORTED);
    expect_fail("reshape shape missing", &n, 13, 3, x3, NULL, 0, 0u, ONR_STATUS_INVALID_MODEL);
    /* The message names the shapes. */
    {
        struct onr_tensor x, s, y = {0};
        so_tensor(&x, ONR_DTYPE_FLOAT, 3, (const int64_t[3]){1, 3, 4}, NULL);
        so_ints(&s, 2, bad1);
        struct onr_tensor *in[2] = {&x, &s}, *out[1] = {&y};
        struct oh_opts o = {.opset = 13, .const_mask = 2u};
        struct onr_error err = {{0}};
        oh_run(&n, &o, in, 2, out, 1, &err);
        CHECK(strstr(err.message, "Reshape 'reshape_1': cannot reshape 1x3x4 (12 elements) to 5x-1") != NULL);
        onr_tensor_free(&y), onr_tensor_free(&x), onr_tensor_free(&s);
    }
    oh_node_free(&n);

    /* allowzero=1: 0 is a zero dim, and x must then be empty. */
    oh_node_init(&n, "Reshape", "reshape_az");
    oh_attr_int(&n, "allowzero", 1);
    const int64_t x0[2] = {0, 3}, s4[3] = {3, 0, 5}, y4[3] = {3, 0, 5};
    expect_view("allowzero zero dim", &n, 14, 2, x0, s4, 3, 3, y4);
    const int64_t s5[2] = {0, 4};
    expect_fail("allowzero 0 is not a copy", &n, 14, 3, x3, s5, 2, 2u, ONR_STATUS_SHAPE_MISMATCH);
    const int64_t s6[2] = {0, -1};
    expect_fail("allowzero 0 with -1", &n, 14, 2, x0, s6, 2, 2u, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);

    /* Opsets 1-4: the shape attribute. */
    oh_node_init(&n, "Reshape", "reshape_old");
    oh_attr_ints(&n, "shape", s1, 3);
    expect_view("reshape opset 4", &n, 4, 3, x3, NULL, 0, 3, y1);
    oh_node_free(&n);
    oh_node_init(&n, "Reshape", "reshape_noattr");
    expect_fail("reshape opset 4 no shape", &n, 4, 3, x3, NULL, 0, 0u, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
}

static void test_flatten(void)
{
    const int64_t x4[4] = {2, 3, 4, 5};
    struct {
        int64_t axis, opset;
        int64_t y[2];
    } cases[] = {{0, 9, {1, 120}}, {1, 13, {2, 60}}, {2, 13, {6, 20}}, {4, 13, {120, 1}},
                 {-1, 11, {24, 5}}, {-4, 13, {1, 120}}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct oh_node n;
        oh_node_init(&n, "Flatten", "flat");
        oh_attr_int(&n, "axis", cases[i].axis);
        char what[64];
        snprintf(what, sizeof what, "flatten axis %lld", (long long)cases[i].axis);
        expect_view(what, &n, cases[i].opset, 4, x4, NULL, 0, 2, cases[i].y);
        oh_node_free(&n);
    }
    struct oh_node n;
    oh_node_init(&n, "Flatten", "flat_default");
    const int64_t yd[2] = {2, 60};
    expect_view("flatten default", &n, 13, 4, x4, NULL, 0, 2, yd);
    oh_node_free(&n);
    const int64_t bad[] = {5, -5};
    for (int i = 0; i < 2; i++) {
        oh_node_init(&n, "Flatten", "flat_bad");
        oh_attr_int(&n, "axis", bad[i]);
        expect_fail("flatten bad axis", &n, 13, 4, x4, NULL, 0, 0u, ONR_STATUS_INVALID_MODEL);
        oh_node_free(&n);
    }
    oh_node_init(&n, "Flatten", "flat_neg_old");
    oh_attr_int(&n, "axis", -1);
    expect_fail("flatten negative before 11", &n, 9, 4, x4, NULL, 0, 0u, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
}

static void test_squeeze(void)
{
    const int64_t x[5] = {1, 3, 1, 4, 1};
    struct oh_node n;
    oh_node_init(&n, "Squeeze", "sq");
    const int64_t all[2] = {3, 4};
    expect_view("squeeze all (13)", &n, 13, 5, x, NULL, 0, 2, all);
    expect_view("squeeze all (11)", &n, 11, 5, x, NULL, 0, 2, all);
    const int64_t ax[2] = {-1, 0}, y2[3] = {3, 1, 4};
    expect_view("squeeze input axes", &n, 13, 5, x, ax, 2, 3, y2);
    const int64_t bad_dim[1] = {1}, bad_rep[2] = {0, -5}, bad_rng[1] = {5};
    expect_fail("squeeze dim 3", &n, 13, 5, x, bad_dim, 1, 2u, ONR_STATUS_SHAPE_MISMATCH);
    expect_fail("squeeze repeated", &n, 13, 5, x, bad_rep, 2, 2u, ONR_STATUS_INVALID_MODEL);
    expect_fail("squeeze out of range", &n, 13, 5, x, bad_rng, 1, 2u, ONR_STATUS_INVALID_MODEL);
    expect_fail("squeeze axes not constant", &n, 13, 5, x, ax, 2, 0u, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Squeeze", "sq_attr");
    oh_attr_ints(&n, "axes", ax, 2);
    expect_view("squeeze attribute axes", &n, 11, 5, x, NULL, 0, 3, y2);
    expect_fail("squeeze attribute at 13", &n, 13, 5, x, NULL, 0, 0u, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
}

static void test_unsqueeze(void)
{
    const int64_t x[2] = {3, 4};
    struct oh_node n;
    oh_node_init(&n, "Unsqueeze", "unsq");
    const int64_t a1[3] = {3, 0, -1}, y1[5] = {1, 3, 4, 1, 1};
    expect_view("unsqueeze unsorted, negative", &n, 13, 2, x, a1, 3, 5, y1);
    const int64_t a2[1] = {-1}, y2[3] = {3, 4, 1};
    expect_view("unsqueeze -1", &n, 13, 2, x, a2, 1, 3, y2);
    const int64_t s[1] = {0}, ys[1] = {1};
    expect_view("unsqueeze scalar", &n, 13, 0, NULL, s, 1, 1, ys);
    const int64_t rep[2] = {0, -4}, rng[1] = {3}, many[7] = {0, 1, 2, 3, 4, 5, 6};
    expect_fail("unsqueeze repeated", &n, 13, 2, x, rep, 2, 2u, ONR_STATUS_INVALID_MODEL);
    expect_fail("unsqueeze out of range", &n, 13, 2, x, rng, 1, 2u, ONR_STATUS_INVALID_MODEL);
    expect_fail("unsqueeze rank 9", &n, 13, 2, x, many, 7, 2u, ONR_STATUS_UNSUPPORTED);
    expect_fail("unsqueeze no axes", &n, 13, 2, x, NULL, 0, 0u, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Unsqueeze", "unsq_attr");
    oh_attr_ints(&n, "axes", a1, 3);
    expect_view("unsqueeze attribute", &n, 11, 2, x, NULL, 0, 5, y1);
    oh_node_free(&n);
    oh_node_init(&n, "Unsqueeze", "unsq_noattr");
    expect_fail("unsqueeze attribute missing", &n, 11, 2, x, NULL, 0, 0u, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
}

int main(void)
{
    test_reshape();
    test_flatten();
    test_squeeze();
    test_unsqueeze();
    if (onr_test_failures) fprintf(stderr, "test_reshape: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
