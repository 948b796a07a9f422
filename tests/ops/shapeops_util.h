/* Small helpers for the shape-operator tests (test_reshape.c, test_slice.c
 * ...): typed tensors, an iota fill, shape checks and a one-output run that
 * reports failures. Header-only so each test program stays one file. */
#ifndef ONR_TEST_SHAPEOPS_UTIL_H
#define ONR_TEST_SHAPEOPS_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

/* Allocates t (zeroed first) as dtype/dims and copies data when given. */
static inline void so_tensor(struct onr_tensor *t, enum onr_dtype dtype, int rank,
                             const int64_t *dims, const void *data)
{
    struct onr_shape s = {.rank = rank};
    for (int i = 0; i < rank; i++) s.dims[i] = dims[i];
    memset(t, 0, sizeof *t);
    if (onr_tensor_alloc(t, dtype, &s, NULL) != ONR_STATUS_OK) {
        fprintf(stderr, "so_tensor: cannot allocate\n");
        exit(2);
    }
    if (data != NULL && t->nbytes) memcpy(t->data, data, t->nbytes);
}

/* A 1-D int64 tensor of n values. */
static inline void so_ints(struct onr_tensor *t, int n, const int64_t *v)
{
    const int64_t dims[1] = {n};
    so_tensor(t, ONR_DTYPE_INT64, 1, dims, v);
}

/* Element i is i + base (float32, int64 or int32 data). */
static inline void so_iota(struct onr_tensor *t, int64_t base)
{
    const int64_t n = onr_shape_numel(&t->shape);
    for (int64_t i = 0; i < n; i++) {
        if (t->dtype == ONR_DTYPE_FLOAT) ((float *)t->data)[i] = (float)(i + base);
        if (t->dtype == ONR_DTYPE_INT64) ((int64_t *)t->data)[i] = i + base;
        if (t->dtype == ONR_DTYPE_INT32) ((int32_t *)t->data)[i] = (int32_t)(i + base);
    }
}

static inline int so_shape_is(const struct onr_tensor *t, int rank, const int64_t *dims)
{
    if (t->shape.rank != rank) return 0;
    for (int i = 0; i < rank; i++)
        if (t->shape.dims[i] != dims[i]) return 0;
    return 1;
}

/* Runs n with one output into *y (zeroed first); prints and counts a
 * failure when it does not succeed. Returns 1 on success. */
static inline int so_run(const char *what, const struct oh_node *n, int64_t opset,
                         unsigned const_mask, struct onr_tensor **x, int n_x, struct onr_tensor *y)
{
    struct oh_opts o = {.opset = opset, .const_mask = const_mask};
    struct onr_error err = {{0}};
    struct onr_tensor *out[1] = {y};
    memset(y, 0, sizeof *y);
    enum onr_status st = oh_run(n, &o, x, n_x, out, 1, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, onr_status_name(st), err.message);
        onr_test_failures++;
        return 0;
    }
    return 1;
}

/* Compares y's shape and bytes with the expected ones. */
static inline void so_expect(const char *what, const struct onr_tensor *y, enum onr_dtype dtype,
                             int rank, const int64_t *dims, const void *bytes)
{
    if (y->dtype != dtype || !so_shape_is(y, rank, dims)) {
        char got[128];
        onr_shape_format(&y->shape, got, sizeof got);
        fprintf(stderr, "%s: got %s %s, expected %s rank %d\n", what, onr_dtype_name(y->dtype), got,
                onr_dtype_name(dtype), rank);
        onr_test_failures++;
        return;
    }
    if (y->nbytes && memcmp(y->data, bytes, y->nbytes) != 0) {
        fprintf(stderr, "%s: wrong values\n", what);
        onr_test_failures++;
    }
}

#endif
