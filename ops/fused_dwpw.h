/* onnxrun.fused:DepthwisePointwise: a depthwise Conv and the 1x1 Conv that
 * reads its output, computed together on plain NCHW tensors a band of rows
 * at a time (ops/kernels/dwpw.h), so the tensor between them never goes to
 * memory whole and no layout change is needed on either side. The layout
 * pass (runtime/layout.c) builds it for a separable pair that blocking
 * would surround with reorders. Internal: a model file cannot name it. */
#ifndef ONR_OPS_FUSED_DWPW_H
#define ONR_OPS_FUSED_DWPW_H

#include "fused_conv.h"
#include "op.h"

/* Inputs: X, Wd, Bd (the depthwise Conv's; Bd optional), Wp, Bp (the 1x1
 * Conv's; Bp optional), R (the 1x1 Conv's residual, Y's shape, optional);
 * Y = pact(Conv1x1(dact(DepthwiseConv(X, Wd) + Bd), Wp) + Bp + R).
 * Attributes: the depthwise Conv's (Conv's and the activation ones of
 * fused_conv.h), the 1x1 Conv's prefixed "pointwise_". Wd, Bd, Wp, Bp
 * constant. */
extern const struct onr_op_def onr_op_fused_dwpw;

enum {
    ONR_DWPW_X, ONR_DWPW_WD, ONR_DWPW_BD, ONR_DWPW_WP, ONR_DWPW_BP, ONR_DWPW_R, ONR_DWPW_INPUTS
};

/* Whether two inferred Conv nodes (ONNX Conv or onnxrun.fused:Conv) fuse
 * into one: dw a 2-D depthwise Conv (group == C == OC) without a residual,
 * pw a 1x1 Conv (stride 1, no pads, group 1) of dw's output shape, all
 * weights and biases constant. The caller checks that pw reads dw's output. */
bool onr_fused_dwpw_fits(const struct onr_op_ctx *dw, const struct onr_op_ctx *pw);

#endif
