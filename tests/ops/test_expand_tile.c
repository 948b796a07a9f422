/* Expand, Tile, ConstantOfShape and Range through their hooks: values
 * against element-by-element references (numpy broadcasting, index modulo,
 * the spec's start + i*delta), several dtypes, empty outputs, 1 vs 2 vs 3
 * threads bitwise where the copy is split, and the named errors: shape
 * inputs not known at prepare time, negative or mismatched dims, bad
 * attribute values, delta 0. */
#include "bcast_ref.h"

/* ---- Expand ---- */

static void check_expand(enum onr_dtype dtype, int rx, const int64_t *xd, int ns,
                         const int64_t *shape, int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "Expand", "expand");
    struct onr_tensor x, s, y;
    br_tensor(&x, dtype, rx, xd, 11, 0, 120);
    so_ints(&s, ns, shape);
    struct onr_tensor *in[2] = {&x, &s};
    if (br_run("Expand", &n, 13, threads, 2u, in, 2, &y)) {
        CHECK(y.dtype == dtype);
        const int64_t ny = onr_shape_numel(&y.shape);
        int bad = 0;
        for (int64_t i = 0; i < ny; i++)
            bad += br_get(&y, i) != br_get(&x, br_index(&y.shape, &x.shape, i));
        const int R = rx > ns ? rx : ns;
        CHECK(y.shape.rank == R);
        for (int d = 0; d < R; d++) {
            const int64_t a = d < R - rx ? 1 : xd[d - (R - rx)];
            const int64_t b = d < R - ns ? 1 : shape[d - (R - ns)];
            CHECK(y.shape.dims[d] == (a == 1 ? b : a));
        }
        if (bad) {
            fprintf(stderr, "Expand %s: %d wrong\n", onr_dtype_name(dtype), bad);
            onr_test_failures++;
        }
        if (keep) *keep = y;
        else onr_tensor_free(&y);
    }
    onr_tensor_free(&x), onr_tensor_free(&s), oh_node_free(&n);
}

static void expand_tests(void)
{
    static const int64_t x31[2] = {3, 1}, s216[3] = {2, 1, 6}, x23[2] = {2, 3}, s3[1] = {3},
                         s1[1] = {1}, x1[1] = {1}, s03[2] = {0, 3}, sbig[3] = {8, 64, 257},
                         xbig[2] = {64, 1};
    static const enum onr_dtype types[] = {ONR_DTYPE_FLOAT, ONR_DTYPE_INT64, ONR_DTYPE_UINT8,
                                           ONR_DTYPE_INT16, ONR_DTYPE_BOOL};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        check_expand(types[t], 2, x31, 3, s216, 1, NULL);
        check_expand(types[t], 2, x23, 1, s3, 1, NULL);   /* shape of lower rank */
        check_expand(types[t], 2, x31, 1, s1, 1, NULL);   /* the shape's 1 keeps x's 3 */
    }
    check_expand(ONR_DTYPE_FLOAT, 0, x1, 2, x23, 1, NULL);  /* scalar */
    check_expand(ONR_DTYPE_FLOAT, 1, x1, 2, s03, 1, NULL);  /* empty */
    check_expand(ONR_DTYPE_FLOAT, 0, x1, 0, x1, 1, NULL);   /* scalar, empty shape */
    struct onr_tensor y[3] = {{0}};
    for (int t = 0; t < 3; t++) check_expand(ONR_DTYPE_FLOAT, 2, xbig, 3, sbig, t + 1, &y[t]);
    if (y[0].data && y[1].data && y[2].data) {
        br_same_bytes("Expand 1 vs 2 threads", &y[0], &y[1]);
        br_same_bytes("Expand 1 vs 3 threads", &y[0], &y[2]);
    }
    for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);

    struct oh_node n;
    oh_node_init(&n, "Expand", "expand_bad");
    struct onr_tensor x, s;
    so_tensor(&x, ONR_DTYPE_FLOAT, 2, x23, NULL);
    struct onr_tensor *in[2] = {&x, &s};
    struct oh_opts c = {.opset = 13, .const_mask = 2u}, nc = {.opset = 13};
    static const int64_t s4[1] = {4}, sneg[2] = {-1, 3};
    so_ints(&s, 1, s4);
    oh_expect_error("Expand 2x3 to 4", &n, &c, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_expect_error("Expand shape not constant", &n, &nc, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&s);
    so_ints(&s, 2, sneg);
    oh_expect_error("Expand shape -1", &n, &c, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&s);
    so_tensor(&s, ONR_DTYPE_FLOAT, 1, s1, NULL);
    oh_expect_error("Expand float shape", &n, &c, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&s), onr_tensor_free(&x), oh_node_free(&n);
    CHECK(onr_op_find("Expand", "", 7) == NULL);
}

/* ---- Tile ---- */

static void check_tile(enum onr_dtype dtype, int rank, const int64_t *xd, const int64_t *rep,
                       int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "Tile", "tile");
    struct onr_tensor x, r, y;
    br_tensor(&x, dtype, rank, xd, 12, 0, 120);
    so_ints(&r, rank, rep);
    struct onr_tensor *in[2] = {&x, &r};
    if (br_run("Tile", &n, 13, threads, 2u, in, 2, &y)) {
        CHECK(y.dtype == dtype && y.shape.rank == rank);
        for (int d = 0; d < rank && d < y.shape.rank; d++) CHECK(y.shape.dims[d] == xd[d] * rep[d]);
        const int64_t ny = onr_shape_numel(&y.shape);
        int bad = 0;
        for (int64_t i = 0; i < ny; i++) {
            int64_t rem = i, xi = 0, stride = 1;
            for (int d = rank - 1; d >= 0; d--) {
                xi += (rem % y.shape.dims[d]) % xd[d] * stride;
                rem /= y.shape.dims[d];
                stride *= xd[d];
            }
            bad += br_get(&y, i) != br_get(&x, xi);
        }
        if (bad) {
            fprintf(stderr, "Tile %s rank %d: %d wrong\n", onr_dtype_name(dtype), rank, bad);
            onr_test_failures++;
        }
        if (keep) *keep = y;
        else onr_tensor_free(&y);
    }
    onr_tensor_free(&x), onr_tensor_free(&r), oh_node_free(&n);
}

static void tile_tests(void)
{
    static const int64_t x23[2] = {2, 3}, r22[2] = {2, 2}, x234[3] = {2, 3, 4},
                         r132[3] = {1, 3, 2}, x5[1] = {5}, r0[1] = {0}, r3[1] = {3},
                         r11[2] = {1, 1}, x03[2] = {0, 3}, r41[2] = {4, 1}, xb[2] = {33, 257},
                         rb[2] = {4, 3};
    static const enum onr_dtype types[] = {ONR_DTYPE_FLOAT, ONR_DTYPE_INT64, ONR_DTYPE_UINT8,
                                           ONR_DTYPE_INT16, ONR_DTYPE_DOUBLE};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        check_tile(types[t], 2, x23, r22, 1, NULL);
        check_tile(types[t], 3, x234, r132, 1, NULL);
        check_tile(types[t], 1, x5, r3, 1, NULL);
    }
    check_tile(ONR_DTYPE_FLOAT, 1, x5, r0, 1, NULL);     /* repeat 0: empty */
    check_tile(ONR_DTYPE_FLOAT, 2, x23, r11, 1, NULL);   /* identity */
    check_tile(ONR_DTYPE_FLOAT, 2, x03, r41, 1, NULL);   /* empty input */
    check_tile(ONR_DTYPE_FLOAT, 0, x5, r0, 1, NULL);     /* scalar, no repeats */
    struct onr_tensor y[3] = {{0}};
    for (int t = 0; t < 3; t++) check_tile(ONR_DTYPE_FLOAT, 2, xb, rb, t + 1, &y[t]);
    if (y[0].data && y[1].data && y[2].data) {
        br_same_bytes("Tile 1 vs 2 threads", &y[0], &y[1]);
        br_same_bytes("Tile 1 vs 3 threads", &y[0], &y[2]);
    }
    for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);

    struct oh_node n;
    oh_node_init(&n, "Tile", "tile_bad");
    struct onr_tensor x, r;
    so_tensor(&x, ONR_DTYPE_FLOAT, 2, x23, NULL);
    struct onr_tensor *in[2] = {&x, &r};
    struct oh_opts c = {.opset = 13, .const_mask = 2u}, nc = {.opset = 13};
    static const int64_t rneg[2] = {1, -2};
    so_ints(&r, 1, r3);
    oh_expect_error("Tile 1 repeat for rank 2", &n, &c, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&r);
    so_ints(&r, 2, rneg);
    oh_expect_error("Tile repeat -2", &n, &c, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_expect_error("Tile repeats not constant", &n, &nc, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&r), onr_tensor_free(&x), oh_node_free(&n);
}

/* ---- ConstantOfShape ---- */

static void check_cos(const struct onr_tensor *value, int ns, const int64_t *shape,
                      enum onr_dtype want_dtype, double want)
{
    struct oh_node n;
    oh_node_init(&n, "ConstantOfShape", "cos");
    if (value != NULL) oh_attr_tensor(&n, "value", value);
    struct onr_tensor s, y;
    so_ints(&s, ns, shape);
    struct onr_tensor *in[1] = {&s};
    if (br_run("ConstantOfShape", &n, 9, 1, 1u, in, 1, &y)) {
        CHECK(y.dtype == want_dtype && so_shape_is(&y, ns, shape));
        const int64_t ny = onr_shape_numel(&y.shape);
        for (int64_t i = 0; i < ny; i++)
            if (br_get(&y, i) != want) {
                fprintf(stderr, "ConstantOfShape: element %lld is %g, expected %g\n",
                        (long long)i, br_get(&y, i), want);
                onr_test_failures++;
                break;
            }
        onr_tensor_free(&y);
    }
    onr_tensor_free(&s), oh_node_free(&n);
}

static void cos_tests(void)
{
    static const int64_t s23[2] = {2, 3}, s0[1] = {0}, s1[1] = {1}, s2[1] = {2};
    check_cos(NULL, 2, s23, ONR_DTYPE_FLOAT, 0.0);
    struct onr_tensor v;
    const int64_t seven = 7;
    so_tensor(&v, ONR_DTYPE_INT64, 1, s1, &seven);
    check_cos(&v, 2, s23, ONR_DTYPE_INT64, 7.0);
    check_cos(&v, 1, s0, ONR_DTYPE_INT64, 7.0);   /* empty output */
    check_cos(&v, 0, s0, ONR_DTYPE_INT64, 7.0);   /* empty shape: a scalar */
    onr_tensor_free(&v);
    const float half = 1.5f;
    so_tensor(&v, ONR_DTYPE_FLOAT, 1, s1, &half);
    check_cos(&v, 2, s23, ONR_DTYPE_FLOAT, 1.5);
    onr_tensor_free(&v);
    const uint8_t one = 1;
    so_tensor(&v, ONR_DTYPE_BOOL, 0, s1, &one);
    check_cos(&v, 1, s2, ONR_DTYPE_BOOL, 1.0);
    onr_tensor_free(&v);

    struct oh_node n;
    struct onr_tensor s;
    struct onr_tensor *in[1] = {&s};
    struct oh_opts c = {.opset = 9, .const_mask = 1u}, nc = {.opset = 9};
    so_tensor(&v, ONR_DTYPE_FLOAT, 1, s2, NULL);
    oh_node_init(&n, "ConstantOfShape", "cos_two_values");
    oh_attr_tensor(&n, "value", &v);
    so_ints(&s, 2, s23);
    oh_expect_error("value of 2 elements", &n, &c, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n), onr_tensor_free(&v);
    oh_node_init(&n, "ConstantOfShape", "cos_bad");
    oh_expect_error("shape not constant", &n, &nc, in, 1, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&s);
    static const int64_t sneg[2] = {2, -1};
    so_ints(&s, 2, sneg);
    oh_expect_error("negative dim", &n, &c, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&s);
    oh_attr_int(&n, "value", 3);
    so_ints(&s, 2, s23);
    oh_expect_error("value not a tensor", &n, &c, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&s), oh_node_free(&n);
}

/* ---- Range ---- */

static void check_range(enum onr_dtype dtype, double start, double limit, double delta,
                        int64_t want_n)
{
    struct oh_node n;
    oh_node_init(&n, "Range", "range");
    struct onr_tensor a, b, d, y;
    static const int64_t none[1] = {0};
    so_tensor(&a, dtype, 0, none, NULL);
    so_tensor(&b, dtype, 0, none, NULL);
    so_tensor(&d, dtype, 0, none, NULL);
    br_set(&a, 0, start), br_set(&b, 0, limit), br_set(&d, 0, delta);
    struct onr_tensor *in[3] = {&a, &b, &d};
    char what[96];
    snprintf(what, sizeof what, "Range %s %g %g %g", onr_dtype_name(dtype), start, limit, delta);
    if (br_run(what, &n, 11, 1, 7u, in, 3, &y)) {
        CHECK(y.dtype == dtype && y.shape.rank == 1 && y.shape.dims[0] == want_n);
        for (int64_t i = 0; i < want_n && i < onr_shape_numel(&y.shape); i++)
            if (fabs(br_get(&y, i) - (start + (double)i * delta)) > 1e-6 * fabs(start + i * delta)) {
                fprintf(stderr, "%s: element %lld is %g\n", what, (long long)i, br_get(&y, i));
                onr_test_failures++;
            }
        onr_tensor_free(&y);
    }
    onr_tensor_free(&a), onr_tensor_free(&b), onr_tensor_free(&d), oh_node_free(&n);
}

static void range_tests(void)
{
    check_range(ONR_DTYPE_FLOAT, 1, 5, 2, 2);
    check_range(ONR_DTYPE_FLOAT, 0, 1, 0.3, 4);
    check_range(ONR_DTYPE_FLOAT, 5, 1, 1, 0);        /* empty */
    check_range(ONR_DTYPE_DOUBLE, -1, 1, 0.5, 4);
    check_range(ONR_DTYPE_INT32, 10, 4, -3, 2);
    check_range(ONR_DTYPE_INT64, 0, 10, 3, 4);
    check_range(ONR_DTYPE_INT64, 0, 9, 3, 3);
    check_range(ONR_DTYPE_INT64, -7, -1, 2, 3);
    check_range(ONR_DTYPE_INT64, 3, 3, 1, 0);
    check_range(ONR_DTYPE_INT16, 2, -7, -4, 3);

    struct oh_node n;
    oh_node_init(&n, "Range", "range_bad");
    struct onr_tensor a, b, d, f;
    static const int64_t none[1] = {0};
    so_tensor(&a, ONR_DTYPE_INT64, 0, none, NULL);
    so_tensor(&b, ONR_DTYPE_INT64, 0, none, NULL);
    so_tensor(&d, ONR_DTYPE_INT64, 0, none, NULL);
    so_tensor(&f, ONR_DTYPE_FLOAT, 0, none, NULL);
    br_set(&b, 0, 4);
    struct onr_tensor *in[3] = {&a, &b, &d};
    struct oh_opts c = {.opset = 11, .const_mask = 7u}, nc = {.opset = 11, .const_mask = 3u};
    oh_expect_error("delta 0", &n, &c, in, 3, 1, ONR_STATUS_INVALID_ARGUMENT);
    br_set(&d, 0, 1);
    oh_expect_error("delta not constant", &n, &nc, in, 3, 1, ONR_STATUS_UNSUPPORTED);
    struct onr_tensor *mixed[3] = {&a, &f, &d};
    oh_expect_error("int64 start, float limit", &n, &c, mixed, 3, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&a);
    so_tensor(&a, ONR_DTYPE_UINT8, 0, none, NULL);
    struct onr_tensor *u8[3] = {&a, &a, &a};
    oh_expect_error("uint8", &n, &c, u8, 3, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&a), onr_tensor_free(&b), onr_tensor_free(&d), onr_tensor_free(&f);
    oh_node_free(&n);
}

int main(void)
{
    expand_tests();
    tile_tests();
    cos_tests();
    range_tests();
    printf("test_expand_tile: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
