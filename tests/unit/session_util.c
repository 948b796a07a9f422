/* Helpers of the session tests (session_util.h). */
#include "session_util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct onr_error su_err;

/* Counts a failure, printing the status and message, unless got == want. */
int su_expect(enum onr_status got, enum onr_status want, const char *what)
{
    if (got == want) {
        if (want != ONR_STATUS_OK && getenv("ONR_TEST_VERBOSE") != NULL)
            fprintf(stderr, "  %s: %s\n", what, su_err.message);
        return 1;
    }
    fprintf(stderr, "%s: got %s, expected %s (message: \"%s\")\n", what, onr_status_name(got),
            onr_status_name(want), su_err.message);
    onr_test_failures++;
    return 0;
}

void su_expect_in_message(const char *what, const char *needle)
{
    if (strstr(su_err.message, needle) != NULL) return;
    fprintf(stderr, "%s: message \"%s\" does not contain \"%s\"\n", what, su_err.message, needle);
    onr_test_failures++;
}

struct onr_model *su_load(struct mb_model *b)
{
    struct onr_model *model = NULL;
    su_err.message[0] = '\0';
    su_expect(mb_load(b, &model, &su_err), ONR_STATUS_OK, "loading a built model");
    mb_free(b);
    return model;
}

struct onr_session *su_create(const struct onr_model *model,
                                  const struct onr_session_options *opt, const char *what)
{
    struct onr_session *s = NULL;
    su_err.message[0] = '\0';
    if (model != NULL) su_expect(onr_session_create(model, opt, &s, &su_err), ONR_STATUS_OK, what);
    return s;
}

struct onr_tensor_ref su_tensor_ref(const char *name, enum onr_dtype dtype, int rank,
                                        const int64_t *dims, const void *data)
{
    struct onr_tensor_ref r = {.name = name, .dtype = dtype, .rank = rank, .data = data};
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        r.dims[i] = dims[i];
        n *= (size_t)dims[i];
    }
    r.nbytes = n * onr_dtype_size(dtype);
    return r;
}

enum onr_status su_run(struct onr_session *s, const struct onr_tensor_ref *in, int n)
{
    su_err.message[0] = '\0';
    return onr_session_run(s, in, n, &su_err);
}

/* Output `index` of the last run if it is float32 of exactly `dims`; else NULL. */
const float *su_output_f32(const struct onr_session *s, int index, int rank,
                               const int64_t *dims, const char *what)
{
    struct onr_tensor_ref out;
    if (!su_expect(onr_session_output(s, index, &out), ONR_STATUS_OK, what)) return NULL;
    bool same = out.dtype == ONR_DTYPE_FLOAT && out.rank == rank && out.data != NULL;
    for (int i = 0; same && i < rank; i++) same = out.dims[i] == dims[i];
    if (same) return out.data;
    fprintf(stderr, "%s: output %d is %s rank %d (", what, index, onr_dtype_name(out.dtype),
            out.rank);
    for (int i = 0; i < out.rank; i++) fprintf(stderr, "%s%lld", i ? "x" : "", (long long)out.dims[i]);
    fprintf(stderr, "), expected float32 (");
    for (int i = 0; i < rank; i++) fprintf(stderr, "%s%lld", i ? "x" : "", (long long)dims[i]);
    fprintf(stderr, ")\n");
    onr_test_failures++;
    return NULL;
}

void su_relu_ref(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
