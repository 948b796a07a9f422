/* A walk over protobuf wire bytes, before protobuf-c unpacks them, that
 * bounds message nesting. protobuf-c recurses once per nested message with
 * no limit, and ONNX nests without end (GraphProto -> NodeProto ->
 * AttributeProto -> GraphProto ...), so a small hostile file could exhaust
 * the stack. The walk follows the schema's descriptors to know which
 * length-delimited fields are messages; it recurses at most max_depth deep. */
#include "../runtime/error.h"
#include "proto.h"

/* Reads a varint at *p; returns 0, or -1 when it runs past end or is too long. */
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end) return -1;
        uint8_t byte = *(*p)++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* 0: fine; -1: malformed wire data; -2: nested deeper than allowed. */
static int walk(const ProtobufCMessageDescriptor *desc, const uint8_t *p, const uint8_t *end,
                int depth_left)
{
    if (depth_left <= 0) return -2;
    while (p < end) {
        uint64_t tag, len;
        if (read_varint(&p, end, &tag) != 0 || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
            return -1;
        switch (tag & 7) {
        case 0:
            if (read_varint(&p, end, &len) != 0) return -1;
            break;
        case 1:
            if (end - p < 8) return -1;
            p += 8;
            break;
        case 5:
            if (end - p < 4) return -1;
            p += 4;
            break;
        case 2: {
            if (read_varint(&p, end, &len) != 0 || len > (uint64_t)(end - p)) return -1;
            const ProtobufCFieldDescriptor *f =
                desc ? protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3)) : NULL;
            if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                int r = walk(f->descriptor, p, p + len, depth_left - 1);
                if (r != 0) return r;
            }
            p += len;
            break;
        }
        default:
            return -1; /* groups: ONNX has none, protobuf-c rejects them too */
        }
    }
    return 0;
}

enum onr_status onr_onnx_check_nesting(const ProtobufCMessageDescriptor *desc, const void *data,
                                       size_t size, int max_depth, struct onr_error *err)
{
    const uint8_t *p = data;
    int r = walk(desc, p, p + size, max_depth);
    if (r == -2)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "%s nests messages more than %d "
                             "deep (subgraphs within subgraphs?)", desc->name, max_depth);
    if (r != 0)
        return onr_error_set(err, ONR_STATUS_PARSE, "not an ONNX model: %zu bytes are not a "
                             "valid %s (corrupt or truncated file?)", size, desc->name);
    return ONR_STATUS_OK;
}
