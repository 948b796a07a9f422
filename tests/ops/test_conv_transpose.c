/* ConvTranspose through its hooks against a scatter loop written here in
 * double precision (its own output-size and pad arithmetic, from the ONNX
 * specification): 1-D, 2-D and 3-D; odd sizes, strides, dilations, pads,
 * output_padding, output_shape (spatial and full, below and beyond the
 * natural size), auto_pad; groups, depthwise with (the GEMM path) and
 * without (the phase-gather path) a channel multiplier; bias or not; W
 * constant or not (the reference loop, or the depthwise path); every
 * phase-gather kernel of the CPU called directly on every case; inputs long enough for several GEMM blocks; reference
 * and fast modes; 1, 2 and 3 threads bitwise; the attribute and shape
 * errors. Every col2im kernel of the CPU is called directly on columns
 * made here, in blocks that split input rows, and must equal __scalar
 * bitwise (it claims the same sums in the same order); the phase-gather
 * and col2im kernels also run with a fused activation (Clip and Relu),
 * which must equal the activation applied to their plain output bitwise.
 * The tolerance is the kernels' default (testutil.h): float32 sums of at
 * most a few hundred products in a different order. */
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "ops/kernels/conv_transpose.h"
#include "runtime/cpu.h"
#include "testutil.h"

struct case_t {
    const char *what;
    int axes;                        /* 1, 2 or 3 */
    int64_t N, C, M, group;
    int64_t in[3], k[3], stride[3], dil[3], pads[6], opad[3];
    int64_t out_shape[3];            /* out_shape[0] > 0: output_shape given */
    bool full_out_shape;             /* given as all of Y's dims */
    const char *auto_pad;            /* NULL: explicit pads */
    bool bias, w_const;
};

/* Output extent and begin pad along axis a. */
static int64_t expect_out(const struct case_t *c, int a, int64_t *p0)
{
    const int64_t natural = c->stride[a] * (c->in[a] - 1) + c->opad[a] +
                            (c->k[a] - 1) * c->dil[a] + 1;
    int64_t out;
    if (c->out_shape[0] > 0)
        out = c->out_shape[a];
    else if (c->auto_pad != NULL && strncmp(c->auto_pad, "SAME", 4) == 0)
        out = c->in[a] * c->stride[a];
    else if (c->auto_pad != NULL) /* VALID */
        return *p0 = 0, natural;
    else
        return *p0 = c->pads[a], natural - c->pads[a] - c->pads[c->axes + a];
    const int64_t total = natural - out;
    int64_t half = total / 2;
    if (total < 0 && total % 2 != 0) half -= 1; /* floor */
    const bool upper = c->auto_pad != NULL && strcmp(c->auto_pad, "SAME_UPPER") == 0;
    *p0 = upper ? half : total - half;
    return out;
}

/* y = b, then every x element scattered through every tap (double sums). */
static void naive(const struct case_t *c, const float *x, const float *w, const float *b,
                  const int64_t *out, const int64_t *p0, float *y)
{
    int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, o[3] = {1, 1, 1}, st[3] = {1, 1, 1},
            dl[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
    for (int a = 0; a < c->axes; a++) {
        const int j = 3 - c->axes + a;
        in[j] = c->in[a], k[j] = c->k[a], o[j] = out[a], st[j] = c->stride[a];
        dl[j] = c->dil[a], pb[j] = p0[a];
    }
    const int64_t cg = c->C / c->group, mg = c->M / c->group;
    const int64_t ovol = o[0] * o[1] * o[2];
    double *acc = calloc((size_t)(c->N * c->M * ovol), sizeof *acc);
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t m = 0; m < c->M; m++)
            for (int64_t i = 0; i < ovol; i++)
                acc[(n * c->M + m) * ovol + i] = b != NULL ? b[m] : 0.0;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t ch = 0; ch < c->C; ch++)
            for (int64_t i0 = 0; i0 < in[0]; i0++)
                for (int64_t i1 = 0; i1 < in[1]; i1++)
                    for (int64_t i2 = 0; i2 < in[2]; i2++) {
                        const double xv =
                            x[(((n * c->C + ch) * in[0] + i0) * in[1] + i1) * in[2] + i2];
                        for (int64_t mm = 0; mm < mg; mm++) {
                            const int64_t m = ch / cg * mg + mm;
                            for (int64_t a0 = 0; a0 < k[0]; a0++)
                                for (int64_t a1 = 0; a1 < k[1]; a1++)
                                    for (int64_t a2 = 0; a2 < k[2]; a2++) {
                                        const int64_t q0 = i0 * st[0] - pb[0] + a0 * dl[0];
                                        const int64_t q1 = i1 * st[1] - pb[1] + a1 * dl[1];
                                        const int64_t q2 = i2 * st[2] - pb[2] + a2 * dl[2];
                                        if (q0 < 0 || q0 >= o[0] || q1 < 0 || q1 >= o[1] ||
                                            q2 < 0 || q2 >= o[2])
                                            continue;
                                        acc[(n * c->M + m) * ovol + (q0 * o[1] + q1) * o[2] +
                                            q2] += xv * w[(((ch * mg + mm) * k[0] + a0) * k[1] +
                                                           a1) * k[2] + a2];
                                    }
                        }
                    }
    for (int64_t i = 0; i < c->N * c->M * ovol; i++) y[i] = (float)acc[i];
    free(acc);
}

static void add_attrs(struct oh_node *n, const struct case_t *c)
{
    oh_attr_ints(n, "kernel_shape", c->k, (size_t)c->axes);
    oh_attr_ints(n, "strides", c->stride, (size_t)c->axes);
    oh_attr_ints(n, "dilations", c->dil, (size_t)c->axes);
    if (c->opad[0] || c->opad[1] || c->opad[2])
        oh_attr_ints(n, "output_padding", c->opad, (size_t)c->axes);
    if (c->auto_pad == NULL && c->out_shape[0] == 0)
        oh_attr_ints(n, "pads", c->pads, 2 * (size_t)c->axes);
    if (c->auto_pad != NULL) oh_attr_string(n, "auto_pad", c->auto_pad);
    if (c->out_shape[0] > 0) {
        int64_t full[5] = {c->N, c->M};
        for (int a = 0; a < c->axes; a++) full[2 + a] = c->out_shape[a];
        if (c->full_out_shape)
            oh_attr_ints(n, "output_shape", full, 2 + (size_t)c->axes);
        else
            oh_attr_ints(n, "output_shape", c->out_shape, (size_t)c->axes);
    }
    if (c->group != 1) oh_attr_int(n, "group", c->group);
}

static int skipped_kernels; /* kernel calls the CPU cannot run */

static const struct onr_activation clip_act = {ONR_ACT_CLIP, -0.3f, 0.4f};

static void apply_act(const struct onr_activation *act, const float *v, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = onr_activation_apply(act, v[i]);
}

static void kernel_shape(const struct case_t *c, const int64_t *out, const int64_t *p0,
                         struct onr_convt_shape *s)
{
    *s = (struct onr_convt_shape){.N = c->N, .C = c->C, .M = c->M, .group = c->group};
    for (int j = 0; j < 3; j++) {
        s->in[j] = s->k[j] = s->out[j] = s->stride[j] = s->dil[j] = 1;
        s->pad_begin[j] = 0;
    }
    for (int a = 0; a < c->axes; a++) {
        const int j = 3 - c->axes + a;
        s->in[j] = c->in[a], s->k[j] = c->k[a], s->out[j] = out[a];
        s->stride[j] = c->stride[a], s->dil[j] = c->dil[a], s->pad_begin[j] = p0[a];
    }
}

/* The GEMM path's scatter done with each col2im kernel of the CPU: per
 * image and group, columns (m, t) x positions made here in
 * float (products summed over the group's channels in order) added block
 * by block onto the bias (which the first block writes), blocks of
 * `block` positions (splitting input rows), act on the last. __scalar's result must be within tolerance of the
 * double-precision scatter, every other kernel's bitwise __scalar's, at 1
 * and 2 threads. */
static void check_col2im_kernels(const struct case_t *c, const int64_t *out, const int64_t *p0,
                                 const float *x, const float *w, const float *b,
                                 const float *want, size_t ny, int64_t block,
                                 const struct onr_activation *act)
{
    struct onr_convt_shape s;
    kernel_shape(c, out, p0, &s);
    const int64_t cg = s.C / s.group, mg = s.M / s.group;
    const int64_t taps = s.k[0] * s.k[1] * s.k[2], in_vol = s.in[0] * s.in[1] * s.in[2];
    const int64_t out_vol = s.out[0] * s.out[1] * s.out[2];
    float *cols = malloc((size_t)(mg * taps * block) * sizeof *cols);
    float *ref = malloc(ny * sizeof *ref), *got = malloc(ny * sizeof *got);
    float *want_act = malloc(ny * sizeof *want_act);
    if (act != NULL) apply_act(act, want, want_act, ny);
    else memcpy(want_act, want, ny * sizeof *want_act);
    for (int i = onr_convt_col2im_kernels_count - 1; i >= 0; i--) {
        const struct onr_convt_col2im_kernel *k = &onr_convt_col2im_kernels[i];
        if (k->isa > onr_cpu_isa()) {
            skipped_kernels++;
            continue;
        }
        for (int t = 1; t <= 2; t++) {
            float *y = i == onr_convt_col2im_kernels_count - 1 && t == 1 ? ref : got;
            for (int64_t n = 0; n < s.N; n++)
                for (int64_t g = 0; g < s.group; g++) {
                    float *yg = y + (n * s.M + g * mg) * out_vol;
                    for (int64_t q0 = 0; q0 < in_vol; q0 += block) {
                        const int64_t nb = in_vol - q0 < block ? in_vol - q0 : block;
                        for (int64_t r = 0; r < mg * taps; r++)
                            for (int64_t j = 0; j < nb; j++) {
                                float acc = 0.0f;
                                for (int64_t ci = 0; ci < cg; ci++) {
                                    const int64_t ch = g * cg + ci;
                                    acc += x[(n * s.C + ch) * in_vol + q0 + j] *
                                           w[ch * mg * taps + r];
                                }
                                cols[r * nb + j] = acc;
                            }
                        k->fn(&s, cols, q0, nb, b != NULL ? b + g * mg : NULL, yg,
                              q0 + nb == in_vol ? act : NULL, t);
                    }
                }
            char what[200];
            snprintf(what, sizeof what, "%s: %s block %lld%s threads %d", c->what, k->name,
                     (long long)block, act != NULL ? " +clip" : "", t);
            if (y == ref) {
                if (!onr_test_close(what, ref, want_act, ny, ONR_TEST_ATOL, ONR_TEST_RTOL))
                    onr_test_failures++;
            } else if (!onr_test_bitwise(what, got, ref, ny)) {
                onr_test_failures++;
            }
        }
    }
    free(cols), free(ref), free(got), free(want_act);
}

/* Every phase-gather kernel the CPU runs, called directly on the case
 * (any group: the op takes this path for depthwise nodes only), at 1 and
 * 2 threads, against the double-precision scatter. */
static void check_phase_kernels(const struct case_t *c, const int64_t *out, const int64_t *p0,
                                const float *x, const float *w, const float *b,
                                const float *want, size_t ny)
{
    struct onr_convt_shape s;
    kernel_shape(c, out, p0, &s);
    const size_t ws = onr_convt_phase_workspace_floats(&s);
    float *work = malloc(2 * ws * sizeof *work), *got[2];
    for (int t = 0; t < 2; t++) got[t] = malloc(ny * sizeof *got[t]);
    float *fused = malloc(ny * sizeof *fused), *unfused = malloc(ny * sizeof *unfused);
    for (int i = 0; i < onr_convt_phase_kernels_count; i++) {
        const struct onr_convt_phase_kernel *k = &onr_convt_phase_kernels[i];
        if (k->isa > onr_cpu_isa()) continue;
        char what[160];
        snprintf(what, sizeof what, "%s: %s", c->what, k->name);
        for (int t = 0; t < 2; t++) k->fn(&s, x, w, b, NULL, got[t], work, t + 1);
        if (!onr_test_close(what, got[0], want, ny, ONR_TEST_ATOL, ONR_TEST_RTOL) ||
            !onr_test_bitwise(what, got[0], got[1], ny))
            onr_test_failures++;
        /* the activation in the store: the same values as after it */
        snprintf(what, sizeof what, "%s: %s +clip", c->what, k->name);
        apply_act(&clip_act, got[0], unfused, ny);
        for (int t = 0; t < 2; t++) {
            k->fn(&s, x, w, b, &clip_act, fused, work, t + 1);
            if (!onr_test_bitwise(what, fused, unfused, ny)) onr_test_failures++;
        }
    }
    free(work), free(got[0]), free(got[1]), free(fused), free(unfused);
}

static void run_case(const struct case_t *c)
{
    struct oh_node n;
    oh_node_init(&n, "ConvTranspose", c->what);
    add_attrs(&n, c);
    int64_t xd[5] = {c->N, c->C}, wd[5] = {c->C, c->M / c->group}, yd[5] = {c->N, c->M};
    int64_t out[3], p0[3];
    for (int a = 0; a < c->axes; a++) {
        xd[2 + a] = c->in[a];
        wd[2 + a] = c->k[a];
        yd[2 + a] = out[a] = expect_out(c, a, &p0[a]);
    }
    const int rank = 2 + c->axes;
    const int64_t bd[1] = {c->M};
    struct onr_tensor x, w, b;
    oh_tensor_f32(&x, rank, xd, NULL);
    oh_tensor_f32(&w, rank, wd, NULL);
    oh_tensor_f32(&b, 1, bd, NULL);
    onr_test_fill(x.data, x.nbytes / 4, 21, -1, 1);
    onr_test_fill(w.data, w.nbytes / 4, 22, -1, 1);
    onr_test_fill(b.data, b.nbytes / 4, 23, -1, 1);
    size_t ny = (size_t)(c->N * c->M);
    for (int a = 0; a < c->axes; a++) ny *= (size_t)out[a];
    float *want = malloc(ny * sizeof *want);
    naive(c, x.data, w.data, c->bias ? b.data : NULL, out, p0, want);
    check_phase_kernels(c, out, p0, x.data, w.data, c->bias ? b.data : NULL, want, ny);
    int64_t in_vol = 1;
    for (int a = 0; a < c->axes; a++) in_vol *= c->in[a];
    const int64_t blocks[3] = {in_vol, 7, 32};
    for (int i = 0; i < 3; i++)
        check_col2im_kernels(c, out, p0, x.data, w.data, c->bias ? b.data : NULL, want, ny,
                             blocks[i] < in_vol ? blocks[i] : in_vol,
                             i == 1 ? &clip_act : NULL);

    struct onr_tensor *in[3] = {&x, &w, c->bias ? &b : NULL};
    const int n_in = c->bias ? 3 : 2;
    struct onr_tensor y[4];
    memset(y, 0, sizeof y);
    struct onr_error err = {{0}};
    bool ok = true;
    for (int t = 0; t < 4 && ok; t++) {
        struct oh_opts o = {.opset = 11, .reference = t == 0, .threads = t ? t : 1,
                            .const_mask = c->w_const ? 7u : 1u};
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
        CHECK(y[1].nbytes == ny * sizeof(float));
        if (!onr_test_close(c->what, y[0].data, want, ny, ONR_TEST_ATOL, ONR_TEST_RTOL))
            onr_test_failures++;
        if (!onr_test_close(c->what, y[1].data, want, ny, ONR_TEST_ATOL, ONR_TEST_RTOL))
            onr_test_failures++;
        if (!onr_test_bitwise(c->what, y[2].data, y[1].data, ny)) onr_test_failures++;
        if (!onr_test_bitwise(c->what, y[3].data, y[1].data, ny)) onr_test_failures++;
    }
    for (int t = 0; t < 4; t++) onr_tensor_free(&y[t]);
    onr_tensor_free(&x), onr_tensor_free(&w), onr_tensor_free(&b);
    free(want);
    oh_node_free(&n);
}

static const struct case_t cases[] = {
    /* 2-D: the decoder shapes (k2 s2, k4 s2 p1, k3 s2 p1 op1) */
    {"2d k2s2", 2, 1, 8, 6, 1, {5, 7}, {2, 2}, {2, 2}, {1, 1}, {0}, {0}, {0}, 0, NULL, 1, 1},
    {"2d k4s2p1", 2, 2, 5, 7, 1, {6, 5}, {4, 4}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {0}, {0}, 0,
     NULL, 1, 1},
    {"2d k3s2p1op1", 2, 1, 9, 4, 1, {7, 6}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1}, {0}, 0,
     NULL, 1, 1},
    {"2d stride 3x2 uneven pads", 2, 1, 3, 5, 1, {4, 5}, {3, 2}, {3, 2}, {1, 1}, {2, 0, 1, 1},
     {2, 1}, {0}, 0, NULL, 0, 1},
    {"2d dilation", 2, 1, 4, 3, 1, {5, 4}, {3, 2}, {1, 2}, {2, 3}, {0}, {0}, {0}, 0, NULL, 1, 1},
    {"2d groups", 2, 2, 6, 9, 3, {5, 5}, {3, 3}, {2, 1}, {1, 1}, {1, 0, 0, 1}, {1, 0}, {0}, 0,
     NULL, 1, 1},
    {"2d depthwise", 2, 1, 7, 7, 7, {6, 9}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1}, {0}, 0,
     NULL, 1, 1},
    {"2d depthwise multiplier 2", 2, 1, 5, 10, 5, {4, 4}, {4, 4}, {2, 2}, {1, 1}, {1, 1, 1, 1},
     {0}, {0}, 0, NULL, 0, 1},
    {"2d output_shape", 2, 1, 3, 2, 1, {3, 3}, {3, 3}, {3, 2}, {1, 1}, {0}, {0}, {10, 8}, 0,
     NULL, 1, 1},
    {"2d output_shape full dims", 2, 1, 3, 2, 1, {3, 3}, {3, 3}, {3, 2}, {1, 1}, {0}, {0},
     {9, 7}, 1, NULL, 1, 1},
    {"2d output_shape beyond natural", 2, 1, 2, 3, 1, {3, 4}, {3, 3}, {2, 2}, {1, 1}, {0}, {0},
     {10, 12}, 0, NULL, 1, 1},
    {"2d output_shape SAME_UPPER split", 2, 1, 2, 3, 1, {3, 4}, {3, 3}, {2, 2}, {1, 1}, {0}, {0},
     {6, 7}, 0, "SAME_UPPER", 1, 1},
    {"2d SAME_UPPER", 2, 1, 3, 4, 1, {3, 5}, {3, 3}, {2, 2}, {1, 1}, {0}, {0}, {0}, 0,
     "SAME_UPPER", 1, 1},
    {"2d SAME_LOWER", 2, 1, 3, 4, 1, {3, 5}, {3, 4}, {2, 3}, {1, 1}, {0}, {0}, {0}, 0,
     "SAME_LOWER", 1, 1},
    {"2d VALID", 2, 1, 3, 4, 1, {3, 5}, {3, 3}, {2, 2}, {1, 1}, {0}, {1, 1}, {0}, 0, "VALID", 0,
     1},
    {"2d W at run time", 2, 2, 6, 4, 2, {5, 6}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1},
     {0}, 0, NULL, 1, 0},
    /* the depthwise phase-gather path: strides 1 to 4 (3 and 4 beyond the
     * kernel: outputs no tap reaches), dilations, uneven and large pads,
     * output_shape beyond the natural size (a negative begin pad), rows
     * wider than a vector tile, batch 2, W at run time */
    {"2d depthwise k3s2p1op1 wide", 2, 2, 3, 3, 3, {5, 37}, {3, 3}, {2, 2}, {1, 1},
     {1, 1, 1, 1}, {1, 1}, {0}, 0, NULL, 1, 1},
    {"2d depthwise stride 1", 2, 1, 4, 4, 4, {6, 19}, {3, 5}, {1, 1}, {1, 1}, {1, 2, 0, 1},
     {0}, {0}, 0, NULL, 1, 1},
    {"2d depthwise stride 3x4 k2", 2, 1, 2, 2, 2, {4, 5}, {2, 2}, {3, 4}, {1, 1}, {0, 1, 1, 0},
     {2, 3}, {0}, 0, NULL, 1, 1},
    {"2d depthwise dilation 2x3", 2, 1, 3, 3, 3, {5, 8}, {3, 3}, {2, 2}, {2, 3}, {2, 1, 0, 3},
     {1, 0}, {0}, 0, NULL, 0, 1},
    {"2d depthwise pads beyond kernel", 2, 1, 2, 2, 2, {7, 9}, {3, 3}, {2, 2}, {1, 1},
     {4, 3, 5, 4}, {0}, {0}, 0, NULL, 1, 1},
    {"2d depthwise output_shape beyond natural", 2, 1, 3, 3, 3, {3, 4}, {3, 3}, {2, 2},
     {1, 1}, {0}, {0}, {11, 13}, 0, NULL, 1, 1},
    {"2d depthwise 1x1", 2, 1, 5, 5, 5, {3, 7}, {1, 1}, {2, 3}, {1, 1}, {0}, {1, 2}, {0}, 0,
     NULL, 1, 1},
    {"2d depthwise W at run time", 2, 2, 3, 3, 3, {4, 6}, {4, 4}, {2, 2}, {1, 1}, {1, 1, 1, 1},
     {0}, {0}, 0, NULL, 1, 0},
    /* several GEMM blocks (M/group * taps = 576 rows: 448 positions each) */
    {"2d several blocks", 2, 1, 8, 64, 1, {30, 31}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1},
     {0}, 0, NULL, 1, 1},
    {"2d 1x1 stride 1", 2, 1, 16, 13, 1, {9, 11}, {1, 1}, {1, 1}, {1, 1}, {0}, {0}, {0}, 0, NULL,
     1, 1},
    /* 1-D and 3-D */
    {"1d", 1, 2, 4, 6, 2, {11}, {5}, {3}, {2}, {2, 1}, {2}, {0}, 0, NULL, 1, 1},
    {"1d depthwise", 1, 1, 6, 6, 6, {17}, {3}, {2}, {1}, {1, 0}, {1}, {0}, 0, NULL, 1, 1},
    {"1d output_shape", 1, 1, 2, 3, 1, {5}, {3}, {2}, {1}, {0}, {0}, {12}, 0, NULL, 0, 1},
    {"3d", 3, 1, 3, 4, 1, {3, 4, 5}, {2, 3, 3}, {2, 2, 1}, {1, 1, 2}, {0, 1, 1, 1, 0, 1},
     {1, 1, 0}, {0}, 0, NULL, 1, 1},
    {"3d depthwise", 3, 2, 4, 4, 4, {3, 5, 4}, {3, 3, 3}, {1, 2, 2}, {1, 1, 1},
     {1, 1, 1, 1, 1, 1}, {0, 1, 1}, {0}, 0, NULL, 1, 1},
    {"3d W at run time", 3, 1, 2, 3, 1, {2, 3, 3}, {2, 2, 2}, {2, 2, 2}, {1, 1, 1}, {0}, {0},
     {0}, 0, NULL, 1, 0},
};

/* The attribute and shape errors, each on a 2-D node. */
static void test_errors(void)
{
    const int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {4, 3, 3, 3}, bd[1] = {5};
    struct onr_tensor x, w, b;
    oh_tensor_f32(&x, 4, xd, NULL);
    oh_tensor_f32(&w, 4, wd, NULL);
    oh_tensor_f32(&b, 1, bd, NULL);
    struct onr_tensor *in[3] = {&x, &w, NULL};
    const struct oh_opts o = {.opset = 11, .const_mask = 3u};
    struct oh_node n;
    const int64_t one[1] = {1}, two[2] = {2, 2}, three[3] = {1, 1, 1}, zero2[2] = {0, 2},
                  neg4[4] = {0, -1, 0, 0}, p4[4] = {1, 1, 1, 1}, os3[3] = {1, 2, 3},
                  os_small[2] = {0, 4}, os_full[4] = {2, 3, 9, 9}, k2[2] = {2, 3};

    oh_node_init(&n, "ConvTranspose", "strides 3 values");
    oh_attr_ints(&n, "strides", three, 3), oh_attr_ints(&n, "dilations", two, 2);
    oh_expect_error("strides and dilations disagree", &n, &o, in, 2, 1,
                    ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "stride 0");
    oh_attr_ints(&n, "strides", zero2, 2);
    oh_expect_error("stride 0", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "negative pad");
    oh_attr_ints(&n, "pads", neg4, 4);
    oh_expect_error("negative pad", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "pads with auto_pad");
    oh_attr_ints(&n, "pads", p4, 4), oh_attr_string(&n, "auto_pad", "SAME_UPPER");
    oh_expect_error("pads with auto_pad", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "bad auto_pad");
    oh_attr_string(&n, "auto_pad", "SAME");
    oh_expect_error("unknown auto_pad", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "group 3");
    oh_attr_int(&n, "group", 3);
    oh_expect_error("group does not divide C", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "kernel_shape");
    oh_attr_ints(&n, "kernel_shape", k2, 2);
    oh_expect_error("kernel_shape not W's", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "1-D attrs");
    oh_attr_ints(&n, "strides", one, 1);
    oh_expect_error("1-D attributes on 2-D X", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "output_shape 3 values");
    oh_attr_ints(&n, "output_shape", os3, 3);
    oh_expect_error("output_shape length", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "output_shape 0");
    oh_attr_ints(&n, "output_shape", os_small, 2);
    oh_expect_error("output size 0", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "output_shape wrong N");
    oh_attr_ints(&n, "output_shape", os_full, 4);
    oh_expect_error("output_shape N, M", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "pads too large");
    const int64_t big[4] = {4, 4, 4, 4};
    oh_attr_ints(&n, "pads", big, 4);
    oh_expect_error("output size < 1", &n, &o, in, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    oh_node_init(&n, "ConvTranspose", "B length");
    struct onr_tensor *with_b[3] = {&x, &w, &b};
    oh_expect_error("B not of length M", &n, &o, with_b, 3, 1, ONR_STATUS_SHAPE_MISMATCH);
    /* W's first dim must be C */
    struct onr_tensor *swapped[3] = {&w, &x, NULL};
    oh_expect_error("W's first dim not C", &n, &o, swapped, 2, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&w), onr_tensor_free(&b);
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
    test_errors();
    printf("test_conv_transpose: %zu cases, %d failures; %d col2im kernel checks skipped (the "
           "CPU lacks their ISA)\n", sizeof cases / sizeof cases[0], onr_test_failures,
           skipped_kernels);
    return onr_test_failures != 0;
}
