/* Allocation failure anywhere: for N = 1, 2, ... the Nth allocation the
 * library makes (malloc, calloc, realloc, posix_memalign, strdup; wrapped at
 * link time with -Wl,--wrap) fails, while a model is loaded, a session is
 * created at 1 and 2 threads and run. Each N must end in a status with a
 * message (OUT_OF_MEMORY, or INVALID_ARGUMENT when the loader's failure
 * leaves no model) and free what was allocated (the sanitizer build runs
 * this under LeakSanitizer); once N passes the number of allocations the
 * run succeeds and its output equals an unhindered run's, bitwise.
 * Also the session memory cap (onr_session_options.max_memory): a cap below
 * the need refuses with OUT_OF_MEMORY naming the cap, one above runs.
 *
 * Usage: test_alloc_failure MODEL_DIR...  (each with model.onnx and
 * test_data_set_0/input_0.pb) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/onnxrun.h"
#include "testutil.h"

/* ---- the failing allocator ---- */
static long alloc_count, fail_at; /* fail_at 0: never fail */

static int should_fail(void)
{
    return fail_at > 0 && ++alloc_count == fail_at;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
char *__real_strdup(const char *s);

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return should_fail() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }
int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    return should_fail() ? 12 /* ENOMEM */ : __real_posix_memalign(p, align, n);
}
char *__wrap_strdup(const char *s) { return should_fail() ? NULL : __real_strdup(s); }

/* ---- one attempt ---- */
struct attempt {
    enum onr_status st;
    char message[1024];
    size_t out_bytes;
    void *out; /* a copy of output 0 on success (real malloc) */
};

static void attempt_run(const void *model_bytes, size_t model_size, const struct onr_tensor_ref *in,
                        int threads, size_t max_memory, struct attempt *a)
{
    struct onr_error err = {0};
    struct onr_model *model = NULL;
    struct onr_session *s = NULL;
    memset(a, 0, sizeof *a);
    a->st = onr_model_load_buffer(model_bytes, model_size, &model, &err);
    if (a->st == ONR_STATUS_OK) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.threads = threads;
        opt.max_memory = max_memory;
        a->st = onr_session_create(model, &opt, &s, &err);
    }
    if (a->st == ONR_STATUS_OK) a->st = onr_session_run(s, in, 1, &err);
    if (a->st == ONR_STATUS_OK) {
        struct onr_tensor_ref out;
        a->st = onr_session_output(s, 0, &out);
        if (a->st == ONR_STATUS_OK) {
            a->out_bytes = out.nbytes;
            a->out = __real_malloc(out.nbytes ? out.nbytes : 1);
            if (a->out != NULL) memcpy(a->out, out.data, out.nbytes);
        }
    }
    snprintf(a->message, sizeof a->message, "%s", err.message);
    onr_session_free(s);
    onr_model_free(model);
}


/* Every N until the run succeeds, at `threads` threads. */
static void fail_each_allocation(const char *dir, const void *model, size_t size,
                                 const struct onr_tensor_ref *in, int threads,
                                 const struct attempt *good)
{
    long n = 1, refused = 0;
    for (;; n++) {
        struct attempt a;
        alloc_count = 0;
        fail_at = n;
        attempt_run(model, size, in, threads, 0, &a);
        fail_at = 0;
        if (alloc_count < n) { /* no allocation failed: the run is whole */
            if (a.st != ONR_STATUS_OK || a.out_bytes != good->out_bytes ||
                memcmp(a.out, good->out, good->out_bytes) != 0) {
                fprintf(stderr, "%s: %d threads: unhindered run gives %s (%s) or other outputs\n",
                        dir, threads, onr_status_name(a.st), a.message);
                onr_test_failures++;
            }
            free(a.out);
            break;
        }
        refused++;
        /* A path that does without the allocation is fine if its output is. */
        const bool same = a.st == ONR_STATUS_OK && a.out_bytes == good->out_bytes &&
                          memcmp(a.out, good->out, good->out_bytes) == 0;
        if ((a.st == ONR_STATUS_OK && !same) || (a.st != ONR_STATUS_OK && a.message[0] == '\0')) {
            fprintf(stderr, "%s: %d threads, allocation %ld fails: status %s, message '%s'\n", dir,
                    threads, n, onr_status_name(a.st), a.message);
            onr_test_failures++;
        }
        free(a.out);
        if (n > 200000) {
            fprintf(stderr, "%s: more than 200000 allocations?\n", dir);
            onr_test_failures++;
            break;
        }
    }
    printf("%s: %d threads: %ld allocations, each failed once: clean errors\n", dir, threads,
           refused);
}

static void check_memory_cap(const char *dir, const void *model, size_t size,
                             const struct onr_tensor_ref *in)
{
    struct attempt a;
    attempt_run(model, size, in, 1, 4096, &a);
    if (a.st != ONR_STATUS_OUT_OF_MEMORY || strstr(a.message, "memory cap") == NULL) {
        fprintf(stderr, "%s: a 4 KiB cap gives %s: '%s', expected OUT_OF_MEMORY naming the cap\n",
                dir, onr_status_name(a.st), a.message);
        onr_test_failures++;
    }
    free(a.out);
    attempt_run(model, size, in, 1, (size_t)1 << 30, &a);
    if (a.st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: a 1 GiB cap gives %s: %s\n", dir, onr_status_name(a.st), a.message);
        onr_test_failures++;
    }
    free(a.out);
}

int main(int argc, char **argv)
{
    for (int k = 1; k < argc; k++) {
        char path[1024];
        size_t model_size, in_size;
        snprintf(path, sizeof path, "%s/model.onnx", argv[k]);
        void *model = onr_test_read_file(path, &model_size);
        snprintf(path, sizeof path, "%s/test_data_set_0/input_0.pb", argv[k]);
        void *in_bytes = onr_test_read_file(path, &in_size);
        struct onr_tensor_ref in;
        struct onr_error err;
        if (model == NULL || in_bytes == NULL ||
            onr_tensor_parse_pb(in_bytes, in_size, &in, &err) != ONR_STATUS_OK) {
            fprintf(stderr, "%s: cannot read the model or its input\n", argv[k]);
            onr_test_failures++;
            free(model);
            free(in_bytes);
            continue;
        }
        for (int threads = 1; threads <= 2; threads++) {
            struct attempt good;
            attempt_run(model, model_size, &in, threads, 0, &good);
            if (good.st != ONR_STATUS_OK) {
                fprintf(stderr, "%s: %s\n", argv[k], good.message);
                onr_test_failures++;
            } else {
                fail_each_allocation(argv[k], model, model_size, &in, threads, &good);
            }
            free(good.out);
        }
        check_memory_cap(argv[k], model, model_size, &in);
        onr_tensor_ref_free(&in);
        free(model);
        free(in_bytes);
    }
    return onr_test_failures != 0;
}
