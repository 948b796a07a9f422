/* Pointwise (1x1) Conv on the channel-blocked layout NCHW16c with AVX-512
 * (F, DQ, BW, VL); same contract as onr_nchwc_pwconv_f32__scalar
 * (nchwc.h).
 *
 * The output is cut into register tiles of P pixels x OB output blocks of
 * 16 channels, P*OB zmm accumulators. Per input channel c a tile loads OB
 * weight vectors (packed: contiguous along c) and broadcasts P input
 * scalars straight from the blocked x (one per pixel, 16 channels of a
 * pixel share a cache line), so unlike the GEMM path nothing is packed at
 * run time. The epilogue adds bias and r and stores each vector once,
 * None/Relu/Clip applied in registers; the costlier activations then run
 * over the just-stored tile (in L1), their switch taken once per tile (a
 * switch per vector is a branch per store, a large share of the work when
 * C is small). Every lane's sum is
 * 0, then one FMA per c in ascending order, then + bias, + r, act: the
 * same in every tile shape, so results do not depend on how the output is
 * split between threads.
 *
 * Tiles (cut by onr_nchwc_pw_drive, nchwc_driver.c): output blocks are
 * spread evenly over groups of at most OB_MAX (GATED_OB_MAX gated), pixels
 * evenly over tiles of at most tile_p[OB];
 * leftovers become smaller compile-time tiles (a table over (OB, P))
 * rather than masked ones.
 *
 * Gated (squeeze-excite: the Conv of x * g fused), each tile scales its OB
 * weight vectors of channel c by g[c] once, 1/P of the FMAs' cost, instead
 * of a memory pass over x. HW == 1 (squeeze-excite Convs on 1x1 maps, the
 * batch-1 classifier as onr_nchwc_gemv) is bound by streaming the weights:
 * each thread takes one contiguous range of output blocks and reads its
 * weights once, in the same per-lane order as the tiles. */
#include <immintrin.h>
#include <stdbool.h>
#include <stdint.h>

#include "../nchwc_driver.h"
#include "act_avx512.h"

#define L ONR_NCHWC_LANES

/* Most pixels per tile for each OB: P*OB accumulators + OB weights + a
 * broadcast stay within 32 zmm. Tiles have at most OB_MAX output blocks,
 * gated ones at most GATED_OB_MAX: their OB multiplies by g per channel
 * share the FMA ports with the OB * P FMAs, so 2x12 tiles (1 multiply per
 * 12 FMAs) beat 4x6 ones (1 per 6) there; ungated, 4x6 tiles load the
 * fewest vectors per FMA (4 weights + 6 broadcasts for 24). */
#define OB_MAX 4
#define GATED_OB_MAX 2
/* Gated tiles whose weights (OB * C * 64 bytes) outgrow this, read again
 * from L2 for every tile, prefetch them PF_LINES lines ahead. Ungated
 * tiles do without: the hardware prefetcher keeps up with their weight
 * streams, and the prefetches would only take issue slots. */
#define PF_BYTES (32 << 10)
#define PF_LINES 8
/* On one thread, a group of output blocks whose weights outgrow this
 * prefetches the next group's weights to L2 while it runs (one line per
 * input channel step, spread over its tiles): a layer's weights come from
 * L3 once per run (read again from L2 by each pixel tile), and otherwise
 * the first tile of every group waits for them (MobileNetV1-style 512 ->
 * 512 Convs on 7x7 have 1 MB of weights). On 2 threads the next group
 * usually runs on the other core, so it does without. */
#define NEXT_PF_BYTES (64 << 10)
/* With C up to this, a tile prefetches the next tile's P input lines of
 * each block as it enters it: with few FMAs per input line the tile
 * otherwise waits for its inputs. With more channels a tile has FMAs
 * enough to hide the loads, and the prefetches only add instructions, so
 * those do without. */
#define PFX_MAX_C 128
#define P_MAX 24
static const int tile_p[5] = {0, 24, 12, 8, 6};

/* The tile loops must unroll fully so the accumulators live in registers. */
#define UNROLL _Pragma("GCC unroll 24")

/* Relu and Clip as max/min: like onr_activation_apply, since vmaxps and
 * vminps return their second operand (v) when it is NaN or equal. */
enum { EPI_NONE, EPI_RELU, EPI_CLIP, EPI_RAW };

/* acc + bias (+ r), activated when `kind` is cheap, stored once. EPI_RAW
 * stores the sum for act_tile to finish. */
static inline __attribute__((always_inline)) void
finish(__m512 acc[4][P_MAX], const float *b, const float *r, float *y, int64_t bs,
       const struct onr_act512 *av, const int OB, const int P, const int kind)
{
    const __m512 lo = kind == EPI_RELU ? _mm512_setzero_ps() : av->a, hi = av->b;
    UNROLL for (int o = 0; o < OB; o++) {
        const __m512 bv = _mm512_loadu_ps(b + o * L);
        UNROLL for (int p = 0; p < P; p++) {
            __m512 v = _mm512_add_ps(acc[o][p], bv);
            if (r) v = _mm512_add_ps(v, _mm512_loadu_ps(r + o * bs + p * L));
            if (kind == EPI_RELU || kind == EPI_CLIP) v = _mm512_max_ps(lo, v);
            if (kind == EPI_CLIP) v = _mm512_min_ps(hi, v);
            _mm512_storeu_ps(y + o * bs + p * L, v);
        }
    }
}

/* The costlier activations in place over a stored tile (still in L1), the
 * kind's switch taken once per tile instead of once per vector. */
static inline __attribute__((always_inline)) void
act_loop(float *y, int64_t bs, int OB, int P, const struct onr_act512 *av,
         const enum onr_activation_kind kind)
{
    struct onr_act512 k = *av;
    k.kind = kind;
    for (int o = 0; o < OB; o++)
        for (int p = 0; p < P; p++) {
            float *yp = y + o * bs + p * L;
            _mm512_storeu_ps(yp, onr_act512_apply(&k, _mm512_loadu_ps(yp)));
        }
}
static void act_tile(float *y, int64_t bs, int OB, int P, const struct onr_act512 *av)
{
    switch (av->kind) {
    case ONR_ACT_HARDSIGMOID: act_loop(y, bs, OB, P, av, ONR_ACT_HARDSIGMOID); break;
    case ONR_ACT_HARDSWISH: act_loop(y, bs, OB, P, av, ONR_ACT_HARDSWISH); break;
    case ONR_ACT_SIGMOID: act_loop(y, bs, OB, P, av, ONR_ACT_SIGMOID); break;
    case ONR_ACT_SILU: act_loop(y, bs, OB, P, av, ONR_ACT_SILU); break;
    default: act_loop(y, bs, OB, P, av, av->kind); break;
    }
}

/* One tile. x: at (image, block 0, first pixel), xs floats between its
 * blocks  g: the image's gates (GATED only)  w: wp at the first output
 * block  b: bp at it  r, y: at (image, first output block, first pixel), ys
 * floats between their blocks. Gated, the OB weight vectors of channel c
 * are scaled by g[c] once for the P pixels. */
static inline __attribute__((always_inline)) void
tile(int64_t C, int64_t xs, int64_t ys, const float *x, const float *g, const float *w, const float *b,
     const float *r, float *y, const struct onr_act512 *av, const int OB, const int P,
     const bool GATED, const float *pfn, int64_t pfl)
{
    int64_t pfi = 0;   /* pfn's lines prefetched so far, at most pfl */
    __m512 acc[4][P_MAX];
    UNROLL for (int o = 0; o < OB; o++)
        UNROLL for (int p = 0; p < P; p++) acc[o][p] = _mm512_setzero_ps();
    const int64_t ws = C * L;
    const bool pf = GATED && ws * OB * (int64_t)sizeof(float) > PF_BYTES;
    const bool pfx = C <= PFX_MAX_C;
    for (int64_t c0 = 0; c0 < C; c0 += L) {
        const float *xc = x + c0 / L * xs;
        const float *wc = w + c0 * L;
        const int64_t nl = C - c0 < L ? C - c0 : L;
        if (pfx) /* past the last pixel of x (a hint) it reads nothing */
            UNROLL for (int p = 0; p < P; p++)
                _mm_prefetch((const char *)(xc + (P + p) * L), _MM_HINT_T0);
        for (int64_t l = 0; l < nl; l++) {
            __m512 wv[4];
            /* a prefetch is only a hint: past the end of wp it reads nothing */
            if (pf)
                UNROLL for (int o = 0; o < OB; o++)
                    _mm_prefetch((const char *)(wc + o * ws + (l + PF_LINES) * L), _MM_HINT_T0);
            if (pfi < pfl) _mm_prefetch((const char *)(pfn + (pfi++) * L), _MM_HINT_T1);
            UNROLL for (int o = 0; o < OB; o++) wv[o] = _mm512_loadu_ps(wc + o * ws + l * L);
            if (GATED) {
                const __m512 gv = _mm512_set1_ps(g[c0 + l]);
                UNROLL for (int o = 0; o < OB; o++) wv[o] = _mm512_mul_ps(gv, wv[o]);
            }
            UNROLL for (int p = 0; p < P; p++) {
                const __m512 xv = _mm512_set1_ps(xc[p * L + l]);
                UNROLL for (int o = 0; o < OB; o++)
                    acc[o][p] = _mm512_fmadd_ps(wv[o], xv, acc[o][p]);
            }
        }
    }
    switch (av->kind) {
    case ONR_ACT_NONE: finish(acc, b, r, y, ys, av, OB, P, EPI_NONE); break;
    case ONR_ACT_RELU: finish(acc, b, r, y, ys, av, OB, P, EPI_RELU); break;
    case ONR_ACT_CLIP: finish(acc, b, r, y, ys, av, OB, P, EPI_CLIP); break;
    default:
        finish(acc, b, r, y, ys, av, OB, P, EPI_RAW);
        act_tile(y, ys, OB, P, av);
        break;
    }
}

typedef void (*tile_fn)(int64_t C, int64_t xs, int64_t ys, const float *x, const float *g, const float *w,
                        const float *b, const float *r, float *y, const struct onr_act512 *av,
                        const float *pfn, int64_t pfl);

/* tile_OBxP without gate, gtile_OBxP with */
#define DEF_TILE(OB, P)                                                                     \
    static void tile_##OB##x##P(int64_t C, int64_t xs, int64_t ys, const float *x,         \
                                const float *g,                                             \
                                const float *w, const float *b, const float *r, float *y,  \
                                const struct onr_act512 *av, const float *pfn, int64_t pfl)  \
    {                                                                                       \
        tile(C, xs, ys, x, g, w, b, r, y, av, OB, P, false, pfn, pfl);                      \
    }                                                                                       \
    static void gtile_##OB##x##P(int64_t C, int64_t xs, int64_t ys, const float *x,        \
                                 const float *g,                                            \
                                 const float *w, const float *b, const float *r, float *y, \
                                 const struct onr_act512 *av, const float *pfn, int64_t pfl) \
    {                                                                                       \
        tile(C, xs, ys, x, g, w, b, r, y, av, OB, P, true, pfn, pfl);                       \
    }
#define DEF_TILES_6(OB)                                                                     \
    DEF_TILE(OB, 1) DEF_TILE(OB, 2) DEF_TILE(OB, 3) DEF_TILE(OB, 4) DEF_TILE(OB, 5)         \
    DEF_TILE(OB, 6)
#define DEF_TILES_8(OB) DEF_TILES_6(OB) DEF_TILE(OB, 7) DEF_TILE(OB, 8)
#define DEF_TILES_12(OB)                                                                    \
    DEF_TILES_8(OB) DEF_TILE(OB, 9) DEF_TILE(OB, 10) DEF_TILE(OB, 11) DEF_TILE(OB, 12)
#define DEF_TILES_24(OB)                                                                    \
    DEF_TILES_12(OB) DEF_TILE(OB, 13) DEF_TILE(OB, 14) DEF_TILE(OB, 15) DEF_TILE(OB, 16)    \
    DEF_TILE(OB, 17) DEF_TILE(OB, 18) DEF_TILE(OB, 19) DEF_TILE(OB, 20) DEF_TILE(OB, 21)    \
    DEF_TILE(OB, 22) DEF_TILE(OB, 23) DEF_TILE(OB, 24)
DEF_TILES_24(1)
DEF_TILES_12(2)
DEF_TILES_8(3)
DEF_TILES_6(4)

#define T6(T, OB) T##_##OB##x1, T##_##OB##x2, T##_##OB##x3, T##_##OB##x4, T##_##OB##x5, \
                  T##_##OB##x6
#define T8(T, OB) T6(T, OB), T##_##OB##x7, T##_##OB##x8
#define T12(T, OB) T8(T, OB), T##_##OB##x9, T##_##OB##x10, T##_##OB##x11, T##_##OB##x12
#define T24(T, OB)                                                                          \
    T12(T, OB), T##_##OB##x13, T##_##OB##x14, T##_##OB##x15, T##_##OB##x16, T##_##OB##x17,  \
        T##_##OB##x18, T##_##OB##x19, T##_##OB##x20, T##_##OB##x21, T##_##OB##x22,          \
        T##_##OB##x23, T##_##OB##x24
/* tiles[gated][OB][P - 1] */
static const tile_fn tiles[2][5][P_MAX] = {
    {{0}, {T24(tile, 1)}, {T12(tile, 2)}, {T8(tile, 3)}, {T6(tile, 4)}},
    {{0}, {T24(gtile, 1)}, {T12(gtile, 2)}, {T8(gtile, 3)}, {T6(gtile, 4)}}};

/* Pixels [p0, p1) of output blocks [ob0, ob0 + OB) of one image (x, r, y
 * with block strides xs, ys, ys): spread
 * evenly over the fewest tiles of at most tile_p[OB] pixels. */
static void pixel_range(int64_t C, int64_t xs, int64_t ys, const float *x, const float *g,
                        const float *w, const float *b, const float *r, float *y, const void *av,
                        int OB, int last, int64_t p0, int64_t p1, const float *pfn,
                        int64_t pfl)
{
    (void)last; /* a 16-lane block is one zmm: the padding lanes cost nothing extra */
    const int64_t len = p1 - p0, pm = tile_p[OB];
    const int64_t nt = (len + pm - 1) / pm, base = len / nt, extra = len % nt;
    int64_t p = p0;
    for (int64_t t = 0; t < nt; t++) {
        const int64_t np = base + (t < extra);
        const int64_t a = pfl * t / nt, e = pfl * (t + 1) / nt;
        tiles[g != NULL][OB][np - 1](C, xs, ys, x + p * L, g, w, b, r ? r + p * L : NULL, y + p * L,
                                     av, pfn ? pfn + a * L : NULL, pfn ? e - a : 0);
        p += np;
    }
}

/* The first n (1..16) lanes. */
static inline __mmask16 last_mask(int n)
{
    return (__mmask16)(n >= L ? 0xFFFFu : (1u << n) - 1u);
}

/* ---- HW == 1: matrix-vector products, bound by streaming the weights ---- */

/* OB output vectors of one image with HW == 1, where x[c] is channel c
 * (blocked or plain alike): one FMA chain per vector over c ascending,
 * bitwise the same sums as a tile. Each block's weights are one contiguous
 * stream of C lines; OB streams are read at once, which the hardware
 * prefetcher follows (so no software prefetch). The last vector
 * is stored through `last` (a plain y's final partial block). */
static inline __attribute__((always_inline)) void
vec_group(int64_t C, const float *x, const float *g, const float *w, const float *b,
          const float *r, float *y, const struct onr_act512 *av, __mmask16 last, const int OB,
          const bool GATED)
{
    __m512 acc[4];
    UNROLL for (int o = 0; o < OB; o++) acc[o] = _mm512_setzero_ps();
    const int64_t ws = C * L;
    for (int64_t c = 0; c < C; c++) {
        const __m512 xv = _mm512_set1_ps(x[c]);
        const __m512 gv = GATED ? _mm512_set1_ps(g[c]) : xv;
        UNROLL for (int o = 0; o < OB; o++) {
            __m512 wv = _mm512_loadu_ps(w + o * ws + c * L);
            if (GATED) wv = _mm512_mul_ps(gv, wv);
            acc[o] = _mm512_fmadd_ps(wv, xv, acc[o]);
        }
    }
    UNROLL for (int o = 0; o < OB; o++) {
        __m512 v = _mm512_add_ps(acc[o], _mm512_loadu_ps(b + o * L));
        if (r) v = _mm512_add_ps(v, _mm512_loadu_ps(r + o * L));
        v = onr_act512_apply(av, v);
        if (o == OB - 1)
            _mm512_mask_storeu_ps(y + o * L, last, v);
        else
            _mm512_storeu_ps(y + o * L, v);
    }
}

#define DEF_VEC(OB)                                                                         \
    static void vec_##OB(int64_t C, const float *x, const float *g, const float *w,         \
                         const float *b, const float *r, float *y, const void *av, int last) \
    {                                                                                       \
        vec_group(C, x, g, w, b, r, y, av, last_mask(last), OB, false);                     \
    }                                                                                       \
    static void gvec_##OB(int64_t C, const float *x, const float *g, const float *w,        \
                          const float *b, const float *r, float *y, const void *av,         \
                          int last)                                                         \
    {                                                                                       \
        vec_group(C, x, g, w, b, r, y, av, last_mask(last), OB, true);                      \
    }
DEF_VEC(1)
DEF_VEC(2)
DEF_VEC(3)
DEF_VEC(4)
/* vecs[gated][OB], for onr_nchwc_matvec_drive */
static const onr_nchwc_vec_fn vecs[2][5] = {{0, vec_1, vec_2, vec_3, vec_4},
                                  {0, gvec_1, gvec_2, gvec_3, gvec_4}};

/* ---- entry points ---- */

/* Groups of up to OB_MAX (GATED_OB_MAX) blocks, one per work item, the
 * pixels split only when there are too few items for the threads. */
static const struct onr_nchwc_pw_isa pw_isa = {pixel_range, vecs,    OB_MAX, GATED_OB_MAX,
                                               tile_p,      0,       NEXT_PF_BYTES};

void onr_nchwc_pwconv_f32__avx512(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                  const float *wp, const float *bp, const float *r,
                                  const struct onr_activation *act, float *y, int threads)
{
    const struct onr_act512 av = onr_act512_make(act);
    onr_nchwc_pw_drive(&pw_isa, N, C, OC, HW, x, NULL, 0, wp, bp, r, &av, y, NULL, threads);
}

void onr_nchwc_pwconv_gated_f32__avx512(int64_t N, int64_t C, int64_t OC, int64_t HW,
                                        const float *x, const float *g, int64_t g_stride,
                                        const float *wp, const float *bp, const float *r,
                                        const struct onr_activation *act, float *y,
                                        float *scratch, int threads)
{
    const struct onr_act512 av = onr_act512_make(act);
    onr_nchwc_pw_drive(&pw_isa, N, C, OC, HW, x, g, g_stride, wp, bp, r, &av, y, scratch,
                       threads);
}

/* x: (C) plain  wp: (OCB, C, 16)  bp: (OCB * 16)  y: (OC) plain, its last
 * partial block stored masked. */
void onr_nchwc_gemv_f32__avx512(int64_t C, int64_t OC, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads)
{
    if (C < 1 || OC < 1) return;
    const struct onr_act512 av = onr_act512_make(act);
    onr_nchwc_matvec_drive(1, C, OC, x, 0, NULL, 0, wp, bp, NULL, &av, y, 0,
                           OC % L ? (int)(OC % L) : L, threads, vecs);
}

void onr_nchwc_pw_rows_f32__avx512(int64_t C, int64_t OC, int64_t P, const float *x, int64_t x_bs,
                                   const float *wp, const float *bp, const float *r,
                                   const struct onr_activation *act, float *y, int64_t y_bs)
{
    const struct onr_act512 av = onr_act512_make(act);
    onr_nchwc_pw_rows_drive(&pw_isa, C, OC, P, x, x_bs, wp, bp, r, &av, y, y_bs);
}
