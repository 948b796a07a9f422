/* Pooling: the reference kernels on a hand-computed 4x4 case; the scalar
 * kernels against them (bitwise: same order of operations) over kernel
 * sizes, strides, pads, dilations and odd spatial sizes; the ops' output
 * shapes (ceil_mode with PyTorch's last-window rule, auto_pad), reference
 * vs fast and 1 vs 3 threads bitwise, global pools against sums written
 * here, the global average pool's partial-sum kernels (portable, AVX2,
 * AVX-512) against the in-order oracle and bitwise against each other, and
 * the error paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "ops/kernels/pool.h"
#include "runtime/cpu.h"
#include "testutil.h"

static void test_hand_computed(void)
{
    /* x = 0..15 as 4x4; 3x3 windows, stride 2, pad 1 on every side. */
    float x[16], ymax[4], yavg[4], yinc[4];
    for (int i = 0; i < 16; i++) x[i] = (float)i;
    struct onr_pool_shape s = {
        .N = 1, .C = 1, .H = 4, .W = 4, .OH = 2, .OW = 2, .KH = 3, .KW = 3,
        .stride_h = 2, .stride_w = 2, .dil_h = 1, .dil_w = 1,
        .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
    };
    onr_maxpool2d_f32__ref(&s, x, ymax, 1);
    onr_avgpool2d_f32__ref(&s, x, yavg, 1);
    s.count_include_pad = true;
    onr_avgpool2d_f32__ref(&s, x, yinc, 1);
    /* Windows: rows/cols {-1,0,1} and {1,2,3}. */
    const float want_max[4] = {5, 7, 13, 15};
    const float want_avg[4] = {(0 + 1 + 4 + 5) / 4.0f, (1 + 2 + 3 + 5 + 6 + 7) / 6.0f,
                               (4 + 5 + 8 + 9 + 12 + 13) / 6.0f,
                               (5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9.0f};
    const float want_inc[4] = {10 / 9.0f, 24 / 9.0f, 51 / 9.0f, 90 / 9.0f};
    CHECK(onr_test_close("maxpool hand", ymax, want_max, 4, 0, 0));
    CHECK(onr_test_close("avgpool hand", yavg, want_avg, 4, ONR_TEST_ATOL, ONR_TEST_RTOL));
    CHECK(onr_test_close("avgpool incl hand", yinc, want_inc, 4, ONR_TEST_ATOL, ONR_TEST_RTOL));
}

static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
    return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}

static void test_kernels(void)
{
    static const int64_t sizes[] = {1, 2, 3, 7, 8, 9, 15, 17};
    int cases = 0;
    for (int k = 1; k <= 3; k++)
        for (int st = 1; st <= 2; st++)
            for (int d = 1; d <= 2; d++)
                for (int pad = 0; pad < k; pad++)
                    for (size_t h = 0; h < sizeof sizes / sizeof sizes[0]; h += 2)
                        for (int inc = 0; inc < 2; inc++) {
                            const int64_t H = sizes[h], W = sizes[(h + 3) % 8];
                            struct onr_pool_shape s = {
                                .N = 2, .C = 3, .H = H, .W = W, .KH = k, .KW = k + (st == 2),
                                .stride_h = st, .stride_w = 3 - st, .dil_h = d, .dil_w = d,
                                .pad_top = pad, .pad_left = pad, .pad_bottom = 0,
                                .pad_right = pad, .count_include_pad = inc,
                            };
                            s.OH = out_size(H, s.KH, s.stride_h, d, pad, 0);
                            s.OW = out_size(W, s.KW, s.stride_w, d, pad, pad);
                            if (s.OH < 1 || s.OW < 1) continue;
                            const size_t nx = (size_t)(6 * H * W), ny = (size_t)(6 * s.OH * s.OW);
                            float *x = malloc(nx * 4), *r = malloc(ny * 4), *f = malloc(ny * 4);
                            onr_test_fill(x, nx, (uint64_t)cases, -1, 1);
                            char what[96];
                            snprintf(what, sizeof what, "max k%d s%d d%d p%d %lldx%lld", k, st, d,
                                     pad, (long long)H, (long long)W);
                            onr_maxpool2d_f32__ref(&s, x, r, 1);
                            onr_maxpool2d_f32__scalar(&s, x, f, 2);
                            CHECK(onr_test_bitwise(what, f, r, ny));
#if defined(__x86_64__)
                            if (onr_cpu_has_avx2_fma()) {
                                onr_maxpool2d_f32__avx2(&s, x, f, 2);
                                CHECK(onr_test_bitwise(what, f, r, ny));
                            }
#endif
                            if (d == 1) {
                                what[0] = 'a', what[1] = 'v', what[2] = 'g';
                                onr_avgpool2d_f32__ref(&s, x, r, 1);
                                onr_avgpool2d_f32__scalar(&s, x, f, 3);
                                CHECK(onr_test_bitwise(what, f, r, ny));
                            }
                            free(x), free(r), free(f);
                            cases++;
                        }
    CHECK(cases > 100);
}

/* Runs a pool op on x (N, C, H, W); returns y (caller frees). */
static enum onr_status run_pool(struct oh_node *n, int64_t opset, const int64_t *dims,
                                int rank, bool reference, int threads, struct onr_tensor *y)
{
    struct onr_tensor x;
    oh_tensor_f32(&x, rank, dims, NULL);
    onr_test_fill(x.data, x.nbytes / 4, 99, -3, 3);
    struct onr_tensor *in[1] = {&x}, *out[1] = {y};
    memset(y, 0, sizeof *y);
    struct oh_opts o = {.opset = opset, .reference = reference, .threads = threads};
    struct onr_error err = {{0}};
    enum onr_status st = oh_run(n, &o, in, 1, out, 1, &err);
    if (st != ONR_STATUS_OK) fprintf(stderr, "%s: %s\n", onr_status_name(st), err.message);
    onr_tensor_free(&x);
    return st;
}

/* Output shape for one attribute set, and ref vs fast vs 3 threads. */
static void check_op(const char *op, int64_t opset, const char *auto_pad, const int64_t *kernel,
                     const int64_t *strides, const int64_t *pads, int ceil_mode, int64_t H,
                     int64_t W, int64_t want_oh, int64_t want_ow)
{
    struct oh_node n;
    oh_node_init(&n, op, "pool_1");
    oh_attr_ints(&n, "kernel_shape", kernel, 2);
    if (strides) oh_attr_ints(&n, "strides", strides, 2);
    if (pads) oh_attr_ints(&n, "pads", pads, 4);
    if (auto_pad) oh_attr_string(&n, "auto_pad", auto_pad);
    if (ceil_mode) oh_attr_int(&n, "ceil_mode", 1);
    const int64_t dims[4] = {2, 5, H, W};
    struct onr_tensor r, f, f3;
    CHECK_STATUS(run_pool(&n, opset, dims, 4, true, 1, &r), ONR_STATUS_OK);
    CHECK_STATUS(run_pool(&n, opset, dims, 4, false, 1, &f), ONR_STATUS_OK);
    CHECK_STATUS(run_pool(&n, opset, dims, 4, false, 3, &f3), ONR_STATUS_OK);
    if (r.data && f.data && f3.data) {
        if (r.shape.dims[2] != want_oh || r.shape.dims[3] != want_ow) {
            fprintf(stderr, "%s %s: output %lldx%lld, expected %lldx%lld\n", op,
                    auto_pad ? auto_pad : "", (long long)r.shape.dims[2],
                    (long long)r.shape.dims[3], (long long)want_oh, (long long)want_ow);
            onr_test_failures++;
        }
        CHECK(onr_test_bitwise(op, f.data, r.data, r.nbytes / 4));
        CHECK(onr_test_bitwise(op, f3.data, r.data, r.nbytes / 4));
    }
    onr_tensor_free(&r), onr_tensor_free(&f), onr_tensor_free(&f3), oh_node_free(&n);
}

static void test_ops(void)
{
    static const int64_t k3[2] = {3, 3}, k2[2] = {2, 2}, s2[2] = {2, 2}, p1[4] = {1, 1, 1, 1};
    static const int64_t p_end[4] = {0, 0, 1, 1};
    for (int i = 0; i < 2; i++) {
        const char *op = i ? "MaxPool" : "AveragePool";
        check_op(op, 13, NULL, k3, s2, p1, 0, 112, 111, 56, 56);
        check_op(op, 13, NULL, k2, s2, NULL, 0, 7, 8, 3, 4);
        check_op(op, 13, NULL, k2, s2, NULL, 1, 7, 8, 4, 4);  /* ceil */
        /* ceil_mode: (4 + 1 - 2) / 2 + 1 = 2.5 -> 3, but the third window
         * would start at row 4, inside the end padding: dropped (PyTorch). */
        check_op(op, 11, NULL, k2, s2, p_end, 1, 4, 4, 2, 2);
        /* (6 + 2 - 3) / 2 + 1 = 3.5 -> 4: the last window starts at row 5. */
        check_op(op, 13, NULL, k3, s2, p1, 1, 6, 6, 4, 4);
        check_op(op, 13, "SAME_UPPER", k3, s2, NULL, 0, 7, 9, 4, 5);
        check_op(op, 13, "SAME_LOWER", k2, NULL, NULL, 0, 6, 5, 6, 5);
        check_op(op, 13, "VALID", k3, s2, NULL, 0, 7, 9, 3, 4);
    }
    /* count_include_pad changes the border values only. */
    struct oh_node n;
    oh_node_init(&n, "AveragePool", "avg_incl");
    oh_attr_ints(&n, "kernel_shape", k3, 2);
    oh_attr_ints(&n, "pads", p1, 4);
    oh_attr_int(&n, "count_include_pad", 1);
    const int64_t dims[4] = {1, 2, 5, 5};
    struct onr_tensor r, f;
    CHECK_STATUS(run_pool(&n, 13, dims, 4, true, 1, &r), ONR_STATUS_OK);
    CHECK_STATUS(run_pool(&n, 13, dims, 4, false, 2, &f), ONR_STATUS_OK);
    if (r.data && f.data) CHECK(onr_test_bitwise("count_include_pad", f.data, r.data, 50));
    onr_tensor_free(&r), onr_tensor_free(&f), oh_node_free(&n);
}

static void test_global(void)
{
    for (int m = 0; m < 2; m++) {
        struct oh_node n;
        oh_node_init(&n, m ? "GlobalMaxPool" : "GlobalAveragePool", "gap");
        const int64_t dims[5] = {2, 3, 7, 5, 3};
        for (int rank = 3; rank <= 5; rank++) {
            struct onr_tensor x, y = {0};
            oh_tensor_f32(&x, rank, dims, NULL);
            const int64_t planes = 6, size = (int64_t)(x.nbytes / 4) / planes;
            onr_test_fill(x.data, x.nbytes / 4, 5, -1, 1);
            struct onr_tensor *in[1] = {&x}, *out[1] = {&y};
            struct oh_opts o = {.opset = 1, .threads = 2};
            struct onr_error err = {{0}};
            CHECK_STATUS(oh_run(&n, &o, in, 1, out, 1, &err), ONR_STATUS_OK);
            CHECK(y.shape.rank == rank && y.shape.dims[1] == 3 && y.shape.dims[rank - 1] == 1);
            if (y.data != NULL) {
                float ref[6];
                const float *xs = x.data;
                for (int64_t p = 0; p < planes; p++) {
                    double acc = m ? -INFINITY : 0.0;
                    for (int64_t k = 0; k < size; k++)
                        acc = m ? fmax(acc, xs[p * size + k]) : acc + xs[p * size + k];
                    ref[p] = (float)(m ? acc : acc / (double)size);
                }
                CHECK(onr_test_close(n.op_type, y.data, ref, 6, ONR_TEST_ATOL, ONR_TEST_RTOL));
            }
            onr_tensor_free(&x), onr_tensor_free(&y);
        }
        oh_node_free(&n);
    }
}

/* MaxPool's vector columns: rows wide enough for several 8-column blocks,
 * every kernel width, column stride and dilation, pads, and NaNs. */
static void test_maxpool_wide(void)
{
    static const int64_t widths[] = {16, 23, 24, 31, 40, 57, 112, 113};
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
        for (int kw = 1; kw <= 4; kw++)
            for (int sw = 1; sw <= 3; sw++)
                for (int d = 1; d <= 2; d++)
                    for (int pad = 0; pad < kw && pad < 2; pad++) {
                        const int64_t W = widths[wi], H = 5;
                        struct onr_pool_shape s = {
                            .N = 1, .C = 2, .H = H, .W = W, .KH = 3, .KW = kw,
                            .stride_h = 2, .stride_w = sw, .dil_h = 1, .dil_w = d,
                            .pad_top = 1, .pad_left = pad, .pad_bottom = 1, .pad_right = pad,
                        };
                        s.OH = out_size(H, 3, 2, 1, 1, 1);
                        s.OW = out_size(W, kw, sw, d, pad, pad);
                        if (s.OW < 1) continue;
                        const size_t nx = (size_t)(2 * H * W), ny = (size_t)(2 * s.OH * s.OW);
                        float *x = malloc(nx * 4), *r = malloc(ny * 4), *f = malloc(ny * 4);
                        onr_test_fill(x, nx, (uint64_t)(wi * 100 + kw * 10 + sw), -1, 1);
                        x[(size_t)(W + 9)] = NAN; /* row 1, inside a vector block */
                        x[nx - 1] = -0.0f;
                        char what[96];
                        snprintf(what, sizeof what, "maxpool wide W%lld k%d s%d d%d p%d",
                                 (long long)W, kw, sw, d, pad);
                        onr_maxpool2d_f32__ref(&s, x, r, 1);
                        onr_maxpool2d_f32__scalar(&s, x, f, 1);
                        CHECK(onr_test_bitwise(what, f, r, ny));
#if defined(__x86_64__)
                        if (onr_cpu_has_avx2_fma()) {
                            onr_maxpool2d_f32__avx2(&s, x, f, 3);
                            CHECK(onr_test_bitwise(what, f, r, ny));
                        }
#endif
                        free(x), free(r), free(f);
                    }
}

/* GlobalAveragePool kernels over plane sizes around the 32-lane block. */
static void test_global_kernels(void)
{
    static const int64_t sizes[] = {1,  2,  7,  8,  9,  15, 16,  17,  31,  32,   33,
                                    47, 49, 63, 64, 65, 96, 196, 784, 3136, 12544};
    const struct {
        const char *name;
        onr_global_pool_f32_fn fn;
        bool (*has)(void);
    } fast[] = {
        {"scalar", onr_global_avgpool_f32__scalar, NULL},
#if defined(__x86_64__)
        {"avx2", onr_global_avgpool_f32__avx2, onr_cpu_has_avx2_fma},
        {"avx512", onr_global_avgpool_f32__avx512, onr_cpu_has_avx512},
#endif
    };
    const int64_t planes = 5;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (int range = 0; range < 2; range++) {
            const int64_t size = sizes[si];
            float *x = malloc((size_t)(planes * size) * 4), ref[5], base[5], got[5], t3[5];
            onr_test_fill(x, (size_t)(planes * size), (uint64_t)(si * 2 + range),
                          range ? -1.0f : 0.0f, range ? 1.0f : 2.0f);
            onr_global_avgpool_f32__ref(planes, size, x, ref, 1);
            onr_global_avgpool_f32__scalar(planes, size, x, base, 1);
            for (size_t f = 0; f < sizeof fast / sizeof fast[0]; f++) {
                if (fast[f].has != NULL && !fast[f].has()) continue;
                char what[64];
                snprintf(what, sizeof what, "gap %s size %lld range %d", fast[f].name,
                         (long long)size, range);
                fast[f].fn(planes, size, x, got, 1);
                fast[f].fn(planes, size, x, t3, 3);
                CHECK(onr_test_close(what, got, ref, 5, ONR_TEST_ATOL, ONR_TEST_RTOL));
                CHECK(onr_test_bitwise(what, got, base, 5));
                CHECK(onr_test_bitwise(what, t3, got, 5));
            }
            free(x);
        }
}

static void test_errors(void)
{
    static const int64_t k3[2] = {3, 3}, k1[1] = {3}, p3[4] = {3, 0, 0, 0};
    const int64_t d4[4] = {1, 2, 8, 8}, d3[3] = {1, 2, 8};
    struct onr_tensor x4, x3;
    oh_tensor_f32(&x4, 4, d4, NULL);
    oh_tensor_f32(&x3, 3, d3, NULL);
    struct onr_tensor *in[1] = {&x4};
    struct oh_opts o = {.opset = 13};
    struct oh_node n;

    /* Attribute lengths: against X's rank and against kernel_shape's. */
    const int64_t k4[4] = {1, 1, 1, 1}, p2[2] = {0, 0}, s1[1] = {1}, d6[6] = {1, 1, 2, 2, 2, 2};
    oh_node_init(&n, "MaxPool", "mp_rank");
    oh_attr_ints(&n, "kernel_shape", k3, 2);
    in[0] = &x3;
    oh_expect_error("MaxPool 2-D kernel on rank-3 X", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    oh_node_init(&n, "AveragePool", "ap_1d_on_4");
    oh_attr_ints(&n, "kernel_shape", k1, 1);
    in[0] = &x4;
    oh_expect_error("AveragePool 1-D kernel on rank-4 X", &n, &o, in, 1, 1,
                    ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    oh_node_init(&n, "MaxPool", "mp_k4");
    oh_attr_ints(&n, "kernel_shape", k4, 4);
    oh_expect_error("kernel_shape of 4 values", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    oh_node_init(&n, "MaxPool", "mp_pads2");
    oh_attr_ints(&n, "kernel_shape", k3, 2);
    oh_attr_ints(&n, "pads", p2, 2);
    oh_expect_error("pads of 2 values for 2 axes", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    oh_node_init(&n, "AveragePool", "ap_strides1");
    oh_attr_ints(&n, "kernel_shape", k3, 2);
    oh_attr_ints(&n, "strides", s1, 1);
    oh_expect_error("strides of 1 value for 2 axes", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    oh_node_init(&n, "MaxPool", "mp_order2");
    oh_attr_ints(&n, "kernel_shape", k3, 2);
    oh_attr_int(&n, "storage_order", 2);
    oh_expect_error("storage_order 2", &n, &o, in, 1, 2, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    struct onr_tensor x6;
    oh_tensor_f32(&x6, 6, d6, NULL);
    oh_node_init(&n, "MaxPool", "mp_rank6");
    oh_attr_ints(&n, "kernel_shape", k4, 4);
    in[0] = &x6;
    oh_expect_error("MaxPool rank 6", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x6);

    in[0] = &x4;
    oh_node_init(&n, "AveragePool", "ap_pads");
    oh_attr_ints(&n, "kernel_shape", k3, 2);
    oh_attr_ints(&n, "pads", p3, 4);
    oh_expect_error("pads >= kernel", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    oh_node_init(&n, "AveragePool", "ap_nokernel");
    oh_expect_error("no kernel_shape", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    oh_node_init(&n, "GlobalAveragePool", "gap_rank2");
    const int64_t d2[2] = {2, 3};
    struct onr_tensor x2;
    oh_tensor_f32(&x2, 2, d2, NULL);
    in[0] = &x2;
    oh_expect_error("GlobalAveragePool rank 2", &n, &o, in, 1, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_node_free(&n);
    onr_tensor_free(&x2), onr_tensor_free(&x3), onr_tensor_free(&x4);
}

int main(void)
{
    test_hand_computed();
    test_kernels();
    test_ops();
    test_global();
    test_global_kernels();
    test_maxpool_wide();
    test_errors();
    printf("test_pool: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
