/* ArgMax, ArgMin and TopK through their hooks against references written
 * here: every axis (negative too) of a 3-D tensor with many ties, keepdims
 * 0/1, select_last_index, several dtypes; NaN as the extreme; TopK k from 0
 * to the axis size, largest and smallest, ties in index order, Values and
 * Indices; opset 1's k attribute; 1 vs 2 vs 3 threads; named errors (axis,
 * k, K not constant, dtype, select_last_index before opset 12, empty axis). */
#include <math.h>

#include "bcast_ref.h"

static const int64_t dims[3] = {4, 6, 5};

static void check_arg(bool min, enum onr_dtype dtype, int64_t axis, bool keep, bool last,
                      int threads, struct onr_tensor *keepout)
{
    struct oh_node n;
    oh_node_init(&n, min ? "ArgMin" : "ArgMax", "arg");
    oh_attr_int(&n, "axis", axis);
    if (!keep) oh_attr_int(&n, "keepdims", 0);
    if (last) oh_attr_int(&n, "select_last_index", 1);
    struct onr_tensor x, y;
    br_tensor(&x, dtype, 3, dims, 51, -3, 3);
    struct onr_tensor *in[1] = {&x};
    char what[96];
    snprintf(what, sizeof what, "%s %s axis %lld keep %d last %d", min ? "ArgMin" : "ArgMax",
             onr_dtype_name(dtype), (long long)axis, keep, last);
    if (br_run(what, &n, 13, threads, 0, in, 1, &y)) {
        const int a = (int)(axis < 0 ? axis + 3 : axis);
        CHECK(y.dtype == ONR_DTYPE_INT64 && y.shape.rank == (keep ? 3 : 2));
        int64_t outer = 1, inner = 1;
        for (int i = 0; i < 3; i++) outer *= i < a ? dims[i] : 1, inner *= i > a ? dims[i] : 1;
        int bad = 0;
        for (int64_t e = 0; e < outer * inner; e++) {
            const int64_t base = (e / inner) * dims[a] * inner + e % inner;
            int64_t at = 0;
            for (int64_t k = 1; k < dims[a]; k++) {
                const double v = br_get(&x, base + k * inner), b = br_get(&x, base + at * inner);
                if (min ? (last ? v <= b : v < b) : (last ? v >= b : v > b)) at = k;
            }
            bad += ((int64_t *)y.data)[e] != at;
        }
        if (bad) {
            fprintf(stderr, "%s: %d wrong\n", what, bad);
            onr_test_failures++;
        }
        if (keepout) *keepout = y;
        else onr_tensor_free(&y);
    }
    onr_tensor_free(&x), oh_node_free(&n);
}

static void check_topk(enum onr_dtype dtype, int64_t axis, int64_t k, bool largest, int64_t opset,
                       int threads)
{
    struct oh_node n;
    oh_node_init(&n, "TopK", "topk");
    oh_attr_int(&n, "axis", axis);
    if (!largest) oh_attr_int(&n, "largest", 0);
    if (opset < 10) oh_attr_int(&n, "k", k);
    struct onr_tensor x, kt, v = {0}, idx = {0};
    br_tensor(&x, dtype, 3, dims, 61, -4, 4);
    so_ints(&kt, 1, &k);
    struct onr_tensor *in[2] = {&x, &kt}, *out[2] = {&v, &idx};
    struct oh_opts o = {.opset = opset, .threads = threads, .const_mask = 2u};
    struct onr_error err = {{0}};
    char what[96];
    snprintf(what, sizeof what, "TopK %s axis %lld k %lld largest %d opset %lld",
             onr_dtype_name(dtype), (long long)axis, (long long)k, largest, (long long)opset);
    enum onr_status st = oh_run(&n, &o, in, opset < 10 ? 1 : 2, out, 2, &err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s\n", what, err.message);
        onr_test_failures++;
    } else {
        const int a = (int)(axis < 0 ? axis + 3 : axis);
        CHECK(v.dtype == dtype && idx.dtype == ONR_DTYPE_INT64 && v.shape.dims[a] == k);
        int64_t outer = 1, inner = 1;
        for (int i = 0; i < 3; i++) outer *= i < a ? dims[i] : 1, inner *= i > a ? dims[i] : 1;
        int bad = 0;
        /* Selection by repeated scans: the best not yet taken, lowest index on ties. */
        for (int64_t e = 0; e < outer * inner; e++) {
            const int64_t xb = (e / inner) * dims[a] * inner + e % inner,
                          yb = (e / inner) * k * inner + e % inner;
            bool taken[8] = {0};
            for (int64_t j = 0; j < k; j++) {
                int64_t best = -1;
                for (int64_t c = 0; c < dims[a]; c++) {
                    if (taken[c]) continue;
                    const double u = br_get(&x, xb + c * inner);
                    if (best < 0 || (largest ? u > br_get(&x, xb + best * inner)
                                             : u < br_get(&x, xb + best * inner)))
                        best = c;
                }
                taken[best] = true;
                bad += ((int64_t *)idx.data)[yb + j * inner] != best;
                bad += br_get(&v, yb + j * inner) != br_get(&x, xb + best * inner);
            }
        }
        if (bad) {
            fprintf(stderr, "%s: %d wrong\n", what, bad);
            onr_test_failures++;
        }
    }
    onr_tensor_free(&v), onr_tensor_free(&idx), onr_tensor_free(&x), onr_tensor_free(&kt);
    oh_node_free(&n);
}

/* Big enough to split slices across threads (each with its own pairs). */
static void check_topk_threads(void)
{
    static const int64_t d[2] = {64, 301};
    const int64_t k = 7;
    struct onr_tensor x, kt, v[3], idx[3];
    br_tensor(&x, ONR_DTYPE_FLOAT, 2, d, 71, -50, 50);
    so_ints(&kt, 1, &k);
    struct onr_tensor *in[2] = {&x, &kt};
    struct oh_node n;
    oh_node_init(&n, "TopK", "topk_threads");
    int ok = 1;
    for (int t = 0; t < 3; t++) {
        memset(&v[t], 0, sizeof v[t]), memset(&idx[t], 0, sizeof idx[t]);
        struct onr_tensor *out[2] = {&v[t], &idx[t]};
        struct oh_opts o = {.opset = 11, .threads = t + 1, .const_mask = 2u};
        struct onr_error err = {{0}};
        ok &= oh_run(&n, &o, in, 2, out, 2, &err) == ONR_STATUS_OK;
    }
    CHECK(ok);
    if (ok)
        for (int t = 1; t < 3; t++) {
            br_same_bytes("TopK values 1 vs N threads", &v[0], &v[t]);
            br_same_bytes("TopK indices 1 vs N threads", &idx[0], &idx[t]);
        }
    for (int t = 0; t < 3; t++) onr_tensor_free(&v[t]), onr_tensor_free(&idx[t]);
    onr_tensor_free(&x), onr_tensor_free(&kt), oh_node_free(&n);
}

static void check_nan(void)
{
    static const int64_t d[1] = {5};
    const float xv[5] = {1, NAN, 3, NAN, -1};
    struct onr_tensor x, y, kt, v = {0}, idx = {0};
    so_tensor(&x, ONR_DTYPE_FLOAT, 1, d, xv);
    struct onr_tensor *in[2] = {&x, &kt};
    static const char *const ops[2] = {"ArgMax", "ArgMin"};
    for (int m = 0; m < 2; m++)
        for (int last = 0; last < 2; last++) {
            struct oh_node n;
            oh_node_init(&n, ops[m], "arg_nan");
            if (last) oh_attr_int(&n, "select_last_index", 1);
            if (br_run("NaN", &n, 13, 1, 0, in, 1, &y)) {
                CHECK(((int64_t *)y.data)[0] == (last ? 3 : 1));
                onr_tensor_free(&y);
            }
            oh_node_free(&n);
        }
    struct oh_node n;
    oh_node_init(&n, "TopK", "topk_nan");
    const int64_t three = 3;
    so_ints(&kt, 1, &three);
    struct onr_tensor *out[2] = {&v, &idx};
    struct oh_opts o = {.opset = 11, .const_mask = 2u};
    struct onr_error err = {{0}};
    CHECK_STATUS(oh_run(&n, &o, in, 2, out, 2, &err), ONR_STATUS_OK);
    if (idx.data) {
        const int64_t *ix = idx.data;
        CHECK(ix[0] == 1 && ix[1] == 3 && ix[2] == 2);
    }
    onr_tensor_free(&v), onr_tensor_free(&idx), onr_tensor_free(&kt), onr_tensor_free(&x);
    oh_node_free(&n);
}

static void check_errors(void)
{
    static const int64_t e[2] = {3, 0};
    struct onr_tensor x, z, u8, kt;
    so_tensor(&x, ONR_DTYPE_FLOAT, 3, dims, NULL);
    so_tensor(&z, ONR_DTYPE_FLOAT, 2, e, NULL);
    so_tensor(&u8, ONR_DTYPE_UINT16, 3, dims, NULL);
    struct onr_tensor *in[2] = {&x, &kt}, *zin[1] = {&z}, *uin[2] = {&u8, &kt};
    struct oh_opts o11 = {.opset = 11, .const_mask = 2u}, o13 = {.opset = 13, .const_mask = 2u},
                   o13nc = {.opset = 13};
    struct oh_node n;
    oh_node_init(&n, "ArgMax", "arg_axis");
    oh_attr_int(&n, "axis", 3);
    oh_expect_error("ArgMax axis 3", &n, &o13, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ArgMin", "arg_last11");
    oh_attr_int(&n, "select_last_index", 1);
    oh_expect_error("select_last_index at 11", &n, &o11, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    oh_node_init(&n, "ArgMax", "arg_empty");
    oh_attr_int(&n, "axis", 1);
    oh_expect_error("empty axis", &n, &o13, zin, 1, 1, ONR_STATUS_INVALID_ARGUMENT);
    oh_expect_error("ArgMax uint16", &n, &o13, uin, 1, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "TopK", "topk_bad");
    const int64_t big = 6, neg = -1, ok = 2;
    so_ints(&kt, 1, &big);
    oh_expect_error("k 6 on axis 5", &n, &o13, in, 2, 2, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&kt);
    so_ints(&kt, 1, &neg);
    oh_expect_error("k -1", &n, &o13, in, 2, 2, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&kt);
    so_ints(&kt, 1, &ok);
    oh_expect_error("K not constant", &n, &o13nc, in, 2, 2, ONR_STATUS_UNSUPPORTED);
    oh_expect_error("TopK uint16", &n, &o13, uin, 2, 2, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "TopK", "topk_no_k");
    struct oh_opts o1 = {.opset = 1};
    oh_expect_error("opset 1 without k", &n, &o1, in, 1, 2, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&kt), onr_tensor_free(&x), onr_tensor_free(&z), onr_tensor_free(&u8);
}

int main(void)
{
    static const enum onr_dtype types[] = {ONR_DTYPE_FLOAT, ONR_DTYPE_DOUBLE, ONR_DTYPE_INT8,
                                           ONR_DTYPE_UINT8, ONR_DTYPE_INT16, ONR_DTYPE_INT32,
                                           ONR_DTYPE_INT64};
    for (int m = 0; m < 2; m++)
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
            for (int64_t axis = -3; axis < 3; axis++)
                for (int keep = 0; keep < 2; keep++)
                    for (int last = 0; last < 2; last++) check_arg(m, types[t], axis, keep, last, 1, NULL);
    struct onr_tensor y[3] = {{0}};
    for (int t = 0; t < 3; t++) check_arg(false, ONR_DTYPE_FLOAT, 1, true, false, t + 1, &y[t]);
    if (y[0].data && y[1].data && y[2].data) {
        br_same_bytes("ArgMax 1 vs 2 threads", &y[0], &y[1]);
        br_same_bytes("ArgMax 1 vs 3 threads", &y[0], &y[2]);
    }
    for (int t = 0; t < 3; t++) onr_tensor_free(&y[t]);
    static const enum onr_dtype ktypes[] = {ONR_DTYPE_FLOAT, ONR_DTYPE_DOUBLE, ONR_DTYPE_INT32,
                                            ONR_DTYPE_INT64};
    for (size_t t = 0; t < sizeof ktypes / sizeof ktypes[0]; t++)
        for (int64_t axis = -1; axis < 3; axis++)
            for (int64_t k = 0; k <= dims[axis < 0 ? 2 : axis] && k <= 6; k += 2)
                for (int largest = 0; largest < 2; largest++)
                    check_topk(ktypes[t], axis, k, largest, 11, 1 + (int)(k % 3));
    check_topk(ONR_DTYPE_FLOAT, -1, 3, true, 1, 1);    /* k as an attribute */
    check_topk(ONR_DTYPE_FLOAT, 0, 4, true, 10, 2);
    check_topk_threads();
    check_nan();
    check_errors();
    printf("test_argmax_topk: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
