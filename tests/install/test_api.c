/* The embedder's API of include/onnxrun.h, through libonnxrun.so: the
 * run-time version, options that carry their size, optimisation levels,
 * inputs and outputs by name, fixed shapes and explicit reshape, outputs in
 * caller-owned buffers (bound, or given to one run).
 *
 *   test_api CASE_DIR   (a test case with one 4-d float input, fixed shape,
 *                        BatchNormalization and Relu after a Conv) */
#include <string.h>

#include "api_util.h"

static const char *dir;
static struct onr_model *model;
static struct onr_tensor_ref input, expected;

/* A session with these options, run once; returns its status, fills out. */
static enum onr_status run_with(const struct onr_session_options *opt, struct onr_session **s,
                                struct onr_error *err)
{
    enum onr_status st = onr_session_create(model, opt, s, err);
    if (st == ONR_STATUS_OK) st = onr_session_run(*s, &input, 1, err);
    return st;
}

static int close_to_reference(const struct onr_tensor_ref *out)
{
    if (out->nbytes != expected.nbytes) return 0;
    const float *y = out->data, *ref = expected.data;
    for (size_t i = 0; i < out->nbytes / sizeof(float); i++) {
        float d = y[i] > ref[i] ? y[i] - ref[i] : ref[i] - y[i];
        if (!(d <= 1e-5f + 1e-4f * (ref[i] < 0 ? -ref[i] : ref[i]))) return 0;
    }
    return 1;
}

static void test_version(void)
{
    CHECK(strcmp(onr_version(), ONR_VERSION_STRING) == 0);
}

static void test_options_size(void)
{
    struct onr_error err;
    struct onr_session *s = NULL;
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    CHECK(opt.size == sizeof opt && opt.passes == ONR_PASS_DEFAULT && opt.fixed_shapes == 0);

    /* Not initialised: refused with a message that says what to do. */
    struct onr_session_options raw;
    memset(&raw, 0, sizeof raw);
    CHECK(onr_session_create(model, &raw, &s, &err) == ONR_STATUS_INVALID_ARGUMENT);
    CHECK(s == NULL && strstr(err.message, "onr_session_options_init") != NULL);

    /* A caller with a newer header: unknown fields zero are accepted, set are refused. */
    struct {
        struct onr_session_options known;
        long long newer_field;
    } big;
    onr_session_options_init_sized(&big.known, sizeof big);
    CHECK(big.known.size == sizeof big && big.newer_field == 0);
    CHECK(run_with(&big.known, &s, &err) == ONR_STATUS_OK);
    onr_session_free(s);
    big.newer_field = 1;
    CHECK(onr_session_create(model, &big.known, &s, &err) == ONR_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "knows only") != NULL);

    /* NULL options are the defaults. */
    CHECK(run_with(NULL, &s, &err) == ONR_STATUS_OK);
    onr_session_free(s);
}

static void test_optimization_levels(void)
{
    unsigned none = onr_optimization_passes(ONR_OPTIMIZATION_DISABLE_ALL),
             basic = onr_optimization_passes(ONR_OPTIMIZATION_BASIC),
             extended = onr_optimization_passes(ONR_OPTIMIZATION_EXTENDED),
             all = onr_optimization_passes(ONR_OPTIMIZATION_ALL);
    CHECK(none == 0 && all == ONR_PASS_DEFAULT);
    /* Each level does what the one below does, and more. */
    CHECK(basic != 0 && (basic & ~extended) == 0 && extended != basic);
    CHECK((extended & ~all) == 0 && all != extended);
    CHECK(onr_optimization_passes((enum onr_optimization_level)50) == extended);

    int nodes[3];
    enum onr_optimization_level levels[3] = {ONR_OPTIMIZATION_DISABLE_ALL, ONR_OPTIMIZATION_BASIC,
                                             ONR_OPTIMIZATION_EXTENDED};
    for (int k = 0; k < 3; k++) {
        struct onr_error err;
        struct onr_session *s = NULL;
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.passes = onr_optimization_passes(levels[k]);
        CHECK(run_with(&opt, &s, &err) == ONR_STATUS_OK);
        struct onr_tensor_ref out;
        CHECK(onr_session_output(s, 0, &out) == ONR_STATUS_OK && close_to_reference(&out));
        nodes[k] = onr_session_node_count(s);
        onr_session_free(s);
    }
    /* BASIC folds the block's BatchNormalization into the Conv, EXTENDED
     * its Relu too (ALL may add layout reorders: not counted here). */
    CHECK(nodes[1] < nodes[0] && nodes[2] < nodes[1]);
}

static void test_names(void)
{
    struct onr_tensor_ref desc;
    CHECK(onr_model_input(model, 0, &desc) == ONR_STATUS_OK);
    CHECK(onr_model_input_index(model, desc.name) == 0);
    CHECK(onr_model_input_index(model, "no such input") == -1);
    CHECK(onr_model_input_index(model, NULL) == -1);
    CHECK(onr_model_output(model, 0, &desc) == ONR_STATUS_OK);
    const char *out_name = desc.name;
    CHECK(onr_model_output_index(model, out_name) == 0);
    CHECK(onr_model_output_index(model, "no such output") == -1);

    struct onr_error err;
    struct onr_session *s = NULL;
    CHECK(run_with(NULL, &s, &err) == ONR_STATUS_OK);
    struct onr_tensor_ref by_index, by_name;
    CHECK(onr_session_output(s, 0, &by_index) == ONR_STATUS_OK);
    CHECK(onr_session_output_by_name(s, out_name, &by_name, &err) == ONR_STATUS_OK);
    CHECK(by_name.data == by_index.data && by_name.nbytes == by_index.nbytes);
    CHECK(close_to_reference(&by_name));
    CHECK(onr_session_output_by_name(s, "nope", &by_name, &err) == ONR_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "'nope'") != NULL);

    /* Inputs by name as well as by position. */
    struct onr_tensor_ref named = input;
    CHECK(onr_model_input(model, 0, &desc) == ONR_STATUS_OK);
    named.name = desc.name;
    CHECK(onr_session_run(s, &named, 1, &err) == ONR_STATUS_OK);
    named.name = "nope";
    CHECK(onr_session_run(s, &named, 1, &err) == ONR_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "'nope'") != NULL);
    onr_session_free(s);
}

static void test_fixed_shapes_and_reshape(void)
{
    struct onr_error err;
    struct onr_session *s = NULL;
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.fixed_shapes = 1;
    CHECK(run_with(&opt, &s, &err) == ONR_STATUS_OK);

    /* The model fixes its input shape: a reshape to another is refused and
     * the session still runs as prepared. */
    struct onr_tensor_ref desc, shape;
    CHECK(onr_session_input(s, 0, &desc) == ONR_STATUS_OK);
    shape = desc;
    shape.dims[desc.rank - 1] += 1;
    CHECK(onr_session_reshape(s, &shape, 1, &err) == ONR_STATUS_SHAPE_MISMATCH);
    CHECK(strstr(err.message, desc.name) != NULL);
    shape.name = "nope";
    CHECK(onr_session_reshape(s, &shape, 1, &err) == ONR_STATUS_INVALID_ARGUMENT);
    struct onr_tensor_ref out;
    CHECK(onr_session_run(s, &input, 1, &err) == ONR_STATUS_OK);
    CHECK(onr_session_output(s, 0, &out) == ONR_STATUS_OK && close_to_reference(&out));

    /* Reshaping to the same shape re-plans and runs the same. */
    CHECK(onr_session_reshape(s, &desc, 1, &err) == ONR_STATUS_OK);
    CHECK(onr_session_run(s, &input, 1, &err) == ONR_STATUS_OK);
    CHECK(onr_session_output(s, 0, &out) == ONR_STATUS_OK && close_to_reference(&out));

    /* A run with another shape is refused (here by the model's fixed shape;
     * tests/python re-plans a symbolic batch dim through fixed_shapes and
     * onr_session_reshape). */
    size_t per_row = input.nbytes / (size_t)input.dims[input.rank - 2];
    float *bigger = calloc(1, input.nbytes + per_row);
    CHECK(bigger != NULL);
    struct onr_tensor_ref other = input;
    other.dims[input.rank - 2] += 1;
    other.data = bigger;
    other.nbytes = input.nbytes + per_row;
    CHECK(onr_session_run(s, &other, 1, &err) == ONR_STATUS_SHAPE_MISMATCH);
    free(bigger);
    CHECK(onr_session_run(s, &input, 1, &err) == ONR_STATUS_OK);
    onr_session_free(s);
}

static void test_bound_outputs(void)
{
    struct onr_error err;
    struct onr_session *s = NULL;
    CHECK(run_with(NULL, &s, &err) == ONR_STATUS_OK);
    struct onr_tensor_ref own;
    CHECK(onr_session_output(s, 0, &own) == ONR_STATUS_OK);
    size_t n = own.nbytes;
    float *plain = malloc(n);
    CHECK(plain != NULL);
    memcpy(plain, own.data, n);

    /* Aligned: written in place by the last node. Misaligned by 4 bytes:
     * copied at the end. Both hold the same bits as the session's own. */
    unsigned char *block = aligned_alloc(64, n + 64);
    CHECK(block != NULL);
    for (int offset = 0; offset <= 4; offset += 4) {
        float *buf = (float *)(block + offset);
        memset(buf, 0xff, n);
        CHECK(onr_session_bind_output(s, 0, buf, n, &err) == ONR_STATUS_OK);
        CHECK(onr_session_run(s, &input, 1, &err) == ONR_STATUS_OK);
        CHECK(memcmp(buf, plain, n) == 0);
        struct onr_tensor_ref out;
        CHECK(onr_session_output(s, 0, &out) == ONR_STATUS_OK && out.data == buf);
    }
    /* A run after unbinding writes the session's storage again, and leaves the buffer alone. */
    float *buf = (float *)block;
    CHECK(onr_session_bind_output(s, 0, NULL, 0, &err) == ONR_STATUS_OK);
    memset(buf, 0, n);
    CHECK(onr_session_run(s, &input, 1, &err) == ONR_STATUS_OK);
    CHECK(onr_session_output(s, 0, &own) == ONR_STATUS_OK && own.data != buf);
    CHECK(memcmp(own.data, plain, n) == 0 && buf[0] == 0.0f && buf[n / sizeof(float) - 1] == 0.0f);

    /* Wrong size: the run is refused and names the output. */
    CHECK(onr_session_bind_output(s, 0, buf, n - 4, &err) == ONR_STATUS_OK);
    CHECK(onr_session_run(s, &input, 1, &err) == ONR_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(err.message, own.name) != NULL);
    CHECK(onr_session_bind_output(s, 1, buf, n, &err) == ONR_STATUS_INVALID_ARGUMENT);
    CHECK(onr_session_bind_output(s, 0, buf, n, &err) == ONR_STATUS_OK);
    CHECK(onr_session_run(s, &input, 1, &err) == ONR_STATUS_OK && memcmp(buf, plain, n) == 0);
    onr_session_free(s);
    free(block);
    free(plain);
}

/* onr_session_run_into: this run's buffers, aligned (written in place) or
 * not (copied); NULL leaves the output in the session; a binding made
 * before is set aside for that run only; sizes and counts are checked. */
static void test_run_into(void)
{
    struct onr_error err;
    struct onr_session *s = NULL;
    CHECK(run_with(NULL, &s, &err) == ONR_STATUS_OK);
    struct onr_tensor_ref own;
    CHECK(onr_session_output(s, 0, &own) == ONR_STATUS_OK);
    size_t n = own.nbytes;
    CHECK(onr_model_output_count(model) == 1);
    float *plain = malloc(n);
    unsigned char *block = aligned_alloc(64, n + 64), *bound = aligned_alloc(64, n);
    CHECK(plain != NULL && block != NULL && bound != NULL);
    memcpy(plain, own.data, n);
    for (int offset = 0; offset <= 4; offset += 4) {
        void *buf = block + offset;
        memset(buf, 0xff, n);
        CHECK(onr_session_run_into(s, &input, 1, &buf, &n, 1, &err) == ONR_STATUS_OK);
        CHECK(memcmp(buf, plain, n) == 0);
    }
    /* NULL: the session's own memory, as onr_session_run. */
    void *none = NULL;
    size_t zero = 0;
    memset(block, 0, n);
    CHECK(onr_session_run_into(s, &input, 1, &none, &zero, 1, &err) == ONR_STATUS_OK);
    CHECK(onr_session_output(s, 0, &own) == ONR_STATUS_OK && memcmp(own.data, plain, n) == 0);
    CHECK(((float *)block)[0] == 0.0f);

    /* A bound buffer is left alone by run_into and written by the next run. */
    CHECK(onr_session_bind_output(s, 0, bound, n, &err) == ONR_STATUS_OK);
    memset(bound, 0, n);
    void *buf = block;
    CHECK(onr_session_run_into(s, &input, 1, &buf, &n, 1, &err) == ONR_STATUS_OK);
    CHECK(memcmp(block, plain, n) == 0 && ((float *)bound)[0] == 0.0f &&
          ((float *)bound)[n / sizeof(float) - 1] == 0.0f);
    CHECK(onr_session_run(s, &input, 1, &err) == ONR_STATUS_OK && memcmp(bound, plain, n) == 0);
    CHECK(onr_session_bind_output(s, 0, NULL, 0, &err) == ONR_STATUS_OK);

    /* Refused: a wrong size (naming the output), a wrong count, NULL arrays. */
    size_t less = n - 4;
    CHECK(onr_session_run_into(s, &input, 1, &buf, &less, 1, &err) == ONR_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(err.message, own.name) != NULL);
    CHECK(onr_session_run_into(s, &input, 1, &buf, &n, 2, &err) == ONR_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "2 output buffers") != NULL);
    CHECK(onr_session_run_into(s, &input, 1, NULL, NULL, 1, &err) == ONR_STATUS_INVALID_ARGUMENT);
    /* And the session still runs. */
    CHECK(onr_session_run_into(s, &input, 1, &buf, &n, 1, &err) == ONR_STATUS_OK &&
          memcmp(block, plain, n) == 0);
    onr_session_free(s);
    free(bound);
    free(block);
    free(plain);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CASE_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    char path[4096];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    struct onr_error err;
    CHECK(onr_model_load_file(path, &model, &err) == ONR_STATUS_OK);
    api_read_tensor(dir, "input_0.pb", &input);
    api_read_tensor(dir, "output_0.pb", &expected);
    const char *input_name = input.name; /* owned by input: put back before freeing */
    input.name = NULL;
    test_version();
    test_options_size();
    test_optimization_levels();
    test_names();
    test_fixed_shapes_and_reshape();
    test_bound_outputs();
    test_run_into();
    input.name = input_name;
    onr_tensor_ref_free(&input);
    onr_tensor_ref_free(&expected);
    onr_model_free(model);
    printf("ok\n");
    return 0;
}
