/* Transpose through its hooks against a per-element reference: all 24
 * permutations of a rank-4 tensor, the default (reversed) perm, ShuffleNet's
 * channel shuffle (N, g, C/g, H, W) -> (N, C/g, g, H, W) at sizes that take
 * the threaded path (1 and 4 threads must agree bitwise), int64 and uint8
 * data, size-1 and zero dims; bad perms rejected naming the node. */
#include "shapeops_util.h"

/* y[i] = x[sum(idx_d * xstride[perm[d]])] by walking y's multi-index. */
static void reference(const struct onr_tensor *x, const int64_t *perm, char *y)
{
    const int r = x->shape.rank;
    const size_t elem = onr_dtype_size(x->dtype);
    int64_t xs[ONR_MAX_RANK], yd[ONR_MAX_RANK], idx[ONR_MAX_RANK] = {0};
    int64_t s = 1;
    for (int d = r - 1; d >= 0; d--) xs[d] = s, s *= x->shape.dims[d];
    for (int d = 0; d < r; d++) yd[d] = x->shape.dims[perm[d]];
    const int64_t n = onr_shape_numel(&x->shape);
    for (int64_t i = 0; i < n; i++) {
        int64_t off = 0;
        for (int d = 0; d < r; d++) off += idx[d] * xs[perm[d]];
        memcpy(y + (size_t)i * elem, (const char *)x->data + (size_t)off * elem, elem);
        for (int d = r - 1; d >= 0 && ++idx[d] == yd[d]; d--) idx[d] = 0;
    }
}

static void check(const char *what, enum onr_dtype dtype, int rank, const int64_t *dims,
                  const int64_t *perm, bool set_perm, int threads)
{
    struct onr_tensor x, y = {0};
    so_tensor(&x, dtype, rank, dims, NULL);
    if (dtype == ONR_DTYPE_UINT8) {
        for (size_t i = 0; i < x.nbytes; i++) ((uint8_t *)x.data)[i] = (uint8_t)(i * 37 + 11);
    } else {
        so_iota(&x, -7);
    }
    struct oh_node n;
    oh_node_init(&n, "Transpose", "transpose_1");
    if (set_perm) oh_attr_ints(&n, "perm", perm, (size_t)rank);
    int64_t rev[ONR_MAX_RANK], yd[ONR_MAX_RANK];
    for (int d = 0; d < rank; d++) rev[d] = rank - 1 - d;
    const int64_t *p = set_perm ? perm : rev;
    for (int d = 0; d < rank; d++) yd[d] = dims[p[d]];
    struct onr_tensor *in[1] = {&x}, *out[1] = {&y};
    struct oh_opts o = {.opset = 13, .threads = threads};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(&n, &o, in, 1, out, 1, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s\n", what, err.message);
        onr_test_failures++;
    } else {
        char *ref = malloc(x.nbytes + 1);
        reference(&x, p, ref);
        so_expect(what, &y, dtype, rank, yd, ref);
        free(ref);
    }
    onr_tensor_free(&y), onr_tensor_free(&x), oh_node_free(&n);
}

static void test_all_perms(void)
{
    const int64_t dims[4] = {2, 3, 4, 5};
    int64_t perm[4];
    int count = 0;
    for (perm[0] = 0; perm[0] < 4; perm[0]++)
        for (perm[1] = 0; perm[1] < 4; perm[1]++)
            for (perm[2] = 0; perm[2] < 4; perm[2]++) {
                perm[3] = 6 - perm[0] - perm[1] - perm[2];
                if (perm[0] == perm[1] || perm[0] == perm[2] || perm[1] == perm[2] || perm[3] < 0 ||
                    perm[3] > 3 || perm[3] == perm[0] || perm[3] == perm[1] || perm[3] == perm[2])
                    continue;
                char what[64];
                snprintf(what, sizeof what, "perm %lld%lld%lld%lld", (long long)perm[0],
                         (long long)perm[1], (long long)perm[2], (long long)perm[3]);
                check(what, ONR_DTYPE_FLOAT, 4, dims, perm, true, 1);
                count++;
            }
    CHECK(count == 24);
    check("default perm", ONR_DTYPE_FLOAT, 4, dims, NULL, false, 1);
    check("int64 rank 3", ONR_DTYPE_INT64, 3, (const int64_t[]){3, 1, 7}, (const int64_t[]){2, 0, 1}, true, 1);
    check("uint8 rank 2", ONR_DTYPE_UINT8, 2, (const int64_t[]){33, 17}, NULL, false, 1);
    check("zero dim", ONR_DTYPE_FLOAT, 3, (const int64_t[]){2, 0, 3}, (const int64_t[]){2, 1, 0}, true, 1);
    check("rank 1", ONR_DTYPE_FLOAT, 1, (const int64_t[]){9}, NULL, false, 1);
}

/* ShuffleNetV2's channel shuffle, and 1 vs 4 threads. */
static void test_shuffle(void)
{
    const int64_t perm[5] = {0, 2, 1, 3, 4};
    check("shuffle 1x2x58x28x28", ONR_DTYPE_FLOAT, 5, (const int64_t[]){1, 2, 58, 28, 28}, perm, true, 1);
    check("shuffle 2x2x116x7x7 4 threads", ONR_DTYPE_FLOAT, 5, (const int64_t[]){2, 2, 116, 7, 7}, perm,
          true, 4);
    /* Element-wise path (no contiguous inner run) with threads. */
    check("NCHW->NHWC 4 threads", ONR_DTYPE_FLOAT, 4, (const int64_t[]){2, 24, 33, 31},
          (const int64_t[]){0, 2, 3, 1}, true, 4);
}

static void test_errors(void)
{
    const int64_t dims[3] = {2, 3, 4};
    struct onr_tensor x;
    so_tensor(&x, ONR_DTYPE_FLOAT, 3, dims, NULL);
    struct onr_tensor *in[1] = {&x};
    struct oh_opts o = {.opset = 13};
    const int64_t bad[3][3] = {{0, 1, 1}, {0, 1, 3}, {-1, 0, 1}};
    for (int i = 0; i < 3; i++) {
        struct oh_node n;
        oh_node_init(&n, "Transpose", "transpose_bad");
        oh_attr_ints(&n, "perm", bad[i], 3);
        oh_expect_error("not a permutation", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
        oh_node_free(&n);
    }
    struct oh_node n;
    oh_node_init(&n, "Transpose", "transpose_short");
    oh_attr_ints(&n, "perm", bad[0], 2);
    oh_expect_error("perm too short", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x);
}

int main(void)
{
    test_all_perms();
    test_shuffle();
    test_errors();
    if (onr_test_failures) fprintf(stderr, "test_transpose: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
