/* The activation a kernel applies to each output before its single store
 * (a Relu, Clip, ... fused into the op before it), and its scalar
 * definition, which every vector version matches. Kernel-level: the kernels
 * include this, not the operator interface (ops/op.h includes it too). */
#ifndef ONR_KERNELS_ACTIVATION_H
#define ONR_KERNELS_ACTIVATION_H

#include <math.h>

enum onr_activation_kind {
    ONR_ACT_NONE = 0,
    ONR_ACT_RELU,
    ONR_ACT_CLIP,          /* min(max(v, a), b): Relu6 is a=0 b=6 */
    ONR_ACT_HARDSIGMOID,   /* max(0, min(1, a*v + b)) */
    ONR_ACT_HARDSWISH,     /* v * max(0, min(1, v/6 + 1/2)) */
    ONR_ACT_SIGMOID,       /* 1 / (1 + e^-v) */
    ONR_ACT_SILU,          /* v * sigmoid(v) (Swish; EfficientNet) */
};

struct onr_activation {
    enum onr_activation_kind kind;
    float a, b;
};

static inline float onr_activation_apply(const struct onr_activation *act, float v)
{
    switch (act->kind) {
    case ONR_ACT_NONE: return v;
    case ONR_ACT_RELU: return v < 0.0f ? 0.0f : v; /* NaN stays NaN, as in PyTorch */
    case ONR_ACT_CLIP: return v < act->a ? act->a : (v > act->b ? act->b : v);
    case ONR_ACT_HARDSIGMOID: {
        float t = act->a * v + act->b;
        return t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
    }
    case ONR_ACT_HARDSWISH: {
        float t = v / 6.0f + 0.5f;
        return v * (t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t));
    }
    case ONR_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case ONR_ACT_SILU: return v * (1.0f / (1.0f + expf(-v)));
    }
    return v;
}

#endif
