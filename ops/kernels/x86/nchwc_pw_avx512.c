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
 * switch per vector cost up to 20% when C is small). Every lane's sum is
 * 0, then one FMA per c in ascending order, then + bias, + r, act: the
 * same in every tile shape, so results do not depend on how the output is
 * split between threads.
 *
 * Tiles: output blocks are spread evenly over groups of at most OB_MAX,
 * pixels evenly over tiles of at most tile_p[OB]; leftovers become smaller
 * compile-time tiles (a table over (OB, P)) rather than masked ones. */
#include <immintrin.h>
#include <stdbool.h>
#include <stdint.h>

#include "../nchwc.h"
#include "act_avx512.h"

#define L ONR_NCHWC_LANES

/* Most pixels per tile for each OB: P*OB accumulators + OB weights + a
 * broadcast stay within 32 zmm. Tiles have at most OB_MAX output blocks. */
#define OB_MAX 4
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

/* One tile. x: at (image, block 0, first pixel)  w: wp at the first output
 * block  b: bp at it  r, y: at (image, first output block, first pixel). */
static inline __attribute__((always_inline)) void
tile(int64_t C, int64_t HW, const float *x, const float *w, const float *b, const float *r,
     float *y, const struct onr_act512 *av, const int OB, const int P)
{
    __m512 acc[4][P_MAX];
    UNROLL for (int o = 0; o < OB; o++)
        UNROLL for (int p = 0; p < P; p++) acc[o][p] = _mm512_setzero_ps();
    const int64_t ws = C * L, bs = HW * L;
    for (int64_t c0 = 0; c0 < C; c0 += L) {
        const float *xc = x + c0 / L * bs;
        const float *wc = w + c0 * L;
        const int64_t nl = C - c0 < L ? C - c0 : L;
        for (int64_t l = 0; l < nl; l++) {
            __m512 wv[4];
            UNROLL for (int o = 0; o < OB; o++) wv[o] = _mm512_loadu_ps(wc + o * ws + l * L);
            UNROLL for (int p = 0; p < P; p++) {
                const __m512 xv = _mm512_set1_ps(xc[p * L + l]);
                UNROLL for (int o = 0; o < OB; o++)
                    acc[o][p] = _mm512_fmadd_ps(wv[o], xv, acc[o][p]);
            }
        }
    }
    switch (av->kind) {
    case ONR_ACT_NONE: finish(acc, b, r, y, bs, av, OB, P, EPI_NONE); break;
    case ONR_ACT_RELU: finish(acc, b, r, y, bs, av, OB, P, EPI_RELU); break;
    case ONR_ACT_CLIP: finish(acc, b, r, y, bs, av, OB, P, EPI_CLIP); break;
    default:
        finish(acc, b, r, y, bs, av, OB, P, EPI_RAW);
        act_tile(y, bs, OB, P, av);
        break;
    }
}

typedef void (*tile_fn)(int64_t C, int64_t HW, const float *x, const float *w, const float *b,
                        const float *r, float *y, const struct onr_act512 *av);

#define DEF_TILE(OB, P)                                                                     \
    static void tile_##OB##x##P(int64_t C, int64_t HW, const float *x, const float *w,     \
                                const float *b, const float *r, float *y,                  \
                                const struct onr_act512 *av)                               \
    {                                                                                       \
        tile(C, HW, x, w, b, r, y, av, OB, P);                                              \
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

#define T6(OB) tile_##OB##x1, tile_##OB##x2, tile_##OB##x3, tile_##OB##x4, tile_##OB##x5, \
               tile_##OB##x6
#define T8(OB) T6(OB), tile_##OB##x7, tile_##OB##x8
#define T12(OB) T8(OB), tile_##OB##x9, tile_##OB##x10, tile_##OB##x11, tile_##OB##x12
#define T24(OB)                                                                             \
    T12(OB), tile_##OB##x13, tile_##OB##x14, tile_##OB##x15, tile_##OB##x16,                \
        tile_##OB##x17, tile_##OB##x18, tile_##OB##x19, tile_##OB##x20, tile_##OB##x21,     \
        tile_##OB##x22, tile_##OB##x23, tile_##OB##x24
/* tiles[OB][P - 1] */
static const tile_fn tiles[5][P_MAX] = {{0}, {T24(1)}, {T12(2)}, {T8(3)}, {T6(4)}};

/* Pixels [p0, p1) of output blocks [ob0, ob0 + OB) of one image: spread
 * evenly over the fewest tiles of at most tile_p[OB] pixels. */
static void pixel_range(int64_t C, int64_t HW, const float *x, const float *w, const float *b,
                        const float *r, float *y, const struct onr_act512 *av, int OB,
                        int64_t p0, int64_t p1)
{
    const int64_t len = p1 - p0, pm = tile_p[OB];
    const int64_t nt = (len + pm - 1) / pm, base = len / nt, extra = len % nt;
    int64_t p = p0;
    for (int64_t t = 0; t < nt; t++) {
        const int64_t np = base + (t < extra);
        tiles[OB][np - 1](C, HW, x + p * L, w, b, r ? r + p * L : NULL, y + p * L, av);
        p += np;
    }
}

/* x: (N, CB, HW, 16)  wp: (OCB, C, 16)  bp: (OCB * 16)  r, y: (N, OCB, HW, 16)
 * Work items: (image, group of output blocks, pixel chunk), enough of them
 * to keep the threads busy when HW or OC is small. */
void onr_nchwc_pwconv_f32__avx512(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                  const float *wp, const float *bp, const float *r,
                                  const struct onr_activation *act, float *y, int threads)
{
    if (N < 1 || C < 1 || OC < 1 || HW < 1) return;
    const int64_t CB = onr_nchwc_blocks(C), OCB = onr_nchwc_blocks(OC);
    /* ng groups of gbase or gbase + 1 <= OB_MAX output blocks */
    const int64_t ng = (OCB + OB_MAX - 1) / OB_MAX;
    const int64_t gbase = OCB / ng, gextra = OCB % ng;
    /* pixel chunks: at least a full tile each, enough items for the threads */
    const int64_t want = threads > 1 ? 4 * (int64_t)threads : 1;
    const int64_t rows = N * ng, max_chunks = (HW + tile_p[OB_MAX] - 1) / tile_p[OB_MAX];
    int64_t pc = (want + rows - 1) / rows;
    if (pc > max_chunks) pc = max_chunks;
    if (pc < 1) pc = 1;
    const int64_t items = rows * pc;
    /* below ~1e5 multiply-adds (about a microsecond) a fork costs more than it saves */
    const bool par = threads > 1 && items > 1 && N * OC * C * HW >= (1 << 17);
    const struct onr_act512 av = onr_act512_make(act);
    (void)par; /* unused without OpenMP */
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (par)
    for (int64_t i = 0; i < items; i++) {
        const int64_t n = i / (ng * pc), g = i / pc % ng, k = i % pc;
        const int OB = (int)(gbase + (g < gextra));
        const int64_t ob0 = g * gbase + (g < gextra ? g : gextra);
        const int64_t p0 = HW * k / pc, p1 = HW * (k + 1) / pc;
        const int64_t yo = (n * OCB + ob0) * HW * L;
        pixel_range(C, HW, x + n * CB * HW * L, wp + ob0 * C * L, bp + ob0 * L,
                    r ? r + yo : NULL, y + yo, &av, OB, p0, p1);
    }
}
