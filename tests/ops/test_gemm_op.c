/* Gemm and MatMul through their hooks: every transA/transB, C shape
 * (none, scalar, (N), (1, N), (M, 1), (M, N)), alpha and beta, constant and
 * computed B, M below and above the 6-row tile, against a double-precision
 * product written here (tolerance 1e-5 + 1e-4*|ref|); reference vs fast;
 * 1 vs 3 threads bitwise; MatMul with 1-D operands and broadcast batch dims;
 * shape and dtype errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

struct gemm_case {
    int64_t M, N, K;
    int ta, tb;
    int c_kind;              /* 0 none, 1 scalar, 2 (N), 3 (1,N), 4 (M,1), 5 (M,N) */
    float alpha, beta;
    bool b_const;
};

static float c_at(const struct gemm_case *g, const float *c, int64_t m, int64_t n)
{
    switch (g->c_kind) {
    case 1: return c[0];
    case 2: case 3: return c[n];
    case 4: return c[m];
    case 5: return c[m * g->N + n];
    default: return 0.0f;
    }
}

static enum onr_status run_gemm(const struct gemm_case *g, bool reference, int threads,
                                struct onr_tensor *y, float **ref_out)
{
    struct oh_node n;
    oh_node_init(&n, "Gemm", "fc");
    if (g->alpha != 1.0f) oh_attr_float(&n, "alpha", g->alpha);
    if (g->beta != 1.0f) oh_attr_float(&n, "beta", g->beta);
    if (g->ta) oh_attr_int(&n, "transA", 1);
    if (g->tb) oh_attr_int(&n, "transB", 1);
    const int64_t ad[2] = {g->ta ? g->K : g->M, g->ta ? g->M : g->K};
    const int64_t bd[2] = {g->tb ? g->N : g->K, g->tb ? g->K : g->N};
    static const int crank[6] = {0, 0, 1, 2, 2, 2};
    const int64_t cdims[6][2] = {{0}, {0}, {g->N}, {1, g->N}, {g->M, 1}, {g->M, g->N}};
    struct onr_tensor a, b, c;
    oh_tensor_f32(&a, 2, ad, NULL);
    oh_tensor_f32(&b, 2, bd, NULL);
    oh_tensor_f32(&c, crank[g->c_kind], cdims[g->c_kind], NULL);
    onr_test_fill(a.data, a.nbytes / 4, 1, -1, 1);
    onr_test_fill(b.data, b.nbytes / 4, 2, -1, 1);
    onr_test_fill(c.data, c.nbytes / 4, 3, -1, 1);
    struct onr_tensor *in[3] = {&a, &b, &c}, *out[1] = {y};
    memset(y, 0, sizeof *y);
    struct oh_opts o = {.opset = 13, .reference = reference, .threads = threads,
                        .const_mask = g->b_const ? 6u : 0u};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(&n, &o, in, g->c_kind ? 3 : 2, out, 1, &err);
    if (st != ONR_STATUS_OK) fprintf(stderr, "Gemm: %s %s\n", onr_status_name(st), err.message);
    if (ref_out != NULL) {
        float *ref = malloc((size_t)(g->M * g->N) * 4 + 4);
        const float *as = a.data, *bs = b.data;
        for (int64_t m = 0; m < g->M; m++)
            for (int64_t j = 0; j < g->N; j++) {
                double acc = 0;
                for (int64_t k = 0; k < g->K; k++)
                    acc += (double)as[g->ta ? k * g->M + m : m * g->K + k] *
                           bs[g->tb ? j * g->K + k : k * g->N + j];
                ref[m * g->N + j] = (float)(g->alpha * acc +
                                            (g->c_kind ? g->beta * c_at(g, c.data, m, j) : 0));
            }
        *ref_out = ref;
    }
    onr_tensor_free(&a), onr_tensor_free(&b), onr_tensor_free(&c), oh_node_free(&n);
    return st;
}

static void test_gemm(void)
{
    static const int64_t mnk[][3] = {{1, 1000, 64}, {1, 7, 5}, {2, 33, 17}, {5, 16, 9},
                                     {6, 17, 8}, {13, 40, 330}, {32, 10, 24}};
    int n_cases = 0;
    for (size_t s = 0; s < sizeof mnk / sizeof mnk[0]; s++)
        for (int t = 0; t < 4; t++)
            for (int c = 0; c < 6; c++) {
                const int ab = (int)(s + t + c) % 3;  /* 0: 1,1  1: 0.5,2  2: 1,0.25 */
                const struct gemm_case g = {
                    .M = mnk[s][0], .N = mnk[s][1], .K = mnk[s][2], .ta = t & 1, .tb = t >> 1,
                    .c_kind = c, .alpha = ab == 1 ? 0.5f : 1.0f,
                    .beta = ab == 1 ? 2.0f : ab == 2 ? 0.25f : 1.0f, .b_const = (s + c) % 2 == 0,
                };
                struct onr_tensor yr, yf, y3;
                float *ref = NULL;
                char what[96];
                snprintf(what, sizeof what, "Gemm M%lld N%lld K%lld tA%d tB%d C%d a%g b%g",
                         (long long)g.M, (long long)g.N, (long long)g.K, g.ta, g.tb, c,
                         g.alpha, g.beta);
                CHECK_STATUS(run_gemm(&g, true, 1, &yr, &ref), ONR_STATUS_OK);
                CHECK_STATUS(run_gemm(&g, false, 1, &yf, NULL), ONR_STATUS_OK);
                CHECK_STATUS(run_gemm(&g, false, 3, &y3, NULL), ONR_STATUS_OK);
                const size_t total = (size_t)(g.M * g.N);
                if (yr.data && yf.data && y3.data) {
                    CHECK(yr.shape.rank == 2 && yr.shape.dims[0] == g.M && yr.shape.dims[1] == g.N);
                    CHECK(onr_test_close(what, yr.data, ref, total, ONR_TEST_ATOL, ONR_TEST_RTOL));
                    CHECK(onr_test_close(what, yf.data, ref, total, ONR_TEST_ATOL, ONR_TEST_RTOL));
                    CHECK(onr_test_bitwise(what, y3.data, yf.data, total));
                }
                free(ref);
                onr_tensor_free(&yr), onr_tensor_free(&yf), onr_tensor_free(&y3);
                n_cases++;
            }
    CHECK(n_cases == 7 * 4 * 6);
}

/* MatMul on A (ra dims) and B (rb dims) with y of shape want. */
static void check_matmul(const char *what, int ra, const int64_t *ad, int rb, const int64_t *bd,
                         int ry, const int64_t *yd)
{
    struct oh_node n;
    oh_node_init(&n, "MatMul", "mm");
    struct onr_tensor a, b;
    oh_tensor_f32(&a, ra, ad, NULL);
    oh_tensor_f32(&b, rb, bd, NULL);
    onr_test_fill(a.data, a.nbytes / 4, 4, -1, 1);
    onr_test_fill(b.data, b.nbytes / 4, 5, -1, 1);
    const int64_t K = ad[ra - 1], M = ra > 1 ? ad[ra - 2] : 1, N = rb > 1 ? bd[rb - 1] : 1;
    struct onr_tensor *in[2] = {&a, &b};
    struct onr_tensor ys[3];
    for (int v = 0; v < 3; v++) {
        struct onr_tensor *out[1] = {&ys[v]};
        memset(&ys[v], 0, sizeof ys[v]);
        struct oh_opts o = {.opset = 13, .reference = v == 0, .threads = v == 2 ? 3 : 1};
        struct onr_error err = {{0}};
        enum onr_status st = oh_run(&n, &o, in, 2, out, 1, &err);
        if (st != ONR_STATUS_OK) {
            fprintf(stderr, "%s: %s %s\n", what, onr_status_name(st), err.message);
            onr_test_failures++;
        }
    }
    struct onr_shape want = {.rank = ry};
    for (int i = 0; i < ry; i++) want.dims[i] = yd[i];
    if (ys[0].data && ys[1].data && ys[2].data && onr_shape_equal(&ys[0].shape, &want)) {
        /* Reference: batch index -> broadcast batch offsets of A and B. */
        const int R = ry - (ra > 1) - (rb > 1);
        const int64_t batches = onr_shape_numel(&want) / (M * N);
        float *ref = malloc((size_t)(batches * M * N) * 4 + 4);
        const float *as = a.data, *bs = b.data;
        for (int64_t bi = 0; bi < batches; bi++) {
            int64_t oa = 0, ob = 0, r = bi, sa = M * K, sb = K * N;
            for (int d = R - 1; d >= 0; d--) {
                const int64_t idx = r % want.dims[d];
                r /= want.dims[d];
                const int ia = d - (R - (ra - 2)), ib = d - (R - (rb - 2));
                if (ia >= 0) { oa += (ad[ia] == 1 ? 0 : idx) * sa; sa *= ad[ia]; }
                if (ib >= 0) { ob += (bd[ib] == 1 ? 0 : idx) * sb; sb *= bd[ib]; }
            }
            for (int64_t m = 0; m < M; m++)
                for (int64_t j = 0; j < N; j++) {
                    double acc = 0;
                    for (int64_t k = 0; k < K; k++)
                        acc += (double)as[oa + m * K + k] * bs[ob + k * N + j];
                    ref[(bi * M + m) * N + j] = (float)acc;
                }
        }
        const size_t total = (size_t)(batches * M * N);
        CHECK(onr_test_close(what, ys[0].data, ref, total, ONR_TEST_ATOL, ONR_TEST_RTOL));
        CHECK(onr_test_close(what, ys[1].data, ref, total, ONR_TEST_ATOL, ONR_TEST_RTOL));
        CHECK(onr_test_bitwise(what, ys[2].data, ys[1].data, total));
        free(ref);
    } else {
        fprintf(stderr, "%s: no output or wrong shape\n", what);
        onr_test_failures++;
    }
    for (int v = 0; v < 3; v++) onr_tensor_free(&ys[v]);
    onr_tensor_free(&a), onr_tensor_free(&b), oh_node_free(&n);
}

static void test_matmul(void)
{
    {
        const int64_t a[2] = {4, 3}, b[2] = {3, 5}, y[2] = {4, 5};
        check_matmul("2-D small", 2, a, 2, b, 2, y);
    }
    {
        const int64_t a[2] = {50, 70}, b[2] = {70, 30}, y[2] = {50, 30};
        check_matmul("2-D tiled", 2, a, 2, b, 2, y);
    }
    {
        const int64_t a[1] = {7}, b[2] = {7, 9}, y[1] = {9};
        check_matmul("1-D A", 1, a, 2, b, 1, y);
    }
    {
        const int64_t a[3] = {2, 6, 7}, b[1] = {7}, y[2] = {2, 6};
        check_matmul("1-D B", 3, a, 1, b, 2, y);
    }
    {
        const int64_t a[1] = {7}, b[1] = {7};
        check_matmul("1-D both", 1, a, 1, b, 0, a);
    }
    {
        const int64_t a[4] = {2, 1, 8, 5}, b[3] = {3, 5, 9}, y[4] = {2, 3, 8, 9};
        check_matmul("batch broadcast", 4, a, 3, b, 4, y);
    }
    {
        const int64_t a[3] = {3, 12, 20}, b[2] = {20, 17}, y[3] = {3, 12, 17};
        check_matmul("batched A, 2-D B", 3, a, 2, b, 3, y);
    }
}

static void test_errors(void)
{
    struct oh_node n;
    oh_node_init(&n, "Gemm", "fc_bad");
    const int64_t ad[2] = {2, 3}, bd[2] = {4, 5}, cd[2] = {3, 5}, a3[3] = {1, 2, 3};
    struct onr_tensor a, b, c, x3;
    oh_tensor_f32(&a, 2, ad, NULL);
    oh_tensor_f32(&b, 2, bd, NULL);
    oh_tensor_f32(&c, 2, cd, NULL);
    oh_tensor_f32(&x3, 3, a3, NULL);
    struct onr_tensor *in[3] = {&a, &b, &c};
    struct oh_opts o = {.opset = 13};
    oh_expect_error("Gemm inner dims", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    in[0] = &x3;
    oh_expect_error("Gemm rank 3 A", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    oh_node_init(&n, "Gemm", "fc_bad_c");
    oh_attr_int(&n, "transB", 0);
    const int64_t bd2[2] = {3, 5};
    struct onr_tensor b2;
    oh_tensor_f32(&b2, 2, bd2, NULL);
    in[0] = &a;
    in[1] = &b2;
    oh_expect_error("Gemm C (3, 5) for (2, 5)", &n, &o, in, 3, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    oh_node_init(&n, "MatMul", "mm_bad");
    in[1] = &b;
    oh_expect_error("MatMul inner dims", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    struct onr_tensor ai = {0};
    struct onr_shape s = {.rank = 2, .dims = {2, 3}};
    CHECK_STATUS(onr_tensor_alloc(&ai, ONR_DTYPE_INT64, &s, NULL), ONR_STATUS_OK);
    in[0] = &ai;
    in[1] = &b2;
    oh_expect_error("MatMul int64", &n, &o, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    onr_tensor_free(&a), onr_tensor_free(&b), onr_tensor_free(&c), onr_tensor_free(&x3);
    onr_tensor_free(&b2), onr_tensor_free(&ai);
}

int main(void)
{
    test_gemm();
    test_matmul();
    test_errors();
    printf("test_gemm_op: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
