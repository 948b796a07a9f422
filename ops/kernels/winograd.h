/* Winograd F(m x m, 3x3), m = 2 or 4, for dense 3x3 stride-1 convolutions:
 *
 *   x: (N, C, H, W)  w: (OC, C, 3, 3)  b: (OC) or NULL  r: y's shape or NULL
 *   y: (N, OC, OH, OW) = act(conv(x, w) + b + r)
 *
 * The output is cut into m x m tiles (ceil(OH/m) x ceil(OW/m) per image,
 * the last row and column of tiles cropped); each tile reads an
 * (m+2) x (m+2) input patch (zeros outside x: any pads). With Lavin and
 * Gray's matrices B^T, G, A^T a tile's output is
 * A^T [ sum_c (G w G^T) . (B^T d B) ] A, so the 9 m^2 multiplies per tile
 * and channel pair of the direct conv become (m+2)^2 (16 for 2x2, 36 for
 * 4x4): the transform points are that many independent (OC x C) * (C x
 * tiles) products. Weights are transformed once at prepare (in double)
 * and packed for those products.
 *
 * Driver (winograd.c): tiles are numbered over the whole batch and cut
 * into blocks of onr_winograd_block_tiles(s, m) tiles, a number that
 * depends on the shape alone; each block is transformed, multiplied and
 * transformed back by one thread in its own workspace, and no output
 * depends on which block or lanes its tile fell in, so the output does not
 * depend on the thread count. The three steps are the ISA's block
 * functions (struct onr_winograd_blocks); __scalar is portable C, __avx2
 * and __avx512 are in ops/kernels/x86.
 *
 * Error: the transforms' coefficients (F(4x4): up to 5 in B, 8 in A, 1/24
 * in G) make the float32 rounding error larger than the direct conv's;
 * tests/kernels/test_winograd.c measures both against a float64 conv
 * (figures in tools/bench/README.md and ops/conv_winograd.c). */
#ifndef ONR_KERNELS_WINOGRAD_H
#define ONR_KERNELS_WINOGRAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activation.h"
#include "conv.h"
#include "kernel_table.h"

enum {
    ONR_WINOGRAD_MR = 6,         /* output channels per packed weight panel */
    ONR_WINOGRAD_ALIGN = 32,     /* block tiles are a multiple of it (every NR divides it) */
    ONR_WINOGRAD_MAX_POINTS = 36,
};

/* The tile sizes: F(m x m, 3x3) reads (m+2) x (m+2) patches and has
 * (m+2)^2 transform points. */
static inline int onr_winograd_points(int m)
{
    return (m + 2) * (m + 2);
}

/* The shapes the Winograd path with tile m (2 or 4) takes: group 1, 3x3,
 * stride 1, dilation 1, any pads, enough channels and tiles for the
 * transforms to pay (thresholds measured in tools/bench/README.md), sizes
 * whose tile and workspace arithmetic stays far from overflow. */
bool onr_winograd_fits_m(const struct onr_conv_shape *s, int m);
bool onr_winograd2_fits(const struct onr_conv_shape *s);
bool onr_winograd4_fits(const struct onr_conv_shape *s);

/* Tiles per block: a multiple of ONR_WINOGRAD_ALIGN chosen from the shape
 * alone so that a block's transformed input and products stay near L2. */
int64_t onr_winograd_block_tiles(const struct onr_conv_shape *s, int m);
/* Output channels rounded up to panels of ONR_WINOGRAD_MR. */
static inline int64_t onr_winograd_oc_padded(int64_t OC)
{
    return (OC + ONR_WINOGRAD_MR - 1) / ONR_WINOGRAD_MR * ONR_WINOGRAD_MR;
}
/* Floats of packed weights: points * OCp * C. */
int64_t onr_winograd_weight_floats(const struct onr_conv_shape *s, int m);
/* Bytes of workspace for `threads` threads (64-byte aligned blocks). */
size_t onr_winograd_workspace_size(const struct onr_conv_shape *s, int m, int threads);
/* u[((xi * OCp/MR + p) * C + c) * MR + j] = (G w[p*MR + j][c] G^T)[xi],
 * zero for output channels past OC; computed in double. */
void onr_winograd_pack_weights(const struct onr_conv_shape *s, int m, const float *w, float *u);

/* Where a tile lies: its image and top-left output row and column. */
struct onr_winograd_tile {
    int64_t n, oh, ow;
};

/* One ISA's block functions for one tile size m. A block is nt tiles
 * (numbered over the batch: image, tile row, tile column; `tiles` gives
 * each one's place), held in nr_pad >= nt columns (a multiple of `nr`);
 * ld is the block's column stride, the block tiles. P = (m+2)^2 points.
 *   input:  v[(xi * C + c) * ld + t] = (B^T d B)[xi] of tile t and
 *           channel c, zero for t in [nt, nr_pad).
 *   gemm:   m[(xi * OCp + o) * ld + t] = sum_c u[xi](o, c) * v[xi](c, t),
 *           for t < nr_pad, c in increasing order.
 *   output: y of the nt tiles = act(A^T m A + b + r), cropped. */
struct onr_winograd_blocks {
    int m, nr;
    void (*input)(const struct onr_conv_shape *s, const float *x,
                  const struct onr_winograd_tile *tiles, int64_t nt, int64_t nr_pad, int64_t ld,
                  float *v);
    void (*gemm)(int points, int64_t OCp, int64_t C, int64_t nr_pad, int64_t ld,
                 const float *u, const float *v, float *m);
    void (*output)(const struct onr_conv_shape *s, const float *m,
                   const struct onr_winograd_tile *tiles, int64_t nt, int64_t ld, const float *b,
                   const float *r, const struct onr_activation *act, float *y);
};

/* The driver: every block through `k`, OpenMP over blocks. */
void onr_winograd_f32_run(const struct onr_winograd_blocks *k, const struct onr_conv_shape *s,
                          const float *x, const float *u, const float *b, const float *r,
                          const struct onr_activation *act, float *y, void *workspace,
                          int threads);

/* The kernels: x, u (packed weights for the kernel's m), b (may be NULL),
 * r (may be NULL), workspace of onr_winograd_workspace_size bytes. */
typedef void (*onr_winograd_f32_fn)(const struct onr_conv_shape *s, const float *x,
                                    const float *u, const float *b, const float *r,
                                    const struct onr_activation *act, float *y, void *workspace,
                                    int threads);
#define ONR_WINOGRAD_DECLARE(m, isa)                                                            \
    void onr_conv2d_f32_winograd##m##x##m##__##isa(                                             \
        const struct onr_conv_shape *s, const float *x, const float *u, const float *b,        \
        const float *r, const struct onr_activation *act, float *y, void *workspace,           \
        int threads);
ONR_WINOGRAD_DECLARE(2, scalar)
ONR_WINOGRAD_DECLARE(4, scalar)
/* x86 builds only; reached through the tables. */
ONR_WINOGRAD_DECLARE(2, avx2)
ONR_WINOGRAD_DECLARE(4, avx2)
ONR_WINOGRAD_DECLARE(2, avx512)
ONR_WINOGRAD_DECLARE(4, avx512)

/* The tables (conv_table.c), best first, one per tile size; every entry's
 * fits is onr_winograd<m>_fits, so a shape takes a tile size at every
 * level or at none. Conv takes F(2x2) (winograd2), F(4x4) only where asked
 * (ops/conv_winograd.c says why). */
ONR_KERNEL_TABLE(onr_winograd, struct onr_conv_shape, onr_winograd_f32_fn)
extern const struct onr_winograd_kernel onr_winograd2_kernels[];
extern const int onr_winograd2_kernels_count;
extern const struct onr_winograd_kernel onr_winograd4_kernels[];
extern const int onr_winograd4_kernels_count;

/* ---- shared by the block functions (not for callers) ---- */

/* Whether tiles[0 .. lanes-1] are one run of a tile row (the same image
 * and row, columns m apart) whose outputs lie inside y (and, with
 * `patches`, whose input patches lie inside x): the vector paths load and
 * store such runs directly. */
static inline bool onr_winograd_run(const struct onr_conv_shape *s, int m,
                                    const struct onr_winograd_tile *t, int64_t nt, int lanes,
                                    bool patches)
{
    if (nt < lanes) return false;
    const struct onr_winograd_tile *a = &t[0], *z = &t[lanes - 1];
    if (!(a->n == z->n && a->oh == z->oh && z->ow == a->ow + (int64_t)m * (lanes - 1) &&
          a->oh + m <= s->OH && z->ow + m <= s->OW))
        return false;
    return !patches || (a->oh >= s->pad_top && a->ow >= s->pad_left &&
                        a->oh - s->pad_top + m + 2 <= s->H && z->ow - s->pad_left + m + 2 <= s->W);
}

/* d[(i * (m+2) + j) * lanes + l] = the input patch of tiles[l] and
 * channel c, zeros outside x; tiles l >= nt give zeros. */
static inline void onr_winograd_gather(const struct onr_conv_shape *s, int m, const float *x,
                                       int64_t c, const struct onr_winograd_tile *tiles,
                                       int64_t nt, int lanes, float *d)
{
    const int q = m + 2;
    for (int l = 0; l < lanes; l++) {
        if (l >= nt) {
            for (int e = 0; e < q * q; e++) d[e * lanes + l] = 0.0f;
            continue;
        }
        const int64_t ih0 = tiles[l].oh - s->pad_top, iw0 = tiles[l].ow - s->pad_left;
        const float *xc = x + (tiles[l].n * s->C + c) * s->H * s->W;
        if (ih0 >= 0 && iw0 >= 0 && ih0 + q <= s->H && iw0 + q <= s->W) {
            for (int i = 0; i < q; i++) {
                const float *row = xc + (ih0 + i) * s->W + iw0;
                for (int j = 0; j < q; j++) d[(i * q + j) * lanes + l] = row[j];
            }
            continue;
        }
        for (int i = 0; i < q; i++) {
            const int64_t ih = ih0 + i;
            for (int j = 0; j < q; j++) {
                const int64_t iw = iw0 + j;
                d[(i * q + j) * lanes + l] =
                    ih >= 0 && ih < s->H && iw >= 0 && iw < s->W ? xc[ih * s->W + iw] : 0.0f;
            }
        }
    }
}

/* Writes o[(i * m + j) * lanes + l] (conv + b, before r and act) of
 * tiles[l], l < nt, to y: + r, the activation, cropped to OH x OW. */
static inline void onr_winograd_scatter(const struct onr_conv_shape *s, int m, const float *o,
                                        int64_t oc, const struct onr_winograd_tile *tiles,
                                        int64_t nt, int lanes,
                                        const float *r, const struct onr_activation *act,
                                        float *y)
{
    for (int l = 0; l < lanes && l < nt; l++) {
        const int64_t n = tiles[l].n, oh = tiles[l].oh, ow = tiles[l].ow;
        const int64_t base = (n * s->OC + oc) * s->OH * s->OW;
        const int rows = s->OH - oh < m ? (int)(s->OH - oh) : m;
        const int cols = s->OW - ow < m ? (int)(s->OW - ow) : m;
        for (int i = 0; i < rows; i++) {
            const int64_t at = base + (oh + i) * s->OW + ow;
            for (int j = 0; j < cols; j++) {
                float v = o[(i * m + j) * lanes + l];
                if (r != NULL) v += r[at + j];
                y[at + j] = onr_activation_apply(act, v);
            }
        }
    }
}

#endif
