/* Tensor storage, shapes and dtype facts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "tensor.h"

const char *onr_dtype_name(enum onr_dtype dtype)
{
    switch (dtype) {
    case ONR_DTYPE_UNDEFINED: return "undefined";
    case ONR_DTYPE_FLOAT: return "float32";
    case ONR_DTYPE_UINT8: return "uint8";
    case ONR_DTYPE_INT8: return "int8";
    case ONR_DTYPE_UINT16: return "uint16";
    case ONR_DTYPE_INT16: return "int16";
    case ONR_DTYPE_INT32: return "int32";
    case ONR_DTYPE_INT64: return "int64";
    case ONR_DTYPE_STRING: return "string";
    case ONR_DTYPE_BOOL: return "bool";
    case ONR_DTYPE_FLOAT16: return "float16";
    case ONR_DTYPE_DOUBLE: return "float64";
    case ONR_DTYPE_UINT32: return "uint32";
    case ONR_DTYPE_UINT64: return "uint64";
    }
    return "unknown";
}

size_t onr_dtype_size(enum onr_dtype dtype)
{
    switch (dtype) {
    case ONR_DTYPE_UINT8: case ONR_DTYPE_INT8: case ONR_DTYPE_BOOL: return 1;
    case ONR_DTYPE_UINT16: case ONR_DTYPE_INT16: case ONR_DTYPE_FLOAT16: return 2;
    case ONR_DTYPE_FLOAT: case ONR_DTYPE_INT32: case ONR_DTYPE_UINT32: return 4;
    case ONR_DTYPE_INT64: case ONR_DTYPE_DOUBLE: case ONR_DTYPE_UINT64: return 8;
    default: return 0;
    }
}

int64_t onr_shape_numel(const struct onr_shape *shape)
{
    int64_t n = 1;
    for (int i = 0; i < shape->rank; i++) n *= shape->dims[i];
    return n;
}

enum onr_status onr_shape_check(const struct onr_shape *shape, enum onr_dtype dtype,
                                size_t *nbytes, struct onr_error *err)
{
    char buf[128];
    if (shape->rank < 0 || shape->rank > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "rank %d is outside 0..%d",
                             shape->rank, ONR_MAX_RANK);
    size_t elem = onr_dtype_size(dtype);
    if (elem == 0)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "data type %s (%d) is not supported",
                             onr_dtype_name(dtype), (int)dtype);
    int64_t n = 1;
    for (int i = 0; i < shape->rank; i++) {
        if (shape->dims[i] < 0) {
            onr_shape_format(shape, buf, sizeof buf);
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "shape %s has a negative or unknown dim %d", buf, i);
        }
        if (onr_mul_overflow_i64(n, shape->dims[i], &n)) goto overflow;
    }
    size_t bytes;
    if ((uint64_t)n > SIZE_MAX || onr_mul_overflow_size((size_t)n, elem, &bytes) ||
        bytes > (size_t)INT64_MAX / 2)
        goto overflow;
    if (nbytes != NULL) *nbytes = bytes;
    return ONR_STATUS_OK;
overflow:
    onr_shape_format(shape, buf, sizeof buf);
    return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                         "shape %s of %s: size overflows", buf, onr_dtype_name(dtype));
}

bool onr_shape_equal(const struct onr_shape *a, const struct onr_shape *b)
{
    if (a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return true;
}

void onr_shape_format(const struct onr_shape *shape, char *buf, size_t size)
{
    if (size == 0) return;
    buf[0] = '\0';
    if (shape->rank == 0) {
        snprintf(buf, size, "scalar");
        return;
    }
    size_t used = 0;
    for (int i = 0; i < shape->rank && used < size; i++) {
        int n;
        if (shape->dims[i] < 0)
            n = snprintf(buf + used, size - used, "%s?", i ? "x" : "");
        else
            n = snprintf(buf + used, size - used, "%s%lld", i ? "x" : "",
                         (long long)shape->dims[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
}

/* Per thread: sessions on different threads prepare independently. */
static _Thread_local struct onr_mem_budget *current_budget;

void onr_mem_budget_enter(struct onr_mem_budget *budget) { current_budget = budget; }
void onr_mem_budget_leave(void) { current_budget = NULL; }
struct onr_mem_budget *onr_mem_budget_current(void) { return current_budget; }

void *onr_aligned_alloc(size_t bytes)
{
    void *p = NULL;
    if (bytes == 0) bytes = 64;
    struct onr_mem_budget *b = current_budget;
    if (b != NULL && b->cap > 0 && (bytes > b->cap || b->used > b->cap - bytes)) {
        if (b->refused == 0) b->refused = bytes;
        return NULL;
    }
    if (posix_memalign(&p, 64, bytes) != 0) return NULL;
    if (b != NULL) b->used += bytes;
    return p;
}

void onr_aligned_free(void *p)
{
    free(p);
}

enum onr_status onr_tensor_alloc(struct onr_tensor *t, enum onr_dtype dtype,
                                 const struct onr_shape *shape, struct onr_error *err)
{
    size_t nbytes;
    enum onr_status st = onr_shape_check(shape, dtype, &nbytes, err);
    if (st != ONR_STATUS_OK) return st;
    void *data = onr_aligned_alloc(nbytes);
    if (data == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "cannot allocate %zu bytes", nbytes);
    memset(data, 0, nbytes);
    t->dtype = dtype;
    t->shape = *shape;
    t->data = data;
    t->nbytes = nbytes;
    t->owned = true;
    return ONR_STATUS_OK;
}

enum onr_status onr_tensor_copy(struct onr_tensor *dst, const struct onr_tensor *src,
                                struct onr_error *err)
{
    struct onr_tensor t = {0};
    enum onr_status st = onr_tensor_alloc(&t, src->dtype, &src->shape, err);
    if (st != ONR_STATUS_OK) return st;
    if (src->nbytes) memcpy(t.data, src->data, src->nbytes);
    *dst = t;
    return ONR_STATUS_OK;
}

void onr_tensor_free(struct onr_tensor *t)
{
    if (t->owned) onr_aligned_free(t->data);
    memset(t, 0, sizeof *t);
}
