/* Tile 6..17: y[i0, i1, ...] = x[i0 % d0, i1 % d1, ...] with y's dims
 * d_k * repeats[k]. `repeats` is a 1-D int64 input of one value per dim of
 * x that must be known when the session is prepared; a negative repeat or
 * a wrong length is INVALID_MODEL. Opsets 1..5 (tiles and axis inputs) are
 * not registered. Any dtype the tensor layer stores.
 *
 * Output rows (the last dim) are built by copying the matching input row
 * repeats[-1] times; rows are independent and split across threads. */
#include <stdlib.h>
#include <string.h>

#include "shape_util.h"

struct tile_params {
    int rank;
    int64_t xdims[ONR_MAX_RANK], ydims[ONR_MAX_RANK];
};

static enum onr_status tile_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    ctx->params = calloc(1, sizeof(struct tile_params));
    if (ctx->params == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Tile '%s': out of memory",
                             ctx->node->name);
    return ONR_STATUS_OK;
}

static enum onr_status tile_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct tile_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    const char *name = ctx->node->name;
    int64_t rep[ONR_MAX_RANK];
    int n;
    enum onr_status st = onr_op_const_ints(ctx, 1, "repeats", rep, ONR_MAX_RANK, &n, err);
    if (st != ONR_STATUS_OK) return st;
    if (n != x->shape.rank)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Tile '%s': repeats has %d values, expected one per input dim (%d)",
                             name, n, x->shape.rank);
    p->rank = n;
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape.rank = n;
    for (int i = 0; i < n; i++) {
        if (rep[i] < 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Tile '%s': repeats[%d] is %lld, expected >= 0", name, i,
                                 (long long)rep[i]);
        p->xdims[i] = x->shape.dims[i];
        if (onr_mul_overflow_i64(x->shape.dims[i], rep[i], &p->ydims[i]))
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "Tile '%s': dim %d of %lld x %lld overflows", name, i,
                                 (long long)x->shape.dims[i], (long long)rep[i]);
        ctx->y[0]->shape.dims[i] = p->ydims[i];
    }
    return ONR_STATUS_OK;
}

/* x: (xdims)  y: (ydims), ydims[k] = xdims[k] * repeats[k] */
static void tile_copy(const struct tile_params *p, size_t elem, const char *x, char *y,
                      int threads)
{
    if (p->rank == 0) {
        memcpy(y, x, elem);
        return;
    }
    const int last = p->rank - 1;
    const int64_t xrow = p->xdims[last], yrow = p->ydims[last];
    int64_t rows = 1;
    for (int d = 0; d < last; d++) rows *= p->ydims[d];
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && rows * yrow > 32768)
    for (int64_t r = 0; r < rows; r++) {
        int64_t rem = r, xoff = 0, xstride = xrow;
        for (int d = last - 1; d >= 0; d--) {
            xoff += (rem % p->ydims[d]) % p->xdims[d] * xstride;
            rem /= p->ydims[d];
            xstride *= p->xdims[d];
        }
        char *yr = y + (size_t)(r * yrow) * elem;
        const size_t nb = (size_t)xrow * elem;
        for (int64_t k = 0; k < yrow; k += xrow) 
            memcpy(yr + (size_t)k * elem, x + (size_t)xoff * elem, nb);
    }
}

static enum onr_status tile_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    if (onr_shape_numel(&ctx->y[0]->shape) == 0) return ONR_STATUS_OK;
    tile_copy(ctx->params, onr_dtype_size(ctx->x[0]->dtype), ctx->x[0]->data, ctx->y[0]->data,
              ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_tile = {
    .name = "Tile", .domain = "", .min_opset = 6, .max_opset = 17,
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .value_inputs = 1u << 1, .init = tile_init, .infer = tile_infer,
    .prepare = NULL, .run = tile_run, .release = NULL, .describe = NULL,
};
