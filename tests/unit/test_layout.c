/* The NCHW16c layout pass (runtime/passes/layout.c): a chain of 1x1 and depthwise
 * Convs with a fused residual and activations, whose intermediate values
 * are also read by plain nodes and are graph outputs, runs blocked with
 * reorders only at the chain's edges, and gives the reference kernels'
 * results (bitwise the same for 1, 2 and 3 threads); a stem Conv reads
 * its plain input and writes blocked, and is computed inside the depthwise
 * Conv that reads it (unless fuse_stem is off), as are a 1x1 expansion
 * with a big output before a depthwise Conv and a 1x1 projection with its
 * residual after one (unless fuse_expand / fuse_project are off); a squeeze-excite block's pool and
 * gate run blocked and its Mul folds into the next Conv; a lone depthwise
 * Conv stays plain, and a depthwise Conv and its 1x1 Conv with plain nodes
 * on both sides (the notebook's block, also with a residual) run as one
 * plain onnxrun.fused:DepthwisePointwise. On CPUs without AVX2 the pass must leave graphs alone;
 * with ONR_DISABLE_AVX512=1 it runs the AVX2 kernels. */
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "runtime/cpu.h"
#include "testutil.h"

enum { N = 2, C = 20, HW = 9, M = 24, OC = 17, HW2 = 5 };

static float x[N * M * HW * HW]; /* C or M channels */
static float wa[M * C], ba[M], wb[M * 9], bb[M], wc[M * M], bc[M], wf[M * 25], wg[OC * M], bg[OC];
static float ws[M * 3 * 9];
static struct onr_error err;
/* the expand model: x (XC channels, XHW x XHW) -> 1x1 to XE -> dw3x3 -> 1x1 */
enum { XC = 16, XE = 64, XHW = 48 };
static float xe[N * XC * XHW * XHW], we1[XE * XC], be1[XE], wd1[XE * 9], bd1[XE], wp1[OC * XE];
/* the input runs use: x and its side (HW but for the expand model) */
static const float *g_x = x;
static int64_t g_hw = HW;

static void fill(void)
{
    onr_test_fill(x, sizeof x / 4, 1, -1.0f, 1.0f);
    onr_test_fill(xe, sizeof xe / 4, 21, -1.0f, 1.0f);
    onr_test_fill(we1, sizeof we1 / 4, 22, -0.4f, 0.4f);
    onr_test_fill(be1, sizeof be1 / 4, 23, -0.2f, 0.2f);
    onr_test_fill(wd1, sizeof wd1 / 4, 24, -0.5f, 0.5f);
    onr_test_fill(bd1, sizeof bd1 / 4, 25, -0.2f, 0.2f);
    onr_test_fill(wp1, sizeof wp1 / 4, 26, -0.3f, 0.3f);
    onr_test_fill(wa, sizeof wa / 4, 2, -0.4f, 0.4f);
    onr_test_fill(ba, sizeof ba / 4, 3, -0.2f, 0.2f);
    onr_test_fill(wb, sizeof wb / 4, 4, -0.5f, 0.5f);
    onr_test_fill(bb, sizeof bb / 4, 5, -0.2f, 0.2f);
    onr_test_fill(wc, sizeof wc / 4, 6, -0.3f, 0.3f);
    onr_test_fill(bc, sizeof bc / 4, 7, -0.2f, 0.2f);
    onr_test_fill(wf, sizeof wf / 4, 8, -0.3f, 0.3f);
    onr_test_fill(wg, sizeof wg / 4, 9, -0.3f, 0.3f);
    onr_test_fill(bg, sizeof bg / 4, 10, -0.2f, 0.2f);
    onr_test_fill(ws, sizeof ws / 4, 11, -0.4f, 0.4f);
}

static void conv_attrs(struct mb_model *m, Onnx__NodeProto *n, int64_t group, int64_t k,
                       int64_t stride)
{
    const int64_t pads[4] = {k / 2, k / 2, k / 2, k / 2}, strides[2] = {stride, stride};
    mb_attr_int(m, n, "group", group);
    mb_attr_ints(m, n, "pads", pads, 4);
    mb_attr_ints(m, n, "strides", strides, 2);
}

/* x -> a = relu(pw) -> b = clip(dw3x3) -> relu(pw(b) + a) -> dw5x5 s2 -> g = pw;
 * h = sigmoid(a); outputs g, h, b. */
static struct mb_model *chain_model(void)
{
    struct mb_model *m = mb_new(13);
    const int64_t xd[4] = {N, C, HW, HW}, gd[4] = {N, OC, HW2, HW2}, ad[4] = {N, M, HW, HW};
    const int64_t wad[4] = {M, C, 1, 1}, wbd[4] = {M, 1, 3, 3}, wcd[4] = {M, M, 1, 1};
    const int64_t wfd[4] = {M, 1, 5, 5}, wgd[4] = {OC, M, 1, 1}, md[1] = {M}, od[1] = {OC};
    const int64_t sd[1] = {1};
    const float lo = 0.0f, hi = 0.5f;
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, xd);
    mb_output(m, "g", ONR_DTYPE_FLOAT, 4, gd);
    mb_output(m, "h", ONR_DTYPE_FLOAT, 4, ad);
    mb_output(m, "b", ONR_DTYPE_FLOAT, 4, ad);
    mb_init_f32(m, "wa", 4, wad, wa);
    mb_init_f32(m, "ba", 1, md, ba);
    mb_init_f32(m, "wb", 4, wbd, wb);
    mb_init_f32(m, "bb", 1, md, bb);
    mb_init_f32(m, "wc", 4, wcd, wc);
    mb_init_f32(m, "bc", 1, md, bc);
    mb_init_f32(m, "wf", 4, wfd, wf);
    mb_init_f32(m, "wg", 4, wgd, wg);
    mb_init_f32(m, "bg", 1, od, bg);
    mb_init_f32(m, "lo", 0, sd, &lo);
    mb_init_f32(m, "hi", 0, sd, &hi);
    conv_attrs(m, mb_node(m, "Conv", "pw1", "x,wa,ba", "a0"), 1, 1, 1);
    mb_node(m, "Relu", "", "a0", "a");
    conv_attrs(m, mb_node(m, "Conv", "dw1", "a,wb,bb", "b0"), M, 3, 1);
    mb_node(m, "Clip", "", "b0,lo,hi", "b");
    conv_attrs(m, mb_node(m, "Conv", "pw2", "b,wc,bc", "c"), 1, 1, 1);
    mb_node(m, "Add", "", "c,a", "d");
    mb_node(m, "Relu", "", "d", "e");
    conv_attrs(m, mb_node(m, "Conv", "dw2", "e,wf,", "f"), M, 5, 2);
    conv_attrs(m, mb_node(m, "Conv", "pw3", "f,wg,bg", "g"), 1, 1, 1);
    mb_node(m, "Sigmoid", "", "a", "h");
    return m;
}

/* x (3 channels) -> stem 3x3 stride 2 -> dw3x3 -> pw: the stem reads x
 * plain and writes blocked, so the chain needs no reorder at its start. */
static struct mb_model *stem_model(void)
{
    struct mb_model *m = mb_new(13);
    const int64_t xd[4] = {N, 3, HW, HW}, yd[4] = {N, OC, HW2, HW2};
    const int64_t wsd[4] = {M, 3, 3, 3}, wbd[4] = {M, 1, 3, 3}, wgd[4] = {OC, M, 1, 1};
    const int64_t md[1] = {M}, od[1] = {OC};
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, xd);
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, yd);
    mb_init_f32(m, "ws", 4, wsd, ws);
    mb_init_f32(m, "bs", 1, md, bc);
    mb_init_f32(m, "wb", 4, wbd, wb);
    mb_init_f32(m, "bb", 1, md, bb);
    mb_init_f32(m, "wg", 4, wgd, wg);
    mb_init_f32(m, "bg", 1, od, bg);
    conv_attrs(m, mb_node(m, "Conv", "stem", "x,ws,bs", "s0"), 1, 3, 2);
    mb_node(m, "Relu", "", "s0", "s");
    conv_attrs(m, mb_node(m, "Conv", "dw", "s,wb,bb", "t"), M, 3, 1);
    conv_attrs(m, mb_node(m, "Conv", "pw", "t,wg,bg", "y"), 1, 1, 1);
    return m;
}

/* x -> dw3x3 -> pw, the notebook's block: plain on both sides, so blocked it
 * would need two reorders and plain none; it runs as one plain
 * onnxrun.fused:DepthwisePointwise. */
static struct mb_model *pair_model(void)
{
    struct mb_model *m = mb_new(13);
    const int64_t xd[4] = {N, M, HW, HW}, yd[4] = {N, OC, HW, HW};
    const int64_t wbd[4] = {M, 1, 3, 3}, wgd[4] = {OC, M, 1, 1}, md[1] = {M}, od[1] = {OC};
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, xd);
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, yd);
    mb_init_f32(m, "wb", 4, wbd, wb);
    mb_init_f32(m, "bb", 1, md, bb);
    mb_init_f32(m, "wg", 4, wgd, wg);
    mb_init_f32(m, "bg", 1, od, bg);
    conv_attrs(m, mb_node(m, "Conv", "dw", "x,wb,bb", "t"), M, 3, 1);
    conv_attrs(m, mb_node(m, "Conv", "pw", "t,wg,bg", "y"), 1, 1, 1);
    return m;
}

/* x -> dw3x3 -> relu -> pw (+ x) -> relu: the same with the depthwise
 * Conv's activation and the residual, which it reads plain as well. */
static struct mb_model *pair_residual_model(void)
{
    struct mb_model *m = mb_new(13);
    const int64_t xd[4] = {N, M, HW, HW}, wbd[4] = {M, 1, 3, 3}, wcd[4] = {M, M, 1, 1}, md[1] = {M};
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, xd);
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, xd);
    mb_init_f32(m, "wb", 4, wbd, wb);
    mb_init_f32(m, "bb", 1, md, bb);
    mb_init_f32(m, "wc", 4, wcd, wc);
    mb_init_f32(m, "bc", 1, md, bc);
    conv_attrs(m, mb_node(m, "Conv", "dw", "x,wb,bb", "t0"), M, 3, 1);
    mb_node(m, "Relu", "", "t0", "t");
    conv_attrs(m, mb_node(m, "Conv", "pw", "t,wc,bc", "p"), 1, 1, 1);
    mb_node(m, "Add", "", "p,x", "a");
    mb_node(m, "Relu", "", "a", "y");
    return m;
}

struct run {
    int n_out;
    float *y[3];
    size_t n[3];
    int reorders_in, reorders_out, blocked_convs, muls, plain_pairs;
    int isa_kernels; /* nodes whose kernel is an AVX2 or AVX-512 one */
};

static int g_max_isa = ONR_ISA_LEVEL_DEFAULT; /* the sessions' options.max_isa */

static void run_free(struct run *r)
{
    for (int k = 0; k < 3; k++) free(r->y[k]);
    memset(r, 0, sizeof *r);
}

static bool run(const struct onr_model *model, const float *in, size_t in_bytes, int in_c,
                unsigned passes, int reference, int threads, struct run *r)
{
    memset(r, 0, sizeof *r);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.passes = passes;
    opt.reference_kernels = reference;
    opt.threads = threads;
    opt.max_isa = g_max_isa;
    struct onr_session *s = NULL;
    struct onr_tensor_ref xin = {.name = "x", .dtype = ONR_DTYPE_FLOAT, .rank = 4,
                                 .dims = {N, in_c, g_hw, g_hw}, .data = in, .nbytes = in_bytes};
    enum onr_status st = onr_session_create(model, &opt, &s, &err);
    if (st == ONR_STATUS_OK) st = onr_session_run(s, &xin, 1, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "passes 0x%x ref %d threads %d: %s: %s\n", passes, reference, threads,
                onr_status_name(st), err.message);
        onr_test_failures++;
        onr_session_free(s);
        return false;
    }
    for (int i = 0; i < onr_session_node_count(s); i++) {
        struct onr_node_info info;
        if (onr_session_node_info(s, i, &info) != ONR_STATUS_OK) continue;
        r->reorders_in += strcmp(info.op_type, "ReorderToNCHW16c") == 0;
        r->reorders_out += strcmp(info.op_type, "ReorderToNCHW") == 0;
        r->blocked_convs += (strcmp(info.op_type, "Conv") == 0 ||
                             strcmp(info.op_type, "FusedDepthwiseConv") == 0) &&
                            strstr(info.params, "nchwc_") != NULL;
        r->muls += strcmp(info.op_type, "Mul") == 0;
        r->plain_pairs += strcmp(info.op_type, "DepthwisePointwise") == 0;
        r->isa_kernels += strstr(info.params, "__avx") != NULL;
    }
    r->n_out = onr_model_output_count(model);
    for (int k = 0; k < r->n_out && k < 3; k++) {
        struct onr_tensor_ref out;
        if (onr_session_output(s, k, &out) != ONR_STATUS_OK || (r->y[k] = malloc(out.nbytes)) == NULL) {
            onr_test_failures++;
            continue;
        }
        memcpy(r->y[k], out.data, out.nbytes);
        r->n[k] = out.nbytes / sizeof(float);
    }
    onr_session_free(s);
    return true;
}

static void check_model(struct mb_model *m, const char *what, int in_c, unsigned passes,
                        int want_in, int want_out, int want_blocked, int want_muls,
                        int want_pairs)
{
    struct onr_model *model = NULL;
    enum onr_status st = mb_load(m, &model, &err);
    mb_free(m);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: load: %s\n", what, err.message);
        onr_test_failures++;
        return;
    }
    const bool avx2 = onr_cpu_has_avx2_fma();
    if (!avx2) want_in = want_out = want_blocked = want_pairs = 0;
    if (!avx2 && want_muls >= 0) want_muls = 1;
    const size_t in_bytes = (size_t)(N * in_c * g_hw * g_hw) * sizeof(float);
    const float *x = g_x;
    struct run ref, plain, blocked[3];
    bool ok = run(model, x, in_bytes, in_c, ONR_PASS_DEFAULT, 1, 1, &ref);
    ok &= run(model, x, in_bytes, in_c, ONR_PASS_DEFAULT & ~ONR_PASS_NCHWC_LAYOUT, 0, 2, &plain);
    for (int t = 0; t < 3; t++) ok &= run(model, x, in_bytes, in_c, passes, 0, t + 1, &blocked[t]);
    if (ok) {
        CHECK(plain.reorders_in == 0 && plain.reorders_out == 0 && plain.blocked_convs == 0 &&
              plain.plain_pairs == 0);
        CHECK(ref.reorders_in == 0 && ref.reorders_out == 0 && ref.blocked_convs == 0 &&
              ref.plain_pairs == 0);
        if (blocked[0].reorders_in != want_in || blocked[0].reorders_out != want_out ||
            blocked[0].blocked_convs != want_blocked ||
            (want_muls >= 0 && blocked[0].muls != want_muls) || blocked[0].plain_pairs != want_pairs) {
            fprintf(stderr, "%s: %d reorders in, %d out, %d blocked Convs, %d Muls, %d plain "
                    "pairs; expected %d, %d, %d, %d, %d\n", what, blocked[0].reorders_in,
                    blocked[0].reorders_out, blocked[0].blocked_convs, blocked[0].muls,
                    blocked[0].plain_pairs, want_in, want_out, want_blocked, want_muls, want_pairs);
            onr_test_failures++;
        }
        for (int k = 0; k < ref.n_out; k++) {
            char label[96];
            snprintf(label, sizeof label, "%s: output %d, layout pass vs reference", what, k);
            CHECK(onr_test_close(label, blocked[0].y[k], ref.y[k], ref.n[k], ONR_TEST_ATOL, ONR_TEST_RTOL));
            snprintf(label, sizeof label, "%s: output %d, plain vs reference", what, k);
            CHECK(onr_test_close(label, plain.y[k], ref.y[k], ref.n[k], ONR_TEST_ATOL, ONR_TEST_RTOL));
            for (int t = 1; t < 3; t++) {
                snprintf(label, sizeof label, "%s: output %d, 1 vs %d threads", what, k, t + 1);
                CHECK(onr_test_bitwise(label, blocked[0].y[k], blocked[t].y[k], ref.n[k]));
            }
        }
    }
    run_free(&ref);
    run_free(&plain);
    for (int t = 0; t < 3; t++) run_free(&blocked[t]);
    onr_model_free(model);
}

/* Squeeze-excite: t = dw(relu(pw(x))); g = hardsigmoid(pw(relu(pw(GAP(t)))));
 * y = pw(t * g). Everything blocked; the Mul folds into the last Conv. */
static struct mb_model *se_model(void)
{
    enum { S = 8 };
    struct mb_model *m = mb_new(13);
    const int64_t xd[4] = {N, M, HW, HW}, yd[4] = {N, OC, HW, HW};
    const int64_t wcd[4] = {M, M, 1, 1}, wbd[4] = {M, 1, 3, 3}, w1d[4] = {S, M, 1, 1};
    const int64_t w2d[4] = {M, S, 1, 1}, wgd[4] = {OC, M, 1, 1}, md[1] = {M}, od[1] = {OC};
    const int64_t sd[1] = {S};
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, xd);
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, yd);
    mb_init_f32(m, "wc", 4, wcd, wc);
    mb_init_f32(m, "bc", 1, md, bc);
    mb_init_f32(m, "wb", 4, wbd, wb);
    mb_init_f32(m, "bb", 1, md, bb);
    mb_init_f32(m, "w1", 4, w1d, wa);          /* 192 of wa's floats */
    mb_init_f32(m, "b1", 1, sd, ba);
    mb_init_f32(m, "w2", 4, w2d, wa + S * M);  /* the next 192 */
    mb_init_f32(m, "b2", 1, md, bb);
    mb_init_f32(m, "wg", 4, wgd, wg);
    mb_init_f32(m, "bg", 1, od, bg);
    conv_attrs(m, mb_node(m, "Conv", "expand", "x,wc,bc", "e0"), 1, 1, 1);
    mb_node(m, "Relu", "", "e0", "e");
    conv_attrs(m, mb_node(m, "Conv", "dw", "e,wb,bb", "t"), M, 3, 1);
    mb_node(m, "GlobalAveragePool", "", "t", "p");
    conv_attrs(m, mb_node(m, "Conv", "se1", "p,w1,b1", "q0"), 1, 1, 1);
    mb_node(m, "Relu", "", "q0", "q");
    conv_attrs(m, mb_node(m, "Conv", "se2", "q,w2,b2", "g0"), 1, 1, 1);
    mb_node(m, "HardSigmoid", "", "g0", "g");
    mb_node(m, "Mul", "", "t,g", "u");
    conv_attrs(m, mb_node(m, "Conv", "project", "u,wg,bg", "y"), 1, 1, 1);
    return m;
}

/* xe -> expand 1x1 (16 -> 64, relu) -> dw3x3 -> 1x1 (64 -> 16) + xe: the
 * expansion's and the depthwise Conv's outputs (576 KB an image) are big
 * and the 1x1 weights small, so the depthwise Conv computes the expansion
 * and the projection (with its residual Add) a few rows at a time. */
static struct mb_model *expand_model(void)
{
    struct mb_model *m = mb_new(13);
    const int64_t xd[4] = {N, XC, XHW, XHW}, yd[4] = {N, XC, XHW, XHW};
    const int64_t w1d[4] = {XE, XC, 1, 1}, wdd[4] = {XE, 1, 3, 3}, wpd[4] = {XC, XE, 1, 1};
    const int64_t ed[1] = {XE}, od[1] = {XC};
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, xd);
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, yd);
    mb_init_f32(m, "w1", 4, w1d, we1);
    mb_init_f32(m, "b1", 1, ed, be1);
    mb_init_f32(m, "wd", 4, wdd, wd1);
    mb_init_f32(m, "bd", 1, ed, bd1);
    mb_init_f32(m, "wp", 4, wpd, wp1);
    mb_init_f32(m, "bp", 1, od, be1);
    conv_attrs(m, mb_node(m, "Conv", "expand", "x,w1,b1", "e0"), 1, 1, 1);
    mb_node(m, "Relu", "", "e0", "e");
    conv_attrs(m, mb_node(m, "Conv", "dw", "e,wd,bd", "t"), XE, 3, 1);
    conv_attrs(m, mb_node(m, "Conv", "project", "t,wp,bp", "p"), 1, 1, 1);
    mb_node(m, "Add", "", "p,x", "y");
    return m;
}

/* x -> dw3x3 alone: stays plain. */
static struct mb_model *lone_model(void)
{
    struct mb_model *m = mb_new(13);
    const int64_t xd[4] = {N, M, HW, HW}, wbd[4] = {M, 1, 3, 3}, md[1] = {M};
    mb_input(m, "x", ONR_DTYPE_FLOAT, 4, xd);
    mb_output(m, "y", ONR_DTYPE_FLOAT, 4, xd);
    mb_init_f32(m, "wb", 4, wbd, wb);
    mb_init_f32(m, "bb", 1, md, bb);
    conv_attrs(m, mb_node(m, "Conv", "dw", "x,wb,bb", "y"), M, 3, 1);
    return m;
}

/* options.max_isa: a portable session runs no AVX kernel and no blocked
 * Conv (the layout pass needs AVX2) and gives the reference's result; an
 * AVX2 cap on an AVX2 CPU is the default session; a bad level is refused. */
static void check_max_isa(void)
{
    struct onr_model *model = NULL;
    struct mb_model *m = se_model();
    enum onr_status st = mb_load(m, &model, &err);
    mb_free(m);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "max_isa: load: %s\n", err.message);
        onr_test_failures++;
        return;
    }
    const size_t in_bytes = (size_t)(N * M * g_hw * g_hw) * sizeof(float);
    struct run ref, portable, avx2, dflt;
    bool ok = run(model, g_x, in_bytes, M, ONR_PASS_DEFAULT, 1, 1, &ref);
    g_max_isa = ONR_ISA_LEVEL_PORTABLE;
    ok &= run(model, g_x, in_bytes, M, ONR_PASS_DEFAULT, 0, 2, &portable);
    g_max_isa = ONR_ISA_LEVEL_AVX2;
    ok &= run(model, g_x, in_bytes, M, ONR_PASS_DEFAULT, 0, 2, &avx2);
    g_max_isa = ONR_ISA_LEVEL_DEFAULT;
    ok &= run(model, g_x, in_bytes, M, ONR_PASS_DEFAULT, 0, 2, &dflt);
    if (ok) {
        CHECK(portable.isa_kernels == 0 && portable.blocked_convs == 0 && portable.reorders_in == 0);
        CHECK(onr_test_close("max_isa portable vs reference", portable.y[0], ref.y[0], ref.n[0],
                             ONR_TEST_ATOL, ONR_TEST_RTOL));
        if (onr_cpu_isa() == ONR_ISA_AVX2) {
            CHECK(avx2.blocked_convs == dflt.blocked_convs && avx2.isa_kernels == dflt.isa_kernels);
            CHECK(avx2.isa_kernels > 0);
            CHECK(onr_test_bitwise("max_isa avx2 vs default", avx2.y[0], dflt.y[0], ref.n[0]));
        }
    }
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.max_isa = 7;
    struct onr_session *s = NULL;
    CHECK(onr_session_create(model, &opt, &s, &err) == ONR_STATUS_INVALID_ARGUMENT && s == NULL);
    CHECK(strstr(err.message, "max_isa 7") != NULL);
    run_free(&ref);
    run_free(&portable);
    run_free(&avx2);
    run_free(&dflt);
    onr_model_free(model);
}

int main(void)
{
    fill();
    /* x in; a (read by Sigmoid), b (an output) and g out; five Convs. */
    const unsigned all = ONR_PASS_DEFAULT;
    check_model(chain_model(), "chain", C, all, 1, 3, 5, -1, 0);
    check_model(pair_model(), "pair", M, all, 0, 0, 0, -1, 1);
    check_model(pair_residual_model(), "pair+residual", M, all, 0, 0, 0, -1, 1);
    check_model(lone_model(), "lone", M, all, 0, 0, 0, -1, 0);
    /* the stem computed inside the depthwise Conv: two blocked Convs, or
     * three without fuse_stem */
    check_model(stem_model(), "stem", 3, all, 0, 1, 2, -1, 0);
    check_model(stem_model(), "stem unfused", 3, all & ~ONR_PASS_FUSE_STEM, 0, 1, 3, -1, 0);
    check_model(se_model(), "squeeze-excite", M, all, 1, 1, 5, 0, 0);
    check_max_isa();
    /* the expansion and the projection computed inside the depthwise Conv:
     * one blocked Conv, two without fuse_expand or fuse_project, three
     * without both (x is read blocked, by the expansion and the residual) */
    g_x = xe;
    g_hw = XHW;
    check_model(expand_model(), "expand+project", XC, all, 1, 1, 1, -1, 0);
    check_model(expand_model(), "project", XC, all & ~ONR_PASS_FUSE_EXPAND, 1, 1, 2, -1, 0);
    check_model(expand_model(), "expand", XC, all & ~ONR_PASS_FUSE_PROJECT, 1, 1, 2, -1, 0);
    check_model(expand_model(), "unfused", XC,
                all & ~(ONR_PASS_FUSE_EXPAND | ONR_PASS_FUSE_PROJECT), 1, 1, 3, -1, 0);
    if (!onr_cpu_has_avx2_fma()) printf("note: no AVX2: checked that the pass stays off\n");
    return onr_test_failures != 0;
}
