/* Value inputs: graph inputs whose values an operator reads when the
 * session is prepared (its definition's value_inputs, directly or through
 * the nodes that compute such an input). Float ones included: a Resize's
 * scales and a Range's start fed as graph inputs run, a repeated value
 * does not re-plan, a new one re-plans with the new output shape; data
 * inputs (large, small, behind Shape) never re-plan; empty, wrongly typed
 * and oversized value inputs get named errors. The re-plans are counted
 * through the session's internal state (runtime/engine/session.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/onnxrun.h"
#include "runtime/engine/session.h"
#include "session_util.h"
#include "testutil.h"

/* Counts a failure unless the session was prepared `want` times so far. */
static void expect_prepares(const struct onr_session *s, unsigned want, const char *what)
{
    if (s->prepares == want) return;
    fprintf(stderr, "%s: prepared %u times, expected %u\n", what, s->prepares, want);
    onr_test_failures++;
}

/* ---- Resize 13 (X, roi omitted, scales) with scales a graph input ---- */

enum { RC = 2, RH = 8 }; /* x: (1, RC, RH, RH), 128 elements: data */

/* y[c][i][j] = x[c][idx[i]][idx[j]]: nearest, half_pixel, round_prefer_floor. */
static void resize_run(struct onr_session *s, const float *x, float scale, int out,
                       const int *idx, const char *what)
{
    static const int64_t x_dims[4] = {1, RC, RH, RH}, s_dims[1] = {4};
    const float scales[4] = {1.0f, 1.0f, scale, scale};
    struct onr_tensor_ref in[2] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x),
                                   su_tensor_ref("scales", ONR_DTYPE_FLOAT, 1, s_dims, scales)};
    if (!su_expect(su_run(s, in, 2), ONR_STATUS_OK, what)) return;
    const int64_t y_dims[4] = {1, RC, out, out};
    const float *y = su_output_f32(s, 0, 4, y_dims, what);
    if (y == NULL) return;
    float *want = malloc(sizeof *want * RC * (size_t)out * (size_t)out);
    if (want == NULL) {
        onr_test_failures++;
        return;
    }
    for (int c = 0; c < RC; c++)
        for (int i = 0; i < out; i++)
            for (int j = 0; j < out; j++)
                want[(c * out + i) * out + j] = x[(c * RH + idx[i]) * RH + idx[j]];
    CHECK(onr_test_bitwise(what, y, want, (size_t)(RC * out * out)));
    free(want);
}

static void test_resize_scales_input(void)
{
    static const int64_t x_dims[4] = {1, RC, RH, RH}, s_dims[1] = {4}, y_dims[4] = {1, RC, -1, -1};
    static const int64_t any[1] = {-1};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, x_dims);
    mb_input(b, "scales", ONR_DTYPE_FLOAT, 1, any);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    mb_node(b, "Resize", "resize", "x,,scales", "y");
    struct onr_model *model = su_load(b);
    struct onr_session *s = su_create(model, NULL, "Resize by scales input: create");
    if (s != NULL) {
        const struct onr_graph *g = &model->graph;
        CHECK(g->n_inputs == 2 && !s->value_input[0] && s->value_input[1]);
        /* Nothing can be prepared before the scales are known. */
        expect_prepares(s, 0, "Resize: after create");
        float x[RC * RH * RH], x2[RC * RH * RH];
        onr_test_fill(x, RC * RH * RH, 7, -1.0f, 1.0f);
        onr_test_fill(x2, RC * RH * RH, 8, -1.0f, 1.0f);
        /* (o + 0.5) / scale - 0.5, halves rounded down, written out by hand. */
        static const int up2[16] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7};
        static const int up15[12] = {0, 0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7};
        static const int down05[4] = {0, 2, 4, 6};
        resize_run(s, x, 2.0f, 16, up2, "Resize x2");
        expect_prepares(s, 1, "Resize x2");
        resize_run(s, x2, 2.0f, 16, up2, "Resize x2 again, new x");
        expect_prepares(s, 1, "Resize x2 again, new x (same scales: no re-plan)");
        resize_run(s, x, 1.5f, 12, up15, "Resize x1.5");
        expect_prepares(s, 2, "Resize x1.5 (new scales: re-planned)");
        resize_run(s, x2, 1.5f, 12, up15, "Resize x1.5 again");
        expect_prepares(s, 2, "Resize x1.5 again");
        resize_run(s, x, 0.5f, 4, down05, "Resize x0.5");
        expect_prepares(s, 3, "Resize x0.5");

        /* An empty scales with sizes omitted: the op says what it needs, and
         * the session recovers at the next valid run. */
        static const int64_t none[1] = {0};
        struct onr_tensor_ref in[2] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x),
                                       su_tensor_ref("scales", ONR_DTYPE_FLOAT, 1, none, NULL)};
        su_expect(su_run(s, in, 2), ONR_STATUS_INVALID_MODEL, "Resize with empty scales");
        su_expect_in_message("Resize with empty scales", "exactly one of scales and sizes");
        resize_run(s, x2, 2.0f, 16, up2, "Resize x2 after empty scales");
        /* int64 scales where the model says float: refused by the session. */
        static const int64_t iscales[4] = {1, 1, 2, 2};
        in[1] = su_tensor_ref("scales", ONR_DTYPE_INT64, 1, s_dims, iscales);
        su_expect(su_run(s, in, 2), ONR_STATUS_INVALID_ARGUMENT, "Resize with int64 scales");
        su_expect_in_message("Resize with int64 scales", "the model expects float32");
    }
    onr_session_free(s);
    onr_model_free(model);
}

/* Resize with an empty scales input and sizes an int64 input: both are
 * value inputs, and an empty one is a value like any other. */
static void test_resize_sizes_input(void)
{
    static const int64_t x_dims[4] = {1, 1, 2, 2}, none[1] = {0}, four[1] = {4};
    static const int64_t y_dims[4] = {1, 1, -1, -1};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, x_dims);
    mb_input(b, "scales", ONR_DTYPE_FLOAT, 1, none);
    mb_input(b, "sizes", ONR_DTYPE_INT64, 1, four);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    mb_node(b, "Resize", "resize", "x,,scales,sizes", "y");
    struct onr_model *model = su_load(b);
    struct onr_session *s = su_create(model, NULL, "Resize by sizes input: create");
    static const float x[4] = {1, 2, 3, 4};
    static const int64_t sz3[4] = {1, 1, 3, 3}, sz1[4] = {1, 1, 1, 2};
    /* half_pixel nearest: 2 -> 3 maps 0, 1, 2 to 0, 0, 1 (0.5 rounds down);
     * 2 -> 1 maps 0 to 0.5, i.e. 0; 2 -> 2 is the identity. */
    static const float y3[9] = {1, 1, 2, 1, 1, 2, 3, 3, 4}, y1[2] = {1, 2};
    for (int k = 0; s != NULL && k < 3; k++) {
        const int64_t *sz = k == 1 ? sz1 : sz3;
        struct onr_tensor_ref in[3] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x),
                                       su_tensor_ref("scales", ONR_DTYPE_FLOAT, 1, none, NULL),
                                       su_tensor_ref("sizes", ONR_DTYPE_INT64, 1, four, sz)};
        if (!su_expect(su_run(s, in, 3), ONR_STATUS_OK, "Resize by sizes")) break;
        const float *y = su_output_f32(s, 0, 4, sz, "Resize by sizes");
        if (y != NULL) CHECK(onr_test_bitwise("Resize by sizes", y, k == 1 ? y1 : y3, k == 1 ? 2 : 9));
        expect_prepares(s, (unsigned)k + 1, "Resize by sizes");
    }
    if (s != NULL) CHECK(s->value_input[1] && s->value_input[2]);
    onr_session_free(s);
    onr_model_free(model);
}

/* ---- Range 11 with start a float graph input, limit and delta constant ---- */

static void range_run(struct onr_session *s, float start, const float *want, int n,
                      const char *what)
{
    struct onr_tensor_ref in[1] = {su_tensor_ref("start", ONR_DTYPE_FLOAT, 0, NULL, &start)};
    if (!su_expect(su_run(s, in, 1), ONR_STATUS_OK, what)) return;
    struct onr_tensor_ref y;
    if (!su_expect(onr_session_output(s, 0, &y), ONR_STATUS_OK, what)) return;
    if (y.dtype != ONR_DTYPE_FLOAT || y.rank != 1 || y.dims[0] != n) {
        fprintf(stderr, "%s: output is %s rank %d, %lld long, expected float32 1-D %d long\n",
                what, onr_dtype_name(y.dtype), y.rank, (long long)y.dims[0], n);
        onr_test_failures++;
        return;
    }
    if (n > 0) CHECK(onr_test_bitwise(what, y.data, want, (size_t)n));
}

static void test_range_start_input(void)
{
    static const int64_t scalar[1] = {0}, y_dims[1] = {-1};
    static const float limit = 5.0f, delta = 1.5f;
    struct mb_model *b = mb_new(11);
    mb_input(b, "start", ONR_DTYPE_FLOAT, 0, scalar);
    mb_init_f32(b, "limit", 0, NULL, &limit);
    mb_init_f32(b, "delta", 0, NULL, &delta);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 1, y_dims);
    mb_node(b, "Range", "range", "start,limit,delta", "y");
    struct onr_model *model = su_load(b);
    struct onr_session *s = su_create(model, NULL, "Range by start input: create");
    if (s != NULL) {
        static const float from0[4] = {0.0f, 1.5f, 3.0f, 4.5f}, from2[2] = {2.0f, 3.5f};
        static const float from_neg[4] = {-1.0f, 0.5f, 2.0f, 3.5f};
        range_run(s, 0.0f, from0, 4, "Range from 0");
        range_run(s, 0.0f, from0, 4, "Range from 0 again");
        expect_prepares(s, 1, "Range from 0 twice");
        range_run(s, 2.0f, from2, 2, "Range from 2");
        expect_prepares(s, 2, "Range from 2");
        range_run(s, -1.0f, from_neg, 4, "Range from -1");
        range_run(s, 7.0f, NULL, 0, "Range from 7 (empty)");
        range_run(s, 2.0f, from2, 2, "Range from 2 after an empty one");
        expect_prepares(s, 5, "Range: five distinct starts");
    }
    onr_session_free(s);
    onr_model_free(model);

    /* A start of declared length -1: one value runs, none is no scalar. */
    static const int64_t any[1] = {-1}, one[1] = {1}, none[1] = {0};
    b = mb_new(11);
    mb_input(b, "start", ONR_DTYPE_FLOAT, 1, any);
    mb_init_f32(b, "limit", 0, NULL, &limit);
    mb_init_f32(b, "delta", 0, NULL, &delta);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 1, y_dims);
    mb_node(b, "Range", "range", "start,limit,delta", "y");
    model = su_load(b);
    s = su_create(model, NULL, "Range with a 1-D start: create");
    if (s != NULL) {
        static const float zero = 0.0f, from0[4] = {0.0f, 1.5f, 3.0f, 4.5f};
        struct onr_tensor_ref in[1] = {su_tensor_ref("start", ONR_DTYPE_FLOAT, 1, none, NULL)};
        su_expect(su_run(s, in, 1), ONR_STATUS_INVALID_MODEL, "Range with an empty start");
        su_expect_in_message("Range with an empty start", "start is not a scalar");
        in[0] = su_tensor_ref("start", ONR_DTYPE_FLOAT, 1, one, &zero);
        if (su_expect(su_run(s, in, 1), ONR_STATUS_OK, "Range from [0] after an empty start")) {
            const float *y = su_output_f32(s, 0, 1, (const int64_t[1]){4}, "Range from [0]");
            if (y != NULL) CHECK(onr_test_bitwise("Range from [0]", y, from0, 4));
        }
    }
    onr_session_free(s);
    onr_model_free(model);

    /* A start the model declares int64 beside float limit and delta. */
    b = mb_new(11);
    mb_input(b, "start", ONR_DTYPE_INT64, 0, scalar);
    mb_init_f32(b, "limit", 0, NULL, &limit);
    mb_init_f32(b, "delta", 0, NULL, &delta);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 1, y_dims);
    mb_node(b, "Range", "range", "start,limit,delta", "y");
    model = su_load(b);
    s = su_create(model, NULL, "Range with an int64 start: create");
    if (s != NULL) {
        const int64_t start = 0;
        struct onr_tensor_ref in[1] = {su_tensor_ref("start", ONR_DTYPE_INT64, 0, NULL, &start)};
        su_expect(su_run(s, in, 1), ONR_STATUS_INVALID_MODEL, "Range with an int64 start");
        su_expect_in_message("Range with an int64 start", "limit is float32 but start is int64");
    }
    onr_session_free(s);
    onr_model_free(model);
}

/* ---- inputs that are data, not values ---- */

/* y = Reshape(x, Shape(z)) + nothing of z's data; k = Add(i, i) on int64.
 * z (small float) reaches Reshape's shape only through Shape, and i (small
 * int64) no value slot at all: neither is a value input, so new values
 * never re-plan. */
static void test_data_inputs(void)
{
    static const int64_t x_dims[3] = {2, 3, 4}, z_dims[2] = {4, 6}, i_dims[1] = {3};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 3, x_dims);
    mb_input(b, "z", ONR_DTYPE_FLOAT, 2, z_dims);
    mb_input(b, "i", ONR_DTYPE_INT64, 1, i_dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, z_dims);
    mb_output(b, "k", ONR_DTYPE_INT64, 1, i_dims);
    mb_node(b, "Shape", "shape", "z", "zs");
    mb_node(b, "Reshape", "reshape", "x,zs", "y");
    mb_node(b, "Add", "add", "i,i", "k");
    struct onr_model *model = su_load(b);
    struct onr_session *s = su_create(model, NULL, "data inputs: create");
    if (s != NULL) {
        CHECK(!s->value_input[0] && !s->value_input[1] && !s->value_input[2]);
        expect_prepares(s, 1, "data inputs: prepared at create");
        float x[24], z[24];
        for (int r = 0; r < 3; r++) {
            onr_test_fill(x, 24, 20 + (uint64_t)r, -1.0f, 1.0f);
            onr_test_fill(z, 24, 30 + (uint64_t)r, -1.0f, 1.0f);
            const int64_t i[3] = {r, -r, 1000 * r};
            struct onr_tensor_ref in[3] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 3, x_dims, x),
                                           su_tensor_ref("z", ONR_DTYPE_FLOAT, 2, z_dims, z),
                                           su_tensor_ref("i", ONR_DTYPE_INT64, 1, i_dims, i)};
            if (!su_expect(su_run(s, in, 3), ONR_STATUS_OK, "data inputs: run")) break;
            const float *y = su_output_f32(s, 0, 2, z_dims, "data inputs: y");
            if (y != NULL) CHECK(onr_test_bitwise("data inputs: y", y, x, 24));
            struct onr_tensor_ref k;
            if (su_expect(onr_session_output(s, 1, &k), ONR_STATUS_OK, "data inputs: k")) {
                const int64_t *kv = k.data;
                CHECK(k.dtype == ONR_DTYPE_INT64 && k.rank == 1 && k.dims[0] == 3);
                CHECK(kv[0] == 2 * r && kv[1] == -2 * r && kv[2] == 2000 * r);
            }
        }
        expect_prepares(s, 1, "data inputs: three runs with new values");
    }
    onr_session_free(s);
    onr_model_free(model);
}

/* ---- value inputs larger than 64 elements ---- */

static void test_oversized(void)
{
    /* Range's start computed from a 100-element float input: it cannot be
     * folded, and the session says which operator needs it. */
    static const int64_t big_dims[2] = {10, 10}, y_dims[1] = {-1};
    static const float limit = 5.0f, delta = 1.0f;
    struct mb_model *b = mb_new(13);
    mb_input(b, "big", ONR_DTYPE_FLOAT, 2, big_dims);
    mb_init_f32(b, "limit", 0, NULL, &limit);
    mb_init_f32(b, "delta", 0, NULL, &delta);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 1, y_dims);
    Onnx__NodeProto *n = mb_node(b, "ReduceMax", "max", "big", "m");
    mb_attr_int(b, n, "keepdims", 0);
    mb_node(b, "Range", "range", "m,limit,delta", "y");
    struct onr_model *model = su_load(b);
    struct onr_session *s = NULL;
    su_err.message[0] = '\0';
    if (model != NULL) {
        su_expect(onr_session_create(model, NULL, &s, &su_err), ONR_STATUS_UNSUPPORTED,
                  "Range from a 100-element input");
        su_expect_in_message("Range from a 100-element input",
                             "input 'big' (100 elements) decides input 0 of Range 'range'");
        su_expect_in_message("Range from a 100-element input", "at most 64 elements");
    }
    CHECK(s == NULL);
    onr_session_free(s);
    onr_model_free(model);

    /* Reshape's shape with a symbolic length: 65 values at a run are refused,
     * by name, and the session goes on with valid ones; so does a reshape. */
    static const int64_t x_dims[1] = {4}, s_dims[1] = {-1}, y2[2] = {-1, -1};
    b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 1, x_dims);
    mb_input(b, "shape", ONR_DTYPE_INT64, 1, s_dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, y2);
    mb_node(b, "Reshape", "reshape", "x,shape", "y");
    model = su_load(b);
    s = su_create(model, NULL, "Reshape by a symbolic-length shape: create");
    if (s != NULL) {
        static const float x[4] = {1, 2, 3, 4};
        static const int64_t two[1] = {2}, sh[2] = {2, 2}, n65[1] = {65};
        int64_t ones[65];
        for (int k = 0; k < 65; k++) ones[k] = 1;
        ones[0] = 4;
        struct onr_tensor_ref in[2] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 1, x_dims, x),
                                       su_tensor_ref("shape", ONR_DTYPE_INT64, 1, two, sh)};
        if (su_expect(su_run(s, in, 2), ONR_STATUS_OK, "Reshape to 2x2")) {
            const float *y = su_output_f32(s, 0, 2, sh, "Reshape to 2x2");
            if (y != NULL) CHECK(onr_test_bitwise("Reshape to 2x2", y, x, 4));
        }
        expect_prepares(s, 1, "Reshape to 2x2");
        in[1] = su_tensor_ref("shape", ONR_DTYPE_INT64, 1, n65, ones);
        su_expect(su_run(s, in, 2), ONR_STATUS_UNSUPPORTED, "Reshape by 65 values");
        su_expect_in_message("Reshape by 65 values",
                             "input 'shape' (65 elements) is input 1 of Reshape 'reshape'");
        /* Asking for a 65-long shape by reshape is refused the same way;
         * a 2-long one defers the prepare to the run that brings values. */
        struct onr_tensor_ref r65 = su_tensor_ref("shape", ONR_DTYPE_INT64, 1, n65, NULL);
        su_err.message[0] = '\0';
        su_expect(onr_session_reshape(s, &r65, 1, &su_err), ONR_STATUS_UNSUPPORTED,
                  "onr_session_reshape to 65 values");
        su_expect_in_message("onr_session_reshape to 65 values", "(65 elements)");
        struct onr_tensor_ref r2 = su_tensor_ref("shape", ONR_DTYPE_INT64, 1, two, NULL);
        su_err.message[0] = '\0';
        const unsigned before = s->prepares;
        su_expect(onr_session_reshape(s, &r2, 1, &su_err), ONR_STATUS_OK,
                  "onr_session_reshape to 2 values");
        in[1] = su_tensor_ref("shape", ONR_DTYPE_INT64, 1, two, sh);
        if (su_expect(su_run(s, in, 2), ONR_STATUS_OK, "Reshape to 2x2 after the refusals")) {
            const float *y = su_output_f32(s, 0, 2, sh, "Reshape to 2x2 after the refusals");
            if (y != NULL) CHECK(onr_test_bitwise("Reshape after the refusals", y, x, 4));
        }
        /* The values and their shape were known: the reshape prepared, the run did not. */
        expect_prepares(s, before + 1, "Reshape after onr_session_reshape");
    }
    onr_session_free(s);
    onr_model_free(model);
}

int main(void)
{
    test_resize_scales_input();
    test_resize_sizes_input();
    test_range_start_input();
    test_data_inputs();
    test_oversized();
    if (onr_test_failures) fprintf(stderr, "test_value_inputs: %d failure(s)\n", onr_test_failures);
    return onr_test_failures != 0;
}
