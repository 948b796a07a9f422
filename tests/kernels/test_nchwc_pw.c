/* Pointwise (1x1) Conv kernels on the channel-blocked layout NCHW16c
 * (ops/kernels/nchwc.h) against the plain-layout oracle onr_conv2d_f32__ref:
 * the packing on a hand-checked case, then the scalar and AVX-512 kernels
 * over input/output channel counts around the 16-lane blocks (1..160),
 * pixel counts 1..1000 around the register tiles, batch 1/2, bias on/off,
 * residual on/off and every activation; the gated variant (oracle: the Conv
 * of x * g) with per-image and shared gates; the HW == 1 (matrix-vector)
 * path on squeeze-excite sizes; the plain-in, plain-out gemv. Layouts are
 * converted in the test with plain loops. Also checked: bitwise equality
 * across 1, 2 and 3 threads, finite output padding lanes, that input and
 * gate padding lanes (NaN here) are never read, and (under ASan) that the
 * gemv writes exactly OC floats. The AVX-512 kernels are skipped with a
 * note on CPUs without AVX-512. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/nchwc.h"
#include "kernel_isa.h"
#include "testutil.h"

struct kernel {
    const char *name;
    onr_nchwc_pw_fn fn;
    onr_nchwc_pw_gated_fn gated;
    onr_nchwc_gemv_fn gemv;
};

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},  {ONR_ACT_RELU, 0.0f, 0.0f},     {ONR_ACT_CLIP, -0.3f, 0.4f},
    {ONR_ACT_HARDSIGMOID, 0.2f, 0.5f}, {ONR_ACT_HARDSWISH, 0.0f, 0.0f},
    {ONR_ACT_SIGMOID, 0.0f, 0.0f}, {ONR_ACT_SILU, 0.0f, 0.0f},
};
static const char *act_names[] = {"none",      "relu",    "clip", "hardsigmoid",
                                  "hardswish", "sigmoid", "silu"};
#define N_ACTS ((int)(sizeof(acts) / sizeof(acts[0])))

/* plain (N, C, HW) -> blocked (N, CB, HW, 16), padding lanes set to `pad` */
static void to_blocked(int64_t N, int64_t C, int64_t HW, const float *x, float *xb, float pad)
{
    const int64_t CB = onr_nchwc_blocks(C);
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < CB * 16; c++)
            for (int64_t p = 0; p < HW; p++)
                xb[((n * CB + c / 16) * HW + p) * 16 + c % 16] =
                    c < C ? x[(n * C + c) * HW + p] : pad;
}

/* blocked -> plain, padding lanes dropped */
static void from_blocked(int64_t N, int64_t C, int64_t HW, const float *xb, float *x)
{
    const int64_t CB = onr_nchwc_blocks(C);
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t p = 0; p < HW; p++)
                x[(n * C + c) * HW + p] = xb[((n * CB + c / 16) * HW + p) * 16 + c % 16];
}

/* The packing on a small case, element by element, padding zero. */
static void test_pack(void)
{
    enum { OC = 17, C = 3 };
    float w[OC * C], b[OC];
    for (int i = 0; i < OC * C; i++) w[i] = (float)(i + 1);
    for (int i = 0; i < OC; i++) b[i] = (float)(100 + i);
    float wp[2 * C * 16], bp[2 * 16];
    CHECK(onr_nchwc_pw_weight_floats(OC, C) == 2 * C * 16);
    onr_nchwc_pack_pw(OC, C, w, b, wp, bp);
    CHECK(wp[(0 * C + 0) * 16 + 0] == w[0 * C + 0]);
    CHECK(wp[(0 * C + 2) * 16 + 5] == w[5 * C + 2]);
    CHECK(wp[(1 * C + 1) * 16 + 0] == w[16 * C + 1]);
    CHECK(wp[(1 * C + 1) * 16 + 1] == 0.0f);
    CHECK(bp[16] == 116.0f && bp[17] == 0.0f && bp[31] == 0.0f);
    onr_nchwc_pack_pw(OC, C, w, NULL, wp, bp);
    for (int i = 0; i < 32; i++) CHECK(bp[i] == 0.0f);
}

/* One shape, every kernel, 1, 2 and 3 threads against the oracle. gate: 0
 * the plain kernel, 1 gated with a gate per image, 2 one gate for all. */
static int check_case(const struct kernel *ks, int nk, int64_t N, int64_t C, int64_t OC,
                      int64_t HW, bool bias, bool resid, int act, int gate, uint64_t seed)
{
    const int64_t CB = onr_nchwc_blocks(C);
    const int64_t OCB = onr_nchwc_blocks(OC);
    const size_t nx = (size_t)(N * C * HW), ny = (size_t)(N * OC * HW);
    const size_t nxb = (size_t)onr_nchwc_floats(N, C, HW);
    const size_t nyb = (size_t)onr_nchwc_floats(N, OC, HW);
    float *x = malloc(nx * sizeof(float)), *xb = malloc(nxb * sizeof(float));
    float *w = malloc((size_t)(OC * C) * sizeof(float)), *b = malloc((size_t)OC * sizeof(float));
    float *wp = malloc((size_t)onr_nchwc_pw_weight_floats(OC, C) * sizeof(float));
    float *bp = malloc((size_t)(OCB * 16) * sizeof(float));
    float *r = malloc(ny * sizeof(float)), *rb = malloc(nyb * sizeof(float));
    float *ref = malloc(ny * sizeof(float)), *got = malloc(ny * sizeof(float));
    const int64_t gn = gate == 1 ? N : 1, g_stride = gate == 1 ? CB * 16 : 0;
    float *g = malloc((size_t)(gn * C) * sizeof(float));
    float *gb = malloc((size_t)(gn * CB * 16) * sizeof(float));
    /* exactly the scratch's size: ASan sees a write past it */
    float *scratch = malloc((size_t)onr_nchwc_pw_gated_scratch_floats(OC, C) * sizeof(float));
    float *yb[3];
    for (int t = 0; t < 3; t++) yb[t] = malloc(nyb * sizeof(float));
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, (size_t)(OC * C), seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)OC, seed + 2, -0.5f, 0.5f);
    onr_test_fill(r, ny, seed + 3, -1.0f, 1.0f);
    onr_test_fill(g, (size_t)(gn * C), seed + 4, 0.0f, 1.0f);
    to_blocked(gn, C, 1, g, gb, NAN); /* nor gate padding */
    if (gate) /* the oracle's input: u = x * g */
        for (int64_t n = 0; n < N; n++)
            for (int64_t c = 0; c < C; c++)
                for (int64_t p = 0; p < HW; p++)
                    x[(n * C + c) * HW + p] *= g[(gate == 1 ? n : 0) * C + c];
    to_blocked(N, C, HW, x, xb, NAN); /* input padding must never be read */

    to_blocked(N, OC, HW, r, rb, 0.25f);
    onr_nchwc_pack_pw(OC, C, w, bias ? b : NULL, wp, bp);

    /* oracle: 1x1 Conv with bias, then + r, then the activation */
    const struct onr_conv_shape s = {N, C, 1, HW, OC, 1, 1, 1, HW, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    const struct onr_activation none = {ONR_ACT_NONE, 0.0f, 0.0f};
    onr_conv2d_f32__ref(&s, x, w, bias ? b : NULL, &none, ref);
    for (size_t i = 0; i < ny; i++)
        ref[i] = onr_activation_apply(&acts[act], resid ? ref[i] + r[i] : ref[i]);
    if (gate) { /* the gated kernel's input is the ungated x */
        onr_test_fill(x, nx, seed, -1.0f, 1.0f);
        to_blocked(N, C, HW, x, xb, NAN);
    }

    int ok = 1;
    for (int k = 0; k < nk && ok; k++) {
        char what[256];
        snprintf(what, sizeof(what),
                 "%s N=%lld C=%lld OC=%lld HW=%lld bias=%d resid=%d act=%s gate=%d",
                 ks[k].name, (long long)N, (long long)C, (long long)OC, (long long)HW, bias,
                 resid, act_names[act], gate);
        for (int t = 0; t < 3; t++) {
            for (size_t i = 0; i < nyb; i++) yb[t][i] = NAN; /* unwritten -> fails */
            /* 2 threads with the scratch (scaled weights), 1 and 3 without:
             * the bitwise check below holds the two paths to the same bits */
            if (gate)
                ks[k].gated(N, C, OC, HW, xb, gb, g_stride, wp, bp, resid ? rb : NULL,
                            &acts[act], yb[t], t == 1 ? scratch : NULL, t + 1);
            else
                ks[k].fn(N, C, OC, HW, xb, wp, bp, resid ? rb : NULL, &acts[act], yb[t], t + 1);
        }
        from_blocked(N, OC, HW, yb[0], got);
        if (!onr_test_close(what, got, ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL)) ok = 0;
        for (int t = 1; t < 3 && ok; t++) {
            char tw[300];
            snprintf(tw, sizeof(tw), "%s: 1 vs %d threads", what, t + 1);
            if (!onr_test_bitwise(tw, yb[0], yb[t], nyb)) ok = 0;
        }
        for (int64_t n = 0; n < N && ok; n++)
            for (int64_t p = 0; p < HW && ok; p++)
                for (int64_t l = OC % 16 ? OC % 16 : 16; l < 16 && ok; l++)
                    if (!isfinite(yb[0][((n * OCB + OCB - 1) * HW + p) * 16 + l])) {
                        fprintf(stderr, "%s: padding lane %lld of pixel %lld not finite\n",
                                what, (long long)l, (long long)p);
                        ok = 0;
                    }
    }
    free(x), free(xb), free(w), free(b), free(wp), free(bp), free(r), free(rb);
    free(ref), free(got), free(g), free(gb), free(scratch);
    for (int t = 0; t < 3; t++) free(yb[t]);
    if (!ok) onr_test_failures++;
    return ok;
}

/* The gemv: plain x (C) and y (OC, allocated exactly, so ASan sees a write
 * past it), 1, 2 and 3 threads against the oracle. */
static int check_gemv(const struct kernel *ks, int nk, int64_t C, int64_t OC, bool bias, int act,
                      uint64_t seed)
{
    const int64_t OCB = onr_nchwc_blocks(OC);
    float *x = malloc((size_t)C * sizeof(float));
    float *w = malloc((size_t)(OC * C) * sizeof(float)), *b = malloc((size_t)OC * sizeof(float));
    float *wp = malloc((size_t)onr_nchwc_pw_weight_floats(OC, C) * sizeof(float));
    float *bp = malloc((size_t)(OCB * 16) * sizeof(float));
    float *ref = malloc((size_t)OC * sizeof(float)), *y[3];
    for (int t = 0; t < 3; t++) y[t] = malloc((size_t)OC * sizeof(float));
    onr_test_fill(x, (size_t)C, seed, -1.0f, 1.0f);
    onr_test_fill(w, (size_t)(OC * C), seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)OC, seed + 2, -0.5f, 0.5f);
    onr_nchwc_pack_pw(OC, C, w, bias ? b : NULL, wp, bp);
    const struct onr_conv_shape s = {1, C, 1, 1, OC, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1};
    onr_conv2d_f32__ref(&s, x, w, bias ? b : NULL, &acts[act], ref);
    int ok = 1;
    for (int k = 0; k < nk && ok; k++) {
        char what[256];
        snprintf(what, sizeof(what), "%s gemv C=%lld OC=%lld bias=%d act=%s", ks[k].name,
                 (long long)C, (long long)OC, bias, act_names[act]);
        for (int t = 0; t < 3; t++) {
            for (int64_t i = 0; i < OC; i++) y[t][i] = NAN;
            ks[k].gemv(C, OC, x, wp, bp, &acts[act], y[t], t + 1);
        }
        if (!onr_test_close(what, y[0], ref, (size_t)OC, ONR_TEST_ATOL, ONR_TEST_RTOL)) ok = 0;
        for (int t = 1; t < 3 && ok; t++) {
            char tw[300];
            snprintf(tw, sizeof(tw), "%s: 1 vs %d threads", what, t + 1);
            if (!onr_test_bitwise(tw, y[0], y[t], (size_t)OC)) ok = 0;
        }
    }
    free(x), free(w), free(b), free(wp), free(bp), free(ref);
    for (int t = 0; t < 3; t++) free(y[t]);
    if (!ok) onr_test_failures++;
    return ok;
}

/* Every (C, OC) pair from the list with two pixel counts each; batch,
 * bias, residual and activation cycle through the cases. */
static void test_shapes(const struct kernel *ks, int nk)
{
    static const int64_t Cs[] = {1, 3, 15, 16, 17, 24, 33, 40, 64, 96, 160};
    static const int64_t HWs[] = {1, 2, 5, 7, 13, 49, 196, 197, 1000};
    const int nc = (int)(sizeof(Cs) / sizeof(Cs[0])), nh = (int)(sizeof(HWs) / sizeof(HWs[0]));
    int cases = 0, failed = 0;
    for (int ci = 0; ci < nc; ci++)
        for (int oi = 0; oi < nc; oi++)
            for (int h = 0; h < 2; h++) {
                const unsigned i = (unsigned)((ci * nc + oi) * 2 + h);
                const int64_t HW = HWs[h ? (ci * 3 + oi) % nh : (ci + oi * 5 + 4) % nh];
                const int64_t N = 1 + (i / 3) % 2;
                for (int gate = 0; gate < 3; gate++) {
                    cases++;
                    if (!check_case(ks, nk, N, Cs[ci], Cs[oi], HW, (i / 2) % 2 == 0,
                                    (i / 5) % 2 == 0, (int)((i + (unsigned)gate) % N_ACTS),
                                    gate, i + 1) &&
                        ++failed >= 10)
                        goto done;
                }
            }
done:
    printf("shapes: %d cases, %d failed\n", cases, failed);
}

/* Every activation with and without bias and residual on a few shapes. */
static void test_epilogues(const struct kernel *ks, int nk)
{
    static const int64_t shapes[][4] = {{2, 33, 40, 13}, {1, 96, 24, 49}, {1, 17, 160, 197}};
    for (int sh = 0; sh < 3; sh++)
        for (int a = 0; a < N_ACTS; a++)
            for (int e = 0; e < 4; e++)
                check_case(ks, nk, shapes[sh][0], shapes[sh][1], shapes[sh][2], shapes[sh][3],
                           e & 1, e & 2, a, a % 3, 1000 + (uint64_t)(sh * 100 + a * 4 + e));
}

/* Large C, where a gated tile's weights outgrow L1 and are prefetched
 * ahead (the prefetch runs past the last channel's weights), C a multiple
 * of 16 or not; plain, gated per image and one gate for all. */
static void test_large_c(const struct kernel *ks, int nk)
{
    static const int64_t shapes[][4] = {{1, 300, 50, 37}, {2, 272, 33, 13}, {1, 1152, 40, 7}};
    int cases = 0;
    for (int sh = 0; sh < 3; sh++)
        for (int gate = 0; gate < 3; gate++) {
            cases++;
            check_case(ks, nk, shapes[sh][0], shapes[sh][1], shapes[sh][2], shapes[sh][3],
                       gate != 1, sh == 1, (sh * 3 + gate) % N_ACTS, gate,
                       4000 + (uint64_t)(sh * 10 + gate));
        }
    printf("large C: %d cases\n", cases);
}

/* The HW == 1 path on squeeze-excite and classifier sizes (plain, gated,
 * batch 1 and 2), and the gemv. */
static void test_matvec(const struct kernel *ks, int nk)
{
    static const int64_t shapes[][2] = {{48, 1152}, {1152, 48}, {8, 32},   {32, 8},
                                        {240, 10},  {10, 240},  {1000, 1280}, {65, 200},
                                        {200, 65},  {1, 1},     {17, 3},   {3, 17}};
    int cases = 0;
    for (int sh = 0; sh < (int)(sizeof(shapes) / sizeof(shapes[0])); sh++)
        for (int v = 0; v < 4; v++) {
            const int act = (sh * 4 + v) % N_ACTS;
            cases += 2;
            check_case(ks, nk, 1 + v % 2, shapes[sh][1], shapes[sh][0], 1, v % 3 != 2, v & 2,
                       act, v % 3, 2000 + (uint64_t)(sh * 10 + v));
            check_gemv(ks, nk, shapes[sh][1], shapes[sh][0], v % 2 == 0, act,
                       3000 + (uint64_t)(sh * 10 + v));
        }
    printf("matvec: %d cases\n", cases);
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_nchwc_pw");
    if (rc >= 0) return rc;
    static const char *const names[ONR_ISA_COUNT] = {"scalar", "avx2", "avx512"};
    struct kernel ks[ONR_ISA_COUNT];
    int nk = 0;
    if (kt_runs(ONR_ISA_PORTABLE)) test_pack();
    for (int i = 0; i < ONR_ISA_COUNT; i++) {
        if (!kt_runs((enum onr_isa)i)) continue;
        struct kernel k = {.name = names[i]};
        KT_FN(onr_nchwc_pw_kernels, i, k.fn);
        KT_FN(onr_nchwc_pw_gated_kernels, i, k.gated);
        KT_FN(onr_nchwc_gemv_kernels, i, k.gemv);
        if (k.fn == NULL || k.gated == NULL || k.gemv == NULL) {
            printf("nchwc pointwise %s: not in this build's kernel tables\n", k.name);
            return 1;
        }
        ks[nk++] = k;
    }
    test_shapes(ks, nk);
    test_epilogues(ks, nk);
    test_large_c(ks, nk);
    test_matvec(ks, nk);
    if (onr_test_failures) fprintf(stderr, "test_nchwc_pw: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
