/* DepthToSpace (DCR and CRD) and SpaceToDepth through their hooks against
 * the spec's reshape-transpose-reshape written as index arithmetic, for
 * blocksizes 1, 2, 3 and several dtypes; SpaceToDepth undoes DepthToSpace
 * DCR; empty batches; 1 vs 2 vs 3 threads bitwise; named errors for rank,
 * divisibility, blocksize and mode. */
#include "bcast_ref.h"

/* x index read by DepthToSpace output (n, c, h, w). */
static int64_t d2s_src(bool crd, int64_t b, int64_t C, int64_t H, int64_t W, int64_t n, int64_t c,
                       int64_t h, int64_t w)
{
    const int64_t Co = C / (b * b), b1 = h % b, b2 = w % b;
    const int64_t ch = crd ? c * b * b + b1 * b + b2 : (b1 * b + b2) * Co + c;
    return ((n * C + ch) * H + h / b) * W + w / b;
}

static void check_d2s(enum onr_dtype dtype, bool crd, int64_t opset, int64_t b, const int64_t *xd,
                      int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "DepthToSpace", "d2s");
    oh_attr_int(&n, "blocksize", b);
    if (opset >= 11) oh_attr_string(&n, "mode", crd ? "CRD" : "DCR");
    struct onr_tensor x, y;
    br_tensor(&x, dtype, 4, xd, 9, 0, 250);
    struct onr_tensor *in[1] = {&x};
    if (br_run("DepthToSpace", &n, opset, threads, 0, in, 1, &y)) {
        const int64_t N = xd[0], C = xd[1], H = xd[2], W = xd[3];
        const int64_t want[4] = {N, C / (b * b), H * b, W * b};
        CHECK(so_shape_is(&y, 4, want) && y.dtype == dtype);
        int bad = 0;
        for (int64_t i = 0; i < onr_shape_numel(&y.shape); i++) {
            const int64_t w = i % want[3], h = i / want[3] % want[2],
                          c = i / (want[3] * want[2]) % want[1], nn = i / (want[3] * want[2] * want[1]);
            bad += br_get(&y, i) != br_get(&x, d2s_src(crd, b, C, H, W, nn, c, h, w));
        }
        if (bad) {
            fprintf(stderr, "DepthToSpace %s b=%lld: %d wrong\n", crd ? "CRD" : "DCR", (long long)b, bad);
            onr_test_failures++;
        }
        /* SpaceToDepth(DepthToSpace_DCR(x)) == x */
        if (!crd) {
            struct oh_node s;
            oh_node_init(&s, "SpaceToDepth", "s2d");
            oh_attr_int(&s, "blocksize", b);
            struct onr_tensor back;
            struct onr_tensor *yin[1] = {&y};
            if (br_run("SpaceToDepth", &s, opset, threads, 0, yin, 1, &back)) {
                br_same_bytes("SpaceToDepth undoes DepthToSpace", &back, &x);
                onr_tensor_free(&back);
            }
            oh_node_free(&s);
        }
        if (keep) *keep = y;
        else onr_tensor_free(&y);
    }
    onr_tensor_free(&x), oh_node_free(&n);
}

int main(void)
{
    static const int64_t a[4] = {2, 8, 3, 5}, b3[4] = {1, 18, 2, 3}, one[4] = {1, 3, 2, 2},
                         e[4] = {0, 8, 3, 5}, big[4] = {2, 64, 33, 35};
    static const enum onr_dtype types[] = {ONR_DTYPE_FLOAT, ONR_DTYPE_UINT8, ONR_DTYPE_INT16,
                                           ONR_DTYPE_INT64};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        for (int crd = 0; crd < 2; crd++) {
            check_d2s(types[t], crd, 13, 2, a, 1, NULL);
            check_d2s(types[t], crd, 11, 3, b3, 1, NULL);
            check_d2s(types[t], crd, 13, 1, one, 1, NULL);
        }
    check_d2s(ONR_DTYPE_FLOAT, false, 1, 2, a, 1, NULL);   /* opset 1: DCR, no mode */
    check_d2s(ONR_DTYPE_FLOAT, true, 13, 2, e, 1, NULL);   /* empty batch */
    for (int crd = 0; crd < 2; crd++) {
        struct onr_tensor y[3] = {{0}};
        for (int t = 0; t < 3; t++) check_d2s(ONR_DTYPE_FLOAT, crd, 13, 4, big, t + 1, &y[t]);
        if (y[0].data && y[1].data && y[2].data) {
            br_same_bytes("DepthToSpace 1 vs 2 threads", &y[0], &y[1]);
            br_same_bytes("DepthToSpace 1 vs 3 threads", &y[0], &y[2]);
        }
        for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);
    }
    struct oh_opts o = {.opset = 13};
    struct onr_tensor x, x3;
    static const int64_t d3[3] = {8, 3, 5}, odd[4] = {1, 8, 3, 4};
    so_tensor(&x, ONR_DTYPE_FLOAT, 4, a, NULL);
    so_tensor(&x3, ONR_DTYPE_FLOAT, 3, d3, NULL);
    struct onr_tensor *in[1] = {&x}, *in3[1] = {&x3};
    struct oh_node n;
    oh_node_init(&n, "DepthToSpace", "d2s_b3");
    oh_attr_int(&n, "blocksize", 3);
    oh_expect_error("C=8 with blocksize 3", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_expect_error("rank 3", &n, &o, in3, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "DepthToSpace", "d2s_mode");
    oh_attr_int(&n, "blocksize", 2);
    oh_attr_string(&n, "mode", "DRC");
    oh_expect_error("mode DRC", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "DepthToSpace", "d2s_noblock");
    oh_expect_error("no blocksize", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "SpaceToDepth", "s2d_odd");
    oh_attr_int(&n, "blocksize", 2);
    onr_tensor_free(&x);
    so_tensor(&x, ONR_DTYPE_FLOAT, 4, odd, NULL);
    oh_expect_error("H=3 with blocksize 2", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "SpaceToDepth", "s2d_zero");
    oh_attr_int(&n, "blocksize", 0);
    oh_expect_error("blocksize 0", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&x3);
    printf("test_depth_to_space: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
