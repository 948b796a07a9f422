/* The direct few-channel Conv kernel (onr_conv2d_f32_smallc__avx512)
 * against the oracle onr_conv2d_f32__ref: C 1..4, kernels 1..7 (square and
 * not), strides 1..3 per axis, dilations, pads on each side, odd and wide
 * rows (the stride-2 vector gather), output channels around the 16/8/4
 * blocks, with and without bias, every activation; 1 vs 3 threads bitwise;
 * and which shapes fits() accepts. Skipped (passes) without AVX-512. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "ops/kernels/conv.h"
#include "kernel_isa.h"
#include "testutil.h"

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},       {ONR_ACT_RELU, 0.0f, 0.0f},
    {ONR_ACT_CLIP, 0.0f, 6.0f},       {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f},
    {ONR_ACT_HARDSWISH, 0.0f, 0.0f},  {ONR_ACT_SIGMOID, 0.0f, 0.0f},
    {ONR_ACT_SILU, 0.0f, 0.0f},
};
enum { N_ACTS = sizeof acts / sizeof acts[0] };

static int cases;

static void check(struct onr_conv_shape s, bool bias, int act)
{
    s.OH = (s.H + s.pad_top + s.pad_bottom - ((s.KH - 1) * s.dil_h + 1)) / s.stride_h + 1;
    s.OW = (s.W + s.pad_left + s.pad_right - ((s.KW - 1) * s.dil_w + 1)) / s.stride_w + 1;
    if (s.OH < 1 || s.OW < 1 || !onr_conv2d_f32_smallc_fits(&s)) return;
    const size_t nx = (size_t)(s.N * s.C * s.H * s.W), nw = (size_t)(s.OC * s.C * s.KH * s.KW);
    const size_t ny = (size_t)(s.N * s.OC * s.OH * s.OW);
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((size_t)s.OC * 4);
    float *ref = malloc(ny * 4), *y1 = malloc(ny * 4), *y3 = malloc(ny * 4);
    onr_test_fill(x, nx, (uint64_t)cases * 3 + 1, -2, 2);
    onr_test_fill(w, nw, (uint64_t)cases * 3 + 2, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)s.OC, (uint64_t)cases * 3 + 3, -1, 1);
    const float *bp = bias ? b : NULL;
    onr_conv2d_f32__ref(&s, x, w, bp, &acts[act], ref);
#if defined(__x86_64__)
    onr_conv2d_f32_smallc__avx512(&s, x, w, bp, &acts[act], y1, 1);
    onr_conv2d_f32_smallc__avx512(&s, x, w, bp, &acts[act], y3, 3);
#endif
    char what[192];
    snprintf(what, sizeof what,
             "smallc N%lld C%lld %lldx%lld OC%lld k%lldx%lld s%lldx%lld p%lld,%lld,%lld,%lld "
             "d%lldx%lld bias=%d act=%d", (long long)s.N, (long long)s.C, (long long)s.H,
             (long long)s.W, (long long)s.OC, (long long)s.KH, (long long)s.KW,
             (long long)s.stride_h, (long long)s.stride_w, (long long)s.pad_top,
             (long long)s.pad_left, (long long)s.pad_bottom, (long long)s.pad_right,
             (long long)s.dil_h, (long long)s.dil_w, bias, act);
    CHECK(onr_test_close(what, y1, ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL));
    CHECK(onr_test_bitwise(what, y3, y1, ny));
    cases++;
    free(x), free(w), free(b), free(ref), free(y1), free(y3);
}

/* Kernel sizes, strides, pads and channel counts over small odd images. */
static void test_sweep(void)
{
    static const int64_t ks[][2] = {{1, 1}, {3, 3}, {5, 5}, {7, 7}, {3, 5}, {2, 4}};
    static const int64_t ocs[] = {1, 3, 4, 7, 8, 9, 16, 17, 33};
    static const int64_t sizes[][2] = {{9, 13}, {17, 31}, {6, 40}};
    int i = 0;
    for (int64_t C = 1; C <= 4; C++)
        for (size_t k = 0; k < sizeof ks / sizeof ks[0]; k++)
            for (int64_t sh = 1; sh <= 3; sh++)
                for (int64_t sw = 1; sw <= 3; sw++)
                    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++, i++) {
                        const int64_t KH = ks[k][0], KW = ks[k][1];
                        struct onr_conv_shape s = {
                            .N = 1 + (i % 5 == 0), .C = C, .H = sizes[z][0], .W = sizes[z][1],
                            .OC = ocs[i % 9], .KH = KH, .KW = KW, .stride_h = sh,
                            .stride_w = sw, .pad_top = (KH / 2 + i) % (KH / 2 + 1),
                            .pad_left = KW / 2, .pad_bottom = i % 2 ? KH - 1 : 0,
                            .pad_right = (i / 2) % 2 ? KW / 2 + 1 : 0, .dil_h = 1 + (i % 7 == 3),
                            .dil_w = 1 + (i % 11 == 5), .group = 1,
                        };
                        check(s, i % 3 != 0, i % N_ACTS);
                    }
}

/* The first Conv of MobileNet/EfficientNet/ResNet, on shorter images. */
static void test_first_convs(void)
{
    static const int64_t first[][4] = {{3, 32, 3, 2}, {3, 16, 3, 2}, {3, 64, 7, 2},
                                       {1, 24, 3, 1}, {4, 20, 5, 2}};
    for (size_t f = 0; f < sizeof first / sizeof first[0]; f++)
        for (int act = 0; act < N_ACTS; act++) {
            const int64_t k = first[f][2];
            struct onr_conv_shape s = {
                .N = 1, .C = first[f][0], .H = 13, .W = 224 + (act % 2), .OC = first[f][1],
                .KH = k, .KW = k, .stride_h = first[f][3], .stride_w = first[f][3],
                .pad_top = k / 2, .pad_left = k / 2, .pad_bottom = k / 2, .pad_right = k / 2,
                .dil_h = 1, .dil_w = 1, .group = 1,
            };
            check(s, act != 1, act);
        }
}

/* Tasks of 3 output rows (a full-size MobileNet stem, row counts that
 * leave 1 or 2 rows over) and of single rows (a wide 7x7 dilated kernel
 * whose 3-row input span overflows the row buffer). */
static void test_row_blocks(void)
{
    struct onr_conv_shape s = {
        .N = 2, .C = 3, .H = 224, .W = 224, .OC = 32, .KH = 3, .KW = 3, .stride_h = 2,
        .stride_w = 2, .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
        .dil_h = 1, .dil_w = 1, .group = 1,
    };
    check(s, true, 2);
    s.N = 1, s.H = 9, s.OC = 12;
    check(s, false, 1); /* 5 rows: 3 + 2 */
    s.H = 13;
    check(s, true, 0); /* 7 rows: 3 + 3 + 1 */
    s = (struct onr_conv_shape){
        .N = 1, .C = 4, .H = 40, .W = 230, .OC = 13, .KH = 7, .KW = 7, .stride_h = 3,
        .stride_w = 2, .pad_top = 3, .pad_left = 3, .pad_bottom = 3, .pad_right = 3,
        .dil_h = 2, .dil_w = 1, .group = 1,
    };
    check(s, true, 6);
}

static void test_fits(void)
{
    struct onr_conv_shape s = {
        .N = 1, .C = 3, .H = 224, .W = 224, .OC = 32, .KH = 3, .KW = 3, .OH = 112, .OW = 112,
        .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_left = 1, .pad_bottom = 1,
        .pad_right = 1, .dil_h = 1, .dil_w = 1, .group = 1,
    };
    CHECK(onr_conv2d_f32_smallc_fits(&s));
    s.C = 5;
    CHECK(!onr_conv2d_f32_smallc_fits(&s)); /* too many channels */
    s.C = 3, s.group = 3;
    CHECK(!onr_conv2d_f32_smallc_fits(&s)); /* grouped */
    s.group = 1, s.OW = 100000;
    CHECK(!onr_conv2d_f32_smallc_fits(&s)); /* row buffer too small */
}

/* Registered for avx512 only: the kernel and its fits() are AVX-512 code. */
int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_conv_direct");
    if (rc >= 0) return rc;
    if (!kt_runs(ONR_ISA_AVX512)) {
        printf("test_conv_direct: skipped, the CPU's ISA level is %s\n", onr_isa_name(onr_cpu_isa()));
        return KT_SKIPPED;
    }
    test_fits();
    test_sweep();
    test_first_convs();
    test_row_blocks();
    printf("test_conv_direct: %d cases, %d failures\n", cases, onr_test_failures);
    return onr_test_failures != 0 || cases < 300;
}
