/* Add, Sub, Mul, Div through their hooks: numpy broadcasting over a table of
 * shape pairs against an index-by-index reference written here, exact (one
 * float operation per element); 1 vs 3 threads bitwise on large tensors;
 * int64 arithmetic with truncating Div and its division-by-zero error; the
 * narrow integers (wrap-around), int32, uint16, uint64 and float64;
 * opset 6's broadcast/axis attributes; shape and dtype errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

static const char *const ops[4] = {"Add", "Sub", "Mul", "Div"};

static float apply(int op, float a, float b)
{
    switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    default: return a / b;
    }
}

/* Offset into a tensor of shape `s` (right-aligned to rank R) of output index idx. */
static int64_t bcast_offset(const struct onr_shape *s, int R, const int64_t *idx)
{
    int64_t off = 0;
    for (int i = 0; i < s->rank; i++) {
        const int64_t d = s->dims[i], k = idx[R - s->rank + i];
        off = off * d + (d == 1 ? 0 : k);
    }
    return off;
}

static struct onr_shape mk(int rank, const int64_t *dims)
{
    struct onr_shape s = {.rank = rank};
    for (int i = 0; i < rank; i++) s.dims[i] = dims[i];
    return s;
}

/* Runs op on a (shape sa) and b (shape sb); y must have shape want. */
static void check_f32(const char *what, int op, struct onr_shape sa, struct onr_shape sb,
                      struct onr_shape want, int64_t opset, int threads, struct onr_tensor *y_out)
{
    struct oh_node n;
    oh_node_init(&n, ops[op], "bin_1");
    struct onr_tensor a, b, y = {0};
    oh_tensor_f32(&a, sa.rank, sa.dims, NULL);
    oh_tensor_f32(&b, sb.rank, sb.dims, NULL);
    onr_test_fill(a.data, a.nbytes / 4, 1, -2, 2);
    onr_test_fill(b.data, b.nbytes / 4, 2, 0.5f, 2);
    struct onr_tensor *in[2] = {&a, &b}, *out[1] = {&y};
    struct oh_opts o = {.opset = opset, .threads = threads, .const_mask = 2};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(&n, &o, in, 2, out, 1, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s %s: %s %s\n", what, ops[op], onr_status_name(st), err.message);
        onr_test_failures++;
    } else if (!onr_shape_equal(&y.shape, &want)) {
        fprintf(stderr, "%s %s: wrong output shape\n", what, ops[op]);
        onr_test_failures++;
    } else {
        const int64_t total = onr_shape_numel(&want);
        const float *as = a.data, *bs = b.data, *ys = y.data;
        int64_t idx[ONR_MAX_RANK], bad = 0;
        for (int64_t e = 0; e < total; e++) {
            int64_t r = e;
            for (int d = want.rank - 1; d >= 0; d--) {
                idx[d] = r % want.dims[d];
                r /= want.dims[d];
            }
            const float ref = apply(op, as[bcast_offset(&sa, want.rank, idx)],
                                    bs[bcast_offset(&sb, want.rank, idx)]);
            if (ys[e] != ref) bad++;
        }
        if (bad) {
            fprintf(stderr, "%s %s: %lld wrong elements\n", what, ops[op], (long long)bad);
            onr_test_failures++;
        }
    }
    if (y_out != NULL) *y_out = y;
    else onr_tensor_free(&y);
    onr_tensor_free(&a), onr_tensor_free(&b), oh_node_free(&n);
}

static void test_broadcast_table(void)
{
    static const struct {
        int ra; int64_t a[5]; int rb; int64_t b[5]; int ry; int64_t y[5];
    } cases[] = {
        {4, {1, 3, 4, 5}, 4, {1, 3, 4, 5}, 4, {1, 3, 4, 5}},   /* same shape */
        {4, {2, 3, 4, 5}, 4, {1, 3, 1, 1}, 4, {2, 3, 4, 5}},   /* per-channel */
        {4, {2, 3, 4, 5}, 4, {2, 3, 1, 1}, 4, {2, 3, 4, 5}},   /* SE multiply */
        {4, {2, 3, 4, 5}, 0, {0}, 4, {2, 3, 4, 5}},            /* scalar B */
        {1, {1}, 3, {3, 4, 5}, 3, {3, 4, 5}},                  /* one-element A */
        {2, {3, 1}, 1, {4}, 2, {3, 4}},                         /* outer product */
        {3, {2, 1, 5}, 3, {1, 4, 1}, 3, {2, 4, 5}},            /* both broadcast */
        {5, {2, 1, 3, 1, 2}, 3, {3, 4, 1}, 5, {2, 1, 3, 4, 2}},
        {2, {3, 0}, 1, {1}, 2, {3, 0}},                         /* empty */
        {0, {0}, 0, {0}, 0, {0}},                               /* scalars */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int op = 0; op < 4; op++) {
            char what[32];
            snprintf(what, sizeof what, "case %zu", c);
            check_f32(what, op, mk(cases[c].ra, cases[c].a), mk(cases[c].rb, cases[c].b),
                      mk(cases[c].ry, cases[c].y), 13, 1 + (int)(c % 2), NULL);
            /* and swapped */
            check_f32(what, op, mk(cases[c].rb, cases[c].b), mk(cases[c].ra, cases[c].a),
                      mk(cases[c].ry, cases[c].y), 14, 2, NULL);
        }
}

static void test_threads_bitwise(void)
{
    static const int64_t a[4] = {1, 32, 56, 56}, b[4] = {1, 32, 1, 1};
    for (int op = 0; op < 4; op++) {
        struct onr_tensor y1, y3;
        check_f32("big 1 thread", op, mk(4, a), mk(4, b), mk(4, a), 17, 1, &y1);
        check_f32("big 3 threads", op, mk(4, a), mk(4, b), mk(4, a), 17, 3, &y3);
        if (y1.data && y3.data) CHECK(onr_test_bitwise(ops[op], y1.data, y3.data, y1.nbytes / 4));
        onr_tensor_free(&y1), onr_tensor_free(&y3);
        check_f32("big same shape 3 threads", op, mk(4, a), mk(4, a), mk(4, a), 13, 3, NULL);
    }
}

static void tensor_i64(struct onr_tensor *t, int rank, const int64_t *dims, const int64_t *v)
{
    struct onr_shape s = mk(rank, dims);
    memset(t, 0, sizeof *t);
    if (onr_tensor_alloc(t, ONR_DTYPE_INT64, &s, NULL) != ONR_STATUS_OK) exit(2);
    memcpy(t->data, v, t->nbytes);
}

static void test_int64(void)
{
    static const int64_t av[6] = {7, -7, 7, -7, INT64_MAX, 100}, bv[6] = {2, 2, -2, -2, 1, -100};
    static const int64_t want[4][6] = {
        {9, -5, 5, -9, INT64_MIN, 0},
        {5, -9, 9, -5, INT64_MAX - 1, 200},
        {14, -14, -14, 14, INT64_MAX, -10000},
        {3, -3, -3, 3, INT64_MAX, -1},          /* truncation toward zero */
    };
    const int64_t dims[1] = {6};
    for (int op = 0; op < 4; op++) {
        struct oh_node n;
        oh_node_init(&n, ops[op], "shape_arith");
        struct onr_tensor a, b, y = {0};
        tensor_i64(&a, 1, dims, av);
        tensor_i64(&b, 1, dims, bv);
        struct onr_tensor *in[2] = {&a, &b}, *out[1] = {&y};
        struct oh_opts o = {.opset = 13, .const_mask = 3};
        struct onr_error err = {{0}};
        CHECK_STATUS(oh_run(&n, &o, in, 2, out, 1, &err), ONR_STATUS_OK);
        CHECK(y.dtype == ONR_DTYPE_INT64);
        if (y.data != NULL)
            for (int i = 0; i < 6; i++)
                if (((int64_t *)y.data)[i] != want[op][i]) {
                    fprintf(stderr, "int64 %s [%d]: got %lld want %lld\n", ops[op], i,
                            (long long)((int64_t *)y.data)[i], (long long)want[op][i]);
                    onr_test_failures++;
                }
        onr_tensor_free(&a), onr_tensor_free(&b), onr_tensor_free(&y), oh_node_free(&n);
    }
    /* Division by zero and INT64_MIN / -1 fail at run, naming the node. */
    static const int64_t num[2] = {6, 1}, den[2] = {3, 0}, two[1] = {2};
    static const int64_t min_num[2] = {INT64_MIN, 4}, min_den[2] = {-1, 2};
    struct oh_node n;
    oh_node_init(&n, "Div", "div_zero");
    struct onr_tensor a, b;
    tensor_i64(&a, 1, two, num);
    tensor_i64(&b, 1, two, den);
    struct onr_tensor *in[2] = {&a, &b};
    struct oh_opts o = {.opset = 13};
    oh_expect_error("int64 division by zero", &n, &o, in, 2, 1, ONR_STATUS_INVALID_ARGUMENT);
    onr_tensor_free(&a), onr_tensor_free(&b);
    tensor_i64(&a, 1, two, min_num);
    tensor_i64(&b, 1, two, min_den);
    oh_expect_error("int64 INT64_MIN / -1", &n, &o, in, 2, 1, ONR_STATUS_INVALID_ARGUMENT);
    onr_tensor_free(&a), onr_tensor_free(&b), oh_node_free(&n);
}

/* One op on two 1-D tensors of `dtype` (elements of `size` bytes). */
static enum onr_status run_typed(int op, enum onr_dtype dtype, const void *av, const void *bv,
                                 int64_t count, struct onr_tensor *y)
{
    struct oh_node n;
    oh_node_init(&n, ops[op], "typed");
    const struct onr_shape s = mk(1, &count);
    struct onr_tensor a = {0}, b = {0};
    if (onr_tensor_alloc(&a, dtype, &s, NULL) || onr_tensor_alloc(&b, dtype, &s, NULL)) exit(2);
    memcpy(a.data, av, a.nbytes);
    memcpy(b.data, bv, b.nbytes);
    struct onr_tensor *in[2] = {&a, &b}, *out[1] = {y};
    struct oh_opts o = {.opset = 14, .const_mask = 0};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(&n, &o, in, 2, out, 1, &err);
    if (st == ONR_STATUS_OK) CHECK(y->dtype == dtype && y->nbytes == a.nbytes);
    onr_tensor_free(&a), onr_tensor_free(&b), oh_node_free(&n);
    return st;
}

/* The narrow integers wrap like two's-complement hardware; Div truncates
 * toward zero; int32 INT32_MIN / -1 and any division by zero fail at run;
 * float64 is computed in double. Expected values written out by hand. */
static void test_other_dtypes(void)
{
    static const uint8_t u8a[4] = {200, 7, 0, 255}, u8b[4] = {100, 2, 1, 255};
    static const uint8_t u8want[4][4] = {
        {44, 9, 1, 254}, {100, 5, 255, 0}, {32, 14, 0, 1}, {2, 3, 0, 1},
    };
    static const int8_t i8a[4] = {127, -7, -128, 100}, i8b[4] = {1, 2, -1, -3};
    static const int8_t i8want[4][4] = {
        {-128, -5, 127, 97}, {126, -9, -127, 103}, {127, -14, -128, -44}, {127, -3, -128, -33},
    };
    static const int32_t i32a[3] = {INT32_MAX, -9, 1 << 20}, i32b[3] = {1, 4, 1 << 12};
    static const int32_t i32want[4][3] = {
        {INT32_MIN, -5, (1 << 20) + (1 << 12)}, {INT32_MAX - 1, -13, (1 << 20) - (1 << 12)},
        {INT32_MAX, -36, 0}, {INT32_MAX, -2, 256},
    };
    static const double da[3] = {0.1, -3.0, 1e300}, db[3] = {0.2, 4.0, 1e-300};
    for (int op = 0; op < 4; op++) {
        struct onr_tensor y = {0};
        CHECK_STATUS(run_typed(op, ONR_DTYPE_UINT8, u8a, u8b, 4, &y), ONR_STATUS_OK);
        if (y.data != NULL) CHECK(memcmp(y.data, u8want[op], 4) == 0);
        onr_tensor_free(&y);
        CHECK_STATUS(run_typed(op, ONR_DTYPE_INT8, i8a, i8b, 4, &y), ONR_STATUS_OK);
        if (y.data != NULL) CHECK(memcmp(y.data, i8want[op], 4) == 0);
        onr_tensor_free(&y);
        CHECK_STATUS(run_typed(op, ONR_DTYPE_INT32, i32a, i32b, 3, &y), ONR_STATUS_OK);
        if (y.data != NULL) CHECK(memcmp(y.data, i32want[op], sizeof i32want[op]) == 0);
        onr_tensor_free(&y);
        CHECK_STATUS(run_typed(op, ONR_DTYPE_DOUBLE, da, db, 3, &y), ONR_STATUS_OK);
        if (y.data != NULL) {
            const double *v = y.data;
            for (int i = 0; i < 3; i++) {
                const double want = op == 0 ? da[i] + db[i] : op == 1 ? da[i] - db[i]
                                  : op == 2 ? da[i] * db[i] : da[i] / db[i];
                if (!(v[i] == want || (isinf(v[i]) && isinf(want)))) {
                    fprintf(stderr, "float64 %s [%d]: got %.17g want %.17g\n", ops[op], i,
                            v[i], want);
                    onr_test_failures++;
                }
            }
        }
        onr_tensor_free(&y);
    }
    struct onr_tensor y = {0};
    static const int32_t min32[1] = {INT32_MIN}, m1[1] = {-1};
    CHECK_STATUS(run_typed(3, ONR_DTYPE_INT32, min32, m1, 1, &y), ONR_STATUS_INVALID_ARGUMENT);
    onr_tensor_free(&y);
    static const uint8_t zero8[1] = {0};
    CHECK_STATUS(run_typed(3, ONR_DTYPE_UINT8, u8a, zero8, 1, &y), ONR_STATUS_INVALID_ARGUMENT);
    onr_tensor_free(&y);
    static const uint16_t u16a[2] = {65535, 3}, u16b[2] = {1, 0};
    CHECK_STATUS(run_typed(0, ONR_DTYPE_UINT16, u16a, u16b, 2, &y), ONR_STATUS_OK);
    if (y.data != NULL) CHECK(((uint16_t *)y.data)[0] == 0 && ((uint16_t *)y.data)[1] == 3);
    onr_tensor_free(&y);
    static const uint64_t u64a[1] = {UINT64_MAX}, u64b[1] = {2};
    CHECK_STATUS(run_typed(3, ONR_DTYPE_UINT64, u64a, u64b, 1, &y), ONR_STATUS_OK);
    if (y.data != NULL) CHECK(((uint64_t *)y.data)[0] == UINT64_MAX / 2);
    onr_tensor_free(&y);
}

/* Opset 6: B (3, 4) placed at axis 1 of A (2, 3, 4, 5); y = A + B. */
static void test_legacy(void)
{
    static const int64_t ad[4] = {2, 3, 4, 5}, bd[2] = {3, 4};
    struct oh_node n;
    oh_node_init(&n, "Add", "legacy_add");
    oh_attr_int(&n, "broadcast", 1);
    oh_attr_int(&n, "axis", 1);
    struct onr_tensor a, b, y = {0};
    oh_tensor_f32(&a, 4, ad, NULL);
    oh_tensor_f32(&b, 2, bd, NULL);
    onr_test_fill(a.data, 120, 3, -1, 1);
    onr_test_fill(b.data, 12, 4, -1, 1);
    struct onr_tensor *in[2] = {&a, &b}, *out[1] = {&y};
    struct oh_opts o = {.opset = 6};
    struct onr_error err = {{0}};
    CHECK_STATUS(oh_run(&n, &o, in, 2, out, 1, &err), ONR_STATUS_OK);
    if (y.data != NULL) {
        const float *as = a.data, *bs = b.data, *ys = y.data;
        int bad = 0;
        for (int i = 0; i < 120; i++)
            if (ys[i] != as[i] + bs[(i / 5) % 12]) bad++;
        CHECK(bad == 0);
    }
    onr_tensor_free(&y);
    oh_node_free(&n);
    /* Without broadcast=1 the shapes must be equal. */
    oh_node_init(&n, "Add", "legacy_no_bcast");
    oh_expect_error("opset 6 broadcast=0", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    /* Suffix alignment by default: (3, 4) does not end A's shape. */
    oh_node_init(&n, "Mul", "legacy_suffix");
    oh_attr_int(&n, "broadcast", 1);
    oh_expect_error("opset 6 suffix mismatch", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    onr_tensor_free(&a), onr_tensor_free(&b);
}

static void test_errors(void)
{
    static const int64_t ad[3] = {1, 3, 4}, bd[3] = {1, 5, 4};
    struct oh_node n;
    oh_node_init(&n, "Add", "add_bad");
    struct onr_tensor a, b, bi = {0};
    oh_tensor_f32(&a, 3, ad, NULL);
    oh_tensor_f32(&b, 3, bd, NULL);
    struct onr_tensor *in[2] = {&a, &b};
    struct oh_opts o = {.opset = 13};
    oh_expect_error("shapes do not broadcast", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    struct onr_shape s = mk(3, ad);
    CHECK_STATUS(onr_tensor_alloc(&bi, ONR_DTYPE_INT64, &s, NULL), ONR_STATUS_OK);
    in[1] = &bi;
    oh_expect_error("float32 + int64", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    struct onr_tensor ai = {0};
    CHECK_STATUS(onr_tensor_alloc(&ai, ONR_DTYPE_BOOL, &s, NULL), ONR_STATUS_OK);
    in[0] = in[1] = &ai;
    oh_expect_error("bool", &n, &o, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&a), onr_tensor_free(&b), onr_tensor_free(&bi), onr_tensor_free(&ai);
    oh_node_free(&n);
    CHECK(onr_op_find("Add", "", 18) == NULL);
    CHECK(onr_op_find("Div", "", 1) != NULL);
}

int main(void)
{
    test_broadcast_table();
    test_threads_bitwise();
    test_int64();
    test_other_dtypes();
    test_legacy();
    test_errors();
    printf("test_binary: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
