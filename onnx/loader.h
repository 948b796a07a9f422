/* The ONNX loader: the only code that knows protobuf. It turns the bytes of
 * a ModelProto into a struct onr_graph (values, nodes, attributes, constant
 * data), checking everything it reads: the file is untrusted input. */
#ifndef ONR_ONNX_LOADER_H
#define ONR_ONNX_LOADER_H

#include <stddef.h>

#include ONR_PB_HEADER

#include "../runtime/graph.h"
#include "../runtime/tensor.h"

/* Parses a serialized ModelProto into g (initialised here; the caller frees
 * it with onr_graph_free on success). On failure g is left empty and err
 * names what was wrong and where (node name and op type, initializer name).
 * The graph comes back topologically sorted (onr_graph_sort).
 *   PARSE          the bytes are not a protobuf ModelProto
 *   INVALID_MODEL  parsed, but breaks ONNX rules (dangling input, cycle,
 *                  tensor data not matching its shape, ...)
 *   UNSUPPORTED    valid ONNX that onnxrun does not load (external data,
 *                  string tensors, sparse initializers, rank > ONR_MAX_RANK)
 *   SHAPE_MISMATCH a tensor's dims overflow when multiplied */
enum onr_status onr_onnx_load_model(const void *data, size_t size, struct onr_graph *g,
                                    struct onr_error *err);

/* Converts a TensorProto into an owned tensor (t is overwritten). Handles
 * raw_data (little-endian) and the typed fields. Messages start with
 * "<what> '<name>'" (what: "initializer", "tensor", ...). */
enum onr_status onr_onnx_tensor_from_proto_as(const Onnx__TensorProto *tp, const char *what,
                                              struct onr_tensor *t, struct onr_error *err);
/* Same, with what = "tensor". */
enum onr_status onr_onnx_tensor_from_proto(const Onnx__TensorProto *tp, struct onr_tensor *t,
                                           struct onr_error *err);

/* Maps a TensorProto.DataType to an onnxrun dtype; UNDEFINED when onnxrun
 * has no such dtype (complex, bfloat16, unknown values). STRING maps to
 * ONR_DTYPE_STRING, which has no element size: onnxrun cannot hold it. */
enum onr_dtype onr_onnx_dtype(int32_t data_type);

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
