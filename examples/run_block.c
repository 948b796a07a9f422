/* Runs an ONNX test case with onnxrun's C API and checks it against the
 * stored reference: DIR/model.onnx on DIR/test_data_set_0/input_0.pb,
 * compared with DIR/test_data_set_0/output_0.pb (PyTorch's output).
 *
 *   run_block models/dwsep_32x64_64x64 [THREADS]
 *
 * Exits 0 when every element is within 1e-5 + 1e-4 * |reference|, 1 on a
 * mismatch, 2 on any error. Built against the installed library by
 * examples/CMakeLists.txt or with pkg-config:
 *   cc run_block.c $(pkg-config --cflags --libs onnxrun) -o run_block */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onnxrun.h>

static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    char *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)len + 1)) != NULL && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = len > 0 ? (size_t)len : 0;
    return buf;
}

static int read_tensor(const char *dir, const char *name, struct onr_tensor_ref *t,
                       struct onr_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/test_data_set_0/%s", dir, name);
    size_t size;
    void *bytes = read_file(path, &size);
    if (bytes == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    enum onr_status st = onr_tensor_parse_pb(bytes, size, t, err);
    free(bytes);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s: %s\n", path, onr_status_name(st), err->message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s TEST_CASE_DIR [THREADS]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    printf("onnxrun %s (header %s)\n", onr_version(), ONR_VERSION_STRING);

    struct onr_error err;
    struct onr_tensor_ref input, expected;
    if (read_tensor(dir, "input_0.pb", &input, &err) != 0) return 2;
    if (read_tensor(dir, "output_0.pb", &expected, &err) != 0) return 2;

    char path[4096];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    struct onr_model *model = NULL;
    struct onr_session *session = NULL;
    enum onr_status st = onr_model_load_file(path, &model, &err);
    if (st == ONR_STATUS_OK) {
        struct onr_session_options opt;
        onr_session_options_init(&opt);
        opt.threads = argc > 2 ? atoi(argv[2]) : 0;
        st = onr_session_create(model, &opt, &session, &err);
    }
    struct onr_tensor_ref in = input;
    in.name = NULL; /* by position: the model's first input */
    if (st == ONR_STATUS_OK) st = onr_session_run(session, &in, 1, &err);
    struct onr_tensor_ref out;
    if (st == ONR_STATUS_OK) st = onr_session_output(session, 0, &out);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "%s: %s: %s\n", path, onr_status_name(st), err.message);
        return 2;
    }

    int status = 0;
    if (out.dtype != ONR_DTYPE_FLOAT || out.nbytes != expected.nbytes) {
        fprintf(stderr, "output '%s': %zu bytes of %s, the reference has %zu bytes of %s\n",
                out.name, out.nbytes, onr_dtype_name(out.dtype), expected.nbytes,
                onr_dtype_name(expected.dtype));
        status = 1;
    } else {
        const float *y = out.data, *ref = expected.data;
        size_t n = out.nbytes / sizeof(float), bad = 0, worst = 0;
        double worst_excess = -1.0;
        for (size_t i = 0; i < n; i++) {
            double d = fabs((double)y[i] - ref[i]), tol = 1e-5 + 1e-4 * fabs(ref[i]);
            if (!(d <= tol)) bad++;
            if (d - tol > worst_excess) worst_excess = d - tol, worst = i;
        }
        printf("output '%s': %zu elements, %zu outside 1e-5 + 1e-4*|ref|; worst at %zu: %g vs %g\n",
               out.name, n, bad, worst, y[worst], ref[worst]);
        status = bad > 0;
    }
    printf("%s\n", status ? "MISMATCH" : "match");
    onr_session_free(session);
    onr_model_free(model);
    onr_tensor_ref_free(&input);
    onr_tensor_ref_free(&expected);
    return status;
}
