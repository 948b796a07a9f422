/* Add, Sub, Mul, Div, opsets 1..17, on float32 (the compute type), int64
 * (the shape arithmetic exporters emit), and float64, int8, uint8, int16,
 * uint16, int32, uint32, uint64 (element by element, one thread).
 *
 * Opsets >= 7: multidirectional (numpy) broadcasting. Opsets 1..6: the
 * legacy `broadcast` attribute (0: shapes must be equal; 1: B is matched
 * against A's dims starting at `axis`, default suffix alignment) and
 * `consumed_inputs` (ignored). Integer Div truncates toward zero (as ONNX
 * Runtime and C do); an integer division by zero, or the most negative
 * int32/int64 by -1, makes run fail with INVALID_ARGUMENT. Integer Add,
 * Sub, Mul wrap around (two's complement) on overflow. Other dtypes (bool,
 * float16, strings), or A and B of different dtypes, are UNSUPPORTED /
 * INVALID_MODEL.
 *
 * infer builds a broadcast plan: output dims with per-input element strides
 * (0 where an input is broadcast), size-1 dims dropped and adjacent dims
 * merged when both inputs stay contiguous across them. run walks the outer
 * dims and runs one of four inner loops (both, one or none of the inputs
 * advancing); float32 work is split in fixed blocks across threads. */
#include <stdlib.h>
#include <string.h>

#include "op.h"

enum binary_kind { BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_DIV };

struct binary_params {
    enum binary_kind kind;
    int64_t legacy_broadcast;      /* opsets < 7 only */
    int64_t legacy_axis;
    bool has_legacy_axis;
    /* The plan (infer): rank >= 1 after merging. */
    int rank;
    int64_t dims[ONR_MAX_RANK];
    int64_t sa[ONR_MAX_RANK], sb[ONR_MAX_RANK];
    int64_t rows;                  /* product of dims[0..rank-2] */
};

/* Elements per parallel block of a float32 row. */
enum { BINARY_BLOCK = 8192, BINARY_PARALLEL_MIN = 32768 };

static const struct {
    const char *name;
    enum binary_kind kind;
} binary_kinds[] = {
    {"Add", BINARY_ADD}, {"Sub", BINARY_SUB}, {"Mul", BINARY_MUL}, {"Div", BINARY_DIV},
};

static enum onr_status binary_init(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct onr_node *node = ctx->node;
    struct binary_params *p = calloc(1, sizeof *p);
    if (p == NULL)
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "%s '%s': out of memory",
                             node->op_type, node->name);
    ctx->params = p;
    for (size_t i = 0; i < sizeof binary_kinds / sizeof binary_kinds[0]; i++)
        if (strcmp(node->op_type, binary_kinds[i].name) == 0) p->kind = binary_kinds[i].kind;
    if (ctx->opset >= 7) return ONR_STATUS_OK;
    enum onr_status st = onr_node_attr_int(node, "broadcast", 0, &p->legacy_broadcast, err);
    if (st == ONR_STATUS_OK) st = onr_node_attr_int(node, "axis", 0, &p->legacy_axis, err);
    if (st != ONR_STATUS_OK) return st;
    p->has_legacy_axis = onr_node_attr(node, "axis") != NULL;
    if (p->legacy_broadcast != 0 && p->legacy_broadcast != 1)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': broadcast = %lld, expected 0 or 1", node->op_type,
                             node->name, (long long)p->legacy_broadcast);
    return ONR_STATUS_OK;
}

/* B's dims as seen by legacy (opset < 7) broadcasting, padded to A's rank. */
static enum onr_status legacy_shape(const struct onr_op_ctx *ctx, const struct binary_params *p,
                                    const struct onr_shape *a, const struct onr_shape *b,
                                    struct onr_shape *out, struct onr_error *err)
{
    char sa[96], sb[96];
    *out = *b;
    if (onr_shape_equal(a, b)) return ONR_STATUS_OK;
    if (p->legacy_broadcast == 0) goto mismatch;
    if (onr_shape_numel(b) == 1) {
        out->rank = 0; /* a one-element B is a scalar */
        return ONR_STATUS_OK;
    }
    int64_t axis = p->has_legacy_axis ? p->legacy_axis : a->rank - b->rank;
    if (axis < 0) axis += a->rank;
    if (axis < 0 || b->rank > a->rank || axis > a->rank - b->rank) goto mismatch;
    out->rank = a->rank;
    for (int i = 0; i < a->rank; i++) out->dims[i] = 1;
    for (int i = 0; i < b->rank; i++) out->dims[axis + i] = b->dims[i];
    return ONR_STATUS_OK;
mismatch:
    onr_shape_format(a, sa, sizeof sa);
    onr_shape_format(b, sb, sizeof sb);
    return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                         "%s '%s': shapes %s and %s do not match under broadcast=%lld axis=%lld "
                         "(opset %lld)", ctx->node->op_type, ctx->node->name, sa, sb,
                         (long long)p->legacy_broadcast, (long long)p->legacy_axis,
                         (long long)ctx->opset);
}

/* Output shape and the merged stride plan for inputs of shapes a and b. */
static enum onr_status make_plan(const struct onr_op_ctx *ctx, struct binary_params *p,
                                 const struct onr_shape *a, const struct onr_shape *b,
                                 struct onr_shape *y, struct onr_error *err)
{
    const int R = a->rank > b->rank ? a->rank : b->rank;
    int64_t da[ONR_MAX_RANK], db[ONR_MAX_RANK];
    y->rank = R;
    for (int i = 0; i < R; i++) {
        da[i] = i < R - a->rank ? 1 : a->dims[i - (R - a->rank)];
        db[i] = i < R - b->rank ? 1 : b->dims[i - (R - b->rank)];
        if (da[i] != db[i] && da[i] != 1 && db[i] != 1) {
            char sa[96], sb[96];
            onr_shape_format(a, sa, sizeof sa);
            onr_shape_format(b, sb, sizeof sb);
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "%s '%s': shapes %s and %s do not broadcast", ctx->node->op_type,
                                 ctx->node->name, sa, sb);
        }
        y->dims[i] = da[i] == 1 ? db[i] : da[i];
    }
    /* Row-major strides, 0 on broadcast dims; size-1 output dims dropped. */
    int64_t stride_a = 1, stride_b = 1, dims[ONR_MAX_RANK], sa[ONR_MAX_RANK], sb[ONR_MAX_RANK];
    int n = 0;
    for (int i = R - 1; i >= 0; i--) {
        if (y->dims[i] != 1) {
            dims[n] = y->dims[i];
            sa[n] = da[i] == 1 ? 0 : stride_a;
            sb[n] = db[i] == 1 ? 0 : stride_b;
            n++;
        }
        stride_a *= da[i];
        stride_b *= db[i];
    }
    /* dims/sa/sb are innermost-first here; merge, then store outermost-first. */
    p->rank = 0;
    for (int i = 0; i < n; i++) {
        int r = p->rank;
        if (r > 0 && sa[i] == p->sa[r - 1] * p->dims[r - 1] &&
            sb[i] == p->sb[r - 1] * p->dims[r - 1]) {
            p->dims[r - 1] *= dims[i];
            continue;
        }
        p->dims[r] = dims[i];
        p->sa[r] = sa[i];
        p->sb[r] = sb[i];
        p->rank++;
    }
    if (p->rank == 0) {
        p->rank = 1;
        p->dims[0] = 1;
        p->sa[0] = p->sb[0] = 0;
    }
    for (int i = 0, j = p->rank - 1; i < j; i++, j--) {
        int64_t t = p->dims[i]; p->dims[i] = p->dims[j]; p->dims[j] = t;
        t = p->sa[i]; p->sa[i] = p->sa[j]; p->sa[j] = t;
        t = p->sb[i]; p->sb[i] = p->sb[j]; p->sb[j] = t;
    }
    p->rows = 1;
    for (int i = 0; i < p->rank - 1; i++) p->rows *= p->dims[i];
    return ONR_STATUS_OK;
}

static enum onr_status binary_infer(struct onr_op_ctx *ctx, struct onr_error *err)
{
    struct binary_params *p = ctx->params;
    const struct onr_tensor *a = ctx->x[0], *b = ctx->x[1];
    const char *op = ctx->node->op_type, *name = ctx->node->name;
    if (a->dtype != b->dtype)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL, "%s '%s': A is %s but B is %s", op,
                             name, onr_dtype_name(a->dtype), onr_dtype_name(b->dtype));
    switch (a->dtype) {
    case ONR_DTYPE_FLOAT: case ONR_DTYPE_DOUBLE: case ONR_DTYPE_INT8: case ONR_DTYPE_UINT8:
    case ONR_DTYPE_INT16: case ONR_DTYPE_UINT16: case ONR_DTYPE_INT32: case ONR_DTYPE_UINT32:
    case ONR_DTYPE_INT64: case ONR_DTYPE_UINT64:
        break;
    default:
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': inputs are %s; float32, float64 and the 8- to 64-bit "
                             "integers are supported", op, name, onr_dtype_name(a->dtype));
    }
    struct onr_shape bshape = b->shape;
    enum onr_status st;
    if (ctx->opset < 7 && (st = legacy_shape(ctx, p, &a->shape, &b->shape, &bshape, err)))
        return st;
    struct onr_tensor *y = ctx->y[0];
    if ((st = make_plan(ctx, p, &a->shape, &bshape, &y->shape, err))) return st;
    if (ctx->opset < 7 && !onr_shape_equal(&y->shape, &a->shape)) {
        char sa[96], sb[96];
        onr_shape_format(&a->shape, sa, sizeof sa);
        onr_shape_format(&b->shape, sb, sizeof sb);
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': B %s would broadcast A %s to a larger shape (opset %lld)",
                             op, name, sb, sa, (long long)ctx->opset);
    }
    y->dtype = a->dtype;
    return ONR_STATUS_OK;
}

/* ---- float32 ---- */

#define F32_LOOPS(EXPR)                                                              \
    if (sa == 1 && sb == 1)                                                          \
        for (int64_t i = 0; i < n; i++) { const float u = a[i], v = b[i]; y[i] = (EXPR); } \
    else if (sa == 1) {                                                              \
        const float v = b[0];                                                        \
        for (int64_t i = 0; i < n; i++) { const float u = a[i]; y[i] = (EXPR); }      \
    } else if (sb == 1) {                                                            \
        const float u = a[0];                                                        \
        for (int64_t i = 0; i < n; i++) { const float v = b[i]; y[i] = (EXPR); }      \
    } else {                                                                         \
        const float u = a[0], v = b[0];                                              \
        for (int64_t i = 0; i < n; i++) y[i] = (EXPR);                               \
    }

/* y[i] = a[i*sa] op b[i*sb] for i < n, sa and sb in {0, 1}. */
static void row_f32(enum binary_kind kind, int64_t n, const float *a, int64_t sa,
                    const float *b, int64_t sb, float *y)
{
    switch (kind) {
    case BINARY_ADD: F32_LOOPS(u + v) break;
    case BINARY_SUB: F32_LOOPS(u - v) break;
    case BINARY_MUL: F32_LOOPS(u * v) break;
    case BINARY_DIV: F32_LOOPS(u / v) break;
    }
}

/* Element offsets of row r's first element in a and b. */
static void row_offsets(const struct binary_params *p, int64_t r, int64_t *oa, int64_t *ob)
{
    *oa = *ob = 0;
    for (int d = p->rank - 2; d >= 0; d--) {
        const int64_t i = r % p->dims[d];
        r /= p->dims[d];
        *oa += i * p->sa[d];
        *ob += i * p->sb[d];
    }
}

static void run_f32(const struct binary_params *p, const float *a, const float *b, float *y,
                    int threads)
{
    const int64_t inner = p->dims[p->rank - 1];
    const int64_t sa = p->sa[p->rank - 1], sb = p->sb[p->rank - 1];
    const int64_t blocks = (inner + BINARY_BLOCK - 1) / BINARY_BLOCK;
    const int64_t tasks = p->rows * blocks;
    const bool parallel = threads > 1 && p->rows * inner >= BINARY_PARALLEL_MIN;
#pragma omp parallel for num_threads(threads) schedule(static) if (parallel)
    for (int64_t t = 0; t < tasks; t++) {
        const int64_t r = t / blocks, i0 = (t % blocks) * BINARY_BLOCK;
        const int64_t n = inner - i0 < BINARY_BLOCK ? inner - i0 : BINARY_BLOCK;
        int64_t oa, ob;
        row_offsets(p, r, &oa, &ob);
        row_f32(p->kind, n, a + oa + i0 * sa, sa, b + ob + i0 * sb, sb, y + r * inner + i0);
    }
}

/* ---- the other dtypes: element by element, one thread ---- */

/* Signed integers wrap: the sum, difference and product are taken in the
 * unsigned type of the same width (defined modulo 2^bits) and converted
 * back, as two's-complement hardware does. Division checks its operands. */
#define INT_RUN(T, UT, TMIN, FMT, WIDE)                                                         \
    static enum onr_status run_##T(const struct onr_op_ctx *ctx,                         \
                                   const struct binary_params *p, const T *a, const T *b, \
                                   T *y, struct onr_error *err)                           \
    {                                                                                     \
        const int64_t inner = p->dims[p->rank - 1];                                       \
        const int64_t sa = p->sa[p->rank - 1], sb = p->sb[p->rank - 1];                   \
        for (int64_t r = 0; r < p->rows; r++) {                                           \
            int64_t oa, ob;                                                               \
            row_offsets(p, r, &oa, &ob);                                                  \
            for (int64_t i = 0; i < inner; i++) {                                         \
                const T u = a[oa + i * sa], v = b[ob + i * sb];                           \
                T *out = &y[r * inner + i];                                               \
                switch (p->kind) {                                                        \
                case BINARY_ADD: *out = (T)(UT)((UT)u + (UT)v); break;                    \
                case BINARY_SUB: *out = (T)(UT)((UT)u - (UT)v); break;                    \
                case BINARY_MUL: *out = (T)(UT)((UT)u * (UT)v); break;                    \
                case BINARY_DIV:                                                          \
                    if (v == 0 || (TMIN != 0 && u == (T)TMIN && v == (T)-1))              \
                        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT,            \
                                             "Div '%s': %s " FMT " / " FMT " is undefined", \
                                             ctx->node->name, onr_dtype_name(ctx->y[0]->dtype), \
                                             (WIDE)u, (WIDE)v);                           \
                    *out = (T)(u / v);                                                    \
                    break;                                                                \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
        return ONR_STATUS_OK;                                                             \
    }

/* Only int32 and int64 can overflow in a division: narrower types are
 * promoted to int first (-128 / -1 is 128, which converts back to -128). */
INT_RUN(int8_t, uint8_t, 0, "%lld", long long)
INT_RUN(uint8_t, uint8_t, 0, "%llu", unsigned long long)
INT_RUN(int16_t, uint16_t, 0, "%lld", long long)
INT_RUN(uint16_t, uint16_t, 0, "%llu", unsigned long long)
INT_RUN(int32_t, uint32_t, INT32_MIN, "%lld", long long)
INT_RUN(uint32_t, uint32_t, 0, "%llu", unsigned long long)
INT_RUN(int64_t, uint64_t, INT64_MIN, "%lld", long long)
INT_RUN(uint64_t, uint64_t, 0, "%llu", unsigned long long)

static void run_f64(const struct binary_params *p, const double *a, const double *b, double *y)
{
    const int64_t inner = p->dims[p->rank - 1];
    const int64_t sa = p->sa[p->rank - 1], sb = p->sb[p->rank - 1];
    for (int64_t r = 0; r < p->rows; r++) {
        int64_t oa, ob;
        row_offsets(p, r, &oa, &ob);
        for (int64_t i = 0; i < inner; i++) {
            const double u = a[oa + i * sa], v = b[ob + i * sb];
            double *out = &y[r * inner + i];
            switch (p->kind) {
            case BINARY_ADD: *out = u + v; break;
            case BINARY_SUB: *out = u - v; break;
            case BINARY_MUL: *out = u * v; break;
            case BINARY_DIV: *out = u / v; break;
            }
        }
    }
}

static enum onr_status binary_run(struct onr_op_ctx *ctx, struct onr_error *err)
{
    const struct binary_params *p = ctx->params;
    struct onr_tensor *y = ctx->y[0];
    if (onr_shape_numel(&y->shape) == 0) return ONR_STATUS_OK;
    const void *a = ctx->x[0]->data, *b = ctx->x[1]->data;
    switch (y->dtype) {
    case ONR_DTYPE_FLOAT:
        run_f32(p, a, b, y->data, ctx->reference ? 1 : ctx->threads);
        return ONR_STATUS_OK;
    case ONR_DTYPE_DOUBLE: run_f64(p, a, b, y->data); return ONR_STATUS_OK;
    case ONR_DTYPE_INT8: return run_int8_t(ctx, p, a, b, y->data, err);
    case ONR_DTYPE_UINT8: return run_uint8_t(ctx, p, a, b, y->data, err);
    case ONR_DTYPE_INT16: return run_int16_t(ctx, p, a, b, y->data, err);
    case ONR_DTYPE_UINT16: return run_uint16_t(ctx, p, a, b, y->data, err);
    case ONR_DTYPE_INT32: return run_int32_t(ctx, p, a, b, y->data, err);
    case ONR_DTYPE_UINT32: return run_uint32_t(ctx, p, a, b, y->data, err);
    case ONR_DTYPE_INT64: return run_int64_t(ctx, p, a, b, y->data, err);
    case ONR_DTYPE_UINT64: return run_uint64_t(ctx, p, a, b, y->data, err);
    default:
        return onr_error_set(err, ONR_STATUS_INTERNAL, "%s '%s': no kernel for %s",
                             ctx->node->op_type, ctx->node->name, onr_dtype_name(y->dtype));
    }
}

#define BINARY_DEF(sym, op_name)                                                   \
    const struct onr_op_def onr_op_##sym = {                                       \
        .name = op_name, .domain = "", .min_opset = 1, .max_opset = 17,            \
        .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,     \
        .flags = ONR_OP_FLAG_NONE, .init = binary_init, .infer = binary_infer,     \
        .prepare = NULL, .run = binary_run, .release = NULL, .describe = NULL,    \
    }

BINARY_DEF(add, "Add");
BINARY_DEF(sub, "Sub");
BINARY_DEF(mul, "Mul");
BINARY_DEF(div, "Div");
