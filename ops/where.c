/* Where 9..17: y = condition ? X : Y, the three inputs broadcast together
 * (multidirectional). condition is bool; X and Y share any dtype the
 * tensor layer stores (the bytes are copied, so every element type works);
 * another condition dtype or X, Y of different dtypes are INVALID_MODEL.
 * Each output element is one select: any thread count gives the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"

struct where_params {
    struct onr_bcast plan;
    size_t elem;
};

static enum onr_status where_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    ctx->params = calloc(1, sizeof(struct where_params));
    if (ctx->params == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Where '%s': out of memory",
                             ctx->node->name);
    return ONR_STATUS_OK;
}

static enum onr_status where_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *c = ctx->x[0], *a = ctx->x[1], *b = ctx->x[2];
    const char *name = ctx->node->name;
    if (c->dtype != ONR_DTYPE_BOOL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Where '%s': condition is %s, expected bool", name,
                             onr_dtype_name(c->dtype));
    if (a->dtype != b->dtype)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Where '%s': X is %s but Y is %s",
                             name, onr_dtype_name(a->dtype), onr_dtype_name(b->dtype));
    struct where_params *p = ctx->params;
    p->elem = onr_dtype_size(a->dtype);
    const struct onr_shape *shapes[3] = {&c->shape, &a->shape, &b->shape};
    ctx->y[0]->dtype = a->dtype;
    return onr_bcast_plan(ctx, 3, shapes, false, &p->plan, &ctx->y[0]->shape, err);
}

#define WHERE_ROWS(T)                                                                 \
    do {                                                                              \
        const T *a = X, *b = Y;                                                       \
        T *y = Out;                                                                   \
        _Pragma("omp parallel for num_threads(threads) schedule(static) if (parallel)") \
        for (int64_t r = 0; r < pl->rows; r++) {                                      \
            int64_t off[3];                                                           \
            onr_bcast_row(pl, r, off);                                                \
            T *yr = y + r * pl->inner;                                                \
            for (int64_t i = 0; i < pl->inner; i++)                                   \
                yr[i] = c[off[0] + i * sc] ? a[off[1] + i * sa] : b[off[2] + i * sb]; \
        }                                                                             \
    } while (0)

/* c, X, Y: broadcast per the plan  Out: (rows, inner) */
static void where_all(const struct onr_bcast *pl, size_t elem, const uint8_t *c, const void *X,
                      const void *Y, void *Out, int threads)
{
    const int64_t sc = onr_bcast_step(pl, 0), sa = onr_bcast_step(pl, 1),
                  sb = onr_bcast_step(pl, 2);
    const bool parallel = threads > 1 && pl->rows > 1 &&
                          pl->rows * pl->inner >= ONR_BCAST_PARALLEL_MIN;
    switch (elem) {
    case 1: WHERE_ROWS(uint8_t); break;
    case 2: WHERE_ROWS(uint16_t); break;
    case 4: WHERE_ROWS(uint32_t); break;
    case 8: WHERE_ROWS(uint64_t); break;
    default: break;
    }
}

static enum onr_status where_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct where_params *p = ctx->params;
    if (onr_shape_numel(&ctx->y[0]->shape) == 0) return ONR_STATUS_OK;
    where_all(&p->plan, p->elem, ctx->x[0]->data, ctx->x[1]->data, ctx->x[2]->data,
              ctx->y[0]->data, ctx->reference ? 1 : ctx->threads);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_where = {
    .name = "Where", .domain = "", .min_opset = 9, .max_opset = 17,
    .min_inputs = 3, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .init = where_init, .infer = where_infer,
    .prepare = NULL, .run = where_run, .release = NULL, .describe = NULL,
};
