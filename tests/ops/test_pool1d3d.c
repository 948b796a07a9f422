/* MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool on rank-3
 * (1-D) and rank-5 (3-D) X, and MaxPool's Indices output (storage_order 0
 * and 1) at ranks 3, 4 and 5, against a naive loop written here (its own
 * auto_pad, ceil_mode and index arithmetic); reference and fast modes,
 * 1, 2 and 3 threads bitwise; MaxPool on uint8 and int8. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

struct pcase {
    const char *what, *op;
    int axes;
    int64_t N, C;
    int64_t in[3], k[3], stride[3], dil[3], pads[6];
    const char *auto_pad;
    int64_t ceil_mode, count_include_pad, storage_order;
    bool indices;
};

/* Output extent and begin pad along axis a (ONNX formulas, PyTorch's
 * ceil_mode rule: a last window starting in the end padding is dropped). */
static int64_t out_extent(const struct pcase *c, int a, int64_t *p0, int64_t *p1)
{
    const int64_t in = c->in[a], s = c->stride[a], ek = (c->k[a] - 1) * c->dil[a] + 1;
    if (c->auto_pad != NULL && strncmp(c->auto_pad, "SAME", 4) == 0) {
        const int64_t o = (in + s - 1) / s;
        int64_t total = (o - 1) * s + ek - in;
        if (total < 0) total = 0;
        *p0 = strcmp(c->auto_pad, "SAME_UPPER") == 0 ? total / 2 : (total + 1) / 2;
        *p1 = total - *p0;
        return o;
    }
    const bool valid = c->auto_pad != NULL;
    *p0 = valid ? 0 : c->pads[a];
    *p1 = valid ? 0 : c->pads[c->axes + a];
    const int64_t span = in + *p0 + *p1 - ek;
    int64_t o = span / s + 1;
    if (c->ceil_mode && span % s != 0 && o * s < in + *p0) o++;
    return o;
}

static void naive(const struct pcase *c, const float *x, const int64_t *out, const int64_t *p0,
                  const int64_t *p1, float *y, int64_t *ind)
{
    const bool is_max = strstr(c->op, "MaxPool") != NULL;
    int64_t plane = 1, oplane = 1;
    for (int a = 0; a < c->axes; a++) plane *= c->in[a], oplane *= out[a];
    for (int64_t nc = 0; nc < c->N * c->C; nc++)
        for (int64_t o = 0; o < oplane; o++) {
            int64_t oi[3], rest = o;
            for (int a = c->axes - 1; a >= 0; a--) oi[a] = rest % out[a], rest /= out[a];
            int64_t kvol = 1;
            for (int a = 0; a < c->axes; a++) kvol *= c->k[a];
            float m = -INFINITY, sum = 0.0f;
            int64_t best = -1, inside = 0, padded = 0;
            for (int64_t kk = 0; kk < kvol; kk++) {
                int64_t ki[3], r2 = kk, pos[3];
                for (int a = c->axes - 1; a >= 0; a--) ki[a] = r2 % c->k[a], r2 /= c->k[a];
                bool in_x = true, in_pad = true;
                for (int a = 0; a < c->axes; a++) {
                    pos[a] = oi[a] * c->stride[a] - p0[a] + ki[a] * c->dil[a];
                    in_x &= pos[a] >= 0 && pos[a] < c->in[a];
                    in_pad &= pos[a] >= -p0[a] && pos[a] < c->in[a] + p1[a];
                }
                padded += in_pad;
                if (!in_x) continue;
                int64_t row = 0, col = 0, mul = 1;
                for (int a = 0; a < c->axes; a++) row = row * c->in[a] + pos[a];
                for (int a = 0; a < c->axes; a++) col += pos[a] * mul, mul *= c->in[a];
                const float v = x[nc * plane + row];
                if (best < 0 || v > m) {
                    m = v;
                    best = c->storage_order ? col : row;
                }
                sum += v;
                inside++;
            }
            y[nc * oplane + o] = is_max ? m : sum / (float)(c->count_include_pad ? padded : inside);
            if (ind != NULL) ind[nc * oplane + o] = nc * plane + best;
        }
}

static void run_case(const struct pcase *c)
{
    struct oh_node n;
    oh_node_init(&n, c->op, c->what);
    const bool global = strncmp(c->op, "Global", 6) == 0;
    if (!global) {
        oh_attr_ints(&n, "kernel_shape", c->k, (size_t)c->axes);
        oh_attr_ints(&n, "strides", c->stride, (size_t)c->axes);
        if (strcmp(c->op, "MaxPool") == 0) {
            oh_attr_ints(&n, "dilations", c->dil, (size_t)c->axes);
            if (c->storage_order) oh_attr_int(&n, "storage_order", 1);
        }
        if (c->auto_pad == NULL) oh_attr_ints(&n, "pads", c->pads, 2 * (size_t)c->axes);
        else oh_attr_string(&n, "auto_pad", c->auto_pad);
        if (c->ceil_mode) oh_attr_int(&n, "ceil_mode", 1);
        if (c->count_include_pad) oh_attr_int(&n, "count_include_pad", 1);
    }
    struct pcase g = *c;   /* a global pool: one window over the plane */
    if (global)
        for (int a = 0; a < c->axes; a++) g.k[a] = c->in[a], g.stride[a] = g.dil[a] = 1;
    int64_t xd[5] = {c->N, c->C}, yd[5] = {c->N, c->C}, out[3], p0[3], p1[3];
    for (int a = 0; a < c->axes; a++) {
        xd[2 + a] = c->in[a];
        yd[2 + a] = out[a] = out_extent(&g, a, &p0[a], &p1[a]);
    }
    const int rank = 2 + c->axes;
    struct onr_tensor x;
    oh_tensor_f32(&x, rank, xd, NULL);
    onr_test_fill(x.data, x.nbytes / 4, 21, -1, 1);
    size_t ny = (size_t)(c->N * c->C);
    for (int a = 0; a < c->axes; a++) ny *= (size_t)out[a];
    float *want = malloc(ny * sizeof *want);
    int64_t *want_i = malloc(ny * sizeof *want_i);
    naive(&g, x.data, out, p0, p1, want, want_i);

    struct onr_tensor y[4][2];
    memset(y, 0, sizeof y);
    struct onr_tensor *in[1] = {&x};
    struct onr_error err = {{0}};
    bool ok = true;
    for (int t = 0; t < 4 && ok; t++) {
        struct oh_opts o = {.opset = 13, .reference = t == 0, .threads = t ? t : 1};
        struct onr_tensor *outp[2] = {&y[t][0], c->indices ? &y[t][1] : NULL};
        enum onr_status st = oh_run(&n, &o, in, 1, outp, c->indices ? 2 : 1, &err);
        if (st != ONR_STATUS_OK) {
            fprintf(stderr, "%s (threads %d): %s %s\n", c->what, o.threads, onr_status_name(st),
                    err.message);
            onr_test_failures++;
            ok = false;
        }
    }
    if (ok) {
        CHECK(y[0][0].shape.rank == rank &&
              memcmp(y[0][0].shape.dims, yd, rank * sizeof yd[0]) == 0);
        for (int t = 0; t < 2; t++)
            if (!onr_test_close(c->what, y[t][0].data, want, ny, ONR_TEST_ATOL, ONR_TEST_RTOL))
                onr_test_failures++;
        for (int t = 2; t < 4; t++)
            if (!onr_test_bitwise(c->what, y[t][0].data, y[1][0].data, ny)) onr_test_failures++;
        if (c->indices) {
            CHECK(y[0][1].dtype == ONR_DTYPE_INT64 &&
                  onr_shape_equal(&y[0][1].shape, &y[0][0].shape));
            for (int t = 0; t < 4; t++) {
                const int64_t *got = y[t][1].data;
                size_t bad = 0;
                for (size_t i = 0; i < ny; i++) bad += got[i] != want_i[i];
                if (bad) {
                    fprintf(stderr, "%s: %zu of %zu indices differ\n", c->what, bad, ny);
                    onr_test_failures++;
                }
            }
        }
    }
    for (int t = 0; t < 4; t++) onr_tensor_free(&y[t][0]), onr_tensor_free(&y[t][1]);
    onr_tensor_free(&x);
    free(want), free(want_i);
    oh_node_free(&n);
}

static void test_values(void)
{
    const struct pcase cases[] = {
        {"max 1d k3", "MaxPool", 1, 2, 3, {17}, {3}, {1}, {1}, {0, 0}, NULL, 0, 0, 0, false},
        {"max 1d k4 s2 pads 1,2 dil 2", "MaxPool", 1, 1, 5, {23}, {4}, {2}, {2}, {1, 2}, NULL, 0, 0, 0, false},
        {"max 1d ceil", "MaxPool", 1, 1, 3, {10}, {3}, {2}, {1}, {1, 0}, NULL, 1, 0, 0, false},
        {"max 1d SAME_LOWER", "MaxPool", 1, 1, 2, {11}, {4}, {3}, {1}, {0}, "SAME_LOWER", 0, 0, 0, false},
        {"avg 1d k3 s2 pads 1", "AveragePool", 1, 2, 3, {16}, {3}, {2}, {1}, {1, 1}, NULL, 0, 0, 0, false},
        {"avg 1d count_include_pad", "AveragePool", 1, 1, 4, {15}, {4}, {3}, {1}, {2, 1}, NULL,
         0, 1, 0, false},
        {"avg 1d SAME_UPPER", "AveragePool", 1, 1, 2, {13}, {2}, {2}, {1}, {0},
         "SAME_UPPER", 0, 0, 0, false},
        {"max 3d k3", "MaxPool", 3, 1, 2, {5, 6, 7}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0}, NULL, 0, 0, 0, false},
        {"max 3d strides pads dil", "MaxPool", 3, 2, 3, {7, 8, 9}, {2, 3, 2}, {2, 1, 3},
         {2, 1, 1}, {1, 0, 1, 0, 2, 1}, NULL, 0, 0, 0, false},
        {"max 3d ceil", "MaxPool", 3, 1, 2, {6, 7, 8}, {2, 2, 3}, {2, 2, 2}, {1, 1, 1},
         {0, 1, 0, 1, 0, 1}, NULL, 1, 0, 0, false},
        {"max 3d SAME_UPPER", "MaxPool", 3, 1, 2, {5, 6, 7}, {2, 3, 2}, {2, 2, 3}, {1, 1, 1}, {0},
         "SAME_UPPER", 0, 0, 0, false},
        {"avg 3d k2 s2", "AveragePool", 3, 1, 3, {6, 5, 7}, {2, 2, 2}, {2, 2, 2}, {1, 1, 1}, {0}, NULL, 0, 0, 0, false},
        {"avg 3d pads", "AveragePool", 3, 2, 2, {5, 6, 7}, {3, 3, 2}, {1, 2, 2}, {1, 1, 1},
         {1, 1, 0, 1, 2, 1}, NULL, 0, 0, 0, false},
        {"avg 3d count_include_pad ceil", "AveragePool", 3, 1, 2, {5, 6, 7}, {3, 3, 2},
         {2, 2, 2}, {1, 1, 1}, {1, 1, 1, 1, 0, 1}, NULL, 1, 1, 0, false},
        {"avg 3d VALID", "AveragePool", 3, 1, 2, {5, 6, 7}, {3, 2, 4}, {1, 2, 1}, {1, 1, 1},
         {0}, "VALID", 0, 0, 0, false},
        {"global avg 1d", "GlobalAveragePool", 1, 2, 3, {37}, {0}, {0}, {0}, {0}, NULL, 0, 0, 0, false},
        {"global max 1d", "GlobalMaxPool", 1, 2, 3, {37}, {0}, {0}, {0}, {0}, NULL, 0, 0, 0, false},
        {"global avg 3d", "GlobalAveragePool", 3, 2, 3, {4, 5, 6}, {0}, {0}, {0}, {0}, NULL, 0, 0, 0, false},
        {"global max 3d", "GlobalMaxPool", 3, 2, 3, {4, 5, 6}, {0}, {0}, {0}, {0}, NULL, 0, 0, 0, false},
        /* Indices */
        {"max 1d indices", "MaxPool", 1, 2, 3, {19}, {3}, {2}, {1}, {1, 1}, NULL, 0, 0, 0, true},
        {"max 1d indices order 1", "MaxPool", 1, 2, 3, {19}, {4}, {3}, {2}, {1, 0}, NULL, 0, 0, 1,
         true},
        {"max 2d indices", "MaxPool", 2, 2, 3, {9, 11}, {3, 2}, {2, 1}, {1, 2}, {1, 0, 1, 1}, NULL,
         0, 0, 0, true},
        {"max 2d indices order 1", "MaxPool", 2, 2, 3, {9, 11}, {3, 2}, {2, 3}, {1, 1},
         {1, 1, 0, 1}, NULL, 1, 0, 1, true},
        {"max 2d indices SAME_UPPER", "MaxPool", 2, 1, 2, {8, 7}, {2, 3}, {2, 2}, {1, 1}, {0},
         "SAME_UPPER", 0, 0, 0, true},
        {"max 3d indices", "MaxPool", 3, 1, 2, {5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {1, 1, 2},
         {1, 0, 1, 0, 1, 0}, NULL, 0, 0, 0, true},
        {"max 3d indices order 1", "MaxPool", 3, 1, 2, {5, 6, 7}, {2, 3, 2}, {2, 1, 2},
         {1, 1, 2}, {1, 0, 1, 0, 1, 0}, NULL, 0, 0, 1, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
}

/* Equal maxima: the first in window order gives the index (ONNX Runtime's
 * and PyTorch's choice). */
static void test_ties(void)
{
    struct oh_node n;
    oh_node_init(&n, "MaxPool", "mp_ties");
    const int64_t k[1] = {3}, s[1] = {1}, xd[3] = {1, 1, 5};
    oh_attr_ints(&n, "kernel_shape", k, 1);
    oh_attr_ints(&n, "strides", s, 1);
    const float xv[5] = {1, 2, 2, 0, 2};
    struct onr_tensor x, y = {0}, ind = {0};
    oh_tensor_f32(&x, 3, xd, xv);
    struct onr_tensor *in[1] = {&x}, *out[2] = {&y, &ind};
    struct oh_opts o = {.opset = 13};
    struct onr_error err = {{0}};
    CHECK_STATUS(oh_run(&n, &o, in, 1, out, 2, &err), ONR_STATUS_OK);
    if (ind.data != NULL) {
        const int64_t *got = ind.data;
        CHECK(got[0] == 1 && got[1] == 1 && got[2] == 2);
    }
    onr_tensor_free(&x), onr_tensor_free(&y), onr_tensor_free(&ind), oh_node_free(&n);
}

/* MaxPool on uint8 and int8 X (opset 12): integer values held in float for
 * the naive loop, so the expected maxima and indices are exact; 2-D cases
 * too (integer X always takes the reference kernel). */
static void test_integer_maxpool(void)
{
    const struct pcase cases[] = {
        {"int max 2d k3 s2 pads", "MaxPool", 2, 2, 3, {9, 11}, {3, 3}, {2, 2}, {1, 1},
         {1, 1, 0, 1}, NULL, 0, 0, 0, true},
        {"int max 1d dil", "MaxPool", 1, 1, 2, {19}, {3}, {2}, {2}, {1, 1}, NULL, 0, 0, 0, true},
        {"int max 3d ceil", "MaxPool", 3, 1, 2, {4, 5, 6}, {2, 2, 3}, {2, 2, 2}, {1, 1, 1},
         {0, 1, 0, 1, 0, 1}, NULL, 1, 0, 1, true},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
        for (int u = 0; u < 2; u++) {
            const struct pcase *c = &cases[ci];
            const enum onr_dtype dtype = u ? ONR_DTYPE_UINT8 : ONR_DTYPE_INT8;
            struct oh_node n;
            oh_node_init(&n, "MaxPool", c->what);
            oh_attr_ints(&n, "kernel_shape", c->k, (size_t)c->axes);
            oh_attr_ints(&n, "strides", c->stride, (size_t)c->axes);
            oh_attr_ints(&n, "dilations", c->dil, (size_t)c->axes);
            oh_attr_ints(&n, "pads", c->pads, 2 * (size_t)c->axes);
            if (c->ceil_mode) oh_attr_int(&n, "ceil_mode", 1);
            if (c->storage_order) oh_attr_int(&n, "storage_order", 1);
            struct onr_shape xs = {.rank = 2 + c->axes, .dims = {c->N, c->C}};
            int64_t out[3], p0[3], p1[3];
            size_t ny = (size_t)(c->N * c->C);
            for (int a = 0; a < c->axes; a++) {
                xs.dims[2 + a] = c->in[a];
                out[a] = out_extent(c, a, &p0[a], &p1[a]);
                ny *= (size_t)out[a];
            }
            struct onr_tensor x = {0}, y = {0}, yi = {0};
            CHECK_STATUS(onr_tensor_alloc(&x, dtype, &xs, NULL), ONR_STATUS_OK);
            const size_t nx = x.nbytes;
            float *xf = malloc(nx * sizeof *xf);
            onr_test_fill(xf, nx, 31 + u, 0, 1);
            for (size_t i = 0; i < nx; i++) {
                const int v = u ? (int)(xf[i] * 256.0f) : (int)(xf[i] * 256.0f) - 128;
                xf[i] = (float)v;
                if (u) ((uint8_t *)x.data)[i] = (uint8_t)v;
                else ((int8_t *)x.data)[i] = (int8_t)v;
            }
            float *want = malloc(ny * sizeof *want);
            int64_t *want_i = malloc(ny * sizeof *want_i);
            naive(c, xf, out, p0, p1, want, want_i);
            struct onr_tensor *in[1] = {&x}, *outp[2] = {&y, &yi};
            struct oh_opts o = {.opset = 12, .threads = 2};
            struct onr_error err = {{0}};
            CHECK_STATUS(oh_run(&n, &o, in, 1, outp, 2, &err), ONR_STATUS_OK);
            if (y.data != NULL) {
                CHECK(y.dtype == dtype && y.nbytes == ny);
                size_t bad = 0;
                for (size_t i = 0; i < ny; i++) {
                    const float got = u ? (float)((uint8_t *)y.data)[i]
                                        : (float)((int8_t *)y.data)[i];
                    bad += got != want[i] || ((int64_t *)yi.data)[i] != want_i[i];
                }
                if (bad) {
                    fprintf(stderr, "%s (%s): %zu of %zu outputs differ\n", c->what,
                            onr_dtype_name(dtype), bad, ny);
                    onr_test_failures++;
                }
            }
            /* before opset 12 MaxPool is float-only */
            struct oh_opts o11 = {.opset = 11};
            oh_expect_error("int8 MaxPool at opset 11", &n, &o11, in, 1, 1,
                            ONR_STATUS_UNSUPPORTED);
            onr_tensor_free(&x), onr_tensor_free(&y), onr_tensor_free(&yi);
            free(xf), free(want), free(want_i);
            oh_node_free(&n);
        }
}

int main(void)
{
    test_values();
    test_ties();
    test_integer_maxpool();
    if (onr_test_failures) fprintf(stderr, "test_pool1d3d: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
