/* TensorProto -> struct onr_tensor, and the public onr_tensor_parse_pb for
 * serialized tensor files (test_data_set_N/input_0.pb).
 *
 * Data comes from raw_data (little-endian bytes) or from the typed field
 * the ONNX schema assigns to the dtype: float_data; int32_data for int32,
 * int16, int8, uint16, uint8, bool and float16 (bit pattern); int64_data;
 * double_data; uint64_data for uint32 and uint64. The element count must
 * match the dims exactly. Rejected: string tensors, external data, segments,
 * rank > ONR_MAX_RANK, negative dims, sizes that overflow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/error.h"
#include "proto.h"

enum onr_dtype onr_onnx_dtype(int32_t data_type)
{
    if (data_type >= ONR_DTYPE_FLOAT && data_type <= ONR_DTYPE_UINT64)
        return (enum onr_dtype)data_type;
    return ONR_DTYPE_UNDEFINED;
}

/* Raw data is little-endian: swap each element on big-endian hosts. */
static void copy_le(void *dst, const void *src, size_t nbytes, size_t elem)
{
    if (nbytes == 0) return;
    memcpy(dst, src, nbytes);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    unsigned char *p = dst;
    for (size_t i = 0; i + elem <= nbytes; i += elem)
        for (size_t a = 0, b = elem - 1; a < b; a++, b--) {
            unsigned char c = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = c;
        }
#else
    (void)elem;
#endif
}

/* Copies n typed values into t->data, narrowing int32_data for the small
 * integer types. The count was checked by the caller. */
static void copy_typed(const Onnx__TensorProto *tp, struct onr_tensor *t, size_t n)
{
    if (n == 0) return;   /* the fields may then be NULL */
    switch (t->dtype) {
    case ONR_DTYPE_FLOAT: memcpy(t->data, tp->float_data, n * sizeof(float)); break;
    case ONR_DTYPE_DOUBLE: memcpy(t->data, tp->double_data, n * sizeof(double)); break;
    case ONR_DTYPE_INT64: memcpy(t->data, tp->int64_data, n * sizeof(int64_t)); break;
    case ONR_DTYPE_INT32: memcpy(t->data, tp->int32_data, n * sizeof(int32_t)); break;
    case ONR_DTYPE_UINT64: memcpy(t->data, tp->uint64_data, n * sizeof(uint64_t)); break;
    case ONR_DTYPE_UINT32:
        for (size_t i = 0; i < n; i++) ((uint32_t *)t->data)[i] = (uint32_t)tp->uint64_data[i];
        break;
    case ONR_DTYPE_INT16:
        for (size_t i = 0; i < n; i++) ((int16_t *)t->data)[i] = (int16_t)tp->int32_data[i];
        break;
    case ONR_DTYPE_UINT16: case ONR_DTYPE_FLOAT16:
        for (size_t i = 0; i < n; i++) ((uint16_t *)t->data)[i] = (uint16_t)tp->int32_data[i];
        break;
    case ONR_DTYPE_INT8:
        for (size_t i = 0; i < n; i++) ((int8_t *)t->data)[i] = (int8_t)tp->int32_data[i];
        break;
    case ONR_DTYPE_UINT8:
        for (size_t i = 0; i < n; i++) ((uint8_t *)t->data)[i] = (uint8_t)tp->int32_data[i];
        break;
    case ONR_DTYPE_BOOL:
        for (size_t i = 0; i < n; i++) ((uint8_t *)t->data)[i] = tp->int32_data[i] != 0;
        break;
    default: break;
    }
}

/* The typed field holding dtype's values: its name and entry count. */
static const char *typed_field(const Onnx__TensorProto *tp, enum onr_dtype dtype, size_t *count)
{
    switch (dtype) {
    case ONR_DTYPE_FLOAT: *count = tp->n_float_data; return "float_data";
    case ONR_DTYPE_DOUBLE: *count = tp->n_double_data; return "double_data";
    case ONR_DTYPE_INT64: *count = tp->n_int64_data; return "int64_data";
    case ONR_DTYPE_UINT32: case ONR_DTYPE_UINT64: *count = tp->n_uint64_data; return "uint64_data";
    default: *count = tp->n_int32_data; return "int32_data";
    }
}

static const char *proto_dtype_name(int32_t data_type)
{
    switch (data_type) {
    case 8: return "string";
    case 14: return "complex64";
    case 15: return "complex128";
    case 16: return "bfloat16";
    default: return "unknown";
    }
}

/* Everything about tp but its data: dtype, rank, dims. */
static enum onr_status check_header(const Onnx__TensorProto *tp, const char *label,
                                    struct onr_shape *shape,
                                    struct onr_error *err)
{
    if ((tp->has_data_location &&
         tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
        tp->n_external_data > 0) {
        const char *file = "?";
        for (size_t i = 0; i < tp->n_external_data; i++)
            if (tp->external_data[i]->key && strcmp(tp->external_data[i]->key, "location") == 0 &&
                tp->external_data[i]->value)
                file = tp->external_data[i]->value;
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s: data stored in external file '%s' is not supported; "
                             "save the model with its data inside", label, file);
    }
    if (tp->segment != NULL)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s: segmented tensors are not "
                             "supported", label);
    if (!tp->has_data_type || tp->data_type == 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s has no data type", label);
    enum onr_dtype dtype = onr_onnx_dtype(tp->data_type);
    if (onr_dtype_size(dtype) == 0)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s: data type %s (%d) is not "
                             "supported", label,
                             proto_dtype_name(tp->data_type), (int)tp->data_type);
    if (tp->n_dims > ONR_MAX_RANK)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s has rank %zu, more than the "
                             "%d onnxrun supports", label, tp->n_dims, ONR_MAX_RANK);
    shape->rank = (int)tp->n_dims;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s: dim %zu is %lld, "
                                 "expected >= 0", label, i, (long long)tp->dims[i]);
        shape->dims[i] = tp->dims[i];
    }
    size_t nbytes;
    enum onr_status st = onr_shape_check(shape, dtype, &nbytes, err);
    if (st != ONR_STATUS_OK) onr_error_prefix(err, "%s", label);
    return st;
}

enum onr_status onr_onnx_tensor_from_proto_as(const Onnx__TensorProto *tp, const char *what,
                                              struct onr_tensor *t, struct onr_error *err)
{
    char label[320];   /* "initializer 'w'", or just "tensor" when unnamed */
    if (tp->name != NULL && tp->name[0] != '\0')
        snprintf(label, sizeof label, "%s '%.280s'", what, tp->name);
    else
        snprintf(label, sizeof label, "%s", what);
    struct onr_shape shape = {0};
    memset(t, 0, sizeof *t);
    enum onr_status st = check_header(tp, label, &shape, err);
    if (st != ONR_STATUS_OK) return st;
    enum onr_dtype dtype = onr_onnx_dtype(tp->data_type);
    size_t elem = onr_dtype_size(dtype);
    size_t numel = (size_t)onr_shape_numel(&shape);
    char dims[128];
    onr_shape_format(&shape, dims, sizeof dims);
    if (tp->has_raw_data) {
        if (tp->raw_data.len != numel * elem)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s: raw_data has %zu "
                                 "bytes, expected %zu for %s %s", label, tp->raw_data.len,
                                 numel * elem, onr_dtype_name(dtype), dims);
    } else {
        size_t count;
        const char *field = typed_field(tp, dtype, &count);
        if (count != numel)
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s: %s has %zu values, "
                                 "expected %zu for %s %s", label, field, count, numel,
                                 onr_dtype_name(dtype), dims);
    }
    st = onr_tensor_alloc(t, dtype, &shape, err);
    if (st != ONR_STATUS_OK) {
        onr_error_prefix(err, "%s", label);
        return st;
    }
    if (tp->has_raw_data)
        copy_le(t->data, tp->raw_data.data, numel * elem, elem);
    else
        copy_typed(tp, t, numel);
    return ONR_STATUS_OK;
}

enum onr_status onr_onnx_tensor_from_proto(const Onnx__TensorProto *tp, struct onr_tensor *t,
                                           struct onr_error *err)
{
    return onr_onnx_tensor_from_proto_as(tp, "tensor", t, err);
}

enum onr_status onr_tensor_parse_pb(const void *data, size_t size, struct onr_tensor_ref *t,
                                    struct onr_error *err)
{
    if (t == NULL || (data == NULL && size > 0))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_tensor_parse_pb: NULL "
                             "argument");
    memset(t, 0, sizeof *t);
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, size, data);
    if (tp == NULL)
        return onr_error_set(err, ONR_STATUS_PARSE, "%zu bytes are not a valid TensorProto",
                             size);
    struct onr_tensor x;
    enum onr_status st = onr_onnx_tensor_from_proto(tp, &x, err);
    if (st != ONR_STATUS_OK) goto free_proto;
    char *name = strdup(tp->name ? tp->name : "");
    if (name == NULL) {
        onr_tensor_free(&x);
        st = onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
        goto free_proto;
    }
    t->name = name;
    t->dtype = x.dtype;
    t->rank = x.shape.rank;
    memcpy(t->dims, x.shape.dims, sizeof t->dims);
    t->data = x.data;   /* ownership moves to t */
    t->nbytes = x.nbytes;
free_proto:
    onnx__tensor_proto__free_unpacked(tp, NULL);
    return st;
}

void onr_tensor_ref_free(struct onr_tensor_ref *t)
{
    if (t == NULL) return;
    free((void *)t->name);
    onr_aligned_free((void *)t->data);
    memset(t, 0, sizeof *t);
}
