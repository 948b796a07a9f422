/* Tensors: a dtype, a shape and a pointer. float32 is the compute type;
 * int64 carries shapes and indices. */
#ifndef ONR_TENSOR_H
#define ONR_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "onnxrun.h"

/* Dims are >= 0 once concrete. In declared (graph) shapes a dim < 0 is
 * symbolic or unknown. */
struct onr_shape {
    int rank;
    int64_t dims[ONR_MAX_RANK];
};

struct onr_tensor {
    enum onr_dtype dtype;
    struct onr_shape shape;
    void *data;      /* NULL until allocated or planned */
    size_t nbytes;   /* numel * dtype size */
    bool owned;      /* data is freed by onr_tensor_free */
};

/* Product of dims; the shape must have been validated (onr_shape_check). */
int64_t onr_shape_numel(const struct onr_shape *shape);
/* Checks dims are >= 0 and numel * dtype size fits; sets *nbytes. */
enum onr_status onr_shape_check(const struct onr_shape *shape, enum onr_dtype dtype,
                                size_t *nbytes, struct onr_error *err);
bool onr_shape_equal(const struct onr_shape *a, const struct onr_shape *b);
/* "1x32x64x64" ("scalar" for rank 0); symbolic dims print as '?'. */
void onr_shape_format(const struct onr_shape *shape, char *buf, size_t size);

/* Allocates zeroed, owned storage for dtype/shape. */
enum onr_status onr_tensor_alloc(struct onr_tensor *t, enum onr_dtype dtype,
                                 const struct onr_shape *shape,
                                 struct onr_error *err);
/* Deep copy into dst (owned). */
enum onr_status onr_tensor_copy(struct onr_tensor *dst, const struct onr_tensor *src,
                                struct onr_error *err);
/* Frees owned data and resets the tensor; safe on a zeroed tensor. */
void onr_tensor_free(struct onr_tensor *t);

/* Aligned allocation for kernels (64-byte aligned; free with onr_aligned_free).
 * Inside a memory budget (below) it fails once the budget would be exceeded. */
void *onr_aligned_alloc(size_t bytes);
void onr_aligned_free(void *p);

/* A session's memory cap while it prepares: every onr_aligned_alloc of the
 * calling thread between enter and leave (packed weights, folded constants,
 * the arena, the workspace) is added to `used`, and one that would take it
 * past `cap` (when cap > 0) fails and is recorded in `refused`. Frees are
 * not subtracted, so `used` bounds the peak from above. */
struct onr_mem_budget {
    size_t cap;
    size_t used;
    size_t refused;  /* bytes of the first allocation refused, or 0 */
};
void onr_mem_budget_enter(struct onr_mem_budget *budget);
void onr_mem_budget_leave(void);
/* The calling thread's budget, or NULL outside one. */
struct onr_mem_budget *onr_mem_budget_current(void);

#endif
