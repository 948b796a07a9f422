/* Fuzz target: untrusted bytes through the ONNX loader (onr_onnx_load_model),
 * then a session prepared and run on the model. Whatever the bytes, the
 * result must be a status with a message, or a graph that keeps the
 * invariants the runtime relies on, and no crash, leak or UB in the
 * session. Built as the libFuzzer target fuzz_load with clang
 * (tests/fuzz/CMakeLists.txt), replayed on mutated seeds by
 * test_fuzz_replay.c and on the stored corpus by fuzz.corpus_load, with
 * any compiler. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_load.h"
#include "onnx/proto.h"

/* Sorted order, in-range indices, consistent producers, initializer data
 * of the declared size. Returns 0 when they all hold. */
static int check_graph(const struct onr_graph *g)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const struct onr_node *n = &g->nodes[i];
        if (!n->name || !n->op_type || !n->domain || n->n_inputs < 0 || n->n_outputs < 0)
            return 1;
        for (int k = 0; k < n->n_inputs; k++) {
            int v = n->inputs[k];
            if (v < -1 || v >= g->n_values) return 1;
            if (v >= 0 && g->values[v].producer >= i) return 1;
        }
        for (int k = 0; k < n->n_outputs; k++) {
            int v = n->outputs[k];
            if (v < -1 || v >= g->n_values) return 1;
            if (v >= 0 && g->values[v].producer != i) return 1;
        }
    }
    for (int v = 0; v < g->n_values; v++) {
        const struct onr_value *val = &g->values[v];
        if (val->shape.rank < 0 || val->shape.rank > ONR_MAX_RANK) return 1;
        if (val->is_initializer &&
            val->data.nbytes != (size_t)onr_shape_numel(&val->data.shape) *
                                    onr_dtype_size(val->data.dtype))
            return 1;
    }
    for (int k = 0; k < g->n_outputs; k++)
        if (g->outputs[k] < 0 || g->outputs[k] >= g->n_values) return 1;
    return 0;
}

/* Prepares a session on the loaded model and runs it once on zero inputs,
 * when its inputs are small: the executor, shape inference and kernels see
 * the hostile graph too. Errors are fine; crashes and leaks are not. */
static int check_session(const uint8_t *data, size_t size)
{
    struct onr_model *model = NULL;
    struct onr_session *session = NULL;
    struct onr_error err;
    if (onr_model_load_buffer(data, size, &model, &err) != ONR_STATUS_OK) return -1;
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = 1;
    /* A declared dim of 10^9 behind a few bytes of data must be refused at
     * prepare by the cap, not allocated (nor run for minutes). */
    opt.max_memory = (size_t)256 << 20;
    int n = onr_model_input_count(model), bad = 0;
    struct onr_tensor_ref in[8];
    void *buf[8] = {0};
    if (n > 8) goto done;
    for (int i = 0; i < n; i++) {
        struct onr_tensor_ref d;
        onr_model_input(model, i, &d);
        size_t numel = 1, elem = onr_dtype_size(d.dtype);
        for (int k = 0; k < d.rank; k++) numel *= d.dims[k] > 0 ? (size_t)d.dims[k] : 1;
        if (d.rank < 0 || elem == 0 || numel > (1u << 16)) goto done;
        in[i] = d;
        for (int k = 0; k < d.rank; k++) in[i].dims[k] = d.dims[k] > 0 ? d.dims[k] : 1;
        in[i].nbytes = numel * elem;
        buf[i] = calloc(numel ? numel : 1, elem);
        if (buf[i] == NULL) goto done;
        in[i].data = buf[i];
    }
    if (onr_session_create(model, &opt, &session, &err) == ONR_STATUS_OK) {
        onr_session_run(session, in, n, &err);
        onr_session_free(session);
    }
done:
    for (int i = 0; i < 8; i++) free(buf[i]);
    onr_model_free(model);
    return bad;
}

int onr_fuzz_model(const uint8_t *data, size_t size)
{
    struct onr_graph g;
    struct onr_error err;
    err.message[0] = '\0';
    enum onr_status st = onr_onnx_load_model(data, size, &g, &err);
    if (st == ONR_STATUS_OK) {
        int bad = check_graph(&g);
        onr_graph_free(&g);
        if (!bad) bad = check_session(data, size) != 0;
        return bad ? -1 : (int)st;
    }
    if (err.message[0] == '\0' || memchr(err.message, '\0', sizeof err.message) == NULL)
        return -1;
    if (g.n_nodes != 0 || g.n_values != 0 || g.values != NULL) return -1;
    return (int)st;
}

#ifdef ONR_FUZZ_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (onr_fuzz_model(data, size) < 0) __builtin_trap();
    return 0;
}
#endif
