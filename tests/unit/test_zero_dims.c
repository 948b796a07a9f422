/* Zero-sized dimensions are legal ONNX. For every model of models/ and
 * every ONNX backend test that onnxrun passes (tests/models/
 * onnx_backend_tests.txt), each dim of each input is set to 0 in turn and
 * the model is prepared and run at 1, 2 and 3 threads. Each case must
 * either run, with outputs bitwise equal across the thread counts, or be
 * refused with a status and a message; a crash, a sanitizer report or a
 * status without a message fails. The models/ cases (Conv networks) must
 * run at batch 0 and give empty outputs of batch 0.
 *
 * Usage: test_zero_dims [CASE_DIR...]   (default: the two lists above)
 * ONR_TEST_VERBOSE=1 prints each refusal. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/onnxrun.h"
#include "runtime/engine/session.h"
#include "testutil.h"

#define BACKEND_DATA "/usr/share/libonnx-testdata/data"
#define MAX_INPUTS 16
#define MAX_OUTPUTS 16

struct outputs {
    int n;
    struct onr_tensor_ref ref[MAX_OUTPUTS];
    void *data[MAX_OUTPUTS];
};

static struct {
    int cases, ran, refused, skipped_cases;
} stats;

static void outputs_free(struct outputs *o)
{
    for (int k = 0; k < o->n; k++) free(o->data[k]);
    o->n = 0;
}


/* test_data_set_0/input_<k>.pb, k = 0.. while they exist. */
static int read_inputs(const char *dir, struct onr_tensor_ref *in, int cap)
{
    int n = 0;
    for (; n < cap; n++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/test_data_set_0/input_%d.pb", dir, n);
        size_t size;
        void *buf = onr_test_read_file(path, &size);
        if (buf == NULL) break;
        struct onr_error err;
        enum onr_status st = onr_tensor_parse_pb(buf, size, &in[n], &err);
        free(buf);
        if (st != ONR_STATUS_OK) {
            fprintf(stderr, "%s: %s\n", path, err.message);
            onr_test_failures++;
            break;
        }
    }
    return n;
}

/* Prepares and runs the model with inputs `in` at `threads` threads; the
 * shape of input `zero_input` (whose declared dims the caller made
 * symbolic) is passed as a session shape. Returns the status; on OK the
 * outputs are copied into *out. */
static enum onr_status run_once(struct onr_model *model, const struct onr_tensor_ref *in, int n_in,
                                int zero_input, int threads, struct outputs *out,
                                struct onr_error *err)
{
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = threads;
    opt.n_input_shapes = 1;
    opt.input_shapes = &in[zero_input];
    struct onr_session *s = NULL;
    enum onr_status st = onr_session_create(model, &opt, &s, err);
    if (st == ONR_STATUS_OK) st = onr_session_run(s, in, n_in, err);
    out->n = 0;
    for (int k = 0; st == ONR_STATUS_OK && k < onr_model_output_count(model) && k < MAX_OUTPUTS; k++) {
        struct onr_tensor_ref r;
        st = onr_session_output(s, k, &r);
        if (st != ONR_STATUS_OK) {
            snprintf(err->message, sizeof err->message, "output %d not readable", k);
            break;
        }
        out->ref[k] = r;
        out->data[k] = malloc(r.nbytes ? r.nbytes : 1);
        if (out->data[k] == NULL) {
            st = ONR_STATUS_OUT_OF_MEMORY;
            break;
        }
        if (r.nbytes) memcpy(out->data[k], r.data, r.nbytes);
        out->n = k + 1;
    }
    onr_session_free(s);
    return st;
}

static bool same_outputs(const struct outputs *a, const struct outputs *b)
{
    if (a->n != b->n) return false;
    for (int k = 0; k < a->n; k++) {
        const struct onr_tensor_ref *x = &a->ref[k], *y = &b->ref[k];
        if (x->rank != y->rank || x->nbytes != y->nbytes || x->dtype != y->dtype) return false;
        if (memcmp(x->dims, y->dims, (size_t)x->rank * sizeof x->dims[0]) != 0) return false;
        if (x->nbytes && memcmp(a->data[k], b->data[k], x->nbytes) != 0) return false;
    }
    return true;
}

/* Input `i`, dim `d` set to 0: prepared and run at 1, 2 and 3 threads. */
static void check_zero_dim(const char *dir, struct onr_model *model, struct onr_tensor_ref *in,
                           int n_in, int i, int d, bool must_run)
{
    struct onr_value *v = &model->graph.values[model->graph.inputs[i]];
    const int64_t declared = v->shape.dims[d], given = in[i].dims[d];
    const void *data = in[i].data;
    const size_t nbytes = in[i].nbytes;
    v->shape.dims[d] = -1;
    in[i].dims[d] = 0;
    in[i].data = NULL; /* an empty tensor needs no buffer */
    in[i].nbytes = 0;
    stats.cases++;
    struct outputs first = {0};
    enum onr_status first_st = ONR_STATUS_OK;
    for (int threads = 1; threads <= 3; threads++) {
        struct onr_error err = {0};
        struct outputs got = {0};
        enum onr_status st = run_once(model, in, n_in, i, threads, &got, &err);
        if (st != ONR_STATUS_OK && err.message[0] == '\0') {
            fprintf(stderr, "%s: input %d dim %d = 0, %d threads: %s without a message\n", dir, i,
                    d, threads, onr_status_name(st));
            onr_test_failures++;
        }
        if (threads == 1) {
            first_st = st;
            first = got;
            if (st == ONR_STATUS_OK) stats.ran++;
            else stats.refused++;
            if (st != ONR_STATUS_OK && (must_run || getenv("ONR_TEST_VERBOSE")))
                fprintf(stderr, "%s: input %d dim %d = 0: %s: %s\n", dir, i, d,
                        onr_status_name(st), err.message);
            if (st != ONR_STATUS_OK && must_run) onr_test_failures++;
            if (st == ONR_STATUS_OK && must_run && d == 0)
                for (int k = 0; k < got.n; k++)
                    if (got.ref[k].rank == 0 || got.ref[k].dims[0] != 0) {
                        fprintf(stderr, "%s: batch 0 gives output %d with batch %lld\n", dir, k,
                                (long long)(got.ref[k].rank ? got.ref[k].dims[0] : -1));
                        onr_test_failures++;
                    }
            continue;
        }
        if (st != first_st || (st == ONR_STATUS_OK && !same_outputs(&first, &got))) {
            fprintf(stderr, "%s: input %d dim %d = 0: %d threads give %s, 1 thread %s%s\n", dir, i,
                    d, threads, onr_status_name(st), onr_status_name(first_st),
                    st == first_st ? " (outputs differ)" : "");
            onr_test_failures++;
        }
        outputs_free(&got);
    }
    outputs_free(&first);
    v->shape.dims[d] = declared;
    in[i].dims[d] = given;
    in[i].data = data;
    in[i].nbytes = nbytes;
}

static void check_case(const char *dir, bool must_run)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    struct onr_model *model = NULL;
    struct onr_error err;
    if (onr_model_load_file(path, &model, &err) != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        onr_test_failures++;
        return;
    }
    struct onr_tensor_ref in[MAX_INPUTS], named[MAX_INPUTS];
    memset(in, 0, sizeof in);
    const int n_in = read_inputs(dir, in, MAX_INPUTS);
    if (n_in != model->graph.n_inputs) {
        stats.skipped_cases++; /* inputs that are also initializers: not this test's subject */
    } else {
        /* Runs take the inputs by the graph's names (a .pb's may be empty). */
        for (int i = 0; i < n_in; i++) {
            named[i] = in[i];
            named[i].name = model->graph.values[model->graph.inputs[i]].name;
        }
        for (int i = 0; i < n_in; i++) {
            const struct onr_value *v = &model->graph.values[model->graph.inputs[i]];
            if (!v->has_shape || v->shape.rank != in[i].rank) continue;
            for (int d = 0; d < in[i].rank; d++)
                check_zero_dim(dir, model, named, n_in, i, d, must_run && i == 0 && d == 0);
        }
    }
    for (int i = 0; i < n_in; i++) onr_tensor_ref_free(&in[i]);
    onr_model_free(model);
}

/* Every folder of models/ that holds a model.onnx. */
static void check_stored_models(const char *root)
{
    DIR *dir = opendir(root);
    if (dir == NULL) {
        fprintf(stderr, "cannot open %s\n", root);
        onr_test_failures++;
        return;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/model.onnx", root, e->d_name);
        FILE *f = fopen(path, "rb");
        if (f == NULL) continue;
        fclose(f);
        snprintf(path, sizeof path, "%s/%s", root, e->d_name);
        check_case(path, true);
    }
    closedir(dir);
}

/* The folders listed in the backend test list (lines not starting with #). */
static void check_backend_list(const char *list)
{
    FILE *f = fopen(list, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", list);
        onr_test_failures++;
        return;
    }
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') continue;
        char dir[1200];
        snprintf(dir, sizeof dir, "%s/%s", BACKEND_DATA, line);
        check_case(dir, false);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        for (int k = 1; k < argc; k++) check_case(argv[k], false);
    } else {
        check_stored_models("../../models");
        DIR *probe = opendir(BACKEND_DATA "/node");
        if (probe != NULL) {
            closedir(probe);
            check_backend_list("../models/onnx_backend_tests.txt");
        } else {
            printf("ONNX backend data not installed at %s: only models/ checked\n", BACKEND_DATA);
        }
    }
    printf("zero-sized dims: %d cases (x 3 thread counts): %d ran, %d refused with a message; "
           "%d models skipped (inputs also initializers)\n",
           stats.cases, stats.ran, stats.refused, stats.skipped_cases);
    return onr_test_failures != 0;
}
