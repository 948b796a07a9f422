/* Pad through its hooks: 1-D cases worked out by hand for constant, edge
 * and reflect (and negative pads that crop); 3-D cases against a
 * per-element reference for each mode in both forms (opset 2 attributes,
 * opset 11 inputs with a constant_value input and an int64 tensor); and
 * the rejections (wrong pads length, reflect wider than the dim, edge on an
 * empty dim, unknown mode, pads not constant), each naming the node. */
#include "shapeops_util.h"

static void pad1d(const char *what, const char *mode, int64_t b, int64_t e, float value, int n_want,
                  const float *want)
{
    const float xv[4] = {1, 2, 3, 4};
    const int64_t xd[1] = {4}, yd[1] = {n_want};
    struct onr_tensor x, y;
    so_tensor(&x, ONR_DTYPE_FLOAT, 1, xd, xv);
    struct oh_node n;
    oh_node_init(&n, "Pad", "pad_1d");
    oh_attr_string(&n, "mode", mode);
    oh_attr_ints(&n, "pads", (const int64_t[]){b, e}, 2);
    oh_attr_float(&n, "value", value);
    struct onr_tensor *in[1] = {&x};
    if (so_run(what, &n, 2, 0u, in, 1, &y)) so_expect(what, &y, ONR_DTYPE_FLOAT, 1, yd, want);
    onr_tensor_free(&y), onr_tensor_free(&x), oh_node_free(&n);
}

static void test_1d(void)
{
    pad1d("constant", "constant", 2, 3, 9, 9, (const float[]){9, 9, 1, 2, 3, 4, 9, 9, 9});
    pad1d("edge", "edge", 2, 3, 0, 9, (const float[]){1, 1, 1, 2, 3, 4, 4, 4, 4});
    pad1d("reflect", "reflect", 2, 3, 0, 9, (const float[]){3, 2, 1, 2, 3, 4, 3, 2, 1});
    pad1d("crop and pad", "constant", -1, 2, 0, 5, (const float[]){2, 3, 4, 0, 0});
    pad1d("crop all", "constant", -2, -2, 0, 0, NULL);
    pad1d("no pads", "reflect", 0, 0, 0, 4, (const float[]){1, 2, 3, 4});
}

/* Reference: each output element reads x at o - begin mapped by the mode. */
static int64_t ref_map(const char *mode, int64_t i, int64_t d)
{
    if (i >= 0 && i < d) return i;
    if (mode[0] == 'c') return -1;
    if (mode[0] == 'e') return i < 0 ? 0 : d - 1;
    return i < 0 ? -i : 2 * (d - 1) - i;
}

static void pad3d(const char *mode, enum onr_dtype dtype, bool inputs)
{
    const int64_t xd[3] = {2, 3, 4};
    const int64_t pads[6] = {1, 2, -1, 0, 2, 3}; /* begins, then ends */
    struct onr_tensor x, p, cv, y;
    so_tensor(&x, dtype, 3, xd, NULL);
    so_iota(&x, 1);
    struct oh_node n;
    oh_node_init(&n, "Pad", "pad_3d");
    oh_attr_string(&n, "mode", mode);
    struct onr_tensor *in[3] = {&x, NULL, NULL};
    if (inputs) {
        so_ints(&p, 6, pads);
        so_tensor(&cv, dtype, 0, NULL, NULL);
        so_iota(&cv, -5);
        in[1] = &p, in[2] = &cv;
    } else {
        oh_attr_ints(&n, "pads", pads, 6);
        oh_attr_float(&n, "value", -5.0f);
    }
    char what[64];
    snprintf(what, sizeof what, "pad 3-D %s %s opset %d", mode, onr_dtype_name(dtype), inputs ? 11 : 2);
    /* pads constant, constant_value variable: it is read at run time. */
    if (so_run(what, &n, inputs ? 11 : 2, 2u, in, inputs ? 3 : 1, &y)) {
        const int64_t yd[3] = {2 + 1 + 0, 3 + 2 + 2, 4 - 1 + 3};
        const size_t elem = onr_dtype_size(dtype);
        char *ref = malloc(y.nbytes + 1);
        int64_t k = 0;
        for (int64_t a = 0; a < yd[0]; a++)
            for (int64_t b = 0; b < yd[1]; b++)
                for (int64_t c = 0; c < yd[2]; c++, k++) {
                    const int64_t i = ref_map(mode, a - pads[0], 2), j = ref_map(mode, b - pads[1], 3),
                                  l = ref_map(mode, c - pads[2], 4);
                    if (i < 0 || j < 0 || l < 0) {
                        const float vf = -5.0f;
                        const int64_t vi = -5;
                        memcpy(ref + k * elem, dtype == ONR_DTYPE_FLOAT ? (const void *)&vf : (const void *)&vi, elem);
                    } else {
                        memcpy(ref + k * elem, (char *)x.data + ((i * 3 + j) * 4 + l) * elem, elem);
                    }
                }
        so_expect(what, &y, dtype, 3, yd, ref);
        free(ref);
    }
    onr_tensor_free(&y), onr_tensor_free(&x), oh_node_free(&n);
    if (inputs) onr_tensor_free(&p), onr_tensor_free(&cv);
}

static void test_errors(void)
{
    const int64_t xd[2] = {2, 3}, xe[2] = {0, 3};
    struct onr_tensor x, xz, p;
    so_tensor(&x, ONR_DTYPE_FLOAT, 2, xd, NULL);
    so_tensor(&xz, ONR_DTYPE_FLOAT, 2, xe, NULL);
    struct onr_tensor *in[2] = {&x, &p};
    struct oh_opts c = {.opset = 13, .const_mask = 2u}, v = {.opset = 13};
    struct oh_node n;
    oh_node_init(&n, "Pad", "pad_bad");
    so_ints(&p, 2, (const int64_t[]){1, 1});
    oh_expect_error("pads length 2 for rank 2", &n, &c, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    onr_tensor_free(&p);
    so_ints(&p, 4, (const int64_t[]){0, -3, 0, -1});
    oh_expect_error("crop below zero", &n, &c, in, 2, 1, ONR_STATUS_INVALID_MODEL);
    oh_expect_error("pads not constant", &n, &v, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_expect_error("pads missing", &n, &v, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&p);
    oh_node_init(&n, "Pad", "pad_reflect_wide");
    oh_attr_string(&n, "mode", "reflect");
    so_ints(&p, 4, (const int64_t[]){0, 3, 0, 0});
    oh_expect_error("reflect 3 on dim 3", &n, &c, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Pad", "pad_edge_empty");
    oh_attr_string(&n, "mode", "edge");
    onr_tensor_free(&p);
    so_ints(&p, 4, (const int64_t[]){1, 0, 0, 0});
    in[0] = &xz;
    oh_expect_error("edge on empty dim", &n, &c, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    oh_node_init(&n, "Pad", "pad_wrap");
    oh_attr_string(&n, "mode", "wrap");
    oh_expect_error("mode wrap", &n, &c, in, 2, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    onr_tensor_free(&p), onr_tensor_free(&x), onr_tensor_free(&xz);
}

int main(void)
{
    test_1d();
    const char *modes[3] = {"constant", "edge", "reflect"};
    for (int m = 0; m < 3; m++) {
        pad3d(modes[m], ONR_DTYPE_FLOAT, false);
        pad3d(modes[m], ONR_DTYPE_FLOAT, true);
        pad3d(modes[m], ONR_DTYPE_INT64, true);
    }
    test_errors();
    if (onr_test_failures) fprintf(stderr, "test_pad: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
