/* Dropout, opsets 1..17, inference only: y = x (any dtype) and the
 * optional mask output is all ones (bool from opset 10, x's dtype before).
 *   opsets 1-11: attributes ratio and is_test are read but onnxrun always
 *                runs inference (is_test=0 of opsets 1-6 is not training
 *                here).
 *   opsets 12+:  inputs ratio (ignored) and training_mode: true is
 *                UNSUPPORTED, at prepare when it is constant, else from run.
 * Not a view: the mask must be written, so run always copies. The
 * optimiser removes a Dropout without mask and extra inputs anyway. */
#include <string.h>

#include "op.h"

static bool training_mode(const struct onr_op_ctx *ctx, const struct onr_tensor **t)
{
    *t = ctx->opset >= 12 && ctx->n_x > 2 ? ctx->x[2] : NULL;
    if (*t == NULL || (*t)->data == NULL || (*t)->nbytes == 0) return false;
    return *(const unsigned char *)(*t)->data != 0;
}

static enum onr_status refuse_training(const struct onr_op_ctx *ctx, struct onr_error *err)
{
    return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                         "Dropout '%s': training_mode is true; onnxrun runs inference only",
                         ctx->node->name);
}

static enum onr_status dropout_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0], *t;
    if (ctx->opset >= 12 && ctx->n_x > 2 && ctx->x[2] != NULL &&
        (ctx->x[2]->dtype != ONR_DTYPE_BOOL || onr_shape_numel(&ctx->x[2]->shape) != 1))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Dropout '%s': training_mode must be one bool", ctx->node->name);
    if (training_mode(ctx, &t)) return refuse_training(ctx, err);
    ctx->y[0]->dtype = x->dtype;
    ctx->y[0]->shape = x->shape;
    if (ctx->n_y > 1 && ctx->y[1] != NULL) {
        ctx->y[1]->dtype = ctx->opset >= 10 ? ONR_DTYPE_BOOL : x->dtype;
        ctx->y[1]->shape = x->shape;
    }
    return ONR_STATUS_OK;
}

/* One, in the mask's dtype (bool or x's dtype before opset 10). */
static void fill_ones(struct onr_tensor *m)
{
    const int64_t n = onr_shape_numel(&m->shape);
    switch (m->dtype) {
    case ONR_DTYPE_FLOAT:
        for (int64_t i = 0; i < n; i++) ((float *)m->data)[i] = 1.0f;
        break;
    case ONR_DTYPE_DOUBLE:
        for (int64_t i = 0; i < n; i++) ((double *)m->data)[i] = 1.0;
        break;
    default:
        /* Integer and bool types: the integer 1 of the element's width. */
        for (int64_t i = 0; i < n; i++) {
            switch (onr_dtype_size(m->dtype)) {
            case 1: ((uint8_t *)m->data)[i] = 1; break;
            case 2: ((uint16_t *)m->data)[i] = 1; break;
            case 4: ((uint32_t *)m->data)[i] = 1; break;
            default: ((uint64_t *)m->data)[i] = 1; break;
            }
        }
    }
}

static enum onr_status dropout_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *t;
    if (training_mode(ctx, &t)) return refuse_training(ctx, err);
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    if (y->data != x->data && y->nbytes > 0) memcpy(y->data, x->data, y->nbytes);
    if (ctx->n_y > 1 && ctx->y[1] != NULL && ctx->y[1]->nbytes > 0) fill_ones(ctx->y[1]);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_dropout = {
    .name = "Dropout", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 3, .min_outputs = 1, .max_outputs = 2,
    .flags = ONR_OP_FLAG_NONE,
    .init = NULL, .infer = dropout_infer, .prepare = NULL, .run = dropout_run,
    .release = NULL, .describe = NULL,
};
