/* AVX2 + FMA pointwise (1x1) Convs on the channel-blocked layout NCHW16c
 * (nchwc.h): plain and gated, by pixel rows for the fused depthwise
 * driver, and with HW == 1 (and gemv) as matrix-vector products: the
 * tiles and vectors under the shared drivers (onr_nchwc_pw_drive,
 * onr_nchwc_matvec_drive).
 *
 * Register budget: 16 ymm. Tiles of one 16-channel block x up to 6 pixels:
 * 12 accumulators + 2 weights + 1 broadcast. A last block with at most 8
 * live lanes (OC = 24, 40, 72, 120: common in MobileNets) takes half
 * tiles of 8 lanes x up to 12 pixels instead: a third fewer FMAs for OC
 * 24. Their padding lanes get what a full tile stores there (zero weights
 * and bias: act(0 + 0 + r)), so the two give the same bits.
 *
 * Order per lane, the same as the scalar kernels: 0, then one FMA per c
 * ascending, + bias, + r, act, in every tile shape, so the split between
 * threads changes no bit. */
#include "../nchwc_driver.h"
#include "nchwc_avx2.h"

#define PW_P 6 /* pixels per tile: 12 accumulators + 2 weights + 1 broadcast */

/* One tile: P pixels x one output block (two halves). x: the image at
 * block 0, first pixel  g: the image's gates (GATED only)  w, b: the
 * block's packed weights and bias  r, y: at (block, first pixel). Gated,
 * the block's weights of channel c are scaled by g[c] once for the tile. */
INLINE void pw_tile(int64_t C, int64_t HW, const float *x, const float *g, const float *w,
                    const float *b, const float *r, float *y, const struct onr_act256 *av,
                    const int P, const bool GATED)
{
    __m256 a0[PW_P], a1[PW_P];
    UNROLL for (int p = 0; p < P; p++) a0[p] = a1[p] = _mm256_setzero_ps();
    const int64_t bs = HW * L;
    for (int64_t c0 = 0; c0 < C; c0 += L) {
        const float *xc = x + c0 / L * bs, *wc = w + c0 * L;
        const int64_t nl = C - c0 < L ? C - c0 : L;
        for (int64_t l = 0; l < nl; l++) {
            __m256 w0 = _mm256_loadu_ps(wc + l * L), w1 = _mm256_loadu_ps(wc + l * L + 8);
            if (GATED) {
                const __m256 gv = _mm256_broadcast_ss(g + c0 + l);
                w0 = _mm256_mul_ps(gv, w0);
                w1 = _mm256_mul_ps(gv, w1);
            }
            UNROLL for (int p = 0; p < P; p++) {
                const __m256 xv = _mm256_broadcast_ss(xc + p * L + l);
                a0[p] = _mm256_fmadd_ps(w0, xv, a0[p]);
                a1[p] = _mm256_fmadd_ps(w1, xv, a1[p]);
            }
        }
    }
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    UNROLL for (int p = 0; p < P; p++) {
        a0[p] = _mm256_add_ps(a0[p], b0);
        a1[p] = _mm256_add_ps(a1[p], b1);
        if (r) {
            a0[p] = _mm256_add_ps(a0[p], _mm256_loadu_ps(r + p * L));
            a1[p] = _mm256_add_ps(a1[p], _mm256_loadu_ps(r + p * L + 8));
        }
    }
    store_act(av, a0, y, P);
    store_act(av, a1, y + 8, P);
}

#define PW_HALF_P 12 /* pixels per half tile: 12 accumulators + 1 weight + 1 broadcast */

/* One half tile: P pixels x lanes 0..7 of one output block (the block's
 * lanes 8..15 are padding: stored as act((0 + b) + r), a full tile's
 * value). Arguments as pw_tile's. */
INLINE void pw_half_tile(int64_t C, int64_t HW, const float *x, const float *w, const float *b,
                         const float *r, float *y, const struct onr_act256 *av, const int P)
{
    __m256 a[PW_HALF_P];
    UNROLL for (int p = 0; p < P; p++) a[p] = _mm256_setzero_ps();
    const int64_t bs = HW * L;
    for (int64_t c0 = 0; c0 < C; c0 += L) {
        const float *xc = x + c0 / L * bs, *wc = w + c0 * L;
        const int64_t nl = C - c0 < L ? C - c0 : L;
        for (int64_t l = 0; l < nl; l++) {
            const __m256 w0 = _mm256_loadu_ps(wc + l * L);
            UNROLL for (int p = 0; p < P; p++)
                a[p] = _mm256_fmadd_ps(w0, _mm256_broadcast_ss(xc + p * L + l), a[p]);
        }
    }
    const __m256 b0 = _mm256_loadu_ps(b);
    UNROLL for (int p = 0; p < P; p++) {
        a[p] = _mm256_add_ps(a[p], b0);
        if (r) a[p] = _mm256_add_ps(a[p], _mm256_loadu_ps(r + p * L));
    }
    store_act(av, a, y, P);
    const __m256 pad = _mm256_add_ps(_mm256_setzero_ps(), _mm256_loadu_ps(b + 8));
    UNROLL for (int p = 0; p < P; p++) a[p] = r ? _mm256_add_ps(pad, _mm256_loadu_ps(r + p * L + 8)) : pad;
    store_act(av, a, y + 8, P);
}

typedef void (*pw_half_tile_fn)(int64_t C, int64_t HW, const float *x, const float *w,
                                const float *b, const float *r, float *y,
                                const struct onr_act256 *av);
#define DEF_PW_HALF_TILE(P)                                                                 \
    static void pw_half_tile_##P(int64_t C, int64_t HW, const float *x, const float *w,     \
                                 const float *b, const float *r, float *y,                  \
                                 const struct onr_act256 *av)                               \
    {                                                                                       \
        pw_half_tile(C, HW, x, w, b, r, y, av, P);                                          \
    }
DEF_PW_HALF_TILE(1)
DEF_PW_HALF_TILE(2)
DEF_PW_HALF_TILE(3)
DEF_PW_HALF_TILE(4)
DEF_PW_HALF_TILE(5)
DEF_PW_HALF_TILE(6)
DEF_PW_HALF_TILE(7)
DEF_PW_HALF_TILE(8)
DEF_PW_HALF_TILE(9)
DEF_PW_HALF_TILE(10)
DEF_PW_HALF_TILE(11)
DEF_PW_HALF_TILE(12)
static const pw_half_tile_fn pw_half_tiles[PW_HALF_P] = {
    pw_half_tile_1, pw_half_tile_2, pw_half_tile_3, pw_half_tile_4,  pw_half_tile_5,  pw_half_tile_6,
    pw_half_tile_7, pw_half_tile_8, pw_half_tile_9, pw_half_tile_10, pw_half_tile_11, pw_half_tile_12};

typedef void (*pw_tile_fn)(int64_t C, int64_t HW, const float *x, const float *g, const float *w,
                           const float *b, const float *r, float *y, const struct onr_act256 *av);
#define DEF_PW_TILE(P)                                                                      \
    static void pw_tile_##P(int64_t C, int64_t HW, const float *x, const float *g,          \
                            const float *w, const float *b, const float *r, float *y,       \
                            const struct onr_act256 *av)                                    \
    {                                                                                       \
        pw_tile(C, HW, x, g, w, b, r, y, av, P, false);                                     \
    }                                                                                       \
    static void pw_gtile_##P(int64_t C, int64_t HW, const float *x, const float *g,         \
                             const float *w, const float *b, const float *r, float *y,      \
                             const struct onr_act256 *av)                                   \
    {                                                                                       \
        pw_tile(C, HW, x, g, w, b, r, y, av, P, true);                                      \
    }
DEF_PW_TILE(1)
DEF_PW_TILE(2)
DEF_PW_TILE(3)
DEF_PW_TILE(4)
DEF_PW_TILE(5)
DEF_PW_TILE(6)
/* pw_tiles[gated][P - 1] */
static const pw_tile_fn pw_tiles[2][PW_P] = {
    {pw_tile_1, pw_tile_2, pw_tile_3, pw_tile_4, pw_tile_5, pw_tile_6},
    {pw_gtile_1, pw_gtile_2, pw_gtile_3, pw_gtile_4, pw_gtile_5, pw_gtile_6}};

/* 16 lanes (v0, v1) to y, only the first n (1..16) of them. */
INLINE void store16(float *y, __m256 v0, __m256 v1, int n)
{
    if (n >= 16) {
        _mm256_storeu_ps(y, v0);
        _mm256_storeu_ps(y + 8, v1);
    } else if (n >= 8) {
        _mm256_storeu_ps(y, v0);
        if (n > 8) _mm256_maskstore_ps(y + 8, lane_mask(n - 8), v1);
    } else {
        _mm256_maskstore_ps(y, lane_mask(n), v0);
    }
}

/* OB output blocks of one image with HW == 1, x[c] channel c (blocked or
 * plain alike): one FMA chain per vector over c ascending, the same sums as
 * a tile; OB weight streams read once. The last block stores `last` lanes. */
INLINE void vec_group(int64_t C, const float *x, const float *g, const float *w, const float *b,
                      const float *r, float *y, const struct onr_act256 *av, int last,
                      const int OB, const bool GATED)
{
    __m256 acc[4][2];
    UNROLL for (int o = 0; o < OB; o++) acc[o][0] = acc[o][1] = _mm256_setzero_ps();
    const int64_t ws = C * L;
    for (int64_t c = 0; c < C; c++) {
        const __m256 xv = _mm256_broadcast_ss(x + c);
        const __m256 gv = GATED ? _mm256_broadcast_ss(g + c) : xv;
        UNROLL for (int o = 0; o < OB; o++) UNROLL for (int h = 0; h < 2; h++) {
            __m256 wv = _mm256_loadu_ps(w + o * ws + c * L + h * 8);
            if (GATED) wv = _mm256_mul_ps(gv, wv);
            acc[o][h] = _mm256_fmadd_ps(wv, xv, acc[o][h]);
        }
    }
    UNROLL for (int o = 0; o < OB; o++) {
        __m256 v[2];
        UNROLL for (int h = 0; h < 2; h++) {
            v[h] = _mm256_add_ps(acc[o][h], _mm256_loadu_ps(b + o * L + h * 8));
            if (r) v[h] = _mm256_add_ps(v[h], _mm256_loadu_ps(r + o * L + h * 8));
            v[h] = onr_act256_apply(av, v[h]);
        }
        store16(y + o * L, v[0], v[1], o == OB - 1 ? last : L);
    }
}

#define DEF_VEC(OB)                                                                         \
    static void vec_##OB(int64_t C, const float *x, const float *g, const float *w,         \
                         const float *b, const float *r, float *y, const void *av, int last) \
    {                                                                                       \
        vec_group(C, x, g, w, b, r, y, av, last, OB, false);                                \
    }                                                                                       \
    static void gvec_##OB(int64_t C, const float *x, const float *g, const float *w,        \
                          const float *b, const float *r, float *y, const void *av,         \
                          int last)                                                         \
    {                                                                                       \
        vec_group(C, x, g, w, b, r, y, av, last, OB, true);                                 \
    }
DEF_VEC(1)
DEF_VEC(2)
DEF_VEC(3)
DEF_VEC(4)
/* vecs[gated][OB], for onr_nchwc_matvec_drive */
static const onr_nchwc_vec_fn vecs[2][5] = {{0, vec_1, vec_2, vec_3, vec_4},
                                  {0, gvec_1, gvec_2, gvec_3, gvec_4}};

/* Pixels [p0, p1) of one output block (OB == 1: a tile holds one block;
 * no prefetch), spread evenly over the fewest tiles of at most PW_P (half
 * tiles: PW_HALF_P); see onr_nchwc_pw_range_fn. */
static void pw_range(int64_t C, int64_t xs, int64_t ys, const float *x, const float *g,
                     const float *w, const float *b, const float *r, float *y, const void *av,
                     int OB, int last, int64_t p0, int64_t p1, const float *pfn, int64_t pfl)
{
    (void)ys, (void)OB, (void)pfn, (void)pfl;
    const int64_t len = p1 - p0;
    int64_t p = p0;
    if (last <= 8 && g == NULL) {
        const int64_t nt = (len + PW_HALF_P - 1) / PW_HALF_P;
        for (int64_t t = 0; t < nt; t++) {
            const int64_t np = len / nt + (t < len % nt);
            pw_half_tiles[np - 1](C, xs / L, x + p * L, w, b, r ? r + p * L : NULL, y + p * L,
                                  av);
            p += np;
        }
        return;
    }
    const pw_tile_fn *tf = pw_tiles[g != NULL];
    const int64_t nt = (len + PW_P - 1) / PW_P;
    for (int64_t t = 0; t < nt; t++) {
        const int64_t np = len / nt + (t < len % nt);
        /* a tile's x block stride is its HW * 16 */
        tf[np - 1](C, xs / L, x + p * L, g, w, b, r ? r + p * L : NULL, y + p * L, av);
        p += np;
    }
}

static const int pw_tile_p[2] = {0, PW_P};
/* Tiles of one block, so input chunks of 16 KB (256 pixel lines) stay in
 * L1 while every block of an item runs over them. */
static const struct onr_nchwc_pw_isa pw_isa = {pw_range, vecs, 1, 1, pw_tile_p, 256, 0};

void onr_nchwc_pw_rows_f32__avx2(int64_t C, int64_t OC, int64_t P, const float *x, int64_t x_bs,
                                 const float *wp, const float *bp, const float *r,
                                 const struct onr_activation *act, float *y, int64_t y_bs)
{
    const struct onr_act256 av = onr_act256_make(act);
    onr_nchwc_pw_rows_drive(&pw_isa, C, OC, P, x, x_bs, wp, bp, r, &av, y, y_bs);
}

void onr_nchwc_pwconv_f32__avx2(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                const float *wp, const float *bp, const float *r,
                                const struct onr_activation *act, float *y, int threads)
{
    const struct onr_act256 av = onr_act256_make(act);
    onr_nchwc_pw_drive(&pw_isa, N, C, OC, HW, x, NULL, 0, wp, bp, r, &av, y, NULL, threads);
}

void onr_nchwc_pwconv_gated_f32__avx2(int64_t N, int64_t C, int64_t OC, int64_t HW,
                                      const float *x, const float *g, int64_t g_stride,
                                      const float *wp, const float *bp, const float *r,
                                      const struct onr_activation *act, float *y,
                                      float *scratch, int threads)
{
    const struct onr_act256 av = onr_act256_make(act);
    onr_nchwc_pw_drive(&pw_isa, N, C, OC, HW, x, g, g_stride, wp, bp, r, &av, y, scratch,
                       threads);
}

/* x: (C) plain  wp: (OCB, C, 16)  bp: (OCB * 16)  y: (OC) plain, its last
 * partial block stored masked. */
void onr_nchwc_gemv_f32__avx2(int64_t C, int64_t OC, const float *x, const float *wp,
                              const float *bp, const struct onr_activation *act, float *y,
                              int threads)
{
    if (C < 1 || OC < 1) return;
    const struct onr_act256 av = onr_act256_make(act);
    onr_nchwc_matvec_drive(1, C, OC, x, 0, NULL, 0, wp, bp, NULL, &av, y, 0,
                           OC % L ? (int)(OC % L) : L, threads, vecs);
}

