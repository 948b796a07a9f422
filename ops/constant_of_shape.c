/* ConstantOfShape 9..17: a tensor of the shape given by the 1-D int64 input
 * (known when the session is prepared; empty gives a scalar), every element
 * the one value of the `value` attribute (a one-element tensor, any dtype
 * the tensor layer stores; default float32 0). A value with more or fewer
 * than one element, or a negative dim, is INVALID_MODEL. */
#include <stdlib.h>
#include <string.h>

#include "shape_util.h"

struct cos_params {
    enum onr_dtype dtype;
    size_t elem;
    unsigned char value[8];
};

static enum onr_status cos_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct cos_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "ConstantOfShape '%s': out of memory",
                             node->name);
    ctx->params = p;
    p->dtype = ONR_DTYPE_FLOAT;
    p->elem = sizeof(float);
    const struct onr_attr *a = onr_node_attr(node, "value");
    if (a == NULL) return ONR_STATUS_OK;
    if (a->type != ONR_ATTR_TENSOR || a->t == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConstantOfShape '%s': attribute value is not a tensor", node->name);
    const int64_t n = onr_shape_numel(&a->t->shape);
    if (n != 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConstantOfShape '%s': value has %lld elements, expected 1",
                             node->name, (long long)n);
    p->dtype = a->t->dtype;
    p->elem = onr_dtype_size(p->dtype);
    if (p->elem == 0 || p->elem > sizeof p->value || a->t->data == NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "ConstantOfShape '%s': value is %s, which onnxrun does not store",
                             node->name, onr_dtype_name(p->dtype));
    memcpy(p->value, a->t->data, p->elem);
    return ONR_STATUS_OK;
}

static enum onr_status cos_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct cos_params *p = ctx->params;
    struct onr_tensor *y = ctx->y[0];
    if (ctx->x[0]->shape.rank != 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "ConstantOfShape '%s': input has rank %d, expected 1",
                             ctx->node->name, ctx->x[0]->shape.rank);
    enum onr_status st = onr_op_const_ints(ctx, 0, "shape", y->shape.dims, ONR_MAX_RANK,
                                           &y->shape.rank, err);
    if (st != ONR_STATUS_OK) return st;
    for (int i = 0; i < y->shape.rank; i++)
        if (y->shape.dims[i] < 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "ConstantOfShape '%s': shape[%d] is %lld, expected >= 0",
                                 ctx->node->name, i, (long long)y->shape.dims[i]);
    y->dtype = p->dtype;
    return ONR_STATUS_OK;
}

static enum onr_status cos_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    (void)err;
    const struct cos_params *p = ctx->params;
    const int64_t n = onr_shape_numel(&ctx->y[0]->shape);
    unsigned char *y = ctx->y[0]->data;
    const int threads = ctx->reference ? 1 : ctx->threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && n > 65536)
    for (int64_t i = 0; i < n; i++) memcpy(y + (size_t)i * p->elem, p->value, p->elem);
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_constantofshape = {
    .name = "ConstantOfShape", .domain = "", .min_opset = 9, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE, .value_inputs = 1u << 0, .init = cos_init, .infer = cos_infer,
    .prepare = NULL, .run = cos_run, .release = NULL, .describe = NULL,
};
