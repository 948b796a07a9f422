/* NumPy .npy reading and writing (see npy.h). The header is a Python dict
 * literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and ending in '\n'; exactly those three keys are
 * accepted, each once, and the data must be exactly numel * itemsize
 * bytes. Self-contained (libc and onnxrun.h) so the unit test can build it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c assumes a little-endian host"
#endif

#define NPY_MAX_HEADER (1u << 20)

static const struct {
    const char *descr;
    enum onr_dtype dtype;
} npy_types[] = {
    {"<f4", ONR_DTYPE_FLOAT},  {"<f8", ONR_DTYPE_DOUBLE}, {"<f2", ONR_DTYPE_FLOAT16},
    {"<i8", ONR_DTYPE_INT64},  {"<i4", ONR_DTYPE_INT32},  {"<i2", ONR_DTYPE_INT16},
    {"|i1", ONR_DTYPE_INT8},   {"<u8", ONR_DTYPE_UINT64}, {"<u4", ONR_DTYPE_UINT32},
    {"<u2", ONR_DTYPE_UINT16}, {"|u1", ONR_DTYPE_UINT8},  {"|b1", ONR_DTYPE_BOOL},
};
#define N_NPY_TYPES (sizeof npy_types / sizeof npy_types[0])

static enum onr_status fail(struct onr_error *err, enum onr_status status,
                            const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

static size_t dtype_size(enum onr_dtype dtype)
{
    switch (dtype) {
    case ONR_DTYPE_UINT8: case ONR_DTYPE_INT8: case ONR_DTYPE_BOOL: return 1;
    case ONR_DTYPE_UINT16: case ONR_DTYPE_INT16: case ONR_DTYPE_FLOAT16: return 2;
    case ONR_DTYPE_FLOAT: case ONR_DTYPE_INT32: case ONR_DTYPE_UINT32: return 4;
    case ONR_DTYPE_INT64: case ONR_DTYPE_DOUBLE: case ONR_DTYPE_UINT64: return 8;
    default: return 0;
    }
}

/* ---- header parsing: a cursor over the header text ---- */
struct cursor {
    const char *p, *end;
};

static void skip_space(struct cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n'))
        c->p++;
}

static int accept(struct cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes into out (at most size-1 chars). */
static int parse_string(struct cursor *c, char *out, size_t size)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return 0;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= size)
            return 0;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    out[n] = '\0';
    return 1;
}

static int parse_word(struct cursor *c, const char *word)
{
    size_t n = strlen(word);
    skip_space(c);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return 0;
    c->p += n;
    return 1;
}

static enum onr_status parse_descr(struct cursor *c, struct npy_array *a,
                                   struct onr_error *err)
{
    char descr[16];
    skip_space(c);
    if (c->p < c->end && *c->p == '[')
        return fail(err, ONR_STATUS_UNSUPPORTED, "structured dtypes are not supported");
    if (!parse_string(c, descr, sizeof descr))
        return fail(err, ONR_STATUS_PARSE, "bad 'descr' value in header");
    for (size_t i = 0; i < N_NPY_TYPES; i++) {
        /* one-byte types may also be written with '<' or '=' */
        const char *d = npy_types[i].descr;
        if (strcmp(descr, d) == 0 ||
            (d[0] == '|' && (descr[0] == '<' || descr[0] == '=') &&
             strcmp(descr + 1, d + 1) == 0)) {
            a->dtype = npy_types[i].dtype;
            return ONR_STATUS_OK;
        }
    }
    if (descr[0] == '>')
        return fail(err, ONR_STATUS_UNSUPPORTED,
                    "big-endian dtype '%s' is not supported (use '<')", descr);
    return fail(err, ONR_STATUS_UNSUPPORTED, "unsupported dtype '%s'", descr);
}

static enum onr_status parse_shape(struct cursor *c, struct npy_array *a,
                                   struct onr_error *err)
{
    if (!accept(c, '('))
        return fail(err, ONR_STATUS_PARSE, "bad 'shape' value in header: expected '('");
    a->rank = 0;
    for (;;) {
        if (accept(c, ')'))
            break;
        if (a->rank == ONR_MAX_RANK)
            return fail(err, ONR_STATUS_UNSUPPORTED, "shape has more than %d dims",
                        ONR_MAX_RANK);
        skip_space(c);
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return fail(err, ONR_STATUS_PARSE, "bad dim in 'shape' (expected a number)");
        int64_t d = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (d > (INT64_MAX - 9) / 10)
                return fail(err, ONR_STATUS_PARSE, "dim in 'shape' is too large");
            d = d * 10 + (*c->p++ - '0');
        }
        a->dims[a->rank++] = d;
        if (accept(c, ','))
            continue;
        if (accept(c, ')'))
            break;
        return fail(err, ONR_STATUS_PARSE, "bad 'shape' value: expected ',' or ')'");
    }
    return ONR_STATUS_OK;
}

/* The dict: exactly descr, fortran_order and shape, in any order. */
static enum onr_status parse_header(struct cursor *c, struct npy_array *a,
                                    struct onr_error *err)
{
    int seen_descr = 0, seen_order = 0, seen_shape = 0;
    enum onr_status st;
    if (!accept(c, '{'))
        return fail(err, ONR_STATUS_PARSE, "header does not start with '{'");
    for (;;) {
        char key[32];
        if (accept(c, '}'))
            break;
        if (!parse_string(c, key, sizeof key) || !accept(c, ':'))
            return fail(err, ONR_STATUS_PARSE, "bad key in header");
        if (strcmp(key, "descr") == 0 && !seen_descr++) {
            if ((st = parse_descr(c, a, err)) != ONR_STATUS_OK)
                return st;
        } else if (strcmp(key, "fortran_order") == 0 && !seen_order++) {
            if (parse_word(c, "True"))
                return fail(err, ONR_STATUS_UNSUPPORTED,
                            "fortran_order arrays are not supported (save C-order)");
            if (!parse_word(c, "False"))
                return fail(err, ONR_STATUS_PARSE, "bad 'fortran_order' value");
        } else if (strcmp(key, "shape") == 0 && !seen_shape++) {
            if ((st = parse_shape(c, a, err)) != ONR_STATUS_OK)
                return st;
        } else {
            return fail(err, ONR_STATUS_PARSE, "unexpected or repeated key '%s' in header",
                        key);
        }
        if (accept(c, ','))
            continue;
        if (accept(c, '}'))
            break;
        return fail(err, ONR_STATUS_PARSE, "header: expected ',' or '}'");
    }
    skip_space(c);
    if (c->p != c->end)
        return fail(err, ONR_STATUS_PARSE, "unexpected text after the header dict");
    if (!seen_descr || !seen_order || !seen_shape)
        return fail(err, ONR_STATUS_PARSE, "header lacks '%s'",
                    !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
    return ONR_STATUS_OK;
}

enum onr_status npy_parse(const void *buf, size_t size, struct npy_array *a,
                          struct onr_error *err)
{
    const unsigned char *b = buf;
    memset(a, 0, sizeof *a);
    if (size < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return fail(err, ONR_STATUS_PARSE, "not a .npy file (no \\x93NUMPY magic)");
    int major = b[6], minor = b[7];
    if (major < 1 || major > 3 || minor != 0)
        return fail(err, ONR_STATUS_UNSUPPORTED, "unsupported .npy version %d.%d",
                    major, minor);
    size_t off = major == 1 ? 10 : 12;
    if (size < off)
        return fail(err, ONR_STATUS_PARSE, "truncated header");
    size_t hlen = major == 1 ? (size_t)b[8] | (size_t)b[9] << 8
                             : (size_t)b[8] | (size_t)b[9] << 8 |
                               (size_t)b[10] << 16 | (size_t)b[11] << 24;
    if (hlen > NPY_MAX_HEADER)
        return fail(err, ONR_STATUS_PARSE, "header length %zu is too large", hlen);
    if (hlen > size - off)
        return fail(err, ONR_STATUS_PARSE, "truncated header: %zu bytes, expected %zu",
                    size - off, hlen);
    const char *h = (const char *)b + off;
    if (hlen == 0 || h[hlen - 1] != '\n')
        return fail(err, ONR_STATUS_PARSE, "header does not end with a newline");
    for (size_t i = 0; i < hlen; i++)
        if ((h[i] < 0x20 || h[i] > 0x7e) && h[i] != '\n')
            return fail(err, ONR_STATUS_PARSE, "header has a non-ASCII byte at %zu", i);
    struct cursor c = {h, h + hlen};
    enum onr_status st = parse_header(&c, a, err);
    if (st != ONR_STATUS_OK)
        return st;

    size_t numel = 1, elem = dtype_size(a->dtype);
    for (int i = 0; i < a->rank; i++) {
        size_t d = (size_t)a->dims[i];
        if ((uint64_t)a->dims[i] > SIZE_MAX || (d != 0 && numel > SIZE_MAX / d))
            return fail(err, ONR_STATUS_PARSE, "shape is too large");
        numel *= d;
    }
    if (numel > SIZE_MAX / elem)
        return fail(err, ONR_STATUS_PARSE, "shape is too large");
    size_t nbytes = numel * elem, have = size - off - hlen;
    if (have < nbytes)
        return fail(err, ONR_STATUS_PARSE, "truncated data: %zu bytes, expected %zu",
                    have, nbytes);
    if (have > nbytes)
        return fail(err, ONR_STATUS_PARSE, "%zu unexpected bytes after the data",
                    have - nbytes);
    a->data = malloc(nbytes ? nbytes : 1);
    if (a->data == NULL)
        return fail(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory (%zu bytes)", nbytes);
    memcpy(a->data, b + off + hlen, nbytes);
    a->nbytes = nbytes;
    return ONR_STATUS_OK;
}

void npy_array_free(struct npy_array *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

enum onr_status npy_encode(const struct onr_tensor_ref *t, void **out,
                           size_t *out_size, struct onr_error *err)
{
    const char *descr = NULL;
    for (size_t i = 0; i < N_NPY_TYPES; i++)
        if (npy_types[i].dtype == t->dtype)
            descr = npy_types[i].descr;
    if (descr == NULL)
        return fail(err, ONR_STATUS_UNSUPPORTED, "dtype %d cannot be written as .npy",
                    (int)t->dtype);
    if (t->rank < 0 || t->rank > ONR_MAX_RANK)
        return fail(err, ONR_STATUS_INVALID_ARGUMENT, "bad rank %d", t->rank);
    size_t numel = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0 || (t->dims[i] != 0 && numel > SIZE_MAX / (size_t)t->dims[i]))
            return fail(err, ONR_STATUS_INVALID_ARGUMENT, "bad dim %lld",
                        (long long)t->dims[i]);
        numel *= (size_t)t->dims[i];
    }
    if (numel > SIZE_MAX / dtype_size(t->dtype) ||
        numel * dtype_size(t->dtype) != t->nbytes || (t->nbytes && t->data == NULL))
        return fail(err, ONR_STATUS_INVALID_ARGUMENT,
                    "tensor holds %zu bytes, its shape needs %zu elements", t->nbytes,
                    numel);
    char dict[400];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr);
    for (int i = 0; i < t->rank; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%lld", i ? ", " : "",
                      (long long)t->dims[i]);
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }", t->rank == 1 ? "," : "");
    /* pad so the data starts on a 64-byte boundary; dict is < 400 bytes so
     * version 1.0 (2-byte length) always suffices */
    size_t pre = 10, hlen = (size_t)n + 1;
    hlen += (64 - (pre + hlen) % 64) % 64;
    size_t total = pre + hlen + t->nbytes;
    unsigned char *b = malloc(total);
    if (b == NULL)
        return fail(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory (%zu bytes)", total);
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (unsigned char)(hlen & 0xff);
    b[9] = (unsigned char)(hlen >> 8);
    memcpy(b + pre, dict, (size_t)n);
    memset(b + pre + n, ' ', hlen - (size_t)n - 1);
    b[pre + hlen - 1] = '\n';
    if (t->nbytes)
        memcpy(b + pre + hlen, t->data, t->nbytes);
    *out = b;
    *out_size = total;
    return ONR_STATUS_OK;
}

enum onr_status npy_write_file(const char *path, const struct onr_tensor_ref *t,
                               struct onr_error *err)
{
    void *buf;
    size_t size;
    enum onr_status st = npy_encode(t, &buf, &size, err);
    if (st != ONR_STATUS_OK)
        return st;
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        st = fail(err, ONR_STATUS_IO, "cannot create: %s", strerror(errno));
        goto free_buf;
    }
    size_t wrote = fwrite(buf, 1, size, f);
    if (fclose(f) != 0 || wrote != size)
        st = fail(err, ONR_STATUS_IO, "write failed: %s", strerror(errno));
free_buf:
    free(buf);
    return st;
}
