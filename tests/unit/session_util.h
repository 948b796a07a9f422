/* Helpers shared by the session tests (test_session_*.c): load and create
 * with the failures counted, tensor refs, runs and typed outputs. Each
 * call clears su_err's message first; a failure prints the status and
 * message and counts in onr_test_failures. */
#ifndef ONR_TEST_SESSION_UTIL_H
#define ONR_TEST_SESSION_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "model_builder.h"

/* The error every helper passes to the library. */
extern struct onr_error su_err;

/* Counts a failure, printing the status and message, unless got == want;
 * returns got == want. */
int su_expect(enum onr_status got, enum onr_status want, const char *what);
/* Counts a failure unless su_err's message contains needle. */
void su_expect_in_message(const char *what, const char *needle);
/* Loads and frees b; NULL (a failure counted) when loading fails. */
struct onr_model *su_load(struct mb_model *b);
/* A session on model (NULL: none, nothing counted); NULL when it fails. */
struct onr_session *su_create(const struct onr_model *model,
                              const struct onr_session_options *opt, const char *what);
/* A ref to data of dims; nbytes from the dims and dtype. */
struct onr_tensor_ref su_tensor_ref(const char *name, enum onr_dtype dtype, int rank,
                                    const int64_t *dims, const void *data);
enum onr_status su_run(struct onr_session *s, const struct onr_tensor_ref *in, int n);
/* Output `index` of the last run if it is float32 of exactly `dims`; else
 * NULL (a failure counted). */
const float *su_output_f32(const struct onr_session *s, int index, int rank,
                           const int64_t *dims, const char *what);
void su_relu_ref(float *y, const float *x, size_t n);

#endif
