/* The channel-blocked layout NCHW16c and the kernels that run on it: the
 * depthwise and pointwise Convs of a depthwise-separable chain, which the
 * runtime's layout pass (runtime/passes/layout.c) keeps in this layout from one
 * Conv to the next, converting only where the chain meets other nodes.
 *
 * A logical (N, C, H, W) tensor is stored as (N, CB, H, W, 16) with
 * CB = ceil(C / 16): element (n, c, h, w) lives at
 *     ((n * CB + c / 16) * H * W + h * W + w) * 16 + c % 16.
 * The lanes of the last block past C are padding: onr_nchwc_from_nchw
 * writes them as 0, and every blocked kernel writes them finite (their
 * packed weights and bias are 0 there, so the lane is act(0 [+ r])).
 * Readers never depend on them.
 *
 * Each kernel has an obviously correct scalar version (__scalar, portable
 * OpenMP C) and AVX2 and AVX-512 ones (x86 builds only), listed in one
 * kernel table per family at the end of this header (nchwc_table.c).
 * Every output element is computed by one thread in a fixed order, so the
 * result does not depend on the thread count. x and y never overlap. */
#ifndef ONR_KERNELS_NCHWC_H
#define ONR_KERNELS_NCHWC_H

#include <stddef.h>
#include <stdint.h>

#include "activation.h"
#include "conv.h"
#include "kernel_table.h"

#define ONR_NCHWC_LANES 16

static inline int64_t onr_nchwc_blocks(int64_t C)
{
    return (C + ONR_NCHWC_LANES - 1) / ONR_NCHWC_LANES;
}

/* Floats of a blocked (N, C, HW) tensor: N * CB * HW * 16. */
static inline int64_t onr_nchwc_floats(int64_t N, int64_t C, int64_t HW)
{
    return N * onr_nchwc_blocks(C) * HW * ONR_NCHWC_LANES;
}

/* ---- reorders: x (N, C, HW) plain <-> y blocked ---- */

typedef void (*onr_nchwc_reorder_fn)(int64_t N, int64_t C, int64_t HW, const float *x,
                                     float *y, int threads);
/* plain -> blocked; padding lanes of y are set to 0 */
void onr_nchwc_from_nchw__scalar(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                                 int threads);
void onr_nchwc_from_nchw__avx512(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                                 int threads);
void onr_nchwc_from_nchw__avx2(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                               int threads);
/* blocked -> plain; padding lanes of x are not read */
void onr_nchwc_to_nchw__scalar(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                               int threads);
void onr_nchwc_to_nchw__avx512(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                               int threads);
void onr_nchwc_to_nchw__avx2(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                             int threads);

/* ---- depthwise Conv: group == C == OC (channel multiplier 1) ---- */

/* Floats of packed weights: CB * KH * KW * 16; of packed bias: CB * 16. */
static inline int64_t onr_nchwc_dw_weight_floats(int64_t C, int64_t KH, int64_t KW)
{
    return onr_nchwc_blocks(C) * KH * KW * ONR_NCHWC_LANES;
}
/* w (C, 1, KH, KW) -> wp (CB, KH, KW, 16); b (C) or NULL -> bp (CB * 16);
 * zero in the padding lanes (and everywhere in bp when b is NULL). */
void onr_nchwc_pack_dw(int64_t C, int64_t KH, int64_t KW, const float *w, const float *b,
                       float *wp, float *bp);

/* y = act(depthwise(x) + bias) on blocked x (N, C, H, W) and y (N, C, OH, OW),
 * with s->group == s->C == s->OC; any kernel size, stride, pads, dilation.
 * Per output: bias, then taps in (kh, kw) order, padding taps skipped or
 * added as 0 * w. */
typedef void (*onr_nchwc_dw_fn)(const struct onr_conv_shape *s, const float *x,
                                const float *wp, const float *bp,
                                const struct onr_activation *act, float *y, int threads);
void onr_nchwc_dwconv_f32__scalar(const struct onr_conv_shape *s, const float *x,
                                  const float *wp, const float *bp,
                                  const struct onr_activation *act, float *y, int threads);
void onr_nchwc_dwconv_f32__avx512(const struct onr_conv_shape *s, const float *x,
                                  const float *wp, const float *bp,
                                  const struct onr_activation *act, float *y, int threads);
void onr_nchwc_dwconv_f32__avx2(const struct onr_conv_shape *s, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads);

/* ---- pointwise (1x1, stride 1, no pads, group 1) Conv ---- */

/* Floats of packed weights: OCB * C * 16; of packed bias: OCB * 16. */
static inline int64_t onr_nchwc_pw_weight_floats(int64_t OC, int64_t C)
{
    return onr_nchwc_blocks(OC) * C * ONR_NCHWC_LANES;
}
/* w (OC, C) (a (OC, C, 1, 1) Conv weight) -> wp (OCB, C, 16): wp[(ob * C + c)
 * * 16 + l] = w[ob * 16 + l][c]; b (OC) or NULL -> bp (OCB * 16); zero in the
 * padding lanes. */
void onr_nchwc_pack_pw(int64_t OC, int64_t C, const float *w, const float *b, float *wp,
                       float *bp);

/* y = act(W x + bias + r) on blocked x (N, C, HW), r and y (N, OC, HW);
 * r may be NULL. Per output: the sum over c in ascending order (input
 * padding lanes are never read), then + bias, then + r, then act. */
typedef void (*onr_nchwc_pw_fn)(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                const float *wp, const float *bp, const float *r,
                                const struct onr_activation *act, float *y, int threads);
void onr_nchwc_pwconv_f32__scalar(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                  const float *wp, const float *bp, const float *r,
                                  const struct onr_activation *act, float *y, int threads);
void onr_nchwc_pwconv_f32__avx512(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                  const float *wp, const float *bp, const float *r,
                                  const struct onr_activation *act, float *y, int threads);
void onr_nchwc_pwconv_f32__avx2(int64_t N, int64_t C, int64_t OC, int64_t HW, const float *x,
                                const float *wp, const float *bp, const float *r,
                                const struct onr_activation *act, float *y, int threads);

/* The same Conv's P pixels of one image, every output block, on the
 * calling thread: x at the first pixel with x_bs floats between its
 * blocks, y and r (or NULL) likewise with y_bs; bitwise the outputs
 * onr_nchwc_pwconv_f32 writes (the fused depthwise driver below computes a
 * few rows at a time). x_bs is a multiple of 16. */
typedef void (*onr_nchwc_pw_rows_fn)(int64_t C, int64_t OC, int64_t P, const float *x,
                                     int64_t x_bs, const float *wp, const float *bp,
                                     const float *r, const struct onr_activation *act, float *y,
                                     int64_t y_bs);
void onr_nchwc_pw_rows_f32__scalar(int64_t C, int64_t OC, int64_t P, const float *x, int64_t x_bs,
                                   const float *wp, const float *bp, const float *r,
                                   const struct onr_activation *act, float *y, int64_t y_bs);
void onr_nchwc_pw_rows_f32__avx512(int64_t C, int64_t OC, int64_t P, const float *x, int64_t x_bs,
                                   const float *wp, const float *bp, const float *r,
                                   const struct onr_activation *act, float *y, int64_t y_bs);
void onr_nchwc_pw_rows_f32__avx2(int64_t C, int64_t OC, int64_t P, const float *x, int64_t x_bs,
                                 const float *wp, const float *bp, const float *r,
                                 const struct onr_activation *act, float *y, int64_t y_bs);

/* The pointwise Conv of a gated input (the 1x1 Conv after a squeeze-excite
 * channel_mul, fused): y = act(sum_c (g[c] * W[oc][c]) * x[c] + bias + r)
 * on blocked x (N, C, HW), r and y (N, OC, HW); image n's gate of channel c
 * is g[n * g_stride + c] (g blocked (N or 1, C, 1): g_stride CB * 16, or 0
 * for one gate shared by all images; its padding lanes are never read).
 * Per output: the c-sum of (g * w) * x in ascending order, then + bias,
 * + r, act.
 * scratch: NULL, or onr_nchwc_pw_gated_scratch_floats(OC, C) floats the
 * ISA kernels may use for the weights scaled by one image's gate, so their
 * tiles multiply by g once per weight instead of once per weight and tile
 * (the same products, so the same bits either way). */
static inline int64_t onr_nchwc_pw_gated_scratch_floats(int64_t OC, int64_t C)
{
    return onr_nchwc_pw_weight_floats(OC, C);
}
typedef void (*onr_nchwc_pw_gated_fn)(int64_t N, int64_t C, int64_t OC, int64_t HW,
                                      const float *x, const float *g, int64_t g_stride,
                                      const float *wp, const float *bp, const float *r,
                                      const struct onr_activation *act, float *y,
                                      float *scratch, int threads);
void onr_nchwc_pwconv_gated_f32__scalar(int64_t N, int64_t C, int64_t OC, int64_t HW,
                                        const float *x, const float *g, int64_t g_stride,
                                        const float *wp, const float *bp, const float *r,
                                        const struct onr_activation *act, float *y,
                                        float *scratch, int threads);
void onr_nchwc_pwconv_gated_f32__avx512(int64_t N, int64_t C, int64_t OC, int64_t HW,
                                        const float *x, const float *g, int64_t g_stride,
                                        const float *wp, const float *bp, const float *r,
                                        const struct onr_activation *act, float *y,
                                        float *scratch, int threads);
void onr_nchwc_pwconv_gated_f32__avx2(int64_t N, int64_t C, int64_t OC, int64_t HW,
                                      const float *x, const float *g, int64_t g_stride,
                                      const float *wp, const float *bp, const float *r,
                                      const struct onr_activation *act, float *y,
                                      float *scratch, int threads);

/* Matrix-vector product with pointwise-packed weights (the batch-1 Gemm or
 * MatMul of a classifier): y = act(W x + bias) with x PLAIN (C floats) and
 * y PLAIN (exactly OC floats written); wp, bp from onr_nchwc_pack_pw.
 * Per output: the c-sum in ascending order, then + bias, act. Bound by
 * reading the weights once. */
typedef void (*onr_nchwc_gemv_fn)(int64_t C, int64_t OC, const float *x, const float *wp,
                                  const float *bp, const struct onr_activation *act, float *y,
                                  int threads);
void onr_nchwc_gemv_f32__scalar(int64_t C, int64_t OC, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads);
void onr_nchwc_gemv_f32__avx512(int64_t C, int64_t OC, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads);
void onr_nchwc_gemv_f32__avx2(int64_t C, int64_t OC, const float *x, const float *wp,
                              const float *bp, const struct onr_activation *act, float *y,
                              int threads);

/* ---- dense Conv from a plain input: the first Conv of a chain ---- */

/* Floats of packed weights: OCB * C * KH * KW * 16; of packed bias: OCB * 16. */
static inline int64_t onr_nchwc_conv_weight_floats(int64_t OC, int64_t C, int64_t KH, int64_t KW)
{
    return onr_nchwc_blocks(OC) * C * KH * KW * ONR_NCHWC_LANES;
}
/* w (OC, C, KH, KW) -> wp (OCB, C, KH, KW, 16); b (OC) or NULL -> bp (OCB * 16);
 * zero in the padding lanes. */
void onr_nchwc_pack_conv(int64_t OC, int64_t C, int64_t KH, int64_t KW, const float *w,
                         const float *b, float *wp, float *bp);
/* y = act(conv(x) + bias), group 1: x plain (N, C, H, W), y blocked
 * (N, OC, OH, OW); any kernel, stride, pads, dilation. Per output: bias,
 * then taps in (c, kh, kw) order; padding taps skipped. */
typedef void (*onr_nchwc_conv_fn)(const struct onr_conv_shape *s, const float *x,
                                  const float *wp, const float *bp,
                                  const struct onr_activation *act, float *y, int threads);
void onr_nchwc_conv_f32__scalar(const struct onr_conv_shape *s, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads);
void onr_nchwc_conv_f32__avx512(const struct onr_conv_shape *s, const float *x, const float *wp,
                                const float *bp, const struct onr_activation *act, float *y,
                                int threads);
void onr_nchwc_conv_f32__avx2(const struct onr_conv_shape *s, const float *x, const float *wp,
                              const float *bp, const struct onr_activation *act, float *y,
                              int threads);

/* The same Conv's output rows [oh0, oh1) of every image and block on the
 * calling thread: bitwise the rows onr_nchwc_conv_f32 writes (the fused
 * stem -> depthwise driver below computes a few rows at a time). */
typedef void (*onr_nchwc_conv_rows_fn)(const struct onr_conv_shape *s, const float *x,
                                       const float *wp, const float *bp,
                                       const struct onr_activation *act, float *y, int64_t oh0,
                                       int64_t oh1);
void onr_nchwc_conv_rows_f32__scalar(const struct onr_conv_shape *s, const float *x,
                                     const float *wp, const float *bp,
                                     const struct onr_activation *act, float *y, int64_t oh0,
                                     int64_t oh1);
void onr_nchwc_conv_rows_f32__avx512(const struct onr_conv_shape *s, const float *x,
                                     const float *wp, const float *bp,
                                     const struct onr_activation *act, float *y, int64_t oh0,
                                     int64_t oh1);
void onr_nchwc_conv_rows_f32__avx2(const struct onr_conv_shape *s, const float *x,
                                   const float *wp, const float *bp,
                                   const struct onr_activation *act, float *y, int64_t oh0,
                                   int64_t oh1);

/* ---- a depthwise Conv fused with the Conv before it and/or the 1x1 Conv
 * after it (nchwc_fused_dw.c, a portable driver over the row kernels
 * above) ---- */

/* The depthwise Conv (blocked t -> blocked u, dwconv) and:
 * - optionally the producer of t from x: a dense Conv from a plain x
 *   (conv_rows) or a 1x1 Conv from a blocked x (pw_rows), with ds->C ==
 *   ps->OC, ds->H == ps->OH, ds->W == ps->OW, ds->N == ps->N; without one
 *   (both NULL) t is x itself, blocked;
 * - optionally the consumer of u: a 1x1 Conv to co_OC channels (co_rows;
 *   NULL: none, y is u), y = its output with residual r (or NULL).
 * Packed weights. */
struct onr_nchwc_fused_dw {
    const struct onr_conv_shape *ps;
    const float *pw, *pb;
    const struct onr_activation *pact;
    onr_nchwc_conv_rows_fn conv_rows;
    onr_nchwc_pw_rows_fn pw_rows;
    const struct onr_conv_shape *ds;
    const float *dw, *db;
    const struct onr_activation *dact;
    onr_nchwc_dw_fn dwconv;
    int64_t co_OC;
    const float *cw, *cb;
    const struct onr_activation *cact;
    onr_nchwc_pw_rows_fn co_rows;
    int64_t window_bytes;   /* what a thread's buffers aim at (they hold 1 step at least) */
};
/* Workspace floats for one thread: its window of t's rows and its step's
 * rows of u. */
int64_t onr_nchwc_fused_dw_thread_floats(const struct onr_nchwc_fused_dw *f);
/* y = consumer(dwconv(producer(x))) without t or u ever being whole in
 * memory: each thread takes a range of the depthwise output rows and walks
 * it a few rows at a time, the producer's rows into its own window and the
 * depthwise rows into its own step buffer (ws: threads *
 * onr_nchwc_fused_dw_thread_floats), where the next kernel reads them
 * while they are still in cache. Bitwise the same as running the Convs one
 * after the other. */
void onr_nchwc_fused_dw_f32(const struct onr_nchwc_fused_dw *f, const float *x, const float *r,
                            float *y, float *ws, int threads);

/* ---- squeeze-excite (nchwc_misc.c, portable) ---- */

/* x blocked (N, C, HW) -> y blocked (N, C, 1): the mean over HW */
void onr_nchwc_global_avgpool(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                              int threads);
/* y = x * g per channel: x, y blocked (N, C, HW); g blocked (N or 1, C, 1),
 * image n's gates at g + n * g_stride (g_stride 0: one gate for all) */
void onr_nchwc_channel_mul(int64_t N, int64_t C, int64_t HW, const float *x, const float *g,
                           int64_t g_stride, float *y, int threads);

/* ---- the kernel tables (kernel_table.h; nchwc_table.c), best first ---- */

ONR_KERNEL_TABLE(onr_nchwc_reorder, struct onr_kernel_no_shape, onr_nchwc_reorder_fn)
extern const struct onr_nchwc_reorder_kernel onr_nchwc_from_nchw_kernels[];
extern const int onr_nchwc_from_nchw_kernels_count;
extern const struct onr_nchwc_reorder_kernel onr_nchwc_to_nchw_kernels[];
extern const int onr_nchwc_to_nchw_kernels_count;

ONR_KERNEL_TABLE(onr_nchwc_dw, struct onr_conv_shape, onr_nchwc_dw_fn)
extern const struct onr_nchwc_dw_kernel onr_nchwc_dw_kernels[];
extern const int onr_nchwc_dw_kernels_count;

ONR_KERNEL_TABLE(onr_nchwc_pw, struct onr_kernel_no_shape, onr_nchwc_pw_fn)
extern const struct onr_nchwc_pw_kernel onr_nchwc_pw_kernels[];
extern const int onr_nchwc_pw_kernels_count;

ONR_KERNEL_TABLE(onr_nchwc_pw_rows, struct onr_kernel_no_shape, onr_nchwc_pw_rows_fn)
extern const struct onr_nchwc_pw_rows_kernel onr_nchwc_pw_rows_kernels[];
extern const int onr_nchwc_pw_rows_kernels_count;

ONR_KERNEL_TABLE(onr_nchwc_pw_gated, struct onr_kernel_no_shape, onr_nchwc_pw_gated_fn)
extern const struct onr_nchwc_pw_gated_kernel onr_nchwc_pw_gated_kernels[];
extern const int onr_nchwc_pw_gated_kernels_count;

ONR_KERNEL_TABLE(onr_nchwc_gemv, struct onr_kernel_no_shape, onr_nchwc_gemv_fn)
extern const struct onr_nchwc_gemv_kernel onr_nchwc_gemv_kernels[];
extern const int onr_nchwc_gemv_kernels_count;

ONR_KERNEL_TABLE(onr_nchwc_conv, struct onr_conv_shape, onr_nchwc_conv_fn)
extern const struct onr_nchwc_conv_kernel onr_nchwc_conv_kernels[];
extern const int onr_nchwc_conv_kernels_count;

ONR_KERNEL_TABLE(onr_nchwc_conv_rows, struct onr_conv_shape, onr_nchwc_conv_rows_fn)
extern const struct onr_nchwc_conv_rows_kernel onr_nchwc_conv_rows_kernels[];
extern const int onr_nchwc_conv_rows_kernels_count;

#endif
