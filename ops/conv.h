/* What Conv offers beyond its onr_op_def: a read-only view of the prepared
 * shape, and the table of kernel variants that prepare chooses from (the
 * kernel tests walk it, so a new variant is tested by adding its line).
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
