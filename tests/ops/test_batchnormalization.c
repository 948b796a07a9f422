/* BatchNormalization through its hooks: ranks 2 to 5 against the formula
 * computed here in double, reference and fast paths, constant (folded at
 * prepare) and run-time statistics (workspace), 1 vs 3 threads bitwise,
 * epsilon, the old spatial/is_test/consumed_inputs attributes; and each
 * rejected case with its status and a message naming the node. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"
#include "testutil.h"

struct bn_io {
    struct onr_tensor t[5]; /* X, scale, B, mean, var */
    struct onr_tensor *in[5];
};

static void make_io(struct bn_io *io, int rank, const int64_t *dims, uint64_t seed)
{
    const int64_t c[1] = {rank >= 2 ? dims[1] : 1};
    oh_tensor_f32(&io->t[0], rank, dims, NULL);
    for (int k = 1; k < 5; k++) oh_tensor_f32(&io->t[k], 1, c, NULL);
    onr_test_fill(io->t[0].data, io->t[0].nbytes / 4, seed, -2, 2);
    onr_test_fill(io->t[1].data, (size_t)c[0], seed + 1, 0.5f, 1.5f);
    onr_test_fill(io->t[2].data, (size_t)c[0], seed + 2, -1, 1);
    onr_test_fill(io->t[3].data, (size_t)c[0], seed + 3, -0.5f, 0.5f);
    onr_test_fill(io->t[4].data, (size_t)c[0], seed + 4, 0.01f, 2);
    for (int k = 0; k < 5; k++) io->in[k] = &io->t[k];
}

static void free_io(struct bn_io *io)
{
    for (int k = 0; k < 5; k++) onr_tensor_free(&io->t[k]);
}

/* Reference, fast with constant statistics, fast with run-time statistics
 * on 1 and 3 threads: each against the formula. */
static void expect_bn(const char *what, const struct oh_node *n, int64_t opset,
                      struct bn_io *io, float eps)
{
    const struct onr_tensor *x = &io->t[0];
    const size_t total = x->nbytes / 4;
    const int64_t C = x->shape.dims[1];
    int64_t inner = 1;
    for (int i = 2; i < x->shape.rank; i++) inner *= x->shape.dims[i];
    float *want = malloc(total * sizeof *want);
    const float *xs = x->data, *sc = io->t[1].data, *b = io->t[2].data;
    const float *mean = io->t[3].data, *var = io->t[4].data;
    for (size_t i = 0; i < total; i++) {
        int64_t c = (int64_t)(i / (size_t)inner) % C;
        want[i] = (float)(((double)xs[i] - mean[c]) / sqrt((double)var[c] + eps) * sc[c] + b[c]);
    }
    const struct oh_opts modes[] = {
        {.opset = opset, .reference = true, .const_mask = 31},
        {.opset = opset, .threads = 1, .const_mask = 31},
        {.opset = opset, .threads = 1, .const_mask = 1},
        {.opset = opset, .threads = 3, .const_mask = 1},
    };
    struct onr_tensor y[4];
    for (int m = 0; m < 4; m++) {
        struct onr_tensor *out[1] = {&y[m]};
        struct onr_error err = {{0}};
        memset(&y[m], 0, sizeof y[m]);
        enum onr_status st = oh_run(n, &modes[m], io->in, 5, out, 1, &err);
        if (st != ONR_STATUS_OK) {
            fprintf(stderr, "%s mode %d: %s %s\n", what, m, onr_status_name(st), err.message);
            onr_test_failures++;
            continue;
        }
        CHECK(onr_shape_equal(&y[m].shape, &x->shape));
        if (!onr_test_close(what, y[m].data, want, total, ONR_TEST_ATOL, ONR_TEST_RTOL))
            onr_test_failures++;
    }
    if (y[2].data && y[3].data && !onr_test_bitwise(what, y[3].data, y[2].data, total))
        onr_test_failures++;
    for (int m = 0; m < 4; m++) onr_tensor_free(&y[m]);
    free(want);
}

static void test_values(void)
{
    static const int64_t d4[4] = {2, 5, 3, 7}, d2[2] = {3, 9}, d3[3] = {2, 3, 11};
    static const int64_t d5[5] = {1, 4, 2, 3, 5}, big[4] = {1, 16, 48, 48};
    struct oh_node n;
    struct bn_io io;
    oh_node_init(&n, "BatchNormalization", "bn_1");
    make_io(&io, 4, d4, 1);
    expect_bn("rank 4", &n, 15, &io, 1e-5f);
    free_io(&io);
    make_io(&io, 2, d2, 2);
    expect_bn("rank 2", &n, 9, &io, 1e-5f);
    free_io(&io);
    make_io(&io, 3, d3, 3);
    expect_bn("rank 3", &n, 17, &io, 1e-5f);
    free_io(&io);
    make_io(&io, 5, d5, 4);
    expect_bn("rank 5", &n, 14, &io, 1e-5f);
    free_io(&io);
    make_io(&io, 4, big, 5); /* large enough to go parallel */
    expect_bn("1x16x48x48", &n, 13, &io, 1e-5f);
    free_io(&io);
    oh_node_free(&n);

    oh_node_init(&n, "BatchNormalization", "bn_eps");
    oh_attr_float(&n, "epsilon", 0.25f);
    oh_attr_float(&n, "momentum", 0.5f);
    make_io(&io, 4, d4, 6);
    expect_bn("epsilon 0.25", &n, 12, &io, 0.25f);
    free_io(&io);
    oh_node_free(&n);

    /* Opset 6: spatial, is_test and consumed_inputs are accepted. */
    static const int64_t consumed[2] = {0, 0};
    oh_node_init(&n, "BatchNormalization", "bn_old");
    oh_attr_int(&n, "spatial", 1);
    oh_attr_int(&n, "is_test", 1);
    oh_attr_ints(&n, "consumed_inputs", consumed, 2);
    make_io(&io, 4, d4, 7);
    expect_bn("opset 6", &n, 6, &io, 1e-5f);
    free_io(&io);
    oh_node_free(&n);
}

static void expect_error(const char *what, const struct oh_node *n, int64_t opset,
                         int rank, const int64_t *dims, int n_y, enum onr_status want)
{
    struct bn_io io;
    make_io(&io, rank, dims, 9);
    struct oh_opts o = {.opset = opset, .const_mask = 31};
    oh_expect_error(what, n, &o, io.in, 5, n_y, want);
    free_io(&io);
}

static void test_errors(void)
{
    static const int64_t d4[4] = {1, 3, 2, 2}, d1[1] = {3};
    const enum onr_status U = ONR_STATUS_UNSUPPORTED;
    struct oh_node n;
    oh_node_init(&n, "BatchNormalization", "bn_bad");
    expect_error("3 outputs", &n, 9, 4, d4, 3, U);
    expect_error("rank 1 X", &n, 9, 1, d1, 1, ONR_STATUS_SHAPE_MISMATCH);
    oh_attr_int(&n, "spatial", 0);
    expect_error("spatial 0", &n, 7, 4, d4, 1, U);
    oh_node_free(&n);

    oh_node_init(&n, "BatchNormalization", "bn_bad");
    oh_attr_int(&n, "training_mode", 1);
    expect_error("training_mode 1", &n, 14, 4, d4, 1, U);
    oh_node_free(&n);

    oh_node_init(&n, "BatchNormalization", "bn_bad");
    oh_attr_float(&n, "epsilon", -1.0f);
    expect_error("epsilon < 0", &n, 14, 4, d4, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    oh_node_init(&n, "BatchNormalization", "bn_bad");
    oh_attr_int(&n, "epsilon", 1);
    expect_error("epsilon as int", &n, 14, 4, d4, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);

    /* A scale of the wrong length; an int64 X. */
    oh_node_init(&n, "BatchNormalization", "bn_bad");
    struct bn_io io;
    make_io(&io, 4, d4, 10);
    static const int64_t c4[1] = {4};
    onr_tensor_free(&io.t[1]);
    oh_tensor_f32(&io.t[1], 1, c4, NULL);
    struct oh_opts o = {.opset = 15, .const_mask = 31};
    oh_expect_error("scale of 4 for C=3", &n, &o, io.in, 5, 1, ONR_STATUS_SHAPE_MISMATCH);
    struct onr_tensor xi = {0};
    CHECK_STATUS(onr_tensor_alloc(&xi, ONR_DTYPE_INT64, &io.t[0].shape, NULL), ONR_STATUS_OK);
    onr_tensor_free(&io.t[1]);
    oh_tensor_f32(&io.t[1], 1, d1, NULL);
    io.in[0] = &xi;
    oh_expect_error("int64 X", &n, &o, io.in, 5, 1, U);
    onr_tensor_free(&xi);
    free_io(&io);
    oh_node_free(&n);
}

int main(void)
{
    test_values();
    test_errors();
    printf("test_batchnormalization: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
