/* The NCHW16c operators the layout pass builds, through their hooks:
 * onnxrun.nchwc:FusedDepthwiseConv (a stem, a depthwise Conv and a 1x1
 * projection in one node) gives the bits of the three onnxrun.nchwc:Conv
 * nodes run one after the other, for 1, 2 and 3 threads; each operator's
 * rejected inputs with their status and a message naming the node. With
 * 16-channel multiples a blocked tensor is as big as the plain one, so the
 * harness's plain-sized buffers hold it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "ops/nchwc_conv.h"
#include "ops/nchwc_fused_dw.h"
#include "testutil.h"

enum { XC = 3, XHW = 96, E = 64, HW = 48, OC = 16 };

static struct onr_tensor x, ws, bs, wd, bd, wc, bc;

static void tensor(struct onr_tensor *t, int rank, const int64_t *dims, uint64_t seed, float r)
{
    oh_tensor_f32(t, rank, dims, NULL);
    onr_test_fill(t->data, t->nbytes / 4, seed, -r, r);
}

static const int64_t p1[4] = {1, 1, 1, 1}, s2[2] = {2, 2};

static void stem_attrs(struct oh_node *n, const char *prefix)
{
    char a[64], b[64], c[64];
    snprintf(a, sizeof a, "%spads", prefix);
    snprintf(b, sizeof b, "%sstrides", prefix);
    snprintf(c, sizeof c, "%sactivation", prefix);
    oh_attr_ints(n, a, p1, 4);
    oh_attr_ints(n, b, s2, 2);
    oh_attr_string(n, c, "Relu");
}

static void dw_attrs(struct oh_node *n)
{
    const float relu6[2] = {0.0f, 6.0f};
    oh_attr_ints(n, "pads", p1, 4);
    oh_attr_int(n, "group", E);
    oh_attr_string(n, "activation", "Clip");
    oh_attr_floats(n, "activation_params", relu6, 2);
}

static void node(struct oh_node *n, const char *op, const char *name)
{
    oh_node_init(n, op, name);
    n->node.domain = ONR_DOMAIN_NCHWC;
}

/* One node on inputs in (bits of const_mask constant) into *y. */
static enum onr_status run1(const struct oh_node *n, struct onr_tensor **in, int n_in,
                            unsigned const_mask, int threads, struct onr_tensor *y)
{
    struct onr_error err = {{0}};
    struct onr_tensor *out[1] = {y};
    struct oh_opts o = {.opset = 1, .threads = threads, .const_mask = const_mask};
    memset(y, 0, sizeof *y);
    enum onr_status st = oh_run(n, &o, in, n_in, out, 1, &err);
    if (st != ONR_STATUS_OK) fprintf(stderr, "%s: %s\n", n->name, err.message);
    return st;
}

static void test_fused_equals_parts(void)
{
    struct oh_node stem, dw, pw, fused;
    node(&stem, "Conv", "stem");
    stem_attrs(&stem, "");
    node(&dw, "Conv", "dw");
    dw_attrs(&dw);
    node(&pw, "Conv", "project");
    node(&fused, "FusedDepthwiseConv", "dw");
    dw_attrs(&fused);
    stem_attrs(&fused, "producer_");
    struct onr_tensor t, u, y, yf[3];
    for (int th = 1; th <= 3; th++) {
        struct onr_tensor *a[3] = {&x, &ws, &bs}, *b[3] = {&t, &wd, &bd}, *c[3] = {&u, &wc, &bc};
        struct onr_tensor *f[7] = {&x, &wd, &bd, &ws, &bs, &wc, &bc};
        CHECK_STATUS(run1(&fused, f, 7, 0x7e, th, &yf[th - 1]), ONR_STATUS_OK);
        if (th > 1) continue;
        CHECK_STATUS(run1(&stem, a, 3, 6, 1, &t), ONR_STATUS_OK);
        CHECK_STATUS(run1(&dw, b, 3, 6, 1, &u), ONR_STATUS_OK);
        CHECK_STATUS(run1(&pw, c, 3, 6, 1, &y), ONR_STATUS_OK);
    }
    const size_t n = (size_t)(OC * HW * HW);
    CHECK(y.data != NULL && yf[0].data != NULL && y.nbytes == yf[0].nbytes);
    if (y.data != NULL && yf[0].data != NULL) {
        CHECK(onr_test_bitwise("fused vs stem, dw, project one by one", yf[0].data, y.data, n));
        for (int th = 1; th < 3; th++)
            if (yf[th].data != NULL)
                CHECK(onr_test_bitwise("fused, 1 vs 2 or 3 threads", yf[th].data, yf[0].data, n));
    }
    onr_tensor_free(&t), onr_tensor_free(&u), onr_tensor_free(&y);
    for (int th = 0; th < 3; th++) onr_tensor_free(&yf[th]);
    oh_node_free(&stem), oh_node_free(&dw), oh_node_free(&pw), oh_node_free(&fused);
}

static void test_errors(void)
{
    const enum onr_status IM = ONR_STATUS_INVALID_MODEL, SM = ONR_STATUS_SHAPE_MISMATCH;
    struct oh_opts o = {.opset = 1, .const_mask = 0x7e};
    struct oh_node n;
    struct onr_tensor r, g, w2, b4;
    const int64_t rd[4] = {1, E, HW, HW}, gd[4] = {1, E + 1, 1, 1}, w2d[4] = {4, 2, 3, 3};
    const int64_t b4d[1] = {4};
    tensor(&r, 4, rd, 11, 1.0f);
    tensor(&g, 4, gd, 12, 1.0f);
    tensor(&w2, 4, w2d, 13, 1.0f);
    tensor(&b4, 1, b4d, 14, 1.0f);

    /* t: the stem's output shape, as the depthwise Conv's X */
    struct onr_tensor t;
    const int64_t td[4] = {1, E, HW, HW}, x4d[4] = {1, 4, 8, 8};
    tensor(&t, 4, td, 15, 1.0f);
    node(&n, "Conv", "nchwc_1");
    oh_attr_ints(&n, "pads", p1, 4);
    oh_attr_int(&n, "group", E);
    struct onr_tensor *dw_r[4] = {&t, &wd, &bd, &r};
    oh_expect_error("depthwise NchwcConv with R", &n, &o, dw_r, 4, 1, IM);
    oh_node_free(&n);

    node(&n, "Conv", "nchwc_2");
    struct onr_tensor *pw_g[5] = {&t, &wc, &bc, NULL, &g};
    oh_expect_error("1x1 NchwcConv with a G of C+1 channels", &n, &o, pw_g, 5, 1, SM);
    oh_node_free(&n);

    struct onr_tensor x4;
    tensor(&x4, 4, x4d, 16, 1.0f);
    node(&n, "Conv", "nchwc_3");
    oh_attr_int(&n, "group", 2);
    struct onr_tensor *grouped[3] = {&x4, &w2, &b4};
    oh_expect_error("NchwcConv of group 2 (no blocked kernel)", &n, &o, grouped, 3, 1, IM);
    oh_node_free(&n);

    node(&n, "FusedDepthwiseConv", "fused_1");
    dw_attrs(&n);
    struct onr_tensor *no_c[8] = {&t, &wd, &bd, NULL, NULL, NULL, NULL, &r};
    oh_expect_error("FusedDepthwiseConv with R and no consumer", &n, &o, no_c, 8, 1, IM);
    oh_node_free(&n);

    /* A depthwise Conv alone, with nothing fused, is an NchwcConv's job;
     * a producer that is itself depthwise does not fuse. */
    node(&n, "FusedDepthwiseConv", "fused_2");
    dw_attrs(&n);
    oh_attr_ints(&n, "producer_pads", p1, 4);
    oh_attr_int(&n, "producer_group", E);
    struct onr_tensor *dw_dw[5] = {&t, &wd, &bd, &wd, &bd};
    oh_expect_error("FusedDepthwiseConv with a depthwise producer", &n, &o, dw_dw, 5, 1, IM);
    oh_node_free(&n);

    onr_tensor_free(&r), onr_tensor_free(&g), onr_tensor_free(&w2), onr_tensor_free(&b4);
    onr_tensor_free(&t), onr_tensor_free(&x4);
}

int main(void)
{
    const int64_t xd[4] = {1, XC, XHW, XHW}, wsd[4] = {E, XC, 3, 3}, ed[1] = {E};
    const int64_t wdd[4] = {E, 1, 3, 3}, wcd[4] = {OC, E, 1, 1}, od[1] = {OC};
    tensor(&x, 4, xd, 1, 1.0f);
    tensor(&ws, 4, wsd, 2, 0.4f);
    tensor(&bs, 1, ed, 3, 0.2f);
    tensor(&wd, 4, wdd, 4, 0.5f);
    tensor(&bd, 1, ed, 5, 0.2f);
    tensor(&wc, 4, wcd, 6, 0.3f);
    tensor(&bc, 1, od, 7, 0.2f);
    test_fused_equals_parts();
    test_errors();
    onr_tensor_free(&x), onr_tensor_free(&ws), onr_tensor_free(&bs), onr_tensor_free(&wd);
    onr_tensor_free(&bd), onr_tensor_free(&wc), onr_tensor_free(&bc);
    printf("test_nchwc_ops: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
