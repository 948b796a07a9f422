/* The public session API's refusals, on models built in memory
 * (model_builder.h): input validation on run (shape, dtype, count, name,
 * data), unsupported operators and opsets named at create, and bad
 * options. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "session_util.h"
#include "testutil.h"

/* ---- input validation at run ---- */

static void test_input_errors(void)
{
    static const int64_t dims[4] = {1, 2, 4, 4}, taller[4] = {1, 2, 5, 4}, flat[3] = {2, 4, 4};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 4, dims);
    mb_node(b, "Relu", "relu_0", "x", "y");
    struct onr_model *model = su_load(b);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = 1;
    struct onr_session *s = su_create(model, &opt, "input errors: create");
    if (s == NULL) goto free_model;
    float x[32], x40[40], y_ref[32];
    onr_test_fill(x, 32, 1, -1.0f, 1.0f);
    onr_test_fill(x40, 40, 2, -1.0f, 1.0f);

    struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, taller, x40);
    if (su_expect(su_run(s, &in, 1), ONR_STATUS_SHAPE_MISMATCH, "run with a 1x2x5x4 input")) {
        su_expect_in_message("wrong shape", "'x'");
        su_expect_in_message("wrong shape", "1x2x5x4");
        su_expect_in_message("wrong shape", "1x2x4x4");
    }
    in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 3, flat, x);
    if (su_expect(su_run(s, &in, 1), ONR_STATUS_SHAPE_MISMATCH, "run with a rank-3 input"))
        su_expect_in_message("wrong rank", "2x4x4");

    in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
    in.dtype = ONR_DTYPE_INT32; /* same byte count, other type */
    if (su_expect(su_run(s, &in, 1), ONR_STATUS_INVALID_ARGUMENT, "run with an int32 input"))
        su_expect_in_message("wrong dtype", "'x'");

    in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
    su_expect(su_run(s, NULL, 0), ONR_STATUS_INVALID_ARGUMENT, "run with no inputs");
    struct onr_tensor_ref two[2] = {in, in};
    two[1].name = "x2";
    su_expect(su_run(s, two, 2), ONR_STATUS_INVALID_ARGUMENT, "run with two inputs");
    su_expect(su_run(s, NULL, 1), ONR_STATUS_INVALID_ARGUMENT, "run with a NULL input array");

    in.name = "nope";
    if (su_expect(su_run(s, &in, 1), ONR_STATUS_INVALID_ARGUMENT, "run with an unknown input name"))
        su_expect_in_message("unknown name", "nope");

    in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, NULL);
    su_expect(su_run(s, &in, 1), ONR_STATUS_INVALID_ARGUMENT, "run with NULL data");
    in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
    in.nbytes -= 4;
    su_expect(su_run(s, &in, 1), ONR_STATUS_INVALID_ARGUMENT, "run with nbytes short by one element");

    /* The session is still usable, by name and by position. */
    in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
    su_relu_ref(y_ref, x, 32);
    for (int by_position = 0; by_position < 2; by_position++) {
        in.name = by_position ? NULL : "x";
        if (!su_expect(su_run(s, &in, 1), ONR_STATUS_OK, "run after the rejected ones")) continue;
        const float *y = su_output_f32(s, 0, 4, dims, "input errors: output");
        if (y != NULL) CHECK(onr_test_bitwise("relu after rejected runs", y, y_ref, 32));
    }
    struct onr_tensor_ref out;
    CHECK(onr_session_output(s, 1, &out) != ONR_STATUS_OK);
    CHECK(onr_session_output(s, -1, &out) != ONR_STATUS_OK);
    onr_session_free(s);
free_model:
    onr_model_free(model);
}

/* ---- unsupported operators and opsets at create ---- */

static void test_unsupported(void)
{
    static const int64_t dims[2] = {2, 3};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 2, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, dims);
    mb_node(b, "FooOp", "foo_first", "x", "a");
    mb_node(b, "BarOp", "bar_middle", "a", "c");
    mb_node(b, "FooOp", "foo_last", "c", "y");
    struct onr_model *model = su_load(b);
    struct onr_session *s = NULL;
    su_err.message[0] = '\0';
    if (model != NULL &&
        su_expect(onr_session_create(model, NULL, &s, &su_err), ONR_STATUS_UNSUPPORTED,
               "create with unknown operators")) {
        const char *needles[] = {"foo_first", "bar_middle", "foo_last", "FooOp", "BarOp", "opset 13"};
        for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
            su_expect_in_message("unknown operators", needles[i]);
    }
    CHECK(s == NULL);
    onr_session_free(s);
    onr_model_free(model);

    /* HardSwish exists from opset 14: a model at opset 13 cannot use it. */
    b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 2, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, dims);
    mb_node(b, "Relu", "relu_ok", "x", "r");
    mb_node(b, "HardSwish", "hswish_early", "r", "y");
    model = su_load(b);
    s = NULL;
    su_err.message[0] = '\0';
    if (model != NULL &&
        su_expect(onr_session_create(model, NULL, &s, &su_err), ONR_STATUS_UNSUPPORTED,
               "create with HardSwish at opset 13")) {
        su_expect_in_message("op outside its opsets", "hswish_early");
        su_expect_in_message("op outside its opsets", "HardSwish");
        su_expect_in_message("op outside its opsets", "opset 13");
        if (strstr(su_err.message, "relu_ok") != NULL) {
            fprintf(stderr, "op outside its opsets: message names the supported Relu: %s\n",
                    su_err.message);
            onr_test_failures++;
        }
    }
    CHECK(s == NULL);
    onr_session_free(s);
    onr_model_free(model);
}

/* ---- options ---- */

static void test_bad_options(void)
{
    static const int64_t dims[1] = {4};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 1, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 1, dims);
    mb_node(b, "Relu", "relu", "x", "y");
    struct onr_model *model = su_load(b);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = -1;
    struct onr_session *s = NULL;
    su_err.message[0] = '\0';
    if (model != NULL)
        su_expect(onr_session_create(model, &opt, &s, &su_err), ONR_STATUS_INVALID_ARGUMENT,
               "create with threads -1");
    CHECK(s == NULL);
    onr_session_free(s);
    su_err.message[0] = '\0';
    su_expect(onr_session_create(NULL, NULL, &s, &su_err), ONR_STATUS_INVALID_ARGUMENT,
           "create with no model");
    /* Queries on a NULL session answer without crashing. */
    CHECK(onr_session_node_count(NULL) == 0);
    CHECK(onr_session_arena_bytes(NULL) == 0);
    CHECK(onr_session_defaulted_dims(NULL) == 0);
    struct onr_tensor_ref out;
    CHECK(onr_session_output(NULL, 0, &out) != ONR_STATUS_OK);
    onr_model_free(model);
}

int main(void)
{
    test_input_errors();
    test_unsupported();
    test_bad_options();
    if (onr_test_failures) fprintf(stderr, "test_session_errors: %d failure(s)\n", onr_test_failures);
    return onr_test_failures != 0;
}
