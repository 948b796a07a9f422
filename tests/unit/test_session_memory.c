/* The session's memory plan through the public API, on models built in
 * memory (model_builder.h): bitwise identical outputs across thread counts
 * and with or without the arena, arena reuse on a chain, the lifetimes of
 * values and views, and outputs that are graph inputs or folded
 * constants. Results are checked against references computed here. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model_builder.h"
#include "session_util.h"
#include "testutil.h"

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
    struct onr_model *model = su_load(b);

    mb_ref_conv2d(x, 1, BW_C, BW_HW, BW_HW, w1, BW_C, 3, 3, b1, 1, 1, 1, tmp);
    su_relu_ref(tmp, tmp, BW_N);
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
            struct onr_session *s = su_create(model, &opt, what);
            if (s == NULL) continue;
            CHECK(no_arena ? onr_session_arena_bytes(s) == 0 : onr_session_arena_bytes(s) > 0);
            struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
            const float *y = su_expect(su_run(s, &in, 1), ONR_STATUS_OK, what)
                                 ? su_output_f32(s, 0, 4, dims, what) : NULL;
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
    struct onr_model *model = su_load(b);
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.no_arena = 0; /* whatever ONR_NO_ARENA says */
    struct onr_session *s = su_create(model, &opt, "Relu chain: create");
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
        su_relu_ref(ref, x, N);
        struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, dims, x);
        if (su_expect(su_run(s, &in, 1), ONR_STATUS_OK, "Relu chain: run")) {
            const float *y = su_output_f32(s, 0, 4, dims, "Relu chain");
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
    struct onr_model *model = su_load(b);
    su_relu_ref(a, x, NA);
    mb_ref_conv2d(a, 1, 2, 8, 8, w, 6, 1, 1, NULL, 1, 0, 1, ref);
    for (int no_arena = 0; no_arena < 2 && model != NULL; no_arena++) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.no_arena = no_arena;
        const char *what = no_arena ? "expanding Conv, no arena" : "expanding Conv, arena";
        struct onr_session *s = su_create(model, &opt, what);
        if (s == NULL) continue;
        if (!no_arena) CHECK(onr_session_arena_bytes(s) >= (NA + NY) * sizeof(float));
        struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x);
        if (su_expect(su_run(s, &in, 1), ONR_STATUS_OK, what)) {
            const float *y = su_output_f32(s, 0, 4, y_dims, what);
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
    su_relu_ref(v_ref, x, N);
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
    struct onr_model *model = su_load(b);
    for (int mode = 0; mode < 3 && model != NULL; mode++) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.passes = mode == 0 ? ONR_PASS_ALL : 0u;
        opt.no_arena = mode == 2;
        char what[64];
        snprintf(what, sizeof what, "views: passes %s, no_arena %d", mode ? "0" : "all", mode == 2);
        struct onr_session *s = su_create(model, &opt, what);
        if (s == NULL) continue;
        struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 4, x_dims, x);
        if (su_expect(su_run(s, &in, 1), ONR_STATUS_OK, what)) {
            const float *y = su_output_f32(s, 0, 2, v_dims, what);
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
    struct onr_model *model = su_load(b);
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
        struct onr_session *s = su_create(model, &opt, what);
        if (s == NULL) continue;
        struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 2, dims, x);
        for (int k = 0; k < 2; k++) { /* a second run with other data */
            if (k == 1) onr_test_fill(x, 6, 42, -1.0f, 1.0f);
            if (!su_expect(su_run(s, &in, 1), ONR_STATUS_OK, what)) break;
            const float *y = su_output_f32(s, 0, 2, dims, what);
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
    model = su_load(b);
    struct onr_session *s = su_create(model, NULL, "graph without nodes: create");
    struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 2, dims, x);
    if (s != NULL && su_expect(su_run(s, &in, 1), ONR_STATUS_OK, "graph without nodes: run")) {
        CHECK(onr_session_node_count(s) == 0);
        const float *y0 = su_output_f32(s, 0, 2, dims, "graph without nodes: output x");
        const float *y1 = su_output_f32(s, 1, 2, dims, "graph without nodes: output a");
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
    struct onr_model *model = su_load(b);
    for (int fold = 1; fold >= 0 && model != NULL; fold--) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.passes = fold ? ONR_PASS_ALL : 0u;
        const char *what = fold ? "constant subgraph, passes all" : "constant subgraph, passes 0";
        struct onr_session *s = su_create(model, &opt, what);
        if (s == NULL) continue;
        /* Constant subgraphs are always folded (shapes may depend on them):
         * every node but the last ran at prepare time, with or without passes. */
        int n = onr_session_node_count(s);
        CHECK(n == 4);
        for (int i = 0; i < n; i++) {
            struct onr_node_info info;
            if (!su_expect(onr_session_node_info(s, i, &info), ONR_STATUS_OK, "node info")) continue;
            int want = strcmp(info.name, "add_x") != 0;
            if (info.folded != want) {
                fprintf(stderr, "%s: node '%s' folded=%d, expected %d\n", what, info.name,
                        info.folded, want);
                onr_test_failures++;
            }
        }
        struct onr_tensor_ref in = su_tensor_ref("x", ONR_DTYPE_FLOAT, 2, dims, x);
        for (int k = 0; k < 2; k++)
            if (su_expect(su_run(s, &in, 1), ONR_STATUS_OK, what)) {
                const float *y = su_output_f32(s, 0, 2, dims, what), *z = su_output_f32(s, 1, 2, dims, what);
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
    model = su_load(b);
    struct onr_session *s = su_create(model, NULL, "no-input graph: create");
    if (s != NULL && su_expect(su_run(s, NULL, 0), ONR_STATUS_OK, "no-input graph: run")) {
        const float *y = su_output_f32(s, 0, 2, dims, "no-input graph");
        if (y != NULL) CHECK(onr_test_bitwise("no-input graph", y, y_ref, 6));
    }
    onr_session_free(s);
    onr_model_free(model);
}


int main(void)
{
    test_bitwise();
    test_arena_chain();
    test_arena_lifetimes();
    test_view_lifetimes();
    test_identity_output();
    test_constant_output();
    if (onr_test_failures) fprintf(stderr, "test_session_memory: %d failure(s)\n", onr_test_failures);
    return onr_test_failures != 0;
}
