/* The kernel tables (ops/kernels/kernel_table.h): every table is ordered
 * best first, ends in a portable entry that fits every shape, and names each
 * entry for its ISA; the picker returns the first entry the level allows.
 * Then the entries of the run's ISA (kernel_isa.h) of the pooling and
 * Sigmoid tables against their oracles: MaxPool, AveragePool bitwise (same
 * order of operations), GlobalAveragePool bitwise against the 32-lane
 * scalar order, Sigmoid within the kernel tolerance; each for 1 and 3
 * threads, outputs pre-filled with NaN so an unwritten element fails.
 * (GEMM and NCHW16c entries: test_gemm, test_nchwc_*.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_isa.h"
#include "ops/kernels/conv3d.h"
#include "ops/kernels/gemm.h"
#include "ops/kernels/nchwc.h"
#include "ops/kernels/pool.h"
#include "ops/kernels/unary.h"
#include "testutil.h"

/* One table's entries as (name, isa, fits != NULL). */
struct entry_view {
    const char *name;
    enum onr_isa isa;
    bool has_fits;
};

#define VIEW(table, out, n)                                                                  \
    do {                                                                                     \
        n = table##_count;                                                                   \
        for (int i_ = 0; i_ < n && i_ < 16; i_++)                                             \
            out[i_] = (struct entry_view){table[i_].name, table[i_].isa, table[i_].fits != NULL}; \
    } while (0)

static const char *const suffix[ONR_ISA_COUNT] = {"__scalar", "__avx2", "__avx512"};

static void check_table(const char *what, const struct entry_view *e, int n)
{
    CHECK(n >= 1 && n <= 16);
    if (n < 1 || n > 16) return;
    for (int i = 0; i < n; i++) {
        const size_t len = strlen(e[i].name), sl = strlen(suffix[e[i].isa]);
        if (len < sl || strcmp(e[i].name + len - sl, suffix[e[i].isa]) != 0) {
            printf("%s: entry %s is not named for its ISA %s\n", what, e[i].name,
                   onr_isa_name(e[i].isa));
            onr_test_failures++;
        }
        if (i > 0 && e[i].isa > e[i - 1].isa && !e[i - 1].has_fits) {
            printf("%s: %s can never be picked after %s\n", what, e[i].name, e[i - 1].name);
            onr_test_failures++;
        }
    }
    if (e[n - 1].isa != ONR_ISA_PORTABLE || e[n - 1].has_fits) {
        printf("%s: last entry %s does not fit every shape at the portable level\n", what,
               e[n - 1].name);
        onr_test_failures++;
    }
}

static void test_tables(void)
{
    struct entry_view e[16];
    int n;
    VIEW(onr_maxpool2d_kernels, e, n); check_table("maxpool2d", e, n);
    VIEW(onr_avgpool2d_kernels, e, n); check_table("avgpool2d", e, n);
    VIEW(onr_global_avgpool_kernels, e, n); check_table("global_avgpool", e, n);
    VIEW(onr_sigmoid_kernels, e, n); check_table("sigmoid", e, n);
    VIEW(onr_gemm_kernels, e, n); check_table("gemm", e, n);
    VIEW(onr_dwconv3d_kernels, e, n); check_table("dwconv3d", e, n);
    VIEW(onr_nchwc_from_nchw_kernels, e, n); check_table("nchwc_from_nchw", e, n);
    VIEW(onr_nchwc_to_nchw_kernels, e, n); check_table("nchwc_to_nchw", e, n);
    VIEW(onr_nchwc_dw_kernels, e, n); check_table("nchwc_dw", e, n);
    VIEW(onr_nchwc_pw_kernels, e, n); check_table("nchwc_pw", e, n);
    VIEW(onr_nchwc_pw_rows_kernels, e, n); check_table("nchwc_pw_rows", e, n);
    VIEW(onr_nchwc_pw_gated_kernels, e, n); check_table("nchwc_pw_gated", e, n);
    VIEW(onr_nchwc_gemv_kernels, e, n); check_table("nchwc_gemv", e, n);
    VIEW(onr_nchwc_conv_kernels, e, n); check_table("nchwc_conv", e, n);
    VIEW(onr_nchwc_conv_rows_kernels, e, n); check_table("nchwc_conv_rows", e, n);

    /* the picker: the first allowed entry, the portable one at the portable level */
    const struct onr_kernel_no_shape none = {0};
    const struct onr_global_pool_kernel *k = onr_global_pool_pick(
        onr_global_avgpool_kernels, onr_global_avgpool_kernels_count, ONR_ISA_PORTABLE, &none);
    CHECK(k != NULL && k->isa == ONR_ISA_PORTABLE);
    for (int lv = 0; lv < ONR_ISA_COUNT; lv++) {
        k = onr_global_pool_pick(onr_global_avgpool_kernels, onr_global_avgpool_kernels_count,
                                 (enum onr_isa)lv, &none);
        CHECK(k != NULL && (int)k->isa <= lv);
        for (const struct onr_global_pool_kernel *j = onr_global_avgpool_kernels; j < k; j++)
            CHECK((int)j->isa > lv);
    }
}

static float *alloc_nan(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = NAN;
    return p;
}

static int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
    return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}

/* Every entry of the run's ISA in `t` (max or average) against `oracle`. */
static void check_pool(const struct onr_pool2d_kernel *t, int n, onr_pool2d_f32_fn oracle,
                       const struct onr_pool_shape *s, const float *x, uint64_t seed)
{
    const size_t ny = (size_t)(s->N * s->C * s->OH * s->OW);
    float *ref = alloc_nan(ny);
    oracle(s, x, ref, 1);
    for (int i = 0; i < n; i++) {
        if (!kt_runs(t[i].isa)) continue;
        for (int threads = 1; threads <= 3; threads += 2) {
            float *y = alloc_nan(ny);
            t[i].fn(s, x, y, threads);
            char what[200];
            snprintf(what, sizeof what,
                     "%s N=%lld C=%lld %lldx%lld k=%lldx%lld s=%lld d=%lld pads=%lld,%lld threads=%d",
                     t[i].name, (long long)s->N, (long long)s->C, (long long)s->H,
                     (long long)s->W, (long long)s->KH, (long long)s->KW, (long long)s->stride_w,
                     (long long)s->dil_w, (long long)s->pad_left, (long long)s->pad_right, threads);
            if (!onr_test_bitwise(what, y, ref, ny)) onr_test_failures++;
            free(y);
        }
    }
    free(ref);
    (void)seed;
}

static void test_pools(void)
{
    static const int64_t sizes[][2] = {{1, 1}, {5, 7}, {8, 9}, {13, 17}, {16, 33}};
    uint64_t seed = 77;
    int cnt = 0;
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
        for (int64_t k = 1; k <= 3; k++)
            for (int64_t st = 1; st <= 2; st++, cnt++) {
                struct onr_pool_shape s = {.N = 1 + cnt % 2, .C = 3, .H = sizes[z][0],
                                           .W = sizes[z][1], .KH = k, .KW = k, .stride_h = st,
                                           .stride_w = st, .dil_h = 1, .dil_w = 1};
                s.pad_left = s.pad_top = cnt % 3 == 0 ? 0 : (k - 1) / 2;
                s.pad_right = s.pad_bottom = cnt % 2 == 0 ? 0 : (k - 1) / 2;
                s.OH = pool_out(s.H, k, st, 1, s.pad_top, s.pad_bottom);
                s.OW = pool_out(s.W, k, st, 1, s.pad_left, s.pad_right);
                if (s.OH < 1 || s.OW < 1) continue;
                const size_t nx = (size_t)(s.N * s.C * s.H * s.W);
                float *x = alloc_nan(nx);
                onr_test_fill(x, nx, seed++, -2.0f, 2.0f);
                check_pool(onr_maxpool2d_kernels, onr_maxpool2d_kernels_count,
                           onr_maxpool2d_f32__ref, &s, x, seed);
                s.count_include_pad = cnt % 4 == 1;
                check_pool(onr_avgpool2d_kernels, onr_avgpool2d_kernels_count,
                           onr_avgpool2d_f32__ref, &s, x, seed);
                /* dilated MaxPool */
                s.count_include_pad = false;
                s.dil_h = s.dil_w = 2;
                s.OH = pool_out(s.H, k, st, 2, s.pad_top, s.pad_bottom);
                s.OW = pool_out(s.W, k, st, 2, s.pad_left, s.pad_right);
                if (s.OH >= 1 && s.OW >= 1)
                    check_pool(onr_maxpool2d_kernels, onr_maxpool2d_kernels_count,
                               onr_maxpool2d_f32__ref, &s, x, seed);
                free(x);
            }
}

/* GlobalAveragePool entries against the scalar kernel's fixed order. */
static void test_global_avgpool(void)
{
    static const int64_t sizes[] = {1, 7, 15, 16, 17, 31, 32, 33, 49, 64, 196};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        const int64_t planes = 5, size = sizes[z];
        float *x = alloc_nan((size_t)(planes * size)), *ref = alloc_nan((size_t)planes);
        onr_test_fill(x, (size_t)(planes * size), 300 + z, -3.0f, 3.0f);
        onr_global_avgpool_f32__scalar(planes, size, x, ref, 1);
        for (int i = 0; i < onr_global_avgpool_kernels_count; i++) {
            const struct onr_global_pool_kernel *k = &onr_global_avgpool_kernels[i];
            if (!kt_runs(k->isa)) continue;
            for (int threads = 1; threads <= 3; threads += 2) {
                float *y = alloc_nan((size_t)planes);
                k->fn(planes, size, x, y, threads);
                char what[120];
                snprintf(what, sizeof what, "%s planes=%lld size=%lld threads=%d", k->name,
                         (long long)planes, (long long)size, threads);
                if (!onr_test_bitwise(what, y, ref, (size_t)planes)) onr_test_failures++;
                free(y);
            }
        }
        free(x), free(ref);
    }
}

/* Sigmoid entries against 1 / (1 + expf(-x)), tails and extremes included. */
static void test_sigmoid(void)
{
    static const int64_t ns[] = {1, 7, 8, 9, 31, 4095, 4096, 4097, 20000};
    for (size_t z = 0; z < sizeof ns / sizeof ns[0]; z++) {
        const int64_t n = ns[z];
        float *x = alloc_nan((size_t)n), *ref = alloc_nan((size_t)n);
        onr_test_fill(x, (size_t)n, 500 + z, -20.0f, 20.0f);
        if (n > 4) x[0] = 100.0f, x[1] = -100.0f, x[2] = 0.0f, x[3] = -0.0f;
        for (int64_t i = 0; i < n; i++) ref[i] = 1.0f / (1.0f + expf(-x[i]));
        for (int i = 0; i < onr_sigmoid_kernels_count; i++) {
            const struct onr_unary_kernel *k = &onr_sigmoid_kernels[i];
            if (!kt_runs(k->isa)) continue;
            for (int threads = 1; threads <= 3; threads += 2) {
                float *y = alloc_nan((size_t)n);
                k->fn(x, y, n, threads);
                char what[120];
                snprintf(what, sizeof what, "%s n=%lld threads=%d", k->name, (long long)n,
                         threads);
                if (!onr_test_close(what, y, ref, (size_t)n, ONR_TEST_ATOL, ONR_TEST_RTOL))
                    onr_test_failures++;
                free(y);
            }
        }
        free(x), free(ref);
    }
}

int main(int argc, char **argv)
{
    const int rc = kt_init(argc, argv, "test_kernel_tables");
    if (rc >= 0) return rc;
    if (kt_runs(ONR_ISA_PORTABLE)) test_tables();
    test_pools();
    test_global_avgpool();
    test_sigmoid();
    printf("test_kernel_tables: %d failure(s)\n", onr_test_failures);
    return onr_test_failures != 0;
}
