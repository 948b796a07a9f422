/* Conv's 3-D paths (rank-5 X): prepare picks, for the shape and W,
 *   - depthwise (group == C, any channel multiplier): the first kernel of
 *     kernels/conv3d.h's onr_dwconv3d_kernels that fits at the ISA level;
 *   - im2col+gemm: group 1 with constant W, W packed once for the shared
 *     GEMM kernels, each image unrolled block by block of output positions
 *     (a block about half a core's L2) and multiplied, bias, residual and
 *     activation applied in the GEMM's store; a 1x1x1, stride-1, unpadded
 *     Conv reads x directly as the GEMM's B;
 *   - conv3d__ref otherwise (grouped, W known only at run) and in
 *     --reference mode. */
#include <stdio.h>
#include <string.h>

#include "../runtime/cpu.h"
#include "conv_impl.h"

#define IM2COL3D_BLOCK_BYTES (1024 * 1024)

static size_t align64(size_t v)
{
    return (v + 63) & ~(size_t)63;
}

static enum onr_status prepare_gemm(struct onr_op_ctx *ctx, struct conv_params *p,
                                    struct onr_error *err)
{
    const struct onr_conv3d_shape *s = &p->shape3;
    const int64_t kvol = s->k[0] * s->k[1] * s->k[2];
    const int64_t M = s->OC, K = s->C * kvol, N = s->out[0] * s->out[1] * s->out[2];
    bool pointwise = kvol == 1;
    for (int a = 0; a < 3; a++)
        pointwise = pointwise && s->stride[a] == 1 && s->pad_begin[a] == 0 && s->pad_end[a] == 0;
    int64_t block = IM2COL3D_BLOCK_BYTES / ((int64_t)sizeof(float) * K) / 32 * 32;
    if (block < 32) block = 32;
    if (block > N) block = N;
    size_t cols = 0;
    if (!pointwise && (onr_mul_overflow_size((size_t)K, (size_t)block, &cols) ||
                       onr_mul_overflow_size(cols, sizeof(float), &cols)))
        return ONR_STATUS_OK; /* too large: the reference loop */
    const size_t packed = onr_gemm_f32_packed_a_size(M, K);
    const size_t gemm_ws = onr_gemm_f32_workspace_size(M, pointwise ? N : block, K,
                                                       ctx->threads);
    if (packed == 0 || gemm_ws == 0 || cols > SIZE_MAX / 4) return ONR_STATUS_OK;
    p->gemm.packed_w = onr_aligned_alloc(packed);
    if (p->gemm.packed_w == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY,
                             "Conv '%s': cannot pack W (%zu bytes)", ctx->node->name, packed);
    onr_gemm_f32_pack_a(M, K, ctx->x[1]->data, K, false, p->gemm.packed_w);
    const struct onr_gemm_shape shape = {.M = M, .N = pointwise ? N : block, .K = K,
                                         .ldb = pointwise ? N : block, .ldy = N};
    const struct onr_gemm_kernel *k =
        onr_gemm_pick(onr_gemm_kernels, onr_gemm_kernels_count, ctx->isa, &shape);
    p->gemm.fn = k->fn;
    p->gemm.im2col = !pointwise;
    p->gemm.im2col_cols = pointwise ? N : block;
    p->gemm.im2col_bytes = align64(cols);
    snprintf(p->blk.name, sizeof p->blk.name, "%s%s", pointwise ? "" : "im2col3d+", k->name);
    p->kernel_name = p->blk.name;
    ctx->workspace_bytes = p->gemm.im2col_bytes + gemm_ws;
    return ONR_STATUS_OK;
}

enum onr_status onr_conv3d_prepare(struct onr_op_ctx *ctx, struct conv_params *p,
                                   struct onr_error *err)
{
    const struct onr_conv3d_shape *s = &p->shape3;
    p->kernel_name = "conv3d__ref";
    p->dw3d = NULL;
    if (ctx->reference) return ONR_STATUS_OK;
    if (s->group == s->C && s->C > 0 && s->OC % s->C == 0) {
        const struct onr_dwconv3d_kernel *k =
            onr_dwconv3d_pick(onr_dwconv3d_kernels, onr_dwconv3d_kernels_count, ctx->isa, s);
        p->dw3d = k->fn;
        p->kernel_name = k->name;
        return ONR_STATUS_OK;
    }
    if (s->group == 1 && ctx->x[1]->data != NULL && s->C > 0 &&
        s->out[0] * s->out[1] * s->out[2] > 0)
        return prepare_gemm(ctx, p, err);
    return ONR_STATUS_OK;
}

static void run_gemm(const struct onr_op_ctx *ctx, const struct conv_params *p, const float *r)
{
    const struct onr_conv3d_shape *s = &p->shape3;
    const struct onr_tensor *bt = ctx->n_x > 2 ? ctx->x[2] : NULL;
    const int64_t kvol = s->k[0] * s->k[1] * s->k[2];
    const int64_t K = s->C * kvol, N = s->out[0] * s->out[1] * s->out[2];
    const int64_t in_vol = s->in[0] * s->in[1] * s->in[2], step = p->gemm.im2col_cols;
    float *cols = ctx->workspace;
    void *gemm_ws = (char *)ctx->workspace + p->gemm.im2col_bytes;
    for (int64_t n = 0; n < s->N; n++) {
        const float *x = (const float *)ctx->x[0]->data + n * s->C * in_vol;
        const float *rn = r != NULL ? r + n * s->OC * N : NULL;
        float *y = (float *)ctx->y[0]->data + n * s->OC * N;
        for (int64_t p0 = 0; p0 < N; p0 += step) {
            const int64_t nb = N - p0 < step ? N - p0 : step;
            const struct onr_gemm_shape g = {
                .M = s->OC, .N = nb, .K = K, .ldb = p->gemm.im2col ? nb : N, .ldy = N,
                .bias_mode = bt != NULL ? ONR_GEMM_BIAS_ROW : ONR_GEMM_BIAS_NONE,
            };
            if (p->gemm.im2col) onr_conv3d_im2col_f32(s, x, p0, nb, cols, ctx->threads);
            p->gemm.fn(&g, p->gemm.packed_w, p->gemm.im2col ? cols : x + p0,
                       bt != NULL ? bt->data : NULL, rn != NULL ? rn + p0 : NULL, &p->act,
                       y + p0, gemm_ws, ctx->threads);
        }
    }
}

void onr_conv3d_run(const struct onr_op_ctx *ctx, const struct conv_params *p, const float *r)
{
    if (p->gemm.fn != NULL) {
        run_gemm(ctx, p, r);
        return;
    }
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
    const struct onr_activation *act = r != NULL ? &none : &p->act;
    if (p->dw3d != NULL)
        p->dw3d(&p->shape3, ctx->x[0]->data, ctx->x[1]->data, b != NULL ? b->data : NULL, act,
                ctx->y[0]->data, ctx->threads);
    else
        onr_conv3d_f32__ref(&p->shape3, ctx->x[0]->data, ctx->x[1]->data,
                            b != NULL ? b->data : NULL, act, ctx->y[0]->data,
                            ctx->reference ? 1 : ctx->threads);
    if (r == NULL) return;
    /* The direct kernels take no residual: conv + bias, then + r, then act. */
    float *y = ctx->y[0]->data;
    const int64_t n = onr_shape_numel(&ctx->y[0]->shape);
#pragma omp parallel for num_threads(ctx->threads) schedule(static) if (n >= 65536)
    for (int64_t i = 0; i < n; i++) y[i] = onr_activation_apply(&p->act, y[i] + r[i]);
}
