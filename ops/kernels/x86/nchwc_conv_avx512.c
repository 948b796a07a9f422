/* Dense Conv from a plain input into a blocked output (nchwc.h), AVX-512:
 * the first Conv of a blocked chain (a network's RGB stem), so the chain
 * needs no reorder at its start.
 *
 * One task is one output row of one image for a group of up to 4
 * output-channel blocks (16 channels each). Its interior pixels (every tap
 * inside the image along the row) go in tiles of P pixels x OB blocks
 * (24 accumulators at most: 12 x 2, 8 x 3, 6 x 4): per tap, OB weight
 * vectors and P input floats broadcast from the plain row, P * OB FMAs.
 * Border pixels go one at a time with the taps outside the image skipped;
 * rows outside the image are skipped for the whole row. Each output starts
 * at its bias and adds the taps in (c, kh, kw) order, so any thread count
 * gives the same bits. */
#include <immintrin.h>

#include "../nchwc.h"
#include "../nchwc_driver.h"
#include "act_avx512.h"

#define L ONR_NCHWC_LANES
#define TILE_P 12   /* most pixels per interior tile */
#define OB_MAX 4    /* most output blocks per task */
/* Pixels per tile for OB blocks: OB * P <= 24 accumulators. With 4 blocks
 * a tap loads 4 weight vectors and broadcasts 6 inputs for 24 FMAs (10
 * loads), with 2 blocks 2 + 12 (14 loads): fewer loads per FMA. */
static const int tile_p[OB_MAX + 1] = {0, 12, 12, 8, 6};

struct row {
    const struct onr_conv_shape *s;
    const float *x;        /* image n */
    const float *w, *b;    /* the task's first output block */
    int64_t w_ob;          /* floats between output blocks of wp */
    int64_t y_ob;          /* floats between output blocks of y */
    int kh[16];            /* kernel rows inside the image, ascending */
    int64_t ih[16];        /* their input rows */
    int nkh;
    const struct onr_act512 *av;
};

/* P pixels from ow (all taps inside the row) for OB output blocks; SW > 0:
 * the column stride (and dilation 1) as compile-time constants, which
 * keeps the 12 broadcast addresses simple; SW = 0: run-time. */
static inline __attribute__((always_inline)) void tile(const int OB, const int P, const int SW,
                                                       const int KW3, const struct row *r,
                                                       int64_t ow, float *y)
{
    const struct onr_conv_shape *s = r->s;
    const int64_t sw = SW > 0 ? SW : s->stride_w, dw = SW > 0 ? 1 : s->dil_w;
    /* 3-wide kernels: the tap loop unrolled (a run-time loop of 3 taps is
     * mostly loop overhead around OB * P FMAs) */
    const int64_t KW = KW3 ? 3 : s->KW;
    __m512 acc[OB_MAX][TILE_P];
    /* the next tile's output lines, for writing: the layer's output is too
     * big to stay cached between runs, and each store would otherwise wait
     * to read its line first (a prefetch past the end does not fault) */
    for (int o = 0; o < OB; o++)
        for (int p = 0; p < P; p++)
            _mm_prefetch((const char *)(y + o * r->y_ob + (P + p) * L), _MM_HINT_ET0);
    for (int o = 0; o < OB; o++) {
        const __m512 bias = _mm512_loadu_ps(r->b + o * L);
        for (int p = 0; p < P; p++) acc[o][p] = bias;
    }
    for (int64_t c = 0; c < s->C; c++)
        for (int k = 0; k < r->nkh; k++) {
            const float *xr = r->x + (c * s->H + r->ih[k]) * s->W + ow * sw - s->pad_left;
            const float *wr = r->w + ((c * s->KH + r->kh[k]) * KW) * L;
            if (SW == 2 && KW3 && OB <= 2) {
                /* 3 taps at stride 2: input column j feeds pixel p's tap
                 * j - 2p, so each column is broadcast once for the up to
                 * two pixels it serves (2P + 1 loads, not 3P); each output
                 * still adds its taps in kw order */
                __m512 wv[3][2];
#pragma GCC unroll 3
                for (int t = 0; t < 3; t++)
#pragma GCC unroll 2
                    for (int o = 0; o < OB; o++) wv[t][o] = _mm512_loadu_ps(wr + t * L + o * r->w_ob);
#pragma GCC unroll 25
                for (int j = 0; j <= 2 * P; j++) {
                    const __m512 xv = _mm512_set1_ps(xr[j]);
                    for (int p = j >= 2 ? (j - 1) / 2 : 0; p < P && 2 * p <= j; p++) {
                        const int t = j - 2 * p;   /* 0, 1 or 2 */
#pragma GCC unroll 2
                        for (int o = 0; o < OB; o++)
                            acc[o][p] = _mm512_fmadd_ps(xv, wv[t][o], acc[o][p]);
                    }
                }
                continue;
            }
            for (int64_t kw = 0; kw < KW; kw++) {
                __m512 wv[OB_MAX];
                for (int o = 0; o < OB; o++) wv[o] = _mm512_loadu_ps(wr + kw * L + o * r->w_ob);
                for (int p = 0; p < P; p++) {
                    const __m512 xv = _mm512_set1_ps(xr[p * sw + kw * dw]);
                    for (int o = 0; o < OB; o++) acc[o][p] = _mm512_fmadd_ps(xv, wv[o], acc[o][p]);
                }
            }
        }
    for (int o = 0; o < OB; o++)
        for (int p = 0; p < P; p++)
            _mm512_storeu_ps(y + o * r->y_ob + p * L, onr_act512_apply(r->av, acc[o][p]));
}

/* One pixel whose taps may leave the row: those are skipped. */
static inline __attribute__((always_inline)) void border(const int OB, const struct row *r,
                                                         int64_t ow, float *y)
{
    const struct onr_conv_shape *s = r->s;
    __m512 acc[OB_MAX];
    for (int o = 0; o < OB; o++) acc[o] = _mm512_loadu_ps(r->b + o * L);
    for (int64_t c = 0; c < s->C; c++)
        for (int k = 0; k < r->nkh; k++) {
            const float *xr = r->x + (c * s->H + r->ih[k]) * s->W;
            const float *wr = r->w + ((c * s->KH + r->kh[k]) * s->KW) * L;
            for (int64_t kw = 0; kw < s->KW; kw++) {
                const int64_t iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
                if (iw < 0 || iw >= s->W) continue;
                const __m512 xv = _mm512_set1_ps(xr[iw]);
                for (int o = 0; o < OB; o++)
                    acc[o] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(wr + kw * L + o * r->w_ob), acc[o]);
            }
        }
    for (int o = 0; o < OB; o++) _mm512_storeu_ps(y + o * r->y_ob, onr_act512_apply(r->av, acc[o]));
}

typedef void (*tile_fn)(const struct row *r, int64_t ow, float *y);
#define DEFINE_TILE(OB, P)                                                        \
    static void tile_##OB##_##P(const struct row *r, int64_t ow, float *y)        \
    {                                                                             \
        const bool d1 = r->s->dil_w == 1, k3 = r->s->KW == 3;                    \
        if (d1 && r->s->stride_w == 2 && k3) tile(OB, P, 2, 1, r, ow, y);         \
        else if (d1 && r->s->stride_w == 2) tile(OB, P, 2, 0, r, ow, y);          \
        else if (d1 && r->s->stride_w == 1 && k3) tile(OB, P, 1, 1, r, ow, y);    \
        else if (d1 && r->s->stride_w == 1) tile(OB, P, 1, 0, r, ow, y);          \
        else tile(OB, P, 0, 0, r, ow, y);                                         \
    }
#define DEFINE_TILES6(OB)                                                                         \
    DEFINE_TILE(OB, 1) DEFINE_TILE(OB, 2) DEFINE_TILE(OB, 3) DEFINE_TILE(OB, 4)                  \
    DEFINE_TILE(OB, 5) DEFINE_TILE(OB, 6)
#define DEFINE_TILES8(OB) DEFINE_TILES6(OB) DEFINE_TILE(OB, 7) DEFINE_TILE(OB, 8)
#define DEFINE_TILES12(OB)                                                                        \
    DEFINE_TILES8(OB) DEFINE_TILE(OB, 9) DEFINE_TILE(OB, 10) DEFINE_TILE(OB, 11) DEFINE_TILE(OB, 12)
DEFINE_TILES12(1)
DEFINE_TILES12(2)
DEFINE_TILES8(3)
DEFINE_TILES6(4)
/* tiles[OB - 1][P - 1], P <= tile_p[OB] */
static const tile_fn tiles[OB_MAX][TILE_P] = {
    {tile_1_1, tile_1_2, tile_1_3, tile_1_4, tile_1_5, tile_1_6, tile_1_7, tile_1_8, tile_1_9,
     tile_1_10, tile_1_11, tile_1_12},
    {tile_2_1, tile_2_2, tile_2_3, tile_2_4, tile_2_5, tile_2_6, tile_2_7, tile_2_8, tile_2_9,
     tile_2_10, tile_2_11, tile_2_12},
    {tile_3_1, tile_3_2, tile_3_3, tile_3_4, tile_3_5, tile_3_6, tile_3_7, tile_3_8},
    {tile_4_1, tile_4_2, tile_4_3, tile_4_4, tile_4_5, tile_4_6},
};

static void border_1(const struct row *r, int64_t ow, float *y) { border(1, r, ow, y); }
static void border_2(const struct row *r, int64_t ow, float *y) { border(2, r, ow, y); }
static void border_3(const struct row *r, int64_t ow, float *y) { border(3, r, ow, y); }
static void border_4(const struct row *r, int64_t ow, float *y) { border(4, r, ow, y); }
static void (*const borders[OB_MAX])(const struct row *, int64_t, float *) = {
    border_1, border_2, border_3, border_4};

/* The sizes every task of one Conv shares. */
struct plan {
    struct onr_act512 av;
    int64_t OCB, ng, gbase, gextra, taps;
    int64_t lo, hi;   /* interior columns: every tap inside the row */
};

static struct plan make_plan(const struct onr_conv_shape *s, const struct onr_activation *act)
{
    struct plan pl = {.av = onr_act512_make(act)};
    /* ng groups of gbase or gbase + 1 <= OB_MAX output blocks */
    pl.OCB = onr_nchwc_blocks(s->OC);
    pl.ng = (pl.OCB + OB_MAX - 1) / OB_MAX;
    pl.gbase = pl.OCB / pl.ng;
    pl.gextra = pl.OCB % pl.ng;
    pl.taps = s->C * s->KH * s->KW;
    onr_nchwc_conv_interior(s, &pl.lo, &pl.hi);
    return pl;
}

/* Output row oh of image n for output-block group gi (onr_nchwc_conv_row_fn). */
static void one_row(const struct onr_conv_shape *s, const void *plan, const float *x,
                    const float *wp, const float *bp, float *y, int64_t n, int64_t gi, int64_t oh)
{
    const struct plan *pl = plan;
    const int OB = (int)(pl->gbase + (gi < pl->gextra));
    const int64_t ob = gi * pl->gbase + (gi < pl->gextra ? gi : pl->gextra);
    struct row r = {
        .s = s, .x = x + n * s->C * s->H * s->W, .w = wp + ob * pl->taps * L, .b = bp + ob * L,
        .w_ob = pl->taps * L, .y_ob = s->OH * s->OW * L, .av = &pl->av,
    };
    for (int kh = 0; kh < s->KH; kh++) {
        const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
        if (ih < 0 || ih >= s->H) continue;
        r.kh[r.nkh] = kh;
        r.ih[r.nkh++] = ih;
    }
    float *yr = y + ((n * pl->OCB + ob) * s->OH + oh) * s->OW * L;
    void (*edge)(const struct row *, int64_t, float *) = borders[OB - 1];
    for (int64_t ow = 0; ow < pl->lo; ow++) edge(&r, ow, yr + ow * L);
    const int P = tile_p[OB];
    int64_t ow = pl->lo;
    for (; ow + P <= pl->hi; ow += P) tiles[OB - 1][P - 1](&r, ow, yr + ow * L);
    if (ow < pl->hi) tiles[OB - 1][pl->hi - ow - 1](&r, ow, yr + ow * L);
    for (ow = pl->hi; ow < s->OW; ow++) edge(&r, ow, yr + ow * L);
}

/* x: (N, C, H, W) plain  wp: (OCB, C, KH, KW, 16)  y: (N, OCB, OH, OW, 16) */
void onr_nchwc_conv_f32__avx512(const struct onr_conv_shape *s, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads)
{
    if (s->KH > 16) {   /* the row's kernel-row list is fixed-size */
        onr_nchwc_conv_f32__scalar(s, x, wp, bp, act, y, threads);
        return;
    }
    const struct plan pl = make_plan(s, act);
    onr_nchwc_conv_drive(s, &pl, pl.ng, x, wp, bp, y, threads, one_row);
}

void onr_nchwc_conv_rows_f32__avx512(const struct onr_conv_shape *s, const float *x,
                                     const float *wp, const float *bp,
                                     const struct onr_activation *act, float *y, int64_t oh0,
                                     int64_t oh1)
{
    if (s->KH > 16) {
        onr_nchwc_conv_rows_f32__scalar(s, x, wp, bp, act, y, oh0, oh1);
        return;
    }
    const struct plan pl = make_plan(s, act);
    onr_nchwc_conv_rows_drive(s, &pl, pl.ng, x, wp, bp, y, oh0, oh1, one_row);
}
