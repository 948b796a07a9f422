/* ConvTranspose, opsets 1..17: float32 transposed convolution of rank-3
 * (1-D), rank-4 (2-D) or rank-5 (3-D) X; W (C, M/group, kernel...), B (M).
 *
 * Attributes, one value per spatial axis (pads two): auto_pad, dilations,
 * group, kernel_shape (must match W), output_padding, output_shape (the
 * spatial sizes, or all of Y's dims), pads, strides. The output size along
 * an axis is
 *     natural = stride * (in - 1) + output_padding + (k - 1) * dilation + 1
 * less the pads. With output_shape (or auto_pad SAME_*, where the output
 * is in * stride) the pads are derived: total = natural - out, split with
 * the larger half at the end for SAME_UPPER and at the beginning
 * otherwise, as the ONNX specification and its backend tests do. A total
 * below 0 is allowed: the positions no input reaches hold the bias.
 * Rejected: non-float types, rank > 5 (UNSUPPORTED); attribute lengths
 * that disagree, values below their minimum (strides, dilations,
 * kernel_shape < 1, pads or output_padding < 0), explicit pads with
 * auto_pad, a group that does not divide C (INVALID_MODEL); W's first dim
 * not C, B not of length M, an output size < 1 (SHAPE_MISMATCH).
 *
 * prepare picks the path: a depthwise node (one input and one output
 * channel per group) takes the phase-gather kernel of
 * kernels/conv_transpose.h; any other with W constant, per image and
 * group, a GEMM (the shared kernels of kernels/gemm.h, W^T packed once)
 * makes the products of every output channel and tap for a block of input
 * positions, and col2im adds them into Y; otherwise, and in --reference
 * mode, the gather loop onr_convt_f32__ref.
 *
 * onnxrun.fused:ConvTranspose (internal, opset 1) is the same operator
 * with the activation that followed it applied by the kernels as they
 * store Y: Y = act(ConvTranspose(X, W, B)). Inputs X, W, B (optional);
 * attributes ConvTranspose's and those of fused_conv.h ("activation",
 * "activation_params"). Built by the fuse_activation pass
 * (runtime/passes/optimize.c), after fold_batchnorm has folded a
 * BatchNormalization into W and B. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/cpu.h"
#include "auto_pad.h"
#include "conv_impl.h"
#include "fused_conv.h"
#include "fused_conv_transpose.h"
#include "kernels/conv_transpose.h"
#include "kernels/gemm.h"
#include "op.h"

/* Columns of one GEMM block: about this many bytes of products, so the
 * block stays in a core's L2 while col2im adds it into Y. */
#define CONVT_BLOCK_BYTES (1024 * 1024)

struct convt_params {
    enum onr_auto_pad auto_pad;
    int attr_axes;                          /* spatial axes the attributes name, 0: none */
    int64_t group;
    int64_t kernel[3], strides[3], dilations[3], pads[6], output_padding[3];
    bool has_kernel;
    int64_t output_shape[5];
    size_t n_output_shape;                  /* 0: absent */
    struct onr_activation act;              /* the fused node's; none for ConvTranspose */
    /* set by infer */
    bool shaped;
    int spatial;
    struct onr_convt_shape shape;
    int64_t pad_end[3];                     /* for --info */
    /* set by prepare: the phase-gather kernel, the GEMM path (packed_w),
     * or neither (the reference loop) */
    onr_convt_phase_fn phase;
    float *packed_w;                        /* one packed W^T per group */
    size_t packed_group_floats;
    onr_gemm_f32_fn gemm;
    onr_convt_col2im_fn col2im;
    const char *kernel_name;
    int64_t block;                          /* input positions per GEMM block */
    size_t cols_bytes;                      /* workspace: products, then the GEMM's */
};

/* Reads an ints attribute of per_axis values per spatial axis (1 to 3
 * axes), each >= min, into out; a count that disagrees with the axes the
 * attributes read before name is INVALID_MODEL. */
static enum onr_status read_axes(const struct onr_node *node, const char *attr,
                                 size_t per_axis, int64_t min, int64_t *out, bool *present,
                                 int *axes, struct onr_error *err)
{
    const int64_t *v;
    size_t n;
    enum onr_status st = onr_node_attr_ints(node, attr, &v, &n, err);
    if (st != ONR_STATUS_OK) return st;
    if (present != NULL) *present = v != NULL;
    if (v == NULL) return ONR_STATUS_OK;
    if (n == 0 || n % per_axis != 0 || n / per_axis > 3)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': %s has %zu values, expected %zu, %zu or %zu "
                             "(1-D, 2-D or 3-D)", node->name, attr, n, per_axis, 2 * per_axis,
                             3 * per_axis);
    if (*axes != 0 && (size_t)*axes != n / per_axis)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': %s has %zu values, expected %zu: the other "
                             "attributes name %d spatial axes", node->name, attr, n,
                             (size_t)*axes * per_axis, *axes);
    *axes = (int)(n / per_axis);
    for (size_t i = 0; i < n; i++) {
        if (v[i] < min)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "ConvTranspose '%s': %s[%zu] = %lld, expected >= %lld",
                                 node->name, attr, i, (long long)v[i], (long long)min);
        out[i] = v[i];
    }
    return ONR_STATUS_OK;
}

static enum onr_status convt_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct convt_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "ConvTranspose '%s': out of memory",
                             node->name);
    ctx->params = p;
    for (int i = 0; i < 3; i++) p->strides[i] = p->dilations[i] = 1;
    bool has_pads;
    enum onr_status st;
    if ((st = read_axes(node, "kernel_shape", 1, 1, p->kernel, &p->has_kernel, &p->attr_axes,
                        err)) ||
        (st = read_axes(node, "strides", 1, 1, p->strides, NULL, &p->attr_axes, err)) ||
        (st = read_axes(node, "dilations", 1, 1, p->dilations, NULL, &p->attr_axes, err)) ||
        (st = read_axes(node, "pads", 2, 0, p->pads, &has_pads, &p->attr_axes, err)) ||
        (st = read_axes(node, "output_padding", 1, 0, p->output_padding, NULL, &p->attr_axes,
                        err)) ||
        (st = onr_read_auto_pad(node, &p->auto_pad, err)) ||
        (st = onr_node_attr_int(node, "group", 1, &p->group, err)))
        return st;
    if (p->group < 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': group %lld, expected >= 1", node->name,
                             (long long)p->group);
    if (has_pads && p->auto_pad != ONR_AUTO_PAD_NOTSET)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': explicit pads given together with auto_pad",
                             node->name);
    const int64_t *os;
    size_t n_os;
    if ((st = onr_node_attr_ints(node, "output_shape", &os, &n_os, err)) != ONR_STATUS_OK)
        return st;
    if (os != NULL) {
        if (n_os == 0 || n_os > 5)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "ConvTranspose '%s': output_shape has %zu values, expected 1 "
                                 "to 3 spatial sizes (or all of Y's dims)", node->name, n_os);
        for (size_t i = 0; i < n_os; i++) {
            if (os[i] < 0)
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "ConvTranspose '%s': output_shape[%zu] = %lld, expected "
                                     ">= 0", node->name, i, (long long)os[i]);
            p->output_shape[i] = os[i];
        }
        p->n_output_shape = n_os;
    }
    return ONR_STATUS_OK;
}

/* Ranks, dtypes and the channel agreement of X, W and B; *M the output
 * channels. */
static enum onr_status check_inputs(const struct onr_node *node, const struct convt_params *p,
                                    const struct onr_tensor *x, const struct onr_tensor *w,
                                    const struct onr_tensor *b, int64_t *M,
                                    struct onr_error *err)
{
    const char *name = node->name;
    char buf[96];
    const int rank = x->shape.rank;
    if (x->dtype != ONR_DTYPE_FLOAT || w->dtype != ONR_DTYPE_FLOAT ||
        (b != NULL && b->dtype != ONR_DTYPE_FLOAT))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "ConvTranspose '%s': only float32 is supported", name);
    if (rank < 3)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "ConvTranspose '%s': X has rank %d, expected 3, 4 or 5 (N, C, "
                             "spatial...)", name, rank);
    if (rank > 5)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "ConvTranspose '%s': X has rank %d; only 1-D, 2-D and 3-D (rank "
                             "3 to 5) are supported", name, rank);
    if (p->attr_axes != 0 && p->attr_axes != rank - 2)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': the attributes name %d spatial axes, X (rank "
                             "%d) has %d", name, p->attr_axes, rank, rank - 2);
    if (p->n_output_shape != 0 && p->n_output_shape != (size_t)rank - 2 &&
        p->n_output_shape != (size_t)rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': output_shape has %zu values, expected %d "
                             "(spatial) or %d (all of Y's dims)", name, p->n_output_shape,
                             rank - 2, rank);
    onr_shape_format(&w->shape, buf, sizeof buf);
    if (w->shape.rank != rank)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "ConvTranspose '%s': W has shape %s, expected rank %d (X's)", name,
                             buf, rank);
    const int64_t C = x->shape.dims[1];
    if (w->shape.dims[0] != C)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "ConvTranspose '%s': W has shape %s, expected %lld input channels "
                             "(X's C) first", name, buf, (long long)C);
    if (C % p->group != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': group %lld does not divide C=%lld", name,
                             (long long)p->group, (long long)C);
    for (int i = 0; p->has_kernel && i < rank - 2; i++)
        if (p->kernel[i] != w->shape.dims[2 + i])
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "ConvTranspose '%s': kernel_shape[%d] = %lld does not match "
                                 "W's shape %s", name, i, (long long)p->kernel[i], buf);
    for (int i = 2; i < rank; i++)
        if (w->shape.dims[i] < 1)
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "ConvTranspose '%s': W has shape %s, an empty kernel", name,
                                 buf);
    if (onr_mul_overflow_i64(w->shape.dims[1], p->group, M))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': W's %lld channels x group %lld overflow",
                             name, (long long)w->shape.dims[1], (long long)p->group);
    if (b != NULL && (b->shape.rank != 1 || b->shape.dims[0] != *M)) {
        onr_shape_format(&b->shape, buf, sizeof buf);
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "ConvTranspose '%s': B has shape %s, expected %lld (M)", name, buf,
                             (long long)*M);
    }
    return ONR_STATUS_OK;
}

/* The output size along attribute axis a (of p's per-axis arrays) and its
 * begin and end pads. */
static enum onr_status out_dim(const struct onr_node *node, const struct convt_params *p,
                               int a, int rank, int64_t in, int64_t k, int64_t *out,
                               int64_t *p0, int64_t *p1, struct onr_error *err)
{
    const int spatial = rank - 2;
    const int64_t s = p->strides[a], d = p->dilations[a];
    int64_t natural, ek;
    /* natural = s * (in - 1) + output_padding + (k - 1) * d + 1 */
    if (onr_mul_overflow_i64(k - 1, d, &ek) || onr_mul_overflow_i64(s, in - 1, &natural) ||
        __builtin_add_overflow(natural, ek + 1, &natural) ||
        __builtin_add_overflow(natural, p->output_padding[a], &natural))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConvTranspose '%s': the output size along axis %d overflows",
                             node->name, 2 + a);
    bool derive = true;
    if (p->n_output_shape != 0) {
        *out = p->output_shape[p->n_output_shape == (size_t)spatial ? a : 2 + a];
    } else if (p->auto_pad == ONR_AUTO_PAD_SAME_UPPER || p->auto_pad == ONR_AUTO_PAD_SAME_LOWER) {
        if (onr_mul_overflow_i64(in, s, out))
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "ConvTranspose '%s': the output size along axis %d overflows",
                                 node->name, 2 + a);
    } else {
        derive = false;
        const bool valid = p->auto_pad == ONR_AUTO_PAD_VALID;
        *p0 = valid ? 0 : p->pads[a];
        *p1 = valid ? 0 : p->pads[spatial + a];
        *out = natural - *p0 - *p1;
    }
    if (derive) {
        const int64_t total = natural - *out;
        /* floor division, so a negative total splits the same way */
        const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
        *p0 = p->auto_pad == ONR_AUTO_PAD_SAME_UPPER ? half : total - half;
        *p1 = total - *p0;
    }
    if (*out < 1)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "ConvTranspose '%s': output size along axis %d would be %lld "
                             "(input %lld, kernel %lld, stride %lld, dilation %lld, pads "
                             "%lld,%lld)", node->name, 2 + a, (long long)*out, (long long)in,
                             (long long)k, (long long)s, (long long)d, (long long)*p0,
                             (long long)*p1);
    return ONR_STATUS_OK;
}

static enum onr_status convt_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct convt_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0], *w = ctx->x[1];
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    struct onr_tensor *y = ctx->y[0];
    p->shaped = false;
    int64_t M;
    enum onr_status st = check_inputs(ctx->node, p, x, w, b, &M, err);
    if (st != ONR_STATUS_OK) return st;
    const int rank = x->shape.rank, spatial = rank - 2;
    struct onr_convt_shape s = {.N = x->shape.dims[0], .C = x->shape.dims[1], .M = M,
                                .group = p->group};
    for (int j = 0; j < 3; j++) {
        s.in[j] = s.k[j] = s.out[j] = s.stride[j] = s.dil[j] = 1;
        s.pad_begin[j] = p->pad_end[j] = 0;
    }
    for (int a = 0; a < spatial; a++) {
        const int j = 3 - spatial + a;  /* the kernel's axis: trailing */
        s.in[j] = x->shape.dims[2 + a];
        s.k[j] = w->shape.dims[2 + a];
        s.stride[j] = p->strides[a];
        s.dil[j] = p->dilations[a];
        if ((st = out_dim(ctx->node, p, a, rank, s.in[j], s.k[j], &s.out[j], &s.pad_begin[j],
                          &p->pad_end[j], err)))
            return st;
    }
    if (p->n_output_shape == (size_t)rank &&
        (p->output_shape[0] != s.N || p->output_shape[1] != M))
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "ConvTranspose '%s': output_shape names N=%lld, M=%lld; X and W "
                             "give N=%lld, M=%lld", ctx->node->name,
                             (long long)p->output_shape[0], (long long)p->output_shape[1],
                             (long long)s.N, (long long)M);
    y->dtype = ONR_DTYPE_FLOAT;
    y->shape.rank = rank;
    y->shape.dims[0] = s.N;
    y->shape.dims[1] = M;
    for (int a = 0; a < spatial; a++) y->shape.dims[2 + a] = s.out[3 - spatial + a];
    if ((st = onr_shape_check(&y->shape, y->dtype, NULL, err)) != ONR_STATUS_OK) {
        onr_error_prefix(err, "ConvTranspose '%s': output", ctx->node->name);
        return st;
    }
    p->spatial = spatial;
    p->shape = s;
    p->shaped = true;
    return ONR_STATUS_OK;
}

static void convt_clear(struct convt_params *p)
{
    onr_aligned_free(p->packed_w);
    p->packed_w = NULL;
    p->gemm = NULL;
    p->col2im = NULL;
    p->phase = NULL;
    p->kernel_name = NULL;
}

static size_t align64(size_t v)
{
    return (v + 63) & ~(size_t)63;
}

/* The phase-gather kernel instead of GEMM + col2im: for depthwise nodes
 * (one input and one output channel per group), where the GEMM has K = 1.
 * With more channels per group the GEMM wins (tools/bench/README.md). */
static bool takes_phase_path(const struct onr_convt_shape *s)
{
    return s->C / s->group == 1 && s->M / s->group == 1;
}

static enum onr_status convt_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct convt_params *p = ctx->params;
    const struct onr_convt_shape *s = &p->shape;
    convt_clear(p);
    ctx->workspace_bytes = 0;
    const int64_t cg = s->C / s->group, mg = s->M / s->group;
    const int64_t taps = s->k[0] * s->k[1] * s->k[2];
    const int64_t in_vol = s->in[0] * s->in[1] * s->in[2];
    int64_t rows;
    p->kernel_name = "convtranspose__ref";
    /* The reference loop also covers what the GEMM cannot take: no input
     * channels or positions (Y is then the bias), or W known only at run. */
    if (ctx->reference) return ONR_STATUS_OK;
    if (takes_phase_path(s)) {
        size_t ws;
        if (onr_mul_overflow_size(onr_convt_phase_workspace_floats(s), sizeof(float), &ws) ||
            onr_mul_overflow_size(align64(ws), (size_t)ctx->threads, &ws))
            return ONR_STATUS_OK;
        const struct onr_convt_phase_kernel *k = onr_convt_phase_pick(
            onr_convt_phase_kernels, onr_convt_phase_kernels_count, ctx->isa, s);
        p->phase = k->fn;
        p->kernel_name = k->name;
        ctx->workspace_bytes = ws;
        return ONR_STATUS_OK;
    }
    if (ctx->x[1]->data == NULL || cg < 1 || mg < 1 || in_vol < 1 || s->N < 1 ||
        onr_mul_overflow_i64(mg, taps, &rows))
        return ONR_STATUS_OK;
    int64_t block = CONVT_BLOCK_BYTES / ((int64_t)sizeof(float) * rows) / 32 * 32;
    if (block < 32) block = 32;
    if (block > in_vol) block = in_vol;
    size_t cols = 0;
    const size_t group_bytes = onr_gemm_f32_packed_a_size(rows, cg);
    const size_t gemm_ws = onr_gemm_f32_workspace_size(rows, block, cg, ctx->threads);
    size_t packed = 0;
    if (group_bytes == 0 || gemm_ws == 0 ||
        onr_mul_overflow_size(group_bytes, (size_t)s->group, &packed) ||
        onr_mul_overflow_size((size_t)rows, (size_t)block, &cols) ||
        onr_mul_overflow_size(cols, sizeof(float), &cols) || cols > SIZE_MAX / 4)
        return ONR_STATUS_OK; /* too large to pack: the reference loop */
    p->packed_w = onr_aligned_alloc(packed);
    if (p->packed_w == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY,
                             "ConvTranspose '%s': cannot pack W (%zu bytes)", ctx->node->name,
                             packed);
    p->packed_group_floats = group_bytes / sizeof(float);
    /* Group g's A (rows, cg) is W_g^T: element (m * taps + t, c) sits at
     * w[(g * cg + c) * rows + m * taps + t], W_g stored (cg, rows). */
    const float *w = ctx->x[1]->data;
    for (int64_t g = 0; g < s->group; g++)
        onr_gemm_f32_pack_a(rows, cg, w + g * cg * rows, rows, true,
                            p->packed_w + g * p->packed_group_floats);
    const struct onr_gemm_shape shape = {.M = rows, .N = block, .K = cg, .ldb = in_vol,
                                         .ldy = block};
    const struct onr_gemm_kernel *k =
        onr_gemm_pick(onr_gemm_kernels, onr_gemm_kernels_count, ctx->isa, &shape);
    p->gemm = k->fn;
    p->kernel_name = k->name;
    p->col2im = onr_convt_col2im_pick(onr_convt_col2im_kernels, onr_convt_col2im_kernels_count,
                                      ctx->isa, s)->fn;
    p->block = block;
    p->cols_bytes = align64(cols);
    ctx->workspace_bytes = p->cols_bytes + gemm_ws;
    return ONR_STATUS_OK;
}

static void run_gemm(const struct onr_op_ctx *ctx, const struct convt_params *p)
{
    const struct onr_convt_shape *s = &p->shape;
    const int64_t cg = s->C / s->group, mg = s->M / s->group;
    const int64_t taps = s->k[0] * s->k[1] * s->k[2];
    const int64_t in_vol = s->in[0] * s->in[1] * s->in[2];
    const int64_t out_vol = s->out[0] * s->out[1] * s->out[2];
    const struct onr_tensor *bt = ctx->n_x > 2 ? ctx->x[2] : NULL;
    const float *b = bt != NULL ? bt->data : NULL;
    const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
    const bool act = p->act.kind != ONR_ACT_NONE;
    float *cols = ctx->workspace;
    void *gemm_ws = (char *)ctx->workspace + p->cols_bytes;
    for (int64_t n = 0; n < s->N; n++)
        for (int64_t g = 0; g < s->group; g++) {
            const float *x = (const float *)ctx->x[0]->data + (n * s->C + g * cg) * in_vol;
            float *y = (float *)ctx->y[0]->data + (n * s->M + g * mg) * out_vol;
            for (int64_t p0 = 0; p0 < in_vol; p0 += p->block) {
                const int64_t nb = in_vol - p0 < p->block ? in_vol - p0 : p->block;
                const struct onr_gemm_shape shape = {.M = mg * taps, .N = nb, .K = cg,
                                                     .ldb = in_vol, .ldy = nb,
                                                     .bias_mode = ONR_GEMM_BIAS_NONE};
                p->gemm(&shape, p->packed_w + g * p->packed_group_floats, x + p0, NULL, NULL,
                        &none, cols, gemm_ws, ctx->threads);
                p->col2im(s, cols, p0, nb, b != NULL ? b + g * mg : NULL, y,
                          act && p0 + nb == in_vol ? &p->act : NULL, ctx->threads);
            }
        }
}

static enum onr_status convt_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct convt_params *p = ctx->params;
    if (p->gemm != NULL) {
        run_gemm(ctx, p);
        return ONR_STATUS_OK;
    }
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    if (p->phase != NULL) {
        p->phase(&p->shape, ctx->x[0]->data, ctx->x[1]->data, b != NULL ? b->data : NULL,
                 &p->act, ctx->y[0]->data, ctx->workspace, ctx->threads);
        return ONR_STATUS_OK;
    }
    const int64_t planes = p->shape.N * p->shape.M;
    const int64_t out_vol = p->shape.out[0] * p->shape.out[1] * p->shape.out[2];
    float *y = ctx->y[0]->data;
    onr_convt_f32__ref(&p->shape, ctx->x[0]->data, ctx->x[1]->data, b != NULL ? b->data : NULL,
                       y, ctx->reference ? 1 : ctx->threads);
    /* The oracle stays the definition; the fused activation follows it. */
    for (int64_t i = 0; p->act.kind != ONR_ACT_NONE && i < planes * out_vol; i++)
        y[i] = onr_activation_apply(&p->act, y[i]);
    return ONR_STATUS_OK;
}

static void convt_release(void *params)
{
    struct convt_params *p = params;
    if (p == NULL) return;
    convt_clear(p);
    free(p);
}

static void convt_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    const struct convt_params *p = ctx->params;
    if (macs != NULL) *macs = 0;
    if (p == NULL || !p->shaped) {
        if (size) buf[0] = '\0';
        return;
    }
    const struct onr_convt_shape *s = &p->shape;
    const int first = 3 - p->spatial;
    size_t len = 0;
    static const char *const fields[] = {"k=", " s=", " d="};
    const int64_t *vals[] = {s->k, s->stride, s->dil};
    for (int f = 0; f < 3 && len < size; f++)
        for (int j = first; j < 3 && len < size; j++)
            len += (size_t)snprintf(buf + len, size - len, "%s%lld", j == first ? fields[f] : "x",
                                    (long long)vals[f][j]);
    for (int j = first; j < 3 && len < size; j++)
        len += (size_t)snprintf(buf + len, size - len, "%s%lld", j == first ? " p=" : ",",
                                (long long)s->pad_begin[j]);
    for (int j = first; j < 3 && len < size; j++)
        len += (size_t)snprintf(buf + len, size - len, ",%lld", (long long)p->pad_end[j]);
    if (len < size)
        snprintf(buf + len, size - len, " g=%lld%s %s", (long long)s->group,
                 onr_conv_act_suffix(p->act.kind), p->kernel_name != NULL ? p->kernel_name : "");
    if (macs != NULL) {
        /* every input element meets every weight of its group's channels */
        int64_t m = s->N;
        const int64_t f[] = {s->C, s->in[0], s->in[1], s->in[2], s->M / s->group,
                             s->k[0], s->k[1], s->k[2]};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            if (onr_mul_overflow_i64(m, f[i], &m)) m = INT64_MAX;
        *macs = m;
    }
}

const struct onr_op_def onr_op_convtranspose = {
    .name = "ConvTranspose", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = convt_init, .infer = convt_infer, .prepare = convt_prepare, .run = convt_run,
    .release = convt_release, .describe = convt_describe,
};

static enum onr_status fused_convt_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    enum onr_status st = convt_init(ctx, err);
    if (st != ONR_STATUS_OK) return st;
    struct convt_params *p = ctx->params;
    return onr_activation_read_attrs(ctx->node, "", &p->act, err);
}

const struct onr_op_def onr_op_fused_convtranspose = {
    .name = "ConvTranspose", .domain = ONR_DOMAIN_FUSED, .min_opset = 1, .max_opset = 1,
    .min_inputs = 2, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_INTERNAL,
    .init = fused_convt_init, .infer = convt_infer, .prepare = convt_prepare, .run = convt_run,
    .release = convt_release, .describe = convt_describe,
};
