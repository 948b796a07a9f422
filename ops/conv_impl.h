/* What the files of the Conv family share inside ops/: the params struct
 * and the pieces every Conv-like operator is built from (ONNX Conv in
 * conv.c, onnxrun.fused:Conv in fused_conv.c, onnxrun.nchwc:Conv in
 * nchwc_conv.c, onnxrun.nchwc:FusedDepthwiseConv in nchwc_fused_dw.c).
 * Graph passes never include this: they build those operators' nodes and
 * ask the operators' own headers whether a node fits. */
#ifndef ONR_OPS_CONV_IMPL_H
#define ONR_OPS_CONV_IMPL_H

#include <stdbool.h>

#include "auto_pad.h"
#include "conv.h"
#include "kernels/conv.h"
#include "kernels/conv3d.h"
#include "kernels/gemm.h"
#include "kernels/nchwc.h"
#include "kernels/winograd.h"
#include "op.h"

/* The im2col + GEMM path (conv_gemm.c): group 1, constant W:
 * y[n] = W (OC, C*KH*KW) * im2col(x[n]); a 1x1, stride-1, unpadded Conv
 * reads x[n] directly as the GEMM's B. */
struct conv_gemm {
    onr_gemm_f32_fn fn;
    float *packed_w;                    /* W packed by onr_gemm_f32_pack_a */
    bool im2col;
    int64_t im2col_cols;                /* output positions per im2col block */
    size_t im2col_bytes;                /* at the start of the workspace */
    char name[40];                      /* the kernel, for --info */
};

/* The Winograd path (conv_winograd.c): group-1 3x3 stride-1 Convs with
 * constant W that kernels/winograd.h's table takes. */
struct conv_winograd {
    onr_winograd_f32_fn fn;
    int m;                              /* tile size: F(m x m, 3x3) */
    float *u;                           /* W transformed and packed */
    char name[40];                      /* the kernel, for --info */
};

/* The NCHW16c kernels (conv_nchwc.c): W and B packed for one of them. */
enum conv_blocked_kind {
    CONV_BLOCKED_NO,
    CONV_BLOCKED_DW,      /* depthwise, group == C == OC: blocked X and Y */
    CONV_BLOCKED_PW,      /* 1x1 stride 1 unpadded group 1: blocked X, R, G and Y */
    CONV_BLOCKED_DENSE,   /* other group-1 Convs: plain X, blocked Y */
};
struct conv_blocked {
    enum conv_blocked_kind kind;
    float *w, *b;
    onr_nchwc_dw_fn dw;                 /* DW */
    onr_nchwc_pw_fn pw;                 /* PW */
    onr_nchwc_pw_gated_fn gated;        /* PW with a per-channel gate */
    onr_nchwc_pw_rows_fn pw_rows;       /* PW by pixels, inside a fused depthwise Conv */
    onr_nchwc_conv_fn dense;            /* DENSE */
    onr_nchwc_conv_rows_fn rows;        /* DENSE by rows, inside a fused depthwise Conv */
    char name[48];                      /* the kernel, for --info */
};

struct conv_params {
    /* The attributes as given, for up to 3 spatial axes (pads: all begins,
     * then all ends); attr_axes is how many axes they name (0: none
     * given), checked against X's rank by infer. */
    int64_t a_kernel[3], a_strides[3], a_dilations[3], a_pads[6];
    int attr_axes;
    /* The 2-D form infer derives for 1-D and 2-D Convs (a 1-D Conv is a
     * 2-D one of height 1); pads are ONNX order: top, left, bottom, right */
    int64_t kernel[2], strides[2], dilations[2], pads[4], group;
    bool has_kernel;
    int spatial;                        /* set by infer: 1, 2 or 3 axes */
    struct onr_conv3d_shape shape3;     /* set by infer when spatial == 3 */
    onr_dwconv3d_fn dw3d;               /* prepare: a depthwise 3-D kernel, or NULL */
    enum onr_auto_pad auto_pad;
    struct onr_activation act;          /* applied before the single store */
    bool residual;                      /* act(conv + b + r): an input R */
    struct onr_conv_shape shape;        /* set by infer (1-D and 2-D) */
    bool shaped;
    onr_conv2d_f32_fn kernel_fn;        /* set by prepare: plain layout */
    const char *kernel_name;
    struct conv_gemm gemm;
    struct conv_winograd wino;
    struct conv_blocked blk;
};

/* conv.c. Reads Conv's attributes, each name prefixed (a fused operator
 * holds a second Conv's as "producer_strides" ...); what is absent keeps
 * its default. `op` names the operator in messages. */
void onr_conv_params_defaults(struct conv_params *p);
enum onr_status onr_conv_read_attrs(const struct onr_node *node, const char *op, const char *prefix,
                                    struct conv_params *p, struct onr_error *err);
/* conv_shape.c. Checks X, W, B (may be NULL) and sets p->shape and y's
 * dtype and shape. */
enum onr_status onr_conv_infer_shape(const struct onr_node *node, const char *op,
                                     struct conv_params *p, const struct onr_tensor *x,
                                     const struct onr_tensor *w, const struct onr_tensor *b,
                                     struct onr_tensor *y, struct onr_error *err);
/* Plain-layout kernel choice for ctx (x[1] is W, x[2] B): the reference,
 * the GEMM path or an entry of kernels/conv.h's onr_conv2d_kernels. */
enum onr_status onr_conv_prepare_plain(struct onr_op_ctx *ctx, struct conv_params *p,
                                       struct onr_error *err);
/* Runs the prepared plain Conv; r (y's shape) when p->residual. */
void onr_conv_run_plain(const struct onr_op_ctx *ctx, const struct conv_params *p,
                        const float *r);
/* "k=3x3 s=1x1 ... g=1 +add +relu kernel" and the multiply-accumulates. */
void onr_conv_describe_params(const struct conv_params *p, char *buf, size_t size,
                              int64_t *macs);
int64_t onr_conv_macs(const struct onr_conv_shape *s);
/* " +relu" for a fused activation, "" for none. */
const char *onr_conv_act_suffix(enum onr_activation_kind kind);
/* Frees what prepare allocated (not p). */
void onr_conv_params_clear(struct conv_params *p);
void onr_conv_params_free(void *params);

/* conv3d.c: the 3-D paths (p->gemm holds the GEMM path's packed W). */
enum onr_status onr_conv3d_prepare(struct onr_op_ctx *ctx, struct conv_params *p,
                                   struct onr_error *err);
void onr_conv3d_run(const struct onr_op_ctx *ctx, const struct conv_params *p, const float *r);

/* conv_gemm.c */
enum onr_status onr_conv_gemm_prepare(struct onr_op_ctx *ctx, struct conv_params *p,
                                      struct onr_error *err);
void onr_conv_gemm_run(const struct onr_op_ctx *ctx, const struct conv_params *p, const float *r);

/* conv_winograd.c. Whether the Winograd path takes this Conv at `isa`
 * (W constant, a table fits, the session's winograd option not off); prepare
 * transforms W and sizes the workspace; run computes y (r when residual). */
bool onr_conv_winograd_takes(const struct onr_op_ctx *ctx, const struct conv_params *p);
enum onr_status onr_conv_winograd_prepare(struct onr_op_ctx *ctx, struct conv_params *p,
                                          struct onr_error *err);
void onr_conv_winograd_run(const struct onr_op_ctx *ctx, const struct conv_params *p,
                           const float *r);

/* conv_nchwc.c */
enum conv_blocked_kind onr_conv_blocked_kind(const struct onr_conv_shape *s);
/* Packs constant W and B (may be NULL) for the blocked kernel of p's
 * shape and picks it from the NCHW16c tables at `isa`; UNSUPPORTED when
 * the shape has none. */
enum onr_status onr_conv_blocked_pack(const struct onr_node *node, enum onr_isa isa,
                                      struct conv_params *p,
                                      const struct onr_tensor *w, const struct onr_tensor *b,
                                      struct onr_error *err);

#endif
