/* InstanceNormalization and LayerNormalization through their hooks against
 * the spec's formulas in double: 3-D, 4-D and 5-D inputs, given and
 * default epsilon, every LayerNormalization axis (negative too) with full,
 * broadcast and omitted Scale/B and its Mean and InvStdDev outputs; large
 * offsets (a one-pass variance would lose them); empty tensors; 1 vs 2 vs 3
 * threads bitwise; named errors. */
#include <math.h>

#include "bcast_ref.h"

static void check_inorm(int rank, const int64_t *dims, bool eps, float offset, int threads,
                        struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "InstanceNormalization", "inorm");
    if (eps) oh_attr_float(&n, "epsilon", 0.01f);
    const double epsilon = eps ? (double)0.01f : (double)1e-5f;
    const int64_t C = dims[1];
    struct onr_tensor x, s, b, y;
    oh_tensor_f32(&x, rank, dims, NULL);
    oh_tensor_f32(&s, 1, &dims[1], NULL);
    oh_tensor_f32(&b, 1, &dims[1], NULL);
    const int64_t total = onr_shape_numel(&x.shape);
    onr_test_fill(x.data, (size_t)total, 3, offset - 2, offset + 2);
    onr_test_fill(s.data, (size_t)C, 4, 0.5f, 2);
    onr_test_fill(b.data, (size_t)C, 5, -1, 1);
    struct onr_tensor *in[3] = {&x, &s, &b};
    if (br_run("InstanceNormalization", &n, 6, threads, 6u, in, 3, &y)) {
        CHECK(onr_shape_equal(&y.shape, &x.shape));
        const int64_t planes = dims[0] * C, len = planes ? total / planes : 0;
        float *want = malloc((size_t)(total ? total : 1) * sizeof *want);
        for (int64_t q = 0; q < planes; q++) {
            const float *xq = (float *)x.data + q * len;
            double m = 0, v = 0;
            for (int64_t i = 0; i < len; i++) m += xq[i];
            m /= (double)len;
            for (int64_t i = 0; i < len; i++) v += (xq[i] - m) * (xq[i] - m);
            v /= (double)len;
            for (int64_t i = 0; i < len; i++)
                want[q * len + i] = (float)(((float *)s.data)[q % C] * (xq[i] - m) / sqrt(v + epsilon) +
                                            ((float *)b.data)[q % C]);
        }
        CHECK(onr_test_close("InstanceNormalization", y.data, want, (size_t)total, ONR_TEST_ATOL,
                             ONR_TEST_RTOL));
        free(want);
        if (keep) *keep = y;
        else onr_tensor_free(&y);
    }
    onr_tensor_free(&x), onr_tensor_free(&s), onr_tensor_free(&b), oh_node_free(&n);
}

/* sb: 0 full Scale and B, 1 Scale only, 2 Scale/B of the last normalised dim only */
static void check_lnorm(int rank, const int64_t *dims, int64_t axis, bool has_axis, int sb,
                        float offset, int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "LayerNormalization", "lnorm");
    if (has_axis) oh_attr_int(&n, "axis", axis);
    const int64_t a = axis < 0 ? axis + rank : axis;
    struct onr_tensor x, s, b, y, mean, inv;
    oh_tensor_f32(&x, rank, dims, NULL);
    const int nr = sb == 2 ? 1 : rank - (int)a;
    const int64_t *nd = sb == 2 ? &dims[rank - 1] : &dims[a];
    oh_tensor_f32(&s, nr, nd, NULL);
    oh_tensor_f32(&b, nr, nd, NULL);
    const int64_t total = onr_shape_numel(&x.shape);
    int64_t rows = 1;
    for (int i = 0; i < a; i++) rows *= dims[i];
    const int64_t len = rows ? total / rows : 0;
    onr_test_fill(x.data, (size_t)total, 13, offset - 3, offset + 3);
    onr_test_fill(s.data, (size_t)onr_shape_numel(&s.shape), 14, 0.5f, 2);
    onr_test_fill(b.data, (size_t)onr_shape_numel(&b.shape), 15, -1, 1);
    struct onr_tensor *in[3] = {&x, &s, &b}, *out[3] = {&y, &mean, &inv};
    memset(&y, 0, sizeof y), memset(&mean, 0, sizeof mean), memset(&inv, 0, sizeof inv);
    struct oh_opts o = {.opset = 17, .threads = threads};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(&n, &o, in, sb == 1 ? 2 : 3, out, 3, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "LayerNormalization axis %lld: %s\n", (long long)axis, err.message);
        onr_test_failures++;
    } else {
        float *want = malloc((size_t)(total ? total : 1) * sizeof *want);
        float *wm = malloc((size_t)(rows ? rows : 1) * sizeof *wm), *wi = malloc((size_t)(rows ? rows : 1) * sizeof *wi);
        const int64_t slen = onr_shape_numel(&s.shape);
        for (int64_t r = 0; r < rows; r++) {
            const float *xr = (float *)x.data + r * len;
            double m = 0, v = 0;
            for (int64_t i = 0; i < len; i++) m += xr[i];
            m /= (double)len;
            for (int64_t i = 0; i < len; i++) v += (xr[i] - m) * (xr[i] - m);
            v /= (double)len;
            const double is = 1 / sqrt(v + (double)1e-5f);
            wm[r] = (float)m, wi[r] = (float)is;
            for (int64_t i = 0; i < len; i++)
                want[r * len + i] = (float)((xr[i] - m) * is * ((float *)s.data)[i % slen] +
                                            (sb == 1 ? 0 : ((float *)b.data)[i % slen]));
        }
        char what[96];
        snprintf(what, sizeof what, "LayerNormalization rank %d axis %lld sb %d", rank,
                 (long long)axis, sb);
        CHECK(onr_test_close(what, y.data, want, (size_t)total, ONR_TEST_ATOL, ONR_TEST_RTOL));
        CHECK(onr_test_close("Mean", mean.data, wm, (size_t)rows, ONR_TEST_ATOL, ONR_TEST_RTOL));
        CHECK(onr_test_close("InvStdDev", inv.data, wi, (size_t)rows, ONR_TEST_ATOL, ONR_TEST_RTOL));
        CHECK(mean.shape.rank == rank && inv.shape.rank == rank);
        for (int i = 0; i < rank; i++) CHECK(mean.shape.dims[i] == (i < a ? dims[i] : 1));
        free(want), free(wm), free(wi);
    }
    if (keep) *keep = y;
    else onr_tensor_free(&y);
    onr_tensor_free(&mean), onr_tensor_free(&inv);
    onr_tensor_free(&x), onr_tensor_free(&s), onr_tensor_free(&b), oh_node_free(&n);
}

int main(void)
{
    static const int64_t d3[3] = {2, 3, 17}, d4[4] = {2, 5, 7, 9}, d5[5] = {1, 3, 2, 4, 5},
                         e4[4] = {0, 5, 7, 9}, big[4] = {2, 32, 40, 40};
    check_inorm(3, d3, false, 0, 1, NULL);
    check_inorm(4, d4, true, 0, 1, NULL);
    check_inorm(5, d5, false, 0, 1, NULL);
    check_inorm(4, d4, false, 1000, 1, NULL);   /* large mean */
    check_inorm(4, e4, false, 0, 1, NULL);
    struct onr_tensor y[3] = {{0}};
    for (int t = 0; t < 3; t++) check_inorm(4, big, false, 0, t + 1, &y[t]);
    if (y[0].data && y[1].data && y[2].data) {
        br_same_bytes("InstanceNormalization 1 vs 2 threads", &y[0], &y[1]);
        br_same_bytes("InstanceNormalization 1 vs 3 threads", &y[0], &y[2]);
    }
    for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);

    for (int64_t axis = -4; axis < 4; axis++)
        for (int sb = 0; sb < 3; sb++) check_lnorm(4, d4, axis, true, sb, 0, 1, NULL);
    check_lnorm(3, d3, -1, false, 0, 0, 1, NULL);     /* default axis */
    check_lnorm(3, d3, 1, true, 0, 500, 1, NULL);     /* large mean */
    check_lnorm(4, e4, 1, true, 0, 0, 1, NULL);       /* empty */
    for (int t = 0; t < 3; t++) check_lnorm(4, big, 2, true, 2, 0, t + 1, &y[t]);
    if (y[0].data && y[1].data && y[2].data) {
        br_same_bytes("LayerNormalization 1 vs 2 threads", &y[0], &y[1]);
        br_same_bytes("LayerNormalization 1 vs 3 threads", &y[0], &y[2]);
    }
    for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);

    struct onr_tensor x, s, b, i64;
    static const int64_t c4[1] = {4}, c5[1] = {5}, x2[2] = {2, 5};
    oh_tensor_f32(&x, 4, d4, NULL);
    oh_tensor_f32(&s, 1, c4, NULL);
    oh_tensor_f32(&b, 1, c5, NULL);
    so_tensor(&i64, ONR_DTYPE_INT64, 4, d4, NULL);
    struct oh_opts o6 = {.opset = 6}, o17 = {.opset = 17};
    struct oh_node n;
    oh_node_init(&n, "InstanceNormalization", "inorm_bad");
    struct onr_tensor *bad_s[3] = {&x, &s, &b}, *ints[3] = {&i64, &b, &b};
    oh_expect_error("scale (4) for C=5", &n, &o6, bad_s, 3, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_expect_error("int64 input", &n, &o6, ints, 3, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "LayerNormalization", "lnorm_axis");
    oh_attr_int(&n, "axis", 4);
    struct onr_tensor *ok3[3] = {&x, &b, &b};
    oh_expect_error("axis 4 of rank 4", &n, &o17, ok3, 3, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "LayerNormalization", "lnorm_scale");
    oh_attr_int(&n, "axis", 1);
    struct onr_tensor sc;
    oh_tensor_f32(&sc, 2, x2, NULL);
    struct onr_tensor *bad_sc[2] = {&x, &sc};
    oh_expect_error("Scale (2,5) for (5,7,9)", &n, &o17, bad_sc, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    oh_node_init(&n, "LayerNormalization", "lnorm_stash");
    oh_attr_int(&n, "stash_type", 11);
    oh_expect_error("stash_type 11", &n, &o17, ok3, 3, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&s), onr_tensor_free(&b), onr_tensor_free(&i64);
    onr_tensor_free(&sc);
    CHECK(onr_op_find("LayerNormalization", "", 16) == NULL);
    printf("test_norms: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
