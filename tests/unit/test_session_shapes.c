/* Sessions whose shapes change, on models built in memory
 * (model_builder.h): symbolic batch dims (defaults, given shapes,
 * re-planning on a new batch), a Reshape whose shape is a run-time int64
 * input, and a run refused under fixed shapes that re-plans after
 * onr_session_reshape. Results are checked against references computed
 * here. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "session_util.h"
#include "testutil.h"

/* ---- symbolic batch ---- */

#define SB_C 2
#define SB_OC 3
#define SB_HW 5
static float sb_w[SB_OC * SB_C * 9], sb_b[SB_OC];

/* x: N x 2 x 5 x 5 -> Conv 3x3 pad 1 -> Relu -> y: N x 3 x 5 x 5. */
static struct onr_model *symbolic_batch_model(void)
{
    static const int64_t x_dims[4] = {-1, SB_C, SB_HW, SB_HW}, y_dims[4] = {-1, SB_OC, SB_HW, SB_HW};
    static const int64_t w_dims[4] = {SB_OC, SB_C, 3, 3}, b_dims[1] = {SB_OC}, pads[4] = {1, 1, 1, 1};
    onr_test_fill(sb_w, sizeof sb_w / sizeof sb_w[0], 11, -0.5f, 0.5f);
    onr_test_fill(sb_b, SB_OC, 12, -0.2f, 0.2f);
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, x_dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    mb_init_f32(b, "w", 4, w_dims, sb_w);
    mb_init_f32(b, "b", 1, b_dims, sb_b);
    Onnx__NodeProto *conv = mb_node(b, "Conv", "conv", "x,w,b", "c");
    mb_attr_ints(b, conv, "pads", pads, 4);
    mb_node(b, "Relu", "relu", "c", "y");
    return su_load(b);
}

/* Runs batch N and compares with relu(conv(x)). */
static void symbolic_batch_run(struct onr_session *s, int64_t N, const char *what)
{
    const int64_t x_dims[4] = {N, SB_C, SB_HW, SB_HW}, y_dims[4] = {N, SB_OC, SB_HW, SB_HW};
    size_t nx = (size_t)N * SB_C * SB_HW * SB_HW, ny = (size_t)N * SB_OC * SB_HW * SB_HW;
    float *x = malloc(nx * sizeof *x), *ref = malloc(ny * sizeof *ref);
    if (x == NULL || ref == NULL) goto free_buffers;
    onr_test_fill(x, nx, (uint64_t)(100 + N), -1.0f, 1.0f);
    mb_ref_conv2d(x, N, SB_C, SB_HW, SB_HW, sb_w, SB_OC, 3, 3, sb_b, 1, 1, 1, ref);
    su_relu_ref(ref, ref, ny);
    struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x);
    if (su_expect(su_run(s, &in, 1), ONR_STATUS_OK, what)) {
        const float *y = su_output_f32(s, 0, 4, y_dims, what);
        if (y != NULL) CHECK(onr_test_close(what, y, ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL));
    }
    struct onr_tensor_ref desc;
    if (su_expect(onr_session_input(s, 0, &desc), ONR_STATUS_OK, "onr_session_input after a run"))
        CHECK(desc.rank == 4 && desc.dims[0] == N);
free_buffers:
    free(x);
    free(ref);
}

static void test_symbolic_batch(void)
{
    struct onr_model *model = symbolic_batch_model();
    struct onr_tensor_ref desc;

    /* No shapes given: the batch defaults to 1, and the session says so. */
    struct onr_session *s = su_create(model, NULL, "symbolic batch: create with defaults");
    if (s != NULL) {
        CHECK(onr_session_defaulted_dims(s) == 1);
        if (su_expect(onr_session_input(s, 0, &desc), ONR_STATUS_OK, "onr_session_input")) {
            CHECK(desc.rank == 4 && desc.dims[0] == 1 && desc.dims[1] == SB_C &&
                  desc.dims[2] == SB_HW && desc.dims[3] == SB_HW);
            CHECK(desc.dtype == ONR_DTYPE_FLOAT && desc.nbytes == SB_C * SB_HW * SB_HW * 4);
        }
        symbolic_batch_run(s, 1, "symbolic batch: defaulted batch 1");
        onr_session_free(s);
    }

    /* Batch 4 given: prepared for 4; then batch 2 re-plans, then 4 again. */
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    const int64_t four[4] = {4, SB_C, SB_HW, SB_HW};
    struct onr_tensor_ref shape = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, four, NULL);
    opt.input_shapes = &shape;
    opt.n_input_shapes = 1;
    s = su_create(model, &opt, "symbolic batch: create with batch 4");
    if (s != NULL) {
        CHECK(onr_session_defaulted_dims(s) == 0);
        if (su_expect(onr_session_input(s, 0, &desc), ONR_STATUS_OK, "onr_session_input"))
            CHECK(desc.rank == 4 && desc.dims[0] == 4);
        symbolic_batch_run(s, 4, "symbolic batch: batch 4");
        symbolic_batch_run(s, 2, "symbolic batch: batch 2 after 4");
        symbolic_batch_run(s, 4, "symbolic batch: batch 4 after 2");
        onr_session_free(s);
    }

    /* A given shape that contradicts a fixed dim is refused. */
    const int64_t bad[4] = {4, SB_C + 1, SB_HW, SB_HW};
    shape = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, bad, NULL);
    s = NULL;
    su_err.message[0] = '\0';
    if (model != NULL)
        su_expect(onr_session_create(model, &opt, &s, &su_err), ONR_STATUS_SHAPE_MISMATCH,
               "create with a given shape contradicting C");
    CHECK(s == NULL);
    onr_session_free(s);
    onr_model_free(model);
}


/* ---- a Reshape whose shape is an int64 graph input ---- */

static void reshape_run(struct onr_session *s, const float *x, const int64_t *shape,
                        const int64_t *want, const char *what)
{
    static const int64_t x_dims[3] = {2, 3, 4}, s_dims[1] = {3};
    struct onr_tensor_ref in[2] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 3, x_dims, x),
                                   su_tensor_ref("shape", ONR_DTYPE_INT64, 1, s_dims, shape)};
    if (!su_expect(su_run(s, in, 2), ONR_STATUS_OK, what)) return;
    const float *y = su_output_f32(s, 0, 3, want, what);
    if (y != NULL) CHECK(onr_test_bitwise(what, y, x, 24));
}

static void test_reshape_value_input(void)
{
    static const int64_t x_dims[3] = {2, 3, 4}, s_dims[1] = {3}, y_dims[3] = {-1, -1, -1};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 3, x_dims);
    mb_input(b, "shape", ONR_DTYPE_INT64, 1, s_dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 3, y_dims);
    mb_node(b, "Reshape", "reshape", "x,shape", "y");
    struct onr_model *model = su_load(b);
    struct onr_session *s = su_create(model, NULL, "Reshape by input: create");
    if (s != NULL) {
        /* Prepared at the first run: nothing to read before it. */
        struct onr_tensor_ref out;
        CHECK(onr_session_output(s, 0, &out) != ONR_STATUS_OK);
        struct onr_node_info info;
        CHECK(onr_session_node_info(s, 0, &info) != ONR_STATUS_OK);
        float x[24];
        onr_test_fill(x, 24, 61, -1.0f, 1.0f);
        static const int64_t s1[3] = {4, 3, 2}, s2[3] = {3, -1, 2}, w2[3] = {3, 4, 2};
        static const int64_t s3[3] = {0, 12, 1}, w3[3] = {2, 12, 1};
        reshape_run(s, x, s1, s1, "Reshape to 4x3x2");
        reshape_run(s, x, s2, w2, "Reshape to 3x-1x2 after 4x3x2");
        reshape_run(s, x, s3, w3, "Reshape to 0x12x1 (0 copies dim 0)");
        reshape_run(s, x, s1, s1, "Reshape back to 4x3x2");
        /* A shape whose product differs is refused, and the session recovers. */
        static const int64_t bad[3] = {5, 5, 1};
        struct onr_tensor_ref in[2] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 3, x_dims, x),
                                       su_tensor_ref("shape", ONR_DTYPE_INT64, 1, s_dims, bad)};
        enum onr_status st = su_run(s, in, 2);
        if (st == ONR_STATUS_OK) {
            fprintf(stderr, "Reshape of 24 elements to 5x5x1 was accepted\n");
            onr_test_failures++;
        }
        CHECK(onr_session_output(s, 0, &out) != ONR_STATUS_OK);
        reshape_run(s, x, s2, w2, "Reshape to 3x-1x2 after a refused shape");
    }
    onr_session_free(s);
    onr_model_free(model);

    /* An empty shape makes a scalar; an empty input may come with NULL data. */
    static const int64_t one[2] = {1, 1}, empty[1] = {0};
    b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 2, one);
    mb_input(b, "shape", ONR_DTYPE_INT64, 1, empty);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 0, NULL);
    mb_node(b, "Reshape", "to_scalar", "x,shape", "y");
    model = su_load(b);
    s = su_create(model, NULL, "Reshape to a scalar: create");
    for (int k = 0; s != NULL && k < 2; k++) {
        float v = k ? -2.5f : 1.5f;
        struct onr_tensor_ref in[2] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 2, one, &v),
                                       su_tensor_ref("shape", ONR_DTYPE_INT64, 1, empty, NULL)};
        if (!su_expect(su_run(s, in, 2), ONR_STATUS_OK, "Reshape to a scalar")) break;
        const float *y = su_output_f32(s, 0, 0, NULL, "Reshape to a scalar");
        if (y != NULL) CHECK(y[0] == v);
    }
    onr_session_free(s);
    onr_model_free(model);
}

/* A run refused for its second input must not leave the first input's new
 * shape or values half-accepted: the next run with them must re-plan. */
static void test_refused_run_replans(void)
{
    static const int64_t x_dims[2] = {-1, 3}, b_dims[1] = {3}, one[2] = {1, 3}, two[2] = {2, 3};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 2, x_dims);
    mb_input(b, "b", ONR_DTYPE_FLOAT, 1, b_dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, x_dims);
    mb_node(b, "Add", "add", "x,b", "y");
    struct onr_model *model = su_load(b);
    struct onr_session *s = su_create(model, NULL, "refused run: create");
    if (s != NULL) {
        float x[6], bias[3], ref[6];
        onr_test_fill(x, 6, 81, -1.0f, 1.0f);
        onr_test_fill(bias, 3, 82, -1.0f, 1.0f);
        for (int i = 0; i < 6; i++) ref[i] = x[i] + bias[i % 3];
        struct onr_tensor_ref in[2] = {su_tensor_ref("x", ONR_DTYPE_FLOAT, 2, one, x),
                                       su_tensor_ref("b", ONR_DTYPE_FLOAT, 1, b_dims, bias)};
        su_expect(su_run(s, in, 2), ONR_STATUS_OK, "refused run: batch 1");
        in[0] = su_tensor_ref("x", ONR_DTYPE_FLOAT, 2, two, x);
        in[1].dtype = ONR_DTYPE_INT32;
        su_expect(su_run(s, in, 2), ONR_STATUS_INVALID_ARGUMENT, "refused run: batch 2, b as int32");
        in[1].dtype = ONR_DTYPE_FLOAT;
        if (su_expect(su_run(s, in, 2), ONR_STATUS_OK, "refused run: batch 2 after the refusal")) {
            const float *y = su_output_f32(s, 0, 2, two, "batch 2 after a refused batch-2 run");
            if (y != NULL) CHECK(onr_test_bitwise("batch 2 after a refused run", y, ref, 6));
        }
    }
    onr_session_free(s);
    onr_model_free(model);

    /* The same with a value input: new shape values, then a bad x. */
    static const int64_t x3[3] = {2, 3, 4}, s_dims[1] = {3}, y_dims[3] = {-1, -1, -1};
    static const int64_t s1[3] = {4, 3, 2}, s2[3] = {2, 12, 1};
    b = mb_new(13);
    mb_input(b, "shape", ONR_DTYPE_INT64, 1, s_dims);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 3, x3);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 3, y_dims);
    mb_node(b, "Reshape", "reshape", "x,shape", "y");
    model = su_load(b);
    s = su_create(model, NULL, "refused run with a value input: create");
    if (s != NULL) {
        float x[24];
        onr_test_fill(x, 24, 83, -1.0f, 1.0f);
        struct onr_tensor_ref in[2] = {su_tensor_ref("shape", ONR_DTYPE_INT64, 1, s_dims, s1),
                                       su_tensor_ref("x", ONR_DTYPE_FLOAT, 3, x3, x)};
        su_expect(su_run(s, in, 2), ONR_STATUS_OK, "refused run: shape 4x3x2");
        in[0].data = s2;
        in[1].data = NULL;
        su_expect(su_run(s, in, 2), ONR_STATUS_INVALID_ARGUMENT, "refused run: shape 2x12x1, x NULL");
        in[1].data = x;
        if (su_expect(su_run(s, in, 2), ONR_STATUS_OK, "refused run: shape 2x12x1 after the refusal")) {
            const float *y = su_output_f32(s, 0, 3, s2, "Reshape to 2x12x1 after a refused run");
            if (y != NULL) CHECK(onr_test_bitwise("Reshape after a refused run", y, x, 24));
        }
    }
    onr_session_free(s);
    onr_model_free(model);
}


int main(void)
{
    test_symbolic_batch();
    test_reshape_value_input();
    test_refused_run_replans();
    if (onr_test_failures) fprintf(stderr, "test_session_shapes: %d failure(s)\n", onr_test_failures);
    return onr_test_failures != 0;
}
