/* Resize 10..17 and Upsample 7..9 on float32 tensors of any rank.
 *
 * Inputs: Resize 10 (X, scales); Resize 11..17 (X, roi, scales, sizes),
 * exactly one of scales and sizes non-empty; Upsample 7..8 the `scales`
 * attribute, Upsample 9 (X, scales). scales and sizes (and roi for
 * tf_crop_and_resize) must be known when the session is prepared: the
 * output shape comes from them (sizes computed by Shape arithmetic are
 * folded by then, and graph inputs are folded as value_inputs declares).
 *
 * Output dims: sizes, or floor(in * scale). Each output coordinate is mapped
 * to the input by coordinate_transformation_mode (11+; half_pixel default):
 * half_pixel, pytorch_half_pixel, align_corners, asymmetric,
 * tf_half_pixel_for_nn, tf_crop_and_resize (roi; outside the input gives
 * extrapolation_value), with scale = out/in when sizes are given; where
 * a formula uses the output length it is in * scale before flooring, as
 * the ONNX reference computes it. Modes:
 * nearest (nearest_mode round_prefer_floor default, round_prefer_ceil,
 * floor, ceil), linear (2 taps per dim: bi-/tri-linear), cubic (4 taps per
 * dim, cubic_coeff_a default -0.75, exclude_outside renormalising the
 * taps inside). Taps past the edge read the edge element. Resize 10 and
 * Upsample use asymmetric coordinates and, for nearest, floor when
 * upsampling a dim and ceil when downsampling (as ONNX Runtime).
 *
 * Per dim and output index, prepare builds a table of (input index,
 * weight) taps; an output element is the sum over the product of its dims'
 * taps in a fixed order, accumulated in double (see resize_f32). Output
 * rows are split across threads, so any thread count gives the same bits. Other dtypes,
 * modes and attribute values are UNSUPPORTED / INVALID_MODEL, named.
 *
 * Linear and nearest modes over the last two dims with the outer dims
 * unchanged (bilinear upsampling in segmentation heads, nn.Upsample) run
 * the separable kernel of kernels/resize2d.h instead, from the same taps
 * in float (nearest copies exactly): about 25x faster on LR-ASPP's
 * 21x28x28 -> 224x224 head. The double-accumulating
 * loop stays the reference (--reference) and serves every other case. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/resize2d.h"
#include "shape_util.h"

enum resize_mode { RESIZE_NEAREST, RESIZE_LINEAR, RESIZE_CUBIC };
enum resize_ctm {
    CTM_HALF_PIXEL, CTM_PYTORCH_HALF_PIXEL, CTM_ALIGN_CORNERS, CTM_ASYMMETRIC,
    CTM_TF_HALF_PIXEL_FOR_NN, CTM_TF_CROP_AND_RESIZE,
};
enum resize_round { ROUND_PREFER_FLOOR, ROUND_PREFER_CEIL, ROUND_FLOOR, ROUND_CEIL, ROUND_SIMPLE };

enum { RESIZE_MAX_TAPS = 4 };

struct resize_tap {
    int64_t index;
    double weight;
};

struct resize_params {
    bool upsample;
    enum resize_mode mode;
    enum resize_ctm ctm;
    enum resize_round round;
    float cubic_a, extrapolation;
    int64_t exclude_outside;
    const float *attr_scales;        /* Upsample 7..8 */
    size_t n_attr_scales;
    /* set by infer */
    int rank;
    int64_t in[ONR_MAX_RANK], out[ONR_MAX_RANK];
    double scale[ONR_MAX_RANK], roi[2 * ONR_MAX_RANK];
    double out_len[ONR_MAX_RANK];    /* in * scale, unfloored (the spec's length_resized) */
    /* set by prepare: per dim, out[d] entries of RESIZE_MAX_TAPS taps */
    struct resize_tap *taps[ONR_MAX_RANK];
    int *ntaps[ONR_MAX_RANK];        /* 0: outside (tf_crop_and_resize) */
    int64_t combos;                  /* most tap combinations of the outer dims */
    /* set by prepare when the separable 2-D kernel takes the node */
    const struct onr_resize2d_kernel *sep;
    struct onr_resize2d_shape sep_shape;
    void *sep_taps;                  /* one block: the int32 indices, then the float weights */
    struct onr_resize2d_axis sep_axis[2]; /* H, W */
};

static const struct {
    const char *name;
    int value;
} modes[] = {{"nearest", RESIZE_NEAREST}, {"linear", RESIZE_LINEAR}, {"cubic", RESIZE_CUBIC}},
  ctms[] = {{"half_pixel", CTM_HALF_PIXEL}, {"pytorch_half_pixel", CTM_PYTORCH_HALF_PIXEL},
            {"align_corners", CTM_ALIGN_CORNERS}, {"asymmetric", CTM_ASYMMETRIC},
            {"tf_half_pixel_for_nn", CTM_TF_HALF_PIXEL_FOR_NN},
            {"tf_crop_and_resize", CTM_TF_CROP_AND_RESIZE}},
  rounds[] = {{"round_prefer_floor", ROUND_PREFER_FLOOR}, {"round_prefer_ceil", ROUND_PREFER_CEIL},
              {"floor", ROUND_FLOOR}, {"ceil", ROUND_CEIL}};

static void resize_release(void *params)
{
    struct resize_params *p = params;
    if (p == NULL) return;
    for (int d = 0; d < ONR_MAX_RANK; d++) free(p->taps[d]), free(p->ntaps[d]);
    free(p->sep_taps);
    free(p);
}

/* Looks `s` up in a table; INVALID_MODEL naming attribute and value. */
#define LOOKUP(table, s, out, attr)                                                      \
    do {                                                                                 \
        size_t i_ = 0;                                                                   \
        while (i_ < sizeof table / sizeof table[0] && strcmp(table[i_].name, s) != 0) i_++; \
        if (i_ == sizeof table / sizeof table[0])                                        \
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': %s '%s' is not " \
                                 "a known value", node->op_type, node->name, attr, s);   \
        out = table[i_].value;                                                           \
    } while (0)

static enum onr_status resize_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct resize_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    p->upsample = strcmp(node->op_type, "Upsample") == 0;
    const bool modern = !p->upsample && ctx->opset >= 11;
    const char *mode, *ctm = "asymmetric", *round = "round_prefer_floor";
    enum onr_status st = onr_node_attr_string(node, "mode", "nearest", &mode, err);
    if (st == ONR_STATUS_OK && modern)
        st = onr_node_attr_string(node, "coordinate_transformation_mode", "half_pixel", &ctm, err);
    if (st == ONR_STATUS_OK && modern)
        st = onr_node_attr_string(node, "nearest_mode", "round_prefer_floor", &round, err);
    if (st == ONR_STATUS_OK)
        st = onr_node_attr_float(node, "cubic_coeff_a", -0.75f, &p->cubic_a, err);
    if (st == ONR_STATUS_OK)
        st = onr_node_attr_int(node, "exclude_outside", 0, &p->exclude_outside, err);
    if (st == ONR_STATUS_OK)
        st = onr_node_attr_float(node, "extrapolation_value", 0.0f, &p->extrapolation, err);
    if (st == ONR_STATUS_OK && p->upsample && ctx->opset < 9)
        st = onr_node_attr_floats(node, "scales", &p->attr_scales, &p->n_attr_scales, err);
    if (st != ONR_STATUS_OK) return st;
    /* Upsample 7 also spelled linear "bilinear". */
    if (p->upsample && strcmp(mode, "bilinear") == 0) mode = "linear";
    int v;
    LOOKUP(modes, mode, v, "mode");
    p->mode = (enum resize_mode)v;
    LOOKUP(ctms, ctm, v, "coordinate_transformation_mode");
    p->ctm = (enum resize_ctm)v;
    LOOKUP(rounds, round, v, "nearest_mode");
    p->round = modern ? (enum resize_round)v : ROUND_SIMPLE;
    if (!modern && p->mode == RESIZE_CUBIC)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': mode cubic needs Resize 11 or later", node->op_type,
                             node->name);
    if (p->upsample && ctx->opset < 9 && p->n_attr_scales == 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': attribute scales is required before opset 9",
                             node->op_type, node->name);
    return ONR_STATUS_OK;
}

/* A float input of `n` values (n = rank) or empty; *count 0 when empty or
 * omitted. UNSUPPORTED when not known at prepare time. */
static enum onr_status const_floats(const struct onr_op_ctx *ctx, int index, const char *what,
                                    double *out, int max, int *count, struct onr_error *err)
{
    const struct onr_tensor *t = index < ctx->n_x ? ctx->x[index] : NULL;
    *count = 0;
    if (t == NULL) return ONR_STATUS_OK;
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    const int64_t n = onr_shape_numel(&t->shape);
    if (n == 0) return ONR_STATUS_OK;
    if (t->dtype != ONR_DTYPE_FLOAT || t->shape.rank != 1 || n > max)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s must be a 1-D float32 tensor of at most %d values",
                             op, name, what, max);
    if (t->data == NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': input %s is not a constant (computed at run time); "
                             "onnxrun needs it when preparing the session", op, name, what);
    for (int64_t i = 0; i < n; i++) out[i] = ((const float *)t->data)[i];
    *count = (int)n;
    return ONR_STATUS_OK;
}

static enum onr_status resize_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct resize_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    if (x->dtype != ONR_DTYPE_FLOAT)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': X is %s, only float32 is supported", op, name,
                             onr_dtype_name(x->dtype));
    const int rank = x->shape.rank;
    p->rank = rank;
    double scales[ONR_MAX_RANK];
    int64_t sizes[ONR_MAX_RANK];
    int n_scales = 0, n_sizes = 0, n_roi = 0;
    enum onr_status st = ONR_STATUS_OK;
    const bool modern = !p->upsample && ctx->opset >= 11;
    if (p->upsample && ctx->opset < 9) {
        n_scales = (int)p->n_attr_scales;
        if (n_scales > ONR_MAX_RANK) n_scales = ONR_MAX_RANK + 1;
        for (int i = 0; i < n_scales && i < ONR_MAX_RANK; i++) scales[i] = p->attr_scales[i];
    } else {
        st = const_floats(ctx, modern ? 2 : 1, "scales", scales, ONR_MAX_RANK, &n_scales, err);
    }
    if (st == ONR_STATUS_OK && modern && ctx->n_x > 3 && ctx->x[3] != NULL &&
        onr_shape_numel(&ctx->x[3]->shape) > 0)
        st = onr_op_const_ints(ctx, 3, "sizes", sizes, ONR_MAX_RANK, &n_sizes, err);
    if (st == ONR_STATUS_OK && modern && p->ctm == CTM_TF_CROP_AND_RESIZE)
        st = const_floats(ctx, 1, "roi", p->roi, 2 * ONR_MAX_RANK, &n_roi, err);
    if (st != ONR_STATUS_OK) return st;
    if ((n_scales > 0) == (n_sizes > 0))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': give exactly one of scales and sizes (%d and %d values)",
                             op, name, n_scales, n_sizes);
    if ((n_scales ? n_scales : n_sizes) != rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': %s has %d values, expected one per input dim (%d)", op,
                             name, n_scales ? "scales" : "sizes", n_scales ? n_scales : n_sizes,
                             rank);
    if (p->ctm == CTM_TF_CROP_AND_RESIZE && n_roi != 2 * rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': roi has %d values, expected %d (starts and ends)", op, name,
                             n_roi, 2 * rank);
    struct onr_tensor *y = ctx->y[0];
    y->dtype = ONR_DTYPE_FLOAT;
    y->shape.rank = rank;
    for (int d = 0; d < rank; d++) {
        p->in[d] = x->shape.dims[d];
        if (n_sizes) {
            if (sizes[d] < 0)
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "%s '%s': sizes[%d] is %lld, expected >= 0", op, name, d,
                                     (long long)sizes[d]);
            p->out[d] = sizes[d];
            p->scale[d] = p->in[d] > 0 ? (double)sizes[d] / (double)p->in[d] : 1.0;
            p->out_len[d] = (double)sizes[d];
        } else {
            if (!(scales[d] > 0) || scales[d] * (double)p->in[d] > 9.0e15)
                return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                     "%s '%s': scales[%d] is %g, expected a positive value", op,
                                     name, d, scales[d]);
            p->scale[d] = scales[d];
            p->out[d] = (int64_t)floor((double)p->in[d] * scales[d]);
            p->out_len[d] = (double)p->in[d] * scales[d];
        }
        y->shape.dims[d] = p->out[d];
    }
    return ONR_STATUS_OK;
}

/* Input coordinate of output index o along dim d. */
static double map_coord(const struct resize_params *p, int d, int64_t o, bool *outside)
{
    const double s = p->scale[d], in = (double)p->in[d], out = p->out_len[d], x = (double)o;
    double c;
    switch (p->ctm) {
    case CTM_HALF_PIXEL: c = (x + 0.5) / s - 0.5; break;
    case CTM_PYTORCH_HALF_PIXEL: c = out > 1 ? (x + 0.5) / s - 0.5 : 0.0; break;
    case CTM_ALIGN_CORNERS: c = out > 1 ? x * (in - 1) / (out - 1) : 0.0; break;
    case CTM_TF_HALF_PIXEL_FOR_NN: c = (x + 0.5) / s; break;
    case CTM_TF_CROP_AND_RESIZE: {
        const double a = p->roi[d], b = p->roi[p->rank + d];
        c = out > 1 ? a * (in - 1) + x * (b - a) * (in - 1) / (out - 1) : 0.5 * (a + b) * (in - 1);
        *outside = c < 0 || c > in - 1;
        break;
    }
    default: c = x / s; break;
    }
    return c;
}

static int64_t clamp_index(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

/* Cubic convolution weight at distance t (|t| < 2), coefficient A. */
static double cubic_weight(double t, double A)
{
    t = fabs(t);
    if (t <= 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
    if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
    return 0;
}

/* The taps of output index o along dim d; returns their count. */
static int make_taps(const struct resize_params *p, int d, int64_t o, struct resize_tap *t)
{
    bool outside = false;
    const double c = map_coord(p, d, o, &outside);
    const int64_t n = p->in[d];
    if (outside) return 0;
    if (p->mode == RESIZE_NEAREST) {
        int64_t i;
        switch (p->round) {
        case ROUND_PREFER_FLOOR: i = (int64_t)ceil(c - 0.5); break;
        case ROUND_PREFER_CEIL: i = (int64_t)floor(c + 0.5); break;
        case ROUND_FLOOR: i = (int64_t)floor(c); break;
        case ROUND_CEIL: i = (int64_t)ceil(c); break;
        default: i = p->scale[d] < 1 ? (int64_t)ceil(c) : (int64_t)floor(c); break;
        }
        t[0].index = clamp_index(i, n);
        t[0].weight = 1.0;
        return 1;
    }
    const double f = floor(c), r = c - f;
    const int64_t i0 = (int64_t)f;
    int k = 0;
    if (p->mode == RESIZE_LINEAR) {
        t[k++] = (struct resize_tap){clamp_index(i0, n), 1.0 - r};
        t[k++] = (struct resize_tap){clamp_index(i0 + 1, n), r};
    } else {
        double sum = 0.0;
        for (int j = -1; j <= 2; j++) {
            const int64_t i = i0 + j;
            double w = cubic_weight(r - j, p->cubic_a);
            if (p->exclude_outside && (i < 0 || i >= n)) w = 0.0;
            t[k++] = (struct resize_tap){clamp_index(i, n), w};
            sum += w;
        }
        if (p->exclude_outside && sum != 0.0)
            for (int j = 0; j < k; j++) t[j].weight /= sum;
    }
    /* Zero-weight taps add nothing: drop them (keep one). */
    int m = 0;
    for (int j = 0; j < k; j++)
        if (t[j].weight != 0.0 || (m == 0 && j == k - 1)) t[m++] = t[j];
    return m;
}

/* Whether dim d maps every output index to itself with weight 1. */
static bool dim_is_identity(const struct resize_params *p, int d)
{
    if (p->in[d] != p->out[d]) return false;
    for (int64_t o = 0; o < p->out[d]; o++) {
        const struct resize_tap *t = p->taps[d] + o * RESIZE_MAX_TAPS;
        if (p->ntaps[d][o] != 1 || t->index != o || t->weight != 1.0) return false;
    }
    return true;
}

/* Takes the separable kernel when the node is linear or nearest in its
 * last two dims (one or two taps per output index, none outside the
 * input) and leaves the outer dims as they are. Returns false (no error) where it does not
 * apply or its tables cannot be allocated: the general loop runs then. */
static bool separable_prepare(const struct onr_op_ctx *ctx, struct resize_params *p)
{
    free(p->sep_taps);
    p->sep_taps = NULL;
    p->sep = NULL;
    if (ctx->reference || p->mode == RESIZE_CUBIC || p->rank < 2) return false;
    const int H = p->rank - 2, W = p->rank - 1;
    int64_t planes = 1;
    for (int d = 0; d < H; d++) {
        if (!dim_is_identity(p, d)) return false;
        planes *= p->out[d];
    }
    for (int d = H; d <= W; d++) {
        if (p->in[d] > INT32_MAX) return false;
        for (int64_t o = 0; o < p->out[d]; o++)
            if (p->ntaps[d][o] < 1 || p->ntaps[d][o] > 2) return false;
    }
    const size_t n = (size_t)(p->out[H] + p->out[W]);
    p->sep_taps = malloc(n * 2 * (sizeof(int32_t) + sizeof(float)) + 1);
    if (p->sep_taps == NULL) return false;
    int32_t *idx = p->sep_taps;
    float *wt = (float *)(idx + 2 * n);
    for (int a = 0; a < 2; a++) {
        const int d = H + a;
        const size_t m = (size_t)p->out[d];
        struct onr_resize2d_axis *ax = &p->sep_axis[a];
        int32_t *i0 = idx, *i1 = idx + m;
        float *w0 = wt, *w1 = wt + m;
        for (int64_t o = 0; o < p->out[d]; o++) {
            const struct resize_tap *t = p->taps[d] + o * RESIZE_MAX_TAPS;
            const bool two = p->ntaps[d][o] == 2;
            i0[o] = (int32_t)t[0].index, w0[o] = (float)t[0].weight;
            i1[o] = (int32_t)t[two].index, w1[o] = two ? (float)t[1].weight : 0.0f;
        }
        bool single = true;
        for (size_t o = 0; o < m; o++) single &= w1[o] == 0.0f;
        *ax = (struct onr_resize2d_axis){i0, i1, w0, w1, single};
        idx += 2 * m, wt += 2 * m;
    }
    p->sep_shape = (struct onr_resize2d_shape){planes, p->in[H], p->in[W], p->out[H], p->out[W]};
    p->sep = onr_resize2d_pick(ctx->isa);
    return p->sep != NULL;
}

static enum onr_status resize_prepare(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct resize_params *p = ctx->params;
    for (int d = 0; d < p->rank; d++) {
        free(p->taps[d]), free(p->ntaps[d]);
        const size_t n = (size_t)(p->out[d] > 0 ? p->out[d] : 1);
        p->taps[d] = malloc(n * RESIZE_MAX_TAPS * sizeof *p->taps[d]);
        p->ntaps[d] = malloc(n * sizeof *p->ntaps[d]);
        if (p->taps[d] == NULL || p->ntaps[d] == NULL)
            return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                                 ctx->node->op_type, ctx->node->name);
        if (p->in[d] == 0 && p->out[d] > 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': dim %d is empty in X but %lld in the output",
                                 ctx->node->op_type, ctx->node->name, d, (long long)p->out[d]);
        for (int64_t o = 0; o < p->out[d]; o++)
            p->ntaps[d][o] = make_taps(p, d, o, p->taps[d] + o * RESIZE_MAX_TAPS);
    }
    /* Per thread: the (offset, weight) of each tap combination of a row's
     * outer dims, at most RESIZE_MAX_TAPS^(rank-1). */
    p->combos = 1;
    for (int d = 0; d + 1 < p->rank; d++) {
        int most = 1;
        for (int64_t o = 0; o < p->out[d]; o++)
            if (p->ntaps[d][o] > most) most = p->ntaps[d][o];
        p->combos *= most;
    }
    const int threads = ctx->reference ? 1 : ctx->threads;
    if (separable_prepare(ctx, p))
        ctx->workspace_bytes = onr_resize2d_workspace_floats(&p->sep_shape, threads) * sizeof(float);
    else
        ctx->workspace_bytes = (size_t)threads * (size_t)p->combos * sizeof(struct resize_tap);
    return ONR_STATUS_OK;
}

/* x: (in)  y: (out). Per output row (all dims but the last): the tap
 * combinations of the outer dims as (offset, product of weights), in
 * odometer order; then each element of the row sums, over those, the
 * weight times its last-dim taps. Rows are split across threads, each with
 * its own combination list (ws), so any thread count gives the same bits. */
static void resize_f32(const struct resize_params *p, const float *x, float *y,
                       struct resize_tap *ws, int threads)
{
    const int R = p->rank, L = R - 1;
    int64_t xstride[ONR_MAX_RANK], s = 1, rows = 1;
    for (int d = R - 1; d >= 0; d--) xstride[d] = s, s *= p->in[d];
    for (int d = 0; d < L; d++) rows *= p->out[d];
    const int64_t W = p->out[L];
    const struct resize_tap *lt = p->taps[L];
    const int *lnt = p->ntaps[L];
#pragma omp parallel num_threads(threads) if (threads > 1 && rows > 1 && rows * W >= 16384)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        struct resize_tap *comb = ws + (size_t)tid * (size_t)p->combos;
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            const struct resize_tap *t[ONR_MAX_RANK];
            int nt[ONR_MAX_RANK], c[ONR_MAX_RANK];
            int64_t rest = r;
            bool outside = false;
            for (int d = L - 1; d >= 0; d--) {
                const int64_t o = rest % p->out[d];
                rest /= p->out[d];
                t[d] = p->taps[d] + o * RESIZE_MAX_TAPS;
                nt[d] = p->ntaps[d][o];
                outside |= nt[d] == 0;
                c[d] = 0;
            }
            float *yr = y + r * W;
            if (outside) {
                for (int64_t o = 0; o < W; o++) yr[o] = p->extrapolation;
                continue;
            }
            int64_t n = 0;
            for (;;) {
                double w = 1.0;
                int64_t off = 0;
                for (int d = 0; d < L; d++) {
                    w *= t[d][c[d]].weight;
                    off += t[d][c[d]].index * xstride[d];
                }
                comb[n++] = (struct resize_tap){off, w};
                int d = L - 1;
                while (d >= 0 && ++c[d] == nt[d]) c[d--] = 0;
                if (d < 0) break;
            }
            for (int64_t o = 0; o < W; o++) {
                const struct resize_tap *to = lt + o * RESIZE_MAX_TAPS;
                const int k = lnt[o];
                if (k == 0) {
                    yr[o] = p->extrapolation;
                    continue;
                }
                double acc = 0.0;
                for (int64_t m = 0; m < n; m++) {
                    const float *xr = x + comb[m].index;
                    double v = 0.0;
                    for (int j = 0; j < k; j++) v += to[j].weight * (double)xr[to[j].index];
                    acc += comb[m].weight * v;
                }
                yr[o] = (float)acc;
            }
        }
    }
}

static enum onr_status resize_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct resize_params *p = ctx->params;
    if (onr_shape_numel(&ctx->y[0]->shape) == 0) return ONR_STATUS_OK;
    if (p->rank == 0) {
        *(float *)ctx->y[0]->data = *(const float *)ctx->x[0]->data;
        return ONR_STATUS_OK;
    }
    if (p->sep != NULL)
        p->sep->fn(&p->sep_shape, &p->sep_axis[0], &p->sep_axis[1], ctx->x[0]->data,
                   ctx->y[0]->data, ctx->workspace, ctx->threads);
    else
        resize_f32(p, ctx->x[0]->data, ctx->y[0]->data, ctx->workspace,
                   ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

#define RESIZE_DEF(sym, op_name, lo, hi, nin_lo, nin_hi, values)                     \
    const struct onr_op_def onr_op_##sym = {                                         \
        .name = op_name, .domain = "", .min_opset = lo, .max_opset = hi,             \
        .min_inputs = nin_lo, .max_inputs = nin_hi, .min_outputs = 1,                \
        .max_outputs = 1, .flags = ONR_OP_FLAG_NONE, .value_inputs = values,         \
        .init = resize_init, .infer = resize_infer, .prepare = resize_prepare,       \
        .run = resize_run, .release = resize_release, .describe = NULL,              \
    }

/* The inputs infer reads: Resize 10 and Upsample 9 scales (1); Resize 11+
 * roi (1), scales (2) and sizes (3). */
RESIZE_DEF(resize10, "Resize", 10, 10, 2, 2, 1u << 1);
RESIZE_DEF(resize, "Resize", 11, 17, 1, 4, (1u << 1) | (1u << 2) | (1u << 3));
RESIZE_DEF(upsample7, "Upsample", 7, 8, 1, 1, 0);
RESIZE_DEF(upsample, "Upsample", 9, 9, 2, 2, 1u << 1);
