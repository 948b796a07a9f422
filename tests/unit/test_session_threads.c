/* Sessions and threads: one model shared by 8 threads that each create,
 * run and free their own sessions, over and over, must give every thread
 * the single-thread output bitwise; and two threads running one session at
 * the same time get either a run or a refusal (INVALID_ARGUMENT with a
 * message), never a corrupted output. Meant for the ThreadSanitizer build
 * too. Usage: test_session_threads [MODEL_DIR] (default: the notebook's
 * block in models/). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/onnxrun.h"
#include "testutil.h"

#define THREADS 8
#define ROUNDS 6

static struct onr_model *model;
static struct onr_tensor_ref input;
static void *expected;
static size_t expected_bytes;
static atomic_int failures, refusals, runs;

static int run_and_check(struct onr_session *s, struct onr_error *err, int allow_refusal)
{
    enum onr_status st = onr_session_run(s, &input, 1, err);
    if (st == ONR_STATUS_INVALID_ARGUMENT && allow_refusal && strstr(err->message, "another thread")) {
        atomic_fetch_add(&refusals, 1);
        return 0;
    }
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "run: %s: %s\n", onr_status_name(st), err->message);
        return 1;
    }
    atomic_fetch_add(&runs, 1);
    struct onr_tensor_ref out;
    if (onr_session_output(s, 0, &out) != ONR_STATUS_OK || out.nbytes != expected_bytes) return 1;
    /* A refused caller never reads outputs; the one that ran reads its own
     * before anyone else may run again only in the shared-session case,
     * where the comparison below is done by the owner thread alone. */
    return memcmp(out.data, expected, expected_bytes) != 0;
}

/* Its own sessions on the shared model: created, run twice, freed. */
static void *own_sessions(void *arg)
{
    /* OpenMP teams of 1 and 2; only 1 under ThreadSanitizer, which does not
     * see libgomp's barriers (ONR_TEST_ONE_THREAD=1). */
    const int threads = getenv("ONR_TEST_ONE_THREAD") ? 1 : 1 + (int)(intptr_t)arg % 2;
    for (int r = 0; r < ROUNDS; r++) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.threads = threads;
        struct onr_session *s = NULL;
        struct onr_error err;
        if (onr_session_create(model, &opt, &s, &err) != ONR_STATUS_OK) {
            fprintf(stderr, "create: %s\n", err.message);
            atomic_fetch_add(&failures, 1);
            continue;
        }
        for (int k = 0; k < 2; k++)
            if (run_and_check(s, &err, 0)) atomic_fetch_add(&failures, 1);
        onr_session_free(s);
    }
    return NULL;
}

/* Two threads on one session: each run either completes or is refused. */
static struct onr_session *shared;
static atomic_int go;

static void *shared_session(void *arg)
{
    (void)arg;
    while (!atomic_load(&go)) {
    }
    for (int r = 0; r < 200; r++) {
        struct onr_error err;
        enum onr_status st = onr_session_run(shared, &input, 1, &err);
        if (st == ONR_STATUS_OK) atomic_fetch_add(&runs, 1);
        else if (st == ONR_STATUS_INVALID_ARGUMENT && strstr(err.message, "another thread"))
            atomic_fetch_add(&refusals, 1);
        else {
            fprintf(stderr, "shared run: %s: %s\n", onr_status_name(st), err.message);
            atomic_fetch_add(&failures, 1);
        }
    }
    return NULL;
}


int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../../models/dwsep_32x64_64x64";
    char path[1024];
    struct onr_error err;
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    if (onr_model_load_file(path, &model, &err) != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        return 1;
    }
    snprintf(path, sizeof path, "%s/test_data_set_0/input_0.pb", dir);
    size_t size;
    void *pb = onr_test_read_file(path, &size);
    if (pb == NULL || onr_tensor_parse_pb(pb, size, &input, &err) != ONR_STATUS_OK) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    free(pb);
    const char *pb_name = input.name;
    input.name = NULL; /* by position */

    /* The reference: one session, one thread. */
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = 1;
    struct onr_session *s;
    CHECK_STATUS(onr_session_create(model, &opt, &s, &err), ONR_STATUS_OK);
    CHECK_STATUS(onr_session_run(s, &input, 1, &err), ONR_STATUS_OK);
    struct onr_tensor_ref out;
    CHECK_STATUS(onr_session_output(s, 0, &out), ONR_STATUS_OK);
    expected_bytes = out.nbytes;
    expected = malloc(out.nbytes);
    memcpy(expected, out.data, out.nbytes);
    onr_session_free(s);

    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, own_sessions, (void *)(intptr_t)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    printf("%d threads x %d sessions on one model: %d runs, %d failures\n", THREADS, ROUNDS,
           atomic_load(&runs), atomic_load(&failures));
    CHECK(atomic_load(&failures) == 0);
    CHECK(atomic_load(&runs) == THREADS * ROUNDS * 2);

    atomic_store(&runs, 0);
    CHECK_STATUS(onr_session_create(model, &opt, &shared, &err), ONR_STATUS_OK);
    pthread_t a, b;
    pthread_create(&a, NULL, shared_session, NULL);
    pthread_create(&b, NULL, shared_session, NULL);
    atomic_store(&go, 1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("two threads on one session: %d runs, %d refused, %d failures\n", atomic_load(&runs),
           atomic_load(&refusals), atomic_load(&failures));
    CHECK(atomic_load(&failures) == 0);
    CHECK(atomic_load(&runs) + atomic_load(&refusals) == 400);
    /* After the contention the session still computes the same output. */
    CHECK(run_and_check(shared, &err, 0) == 0);
    onr_session_free(shared);

    free(expected);
    input.name = pb_name;
    onr_tensor_ref_free(&input);
    onr_model_free(model);
    return onr_test_failures != 0 || atomic_load(&failures) != 0;
}
