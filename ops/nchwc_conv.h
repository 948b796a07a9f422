/* onnxrun.nchwc:Conv, the Conv that the layout pass (runtime/passes/layout.c)
 * builds in place of a Conv whose tensors it moves to NCHW16c
 * (ops/kernels/nchwc.h). Internal: a model file cannot name it. */
#ifndef ONR_OPS_NCHWC_CONV_H
#define ONR_OPS_NCHWC_CONV_H

#include "op.h"

#define ONR_DOMAIN_NCHWC "onnxrun.nchwc"

/* Inputs X, W, B (optional), R (optional residual), G (optional gate):
 * Y = act(Conv(X * G, W) + B + R), Y blocked. The kind follows W's shape:
 *   depthwise (group == C == OC): X blocked; no R or G
 *   1x1, stride 1, unpadded, group 1: X, R (Y's shape) and G (N or 1, C,
 *     1, 1: a squeeze-excite gate scaling X's channels) blocked
 *   other group-1 Convs (a stem: few input channels): X plain; no R or G
 * Attributes: Conv's and the activation ones of fused_conv.h. W and B
 * constant. */
extern const struct onr_op_def onr_op_nchwc_conv;

/* How a prepared Conv (ONNX or onnxrun.fused) could run as
 * onnxrun.nchwc:Conv: X computed at run time, W and B constant, not with
 * reference kernels. */
enum onr_nchwc_conv_fit {
    ONR_NCHWC_CONV_NO,
    ONR_NCHWC_CONV_IN_OUT,   /* blocked X (and R, G) and Y: depthwise without R, or 1x1 */
    ONR_NCHWC_CONV_OUT,      /* plain X, blocked Y: a dense Conv with few input channels */
};
enum onr_nchwc_conv_fit onr_nchwc_conv_fits(const struct onr_op_def *def,
                                            const struct onr_op_ctx *ctx);

/* Whether a prepared onnxrun.nchwc:Conv is a 1x1 one without a gate yet,
 * which can take G. */
bool onr_nchwc_conv_takes_gate(const struct onr_op_ctx *ctx);

#endif
