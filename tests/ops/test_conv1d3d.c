/* Conv on rank-3 (1-D) and rank-5 (3-D) X through its hooks, against a
 * naive N-D loop written here (its own padding and auto_pad arithmetic):
 * odd sizes, strides, pads, dilations, groups (depthwise with and without
 * a channel multiplier), auto_pad, bias or not, constant W or not; the
 * fused Conv (activation, residual R) on rank 3 and 5; the 3-D direct
 * depthwise and im2col + GEMM paths (several blocks); reference and fast
 * modes; 1, 2 and 3 threads bitwise; the attribute-length errors. */
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "ops/fused_conv.h"
#include "testutil.h"

struct case_nd {
    const char *what;
    int axes;                           /* spatial axes: 1 or 3 */
    int64_t N, C, OC, group;
    int64_t in[3], k[3], stride[3], dil[3], pads[6];
    const char *auto_pad;               /* NULL: explicit pads */
    bool bias, w_const, no_attrs;       /* no_attrs: only what W implies */
};

/* The expected output extent along one axis and the begin pad, from the
 * ONNX spec's formulas. */
static int64_t expect_out(const struct case_nd *c, int a, int64_t *p0)
{
    const int64_t in = c->in[a], s = c->stride[a], ek = (c->k[a] - 1) * c->dil[a] + 1;
    if (c->auto_pad != NULL && strncmp(c->auto_pad, "SAME", 4) == 0) {
        const int64_t o = (in + s - 1) / s;
        int64_t total = (o - 1) * s + ek - in;
        if (total < 0) total = 0;
        *p0 = strcmp(c->auto_pad, "SAME_UPPER") == 0 ? total / 2 : (total + 1) / 2;
        return o;
    }
    const bool valid = c->auto_pad != NULL;
    *p0 = valid ? 0 : c->pads[a];
    const int64_t p1 = valid ? 0 : c->pads[c->axes + a];
    return (in + *p0 + p1 - ek) / s + 1;
}

static void naive(const struct case_nd *c, const float *x, const float *w, const float *b,
                  const int64_t *out, const int64_t *p0, float *y)
{
    int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, o[3] = {1, 1, 1}, st[3] = {1, 1, 1},
            dl[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
    for (int a = 0; a < c->axes; a++) {
        const int j = 3 - c->axes + a;
        in[j] = c->in[a], k[j] = c->k[a], o[j] = out[a], st[j] = c->stride[a];
        dl[j] = c->dil[a], pb[j] = p0[a];
    }
    const int64_t cg = c->C / c->group, ocg = c->OC / c->group;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t oc = 0; oc < c->OC; oc++)
            for (int64_t z = 0; z < o[0]; z++)
                for (int64_t r = 0; r < o[1]; r++)
                    for (int64_t q = 0; q < o[2]; q++) {
                        float acc = b != NULL ? b[oc] : 0.0f;
                        for (int64_t ci = 0; ci < cg; ci++) {
                            const int64_t ch = oc / ocg * cg + ci;
                            for (int64_t a0 = 0; a0 < k[0]; a0++)
                                for (int64_t a1 = 0; a1 < k[1]; a1++)
                                    for (int64_t a2 = 0; a2 < k[2]; a2++) {
                                        const int64_t i0 = z * st[0] - pb[0] + a0 * dl[0];
                                        const int64_t i1 = r * st[1] - pb[1] + a1 * dl[1];
                                        const int64_t i2 = q * st[2] - pb[2] + a2 * dl[2];
                                        if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] ||
                                            i2 < 0 || i2 >= in[2])
                                            continue;
                                        acc += x[(((n * c->C + ch) * in[0] + i0) * in[1] + i1) *
                                                     in[2] + i2] *
                                               w[(((oc * cg + ci) * k[0] + a0) * k[1] + a1) *
                                                     k[2] + a2];
                                    }
                        }
                        y[(((n * c->OC + oc) * o[0] + z) * o[1] + r) * o[2] + q] = acc;
                    }
}

/* act: the fused Conv's activation (NULL: plain ONNX Conv); with_r: a
 * residual input R of Y's shape. */
static void run_case(const struct case_nd *c, const struct onr_activation *act, bool with_r)
{
    struct oh_node n;
    oh_node_init(&n, "Conv", c->what);
    if (act != NULL) {
        n.node.domain = ONR_DOMAIN_FUSED;
        if (act->kind == ONR_ACT_RELU) oh_attr_string(&n, "activation", "Relu");
        if (act->kind == ONR_ACT_CLIP) {
            const float ab[2] = {act->a, act->b};
            oh_attr_string(&n, "activation", "Clip");
            oh_attr_floats(&n, "activation_params", ab, 2);
        }
    }
    if (!c->no_attrs) {
        oh_attr_ints(&n, "kernel_shape", c->k, (size_t)c->axes);
        oh_attr_ints(&n, "strides", c->stride, (size_t)c->axes);
        oh_attr_ints(&n, "dilations", c->dil, (size_t)c->axes);
        if (c->auto_pad == NULL) oh_attr_ints(&n, "pads", c->pads, 2 * (size_t)c->axes);
    }
    if (c->auto_pad != NULL) oh_attr_string(&n, "auto_pad", c->auto_pad);
    if (c->group != 1) oh_attr_int(&n, "group", c->group);

    int64_t xd[5] = {c->N, c->C}, wd[5] = {c->OC, c->C / c->group}, yd[5] = {c->N, c->OC};
    int64_t out[3], p0[3];
    for (int a = 0; a < c->axes; a++) {
        xd[2 + a] = c->in[a];
        wd[2 + a] = c->k[a];
        yd[2 + a] = out[a] = expect_out(c, a, &p0[a]);
    }
    const int rank = 2 + c->axes;
    const int64_t bd[1] = {c->OC};
    struct onr_tensor x, w, b, r;
    oh_tensor_f32(&x, rank, xd, NULL);
    oh_tensor_f32(&w, rank, wd, NULL);
    oh_tensor_f32(&b, 1, bd, NULL);
    oh_tensor_f32(&r, rank, yd, NULL);
    onr_test_fill(x.data, x.nbytes / 4, 11, -1, 1);
    onr_test_fill(w.data, w.nbytes / 4, 12, -1, 1);
    onr_test_fill(b.data, b.nbytes / 4, 13, -1, 1);
    onr_test_fill(r.data, r.nbytes / 4, 14, -1, 1);
    const size_t ny = r.nbytes / 4;
    float *want = malloc(ny * sizeof *want);
    naive(c, x.data, w.data, c->bias ? b.data : NULL, out, p0, want);
    const struct onr_activation none = {ONR_ACT_NONE, 0, 0};
    for (size_t i = 0; i < ny; i++)
        want[i] = onr_activation_apply(act ? act : &none,
                                       want[i] + (with_r ? ((float *)r.data)[i] : 0.0f));

    struct onr_tensor *in[4] = {&x, &w, c->bias || with_r ? &b : NULL, with_r ? &r : NULL};
    const int n_in = with_r ? 4 : c->bias ? 3 : 2;
    const unsigned mask = c->w_const ? 7u : 1u;
    struct onr_tensor y[4];
    memset(y, 0, sizeof y);
    struct onr_error err = {{0}};
    bool ok = true;
    /* the fused Conv's R needs B present: with_r cases have bias */
    for (int t = 0; t < 4 && ok; t++) {
        struct oh_opts o = {.opset = act ? 1 : 13, .reference = t == 0, .threads = t ? t : 1,
                            .const_mask = mask};
        struct onr_tensor *outp[1] = {&y[t]};
        enum onr_status st = oh_run(&n, &o, in, n_in, outp, 1, &err);
        if (st != ONR_STATUS_OK) {
            fprintf(stderr, "%s (threads %d): %s %s\n", c->what, o.threads, onr_status_name(st),
                    err.message);
            onr_test_failures++;
            ok = false;
        }
    }
    if (ok) {
        CHECK(y[0].shape.rank == rank && memcmp(y[0].shape.dims, yd, rank * sizeof yd[0]) == 0);
        if (!onr_test_close(c->what, y[0].data, want, ny, ONR_TEST_ATOL, ONR_TEST_RTOL))
            onr_test_failures++;
        if (!onr_test_close(c->what, y[1].data, want, ny, ONR_TEST_ATOL, ONR_TEST_RTOL))
            onr_test_failures++;
        if (!onr_test_bitwise(c->what, y[2].data, y[1].data, ny)) onr_test_failures++;
        if (!onr_test_bitwise(c->what, y[3].data, y[1].data, ny)) onr_test_failures++;
    }
    for (int t = 0; t < 4; t++) onr_tensor_free(&y[t]);
    onr_tensor_free(&x), onr_tensor_free(&w), onr_tensor_free(&b), onr_tensor_free(&r);
    free(want);
    oh_node_free(&n);
}

static void test_1d(void)
{
    const struct case_nd cases[] = {
        {"1d k3", 1, 2, 3, 5, 1, {17}, {3}, {1}, {1}, {0, 0}, NULL, true, true, false},
        {"1d k3 pads 1,2 stride 2", 1, 1, 4, 6, 1, {19}, {3}, {2}, {1}, {1, 2}, NULL, true, true, false},
        {"1d k5 dil 2 no bias", 1, 2, 3, 4, 1, {23}, {5}, {1}, {2}, {2, 2}, NULL, false, true, false},
        {"1d k1 (pointwise)", 1, 2, 8, 6, 1, {13}, {1}, {1}, {1}, {0, 0}, NULL, true, true, false},
        {"1d groups 2", 1, 1, 6, 4, 2, {15}, {3}, {1}, {1}, {1, 1}, NULL, true, true, false},
        {"1d depthwise k11 (MatchboxNet)", 1, 2, 16, 16, 16, {41}, {11}, {1}, {1}, {5, 5}, NULL,
         true, true, false},
        {"1d depthwise multiplier 2 stride 3", 1, 1, 5, 10, 5, {29}, {3}, {3}, {1}, {0, 1}, NULL,
         true, true, false},
        {"1d depthwise dil 3", 1, 1, 8, 8, 8, {31}, {3}, {1}, {3}, {3, 3}, NULL, false, true, false},
        {"1d SAME_UPPER stride 2", 1, 1, 3, 4, 1, {18}, {4}, {2}, {1}, {0}, "SAME_UPPER", true,
         true, false},
        {"1d SAME_LOWER", 1, 1, 3, 4, 1, {9}, {4}, {1}, {1}, {0}, "SAME_LOWER", true, true, false},
        {"1d VALID", 1, 2, 3, 4, 1, {10}, {3}, {2}, {1}, {0}, "VALID", true, true, false},
        {"1d W not constant", 1, 2, 3, 5, 1, {17}, {3}, {1}, {1}, {1, 1}, NULL, true, false, false},
        {"1d no attributes", 1, 1, 3, 2, 1, {7}, {3}, {1}, {1}, {0, 0}, NULL, true, true, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i], NULL, false);
    const struct onr_activation relu = {ONR_ACT_RELU, 0, 0}, clip = {ONR_ACT_CLIP, 0.0f, 0.5f};
    run_case(&cases[5], &relu, false);
    run_case(&cases[1], &clip, true);
    run_case(&cases[4], &relu, true);
}

static void test_3d(void)
{
    const struct case_nd cases[] = {
        {"3d k3", 3, 2, 3, 4, 1, {5, 6, 7}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0}, NULL, true,
         true, false},
        {"3d k 2x3x1 strides 2,1,2 pads", 3, 1, 2, 3, 1, {7, 6, 9}, {2, 3, 1}, {2, 1, 2},
         {1, 1, 1}, {1, 0, 1, 0, 2, 1}, NULL, true, true, false},
        {"3d dilated strided", 3, 1, 2, 2, 1, {9, 8, 7}, {2, 2, 3}, {2, 3, 1}, {2, 1, 2},
         {0, 1, 1, 1, 0, 2}, NULL, false, true, false},
        {"3d groups 2", 3, 2, 4, 6, 2, {4, 5, 3}, {3, 2, 2}, {1, 1, 1}, {1, 1, 1},
         {1, 0, 1, 1, 1, 0}, NULL, true, true, false},
        {"3d depthwise", 3, 1, 5, 5, 5, {5, 5, 5}, {3, 3, 3}, {1, 2, 1}, {1, 1, 1},
         {1, 1, 1, 1, 1, 1}, NULL, true, true, false},
        {"3d SAME_UPPER", 3, 1, 2, 3, 1, {5, 6, 7}, {2, 3, 4}, {2, 2, 3}, {1, 1, 1}, {0},
         "SAME_UPPER", true, true, false},
        {"3d SAME_LOWER", 3, 1, 2, 3, 1, {5, 6, 7}, {2, 3, 4}, {1, 2, 1}, {1, 1, 1}, {0},
         "SAME_LOWER", false, true, false},
        {"3d VALID W not constant", 3, 1, 2, 3, 1, {5, 6, 7}, {2, 3, 4}, {1, 2, 1}, {1, 1, 1},
         {0}, "VALID", true, false, false},
        /* the direct depthwise kernel: multiplier, W-stride, dilation, odd pads */
        {"3d depthwise multiplier 2", 3, 2, 3, 6, 3, {4, 7, 9}, {3, 3, 3}, {1, 1, 2},
         {1, 2, 1}, {1, 2, 0, 0, 1, 2}, NULL, true, true, false},
        {"3d depthwise W not constant", 3, 1, 4, 4, 4, {3, 5, 6}, {1, 3, 3}, {1, 2, 2},
         {1, 1, 1}, {0, 1, 1, 0, 1, 1}, NULL, false, false, false},
        /* the GEMM path: R(2+1)D's (1,3,3) and (3,1,1) kernels, a 1x1x1 Conv
         * (no im2col), and 16*27 = 432 rows: 576 positions per block, 3 blocks */
        {"3d k1x3x3 (2+1)D spatial", 3, 2, 6, 8, 1, {4, 9, 8}, {1, 3, 3}, {1, 2, 2}, {1, 1, 1},
         {0, 1, 1, 0, 1, 1}, NULL, true, true, false},
        {"3d k3x1x1 (2+1)D temporal", 3, 1, 8, 5, 1, {6, 5, 4}, {3, 1, 1}, {1, 1, 1}, {1, 1, 1},
         {1, 0, 0, 1, 0, 0}, NULL, true, true, false},
        {"3d k1x1x1 pointwise", 3, 2, 7, 9, 1, {3, 4, 5}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0},
         NULL, true, true, false},
        {"3d several im2col blocks", 3, 1, 16, 5, 1, {8, 14, 14}, {3, 3, 3}, {1, 1, 1},
         {1, 1, 1}, {1, 1, 1, 1, 1, 1}, NULL, true, true, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i], NULL, false);
    const struct onr_activation relu = {ONR_ACT_RELU, 0, 0};
    run_case(&cases[0], &relu, false);
    run_case(&cases[3], &relu, true);
    run_case(&cases[8], &relu, true);   /* depthwise + residual */
    run_case(&cases[10], &relu, true);  /* GEMM + residual */
    run_case(&cases[12], &relu, false); /* 1x1x1 GEMM + relu */
}

/* Attribute lengths that disagree with each other or with X's rank. */
static void test_errors(void)
{
    const enum onr_status IM = ONR_STATUS_INVALID_MODEL, SM = ONR_STATUS_SHAPE_MISMATCH;
    const int64_t x3d[3] = {1, 2, 9}, w3d[3] = {2, 2, 3}, x5d[5] = {1, 2, 4, 4, 4},
                  w5d[5] = {2, 2, 3, 3, 3}, w4d[4] = {2, 2, 3, 3};
    const int64_t k1[1] = {3}, k2[2] = {3, 3}, k3[3] = {3, 3, 3}, k4[4] = {1, 1, 1, 1};
    const int64_t p2[2] = {1, 1}, p3[3] = {1, 1, 1}, p4[4] = {1, 1, 1, 1}, s2[2] = {1, 1};
    struct onr_tensor x3, w3, x5, w5, w4;
    oh_tensor_f32(&x3, 3, x3d, NULL);
    oh_tensor_f32(&w3, 3, w3d, NULL);
    oh_tensor_f32(&x5, 5, x5d, NULL);
    oh_tensor_f32(&w5, 5, w5d, NULL);
    oh_tensor_f32(&w4, 4, w4d, NULL);
    const int64_t w5deep_d[5] = {2, 2, 5, 3, 3};
    struct onr_tensor w5deep;
    oh_tensor_f32(&w5deep, 5, w5deep_d, NULL);
    struct oh_opts o = {.opset = 13, .const_mask = 3};
    struct oh_node n;
    struct onr_tensor *in[2] = {&x3, &w3};
#define ERR(label, setup, X, W, want)                                  \
    do {                                                               \
        oh_node_init(&n, "Conv", "conv_nd");                           \
        setup;                                                         \
        in[0] = X;                                                     \
        in[1] = W;                                                     \
        oh_expect_error(label, &n, &o, in, 2, 1, want);                \
        oh_node_free(&n);                                              \
    } while (0)
    ERR("kernel_shape of 2 on rank-3 X", oh_attr_ints(&n, "kernel_shape", k2, 2), &x3, &w3, IM);
    ERR("kernel_shape of 1 on rank-5 X", oh_attr_ints(&n, "kernel_shape", k1, 1), &x5, &w5, IM);
    ERR("kernel_shape of 4 values", oh_attr_ints(&n, "kernel_shape", k4, 4), &x3, &w3, IM);
    ERR("pads of 4 on rank-3 X", oh_attr_ints(&n, "pads", p4, 4), &x3, &w3, IM);
    ERR("pads of 3 values", oh_attr_ints(&n, "pads", p3, 3), &x5, &w5, IM);
    ERR("pads of 2 with kernel_shape of 3",
        oh_attr_ints(&n, "kernel_shape", k3, 3); oh_attr_ints(&n, "pads", p2, 2), &x5, &w5, IM);
    ERR("strides of 2 on rank-5 X", oh_attr_ints(&n, "strides", s2, 2), &x5, &w5, IM);
    const int64_t k233[3] = {2, 3, 3};
    ERR("kernel_shape != W (3-D)", oh_attr_ints(&n, "kernel_shape", k233, 3), &x5, &w5, IM);
    ERR("W rank 4 with rank-3 X", (void)0, &x3, &w4, SM);
    ERR("W rank 3 with rank-5 X", (void)0, &x5, &w3, SM);
    ERR("output depth 0 (3-D)", (void)0, &x5, &w5deep, SM);
#undef ERR
    onr_tensor_free(&x3), onr_tensor_free(&w3), onr_tensor_free(&x5), onr_tensor_free(&w5);
    onr_tensor_free(&w4), onr_tensor_free(&w5deep);
}

int main(void)
{
    test_1d();
    test_3d();
    test_errors();
    if (onr_test_failures) fprintf(stderr, "test_conv1d3d: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
