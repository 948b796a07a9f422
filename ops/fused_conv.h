/* The Conv with fused work that graph passes build (runtime/passes/optimize.c),
 * and the activation attributes that every fused Conv-like operator
 * shares. These operators are internal (ONR_OP_FLAG_INTERNAL): a model
 * file cannot name them. */
#ifndef ONR_OPS_FUSED_CONV_H
#define ONR_OPS_FUSED_CONV_H

#include "op.h"

#define ONR_DOMAIN_FUSED "onnxrun.fused"

/* onnxrun.fused:Conv: inputs X, W, B (optional), R (optional, Y's shape);
 * Y = act(Conv(X, W) + B + R). Attributes: Conv's, "activation" and
 * "activation_params" (below). */
extern const struct onr_op_def onr_op_fused_conv;

/* "<prefix>activation": Relu, Clip, HardSigmoid, HardSwish, Sigmoid or
 * SiLU (x * Sigmoid(x)); absent: none. "<prefix>activation_params": Clip's
 * min and max, HardSigmoid's alpha and beta; absent for the others.
 * Writing kind ONR_ACT_NONE adds nothing. INVALID_MODEL for an unknown
 * name, a wrong count of params or a Clip with min > max. */
enum onr_status onr_activation_write_attrs(struct onr_node *node, const char *prefix,
                                           const struct onr_activation *act,
                                           struct onr_error *err);
enum onr_status onr_activation_read_attrs(const struct onr_node *node, const char *prefix,
                                          struct onr_activation *act, struct onr_error *err);

#endif
