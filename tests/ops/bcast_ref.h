/* Helpers for the tests of the broadcasting and any-dtype operators
 * (test_compare.c, test_variadic.c, test_expand_tile.c ...): numpy's
 * broadcast index written out element by element (no merged plan, so it
 * checks the operators' plans), typed fills and reads. Header-only. */
#ifndef ONR_TEST_BCAST_REF_H
#define ONR_TEST_BCAST_REF_H

#include <math.h>

#include "shapeops_util.h"

/* Flat index into a tensor of shape `in` of the element that output
 * element i (of shape `out`) reads under numpy broadcasting. */
static inline int64_t br_index(const struct onr_shape *out, const struct onr_shape *in, int64_t i)
{
    int64_t idx = 0, stride = 1;
    for (int d = out->rank - 1, e = in->rank - 1; d >= 0; d--, e--) {
        const int64_t c = i % out->dims[d];
        i /= out->dims[d];
        if (e < 0) continue;
        if (in->dims[e] != 1) idx += c * stride;
        stride *= in->dims[e];
    }
    return idx;
}

static inline struct onr_shape br_shape(int rank, const int64_t *dims)
{
    struct onr_shape s = {.rank = rank};
    for (int i = 0; i < rank; i++) s.dims[i] = dims[i];
    return s;
}

/* Element i of t as a double (every stored dtype but float16/string). */
static inline double br_get(const struct onr_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case ONR_DTYPE_FLOAT: return ((const float *)t->data)[i];
    case ONR_DTYPE_DOUBLE: return ((const double *)t->data)[i];
    case ONR_DTYPE_INT8: return ((const int8_t *)t->data)[i];
    case ONR_DTYPE_INT16: return ((const int16_t *)t->data)[i];
    case ONR_DTYPE_INT32: return ((const int32_t *)t->data)[i];
    case ONR_DTYPE_INT64: return (double)((const int64_t *)t->data)[i];
    case ONR_DTYPE_UINT8: case ONR_DTYPE_BOOL: return ((const uint8_t *)t->data)[i];
    case ONR_DTYPE_UINT16: return ((const uint16_t *)t->data)[i];
    case ONR_DTYPE_UINT32: return ((const uint32_t *)t->data)[i];
    case ONR_DTYPE_UINT64: return (double)((const uint64_t *)t->data)[i];
    default: return NAN;
    }
}

static inline void br_set(struct onr_tensor *t, int64_t i, double v)
{
    switch (t->dtype) {
    case ONR_DTYPE_FLOAT: ((float *)t->data)[i] = (float)v; break;
    case ONR_DTYPE_DOUBLE: ((double *)t->data)[i] = v; break;
    case ONR_DTYPE_INT8: ((int8_t *)t->data)[i] = (int8_t)v; break;
    case ONR_DTYPE_INT16: ((int16_t *)t->data)[i] = (int16_t)v; break;
    case ONR_DTYPE_INT32: ((int32_t *)t->data)[i] = (int32_t)v; break;
    case ONR_DTYPE_INT64: ((int64_t *)t->data)[i] = (int64_t)v; break;
    case ONR_DTYPE_UINT8: case ONR_DTYPE_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
    case ONR_DTYPE_UINT16: ((uint16_t *)t->data)[i] = (uint16_t)v; break;
    case ONR_DTYPE_UINT32: ((uint32_t *)t->data)[i] = (uint32_t)v; break;
    case ONR_DTYPE_UINT64: ((uint64_t *)t->data)[i] = (uint64_t)v; break;
    default: break;
    }
}

/* Allocates t as dtype/shape filled with integers in [lo, hi] (small
 * ranges make ties, so == and >= are exercised) from a seed. */
static inline void br_tensor(struct onr_tensor *t, enum onr_dtype dtype, int rank,
                             const int64_t *dims, uint64_t seed, int lo, int hi)
{
    so_tensor(t, dtype, rank, dims, NULL);
    const int64_t n = onr_shape_numel(&t->shape);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int64_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        br_set(t, i, lo + (double)(s % (uint64_t)(hi - lo + 1)));
    }
}

/* Runs n on x into *y with `threads`; returns 1 on success (else counts a
 * failure). */
static inline int br_run(const char *what, const struct oh_node *n, int64_t opset, int threads,
                         unsigned const_mask, struct onr_tensor **x, int n_x, struct onr_tensor *y)
{
    struct oh_opts o = {.opset = opset, .threads = threads, .const_mask = const_mask};
    struct onr_error err = {{0}};
    struct onr_tensor *out[1] = {y};
    memset(y, 0, sizeof *y);
    enum onr_status st = oh_run(n, &o, x, n_x, out, 1, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, onr_status_name(st), err.message);
        onr_test_failures++;
        onr_tensor_free(y);
        return 0;
    }
    return 1;
}

/* Same shape, dtype and bytes. */
static inline int br_same_bytes(const char *what, const struct onr_tensor *a,
                                const struct onr_tensor *b)
{
    if (a->dtype != b->dtype || !onr_shape_equal(&a->shape, &b->shape) || a->nbytes != b->nbytes ||
        (a->nbytes && memcmp(a->data, b->data, a->nbytes) != 0)) {
        fprintf(stderr, "%s: outputs differ\n", what);
        onr_test_failures++;
        return 0;
    }
    return 1;
}

#endif
