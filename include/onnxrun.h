/* onnxrun: an ONNX inference runtime for CPU, in C.
 *
 * The one public header. Load a model, create a session (which fixes the
 * input shapes, plans memory and chooses kernels), run it, read the outputs.
 * Every fallible call returns an enum onr_status and, when err is not NULL,
 * fills err->message with what went wrong, where, and what was expected.
 * The library never prints and never exits.
 *
 * Threads: a model is read-only once loaded, so any number of sessions, in
 * any threads, may be created from one model and run at the same time; the
 * model must outlive them. A session is used by one thread at a time: its
 * calls (run, reshape, output, free...) are not synchronised, so a session
 * shared between threads needs the caller's lock. Each run uses
 * options.threads OpenMP threads of its own (the calling thread included);
 * N sessions running at once therefore use N x threads threads. Outputs
 * are bitwise identical for any thread count and any number of concurrent
 * sessions. Functions without a model or session (version, names, the
 * operator list, onr_tensor_parse_pb) may be called from any thread. */
#ifndef ONNXRUN_H
#define ONNXRUN_H

#include <stddef.h>
#include <stdint.h>

/* The functions of the public API; everything else in libonnxrun.so is
 * hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define ONR_API __attribute__((visibility("default")))
#else
#define ONR_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ONR_VERSION_MAJOR 0
#define ONR_VERSION_MINOR 1
#define ONR_VERSION_PATCH 0
#define ONR_VERSION_STRING "0.1.0"
#define ONR_MAX_RANK 8

enum onr_status {
    ONR_STATUS_OK = 0,
    ONR_STATUS_INVALID_ARGUMENT, /* the caller passed something wrong */
    ONR_STATUS_IO,               /* a file could not be read or written */
    ONR_STATUS_PARSE,            /* bytes are not a valid protobuf / npy */
    ONR_STATUS_INVALID_MODEL,    /* parsed, but the graph breaks ONNX rules */
    ONR_STATUS_UNSUPPORTED,      /* valid ONNX that onnxrun does not run */
    ONR_STATUS_SHAPE_MISMATCH,   /* shapes do not agree */
    ONR_STATUS_OUT_OF_MEMORY,
    ONR_STATUS_INTERNAL,
};

/* Caller-owned; filled on failure. */
struct onr_error {
    char message[1024];
};

/* Values are those of ONNX's TensorProto.DataType. */
enum onr_dtype {
    ONR_DTYPE_UNDEFINED = 0,
    ONR_DTYPE_FLOAT = 1,
    ONR_DTYPE_UINT8 = 2,
    ONR_DTYPE_INT8 = 3,
    ONR_DTYPE_UINT16 = 4,
    ONR_DTYPE_INT16 = 5,
    ONR_DTYPE_INT32 = 6,
    ONR_DTYPE_INT64 = 7,
    ONR_DTYPE_STRING = 8,
    ONR_DTYPE_BOOL = 9,
    ONR_DTYPE_FLOAT16 = 10,
    ONR_DTYPE_DOUBLE = 11,
    ONR_DTYPE_UINT32 = 12,
    ONR_DTYPE_UINT64 = 13,
};

/* A borrowed view of a tensor: used for inputs, outputs and value
 * descriptions. In descriptions, a dim of -1 is symbolic or unknown. */
struct onr_tensor_ref {
    const char *name;
    enum onr_dtype dtype;
    int rank;
    int64_t dims[ONR_MAX_RANK];
    const void *data;
    size_t nbytes;
};

struct onr_model;
struct onr_session;

/* The library's version (ONR_VERSION_STRING of the build), which may
 * differ from the header a program was compiled with. */
ONR_API const char *onr_version(void);
ONR_API const char *onr_status_name(enum onr_status status);
ONR_API const char *onr_dtype_name(enum onr_dtype dtype);
ONR_API size_t onr_dtype_size(enum onr_dtype dtype);

/* ---- models ---- */
ONR_API enum onr_status onr_model_load_file(const char *path, struct onr_model **model,
                                            struct onr_error *err);
ONR_API enum onr_status onr_model_load_buffer(const void *data, size_t size,
                                              struct onr_model **model,
                                              struct onr_error *err);
ONR_API void onr_model_free(struct onr_model *model);

ONR_API int onr_model_input_count(const struct onr_model *model);
ONR_API int onr_model_output_count(const struct onr_model *model);
/* Declared name, dtype and shape (-1 for symbolic dims); data is NULL. */
ONR_API enum onr_status onr_model_input(const struct onr_model *model, int index,
                                        struct onr_tensor_ref *desc);
ONR_API enum onr_status onr_model_output(const struct onr_model *model, int index,
                                         struct onr_tensor_ref *desc);
/* Index of the input (output) with this name, or -1. */
ONR_API int onr_model_input_index(const struct onr_model *model, const char *name);
ONR_API int onr_model_output_index(const struct onr_model *model, const char *name);
/* Symbolic name of an input's dim, or NULL. */
ONR_API const char *onr_model_input_dim_param(const struct onr_model *model, int index,
                                              int dim);
/* The same for an output. */
ONR_API const char *onr_model_output_dim_param(const struct onr_model *model, int index,
                                               int dim);
ONR_API int64_t onr_model_opset(const struct onr_model *model);

/* ---- supported operators ---- */
/* The operators this build runs, index 0..count-1: op_type, domain ("" is
 * ai.onnx) and the range of model opsets accepted. */
ONR_API int onr_supported_op_count(void);
ONR_API enum onr_status onr_supported_op(int index, const char **op_type, const char **domain,
                                         int *min_opset, int *max_opset);

/* ---- tensor files ---- */
/* Parses a serialized ONNX TensorProto (as in test_data_set_N/input_0.pb).
 * On success t->name (may be "") and t->data point into storage owned by t,
 * released with onr_tensor_ref_free. */
ONR_API enum onr_status onr_tensor_parse_pb(const void *data, size_t size,
                                            struct onr_tensor_ref *t,
                                            struct onr_error *err);
ONR_API void onr_tensor_ref_free(struct onr_tensor_ref *t);

/* ---- sessions ---- */
/* Graph optimisation passes; all on by default, each can be switched off.
 * Subgraphs whose inputs are all constant (Constant nodes, shape
 * arithmetic) are always computed once at prepare: shapes depend on them. */
enum onr_pass {
    ONR_PASS_FOLD_BATCHNORM = 1u << 0,
    ONR_PASS_FUSE_ACTIVATION = 1u << 1,
    ONR_PASS_ELIMINATE_IDENTITY = 1u << 2,
    ONR_PASS_FUSE_RESIDUAL = 1u << 3,    /* Conv -> Add(., same-shape r) */
    /* 1u << 4 was a block fusion, removed: fuse_expand below does its job. */
    /* Chains of depthwise and 1x1 Convs run on channel-blocked (NCHW16c)
     * tensors, converted only where a chain meets other nodes (AVX-512). */
    ONR_PASS_NCHWC_LAYOUT = 1u << 5,
    /* In that layout, a stem Conv whose only reader is a depthwise Conv is
     * computed inside it a few rows at a time, so its output (a MobileNet's
     * biggest tensor) never goes to memory whole. */
    ONR_PASS_FUSE_STEM = 1u << 6,
    /* Likewise a 1x1 Conv whose only reader is a depthwise Conv, where its
     * output is big and its weights small (MobileNetV2's expansions). */
    ONR_PASS_FUSE_EXPAND = 1u << 7,
    /* And a 1x1 Conv after a depthwise Conv whose output is big, computed
     * as the depthwise rows come (MobileNetV2's projections). */
    ONR_PASS_FUSE_PROJECT = 1u << 8,
    ONR_PASS_ALL = 0xffffu,
    ONR_PASS_DEFAULT = ONR_PASS_ALL,
};

/* Graph optimisation levels, as ONNX Runtime's, mapped onto the passes
 * above by onr_optimization_passes: DISABLE_ALL none; BASIC the rewrites
 * that remove work without changing any kernel's arithmetic
 * (BatchNormalization folded into Conv, Identity/Dropout dropped);
 * EXTENDED adds activation and residual fusions into Conv; ALL adds the
 * NCHW16c layout and the fusions built on it (= ONR_PASS_DEFAULT). */
enum onr_optimization_level {
    ONR_OPTIMIZATION_DISABLE_ALL = 0,
    ONR_OPTIMIZATION_BASIC = 1,
    ONR_OPTIMIZATION_EXTENDED = 2,
    ONR_OPTIMIZATION_ALL = 99,
};
/* The enum onr_pass bits of a level; a value between two levels counts as
 * the lower one (as in ONNX Runtime, 3..98 are EXTENDED). */
ONR_API unsigned onr_optimization_passes(enum onr_optimization_level level);

/* Options grow at the end only. size is the caller's sizeof, set by
 * onr_session_options_init: a library newer than the caller's header
 * gives the fields the caller does not know their defaults; an older one
 * accepts a larger struct only where the fields it does not know are all
 * zero (their defaults), and refuses it otherwise. */
struct onr_session_options {
    size_t size;               /* sizeof(struct onr_session_options) of the caller */
    int threads;               /* 0: all cores */
    unsigned passes;           /* enum onr_pass bits; ONR_PASS_DEFAULT default */
    int reference_kernels;     /* 1: scalar reference kernels only */
    int no_arena;              /* 1: one allocation per value (for ASan) */
    /* Concrete shapes for inputs whose declared shape is symbolic; other
     * symbolic dims default to 1. data is ignored. */
    int n_input_shapes;
    const struct onr_tensor_ref *input_shapes;
    /* 1: onr_session_run refuses an input shape other than the prepared
     * one (SHAPE_MISMATCH) instead of re-planning; onr_session_reshape
     * changes shapes explicitly. 0 (default): a run re-plans. */
    int fixed_shapes;
    /* Bytes the session may allocate (packed weights, intermediate tensors,
     * workspace), checked when it prepares for its input shapes, before the
     * tensors are allocated: ONR_STATUS_OUT_OF_MEMORY names the need and the
     * cap. 0: no cap. */
    size_t max_memory;
    /* The widest instruction set the session's kernels may use (enum
     * onr_isa_level): ONR_ISA_LEVEL_DEFAULT (0) is the widest the CPU has;
     * a narrower level runs the same model on the narrower kernels (to
     * compare them, or to match another machine). A level the CPU lacks
     * gives what it has. The environment variables ONR_DISABLE_AVX512=1 and
     * ONR_DISABLE_AVX2=1 lower the CPU's level for the whole process. */
    int max_isa;
    /* Winograd for dense 3x3 stride-1 Convs with constant weights (enum
     * onr_winograd_tile). */
    int winograd;
};

/* Values of onr_session_options.winograd. */
enum onr_winograd_option {
    ONR_WINOGRAD_TILE_DEFAULT = 0, /* F(2x2,3x3) where its kernel table takes the Conv */
    ONR_WINOGRAD_TILE_OFF = 1,     /* direct kernels only (to compare them) */
    ONR_WINOGRAD_TILE_2X2 = 2,     /* F(2x2,3x3): error a few times the direct kernel's */
    /* F(4x4,3x3): 1.8x fewer multiplies than F(2x2) but about 50x the
     * direct kernel's error, more than deep models' tolerances allow. */
    ONR_WINOGRAD_TILE_4X4 = 3,
};

/* Values of onr_session_options.max_isa, widening. */
enum onr_isa_level {
    ONR_ISA_LEVEL_DEFAULT = 0,   /* the widest the CPU has */
    ONR_ISA_LEVEL_PORTABLE = 1,  /* plain C kernels only */
    ONR_ISA_LEVEL_AVX2 = 2,      /* up to AVX2 + FMA */
    ONR_ISA_LEVEL_AVX512 = 3,    /* up to AVX-512 F/DQ/BW/VL */
};

/* Sets the defaults: all cores, ONR_PASS_DEFAULT, shapes re-planned on run.
 * size is sizeof *options; use onr_session_options_init. */
ONR_API void onr_session_options_init_sized(struct onr_session_options *options, size_t size);
static inline void onr_session_options_init(struct onr_session_options *options)
{
    onr_session_options_init_sized(options, sizeof *options);
}

/* Shapes are fixed, memory planned and kernels chosen here: a session is
 * ready to run when this returns. The model must outlive the session. */
ONR_API enum onr_status onr_session_create(const struct onr_model *model,
                                           const struct onr_session_options *options,
                                           struct onr_session **session,
                                           struct onr_error *err);
ONR_API void onr_session_free(struct onr_session *session);

/* inputs[i] is matched to a model input by name, or by position when its
 * name is NULL. A shape different from the prepared one re-plans the
 * session (or is refused, with options.fixed_shapes). The input data is
 * read in place, not copied: it must stay valid and unchanged during the
 * run. A session runs for one thread at a time: a call made while another
 * thread's run of the same session is in progress returns
 * ONR_STATUS_INVALID_ARGUMENT at once. */
ONR_API enum onr_status onr_session_run(struct onr_session *session,
                                        const struct onr_tensor_ref *inputs,
                                        int n_inputs, struct onr_error *err);

/* Re-plans the session for new input shapes (name and dims of each
 * shapes[k]; data ignored; inputs not named keep their shape): shapes are
 * inferred, memory planned and kernels chosen again. Outputs of earlier
 * runs become invalid. On failure the session keeps its old shapes. */
ONR_API enum onr_status onr_session_reshape(struct onr_session *session,
                                            const struct onr_tensor_ref *shapes, int n_shapes,
                                            struct onr_error *err);

/* The prepared input shapes (after defaults for symbolic dims). */
ONR_API enum onr_status onr_session_input(const struct onr_session *session, int index,
                                          struct onr_tensor_ref *desc);
/* An output of the last run; data stays valid until the next run or free. */
ONR_API enum onr_status onr_session_output(const struct onr_session *session, int index,
                                           struct onr_tensor_ref *out);
/* A caller-owned buffer for output index, used from the next run on: the
 * output is written to data, which must hold exactly the output's bytes at
 * each run (else the run fails with INVALID_ARGUMENT), stay valid while
 * bound, and not overlap an input. Where the output is a node's own result
 * and data is 64-byte aligned, that node writes it there directly (no
 * copy); otherwise it is copied there at the end of the run. data NULL
 * unbinds. onr_session_output then returns data. A reshape keeps bindings. */
ONR_API enum onr_status onr_session_bind_output(struct onr_session *session, int index,
                                                void *data, size_t nbytes,
                                                struct onr_error *err);
/* One run with caller-owned output buffers for this run only, as binding
 * outputs[k] (nbytes[k] bytes; NULL: the session's own memory) to each
 * output k of the n_outputs (the model's output count), running, and
 * unbinding, in one call: what a binding that allocates each run's result
 * (Python) needs. Buffers bound with onr_session_bind_output are set aside
 * during it and in force again after. onr_session_output then gives each
 * output's shape; the values given a buffer are in that buffer only. */
ONR_API enum onr_status onr_session_run_into(struct onr_session *session,
                                             const struct onr_tensor_ref *inputs, int n_inputs,
                                             void *const *outputs, const size_t *nbytes,
                                             int n_outputs, struct onr_error *err);
/* The same, by output name; INVALID_ARGUMENT (and a message) if no output
 * has that name. */
ONR_API enum onr_status onr_session_output_by_name(const struct onr_session *session,
                                                   const char *name, struct onr_tensor_ref *out,
                                                   struct onr_error *err);
/* 1 if some symbolic input dim was defaulted to 1 (not given a shape). */
ONR_API int onr_session_defaulted_dims(const struct onr_session *session);
ONR_API size_t onr_session_arena_bytes(const struct onr_session *session);

/* What one node of the executed graph does, for --info and profiling. */
struct onr_node_info {
    const char *name;
    const char *op_type;
    const char *input_name;         /* name of input 0, or NULL */
    const char *output_name;
    struct onr_tensor_ref output;   /* dtype and shape of output 0 */
    char params[160];               /* attributes in short form */
    int64_t macs;                   /* multiply-accumulates per run */
    int64_t weights;                /* elements of constant inputs */
    /* For Conv: in/out channels, kernel size and group; 0 otherwise. */
    int64_t conv_c, conv_oc, conv_kh, conv_kw, conv_group;
    int folded;                     /* computed once at prepare time */
};
ONR_API int onr_session_node_count(const struct onr_session *session);
ONR_API enum onr_status onr_session_node_info(const struct onr_session *session,
                                              int index, struct onr_node_info *info);
/* Seconds spent in each node during the last run, if profiling is on. */
ONR_API void onr_session_set_profiling(struct onr_session *session, int on);
ONR_API double onr_session_node_seconds(const struct onr_session *session, int index);

#ifdef __cplusplus
}
#endif
#endif
