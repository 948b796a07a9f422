/* A small in-memory ONNX model builder for the runtime tests: graph inputs
 * and outputs, float32 and int64 initializers, nodes with attributes, built
 * with the protobuf-c generated API, packed to bytes and loaded through the
 * public onr_model_load_buffer. Every string and array is copied into the
 * builder, which owns them until mb_free. Running out of the fixed
 * capacities below is remembered and reported by mb_load. */
#ifndef ONR_TEST_MODEL_BUILDER_H
#define ONR_TEST_MODEL_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include ONR_PB_HEADER

#include "onnxrun.h"

#define MB_MAX_NODES 64
#define MB_MAX_VALUES 32    /* graph inputs and outputs, each */
#define MB_MAX_INITS 64
#define MB_MAX_ATTRS 12     /* per node */
#define MB_MAX_IO 8         /* inputs or outputs per node */

struct mb_model;

/* A model importing the default domain at `opset`. NULL when out of memory. */
struct mb_model *mb_new(int64_t opset);
void mb_free(struct mb_model *m);

/* A graph input or output. A dim < 0 is symbolic (dim_param "N");
 * rank < 0 declares the type without a shape. */
void mb_input(struct mb_model *m, const char *name, enum onr_dtype dtype, int rank,
              const int64_t *dims);
void mb_output(struct mb_model *m, const char *name, enum onr_dtype dtype, int rank,
               const int64_t *dims);

/* Initializers (data copied; numel is the product of dims). */
void mb_init_f32(struct mb_model *m, const char *name, int rank, const int64_t *dims,
                 const float *data);
void mb_init_i64(struct mb_model *m, const char *name, int rank, const int64_t *dims,
                 const int64_t *data);

/* A node. `inputs` and `outputs` are comma-separated value names; an empty
 * item is an omitted input ("x,,max"). name may be "" (the loader names it). */
Onnx__NodeProto *mb_node(struct mb_model *m, const char *op_type, const char *name,
                         const char *inputs, const char *outputs);
void mb_node_domain(struct mb_model *m, Onnx__NodeProto *n, const char *domain);

/* Attributes on a node returned by mb_node. */
void mb_attr_int(struct mb_model *m, Onnx__NodeProto *n, const char *name, int64_t v);
void mb_attr_float(struct mb_model *m, Onnx__NodeProto *n, const char *name, float v);
void mb_attr_ints(struct mb_model *m, Onnx__NodeProto *n, const char *name,
                  const int64_t *v, size_t count);
/* A float32 tensor attribute (Constant's `value`). */
void mb_attr_tensor_f32(struct mb_model *m, Onnx__NodeProto *n, const char *name, int rank,
                        const int64_t *dims, const float *data);

/* Packs the model and loads it with onr_model_load_buffer. A capacity or
 * allocation failure of the builder is INVALID_ARGUMENT with a message. */
enum onr_status mb_load(struct mb_model *m, struct onr_model **model, struct onr_error *err);

/* Reference computations for checking the models built here, straight
 * from the ONNX definitions (no tricks, double accumulation).
 * x: (N, C, H, W)  w: (OC, C/group, KH, KW)  b: (OC) or NULL
 * y: (N, OC, OH, OW) with OH = (H + 2*pad - KH)/stride + 1, same for OW. */
void mb_ref_conv2d(const float *x, int64_t N, int64_t C, int64_t H, int64_t W, const float *w,
                   int64_t OC, int64_t KH, int64_t KW, const float *b, int64_t stride,
                   int64_t pad, int64_t group, float *y);

#endif
