/* The operator interface. Each ONNX operator is one `const struct onr_op_def`
 * at the bottom of its file in ops/, listed once in ops/op_list.inc. The
 * executor calls the hooks in order:
 *
 *   init     read and check attributes into a typed params struct
 *   infer    output dtypes and shapes from input shapes (and constant inputs)
 *   prepare  shapes are final: pick the kernel, pack constant weights, size
 *            the workspace. All allocation happens here or in init.
 *   run      compute only: no allocation, no I/O, no validation
 *   release  free params; safe on a half-initialised node
 *
 * All hooks receive the same context. x[i] is NULL for an omitted optional
 * input. During infer and prepare, x[i]->data is non-NULL only when that
 * input is constant (an initializer or folded at load); shapes are always
 * set. A node whose inputs are all constant is run once at prepare time. */
#ifndef ONR_OP_H
#define ONR_OP_H

#include <math.h>

#include "../runtime/cpu.h"
#include "../runtime/error.h"
#include "../runtime/graph.h"
#include "../runtime/tensor.h"

/* struct onr_activation, the activation a kernel applies before its store. */
#include "kernels/activation.h"

struct onr_op_ctx {
    const struct onr_node *node;   /* name and op_type for messages */
    int64_t opset;                 /* model opset of the node's domain */
    void *params;                  /* owned by the op: set in init */
    int n_x;
    struct onr_tensor **x;         /* inputs; x[i] NULL when omitted */
    int n_y;
    struct onr_tensor **y;         /* outputs; y[i] NULL when omitted */
    size_t workspace_bytes;        /* requested by prepare */
    void *workspace;               /* provided before run (64-byte aligned) */
    int threads;                   /* OpenMP threads for this run, >= 1 */
    bool reference;                /* use the scalar reference kernels only */
    enum onr_isa isa;              /* widest kernels prepare may pick from the tables */
    int winograd_tile;             /* Winograd output tile a 3x3 Conv may use: 2, 4, 0 (none) */
};

typedef enum onr_status (*onr_op_hook)(struct onr_op_ctx *ctx, struct onr_error *err);

enum onr_op_flags {
    ONR_OP_FLAG_NONE = 0,
    /* y[0] may share x[0]'s storage (same bytes: Identity, Reshape, Flatten,
     * Squeeze, Unsqueeze); run is then skipped when they do. */
    ONR_OP_FLAG_VIEW = 1u << 0,
    /* y depends only on x's shapes, never their data (Shape, Size): the node
     * is folded at prepare time like a node with all-constant inputs. */
    ONR_OP_FLAG_SHAPE_ONLY = 1u << 1,
    /* Built by graph passes only (the fused and NCHW16c operators, domains
     * onnxrun.*): a model file cannot name it and the supported-operator
     * list leaves it out; the passes and the ops tests find it by name. */
    ONR_OP_FLAG_INTERNAL = 1u << 2,
};

struct onr_op_def {
    const char *name;              /* ONNX op_type */
    const char *domain;            /* "" for ai.onnx */
    int min_opset, max_opset;      /* model opsets this def accepts */
    int min_inputs, max_inputs;
    int min_outputs, max_outputs;
    unsigned flags;                /* enum onr_op_flags */
    /* Bit k set: infer or prepare reads input k's data (a shape, axes,
     * pads, scales, K), so the output shapes depend on it. The session
     * folds a small graph input feeding such a slot like an initializer
     * and re-prepares when its value changes. 0 (omitted): none. */
    unsigned value_inputs;
    onr_op_hook init;              /* may be NULL: no attributes */
    onr_op_hook infer;             /* required */
    onr_op_hook prepare;           /* may be NULL */
    onr_op_hook run;               /* required */
    void (*release)(void *params); /* may be NULL: params freed with free() */
    /* Optional: short attribute summary and multiply-accumulates, for --info. */
    void (*describe)(const struct onr_op_ctx *ctx, char *buf, size_t size,
                     int64_t *macs);
};

/* Registry (ops/registry.c). */
const struct onr_op_def *onr_op_find(const char *op_type, const char *domain,
                                     int64_t opset);
/* Same name, any opset: to tell "unknown op" from "unsupported opset". */
const struct onr_op_def *onr_op_find_any(const char *op_type, const char *domain);
int onr_op_count(void);
const struct onr_op_def *onr_op_at(int index);

/* Newest default-domain opset onnxrun knows (Debian's onnx 1.12: 17). */
#define ONR_MAX_OPSET 17

#endif
