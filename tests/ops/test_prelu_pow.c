/* PRelu and Pow through their hooks. PRelu: per-channel (C,1,1), scalar,
 * full-shape and trailing slopes against x < 0 ? slope*x : x with numpy's
 * broadcast index; a slope that would grow X is SHAPE_MISMATCH. Pow: every
 * base/exponent dtype pair it accepts against pow() in double (exact for
 * integer pairs, including negative exponents), broadcasting both ways,
 * X's dtype kept; opset 11 refuses mixed dtypes. Both: empty tensors and 1
 * vs 2 vs 3 threads bitwise. */
#include <math.h>

#include "bcast_ref.h"

static void check_prelu(int rx, const int64_t *xd, int rs, const int64_t *sd, int threads,
                        struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "PRelu", "prelu");
    struct onr_tensor x, s, y;
    oh_tensor_f32(&x, rx, xd, NULL);
    oh_tensor_f32(&s, rs, sd, NULL);
    onr_test_fill(x.data, (size_t)onr_shape_numel(&x.shape), 5, -3, 3);
    onr_test_fill(s.data, (size_t)onr_shape_numel(&s.shape), 6, 0, 1);
    struct onr_tensor *in[2] = {&x, &s};
    if (br_run("PRelu", &n, 16, threads, 2u, in, 2, &y)) {
        CHECK(onr_shape_equal(&y.shape, &x.shape));
        const int64_t ny = onr_shape_numel(&y.shape);
        float *want = malloc((size_t)(ny ? ny : 1) * sizeof *want);
        for (int64_t i = 0; i < ny; i++) {
            const float v = ((float *)x.data)[i];
            const float a = ((float *)s.data)[br_index(&y.shape, &s.shape, i)];
            want[i] = v < 0 ? a * v : v;
        }
        CHECK(onr_test_bitwise("PRelu", y.data, want, (size_t)ny));
        free(want);
        if (keep) *keep = y;
        else onr_tensor_free(&y);
    }
    onr_tensor_free(&x), onr_tensor_free(&s), oh_node_free(&n);
}

static void prelu_tests(void)
{
    static const int64_t x[4] = {2, 3, 4, 5}, c11[3] = {3, 1, 1}, one[1] = {1}, w[1] = {5},
                         e[4] = {0, 3, 4, 5}, xb[4] = {1, 16, 48, 48}, cb[3] = {16, 1, 1};
    check_prelu(4, x, 3, c11, 1, NULL);
    check_prelu(4, x, 1, one, 1, NULL);
    check_prelu(4, x, 0, one, 1, NULL);
    check_prelu(4, x, 4, x, 1, NULL);
    check_prelu(4, x, 1, w, 1, NULL);
    check_prelu(4, e, 3, c11, 1, NULL);
    struct onr_tensor y[3] = {{0}};
    for (int t = 0; t < 3; t++) check_prelu(4, xb, 3, cb, t + 1, &y[t]);
    if (y[0].data && y[1].data && y[2].data) {
        br_same_bytes("PRelu 1 vs 2 threads", &y[0], &y[1]);
        br_same_bytes("PRelu 1 vs 3 threads", &y[0], &y[2]);
    }
    for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);
    struct oh_node n;
    oh_node_init(&n, "PRelu", "prelu_bad");
    static const int64_t c[1] = {3}, big[5] = {2, 2, 3, 4, 5};
    struct onr_tensor xt, st, it;
    oh_tensor_f32(&xt, 4, x, NULL);
    oh_tensor_f32(&st, 1, c, NULL);
    struct onr_tensor *in[2] = {&xt, &st};
    struct oh_opts o = {.opset = 9};
    oh_expect_error("slope (3) on (2,3,4,5)", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    onr_tensor_free(&st);
    oh_tensor_f32(&st, 5, big, NULL);
    oh_expect_error("slope larger than X", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    so_tensor(&it, ONR_DTYPE_INT64, 4, x, NULL);
    struct onr_tensor *ints[2] = {&it, &it};
    oh_expect_error("int64 PRelu", &n, &o, ints, 2, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&xt), onr_tensor_free(&st), onr_tensor_free(&it), oh_node_free(&n);
    /* Opset 6: a 1-D slope of C values is per channel. */
    static const int64_t x3[3] = {2, 3, 4};
    struct onr_tensor x6, s6, y6;
    oh_tensor_f32(&x6, 3, x3, NULL);
    oh_tensor_f32(&s6, 1, c, NULL);
    onr_test_fill(x6.data, 24, 8, -1, 1);
    onr_test_fill(s6.data, 3, 9, 0, 1);
    struct onr_tensor *in6[2] = {&x6, &s6};
    oh_node_init(&n, "PRelu", "prelu6");
    if (br_run("PRelu opset 6", &n, 6, 1, 2u, in6, 2, &y6)) {
        const float *xv = x6.data, *sv = s6.data, *yv = y6.data;
        int bad = 0;
        for (int i = 0; i < 24; i++) bad += yv[i] != (xv[i] < 0 ? sv[i / 4 % 3] * xv[i] : xv[i]);
        CHECK(bad == 0);
        onr_tensor_free(&y6);
    }
    oh_node_free(&n), onr_tensor_free(&x6), onr_tensor_free(&s6);
}

static bool is_int(enum onr_dtype t) { return t != ONR_DTYPE_FLOAT && t != ONR_DTYPE_DOUBLE; }

static double ipow_ref(double b, double e)
{
    if (e < 0) return b == 1 ? 1 : (b == -1 ? (fmod(e, 2) != 0 ? -1 : 1) : 0);
    double r = 1;
    for (int i = 0; i < (int)e; i++) r *= b;
    return r;
}

static void check_pow(enum onr_dtype xt, enum onr_dtype yt, int rx, const int64_t *xd, int ry,
                      const int64_t *yd, int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "Pow", "pow");
    struct onr_tensor x, e, z;
    const bool unsigned_exp = yt == ONR_DTYPE_UINT32 || yt == ONR_DTYPE_UINT64;
    br_tensor(&x, xt, rx, xd, 21, -4, 4);
    br_tensor(&e, yt, ry, yd, 22, unsigned_exp || (is_int(xt) && !is_int(yt)) ? 0 : -2, 5);
    if (!is_int(yt) && onr_shape_numel(&e.shape) > 0) br_set(&e, 0, 0.5); /* a fractional exponent */
    struct onr_tensor *in[2] = {&x, &e};
    char what[96];
    snprintf(what, sizeof what, "Pow %s ^ %s", onr_dtype_name(xt), onr_dtype_name(yt));
    if (br_run(what, &n, 15, threads, 0, in, 2, &z)) {
        CHECK(z.dtype == xt);
        const int64_t nz = onr_shape_numel(&z.shape);
        int bad = 0;
        for (int64_t i = 0; i < nz; i++) {
            const double b = br_get(&x, br_index(&z.shape, &x.shape, i));
            const double p = br_get(&e, br_index(&z.shape, &e.shape, i));
            double want = is_int(xt) && is_int(yt) ? ipow_ref(b, p) : pow(b, p);
            if (is_int(xt)) want = isnan(want) ? 0 : trunc(want);
            const double got = br_get(&z, i);
            if (isnan(want) ? !isnan(got) : fabs(got - want) > 1e-5 + 1e-5 * fabs(want)) {
                if (bad++ == 0)
                    fprintf(stderr, "%s: %g ^ %g = %g, expected %g\n", what, b, p, got, want);
            }
        }
        if (bad) onr_test_failures++;
        if (keep) *keep = z;
        else onr_tensor_free(&z);
    }
    onr_tensor_free(&x), onr_tensor_free(&e), oh_node_free(&n);
}

static void pow_tests(void)
{
    static const enum onr_dtype bases[] = {ONR_DTYPE_FLOAT, ONR_DTYPE_DOUBLE, ONR_DTYPE_INT32,
                                           ONR_DTYPE_INT64};
    static const enum onr_dtype exps[] = {ONR_DTYPE_FLOAT, ONR_DTYPE_DOUBLE, ONR_DTYPE_INT32,
                                          ONR_DTYPE_INT64, ONR_DTYPE_UINT32, ONR_DTYPE_UINT64};
    static const int64_t a[3] = {2, 3, 4}, b[1] = {4}, c[2] = {3, 1}, d[2] = {1, 5},
                         e[2] = {0, 4}, xb[2] = {64, 1031};
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
        for (size_t j = 0; j < sizeof exps / sizeof exps[0]; j++) {
            check_pow(bases[i], exps[j], 3, a, 1, b, 1, NULL);
            check_pow(bases[i], exps[j], 2, c, 2, d, 1, NULL);
            check_pow(bases[i], exps[j], 0, b, 3, a, 1, NULL);
        }
    check_pow(ONR_DTYPE_FLOAT, ONR_DTYPE_FLOAT, 2, e, 1, b, 1, NULL);
    struct onr_tensor z[3] = {{0}};
    static const int64_t one[1] = {1031};
    for (int t = 0; t < 3; t++)
        check_pow(ONR_DTYPE_FLOAT, ONR_DTYPE_FLOAT, 2, xb, 1, one, t + 1, &z[t]);
    if (z[0].data && z[1].data && z[2].data) {
        br_same_bytes("Pow 1 vs 2 threads", &z[0], &z[1]);
        br_same_bytes("Pow 1 vs 3 threads", &z[0], &z[2]);
    }
    for (int t = 0; t < 3; t++) onr_tensor_free(&z[t]);
    struct oh_node n;
    oh_node_init(&n, "Pow", "pow_bad");
    struct onr_tensor f, i64, u8;
    so_tensor(&f, ONR_DTYPE_FLOAT, 1, b, NULL);
    so_tensor(&i64, ONR_DTYPE_INT64, 1, b, NULL);
    so_tensor(&u8, ONR_DTYPE_UINT8, 1, b, NULL);
    struct onr_tensor *mixed[2] = {&f, &i64}, *bytes[2] = {&u8, &f}, *sh[2] = {&f, &f};
    struct oh_opts o11 = {.opset = 11}, o15 = {.opset = 15};
    oh_expect_error("mixed dtypes at opset 11", &n, &o11, mixed, 2, 1, ONR_STATUS_INVALID_MODEL);
    {
        /* Opset 6: no broadcast attribute means equal shapes only. */
        struct oh_opts o6 = {.opset = 6};
        struct onr_tensor p23, p3;
        static const int64_t s23[2] = {2, 3}, s3[1] = {3};
        so_tensor(&p23, ONR_DTYPE_FLOAT, 2, s23, NULL);
        so_tensor(&p3, ONR_DTYPE_FLOAT, 1, s3, NULL);
        struct onr_tensor *leg[2] = {&p23, &p3};
        oh_expect_error("opset 6 without broadcast", &n, &o6, leg, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
        onr_tensor_free(&p23), onr_tensor_free(&p3);
    }
    oh_expect_error("uint8 base", &n, &o15, bytes, 2, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&f);
    so_tensor(&f, ONR_DTYPE_FLOAT, 2, c, NULL);
    struct onr_tensor g;
    so_tensor(&g, ONR_DTYPE_FLOAT, 2, xb, NULL);
    sh[0] = &f, sh[1] = &g;
    oh_expect_error("shapes 3x1 and 64x1031", &n, &o15, sh, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    onr_tensor_free(&f), onr_tensor_free(&i64), onr_tensor_free(&u8), onr_tensor_free(&g);
    oh_node_free(&n);
}

int main(void)
{
    prelu_tests();
    pow_tests();
    printf("test_prelu_pow: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
