/* Helpers shared by the shape operators: see shape_util.h. */
#include <string.h>

#include "shape_util.h"

bool onr_axis_normalize(int64_t axis, int rank, int *out)
{
    if (axis < -(int64_t)rank || axis >= (int64_t)rank) return false;
    *out = (int)(axis < 0 ? axis + rank : axis);
    return true;
}

enum onr_status onr_op_const_ints(const struct onr_op_ctx *ctx, int index, const char *what,
                                  int64_t *out, int max, int *count, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    const struct onr_tensor *t = index < ctx->n_x ? ctx->x[index] : NULL;
    if (t == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': input %s is missing",
                             node->op_type, node->name, what);
    if (t->dtype != ONR_DTYPE_INT64 && t->dtype != ONR_DTYPE_INT32)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': input %s is %s, expected int64", node->op_type,
                             node->name, what, onr_dtype_name(t->dtype));
    if (t->shape.rank > 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': input %s has rank %d, expected 1", node->op_type,
                             node->name, what, t->shape.rank);
    const int64_t n = t->shape.rank == 0 ? 1 : t->shape.dims[0];
    if (n < 0 || n > max)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': input %s has %lld values, at most %d allowed",
                             node->op_type, node->name, what, (long long)n, max);
    if (n > 0 && t->data == NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': input %s is not a constant (computed at run time); "
                             "onnxrun needs it when preparing the session",
                             node->op_type, node->name, what);
    for (int64_t i = 0; i < n; i++) out[i] = onr_int_at(t, i);
    *count = (int)n;
    return ONR_STATUS_OK;
}

/* Drops size-1 dims and merges dims that are contiguous in x. Returns the
 * new rank (0 means a single element). */
static int simplify(int rank, const int64_t *dims, const int64_t *xstride, int64_t *d,
                    int64_t *s)
{
    int r = 0;
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 1) continue;
        if (r > 0 && s[r - 1] == xstride[i] * dims[i]) {
            d[r - 1] *= dims[i];
            s[r - 1] = xstride[i];
            continue;
        }
        d[r] = dims[i];
        s[r] = xstride[i];
        r++;
    }
    return r;
}

static void copy_row(char *y, const char *x, int64_t n, int64_t stride, size_t elem)
{
    if (stride == 1) {
        memcpy(y, x, (size_t)n * elem);
        return;
    }
    switch (elem) {
    case 4:
        for (int64_t i = 0; i < n; i++)
            memcpy(y + (size_t)i * 4, x + (ptrdiff_t)(i * stride) * 4, 4);
        break;
    case 8:
        for (int64_t i = 0; i < n; i++)
            memcpy(y + (size_t)i * 8, x + (ptrdiff_t)(i * stride) * 8, 8);
        break;
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy(y + (size_t)i * elem, x + (ptrdiff_t)(i * stride) * (ptrdiff_t)elem, elem);
    }
}

/* y: dense (dims)  x: element (i0..) at sum(i_d * xstride[d]) */
void onr_strided_copy(void *y, const void *x, int rank, const int64_t *dims,
                      const int64_t *xstride, size_t elem, int threads)
{
    int64_t d[ONR_MAX_RANK], s[ONR_MAX_RANK];
    for (int i = 0; i < rank; i++)
        if (dims[i] == 0) return;
    int r = simplify(rank, dims, xstride, d, s);
    if (r == 0) {
        memcpy(y, x, elem);
        return;
    }
    const int64_t row = d[r - 1], rstride = s[r - 1];
    int64_t rows = 1;
    for (int i = 0; i < r - 1; i++) rows *= d[i];
#pragma omp parallel for num_threads(threads) schedule(static) if (rows * row > 32768)
    for (int64_t k = 0; k < rows; k++) {
        /* Offset of row k in x: decompose k over the outer dims. */
        int64_t rem = k, off = 0;
        for (int i = r - 2; i >= 0; i--) {
            off += (rem % d[i]) * s[i];
            rem /= d[i];
        }
        copy_row((char *)y + (size_t)(k * row) * elem, (const char *)x + (ptrdiff_t)off * (ptrdiff_t)elem,
                 row, rstride, elem);
    }
}
