/* The runtime through the public session API, on models built in memory
 * (model_builder.h): input validation on run (shape, dtype, count, name,
 * data), unsupported operators and opsets named at create, symbolic batch
 * dims (defaults, given shapes, re-planning on a new batch), bitwise
 * identical outputs across thread counts and with or without the arena,
 * arena reuse on a chain, outputs that are graph inputs or folded
 * constants, a Reshape whose shape is a run-time int64 input, and bad
 * options. Results are checked against references computed here. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "testutil.h"

static struct onr_error err;

/* Counts a failure, printing the status and message, unless got == want. */
static int expect(enum onr_status got, enum onr_status want, const char *what)
{
    if (got == want) {
        if (want != ONR_STATUS_OK && getenv("ONR_TEST_VERBOSE") != NULL)
            fprintf(stderr, "  %s: %s\n", what, err.message);
        return 1;
    }
    fprintf(stderr, "%s: got %s, expected %s (message: \"%s\")\n", what, onr_status_name(got),
            onr_status_name(want), err.message);
    onr_test_failures++;
    return 0;
}

static void expect_in_message(const char *what, const char *needle)
{
    if (strstr(err.message, needle) != NULL) return;
    fprintf(stderr, "%s: message \"%s\" does not contain \"%s\"\n", what, err.message, needle);
    onr_test_failures++;
}

static struct onr_model *load(struct mb_model *b)
{
    struct onr_model *model = NULL;
    err.message[0] = '\0';
    expect(mb_load(b, &model, &err), ONR_STATUS_OK, "loading a built model");
    mb_free(b);
    return model;
}

static struct onr_session *create(const struct onr_model *model,
                                  const struct onr_session_options *opt, const char *what)
{
    struct onr_session *s = NULL;
    err.message[0] = '\0';
    if (model != NULL) expect(onr_session_create(model, opt, &s, &err), ONR_STATUS_OK, what);
    return s;
}

static struct onr_tensor_ref tensor_ref(const char *name, enum onr_dtype dtype, int rank,
                                        const int64_t *dims, const void *data)
{
    struct onr_tensor_ref r = {.name = name, .dtype = dtype, .rank = rank, .data = data};
    size_t n = 1;
    for (int i = 0; i < rank; i++) {
        r.dims[i] = dims[i];
        n *= (size_t)dims[i];
    }
    r.nbytes = n * onr_dtype_size(dtype);
    return r;
}

static enum onr_status run(struct onr_session *s, const struct onr_tensor_ref *in, int n)
{
    err.message[0] = '\0';
    return onr_session_run(s, in, n, &err);
}

/* Output `index` of the last run if it is float32 of exactly `dims`; else NULL. */
static const float *output_f32(const struct onr_session *s, int index, int rank,
                               const int64_t *dims, const char *what)
{
    struct onr_tensor_ref out;
    if (!expect(onr_session_output(s, index, &out), ONR_STATUS_OK, what)) return NULL;
    bool same = out.dtype == ONR_DTYPE_FLOAT && out.rank == rank && out.data != NULL;
    for (int i = 0; same && i < rank; i++) same = out.dims[i] == dims[i];
    if (same) return out.data;
    fprintf(stderr, "%s: output %d is %s rank %d (", what, index, onr_dtype_name(out.dtype),
            out.rank);
    for (int i = 0; i < out.rank; i++) fprintf(stderr, "%s%lld", i ? "x" : "", (long long)out.dims[i]);
    fprintf(stderr, "), expected float32 (");
    for (int i = 0; i < rank; i++) fprintf(stderr, "%s%lld", i ? "x" : "", (long long)dims[i]);
    fprintf(stderr, ")\n");
    onr_test_failures++;
    return NULL;
}

static void relu_ref(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* ---- input validation at run ---- */

static void test_input_errors(void)
{
    static const int64_t dims[4] = {1, 2, 4, 4}, taller[4] = {1, 2, 5, 4}, flat[3] = {2, 4, 4};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 4, dims);
    mb_node(b, "Relu", "relu_0", "x", "y");
    struct onr_model *model = load(b);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = 1;
    struct onr_session *s = create(model, &opt, "input errors: create");
    if (s == NULL) goto free_model;
    float x[32], x40[40], y_ref[32];
    onr_test_fill(x, 32, 1, -1.0f, 1.0f);
    onr_test_fill(x40, 40, 2, -1.0f, 1.0f);

    struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, taller, x40);
    if (expect(run(s, &in, 1), ONR_STATUS_SHAPE_MISMATCH, "run with a 1x2x5x4 input")) {
        expect_in_message("wrong shape", "'x'");
        expect_in_message("wrong shape", "1x2x5x4");
        expect_in_message("wrong shape", "1x2x4x4");
    }
    in = tensor_ref("x", ONR_DTYPE_FLOAT, 3, flat, x);
    if (expect(run(s, &in, 1), ONR_STATUS_SHAPE_MISMATCH, "run with a rank-3 input"))
        expect_in_message("wrong rank", "2x4x4");

    in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
    in.dtype = ONR_DTYPE_INT32; /* same byte count, other type */
    if (expect(run(s, &in, 1), ONR_STATUS_INVALID_ARGUMENT, "run with an int32 input"))
        expect_in_message("wrong dtype", "'x'");

    in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
    expect(run(s, NULL, 0), ONR_STATUS_INVALID_ARGUMENT, "run with no inputs");
    struct onr_tensor_ref two[2] = {in, in};
    two[1].name = "x2";
    expect(run(s, two, 2), ONR_STATUS_INVALID_ARGUMENT, "run with two inputs");
    expect(run(s, NULL, 1), ONR_STATUS_INVALID_ARGUMENT, "run with a NULL input array");

    in.name = "nope";
    if (expect(run(s, &in, 1), ONR_STATUS_INVALID_ARGUMENT, "run with an unknown input name"))
        expect_in_message("unknown name", "nope");

    in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, NULL);
    expect(run(s, &in, 1), ONR_STATUS_INVALID_ARGUMENT, "run with NULL data");
    in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
    in.nbytes -= 4;
    expect(run(s, &in, 1), ONR_STATUS_INVALID_ARGUMENT, "run with nbytes short by one element");

    /* The session is still usable, by name and by position. */
    in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
    relu_ref(y_ref, x, 32);
    for (int by_position = 0; by_position < 2; by_position++) {
        in.name = by_position ? NULL : "x";
        if (!expect(run(s, &in, 1), ONR_STATUS_OK, "run after the rejected ones")) continue;
        const float *y = output_f32(s, 0, 4, dims, "input errors: output");
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
    struct onr_model *model = load(b);
    struct onr_session *s = NULL;
    err.message[0] = '\0';
    if (model != NULL &&
        expect(onr_session_create(model, NULL, &s, &err), ONR_STATUS_UNSUPPORTED,
               "create with unknown operators")) {
        const char *needles[] = {"foo_first", "bar_middle", "foo_last", "FooOp", "BarOp", "opset 13"};
        for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
            expect_in_message("unknown operators", needles[i]);
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
    model = load(b);
    s = NULL;
    err.message[0] = '\0';
    if (model != NULL &&
        expect(onr_session_create(model, NULL, &s, &err), ONR_STATUS_UNSUPPORTED,
               "create with HardSwish at opset 13")) {
        expect_in_message("op outside its opsets", "hswish_early");
        expect_in_message("op outside its opsets", "HardSwish");
        expect_in_message("op outside its opsets", "opset 13");
        if (strstr(err.message, "relu_ok") != NULL) {
            fprintf(stderr, "op outside its opsets: message names the supported Relu: %s\n",
                    err.message);
            onr_test_failures++;
        }
    }
    CHECK(s == NULL);
    onr_session_free(s);
    onr_model_free(model);
}

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
    return load(b);
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
    relu_ref(ref, ref, ny);
    struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x);
    if (expect(run(s, &in, 1), ONR_STATUS_OK, what)) {
        const float *y = output_f32(s, 0, 4, y_dims, what);
        if (y != NULL) CHECK(onr_test_close(what, y, ref, ny, ONR_TEST_ATOL, ONR_TEST_RTOL));
    }
    struct onr_tensor_ref desc;
    if (expect(onr_session_input(s, 0, &desc), ONR_STATUS_OK, "onr_session_input after a run"))
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
    struct onr_session *s = create(model, NULL, "symbolic batch: create with defaults");
    if (s != NULL) {
        CHECK(onr_session_defaulted_dims(s) == 1);
        if (expect(onr_session_input(s, 0, &desc), ONR_STATUS_OK, "onr_session_input")) {
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
    struct onr_tensor_ref shape = tensor_ref("x", ONR_DTYPE_FLOAT, 4, four, NULL);
    opt.input_shapes = &shape;
    opt.n_input_shapes = 1;
    s = create(model, &opt, "symbolic batch: create with batch 4");
    if (s != NULL) {
        CHECK(onr_session_defaulted_dims(s) == 0);
        if (expect(onr_session_input(s, 0, &desc), ONR_STATUS_OK, "onr_session_input"))
            CHECK(desc.rank == 4 && desc.dims[0] == 4);
        symbolic_batch_run(s, 4, "symbolic batch: batch 4");
        symbolic_batch_run(s, 2, "symbolic batch: batch 2 after 4");
        symbolic_batch_run(s, 4, "symbolic batch: batch 4 after 2");
        onr_session_free(s);
    }

    /* A given shape that contradicts a fixed dim is refused. */
    const int64_t bad[4] = {4, SB_C + 1, SB_HW, SB_HW};
    shape = tensor_ref("x", ONR_DTYPE_FLOAT, 4, bad, NULL);
    s = NULL;
    err.message[0] = '\0';
    if (model != NULL)
        expect(onr_session_create(model, &opt, &s, &err), ONR_STATUS_SHAPE_MISMATCH,
               "create with a given shape contradicting C");
    CHECK(s == NULL);
    onr_session_free(s);
    onr_model_free(model);
}

/* ---- bitwise identical across threads and arena modes ---- */

#define BW_C 6
#define BW_HW 9
#define BW_N (BW_C * BW_HW * BW_HW)

/* x -> Conv 3x3 -> Relu -> Conv 3x3 -> Add(., x) -> y, all 1 x 6 x 9 x 9. */
static void test_bitwise(void)
{
    static const int64_t dims[4] = {1, BW_C, BW_HW, BW_HW}, w_dims[4] = {BW_C, BW_C, 3, 3};
    static const int64_t b_dims[1] = {BW_C}, pads[4] = {1, 1, 1, 1};
    static float w1[BW_C * BW_C * 9], w2[BW_C * BW_C * 9], b1[BW_C], b2[BW_C];
    static float x[BW_N], ref[BW_N], tmp[BW_N], first[BW_N];
    onr_test_fill(w1, sizeof w1 / sizeof w1[0], 21, -0.3f, 0.3f);
    onr_test_fill(w2, sizeof w2 / sizeof w2[0], 22, -0.3f, 0.3f);
    onr_test_fill(b1, BW_C, 23, -0.1f, 0.1f);
    onr_test_fill(b2, BW_C, 24, -0.1f, 0.1f);
    onr_test_fill(x, BW_N, 25, -1.0f, 1.0f);
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 4, dims);
    mb_init_f32(b, "w1", 4, w_dims, w1);
    mb_init_f32(b, "b1", 1, b_dims, b1);
    mb_init_f32(b, "w2", 4, w_dims, w2);
    mb_init_f32(b, "b2", 1, b_dims, b2);
    mb_attr_ints(b, mb_node(b, "Conv", "conv_1", "x,w1,b1", "c1"), "pads", pads, 4);
    mb_node(b, "Relu", "relu_1", "c1", "r1");
    mb_attr_ints(b, mb_node(b, "Conv", "conv_2", "r1,w2,b2", "c2"), "pads", pads, 4);
    mb_node(b, "Add", "add", "c2,x", "y");
    struct onr_model *model = load(b);

    mb_ref_conv2d(x, 1, BW_C, BW_HW, BW_HW, w1, BW_C, 3, 3, b1, 1, 1, 1, tmp);
    relu_ref(tmp, tmp, BW_N);
    mb_ref_conv2d(tmp, 1, BW_C, BW_HW, BW_HW, w2, BW_C, 3, 3, b2, 1, 1, 1, ref);
    for (int i = 0; i < BW_N; i++) ref[i] += x[i];

    static const int threads[3] = {1, 2, 3};
    bool have_first = false;
    for (int no_arena = 0; no_arena < 2 && model != NULL; no_arena++)
        for (int t = 0; t < 3; t++) {
            char what[96];
            snprintf(what, sizeof what, "Conv-Relu-Conv-Add, threads %d, no_arena %d", threads[t],
                     no_arena);
            struct onr_session_options opt;
            onr_session_options_init(&opt);
            opt.threads = threads[t];
            opt.no_arena = no_arena;
            struct onr_session *s = create(model, &opt, what);
            if (s == NULL) continue;
            CHECK(no_arena ? onr_session_arena_bytes(s) == 0 : onr_session_arena_bytes(s) > 0);
            struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
            const float *y = expect(run(s, &in, 1), ONR_STATUS_OK, what)
                                 ? output_f32(s, 0, 4, dims, what) : NULL;
            if (y != NULL) {
                CHECK(onr_test_close(what, y, ref, BW_N, ONR_TEST_ATOL, ONR_TEST_RTOL));
                if (!have_first) memcpy(first, y, sizeof first);
                else CHECK(onr_test_bitwise(what, y, first, BW_N));
                have_first = true;
            }
            onr_session_free(s);
        }
    onr_model_free(model);
}

/* ---- arena reuse on a chain ---- */

static void test_arena_chain(void)
{
    enum { N = 4 * 8 * 8 };
    static const int64_t dims[4] = {1, 4, 8, 8};
    static const char *names[7] = {"x", "r1", "r2", "r3", "r4", "r5", "y"};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 4, dims);
    for (int i = 0; i < 6; i++) {
        char node[16];
        snprintf(node, sizeof node, "relu_%d", i);
        mb_node(b, "Relu", node, names[i], names[i + 1]);
    }
    struct onr_model *model = load(b);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.no_arena = 0; /* whatever ONR_NO_ARENA says */
    struct onr_session *s = create(model, &opt, "Relu chain: create");
    if (s != NULL) {
        /* Six tensors are written (r1..r5 and y); at most two live at once. */
        size_t sum = 6 * N * sizeof(float), arena = onr_session_arena_bytes(s);
        if (!(arena > 0 && arena < sum)) {
            fprintf(stderr, "Relu chain: arena is %zu bytes, expected 1..%zu (no reuse?)\n", arena,
                    sum - 1);
            onr_test_failures++;
        }
        CHECK(onr_session_node_count(s) == 6);
        static float x[N], ref[N];
        onr_test_fill(x, N, 31, -1.0f, 1.0f);
        relu_ref(ref, x, N);
        struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
        if (expect(run(s, &in, 1), ONR_STATUS_OK, "Relu chain: run")) {
            const float *y = output_f32(s, 0, 4, dims, "Relu chain");
            if (y != NULL) CHECK(onr_test_bitwise("Relu chain", y, ref, N));
        }
    }
    onr_session_free(s);
    onr_model_free(model);
}

/* A tensor read by a node must not share bytes with that node's output,
 * also when the output is larger and so placed first: x -> Relu -> a ->
 * Conv 1x1 (2 -> 6 channels) -> y, with a read by the Conv that writes y. */
static void test_arena_lifetimes(void)
{
    enum { NA = 2 * 8 * 8, NY = 6 * 8 * 8 };
    static const int64_t x_dims[4] = {1, 2, 8, 8}, y_dims[4] = {1, 6, 8, 8}, w_dims[4] = {6, 2, 1, 1};
    static float x[NA], a[NA], w[12], ref[NY];
    onr_test_fill(x, NA, 71, -1.0f, 1.0f);
    onr_test_fill(w, 12, 72, -1.0f, 1.0f);
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, x_dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 4, y_dims);
    mb_init_f32(b, "w", 4, w_dims, w);
    mb_node(b, "Relu", "relu", "x", "a");
    mb_node(b, "Conv", "expand", "a,w", "y");
    struct onr_model *model = load(b);
    relu_ref(a, x, NA);
    mb_ref_conv2d(a, 1, 2, 8, 8, w, 6, 1, 1, NULL, 1, 0, 1, ref);
    for (int no_arena = 0; no_arena < 2 && model != NULL; no_arena++) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.no_arena = no_arena;
        const char *what = no_arena ? "expanding Conv, no arena" : "expanding Conv, arena";
        struct onr_session *s = create(model, &opt, what);
        if (s == NULL) continue;
        if (!no_arena) CHECK(onr_session_arena_bytes(s) >= (NA + NY) * sizeof(float));
        struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x);
        if (expect(run(s, &in, 1), ONR_STATUS_OK, what)) {
            const float *y = output_f32(s, 0, 4, y_dims, what);
            if (y != NULL) CHECK(onr_test_close(what, y, ref, NY, ONR_TEST_ATOL, ONR_TEST_RTOL));
        }
        onr_session_free(s);
    }
    onr_model_free(model);
}

/* A view (Reshape, Identity kept with passes 0) shares its input's bytes:
 * those must stay untouched while the view is read, here by the last node.
 * x -> Relu a -> Reshape v -> Neg b -> Neg c -> Identity d -> Add(d, v) -> y. */
static void test_view_lifetimes(void)
{
    enum { N = 4 * 6 * 6 };
    static const int64_t x_dims[4] = {1, 4, 6, 6}, v_dims[2] = {4, 36}, shape_dims[1] = {2};
    static const int64_t shape[2] = {4, 36};
    static float x[N], v_ref[N], y_ref[N];
    onr_test_fill(x, N, 91, -1.0f, 1.0f);
    relu_ref(v_ref, x, N);
    for (int i = 0; i < N; i++) y_ref[i] = v_ref[i] + v_ref[i];
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 4, x_dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, v_dims);
    mb_init_i64(b, "shape", 1, shape_dims, shape);
    mb_node(b, "Relu", "relu", "x", "a");
    mb_node(b, "Reshape", "reshape", "a,shape", "v");
    mb_node(b, "Neg", "neg_1", "v", "b");
    mb_node(b, "Neg", "neg_2", "b", "c");
    mb_node(b, "Identity", "id", "c", "d");
    mb_node(b, "Add", "add", "d,v", "y");
    struct onr_model *model = load(b);
    for (int mode = 0; mode < 3 && model != NULL; mode++) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.passes = mode == 0 ? ONR_PASS_ALL : 0u;
        opt.no_arena = mode == 2;
        char what[64];
        snprintf(what, sizeof what, "views: passes %s, no_arena %d", mode ? "0" : "all", mode == 2);
        struct onr_session *s = create(model, &opt, what);
        if (s == NULL) continue;
        struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x);
        if (expect(run(s, &in, 1), ONR_STATUS_OK, what)) {
            const float *y = output_f32(s, 0, 2, v_dims, what);
            if (y != NULL) CHECK(onr_test_bitwise(what, y, y_ref, N));
        }
        onr_session_free(s);
    }
    onr_model_free(model);
}

/* ---- outputs that are inputs or constants ---- */

static void test_identity_output(void)
{
    static const int64_t dims[2] = {2, 3};
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 2, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, dims);
    mb_node(b, "Identity", "id", "x", "y");
    struct onr_model *model = load(b);
    float x[6];
    onr_test_fill(x, 6, 41, -1.0f, 1.0f);
    for (int mode = 0; mode < 3 && model != NULL; mode++) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.passes = mode == 1 ? 0u : ONR_PASS_ALL;
        opt.no_arena = mode == 2;
        char what[64];
        snprintf(what, sizeof what, "Identity output (passes %s, no_arena %d)",
                 mode == 1 ? "none" : "all", opt.no_arena);
        struct onr_session *s = create(model, &opt, what);
        if (s == NULL) continue;
        struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 2, dims, x);
        for (int k = 0; k < 2; k++) { /* a second run with other data */
            if (k == 1) onr_test_fill(x, 6, 42, -1.0f, 1.0f);
            if (!expect(run(s, &in, 1), ONR_STATUS_OK, what)) break;
            const float *y = output_f32(s, 0, 2, dims, what);
            if (y != NULL) CHECK(onr_test_bitwise(what, y, x, 6));
        }
        onr_session_free(s);
    }
    onr_model_free(model);

    /* No nodes at all: the outputs are the input itself and an initializer. */
    float a[6];
    onr_test_fill(a, 6, 43, -1.0f, 1.0f);
    b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 2, dims);
    mb_output(b, "x", ONR_DTYPE_FLOAT, 2, dims);
    mb_output(b, "a", ONR_DTYPE_FLOAT, 2, dims);
    mb_init_f32(b, "a", 2, dims, a);
    model = load(b);
    struct onr_session *s = create(model, NULL, "graph without nodes: create");
    struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 2, dims, x);
    if (s != NULL && expect(run(s, &in, 1), ONR_STATUS_OK, "graph without nodes: run")) {
        CHECK(onr_session_node_count(s) == 0);
        const float *y0 = output_f32(s, 0, 2, dims, "graph without nodes: output x");
        const float *y1 = output_f32(s, 1, 2, dims, "graph without nodes: output a");
        if (y0 != NULL) CHECK(onr_test_bitwise("output that is the input", y0, x, 6));
        if (y1 != NULL) CHECK(onr_test_bitwise("output that is an initializer", y1, a, 6));
    }
    onr_session_free(s);
    onr_model_free(model);
}

/* y = Relu(a + Constant c) is computable at prepare time; z = x + y is not. */
static void test_constant_output(void)
{
    static const int64_t dims[2] = {2, 3};
    float a[6], c[6], x[6], y_ref[6], z_ref[6];
    onr_test_fill(a, 6, 51, -1.0f, 1.0f);
    onr_test_fill(c, 6, 52, -1.0f, 1.0f);
    onr_test_fill(x, 6, 53, -1.0f, 1.0f);
    for (int i = 0; i < 6; i++) {
        y_ref[i] = a[i] + c[i] > 0.0f ? a[i] + c[i] : 0.0f;
        z_ref[i] = x[i] + y_ref[i];
    }
    struct mb_model *b = mb_new(13);
    mb_input(b, "x", ONR_DTYPE_FLOAT, 2, dims);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, dims);
    mb_output(b, "z", ONR_DTYPE_FLOAT, 2, dims);
    mb_init_f32(b, "a", 2, dims, a);
    mb_attr_tensor_f32(b, mb_node(b, "Constant", "const_c", "", "c"), "value", 2, dims, c);
    mb_node(b, "Add", "add_const", "a,c", "s");
    mb_node(b, "Relu", "relu_const", "s", "y");
    mb_node(b, "Add", "add_x", "x,y", "z");
    struct onr_model *model = load(b);
    for (int fold = 1; fold >= 0 && model != NULL; fold--) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.passes = fold ? ONR_PASS_ALL : 0u;
        const char *what = fold ? "constant subgraph, passes all" : "constant subgraph, passes 0";
        struct onr_session *s = create(model, &opt, what);
        if (s == NULL) continue;
        /* Constant subgraphs are always folded (shapes may depend on them):
         * every node but the last ran at prepare time, with or without passes. */
        int n = onr_session_node_count(s);
        CHECK(n == 4);
        for (int i = 0; i < n; i++) {
            struct onr_node_info info;
            if (!expect(onr_session_node_info(s, i, &info), ONR_STATUS_OK, "node info")) continue;
            int want = strcmp(info.name, "add_x") != 0;
            if (info.folded != want) {
                fprintf(stderr, "%s: node '%s' folded=%d, expected %d\n", what, info.name,
                        info.folded, want);
                onr_test_failures++;
            }
        }
        struct onr_tensor_ref in = tensor_ref("x", ONR_DTYPE_FLOAT, 2, dims, x);
        for (int k = 0; k < 2; k++)
            if (expect(run(s, &in, 1), ONR_STATUS_OK, what)) {
                const float *y = output_f32(s, 0, 2, dims, what), *z = output_f32(s, 1, 2, dims, what);
                if (y != NULL) CHECK(onr_test_bitwise("constant output y", y, y_ref, 6));
                if (z != NULL) CHECK(onr_test_bitwise("output z = x + y", z, z_ref, 6));
            }
        onr_session_free(s);
    }
    onr_model_free(model);

    /* A graph with no inputs at all: its only output is a folded constant. */
    b = mb_new(13);
    mb_output(b, "y", ONR_DTYPE_FLOAT, 2, dims);
    mb_init_f32(b, "a", 2, dims, a);
    mb_init_f32(b, "c", 2, dims, c);
    mb_node(b, "Add", "add", "a,c", "s");
    mb_node(b, "Relu", "relu", "s", "y");
    model = load(b);
    struct onr_session *s = create(model, NULL, "no-input graph: create");
    if (s != NULL && expect(run(s, NULL, 0), ONR_STATUS_OK, "no-input graph: run")) {
        const float *y = output_f32(s, 0, 2, dims, "no-input graph");
        if (y != NULL) CHECK(onr_test_bitwise("no-input graph", y, y_ref, 6));
    }
    onr_session_free(s);
    onr_model_free(model);
}

/* ---- a Reshape whose shape is an int64 graph input ---- */

static void reshape_run(struct onr_session *s, const float *x, const int64_t *shape,
                        const int64_t *want, const char *what)
{
    static const int64_t x_dims[3] = {2, 3, 4}, s_dims[1] = {3};
    struct onr_tensor_ref in[2] = {tensor_ref("x", ONR_DTYPE_FLOAT, 3, x_dims, x),
                                   tensor_ref("shape", ONR_DTYPE_INT64, 1, s_dims, shape)};
    if (!expect(run(s, in, 2), ONR_STATUS_OK, what)) return;
    const float *y = output_f32(s, 0, 3, want, what);
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
    struct onr_model *model = load(b);
    struct onr_session *s = create(model, NULL, "Reshape by input: create");
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
        struct onr_tensor_ref in[2] = {tensor_ref("x", ONR_DTYPE_FLOAT, 3, x_dims, x),
                                       tensor_ref("shape", ONR_DTYPE_INT64, 1, s_dims, bad)};
        enum onr_status st = run(s, in, 2);
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
    model = load(b);
    s = create(model, NULL, "Reshape to a scalar: create");
    for (int k = 0; s != NULL && k < 2; k++) {
        float v = k ? -2.5f : 1.5f;
        struct onr_tensor_ref in[2] = {tensor_ref("x", ONR_DTYPE_FLOAT, 2, one, &v),
                                       tensor_ref("shape", ONR_DTYPE_INT64, 1, empty, NULL)};
        if (!expect(run(s, in, 2), ONR_STATUS_OK, "Reshape to a scalar")) break;
        const float *y = output_f32(s, 0, 0, NULL, "Reshape to a scalar");
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
    struct onr_model *model = load(b);
    struct onr_session *s = create(model, NULL, "refused run: create");
    if (s != NULL) {
        float x[6], bias[3], ref[6];
        onr_test_fill(x, 6, 81, -1.0f, 1.0f);
        onr_test_fill(bias, 3, 82, -1.0f, 1.0f);
        for (int i = 0; i < 6; i++) ref[i] = x[i] + bias[i % 3];
        struct onr_tensor_ref in[2] = {tensor_ref("x", ONR_DTYPE_FLOAT, 2, one, x),
                                       tensor_ref("b", ONR_DTYPE_FLOAT, 1, b_dims, bias)};
        expect(run(s, in, 2), ONR_STATUS_OK, "refused run: batch 1");
        in[0] = tensor_ref("x", ONR_DTYPE_FLOAT, 2, two, x);
        in[1].dtype = ONR_DTYPE_INT32;
        expect(run(s, in, 2), ONR_STATUS_INVALID_ARGUMENT, "refused run: batch 2, b as int32");
        in[1].dtype = ONR_DTYPE_FLOAT;
        if (expect(run(s, in, 2), ONR_STATUS_OK, "refused run: batch 2 after the refusal")) {
            const float *y = output_f32(s, 0, 2, two, "batch 2 after a refused batch-2 run");
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
    model = load(b);
    s = create(model, NULL, "refused run with a value input: create");
    if (s != NULL) {
        float x[24];
        onr_test_fill(x, 24, 83, -1.0f, 1.0f);
        struct onr_tensor_ref in[2] = {tensor_ref("shape", ONR_DTYPE_INT64, 1, s_dims, s1),
                                       tensor_ref("x", ONR_DTYPE_FLOAT, 3, x3, x)};
        expect(run(s, in, 2), ONR_STATUS_OK, "refused run: shape 4x3x2");
        in[0].data = s2;
        in[1].data = NULL;
        expect(run(s, in, 2), ONR_STATUS_INVALID_ARGUMENT, "refused run: shape 2x12x1, x NULL");
        in[1].data = x;
        if (expect(run(s, in, 2), ONR_STATUS_OK, "refused run: shape 2x12x1 after the refusal")) {
            const float *y = output_f32(s, 0, 3, s2, "Reshape to 2x12x1 after a refused run");
            if (y != NULL) CHECK(onr_test_bitwise("Reshape after a refused run", y, x, 24));
        }
    }
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
    struct onr_model *model = load(b);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = -1;
    struct onr_session *s = NULL;
    err.message[0] = '\0';
    if (model != NULL)
        expect(onr_session_create(model, &opt, &s, &err), ONR_STATUS_INVALID_ARGUMENT,
               "create with threads -1");
    CHECK(s == NULL);
    onr_session_free(s);
    err.message[0] = '\0';
    expect(onr_session_create(NULL, NULL, &s, &err), ONR_STATUS_INVALID_ARGUMENT,
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
    test_symbolic_batch();
    test_bitwise();
    test_arena_chain();
    test_arena_lifetimes();
    test_view_lifetimes();
    test_identity_output();
    test_constant_output();
    test_reshape_value_input();
    test_refused_run_replans();
    test_bad_options();
    if (onr_test_failures) fprintf(stderr, "test_session: %d failure(s)\n", onr_test_failures);
    return onr_test_failures != 0;
}
