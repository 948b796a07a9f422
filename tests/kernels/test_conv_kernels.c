/* Conv kernels: the oracle onr_conv2d_f32__ref on hand-computed cases, then
 * every entry of the kernel table (kernels/conv.h: onr_conv2d_kernels) that
 * the CPU's ISA level allows against the
 * oracle over channels 1..33 around the tile sizes, odd spatial sizes,
 * strides 1-3, symmetric and asymmetric pads, dilations 1-2, kernels 1x1,
 * 3x3, 5x5, 1x3, groups 1, 2, 3, C and C with multiplier 2, batch 1 and 3,
 * with and without bias, each activation; and 1 vs 2 vs 3 threads bitwise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/conv.h"
#include "testutil.h"

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},   {ONR_ACT_RELU, 0.0f, 0.0f},
    {ONR_ACT_CLIP, -0.5f, 0.5f},  {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f},
    {ONR_ACT_HARDSWISH, 0.0f, 0.0f},
    {ONR_ACT_SIGMOID, 0.0f, 0.0f},
    {ONR_ACT_SILU, 0.0f, 0.0f},
};
static const struct onr_activation no_act = {ONR_ACT_NONE, 0.0f, 0.0f};

static struct onr_conv_shape make_shape(int64_t N, int64_t C, int64_t H, int64_t W,
                                        int64_t OC, int64_t KH, int64_t KW)
{
    struct onr_conv_shape s = {.N = N, .C = C, .H = H, .W = W, .OC = OC, .KH = KH, .KW = KW,
                               .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1,
                               .group = 1};
    return s;
}

/* Output dims from the rest; 0 when the kernel does not fit. */
static void set_out(struct onr_conv_shape *s)
{
    int64_t eh = (s->KH - 1) * s->dil_h + 1, ew = (s->KW - 1) * s->dil_w + 1;
    int64_t ph = s->H + s->pad_top + s->pad_bottom, pw = s->W + s->pad_left + s->pad_right;
    s->OH = ph >= eh ? (ph - eh) / s->stride_h + 1 : 0;
    s->OW = pw >= ew ? (pw - ew) / s->stride_w + 1 : 0;
}

static void oracle_hand_cases(void)
{
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}; /* 3x3 */
    const float w[4] = {1, 2, 3, 4};                /* 2x2 */
    const float b[1] = {1};
    float y[4];
    /* Valid 2x2 window over 1..9, plus bias. */
    struct onr_conv_shape s = make_shape(1, 1, 3, 3, 1, 2, 2);
    set_out(&s);
    onr_conv2d_f32__ref(&s, x, w, b, &no_act, y);
    const float want1[4] = {38, 48, 68, 78};
    CHECK(s.OH == 2 && s.OW == 2 && memcmp(y, want1, sizeof y) == 0);
    /* Pads 1, stride 2: the corners see mostly zeros. */
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 1;
    s.stride_h = s.stride_w = 2;
    set_out(&s);
    onr_conv2d_f32__ref(&s, x, w, NULL, &no_act, y);
    const float want2[4] = {4, 18, 36, 77};
    CHECK(s.OH == 2 && s.OW == 2 && memcmp(y, want2, sizeof y) == 0);
    /* Depthwise over two channels with dilation 2 (one output each), and
     * Relu clamping the negative channel. */
    const float x2[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, -4, -5, -6, -7, -8, -9};
    const float w2[8] = {1, 0, 0, 1, 1, 1, 1, 1};
    const struct onr_activation relu = {ONR_ACT_RELU, 0, 0};
    s = make_shape(1, 2, 3, 3, 2, 2, 2);
    s.group = 2;
    s.dil_h = s.dil_w = 2;
    set_out(&s);
    onr_conv2d_f32__ref(&s, x2, w2, NULL, &no_act, y);
    CHECK(s.OH == 1 && s.OW == 1 && y[0] == 1 + 9 && y[1] == -1 - 3 - 7 - 9);
    onr_conv2d_f32__ref(&s, x2, w2, NULL, &relu, y);
    CHECK(y[0] == 10 && y[1] == 0);
}

static void describe(const struct onr_conv_shape *s, bool bias, int act, char *buf, size_t n)
{
    snprintf(buf, n,
             "N=%lld C=%lld %lldx%lld OC=%lld k=%lldx%lld s=%lldx%lld p=%lld,%lld,%lld,%lld "
             "d=%lldx%lld g=%lld bias=%d act=%d",
             (long long)s->N, (long long)s->C, (long long)s->H, (long long)s->W,
             (long long)s->OC, (long long)s->KH, (long long)s->KW, (long long)s->stride_h,
             (long long)s->stride_w, (long long)s->pad_top, (long long)s->pad_left,
             (long long)s->pad_bottom, (long long)s->pad_right, (long long)s->dil_h,
             (long long)s->dil_w, (long long)s->group, bias, act);
}

static int runs[64]; /* per entry, onr_conv2d_kernels_count <= 64 */

/* Every fitting variant against the oracle, then across thread counts. */
static void check_case(const struct onr_conv_shape *s, bool bias, int act, uint64_t seed)
{
    const size_t nx = (size_t)(s->N * s->C * s->H * s->W);
    const size_t nw = (size_t)(s->OC * (s->C / s->group) * s->KH * s->KW);
    const size_t ny = (size_t)(s->N * s->OC * s->OH * s->OW);
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
    float *b = malloc((size_t)s->OC * sizeof *b);
    float *ref = malloc(ny * sizeof *ref), *y1 = malloc(ny * sizeof *y1);
    float *yn = malloc(ny * sizeof *yn);
    if (!x || !w || !b || !ref || !y1 || !yn) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, nw, seed + 1, -1.0f, 1.0f);
    onr_test_fill(b, (size_t)s->OC, seed + 2, -0.5f, 0.5f);
    const float *bp = bias ? b : NULL;
    onr_conv2d_f32__ref(s, x, w, bp, &acts[act], ref);
    char what[256], buf[200];
    describe(s, bias, act, buf, sizeof buf);
    for (int v = 0; v < onr_conv2d_kernels_count; v++) {
        const struct onr_conv2d_kernel *var = &onr_conv2d_kernels[v];
        if (!onr_kernel_isa_allowed(var->isa, onr_cpu_isa()) || (var->fits && !var->fits(s)))
            continue;
        runs[v]++;
        for (size_t i = 0; i < ny; i++) y1[i] = NAN;
        var->fn(s, x, w, bp, &acts[act], y1, 1);
        snprintf(what, sizeof what, "%s [%s]", var->name, buf);
        if (!onr_test_close(what, y1, ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL))
            onr_test_failures++;
        for (int t = 2; t <= 3; t++) {
            for (size_t i = 0; i < ny; i++) yn[i] = NAN;
            var->fn(s, x, w, bp, &acts[act], yn, t);
            snprintf(what, sizeof what, "%s threads=%d vs 1 [%s]", var->name, t, buf);
            if (!onr_test_bitwise(what, yn, y1, ny)) onr_test_failures++;
        }
    }
    free(x), free(w), free(b), free(ref), free(y1), free(yn);
}

static uint64_t rng_state = 12345;
static int64_t pick(int64_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int64_t)((rng_state >> 33) % (uint64_t)n);
}

/* The sweep: per channel count, kernel and group mode, two random
 * configurations (the first 1x1 one unit-stride, unpadded). */
static int sweep(void)
{
    static const int64_t channels[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 33};
    static const int64_t kernels[][2] = {{1, 1}, {3, 3}, {5, 5}, {1, 3}};
    static const int64_t sizes[] = {5, 6, 7, 9, 11, 13};
    static const int64_t pads[][4] = {{0, 0, 0, 0}, {1, 1, 1, 1}, {0, 1, 2, 1}, {2, 0, 1, 3}};
    static const int64_t dense_oc[] = {1, 3, 8, 17};
    int cases = 0;
    for (size_t ci = 0; ci < sizeof channels / sizeof channels[0]; ci++)
        for (size_t ki = 0; ki < 4; ki++)
            for (int mode = 0; mode < 5; mode++)
                for (int rep = 0; rep < 2; rep++) {
                    const int64_t C = channels[ci];
                    int64_t g = 1, OC = dense_oc[pick(4)];
                    if (mode == 1) g = 2;
                    if (mode == 2) g = 3;
                    if (mode == 3) g = C, OC = C;
                    if (mode == 4) g = C, OC = 2 * C;
                    if (C % g != 0) continue;
                    if (mode == 1 || mode == 2) OC = g * (1 + pick(3));
                    struct onr_conv_shape s = make_shape(pick(4) == 0 ? 3 : 1, C, sizes[pick(6)],
                                                         sizes[pick(6)], OC, kernels[ki][0],
                                                         kernels[ki][1]);
                    s.group = g;
                    const bool plain = ki == 0 && rep == 0;
                    s.stride_h = plain ? 1 : 1 + pick(3);
                    s.stride_w = plain ? 1 : (pick(2) ? s.stride_h : 1 + pick(3));
                    s.dil_h = s.dil_w = plain ? 1 : 1 + pick(2);
                    const int64_t *p = pads[plain ? 0 : pick(4)];
                    s.pad_top = p[0], s.pad_left = p[1], s.pad_bottom = p[2], s.pad_right = p[3];
                    set_out(&s);
                    if (s.OH < 1 || s.OW < 1) continue;
                    check_case(&s, pick(2) == 0, (int)pick(5), (uint64_t)cases);
                    cases++;
                }
    return cases;
}

/* Shapes the sweep does not reach: the 1x1 kernel's pixel and channel
 * blocks, pads wider than the kernel, a stride larger than the image. */
static void edge_cases(void)
{
    struct onr_conv_shape s = make_shape(2, 9, 37, 29, 6, 1, 1); /* 1073 pixels */
    set_out(&s);
    check_case(&s, true, 1, 901);
    s = make_shape(1, 4, 33, 33, 10, 1, 1);
    s.group = 2;
    set_out(&s);
    check_case(&s, true, 0, 902);
    s = make_shape(1, 3, 4, 5, 2, 1, 1);
    s.pad_top = 3, s.pad_left = 0, s.pad_bottom = 2, s.pad_right = 4;
    set_out(&s);
    check_case(&s, true, 2, 903);
    s = make_shape(1, 8, 5, 5, 8, 3, 3);
    s.group = 8;
    s.stride_h = s.stride_w = 7;
    s.pad_top = s.pad_left = 1;
    set_out(&s);
    check_case(&s, false, 4, 904);
    s = make_shape(1, 1, 1, 1, 1, 1, 1);
    set_out(&s);
    check_case(&s, true, 0, 905);
}

int main(void)
{
    oracle_hand_cases();
    int cases = sweep();
    edge_cases();
    for (int v = 0; v < onr_conv2d_kernels_count; v++) {
        printf("%-32s %d cases\n", onr_conv2d_kernels[v].name, runs[v]);
        const char *name = onr_conv2d_kernels[v].name;
        size_t len = strlen(name);
        /* Portable variants must each have been exercised. */
        if (len > 8 && strcmp(name + len - 8, "__scalar") == 0 && runs[v] == 0) {
            fprintf(stderr, "%s never ran\n", name);
            onr_test_failures++;
        }
    }
    printf("%d sweep cases, %d failures\n", cases, onr_test_failures);
    return onr_test_failures != 0;
}
