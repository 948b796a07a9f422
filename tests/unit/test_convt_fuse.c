/* BatchNormalization folding and activation fusion into ConvTranspose
 * (runtime/passes/optimize.c, onnxrun.fused:ConvTranspose in
 * ops/conv_transpose.c), through the public session API. Each case is a
 * model x -> ConvTranspose -> BatchNormalization -> activation (Relu, Clip,
 * Sigmoid, SiLU as u * Sigmoid(u), HardSwish as u * HardSigmoid(u) with
 * alpha 1/6 and beta 1/2 as PyTorch exports it before opset 14, or none)
 * run with every pass but the NCHW16c layout, and with none:
 *   - the passes must fire: one node left, "ConvTranspose" with the
 *     activation's tag ("+relu", "+clip", "+sigmoid", "+silu",
 *     "+hardswish") in its params;
 *   - the fused output must agree with the unfused one within
 *     1e-5 + 1e-4*|ref| (testutil.h's default): folding scales W by
 *     k = scale / sqrt(var + eps) before the sums instead of the sums
 *     after, so each product is rounded at a different magnitude; the
 *     largest error seen is printed (about 1e-6 relative to max|y|);
 *   - 1, 2 and 3 threads must give bitwise the same fused output, and so
 *     must the reference kernels against the fused reference run's.
 * Shapes: strides 1 to 3, pads, output_padding, dilations, groups 1, 2
 * and depthwise (with and without a channel multiplier: the GEMM + col2im
 * and the phase-gather paths), odd sizes, bias or not, 1-D and 3-D.
 * Negative cases (W not constant, the ConvTranspose output read twice)
 * must keep their nodes and their values. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "testutil.h"

#define PASSES_ALL (ONR_PASS_ALL & ~ONR_PASS_NCHWC_LAYOUT)

enum act { ACT_NONE, ACT_RELU, ACT_CLIP, ACT_SIGMOID, ACT_SILU, ACT_HARDSWISH };

/* Nodes after the BatchNormalization, and the tag --info shows when fused. */
static const int act_nodes[] = {0, 1, 1, 1, 2, 2};
static const char *const act_tags[] = {NULL, "+relu", "+clip", "+sigmoid", "+silu", "+hardswish"};

struct fcase {
    const char *what;
    int axes;
    int64_t N, C, M, group;
    int64_t in[3], k[3], stride[3], dil[3], pads[6], opad[3];
    bool bias;
    enum act act;
};

static struct onr_error err;
static double worst_rel; /* the largest fused-vs-unfused error / max|y| seen */

static int64_t out_size(const struct fcase *c, int a)
{
    return c->stride[a] * (c->in[a] - 1) + c->opad[a] + (c->k[a] - 1) * c->dil[a] + 1 -
           c->pads[a] - c->pads[c->axes + a];
}

struct built {
    struct onr_model *model;
    int rank;
    int64_t xd[5], yd[5];
    float *x;
    size_t nx, ny;
};

/* The model of case c; w_input: W a graph input instead of constant;
 * tap: the ConvTranspose output is also a graph output. */
static bool build(const struct fcase *c, bool w_input, bool tap, struct built *b)
{
    memset(b, 0, sizeof *b);
    const int rank = 2 + c->axes;
    int64_t wd[5] = {c->C, c->M / c->group}, md[1] = {c->M};
    b->rank = rank;
    b->xd[0] = b->yd[0] = c->N;
    b->xd[1] = c->C;
    b->yd[1] = c->M;
    size_t nw = (size_t)(c->C * (c->M / c->group));
    b->nx = (size_t)(c->N * c->C);
    b->ny = (size_t)(c->N * c->M);
    for (int a = 0; a < c->axes; a++) {
        b->xd[2 + a] = c->in[a];
        wd[2 + a] = c->k[a];
        b->yd[2 + a] = out_size(c, a);
        nw *= (size_t)c->k[a];
        b->nx *= (size_t)c->in[a];
        b->ny *= (size_t)b->yd[2 + a];
    }
    float *w = malloc(nw * sizeof *w), bias[64], sc[64], sh[64], mean[64], var[64];
    b->x = malloc(b->nx * sizeof *b->x);
    onr_test_fill(b->x, b->nx, 31, -1.0f, 1.0f);
    onr_test_fill(w, nw, 32, -0.5f, 0.5f);
    onr_test_fill(bias, (size_t)c->M, 33, -0.3f, 0.3f);
    onr_test_fill(sc, (size_t)c->M, 34, 0.5f, 1.5f);
    onr_test_fill(sh, (size_t)c->M, 35, -0.5f, 0.5f);
    onr_test_fill(mean, (size_t)c->M, 36, -0.3f, 0.3f);
    onr_test_fill(var, (size_t)c->M, 37, 0.5f, 2.0f);

    struct mb_model *m = mb_new(13);
    mb_input(m, "x", ONR_DTYPE_FLOAT, rank, b->xd);
    if (w_input) mb_input(m, "w", ONR_DTYPE_FLOAT, rank, wd);
    else mb_init_f32(m, "w", rank, wd, w);
    if (c->bias) mb_init_f32(m, "b", 1, md, bias);
    mb_init_f32(m, "bn_scale", 1, md, sc);
    mb_init_f32(m, "bn_bias", 1, md, sh);
    mb_init_f32(m, "bn_mean", 1, md, mean);
    mb_init_f32(m, "bn_var", 1, md, var);
    Onnx__NodeProto *ct = mb_node(m, "ConvTranspose", "up", c->bias ? "x,w,b" : "x,w", "t");
    mb_attr_ints(m, ct, "strides", c->stride, (size_t)c->axes);
    mb_attr_ints(m, ct, "dilations", c->dil, (size_t)c->axes);
    mb_attr_ints(m, ct, "pads", c->pads, 2 * (size_t)c->axes);
    mb_attr_ints(m, ct, "output_padding", c->opad, (size_t)c->axes);
    if (c->group != 1) mb_attr_int(m, ct, "group", c->group);
    Onnx__NodeProto *bn = mb_node(m, "BatchNormalization", "bn",
                                  "t,bn_scale,bn_bias,bn_mean,bn_var",
                                  c->act == ACT_NONE ? "y" : "u");
    mb_attr_float(m, bn, "epsilon", 1e-3f);
    if (c->act == ACT_RELU) {
        mb_node(m, "Relu", "relu", "u", "y");
    } else if (c->act == ACT_CLIP) {
        const int64_t one[1] = {1};
        const float lo = -0.25f, hi = 0.6f;
        mb_init_f32(m, "lo", 0, one, &lo);
        mb_init_f32(m, "hi", 0, one, &hi);
        mb_node(m, "Clip", "clip", "u,lo,hi", "y");
    } else if (c->act == ACT_SIGMOID) {
        mb_node(m, "Sigmoid", "sigmoid", "u", "y");
    } else if (c->act == ACT_SILU) {
        mb_node(m, "Sigmoid", "sigmoid", "u", "g");
        mb_node(m, "Mul", "mul", "u,g", "y");
    } else if (c->act == ACT_HARDSWISH) {
        Onnx__NodeProto *hs = mb_node(m, "HardSigmoid", "hardsigmoid", "u", "g");
        mb_attr_float(m, hs, "alpha", 1.0f / 6.0f);
        mb_attr_float(m, hs, "beta", 0.5f);
        mb_node(m, "Mul", "mul", "u,g", "y");
    }
    mb_output(m, "y", ONR_DTYPE_FLOAT, rank, b->yd);
    if (tap) mb_output(m, "t", ONR_DTYPE_FLOAT, rank, b->yd);
    free(w);
    enum onr_status st = mb_load(m, &b->model, &err);
    mb_free(m);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: load: %s\n", c->what, err.message);
        onr_test_failures++;
        free(b->x);
        return false;
    }
    return true;
}

struct run {
    float *y;
    int nodes;
    char first_op[64], first_params[160];
};

static bool run(const struct fcase *c, const struct built *b, unsigned passes, int threads,
                bool reference, const float *w_data, struct run *r)
{
    memset(r, 0, sizeof *r);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.passes = passes;
    opt.threads = threads;
    opt.reference_kernels = reference;
    struct onr_session *s = NULL;
    struct onr_tensor_ref in[2] = {{.name = "x", .dtype = ONR_DTYPE_FLOAT, .rank = b->rank,
                                    .data = b->x, .nbytes = b->nx * sizeof(float)}};
    memcpy(in[0].dims, b->xd, sizeof b->xd);
    int n_in = 1;
    if (w_data != NULL) {
        in[1] = (struct onr_tensor_ref){.name = "w", .dtype = ONR_DTYPE_FLOAT, .rank = b->rank,
                                        .data = w_data};
        in[1].dims[0] = c->C;
        in[1].dims[1] = c->M / c->group;
        size_t nw = (size_t)(c->C * (c->M / c->group));
        for (int a = 0; a < c->axes; a++) nw *= (size_t)(in[1].dims[2 + a] = c->k[a]);
        in[1].nbytes = nw * sizeof(float);
        n_in = 2;
    }
    enum onr_status st = onr_session_create(b->model, &opt, &s, &err);
    if (st == ONR_STATUS_OK) st = onr_session_run(s, in, n_in, &err);
    struct onr_tensor_ref out;
    if (st == ONR_STATUS_OK) st = onr_session_output_by_name(s, "y", &out, &err);
    if (st != ONR_STATUS_OK || out.nbytes != b->ny * sizeof(float)) {
        fprintf(stderr, "%s (passes 0x%x, %d threads): %s: %s\n", c->what, passes, threads,
                onr_status_name(st), err.message);
        onr_test_failures++;
        onr_session_free(s);
        return false;
    }
    r->y = malloc(out.nbytes);
    memcpy(r->y, out.data, out.nbytes);
    r->nodes = onr_session_node_count(s);
    struct onr_node_info info;
    if (onr_session_node_info(s, 0, &info) == ONR_STATUS_OK) {
        snprintf(r->first_op, sizeof r->first_op, "%s", info.op_type);
        snprintf(r->first_params, sizeof r->first_params, "%s", info.params);
    }
    onr_session_free(s);
    return true;
}

static void check_close(const char *what, const float *got, const float *ref, size_t n)
{
    double peak = 0.0, worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(ref[i]) > peak) peak = fabs(ref[i]);
        if (fabs((double)got[i] - ref[i]) > worst) worst = fabs((double)got[i] - ref[i]);
    }
    if (peak > 0 && worst / peak > worst_rel) worst_rel = worst / peak;
    if (!onr_test_close(what, got, ref, n, ONR_TEST_ATOL, ONR_TEST_RTOL)) onr_test_failures++;
}

static void run_case(const struct fcase *c)
{
    struct built b;
    if (!build(c, false, false, &b)) return;
    struct run plain, fused[3], ref_plain, ref_fused;
    if (run(c, &b, 0, 1, false, NULL, &plain)) {
        for (int t = 0; t < 3; t++) {
            if (!run(c, &b, PASSES_ALL, t + 1, false, NULL, &fused[t])) continue;
            char what[160];
            snprintf(what, sizeof what, "%s: fused, %d threads", c->what, t + 1);
            check_close(what, fused[t].y, plain.y, b.ny);
            if (t > 0 && fused[0].y != NULL && !onr_test_bitwise(what, fused[t].y, fused[0].y, b.ny))
                onr_test_failures++;
        }
        const char *tag = act_tags[c->act];
        if (fused[0].y != NULL &&
            (fused[0].nodes != 1 || strcmp(fused[0].first_op, "ConvTranspose") != 0 ||
             (tag != NULL && strstr(fused[0].first_params, tag) == NULL))) {
            fprintf(stderr, "%s: fused graph has %d nodes, first %s '%s'; expected one "
                    "ConvTranspose with '%s'\n", c->what, fused[0].nodes, fused[0].first_op,
                    fused[0].first_params, tag != NULL ? tag : "");
            onr_test_failures++;
        }
        if (plain.nodes != 2 + act_nodes[c->act]) {
            fprintf(stderr, "%s: unfused graph has %d nodes\n", c->what, plain.nodes);
            onr_test_failures++;
        }
        if (run(c, &b, 0, 2, true, NULL, &ref_plain) &&
            run(c, &b, PASSES_ALL, 2, true, NULL, &ref_fused)) {
            char what[160];
            snprintf(what, sizeof what, "%s: reference kernels, fused", c->what);
            check_close(what, ref_fused.y, ref_plain.y, b.ny);
            if (fused[0].y != NULL) {
                snprintf(what, sizeof what, "%s: fused, fast vs reference kernels", c->what);
                check_close(what, fused[0].y, ref_fused.y, b.ny);
            }
        }
        free(ref_plain.y), free(ref_fused.y);
        for (int t = 0; t < 3; t++) free(fused[t].y);
    }
    free(plain.y);
    free(b.x);
    onr_model_free(b.model);
}

/* The pass must leave the graph alone: W only known at run time, or the
 * ConvTranspose's output also read as a graph output. */
static void run_negative(const struct fcase *c)
{
    for (int kind = 0; kind < 2; kind++) {
        struct built b;
        if (!build(c, kind == 0, kind == 1, &b)) return;
        size_t nw = (size_t)(c->C * (c->M / c->group));
        for (int a = 0; a < c->axes; a++) nw *= (size_t)c->k[a];
        float *w = malloc(nw * sizeof *w);
        onr_test_fill(w, nw, 32, -0.5f, 0.5f);
        struct run plain, all;
        const float *wd = kind == 0 ? w : NULL;
        if (run(c, &b, 0, 1, false, wd, &plain) && run(c, &b, PASSES_ALL, 1, false, wd, &all)) {
            /* nothing folds, so the activation follows the BatchNormalization */
            const int want_all = 2 + act_nodes[c->act];
            if (all.nodes != want_all) {
                fprintf(stderr, "%s (%s): %d nodes with the passes, expected %d\n", c->what,
                        kind == 0 ? "W at run time" : "output read twice", all.nodes,
                        want_all);
                onr_test_failures++;
            }
            char what[160];
            snprintf(what, sizeof what, "%s: negative %d", c->what, kind);
            check_close(what, all.y, plain.y, b.ny);
        }
        free(plain.y), free(all.y), free(w);
        free(b.x);
        onr_model_free(b.model);
    }
}

static const struct fcase cases[] = {
    /* the U-Net's three: dense k2 s2, grouped k4 s2 p1, depthwise k3 s2 p1 op1 */
    {"dense k2s2 relu", 2, 1, 8, 6, 1, {5, 7}, {2, 2}, {2, 2}, {1, 1}, {0}, {0}, false, ACT_RELU},
    {"grouped k4s2p1 relu", 2, 1, 8, 8, 4, {6, 9}, {4, 4}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {0},
     false, ACT_RELU},
    {"depthwise k3s2p1op1 relu", 2, 1, 6, 6, 6, {7, 11}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1},
     {1, 1}, true, ACT_RELU},
    /* strides 1 and 3, dilations, uneven pads, bias, Clip, no activation */
    {"dense stride 1 clip", 2, 2, 5, 7, 1, {6, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 0, 1, 2}, {0},
     true, ACT_CLIP},
    {"dense stride 3 op2", 2, 1, 3, 4, 1, {4, 5}, {3, 4}, {3, 3}, {1, 1}, {1, 0, 2, 1}, {2, 1},
     true, ACT_RELU},
    {"dense dilation 2", 2, 1, 4, 3, 1, {5, 6}, {3, 2}, {2, 2}, {2, 2}, {0}, {1, 0}, false,
     ACT_CLIP},
    {"groups 2 no activation", 2, 1, 6, 4, 2, {5, 5}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1},
     {1, 1}, true, ACT_NONE},
    {"depthwise multiplier 2", 2, 1, 4, 8, 4, {5, 6}, {4, 4}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {0},
     false, ACT_RELU},
    {"depthwise stride 3 clip", 2, 2, 3, 3, 3, {4, 7}, {3, 3}, {3, 3}, {1, 1}, {0, 1, 1, 0},
     {2, 1}, true, ACT_CLIP},
    {"wide rows, several blocks", 2, 1, 16, 32, 1, {40, 45}, {4, 4}, {2, 2}, {1, 1},
     {1, 1, 1, 1}, {0}, false, ACT_RELU},
    {"1d groups 2", 1, 2, 4, 6, 2, {11}, {5}, {3}, {2}, {2, 1}, {2}, true, ACT_RELU},
    {"3d", 3, 1, 3, 4, 1, {3, 4, 5}, {2, 3, 3}, {2, 2, 2}, {1, 1, 1}, {0, 1, 1, 1, 0, 1},
     {1, 1, 0}, true, ACT_CLIP},
    /* the other activations, on the GEMM + col2im path and the phase-gather one */
    {"dense sigmoid", 2, 1, 5, 6, 1, {5, 6}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1}, true,
     ACT_SIGMOID},
    {"dense silu", 2, 1, 6, 5, 1, {6, 5}, {2, 2}, {2, 2}, {1, 1}, {0}, {0}, false, ACT_SILU},
    {"depthwise silu", 2, 1, 6, 6, 6, {7, 9}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1}, true,
     ACT_SILU},
    {"grouped hardswish", 2, 1, 8, 8, 2, {5, 7}, {4, 4}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {0}, true,
     ACT_HARDSWISH},
    {"depthwise hardswish", 2, 2, 4, 4, 4, {6, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, {0}, false,
     ACT_HARDSWISH},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
    run_negative(&cases[0]);
    run_negative(&cases[2]);
    run_negative(&cases[13]); /* silu: the gate pair stays when nothing folds */
    printf("test_convt_fuse: %zu cases, largest fused-vs-unfused error %.3g of max|y|, %d "
           "failures\n", sizeof cases / sizeof cases[0], worst_rel, onr_test_failures);
    return onr_test_failures != 0;
}
