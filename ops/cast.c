/* Cast, opsets 1..17: converts between float32, float64, float16, int8/16/
 * 32/64, uint8/16/32/64 and bool (string and bfloat16 are UNSUPPORTED).
 * `to` is a dtype number from opset 6 and a type name ("FLOAT") before.
 * Floats to integers truncate towards zero; NaN gives 0 and values outside
 * int64 saturate (ONNX leaves both undefined; C makes them undefined
 * behaviour, so they are pinned here); integers then wrap to narrower
 * types as numpy does. Anything to bool is `!= 0`. float16 rounds to
 * nearest even. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

struct cast_params {
    enum onr_dtype to;
};

static bool supported(enum onr_dtype t)
{
    switch (t) {
    case ONR_DTYPE_FLOAT: case ONR_DTYPE_DOUBLE: case ONR_DTYPE_FLOAT16:
    case ONR_DTYPE_INT8: case ONR_DTYPE_INT16: case ONR_DTYPE_INT32: case ONR_DTYPE_INT64:
    case ONR_DTYPE_UINT8: case ONR_DTYPE_UINT16: case ONR_DTYPE_UINT32: case ONR_DTYPE_UINT64:
    case ONR_DTYPE_BOOL:
        return true;
    default:
        return false;
    }
}

static enum onr_status cast_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    static const char *const names[] = {"", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
                                        "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32",
                                        "UINT64"};
    const struct onr_node *node = ctx->node;
    struct cast_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Cast '%s': out of memory", node->name);
    ctx->params = p;
    const struct onr_attr *a = onr_node_attr(node, "to");
    int64_t to = -1;
    if (a != NULL && a->type == ONR_ATTR_INT) to = a->i;
    if (a != NULL && a->type == ONR_ATTR_STRING)
        for (int i = 1; i < (int)(sizeof names / sizeof names[0]); i++)
            if (strcmp(a->s, names[i]) == 0) to = i;
    if (a == NULL || (a->type != ONR_ATTR_INT && a->type != ONR_ATTR_STRING))
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "Cast '%s': attribute to is missing",
                             node->name);
    if (to < 0 || to > 64 || !supported((enum onr_dtype)to))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Cast '%s': target type %lld (%s) is not supported", node->name,
                             (long long)to, to >= 0 && to <= 64 ? onr_dtype_name((enum onr_dtype)to) : "?");
    p->to = (enum onr_dtype)to;
    return ONR_STATUS_OK;
}

static enum onr_status cast_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct cast_params *p = ctx->params;
    const struct onr_tensor *x = ctx->x[0];
    if (!supported(x->dtype))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED, "Cast '%s': input type %s is not supported",
                             ctx->node->name, onr_dtype_name(x->dtype));
    ctx->y[0]->dtype = p->to;
    ctx->y[0]->shape = x->shape;
    return ONR_STATUS_OK;
}

static float half_to_float(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    if (exp == 0) {
        float v = ldexpf((float)man, -24);   /* zero or subnormal */
        return sign ? -v : v;
    }
    uint32_t bits = exp == 31 ? sign | 0x7f800000u | (man << 13)
                              : sign | ((exp + 112) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Drops `shift` low bits of v, rounding to nearest even. */
static uint32_t round_shift(uint32_t v, int shift)
{
    const uint32_t q = v >> shift, rem = v & ((1u << shift) - 1), half = 1u << (shift - 1);
    return q + (rem > half || (rem == half && (q & 1)));
}

static uint16_t float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff, man = x & 0x7fffff;
    if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
    const int e = (int)exp - 112;                 /* half exponent */
    if (e >= 31) return (uint16_t)(sign | 0x7c00);
    if (e <= 0) {
        if (e < -10) return (uint16_t)sign;       /* below half the smallest subnormal */
        return (uint16_t)(sign | round_shift(man | 0x800000u, 14 - e));
    }
    /* A carry out of the mantissa correctly bumps the exponent (up to inf). */
    return (uint16_t)(sign | round_shift(((uint32_t)e << 23) | man, 13));
}

/* One element, read either as a floating value or as an integer. */
struct cast_num {
    bool is_float;
    double f;
    int64_t i;     /* integers; uint64 above INT64_MAX keep their bits */
    bool big_u64;  /* uint64 >= 2^63 */
};

static struct cast_num load(const void *data, enum onr_dtype t, int64_t k)
{
    struct cast_num v = {false, 0.0, 0, false};
    switch (t) {
    case ONR_DTYPE_FLOAT: v.is_float = true; v.f = ((const float *)data)[k]; break;
    case ONR_DTYPE_DOUBLE: v.is_float = true; v.f = ((const double *)data)[k]; break;
    case ONR_DTYPE_FLOAT16: v.is_float = true; v.f = half_to_float(((const uint16_t *)data)[k]); break;
    case ONR_DTYPE_INT8: v.i = ((const int8_t *)data)[k]; break;
    case ONR_DTYPE_INT16: v.i = ((const int16_t *)data)[k]; break;
    case ONR_DTYPE_INT32: v.i = ((const int32_t *)data)[k]; break;
    case ONR_DTYPE_INT64: v.i = ((const int64_t *)data)[k]; break;
    case ONR_DTYPE_UINT8: case ONR_DTYPE_BOOL: v.i = ((const uint8_t *)data)[k]; break;
    case ONR_DTYPE_UINT16: v.i = ((const uint16_t *)data)[k]; break;
    case ONR_DTYPE_UINT32: v.i = ((const uint32_t *)data)[k]; break;
    case ONR_DTYPE_UINT64: {
        const uint64_t u = ((const uint64_t *)data)[k];
        v.big_u64 = u > (uint64_t)INT64_MAX;
        v.i = (int64_t)(u & (uint64_t)INT64_MAX) | (v.big_u64 ? INT64_MIN : 0);
        break;
    }
    default: break;
    }
    return v;
}

static double as_double(struct cast_num v)
{
    if (v.is_float) return v.f;
    return v.big_u64 ? (double)(uint64_t)v.i : (double)v.i;
}

/* Bits of the integer, truncated from a float with NaN -> 0 and saturation. */
static uint64_t as_bits(struct cast_num v, bool to_u64)
{
    if (!v.is_float) return (uint64_t)v.i;
    const double f = trunc(v.f);
    if (f != f) return 0;
    if (to_u64 && f >= 9223372036854775808.0)
        return f >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)f;
    if (f >= 9223372036854775808.0) return (uint64_t)INT64_MAX;
    if (f < -9223372036854775808.0) return (uint64_t)INT64_MIN;
    return (uint64_t)(int64_t)f;
}

static void store(void *data, enum onr_dtype t, int64_t k, struct cast_num v)
{
    switch (t) {
    case ONR_DTYPE_FLOAT: ((float *)data)[k] = (float)as_double(v); break;
    case ONR_DTYPE_DOUBLE: ((double *)data)[k] = as_double(v); break;
    case ONR_DTYPE_FLOAT16: ((uint16_t *)data)[k] = float_to_half((float)as_double(v)); break;
    case ONR_DTYPE_BOOL: ((uint8_t *)data)[k] = v.is_float ? v.f != 0.0 : v.i != 0; break;
    case ONR_DTYPE_INT8: case ONR_DTYPE_UINT8: ((uint8_t *)data)[k] = (uint8_t)as_bits(v, false); break;
    case ONR_DTYPE_INT16: case ONR_DTYPE_UINT16: ((uint16_t *)data)[k] = (uint16_t)as_bits(v, false); break;
    case ONR_DTYPE_INT32: case ONR_DTYPE_UINT32: ((uint32_t *)data)[k] = (uint32_t)as_bits(v, false); break;
    case ONR_DTYPE_INT64: ((uint64_t *)data)[k] = as_bits(v, false); break;
    case ONR_DTYPE_UINT64: ((uint64_t *)data)[k] = as_bits(v, true); break;
    default: break;
    }
}

static enum onr_status cast_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_tensor *x = ctx->x[0];
    struct onr_tensor *y = ctx->y[0];
    const int64_t n = onr_shape_numel(&x->shape);
    if (x->dtype == y->dtype) {
        if (y->nbytes > 0 && y->data != x->data) memcpy(y->data, x->data, y->nbytes);
        return ONR_STATUS_OK;
    }
#pragma omp parallel for num_threads(ctx->threads) schedule(static) if (n > 65536)
    for (int64_t k = 0; k < n; k++) store(y->data, y->dtype, k, load(x->data, x->dtype, k));
    return ONR_STATUS_OK;
}

const struct onr_op_def onr_op_cast = {
    .name = "Cast", .domain = "", .min_opset = 1, .max_opset = 17,
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .flags = ONR_OP_FLAG_NONE,
    .init = cast_init, .infer = cast_infer, .prepare = NULL, .run = cast_run,
    .release = NULL, .describe = NULL,
};
