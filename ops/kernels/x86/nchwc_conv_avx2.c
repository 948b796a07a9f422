/* AVX2 + FMA dense Conv from a plain input into the channel-blocked layout
 * NCHW16c (nchwc.h): the first Conv of a blocked chain (a network's RGB
 * stem), so the chain needs no reorder at its start.
 *
 * Register budget: 16 ymm. Interior pixels (every tap inside the row) go
 * in tiles of one 16-channel block x up to 6 pixels (12 accumulators + 2
 * weights + 1 broadcast), border pixels one at a time with the taps outside
 * the image skipped. Each output starts at its bias and adds the taps in
 * (c, kh, kw) order, one FMA each, so any thread count gives the same bits. */
#include "../nchwc_driver.h"
#include "nchwc_avx2.h"

#define CV_P 6 /* pixels per interior tile: 12 accumulators + 2 weights + 1 broadcast */

struct cv_row {
    const struct onr_conv_shape *s;
    const float *x;     /* image n */
    const float *w, *b; /* the output block's packed weights and bias */
    int kh[16];         /* kernel rows inside the image, ascending */
    int64_t ih[16];     /* their input rows */
    int nkh;
    const struct onr_act256 *av;
};

/* P pixels from ow, all taps inside the row; SW > 0: column stride (and
 * dilation 1) at compile time, SW == 0: run-time; KW3: a 3-wide kernel,
 * its tap loop unrolled (a run-time loop of 3 taps is mostly loop
 * overhead around 2 * P FMAs). */
INLINE void cv_tile(const int P, const int SW, const int KW3, const struct cv_row *r, int64_t ow,
                    float *y)
{
    const struct onr_conv_shape *s = r->s;
    const int64_t sw = SW > 0 ? SW : s->stride_w, dw = SW > 0 ? 1 : s->dil_w;
    const int64_t KW = KW3 ? 3 : s->KW;
    __m256 a0[CV_P], a1[CV_P];
    const __m256 b0 = _mm256_loadu_ps(r->b), b1 = _mm256_loadu_ps(r->b + 8);
    UNROLL for (int p = 0; p < P; p++) a0[p] = b0, a1[p] = b1;
    for (int64_t c = 0; c < s->C; c++)
        for (int k = 0; k < r->nkh; k++) {
            const float *xr = r->x + (c * s->H + r->ih[k]) * s->W + ow * sw - s->pad_left;
            const float *wr = r->w + ((c * s->KH + r->kh[k]) * KW) * L;
            for (int64_t kw = 0; kw < KW; kw++) {
                const __m256 w0 = _mm256_loadu_ps(wr + kw * L), w1 = _mm256_loadu_ps(wr + kw * L + 8);
                UNROLL for (int p = 0; p < P; p++) {
                    const __m256 xv = _mm256_broadcast_ss(xr + p * sw + kw * dw);
                    a0[p] = _mm256_fmadd_ps(xv, w0, a0[p]);
                    a1[p] = _mm256_fmadd_ps(xv, w1, a1[p]);
                }
            }
        }
    store_act(r->av, a0, y, P);
    store_act(r->av, a1, y + 8, P);
}

/* One pixel whose taps may leave the row: those are skipped. */
static void cv_border(const struct cv_row *r, int64_t ow, float *y)
{
    const struct onr_conv_shape *s = r->s;
    __m256 a[2] = {_mm256_loadu_ps(r->b), _mm256_loadu_ps(r->b + 8)};
    for (int64_t c = 0; c < s->C; c++)
        for (int k = 0; k < r->nkh; k++) {
            const float *xr = r->x + (c * s->H + r->ih[k]) * s->W;
            const float *wr = r->w + ((c * s->KH + r->kh[k]) * s->KW) * L;
            for (int64_t kw = 0; kw < s->KW; kw++) {
                const int64_t iw = ow * s->stride_w - s->pad_left + kw * s->dil_w;
                if (iw < 0 || iw >= s->W) continue;
                const __m256 xv = _mm256_broadcast_ss(xr + iw);
                a[0] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wr + kw * L), a[0]);
                a[1] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(wr + kw * L + 8), a[1]);
            }
        }
    _mm256_storeu_ps(y, onr_act256_apply(r->av, a[0]));
    _mm256_storeu_ps(y + 8, onr_act256_apply(r->av, a[1]));
}

typedef void (*cv_tile_fn)(const struct cv_row *r, int64_t ow, float *y);
#define DEF_CV_TILE(P)                                                                      \
    static void cv_tile_##P(const struct cv_row *r, int64_t ow, float *y)                   \
    {                                                                                       \
        const bool d1 = r->s->dil_w == 1, k3 = r->s->KW == 3;                               \
        if (d1 && r->s->stride_w == 2 && k3) cv_tile(P, 2, 1, r, ow, y);                     \
        else if (d1 && r->s->stride_w == 2) cv_tile(P, 2, 0, r, ow, y);                      \
        else if (d1 && r->s->stride_w == 1 && k3) cv_tile(P, 1, 1, r, ow, y);                \
        else if (d1 && r->s->stride_w == 1) cv_tile(P, 1, 0, r, ow, y);                      \
        else cv_tile(P, 0, 0, r, ow, y);                                                     \
    }
DEF_CV_TILE(1)
DEF_CV_TILE(2)
DEF_CV_TILE(3)
DEF_CV_TILE(4)
DEF_CV_TILE(5)
DEF_CV_TILE(6)
static const cv_tile_fn cv_tiles[CV_P] = {cv_tile_1, cv_tile_2, cv_tile_3,
                                          cv_tile_4, cv_tile_5, cv_tile_6};

/* The constants of one call: a group is one output block. */
struct cv_plan {
    struct onr_act256 av;
    int64_t lo, hi; /* interior columns: every tap inside the row */
};

static struct cv_plan cv_make_plan(const struct onr_conv_shape *s, const struct onr_activation *act)
{
    struct cv_plan pl = {.av = onr_act256_make(act)};
    onr_nchwc_conv_interior(s, &pl.lo, &pl.hi);
    return pl;
}

/* Output row oh of image n, output block ob (onr_nchwc_conv_row_fn). */
static void cv_one_row(const struct onr_conv_shape *s, const void *plan, const float *x,
                       const float *wp, const float *bp, float *y, int64_t n, int64_t ob,
                       int64_t oh)
{
    const struct cv_plan *pl = plan;
    const struct onr_act256 *av = &pl->av;
    const int64_t lo = pl->lo, hi = pl->hi;
    const int64_t OCB = onr_nchwc_blocks(s->OC), taps = s->C * s->KH * s->KW;
    struct cv_row r = {.s = s, .x = x + n * s->C * s->H * s->W, .w = wp + ob * taps * L,
                       .b = bp + ob * L, .av = av};
    for (int kh = 0; kh < s->KH; kh++) {
        const int64_t ih = oh * s->stride_h - s->pad_top + kh * s->dil_h;
        if (ih < 0 || ih >= s->H) continue;
        r.kh[r.nkh] = kh;
        r.ih[r.nkh++] = ih;
    }
    float *yr = y + ((n * OCB + ob) * s->OH + oh) * s->OW * L;
    for (int64_t ow = 0; ow < lo; ow++) cv_border(&r, ow, yr + ow * L);
    int64_t ow = lo;
    for (; ow + CV_P <= hi; ow += CV_P) cv_tiles[CV_P - 1](&r, ow, yr + ow * L);
    if (ow < hi) cv_tiles[hi - ow - 1](&r, ow, yr + ow * L);
    for (ow = hi; ow < s->OW; ow++) cv_border(&r, ow, yr + ow * L);
}

/* x: (N, C, H, W) plain  wp: (OCB, C, KH, KW, 16)  y: (N, OCB, OH, OW, 16)
 * Items: (image, output block, output row). */
void onr_nchwc_conv_f32__avx2(const struct onr_conv_shape *s, const float *x, const float *wp,
                              const float *bp, const struct onr_activation *act, float *y,
                              int threads)
{
    if (s->KH > 16) { /* the row's kernel-row list is fixed-size */
        onr_nchwc_conv_f32__scalar(s, x, wp, bp, act, y, threads);
        return;
    }
    const struct cv_plan pl = cv_make_plan(s, act);
    onr_nchwc_conv_drive(s, &pl, onr_nchwc_blocks(s->OC), x, wp, bp, y, threads, cv_one_row);
}

void onr_nchwc_conv_rows_f32__avx2(const struct onr_conv_shape *s, const float *x,
                                   const float *wp, const float *bp,
                                   const struct onr_activation *act, float *y, int64_t oh0,
                                   int64_t oh1)
{
    if (s->KH > 16) {
        onr_nchwc_conv_rows_f32__scalar(s, x, wp, bp, act, y, oh0, oh1);
        return;
    }
    const struct cv_plan pl = cv_make_plan(s, act);
    onr_nchwc_conv_rows_drive(s, &pl, onr_nchwc_blocks(s->OC), x, wp, bp, y, oh0, oh1, cv_one_row);
}
