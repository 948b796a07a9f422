/* Conv through its hooks: output shapes and values for explicit and
 * auto_pad padding, strides, dilations, groups, depthwise with multiplier,
 * bias or not, non-constant weights; the fused Conv (onnxrun.fused:Conv:
 * an activation from its attributes, a residual input R); reference mode
 * equal to the oracle, fast mode within tolerance and bitwise across
 * thread counts; describe; every rejected attribute or shape with its
 * status and a message naming the node. */
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "ops/conv.h"
#include "ops/fused_conv.h"
#include "testutil.h"

struct conv_io {
    struct onr_tensor x, w, b;
    bool has_b;
};

static void make_io(struct conv_io *io, int64_t N, int64_t C, int64_t H, int64_t W, int64_t OC,
                    int64_t cg, int64_t KH, int64_t KW, bool bias, uint64_t seed)
{
    const int64_t xd[4] = {N, C, H, W}, wd[4] = {OC, cg, KH, KW}, bd[1] = {OC};
    oh_tensor_f32(&io->x, 4, xd, NULL);
    oh_tensor_f32(&io->w, 4, wd, NULL);
    oh_tensor_f32(&io->b, 1, bd, NULL);
    onr_test_fill(io->x.data, io->x.nbytes / 4, seed, -1, 1);
    onr_test_fill(io->w.data, io->w.nbytes / 4, seed + 1, -1, 1);
    onr_test_fill(io->b.data, io->b.nbytes / 4, seed + 2, -1, 1);
    io->has_b = bias;
}

static void free_io(struct conv_io *io)
{
    onr_tensor_free(&io->x);
    onr_tensor_free(&io->w);
    onr_tensor_free(&io->b);
}

/* r: the fused Conv's residual input, or NULL. */
static struct onr_tensor *g_r;

static enum onr_status run_conv(const struct oh_node *n, const struct oh_opts *o,
                                struct conv_io *io, struct onr_tensor *y, struct onr_error *err)
{
    struct onr_tensor *in[4] = {&io->x, &io->w, io->has_b ? &io->b : NULL, g_r};
    struct onr_tensor *out[1] = {y};
    memset(y, 0, sizeof *y);
    return oh_run(n, o, in, g_r != NULL ? 4 : io->has_b ? 3 : 2, out, 1, err);
}

/* An onnxrun.fused:Conv node: n's attributes as set by the caller, then the
 * activation's. */
static void fused_node(struct oh_node *n, const char *name, const struct onr_activation *act)
{
    oh_node_init(n, "Conv", name);
    n->node.domain = ONR_DOMAIN_FUSED;
    static const char *const names[] = {"", "Relu", "Clip", "HardSigmoid", "HardSwish",
                                        "Sigmoid", "SiLU"};
    if (act != NULL && act->kind != ONR_ACT_NONE) oh_attr_string(n, "activation", names[act->kind]);
    if (act != NULL && (act->kind == ONR_ACT_CLIP || act->kind == ONR_ACT_HARDSIGMOID)) {
        const float ab[2] = {act->a, act->b};
        oh_attr_floats(n, "activation_params", ab, 2);
    }
}

/* The op in reference mode equals the oracle on the expected shape `s`;
 * fast mode is within tolerance; 1 and 3 threads agree bitwise. */
static void expect_conv(const char *what, const struct oh_node *n, struct conv_io *io,
                        unsigned const_mask, const struct onr_conv_shape *s,
                        const struct onr_activation *act)
{
    struct onr_activation none = {ONR_ACT_NONE, 0, 0};
    const size_t ny = (size_t)(s->N * s->OC * s->OH * s->OW);
    float *want = malloc(ny * sizeof *want);
    onr_conv2d_f32__ref(s, io->x.data, io->w.data, io->has_b ? io->b.data : NULL,
                        g_r != NULL ? &none : act ? act : &none, want);
    if (g_r != NULL)   /* the fused Conv adds R before its activation */
        for (size_t i = 0; i < ny; i++)
            want[i] = onr_activation_apply(act ? act : &none, want[i] + ((float *)g_r->data)[i]);
    struct onr_tensor yr, y1, y3;
    struct onr_error err = {{0}};
    /* the fused Conv is of its own domain's opset 1 */
    struct oh_opts o = {.opset = n->node.domain[0] ? 1 : 13, .reference = true,
                        .const_mask = const_mask};
    enum onr_status st = run_conv(n, &o, io, &yr, &err);
    o.reference = false;
    o.threads = 1;
    if (st == ONR_STATUS_OK) st = run_conv(n, &o, io, &y1, &err);
    o.threads = 3;
    if (st == ONR_STATUS_OK) st = run_conv(n, &o, io, &y3, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s %s\n", what, onr_status_name(st), err.message);
        onr_test_failures++;
    } else {
        const int64_t dims[4] = {s->N, s->OC, s->OH, s->OW};
        CHECK(yr.shape.rank == 4 && memcmp(yr.shape.dims, dims, sizeof dims) == 0);
        if (!onr_test_bitwise(what, yr.data, want, ny)) onr_test_failures++;
        if (!onr_test_close(what, y1.data, want, ny, ONR_TEST_ATOL, ONR_TEST_RTOL))
            onr_test_failures++;
        if (!onr_test_bitwise(what, y3.data, y1.data, ny)) onr_test_failures++;
    }
    onr_tensor_free(&yr), onr_tensor_free(&y1), onr_tensor_free(&y3);
    free(want);
}

static struct onr_conv_shape shape(int64_t N, int64_t C, int64_t H, int64_t W, int64_t OC,
                                   int64_t K, int64_t OH, int64_t OW, int64_t group)
{
    struct onr_conv_shape s = {.N = N, .C = C, .H = H, .W = W, .OC = OC, .KH = K, .KW = K,
                               .OH = OH, .OW = OW, .stride_h = 1, .stride_w = 1,
                               .dil_h = 1, .dil_w = 1, .group = group};
    return s;
}

static void test_values(void)
{
    struct oh_node n;
    struct conv_io io;
    const int64_t p1[4] = {1, 1, 1, 1}, pa[4] = {0, 1, 2, 1}, s2[2] = {2, 2}, d2[2] = {2, 2};
    const int64_t k3[2] = {3, 3}, s21[2] = {2, 1};
    struct onr_conv_shape s;

    oh_node_init(&n, "Conv", "conv_pad1");
    oh_attr_ints(&n, "pads", p1, 4);
    make_io(&io, 1, 3, 9, 7, 5, 3, 3, 3, true, 1);
    s = shape(1, 3, 9, 7, 5, 3, 9, 7, 1);
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 1;
    expect_conv("3x3 pads 1", &n, &io, 7, &s, NULL);
    expect_conv("3x3 pads 1, W and B not constant", &n, &io, 1, &s, NULL);
    oh_node_free(&n);
    /* the same as onnxrun.fused:Conv with each activation, then with R */
    const struct onr_activation acts[] = {
        {ONR_ACT_NONE, 0, 0}, {ONR_ACT_RELU, 0, 0}, {ONR_ACT_CLIP, 0.0f, 6.0f},
        {ONR_ACT_HARDSIGMOID, 0.3f, 0.4f}, {ONR_ACT_HARDSWISH, 0, 0}, {ONR_ACT_SIGMOID, 0, 0},
        {ONR_ACT_SILU, 0, 0},
    };
    struct onr_tensor r;
    const int64_t rd[4] = {1, 5, 9, 7};
    oh_tensor_f32(&r, 4, rd, NULL);
    onr_test_fill(r.data, r.nbytes / 4, 99, -1, 1);
    for (int with_r = 0; with_r < 2; with_r++)
        for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
            char what[64];
            snprintf(what, sizeof what, "fused Conv, activation %d%s", (int)acts[a].kind,
                     with_r ? ", R" : "");
            fused_node(&n, "fused_conv", &acts[a]);
            oh_attr_ints(&n, "pads", p1, 4);
            g_r = with_r ? &r : NULL;
            expect_conv(what, &n, &io, with_r ? 15 : 7, &s, &acts[a]);
            g_r = NULL;
            oh_node_free(&n);
        }
    onr_tensor_free(&r);
    free_io(&io);

    /* pads are [top, left, bottom, right]; strides 2x1. */
    oh_node_init(&n, "Conv", "conv_asym");
    oh_attr_ints(&n, "pads", pa, 4);
    oh_attr_ints(&n, "strides", s21, 2);
    make_io(&io, 3, 4, 8, 6, 6, 2, 3, 3, false, 2);
    oh_attr_int(&n, "group", 2);
    s = shape(3, 4, 8, 6, 6, 3, (8 + 2 - 3) / 2 + 1, 6 + 2 - 3 + 1, 2);
    s.pad_left = 1, s.pad_bottom = 2, s.pad_right = 1, s.stride_h = 2;
    expect_conv("asymmetric pads, stride 2x1, group 2", &n, &io, 7, &s, NULL);
    free_io(&io), oh_node_free(&n);

    oh_node_init(&n, "Conv", "conv_dil");
    oh_attr_ints(&n, "dilations", d2, 2);
    oh_attr_ints(&n, "kernel_shape", k3, 2);
    oh_attr_ints(&n, "pads", p1, 4);
    make_io(&io, 1, 8, 11, 10, 16, 1, 3, 3, true, 3);
    oh_attr_int(&n, "group", 8);
    s = shape(1, 8, 11, 10, 16, 3, 11 + 2 - 5 + 1, 10 + 2 - 5 + 1, 8);
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 1;
    s.dil_h = s.dil_w = 2;
    expect_conv("depthwise x2 multiplier, dilation 2", &n, &io, 7, &s, NULL);
    free_io(&io), oh_node_free(&n);

    oh_node_init(&n, "Conv", "conv_pw");
    make_io(&io, 1, 17, 5, 7, 9, 17, 1, 1, true, 4);
    s = shape(1, 17, 5, 7, 9, 1, 5, 7, 1);
    expect_conv("pointwise", &n, &io, 7, &s, NULL);
    free_io(&io), oh_node_free(&n);

    /* 8x8, kernel 3, stride 2: SAME needs 4 outputs and one pad row/col. */
    const char *modes[] = {"SAME_UPPER", "SAME_LOWER", "VALID"};
    for (int m = 0; m < 3; m++) {
        oh_node_init(&n, "Conv", "conv_auto");
        oh_attr_string(&n, "auto_pad", modes[m]);
        oh_attr_ints(&n, "strides", s2, 2);
        make_io(&io, 1, 2, 8, 8, 3, 2, 3, 3, true, 5);
        s = shape(1, 2, 8, 8, 3, 3, m == 2 ? 3 : 4, m == 2 ? 3 : 4, 1);
        s.stride_h = s.stride_w = 2;
        if (m == 0) s.pad_bottom = s.pad_right = 1;
        if (m == 1) s.pad_top = s.pad_left = 1;
        expect_conv(modes[m], &n, &io, 7, &s, NULL);
        free_io(&io), oh_node_free(&n);
    }
}

static enum onr_status check_describe(const struct onr_op_def *def, struct onr_op_ctx *ctx,
                                      void *arg, struct onr_error *err)
{
    char buf[160];
    int64_t macs = -1;
    CHECK(def->describe != NULL);
    def->describe(ctx, buf, sizeof buf, &macs);
    CHECK(strncmp(buf, "k=3x3 s=2x2 p=1,1,1,1 d=1x1 g=8", 31) == 0);
    CHECK(macs == 2 * 8 * 4 * 4 * 1 * 3 * 3);
    const struct onr_conv_shape *s = onr_conv_get_shape(ctx->params);
    CHECK(s != NULL && s->OH == 4 && s->group == 8);
    return ONR_STATUS_OK;
}

static void test_describe_and_opsets(void)
{
    struct oh_node n;
    struct conv_io io;
    const int64_t p1[4] = {1, 1, 1, 1}, s2[2] = {2, 2};
    oh_node_init(&n, "Conv", "conv_desc");
    oh_attr_ints(&n, "pads", p1, 4);
    oh_attr_ints(&n, "strides", s2, 2);
    oh_attr_int(&n, "group", 8);
    make_io(&io, 2, 8, 7, 7, 8, 1, 3, 3, true, 6);
    struct onr_tensor y;
    struct onr_error err;
    struct oh_opts o = {.opset = 1, .const_mask = 7, .after_prepare = check_describe};
    CHECK_STATUS(run_conv(&n, &o, &io, &y, &err), ONR_STATUS_OK);
    onr_tensor_free(&y);
    o.opset = 17;
    CHECK_STATUS(run_conv(&n, &o, &io, &y, &err), ONR_STATUS_OK);
    onr_tensor_free(&y);
    CHECK(onr_op_find("Conv", "", 18) == NULL);
    free_io(&io), oh_node_free(&n);
}

/* One rejected configuration: attributes set by `setup`, inputs shaped by
 * the arguments; expects `want` and the node's name in the message. */
static void expect_error(const char *what, void (*setup)(struct oh_node *), int64_t C,
                         int64_t H, int64_t OC, int64_t cg, int64_t K, int64_t nb,
                         enum onr_status want)
{
    struct oh_node n;
    struct conv_io io;
    oh_node_init(&n, "Conv", "conv_3");
    if (setup) setup(&n);
    make_io(&io, 1, C, H, H, OC, cg, K, K, true, 7);
    if (nb != OC) {
        const int64_t bd[1] = {nb};
        onr_tensor_free(&io.b);
        oh_tensor_f32(&io.b, 1, bd, NULL);
    }
    struct onr_tensor *in[3] = {&io.x, &io.w, &io.b};
    struct oh_opts o = {.opset = 11, .const_mask = 7};
    oh_expect_error(what, &n, &o, in, 3, 1, want);
    free_io(&io), oh_node_free(&n);
}

#define SETUP(fn, body) static void fn(struct oh_node *n) { body; }
static const int64_t zero2[2] = {0, 0}, neg2[2] = {1, -1}, one1[1] = {1}, negpad[4] = {0, 0, -1, 0};
static const int64_t three[3] = {1, 1, 1}, k5[2] = {5, 5}, p1[4] = {1, 1, 1, 1};
static const int64_t huge[4] = {INT64_MAX, 0, INT64_MAX, 0};
SETUP(strides_zero, oh_attr_ints(n, "strides", zero2, 2))
SETUP(strides_neg, oh_attr_ints(n, "strides", neg2, 2))
SETUP(dil_zero, oh_attr_ints(n, "dilations", zero2, 2))
SETUP(pads_neg, oh_attr_ints(n, "pads", negpad, 4))
SETUP(pads_three, oh_attr_ints(n, "pads", three, 3))
SETUP(pads_huge, oh_attr_ints(n, "pads", huge, 4))
SETUP(strides_1d, oh_attr_ints(n, "strides", one1, 1))
SETUP(group0, oh_attr_int(n, "group", 0))
SETUP(group5, oh_attr_int(n, "group", 5))
SETUP(group2, oh_attr_int(n, "group", 2))
SETUP(group_float, oh_attr_float(n, "group", 2.0f))
SETUP(kernel5, oh_attr_ints(n, "kernel_shape", k5, 2))
SETUP(autopad_bad, oh_attr_string(n, "auto_pad", "SAME"))
SETUP(autopad_pads, oh_attr_string(n, "auto_pad", "VALID"); oh_attr_ints(n, "pads", p1, 4))

static void test_errors(void)
{
    const enum onr_status IM = ONR_STATUS_INVALID_MODEL, SM = ONR_STATUS_SHAPE_MISMATCH;
    expect_error("strides 0", strides_zero, 4, 6, 4, 4, 3, 4, IM);
    expect_error("strides -1", strides_neg, 4, 6, 4, 4, 3, 4, IM);
    expect_error("dilations 0", dil_zero, 4, 6, 4, 4, 3, 4, IM);
    expect_error("pads -1", pads_neg, 4, 6, 4, 4, 3, 4, IM);
    expect_error("3 pads", pads_three, 4, 6, 4, 4, 3, 4, IM);
    expect_error("huge pads", pads_huge, 4, 6, 4, 4, 3, 4, IM);
    expect_error("1-D strides on rank-4 X", strides_1d, 4, 6, 4, 4, 3, 4, IM);
    expect_error("group 0", group0, 4, 6, 4, 4, 3, 4, IM);
    expect_error("group 5 of C=32", group5, 32, 6, 5, 6, 3, 5, IM);
    expect_error("group 2 of OC=3", group2, 4, 6, 3, 2, 3, 3, IM);
    expect_error("group as float", group_float, 4, 6, 4, 2, 3, 4, IM);
    expect_error("W channels != C/group", group2, 4, 6, 4, 4, 3, 4, SM);
    expect_error("kernel_shape != W", kernel5, 4, 6, 4, 4, 3, 4, IM);
    expect_error("auto_pad SAME", autopad_bad, 4, 6, 4, 4, 3, 4, IM);
    expect_error("auto_pad with pads", autopad_pads, 4, 6, 4, 4, 3, 4, IM);
    expect_error("B length != OC", NULL, 4, 6, 4, 4, 3, 5, SM);
    expect_error("output size 0", NULL, 4, 2, 4, 4, 3, 4, SM);

    /* Rank-6 X (4-D convolution), rank-2 X, and int64 X. */
    struct oh_node n;
    oh_node_init(&n, "Conv", "conv_3");
    struct onr_tensor x, w, xi;
    const int64_t xd[6] = {1, 2, 3, 3, 3, 3}, wd[6] = {2, 2, 1, 1, 1, 1}, wd4[4] = {2, 2, 3, 3};
    oh_tensor_f32(&x, 6, xd, NULL);
    oh_tensor_f32(&w, 6, wd, NULL);
    struct onr_tensor *in[2] = {&x, &w};
    struct oh_opts o = {.opset = 13, .const_mask = 3};
    oh_expect_error("rank-6 X", &n, &o, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&x), onr_tensor_free(&w);
    oh_tensor_f32(&x, 2, xd, NULL);
    oh_tensor_f32(&w, 2, wd, NULL);
    oh_expect_error("rank-2 X", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    onr_tensor_free(&x), onr_tensor_free(&w);
    struct onr_shape si = {.rank = 4, .dims = {1, 2, 5, 5}};
    memset(&xi, 0, sizeof xi);
    CHECK_STATUS(onr_tensor_alloc(&xi, ONR_DTYPE_INT64, &si, NULL), ONR_STATUS_OK);
    oh_tensor_f32(&w, 4, wd4, NULL);
    in[0] = &xi;
    in[1] = &w;
    oh_expect_error("int64 X", &n, &o, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    onr_tensor_free(&xi), onr_tensor_free(&w), oh_node_free(&n);
}

/* The fused Conv's own attributes and input: each rejected value. */
static void test_fused_errors(void)
{
    const enum onr_status IM = ONR_STATUS_INVALID_MODEL;
    struct conv_io io;
    make_io(&io, 1, 4, 6, 6, 4, 4, 3, 3, true, 8);
    struct onr_tensor r;
    const int64_t rd[4] = {1, 4, 5, 5};   /* Y is 1x4x4x4 */
    oh_tensor_f32(&r, 4, rd, NULL);
    struct onr_tensor *in[4] = {&io.x, &io.w, &io.b, &r};
    struct oh_opts o = {.opset = 1, .const_mask = 15};
    struct oh_node n;
    const float one[1] = {1.0f}, inverted[2] = {1.0f, 0.0f};
    fused_node(&n, "fused_3", NULL);
    oh_attr_string(&n, "activation", "Gelu");
    oh_expect_error("unknown activation", &n, &o, in, 3, 1, IM);
    oh_node_free(&n);
    fused_node(&n, "fused_3", NULL);
    oh_attr_string(&n, "activation", "Clip");
    oh_attr_floats(&n, "activation_params", one, 1);
    oh_expect_error("Clip with one param", &n, &o, in, 3, 1, IM);
    oh_node_free(&n);
    fused_node(&n, "fused_3", NULL);
    oh_attr_string(&n, "activation", "Clip");
    oh_attr_floats(&n, "activation_params", inverted, 2);
    oh_expect_error("Clip min > max", &n, &o, in, 3, 1, IM);
    oh_node_free(&n);
    fused_node(&n, "fused_3", NULL);
    oh_attr_string(&n, "activation", "Relu");
    oh_attr_floats(&n, "activation_params", inverted, 2);
    oh_expect_error("Relu with params", &n, &o, in, 3, 1, IM);
    oh_node_free(&n);
    fused_node(&n, "fused_3", NULL);
    oh_expect_error("R not of Y's shape", &n, &o, in, 4, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    onr_tensor_free(&r);
    free_io(&io);
    /* internal: a model cannot name it, the supported list leaves it out */
    CHECK(onr_op_find("Conv", ONR_DOMAIN_FUSED, 1) == &onr_op_fused_conv);
    CHECK(onr_op_fused_conv.flags & ONR_OP_FLAG_INTERNAL);
}

int main(void)
{
    test_values();
    test_describe_and_opsets();
    test_errors();
    test_fused_errors();
    printf("test_conv: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
