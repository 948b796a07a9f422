/* Public session API, the descriptions: the model's inputs and outputs by
 * name, a prepared session's input shapes, outputs of the last run,
 * arena size, per-node information and profiling times. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../error.h"
#include "session.h"

int onr_model_input_index(const struct onr_model *model, const char *name)
{
    for (int i = 0; model != NULL && name != NULL && i < model->graph.n_inputs; i++)
        if (strcmp(model->graph.values[model->graph.inputs[i]].name, name) == 0) return i;
    return -1;
}

int onr_model_output_index(const struct onr_model *model, const char *name)
{
    for (int i = 0; model != NULL && name != NULL && i < model->graph.n_outputs; i++)
        if (strcmp(model->graph.values[model->graph.outputs[i]].name, name) == 0) return i;
    return -1;
}

const char *onr_model_output_dim_param(const struct onr_model *model, int index, int dim)
{
    if (model == NULL || index < 0 || index >= model->graph.n_outputs || dim < 0 ||
        dim >= ONR_MAX_RANK)
        return NULL;
    return model->graph.values[model->graph.outputs[index]].dim_params[dim];
}

enum onr_status onr_session_input(const struct onr_session *s, int index,
                                  struct onr_tensor_ref *desc)
{
    if (s == NULL || desc == NULL || index < 0 || index >= s->model->graph.n_inputs)
        return ONR_STATUS_INVALID_ARGUMENT;
    const struct onr_value *v = &s->model->graph.values[s->model->graph.inputs[index]];
    memset(desc, 0, sizeof *desc);
    desc->name = v->name;
    desc->dtype = v->dtype;
    desc->rank = s->prepared_inputs[index].rank;
    memcpy(desc->dims, s->prepared_inputs[index].dims, sizeof desc->dims);
    onr_shape_check(&s->prepared_inputs[index], v->dtype, &desc->nbytes, NULL);
    return ONR_STATUS_OK;
}

static void tensor_ref(const struct onr_svalue *v, struct onr_tensor_ref *r)
{
    memset(r, 0, sizeof *r);
    r->name = v->name;
    r->dtype = v->t.dtype;
    r->rank = v->t.shape.rank;
    memcpy(r->dims, v->t.shape.dims, sizeof r->dims);
    r->data = v->t.data;
    r->nbytes = v->t.nbytes;
}

enum onr_status onr_session_output(const struct onr_session *s, int index,
                                   struct onr_tensor_ref *out)
{
    if (s == NULL || out == NULL || !s->ready || index < 0 || index >= s->model->graph.n_outputs)
        return ONR_STATUS_INVALID_ARGUMENT;
    tensor_ref(&s->values[s->model->graph.outputs[index]], out);
    if (s->bindings != NULL && s->bindings[index].data != NULL) out->data = s->bindings[index].data;
    return ONR_STATUS_OK;
}

enum onr_status onr_session_output_by_name(const struct onr_session *s, const char *name,
                                           struct onr_tensor_ref *out, struct onr_error *err)
{
    if (s == NULL || name == NULL || out == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_session_output_by_name: NULL argument");
    int index = onr_model_output_index(s->model, name);
    if (index < 0)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "'%s' is not an output of the model", name);
    if (!s->ready)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "output '%s': the session is not prepared (it has run no input since a reshape)", name);
    return onr_session_output(s, index, out);
}

int onr_session_defaulted_dims(const struct onr_session *s)
{
    return s != NULL && s->defaulted_dims;
}

size_t onr_session_arena_bytes(const struct onr_session *s)
{
    return s != NULL ? s->arena_bytes : 0;
}

/* Public node indices count the nodes that were not removed by a pass. */
static const struct onr_xnode *visible_node(const struct onr_session *s, int index)
{
    for (int i = 0, k = 0; s != NULL && i < s->n_xnodes; i++) {
        if (s->xnodes[i].removed) continue;
        if (k++ == index) return &s->xnodes[i];
    }
    return NULL;
}

int onr_session_node_count(const struct onr_session *s)
{
    int n = 0;
    for (int i = 0; s != NULL && i < s->n_xnodes; i++) n += !s->xnodes[i].removed;
    return n;
}

enum onr_status onr_session_node_info(const struct onr_session *s, int index,
                                      struct onr_node_info *info)
{
    const struct onr_xnode *xn = visible_node(s, index);
    if (xn == NULL || info == NULL) return ONR_STATUS_INVALID_ARGUMENT;
    memset(info, 0, sizeof *info);
    info->name = xn->node->name;
    info->op_type = xn->def->name;
    info->folded = xn->folded;
    if (xn->n_out > 0 && xn->out[0] >= 0) {
        info->output_name = s->values[xn->out[0]].name;
        tensor_ref(&s->values[xn->out[0]], &info->output);
    }
    if (xn->n_in > 0 && xn->in[0] >= 0) info->input_name = s->values[xn->in[0]].name;
    for (int k = 0; k < xn->n_in; k++)
        if (xn->in[k] >= 0 && s->values[xn->in[k]].is_const)
            info->weights += onr_shape_numel(&s->values[xn->in[k]].t.shape);
    if (xn->def->describe != NULL) xn->def->describe(&xn->ctx, info->params, sizeof info->params, &info->macs);
    /* Conv geometry from its tensors: x (N, C, H, W), w (OC, C/group, KH, KW). */
    if (strcmp(xn->def->name, "Conv") == 0 && xn->n_in >= 2 && xn->x[0] && xn->x[1] &&
        xn->x[0]->shape.rank == 4 && xn->x[1]->shape.rank == 4 && xn->x[1]->shape.dims[1] > 0) {
        info->conv_c = xn->x[0]->shape.dims[1];
        info->conv_oc = xn->x[1]->shape.dims[0];
        info->conv_kh = xn->x[1]->shape.dims[2];
        info->conv_kw = xn->x[1]->shape.dims[3];
        info->conv_group = info->conv_c / xn->x[1]->shape.dims[1];
    }
    return ONR_STATUS_OK;
}

void onr_session_set_profiling(struct onr_session *s, int on)
{
    if (s != NULL) s->profiling = on != 0;
}

double onr_session_node_seconds(const struct onr_session *s, int index)
{
    const struct onr_xnode *xn = visible_node(s, index);
    return xn != NULL ? xn->seconds : 0.0;
}
