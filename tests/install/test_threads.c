/* The thread-safety contract of include/onnxrun.h: one model shared by 8
 * threads, each with its own session, all running at once, give bitwise
 * the outputs one session gives alone. Built with -DONR_TSAN=ON it runs
 * under ThreadSanitizer (sessions of 1 OpenMP thread there, see
 * CMakeLists.txt: libgomp is not instrumented).
 *
 *   test_threads SESSION_THREADS RUNS CASE_DIR... */
#include <pthread.h>
#include <string.h>

#include "api_util.h"

#define N_THREADS 8
#define MAX_CASES 8

struct test_case {
    struct onr_model *model;
    struct onr_tensor_ref input;
    const char *input_name;
    void *expected; /* one session's output, run alone */
    size_t nbytes;
};

struct worker {
    int id, session_threads, runs, n_cases;
    struct test_case *cases;
    int failures;
    char message[1200];
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int c = 0; c < w->n_cases && w->failures == 0; c++) {
        /* Start at a different case in each thread so that different models run at once. */
        struct test_case *tc = &w->cases[(c + w->id) % w->n_cases];
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.threads = w->session_threads;
        struct onr_session *s = NULL;
        struct onr_error err;
        enum onr_status st = onr_session_create(tc->model, &opt, &s, &err);
        for (int r = 0; r < w->runs && st == ONR_STATUS_OK; r++) {
            struct onr_tensor_ref out;
            st = onr_session_run(s, &tc->input, 1, &err);
            if (st == ONR_STATUS_OK) st = onr_session_output(s, 0, &out);
            if (st == ONR_STATUS_OK && (out.nbytes != tc->nbytes ||
                                        memcmp(out.data, tc->expected, tc->nbytes) != 0)) {
                snprintf(w->message, sizeof w->message, "thread %d run %d: output differs", w->id, r);
                w->failures++;
                break;
            }
        }
        if (st != ONR_STATUS_OK) {
            snprintf(w->message, sizeof w->message, "thread %d: %s: %s", w->id, onr_status_name(st),
                     err.message);
            w->failures++;
        }
        onr_session_free(s);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s SESSION_THREADS RUNS CASE_DIR...\n", argv[0]);
        return 2;
    }
    int session_threads = atoi(argv[1]), runs = atoi(argv[2]), n_cases = argc - 3;
    CHECK(n_cases <= MAX_CASES);
    struct test_case cases[MAX_CASES];
    struct onr_error err;
    for (int c = 0; c < n_cases; c++) {
        struct test_case *tc = &cases[c];
        char path[4096];
        snprintf(path, sizeof path, "%s/model.onnx", argv[3 + c]);
        CHECK(onr_model_load_file(path, &tc->model, &err) == ONR_STATUS_OK);
        api_read_tensor(argv[3 + c], "input_0.pb", &tc->input);
        tc->input_name = tc->input.name; /* owned by input: put back before freeing */
        tc->input.name = NULL;
        /* The reference: one session, alone, one thread. */
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.threads = 1;
        struct onr_session *s;
        struct onr_tensor_ref out;
        CHECK(onr_session_create(tc->model, &opt, &s, &err) == ONR_STATUS_OK);
        CHECK(onr_session_run(s, &tc->input, 1, &err) == ONR_STATUS_OK);
        CHECK(onr_session_output(s, 0, &out) == ONR_STATUS_OK);
        tc->nbytes = out.nbytes;
        tc->expected = malloc(out.nbytes);
        CHECK(tc->expected != NULL);
        memcpy(tc->expected, out.data, out.nbytes);
        onr_session_free(s);
    }
    pthread_t tid[N_THREADS];
    struct worker w[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (struct worker){.id = t, .session_threads = session_threads, .runs = runs,
                               .n_cases = n_cases, .cases = cases};
        CHECK(pthread_create(&tid[t], NULL, work, &w[t]) == 0);
    }
    int failures = 0;
    for (int t = 0; t < N_THREADS; t++) {
        CHECK(pthread_join(tid[t], NULL) == 0);
        if (w[t].failures) fprintf(stderr, "FAIL: %s\n", w[t].message);
        failures += w[t].failures;
    }
    for (int c = 0; c < n_cases; c++) {
        free(cases[c].expected);
        cases[c].input.name = cases[c].input_name;
        onr_tensor_ref_free(&cases[c].input);
        onr_model_free(cases[c].model);
    }
    if (failures) return 1;
    printf("ok: %d threads x %d cases x %d runs, sessions of %d threads, bitwise equal\n",
           N_THREADS, n_cases, runs, session_threads);
    return 0;
}
