/* GEMM kernels: the oracle on a hand-computed case, then every entry of
 * onr_gemm_kernels (those of the run's ISA, kernel_isa.h) against it over sizes around the 6x16 and 12x32 tiles and the K-block, every bias
 * mode, activation and residual, with padded row strides (padding must stay
 * untouched), and bitwise identity across 1, 2 and 3 threads. */
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/gemm.h"
#include "kernel_isa.h"
#include "testutil.h"

/* Every variant is an entry of onr_gemm_kernels (all read packed A). */
typedef struct onr_gemm_kernel variant_t;
#define N_VARIANTS onr_gemm_kernels_count
#define VARIANT(v) (&onr_gemm_kernels[v])

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},     {ONR_ACT_RELU, 0.0f, 0.0f},
    {ONR_ACT_CLIP, -0.25f, 0.5f},   {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f},
    {ONR_ACT_HARDSWISH, 0.0f, 0.0f},
    {ONR_ACT_SIGMOID, 0.0f, 0.0f},
    {ONR_ACT_SILU, 0.0f, 0.0f},
};
static const char *act_names[] = {"none",      "relu",    "clip", "hardsigmoid",
                                  "hardswish", "sigmoid", "silu"};
#define N_ACTS (int)(sizeof(acts) / sizeof(acts[0]))
static const char *bias_names[] = {"none", "row", "col"};

static const int64_t dims[] = {1,  2,  3,  5,  7,  8,  9,  11, 12, 13, 15, 16, 17, 20, 23,
                               24, 25, 31, 33, 36, 37, 47, 48, 49, 64, 65, 100, 257};
#define N_DIMS (int)(sizeof(dims) / sizeof(dims[0]))

#define Y_SENTINEL 12345.0f

struct problem {
    struct onr_gemm_shape s;
    float *a, *packed, *b, *bias, *res, *ws;
    float *yref;
    int act;
};

static void *xalloc(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* Builds inputs and the reference output; pad > 0 widens ldb and ldy. */
static void problem_make(struct problem *p, int64_t M, int64_t N, int64_t K, int64_t pad,
                         enum onr_gemm_bias bias_mode, int act, bool residual,
                         uint64_t seed)
{
    memset(p, 0, sizeof(*p));
    p->s = (struct onr_gemm_shape){M, N, K, N + pad, N + 3 * pad, bias_mode};
    p->act = act;
    p->a = xalloc((size_t)(M * K) * sizeof(float));
    p->packed = xalloc(onr_gemm_f32_packed_a_size(M, K));
    p->b = xalloc((size_t)(K * p->s.ldb) * sizeof(float));
    p->ws = xalloc(onr_gemm_f32_workspace_size(M, N, K, 3));
    p->yref = xalloc((size_t)(M * p->s.ldy) * sizeof(float));
    onr_test_fill(p->a, (size_t)(M * K), seed, -1.0f, 1.0f);
    onr_test_fill(p->b, (size_t)(K * p->s.ldb), seed + 1, -1.0f, 1.0f);
    onr_gemm_f32_pack_a(M, K, p->a, K, false, p->packed);
    if (bias_mode != ONR_GEMM_BIAS_NONE) {
        int64_t n = bias_mode == ONR_GEMM_BIAS_ROW ? M : N;
        p->bias = xalloc((size_t)n * sizeof(float));
        onr_test_fill(p->bias, (size_t)n, seed + 2, -1.0f, 1.0f);
    }
    if (residual) {
        p->res = xalloc((size_t)(M * p->s.ldy) * sizeof(float));
        onr_test_fill(p->res, (size_t)(M * p->s.ldy), seed + 3, -1.0f, 1.0f);
    }
    for (int64_t i = 0; i < M * p->s.ldy; i++) p->yref[i] = Y_SENTINEL;
    onr_gemm_f32__ref(&p->s, p->a, p->b, p->bias, p->res, &acts[act], p->yref, NULL, 1);
}

static void problem_free(struct problem *p)
{
    free(p->a), free(p->packed), free(p->b), free(p->bias), free(p->res), free(p->ws);
    free(p->yref);
}

static float *run_variant(const struct problem *p, const variant_t *v, int threads)
{
    float *y = xalloc((size_t)(p->s.M * p->s.ldy) * sizeof(float));
    for (int64_t i = 0; i < p->s.M * p->s.ldy; i++) y[i] = Y_SENTINEL;
    v->fn(&p->s, p->packed, p->b, p->bias, p->res, &acts[p->act], y, p->ws, threads);
    return y;
}

static void describe(char *buf, size_t size, const char *vname, const struct problem *p,
                     int threads)
{
    snprintf(buf, size, "gemm %s M=%lld N=%lld K=%lld ldb=%lld ldy=%lld bias=%s act=%s res=%d threads=%d",
             vname, (long long)p->s.M, (long long)p->s.N, (long long)p->s.K,
             (long long)p->s.ldb, (long long)p->s.ldy, bias_names[p->s.bias_mode],
             act_names[p->act], p->res != NULL, threads);
}

/* Every variant against the oracle; padding columns of y must stay put. */
static void check_case(int64_t M, int64_t N, int64_t K, int64_t pad, int bias_mode, int act,
                       bool residual, int threads)
{
    struct problem p;
    problem_make(&p, M, N, K, pad, (enum onr_gemm_bias)bias_mode, act, residual,
                 (uint64_t)(M * 7919 + N * 104729 + K * 31 + bias_mode * 3 + act));
    for (int v = 0; v < N_VARIANTS; v++) {
        if (!kt_runs(VARIANT(v)->isa)) continue;
        char what[256];
        describe(what, sizeof(what), VARIANT(v)->name, &p, threads);
        float *y = run_variant(&p, VARIANT(v), threads);
        if (!onr_test_close(what, y, p.yref, (size_t)(M * p.s.ldy), ONR_TEST_ATOL, ONR_TEST_RTOL))
            onr_test_failures++;
        free(y);
    }
    problem_free(&p);
}

/* 2x3 * 3x2 by hand: the oracle itself, with row bias and Relu. */
static void test_ref_by_hand(void)
{
    const float a[] = {1, 2, 3, -1, 0, 1};
    const float b[] = {1, 0, 0, 1, 2, -3};
    const float bias[] = {0.5f, -1.0f};
    const float want[] = {7.5f, 0.0f, 0.0f, 0.0f};   /* [7.5, -6.5], [0, -4] +bias */
    float y[4];
    struct onr_gemm_shape s = {2, 2, 3, 2, 2, ONR_GEMM_BIAS_ROW};
    struct onr_activation relu = {ONR_ACT_RELU, 0, 0};
    onr_gemm_f32__ref(&s, a, b, bias, NULL, &relu, y, NULL, 1);
    CHECK(onr_test_bitwise("gemm ref by hand", y, want, 4));
}

/* Transposed packing equals packing the transpose. */
static void test_pack_trans(void)
{
    const int64_t M = 13, K = 7;
    float a[13 * 7], at[7 * 13];
    onr_test_fill(a, (size_t)(M * K), 5, -1.0f, 1.0f);
    for (int64_t m = 0; m < M; m++)
        for (int64_t k = 0; k < K; k++) at[k * M + m] = a[m * K + k];
    size_t bytes = onr_gemm_f32_packed_a_size(M, K);
    float *p1 = xalloc(bytes), *p2 = xalloc(bytes);
    onr_gemm_f32_pack_a(M, K, a, K, false, p1);
    onr_gemm_f32_pack_a(M, K, at, M, true, p2);
    CHECK(onr_test_bitwise("gemm pack_a trans", p1, p2, bytes / sizeof(float)));
    free(p1), free(p2);
    CHECK(onr_gemm_f32_packed_a_size(0, 5) == 0);
    CHECK(onr_gemm_f32_packed_a_size(INT64_MAX / 2, INT64_MAX / 2) == 0);
    CHECK(onr_gemm_f32_workspace_size(4, 4, 4, 0) == 0);
}

/* Same bits for 1, 2 and 3 threads, whatever tiling each picks. */
static void check_threads(int64_t M, int64_t N, int64_t K, int bias_mode, int act, bool res)
{
    struct problem p;
    problem_make(&p, M, N, K, 0, (enum onr_gemm_bias)bias_mode, act, res, (uint64_t)(M + N + K));
    for (int v = 0; v < N_VARIANTS; v++) {
        if (!kt_runs(VARIANT(v)->isa)) continue;
        float *y1 = run_variant(&p, VARIANT(v), 1);
        for (int t = 2; t <= 3; t++) {
            char what[256];
            describe(what, sizeof(what), VARIANT(v)->name, &p, t);
            float *yt = run_variant(&p, VARIANT(v), t);
            if (!onr_test_bitwise(what, yt, y1, (size_t)(M * p.s.ldy))) onr_test_failures++;
            free(yt);
        }
        free(y1);
    }
    problem_free(&p);
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_gemm");
    if (rc >= 0) return rc;
    if (kt_runs(ONR_ISA_PORTABLE)) {
        test_ref_by_hand();
        test_pack_trans();
    }

    /* Every M x N pair, K from the same list, modes cycling over the cases. */
    int c = 0;
    for (int i = 0; i < N_DIMS; i++)
        for (int j = 0; j < N_DIMS; j++, c++)
            check_case(dims[i], dims[j], dims[(i + 2 * j) % N_DIMS], c % 4 == 3 ? 5 : 0, c % 3,
                       (c / 3) % N_ACTS, (c / 21) % 2, 1 + c % 2);
    /* Every K, including several K-blocks, with a few M x N. */
    const int64_t ks[] = {321, 400, 641, 700};
    for (int i = 0; i < N_DIMS + 4; i++) {
        int64_t K = i < N_DIMS ? dims[i] : ks[i - N_DIMS];
        check_case(7, 33, K, 0, i % 3, i % N_ACTS, i % 2, 1);
        check_case(17, 49, K, 3, (i + 1) % 3, (i + 2) % N_ACTS, (i + 1) % 2, 2);
    }
    /* Every bias x activation x residual combination on two shapes. */
    for (int bm = 0; bm < 3; bm++)
        for (int a = 0; a < N_ACTS; a++)
            for (int r = 0; r < 2; r++) {
                check_case(23, 25, 17, 2, bm, a, r, 2);
                check_case(13, 47, 333, 0, bm, a, r, 3);
            }
    /* Last 1-4 columns of a 16-column group (the rows-in-lanes path), rows
     * that leave part of its 4 panels empty, several K-blocks. */
    check_case(50, 196, 700, 0, 1, 2, 1, 2);
    check_case(29, 51, 333, 3, 2, 5, 0, 1);
    check_case(7, 18, 641, 0, 0, 1, 1, 2);
    check_case(97, 49, 321, 1, 1, 3, 1, 3);
    /* Thread splits over N, over M, and with several K-blocks. */
    check_threads(1280, 49, 320, 1, 2, false);
    check_threads(16, 12544, 96, 0, 1, true);
    check_threads(64, 4096, 32, 2, 4, false);
    check_threads(100, 257, 700, 1, 3, true);
    check_threads(5, 3, 9, 2, 0, true);
    check_threads(40, 197, 24, 1, 5, true);    /* sigmoid, narrow last columns */
    check_threads(101, 196, 400, 1, 2, true);  /* 4 narrow columns, 2 K-blocks */
    check_threads(30, 99, 40, 2, 6, false);    /* silu */

    if (onr_test_failures != 0) fprintf(stderr, "test_gemm: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
