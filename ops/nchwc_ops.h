/* Nodes the layout pass (runtime/passes/layout.c) uses on NCHW16c tensors: the
 * reorders it inserts where a blocked chain meets the rest of the graph,
 * and blocked forms of the squeeze-excite nodes inside a chain, which it
 * swaps in for GlobalAveragePool and Mul. Internal operators of the
 * onnxrun.nchwc domain: a model file cannot name them. */
#ifndef ONR_OPS_NCHWC_OPS_H
#define ONR_OPS_NCHWC_OPS_H

#include "op.h"

/* x (N, C, ...) plain -> y the same logical tensor, blocked */
extern const struct onr_op_def onr_op_nchwc_reorder_in;
/* x blocked -> y plain */
extern const struct onr_op_def onr_op_nchwc_reorder_out;
/* GlobalAveragePool of a blocked (N, C, H, W) x into a blocked (N, C, 1, 1) y */
extern const struct onr_op_def onr_op_nchwc_global_avgpool;
/* Mul of a blocked (N, C, H, W) x and a blocked per-channel gate g
 * ((N or 1, C, 1, 1), either input) into a blocked y */
extern const struct onr_op_def onr_op_nchwc_channel_mul;

/* Whether a prepared GlobalAveragePool can read a blocked x. */
bool onr_nchwc_global_avgpool_fits(const struct onr_op_ctx *ctx);
/* For a prepared Mul: the index of its (N, C, H, W) input when the other is
 * a per-channel gate (N or 1, C, 1, 1), or -1. */
int onr_nchwc_channel_mul_fits(const struct onr_op_ctx *ctx);

#endif
