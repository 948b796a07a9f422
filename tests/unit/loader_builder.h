/* ONNX models built field by field with the protobuf-c API and packed to
 * bytes, for the loader tests (test_loader*.c): unlike model_builder.h,
 * every message stays reachable so a test can corrupt any field before
 * lb_load packs and loads it. */
#ifndef ONR_TEST_LOADER_BUILDER_H
#define ONR_TEST_LOADER_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "onnx/proto.h"
#include "runtime/error.h"

#define LB_MAXN 8

/* A model under construction: every protobuf message lives in here. */
struct lb {
    Onnx__ModelProto m;
    Onnx__OperatorSetIdProto opset;
    Onnx__OperatorSetIdProto *opsets[1];
    Onnx__GraphProto g;
    Onnx__NodeProto nodes[LB_MAXN];
    Onnx__NodeProto *node_p[LB_MAXN];
    char *io[LB_MAXN][2][4];
    Onnx__AttributeProto attrs[LB_MAXN][8];
    Onnx__AttributeProto *attr_p[LB_MAXN][8];
    Onnx__TensorProto inits[LB_MAXN];
    Onnx__TensorProto *init_p[LB_MAXN];
    Onnx__ValueInfoProto vi[LB_MAXN];
    Onnx__ValueInfoProto *in_p[LB_MAXN], *out_p[LB_MAXN];
    Onnx__TypeProto ty[LB_MAXN];
    Onnx__TypeProto__Tensor tt[LB_MAXN];
    Onnx__TensorShapeProto sh[LB_MAXN];
    Onnx__TensorShapeProto__Dimension dim[LB_MAXN][ONR_MAX_RANK + 1];
    Onnx__TensorShapeProto__Dimension *dim_p[LB_MAXN][ONR_MAX_RANK + 1];
    int n_vi;
};

/* The error lb_load passes to the loader. */
extern struct onr_error lb_err;

void lb_init(struct lb *b);
/* A graph input ('i') or output ('o'); a dim of -1 is the symbolic "N". */
void lb_value(struct lb *b, char io, const char *name, int dtype, int rank, const int64_t *dims);
Onnx__NodeProto *lb_node(struct lb *b, const char *op, const char *name, const char *in0,
                         const char *in1, const char *in2, const char *out);
Onnx__AttributeProto *lb_attr(struct lb *b, Onnx__NodeProto *n, const char *name, int type);
/* t with its dims pointing at dims (kept, not copied). */
Onnx__TensorProto *lb_tensor(Onnx__TensorProto *t, const char *name, int dtype, int rank,
                             int64_t *dims);
/* The next initializer, made by lb_tensor. */
Onnx__TensorProto *lb_init_tensor(struct lb *b, const char *name, int dtype, int rank,
                                  int64_t *dims);
void lb_set_raw(Onnx__TensorProto *t, const void *data, size_t len);
/* Packs b and loads the bytes into g; the status, the message in lb_err. */
enum onr_status lb_load(const struct lb *b, struct onr_graph *g);

/* The test model of lb_build_conv, in file order:
 *   Relu (unnamed) y -> z;  Conv 'conv_0' (x, w, b) -> y
 *   x: float N x 2 x 5 x 5 (also listed: w, as older exporters do)
 *   w: float 3x2x3x3 in raw_data;  b: float 3 in float_data;  z: output */
extern int64_t lb_w_dims[4], lb_b_dims[1];
extern float lb_w_data[54], lb_b_data[3];
void lb_build_conv(struct lb *b);
const char *lb_vname(const struct onr_graph *g, int v);

#endif
