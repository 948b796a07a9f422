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
