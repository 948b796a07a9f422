/* What the loader's files (the .c files of onnx/) share: the protobuf-c structs
 * generated from the ONNX schema and the functions that read them. Only
 * onnx/ and tests of the loader include this; the engine includes
 * loader.h. */
#ifndef ONR_ONNX_PROTO_H
#define ONR_ONNX_PROTO_H

#include ONR_PB_HEADER

#include "loader.h"

/* Converts a TensorProto into an owned tensor (t is overwritten). Handles
 * raw_data (little-endian) and the typed fields. Messages start with
 * "<what> '<name>'" (what: "initializer", "tensor", ...). */
enum onr_status onr_onnx_tensor_from_proto_as(const Onnx__TensorProto *tp, const char *what,
                                              struct onr_tensor *t, struct onr_error *err);
/* Same, with what = "tensor". */
enum onr_status onr_onnx_tensor_from_proto(const Onnx__TensorProto *tp, struct onr_tensor *t,
                                           struct onr_error *err);

/* Internal to the loader (onnx/pbcheck.c): checks that the wire bytes of a
 * desc message are well formed and nest at most max_depth messages deep,
 * before protobuf-c (which recurses without limit) unpacks them. PARSE or
 * UNSUPPORTED otherwise. */
enum onr_status onr_onnx_check_nesting(const ProtobufCMessageDescriptor *desc, const void *data,
                                       size_t size, int max_depth, struct onr_error *err);

/* Internal to the loader (onnx/nodes.c): appends gp's nodes to g, naming
 * unnamed ones "<op_type>_<index>" and interning their values. */
enum onr_status onr_onnx_load_nodes(const Onnx__GraphProto *gp, struct onr_graph *g,
                                    struct onr_error *err);

#endif
