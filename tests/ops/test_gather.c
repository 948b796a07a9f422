/* Gather through its hooks against a direct reading of the spec: every
 * axis (positive and negative) of a rank-3 tensor, scalar, 1-D and 2-D
 * indices, negative indices, int64 and int32 indices, float32 and int64
 * data, and out-of-range indices rejected from run (variable indices) and
 * from prepare (constant indices) without touching memory. */
#include "shapeops_util.h"

/* y[a..., j..., b...] = x[a..., idx[j...], b...] for x of dims (A, D, B). */
static void reference(const char *x, const struct onr_tensor *idx, int64_t A, int64_t D, int64_t B,
                      size_t elem, char *y)
{
    const int64_t J = onr_shape_numel(&idx->shape);
    for (int64_t a = 0; a < A; a++)
        for (int64_t j = 0; j < J; j++) {
            int64_t k = idx->dtype == ONR_DTYPE_INT32 ? ((int32_t *)idx->data)[j]
                                                      : ((int64_t *)idx->data)[j];
            if (k < 0) k += D;
            for (int64_t b = 0; b < B; b++)
                memcpy(y + ((a * J + j) * B + b) * elem, x + ((a * D + k) * B + b) * elem, elem);
        }
}

static void check_case(enum onr_dtype dtype, enum onr_dtype itype, int64_t axis, int irank,
                       unsigned const_mask)
{
    const int64_t xd[3] = {3, 4, 5};
    const int64_t id[2] = {2, 3};
    struct onr_tensor x, idx, y;
    so_tensor(&x, dtype, 3, xd, NULL);
    so_iota(&x, 100);
    const int ax = (int)(axis < 0 ? axis + 3 : axis);
    const int64_t D = xd[ax];
    so_tensor(&idx, itype, irank, id, NULL);
    const int64_t J = onr_shape_numel(&idx.shape);
    for (int64_t j = 0; j < J; j++) {
        const int64_t v = (j * 7 + 1) % (2 * D) - D; /* covers [-D, D) */
        if (itype == ONR_DTYPE_INT32) ((int32_t *)idx.data)[j] = (int32_t)v;
        else ((int64_t *)idx.data)[j] = v;
    }
    struct oh_node n;
    oh_node_init(&n, "Gather", "gather_1");
    oh_attr_int(&n, "axis", axis);
    struct onr_tensor *in[2] = {&x, &idx};
    char what[96];
    snprintf(what, sizeof what, "gather %s idx %s axis %lld rank %d", onr_dtype_name(dtype),
             onr_dtype_name(itype), (long long)axis, irank);
    if (so_run(what, &n, 13, const_mask, in, 2, &y)) {
        int64_t A = 1, B = 1, yd[4];
        int k = 0;
        for (int i = 0; i < ax; i++) A *= xd[i], yd[k++] = xd[i];
        for (int i = 0; i < irank; i++) yd[k++] = id[i];
        for (int i = ax + 1; i < 3; i++) B *= xd[i], yd[k++] = xd[i];
        char *ref = malloc(y.nbytes + 1);
        reference(x.data, &idx, A, D, B, onr_dtype_size(dtype), ref);
        so_expect(what, &y, dtype, k, yd, ref);
        free(ref);
    }
    onr_tensor_free(&y), onr_tensor_free(&x), onr_tensor_free(&idx), oh_node_free(&n);
}

static void test_errors(void)
{
    const int64_t xd[2] = {3, 4}, id[1] = {2};
    struct onr_tensor x, idx, fidx;
    so_tensor(&x, ONR_DTYPE_FLOAT, 2, xd, NULL);
    const int64_t bad[2][2] = {{0, 3}, {-4, 1}};
    struct oh_node n;
    oh_node_init(&n, "Gather", "gather_bad");
    for (int i = 0; i < 2; i++) {
        so_tensor(&idx, ONR_DTYPE_INT64, 1, id, bad[i]);
        struct onr_tensor *in[2] = {&x, &idx};
        struct oh_opts run_time = {.opset = 13}, prep = {.opset = 13, .const_mask = 2u};
        oh_expect_error("index out of range at run", &n, &run_time, in, 2, 1, ONR_STATUS_INVALID_ARGUMENT);
        oh_expect_error("index out of range at prepare", &n, &prep, in, 2, 1, ONR_STATUS_INVALID_ARGUMENT);
        onr_tensor_free(&idx);
    }
    /* A huge index must not wrap around into range. */
    const int64_t huge[2] = {INT64_MIN, 0};
    so_tensor(&idx, ONR_DTYPE_INT64, 1, id, huge);
    struct onr_tensor *in[2] = {&x, &idx};
    struct oh_opts o = {.opset = 13};
    oh_expect_error("index INT64_MIN", &n, &o, in, 2, 1, ONR_STATUS_INVALID_ARGUMENT);
    so_tensor(&fidx, ONR_DTYPE_FLOAT, 1, id, NULL);
    in[1] = &fidx;
    oh_expect_error("float indices", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    in[1] = &idx;
    oh_node_free(&n);
    oh_node_init(&n, "Gather", "gather_axis");
    oh_attr_int(&n, "axis", 2);
    oh_expect_error("axis 2 of rank 2", &n, &o, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&idx), onr_tensor_free(&fidx);
}

int main(void)
{
    const enum onr_dtype dtypes[2] = {ONR_DTYPE_FLOAT, ONR_DTYPE_INT64};
    const enum onr_dtype itypes[2] = {ONR_DTYPE_INT64, ONR_DTYPE_INT32};
    for (int d = 0; d < 2; d++)
        for (int t = 0; t < 2; t++)
            for (int64_t axis = -3; axis < 3; axis++)
                for (int irank = 0; irank <= 2; irank++)
                    check_case(dtypes[d], itypes[t], axis, irank, (unsigned)(irank & 1) << 1);
    test_errors();
    if (onr_test_failures) fprintf(stderr, "test_gather: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
