/* The NCHW16c drivers every ISA shares (nchwc_driver.c, portable C): each
 * splits one kernel's work into items for the threads and walks them,
 * calling a per-ISA block function for the arithmetic, so the loops, the
 * splits and the thread thresholds exist once. The block functions are the
 * only ISA code; `av` is the ISA's activation constants (struct onr_act256,
 * onr_act512, or the plain struct onr_activation), built once per call by
 * the ISA's entry point and passed through untouched.
 *
 * For kernel files only (not an interface for operators). */
#ifndef ONR_KERNELS_NCHWC_DRIVER_H
#define ONR_KERNELS_NCHWC_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "nchwc.h"

/* ---- reorders ---- */

/* Positions [q0, q1) of one channel block of nc (1..16) channels: plain
 * xb (nc, HW) <-> blocked yb (HW, 16). from: zeros in lanes nc..15; to:
 * lanes nc..15 of xb not stored. */
typedef void (*onr_nchwc_reorder_block_fn)(const float *x, float *y, int nc, int64_t HW,
                                           int64_t q0, int64_t q1);
/* Items of (image, channel block, chunk of 1024 positions; one chunk per
 * block on one thread); x plain and y blocked, or (to_plain) the reverse. */
void onr_nchwc_reorder_drive(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                             int threads, bool to_plain, onr_nchwc_reorder_block_fn block);

/* ---- depthwise ---- */

/* The sizes of one depthwise Conv; the ISA row functions specialise some
 * of them as compile-time constants. */
struct onr_nchwc_dw_geom {
    int64_t H, W, OH, OW, KH, KW, SH, SW, DH, DW, pt, pl;
};

/* The shapes with compile-time row functions (square kernel, equal
 * strides, dilation 1), and ANY for the rest. */
enum onr_nchwc_dw_variant {
    ONR_NCHWC_DW_3X3S1, ONR_NCHWC_DW_3X3S2, ONR_NCHWC_DW_5X5S1, ONR_NCHWC_DW_5X5S2,
    ONR_NCHWC_DW_ANY, ONR_NCHWC_DW_VARIANTS
};
enum onr_nchwc_dw_variant onr_nchwc_dw_variant_of(const struct onr_conv_shape *s);

/* First tap t in [0, n) with base + t*d >= 0; one past the last with
 * base + t*d < lim. */
static inline int onr_nchwc_tap_lo(int64_t base, int64_t d, int64_t n)
{
    if (base >= 0) return 0;
    const int64_t t = (-base + d - 1) / d;
    return (int)(t < n ? t : n);
}
static inline int onr_nchwc_tap_hi(int64_t base, int64_t d, int64_t n, int64_t lim)
{
    if (base >= lim) return 0;
    const int64_t t = (lim - 1 - base) / d + 1;
    return (int)(t < n ? t : n);
}

/* Output columns [*owa, *owb) whose kw_n taps (stride sw, dilation dw)
 * all lie inside an input row of W columns with pl padding on the left. */
static inline void onr_nchwc_dw_interior(const struct onr_nchwc_dw_geom *g, int64_t kw_n,
                                         int64_t sw, int64_t dw, int64_t *owa, int64_t *owb)
{
    int64_t a = (g->pl + sw - 1) / sw, b = 0;
    if (g->W - 1 - (kw_n - 1) * dw + g->pl >= 0) b = (g->W - 1 - (kw_n - 1) * dw + g->pl) / sw + 1;
    if (a > g->OW) a = g->OW;
    if (b > g->OW) b = g->OW;
    if (b < a) b = a;
    *owa = a;
    *owb = b;
}

/* Output rows [oh0, oh1) of one channel block: xb (H, W, 16), wb (KH, KW,
 * 16), bb (16), yb (OH, OW, 16). */
typedef void (*onr_nchwc_dw_rows_fn)(const struct onr_nchwc_dw_geom *g, const float *xb,
                                     const float *wb, const float *bb, const void *av,
                                     float *yb, int64_t oh0, int64_t oh1);
/* The depthwise Conv of nchwc.h on items of (image, channel block, band of
 * output rows), rows[onr_nchwc_dw_variant_of(s)] computing them; one thread
 * runs without a parallel region. */
void onr_nchwc_dw_drive(const struct onr_conv_shape *s, const float *x, const float *wp,
                        const float *bp, const void *av, float *y, int threads,
                        const onr_nchwc_dw_rows_fn rows[ONR_NCHWC_DW_VARIANTS]);

/* ---- matrix-vector products (HW == 1, and gemv) ---- */

/* OB (1..4) output blocks of one image: x[c] channel c, g the image's
 * gates or NULL, w and b the first block's packed weights and bias, r (or
 * NULL) and y at the first block; the last block stores `last` (1..16)
 * lanes. */
typedef void (*onr_nchwc_vec_fn)(int64_t C, const float *x, const float *g, const float *w,
                                 const float *b, const float *r, float *y, const void *av,
                                 int last);
/* x (N, C) at x + n * xs, g as in the gated Conv or NULL, y (N, OC) at
 * y + n * ys with the final block of each image storing `last` lanes. Each
 * thread takes one contiguous range of output blocks, whose weights it
 * streams once per image, in groups of up to 4 through vecs[gated][OB]. */
void onr_nchwc_matvec_drive(int64_t N, int64_t C, int64_t OC, const float *x, int64_t xs,
                            const float *g, int64_t g_stride, const float *wp, const float *bp,
                            const float *r, const void *av, float *y, int64_t ys, int last,
                            int threads, const onr_nchwc_vec_fn vecs[2][5]);

/* ---- pointwise (1x1) Conv ---- */

/* Pixels [p0, p1) of OB (1..ob_max) output blocks of one image, spread
 * over the ISA's register tiles: x at (image, block 0, pixel 0), xs floats
 * between its blocks; g the image's gates or NULL; w, b the first block's
 * packed weights and bias; r (or NULL) and y at (image, first block, pixel
 * 0), ys floats between their blocks. last (1..16): the live lanes of the
 * last block (OC's remainder for the Conv's last block, else 16); its
 * padding lanes must be stored finite but need not be computed. pfn (or
 * NULL): pfl lines of the next group's weights to fetch to L2 while the
 * tiles run. */
typedef void (*onr_nchwc_pw_range_fn)(int64_t C, int64_t xs, int64_t ys, const float *x,
                                      const float *g, const float *w, const float *b,
                                      const float *r, float *y, const void *av, int OB,
                                      int last, int64_t p0, int64_t p1, const float *pfn,
                                      int64_t pfl);

/* One ISA's pointwise kernel: its block functions and how its tiles want
 * the work cut. */
struct onr_nchwc_pw_isa {
    onr_nchwc_pw_range_fn range;
    const onr_nchwc_vec_fn (*vecs)[5]; /* vecs[gated][OB], for HW == 1 */
    int ob_max, gated_ob_max;          /* output blocks a tile holds */
    const int *tile_p;                 /* tile_p[OB]: most pixels of a tile of OB blocks */
    /* > 0: pixel chunks of about chunk_lines input lines (64 bytes: one
     * pixel of one block), so a chunk's input stays in L1 while every
     * group of an item runs over it; groups are split between items only
     * to feed the threads. 0: one group per item, pixels split only to
     * feed the threads. */
    int chunk_lines;
    /* > 0: on one thread, a group whose weights outgrow this fetches the
     * next group's to L2 while it runs (its first tile would wait for
     * them from L3 otherwise). */
    int64_t next_pf_bytes;
};

/* The pointwise Conv of nchwc.h (plain, or gated with g != NULL) on items
 * of (image, pixel chunk, range of output-block groups); HW == 1 through
 * onr_nchwc_matvec_drive. Every lane's sum runs over c in the same order
 * whatever the split, so results do not depend on the thread count.
 * Gated with a scratch (onr_nchwc_pw_gated_scratch_floats) on a map big
 * enough, the weights are scaled by each image's gate (once for a shared
 * gate) and the plain tiles run on them. */
void onr_nchwc_pw_drive(const struct onr_nchwc_pw_isa *isa, int64_t N, int64_t C, int64_t OC,
                        int64_t HW, const float *x, const float *g, int64_t g_stride,
                        const float *wp, const float *bp, const float *r, const void *av,
                        float *y, float *scratch, int threads);
/* P pixels, every output block, on the calling thread (the fused
 * depthwise driver's pw_rows): x at the first pixel, x_bs floats between
 * its blocks; y and r (or NULL) likewise with y_bs. */
void onr_nchwc_pw_rows_drive(const struct onr_nchwc_pw_isa *isa, int64_t C, int64_t OC,
                             int64_t P, const float *x, int64_t x_bs, const float *wp,
                             const float *bp, const float *r, const void *av, float *y,
                             int64_t y_bs);

/* ---- dense Conv from plain X (the stem) ---- */

/* Interior output columns [*lo, *hi) of a row: every tap inside it. */
void onr_nchwc_conv_interior(const struct onr_conv_shape *s, int64_t *lo, int64_t *hi);
/* Output row oh of image n for output-block group gi: what a group is (one
 * block, or several sharing each input load) is the ISA's; plan is its
 * per-call constants (activation, interior columns, groups). */
typedef void (*onr_nchwc_conv_row_fn)(const struct onr_conv_shape *s, const void *plan,
                                      const float *x, const float *wp, const float *bp,
                                      float *y, int64_t n, int64_t gi, int64_t oh);
/* Items of (image, group, output row) over `threads` threads; the rows
 * form: rows [oh0, oh1) of every image and group on the calling thread
 * (inside a fused depthwise Conv, which has split the work already). */
void onr_nchwc_conv_drive(const struct onr_conv_shape *s, const void *plan, int64_t groups,
                          const float *x, const float *wp, const float *bp, float *y,
                          int threads, onr_nchwc_conv_row_fn row);
void onr_nchwc_conv_rows_drive(const struct onr_conv_shape *s, const void *plan, int64_t groups,
                               const float *x, const float *wp, const float *bp, float *y,
                               int64_t oh0, int64_t oh1, onr_nchwc_conv_row_fn row);

#endif
