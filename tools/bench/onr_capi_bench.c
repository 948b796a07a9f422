/* Times onnxrun through its C library (include/onnxrun.h), for
 * tools/bench/compare, by the same loop as ort_capi_bench.c (bench_loop.h):
 * the model loaded and the session created once (default passes, T
 * threads), the input a buffer this program owns, and each timed run one
 * onr_session_run call. onnxrun keeps its outputs in the session's own
 * memory (onr_session_output), so there is no output buffer to pass; the
 * first output is copied out after the last run.
 *
 * Build (compare does it, against the library of build-bench):
 *   gcc -O2 -Iinclude tools/bench/onr_capi_bench.c build-bench/libonnxrun.a \
 *       -lprotobuf-c -fopenmp -lm -o build-bench/onr_capi_bench
 * Usage: onr_capi_bench MODEL INPUT.bin DIMS THREADS OUT.bin
 *            [--warmup S] [--warmup-runs N] [--seconds S] [--min-runs N] [--rounds R]
 *   (the arguments of ort_capi_bench.c, less the library)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_loop.h"
#include "onnxrun.h"

struct ctx {
    struct onr_session *session;
    struct onr_tensor_ref input;
    struct onr_error err;
};

static int run_once(void *p)
{
    struct ctx *c = p;
    enum onr_status st = onr_session_run(c->session, &c->input, 1, &c->err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "onr_capi_bench: run: %s: %s\n", onr_status_name(st), c->err.message);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct bench_params bp;
    bench_params_init(&bp);
    const char *pos[5];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        int r = bench_parse_option(argc, argv, &i, &bp);
        if (r < 0 || (r == 0 && (strncmp(argv[i], "--", 2) == 0 || npos == 5))) {
            npos = -1;
            break;
        }
        if (r == 0)
            pos[npos++] = argv[i];
    }
    if (npos != 5) {
        fprintf(stderr, "usage: onr_capi_bench MODEL INPUT.bin DIMS THREADS OUT.bin "
                        "[--warmup S] [--warmup-runs N] [--seconds S] [--min-runs N] "
                        "[--rounds R]\n");
        return 2;
    }
    const char *model_path = pos[0], *in_path = pos[1], *out_path = pos[4];
    int threads = atoi(pos[3]);
    long long dims[ONR_MAX_RANK];
    int rank = bench_parse_dims(pos[2], dims, ONR_MAX_RANK);
    if (rank <= 0 || threads < 1) {
        fprintf(stderr, "onr_capi_bench: bad DIMS '%s' or THREADS '%s'\n", pos[2], pos[3]);
        return 2;
    }
    printf("version: onnxrun %s (C library)\n", ONR_VERSION_STRING);

    struct ctx c;
    memset(&c, 0, sizeof c);
    size_t numel = 1;
    c.input.dtype = ONR_DTYPE_FLOAT;
    c.input.rank = rank;
    for (int i = 0; i < rank; i++) {
        c.input.dims[i] = dims[i];
        numel *= (size_t)dims[i];
    }
    float *in_buf = malloc(numel * sizeof(float));
    if (in_buf == NULL || bench_read_raw(in_path, in_buf, numel * sizeof(float)) != 0) {
        fprintf(stderr, "onr_capi_bench: %s: cannot read %zu float32 values (shape %s)\n",
                in_path, numel, pos[2]);
        return 1;
    }
    c.input.data = in_buf;
    c.input.nbytes = numel * sizeof(float);

    struct onr_model *model = NULL;
    struct onr_tensor_ref in_desc;
    enum onr_status st = onr_model_load_file(model_path, &model, &c.err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "onr_capi_bench: %s: %s: %s\n", model_path, onr_status_name(st),
                c.err.message);
        return 1;
    }
    if (onr_model_input_count(model) != 1 || onr_model_input(model, 0, &in_desc) != ONR_STATUS_OK) {
        fprintf(stderr, "onr_capi_bench: %s: expected one input\n", model_path);
        return 1;
    }
    c.input.name = in_desc.name;
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = threads;
    /* The input's shape, for models whose batch dim is symbolic. */
    opt.n_input_shapes = 1;
    opt.input_shapes = &c.input;
    st = onr_session_create(model, &opt, &c.session, &c.err);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "onr_capi_bench: %s: %s: %s\n", model_path, onr_status_name(st),
                c.err.message);
        return 1;
    }

    if (bench_loop(&bp, run_once, &c) != 0)
        return 1;

    struct onr_tensor_ref out;
    st = onr_session_output(c.session, 0, &out);
    if (st != ONR_STATUS_OK || out.dtype != ONR_DTYPE_FLOAT) {
        fprintf(stderr, "onr_capi_bench: no float output 0 (%s)\n", onr_status_name(st));
        return 1;
    }
    printf("output: %s ", out.name ? out.name : "?");
    for (int i = 0; i < out.rank; i++)
        printf("%s%lld", i ? "x" : "", (long long)out.dims[i]);
    printf("\n");
    if (bench_write_raw(out_path, out.data, out.nbytes) != 0) {
        fprintf(stderr, "onr_capi_bench: cannot write %s\n", out_path);
        return 1;
    }
    onr_session_free(c.session);
    onr_model_free(model);
    free(in_buf);
    return 0;
}
