/* Public session API: options, creation with concrete input shapes,
 * running with caller buffers, outputs and per-node information. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "error.h"
#include "session.h"

void onr_session_options_init(struct onr_session_options *options)
{
    memset(options, 0, sizeof *options);
    options->passes = ONR_PASS_DEFAULT;
    /* Test builds under AddressSanitizer set this to see every tensor's bounds. */
    const char *no_arena = getenv("ONR_NO_ARENA");
    options->no_arena = no_arena != NULL && strcmp(no_arena, "1") == 0;
}

/* The concrete shape of graph input i: declared dims, with symbolic ones
 * taken from the options or defaulted to 1. */
static enum onr_status input_shape(struct onr_session *s, const struct onr_session_options *opt,
                                   int i, struct onr_shape *shape, struct onr_error *err)
{
    const struct onr_value *v = &s->model->graph.values[s->model->graph.inputs[i]];
    for (int k = 0; opt != NULL && k < opt->n_input_shapes; k++) {
        const struct onr_tensor_ref *r = &opt->input_shapes[k];
        if (r->name == NULL || strcmp(r->name, v->name) != 0) continue;
        if (r->rank < 0 || r->rank > ONR_MAX_RANK)
            return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "input '%s': rank %d out of range",
                                 v->name, r->rank);
        if (v->has_shape && v->shape.rank != r->rank)
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "input '%s': given rank %d, the model declares rank %d", v->name,
                                 r->rank, v->shape.rank);
        shape->rank = r->rank;
        for (int d = 0; d < r->rank; d++) {
            if (v->has_shape && v->shape.dims[d] >= 0 && v->shape.dims[d] != r->dims[d])
                return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                     "input '%s': dim %d given as %lld, the model fixes it at %lld",
                                     v->name, d, (long long)r->dims[d], (long long)v->shape.dims[d]);
            shape->dims[d] = r->dims[d];
        }
        return ONR_STATUS_OK;
    }
    if (!v->has_shape)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "input '%s' has no declared shape: give one", v->name);
    *shape = v->shape;
    for (int d = 0; d < shape->rank; d++)
        if (shape->dims[d] < 0) {
            shape->dims[d] = 1;
            s->defaulted_dims = true;
        }
    return ONR_STATUS_OK;
}

/* Integer inputs this small are shape-like (a Reshape's shape, Slice's
 * starts, Pad's pads): their values are folded like initializers. */
#define ONR_VALUE_INPUT_MAX_ELEMENTS 64

static bool is_value_input(const struct onr_value *v, const struct onr_shape *shape)
{
    if (v->dtype != ONR_DTYPE_INT64 && v->dtype != ONR_DTYPE_INT32) return false;
    size_t nbytes;
    return onr_shape_check(shape, v->dtype, &nbytes, NULL) == ONR_STATUS_OK &&
           onr_shape_numel(shape) <= ONR_VALUE_INPUT_MAX_ELEMENTS;
}

enum onr_status onr_session_create(const struct onr_model *model,
                                   const struct onr_session_options *options,
                                   struct onr_session **session, struct onr_error *err)
{
    if (model == NULL || session == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_session_create: NULL argument");
    *session = NULL;
    struct onr_session *s = calloc(1, sizeof *s);
    if (s == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    s->model = model;
    if (options != NULL) s->options = *options;
    else onr_session_options_init(&s->options);
    s->options.input_shapes = NULL; /* only read here, not kept */
    s->options.n_input_shapes = 0;
    if (s->options.threads < 0) {
        int threads = s->options.threads;
        free(s);
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "threads %d is negative", threads);
    }
    s->threads = s->options.threads > 0 ? s->options.threads : onr_cpu_default_threads();
    int n_in = model->graph.n_inputs;
    s->prepared_inputs = calloc((size_t)n_in + 1, sizeof *s->prepared_inputs);
    if (s->prepared_inputs == NULL) {
        free(s);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    s->input_values = calloc((size_t)n_in + 1, sizeof *s->input_values);
    s->value_input = calloc((size_t)n_in + 1, sizeof *s->value_input);
    if (s->input_values == NULL || s->value_input == NULL) {
        onr_session_free(s);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    enum onr_status st = ONR_STATUS_OK;
    for (int k = 0; options != NULL && k < options->n_input_shapes; k++) {
        const char *name = options->input_shapes[k].name;
        bool found = false;
        for (int i = 0; name != NULL && i < n_in; i++)
            found |= strcmp(model->graph.values[model->graph.inputs[i]].name, name) == 0;
        if (!found) {
            onr_session_free(s);
            return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                                 "a shape is given for '%s', which is not an input of the model",
                                 name ? name : "(null)");
        }
    }
    bool deferred = false;
    for (int i = 0; i < n_in && st == ONR_STATUS_OK; i++) {
        st = input_shape(s, options, i, &s->prepared_inputs[i], err);
        s->value_input[i] = is_value_input(&model->graph.values[model->graph.inputs[i]],
                                           &s->prepared_inputs[i]);
        deferred |= s->value_input[i];
    }
    /* With value inputs, shapes may depend on data: prepare at the first run. */
    if (st == ONR_STATUS_OK && !deferred) st = onr_session_prepare(s, err);
    if (st != ONR_STATUS_OK) {
        onr_session_free(s);
        return st;
    }
    *session = s;
    return ONR_STATUS_OK;
}

void onr_session_free(struct onr_session *session)
{
    if (session == NULL) return;
    onr_session_unprepare(session);
    for (int i = 0; session->input_values && i < session->model->graph.n_inputs; i++)
        onr_tensor_free(&session->input_values[i]);
    free(session->input_values);
    free(session->value_input);
    free(session->prepared_inputs);
    free(session);
}

/* Which graph input a caller tensor is for: by name, else by position. */
static int match_input(const struct onr_session *s, const struct onr_tensor_ref *r, int position)
{
    const struct onr_graph *g = &s->model->graph;
    if (r->name == NULL) return position < g->n_inputs ? position : -1;
    for (int i = 0; i < g->n_inputs; i++)
        if (strcmp(g->values[g->inputs[i]].name, r->name) == 0) return i;
    return -1;
}

static enum onr_status run_session(struct onr_session *s, const struct onr_tensor_ref *inputs,
                                   int n_inputs, struct onr_error *err);

/* One run at a time per session: a second thread calling in meanwhile is
 * refused rather than left to corrupt the plan and the outputs. */
enum onr_status onr_session_run(struct onr_session *s, const struct onr_tensor_ref *inputs,
                                int n_inputs, struct onr_error *err)
{
    if (s == NULL || (inputs == NULL && n_inputs > 0))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_session_run: NULL argument");
    if (atomic_flag_test_and_set_explicit(&s->running, memory_order_acquire))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "onr_session_run: the session is running on another thread "
                             "(a session serves one thread at a time; create one per thread)");
    enum onr_status st = run_session(s, inputs, n_inputs, err);
    atomic_flag_clear_explicit(&s->running, memory_order_release);
    return st;
}

static enum onr_status run_session(struct onr_session *s, const struct onr_tensor_ref *inputs,
                                   int n_inputs, struct onr_error *err)
{
    const struct onr_graph *g = &s->model->graph;
    if (n_inputs != g->n_inputs)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "%d inputs given, the model has %d",
                             n_inputs, g->n_inputs);
    const struct onr_tensor_ref *bound[64];
    const struct onr_tensor_ref **by_input = g->n_inputs <= 64 ? bound : NULL;
    if (by_input == NULL) by_input = calloc((size_t)g->n_inputs, sizeof *by_input);
    if (by_input == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    memset(by_input, 0, sizeof(*by_input) * (size_t)(g->n_inputs < 64 ? 64 : g->n_inputs));
    enum onr_status st = ONR_STATUS_OK;
    bool reshape = false;
    for (int k = 0; k < n_inputs && st == ONR_STATUS_OK; k++) {
        const struct onr_tensor_ref *r = &inputs[k];
        int i = match_input(s, r, k);
        const struct onr_value *v = i >= 0 ? &g->values[g->inputs[i]] : NULL;
        struct onr_shape shape = {.rank = r->rank};
        if (i < 0 || by_input[i] != NULL)
            st = onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "input '%s' is %s",
                               r->name ? r->name : "?", i < 0 ? "not an input of the model" : "given twice");
        else if (r->dtype != v->dtype)
            st = onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "input '%s' is %s, the model expects %s",
                               v->name, onr_dtype_name(r->dtype), onr_dtype_name(v->dtype));
        else if (r->rank < 0 || r->rank > ONR_MAX_RANK || (r->data == NULL && r->nbytes > 0))
            st = onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "input '%s': bad rank or data", v->name);
        if (st != ONR_STATUS_OK) break;
        by_input[i] = r;
        memcpy(shape.dims, r->dims, (size_t)r->rank * sizeof r->dims[0]);
        size_t nbytes = 0;
        st = onr_shape_check(&shape, r->dtype, &nbytes, err);
        if (st == ONR_STATUS_OK && nbytes != r->nbytes)
            st = onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                               "input '%s': %zu bytes given for shape needing %zu", v->name,
                               r->nbytes, nbytes);
        if (st != ONR_STATUS_OK) break;
        if (v->has_shape) {
            bool ok = v->shape.rank == shape.rank;
            for (int d = 0; ok && d < shape.rank; d++)
                ok = v->shape.dims[d] < 0 || v->shape.dims[d] == shape.dims[d];
            if (!ok) {
                char want[128], got[128];
                onr_shape_format(&v->shape, want, sizeof want);
                onr_shape_format(&shape, got, sizeof got);
                st = onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                   "input '%s' has shape %s, the model expects %s", v->name, got, want);
                break;
            }
        }
        if (!onr_shape_equal(&shape, &s->prepared_inputs[i])) {
            s->prepared_inputs[i] = shape;
            reshape = true;
        }
        s->value_input[i] = is_value_input(v, &shape);
        struct onr_tensor *known = &s->input_values[i];
        if (s->value_input[i] && (known->data == NULL || !onr_shape_equal(&known->shape, &shape) ||
                                  (nbytes > 0 && memcmp(known->data, r->data, nbytes) != 0))) {
            struct onr_tensor given = {.dtype = r->dtype, .shape = shape, .data = (void *)r->data,
                                       .nbytes = nbytes};
            onr_tensor_free(known);
            st = onr_tensor_copy(known, &given, err);
            if (st != ONR_STATUS_OK) break;
            reshape = true;
        }
    }
    /* A refused run may have recorded some new shapes or values already:
     * the plan no longer matches them, so the next run must re-prepare. */
    if (st != ONR_STATUS_OK && reshape) s->ready = false;
    if (st == ONR_STATUS_OK && (reshape || !s->ready)) {
        onr_session_unprepare(s);
        st = onr_session_prepare(s, err);
    }
    if (st == ONR_STATUS_OK) {
        /* An empty input may come without a buffer; kernels get a valid
         * pointer they never read through. */
        static _Alignas(64) unsigned char no_elements[64];
        for (int i = 0; i < g->n_inputs; i++)
            if (!s->values[g->inputs[i]].is_const)
                s->values[g->inputs[i]].t.data =
                    by_input[i]->data != NULL ? (void *)by_input[i]->data : no_elements;
        st = onr_session_execute(s, err);
    }
    if (by_input != bound) free(by_input);
    return st;
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
    return ONR_STATUS_OK;
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
