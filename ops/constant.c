/* Constant, opsets 1..17: y is the tensor held in the node. Attributes:
 * value (a tensor), and value_float, value_floats, value_int, value_ints
 * (opset 12; accepted at any opset). Exactly one must be given (else
 * INVALID_MODEL); sparse_value, value_string and value_strings are
 * UNSUPPORTED. The executor folds the node at prepare time. */
#include <stdlib.h>
#include <string.h>

#include "op.h"

struct constant_params {
    struct onr_tensor value;    /* owned */
};

/* Fills t from a value_* attribute other than a tensor. */
static enum onr_status from_numbers(const struct onr_node *node, const struct onr_attr *a,
                                    struct onr_tensor *t, struct onr_error *err)
{
    const bool is_float = a->type == ONR_ATTR_FLOAT || a->type == ONR_ATTR_FLOATS;
    const bool is_list = a->type == ONR_ATTR_FLOATS || a->type == ONR_ATTR_INTS;
    struct onr_shape shape = {.rank = is_list ? 1 : 0};
    if (is_list) shape.dims[0] = (int64_t)a->count;
    enum onr_status st = onr_tensor_alloc(t, is_float ? ONR_DTYPE_FLOAT : ONR_DTYPE_INT64,
                                          &shape, err);
    if (st != ONR_STATUS_OK) {
        onr_error_prefix(err, "Constant '%s'", node->name);
        return st;
    }
    if (a->type == ONR_ATTR_FLOAT) *(float *)t->data = a->f;
    if (a->type == ONR_ATTR_INT) *(int64_t *)t->data = a->i;
    if (a->type == ONR_ATTR_FLOATS && a->count) memcpy(t->data, a->floats, t->nbytes);
    if (a->type == ONR_ATTR_INTS && a->count) memcpy(t->data, a->ints, t->nbytes);
    return ONR_STATUS_OK;
}

static enum onr_status constant_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    static const char *const names[] = {"value", "value_float", "value_floats",
                                        "value_int", "value_ints"};
    static const enum onr_attr_type types[] = {ONR_ATTR_TENSOR, ONR_ATTR_FLOAT,
                                               ONR_ATTR_FLOATS, ONR_ATTR_INT, ONR_ATTR_INTS};
    static const char *const unsupported[] = {"sparse_value", "value_string", "value_strings"};
    const struct onr_node *node = ctx->node;
    for (int i = 0; i < 3; i++)
        if (onr_node_attr(node, unsupported[i]) != NULL)
            return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                                 "Constant '%s': attribute %s is not supported", node->name,
                                 unsupported[i]);
    const struct onr_attr *a = NULL;
    int found = 0, which = 0;
    for (int i = 0; i < 5; i++)
        if (onr_node_attr(node, names[i]) != NULL) {
            a = onr_node_attr(node, names[i]);
            which = i;
            found++;
        }
    if (found != 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Constant '%s': %d value attributes, expected exactly one of "
                             "value, value_float(s), value_int(s)", node->name, found);
    if (a->type != types[which] || (which == 0 && a->t == NULL))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "Constant '%s': attribute %s has the wrong type (%d)",
                             node->name, names[which], (int)a->type);
    struct constant_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Constant '%s': out of memory",
                             node->name);
    ctx->params = p;
    if (which != 0) return from_numbers(node, a, &p->value, err);
    enum onr_status st = onr_tensor_copy(&p->value, a->t, err);
    if (st != ONR_STATUS_OK) onr_error_prefix(err, "Constant '%s': value", node->name);
    return st;
}

static enum onr_status constant_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct constant_params *p = ctx->params;
    ctx->y[0]->dtype = p->value.dtype;
    ctx->y[0]->shape = p->value.shape;
    return ONR_STATUS_OK;
}

static enum onr_status constant_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct constant_params *p = ctx->params;
    if (p->value.nbytes > 0) memcpy(ctx->y[0]->data, p->value.data, p->value.nbytes);
    return ONR_STATUS_OK;
}

static void constant_release(void *params)
{
    struct constant_params *p = params;
    if (p == NULL) return;
    onr_tensor_free(&p->value);
    free(p);
}

const struct onr_op_def onr_op_constant = {
    .name = "Constant", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 0, .max_inputs = 0, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = constant_init, .infer = constant_infer, .prepare = NULL, .run = constant_run,
    .release = constant_release, .describe = NULL,
};
