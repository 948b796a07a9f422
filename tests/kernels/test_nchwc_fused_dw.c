/* The fused producer -> depthwise driver (ops/kernels/nchwc.h:
 * onr_nchwc_fused_dw_f32) against the two kernels it fuses, run one after
 * the other on the whole tensor. Producers: stems (dense, plain input) with
 * 1..4 input and 1..40 output channels, kernels 1x1..5x5 and 3x5, strides
 * 1..2, dilation 1 and 2; and 1x1 Convs on blocked input, 1..40 -> 1..96
 * channels. Depthwise kernels 1x1..5x5, strides 1..3, dilation 1 and 2,
 * pads up to beyond the kernel (rows that are all padding); planes from 1
 * row to 224x224 (many steps, the window refilled and shifted); batch 1 and
 * 2; 1, 2, 3 and 7 threads (more than some outputs have rows). The driver
 * promises the same bits, padding lanes included, so the comparison is
 * bitwise. Each ISA's kernels (portable, AVX2, AVX-512) where the CPU has
 * them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/nchwc.h"
#include "runtime/cpu.h"
#include "testutil.h"

static const struct onr_activation acts[] = {
    {ONR_ACT_NONE, 0.0f, 0.0f},  {ONR_ACT_RELU, 0.0f, 0.0f},     {ONR_ACT_CLIP, -0.3f, 0.4f},
    {ONR_ACT_HARDSWISH, 0.0f, 0.0f}, {ONR_ACT_SILU, 0.0f, 0.0f},
};
#define N_ACTS ((int)(sizeof(acts) / sizeof(acts[0])))

struct isa {
    const char *name;
    onr_nchwc_conv_fn conv;
    onr_nchwc_conv_rows_fn rows;
    onr_nchwc_pw_fn pw;
    onr_nchwc_pw_rows_fn pw_rows;
    onr_nchwc_dw_fn dw;
};

static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
    const int64_t ext = (k - 1) * d + 1;
    return in + p0 + p1 < ext ? 0 : (in + p0 + p1 - ext) / s + 1;
}

/* One pair: the fused driver on 1, 2, 3 and 7 threads against the stem
 * kernel then the depthwise kernel. */
static int check_pair(const struct isa *v, bool expand, const struct onr_conv_shape *cs,
                      const struct onr_conv_shape *ds, int cact, int dact, uint64_t seed)
{
    const int64_t C = ds->C, KK = ds->KH * ds->KW;
    /* a stem reads plain x; a 1x1 producer blocked x (padding lanes filled too) */
    const size_t nx = expand ? (size_t)onr_nchwc_floats(cs->N, cs->C, cs->H * cs->W)
                             : (size_t)(cs->N * cs->C * cs->H * cs->W);
    const size_t nw = (size_t)(cs->OC * cs->C * cs->KH * cs->KW);
    const size_t nt = (size_t)onr_nchwc_floats(cs->N, C, cs->OH * cs->OW);
    const size_t ny = (size_t)onr_nchwc_floats(ds->N, C, ds->OH * ds->OW);
    const size_t ncwp = (size_t)onr_nchwc_conv_weight_floats(cs->OC, cs->C, cs->KH, cs->KW);
    const size_t ndwp = (size_t)onr_nchwc_dw_weight_floats(C, ds->KH, ds->KW);
    const size_t nb = (size_t)(onr_nchwc_blocks(C) * ONR_NCHWC_LANES);
    /* small windows (many steps and shifts) and big ones */
    const int64_t window = seed % 2 ? 64 << 10 : 1 << 20;
    const size_t nws = (size_t)(7 * onr_nchwc_fused_dw_window_floats(cs, ds, window));
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((size_t)C * 4);
    float *dwt = malloc((size_t)(C * KK) * 4), *db = malloc((size_t)C * 4);
    float *cwp = malloc(ncwp * 4), *cbp = malloc(nb * 4), *dwp = malloc(ndwp * 4);
    float *dbp = malloc(nb * 4), *t = malloc(nt * 4), *ref = malloc(ny * 4);
    float *got = malloc(ny * 4), *ws = malloc(nws * 4);
    onr_test_fill(x, nx, seed, -1.0f, 1.0f);
    onr_test_fill(w, nw, seed + 1, -0.5f, 0.5f);
    onr_test_fill(b, (size_t)C, seed + 2, -0.5f, 0.5f);
    onr_test_fill(dwt, (size_t)(C * KK), seed + 3, -0.5f, 0.5f);
    onr_test_fill(db, (size_t)C, seed + 4, -0.5f, 0.5f);
    if (expand)
        onr_nchwc_pack_pw(cs->OC, cs->C, w, b, cwp, cbp);
    else
        onr_nchwc_pack_conv(cs->OC, cs->C, cs->KH, cs->KW, w, b, cwp, cbp);
    onr_nchwc_pack_dw(C, ds->KH, ds->KW, dwt, db, dwp, dbp);
    if (expand)
        v->pw(cs->N, cs->C, cs->OC, cs->H * cs->W, x, cwp, cbp, NULL, &acts[cact], t, 1);
    else
        v->conv(cs, x, cwp, cbp, &acts[cact], t, 1);
    v->dw(ds, t, dwp, dbp, &acts[dact], ref, 1);
    const struct onr_nchwc_fused_dw f = {
        .ps = cs, .pw = cwp, .pb = cbp, .pact = &acts[cact],
        .conv_rows = expand ? NULL : v->rows, .pw_rows = expand ? v->pw_rows : NULL,
        .ds = ds, .dw = dwp, .db = dbp, .dact = &acts[dact], .dwconv = v->dw,
        .window_bytes = window,
    };
    char what[300];
    int ok = 1;
    static const int threads[] = {1, 2, 3, 7};
    for (int k = 0; k < 4 && ok; k++) {
        for (size_t i = 0; i < ny; i++) got[i] = NAN;   /* unwritten -> fails */
        for (size_t i = 0; i < nws; i++) ws[i] = NAN;   /* stale window rows -> fail */
        onr_nchwc_fused_dw_f32(&f, x, got, ws, threads[k]);
        snprintf(what, sizeof what,
                 "%s N=%lld %s %lld->%lld %lldx%lld k=%lldx%lld s=%lld d=%lld p=%lld,%lld,%lld,%lld"
                 " act %d; dw k=%lldx%lld s=%lld d=%lld p=%lld,%lld,%lld,%lld act %d -> %lldx%lld;"
                 " %d threads",
                 v->name, (long long)cs->N, expand ? "1x1" : "stem", (long long)cs->C, (long long)cs->OC, (long long)cs->H,
                 (long long)cs->W, (long long)cs->KH, (long long)cs->KW, (long long)cs->stride_h,
                 (long long)cs->dil_h, (long long)cs->pad_top, (long long)cs->pad_left,
                 (long long)cs->pad_bottom, (long long)cs->pad_right, cact, (long long)ds->KH,
                 (long long)ds->KW, (long long)ds->stride_h, (long long)ds->dil_h,
                 (long long)ds->pad_top, (long long)ds->pad_left, (long long)ds->pad_bottom,
                 (long long)ds->pad_right, dact, (long long)ds->OH, (long long)ds->OW, threads[k]);
        if (!onr_test_bitwise(what, ref, got, ny)) ok = 0;
    }
    free(x), free(w), free(b), free(dwt), free(db), free(cwp), free(cbp), free(dwp), free(dbp);
    free(t), free(ref), free(got), free(ws);
    if (!ok) onr_test_failures++;
    return ok;
}

/* The stem's shape, then the depthwise Conv's on its output; false when
 * either output is empty. */
static bool make_pair(struct onr_conv_shape *cs, struct onr_conv_shape *ds)
{
    cs->group = 1;
    cs->OH = out_size(cs->H, cs->KH, cs->stride_h, cs->dil_h, cs->pad_top, cs->pad_bottom);
    cs->OW = out_size(cs->W, cs->KW, cs->stride_w, cs->dil_w, cs->pad_left, cs->pad_right);
    if (cs->OH == 0 || cs->OW == 0) return false;
    ds->N = cs->N;
    ds->C = ds->OC = ds->group = cs->OC;
    ds->H = cs->OH;
    ds->W = cs->OW;
    ds->OH = out_size(ds->H, ds->KH, ds->stride_h, ds->dil_h, ds->pad_top, ds->pad_bottom);
    ds->OW = out_size(ds->W, ds->KW, ds->stride_w, ds->dil_w, ds->pad_left, ds->pad_right);
    return ds->OH > 0 && ds->OW > 0;
}

static void test_isa(const struct isa *v)
{
    static const int64_t Cs[] = {3, 1, 4, 2};
    static const int64_t OCs[] = {32, 16, 8, 17, 40, 1, 24};
    static const int64_t CKs[][2] = {{3, 3}, {1, 1}, {5, 5}, {3, 5}};
    static const int64_t DKs[][2] = {{3, 3}, {5, 5}, {1, 1}, {3, 5}, {2, 2}};
    static const int pads[][4] = {{1, 1, 1, 1}, {0, 0, 0, 0}, {2, 2, 2, 2}, {0, 1, 1, 0},
                                  {3, 2, 1, 3}, {4, 4, 4, 4}};
    static const int64_t sizes[][2] = {{1, 1}, {7, 9}, {16, 16}, {23, 31}, {40, 12},
                                       {2, 57}, {64, 64}, {33, 120}};
    int cases = 0, failed = 0;
    for (unsigned i = 0; i < 260 && failed < 10; i++) {
        struct onr_conv_shape cs = {0}, ds = {0};
        cs.N = 1 + (i / 13) % 2;
        cs.C = Cs[i % 4];
        cs.OC = OCs[(i / 3) % 7];
        cs.H = sizes[(i / 2) % 8][0];
        cs.W = sizes[(i / 2) % 8][1];
        cs.KH = CKs[(i / 5) % 4][0];
        cs.KW = CKs[(i / 5) % 4][1];
        cs.stride_h = cs.stride_w = 1 + (i / 7) % 2;
        cs.dil_h = cs.dil_w = 1 + (i / 17) % 2;
        const int *cp = pads[(i / 11) % 4];
        cs.pad_top = cp[0], cs.pad_left = cp[1], cs.pad_bottom = cp[2], cs.pad_right = cp[3];
        ds.KH = DKs[(i / 3) % 5][0];
        ds.KW = DKs[(i / 3) % 5][1];
        ds.stride_h = ds.stride_w = 1 + (i / 4) % 3;
        ds.dil_h = ds.dil_w = 1 + (i / 9) % 2;
        const int *dp = pads[(i / 2) % 6];
        ds.pad_top = dp[0], ds.pad_left = dp[1], ds.pad_bottom = dp[2], ds.pad_right = dp[3];
        if (!make_pair(&cs, &ds)) continue;
        cases++;
        if (!check_pair(v, false, &cs, &ds, (int)(i % N_ACTS), (int)((i / 2) % N_ACTS), i + 1))
            failed++;
    }
    /* MobileNets' and EfficientNet's first pair: 3 -> 32 (or 16), 3x3 stride 2
     * on 224x224, then a 3x3 depthwise Conv of stride 1 or 2 (many steps) */
    for (int k = 0; k < 4; k++) {
        struct onr_conv_shape cs = {1, 3, 224, 224, k == 3 ? 16 : 32, 3, 3, 0, 0,
                                    2, 2, 1, 1, 1, 1, 1, 1, 1};
        struct onr_conv_shape ds = {0};
        ds.KH = ds.KW = k == 2 ? 5 : 3;
        ds.stride_h = ds.stride_w = k == 1 || k == 3 ? 2 : 1;
        ds.pad_top = ds.pad_left = ds.pad_bottom = ds.pad_right = k == 2 ? 2 : 1;
        ds.dil_h = ds.dil_w = 1;
        if (!make_pair(&cs, &ds)) continue;
        cases++;
        if (!check_pair(v, false, &cs, &ds, 2, 1 + k % 2, 1000 + (uint64_t)k)) failed++;
    }
    /* 1x1 producers on blocked input: channels around the 16-lane blocks,
     * the depthwise shapes as above; MobileNetV2's first expansion
     * (16 -> 96 on 112x112, then 3x3 stride 2) */
    static const int64_t Ks[] = {16, 1, 24, 17, 40, 3};
    static const int64_t Es[] = {96, 16, 8, 33, 48, 24, 1};
    for (unsigned i = 0; i < 160 && failed < 10; i++) {
        struct onr_conv_shape cs = {0}, ds = {0};
        cs.N = 1 + (i / 13) % 2;
        cs.C = Ks[i % 6];
        cs.OC = Es[(i / 3) % 7];
        cs.H = sizes[(i / 2) % 8][0];
        cs.W = sizes[(i / 2) % 8][1];
        cs.KH = cs.KW = cs.stride_h = cs.stride_w = cs.dil_h = cs.dil_w = 1;
        ds.KH = DKs[(i / 3) % 5][0];
        ds.KW = DKs[(i / 3) % 5][1];
        ds.stride_h = ds.stride_w = 1 + (i / 4) % 3;
        ds.dil_h = ds.dil_w = 1 + (i / 9) % 2;
        const int *dp = pads[(i / 2) % 6];
        ds.pad_top = dp[0], ds.pad_left = dp[1], ds.pad_bottom = dp[2], ds.pad_right = dp[3];
        if (!make_pair(&cs, &ds)) continue;
        cases++;
        if (!check_pair(v, true, &cs, &ds, (int)(i % N_ACTS), (int)((i / 2) % N_ACTS), 2000 + i))
            failed++;
    }
    for (int k = 0; k < 2; k++) {
        struct onr_conv_shape cs = {1, 16, 112, 112, 96, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1};
        struct onr_conv_shape ds = {0};
        ds.KH = ds.KW = 3;
        ds.stride_h = ds.stride_w = 2 - k;
        ds.pad_top = ds.pad_left = ds.pad_bottom = ds.pad_right = 1;
        ds.dil_h = ds.dil_w = 1;
        if (!make_pair(&cs, &ds)) continue;
        cases++;
        if (!check_pair(v, true, &cs, &ds, 2, 2, 3000 + (uint64_t)k)) failed++;
    }
    printf("%s: %d pairs, %d failed\n", v->name, cases, failed);
}

int main(void)
{
    const struct isa scalar = {"fused_dw__scalar", onr_nchwc_conv_f32__scalar,
                               onr_nchwc_conv_rows_f32__scalar, onr_nchwc_pwconv_f32__scalar,
                               onr_nchwc_pw_rows_f32__scalar, onr_nchwc_dwconv_f32__scalar};
    test_isa(&scalar);
#if defined(__x86_64__) || defined(__i386__)
    if (onr_cpu_has_avx2_fma()) {
        const struct isa avx2 = {"fused_dw__avx2", onr_nchwc_conv_f32__avx2,
                                 onr_nchwc_conv_rows_f32__avx2, onr_nchwc_pwconv_f32__avx2,
                                 onr_nchwc_pw_rows_f32__avx2, onr_nchwc_dwconv_f32__avx2};
        test_isa(&avx2);
    } else {
        printf("note: no AVX2+FMA: fused_dw__avx2 not tested\n");
    }
    if (onr_cpu_has_avx512()) {
        const struct isa avx512 = {"fused_dw__avx512", onr_nchwc_conv_f32__avx512,
                                   onr_nchwc_conv_rows_f32__avx512,
                                   onr_nchwc_pwconv_f32__avx512, onr_nchwc_pw_rows_f32__avx512,
                                   onr_nchwc_dwconv_f32__avx512};
        test_isa(&avx512);
    } else {
        printf("note: no AVX-512: fused_dw__avx512 not tested\n");
    }
#endif
    return onr_test_failures != 0;
}
