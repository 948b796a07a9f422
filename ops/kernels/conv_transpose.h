/* Transposed convolution (ConvTranspose) of 1 to 3 spatial axes, held as
 * three axes D, H, W (an unused leading axis has size 1, stride 1, no pad):
 *
 *   x: (N, C, in[0..2])   w: (C, M/group, k[0..2])   b: (M) or NULL
 *   y: (N, M, out[0..2])
 *
 * It is the adjoint of Conv: input element x[n, c, i] (c in group g) adds
 * x * w[c, m, t] to y[n, g*Mg + m, o] along every axis at
 *     o = i * stride - pad_begin + t * dil
 * for each kernel tap t that lands inside y. pad_begin may be negative: an
 * output_shape beyond the natural size leaves positions no input reaches,
 * which hold the bias. */
#ifndef ONR_KERNELS_CONV_TRANSPOSE_H
#define ONR_KERNELS_CONV_TRANSPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activation.h"
#include "kernel_table.h"

struct onr_convt_shape {
    int64_t N, C, M, group;      /* group divides C and M */
    int64_t in[3], k[3], out[3]; /* D, H, W of x, of the kernel, of y */
    int64_t stride[3], dil[3];   /* >= 1 */
    int64_t pad_begin[3];
};

/* v[i] = onr_activation_apply(act, v[i]) for i < n, with the kind's switch
 * outside the loop so the common ones vectorise. */
static inline void onr_convt_act_row(float *restrict v, int64_t n,
                                     const struct onr_activation *act)
{
    const struct onr_activation a = *act;
    switch (a.kind) {
    case ONR_ACT_NONE: return;
    case ONR_ACT_RELU:
        for (int64_t i = 0; i < n; i++) v[i] = onr_activation_apply(&a, v[i]);
        return;
    case ONR_ACT_CLIP:
        for (int64_t i = 0; i < n; i++) v[i] = onr_activation_apply(&a, v[i]);
        return;
    default:
        for (int64_t i = 0; i < n; i++) v[i] = onr_activation_apply(&a, v[i]);
        return;
    }
}

/* The oracle, written as the gather of the definition above: each y
 * element is its bias (or 0) plus, for the group's input channels c in
 * order and the taps (td, th, tw) in order, x at the input position that
 * tap maps onto it (when there is one) times the weight. OpenMP over the
 * (n, m) planes; each element is summed by one thread in that fixed
 * order, so y does not depend on threads. */
void onr_convt_f32__ref(const struct onr_convt_shape *s, const float *x, const float *w,
                        const float *b, float *y, int threads);

/* The scatter half of the GEMM path. For one image and one group, cols
 * holds rows (m, t) for m < M/group and taps t in (td, th, tw) order, nb
 * columns each: the products summed over the group's input channels for
 * the input positions p0 .. p0+nb-1 (flattened D, H, W of x). Adds each
 * row into the plane y + m * out_vol at the positions the tap maps them
 * to: m by m (OpenMP), taps in order, positions in order, so with blocks
 * added in increasing p0 each y element's sum has a fixed order. The
 * first block (p0 == 0) first sets each plane to its bias b[m] (b: the
 * group's M/group biases, NULL: 0), in the same thread. act is
 * NULL except on the group's last block: then the thread that finished
 * plane m applies it to the plane at once (onr_activation_apply), while
 * the plane is still in its cache, so the values are the same as an
 * activation node's after the sums.
 *
 * __scalar adds tap by tap. The ISA variants, along W with stride 2 and
 * dilation 1, add taps tw and tw + 1 in one pass as interleaved pairs (the
 * two land on alternate output columns, so an element still receives its
 * taps in order): bitwise __scalar's results. */
typedef void (*onr_convt_col2im_fn)(const struct onr_convt_shape *s, const float *cols,
                                    int64_t p0, int64_t nb, const float *b, float *y,
                                    const struct onr_activation *act, int threads);
void onr_convt_col2im_f32__scalar(const struct onr_convt_shape *s, const float *cols,
                                  int64_t p0, int64_t nb, const float *b, float *y,
                                  const struct onr_activation *act, int threads);
void onr_convt_col2im_f32__avx2(const struct onr_convt_shape *s, const float *cols,
                                int64_t p0, int64_t nb, const float *b, float *y,
                                const struct onr_activation *act, int threads);
void onr_convt_col2im_f32__avx512(const struct onr_convt_shape *s, const float *cols,
                                  int64_t p0, int64_t nb, const float *b, float *y,
                                  const struct onr_activation *act, int threads);

/* Its table (conv_transpose_table.c), best first; every entry takes every
 * shape. */
ONR_KERNEL_TABLE(onr_convt_col2im, struct onr_convt_shape, onr_convt_col2im_fn)
extern const struct onr_convt_col2im_kernel onr_convt_col2im_kernels[];
extern const int onr_convt_col2im_kernels_count;

/* The phase-gather path (conv_transpose_phase_body.h, one file per ISA):
 * any group. y = b (or 0) plus, for each output row, the group's input
 * channels in order, for each its input rows in (td, th) order and the
 * row's taps tw in order; workspace holds
 * onr_convt_phase_workspace_floats(s) floats per thread. An output row is
 * one thread's task: y does not depend on threads. Each product and sum
 * is rounded on its own (the C11 build does not contract them to FMA), so
 * every ISA's kernel gives the same values. act (NULL: none) is applied to
 * each output row's sums as they are stored (onr_activation_apply). */
static inline size_t onr_convt_phase_workspace_floats(const struct onr_convt_shape *s)
{
    /* stride phases of ceil(out / stride) partial sums, each padded to 16 */
    const int64_t sw = s->stride[2];
    const int64_t per_phase = ((s->out[2] + sw - 1) / sw + 15) / 16 * 16;
    return (size_t)(per_phase * sw);
}

typedef void (*onr_convt_phase_fn)(const struct onr_convt_shape *s, const float *x,
                                   const float *w, const float *b,
                                   const struct onr_activation *act, float *y,
                                   float *workspace, int threads);
void onr_convt_phase_f32__scalar(const struct onr_convt_shape *s, const float *x,
                                 const float *w, const float *b,
                                 const struct onr_activation *act, float *y, float *workspace,
                                 int threads);
void onr_convt_phase_f32__avx2(const struct onr_convt_shape *s, const float *x, const float *w,
                               const float *b, const struct onr_activation *act, float *y,
                               float *workspace, int threads);
void onr_convt_phase_f32__avx512(const struct onr_convt_shape *s, const float *x,
                                 const float *w, const float *b,
                                 const struct onr_activation *act, float *y, float *workspace,
                                 int threads);

/* Its kernel table (conv_transpose_table.c), best first; every entry
 * takes every shape, so the pick is by ISA level alone. */
ONR_KERNEL_TABLE(onr_convt_phase, struct onr_convt_shape, onr_convt_phase_fn)
extern const struct onr_convt_phase_kernel onr_convt_phase_kernels[];
extern const int onr_convt_phase_kernels_count;

#endif
