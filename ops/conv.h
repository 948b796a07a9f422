/* What Conv offers beyond its onr_op_def: a read-only view of the prepared
 * shape (its kernels are a table: kernels/conv.h's onr_conv2d_kernels).
 * The fused and blocked forms a graph pass builds in place of a Conv are
 * operators of their own (fused_conv.h, nchwc_conv.h, nchwc_fused_dw.h). */
#ifndef ONR_OPS_CONV_H
#define ONR_OPS_CONV_H

#include <stdbool.h>

#include "kernels/conv.h"
#include "op.h"

extern const struct onr_op_def onr_op_conv;

/* The shape fixed by the last infer (pads resolved from auto_pad), or NULL
 * before infer succeeded. */
const struct onr_conv_shape *onr_conv_get_shape(const void *conv_params);

#endif
