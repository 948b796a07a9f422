/* Times ONNX Runtime through its C API, for tools/bench/compare.
 *
 * It dlopen()s the libonnxruntime.so.1 that ships inside the npm package
 * onnxruntime-node (no ONNX Runtime headers or import library are needed),
 * creates a session as a C user would (ORT_ENABLE_ALL, intra-op threads T,
 * inter-op 1, sequential), creates the input and output OrtValues once over
 * buffers this program owns, and times OrtApi::Run with that preallocated
 * output by the loop in bench_loop.h (the same loop onr_capi_bench.c uses).
 *
 * Build: gcc -O2 tools/bench/ort_capi_bench.c -ldl -o build-bench/ort_capi_bench
 * Usage: ort_capi_bench LIBONNXRUNTIME MODEL INPUT.bin DIMS THREADS OUT.bin
 *            [--warmup S] [--warmup-runs N] [--seconds S] [--min-runs N] [--rounds R]
 *            [--profile PREFIX]
 *   INPUT.bin  raw little-endian float32 data of the model's only input
 *   DIMS       its shape, e.g. 1x3x224x224
 *   OUT.bin    receives the first output as raw float32 (from the last run)
 *   --profile  ORT's own per-node trace (PREFIX_<date>.json, written when the
 *              session is released), for tools/bench/ort_profile_split.py;
 *              its timing lines then include the profiler's cost
 * Prints "version", "output NAME DIMS", "warmup" and one "round" line per
 * round (bench_loop.h). Exit status 1 on any failure, with ORT's message.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_loop.h"

/* ---- The part of ONNX Runtime's C API used here ----
 * Written from the public header include/onnxruntime/core/session/
 * onnxruntime_c_api.h (microsoft/onnxruntime). struct OrtApi is a table of
 * function pointers that only ever grows at its end, so the prefix below
 * (slots 0..100, counted from the header of API version 13) has the same
 * layout in every later release, 1.30 included; the slots not used here are
 * opaque. The enum values are the header's. */
typedef struct OrtStatus OrtStatus;
typedef struct OrtEnv OrtEnv;
typedef struct OrtSession OrtSession;
typedef struct OrtSessionOptions OrtSessionOptions;
typedef struct OrtValue OrtValue;
typedef struct OrtMemoryInfo OrtMemoryInfo;
typedef struct OrtTypeInfo OrtTypeInfo;
typedef struct OrtTensorTypeAndShapeInfo OrtTensorTypeAndShapeInfo;
typedef struct OrtAllocator OrtAllocator;

enum { ORT_LOGGING_LEVEL_WARNING = 2 };
enum { ORT_ENABLE_ALL = 99 };
enum { ORT_SEQUENTIAL = 0 };
enum { OrtDeviceAllocator = 0 };
enum { OrtMemTypeDefault = 0 };
enum { ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT = 1 };
#define ORT_API_VERSION_USED 13

struct OrtApiPrefix {
    OrtStatus *(*CreateStatus)(int code, const char *msg);                     /* 0 */
    int (*GetErrorCode)(const OrtStatus *status);                               /* 1 */
    const char *(*GetErrorMessage)(const OrtStatus *status);                    /* 2 */
    OrtStatus *(*CreateEnv)(int log_severity_level, const char *logid, OrtEnv **out); /* 3 */
    void *slots_4_6[3]; /* CreateEnvWithCustomLogger, Enable/DisableTelemetryEvents */
    OrtStatus *(*CreateSession)(const OrtEnv *env, const char *model_path,
                                const OrtSessionOptions *options, OrtSession **out); /* 7 */
    void *slot_8; /* CreateSessionFromArray */
    OrtStatus *(*Run)(OrtSession *session, const void *run_options,
                      const char *const *input_names, const OrtValue *const *inputs,
                      size_t input_len, const char *const *output_names,
                      size_t output_names_len, OrtValue **outputs);            /* 9 */
    OrtStatus *(*CreateSessionOptions)(OrtSessionOptions **options);           /* 10 */
    void *slots_11_12[2]; /* SetOptimizedModelFilePath, CloneSessionOptions */
    OrtStatus *(*SetSessionExecutionMode)(OrtSessionOptions *options, int mode); /* 13 */
    OrtStatus *(*EnableProfiling)(OrtSessionOptions *options, const char *prefix); /* 14 */
    void *slots_15_22[8]; /* DisableProfiling, mem pattern, CPU arena, log settings */
    OrtStatus *(*SetSessionGraphOptimizationLevel)(OrtSessionOptions *options,
                                                   int level);                  /* 23 */
    OrtStatus *(*SetIntraOpNumThreads)(OrtSessionOptions *options, int n);     /* 24 */
    OrtStatus *(*SetInterOpNumThreads)(OrtSessionOptions *options, int n);     /* 25 */
    void *slots_26_29[4]; /* custom op domains, RegisterCustomOpsLibrary */
    OrtStatus *(*SessionGetInputCount)(const OrtSession *session, size_t *out);  /* 30 */
    OrtStatus *(*SessionGetOutputCount)(const OrtSession *session, size_t *out); /* 31 */
    void *slots_32_35[4]; /* overridable initializer count, type infos */
    OrtStatus *(*SessionGetInputName)(const OrtSession *session, size_t index,
                                      OrtAllocator *allocator, char **value);  /* 36 */
    OrtStatus *(*SessionGetOutputName)(const OrtSession *session, size_t index,
                                       OrtAllocator *allocator, char **value); /* 37 */
    void *slots_38_48[11]; /* overridable initializer name, run options, CreateTensorAsOrtValue */
    OrtStatus *(*CreateTensorWithDataAsOrtValue)(const OrtMemoryInfo *info, void *p_data,
                                                 size_t p_data_len, const int64_t *shape,
                                                 size_t shape_len, int type,
                                                 OrtValue **out);               /* 49 */
    void *slot_50; /* IsTensor */
    OrtStatus *(*GetTensorMutableData)(OrtValue *value, void **out);            /* 51 */
    void *slots_52_60[9]; /* string tensors, type info casts, shape info setters, element type */
    OrtStatus *(*GetDimensionsCount)(const OrtTensorTypeAndShapeInfo *info, size_t *out); /* 61 */
    OrtStatus *(*GetDimensions)(const OrtTensorTypeAndShapeInfo *info, int64_t *dims,
                                size_t n);                                      /* 62 */
    void *slots_63_64[2]; /* GetSymbolicDimensions, GetTensorShapeElementCount */
    OrtStatus *(*GetTensorTypeAndShape)(const OrtValue *value,
                                        OrtTensorTypeAndShapeInfo **out);      /* 65 */
    void *slots_66_68[3]; /* GetTypeInfo, GetValueType, CreateMemoryInfo */
    OrtStatus *(*CreateCpuMemoryInfo)(int allocator_type, int mem_type,
                                      OrtMemoryInfo **out);                     /* 69 */
    void *slots_70_75[6]; /* memory info queries, AllocatorAlloc */
    OrtStatus *(*AllocatorFree)(OrtAllocator *allocator, void *p);              /* 76 */
    void *slot_77; /* AllocatorGetInfo */
    OrtStatus *(*GetAllocatorWithDefaultOptions)(OrtAllocator **out);           /* 78 */
    void *slots_79_91[13]; /* free dims, non-tensor values, custom-op kernel helpers */
    void (*ReleaseEnv)(OrtEnv *p);                                              /* 92 */
    void (*ReleaseStatus)(OrtStatus *p);                                        /* 93 */
    void (*ReleaseMemoryInfo)(OrtMemoryInfo *p);                                /* 94 */
    void (*ReleaseSession)(OrtSession *p);                                      /* 95 */
    void (*ReleaseValue)(OrtValue *p);                                          /* 96 */
    void *slot_97; /* ReleaseRunOptions */
    void *slot_98; /* ReleaseTypeInfo */
    void (*ReleaseTensorTypeAndShapeInfo)(OrtTensorTypeAndShapeInfo *p);        /* 99 */
    void (*ReleaseSessionOptions)(OrtSessionOptions *p);                        /* 100 */
};

/* The slot numbers above, checked by the compiler against the layout. */
#define SLOT(f) (offsetof(struct OrtApiPrefix, f) / sizeof(void *))
_Static_assert(SLOT(CreateSession) == 7 && SLOT(Run) == 9 && SLOT(EnableProfiling) == 14,
               "OrtApi slots");
_Static_assert(SLOT(SetSessionGraphOptimizationLevel) == 23 && SLOT(SessionGetInputName) == 36,
               "OrtApi slots");
_Static_assert(SLOT(CreateTensorWithDataAsOrtValue) == 49 && SLOT(GetDimensions) == 62,
               "OrtApi slots");
_Static_assert(SLOT(CreateCpuMemoryInfo) == 69 && SLOT(GetAllocatorWithDefaultOptions) == 78,
               "OrtApi slots");
_Static_assert(SLOT(ReleaseEnv) == 92 && SLOT(ReleaseSessionOptions) == 100, "OrtApi slots");

struct OrtApiBase {
    const struct OrtApiPrefix *(*GetApi)(uint32_t version);
    const char *(*GetVersionString)(void);
};

/* ---- the benchmark ---- */
static const struct OrtApiPrefix *ort;

/* Prints ORT's message for a failed call and returns 1; 0 for success. */
static int failed(OrtStatus *st, const char *what)
{
    if (st == NULL)
        return 0;
    fprintf(stderr, "ort_capi_bench: %s: %s (code %d)\n", what, ort->GetErrorMessage(st),
            ort->GetErrorCode(st));
    ort->ReleaseStatus(st);
    return 1;
}

struct ctx {
    OrtSession *session;
    const char *in_name, *out_name;
    OrtValue *input, *output;
};

static int run_once(void *p)
{
    struct ctx *c = p;
    const OrtValue *inputs[1] = {c->input};
    return failed(ort->Run(c->session, NULL, &c->in_name, inputs, 1, &c->out_name, 1, &c->output),
                  "Run");
}

/* The API table's slot layout is checked at run time too: a status made by
 * CreateStatus must read back through GetErrorCode/GetErrorMessage. */
static int check_table(void)
{
    OrtStatus *st = ort->CreateStatus(2 /* ORT_INVALID_ARGUMENT */, "slot check");
    int ok = st != NULL && ort->GetErrorCode(st) == 2 &&
             strcmp(ort->GetErrorMessage(st), "slot check") == 0;
    if (st != NULL)
        ort->ReleaseStatus(st);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct bench_params bp;
    bench_params_init(&bp);
    const char *pos[6], *profile = NULL;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
            profile = argv[++i];
            continue;
        }
        int r = bench_parse_option(argc, argv, &i, &bp);
        if (r < 0 || (r == 0 && (strncmp(argv[i], "--", 2) == 0 || npos == 6))) {
            npos = -1;
            break;
        }
        if (r == 0)
            pos[npos++] = argv[i];
    }
    if (npos != 6) {
        fprintf(stderr, "usage: ort_capi_bench LIBONNXRUNTIME MODEL INPUT.bin DIMS THREADS OUT.bin "
                        "[--warmup S] [--warmup-runs N] [--seconds S] [--min-runs N] "
                        "[--rounds R] [--profile PREFIX]\n");
        return 2;
    }
    const char *lib = pos[0], *model = pos[1], *in_path = pos[2], *out_path = pos[5];
    int threads = atoi(pos[4]);
    long long dims_ll[8];
    int rank = bench_parse_dims(pos[3], dims_ll, 8);
    if (rank <= 0 || threads < 1) {
        fprintf(stderr, "ort_capi_bench: bad DIMS '%s' or THREADS '%s'\n", pos[3], pos[4]);
        return 2;
    }

    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "ort_capi_bench: dlopen %s: %s\n", lib, dlerror());
        return 1;
    }
    const struct OrtApiBase *(*get_base)(void) =
        (const struct OrtApiBase *(*)(void))dlsym(h, "OrtGetApiBase");
    const struct OrtApiBase *base = get_base ? get_base() : NULL;
    ort = base ? base->GetApi(ORT_API_VERSION_USED) : NULL;
    if (ort == NULL || check_table() != 0) {
        fprintf(stderr, "ort_capi_bench: %s: no OrtApi version %d, or its table is not the "
                        "expected one\n", lib, ORT_API_VERSION_USED);
        return 1;
    }
    printf("version: onnxruntime %s (C API, OrtApi version %d)\n", base->GetVersionString(),
           ORT_API_VERSION_USED);

    int64_t in_dims[8];
    size_t in_numel = 1;
    for (int i = 0; i < rank; i++) {
        in_dims[i] = dims_ll[i];
        in_numel *= (size_t)dims_ll[i];
    }
    float *in_buf = malloc(in_numel * sizeof(float));
    if (in_buf == NULL || bench_read_raw(in_path, in_buf, in_numel * sizeof(float)) != 0) {
        fprintf(stderr, "ort_capi_bench: %s: cannot read %zu float32 values (shape %s)\n",
                in_path, in_numel, pos[3]);
        return 1;
    }

    OrtEnv *env = NULL;
    OrtSessionOptions *so = NULL;
    OrtMemoryInfo *mem = NULL;
    OrtAllocator *alloc = NULL;
    struct ctx c = {0};
    char *in_name = NULL, *out_name = NULL;
    size_t n_in = 0, n_out = 0;
    if (failed(ort->CreateEnv(ORT_LOGGING_LEVEL_WARNING, "bench", &env), "CreateEnv") ||
        failed(ort->CreateSessionOptions(&so), "CreateSessionOptions") ||
        failed(ort->SetSessionGraphOptimizationLevel(so, ORT_ENABLE_ALL), "optimization level") ||
        failed(ort->SetIntraOpNumThreads(so, threads), "SetIntraOpNumThreads") ||
        failed(ort->SetInterOpNumThreads(so, 1), "SetInterOpNumThreads") ||
        failed(ort->SetSessionExecutionMode(so, ORT_SEQUENTIAL), "SetSessionExecutionMode") ||
        (profile != NULL && failed(ort->EnableProfiling(so, profile), "EnableProfiling")) ||
        failed(ort->CreateSession(env, model, so, &c.session), "CreateSession") ||
        failed(ort->SessionGetInputCount(c.session, &n_in), "SessionGetInputCount") ||
        failed(ort->SessionGetOutputCount(c.session, &n_out), "SessionGetOutputCount"))
        return 1;
    if (n_in != 1 || n_out < 1) {
        fprintf(stderr, "ort_capi_bench: %s: %zu inputs, %zu outputs; expected 1 input\n", model,
                n_in, n_out);
        return 1;
    }
    if (failed(ort->GetAllocatorWithDefaultOptions(&alloc), "GetAllocatorWithDefaultOptions") ||
        failed(ort->SessionGetInputName(c.session, 0, alloc, &in_name), "SessionGetInputName") ||
        failed(ort->SessionGetOutputName(c.session, 0, alloc, &out_name), "SessionGetOutputName") ||
        failed(ort->CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &mem),
               "CreateCpuMemoryInfo") ||
        failed(ort->CreateTensorWithDataAsOrtValue(mem, in_buf, in_numel * sizeof(float), in_dims,
                                                   (size_t)rank,
                                                   ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &c.input),
               "CreateTensorWithDataAsOrtValue (input)"))
        return 1;
    c.in_name = in_name;
    c.out_name = out_name;

    /* One run with ORT's own output learns the output's shape (it may be
     * symbolic in the model); then the output OrtValue is made over this
     * program's buffer and reused by every later run. */
    if (run_once(&c) != 0)
        return 1;
    OrtTensorTypeAndShapeInfo *shape = NULL;
    size_t out_rank = 0;
    int64_t out_dims[8];
    if (failed(ort->GetTensorTypeAndShape(c.output, &shape), "GetTensorTypeAndShape") ||
        failed(ort->GetDimensionsCount(shape, &out_rank), "GetDimensionsCount"))
        return 1;
    if (out_rank > 8 || failed(ort->GetDimensions(shape, out_dims, out_rank), "GetDimensions")) {
        fprintf(stderr, "ort_capi_bench: output rank %zu\n", out_rank);
        return 1;
    }
    ort->ReleaseTensorTypeAndShapeInfo(shape);
    ort->ReleaseValue(c.output);
    c.output = NULL;
    size_t out_numel = 1;
    printf("output: %s ", out_name);
    for (size_t i = 0; i < out_rank; i++) {
        out_numel *= (size_t)out_dims[i];
        printf("%s%lld", i ? "x" : "", (long long)out_dims[i]);
    }
    printf("\n");
    float *out_buf = calloc(out_numel ? out_numel : 1, sizeof(float));
    if (out_buf == NULL ||
        failed(ort->CreateTensorWithDataAsOrtValue(mem, out_buf, out_numel * sizeof(float),
                                                   out_dims, out_rank,
                                                   ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &c.output),
               "CreateTensorWithDataAsOrtValue (output)"))
        return 1;
    OrtValue *preallocated = c.output;

    int rc = bench_loop(&bp, run_once, &c);
    if (rc != 0)
        return 1;
    /* Run must have written into this buffer, not replaced the value. */
    void *data = NULL;
    if (c.output != preallocated || failed(ort->GetTensorMutableData(c.output, &data), "data") ||
        data != out_buf) {
        fprintf(stderr, "ort_capi_bench: Run did not use the preallocated output\n");
        return 1;
    }
    if (bench_write_raw(out_path, out_buf, out_numel * sizeof(float)) != 0) {
        fprintf(stderr, "ort_capi_bench: cannot write %s\n", out_path);
        return 1;
    }

    ort->ReleaseValue(c.output);
    ort->ReleaseValue(c.input);
    ort->ReleaseMemoryInfo(mem);
    if (failed(ort->AllocatorFree(alloc, in_name), "AllocatorFree") ||
        failed(ort->AllocatorFree(alloc, out_name), "AllocatorFree"))
        return 1;
    ort->ReleaseSession(c.session);
    ort->ReleaseSessionOptions(so);
    ort->ReleaseEnv(env);
    free(in_buf);
    free(out_buf);
    return 0;
}
