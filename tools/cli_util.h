/* Helpers shared by the onnxrun command-line tool: its configuration,
 * error messages, whole-file reading, deterministic input data, shape and
 * number formatting, and a monotonic clock. Written against the public
 * API only (include/onnxrun.h). */
#ifndef ONR_CLI_UTIL_H
#define ONR_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "onnxrun.h"

#define CLI_MAX_SHAPES 64

/* Everything the command line can set. */
struct cli_config {
    int threads;                 /* 0: all cores */
    unsigned passes;             /* ONR_PASS_DEFAULT, 0 with --no-opt */
    int reference_kernels;       /* --reference */
    int winograd;                /* --winograd: enum onr_winograd_option */
    double atol, rtol;           /* --atol / --rtol for --test */
    int n_shapes;                /* --shape name=AxBxC */
    struct onr_tensor_ref shapes[CLI_MAX_SHAPES];
    int bench_runs;              /* --bench N; 0: a single run */
    const char *profile_path;    /* --profile out.json, or NULL */
    size_t max_memory;           /* --max-memory; 0: no cap */
};

#if defined(__GNUC__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* Writes the message (if err is not NULL) and returns status. */
enum onr_status cli_error(struct onr_error *err, enum onr_status status,
                          const char *fmt, ...) CLI_PRINTF(3, 4);
/* Prints "onnxrun: <what>: <message>" to stderr; <what> is left out when
 * the message already starts with it. */
void cli_report(const char *what, const char *message);

/* Session options from the configuration (no input shapes). */
void cli_session_options(const struct cli_config *cfg,
                         struct onr_session_options *options);

/* The default memory cap: 80% of the machine's physical memory, so that a
 * session that cannot fit is refused before the kernel's OOM killer ends
 * the process; 0 when the size is unknown. */
size_t cli_default_max_memory(void);

/* Reads a whole file into a malloc'd buffer (*data, *size). */
enum onr_status cli_read_file(const char *path, void **data, size_t *size,
                              struct onr_error *err);
int cli_file_exists(const char *path);
int cli_is_dir(const char *path);
/* "<dir>/<name>" in a malloc'd string, or NULL when out of memory. */
char *cli_path_join(const char *dir, const char *name);

/* Deterministic uniform floats in [-1, 1) from a seed (splitmix64). */
void cli_fill_uniform(float *x, size_t n, uint64_t seed);

/* numel of a shape with every dim >= 0, times elem_size in *nbytes;
 * returns 0, or -1 on a negative dim or overflow. */
int cli_tensor_bytes(const struct onr_tensor_ref *t, size_t elem_size,
                     size_t *numel, size_t *nbytes);

/* Element i of t as a double (bool as 0/1; 0 for unsupported dtypes). */
double cli_elem(const struct onr_tensor_ref *t, size_t i);

/* Parses "8x3x224x224" (dims >= 0; "scalar" for rank 0) into t's shape. */
enum onr_status cli_parse_shape(const char *text, struct onr_tensor_ref *t,
                                struct onr_error *err);
/* "1x3x224x224", "scalar" for rank 0, '?' for a dim < 0. */
void cli_format_shape(const struct onr_tensor_ref *t, char *buf, size_t size);
/* 18432 -> "18,432" */
const char *cli_thousands(int64_t v, char *buf, size_t size);

/* Seconds from a monotonic clock. */
double cli_now(void);

#endif
