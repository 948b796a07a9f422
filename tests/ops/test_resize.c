/* Resize and Upsample through their hooks against a separable reference
 * written here from the spec (ONNX's own reference interpolates one dim at
 * a time; the operator sums the product of per-dim taps): nearest with
 * each nearest_mode, linear and cubic (cubic_coeff_a, exclude_outside), each
 * coordinate_transformation_mode, scales and sizes, up- and downsampling,
 * tf_crop_and_resize with roi and extrapolation_value; Resize 10 and
 * Upsample 7/9; empty outputs; 1 vs 2 vs 3 threads bitwise; named errors. */
#include <math.h>

#include "bcast_ref.h"

enum { NEAREST, LINEAR, CUBIC };
static const char *const mode_names[3] = {"nearest", "linear", "cubic"};
static const char *const ctm_names[6] = {"half_pixel", "pytorch_half_pixel", "align_corners",
                                         "asymmetric", "tf_half_pixel_for_nn",
                                         "tf_crop_and_resize"};
static const char *const round_names[4] = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                           "ceil"};

struct rcase {
    int mode, ctm, round;     /* round -1: Resize 10 / Upsample rule */
    double A;
    bool exclude;
    double roi0, roi1;        /* tf_crop_and_resize, same for every dim; exact in float32,
                                 so the operator's float roi is the reference's */
    float extrap;
};

static double cubic_w(double t, double A)
{
    t = fabs(t);
    if (t <= 1) return (A + 2) * t * t * t - (A + 3) * t * t + 1;
    if (t < 2) return A * t * t * t - 5 * A * t * t + 8 * A * t - 4 * A;
    return 0;
}

/* One output value along a line of n inputs (stride st), from the spec. */
static double interp_1d(const struct rcase *c, const double *line, int64_t n, double scale,
                        double out_len, int64_t o)
{
    double x;
    const double xo = (double)o;
    switch (c->ctm) {
    case 0: x = (xo + 0.5) / scale - 0.5; break;
    case 1: x = out_len > 1 ? (xo + 0.5) / scale - 0.5 : 0; break;
    case 2: x = out_len > 1 ? xo * (double)(n - 1) / (out_len - 1) : 0; break;
    case 4: x = (xo + 0.5) / scale; break;
    case 5:
        x = out_len > 1 ? c->roi0 * (n - 1) + xo * (c->roi1 - c->roi0) * (n - 1) / (out_len - 1)
                        : 0.5 * (c->roi0 + c->roi1) * (n - 1);
        if (x < 0 || x > n - 1) return NAN; /* extrapolated */
        break;
    default: x = xo / scale; break;
    }
#define AT(i) line[(i) < 0 ? 0 : ((i) >= n ? n - 1 : (i))]
    if (c->mode == NEAREST) {
        double r;
        switch (c->round) {
        case 0: r = (x - floor(x) == 0.5) ? floor(x) : round(x); break;
        case 1: r = (x - floor(x) == 0.5) ? ceil(x) : round(x); break;
        case 2: r = floor(x); break;
        case 3: r = ceil(x); break;
        default: r = scale < 1 ? ceil(x) : floor(x); break;
        }
        return AT((int64_t)r);
    }
    const int64_t i0 = (int64_t)floor(x);
    const double t = x - floor(x);
    if (c->mode == LINEAR) return AT(i0) * (1 - t) + AT(i0 + 1) * t;
    double sum = 0, wsum = 0;
    for (int j = -1; j <= 2; j++) {
        const int64_t i = i0 + j;
        double w = cubic_w(t - j, c->A);
        if (c->exclude && (i < 0 || i >= n)) w = 0;
        sum += w * AT(i);
        wsum += w;
    }
#undef AT
    return c->exclude ? sum / wsum : sum;
}

/* Separable reference: dim by dim, outermost first; NaN marks extrapolation. */
static void reference(const struct rcase *c, int rank, const int64_t *in, const int64_t *out,
                      const double *scale, const double *out_len, const float *x, float *y)
{
    int64_t cur[8];
    int64_t n = 1;
    for (int d = 0; d < rank; d++) cur[d] = in[d], n *= in[d];
    double *a = malloc((size_t)(n ? n : 1) * sizeof *a);
    for (int64_t i = 0; i < n; i++) a[i] = x[i];
    for (int d = 0; d < rank; d++) {
        int64_t outer = 1, inner = 1;
        for (int k = 0; k < d; k++) outer *= cur[k];
        for (int k = d + 1; k < rank; k++) inner *= cur[k];
        const int64_t nn = outer * out[d] * inner;
        double *b = malloc((size_t)(nn ? nn : 1) * sizeof *b);
        double *line = malloc((size_t)(cur[d] ? cur[d] : 1) * sizeof *line);
        for (int64_t o = 0; o < outer; o++)
            for (int64_t i = 0; i < inner; i++) {
                bool nan = false;
                for (int64_t k = 0; k < cur[d]; k++) {
                    line[k] = a[(o * cur[d] + k) * inner + i];
                    nan |= isnan(line[k]);
                }
                for (int64_t k = 0; k < out[d]; k++)
                    b[(o * out[d] + k) * inner + i] =
                        nan ? NAN : interp_1d(c, line, cur[d], scale[d], out_len[d], k);
            }
        free(line), free(a);
        a = b;
        cur[d] = out[d];
        n = nn;
    }
    for (int64_t i = 0; i < n; i++) y[i] = isnan(a[i]) ? c->extrap : (float)a[i];
    free(a);
}

/* Runs Resize (opset) on x of dims with scales (or sizes when sizes != NULL). */
static void check(const struct rcase *c, int64_t opset, int rank, const int64_t *dims,
                  const float *scales, const int64_t *sizes, int threads, struct onr_tensor *keep)
{
    struct oh_node n;
    oh_node_init(&n, "Resize", "resize");
    oh_attr_string(&n, "mode", mode_names[c->mode]);
    if (opset >= 11) {
        oh_attr_string(&n, "coordinate_transformation_mode", ctm_names[c->ctm]);
        if (c->round >= 0) oh_attr_string(&n, "nearest_mode", round_names[c->round]);
        oh_attr_float(&n, "cubic_coeff_a", (float)c->A);
        if (c->exclude) oh_attr_int(&n, "exclude_outside", 1);
        if (c->ctm == 5) oh_attr_float(&n, "extrapolation_value", c->extrap);
    }
    struct onr_tensor x, roi, sc, sz, y;
    oh_tensor_f32(&x, rank, dims, NULL);
    const int64_t nx = onr_shape_numel(&x.shape);
    onr_test_fill(x.data, (size_t)nx, 17, -4, 4);
    const int64_t r2[1] = {2 * rank}, rr[1] = {rank}, zero[1] = {0};
    float roiv[16];
    for (int d = 0; d < rank; d++) roiv[d] = (float)c->roi0, roiv[rank + d] = (float)c->roi1;
    oh_tensor_f32(&roi, 1, c->ctm == 5 ? r2 : zero, roiv);
    oh_tensor_f32(&sc, 1, sizes ? zero : rr, scales);
    so_tensor(&sz, ONR_DTYPE_INT64, 1, rr, sizes);
    struct onr_tensor *in[4] = {&x, &roi, &sc, &sz}, *in10[2] = {&x, &sc};
    char what[160];
    snprintf(what, sizeof what, "Resize %lld %s %s %s A=%g excl=%d rank %d %s", (long long)opset,
             mode_names[c->mode], ctm_names[c->ctm], c->round >= 0 ? round_names[c->round] : "-",
             c->A, c->exclude, rank, sizes ? "sizes" : "scales");
    const bool ok = opset >= 11 ? br_run(what, &n, opset, threads, 14u, in, sizes ? 4 : 3, &y)
                                : br_run(what, &n, opset, threads, 2u, in10, 2, &y);
    if (ok) {
        int64_t out[8];
        double scale[8], out_len[8];
        for (int d = 0; d < rank; d++) {
            out[d] = sizes ? sizes[d] : (int64_t)floor((double)dims[d] * scales[d]);
            scale[d] = sizes ? (double)sizes[d] / (double)dims[d] : scales[d];
            out_len[d] = sizes ? (double)sizes[d] : (double)dims[d] * scales[d];
        }
        CHECK(so_shape_is(&y, rank, out));
        const int64_t ny = onr_shape_numel(&y.shape);
        float *want = malloc((size_t)(ny ? ny : 1) * sizeof *want);
        reference(c, rank, dims, out, scale, out_len, x.data, want);
        CHECK(onr_test_close(what, y.data, want, (size_t)ny, ONR_TEST_ATOL, ONR_TEST_RTOL));
        free(want);
        if (keep) *keep = y;
        else onr_tensor_free(&y);
    }
    onr_tensor_free(&x), onr_tensor_free(&roi), onr_tensor_free(&sc), onr_tensor_free(&sz);
    oh_node_free(&n);
}

static void check_upsample(int64_t opset)
{
    static const int64_t d[4] = {1, 2, 3, 4};
    const float s[4] = {1, 1, 2, 3};
    struct oh_node n;
    oh_node_init(&n, "Upsample", "ups");
    if (opset < 9) oh_attr_floats(&n, "scales", s, 4);
    for (int m = 0; m < 2; m++) {
        if (m == 1) oh_attr_string(&n, "mode", "linear");
        struct onr_tensor x, sc, y;
        oh_tensor_f32(&x, 4, d, NULL);
        onr_test_fill(x.data, 24, 5, -1, 1);
        static const int64_t four[1] = {4};
        oh_tensor_f32(&sc, 1, four, s);
        struct onr_tensor *in[2] = {&x, &sc};
        if (br_run("Upsample", &n, opset, 1, 2u, in, opset < 9 ? 1 : 2, &y)) {
            const struct rcase c = {.mode = m, .ctm = 3, .round = -1};
            const int64_t out[4] = {1, 2, 6, 12};
            const double scale[4] = {1, 1, 2, 3}, len[4] = {1, 2, 6, 12};
            float want[144];
            reference(&c, 4, d, out, scale, len, x.data, want);
            CHECK(so_shape_is(&y, 4, out));
            CHECK(onr_test_close("Upsample", y.data, want, 144, ONR_TEST_ATOL, ONR_TEST_RTOL));
            onr_tensor_free(&y);
        }
        onr_tensor_free(&x), onr_tensor_free(&sc);
    }
    oh_node_free(&n);
}

static void check_errors(void)
{
    static const int64_t d[4] = {1, 2, 3, 4}, four[1] = {4}, three[1] = {3}, zero[1] = {0};
    struct onr_tensor x, xi, roi, sc, sc3, sz, neg;
    oh_tensor_f32(&x, 4, d, NULL);
    so_tensor(&xi, ONR_DTYPE_INT64, 4, d, NULL);
    oh_tensor_f32(&roi, 1, zero, NULL);
    const float s[4] = {1, 1, 2, 2}, sn[4] = {1, 1, -2, 2};
    oh_tensor_f32(&sc, 1, four, s);
    oh_tensor_f32(&sc3, 1, three, s);
    oh_tensor_f32(&neg, 1, four, sn);
    const int64_t szv[4] = {1, 2, 6, 8};
    so_tensor(&sz, ONR_DTYPE_INT64, 1, four, szv);
    struct oh_opts c = {.opset = 13, .const_mask = 14u}, nc = {.opset = 13};
    struct oh_node n;
    oh_node_init(&n, "Resize", "resize_bad");
    struct onr_tensor *both[4] = {&x, &roi, &sc, &sz}, *short3[3] = {&x, &roi, &sc3},
                      *ints[3] = {&xi, &roi, &sc}, *negs[3] = {&x, &roi, &neg},
                      *fine[3] = {&x, &roi, &sc};
    oh_expect_error("scales and sizes", &n, &c, both, 4, 1, ONR_STATUS_INVALID_MODEL);
    oh_expect_error("3 scales for rank 4", &n, &c, short3, 3, 1, ONR_STATUS_INVALID_MODEL);
    oh_expect_error("int64 X", &n, &c, ints, 3, 1, ONR_STATUS_UNSUPPORTED);
    oh_expect_error("negative scale", &n, &c, negs, 3, 1, ONR_STATUS_INVALID_MODEL);
    oh_expect_error("scales not constant", &n, &nc, fine, 3, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Resize", "resize_mode");
    oh_attr_string(&n, "mode", "area");
    oh_expect_error("mode area", &n, &c, fine, 3, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Resize", "resize_ctm");
    oh_attr_string(&n, "coordinate_transformation_mode", "half_pixel_symmetric");
    oh_expect_error("unknown transform", &n, &c, fine, 3, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Resize", "resize_cubic10");
    oh_attr_string(&n, "mode", "cubic");
    struct oh_opts o10 = {.opset = 10, .const_mask = 2u};
    struct onr_tensor *in10[2] = {&x, &sc};
    oh_expect_error("cubic at opset 10", &n, &o10, in10, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Resize", "resize_roi");
    oh_attr_string(&n, "coordinate_transformation_mode", "tf_crop_and_resize");
    oh_expect_error("tf_crop_and_resize without roi", &n, &c, fine, 3, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "Upsample", "ups_noscales");
    struct oh_opts o7 = {.opset = 7};
    oh_expect_error("Upsample 7 without scales", &n, &o7, in10, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&xi), onr_tensor_free(&roi), onr_tensor_free(&sc);
    onr_tensor_free(&sc3), onr_tensor_free(&sz), onr_tensor_free(&neg);
}

int main(void)
{
    static const int64_t d4[4] = {2, 3, 5, 7}, d3[3] = {2, 4, 6}, d2[2] = {1, 5};
    const float up[4] = {1, 1, 2, 1.5f}, down[4] = {1, 1, 0.6f, 0.5f}, up3[3] = {1, 2.5f, 0.7f},
                up2[2] = {1, 3};
    const int64_t sz_up[4] = {2, 3, 9, 11}, sz_down[4] = {2, 3, 3, 4}, sz1[4] = {2, 3, 1, 1};
    for (int mode = 0; mode < 3; mode++)
        for (int ctm = 0; ctm < 6; ctm++)
            for (int round = 0; round < (mode == NEAREST ? 4 : 1); round++) {
                struct rcase c = {.mode = mode, .ctm = ctm, .round = round, .A = -0.75,
                                  .roi0 = 0.1875, .roi1 = 0.90625, .extrap = 7.5f};
                check(&c, 13, 4, d4, up, NULL, 1, NULL);
                check(&c, 13, 4, d4, down, NULL, 1, NULL);
                check(&c, 11, 4, d4, NULL, sz_up, 1, NULL);
                check(&c, 17, 4, d4, NULL, sz_down, 1, NULL);
                check(&c, 13, 4, d4, NULL, sz1, 1, NULL);
                check(&c, 13, 3, d3, up3, NULL, 1, NULL);
                if (mode == CUBIC) {
                    c.A = -0.5, c.exclude = true;
                    check(&c, 13, 4, d4, up, NULL, 1, NULL);
                    check(&c, 13, 4, d4, down, NULL, 1, NULL);
                }
            }
    /* tf_crop_and_resize with roi past the input: extrapolated elements. */
    struct rcase crop = {.mode = LINEAR, .ctm = 5, .roi0 = -0.3125, .roi1 = 1.375, .extrap = -9};
    check(&crop, 13, 4, d4, NULL, sz_up, 1, NULL);
    /* Resize 10: asymmetric; nearest floors up, ceils down. */
    for (int mode = 0; mode < 2; mode++) {
        struct rcase c = {.mode = mode, .ctm = 3, .round = -1};
        check(&c, 10, 4, d4, up, NULL, 1, NULL);
        check(&c, 10, 4, d4, down, NULL, 1, NULL);
        check(&c, 10, 2, d2, up2, NULL, 1, NULL);
    }
    check_upsample(7);
    check_upsample(9);
    /* Empty output (size 0) and 1 vs 2 vs 3 threads. */
    const int64_t sz0[4] = {2, 3, 0, 4};
    struct rcase lin = {.mode = LINEAR, .ctm = 0};
    check(&lin, 13, 4, d4, NULL, sz0, 1, NULL);
    static const int64_t big[4] = {1, 8, 40, 50};
    const float x2[4] = {1, 1, 2, 2};
    for (int mode = 0; mode < 3; mode++) {
        struct rcase c = {.mode = mode, .ctm = 1, .A = -0.75};
        struct onr_tensor y[3] = {{0}};
        for (int t = 0; t < 3; t++) check(&c, 13, 4, big, x2, NULL, t + 1, &y[t]);
        if (y[0].data && y[1].data && y[2].data) {
            br_same_bytes("Resize 1 vs 2 threads", &y[0], &y[1]);
            br_same_bytes("Resize 1 vs 3 threads", &y[0], &y[2]);
        }
        for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);
    }
    check_errors();
    printf("test_resize: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
