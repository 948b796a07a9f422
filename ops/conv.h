/* What Conv offers beyond its onr_op_def: the hook a graph pass uses to fuse
 * a following activation, a read-only view of the prepared shape, and the
 * table of kernel variants that prepare chooses from (the kernel tests walk
 * it, so a new variant is tested by adding its line). */
#ifndef ONR_OPS_CONV_H
#define ONR_OPS_CONV_H

#include <stdbool.h>

#include "kernels/conv.h"
#include "op.h"

/* Makes the Conv whose ctx->params is conv_params apply act before its
 * single store (Relu, Clip/Relu6, HardSigmoid, HardSwish fused by a graph
 * pass). Call after init and before prepare; the default is ONR_ACT_NONE.
 * INVALID_ARGUMENT for an unknown kind or a Clip with min > max. */
enum onr_status onr_conv_set_activation(void *conv_params, const struct onr_activation *act,
                                        struct onr_error *err);
/* With on, the Conv reads a fourth input r of its output's shape and
 * computes act(conv + bias + r): a residual Add fused by a graph pass
 * (after shape inference; the pass checks the shapes). */
enum onr_status onr_conv_set_residual(void *conv_params, bool on, struct onr_error *err);
/* Makes the prepared depthwise Conv dw_ctx also compute the prepared 1x1
 * Conv pw_ctx that produces its input (MobileNetV2's expand -> depthwise),
 * block by block of channels: the caller then gives dw_ctx the 1x1 Conv's
 * input as its input 0 and drops the 1x1 node; pw_ctx's params (the packed
 * weights) must live as long as dw_ctx's. May raise dw_ctx->workspace_bytes.
 * UNSUPPORTED when the pair does not qualify (the graph stays as it is). */
enum onr_status onr_conv_fuse_pointwise(struct onr_op_ctx *dw_ctx, const struct onr_op_ctx *pw_ctx,
                                        struct onr_error *err);
/* How the prepared Conv can run on channel-blocked NCHW16c tensors
 * (ops/kernels/nchwc.h); W and B constant, X computed at run time, not
 * with reference kernels. */
enum onr_conv_blocked {
    ONR_CONV_BLOCKED_NO,
    /* blocked X, residual and Y: a depthwise Conv (group == C == OC)
     * without a residual, or a 1x1 stride-1 unpadded group-1 Conv */
    ONR_CONV_BLOCKED_IN_OUT,
    /* plain X, blocked Y: a dense Conv with few input channels (a stem) */
    ONR_CONV_BLOCKED_OUT,
};
enum onr_conv_blocked onr_conv_blocked_fits(const struct onr_op_ctx *ctx);
/* Switches a Conv that fits to its blocked tensors (the layout pass then
 * gives it them): packs W and B for the blocked kernel. */
enum onr_status onr_conv_set_blocked(struct onr_op_ctx *ctx, struct onr_error *err);
/* Makes a blocked 1x1 Conv scale input channel c of image n by a gate
 * g[n, c] first (the squeeze-excite Mul before it, fused): the caller gives
 * it g, blocked (N or 1, C, 1, 1), as input 4. UNSUPPORTED for other Convs. */
enum onr_status onr_conv_set_gate(struct onr_op_ctx *ctx, struct onr_error *err);
/* Makes the blocked depthwise Conv dw_ctx also compute the blocked Conv
 * prod_ctx that produces its input, a few rows at a time
 * (onr_nchwc_fused_dw_f32), so that output is never whole in memory:
 * prod_ctx is a stem (a dense Conv with plain input) or a 1x1 Conv without
 * residual or gate whose output, one image, is at least 512 KB and whose
 * weights are at most 64 KB (MobileNetV2's first expansions). The caller
 * then gives dw_ctx the producer's input as its input 0 and drops the
 * producer's node, whose params (packed weights) must live as long as
 * dw_ctx's. Raises dw_ctx->workspace_bytes. UNSUPPORTED when the pair does
 * not fit (the graph stays as it is). */
enum onr_status onr_conv_fuse_into_depthwise(struct onr_op_ctx *dw_ctx,
                                             const struct onr_op_ctx *prod_ctx,
                                             struct onr_error *err);
/* Makes the blocked depthwise Conv dw_ctx also compute the blocked 1x1
 * Conv pw_ctx that reads its output (no gate; a residual allowed), a few
 * rows at a time, where dw_ctx's output, one image, is at least 512 KB and
 * pw_ctx's weights at most 64 KB: the caller then gives dw_ctx pw_ctx's
 * output (and its residual as input 3) and drops the 1x1 node, whose params
 * must live as long as dw_ctx's. Raises dw_ctx->workspace_bytes.
 * UNSUPPORTED when the pair does not fit. */
enum onr_status onr_conv_fuse_consumer(struct onr_op_ctx *dw_ctx, const struct onr_op_ctx *pw_ctx,
                                       struct onr_error *err);
/* The activation currently set (kind ONR_ACT_NONE when none). */
struct onr_activation onr_conv_get_activation(const void *conv_params);
/* The shape fixed by the last infer (pads resolved from auto_pad), or NULL
 * before infer succeeded. */
const struct onr_conv_shape *onr_conv_get_shape(const void *conv_params);

/* One kernel variant: fits() says whether it handles a shape on this CPU. */
struct onr_conv_variant {
    const char *name;
    bool (*fits)(const struct onr_conv_shape *s);
    onr_conv2d_f32_fn run;
};
/* Most specialised first; prepare takes the first that fits; the last one
 * fits every shape. */
extern const struct onr_conv_variant onr_conv_variants[];
extern const int onr_conv_variant_count;

#endif
