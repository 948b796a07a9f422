/* onnxrun.nchwc:FusedDepthwiseConv, a blocked depthwise Conv that also
 * computes the Conv before it (a stem or a 1x1 expansion: the producer)
 * and/or the 1x1 Conv after it (a projection: the consumer), a few rows at
 * a time in per-thread buffers, so the tensors between them never go to
 * memory whole (onr_nchwc_fused_dw_f32). The layout pass builds it from
 * onnxrun.nchwc:Conv nodes. Internal: a model file cannot name it. */
#ifndef ONR_OPS_NCHWC_FUSED_DW_H
#define ONR_OPS_NCHWC_FUSED_DW_H

#include "op.h"

/* Inputs: X, W, B (the depthwise Conv's; B optional), Wp, Bp (the
 * producer's, optional), Wc, Bc (the consumer's, optional), R (the
 * consumer's residual, optional). X is the producer's input (plain for a
 * stem, else blocked), or the depthwise Conv's (blocked); Y (and R) are
 * blocked: the consumer's output, or the depthwise Conv's. Attributes: the
 * depthwise Conv's (Conv's and the activation ones of fused_conv.h), the
 * producer's prefixed "producer_" and the consumer's prefixed "consumer_".
 * W, B, Wp, Bp, Wc, Bc constant. */
extern const struct onr_op_def onr_op_nchwc_fused_dw;

enum {
    ONR_FUSED_DW_X, ONR_FUSED_DW_W, ONR_FUSED_DW_B, ONR_FUSED_DW_WP, ONR_FUSED_DW_BP,
    ONR_FUSED_DW_WC, ONR_FUSED_DW_BC, ONR_FUSED_DW_R, ONR_FUSED_DW_INPUTS
};

/* Whether prepared onnxrun.nchwc:Conv nodes fuse: dw a depthwise Conv,
 * producer (or NULL) a stem or 1x1 Conv without R or G writing dw's
 * input, consumer (or NULL) a 1x1 Conv without G reading dw's output. A 1x1
 * producer or consumer fuses only where the tensor it shares with dw, one
 * image, outgrows the cache (at least 512 KB) and its weights do not (at
 * most 64 KB): each step reads them again for a few rows. */
bool onr_nchwc_fused_dw_fits(const struct onr_op_ctx *dw, const struct onr_op_ctx *producer,
                             const struct onr_op_ctx *consumer);

#endif
