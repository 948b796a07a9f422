/* Multidirectional (numpy) broadcasting for the operators with several
 * inputs written outside binary.c: comparisons, Where, Pow, PRelu and the
 * variadic Max/Min/Sum/Mean. A plan holds the output dims and, per input,
 * element strides (0 where that input is broadcast), with size-1 dims
 * dropped and neighbouring dims merged where every input stays contiguous
 * across them. The innermost stride of each input is then 0 or 1, so a
 * kernel walks rows of dims[rank-1] elements. */
#ifndef ONR_OPS_BROADCAST_H
#define ONR_OPS_BROADCAST_H

#include "op.h"

enum { ONR_BCAST_MAX_INPUTS = 4 };

struct onr_bcast {
    int n;                                    /* inputs */
    int rank;                                 /* >= 1 */
    int64_t dims[ONR_MAX_RANK];
    int64_t strides[ONR_BCAST_MAX_INPUTS][ONR_MAX_RANK];
    int64_t rows;                             /* product of dims[0..rank-2] */
    int64_t inner;                            /* dims[rank-1] */
};

/* Plans n (<= ONR_BCAST_MAX_INPUTS) input shapes; y (not one of shapes)
 * receives the broadcast output shape. SHAPE_MISMATCH names the node and
 * the shapes when two dims differ and neither is 1. `unidirectional`: the output must have shapes[0]
 * (PRelu's slope, a variadic op's accumulator). */
enum onr_status onr_bcast_plan(const struct onr_op_ctx *ctx, int n,
                               const struct onr_shape *const *shapes, bool unidirectional,
                               struct onr_bcast *b, struct onr_shape *y, struct onr_error *err);

/* Opsets before 7 (Add-style legacy broadcasting): with broadcast == 0, B
 * must have A's shape; with 1, B's dims are matched against A's starting
 * at `axis` (default: suffix alignment), a one-element B is a scalar. *out
 * receives B's shape padded to A's rank for onr_bcast_plan. */
enum onr_status onr_bcast_legacy_shape(const struct onr_op_ctx *ctx, const struct onr_shape *a,
                                       const struct onr_shape *b, int64_t broadcast,
                                       const int64_t *axis, struct onr_shape *out,
                                       struct onr_error *err);

/* Reads the legacy `broadcast` and `axis` attributes (opsets < 7);
 * *has_axis tells whether axis was given. */
enum onr_status onr_bcast_legacy_attrs(const struct onr_op_ctx *ctx, int64_t *broadcast,
                                       int64_t *axis, bool *has_axis, struct onr_error *err);

/* Element offsets of row r's first element, one per input. */
static inline void onr_bcast_row(const struct onr_bcast *b, int64_t r, int64_t *off)
{
    for (int k = 0; k < b->n; k++) off[k] = 0;
    for (int d = b->rank - 2; d >= 0; d--) {
        const int64_t i = r % b->dims[d];
        r /= b->dims[d];
        for (int k = 0; k < b->n; k++) off[k] += i * b->strides[k][d];
    }
}

/* Innermost stride of input k: 0 (broadcast along the row) or 1. */
static inline int64_t onr_bcast_step(const struct onr_bcast *b, int k)
{
    return b->strides[k][b->rank - 1];
}

/* Rows are split across threads only above this many output elements. */
enum { ONR_BCAST_PARALLEL_MIN = 32768 };

#endif
