/* Conv's Winograd path (kernels/winograd.h): group-1 3x3 stride-1 Convs
 * with constant W whose shape a Winograd table takes. W is transformed and
 * packed once here; bias, residual and activation are applied in the
 * output transform.
 *
 * The tile is F(2x2, 3x3): its error against a float64 conv is a few times
 * the direct conv's, inside the models' tolerances. F(4x4, 3x3) needs
 * 1.8x fewer multiplies again but its error is about 50x the direct
 * conv's (tests/kernels/test_winograd.c prints both; tools/bench/README.md
 * has the figures), more than the model tests' 1e-5 + 1e-4*|ref| allows
 * on ClassicCNN, so it is taken only where asked: the session's
 * `winograd` option (ctx->winograd_tile) picks the tile or none. */
#include <stdio.h>

#include "conv_impl.h"

static const struct onr_winograd_kernel *pick(const struct onr_op_ctx *ctx,
                                              const struct conv_params *p, int m)
{
    if (m == 2)
        return onr_winograd_pick(onr_winograd2_kernels, onr_winograd2_kernels_count, ctx->isa,
                                 &p->shape);
    if (m == 4)
        return onr_winograd_pick(onr_winograd4_kernels, onr_winograd4_kernels_count, ctx->isa,
                                 &p->shape);
    return NULL;
}

bool onr_conv_winograd_takes(const struct onr_op_ctx *ctx, const struct conv_params *p)
{
    if (ctx->reference || p->spatial != 2 || ctx->x[1]->data == NULL) return false;
    return pick(ctx, p, ctx->winograd_tile) != NULL;
}

enum onr_status onr_conv_winograd_prepare(struct onr_op_ctx *ctx, struct conv_params *p,
                                          struct onr_error *err)
{
    const struct onr_conv_shape *s = &p->shape;
    const int m = ctx->winograd_tile;
    const struct onr_winograd_kernel *k = pick(ctx, p, m);
    if (k == NULL)
        return onr_error_set(err, ONR_STATUS_INTERNAL, "Conv '%s': no Winograd kernel fits",
                             ctx->node->name);
    const size_t bytes = (size_t)onr_winograd_weight_floats(s, m) * sizeof(float);
    p->wino.u = onr_aligned_alloc(bytes);
    if (p->wino.u == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY,
                             "Conv '%s': cannot pack W for Winograd (%zu bytes)", ctx->node->name,
                             bytes);
    onr_winograd_pack_weights(s, m, ctx->x[1]->data, p->wino.u);
    p->wino.fn = k->fn;
    p->wino.m = m;
    snprintf(p->wino.name, sizeof p->wino.name, "%s", k->name);
    p->kernel_name = p->wino.name;
    ctx->workspace_bytes = onr_winograd_workspace_size(s, m, ctx->threads);
    return ONR_STATUS_OK;
}

void onr_conv_winograd_run(const struct onr_op_ctx *ctx, const struct conv_params *p,
                           const float *r)
{
    const struct onr_tensor *b = ctx->n_x > 2 ? ctx->x[2] : NULL;
    p->wino.fn(&p->shape, ctx->x[0]->data, p->wino.u, b != NULL ? b->data : NULL, r, &p->act,
               ctx->y[0]->data, ctx->workspace, ctx->threads);
}
