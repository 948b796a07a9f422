/* onnxrun's plain run (see run.h). Inputs not given on the command line
 * are generated: float32 uniform in [-1, 1) from a fixed seed per input,
 * other dtypes zero. A float64 .npy feeds a float32 input and int32 an
 * int64 input after conversion; other dtype differences are errors. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "npy.h"
#include "profile.h"
#include "run.h"

/* ---- opening the model and the session ---- */
static int has_symbolic_dim(const struct onr_tensor_ref *d)
{
    for (int j = 0; j < d->rank; j++)
        if (d->dims[j] < 0)
            return 1;
    return 0;
}

/* Notes which symbolic dims got the default of 1. */
static void note_defaulted(const struct onr_model *model, const struct onr_tensor_ref *shapes,
                           int n_shapes)
{
    for (int i = 0; i < onr_model_input_count(model); i++) {
        struct onr_tensor_ref d;
        int given = 0;
        if (onr_model_input(model, i, &d) != ONR_STATUS_OK || !has_symbolic_dim(&d))
            continue;
        for (int k = 0; k < n_shapes; k++)
            given |= shapes[k].name && d.name && strcmp(shapes[k].name, d.name) == 0;
        if (given)
            continue;
        for (int j = 0; j < d.rank; j++) {
            const char *param = onr_model_input_dim_param(model, i, j);
            if (d.dims[j] < 0)
                fprintf(stderr, "onnxrun: note: input '%s' dim %d (%s) is symbolic; "
                                "defaulted to 1 (set it with --shape %s=...)\n",
                        d.name, j, param ? param : "unnamed", d.name);
        }
    }
}

int run_open_model(const char *arg, struct onr_model **model, char **model_path)
{
    struct onr_error err;
    *model = NULL;
    *model_path = cli_is_dir(arg) ? cli_path_join(arg, "model.onnx") : strdup(arg);
    if (*model_path == NULL) {
        cli_report(arg, "out of memory");
        return 1;
    }
    if (onr_model_load_file(*model_path, model, &err) != ONR_STATUS_OK) {
        cli_report(*model_path, err.message);
        return 1;
    }
    return 0;
}

/* Index of the model input called name, or -1. */
static int find_input(const struct onr_model *model, const char *name)
{
    for (int i = 0; i < onr_model_input_count(model); i++) {
        struct onr_tensor_ref d;
        if (onr_model_input(model, i, &d) == ONR_STATUS_OK && d.name &&
            strcmp(d.name, name) == 0)
            return i;
    }
    return -1;
}

/* Bytes of the inputs the CLI holds for a run: each model input at the
 * shape given for it (shapes[], by name) or declared (symbolic dims as 1). */
static size_t input_bytes(const struct onr_model *model, const struct onr_tensor_ref *shapes, int n)
{
    size_t total = 0;
    for (int i = 0; i < onr_model_input_count(model); i++) {
        struct onr_tensor_ref d;
        if (onr_model_input(model, i, &d) != ONR_STATUS_OK) continue;
        for (int k = 0; k < n; k++)
            if (d.name && shapes[k].name && strcmp(d.name, shapes[k].name) == 0) {
                d.rank = shapes[k].rank;
                memcpy(d.dims, shapes[k].dims, sizeof d.dims);
            }
        for (int k = 0; k < d.rank; k++)
            if (d.dims[k] < 0) d.dims[k] = 1;
        size_t numel, nbytes;
        if (cli_tensor_bytes(&d, onr_dtype_size(d.dtype), &numel, &nbytes) != 0) return SIZE_MAX;
        total = total + nbytes < total ? SIZE_MAX : total + nbytes;
    }
    return total;
}

int run_open_session(const struct onr_model *model, const char *model_path,
                     const struct cli_config *cfg, const struct onr_tensor_ref *extra,
                     int n_extra, struct onr_session **session)
{
    struct onr_error err;
    struct onr_session_options opt;
    struct onr_tensor_ref shapes[2 * CLI_MAX_SHAPES];
    int n = 0;
    *session = NULL;
    for (int k = 0; k < cfg->n_shapes; k++) {
        if (find_input(model, cfg->shapes[k].name) < 0) {
            fprintf(stderr, "onnxrun: %s: --shape: the model has no input named '%s'\n",
                    model_path, cfg->shapes[k].name);
            return 2;
        }
        shapes[n++] = cfg->shapes[k];
    }
    for (int k = 0; k < n_extra && n < 2 * CLI_MAX_SHAPES; k++) {
        int dup = 0;
        for (int j = 0; j < cfg->n_shapes; j++)
            dup |= strcmp(cfg->shapes[j].name, extra[k].name) == 0;
        if (!dup)
            shapes[n++] = extra[k];
    }
    cli_session_options(cfg, &opt);
    opt.n_input_shapes = n;
    opt.input_shapes = shapes;
    /* --max-memory covers the inputs this tool holds, and the session. */
    if (cfg->max_memory > 0) {
        const size_t in_bytes = input_bytes(model, shapes, n);
        if (in_bytes >= cfg->max_memory) {
            fprintf(stderr,
                    "onnxrun: %s: the inputs need %.1f MiB, more than the memory cap of %.1f MiB "
                    "(--max-memory)\n",
                    model_path, (double)in_bytes / 1048576.0, (double)cfg->max_memory / 1048576.0);
            return 1;
        }
        opt.max_memory = cfg->max_memory - in_bytes;
    }
    enum onr_status st = onr_session_create(model, &opt, session, &err);
    if (st != ONR_STATUS_OK) {
        cli_report(model_path, err.message);
        if (st == ONR_STATUS_OUT_OF_MEMORY && cfg->max_memory > 0)
            fprintf(stderr, "onnxrun: the session's cap is --max-memory %.1f MiB%s less %.1f MiB of inputs\n",
                    (double)cfg->max_memory / 1048576.0,
                    cfg->max_memory == cli_default_max_memory() ? " (default: 80% of physical memory)" : "",
                    (double)(cfg->max_memory - opt.max_memory) / 1048576.0);
        return 1;
    }
    if (onr_session_defaulted_dims(*session))
        note_defaulted(model, shapes, n);
    return 0;
}

/* ---- inputs ---- */
struct input_slot {
    struct onr_tensor_ref ref;   /* what the run gets */
    void *owned;                 /* malloc'd data behind ref, or NULL */
    struct onr_tensor_ref pb;    /* parsed .pb storage (onr_tensor_ref_free) */
    int has_pb;                  /* pb holds parsed storage */
    const char *file;            /* the file it came from, or NULL */
};

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Converts float64 -> float32 or int32 -> int64 in place of slot->ref's
 * data when the model wants it; other differences are errors. */
static enum onr_status convert_dtype(struct input_slot *slot, enum onr_dtype want,
                                     const char *input_name, struct onr_error *err)
{
    struct onr_tensor_ref *t = &slot->ref;
    size_t numel, nbytes;
    if (want == t->dtype || want == ONR_DTYPE_UNDEFINED)
        return ONR_STATUS_OK;
    int ok = (t->dtype == ONR_DTYPE_DOUBLE && want == ONR_DTYPE_FLOAT) ||
             (t->dtype == ONR_DTYPE_INT32 && want == ONR_DTYPE_INT64);
    if (!ok)
        return cli_error(err, ONR_STATUS_INVALID_ARGUMENT,
                         "dtype %s, but model input '%s' is %s", onr_dtype_name(t->dtype),
                         input_name, onr_dtype_name(want));
    if (cli_tensor_bytes(t, onr_dtype_size(want), &numel, &nbytes) != 0)
        return cli_error(err, ONR_STATUS_INVALID_ARGUMENT, "tensor is too large");
    void *data = malloc(nbytes ? nbytes : 1);
    if (data == NULL)
        return cli_error(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory (%zu bytes)", nbytes);
    for (size_t i = 0; i < numel; i++) {
        if (want == ONR_DTYPE_FLOAT)
            ((float *)data)[i] = (float)((const double *)t->data)[i];
        else
            ((int64_t *)data)[i] = ((const int32_t *)t->data)[i];
    }
    free(slot->owned);
    slot->owned = data;
    t->data = data;
    t->dtype = want;
    t->nbytes = nbytes;
    return ONR_STATUS_OK;
}

/* Reads a .npy (by extension or magic) or TensorProto .pb file. */
static enum onr_status load_input_file(const char *path, struct input_slot *slot,
                                       struct onr_error *err)
{
    void *buf = NULL;
    size_t size = 0;
    enum onr_status st = cli_read_file(path, &buf, &size, err);
    if (st != ONR_STATUS_OK)
        return st;
    int is_npy = ends_with(path, ".npy") ||
                 (!ends_with(path, ".pb") && size >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0);
    if (is_npy) {
        struct npy_array a;
        st = npy_parse(buf, size, &a, err);
        if (st == ONR_STATUS_OK) {
            slot->owned = a.data;
            slot->ref.dtype = a.dtype;
            slot->ref.rank = a.rank;
            memcpy(slot->ref.dims, a.dims, sizeof a.dims);
            slot->ref.data = a.data;
            slot->ref.nbytes = a.nbytes;
        }
    } else {
        st = onr_tensor_parse_pb(buf, size, &slot->pb, err);
        if (st == ONR_STATUS_OK) {
            slot->ref = slot->pb;
            slot->has_pb = 1;
        }
    }
    free(buf);
    return st;
}

/* Fills slots from the -i specs. Returns the exit status. */
static int load_specs(const struct onr_model *model, const char *model_path,
                      char *const *specs, int n_specs, struct input_slot *slots)
{
    int n_inputs = onr_model_input_count(model), next = 0;
    for (int k = 0; k < n_specs; k++) {
        const char *path = specs[k], *eq = strchr(specs[k], '=');
        int index = -1;
        if (eq != NULL) {
            char name[512];
            snprintf(name, sizeof name, "%.*s", (int)(eq - specs[k]), specs[k]);
            if ((index = find_input(model, name)) >= 0) {
                path = eq + 1;
            } else if (access(specs[k], F_OK) != 0) {
                /* Not a file whose name holds '=': a NAME the model lacks. */
                fprintf(stderr, "onnxrun: %s: -i %s: the model has no input named '%s'; its "
                        "inputs:", model_path, specs[k], name);
                for (int i = 0; i < n_inputs; i++) {
                    struct onr_tensor_ref d;
                    if (onr_model_input(model, i, &d) == ONR_STATUS_OK)
                        fprintf(stderr, "%s '%s'", i ? "," : "", d.name ? d.name : "?");
                }
                fprintf(stderr, "\n");
                return 2;
            }
        }
        if (index < 0)
            index = next++;
        if (index >= n_inputs) {
            fprintf(stderr, "onnxrun: %s: -i %s: the model has only %d input%s\n",
                    model_path, specs[k], n_inputs, n_inputs == 1 ? "" : "s");
            return 2;
        }
        struct onr_tensor_ref d;
        struct onr_error err;
        onr_model_input(model, index, &d);
        if (slots[index].file != NULL) {
            fprintf(stderr, "onnxrun: -i %s: input '%s' is already given by %s\n", specs[k],
                    d.name, slots[index].file);
            return 2;
        }
        slots[index].file = path;
        if (load_input_file(path, &slots[index], &err) != ONR_STATUS_OK ||
            convert_dtype(&slots[index], d.dtype, d.name, &err) != ONR_STATUS_OK) {
            cli_report(path, err.message);
            return 1;
        }
        slots[index].ref.name = d.name;
    }
    return 0;
}

/* Generates the inputs not given, with the session's prepared shapes. */
static int generate_inputs(const struct onr_session *session, const char *model_path,
                           struct input_slot *slots, int n_inputs)
{
    for (int i = 0; i < n_inputs; i++) {
        struct onr_tensor_ref d;
        size_t numel, nbytes, elem;
        if (slots[i].file != NULL)
            continue;
        if (onr_session_input(session, i, &d) != ONR_STATUS_OK ||
            (elem = onr_dtype_size(d.dtype)) == 0 ||
            cli_tensor_bytes(&d, elem, &numel, &nbytes) != 0) {
            fprintf(stderr, "onnxrun: %s: cannot generate data for input %d\n", model_path, i);
            return 1;
        }
        slots[i].owned = calloc(nbytes ? nbytes : 1, 1);
        if (slots[i].owned == NULL) {
            cli_report(model_path, "out of memory for the inputs");
            return 1;
        }
        if (d.dtype == ONR_DTYPE_FLOAT)
            cli_fill_uniform(slots[i].owned, numel, 0x5eed0000u + (uint64_t)i);
        slots[i].ref = d;
        slots[i].ref.data = slots[i].owned;
        slots[i].ref.nbytes = nbytes;
    }
    return 0;
}

/* ---- outputs ---- */
static void print_output(int k, const struct onr_tensor_ref *t)
{
    char shape[128];
    size_t numel = 0, nbytes;
    size_t elem = onr_dtype_size(t->dtype);
    cli_format_shape(t, shape, sizeof shape);
    printf("output %d '%s': %s %s\n", k, t->name ? t->name : "", shape,
           onr_dtype_name(t->dtype));
    if (elem == 0 || cli_tensor_bytes(t, elem, &numel, &nbytes) != 0 || nbytes > t->nbytes)
        return;
    double sum = 0.0, sum_abs = 0.0;
    printf("  first values:");
    for (size_t i = 0; i < numel; i++) {
        double v = cli_elem(t, i);
        if (i < 6)
            printf(" %.6g", v);
        sum += v;
        sum_abs += v < 0 ? -v : v;
    }
    printf("%s\n  sum %.9g  sum|x| %.9g\n", numel > 6 ? " ..." : "", sum, sum_abs);
}

/* outdir/<name>.npy, with characters other than [A-Za-z0-9._-] as '_'. */
static int save_output(const char *outdir, int k, const struct onr_tensor_ref *t)
{
    char file[300];
    struct onr_error err;
    const char *name = t->name && t->name[0] ? t->name : NULL;
    if (name)
        snprintf(file, sizeof file - 4, "%s", name);
    else
        snprintf(file, sizeof file, "output_%d", k);
    for (char *p = file; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
            *p = '_';
    strcat(file, ".npy");
    char *path = cli_path_join(outdir, file);
    if (path == NULL || npy_write_file(path, t, &err) != ONR_STATUS_OK) {
        cli_report(path ? path : outdir, path ? err.message : "out of memory");
        free(path);
        return 1;
    }
    free(path);
    return 0;
}

/* Like mkdir -p: parents are created too. */
static int make_outdir(const char *outdir)
{
    char *path = strdup(outdir);
    if (path == NULL) {
        cli_report(outdir, "out of memory");
        return 1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(path, 0777); /* errors show up at the last component */
        *p = '/';
    }
    int rc = mkdir(path, 0777) != 0 && errno != EEXIST;
    free(path);
    if (rc) {
        cli_report(outdir, strerror(errno));
        return 1;
    }
    if (!cli_is_dir(outdir)) {
        cli_report(outdir, "not a folder");
        return 1;
    }
    return 0;
}

/* ---- running and timing ---- */
#define PLAIN_STEADY_RUNS 20

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_bench(double *times, int n, const struct input_slot *slots, int n_inputs)
{
    qsort(times, (size_t)n, sizeof *times, compare_double);
    double median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
    int p90 = (9 * n + 9) / 10 - 1; /* nearest rank: ceil(0.9 n) - 1 */
    int64_t batch = n_inputs > 0 && slots[0].ref.rank >= 2 && slots[0].ref.dims[0] > 0
                        ? slots[0].ref.dims[0] : 1;
    printf("bench: %d runs after 1 warm-up: min %.3f ms  median %.3f ms  p90 %.3f ms\n", n,
           1e3 * times[0], 1e3 * median, 1e3 * times[p90]);
    printf("throughput: %.1f inferences/s (batch %lld, at the median latency)\n",
           median > 0 ? (double)batch / median : 0.0, (long long)batch);
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) == 0)
        printf("peak memory: %.1f MiB resident (the whole process: model, arena, packed weights)\n",
               (double)usage.ru_maxrss / 1024.0);
}

/* Runs once, or a warm-up and cfg->bench_runs timed runs; times[r] gets
 * the seconds of timed run r. */
static int run_timed(struct onr_session *session, const char *model_path,
                     const struct cli_config *cfg, const struct input_slot *slots,
                     int n_inputs, double *times, int *n_steady, struct profile *prof)
{
    int n_runs = cfg->bench_runs > 0 ? cfg->bench_runs : 1;
    struct onr_tensor_ref *args = calloc((size_t)n_inputs + 1, sizeof *args);
    struct onr_error err;
    if (args == NULL) {
        cli_report(model_path, "out of memory");
        return 1;
    }
    for (int i = 0; i < n_inputs; i++)
        args[i] = slots[i].ref;
    for (int r = cfg->bench_runs > 0 ? -1 : 0; r < n_runs; r++) {
        double t0 = cli_now();
        if (onr_session_run(session, args, n_inputs, &err) != ONR_STATUS_OK) {
            cli_report(model_path, err.message);
            free(args);
            return 1;
        }
        if (r >= 0) {
            times[r] = cli_now() - t0;
            if (cfg->profile_path)
                profile_record(prof, session, t0);
        }
    }
    /* A plain run also shows the steady state: up to PLAIN_STEADY_RUNS more
     * runs, for at most half a second. */
    *n_steady = 0;
    const double start = cli_now();
    while (cfg->bench_runs == 0 && *n_steady < PLAIN_STEADY_RUNS && cli_now() - start < 0.5) {
        double t0 = cli_now();
        if (onr_session_run(session, args, n_inputs, &err) != ONR_STATUS_OK) {
            cli_report(model_path, err.message);
            free(args);
            return 1;
        }
        times[1 + (*n_steady)++] = cli_now() - t0;
    }
    free(args);
    return 0;
}

/* Prints (and saves) the outputs, the time and the profile. */
static int report(struct onr_session *session, int n_outputs,
                  const struct cli_config *cfg, const char *outdir, double *times, int n_steady,
                  const struct input_slot *slots, int n_inputs, const struct profile *prof)
{
    struct onr_error err;
    int rc = 0;
    for (int k = 0; k < n_outputs; k++) {
        struct onr_tensor_ref t;
        if (onr_session_output(session, k, &t) != ONR_STATUS_OK) {
            fprintf(stderr, "onnxrun: output %d is missing\n", k);
            return 1;
        }
        print_output(k, &t);
        if (outdir && rc == 0)
            rc = save_output(outdir, k, &t);
    }
    if (cfg->bench_runs > 0) {
        print_bench(times, cfg->bench_runs, slots, n_inputs);
    } else if (n_steady > 0) {
        qsort(times + 1, (size_t)n_steady, sizeof *times, compare_double);
        const double median = n_steady % 2 ? times[1 + n_steady / 2]
                                           : 0.5 * (times[n_steady / 2] + times[1 + n_steady / 2]);
        printf("time: first run %.3f ms (right after session creation); steady state: median "
               "%.3f ms of %d more runs\n", 1e3 * times[0], 1e3 * median, n_steady);
    } else {
        printf("time: first run %.3f ms (right after session creation)\n", 1e3 * times[0]);
    }
    fflush(stdout);
    if (cfg->profile_path) {
        profile_print_summary(prof, session, stderr);
        if (profile_write_json(prof, session, cfg->profile_path, &err) != ONR_STATUS_OK) {
            cli_report(cfg->profile_path, err.message);
            rc = 1;
        }
    }
    return rc;
}

int run_model(const char *arg, const struct cli_config *cfg, char *const *specs,
              int n_specs, const char *outdir)
{
    struct onr_model *model = NULL;
    struct onr_session *session = NULL;
    struct input_slot *slots = NULL;
    struct onr_tensor_ref *extra = NULL;
    struct profile prof = {0};
    struct onr_error err;
    char *model_path = NULL;
    int n_inputs = 0, n_extra = 0, n_steady = 0;
    const int n_runs = cfg->bench_runs > 0 ? cfg->bench_runs : 1 + PLAIN_STEADY_RUNS;
    double *times = NULL;
    int rc = run_open_model(arg, &model, &model_path);
    if (rc != 0)
        goto free_all;
    rc = 1;
    n_inputs = onr_model_input_count(model);
    slots = calloc((size_t)n_inputs + 1, sizeof *slots);
    extra = calloc((size_t)n_inputs + 1, sizeof *extra);
    times = calloc((size_t)n_runs, sizeof *times);
    if (slots == NULL || extra == NULL || times == NULL) {
        cli_report(model_path, "out of memory");
        goto free_all;
    }
    if ((rc = load_specs(model, model_path, specs, n_specs, slots)) != 0)
        goto free_all;
    for (int i = 0; i < n_inputs; i++) {
        struct onr_tensor_ref d;
        if (slots[i].file && onr_model_input(model, i, &d) == ONR_STATUS_OK &&
            has_symbolic_dim(&d) && n_extra < CLI_MAX_SHAPES)
            extra[n_extra++] = slots[i].ref;
    }
    if ((rc = run_open_session(model, model_path, cfg, extra, n_extra, &session)) != 0 ||
        (rc = generate_inputs(session, model_path, slots, n_inputs)) != 0)
        goto free_all;
    rc = 1;
    if (outdir && make_outdir(outdir) != 0)
        goto free_all;
    if (cfg->profile_path) {
        if (profile_init(&prof, onr_session_node_count(session), n_runs, &err) != ONR_STATUS_OK) {
            cli_report(model_path, err.message);
            goto free_all;
        }
        onr_session_set_profiling(session, 1);
    }
    if (run_timed(session, model_path, cfg, slots, n_inputs, times, &n_steady, &prof) != 0)
        goto free_all;
    rc = report(session, onr_model_output_count(model), cfg, outdir, times, n_steady, slots, n_inputs, &prof);
free_all:
    for (int i = 0; slots && i < n_inputs; i++) {
        free(slots[i].owned);
        if (slots[i].has_pb)
            onr_tensor_ref_free(&slots[i].pb);
    }
    profile_free(&prof);
    free(times);
    free(extra);
    free(slots);
    onr_session_free(session);
    onr_model_free(model);
    free(model_path);
    return rc;
}
