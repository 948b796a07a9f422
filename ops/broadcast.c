/* Broadcast plans: see broadcast.h. */
#include <stdio.h>

#include "broadcast.h"

enum onr_status onr_bcast_plan(const struct onr_op_ctx *ctx, int n,
                               const struct onr_shape *const *shapes, bool unidirectional,
                               struct onr_bcast *b, struct onr_shape *y, struct onr_error *err)
{
    int R = 0;
    for (int k = 0; k < n; k++)
        if (shapes[k]->rank > R) R = shapes[k]->rank;
    int64_t d[ONR_BCAST_MAX_INPUTS][ONR_MAX_RANK];
    y->rank = R;
    for (int i = 0; i < R; i++) {
        y->dims[i] = 1;
        for (int k = 0; k < n; k++) {
            const int off = R - shapes[k]->rank;
            d[k][i] = i < off ? 1 : shapes[k]->dims[i - off];
            if (d[k][i] == y->dims[i] || d[k][i] == 1) continue;
            if (y->dims[i] != 1) goto mismatch;
            y->dims[i] = d[k][i];
        }
    }
    if (unidirectional && !onr_shape_equal(y, shapes[0])) goto mismatch;
    /* Innermost first: strides of non-1 output dims, then merge. */
    int64_t stride[ONR_BCAST_MAX_INPUTS], md[ONR_MAX_RANK], ms[ONR_BCAST_MAX_INPUTS][ONR_MAX_RANK];
    for (int k = 0; k < n; k++) stride[k] = 1;
    int m = 0;
    for (int i = R - 1; i >= 0; i--) {
        if (y->dims[i] != 1) {
            bool merge = m > 0;
            for (int k = 0; k < n && merge; k++)
                merge = (d[k][i] == 1 ? 0 : stride[k]) == ms[k][m - 1] * md[m - 1];
            if (merge) {
                md[m - 1] *= y->dims[i];
            } else {
                md[m] = y->dims[i];
                for (int k = 0; k < n; k++) ms[k][m] = d[k][i] == 1 ? 0 : stride[k];
                m++;
            }
        }
        for (int k = 0; k < n; k++) stride[k] *= d[k][i];
    }
    b->n = n;
    b->rank = m > 0 ? m : 1;
    if (m == 0) {
        b->dims[0] = 1;
        for (int k = 0; k < n; k++) b->strides[k][0] = 0;
    }
    for (int j = 0; j < m; j++) {
        b->dims[j] = md[m - 1 - j];
        for (int k = 0; k < n; k++) b->strides[k][j] = ms[k][m - 1 - j];
    }
    b->rows = 1;
    for (int j = 0; j < b->rank - 1; j++) b->rows *= b->dims[j];
    b->inner = b->dims[b->rank - 1];
    return ONR_STATUS_OK;
mismatch:;
    char msg[512];
    int used = 0;
    for (int k = 0; k < n && used < (int)sizeof msg - 100; k++) {
        char s[96];
        onr_shape_format(shapes[k], s, sizeof s);
        used += snprintf(msg + used, sizeof msg - (size_t)used, "%s%s", k ? " and " : "", s);
    }
    return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH, "%s '%s': shapes %s do not %s",
                         ctx->node->op_type, ctx->node->name, msg,
                         unidirectional ? "broadcast to the first" : "broadcast");
}

enum onr_status onr_bcast_legacy_attrs(const struct onr_op_ctx *ctx, int64_t *broadcast,
                                       int64_t *axis, bool *has_axis, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    enum onr_status st = onr_node_attr_int(node, "broadcast", 0, broadcast, err);
    if (st == ONR_STATUS_OK) st = onr_node_attr_int(node, "axis", 0, axis, err);
    if (st != ONR_STATUS_OK) return st;
    *has_axis = onr_node_attr(node, "axis") != NULL;
    if (*broadcast != 0 && *broadcast != 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': broadcast = %lld, expected 0 or 1", node->op_type,
                             node->name, (long long)*broadcast);
    return ONR_STATUS_OK;
}

enum onr_status onr_bcast_legacy_shape(const struct onr_op_ctx *ctx, const struct onr_shape *a,
                                       const struct onr_shape *b, int64_t broadcast,
                                       const int64_t *axis, struct onr_shape *out,
                                       struct onr_error *err)
{
    *out = *b;
    if (onr_shape_equal(a, b)) return ONR_STATUS_OK;
    if (broadcast != 0) {
        if (onr_shape_numel(b) == 1) {
            out->rank = 0;
            return ONR_STATUS_OK;
        }
        int64_t ax = axis != NULL ? *axis : a->rank - b->rank;
        if (ax < 0) ax += a->rank;
        if (ax >= 0 && b->rank <= a->rank && ax <= a->rank - b->rank) {
            bool fits = true;
            for (int i = 0; i < b->rank; i++)
                fits &= b->dims[i] == a->dims[ax + i] || b->dims[i] == 1;
            if (fits) {
                out->rank = a->rank;
                for (int i = 0; i < a->rank; i++) out->dims[i] = 1;
                for (int i = 0; i < b->rank; i++) out->dims[ax + i] = b->dims[i];
                return ONR_STATUS_OK;
            }
        }
    }
    char sa[96], sb[96];
    onr_shape_format(a, sa, sizeof sa);
    onr_shape_format(b, sb, sizeof sb);
    return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                         "%s '%s': shapes %s and %s do not match under broadcast=%lld (opset %lld)",
                         ctx->node->op_type, ctx->node->name, sa, sb, (long long)broadcast,
                         (long long)ctx->opset);
}
