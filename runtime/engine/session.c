/* Public session API: options, creation with concrete input shapes,
 * running with caller buffers, re-shaping (session_info.c: what a prepared
 * session and its model describe). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cpu.h"
#include "../error.h"
#include "session.h"

const char *onr_version(void)
{
    return ONR_VERSION_STRING;
}

unsigned onr_optimization_passes(enum onr_optimization_level level)
{
    const unsigned basic = ONR_PASS_FOLD_BATCHNORM | ONR_PASS_ELIMINATE_IDENTITY;
    const unsigned extended = basic | ONR_PASS_FUSE_ACTIVATION | ONR_PASS_FUSE_RESIDUAL;
    if ((int)level < ONR_OPTIMIZATION_BASIC) return 0;
    if ((int)level < ONR_OPTIMIZATION_EXTENDED) return basic;
    if ((int)level < ONR_OPTIMIZATION_ALL) return extended;
    return ONR_PASS_DEFAULT;
}

void onr_session_options_init_sized(struct onr_session_options *options, size_t size)
{
    if (options == NULL || size < sizeof options->size) return;
    struct onr_session_options d;
    memset(&d, 0, sizeof d);
    d.passes = ONR_PASS_DEFAULT;
    /* Test builds under AddressSanitizer set this to see every tensor's bounds. */
    const char *no_arena = getenv("ONR_NO_ARENA");
    d.no_arena = no_arena != NULL && strcmp(no_arena, "1") == 0;
    memset(options, 0, size);
    memcpy(options, &d, size < sizeof d ? size : sizeof d);
    options->size = size;
}

/* The first struct that had a size field ended with fixed_shapes: callers
 * built against it or later pass at least this much. */
#define ONR_OPTIONS_MIN_SIZE (offsetof(struct onr_session_options, fixed_shapes) + sizeof(int))

/* The caller's options, whatever their header's version, as this
 * library's struct (see struct onr_session_options). */
static enum onr_status copy_options(const struct onr_session_options *given,
                                    struct onr_session_options *opt, struct onr_error *err)
{
    onr_session_options_init(opt);
    if (given == NULL) return ONR_STATUS_OK;
    if (given->size < ONR_OPTIONS_MIN_SIZE)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "session options: size %zu, expected at least %zu: call "
                             "onr_session_options_init first", given->size, ONR_OPTIONS_MIN_SIZE);
    for (size_t k = sizeof *opt; k < given->size; k++)
        if (((const unsigned char *)given)[k] != 0)
            return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                                 "session options: byte %zu of %zu is set, but this onnxrun (%s) "
                                 "knows only the first %zu bytes", k, given->size,
                                 ONR_VERSION_STRING, sizeof *opt);
    memcpy(opt, given, given->size < sizeof *opt ? given->size : sizeof *opt);
    opt->size = sizeof *opt;
    if (opt->max_isa < ONR_ISA_LEVEL_DEFAULT || opt->max_isa > ONR_ISA_LEVEL_AVX512)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "session options: max_isa %d, expected 0 (default) to %d (avx512)",
                             opt->max_isa, ONR_ISA_LEVEL_AVX512);
    if (opt->winograd < ONR_WINOGRAD_TILE_DEFAULT || opt->winograd > ONR_WINOGRAD_TILE_4X4)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "session options: winograd %d, expected 0 (default) to %d (4x4)",
                             opt->winograd, ONR_WINOGRAD_TILE_4X4);
    return ONR_STATUS_OK;
}

/* A caller's shape r for graph input v, checked against the declared one. */
static enum onr_status given_shape(const struct onr_value *v, const struct onr_tensor_ref *r,
                                   struct onr_shape *shape, struct onr_error *err)
{
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

/* The concrete shape of graph input i: declared dims, with symbolic ones
 * taken from the options or defaulted to 1. */
static enum onr_status input_shape(struct onr_session *s, const struct onr_session_options *opt,
                                   int i, struct onr_shape *shape, struct onr_error *err)
{
    const struct onr_value *v = &s->model->graph.values[s->model->graph.inputs[i]];
    for (int k = 0; opt != NULL && k < opt->n_input_shapes; k++) {
        const struct onr_tensor_ref *r = &opt->input_shapes[k];
        if (r->name == NULL || strcmp(r->name, v->name) != 0) continue;
        return given_shape(v, r, shape, err);
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

/* A graph input that an operator reads at prepare (value_readers) is folded
 * like an initializer up to this size: shapes, axes, pads, scales and
 * Range's scalars all fit, and a larger input is data, whose every new
 * value would re-plan the session. */
#define ONR_VALUE_INPUT_MAX_ELEMENTS 64

/* *is: graph input i, at this shape, is a value input of the session.
 * An input an operator reads at prepare but too large to fold is refused,
 * naming the operator: without its value the operator could not prepare. */
static enum onr_status value_input(const struct onr_session *s, int i, const struct onr_shape *shape,
                                   bool *is, struct onr_error *err)
{
    const struct onr_graph *g = &s->model->graph;
    const struct onr_value *v = &g->values[g->inputs[i]];
    const struct onr_value_reader *r = &s->value_readers[i];
    size_t nbytes;
    *is = false;
    /* An invalid shape is refused where it is checked, with its own message. */
    if (r->node < 0 || onr_shape_check(shape, v->dtype, &nbytes, NULL) != ONR_STATUS_OK)
        return ONR_STATUS_OK;
    const int64_t n = onr_shape_numel(shape);
    if (n > ONR_VALUE_INPUT_MAX_ELEMENTS) {
        const struct onr_node *node = &g->nodes[r->node];
        const bool direct = node->inputs[r->slot] == g->inputs[i];
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "input '%s' (%lld elements) %s input %d of %s '%s', whose value "
                             "onnxrun needs when preparing the session; it folds graph inputs "
                             "of at most %d elements there", v->name, (long long)n,
                             direct ? "is" : "decides", r->slot, node->op_type, node->name,
                             ONR_VALUE_INPUT_MAX_ELEMENTS);
    }
    *is = true;
    return ONR_STATUS_OK;
}

/* Every prepare of the session goes through here (tests count them). */
static enum onr_status prepare_session(struct onr_session *s, struct onr_error *err)
{
    s->prepares++;
    return onr_session_prepare(s, err);
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
    enum onr_status st = copy_options(options, &s->options, err);
    if (st != ONR_STATUS_OK) {
        free(s);
        return st;
    }
    options = &s->options; /* this library's layout from here on */
    if (s->options.threads < 0) {
        int threads = s->options.threads;
        free(s);
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "threads %d is negative", threads);
    }
    s->threads = s->options.threads > 0 ? s->options.threads : onr_cpu_default_threads();
    /* enum onr_isa_level is enum onr_isa shifted by one (0: no cap). */
    s->isa = onr_cpu_isa();
    if (s->options.max_isa != ONR_ISA_LEVEL_DEFAULT && (int)s->isa > s->options.max_isa - 1)
        s->isa = (enum onr_isa)(s->options.max_isa - 1);
    static const int tiles[] = {[ONR_WINOGRAD_TILE_DEFAULT] = 2, [ONR_WINOGRAD_TILE_OFF] = 0,
                                [ONR_WINOGRAD_TILE_2X2] = 2, [ONR_WINOGRAD_TILE_4X4] = 4};
    s->winograd_tile = tiles[s->options.winograd];
    int n_in = model->graph.n_inputs;
    s->prepared_inputs = calloc((size_t)n_in + 1, sizeof *s->prepared_inputs);
    if (s->prepared_inputs == NULL) {
        free(s);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    s->input_values = calloc((size_t)n_in + 1, sizeof *s->input_values);
    s->value_input = calloc((size_t)n_in + 1, sizeof *s->value_input);
    s->value_readers = calloc((size_t)n_in + 1, sizeof *s->value_readers);
    if (s->input_values == NULL || s->value_input == NULL || s->value_readers == NULL) {
        onr_session_free(s);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    st = onr_graph_value_readers(&model->graph, s->value_readers, err);
    if (st != ONR_STATUS_OK) {
        onr_session_free(s);
        return st;
    }
    for (int k = 0; k < options->n_input_shapes; k++) {
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
        if (st == ONR_STATUS_OK) st = value_input(s, i, &s->prepared_inputs[i], &s->value_input[i], err);
        deferred |= s->value_input[i];
    }
    s->options.input_shapes = NULL; /* only read here, not kept */
    s->options.n_input_shapes = 0;
    /* With value inputs, shapes may depend on data: prepare at the first run. */
    if (st == ONR_STATUS_OK && !deferred) st = prepare_session(s, err);
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
    free(session->value_readers);
    free(session->prepared_inputs);
    free(session->bindings);
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

/* Output k's value is a node's own result, stored nowhere else: the node
 * can write the caller's buffer instead (views of it follow, as the
 * executor points views at their root's storage before each run). */
static bool can_write_directly(const struct onr_session *s, int k, const void *data)
{
    const struct onr_graph *g = &s->model->graph;
    const struct onr_svalue *sv = &s->values[g->outputs[k]];
    for (int j = 0; j < k; j++)
        if (g->outputs[j] == g->outputs[k]) return false; /* one value, two outputs */
    /* The arena's slots are 64-byte aligned and kernels may rely on it. */
    return !sv->is_const && !sv->is_input && sv->alias < 0 && sv->producer >= 0 &&
           (uintptr_t)data % 64 == 0;
}

/* Before a run: bound outputs written directly get the caller's buffer. */
static enum onr_status bind_outputs(struct onr_session *s, struct onr_error *err)
{
    const struct onr_graph *g = &s->model->graph;
    for (int k = 0; s->bindings != NULL && k < g->n_outputs; k++) {
        struct onr_output_binding *b = &s->bindings[k];
        b->direct = false;
        if (b->data == NULL) continue;
        struct onr_svalue *sv = &s->values[g->outputs[k]];
        if (b->nbytes != sv->t.nbytes) {
            for (int j = 0; j < k; j++) /* undo the ones already bound */
                if (s->bindings[j].direct) s->values[g->outputs[j]].t.data = s->bindings[j].own;
            return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                                 "output '%s' has %zu bytes, the buffer bound to it %zu", sv->name,
                                 sv->t.nbytes, b->nbytes);
        }
        if (can_write_directly(s, k, b->data)) {
            b->direct = true;
            b->own = sv->t.data;
            sv->t.data = b->data;
        }
    }
    return ONR_STATUS_OK;
}

/* After a run: the others are copied; every value gets its storage back. */
static void unbind_outputs(struct onr_session *s, bool ran)
{
    const struct onr_graph *g = &s->model->graph;
    for (int k = 0; ran && s->bindings != NULL && k < g->n_outputs; k++) {
        struct onr_output_binding *b = &s->bindings[k];
        const struct onr_svalue *sv = &s->values[g->outputs[k]];
        if (b->data != NULL && !b->direct && sv->t.nbytes > 0) memcpy(b->data, sv->t.data, sv->t.nbytes);
    }
    for (int k = 0; s->bindings != NULL && k < g->n_outputs; k++)
        if (s->bindings[k].direct) {
            s->values[g->outputs[k]].t.data = s->bindings[k].own;
            s->bindings[k].direct = false;
        }
}

enum onr_status onr_session_bind_output(struct onr_session *s, int index, void *data, size_t nbytes,
                                        struct onr_error *err)
{
    if (s == NULL || (data == NULL && nbytes > 0))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_session_bind_output: NULL argument");
    const struct onr_graph *g = &s->model->graph;
    if (index < 0 || index >= g->n_outputs)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "onr_session_bind_output: output %d of %d", index, g->n_outputs);
    if (s->bindings == NULL && data == NULL) return ONR_STATUS_OK;
    if (s->bindings == NULL) {
        s->bindings = calloc((size_t)g->n_outputs, sizeof *s->bindings);
        if (s->bindings == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    s->bindings[index] = (struct onr_output_binding){.data = data, .nbytes = data ? nbytes : 0};
    return ONR_STATUS_OK;
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

/* The buffers of this run stand in for the session's bindings: the run
 * binds, writes and copies as onr_session_bind_output describes. */
enum onr_status onr_session_run_into(struct onr_session *s, const struct onr_tensor_ref *inputs,
                                     int n_inputs, void *const *outputs, const size_t *nbytes,
                                     int n_outputs, struct onr_error *err)
{
    if (s == NULL || (inputs == NULL && n_inputs > 0) ||
        (n_outputs > 0 && (outputs == NULL || nbytes == NULL)))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_session_run_into: NULL argument");
    const struct onr_graph *g = &s->model->graph;
    if (n_outputs != g->n_outputs)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "onr_session_run_into: %d output buffers given, the model has %d outputs",
                             n_outputs, g->n_outputs);
    struct onr_output_binding few[8];
    struct onr_output_binding *once = n_outputs <= 8 ? few : calloc((size_t)n_outputs, sizeof *once);
    if (once == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    for (int k = 0; k < n_outputs; k++)
        once[k] = (struct onr_output_binding){.data = outputs[k], .nbytes = outputs[k] ? nbytes[k] : 0};
    if (atomic_flag_test_and_set_explicit(&s->running, memory_order_acquire)) {
        if (once != few) free(once);
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                             "onr_session_run_into: the session is running on another thread "
                             "(a session serves one thread at a time; create one per thread)");
    }
    struct onr_output_binding *kept = s->bindings;
    s->bindings = n_outputs > 0 ? once : NULL;
    enum onr_status st = run_session(s, inputs, n_inputs, err);
    s->bindings = kept;
    atomic_flag_clear_explicit(&s->running, memory_order_release);
    if (once != few) free(once);
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
        /* Refused here before anything is recorded for this input. */
        bool folded;
        st = value_input(s, i, &shape, &folded, err);
        if (st != ONR_STATUS_OK) break;
        if (!onr_shape_equal(&shape, &s->prepared_inputs[i])) {
            if (s->options.fixed_shapes) {
                char want[128], got[128];
                onr_shape_format(&s->prepared_inputs[i], want, sizeof want);
                onr_shape_format(&shape, got, sizeof got);
                st = onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                   "input '%s' has shape %s, the session is prepared for %s "
                                   "(fixed_shapes: call onr_session_reshape)", v->name, got, want);
                break;
            }
            s->prepared_inputs[i] = shape;
            reshape = true;
        }
        s->value_input[i] = folded;
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
        st = prepare_session(s, err);
    }
    if (st == ONR_STATUS_OK) {
        /* An empty input may come without a buffer; kernels get a valid
         * pointer they never read through. */
        static _Alignas(64) unsigned char no_elements[64];
        for (int i = 0; i < g->n_inputs; i++)
            if (!s->values[g->inputs[i]].is_const)
                s->values[g->inputs[i]].t.data =
                    by_input[i]->data != NULL ? (void *)by_input[i]->data : no_elements;
        st = bind_outputs(s, err);
        if (st == ONR_STATUS_OK) st = onr_session_execute(s, err);
        unbind_outputs(s, st == ONR_STATUS_OK);
    }
    if (by_input != bound) free(by_input);
    return st;
}

/* value_input for every input at its prepared shape; *deferred: one of
 * them has no known value of that shape yet. */
static enum onr_status set_value_inputs(struct onr_session *s, bool *deferred, struct onr_error *err)
{
    *deferred = false;
    for (int i = 0; i < s->model->graph.n_inputs; i++) {
        enum onr_status st = value_input(s, i, &s->prepared_inputs[i], &s->value_input[i], err);
        if (st != ONR_STATUS_OK) return st;
        const struct onr_tensor *known = &s->input_values[i];
        *deferred |= s->value_input[i] &&
                     (known->data == NULL || !onr_shape_equal(&known->shape, &s->prepared_inputs[i]));
    }
    return ONR_STATUS_OK;
}

enum onr_status onr_session_reshape(struct onr_session *s, const struct onr_tensor_ref *shapes,
                                    int n_shapes, struct onr_error *err)
{
    if (s == NULL || n_shapes < 0 || (shapes == NULL && n_shapes > 0))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_session_reshape: NULL argument");
    const struct onr_graph *g = &s->model->graph;
    struct onr_shape *old = malloc(((size_t)g->n_inputs + 1) * sizeof *old);
    if (old == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    memcpy(old, s->prepared_inputs, (size_t)g->n_inputs * sizeof *old);
    enum onr_status st = ONR_STATUS_OK;
    for (int k = 0; k < n_shapes && st == ONR_STATUS_OK; k++) {
        int i = shapes[k].name != NULL ? onr_model_input_index(s->model, shapes[k].name) : -1;
        if (i < 0)
            st = onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,
                               "onr_session_reshape: '%s' is not an input of the model",
                               shapes[k].name ? shapes[k].name : "(null)");
        else
            st = given_shape(&g->values[g->inputs[i]], &shapes[k], &s->prepared_inputs[i], err);
        size_t nbytes;
        if (st == ONR_STATUS_OK)
            st = onr_shape_check(&s->prepared_inputs[i], g->values[g->inputs[i]].dtype, &nbytes, err);
    }
    bool deferred = false;
    if (st == ONR_STATUS_OK) st = set_value_inputs(s, &deferred, err);
    if (st != ONR_STATUS_OK) {
        /* Refused before anything changed: the old plan stays. */
        memcpy(s->prepared_inputs, old, (size_t)g->n_inputs * sizeof *old);
        set_value_inputs(s, &deferred, NULL); /* accepted for these shapes before */
        free(old);
        return st;
    }
    onr_session_unprepare(s);
    /* Values that decide shapes are not known yet: prepare at the next run. */
    if (!deferred) st = prepare_session(s, err);
    if (st != ONR_STATUS_OK) {
        memcpy(s->prepared_inputs, old, (size_t)g->n_inputs * sizeof *old);
        set_value_inputs(s, &deferred, NULL);
        /* The old plan is gone: the next run prepares it again. */
        onr_session_unprepare(s);
    }
    free(old);
    return st;
}
