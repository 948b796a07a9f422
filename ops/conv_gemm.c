/* Conv's im2col + GEMM path (group 1, constant W): W is packed once for
 * the GEMM kernels; each image's input is unrolled block by block of output
 * positions (a block about half a core's L2, so the GEMM reads it from
 * cache) and multiplied, bias, residual and activation applied in the
 * GEMM's store. A 1x1, stride-1, unpadded Conv skips the unrolling. */
#include <stdio.h>
#include <string.h>

#include "conv_impl.h"

#define IM2COL_BLOCK_BYTES (1024 * 1024)

static size_t align64(size_t v)
{
    return (v + 63) & ~(size_t)63;
}

/* Packs the constant W once and sizes the im2col buffer and the GEMM's
 * panel workspace. */
enum onr_status onr_conv_gemm_prepare(struct onr_op_ctx *ctx, struct conv_params *p,
                                      struct onr_error *err)
{
    const struct onr_conv_shape *s = &p->shape;
    const int64_t M = s->OC, K = s->C * s->KH * s->KW, N = s->OH * s->OW;
    size_t packed = onr_gemm_f32_packed_a_size(M, K);
    size_t gemm_ws = onr_gemm_f32_workspace_size(M, N, K, ctx->threads);
    p->gemm.im2col = !(s->KH == 1 && s->KW == 1 && s->stride_h == 1 && s->stride_w == 1 &&
                  s->pad_top == 0 && s->pad_left == 0 && s->pad_bottom == 0 && s->pad_right == 0);
    /* im2col fills blocks of IM2COL_BLOCK_BYTES so the GEMM reads them from
     * cache: whole 32-column tiles, at least one. */
    p->gemm.im2col_cols = IM2COL_BLOCK_BYTES / ((int64_t)sizeof(float) * K) / 32 * 32;
    if (p->gemm.im2col_cols < 32) p->gemm.im2col_cols = 32;
    if (p->gemm.im2col_cols > N) p->gemm.im2col_cols = N;
    size_t cols = 0;
    if (p->gemm.im2col && (onr_mul_overflow_size((size_t)K, (size_t)p->gemm.im2col_cols, &cols) ||
                      onr_mul_overflow_size(cols, sizeof(float), &cols)))
        cols = SIZE_MAX;
    if (packed == 0 || gemm_ws == 0 || cols > SIZE_MAX / 2)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Conv '%s': too large for the GEMM path",
                             ctx->node->name);
    p->gemm.packed_w = onr_aligned_alloc(packed);
    if (p->gemm.packed_w == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Conv '%s': cannot pack W (%zu bytes)",
                             ctx->node->name, packed);
    onr_gemm_f32_pack_a(M, K, ctx->x[1]->data, K, false, p->gemm.packed_w);
    const struct onr_gemm_shape g = {.M = M, .N = N, .K = K, .ldb = N, .ldy = N};
    const struct onr_gemm_kernel *k =
        onr_gemm_pick(onr_gemm_kernels, onr_gemm_kernels_count, ctx->isa, &g);
    p->gemm.fn = k->fn;
    snprintf(p->gemm.name, sizeof p->gemm.name, "%s%s", p->gemm.im2col ? "im2col+" : "", k->name);
    p->kernel_name = p->gemm.name;
    p->gemm.im2col_bytes = align64(cols);
    ctx->workspace_bytes = p->gemm.im2col_bytes + gemm_ws;
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
                /* iw = (ow + i) * stride_w + off is inside x for i in [lo, hi) */
                const float *xr = xc + ih * s->W;
                const int64_t sw = s->stride_w, off = ow * sw - s->pad_left + kw * s->dil_w;
                int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
                int64_t hi = s->W - off <= 0 ? 0 : (s->W - off - 1) / sw + 1;
                if (lo > run) lo = run;
                if (hi > run) hi = run;
                if (hi < lo) hi = lo;
                for (int64_t i = 0; i < lo; i++) out[i] = 0.0f;
                if (sw == 1)
                    memcpy(out + lo, xr + lo + off, (size_t)(hi - lo) * sizeof *out);
                else
                    for (int64_t i = lo; i < hi; i++) out[i] = xr[i * sw + off];
                for (int64_t i = hi; i < run; i++) out[i] = 0.0f;
            }
            j += run;
            ow = 0;
            oh++;
        }
    }
}

void onr_conv_gemm_run(const struct onr_op_ctx *ctx, const struct conv_params *p, const float *r_all)
{
    const struct onr_conv_shape *s = &p->shape;
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    const int64_t N = s->OH * s->OW, step = p->gemm.im2col ? p->gemm.im2col_cols : N;
    float *cols = ctx->workspace;
    void *gemm_ws = (char *)ctx->workspace + p->gemm.im2col_bytes;
    for (int64_t n = 0; n < s->N; n++) {
        const float *x = (const float *)ctx->x[0]->data + n * s->C * s->H * s->W;
        const float *r = r_all != NULL ? r_all + n * s->OC * N : NULL;
        float *y = (float *)ctx->y[0]->data + n * s->OC * N;
        for (int64_t p0 = 0; p0 < N; p0 += step) {
            const int64_t nb = N - p0 < step ? N - p0 : step;
            const struct onr_gemm_shape g = {
                .M = s->OC, .N = nb, .K = s->C * s->KH * s->KW, .ldb = p->gemm.im2col ? nb : N,
                .ldy = N, .bias_mode = b != NULL ? ONR_GEMM_BIAS_ROW : ONR_GEMM_BIAS_NONE,
            };
            if (p->gemm.im2col) im2col(s, x, p0, nb, cols, ctx->threads);
            p->gemm.fn(&g, p->gemm.packed_w, p->gemm.im2col ? cols : x + p0, b != NULL ? b->data : NULL,
                       r != NULL ? r + p0 : NULL, &p->act, y + p0, gemm_ws, ctx->threads);
        }
    }
}

