/* 2-D pooling kernels (MaxPool, AveragePool) on float32 NCHW planes.
 *
 *   x: (N, C, H, W)  y: (N, C, OH, OW)
 *
 * Window (oh, ow) covers rows oh*stride_h - pad_top + kh*dil_h, kh < KH, and
 * the same for columns; positions outside the input are skipped. MaxPool
 * takes the largest element (a NaN wins, as in PyTorch). AveragePool sums
 * the inside elements in (kh, kw) order and divides by their count, or,
 * with count_include_pad, by the window's overlap with the padded input
 * [-pad_top, H + pad_bottom) x [-pad_left, W + pad_right) (PyTorch's
 * divisor: a ceil_mode window running past the padding is not padded
 * further). AveragePool has dil_h = dil_w = 1. Every window holds at least
 * one input element (the op checks pads < kernel). */
#ifndef ONR_KERNELS_POOL_H
#define ONR_KERNELS_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel_table.h"

struct onr_pool_shape {
    int64_t N, C, H, W, OH, OW, KH, KW;
    int64_t stride_h, stride_w, dil_h, dil_w;
    int64_t pad_top, pad_left, pad_bottom, pad_right;
    bool count_include_pad;  /* AveragePool only */
};

typedef void (*onr_pool2d_f32_fn)(const struct onr_pool_shape *s, const float *x, float *y,
                                  int threads);

/* The oracles: straight from the definition, one thread. */
void onr_maxpool2d_f32__ref(const struct onr_pool_shape *s, const float *x, float *y,
                            int threads);
void onr_avgpool2d_f32__ref(const struct onr_pool_shape *s, const float *x, float *y,
                            int threads);
/* Window bounds hoisted out of the inner loops, OpenMP over planes; the same
 * order of operations as the oracles, so the same bits. */
void onr_maxpool2d_f32__scalar(const struct onr_pool_shape *s, const float *x, float *y,
                               int threads);
void onr_avgpool2d_f32__scalar(const struct onr_pool_shape *s, const float *x, float *y,
                               int threads);

/* AVX2 (x86 builds; reached through onr_maxpool2d_kernels): 8 output columns at a
 * time where the window lies inside the row and stride_w is 1 or 2, the
 * scalar code elsewhere; the same bits as the oracle. */
void onr_maxpool2d_f32__avx2(const struct onr_pool_shape *s, const float *x, float *y,
                             int threads);

/* Global pools over each of `planes` contiguous planes of `size` elements:
 *   x: (planes, size)  y: (planes)
 * Planes go to threads whole, so the result does not depend on threads. */
typedef void (*onr_global_pool_f32_fn)(int64_t planes, int64_t size, const float *x, float *y,
                                       int threads);

/* The oracles: the plane's mean summed in order; its max (a NaN wins).
 * OpenMP over planes (each plane is one thread's in-order loop). */
void onr_global_avgpool_f32__ref(int64_t planes, int64_t size, const float *x, float *y,
                                 int threads);
void onr_global_maxpool_f32__ref(int64_t planes, int64_t size, const float *x, float *y,
                                 int threads);
/* Mean with 32 partial sums: lane j adds, in order, the elements whose index
 * is j mod 32; the lanes are folded pairwise (j + 16, j + 8, j + 4, j + 2,
 * j + 1) and the sum divided by size. Every implementation below follows
 * this order exactly, so they agree bitwise (up to the sign of a zero sum)
 * and differ from the in-order oracle by rounding only. */
void onr_global_avgpool_f32__scalar(int64_t planes, int64_t size, const float *x, float *y,
                                    int threads);
/* x86 builds only; reached through onr_global_avgpool_kernels. */
void onr_global_avgpool_f32__avx2(int64_t planes, int64_t size, const float *x, float *y,
                                  int threads);
void onr_global_avgpool_f32__avx512(int64_t planes, int64_t size, const float *x, float *y,
                                    int threads);

/* The kernel tables (kernel_table.h), best first, the oracles not in them:
 * the ops pick from them at prepare, the kernel tests walk them. */
ONR_KERNEL_TABLE(onr_pool2d, struct onr_pool_shape, onr_pool2d_f32_fn)
extern const struct onr_pool2d_kernel onr_maxpool2d_kernels[];
extern const int onr_maxpool2d_kernels_count;
extern const struct onr_pool2d_kernel onr_avgpool2d_kernels[];
extern const int onr_avgpool2d_kernels_count;

ONR_KERNEL_TABLE(onr_global_pool, struct onr_kernel_no_shape, onr_global_pool_f32_fn)
extern const struct onr_global_pool_kernel onr_global_avgpool_kernels[];
extern const int onr_global_avgpool_kernels_count;

#endif
