/* The fused depthwise driver (ops/kernels/nchwc.h: onr_nchwc_fused_dw_f32)
 * against the kernels it fuses, run one after the other on whole tensors.
 * Producers: none, stems (dense, plain input) with 1..4 input and 1..40
 * output channels, kernels 1x1..5x5 and 3x5, strides 1..2, dilation 1 and
 * 2; and 1x1 Convs on blocked input, 1..40 -> 1..96 channels. Consumers:
 * none, or a 1x1 Conv to 1..40 channels, with and without a residual.
 * Depthwise kernels 1x1..5x5, strides 1..3, dilation 1 and 2, pads up to
 * beyond the kernel (rows that are all padding); planes from 1 row to
 * 224x224 (many steps, the window refilled and shifted); batch 1 and 2;
 * buffers of 64 KB and 1 MB; 1, 2, 3 and 7 threads (more than some outputs
 * have rows). The driver promises the same bits, padding lanes included,
 * so the comparison is bitwise; stale buffer contents are NaN. Each ISA's
 * kernels (portable, AVX2, AVX-512) where the CPU has them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kernels/nchwc.h"
#include "kernel_isa.h"
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

enum prod { PROD_NONE, PROD_STEM, PROD_1X1 };
static const char *const prod_name[] = {"none", "stem", "1x1"};

/* One case: the depthwise Conv ds, its producer (shape cs) and its
 * consumer (co_oc output channels, 0: none; residual or not). */
struct fcase {
    enum prod prod;
    struct onr_conv_shape cs, ds;
    int64_t co_oc;
    bool residual;
    int pact, dact, oact;
};

static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
    const int64_t ext = (k - 1) * d + 1;
    return in + p0 + p1 < ext ? 0 : (in + p0 + p1 - ext) / s + 1;
}

static float *filled(size_t n, uint64_t seed, float lo, float hi)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    onr_test_fill(p, n, seed, lo, hi);
    return p;
}

/* The fused driver on 1, 2, 3 and 7 threads against the kernels one after
 * the other. */
static int check_case(const struct isa *v, const struct fcase *k, uint64_t seed)
{
    const struct onr_conv_shape *cs = &k->cs, *ds = &k->ds;
    const int64_t C = ds->C, KK = ds->KH * ds->KW, plane = ds->OH * ds->OW;
    const bool co = k->co_oc > 0;
    /* x: plain for a stem, blocked otherwise (padding lanes filled too) */
    const size_t nx = k->prod == PROD_STEM ? (size_t)(cs->N * cs->C * cs->H * cs->W)
                      : k->prod == PROD_1X1 ? (size_t)onr_nchwc_floats(cs->N, cs->C, cs->H * cs->W)
                                            : (size_t)onr_nchwc_floats(ds->N, C, ds->H * ds->W);
    const size_t nt = (size_t)onr_nchwc_floats(ds->N, C, ds->H * ds->W);
    const size_t nu = (size_t)onr_nchwc_floats(ds->N, C, plane);
    const size_t ny = co ? (size_t)onr_nchwc_floats(ds->N, k->co_oc, plane) : nu;
    const size_t nb = (size_t)((onr_nchwc_blocks(C) + onr_nchwc_blocks(k->co_oc)) * 16);
    float *x = filled(nx, seed, -1.0f, 1.0f);
    float *w = filled((size_t)(cs->OC * cs->C * cs->KH * cs->KW), seed + 1, -0.5f, 0.5f);
    float *b = filled((size_t)C, seed + 2, -0.5f, 0.5f);
    float *dwt = filled((size_t)(C * KK), seed + 3, -0.5f, 0.5f);
    float *db = filled((size_t)C, seed + 4, -0.5f, 0.5f);
    float *ow = filled((size_t)(k->co_oc * C), seed + 5, -0.3f, 0.3f);
    float *ob = filled((size_t)k->co_oc, seed + 6, -0.2f, 0.2f);
    float *r = filled(ny, seed + 7, -1.0f, 1.0f);
    float *pwp = malloc((size_t)onr_nchwc_conv_weight_floats(cs->OC, cs->C, cs->KH, cs->KW) * 4 + 64);
    float *pbp = malloc(nb * 4), *dwp = malloc((size_t)onr_nchwc_dw_weight_floats(C, ds->KH, ds->KW) * 4);
    float *dbp = malloc(nb * 4), *owp = malloc((size_t)onr_nchwc_pw_weight_floats(k->co_oc, C) * 4 + 64);
    float *obp = malloc(nb * 4), *t = malloc(nt * 4), *u = malloc(nu * 4);
    float *ref = malloc(ny * 4), *got = malloc(ny * 4);
    const struct onr_activation *pa = &acts[k->pact], *da = &acts[k->dact], *oa = &acts[k->oact];
    if (k->prod == PROD_1X1) onr_nchwc_pack_pw(cs->OC, cs->C, w, b, pwp, pbp);
    if (k->prod == PROD_STEM) onr_nchwc_pack_conv(cs->OC, cs->C, cs->KH, cs->KW, w, b, pwp, pbp);
    onr_nchwc_pack_dw(C, ds->KH, ds->KW, dwt, db, dwp, dbp);
    if (co) onr_nchwc_pack_pw(k->co_oc, C, ow, ob, owp, obp);
    /* the reference: one kernel after the other */
    if (k->prod == PROD_1X1)
        v->pw(cs->N, cs->C, cs->OC, cs->H * cs->W, x, pwp, pbp, NULL, pa, t, 1);
    else if (k->prod == PROD_STEM)
        v->conv(cs, x, pwp, pbp, pa, t, 1);
    v->dw(ds, k->prod == PROD_NONE ? x : t, dwp, dbp, da, co ? u : ref, 1);
    if (co) v->pw(ds->N, C, k->co_oc, plane, u, owp, obp, k->residual ? r : NULL, oa, ref, 1);
    const int64_t window = seed % 2 ? 64 << 10 : 1 << 20;   /* many steps, or few */
    const struct onr_nchwc_fused_dw f = {
        .ps = k->prod == PROD_NONE ? ds : cs, .pw = pwp, .pb = pbp, .pact = pa,
        .conv_rows = k->prod == PROD_STEM ? v->rows : NULL,
        .pw_rows = k->prod == PROD_1X1 ? v->pw_rows : NULL,
        .ds = ds, .dw = dwp, .db = dbp, .dact = da, .dwconv = v->dw,
        .co_OC = k->co_oc, .cw = owp, .cb = obp, .cact = oa, .co_rows = co ? v->pw_rows : NULL,
        .window_bytes = window,
    };
    const size_t nws = (size_t)(7 * onr_nchwc_fused_dw_thread_floats(&f));
    float *ws = malloc((nws ? nws : 1) * 4);
    char what[400];
    int ok = 1;
    static const int threads[] = {1, 2, 3, 7};
    for (int i = 0; i < 4 && ok; i++) {
        for (size_t q = 0; q < ny; q++) got[q] = NAN;   /* unwritten -> fails */
        for (size_t q = 0; q < nws; q++) ws[q] = NAN;   /* stale buffer rows -> fail */
        onr_nchwc_fused_dw_f32(&f, x, k->residual ? r : NULL, got, ws, threads[i]);
        snprintf(what, sizeof what,
                 "%s N=%lld producer %s %lld->%lld %lldx%lld k=%lldx%lld s=%lld d=%lld "
                 "p=%lld,%lld,%lld,%lld; dw C=%lld %lldx%lld k=%lldx%lld s=%lld d=%lld "
                 "p=%lld,%lld,%lld,%lld -> %lldx%lld; consumer %lld%s; acts %d %d %d; "
                 "window %lld; %d threads",
                 v->name, (long long)ds->N, prod_name[k->prod], (long long)cs->C,
                 (long long)cs->OC, (long long)cs->H, (long long)cs->W, (long long)cs->KH,
                 (long long)cs->KW, (long long)cs->stride_h, (long long)cs->dil_h,
                 (long long)cs->pad_top, (long long)cs->pad_left, (long long)cs->pad_bottom,
                 (long long)cs->pad_right, (long long)C, (long long)ds->H, (long long)ds->W,
                 (long long)ds->KH, (long long)ds->KW, (long long)ds->stride_h,
                 (long long)ds->dil_h, (long long)ds->pad_top, (long long)ds->pad_left,
                 (long long)ds->pad_bottom, (long long)ds->pad_right, (long long)ds->OH,
                 (long long)ds->OW, (long long)k->co_oc, k->residual ? " +residual" : "",
                 k->pact, k->dact, k->oact, (long long)window, threads[i]);
        if (!onr_test_bitwise(what, ref, got, ny)) ok = 0;
    }
    free(x), free(w), free(b), free(dwt), free(db), free(ow), free(ob), free(r), free(pwp);
    free(pbp), free(dwp), free(dbp), free(owp), free(obp), free(t), free(u), free(ref);
    free(got), free(ws);
    if (!ok) onr_test_failures++;
    return ok;
}

/* Completes the shapes: the producer's output, then the depthwise Conv on
 * it (on x itself without a producer); false when an output is empty. */
static bool make_case(struct fcase *k)
{
    struct onr_conv_shape *cs = &k->cs, *ds = &k->ds;
    if (k->prod != PROD_NONE) {
        cs->group = 1;
        cs->OH = out_size(cs->H, cs->KH, cs->stride_h, cs->dil_h, cs->pad_top, cs->pad_bottom);
        cs->OW = out_size(cs->W, cs->KW, cs->stride_w, cs->dil_w, cs->pad_left, cs->pad_right);
        if (cs->OH == 0 || cs->OW == 0) return false;
        ds->N = cs->N;
        ds->C = cs->OC;
        ds->H = cs->OH;
        ds->W = cs->OW;
    }
    ds->OC = ds->group = ds->C;
    ds->OH = out_size(ds->H, ds->KH, ds->stride_h, ds->dil_h, ds->pad_top, ds->pad_bottom);
    ds->OW = out_size(ds->W, ds->KW, ds->stride_w, ds->dil_w, ds->pad_left, ds->pad_right);
    return ds->OH > 0 && ds->OW > 0;
}

static void test_isa(const struct isa *v)
{
    static const int64_t Cs[] = {3, 1, 4, 2};
    static const int64_t OCs[] = {32, 16, 8, 17, 40, 1, 24};
    static const int64_t Ks[] = {16, 1, 24, 17, 40, 3};
    static const int64_t Es[] = {96, 16, 8, 33, 48, 24, 1};
    static const int64_t COs[] = {0, 24, 8, 17, 40, 1};
    static const int64_t CKs[][2] = {{3, 3}, {1, 1}, {5, 5}, {3, 5}};
    static const int64_t DKs[][2] = {{3, 3}, {5, 5}, {1, 1}, {3, 5}, {2, 2}};
    static const int pads[][4] = {{1, 1, 1, 1}, {0, 0, 0, 0}, {2, 2, 2, 2}, {0, 1, 1, 0},
                                  {3, 2, 1, 3}, {4, 4, 4, 4}};
    static const int64_t sizes[][2] = {{1, 1}, {7, 9}, {16, 16}, {23, 31}, {40, 12},
                                       {2, 57}, {64, 64}, {33, 120}};
    int cases = 0, failed = 0;
    for (unsigned i = 0; i < 540 && failed < 10; i++) {
        struct fcase k = {0};
        k.prod = (enum prod)(i % 3);
        struct onr_conv_shape *cs = &k.cs, *ds = &k.ds;
        cs->N = ds->N = 1 + (i / 13) % 2;
        const int64_t h = sizes[(i / 2) % 8][0], w = sizes[(i / 2) % 8][1];
        if (k.prod == PROD_STEM) {
            cs->C = Cs[(i / 3) % 4];
            cs->OC = OCs[(i / 4) % 7];
            cs->KH = CKs[(i / 5) % 4][0];
            cs->KW = CKs[(i / 5) % 4][1];
            cs->stride_h = cs->stride_w = 1 + (i / 7) % 2;
            cs->dil_h = cs->dil_w = 1 + (i / 17) % 2;
            const int *cp = pads[(i / 11) % 4];
            cs->pad_top = cp[0], cs->pad_left = cp[1], cs->pad_bottom = cp[2], cs->pad_right = cp[3];
        } else if (k.prod == PROD_1X1) {
            cs->C = Ks[(i / 3) % 6];
            cs->OC = Es[(i / 4) % 7];
            cs->KH = cs->KW = cs->stride_h = cs->stride_w = cs->dil_h = cs->dil_w = 1;
        } else {
            ds->C = Es[(i / 4) % 7];
            ds->H = h;
            ds->W = w;
        }
        cs->H = h;
        cs->W = w;
        ds->KH = DKs[(i / 3) % 5][0];
        ds->KW = DKs[(i / 3) % 5][1];
        ds->stride_h = ds->stride_w = 1 + (i / 4) % 3;
        ds->dil_h = ds->dil_w = 1 + (i / 9) % 2;
        const int *dp = pads[(i / 2) % 6];
        ds->pad_top = dp[0], ds->pad_left = dp[1], ds->pad_bottom = dp[2], ds->pad_right = dp[3];
        /* without a producer there must be a consumer (else nothing is fused) */
        k.co_oc = COs[(i / 5) % 6];
        if (k.prod == PROD_NONE && k.co_oc == 0) k.co_oc = 24;
        k.residual = k.co_oc > 0 && (i / 7) % 2;
        k.pact = (int)(i % N_ACTS), k.dact = (int)((i / 2) % N_ACTS), k.oact = (int)((i / 3) % N_ACTS);
        if (!make_case(&k)) continue;
        cases++;
        if (!check_case(v, &k, i + 1)) failed++;
    }
    /* MobileNets' and EfficientNet's first pairs: a stem 3 -> 32 (or 16),
     * 3x3 stride 2 on 224x224, then a 3x3 or 5x5 depthwise Conv; MobileNetV2's
     * first expansion 16 -> 96 on 112x112, depthwise 3x3 stride 2, projection
     * to 24; its second block's 144-channel depthwise Conv on 56x56 with a
     * projection and residual */
    for (int j = 0; j < 7; j++) {
        struct fcase k = {0};
        k.pact = 2, k.dact = 1 + j % 2, k.oact = 0;
        k.ds.KH = k.ds.KW = j == 2 ? 5 : 3;
        k.ds.stride_h = k.ds.stride_w = j == 1 || j == 3 || j == 4 ? 2 : 1;
        k.ds.pad_top = k.ds.pad_left = k.ds.pad_bottom = k.ds.pad_right = j == 2 ? 2 : 1;
        k.ds.dil_h = k.ds.dil_w = 1;
        if (j < 4) {
            k.prod = PROD_STEM;
            k.cs = (struct onr_conv_shape){1, 3, 224, 224, j == 3 ? 16 : 32, 3, 3, 0, 0,
                                           2, 2, 1, 1, 1, 1, 1, 1, 1};
        } else if (j < 6) {
            k.prod = PROD_1X1;
            k.cs = (struct onr_conv_shape){1, 16, 112, 112, 96, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1};
            k.co_oc = 24;
        } else {
            k.prod = PROD_NONE;
            k.ds.N = 1, k.ds.C = 144, k.ds.H = k.ds.W = 56;
            k.co_oc = 24;
            k.residual = true;
        }
        if (!make_case(&k)) continue;
        cases++;
        if (!check_case(v, &k, 1000 + (uint64_t)j)) failed++;
    }
    printf("%s: %d cases, %d failed\n", v->name, cases, failed);
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_nchwc_fused_dw");
    if (rc >= 0) return rc;
    static const char *const names[ONR_ISA_COUNT] = {"fused_dw__scalar", "fused_dw__avx2",
                                                     "fused_dw__avx512"};
    int ran = 0;
    for (int i = 0; i < ONR_ISA_COUNT; i++) {
        if (!kt_runs((enum onr_isa)i)) continue;
        /* the row kernels of the NCHW16c tables built for this ISA */
        struct isa k = {.name = names[i]};
        KT_FN(onr_nchwc_conv_kernels, i, k.conv);
        KT_FN(onr_nchwc_conv_rows_kernels, i, k.rows);
        KT_FN(onr_nchwc_pw_kernels, i, k.pw);
        KT_FN(onr_nchwc_pw_rows_kernels, i, k.pw_rows);
        KT_FN(onr_nchwc_dw_kernels, i, k.dw);
        if (!k.conv || !k.rows || !k.pw || !k.pw_rows || !k.dw) {
            printf("%s: not in this build's kernel tables\n", k.name);
            onr_test_failures++;
            continue;
        }
        test_isa(&k);
        ran++;
    }
    return onr_test_failures != 0 || ran == 0;
}
