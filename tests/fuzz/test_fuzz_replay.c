/* Corpus replay and mutation without libFuzzer: each seed (a model built
 * here, plus model.onnx and test_data_set_0/<name>.pb files found under the
 * directories given as arguments, such as models/) must load, and every
 * truncation and deterministic bit-flip / byte-overwrite mutant of it must
 * come back as a status (with a message) or as a well-formed graph, without
 * crashing. Mutants sit in buffers of their exact size so AddressSanitizer
 * sees any over-read. A failure prints the seed and the mutant number. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_load.h"
#include "onnx/proto.h"
#include "testutil.h"

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int n_seeds, n_runs, status_count[16];

/* Runs fn on a copy of data[0..size) in a buffer of exactly that size. */
static int run_exact(fuzz_fn fn, const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL) return -1;
    if (size) memcpy(buf, data, size);
    int st = fn(buf, size);
    free(buf);
    n_runs++;
    if (st >= 0 && st < 16) status_count[st]++;
    return st;
}

static void mutate(uint8_t *m, size_t size)
{
    int edits = 1 + (int)(next() % 4);
    for (int e = 0; e < edits && size > 0; e++) {
        size_t at = (size_t)(next() % size);
        switch (next() % 4) {
        case 0: m[at] ^= (uint8_t)(1u << (next() % 8)); break;
        case 1: m[at] = (uint8_t[]){0x00, 0xff, 0x7f, 0x80}[next() % 4]; break;
        case 2: m[at] = (uint8_t)next(); break;
        default: /* a large varint where a length or count might be */
            for (size_t k = at; k < size && k < at + 5; k++) m[k] = k + 1 < at + 5 ? 0xff : 0x0f;
            break;
        }
    }
}

static void fuzz_seed(const char *label, const uint8_t *seed, size_t size, fuzz_fn fn)
{
    n_seeds++;
    if (run_exact(fn, seed, size) != ONR_STATUS_OK) {
        fprintf(stderr, "%s: the unmodified seed does not load\n", label);
        onr_test_failures++;
    }
    /* About 8 MB of parsing per seed. */
    size_t budget = size ? 8000000 / size : 1;
    size_t n = budget < 8 ? 8 : (budget > 3000 ? 3000 : budget);
    size_t n_cut = n < size ? n : size;
    for (size_t i = 0; i < n_cut; i++) {
        size_t len = size > n_cut ? (size_t)((double)i * (double)size / (double)n_cut) : i;
        if (run_exact(fn, seed, len) < 0) {
            fprintf(stderr, "%s: truncation to %zu bytes breaks an invariant\n", label, len);
            onr_test_failures++;
        }
    }
    uint8_t *m = malloc(size ? size : 1);
    for (size_t i = 0; i < n && m != NULL; i++) {
        memcpy(m, seed, size);
        mutate(m, size);
        if (run_exact(fn, m, size) < 0) {
            fprintf(stderr, "%s: mutant %zu breaks an invariant\n", label, i);
            onr_test_failures++;
        }
    }
    free(m);
}

static void fuzz_file(const char *path, fuzz_fn fn)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t size = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), f) : 0;
    fclose(f);
    if (buf) fuzz_seed(path, buf, size, fn);
    free(buf);
}

static int is_dir(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 && S_ISDIR(s.st_mode);
}

static int is_file(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 && S_ISREG(s.st_mode);
}

/* dir/model.onnx and dir/test_data_set_0/<name>.pb, or the same one level
 * down. */
static void fuzz_dir(const char *dir, int depth)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    if (is_file(path)) {
        fuzz_file(path, onr_fuzz_model);
        snprintf(path, sizeof path, "%s/test_data_set_0", dir);
        DIR *d = opendir(path);
        for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
            size_t len = strlen(e->d_name);
            if (len < 3 || strcmp(e->d_name + len - 3, ".pb") != 0) continue;
            char pb[1400];
            snprintf(pb, sizeof pb, "%s/%s", path, e->d_name);
            fuzz_file(pb, onr_fuzz_tensor);
        }
        if (d) closedir(d);
        return;
    }
    DIR *d = opendir(dir);
    for (struct dirent *e; depth == 0 && d != NULL && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (is_dir(path)) fuzz_dir(path, 1);
    }
    if (d) closedir(d);
}

/* A seed that is always there: Conv (with attributes, raw and typed
 * initializers, a symbolic dim) followed by Relu. */
static void fuzz_builtin(void)
{
    static float w[2 * 1 * 3 * 3], bias[2] = {0.5f, -0.5f};
    static int64_t w_dims[4] = {2, 1, 3, 3}, b_dims[1] = {2}, pads[4] = {1, 1, 1, 1};
    for (int i = 0; i < 18; i++) w[i] = (float)i - 9.0f;
    Onnx__TensorProto ts[2] = {ONNX__TENSOR_PROTO__INIT, ONNX__TENSOR_PROTO__INIT};
    ts[0].name = "w", ts[0].has_data_type = 1, ts[0].data_type = ONR_DTYPE_FLOAT;
    ts[0].n_dims = 4, ts[0].dims = w_dims, ts[0].has_raw_data = 1;
    ts[0].raw_data.len = sizeof w, ts[0].raw_data.data = (uint8_t *)w;
    ts[1].name = "b", ts[1].has_data_type = 1, ts[1].data_type = ONR_DTYPE_FLOAT;
    ts[1].n_dims = 1, ts[1].dims = b_dims, ts[1].n_float_data = 2, ts[1].float_data = bias;
    Onnx__TensorProto *tp[2] = {&ts[0], &ts[1]};
    Onnx__AttributeProto at = ONNX__ATTRIBUTE_PROTO__INIT, *ap[1] = {&at};
    at.name = "pads", at.has_type = 1, at.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    at.n_ints = 4, at.ints = pads;
    char *conv_in[3] = {"x", "w", "b"}, *conv_out[1] = {"y"}, *relu_out[1] = {"z"};
    Onnx__NodeProto nodes[2] = {ONNX__NODE_PROTO__INIT, ONNX__NODE_PROTO__INIT};
    nodes[0].op_type = "Conv", nodes[0].name = "conv", nodes[0].n_input = 3;
    nodes[0].input = conv_in, nodes[0].n_output = 1, nodes[0].output = conv_out;
    nodes[0].n_attribute = 1, nodes[0].attribute = ap;
    nodes[1].op_type = "Relu", nodes[1].n_input = 1, nodes[1].input = conv_out;
    nodes[1].n_output = 1, nodes[1].output = relu_out;
    Onnx__NodeProto *np[2] = {&nodes[0], &nodes[1]};
    Onnx__TensorShapeProto__Dimension dims[4], *dp[4];
    for (int i = 0; i < 4; i++) {
        dims[i] = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        dims[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        dims[i].dim_value = i == 1 ? 1 : 6;
        dp[i] = &dims[i];
    }
    dims[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
    dims[0].dim_param = "N";
    Onnx__TensorShapeProto shape = ONNX__TENSOR_SHAPE_PROTO__INIT;
    shape.n_dim = 4, shape.dim = dp;
    Onnx__TypeProto__Tensor tt = ONNX__TYPE_PROTO__TENSOR__INIT;
    tt.has_elem_type = 1, tt.elem_type = ONR_DTYPE_FLOAT, tt.shape = &shape;
    Onnx__TypeProto ty = ONNX__TYPE_PROTO__INIT;
    ty.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, ty.tensor_type = &tt;
    Onnx__ValueInfoProto vi[2] = {ONNX__VALUE_INFO_PROTO__INIT, ONNX__VALUE_INFO_PROTO__INIT};
    vi[0].name = "x", vi[0].type = &ty, vi[1].name = "z";
    Onnx__ValueInfoProto *in[1] = {&vi[0]}, *out[1] = {&vi[1]};
    Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
    g.n_node = 2, g.node = np, g.n_initializer = 2, g.initializer = tp;
    g.n_input = 1, g.input = in, g.n_output = 1, g.output = out;
    Onnx__OperatorSetIdProto op = ONNX__OPERATOR_SET_ID_PROTO__INIT, *ops[1] = {&op};
    op.domain = "", op.has_version = 1, op.version = 13;
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    m.has_ir_version = 1, m.ir_version = 8, m.graph = &g;
    m.n_opset_import = 1, m.opset_import = ops;
    size_t size = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = malloc(size);
    onnx__model_proto__pack(&m, buf);
    fuzz_seed("built-in Conv+Relu model", buf, size, onr_fuzz_model);
    free(buf);
    size = onnx__tensor_proto__get_packed_size(&ts[0]);
    buf = malloc(size);
    onnx__tensor_proto__pack(&ts[0], buf);
    fuzz_seed("built-in tensor", buf, size, onr_fuzz_tensor);
    free(buf);
}

int main(int argc, char **argv)
{
    fuzz_builtin();
    for (int i = 1; i < argc; i++) fuzz_dir(argv[i], 0);
    printf("%d seeds, %d runs:", n_seeds, n_runs);
    for (int s = 0; s < 16; s++)
        if (status_count[s]) printf(" %s %d", onr_status_name((enum onr_status)s), status_count[s]);
    printf("\n");
    CHECK(status_count[ONR_STATUS_OK] >= n_seeds);
    CHECK(status_count[ONR_STATUS_PARSE] > 0);
    if (onr_test_failures) fprintf(stderr, "test_fuzz_replay: %d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
