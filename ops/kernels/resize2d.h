/* Separable 2-D resize of the last two dims, for Resize/Upsample in linear
 * or nearest mode whose outer dims are unchanged (the bilinear upsampling
 * of segmentation heads, nn.Upsample's nearest):
 *
 *   x: (P, IH, IW)  y: (P, OH, OW)   P = the product of the outer dims
 *   y[p][oh][ow] = wh0 * H(h0)[ow] + wh1 * H(h1)[ow]
 *   H(h)[ow]     = ww0 * x[p][h][w0] + ww1 * x[p][h][w1]
 *
 * with (h0, h1, wh0, wh1) the taps of output row oh and (w0, w1, ww0, ww1)
 * those of output column ow, as the Resize op computes them for its
 * coordinate mode (a dropped tap has weight 0 and the other tap's index).
 * An axis whose second taps all have weight 0 (`single`: nearest, or
 * linear at integer positions) reads only the first tap, so nearest copies
 * x exactly, infinities and NaNs included.
 * Each horizontal row H(h) is computed once per run of output rows that
 * read it, in a per-thread buffer; an output element does not depend on
 * which thread computed it, so y is the same for any thread count. The
 * oracle is onr_resize2d_f32__ref (the same taps, summed in double per
 * element). */
#ifndef ONR_KERNELS_RESIZE2D_H
#define ONR_KERNELS_RESIZE2D_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../runtime/cpu.h"

/* The taps of one axis, one entry per output coordinate. */
struct onr_resize2d_axis {
    const int32_t *i0, *i1;
    const float *w0, *w1;
    bool single; /* every w1 is 0: only i0, w0 are read */
};

struct onr_resize2d_shape {
    int64_t P, IH, IW, OH, OW;
};

typedef void (*onr_resize2d_f32_fn)(const struct onr_resize2d_shape *s,
                                    const struct onr_resize2d_axis *h,
                                    const struct onr_resize2d_axis *w, const float *x, float *y,
                                    float *ws, int threads);

/* Floats of workspace fn needs at `threads` threads (two rows each). */
static inline size_t onr_resize2d_workspace_floats(const struct onr_resize2d_shape *s,
                                                   int threads)
{
    return (size_t)(threads > 0 ? threads : 1) * 2u * (size_t)(s->OW > 0 ? s->OW : 1);
}

/* The oracle: no workspace, one thread. */
void onr_resize2d_f32__ref(const struct onr_resize2d_shape *s, const struct onr_resize2d_axis *h,
                           const struct onr_resize2d_axis *w, const float *x, float *y);

#define ONR_RESIZE2D_DECLARE(isa)                                                               \
    void onr_resize2d_f32__##isa(const struct onr_resize2d_shape *s,                          \
                                 const struct onr_resize2d_axis *h,                           \
                                 const struct onr_resize2d_axis *w, const float *x, float *y, \
                                 float *ws, int threads);
ONR_RESIZE2D_DECLARE(scalar)
ONR_RESIZE2D_DECLARE(avx2)
ONR_RESIZE2D_DECLARE(avx512)
#undef ONR_RESIZE2D_DECLARE

/* The kernel table (resize2d_table.c), widest ISA first: Resize takes the
 * first entry the session's ISA level allows. */
struct onr_resize2d_kernel {
    const char *name;
    enum onr_isa isa;
    onr_resize2d_f32_fn fn;
};
extern const struct onr_resize2d_kernel onr_resize2d_kernels[];
extern const int onr_resize2d_kernels_count;

static inline const struct onr_resize2d_kernel *onr_resize2d_pick(enum onr_isa isa)
{
    for (int k = 0; k < onr_resize2d_kernels_count; k++)
        if (onr_resize2d_kernels[k].isa <= isa) return &onr_resize2d_kernels[k];
    return NULL;
}

#endif
