/* Dropout and Cast through their hooks.
 * Dropout: y = x, the mask all ones (bool from opset 10, x's dtype before),
 * training_mode=true refused (at prepare when constant, from run when not).
 * Cast: truncation, NaN and saturation of floats to integers, wrap-around
 * to narrower integers, bool both ways, int64 -> float rounding, the
 * opset 1 string form of `to`, float16 exhaustively (every half survives
 * half -> float -> half) and at rounding ties, and unsupported types. */
#include <math.h>

#include "shapeops_util.h"

static void test_dropout(void)
{
    const int64_t dims[2] = {3, 5};
    struct onr_tensor x, r, t, ys[2], *y[2] = {&ys[0], &ys[1]};
    so_tensor(&x, ONR_DTYPE_FLOAT, 2, dims, NULL);
    onr_test_fill(x.data, 15, 3, -2, 2);
    const int64_t sc[1] = {1};
    float ratio = 0.5f;
    so_tensor(&r, ONR_DTYPE_FLOAT, 0, sc, &ratio);
    const uint8_t on = 1, off = 0;
    so_tensor(&t, ONR_DTYPE_BOOL, 0, sc, &off);
    struct onr_tensor *in[3] = {&x, &r, &t};
    struct oh_node n;
    oh_node_init(&n, "Dropout", "drop_1");
    const int64_t opsets[3] = {7, 12, 13};
    for (int k = 0; k < 3; k++) {
        memset(ys, 0, sizeof ys);
        struct oh_opts o = {.opset = opsets[k], .const_mask = 6u};
        struct onr_error err = {{0}};
        const int n_in = opsets[k] >= 12 ? 3 : 1;
        enum onr_status st = oh_run(&n, &o, in, n_in, y, 2, &err);
        CHECK_STATUS(st, ONR_STATUS_OK);
        if (st == ONR_STATUS_OK) {
            CHECK(memcmp(ys[0].data, x.data, x.nbytes) == 0 && onr_shape_equal(&ys[0].shape, &x.shape));
            const bool is_bool = opsets[k] >= 10;
            CHECK(ys[1].dtype == (is_bool ? ONR_DTYPE_BOOL : ONR_DTYPE_FLOAT));
            CHECK(onr_shape_equal(&ys[1].shape, &x.shape));
            for (int i = 0; i < 15; i++)
                CHECK(is_bool ? ((uint8_t *)ys[1].data)[i] == 1 : ((float *)ys[1].data)[i] == 1.0f);
        }
        onr_tensor_free(&ys[0]), onr_tensor_free(&ys[1]);
    }
    memcpy(t.data, &on, 1);
    struct oh_opts at_prepare = {.opset = 13, .const_mask = 6u}, at_run = {.opset = 13, .const_mask = 2u};
    oh_expect_error("training_mode constant true", &n, &at_prepare, in, 3, 1, ONR_STATUS_UNSUPPORTED);
    oh_expect_error("training_mode true at run", &n, &at_run, in, 3, 1, ONR_STATUS_UNSUPPORTED);
    oh_node_free(&n);
    onr_tensor_free(&x), onr_tensor_free(&r), onr_tensor_free(&t);
}

/* Casts n elements of `from` to `to` (opset 13) and compares the bytes. */
static void cast(const char *what, enum onr_dtype from, const void *xv, int n, enum onr_dtype to,
                 const void *want)
{
    const int64_t dims[1] = {n};
    struct onr_tensor x, y;
    so_tensor(&x, from, 1, dims, xv);
    struct oh_node nd;
    oh_node_init(&nd, "Cast", "cast_1");
    oh_attr_int(&nd, "to", to);
    struct onr_tensor *in[1] = {&x};
    if (so_run(what, &nd, 13, 0u, in, 1, &y)) so_expect(what, &y, to, 1, dims, want);
    onr_tensor_free(&y), onr_tensor_free(&x), oh_node_free(&nd);
}

static void test_cast_values(void)
{
    const float f[7] = {1.9f, -1.9f, 0.5f, -0.0f, NAN, 1e30f, -1e30f};
    cast("float to int64", ONR_DTYPE_FLOAT, f, 7, ONR_DTYPE_INT64,
         (const int64_t[]){1, -1, 0, 0, 0, INT64_MAX, INT64_MIN});
    cast("float to int32", ONR_DTYPE_FLOAT, f, 4, ONR_DTYPE_INT32, (const int32_t[]){1, -1, 0, 0});
    cast("float to bool", ONR_DTYPE_FLOAT, (const float[]){0.0f, -0.0f, 2.0f, NAN, -1e-30f}, 5,
         ONR_DTYPE_BOOL, (const uint8_t[]){0, 0, 1, 1, 1});
    cast("float to uint8", ONR_DTYPE_FLOAT, (const float[]){-1.0f, 255.9f, 256.0f}, 3, ONR_DTYPE_UINT8,
         (const uint8_t[]){255, 255, 0});
    cast("float to double", ONR_DTYPE_FLOAT, (const float[]){0.1f, -3.5f}, 2, ONR_DTYPE_DOUBLE,
         (const double[]){(double)0.1f, -3.5});
    cast("double to float", ONR_DTYPE_DOUBLE, (const double[]){0.1, 1e300}, 2, ONR_DTYPE_FLOAT,
         (const float[]){0.1f, INFINITY});
    const int64_t big = ((int64_t)1 << 53) + 1;
    cast("int64 to float", ONR_DTYPE_INT64, (const int64_t[]){big, -3, 0}, 3, ONR_DTYPE_FLOAT,
         (const float[]){9007199254740992.0f, -3.0f, 0.0f});
    cast("int64 to int32 wraps", ONR_DTYPE_INT64, (const int64_t[]){((int64_t)1 << 32) + 5, -1}, 2,
         ONR_DTYPE_INT32, (const int32_t[]){5, -1});
    cast("int32 to int64", ONR_DTYPE_INT32, (const int32_t[]){INT32_MIN, 7}, 2, ONR_DTYPE_INT64,
         (const int64_t[]){INT32_MIN, 7});
    cast("bool to float", ONR_DTYPE_BOOL, (const uint8_t[]){0, 1}, 2, ONR_DTYPE_FLOAT,
         (const float[]){0.0f, 1.0f});
    cast("uint64 to float", ONR_DTYPE_UINT64, (const uint64_t[]){UINT64_MAX}, 1, ONR_DTYPE_FLOAT,
         (const float[]){18446744073709551616.0f});
    cast("int64 to bool", ONR_DTYPE_INT64, (const int64_t[]){0, INT64_MIN}, 2, ONR_DTYPE_BOOL,
         (const uint8_t[]){0, 1});
    /* float16: ties to even, overflow, subnormals, signed zero, inf. */
    const float h_in[11] = {1.0f + 0x1p-11f, 1.0f + 0x3p-11f, 65504.0f, 65520.0f, 0x1p-24f,
                            0x1p-25f, 0x3p-26f, 0x1p-14f, -0.0f, -INFINITY, 65519.0f};
    cast("float to float16", ONR_DTYPE_FLOAT, h_in, 11, ONR_DTYPE_FLOAT16,
         (const uint16_t[]){0x3C00, 0x3C02, 0x7BFF, 0x7C00, 0x0001, 0x0000, 0x0001, 0x0400, 0x8000,
                            0xFC00, 0x7BFF});
}

/* Every non-NaN half survives half -> float -> half; NaN stays NaN. */
static void test_float16_roundtrip(void)
{
    const int64_t dims[1] = {65536};
    struct onr_tensor h, f, back;
    so_tensor(&h, ONR_DTYPE_FLOAT16, 1, dims, NULL);
    for (int i = 0; i < 65536; i++) ((uint16_t *)h.data)[i] = (uint16_t)i;
    struct oh_node to_f, to_h;
    oh_node_init(&to_f, "Cast", "to_float");
    oh_attr_int(&to_f, "to", ONR_DTYPE_FLOAT);
    oh_node_init(&to_h, "Cast", "to_half");
    oh_attr_int(&to_h, "to", ONR_DTYPE_FLOAT16);
    struct onr_tensor *in[1] = {&h};
    if (so_run("half to float", &to_f, 13, 0u, in, 1, &f)) {
        const float *fv = f.data;
        CHECK(fv[0x3C00] == 1.0f && fv[0xC000] == -2.0f && fv[0x0001] == 0x1p-24f &&
              fv[0x7BFF] == 65504.0f && isinf(fv[0x7C00]) && isnan(fv[0x7E00]));
        in[0] = &f;
        if (so_run("float to half", &to_h, 13, 0u, in, 1, &back)) {
            int bad = 0;
            for (int i = 0; i < 65536; i++) {
                const uint16_t got = ((uint16_t *)back.data)[i];
                const bool nan = (i & 0x7C00) == 0x7C00 && (i & 0x3FF);
                if (nan ? !((got & 0x7C00) == 0x7C00 && (got & 0x3FF)) : got != i) bad++;
            }
            if (bad) fprintf(stderr, "float16 round trip: %d halves changed\n", bad);
            CHECK(bad == 0);
        }
        onr_tensor_free(&back);
    }
    onr_tensor_free(&f), onr_tensor_free(&h), oh_node_free(&to_f), oh_node_free(&to_h);
}

static void test_cast_forms(void)
{
    const int64_t dims[1] = {3};
    struct onr_tensor x, y;
    const float xv[3] = {2.5f, -2.5f, 7.0f};
    so_tensor(&x, ONR_DTYPE_FLOAT, 1, dims, xv);
    struct onr_tensor *in[1] = {&x};
    struct oh_node n;
    oh_node_init(&n, "Cast", "cast_old");
    oh_attr_string(&n, "to", "INT64");
    if (so_run("cast opset 1 string", &n, 1, 0u, in, 1, &y))
        so_expect("cast opset 1 string", &y, ONR_DTYPE_INT64, 1, dims, (const int64_t[]){2, -2, 7});
    onr_tensor_free(&y), oh_node_free(&n);
    struct oh_opts o = {.opset = 13};
    const int64_t bad_to[3] = {ONR_DTYPE_STRING, 16, 99};
    for (int i = 0; i < 3; i++) {
        oh_node_init(&n, "Cast", "cast_bad");
        oh_attr_int(&n, "to", bad_to[i]);
        oh_expect_error("cast to unsupported", &n, &o, in, 1, 1, ONR_STATUS_UNSUPPORTED);
        oh_node_free(&n);
    }
    oh_node_init(&n, "Cast", "cast_no_to");
    oh_expect_error("cast without to", &n, &o, in, 1, 1, ONR_STATUS_INVALID_MODEL);
    oh_node_free(&n);
    onr_tensor_free(&x);
}

int main(void)
{
    test_dropout();
    test_cast_values();
    test_float16_roundtrip();
    test_cast_forms();
    if (onr_test_failures) fprintf(stderr, "test_dropout_cast: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
