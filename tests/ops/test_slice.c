/* Slice through its hooks. 1-D cases worked out by hand from the spec
 * (negative, clamped, INT64_MAX/INT64_MIN ends, negative steps, empty
 * results); multi-axis cases on a 3-D tensor against a per-element
 * reference; the attribute form of opsets 1-9; int32 index inputs; and the
 * rejections (step 0, repeated axis, axis out of range, length mismatch,
 * starts not constant). */
#include "shapeops_util.h"

/* Slices iota(10) on axis 0 and compares with want[0..n_want). */
static void slice1d(const char *what, int64_t start, int64_t end, int64_t step, int n_want,
                    const int64_t *want)
{
    const int64_t xd[1] = {10};
    struct onr_tensor x, s, e, a, st, y;
    so_tensor(&x, ONR_DTYPE_INT64, 1, xd, NULL);
    so_iota(&x, 0);
    const int64_t zero = 0;
    so_ints(&s, 1, &start), so_ints(&e, 1, &end), so_ints(&a, 1, &zero), so_ints(&st, 1, &step);
    struct onr_tensor *in[5] = {&x, &s, &e, &a, &st};
    struct oh_node n;
    oh_node_init(&n, "Slice", "slice_1d");
    const int64_t yd[1] = {n_want};
    if (so_run(what, &n, 13, 0x1eu, in, 5, &y)) so_expect(what, &y, ONR_DTYPE_INT64, 1, yd, want);
    onr_tensor_free(&y), onr_tensor_free(&x), onr_tensor_free(&s), onr_tensor_free(&e);
    onr_tensor_free(&a), onr_tensor_free(&st), oh_node_free(&n);
}

static void test_1d(void)
{
    const int64_t r[10] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    slice1d("all", 0, 10, 1, 10, (const int64_t[10]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    slice1d("last three", -3, INT64_MAX, 1, 3, (const int64_t[3]){7, 8, 9});
    slice1d("clamped", -100, 100, 1, 10, (const int64_t[10]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    slice1d("step 3", 1, 9, 3, 3, (const int64_t[3]){1, 4, 7});
    slice1d("step 4 exact end", 0, 8, 4, 2, (const int64_t[2]){0, 4});
    slice1d("reverse all", -1, INT64_MIN, -1, 10, r);
    slice1d("reverse step -3", 8, 1, -3, 3, (const int64_t[3]){8, 5, 2});
    slice1d("reverse clamped start", 100, -100, -4, 3, (const int64_t[3]){9, 5, 1});
    slice1d("empty start >= end", 5, 5, 1, 0, NULL);
    slice1d("empty reversed", 2, 7, -1, 0, NULL);
    slice1d("start past end", 12, 20, 1, 0, NULL);
    slice1d("huge step", 3, 10, INT64_MAX, 1, (const int64_t[1]){3});
    slice1d("step INT64_MIN", 6, -100, INT64_MIN, 1, (const int64_t[1]){6});
}

/* x: 3x4x5 float iota; slices given by (axis, start, end, step) lists. */
static void slice3d(const char *what, int n, const int64_t *axes, const int64_t *starts,
                    const int64_t *ends, const int64_t *steps, const int64_t *lens)
{
    const int64_t xd[3] = {3, 4, 5};
    struct onr_tensor x, s, e, a, st, y;
    so_tensor(&x, ONR_DTYPE_FLOAT, 3, xd, NULL);
    so_iota(&x, 0);
    so_ints(&s, n, starts), so_ints(&e, n, ends), so_ints(&a, n, axes), so_ints(&st, n, steps);
    struct onr_tensor *in[5] = {&x, &s, &e, &a, &st};
    struct oh_node nd;
    oh_node_init(&nd, "Slice", "slice_3d");
    if (so_run(what, &nd, 11, 0x1eu, in, 5, &y)) {
        /* Reference: per axis, the first index and step by the spec. */
        int64_t first[3] = {0, 0, 0}, step[3] = {1, 1, 1}, yd[3] = {3, 4, 5};
        for (int i = 0; i < n; i++) {
            const int ax = (int)(axes[i] < 0 ? axes[i] + 3 : axes[i]);
            const int64_t d = xd[ax];
            int64_t b = starts[i] < 0 ? starts[i] + d : starts[i];
            const int64_t hi = steps[i] > 0 ? d : d - 1;
            b = b < 0 ? 0 : b > hi ? hi : b;
            first[ax] = b, step[ax] = steps[i], yd[ax] = lens[i];
        }
        float *ref = malloc(y.nbytes + 4);
        const float *xv = x.data;
        int64_t k = 0;
        for (int64_t i = 0; i < yd[0]; i++)
            for (int64_t j = 0; j < yd[1]; j++)
                for (int64_t l = 0; l < yd[2]; l++)
                    ref[k++] = xv[((first[0] + i * step[0]) * 4 + first[1] + j * step[1]) * 5 +
                                  first[2] + l * step[2]];
        so_expect(what, &y, ONR_DTYPE_FLOAT, 3, yd, ref);
        free(ref);
    }
    onr_tensor_free(&y), onr_tensor_free(&x), onr_tensor_free(&s), onr_tensor_free(&e);
    onr_tensor_free(&a), onr_tensor_free(&st), oh_node_free(&nd);
}

static void test_3d(void)
{
    slice3d("inner axis", 1, (const int64_t[]){2}, (const int64_t[]){1}, (const int64_t[]){4},
            (const int64_t[]){1}, (const int64_t[]){3});
    slice3d("middle axis negative", 1, (const int64_t[]){-2}, (const int64_t[]){-1},
            (const int64_t[]){INT64_MIN}, (const int64_t[]){-2}, (const int64_t[]){2});
    slice3d("three axes", 3, (const int64_t[]){2, 0, 1}, (const int64_t[]){-1, 2, 0},
            (const int64_t[]){-6, -4, 100}, (const int64_t[]){-2, -1, 3},
            (const int64_t[]){3, 3, 2});
    slice3d("empty axis", 1, (const int64_t[]){0}, (const int64_t[]){2}, (const int64_t[]){1},
            (const int64_t[]){1}, (const int64_t[]){0});
}

static void test_attributes_and_int32(void)
{
    const int64_t xd[2] = {4, 6};
    struct onr_tensor x, y;
    so_tensor(&x, ONR_DTYPE_FLOAT, 2, xd, NULL);
    so_iota(&x, 0);
    struct onr_tensor *in[5] = {&x};
    struct oh_node n;
    oh_node_init(&n, "Slice", "slice_attr");
    oh_attr_ints(&n, "starts", (const int64_t[]){1, -5}, 2);
    oh_attr_ints(&n, "ends", (const int64_t[]){3, 1000}, 2);
    /* rows 1-2, cols 1-5 */
    const float want2[10] = {7, 8, 9, 10, 11, 13, 14, 15, 16, 17};
    const int64_t yd[2] = {2, 5};
    if (so_run("slice opset 9 attributes", &n, 9, 0u, in, 1, &y))
        so_expect("slice opset 9 attributes", &y, ONR_DTYPE_FLOAT, 2, yd, want2);
    onr_tensor_free(&y), oh_node_free(&n);
    /* axes attribute selects the second axis only. */
    oh_node_init(&n, "Slice", "slice_attr_axes");
    oh_attr_ints(&n, "starts", (const int64_t[]){4}, 1);
    oh_attr_ints(&n, "ends", (const int64_t[]){6}, 1);
    oh_attr_ints(&n, "axes", (const int64_t[]){1}, 1);
    const float want3[8] = {4, 5, 10, 11, 16, 17, 22, 23};
    const int64_t yd3[2] = {4, 2};
    if (so_run("slice opset 1 axes", &n, 1, 0u, in, 1, &y))
        so_expect("slice opset 1 axes", &y, ONR_DTYPE_FLOAT, 2, yd3, want3);
    onr_tensor_free(&y), oh_node_free(&n);
    /* int32 starts/ends, no axes or steps. */
    struct onr_tensor s, e;
    const int64_t one[1] = {2};
    so_tensor(&s, ONR_DTYPE_INT32, 1, one, (const int32_t[]){1, 1});
    so_tensor(&e, ONR_DTYPE_INT32, 1, one, (const int32_t[]){3, 6});
    in[1] = &s, in[2] = &e;
    oh_node_init(&n, "Slice", "slice_i32");
    if (so_run("slice int32 inputs", &n, 13, 6u, in, 3, &y))
        so_expect("slice int32 inputs", &y, ONR_DTYPE_FLOAT, 2, yd, want2);
    onr_tensor_free(&y), oh_node_free(&n), onr_tensor_free(&s), onr_tensor_free(&e);
    onr_tensor_free(&x);
}

static void test_errors(void)
{
    const int64_t xd[2] = {4, 6};
    struct onr_tensor x, s, e, a, st;
    so_tensor(&x, ONR_DTYPE_FLOAT, 2, xd, NULL);
    struct oh_node n;
    oh_node_init(&n, "Slice", "slice_bad");
    struct oh_opts c = {.opset = 13, .const_mask = 0x1eu}, v = {.opset = 13};
    struct onr_tensor *in[5] = {&x, &s, &e, &a, &st};
    const int64_t two0[2] = {0, 0}, two1[2] = {1, 1}, ax_rep[2] = {1, -1}, ax_bad[2] = {0, 2};
    const int64_t st0[2] = {1, 0};
    so_ints(&s, 2, two0), so_ints(&e, 2, two1), so_ints(&a, 2, ax_rep), so_ints(&st, 2, two1);
    oh_expect_error("slice repeated axis", &n, &c, in, 5, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&a), so_ints(&a, 2, ax_bad);
    oh_expect_error("slice axis out of range", &n, &c, in, 5, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&a), so_ints(&a, 2, (const int64_t[]){0, 1});
    onr_tensor_free(&st), so_ints(&st, 2, st0);
    oh_expect_error("slice step 0", &n, &c, in, 5, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&st), so_ints(&st, 1, two1);
    oh_expect_error("slice length mismatch", &n, &c, in, 5, 1, ONR_STATUS_INVALID_MODEL);
    oh_expect_error("slice starts not constant", &n, &v, in, 3, 1, ONR_STATUS_UNSUPPORTED);
    oh_expect_error("slice missing ends", &n, &c, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&s), onr_tensor_free(&e), onr_tensor_free(&a), onr_tensor_free(&st);
    oh_node_free(&n);
    oh_node_init(&n, "Slice", "slice_attr_bad");
    oh_attr_ints(&n, "starts", two0, 2);
    struct oh_opts o9 = {.opset = 9};
    oh_expect_error("slice opset 9 without ends", &n, &o9, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x);
}

int main(void)
{
    test_1d();
    test_3d();
    test_attributes_and_int32();
    test_errors();
    if (onr_test_failures) fprintf(stderr, "test_slice: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
