/* The elementwise activations through their hooks: every op against a
 * double-precision formula written here (tolerance 1e-5 + 1e-4*|ref|),
 * attribute defaults and values, Clip in its three opset forms (attributes,
 * inputs, omitted inputs, min > max), 1 vs 3 threads bitwise on a large
 * tensor, and the error paths (int input, non-scalar bound, opset limits). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

/* The formula of each op in double; p0, p1 are its attributes or bounds. */
static double formula(const char *op, double v, double p0, double p1)
{
    if (!strcmp(op, "Sigmoid")) return 1.0 / (1.0 + exp(-v));
    if (!strcmp(op, "HardSigmoid")) return fmax(0.0, fmin(1.0, p0 * v + p1));
    if (!strcmp(op, "HardSwish")) return v * fmax(0.0, fmin(1.0, (v + 3.0) / 6.0));
    if (!strcmp(op, "LeakyRelu")) return v >= 0 ? v : p0 * v;
    if (!strcmp(op, "Tanh")) return tanh(v);
    if (!strcmp(op, "Exp")) return exp(v);
    if (!strcmp(op, "Sqrt")) return sqrt(v);
    if (!strcmp(op, "Neg")) return -v;
    if (!strcmp(op, "Abs")) return fabs(v);
    if (!strcmp(op, "Erf")) return erf(v);
    if (!strcmp(op, "Clip")) return p0 > p1 ? p1 : fmin(p1, fmax(p0, v));
    return NAN;
}

struct act_case {
    const char *op;
    int64_t opset;
    int n_attrs;                 /* 0, 1 (alpha or min) or 2 (alpha, beta or min, max) */
    const char *attr0, *attr1;
    float p0, p1;                /* attribute values, or the defaults when n_attrs = 0 */
    float lo, hi;                /* input range */
};

static void run_case(const struct act_case *c, int rank, const int64_t *dims, int threads,
                     struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, c->op, "act_1");
    if (c->n_attrs > 0) oh_attr_float(&n, c->attr0, c->p0);
    if (c->n_attrs > 1) oh_attr_float(&n, c->attr1, c->p1);
    struct onr_tensor x, y = {0};
    oh_tensor_f32(&x, rank, dims, NULL);
    const size_t total = x.nbytes / 4;
    onr_test_fill(x.data, total, 7, c->lo, c->hi);
    struct onr_tensor *in[1] = {&x}, *out[1] = {&y};
    struct oh_opts o = {.opset = c->opset, .threads = threads};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(&n, &o, in, 1, out, 1, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s opset %lld: %s %s\n", c->op, (long long)c->opset,
                onr_status_name(st), err.message);
        onr_test_failures++;
    } else {
        float *ref = malloc(total * sizeof *ref + 1);
        const float *xs = x.data;
        for (size_t i = 0; i < total; i++) ref[i] = (float)formula(c->op, xs[i], c->p0, c->p1);
        char what[64];
        snprintf(what, sizeof what, "%s opset %lld", c->op, (long long)c->opset);
        CHECK(onr_shape_equal(&y.shape, &x.shape));
        CHECK(onr_test_close(what, y.data, ref, total, ONR_TEST_ATOL, ONR_TEST_RTOL));
        free(ref);
    }
    if (keep != NULL) *keep = y;
    else onr_tensor_free(&y);
    onr_tensor_free(&x), oh_node_free(&n);
}

static const struct act_case cases[] = {
    {"Sigmoid", 13, 0, NULL, NULL, 0, 0, -20, 20},
    {"Sigmoid", 6, 0, NULL, NULL, 0, 0, -100, 100},
    {"HardSigmoid", 6, 0, NULL, NULL, 0.2f, 0.5f, -5, 5},
    {"HardSigmoid", 6, 2, "alpha", "beta", 0.5f, 0.25f, -5, 5},
    {"HardSwish", 14, 0, NULL, NULL, 0, 0, -6, 6},
    {"LeakyRelu", 6, 0, NULL, NULL, 0.01f, 0, -3, 3},
    {"LeakyRelu", 16, 1, "alpha", NULL, 0.3f, 0, -3, 3},
    {"Tanh", 13, 0, NULL, NULL, 0, 0, -5, 5},
    {"Exp", 13, 0, NULL, NULL, 0, 0, -10, 10},
    {"Sqrt", 13, 0, NULL, NULL, 0, 0, 0, 100},
    {"Neg", 13, 0, NULL, NULL, 0, 0, -5, 5},
    {"Abs", 13, 0, NULL, NULL, 0, 0, -5, 5},
    {"Erf", 13, 0, NULL, NULL, 0, 0, -3, 3},
    {"Clip", 6, 2, "min", "max", 0.0f, 6.0f, -10, 10},
    {"Clip", 1, 1, "min", NULL, -0.5f, INFINITY, -2, 2},
    {"Clip", 10, 0, NULL, NULL, -INFINITY, INFINITY, -2, 2},
};

/* Clip 11+: bounds as inputs; either may be omitted (NULL). */
static void clip_inputs(const char *what, const float *lo, const float *hi, int64_t opset)
{
    static const int64_t dims[2] = {7, 9};
    struct oh_node n;
    oh_node_init(&n, "Clip", "clip_in");
    struct onr_tensor x, tlo, thi, y = {0};
    oh_tensor_f32(&x, 2, dims, NULL);
    onr_test_fill(x.data, 63, 11, -8, 8);
    oh_tensor_f32(&tlo, 0, dims, lo);
    oh_tensor_f32(&thi, 0, dims, hi);
    struct onr_tensor *in[3] = {&x, lo ? &tlo : NULL, hi ? &thi : NULL}, *out[1] = {&y};
    const int n_x = hi ? 3 : lo ? 2 : 1;
    struct oh_opts o = {.opset = opset, .const_mask = lo ? 2 : 0};
    struct onr_error err = {{0}};
    CHECK_STATUS(oh_run(&n, &o, in, n_x, out, 1, &err), ONR_STATUS_OK);
    if (y.data != NULL) {
        float ref[63];
        const float *xs = x.data;
        for (int i = 0; i < 63; i++)
            ref[i] = (float)formula("Clip", xs[i], lo ? *lo : -INFINITY, hi ? *hi : INFINITY);
        CHECK(onr_test_bitwise(what, y.data, ref, 63));
    }
    onr_tensor_free(&x), onr_tensor_free(&tlo), onr_tensor_free(&thi), onr_tensor_free(&y);
    oh_node_free(&n);
}

/* One op on a 1-D integer tensor x (count elements of dtype), with optional
 * scalar bounds of the same dtype; y checked against want byte for byte. */
static void int_case(const char *what, const char *op, enum onr_dtype dtype, const void *x,
                     const void *lo, const void *hi, const void *want, int64_t count)
{
    struct oh_node n;
    oh_node_init(&n, op, what);
    const struct onr_shape s = {.rank = 1, .dims = {count}}, scalar = {.rank = 0};
    struct onr_tensor tx = {0}, tlo = {0}, thi = {0}, y = {0};
    CHECK_STATUS(onr_tensor_alloc(&tx, dtype, &s, NULL), ONR_STATUS_OK);
    CHECK_STATUS(onr_tensor_alloc(&tlo, dtype, &scalar, NULL), ONR_STATUS_OK);
    CHECK_STATUS(onr_tensor_alloc(&thi, dtype, &scalar, NULL), ONR_STATUS_OK);
    memcpy(tx.data, x, tx.nbytes);
    if (lo != NULL) memcpy(tlo.data, lo, tlo.nbytes);
    if (hi != NULL) memcpy(thi.data, hi, thi.nbytes);
    struct onr_tensor *in[3] = {&tx, lo ? &tlo : NULL, hi ? &thi : NULL}, *out[1] = {&y};
    const int n_in = strcmp(op, "Clip") == 0 ? 3 : 1;
    struct oh_opts o = {.opset = 13};
    struct onr_error err = {{0}};
    CHECK_STATUS(oh_run(&n, &o, in, n_in, out, 1, &err), ONR_STATUS_OK);
    if (y.data != NULL && (y.dtype != dtype || memcmp(y.data, want, tx.nbytes) != 0)) {
        fprintf(stderr, "%s: wrong output\n", what);
        onr_test_failures++;
    }
    onr_tensor_free(&tx), onr_tensor_free(&tlo), onr_tensor_free(&thi), onr_tensor_free(&y);
    oh_node_free(&n);
}

/* Clip, Neg, Abs on integers; values written out by hand. The most
 * negative value negates to itself (two's complement). */
static void test_integers(void)
{
    static const int8_t i8[5] = {-128, -5, 0, 7, 127}, i8lo = -6, i8hi = 6;
    static const int8_t i8clip[5] = {-6, -5, 0, 6, 6}, i8clip_lo[5] = {-6, -5, 0, 7, 127};
    static const int8_t i8neg[5] = {-128, 5, 0, -7, -127}, i8abs[5] = {-128, 5, 0, 7, 127};
    int_case("int8 Clip", "Clip", ONR_DTYPE_INT8, i8, &i8lo, &i8hi, i8clip, 5);
    int_case("int8 Clip min only", "Clip", ONR_DTYPE_INT8, i8, &i8lo, NULL, i8clip_lo, 5);
    int_case("int8 Neg", "Neg", ONR_DTYPE_INT8, i8, NULL, NULL, i8neg, 5);
    int_case("int8 Abs", "Abs", ONR_DTYPE_INT8, i8, NULL, NULL, i8abs, 5);
    static const uint8_t u8[4] = {0, 9, 200, 255}, u8hi = 100, u8clip[4] = {0, 9, 100, 100};
    int_case("uint8 Clip max only", "Clip", ONR_DTYPE_UINT8, u8, NULL, &u8hi, u8clip, 4);
    int_case("uint8 Abs", "Abs", ONR_DTYPE_UINT8, u8, NULL, NULL, u8, 4);
    static const int32_t i32[3] = {INT32_MIN, -3, 3}, i32neg[3] = {INT32_MIN, 3, -3};
    int_case("int32 Neg", "Neg", ONR_DTYPE_INT32, i32, NULL, NULL, i32neg, 3);
    static const int64_t i64[3] = {INT64_MIN + 1, -3, 3}, i64abs[3] = {INT64_MAX, 3, 3};
    static const int64_t lo64 = 0, hi64 = 2, i64clip[3] = {0, 0, 2};
    int_case("int64 Abs", "Abs", ONR_DTYPE_INT64, i64, NULL, NULL, i64abs, 3);
    int_case("int64 Clip min > max gives max", "Clip", ONR_DTYPE_INT64, i64, &hi64, &lo64,
             (const int64_t[3]){0, 0, 0}, 3);
    int_case("int64 Clip", "Clip", ONR_DTYPE_INT64, i64, &lo64, &hi64, i64clip, 3);
    /* Neg takes signed integers only; bounds must have x's dtype. */
    struct oh_node n;
    oh_node_init(&n, "Neg", "neg_uint8");
    struct onr_tensor x = {0}, bound = {0};
    const struct onr_shape s = {.rank = 1, .dims = {4}}, scalar = {.rank = 0};
    CHECK_STATUS(onr_tensor_alloc(&x, ONR_DTYPE_UINT8, &s, NULL), ONR_STATUS_OK);
    CHECK_STATUS(onr_tensor_alloc(&bound, ONR_DTYPE_INT8, &scalar, NULL), ONR_STATUS_OK);
    struct onr_tensor *in[3] = {&x, &bound, NULL};
    struct oh_opts o = {.opset = 13};
    oh_expect_error("uint8 Neg", &n, &o, in, 1, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Clip", "clip_mixed");
    oh_expect_error("uint8 Clip with an int8 min", &n, &o, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&bound);
}

static void test_errors(void)
{
    static const int64_t dims[1] = {4}, two[1] = {2};
    struct oh_node n;
    oh_node_init(&n, "Sigmoid", "sig_int");
    struct onr_tensor xi = {0}, x, b;
    struct onr_shape s = {.rank = 1, .dims = {4}};
    CHECK_STATUS(onr_tensor_alloc(&xi, ONR_DTYPE_INT64, &s, NULL), ONR_STATUS_OK);
    struct onr_tensor *in[2] = {&xi, NULL};
    struct oh_opts o = {.opset = 13};
    oh_expect_error("int64 Sigmoid", &n, &o, in, 1, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Clip", "clip_vec");
    oh_tensor_f32(&x, 1, dims, NULL);
    oh_tensor_f32(&b, 1, two, NULL);
    in[0] = &x;
    in[1] = &b;
    oh_expect_error("Clip min of 2 values", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    onr_tensor_free(&xi), onr_tensor_free(&x), onr_tensor_free(&b), oh_node_free(&n);
    CHECK(onr_op_find("HardSwish", "", 13) == NULL);
    CHECK(onr_op_find("HardSwish", "", 14) != NULL);
    CHECK(onr_op_find("Clip", "", 10)->max_inputs == 1);
    CHECK(onr_op_find("Clip", "", 11)->max_inputs == 3);
    CHECK(onr_op_find("Sigmoid", "", 18) == NULL);
}

int main(void)
{
    static const int64_t small[3] = {3, 5, 7}, big[4] = {1, 16, 64, 64};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], 3, small, 1, NULL);
        struct onr_tensor y1, y3;
        run_case(&cases[i], 4, big, 1, &y1);
        run_case(&cases[i], 4, big, 3, &y3);
        if (y1.data && y3.data) CHECK(onr_test_bitwise(cases[i].op, y1.data, y3.data, y1.nbytes / 4));
        onr_tensor_free(&y1), onr_tensor_free(&y3);
    }
    const float zero = 0.0f, six = 6.0f, minus1 = -1.0f, two = 2.0f;
    clip_inputs("Clip 11 [0, 6]", &zero, &six, 11);
    clip_inputs("Clip 13 min only", &minus1, NULL, 13);
    clip_inputs("Clip 12 max only", NULL, &two, 12);
    clip_inputs("Clip 13 no bounds", NULL, NULL, 13);
    clip_inputs("Clip 17 min > max gives max", &six, &two, 17);
    test_integers();
    test_errors();
    printf("test_activation: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
