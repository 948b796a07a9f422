/* Helpers shared by the shape operators (reshape.c, slice.c, gather.c ...):
 * axis normalisation, constant int lists read from an input tensor, and a
 * strided N-D copy. Every value read from a tensor is range-checked. */
#ifndef ONR_OPS_SHAPE_UTIL_H
#define ONR_OPS_SHAPE_UTIL_H

#include "op.h"

/* Maps axis in [-rank, rank) to [0, rank); false when outside. */
bool onr_axis_normalize(int64_t axis, int rank, int *out);

/* Reads input `index` (int64 or int32, rank 0 or 1, at most `max` values)
 * into out. UNSUPPORTED when the input's data is not known at prepare time
 * (not constant), INVALID_MODEL for a wrong dtype, rank or length. `what`
 * names the input in messages ("shape", "axes"). */
enum onr_status onr_op_const_ints(const struct onr_op_ctx *ctx, int index, const char *what,
                                  int64_t *out, int max, int *count, struct onr_error *err);

/* Reads element i of an int64 or int32 tensor's data. */
static inline int64_t onr_int_at(const struct onr_tensor *t, int64_t i)
{
    return t->dtype == ONR_DTYPE_INT32 ? (int64_t)((const int32_t *)t->data)[i]
                                       : ((const int64_t *)t->data)[i];
}

/* Copies a strided N-D block: y is dense in dims[0..rank) order, x element
 * (i0, i1, ...) is at x + sum(i_d * xstride[d]) (strides in elements, may be
 * negative). elem is the element size in bytes. Runs of xstride 1 in the
 * innermost dim are copied with memcpy. Parallel over dims[0]. */
void onr_strided_copy(void *y, const void *x, int rank, const int64_t *dims,
                      const int64_t *xstride, size_t elem, int threads);

#endif
