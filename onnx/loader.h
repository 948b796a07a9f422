/* The ONNX loader: the only code that knows protobuf. It turns the bytes of
 * a ModelProto into a struct onr_graph (values, nodes, attributes, constant
 * data), checking everything it reads: the file is untrusted input. This
 * header is what the engine sees (no protobuf type); the loader's own
 * files share proto.h. */
#ifndef ONR_ONNX_LOADER_H
#define ONR_ONNX_LOADER_H

#include <stddef.h>

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

/* Maps a TensorProto.DataType to an onnxrun dtype; UNDEFINED when onnxrun
 * has no such dtype (complex, bfloat16, unknown values). STRING maps to
 * ONR_DTYPE_STRING, which has no element size: onnxrun cannot hold it. */
enum onr_dtype onr_onnx_dtype(int32_t data_type);

#endif
