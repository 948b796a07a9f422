/* Small helpers shared by the C tests: deterministic random data, a
 * tolerance comparison that reports the worst element, and CHECK macros
 * that count failures (each test's main returns onr_test_failures != 0). */
#ifndef ONR_TESTUTIL_H
#define ONR_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern int onr_test_failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            onr_test_failures++;                                             \
        }                                                                    \
    } while (0)

#define CHECK_STATUS(expr, want)                                               \
    do {                                                                       \
        enum onr_status got_ = (expr);                                         \
        if (got_ != (want)) {                                                  \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__,  \
                    __LINE__, #expr, onr_status_name(got_),                    \
                    onr_status_name(want));                                    \
            onr_test_failures++;                                               \
        }                                                                      \
    } while (0)

/* Deterministic uniform floats in [lo, hi) from a seed (xorshift). */
void onr_test_fill(float *x, size_t n, uint64_t seed, float lo, float hi);

/* |got - ref| <= atol + rtol*|ref| for every element. On failure prints
 * `what`, the worst element's index, values and error, and returns 0. */
int onr_test_close(const char *what, const float *got, const float *ref, size_t n,
                   float atol, float rtol);
/* Bitwise equality; prints the first difference. */
int onr_test_bitwise(const char *what, const float *a, const float *b, size_t n);

/* A whole file in a malloc'd buffer (*size bytes), or NULL. */
void *onr_test_read_file(const char *path, size_t *size);

/* Default kernel tolerance: 1e-5 + 1e-4*|ref| (float32 sums of a few
 * hundred products in a different order). */
#define ONR_TEST_ATOL 1e-5f
#define ONR_TEST_RTOL 1e-4f

#endif
