/* Equal, Greater, Less, GreaterOrEqual, LessOrEqual, And, Or, Xor, Not and
 * Where through their hooks: every dtype they accept on broadcast shape pairs against an
 * element-by-element numpy-style reference; NaN; empty tensors; 1, 2 and 3
 * threads bitwise on a tensor big enough to split; mismatched dtypes and
 * shapes and unsupported dtypes are named errors. */
#include "bcast_ref.h"

static const char *const cmp_ops[8] = {"Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual",
                                       "And", "Or", "Xor"};

static int cmp_ref(int op, double u, double v)
{
    switch (op) {
    case 0: return u == v;
    case 1: return u > v;
    case 2: return u < v;
    case 3: return u >= v;
    case 4: return u <= v;
    case 5: return u != 0 && v != 0;
    case 6: return u != 0 || v != 0;
    default: return (u != 0) != (v != 0);
    }
}

struct pair { int ra; int64_t a[4]; int rb; int64_t b[4]; };

static const struct pair pairs[] = {
    {3, {2, 3, 4}, 1, {4}},          {2, {3, 1}, 2, {1, 5}},
    {3, {2, 1, 4}, 3, {1, 3, 1}},    {0, {0}, 1, {5}},
    {2, {4, 6}, 2, {4, 6}},          {4, {2, 3, 1, 5}, 2, {3, 1}},
    {2, {0, 3}, 1, {3}},             {1, {7}, 0, {0}},
};

static void check_cmp(int op, enum onr_dtype dtype, const struct pair *pr, int threads)
{
    struct oh_node n;
    oh_node_init(&n, cmp_ops[op], "cmp");
    struct onr_tensor a, b, y;
    br_tensor(&a, dtype, pr->ra, pr->a, 1, 0, 3);
    br_tensor(&b, dtype, pr->rb, pr->b, 2, 0, 3);
    struct onr_tensor *in[2] = {&a, &b};
    char what[128];
    snprintf(what, sizeof what, "%s %s rank %d x %d", cmp_ops[op], onr_dtype_name(dtype), pr->ra,
             pr->rb);
    if (br_run(what, &n, 13 + 4 * (op >= 3), threads, 0, in, 2, &y)) {
        CHECK(y.dtype == ONR_DTYPE_BOOL);
        const int64_t ny = onr_shape_numel(&y.shape);
        int bad = 0;
        for (int64_t i = 0; i < ny; i++) {
            const int want = cmp_ref(op, br_get(&a, br_index(&y.shape, &a.shape, i)),
                                     br_get(&b, br_index(&y.shape, &b.shape, i)));
            bad += ((const uint8_t *)y.data)[i] != want;
        }
        if (bad) {
            fprintf(stderr, "%s: %d wrong\n", what, bad);
            onr_test_failures++;
        }
        const int R = pr->ra > pr->rb ? pr->ra : pr->rb;
        CHECK(y.shape.rank == R);
        onr_tensor_free(&y);
    }
    onr_tensor_free(&a), onr_tensor_free(&b), oh_node_free(&n);
}

static void check_where(enum onr_dtype dtype, int rc, const int64_t *c, int rx, const int64_t *xd,
                        int ry, const int64_t *yd, int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "Where", "where");
    struct onr_tensor cond, x, y, out;
    br_tensor(&cond, ONR_DTYPE_BOOL, rc, c, 3, 0, 1);
    br_tensor(&x, dtype, rx, xd, 4, 0, 100);
    br_tensor(&y, dtype, ry, yd, 5, 101, 200);
    struct onr_tensor *in[3] = {&cond, &x, &y};
    char what[96];
    snprintf(what, sizeof what, "Where %s threads %d", onr_dtype_name(dtype), threads);
    if (br_run(what, &n, 16, threads, 0, in, 3, &out)) {
        CHECK(out.dtype == dtype);
        const int64_t ny = onr_shape_numel(&out.shape);
        int bad = 0;
        for (int64_t i = 0; i < ny; i++) {
            const double want = br_get(&cond, br_index(&out.shape, &cond.shape, i))
                                    ? br_get(&x, br_index(&out.shape, &x.shape, i))
                                    : br_get(&y, br_index(&out.shape, &y.shape, i));
            bad += br_get(&out, i) != want;
        }
        if (bad) {
            fprintf(stderr, "%s: %d wrong\n", what, bad);
            onr_test_failures++;
        }
        if (keep) *keep = out;
        else onr_tensor_free(&out);
    }
    onr_tensor_free(&cond), onr_tensor_free(&x), onr_tensor_free(&y), oh_node_free(&n);
}

static void check_nan(void)
{
    static const int64_t d1[1] = {3};
    struct onr_tensor a, b, y;
    const float av[3] = {NAN, 1.0f, NAN}, bv[3] = {NAN, NAN, 2.0f};
    so_tensor(&a, ONR_DTYPE_FLOAT, 1, d1, av);
    so_tensor(&b, ONR_DTYPE_FLOAT, 1, d1, bv);
    struct onr_tensor *in[2] = {&a, &b};
    for (int op = 0; op < 5; op++) {
        struct oh_node n;
        oh_node_init(&n, cmp_ops[op], "nan");
        if (br_run("NaN", &n, 17, 1, 0, in, 2, &y)) {
            static const uint8_t zero[3] = {0, 0, 0};
            so_expect(cmp_ops[op], &y, ONR_DTYPE_BOOL, 1, d1, zero);
            onr_tensor_free(&y);
        }
        oh_node_free(&n);
    }
    onr_tensor_free(&a), onr_tensor_free(&b);
}

static void check_not(void)
{
    static const int64_t d[2] = {2, 3}, e[1] = {0};
    static const uint8_t x[6] = {0, 1, 1, 0, 0, 1}, want[6] = {1, 0, 0, 1, 1, 0};
    struct onr_tensor t, y;
    so_tensor(&t, ONR_DTYPE_BOOL, 2, d, x);
    struct onr_tensor *in[1] = {&t};
    struct oh_node n;
    oh_node_init(&n, "Not", "not");
    if (br_run("Not", &n, 1, 1, 0, in, 1, &y)) {
        so_expect("Not", &y, ONR_DTYPE_BOOL, 2, d, want);
        onr_tensor_free(&y);
    }
    onr_tensor_free(&t);
    so_tensor(&t, ONR_DTYPE_BOOL, 1, e, NULL);
    if (br_run("Not empty", &n, 13, 1, 0, in, 1, &y)) {
        CHECK(so_shape_is(&y, 1, e));
        onr_tensor_free(&y);
    }
    onr_tensor_free(&t);
    so_tensor(&t, ONR_DTYPE_FLOAT, 2, d, NULL);
    struct oh_opts o = {.opset = 13};
    oh_expect_error("Not on float32", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&t), oh_node_free(&n);
}

static void check_threads(void)
{
    static const int64_t big[2] = {96, 1031}, row[1] = {1031};
    for (int op = 0; op < 5; op += 2) {
        struct oh_node n;
        oh_node_init(&n, cmp_ops[op], "cmp_threads");
        struct onr_tensor a, b, y[3];
        br_tensor(&a, ONR_DTYPE_FLOAT, 2, big, 7, 0, 9);
        br_tensor(&b, ONR_DTYPE_FLOAT, 1, row, 8, 0, 9);
        struct onr_tensor *in[2] = {&a, &b};
        int ok = 1;
        for (int t = 0; t < 3; t++) ok &= br_run("threads", &n, 13, t + 1, 0, in, 2, &y[t]);
        if (ok) {
            br_same_bytes("cmp 1 vs 2 threads", &y[0], &y[1]);
            br_same_bytes("cmp 1 vs 3 threads", &y[0], &y[2]);
            for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);
        }
        onr_tensor_free(&a), onr_tensor_free(&b), oh_node_free(&n);
    }
    static const int64_t c[3] = {4, 1, 1031}, xd[3] = {4, 24, 1031}, yd[1] = {1};
    struct onr_tensor w[3] = {{0}};
    for (int t = 0; t < 3; t++) check_where(ONR_DTYPE_FLOAT, 3, c, 3, xd, 1, yd, t + 1, &w[t]);
    if (w[0].data && w[1].data && w[2].data) {
        br_same_bytes("Where 1 vs 2 threads", &w[0], &w[1]);
        br_same_bytes("Where 1 vs 3 threads", &w[0], &w[2]);
    }
    for (int t = 0; t < 3; t++) onr_tensor_free(&w[t]);
}

/* Opset 1: broadcast=1 matches B at `axis` (or as a suffix); broadcast=0
 * needs equal shapes. */
static void check_legacy(void)
{
    static const int64_t a[3] = {2, 3, 4}, b[1] = {3}, c[1] = {4};
    struct onr_tensor x, y, z, out;
    br_tensor(&x, ONR_DTYPE_FLOAT, 3, a, 81, 0, 3);
    br_tensor(&y, ONR_DTYPE_FLOAT, 1, b, 82, 0, 3);
    br_tensor(&z, ONR_DTYPE_FLOAT, 1, c, 83, 0, 3);
    struct oh_node n;
    oh_node_init(&n, "Greater", "gt_legacy");
    oh_attr_int(&n, "broadcast", 1);
    oh_attr_int(&n, "axis", 1);
    struct onr_tensor *in[2] = {&x, &y};
    if (br_run("legacy axis 1", &n, 1, 1, 0, in, 2, &out)) {
        int bad = 0;
        for (int i = 0; i < 24; i++)
            bad += ((uint8_t *)out.data)[i] != (br_get(&x, i) > br_get(&y, i / 4 % 3));
        CHECK(bad == 0 && so_shape_is(&out, 3, a));
        onr_tensor_free(&out);
    }
    oh_node_free(&n);
    oh_node_init(&n, "Less", "lt_suffix");
    oh_attr_int(&n, "broadcast", 1);
    struct onr_tensor *suf[2] = {&x, &z};
    if (br_run("legacy suffix", &n, 6, 1, 0, suf, 2, &out)) {
        int bad = 0;
        for (int i = 0; i < 24; i++)
            bad += ((uint8_t *)out.data)[i] != (br_get(&x, i) < br_get(&z, i % 4));
        CHECK(bad == 0);
        onr_tensor_free(&out);
    }
    oh_node_free(&n);
    oh_node_init(&n, "Equal", "eq_no_broadcast");
    struct oh_opts o1 = {.opset = 1};
    oh_expect_error("opset 1 broadcast=0", &n, &o1, suf, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    oh_node_init(&n, "Equal", "eq_axis_bad");
    oh_attr_int(&n, "broadcast", 1);
    oh_attr_int(&n, "axis", 0);
    oh_expect_error("opset 1 B (4) at axis 0", &n, &o1, suf, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&y), onr_tensor_free(&z);
}

static void check_errors(void)
{
    static const int64_t d23[2] = {2, 3}, d4[1] = {4}, d3[1] = {3};
    struct onr_tensor f23, f4, i3, b3, h3, f3;
    so_tensor(&f23, ONR_DTYPE_FLOAT, 2, d23, NULL);
    so_tensor(&f4, ONR_DTYPE_FLOAT, 1, d4, NULL);
    so_tensor(&f3, ONR_DTYPE_FLOAT, 1, d3, NULL);
    so_tensor(&i3, ONR_DTYPE_INT64, 1, d3, NULL);
    so_tensor(&b3, ONR_DTYPE_BOOL, 1, d3, NULL);
    so_tensor(&h3, ONR_DTYPE_FLOAT16, 1, d3, NULL);
    struct oh_opts o = {.opset = 13};
    struct oh_node n;
    oh_node_init(&n, "Greater", "gt_bad");
    struct onr_tensor *mis[2] = {&f23, &f4};
    oh_expect_error("shapes 2x3 and 4", &n, &o, mis, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    struct onr_tensor *mixed[2] = {&f3, &i3};
    oh_expect_error("float32 vs int64", &n, &o, mixed, 2, 1, ONR_STATUS_INVALID_MODEL);
    struct onr_tensor *bools[2] = {&b3, &b3};
    oh_expect_error("Greater on bool", &n, &o, bools, 2, 1, ONR_STATUS_UNSUPPORTED);
    struct onr_tensor *halves[2] = {&h3, &h3};
    oh_expect_error("Greater on float16", &n, &o, halves, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Or", "or_bad");
    oh_expect_error("Or on float32", &n, &o, mis, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Where", "where_bad");
    struct onr_tensor *fcond[3] = {&f3, &f3, &f3};
    oh_expect_error("float condition", &n, &o, fcond, 3, 1, ONR_STATUS_INVALID_MODEL);
    struct onr_tensor *xy[3] = {&b3, &f3, &i3};
    oh_expect_error("X float32, Y int64", &n, &o, xy, 3, 1, ONR_STATUS_INVALID_MODEL);
    struct onr_tensor *wshape[3] = {&b3, &f23, &f4};
    oh_expect_error("Where shapes", &n, &o, wshape, 3, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    onr_tensor_free(&f23), onr_tensor_free(&f4), onr_tensor_free(&f3);
    onr_tensor_free(&i3), onr_tensor_free(&b3), onr_tensor_free(&h3);
    CHECK(onr_op_find("GreaterOrEqual", "", 11) == NULL);
    check_legacy();
}

int main(void)
{
    static const enum onr_dtype types[] = {
        ONR_DTYPE_FLOAT, ONR_DTYPE_DOUBLE, ONR_DTYPE_INT8, ONR_DTYPE_INT16, ONR_DTYPE_INT32,
        ONR_DTYPE_INT64, ONR_DTYPE_UINT8, ONR_DTYPE_UINT16, ONR_DTYPE_UINT32, ONR_DTYPE_UINT64,
    };
    for (int op = 0; op < 5; op++)
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
            for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
                check_cmp(op, types[t], &pairs[p], 1);
    for (int op = 0; op < 8; op += op == 0 ? 5 : 1)
        for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
            check_cmp(op, ONR_DTYPE_BOOL, &pairs[p], 2);
    check_not();
    check_nan();
    static const int64_t c[2] = {3, 1}, xd[3] = {2, 1, 4}, yd[1] = {4}, e[2] = {0, 4};
    static const enum onr_dtype wtypes[] = {ONR_DTYPE_FLOAT, ONR_DTYPE_INT64, ONR_DTYPE_UINT8,
                                            ONR_DTYPE_INT16, ONR_DTYPE_BOOL};
    for (size_t t = 0; t < sizeof wtypes / sizeof wtypes[0]; t++)
        check_where(wtypes[t], 2, c, 3, xd, 1, yd, 1, NULL);
    check_where(ONR_DTYPE_FLOAT, 2, e, 1, yd, 0, yd, 1, NULL);   /* empty condition */
    check_where(ONR_DTYPE_INT32, 0, c, 0, xd, 0, yd, 1, NULL);   /* all scalars */
    check_threads();
    check_errors();
    printf("test_compare: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
