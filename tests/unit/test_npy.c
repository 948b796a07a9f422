/* tools/npy.c, the CLI's .npy reader and writer: round trips over dtypes
 * and shapes, hand-built headers in every accepted variant, malformed
 * headers rejected with the right status, and every truncation (and any
 * trailing byte) of a valid file rejected. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tools/npy.h"

/* A .npy file with the given version and header dict text (padded with
 * spaces and a newline), followed by data. */
static unsigned char *make_npy(int major, const char *dict, const void *data,
                               size_t nbytes, size_t *size)
{
    size_t pre = major == 1 ? 10 : 12, hlen = strlen(dict) + 1;
    hlen += (64 - (pre + hlen) % 64) % 64;
    *size = pre + hlen + nbytes;
    unsigned char *b = malloc(*size);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    for (size_t i = 0; i < pre - 8; i++)
        b[8 + i] = (unsigned char)(hlen >> (8 * i));
    memset(b + pre, ' ', hlen);
    memcpy(b + pre, dict, strlen(dict));
    b[pre + hlen - 1] = '\n';
    if (nbytes)
        memcpy(b + pre + hlen, data, nbytes);
    return b;
}

static void round_trip(enum onr_dtype dtype, int rank, const int64_t *dims)
{
    struct onr_tensor_ref t;
    struct onr_error err;
    struct npy_array a;
    void *buf;
    size_t size, numel = 1, elem = onr_dtype_size(dtype);
    memset(&t, 0, sizeof t);
    t.dtype = dtype;
    t.rank = rank;
    for (int i = 0; i < rank; i++)
        numel *= (size_t)(t.dims[i] = dims[i]);
    unsigned char *data = malloc(numel * elem + 1);
    for (size_t i = 0; i < numel * elem; i++)
        data[i] = (unsigned char)(dtype == ONR_DTYPE_BOOL ? i % 2 : i * 37 + 11);
    t.data = data;
    t.nbytes = numel * elem;
    CHECK_STATUS(npy_encode(&t, &buf, &size, &err), ONR_STATUS_OK);
    CHECK(size % 64 == t.nbytes % 64); /* data starts 64-byte aligned */
    CHECK_STATUS(npy_parse(buf, size, &a, &err), ONR_STATUS_OK);
    CHECK(a.dtype == dtype);
    CHECK(a.rank == rank);
    for (int i = 0; i < rank && i < a.rank; i++)
        CHECK(a.dims[i] == dims[i]);
    CHECK(a.nbytes == t.nbytes);
    CHECK(a.data != NULL && memcmp(a.data, data, t.nbytes) == 0);
    npy_array_free(&a);

    /* every truncation and one trailing byte are rejected */
    for (size_t cut = 0; cut < size; cut++) {
        enum onr_status st = npy_parse(buf, cut, &a, &err);
        CHECK(st != ONR_STATUS_OK);
        if (st == ONR_STATUS_OK)
            npy_array_free(&a);
    }
    unsigned char *longer = malloc(size + 1);
    memcpy(longer, buf, size);
    longer[size] = 0;
    CHECK_STATUS(npy_parse(longer, size + 1, &a, &err), ONR_STATUS_PARSE);
    free(longer);
    free(buf);
    free(data);
}

/* Parses a hand-built file; returns the status, checks the message. */
static enum onr_status parse_dict(int major, const char *dict, size_t nbytes,
                                  const char *want_in_message, struct npy_array *a)
{
    static const unsigned char zeros[64];
    struct onr_error err;
    size_t size;
    memset(&err, 0, sizeof err);
    unsigned char *b = make_npy(major, dict, zeros, nbytes, &size);
    enum onr_status st = npy_parse(b, size, a, &err);
    if (want_in_message && strstr(err.message, want_in_message) == NULL) {
        fprintf(stderr, "header %s: message '%s' lacks '%s'\n", dict, err.message,
                want_in_message);
        onr_test_failures++;
    }
    free(b);
    return st;
}

static void accepted_headers(void)
{
    struct npy_array a;
    CHECK_STATUS(parse_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                            24, NULL, &a), ONR_STATUS_OK);
    CHECK(a.rank == 2 && a.dims[0] == 2 && a.dims[1] == 3 && a.dtype == ONR_DTYPE_FLOAT);
    npy_array_free(&a);
    CHECK_STATUS(parse_dict(2, "{\"shape\": (5,), \"descr\": \"<i8\", \"fortran_order\": False}",
                            40, NULL, &a), ONR_STATUS_OK);
    CHECK(a.rank == 1 && a.dims[0] == 5 && a.dtype == ONR_DTYPE_INT64);
    npy_array_free(&a);
    CHECK_STATUS(parse_dict(3, "{'descr':'<f8','fortran_order':False,'shape':()}", 8, NULL, &a),
                 ONR_STATUS_OK);
    CHECK(a.rank == 0 && a.dtype == ONR_DTYPE_DOUBLE && a.nbytes == 8);
    npy_array_free(&a);
    CHECK_STATUS(parse_dict(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (0, 7), }",
                            0, NULL, &a), ONR_STATUS_OK);
    CHECK(a.rank == 2 && a.dims[0] == 0 && a.nbytes == 0 && a.dtype == ONR_DTYPE_BOOL);
    npy_array_free(&a);
    CHECK_STATUS(parse_dict(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
                            12, NULL, &a), ONR_STATUS_OK);
    CHECK(a.dtype == ONR_DTYPE_INT32);
    npy_array_free(&a);
}

static void rejected_headers(void)
{
    static const struct {
        const char *dict;
        enum onr_status status;
        const char *message;
    } cases[] = {
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", ONR_STATUS_UNSUPPORTED, "fortran"},
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", ONR_STATUS_UNSUPPORTED, "big-endian"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", ONR_STATUS_UNSUPPORTED, "<c8"},
        {"{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", ONR_STATUS_UNSUPPORTED, "<U3"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", ONR_STATUS_UNSUPPORTED, "structured"},
        {"{'descr': '<f4', 'shape': (2,), }", ONR_STATUS_PARSE, "fortran_order"},
        {"{'descr': '<f4', 'fortran_order': False, }", ONR_STATUS_PARSE, "shape"},
        {"{'fortran_order': False, 'shape': (2,), }", ONR_STATUS_PARSE, "descr"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", ONR_STATUS_PARSE, "descr"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", ONR_STATUS_PARSE, "extra"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", ONR_STATUS_PARSE, "dim"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", ONR_STATUS_PARSE, "shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", ONR_STATUS_PARSE, "shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", ONR_STATUS_PARSE, "shape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", ONR_STATUS_PARSE, "large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }", ONR_STATUS_PARSE, "large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", ONR_STATUS_UNSUPPORTED, "dims"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", ONR_STATUS_PARSE, "fortran_order"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", ONR_STATUS_PARSE, "after"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x}", ONR_STATUS_PARSE, "key"},
        {"{'descr': '<f\\4', 'fortran_order': False, 'shape': (2,), }", ONR_STATUS_PARSE, "descr"},
        {"'descr': '<f4', 'fortran_order': False, 'shape': (2,)", ONR_STATUS_PARSE, "{"},
        {"{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", ONR_STATUS_PARSE, NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", ONR_STATUS_PARSE, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct npy_array a;
        enum onr_status st = parse_dict(1, cases[i].dict, 8, cases[i].message, &a);
        if (st != cases[i].status) {
            fprintf(stderr, "header %s: got %s, expected %s\n", cases[i].dict,
                    onr_status_name(st), onr_status_name(cases[i].status));
            onr_test_failures++;
        }
        if (st == ONR_STATUS_OK)
            npy_array_free(&a);
    }
}

static void rejected_framing(void)
{
    static const float x[2] = {1.0f, 2.0f};
    struct onr_error err;
    struct npy_array a;
    size_t size;
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    unsigned char *b = make_npy(1, dict, x, sizeof x, &size);
    CHECK_STATUS(npy_parse(b, size, &a, &err), ONR_STATUS_OK);
    npy_array_free(&a);

    b[0] = 'X'; /* magic */
    CHECK_STATUS(npy_parse(b, size, &a, &err), ONR_STATUS_PARSE);
    b[0] = 0x93;
    b[6] = 4; /* version 4.0 */
    CHECK_STATUS(npy_parse(b, size, &a, &err), ONR_STATUS_UNSUPPORTED);
    b[6] = 1;
    b[7] = 1; /* version 1.1 */
    CHECK_STATUS(npy_parse(b, size, &a, &err), ONR_STATUS_UNSUPPORTED);
    b[7] = 0;
    b[9] = 0x7f; /* header length past the end */
    CHECK_STATUS(npy_parse(b, size, &a, &err), ONR_STATUS_PARSE);
    CHECK(strstr(err.message, "truncated") != NULL);
    b[9] = 0;
    b[8] = (unsigned char)(b[8] - 1); /* header no longer ends in '\n' */
    CHECK_STATUS(npy_parse(b, size, &a, &err), ONR_STATUS_PARSE);
    b[8] = (unsigned char)(b[8] + 1);
    b[20] = 0xc3; /* non-ASCII in the header */
    CHECK_STATUS(npy_parse(b, size, &a, &err), ONR_STATUS_PARSE);
    free(b);

    /* data one element short */
    b = make_npy(1, dict, x, sizeof x - 4, &size);
    CHECK_STATUS(npy_parse(b, size, &a, &err), ONR_STATUS_PARSE);
    CHECK(strstr(err.message, "truncated data") != NULL);
    free(b);
    CHECK_STATUS(npy_parse("", 0, &a, &err), ONR_STATUS_PARSE);
}

static void bad_encode(void)
{
    struct onr_tensor_ref t;
    struct onr_error err;
    void *buf;
    size_t size;
    float x[3] = {0};
    memset(&t, 0, sizeof t);
    t.dtype = ONR_DTYPE_FLOAT;
    t.rank = 1;
    t.dims[0] = 4; /* 4 elements but 12 bytes */
    t.data = x;
    t.nbytes = sizeof x;
    CHECK_STATUS(npy_encode(&t, &buf, &size, &err), ONR_STATUS_INVALID_ARGUMENT);
    t.dims[0] = 3;
    t.dtype = ONR_DTYPE_STRING;
    CHECK_STATUS(npy_encode(&t, &buf, &size, &err), ONR_STATUS_UNSUPPORTED);
}

int main(void)
{
    static const int64_t d23[] = {2, 3}, d5[] = {5}, d0[] = {0, 3},
                         d8[] = {1, 2, 1, 2, 1, 2, 1, 3}, dbig[] = {3, 300};
    round_trip(ONR_DTYPE_FLOAT, 2, d23);
    round_trip(ONR_DTYPE_FLOAT, 0, NULL);
    round_trip(ONR_DTYPE_FLOAT, 2, d0);
    round_trip(ONR_DTYPE_FLOAT, 8, d8);
    round_trip(ONR_DTYPE_INT64, 1, d5);
    round_trip(ONR_DTYPE_INT32, 2, d23);
    round_trip(ONR_DTYPE_DOUBLE, 2, dbig);
    round_trip(ONR_DTYPE_BOOL, 1, d5);
    round_trip(ONR_DTYPE_UINT8, 2, d23);
    accepted_headers();
    rejected_headers();
    rejected_framing();
    bad_encode();
    if (onr_test_failures == 0)
        printf("test_npy: all passed\n");
    return onr_test_failures != 0;
}
