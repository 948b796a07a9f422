/* Conv, opsets 1..17: 2-D float32 convolution (rank-4 X, W; optional B).
 *
 * Attributes: auto_pad (NOTSET, SAME_UPPER, SAME_LOWER, VALID), dilations,
 * group (dense, grouped, depthwise with any channel multiplier), kernel_shape
 * (optional, must match W), pads, strides. Rejected: other ranks (1-D, 3-D)
 * and non-float types as UNSUPPORTED; strides, dilations or kernel_shape
 * < 1, negative pads, explicit pads together with auto_pad, group < 1 or
 * not dividing C and OC as INVALID_MODEL; W's channels not C/group, B not
 * of length OC, or an output size < 1 as SHAPE_MISMATCH.
 *
 * A graph pass may fuse a following activation (onr_conv_set_activation in
 * conv.h). prepare picks the kernel from onr_conv_variants, or the oracle
 * onr_conv2d_f32__ref when ctx->reference is set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/cpu.h"
#include "auto_pad.h"
#include "conv.h"
#include "kernels/dwconv.h"
#include "kernels/gemm.h"
#include "kernels/nchwc.h"


struct conv_params {
    /* attributes; pads are ONNX order: top, left, bottom, right */
    int64_t kernel[2], strides[2], dilations[2], pads[4], group;
    bool has_kernel;
    enum onr_auto_pad auto_pad;
    struct onr_activation act;          /* fused by a graph pass; NONE default */
    bool residual;                      /* input 3 is added before act (fused Add) */
    struct onr_conv_shape shape;        /* set by infer */
    bool shaped;
    onr_conv2d_f32_fn kernel_fn;        /* set by prepare */
    const char *kernel_name;
    /* GEMM path (group 1, constant W): y[n] = W (OC, C*KH*KW) * im2col(x[n]).
     * A 1x1, stride-1, unpadded Conv reads x[n] directly as the GEMM's B. */
    onr_gemm_f32_fn gemm_fn;
    float *packed_w;                    /* W packed by onr_gemm_f32_pack_a */
    bool im2col;
    int64_t im2col_cols;                /* output positions per im2col block */
    size_t im2col_bytes;                /* at the start of the workspace */
    /* Fused expand -> depthwise (onr_conv_fuse_pointwise): this depthwise
     * Conv reads the 1x1 Conv's input and computes its output block by
     * block of channels into the workspace, so it never goes to memory. */
    struct {
        bool on;
        const float *packed_w, *bias;   /* the 1x1 Conv's, which keeps owning them */
        struct onr_activation act;
        onr_gemm_f32_fn gemm_fn;
        int64_t K, block;               /* its input channels; channels per block */
        size_t tile_bytes;              /* workspace: tile, then the GEMM's panels */
        int64_t macs;
    } pw;
    /* NCHW16c (onr_conv_set_blocked): x, the residual and y are blocked;
     * W and B packed for the blocked depthwise or 1x1 kernel. */
    struct {
        bool on;
        float *w, *b;
        onr_nchwc_dw_fn dw;             /* one of these three */
        onr_nchwc_pw_fn pw;
        onr_nchwc_conv_fn dense;        /* plain X: the first Conv of a chain */
        onr_nchwc_pw_gated_fn gated;    /* 1x1 with input 4 a per-channel gate */
        onr_nchwc_conv_rows_fn rows;    /* dense: the same by rows, for fusing */
        onr_nchwc_pw_rows_fn pw_rows;   /* 1x1: the same by pixels, for fusing */
        bool gate;                      /* onr_conv_set_gate */
        /* a depthwise Conv that computes the Conv before it as well
         * (onr_conv_fuse_into_depthwise): x is that Conv's input */
        const struct conv_params *producer;
        /* likewise the 1x1 Conv after it (onr_conv_fuse_into_depthwise):
         * y is that Conv's output, x[3] its residual or NULL */
        const struct conv_params *consumer;
        int64_t window_bytes;           /* its buffers, per thread */
        char name[40];                  /* the kernel, for --info */
    } blk;
};

/* ---- kernel choice ---- */

static bool fits_any(const struct onr_conv_shape *s) { return true; }

static bool fits_depthwise(const struct onr_conv_shape *s)
{
    return s->C > 0 && s->group == s->C && s->OC % s->C == 0;
}

static bool fits_1x1(const struct onr_conv_shape *s)
{
    return s->KH == 1 && s->KW == 1 && s->stride_h == 1 && s->stride_w == 1 &&
           s->pad_top == 0 && s->pad_left == 0 && s->pad_bottom == 0 && s->pad_right == 0;
}

/* Depthwise (multiplier 1) shapes that onr_dwconv2d_f32_pick gives to `fn`. */
static bool dw_pick_is(const struct onr_conv_shape *s, onr_dwconv2d_fn fn, bool avx2)
{
    return (!avx2 || onr_cpu_has_avx2_fma()) && onr_dwconv2d_f32_pick(s, avx2) == fn;
}

#if defined(ONR_HAVE_X86)
static bool fits_dw3x3s1_avx2(const struct onr_conv_shape *s)
{
    return dw_pick_is(s, onr_dwconv2d_f32_3x3s1__avx2, true);
}
static bool fits_dw3x3s2_avx2(const struct onr_conv_shape *s)
{
    return dw_pick_is(s, onr_dwconv2d_f32_3x3s2__avx2, true);
}
static bool fits_dw5x5s1_avx2(const struct onr_conv_shape *s)
{
    return dw_pick_is(s, onr_dwconv2d_f32_5x5s1__avx2, true);
}
static bool fits_dw5x5s2_avx2(const struct onr_conv_shape *s)
{
    return dw_pick_is(s, onr_dwconv2d_f32_5x5s2__avx2, true);
}
/* AVX-512 variants: the shapes onr_dwconv2d_f32_pick_isa gives them. */
static bool dw512_pick_is(const struct onr_conv_shape *s, onr_dwconv2d_fn fn)
{
    return onr_cpu_has_avx512() && onr_dwconv2d_f32_pick_isa(s, true, true) == fn;
}
/* Small planes (at most 256 output pixels, onr_dwconv2d_small_fits): the
 * across-channels kernels measured 1.1-2.9x faster than the row kernels on
 * every such MobileNet layer (7x7: ~2.6x), so they take all of them. */
static bool dwsmall_is(const struct onr_conv_shape *s, int64_t k, int64_t st)
{
    return s->KH == k && s->stride_h == st && onr_cpu_has_avx512() &&
           onr_dwconv2d_small_fits(s);
}
static bool fits_dwsmall3x3s1_avx512(const struct onr_conv_shape *s) { return dwsmall_is(s, 3, 1); }
static bool fits_dwsmall3x3s2_avx512(const struct onr_conv_shape *s) { return dwsmall_is(s, 3, 2); }
static bool fits_dwsmall5x5s1_avx512(const struct onr_conv_shape *s) { return dwsmall_is(s, 5, 1); }
static bool fits_dwsmall5x5s2_avx512(const struct onr_conv_shape *s) { return dwsmall_is(s, 5, 2); }
static bool fits_dw3x3s1_avx512(const struct onr_conv_shape *s)
{
    return dw512_pick_is(s, onr_dwconv2d_f32_3x3s1__avx512);
}
static bool fits_dw3x3s2_avx512(const struct onr_conv_shape *s)
{
    return dw512_pick_is(s, onr_dwconv2d_f32_3x3s2__avx512);
}
static bool fits_dw5x5s1_avx512(const struct onr_conv_shape *s)
{
    return dw512_pick_is(s, onr_dwconv2d_f32_5x5s1__avx512);
}
static bool fits_dw5x5s2_avx512(const struct onr_conv_shape *s)
{
    return dw512_pick_is(s, onr_dwconv2d_f32_5x5s2__avx512);
}
#endif

/* Few input channels (first Conv): the direct kernel beats im2col + GEMM. */
static bool fits_smallc_avx512(const struct onr_conv_shape *s)
{
#if defined(ONR_HAVE_X86)
    return onr_cpu_has_avx512() && onr_conv2d_f32_smallc_fits(s);
#else
    return false;
#endif
}

/* Add a variant with one line here, above the ones it beats. An ISA
 * variant's fits() also checks onr_cpu_has_avx2_fma(). */
const struct onr_conv_variant onr_conv_variants[] = {
#if defined(ONR_HAVE_X86)
    {"dwconv2d_small3x3s1__avx512", fits_dwsmall3x3s1_avx512, onr_dwconv2d_f32_small3x3s1__avx512},
    {"dwconv2d_small3x3s2__avx512", fits_dwsmall3x3s2_avx512, onr_dwconv2d_f32_small3x3s2__avx512},
    {"dwconv2d_small5x5s1__avx512", fits_dwsmall5x5s1_avx512, onr_dwconv2d_f32_small5x5s1__avx512},
    {"dwconv2d_small5x5s2__avx512", fits_dwsmall5x5s2_avx512, onr_dwconv2d_f32_small5x5s2__avx512},
    {"dwconv2d_3x3s1__avx512", fits_dw3x3s1_avx512, onr_dwconv2d_f32_3x3s1__avx512},
    {"dwconv2d_3x3s2__avx512", fits_dw3x3s2_avx512, onr_dwconv2d_f32_3x3s2__avx512},
    {"dwconv2d_5x5s1__avx512", fits_dw5x5s1_avx512, onr_dwconv2d_f32_5x5s1__avx512},
    {"dwconv2d_5x5s2__avx512", fits_dw5x5s2_avx512, onr_dwconv2d_f32_5x5s2__avx512},
    {"dwconv2d_3x3s1__avx2", fits_dw3x3s1_avx2, onr_dwconv2d_f32_3x3s1__avx2},
    {"dwconv2d_3x3s2__avx2", fits_dw3x3s2_avx2, onr_dwconv2d_f32_3x3s2__avx2},
    {"dwconv2d_5x5s1__avx2", fits_dw5x5s1_avx2, onr_dwconv2d_f32_5x5s1__avx2},
    {"dwconv2d_5x5s2__avx2", fits_dw5x5s2_avx2, onr_dwconv2d_f32_5x5s2__avx2},
#endif
#if defined(ONR_HAVE_X86)
    {"conv2d_smallc__avx512", fits_smallc_avx512, onr_conv2d_f32_smallc__avx512},
#endif
    {"conv2d_1x1__scalar", fits_1x1, onr_conv2d_f32_1x1__scalar},
    {"conv2d_depthwise__scalar", fits_depthwise, onr_conv2d_f32_depthwise__scalar},
    {"conv2d__scalar", fits_any, onr_conv2d_f32__scalar},
};
const int onr_conv_variant_count =
    (int)(sizeof onr_conv_variants / sizeof onr_conv_variants[0]);

static const struct onr_conv_variant *pick_kernel(const struct onr_conv_shape *s)
{
    for (int i = 0; i < onr_conv_variant_count; i++)
        if (onr_conv_variants[i].fits(s)) return &onr_conv_variants[i];
    return &onr_conv_variants[onr_conv_variant_count - 1];
}

static void conv_ref(const struct onr_conv_shape *s, const float *x, const float *w,
                     const float *b, const struct onr_activation *act, float *y, int threads)
{
    onr_conv2d_f32__ref(s, x, w, b, act, y);
}

/* ---- init: attributes ---- */

/* Reads an ints attribute of `want` values (2 per spatial axis) into out,
 * each >= min; leaves out alone when absent. */
static enum onr_status read_ints(const struct onr_node *node, const char *name, size_t want,
                                 int64_t min, int64_t *out, bool *present,
                                 struct onr_error *err)
{
    const int64_t *v;
    size_t n;
    enum onr_status st = onr_node_attr_ints(node, name, &v, &n, err);
    if (st != ONR_STATUS_OK) return st;
    if (present != NULL) *present = v != NULL;
    if (v == NULL) return ONR_STATUS_OK;
    if (n != want) {
        /* A count that fits another dimensionality is a valid 1-D or 3-D Conv. */
        bool other_rank = n > 0 && (want != 4 || n % 2 == 0);
        if (!other_rank)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Conv '%s': %s has %zu values, expected %zu", node->name,
                                 name, n, want);
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': %s has %zu values, expected %zu: only 2-D "
                             "convolution is supported", node->name, name, n, want);
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < min)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Conv '%s': %s[%zu] = %lld, expected >= %lld", node->name,
                                 name, i, (long long)v[i], (long long)min);
        out[i] = v[i];
    }
    return ONR_STATUS_OK;
}

static enum onr_status conv_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct conv_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Conv '%s': out of memory",
                             node->name);
    ctx->params = p;
    p->strides[0] = p->strides[1] = p->dilations[0] = p->dilations[1] = 1;
    p->act.kind = ONR_ACT_NONE;
    bool has_pads;
    enum onr_status st;
    if ((st = read_ints(node, "kernel_shape", 2, 1, p->kernel, &p->has_kernel, err)) ||
        (st = read_ints(node, "strides", 2, 1, p->strides, NULL, err)) ||
        (st = read_ints(node, "dilations", 2, 1, p->dilations, NULL, err)) ||
        (st = read_ints(node, "pads", 4, 0, p->pads, &has_pads, err)) ||
        (st = onr_read_auto_pad(node, &p->auto_pad, err)) ||
        (st = onr_node_attr_int(node, "group", 1, &p->group, err)))
        return st;
    if (p->group < 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Conv '%s': group %lld, expected >= 1", node->name,
                             (long long)p->group);
    if (p->auto_pad != ONR_AUTO_PAD_NOTSET && (p->pads[0] | p->pads[1] | p->pads[2] | p->pads[3]))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Conv '%s': explicit pads given together with auto_pad",
                             node->name);
    return ONR_STATUS_OK;
}

/* ---- infer: shapes ---- */

/* Output size along one axis; resolves auto_pad into *p0 (begin), *p1. */
static enum onr_status out_dim(const struct onr_op_ctx *ctx, const struct conv_params *p,
                               int axis, int64_t in, int64_t k, int64_t *p0, int64_t *p1,
                               int64_t *out, struct onr_error *err)
{
    const char *what = axis == 0 ? "height" : "width";
    const int64_t s = p->strides[axis], d = p->dilations[axis];
    int64_t ek, padded;
    *p0 = p->pads[axis];
    *p1 = p->pads[axis + 2];
    if (onr_mul_overflow_i64(k - 1, d, &ek) || ek == INT64_MAX) goto overflow;
    ek += 1; /* extent of the dilated kernel */
    if (p->auto_pad == ONR_AUTO_PAD_SAME_UPPER || p->auto_pad == ONR_AUTO_PAD_SAME_LOWER) {
        int64_t o = in / s + (in % s != 0), total;
        if (__builtin_add_overflow((o > 0 ? o - 1 : 0) * s, ek, &total)) goto overflow;
        total = total > in ? total - in : 0;
        *p0 = p->auto_pad == ONR_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        *p1 = total - *p0;
    }
    if (__builtin_add_overflow(in, *p0, &padded) ||
        __builtin_add_overflow(padded, *p1, &padded))
        goto overflow;
    *out = padded >= ek ? (padded - ek) / s + 1 : 0;
    if (*out < 1)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "Conv '%s': output %s would be %lld: input %lld + pads %lld,%lld "
                             "is smaller than the kernel extent %lld", ctx->node->name, what,
                             (long long)*out, (long long)in, (long long)*p0, (long long)*p1,
                             (long long)ek);
    return ONR_STATUS_OK;
overflow:
    return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                         "Conv '%s': kernel, dilation or pads along the %s overflow",
                         ctx->node->name, what);
}

/* Ranks, dtypes and the channel agreement of X, W and B. */
static enum onr_status check_inputs(const struct onr_op_ctx *ctx, const struct conv_params *p,
                                    struct onr_error *err)
{
    const char *name = ctx->node->name;
    const struct onr_tensor *x = ctx->x[0], *w = ctx->x[1];
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    char buf[96];
    if (x->shape.rank != 4)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': X has rank %d; only 2-D convolution (rank-4 X) "
                             "is supported", name, x->shape.rank);
    if (x->dtype != ONR_DTYPE_FLOAT || w->dtype != ONR_DTYPE_FLOAT ||
        (b != NULL && b->dtype != ONR_DTYPE_FLOAT))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': only float32 is supported", name);
    onr_shape_format(&w->shape, buf, sizeof buf);
    if (w->shape.rank != 4)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "Conv '%s': W has shape %s, expected rank 4", name, buf);
    const int64_t C = x->shape.dims[1], OC = w->shape.dims[0];
    if (C % p->group != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Conv '%s': group %lld does not divide C=%lld", name,
                             (long long)p->group, (long long)C);
    if (OC % p->group != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Conv '%s': group %lld does not divide the output channels %lld",
                             name, (long long)p->group, (long long)OC);
    if (w->shape.dims[1] != C / p->group)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "Conv '%s': W has shape %s, expected %lld channels per group "
                             "(C=%lld / group %lld)", name, buf, (long long)(C / p->group),
                             (long long)C, (long long)p->group);
    if (p->has_kernel && (p->kernel[0] != w->shape.dims[2] || p->kernel[1] != w->shape.dims[3]))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Conv '%s': kernel_shape %lldx%lld does not match W's shape %s",
                             name, (long long)p->kernel[0], (long long)p->kernel[1], buf);
    if (b != NULL && (b->shape.rank != 1 || b->shape.dims[0] != OC)) {
        onr_shape_format(&b->shape, buf, sizeof buf);
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "Conv '%s': B has shape %s, expected %lld", name, buf,
                             (long long)OC);
    }
    return ONR_STATUS_OK;
}

static enum onr_status conv_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = ctx->params;
    enum onr_status st = check_inputs(ctx, p, err);
    if (st != ONR_STATUS_OK) return st;
    const int64_t *xd = ctx->x[0]->shape.dims, *wd = ctx->x[1]->shape.dims;
    struct onr_conv_shape s = {
        .N = xd[0], .C = xd[1], .H = xd[2], .W = xd[3], .OC = wd[0], .KH = wd[2], .KW = wd[3],
        .stride_h = p->strides[0], .stride_w = p->strides[1],
        .dil_h = p->dilations[0], .dil_w = p->dilations[1], .group = p->group,
    };
    if (s.KH < 1 || s.KW < 1)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "Conv '%s': W has an empty %lldx%lld kernel", ctx->node->name,
                             (long long)s.KH, (long long)s.KW);
    if ((st = out_dim(ctx, p, 0, s.H, s.KH, &s.pad_top, &s.pad_bottom, &s.OH, err)) ||
        (st = out_dim(ctx, p, 1, s.W, s.KW, &s.pad_left, &s.pad_right, &s.OW, err)))
        return st;
    struct onr_tensor *y = ctx->y[0];
    y->dtype = ONR_DTYPE_FLOAT;
    y->shape.rank = 4;
    y->shape.dims[0] = s.N;
    y->shape.dims[1] = s.OC;
    y->shape.dims[2] = s.OH;
    y->shape.dims[3] = s.OW;
    if ((st = onr_shape_check(&y->shape, y->dtype, NULL, err)) != ONR_STATUS_OK) {
        onr_error_prefix(err, "Conv '%s': output", ctx->node->name);
        return st;
    }
    p->shape = s;
    p->shaped = true;
    return ONR_STATUS_OK;
}

/* ---- prepare, run ---- */

/* Bytes of one im2col block: about half of a core's L2. */
#define IM2COL_BLOCK_BYTES (1024 * 1024)

static size_t align64(size_t v)
{
    return (v + 63) & ~(size_t)63;
}

/* Packs the constant W once and sizes the im2col buffer and the GEMM's
 * panel workspace. */
static enum onr_status prepare_gemm(struct onr_op_ctx *ctx, struct conv_params *p,
                                    struct onr_error *err)
{
    const struct onr_conv_shape *s = &p->shape;
    const int64_t M = s->OC, K = s->C * s->KH * s->KW, N = s->OH * s->OW;
    size_t packed = onr_gemm_f32_packed_a_size(M, K);
    size_t gemm_ws = onr_gemm_f32_workspace_size(M, N, K, ctx->threads);
    p->im2col = !(s->KH == 1 && s->KW == 1 && s->stride_h == 1 && s->stride_w == 1 &&
                  s->pad_top == 0 && s->pad_left == 0 && s->pad_bottom == 0 && s->pad_right == 0);
    /* im2col fills blocks of IM2COL_BLOCK_BYTES so the GEMM reads them from
     * cache: whole 32-column tiles, at least one. */
    p->im2col_cols = IM2COL_BLOCK_BYTES / ((int64_t)sizeof(float) * K) / 32 * 32;
    if (p->im2col_cols < 32) p->im2col_cols = 32;
    if (p->im2col_cols > N) p->im2col_cols = N;
    size_t cols = 0;
    if (p->im2col && (onr_mul_overflow_size((size_t)K, (size_t)p->im2col_cols, &cols) ||
                      onr_mul_overflow_size(cols, sizeof(float), &cols)))
        cols = SIZE_MAX;
    if (packed == 0 || gemm_ws == 0 || cols > SIZE_MAX / 2)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Conv '%s': too large for the GEMM path",
                             ctx->node->name);
    p->packed_w = onr_aligned_alloc(packed);
    if (p->packed_w == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Conv '%s': cannot pack W (%zu bytes)",
                             ctx->node->name, packed);
    onr_gemm_f32_pack_a(M, K, ctx->x[1]->data, K, false, p->packed_w);
    bool avx2 = onr_cpu_has_avx2_fma();
    bool avx512 = onr_cpu_has_avx512();
#if defined(ONR_HAVE_X86)
    p->gemm_fn = avx512 ? onr_gemm_f32__avx512
                 : avx2 ? onr_gemm_f32__avx2 : onr_gemm_f32__scalar;
#else
    p->gemm_fn = onr_gemm_f32__scalar;
    avx2 = avx512 = false;
#endif
    p->kernel_name = p->im2col ? (avx512 ? "im2col+gemm__avx512"
                                  : avx2 ? "im2col+gemm__avx2" : "im2col+gemm__scalar")
                               : (avx512 ? "gemm__avx512" : avx2 ? "gemm__avx2" : "gemm__scalar");
    p->im2col_bytes = align64(cols);
    ctx->workspace_bytes = p->im2col_bytes + gemm_ws;
    return ONR_STATUS_OK;
}

/* cols (C*KH*KW, nb): row (c, kh, kw) holds, for output positions
 * p0 .. p0+nb-1 (p = oh*OW + ow), the input pixel each reads through that
 * kernel tap, 0 in the padding. */
static void im2col(const struct onr_conv_shape *s, const float *x, int64_t p0, int64_t nb,
                   float *cols, int threads)
{
    const int64_t rows = s->C * s->KH * s->KW;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t c = r / (s->KH * s->KW), kh = r / s->KW % s->KH, kw = r % s->KW;
        const float *xc = x + c * s->H * s->W;
        float *row = cols + r * nb;
        int64_t oh = p0 / s->OW, ow = p0 % s->OW;
        for (int64_t j = 0; j < nb;) {
            /* The rest of output row oh, or what the block still needs of it. */
            const int64_t run = s->OW - ow < nb - j ? s->OW - ow : nb - j;
            const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
            float *out = row + j;
            if (ih < 0 || ih >= s->H) {
                memset(out, 0, (size_t)run * sizeof *out);
            } else {
                const float *xr = xc + ih * s->W;
                for (int64_t i = 0; i < run; i++) {
                    const int64_t iw = (ow + i) * s->stride_w - s->pad_left + kw * s->dil_w;
                    out[i] = iw >= 0 && iw < s->W ? xr[iw] : 0.0f;
                }
            }
            j += run;
            ow = 0;
            oh++;
        }
    }
}

static void run_gemm(const struct onr_op_ctx *ctx, const struct conv_params *p)
{
    const struct onr_conv_shape *s = &p->shape;
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    const int64_t N = s->OH * s->OW, step = p->im2col ? p->im2col_cols : N;
    float *cols = ctx->workspace;
    void *gemm_ws = (char *)ctx->workspace + p->im2col_bytes;
    for (int64_t n = 0; n < s->N; n++) {
        const float *x = (const float *)ctx->x[0]->data + n * s->C * s->H * s->W;
        const float *r = p->residual ? (const float *)ctx->x[3]->data + n * s->OC * N : NULL;
        float *y = (float *)ctx->y[0]->data + n * s->OC * N;
        for (int64_t p0 = 0; p0 < N; p0 += step) {
            const int64_t nb = N - p0 < step ? N - p0 : step;
            const struct onr_gemm_shape g = {
                .M = s->OC, .N = nb, .K = s->C * s->KH * s->KW, .ldb = p->im2col ? nb : N,
                .ldy = N, .bias_mode = b != NULL ? ONR_GEMM_BIAS_ROW : ONR_GEMM_BIAS_NONE,
            };
            if (p->im2col) im2col(s, x, p0, nb, cols, ctx->threads);
            p->gemm_fn(&g, p->packed_w, p->im2col ? cols : x + p0, b != NULL ? b->data : NULL,
                       r != NULL ? r + p0 : NULL, &p->act, y + p0, gemm_ws, ctx->threads);
        }
    }
}

static void conv_release(void *params)
{
    struct conv_params *p = params;
    if (p == NULL) return;
    onr_aligned_free(p->packed_w);
    onr_aligned_free(p->blk.w);
    onr_aligned_free(p->blk.b);
    free(p);
}

static enum onr_status conv_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = ctx->params;
    if (!p->shaped)
        return onr_error_set(err, ONR_STATUS_INTERNAL, "Conv '%s': prepare before infer",
                             ctx->node->name);
    ctx->workspace_bytes = 0;
    onr_aligned_free(p->packed_w);
    p->packed_w = NULL;
    p->gemm_fn = NULL;
    memset(&p->pw, 0, sizeof p->pw);
    onr_aligned_free(p->blk.w);
    onr_aligned_free(p->blk.b);
    memset(&p->blk, 0, sizeof p->blk);
    if (ctx->reference) {
        p->kernel_fn = conv_ref;
        p->kernel_name = "conv2d__ref";
        return ONR_STATUS_OK;
    }
    if (p->shape.group == 1 && ctx->x[1]->data != NULL && !fits_smallc_avx512(&p->shape))
        return prepare_gemm(ctx, p, err);
    const struct onr_conv_variant *v = pick_kernel(&p->shape);
    p->kernel_fn = v->run;
    p->kernel_name = v->name;
    return ONR_STATUS_OK;
}

/* Bytes of expanded channels a block may hold: about half of a core's L2;
 * blocks are whole 12-row tiles of the GEMM. */
#define FUSED_TILE_BYTES (512 * 1024)

enum onr_status onr_conv_fuse_pointwise(struct onr_op_ctx *dw_ctx, const struct onr_op_ctx *pw_ctx,
                                        struct onr_error *err)
{
    struct conv_params *d = dw_ctx->params;
    const struct conv_params *e = pw_ctx->params;
    const struct onr_conv_shape *ds = &d->shape, *es = &e->shape;
    const struct onr_tensor *eb = pw_ctx->n_x > 2 ? pw_ctx->x[2] : NULL;
    if (!d->shaped || !e->shaped || d->kernel_fn == NULL || d->gemm_fn != NULL || d->residual ||
        d->pw.on || ds->group != ds->C || ds->OC != ds->C || e->gemm_fn == NULL || e->im2col ||
        e->residual || es->OC != ds->C || es->N != ds->N || es->OH != ds->H || es->OW != ds->W ||
        (eb != NULL && eb->data == NULL) || dw_ctx->reference)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Conv '%s': cannot fuse '%s' into it",
                             dw_ctx->node->name, pw_ctx->node->name);
    const int64_t plane = ds->H * ds->W;
    int64_t block = FUSED_TILE_BYTES / (int64_t)sizeof(float) / plane;
    block = block / (2 * ONR_GEMM_MR) * (2 * ONR_GEMM_MR);
    if (block < 2 * ONR_GEMM_MR) block = 2 * ONR_GEMM_MR;
    if (block > ds->C) block = ds->C;
    const size_t tile = align64((size_t)(block * plane) * sizeof(float));
    const size_t gemm_ws = onr_gemm_f32_workspace_size(block, plane, es->C, dw_ctx->threads);
    if (gemm_ws == 0)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Conv '%s': fused block too large",
                             dw_ctx->node->name);
    d->pw.on = true;
    d->pw.packed_w = e->packed_w;
    d->pw.bias = eb != NULL ? eb->data : NULL;
    d->pw.act = e->act;
    d->pw.gemm_fn = e->gemm_fn;
    d->pw.K = es->C;
    d->pw.block = block;
    d->pw.tile_bytes = tile;
    d->pw.macs = es->N * es->OC * plane * es->C;
    if (tile + gemm_ws > dw_ctx->workspace_bytes) dw_ctx->workspace_bytes = tile + gemm_ws;
    return ONR_STATUS_OK;
}

/* x: (N, K, H, W), the 1x1 Conv's input. Per block of channels [c0, c1):
 * tile = act_pw(W_pw[c0:c1] * x[n] + b_pw), then the depthwise kernel on
 * the tile's channels into y[n, c0:c1]. */
static void run_fused(const struct onr_op_ctx *ctx, const struct conv_params *p)
{
    const struct onr_conv_shape *s = &p->shape;
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    const int64_t plane = s->H * s->W, out_plane = s->OH * s->OW, K = p->pw.K;
    float *tile = ctx->workspace;
    void *gemm_ws = (char *)ctx->workspace + p->pw.tile_bytes;
    for (int64_t n = 0; n < s->N; n++) {
        const float *x = (const float *)ctx->x[0]->data + n * K * plane;
        for (int64_t c0 = 0; c0 < s->C; c0 += p->pw.block) {
            const int64_t cb = s->C - c0 < p->pw.block ? s->C - c0 : p->pw.block;
            const struct onr_gemm_shape g = {
                .M = cb, .N = plane, .K = K, .ldb = plane, .ldy = plane,
                .bias_mode = p->pw.bias != NULL ? ONR_GEMM_BIAS_ROW : ONR_GEMM_BIAS_NONE,
            };
            /* Panels of MR rows: the block starts at panel c0 / MR. */
            p->pw.gemm_fn(&g, p->pw.packed_w + c0 * K, x, p->pw.bias ? p->pw.bias + c0 : NULL,
                          NULL, &p->pw.act, tile, gemm_ws, ctx->threads);
            struct onr_conv_shape sub = *s;
            sub.N = 1;
            sub.C = sub.OC = sub.group = cb;
            p->kernel_fn(&sub, tile, (const float *)ctx->x[1]->data + c0 * s->KH * s->KW,
                         b != NULL ? (const float *)b->data + c0 : NULL, &p->act,
                         (float *)ctx->y[0]->data + (n * s->C + c0) * out_plane, ctx->threads);
        }
    }
}

/* ---- NCHW16c ---- */

static bool is_blocked_dw(const struct onr_conv_shape *s)
{
    return s->group == s->C && s->OC == s->C;
}

/* Input channels up to which a dense Conv reads its plain X and writes a
 * blocked Y: a network's RGB stem, and the notebook's ClassicCNN (32 -> 64,
 * 3x3 on 64x64: 1.5-2.0 ms against 2.0-2.6 ms through im2col + GEMM on one
 * thread, reorder back to NCHW included). Wider inputs are untested. */
#define BLOCKED_DENSE_MAX_C 32

enum onr_conv_blocked onr_conv_blocked_fits(const struct onr_op_ctx *ctx)
{
    const struct conv_params *p = ctx->params;
    if (p == NULL || !p->shaped || ctx->reference || p->pw.on || p->blk.on)
        return ONR_CONV_BLOCKED_NO;
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    if (ctx->x[0] == NULL || ctx->x[0]->data != NULL || ctx->x[1]->data == NULL ||
        (b != NULL && b->data == NULL))
        return ONR_CONV_BLOCKED_NO;   /* x computed at run time, W and B constant */
    const struct onr_conv_shape *s = &p->shape;
    if (is_blocked_dw(s)) return p->residual ? ONR_CONV_BLOCKED_NO : ONR_CONV_BLOCKED_IN_OUT;
    if (s->group != 1) return ONR_CONV_BLOCKED_NO;
    if (fits_1x1(s)) return ONR_CONV_BLOCKED_IN_OUT;
    return s->C <= BLOCKED_DENSE_MAX_C && !p->residual ? ONR_CONV_BLOCKED_OUT
                                                        : ONR_CONV_BLOCKED_NO;
}

enum onr_status onr_conv_set_blocked(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = ctx->params;
    if (!onr_conv_blocked_fits(ctx))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Conv '%s': cannot run on NCHW16c",
                             ctx->node->name);
    const struct onr_conv_shape *s = &p->shape;
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    const bool dw = is_blocked_dw(s), dense = !dw && !fits_1x1(s);
    const int64_t wf = dw      ? onr_nchwc_dw_weight_floats(s->C, s->KH, s->KW)
                       : dense ? onr_nchwc_conv_weight_floats(s->OC, s->C, s->KH, s->KW)
                               : onr_nchwc_pw_weight_floats(s->OC, s->C);
    const int64_t bf = onr_nchwc_blocks(s->OC) * ONR_NCHWC_LANES;
    p->blk.w = onr_aligned_alloc((size_t)wf * sizeof(float));
    p->blk.b = onr_aligned_alloc((size_t)bf * sizeof(float));
    if (p->blk.w == NULL || p->blk.b == NULL) {
        onr_aligned_free(p->blk.w);
        onr_aligned_free(p->blk.b);
        p->blk.w = p->blk.b = NULL;
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Conv '%s': cannot pack W for NCHW16c",
                             ctx->node->name);
    }
    const float *bias = b != NULL ? b->data : NULL;
    /* the widest ISA this CPU has: 2 = AVX-512, 1 = AVX2 + FMA, 0 = portable */
    int isa = 0;
#if defined(ONR_HAVE_X86)
    isa = onr_cpu_has_avx512() ? 2 : onr_cpu_has_avx2_fma() ? 1 : 0;
#define ONR_PICK(name) (isa == 2 ? name##__avx512 : isa == 1 ? name##__avx2 : name##__scalar)
#else
#define ONR_PICK(name) name##__scalar
#endif
    static const char *const suffix[] = {"__scalar", "__avx2", "__avx512"};
    const char *kind;
    if (dw) {
        onr_nchwc_pack_dw(s->C, s->KH, s->KW, ctx->x[1]->data, bias, p->blk.w, p->blk.b);
        p->blk.dw = ONR_PICK(onr_nchwc_dwconv_f32);
        kind = "nchwc_dwconv";
    } else if (dense) {
        onr_nchwc_pack_conv(s->OC, s->C, s->KH, s->KW, ctx->x[1]->data, bias, p->blk.w, p->blk.b);
        p->blk.dense = ONR_PICK(onr_nchwc_conv_f32);
        p->blk.rows = ONR_PICK(onr_nchwc_conv_rows_f32);
        kind = "nchwc_conv";
    } else {
        onr_nchwc_pack_pw(s->OC, s->C, ctx->x[1]->data, bias, p->blk.w, p->blk.b);
        p->blk.pw = ONR_PICK(onr_nchwc_pwconv_f32);
        p->blk.gated = ONR_PICK(onr_nchwc_pwconv_gated_f32);
        p->blk.pw_rows = ONR_PICK(onr_nchwc_pw_rows_f32);
        kind = "nchwc_pwconv";
    }
#undef ONR_PICK
    snprintf(p->blk.name, sizeof p->blk.name, "%s%s", kind, suffix[isa]);
    p->kernel_name = p->blk.name;
    /* The plain-layout kernels' packing is no longer needed. */
    onr_aligned_free(p->packed_w);
    p->packed_w = NULL;
    p->gemm_fn = NULL;
    p->blk.on = true;
    return ONR_STATUS_OK;
}

/* The fused depthwise Conv p with its producer and/or consumer. */
static struct onr_nchwc_fused_dw fused_dw(const struct conv_params *p)
{
    struct onr_nchwc_fused_dw f = {
        .ps = &p->shape, .ds = &p->shape, .dw = p->blk.w, .db = p->blk.b, .dact = &p->act,
        .dwconv = p->blk.dw, .window_bytes = p->blk.window_bytes,
    };
    const struct conv_params *c = p->blk.producer, *o = p->blk.consumer;
    if (c != NULL) {
        f.ps = &c->shape;
        f.pw = c->blk.w;
        f.pb = c->blk.b;
        f.pact = &c->act;
        f.conv_rows = c->blk.dense != NULL ? c->blk.rows : NULL;
        f.pw_rows = c->blk.pw != NULL ? c->blk.pw_rows : NULL;
    }
    if (o != NULL) {
        f.co_OC = o->shape.OC;
        f.cw = o->blk.w;
        f.cb = o->blk.b;
        f.cact = &o->act;
        f.co_rows = o->blk.pw_rows;
    }
    return f;
}

static void run_blocked(const struct onr_op_ctx *ctx, const struct conv_params *p)
{
    const struct onr_conv_shape *s = &p->shape;
    if (p->blk.producer != NULL || p->blk.consumer != NULL) {
        const struct onr_nchwc_fused_dw f = fused_dw(p);
        const float *r = p->blk.consumer != NULL && p->blk.consumer->residual
                             ? ctx->x[3]->data : NULL;
        onr_nchwc_fused_dw_f32(&f, ctx->x[0]->data, r, ctx->y[0]->data, ctx->workspace,
                               ctx->threads);
        return;
    }
    if (p->blk.dw != NULL) {
        p->blk.dw(s, ctx->x[0]->data, p->blk.w, p->blk.b, &p->act, ctx->y[0]->data, ctx->threads);
        return;
    }
    if (p->blk.dense != NULL) {
        p->blk.dense(s, ctx->x[0]->data, p->blk.w, p->blk.b, &p->act, ctx->y[0]->data,
                     ctx->threads);
        return;
    }
    const float *r = p->residual ? ctx->x[3]->data : NULL;
    if (p->blk.gate) {
        /* the gate: blocked (N or 1, C, 1, 1) */
        const struct onr_tensor *g = ctx->x[4];
        const int64_t g_stride = g->shape.dims[0] == 1 ? 0 : onr_nchwc_floats(1, s->C, 1);
        p->blk.gated(s->N, s->C, s->OC, s->H * s->W, ctx->x[0]->data, g->data, g_stride,
                     p->blk.w, p->blk.b, r, &p->act, ctx->y[0]->data, ctx->threads);
        return;
    }
    p->blk.pw(s->N, s->C, s->OC, s->H * s->W, ctx->x[0]->data, p->blk.w, p->blk.b, r, &p->act,
              ctx->y[0]->data, ctx->threads);
}

enum onr_status onr_conv_set_gate(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct conv_params *p = ctx->params;
    if (!p->blk.on || p->blk.pw == NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': only a blocked 1x1 Conv takes a gate", ctx->node->name);
    p->blk.gate = true;
    /* nchwc_pwconv__<isa> -> nchwc_pwconv_gated__<isa> */
    char isa[16] = "";   /* the "__<isa>" suffix, copied: snprintf's output overlaps it */
    const char *at = strstr(p->blk.name, "__");
    if (at != NULL) snprintf(isa, sizeof isa, "%s", at);
    snprintf(p->blk.name, sizeof p->blk.name, "nchwc_pwconv_gated%s", isa);
    return ONR_STATUS_OK;
}

/* A 1x1 producer or consumer is fused only where the tensor it shares
 * with the depthwise Conv, one image, outgrows this (it would not stay
 * cached from one Conv to the next) and its weights do not (each step
 * reads them again for a few rows). */
#define FUSED_1X1_MIN_BYTES (512 << 10)
#define FUSED_1X1_MAX_WEIGHT_BYTES (64 << 10)
/* A thread's window of the producer's rows: half the core's L2 within
 * these bounds (MobileNetV2's expansions: 1 MB windows, 11% less time than
 * 160 KB ones on a 2 MB L2, about the same as 2 MB ones). */
#define FUSED_WINDOW_MIN_BYTES (128 << 10)
#define FUSED_WINDOW_MAX_BYTES (1 << 20)

/* The workspace the fused depthwise Conv d needs: its buffers per thread. */
static void fused_workspace(struct onr_op_ctx *dw_ctx, struct conv_params *d)
{
    /* half the core's L2, the rest for the weights and the output rows */
    int64_t window = onr_cpu_l2_bytes() / 2;
    if (window > FUSED_WINDOW_MAX_BYTES) window = FUSED_WINDOW_MAX_BYTES;
    if (window < FUSED_WINDOW_MIN_BYTES) window = FUSED_WINDOW_MIN_BYTES;
    d->blk.window_bytes = window;
    const struct onr_nchwc_fused_dw f = fused_dw(d);
    const size_t bytes = (size_t)onr_nchwc_fused_dw_thread_floats(&f) * sizeof(float) *
                         (size_t)(dw_ctx->threads > 1 ? dw_ctx->threads : 1);
    if (bytes > dw_ctx->workspace_bytes) dw_ctx->workspace_bytes = bytes;
}

/* The kernel name, from the parts fused: nchwc_[stem_|expand_]dwconv[_project]__<isa>. */
static void fused_name(struct conv_params *d)
{
    char isa[16] = "";   /* the "__<isa>" suffix, copied: snprintf's output overlaps it */
    const char *at = strstr(d->blk.name, "__");
    if (at != NULL) snprintf(isa, sizeof isa, "%s", at);
    const struct conv_params *c = d->blk.producer;
    snprintf(d->blk.name, sizeof d->blk.name, "nchwc_%sdwconv%s%s",
             c == NULL ? "" : c->blk.pw != NULL ? "expand_" : "stem_",
             d->blk.consumer != NULL ? "_project" : "", isa);
}

/* Whether a 1x1 Conv's output (or input), one image, of C channels on HW
 * pixels outgrows FUSED_1X1_MIN_BYTES while its weights stay within
 * FUSED_1X1_MAX_WEIGHT_BYTES: a 1x1 Conv worth fusing. */
static bool worth_fusing_1x1(int64_t C, int64_t HW, const struct onr_conv_shape *s)
{
    return (double)onr_nchwc_floats(1, C, HW) * sizeof(float) >= FUSED_1X1_MIN_BYTES &&
           (double)onr_nchwc_pw_weight_floats(s->OC, s->C) * sizeof(float) <=
               FUSED_1X1_MAX_WEIGHT_BYTES;
}

enum onr_status onr_conv_fuse_into_depthwise(struct onr_op_ctx *dw_ctx,
                                             const struct onr_op_ctx *prod_ctx,
                                             struct onr_error *err)
{
    struct conv_params *d = dw_ctx->params;
    const struct conv_params *c = prod_ctx->params;
    if (d == NULL || c == NULL || !d->blk.on || d->blk.dw == NULL || d->blk.producer != NULL ||
        !c->blk.on || (c->blk.rows == NULL && c->blk.pw_rows == NULL) || c->blk.gate ||
        c->residual || c->blk.producer != NULL || c->blk.consumer != NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': only a blocked depthwise Conv takes a blocked dense or "
                             "1x1 Conv before it", dw_ctx->node->name);
    const struct onr_conv_shape *ds = &d->shape, *cs = &c->shape;
    if (ds->N != cs->N || ds->C != cs->OC || ds->H != cs->OH || ds->W != cs->OW)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Conv '%s': the producer's shape differs",
                             dw_ctx->node->name);
    if (c->blk.pw != NULL && !worth_fusing_1x1(cs->OC, cs->OH * cs->OW, cs))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': the 1x1 Conv before it is not worth fusing",
                             dw_ctx->node->name);
    d->blk.producer = c;
    fused_workspace(dw_ctx, d);
    fused_name(d);
    return ONR_STATUS_OK;
}

enum onr_status onr_conv_fuse_consumer(struct onr_op_ctx *dw_ctx, const struct onr_op_ctx *pw_ctx,
                                       struct onr_error *err)
{
    struct conv_params *d = dw_ctx->params;
    const struct conv_params *o = pw_ctx->params;
    if (d == NULL || o == NULL || !d->blk.on || d->blk.dw == NULL || d->blk.consumer != NULL ||
        !o->blk.on || o->blk.pw == NULL || o->blk.gate || o->blk.producer != NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': only a blocked depthwise Conv takes a blocked 1x1 Conv "
                             "after it", dw_ctx->node->name);
    const struct onr_conv_shape *ds = &d->shape, *os = &o->shape;
    if (ds->N != os->N || ds->OC != os->C || ds->OH != os->H || ds->OW != os->W ||
        !worth_fusing_1x1(ds->OC, ds->OH * ds->OW, os))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': the 1x1 Conv after it is not worth fusing",
                             dw_ctx->node->name);
    d->blk.consumer = o;
    fused_workspace(dw_ctx, d);
    fused_name(d);
    return ONR_STATUS_OK;
}

static enum onr_status conv_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct conv_params *p = ctx->params;
    if (p->blk.on) {
        run_blocked(ctx, p);
        return ONR_STATUS_OK;
    }
    if (p->pw.on) {
        run_fused(ctx, p);
        return ONR_STATUS_OK;
    }
    if (p->gemm_fn != NULL) {
        run_gemm(ctx, p);
        return ONR_STATUS_OK;
    }
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    if (!p->residual) {
        p->kernel_fn(&p->shape, ctx->x[0]->data, ctx->x[1]->data, b != NULL ? b->data : NULL,
                     &p->act, ctx->y[0]->data, ctx->threads);
        return ONR_STATUS_OK;
    }
    /* Kernels without a residual input: conv + bias, then + r, then act. */
    const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
    p->kernel_fn(&p->shape, ctx->x[0]->data, ctx->x[1]->data, b != NULL ? b->data : NULL, &none,
                 ctx->y[0]->data, ctx->threads);
    float *y = ctx->y[0]->data;
    const float *r = ctx->x[3]->data;
    const int64_t n = onr_shape_numel(&ctx->y[0]->shape);
#pragma omp parallel for num_threads(ctx->threads) schedule(static) if (n >= 65536)
    for (int64_t i = 0; i < n; i++) y[i] = onr_activation_apply(&p->act, y[i] + r[i]);
    return ONR_STATUS_OK;
}

enum onr_status onr_conv_set_residual(void *conv_params, bool on, struct onr_error *err)
{
    struct conv_params *p = conv_params;
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_conv_set_residual: no params");
    p->residual = on;
    return ONR_STATUS_OK;
}

/* ---- for graph passes and --info ---- */

enum onr_status onr_conv_set_activation(void *conv_params, const struct onr_activation *act,
                                        struct onr_error *err)
{
    struct conv_params *p = conv_params;
    if (p == NULL || act == NULL || act->kind < ONR_ACT_NONE || act->kind > ONR_ACT_SILU)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "onr_conv_set_activation: no params or unknown activation");
    if (act->kind == ONR_ACT_CLIP && !(act->a <= act->b))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "onr_conv_set_activation: Clip min %g > max %g", act->a, act->b);
    p->act = *act;
    return ONR_STATUS_OK;
}

struct onr_activation onr_conv_get_activation(const void *conv_params)
{
    const struct conv_params *p = conv_params;
    return p->act;
}

const struct onr_conv_shape *onr_conv_get_shape(const void *conv_params)
{
    const struct conv_params *p = conv_params;
    return p != NULL && p->shaped ? &p->shape : NULL;
}

static const char *act_name(enum onr_activation_kind kind)
{
    switch (kind) {
    case ONR_ACT_NONE: return "";
    case ONR_ACT_RELU: return " +relu";
    case ONR_ACT_CLIP: return " +clip";
    case ONR_ACT_HARDSIGMOID: return " +hardsigmoid";
    case ONR_ACT_HARDSWISH: return " +hardswish";
    case ONR_ACT_SIGMOID: return " +sigmoid";
    case ONR_ACT_SILU: return " +silu";
    }
    return " +?";
}

static void conv_describe(const struct onr_op_ctx *ctx, char *buf, size_t size, int64_t *macs)
{
    const struct conv_params *p = ctx->params;
    if (macs != NULL) *macs = 0;
    if (p == NULL || !p->shaped) {
        if (size) buf[0] = '\0';
        return;
    }
    const struct onr_conv_shape *s = &p->shape;
    snprintf(buf, size, "k=%lldx%lld s=%lldx%lld p=%lld,%lld,%lld,%lld d=%lldx%lld g=%lld%s%s%s%s",
             (long long)s->KH, (long long)s->KW, (long long)s->stride_h,
             (long long)s->stride_w, (long long)s->pad_top, (long long)s->pad_left,
             (long long)s->pad_bottom, (long long)s->pad_right, (long long)s->dil_h,
             (long long)s->dil_w, (long long)s->group, p->residual ? " +add" : "",
             act_name(p->act.kind),
             p->kernel_name ? " " : "", p->kernel_name ? p->kernel_name : "");
    int64_t m = s->N;
    const int64_t f[] = {s->OC, s->OH, s->OW, s->C / s->group, s->KH, s->KW};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (onr_mul_overflow_i64(m, f[i], &m)) m = INT64_MAX;
    if (p->blk.producer != NULL) {
        /* The fused Conv's work is done here too. */
        const struct onr_conv_shape *c = &p->blk.producer->shape;
        size_t used = strlen(buf);
        if (used < size)
            snprintf(buf + used, size - used, " +%s(%lld->%lld k=%lldx%lld s=%lldx%lld%s)",
                     p->blk.producer->blk.pw != NULL ? "expand" : "stem", (long long)c->C,
                     (long long)c->OC, (long long)c->KH, (long long)c->KW,
                     (long long)c->stride_h, (long long)c->stride_w,
                     act_name(p->blk.producer->act.kind));
        int64_t cm = c->N;
        const int64_t cf[] = {c->OC, c->OH, c->OW, c->C, c->KH, c->KW};
        for (size_t i = 0; i < sizeof cf / sizeof cf[0]; i++)
            if (onr_mul_overflow_i64(cm, cf[i], &cm)) cm = INT64_MAX;
        m = m <= INT64_MAX - cm ? m + cm : INT64_MAX;
    }
    if (p->blk.consumer != NULL) {
        const struct onr_conv_shape *o = &p->blk.consumer->shape;
        size_t used = strlen(buf);
        if (used < size)
            snprintf(buf + used, size - used, " +project(%lld->%lld%s%s)", (long long)o->C,
                     (long long)o->OC, p->blk.consumer->residual ? " +add" : "",
                     act_name(p->blk.consumer->act.kind));
        int64_t om = o->N;
        const int64_t of[] = {o->OC, o->H, o->W, o->C};
        for (size_t i = 0; i < sizeof of / sizeof of[0]; i++)
            if (onr_mul_overflow_i64(om, of[i], &om)) om = INT64_MAX;
        m = m <= INT64_MAX - om ? m + om : INT64_MAX;
    }
    if (p->pw.on) {
        /* The fused 1x1 Conv's work is done here too. */
        size_t used = strlen(buf);
        if (used < size) snprintf(buf + used, size - used, " +expand1x1(%lld->%lld)",
                                  (long long)p->pw.K, (long long)s->C);
        if (m <= INT64_MAX - p->pw.macs) m += p->pw.macs;
    }
    if (macs != NULL) *macs = m;
}

const struct onr_op_def onr_op_conv = {
    .name = "Conv", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = conv_init, .infer = conv_infer, .prepare = conv_prepare, .run = conv_run,
    .release = conv_release, .describe = conv_describe,
};
