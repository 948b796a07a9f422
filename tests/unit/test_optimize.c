/* The graph passes (runtime/passes/optimize.c) through the public session API:
 * for each pass a small model is run with every pass on, with only that
 * pass on and with none; outputs must agree with each other and with a
 * reference computed here (1e-5 + 1e-4*|ref|: BN folding changes rounding),
 * and onr_session_node_count / node_info must show the pass fired (fewer
 * nodes, the removed op types gone, "+relu"... in the Conv's params) only
 * when it is on. Negative cases (a Conv output with two readers, a Conv
 * output that is a graph output, a BatchNormalization whose scale is not
 * constant) must leave the graph as it is. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "testutil.h"

/* Conv geometry of every case: x 1x3x6x6, 3x3 kernels, pads 1. */
#define C 3
#define OC 4
#define HW 6
#define NX (C * HW * HW)
#define NY (OC * HW * HW)
#define NDW (C * HW * HW)

static const int64_t x_dims[4] = {1, C, HW, HW}, y_dims[4] = {1, OC, HW, HW};
static const int64_t w_dims[4] = {OC, C, 3, 3}, dw_dims[4] = {C, 1, 3, 3};
static const int64_t oc_dims[1] = {OC}, c_dims[1] = {C}, pads[4] = {1, 1, 1, 1};
static float x[NX], w[OC * C * 9], b[OC], dw[C * 9];
static float bn_scale[OC], bn_bias[OC], bn_mean[OC], bn_var[OC];
static const float bn_eps = 1e-3f;

/* Every pass but the NCHW16c layout (tests/unit/test_layout.c), which adds
 * reorder nodes to the counts checked here. */
#define PASSES_ALL (ONR_PASS_ALL & ~ONR_PASS_NCHWC_LAYOUT)

static struct onr_error err;

/* ---- building blocks ---- */

static void fill_data(void)
{
    onr_test_fill(x, NX, 1, -1.0f, 1.0f);
    onr_test_fill(w, sizeof w / sizeof w[0], 2, -0.5f, 0.5f);
    onr_test_fill(b, OC, 3, -0.3f, 0.3f);
    onr_test_fill(dw, sizeof dw / sizeof dw[0], 4, -0.6f, 0.6f);
    onr_test_fill(bn_scale, OC, 5, 0.5f, 1.5f);
    onr_test_fill(bn_bias, OC, 6, -0.5f, 0.5f);
    onr_test_fill(bn_mean, OC, 7, -0.3f, 0.3f);
    onr_test_fill(bn_var, OC, 8, 0.5f, 2.0f);
}

/* A model at `opset` with input x and the Conv 'conv' (x, w[, b]) -> c;
 * depthwise (group C, no bias) when dw is set. */
static struct mb_model *conv_model(int64_t opset, bool depthwise, bool bias)
{
    struct mb_model *m = mb_new(opset);
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, x_dims);
    Onnx__NodeProto *conv;
    if (depthwise) {
        mb_init_f32(m, "w", 4, dw_dims, dw);
        conv = mb_node(m, "Conv", "conv", "x,w", "c");
        mb_attr_int(m, conv, "group", C);
    } else {
        mb_init_f32(m, "w", 4, w_dims, w);
        if (bias) mb_init_f32(m, "b", 1, oc_dims, b);
        conv = mb_node(m, "Conv", "conv", bias ? "x,w,b" : "x,w", "c");
    }
    mb_attr_ints(m, conv, "pads", pads, 4);
    return m;
}

/* BatchNormalization initializers for `channels` channels. */
static void bn_inits(struct mb_model *m, bool scale_too, int64_t channels)
{
    const int64_t *dims = channels == OC ? oc_dims : c_dims;
    if (scale_too) mb_init_f32(m, "bn_scale", 1, dims, bn_scale);
    mb_init_f32(m, "bn_bias", 1, dims, bn_bias);
    mb_init_f32(m, "bn_mean", 1, dims, bn_mean);
    mb_init_f32(m, "bn_var", 1, dims, bn_var);
}

static void conv_ref(float *y, bool depthwise, bool bias)
{
    if (depthwise) mb_ref_conv2d(x, 1, C, HW, HW, dw, C, 3, 3, NULL, 1, 1, C, y);
    else mb_ref_conv2d(x, 1, C, HW, HW, w, OC, 3, 3, bias ? b : NULL, 1, 1, 1, y);
}

/* In place on y: (channels, HW*HW). */
static void bn_ref(float *y, int64_t channels)
{
    for (int64_t c = 0; c < channels; c++)
        for (int64_t i = 0; i < HW * HW; i++) {
            float *v = &y[c * HW * HW + i];
            *v = (float)(((double)*v - bn_mean[c]) / sqrt((double)bn_var[c] + bn_eps) * bn_scale[c] +
                         bn_bias[c]);
        }
}

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- running a case ---- */

/* What one run showed. */
struct result {
    bool ok;
    int nodes;
    char ops[512];         /* op types of the executed nodes, comma-separated */
    char conv_params[160]; /* params of the first Conv, "" when none */
    float *y[2];           /* copies of the outputs */
};

struct opt_case {
    const char *what;
    unsigned pass;         /* the pass under test (plus what it needs) */
    int removed;           /* nodes removed when the pass is on; 0: must not fire */
    const char *ops[2];    /* op types removed when it fires, or that must stay */
    const char *conv_tag;  /* in the Conv's params when it fires, absent otherwise */
    int n_in;
    struct onr_tensor_ref in[2];
    int n_out;
    const float *ref[2];
    size_t n[2];
};

static void result_free(struct result *r)
{
    free(r->y[0]);
    free(r->y[1]);
    memset(r, 0, sizeof *r);
}

static void describe_nodes(const struct onr_session *s, struct result *r)
{
    r->nodes = onr_session_node_count(s);
    size_t used = 0;
    for (int i = 0; i < r->nodes; i++) {
        struct onr_node_info info;
        if (onr_session_node_info(s, i, &info) != ONR_STATUS_OK) {
            fprintf(stderr, "node_info(%d) failed with %d nodes\n", i, r->nodes);
            onr_test_failures++;
            continue;
        }
        int k = snprintf(r->ops + used, sizeof r->ops - used, "%s%s", used ? "," : "", info.op_type);
        if (k > 0 && used + (size_t)k < sizeof r->ops) used += (size_t)k;
        if (strcmp(info.op_type, "Conv") == 0 && r->conv_params[0] == '\0')
            snprintf(r->conv_params, sizeof r->conv_params, "%s", info.params);
    }
}

static bool run_case(const struct onr_model *model, const struct opt_case *c, unsigned passes,
                     struct result *r)
{
    memset(r, 0, sizeof *r);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.passes = passes;
    struct onr_session *s = NULL;
    err.message[0] = '\0';
    enum onr_status st = onr_session_create(model, &opt, &s, &err);
    if (st == ONR_STATUS_OK) st = onr_session_run(s, c->in, c->n_in, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s (passes 0x%x): %s: %s\n", c->what, passes, onr_status_name(st),
                err.message);
        onr_test_failures++;
        onr_session_free(s);
        return false;
    }
    describe_nodes(s, r);
    r->ok = true;
    for (int k = 0; k < c->n_out; k++) {
        struct onr_tensor_ref out;
        st = onr_session_output(s, k, &out);
        if (st != ONR_STATUS_OK || out.dtype != ONR_DTYPE_FLOAT || out.nbytes != c->n[k] * 4) {
            fprintf(stderr, "%s (passes 0x%x): output %d: status %s, %zu bytes, expected %zu\n",
                    c->what, passes, k, onr_status_name(st), out.nbytes, c->n[k] * 4);
            onr_test_failures++;
            r->ok = false;
            continue;
        }
        r->y[k] = malloc(out.nbytes);
        if (r->y[k] == NULL) r->ok = false;
        else memcpy(r->y[k], out.data, out.nbytes);
    }
    onr_session_free(s);
    return r->ok;
}

/* Whether the run shows the pass as fired; prints what differs from `want`. */
static void check_fired(const struct opt_case *c, const struct result *r, int base_nodes,
                        bool want, const char *label)
{
    int want_nodes = base_nodes - (want ? c->removed : 0);
    if (r->nodes != want_nodes) {
        fprintf(stderr, "%s (%s): %d nodes (%s), expected %d\n", c->what, label, r->nodes, r->ops,
                want_nodes);
        onr_test_failures++;
    }
    for (int k = 0; k < 2 && c->ops[k] != NULL; k++) {
        bool present = strstr(r->ops, c->ops[k]) != NULL;
        if (present == (want && c->removed > 0)) {
            fprintf(stderr, "%s (%s): %s is %s in the executed nodes (%s)\n", c->what, label,
                    c->ops[k], present ? "still" : "not", r->ops);
            onr_test_failures++;
        }
    }
    if (c->conv_tag != NULL) {
        bool tagged = strstr(r->conv_params, c->conv_tag) != NULL;
        if (tagged != (want && c->removed > 0)) {
            fprintf(stderr, "%s (%s): Conv params \"%s\" %s \"%s\"\n", c->what, label,
                    r->conv_params, tagged ? "contain" : "lack", c->conv_tag);
            onr_test_failures++;
        }
    }
}

static void check_case(struct mb_model *m, const struct opt_case *c)
{
    struct onr_model *model = NULL;
    err.message[0] = '\0';
    enum onr_status st = mb_load(m, &model, &err);
    mb_free(m);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: load: %s: %s\n", c->what, onr_status_name(st), err.message);
        onr_test_failures++;
        return;
    }
    struct result none, all, one;
    bool ok_none = run_case(model, c, 0, &none);
    bool ok_all = run_case(model, c, PASSES_ALL, &all);
    bool ok_one = run_case(model, c, c->pass, &one);
    if (ok_none) check_fired(c, &none, none.nodes, false, "passes 0");
    if (ok_none && ok_all) check_fired(c, &all, none.nodes, true, "passes all");
    if (ok_none && ok_one) check_fired(c, &one, none.nodes, true, "this pass only");
    for (int k = 0; k < c->n_out; k++) {
        char what[160];
        snprintf(what, sizeof what, "%s: output %d, passes 0 vs reference", c->what, k);
        if (ok_none) CHECK(onr_test_close(what, none.y[k], c->ref[k], c->n[k], ONR_TEST_ATOL, ONR_TEST_RTOL));
        snprintf(what, sizeof what, "%s: output %d, passes all vs passes 0", c->what, k);
        if (ok_all && ok_none)
            CHECK(onr_test_close(what, all.y[k], none.y[k], c->n[k], ONR_TEST_ATOL, ONR_TEST_RTOL));
        snprintf(what, sizeof what, "%s: output %d, passes all vs reference", c->what, k);
        if (ok_all) CHECK(onr_test_close(what, all.y[k], c->ref[k], c->n[k], ONR_TEST_ATOL, ONR_TEST_RTOL));
        snprintf(what, sizeof what, "%s: output %d, this pass only vs reference", c->what, k);
        if (ok_one) CHECK(onr_test_close(what, one.y[k], c->ref[k], c->n[k], ONR_TEST_ATOL, ONR_TEST_RTOL));
    }
    result_free(&none);
    result_free(&all);
    result_free(&one);
    onr_model_free(model);
}

static struct opt_case one_output(const char *what, unsigned pass, int removed, const float *ref,
                                  size_t n)
{
    struct opt_case c = {.what = what, .pass = pass, .removed = removed, .n_in = 1, .n_out = 1};
    c.in[0] = (struct onr_tensor_ref){.name = "x", .dtype = ONR_DTYPE_FLOAT, .rank = 4,
                                      .dims = {1, C, HW, HW}, .data = x, .nbytes = sizeof x};
    c.ref[0] = ref;
    c.n[0] = n;
    return c;
}

/* ---- BatchNormalization folding ---- */

static void test_fold_batchnorm(void)
{
    static float ref[NY];
    for (int bias = 1; bias >= 0; bias--) {
        struct mb_model *m = conv_model(13, false, bias);
        bn_inits(m, true, OC);
        mb_attr_float(m, mb_node(m, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "y"),
                      "epsilon", bn_eps);
        mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
        conv_ref(ref, false, bias);
        bn_ref(ref, OC);
        struct opt_case c = one_output(bias ? "Conv+bias -> BN" : "Conv (no bias) -> BN",
                                       ONR_PASS_FOLD_BATCHNORM, 1, ref, NY);
        c.ops[0] = "BatchNormalization";
        check_case(m, &c);
    }

    /* MobileNet's block: depthwise Conv (no bias) -> BN -> Clip(0, 6). */
    static float dref[NDW];
    static const int64_t scalar[1] = {0};
    const float zero = 0.0f, six = 6.0f;
    struct mb_model *m = conv_model(13, true, false);
    bn_inits(m, true, C);
    mb_attr_float(m, mb_node(m, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "n"),
                  "epsilon", bn_eps);
    mb_attr_tensor_f32(m, mb_node(m, "Constant", "lo", "", "lo"), "value", 0, scalar, &zero);
    mb_attr_tensor_f32(m, mb_node(m, "Constant", "hi", "", "hi"), "value", 0, scalar, &six);
    mb_node(m, "Clip", "relu6", "n,lo,hi", "y");
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, x_dims);
    conv_ref(dref, true, false);
    bn_ref(dref, C);
    for (int i = 0; i < NDW; i++) dref[i] = clampf(dref[i], 0.0f, 6.0f);
    struct opt_case c = one_output("depthwise Conv -> BN -> Clip(0, 6)",
                                   ONR_PASS_FOLD_BATCHNORM | ONR_PASS_FUSE_ACTIVATION, 2, dref, NDW);
    c.ops[0] = "BatchNormalization";
    c.ops[1] = "Clip";
    c.conv_tag = "+clip";
    check_case(m, &c);
}

/* ---- activation fusion ---- */

enum act { ACT_RELU, ACT_CLIP13, ACT_CLIP13_MAX, ACT_CLIP6, ACT_HARDSIGMOID, ACT_HARDSWISH };

static float act_ref(enum act a, float v)
{
    switch (a) {
    case ACT_RELU: return v > 0.0f ? v : 0.0f;
    case ACT_CLIP13:
    case ACT_CLIP6: return clampf(v, -0.2f, 0.6f);
    case ACT_CLIP13_MAX: return v > 0.6f ? 0.6f : v;
    case ACT_HARDSIGMOID: return clampf(0.3f * v + 0.4f, 0.0f, 1.0f);
    case ACT_HARDSWISH: return v * clampf(v / 6.0f + 0.5f, 0.0f, 1.0f);
    }
    return NAN;
}

static void test_fuse_one(enum act a)
{
    static const char *names[] = {"Conv -> Relu", "Conv -> Clip (opset 13, Constant bounds)",
                                  "Conv -> Clip (opset 13, max only)",
                                  "Conv -> Clip (opset 6, attributes)",
                                  "Conv -> HardSigmoid(0.3, 0.4)", "Conv -> HardSwish"};
    static const char *ops[] = {"Relu", "Clip", "Clip", "Clip", "HardSigmoid", "HardSwish"};
    static const char *tags[] = {"+relu", "+clip", "+clip", "+clip", "+hardsigmoid", "+hardswish"};
    static const int64_t scalar[1] = {0};
    const float lo = -0.2f, hi = 0.6f;
    static float ref[NY];
    struct mb_model *m = conv_model(a == ACT_CLIP6 ? 6 : a == ACT_HARDSWISH ? 14 : 13, false, true);
    Onnx__NodeProto *n = NULL;
    switch (a) {
    case ACT_RELU: mb_node(m, "Relu", "act", "c", "y"); break;
    case ACT_CLIP13:
    case ACT_CLIP13_MAX:
        mb_attr_tensor_f32(m, mb_node(m, "Constant", "lo", "", "lo"), "value", 0, scalar, &lo);
        mb_attr_tensor_f32(m, mb_node(m, "Constant", "hi", "", "hi"), "value", 0, scalar, &hi);
        mb_node(m, "Clip", "act", a == ACT_CLIP13 ? "c,lo,hi" : "c,,hi", "y");
        break;
    case ACT_CLIP6:
        n = mb_node(m, "Clip", "act", "c", "y");
        mb_attr_float(m, n, "min", lo);
        mb_attr_float(m, n, "max", hi);
        break;
    case ACT_HARDSIGMOID:
        n = mb_node(m, "HardSigmoid", "act", "c", "y");
        mb_attr_float(m, n, "alpha", 0.3f);
        mb_attr_float(m, n, "beta", 0.4f);
        break;
    case ACT_HARDSWISH: mb_node(m, "HardSwish", "act", "c", "y"); break;
    }
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    conv_ref(ref, false, true);
    for (int i = 0; i < NY; i++) ref[i] = act_ref(a, ref[i]);
    struct opt_case c = one_output(names[a], ONR_PASS_FUSE_ACTIVATION, 1, ref, NY);
    c.ops[0] = ops[a];
    c.conv_tag = tags[a];
    check_case(m, &c);
}

static void test_fuse_activation(void)
{
    for (int a = ACT_RELU; a <= ACT_HARDSWISH; a++) test_fuse_one((enum act)a);
}

/* ---- Identity and Dropout elimination ---- */

static void test_eliminate_identity(void)
{
    static float ref[NX];
    struct mb_model *m = mb_new(13);
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, x_dims);
    mb_node(m, "Identity", "id", "x", "a");
    mb_node(m, "Relu", "relu_1", "a", "r");
    mb_node(m, "Dropout", "drop", "r", "d");
    mb_node(m, "Neg", "neg", "d", "y");
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, x_dims);
    for (int i = 0; i < NX; i++) ref[i] = -(x[i] > 0.0f ? x[i] : 0.0f);
    struct opt_case c = one_output("Identity -> Relu -> Dropout -> Neg",
                                   ONR_PASS_ELIMINATE_IDENTITY, 2, ref, NX);
    c.ops[0] = "Identity";
    c.ops[1] = "Dropout";
    check_case(m, &c);
}

/* ---- where the passes must not fire ---- */

static void test_negative(void)
{
    static float ref[NY], ref2[NY];

    /* The Conv's output is also read by the Add: BN cannot be folded into it. */
    struct mb_model *m = conv_model(13, false, true);
    bn_inits(m, true, OC);
    mb_attr_float(m, mb_node(m, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "n"),
                  "epsilon", bn_eps);
    mb_node(m, "Add", "add", "n,c", "y");
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    conv_ref(ref2, false, true);
    memcpy(ref, ref2, sizeof ref);
    bn_ref(ref, OC);
    for (int i = 0; i < NY; i++) ref[i] += ref2[i];
    struct opt_case c = one_output("Conv with two readers -> BN", ONR_PASS_FOLD_BATCHNORM, 0, ref, NY);
    c.ops[0] = "BatchNormalization";
    check_case(m, &c);

    /* The Conv's output is a graph output: the Relu after it stays apart. */
    m = conv_model(13, false, true);
    mb_node(m, "Relu", "relu", "c", "y");
    mb_output(m, "c", ONR_DTYPE_FLOAT, 4, y_dims);
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    conv_ref(ref, false, true);
    for (int i = 0; i < NY; i++) ref2[i] = ref[i] > 0.0f ? ref[i] : 0.0f;
    c = one_output("Conv (a graph output) -> Relu", ONR_PASS_FUSE_ACTIVATION, 0, ref, NY);
    c.n_out = 2;
    c.ref[1] = ref2;
    c.n[1] = NY;
    c.ops[0] = "Relu";
    c.conv_tag = "+relu";
    check_case(m, &c);

    /* The Conv's output feeds a Relu and an Add: no fusion either. */
    m = conv_model(13, false, true);
    mb_node(m, "Relu", "relu", "c", "r");
    mb_node(m, "Add", "add", "r,c", "y");
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    conv_ref(ref2, false, true);
    for (int i = 0; i < NY; i++) ref[i] = (ref2[i] > 0.0f ? ref2[i] : 0.0f) + ref2[i];
    c = one_output("Conv with two readers -> Relu", ONR_PASS_FUSE_ACTIVATION, 0, ref, NY);
    c.ops[0] = "Relu";
    c.conv_tag = "+relu";
    check_case(m, &c);

    /* BN's scale is a graph input: unknown at prepare, nothing to fold. */
    m = conv_model(13, false, true);
    mb_input(m, "bn_scale", ONR_DTYPE_FLOAT, 1, oc_dims);
    bn_inits(m, false, OC);
    mb_attr_float(m, mb_node(m, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "y"),
                  "epsilon", bn_eps);
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    conv_ref(ref, false, true);
    bn_ref(ref, OC);
    c = one_output("Conv -> BN with scale as an input", ONR_PASS_FOLD_BATCHNORM, 0, ref, NY);
    c.n_in = 2;
    c.in[1] = (struct onr_tensor_ref){.name = "bn_scale", .dtype = ONR_DTYPE_FLOAT, .rank = 1,
                                      .dims = {OC}, .data = bn_scale, .nbytes = sizeof bn_scale};
    c.ops[0] = "BatchNormalization";
    check_case(m, &c);
}

/* ---- fusions of two nodes: gated activations and residual Adds ---- */

static float r_data[NY];

/* Conv -> Sigmoid or HardSigmoid(1/6, 1/2) -> Mul(c, gate): SiLU / HardSwish. */
static void test_gated(bool sigmoid)
{
    static float ref[NY];
    struct mb_model *m = conv_model(13, false, true);
    Onnx__NodeProto *g = mb_node(m, sigmoid ? "Sigmoid" : "HardSigmoid", "gate", "c", "g");
    if (!sigmoid) {
        mb_attr_float(m, g, "alpha", 1.0f / 6.0f);
        mb_attr_float(m, g, "beta", 0.5f);
    }
    mb_node(m, "Mul", "mul", "g,c", "y");
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    conv_ref(ref, false, true);
    for (int i = 0; i < NY; i++) {
        float v = ref[i];
        float gate = sigmoid ? 1.0f / (1.0f + expf(-v)) : clampf(v / 6.0f + 0.5f, 0.0f, 1.0f);
        ref[i] = gate * v;
    }
    struct opt_case c = one_output(sigmoid ? "Conv -> x * Sigmoid(x)" : "Conv -> x * HardSigmoid(x)",
                                   ONR_PASS_FUSE_ACTIVATION, 2, ref, NY);
    c.ops[0] = "Mul";
    c.conv_tag = sigmoid ? "+silu" : "+hardswish";
    check_case(m, &c);
}

/* Conv -> Add(c, r) -> Relu, r a graph input of the Conv output's shape
 * (or, with broadcast, of shape 1xOCx1x1: then nothing may fuse). */
static void test_residual(bool broadcast)
{
    static float ref[NY];
    static const int64_t r_dims_bcast[4] = {1, OC, 1, 1};
    struct mb_model *m = conv_model(13, false, true);
    mb_input(m, "r", ONR_DTYPE_FLOAT, 4, broadcast ? r_dims_bcast : y_dims);
    mb_node(m, "Add", "add", "r,c", "s");
    mb_node(m, "Relu", "act", "s", "y");
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    onr_test_fill(r_data, NY, 9, -1.0f, 1.0f);
    conv_ref(ref, false, true);
    for (int i = 0; i < NY; i++) {
        float r = broadcast ? r_data[i / (HW * HW)] : r_data[i];
        ref[i] = ref[i] + r < 0.0f ? 0.0f : ref[i] + r;
    }
    struct opt_case c = one_output(broadcast ? "Conv -> Add(broadcast r) -> Relu"
                                             : "Conv -> Add(r) -> Relu",
                                   ONR_PASS_FUSE_RESIDUAL | ONR_PASS_FUSE_ACTIVATION,
                                   broadcast ? 0 : 2, ref, NY);
    c.n_in = 2;
    c.in[1] = (struct onr_tensor_ref){.name = "r", .dtype = ONR_DTYPE_FLOAT, .rank = 4,
                                      .dims = {1, OC, broadcast ? 1 : HW, broadcast ? 1 : HW},
                                      .data = r_data,
                                      .nbytes = (broadcast ? OC : NY) * sizeof(float)};
    c.ops[0] = "Add";
    c.conv_tag = "+add";
    check_case(m, &c);
}

/* The fused and blocked operators the passes build are internal: a model
 * file naming one is refused as an unsupported operator, naming the node. */
static void test_internal_rejected(void)
{
    static const char *const domains[] = {"onnxrun.fused", "onnxrun.nchwc"};
    for (int d = 0; d < 2; d++) {
        struct mb_model *m = mb_new(13);
        mb_input(m, "x", ONR_DTYPE_FLOAT, 4, x_dims);
        mb_init_f32(m, "w", 4, w_dims, w);
        Onnx__NodeProto *conv = mb_node(m, "Conv", "inner_conv", "x,w", "y");
        mb_node_domain(m, conv, domains[d]);
        mb_attr_ints(m, conv, "pads", pads, 4);
        mb_output(m, "y", ONR_DTYPE_FLOAT, 4, y_dims);
        struct onr_model *model = NULL;
        enum onr_status st = mb_load(m, &model, &err);
        mb_free(m);
        struct onr_session *s = NULL;
        if (st == ONR_STATUS_OK) st = onr_session_create(model, NULL, &s, &err);
        if (st != ONR_STATUS_UNSUPPORTED || strstr(err.message, "inner_conv") == NULL) {
            fprintf(stderr, "%s:Conv in a model: %s '%s', expected UNSUPPORTED naming the node\n",
                    domains[d], onr_status_name(st), err.message);
            onr_test_failures++;
        }
        onr_session_free(s);
        onr_model_free(model);
    }
}

int main(void)
{
    fill_data();
    test_fold_batchnorm();
    test_fuse_activation();
    test_eliminate_identity();
    test_negative();
    test_gated(true);
    test_gated(false);
    test_residual(false);
    test_residual(true);
    test_internal_rejected();
    if (onr_test_failures) fprintf(stderr, "test_optimize: %d failure(s)\n", onr_test_failures);
    return onr_test_failures != 0;
}
