/* onnxrun.fused:ConvTranspose (ops/conv_transpose.c): ConvTranspose with
 * the activation after it applied in its store. Inputs X, W, B (optional);
 * attributes ConvTranspose's and the activation ones of fused_conv.h.
 * Internal (ONR_OP_FLAG_INTERNAL): built by runtime/passes/optimize.c. */
#ifndef ONR_OPS_FUSED_CONV_TRANSPOSE_H
#define ONR_OPS_FUSED_CONV_TRANSPOSE_H

#include "op.h"

extern const struct onr_op_def onr_op_convtranspose;
extern const struct onr_op_def onr_op_fused_convtranspose;

#endif
