/* onnxrun --test: the ONNX test-case runner (see testcase.h). Outputs are
 * compared by position; inputs are passed by position, as the ONNX
 * backend test runner does. Symbolic input dims are fixed from the first
 * data set's inputs. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "testcase.h"

/* ---- comparison ---- */
static int is_float(enum onr_dtype d)
{
    return d == ONR_DTYPE_FLOAT || d == ONR_DTYPE_DOUBLE || d == ONR_DTYPE_FLOAT16;
}

/* Exact equality of element i, bool compared as truth values. */
static int elem_equal(const struct onr_tensor_ref *a, const struct onr_tensor_ref *b,
                      size_t i, size_t size)
{
    const unsigned char *x = (const unsigned char *)a->data + i * size;
    const unsigned char *y = (const unsigned char *)b->data + i * size;
    if (a->dtype == ONR_DTYPE_BOOL)
        return (*x != 0) == (*y != 0);
    return memcmp(x, y, size) == 0;
}

/* Element i as text: integers exactly, floats with 9 digits. */
static void format_elem(const struct onr_tensor_ref *t, size_t i, char *buf, size_t size)
{
    if (t->dtype == ONR_DTYPE_INT64)
        snprintf(buf, size, "%lld", (long long)((const int64_t *)t->data)[i]);
    else if (t->dtype == ONR_DTYPE_UINT64)
        snprintf(buf, size, "%llu", (unsigned long long)((const uint64_t *)t->data)[i]);
    else
        snprintf(buf, size, "%.9g", cli_elem(t, i));
}

int testcase_compare(const struct onr_tensor_ref *got, const struct onr_tensor_ref *ref,
                     double atol, double rtol, double *max_abs, double *max_rel,
                     char *why, size_t why_size)
{
    char gs[128], rs[128];
    size_t size = onr_dtype_size(ref->dtype), numel, nbytes;
    cli_format_shape(got, gs, sizeof gs);
    cli_format_shape(ref, rs, sizeof rs);
    *max_abs = *max_rel = 0.0;
    if (got->dtype != ref->dtype) {
        snprintf(why, why_size, "dtype %s, reference %s", onr_dtype_name(got->dtype),
                 onr_dtype_name(ref->dtype));
        return 0;
    }
    if (got->rank != ref->rank || strcmp(gs, rs) != 0) {
        snprintf(why, why_size, "shape %s, reference %s", gs, rs);
        return 0;
    }
    if (size == 0) {
        snprintf(why, why_size, "cannot compare dtype %s", onr_dtype_name(ref->dtype));
        return 0;
    }
    if (cli_tensor_bytes(ref, size, &numel, &nbytes) != 0 || nbytes != ref->nbytes ||
        nbytes != got->nbytes) {
        snprintf(why, why_size, "data sizes %zu and %zu bytes do not fit shape %s",
                 got->nbytes, ref->nbytes, rs);
        return 0;
    }
    size_t n_bad = 0, worst = 0;
    double worst_excess = -1.0;
    for (size_t i = 0; i < numel; i++) {
        double g = cli_elem(got, i), r = cli_elem(ref, i), e = fabs(g - r);
        int ok;
        if (!is_float(ref->dtype))
            ok = elem_equal(got, ref, i, size);
        else if (isnan(g) || isnan(r))
            ok = isnan(g) && isnan(r), e = ok ? 0.0 : INFINITY;
        else if (isinf(g) || isinf(r))
            ok = g == r, e = ok ? 0.0 : INFINITY;
        else
            ok = e <= atol + rtol * fabs(r);
        if (e > *max_abs)
            *max_abs = e;
        if (r != 0.0 && !isnan(r) && e / fabs(r) > *max_rel)
            *max_rel = e / fabs(r);
        if (!ok) {
            double excess = isfinite(e) ? e - rtol * fabs(r) : INFINITY;
            if (n_bad++ == 0 || excess > worst_excess)
                worst = i, worst_excess = excess;
        }
    }
    if (n_bad == 0)
        return 1;
    char g[32], r[32];
    format_elem(got, worst, g, sizeof g);
    format_elem(ref, worst, r, sizeof r);
    snprintf(why, why_size, "%zu of %zu elements differ; worst at [%zu]: got %s, reference %s",
             n_bad, numel, worst, g, r);
    return 0;
}

/* ---- loading a case ---- */
struct tensor_set {
    int n;
    struct onr_tensor_ref *t;
};

static void tensor_set_free(struct tensor_set *s)
{
    for (int i = 0; i < s->n; i++)
        onr_tensor_ref_free(&s->t[i]);
    free(s->t);
    s->n = 0;
    s->t = NULL;
}

/* Reads <dir>/<prefix>_0.pb, _1.pb ... while they exist. On failure
 * *failed_path names the file (malloc'd). */
static enum onr_status load_numbered(const char *dir, const char *prefix,
                                     struct tensor_set *s, char **failed_path,
                                     struct onr_error *err)
{
    char name[64];
    int n = 0;
    memset(s, 0, sizeof *s);
    for (;; n++) {
        snprintf(name, sizeof name, "%s_%d.pb", prefix, n);
        char *path = cli_path_join(dir, name);
        int exists = path != NULL && cli_file_exists(path);
        free(path);
        if (!exists || n >= 4096)
            break;
    }
    s->t = calloc(n > 0 ? (size_t)n : 1, sizeof *s->t);
    if (s->t == NULL)
        return cli_error(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    for (int k = 0; k < n; k++) {
        void *buf = NULL;
        size_t size = 0;
        snprintf(name, sizeof name, "%s_%d.pb", prefix, k);
        char *path = cli_path_join(dir, name);
        if (path == NULL)
            return cli_error(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
        enum onr_status st = cli_read_file(path, &buf, &size, err);
        if (st == ONR_STATUS_OK)
            st = onr_tensor_parse_pb(buf, size, &s->t[k], err);
        free(buf);
        if (st != ONR_STATUS_OK) {
            *failed_path = path;
            return st;
        }
        free(path);
        s->n = k + 1;
    }
    return ONR_STATUS_OK;
}

static int compare_names(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    long nx = strtol(x + strlen("test_data_set_"), NULL, 10);
    long ny = strtol(y + strlen("test_data_set_"), NULL, 10);
    return nx < ny ? -1 : nx > ny ? 1 : strcmp(x, y);
}

/* The test_data_set_* sub-folders, in numeric order (malloc'd). */
static int list_data_sets(const char *dir, char ***names)
{
    DIR *d = opendir(dir);
    int n = 0, cap = 0;
    *names = NULL;
    if (d == NULL)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "test_data_set_", 14) != 0)
            continue;
        char *path = cli_path_join(dir, e->d_name);
        int ok = path != NULL && cli_is_dir(path);
        free(path);
        if (!ok)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **bigger = realloc(*names, (size_t)cap * sizeof *bigger);
            if (bigger == NULL)
                break;
            *names = bigger;
        }
        if (((*names)[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n > 0)
        qsort(*names, (size_t)n, sizeof **names, compare_names);
    return n;
}

/* ---- running a case ---- */
struct case_run {
    const struct cli_config *cfg;
    const char *dir;
    char *model_path;
    struct onr_model *model;
    struct onr_session *session;
    double seconds;              /* in onr_session_run, all data sets */
    double max_abs, max_rel;
    char why[1400];              /* why the case failed */
};

/* The session, with each symbolic input shape taken from the inputs. */
static enum onr_status make_session(struct case_run *c, const struct tensor_set *in,
                                    struct onr_error *err)
{
    struct onr_session_options opt;
    int n = onr_model_input_count(c->model), k = 0;
    struct onr_tensor_ref *shapes = calloc(n > 0 ? (size_t)n : 1, sizeof *shapes);
    if (shapes == NULL)
        return cli_error(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < n && i < in->n; i++) {
        struct onr_tensor_ref d;
        int symbolic = 0;
        if (onr_model_input(c->model, i, &d) != ONR_STATUS_OK)
            continue;
        for (int j = 0; j < d.rank; j++)
            symbolic |= d.dims[j] < 0;
        if (!symbolic)
            continue;
        shapes[k] = in->t[i];
        shapes[k].name = d.name;
        shapes[k].data = NULL;
        shapes[k++].nbytes = 0;
    }
    cli_session_options(c->cfg, &opt);
    opt.n_input_shapes = k;
    opt.input_shapes = shapes;
    enum onr_status st = onr_session_create(c->model, &opt, &c->session, err);
    free(shapes);
    return st;
}

static int compare_outputs(struct case_run *c, const struct tensor_set *ref)
{
    int n_out = onr_model_output_count(c->model);
    if (ref->n == 0 || ref->n > n_out) {
        snprintf(c->why, sizeof c->why, "%d reference outputs for a model with %d outputs",
                 ref->n, n_out);
        return 0;
    }
    for (int k = 0; k < ref->n; k++) {
        struct onr_tensor_ref got;
        double max_abs, max_rel;
        char why[1024];
        if (onr_session_output(c->session, k, &got) != ONR_STATUS_OK) {
            snprintf(c->why, sizeof c->why, "output %d is missing", k);
            return 0;
        }
        int ok = testcase_compare(&got, &ref->t[k], c->cfg->atol, c->cfg->rtol, &max_abs,
                                  &max_rel, why, sizeof why);
        c->max_abs = fmax(c->max_abs, max_abs);
        c->max_rel = fmax(c->max_rel, max_rel);
        if (!ok) {
            snprintf(c->why, sizeof c->why, "output %d '%s': %s", k,
                     got.name ? got.name : "", why);
            return 0;
        }
    }
    return 1;
}

/* Loads one data set, runs it and compares; 1 when it passes. */
static int run_data_set(struct case_run *c, const char *set_name)
{
    struct tensor_set in = {0}, ref = {0};
    struct onr_tensor_ref *args = NULL;
    struct onr_error err;
    char *bad = NULL, *set_dir = cli_path_join(c->dir, set_name);
    int pass = 0;
    enum onr_status st = set_dir ? ONR_STATUS_OK
                                 : cli_error(&err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    if (st == ONR_STATUS_OK)
        st = load_numbered(set_dir, "input", &in, &bad, &err);
    if (st == ONR_STATUS_OK)
        st = load_numbered(set_dir, "output", &ref, &bad, &err);
    if (st == ONR_STATUS_OK && c->session == NULL && (st = make_session(c, &in, &err)))
        bad = strdup(c->model_path);
    if (st == ONR_STATUS_OK && (args = calloc((size_t)in.n + 1, sizeof *args)) == NULL)
        st = cli_error(&err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    if (st == ONR_STATUS_OK) {
        for (int i = 0; i < in.n; i++)
            args[i] = in.t[i], args[i].name = NULL;
        double t0 = cli_now();
        st = onr_session_run(c->session, args, in.n, &err);
        c->seconds += cli_now() - t0;
        if (st != ONR_STATUS_OK)
            bad = strdup(c->model_path);
    }
    if (st != ONR_STATUS_OK) {
        cli_report(bad ? bad : c->dir, err.message);
        snprintf(c->why, sizeof c->why, "%s: %s", set_name, err.message);
    } else {
        pass = compare_outputs(c, &ref);
    }
    free(args);
    free(bad);
    free(set_dir);
    tensor_set_free(&in);
    tensor_set_free(&ref);
    return pass;
}

static const char *case_name(const char *dir, char *buf, size_t size)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(buf, size, "%.*s", (int)(n - start), dir + start);
    return buf;
}

/* Runs every data set of one case folder and prints its line. */
static int run_case(const char *dir, const struct cli_config *cfg)
{
    struct case_run c = {.cfg = cfg, .dir = dir};
    struct onr_error err;
    char **sets = NULL, name[256];
    int n_sets = 0, pass = 0;
    c.model_path = cli_path_join(dir, "model.onnx");
    if (c.model_path == NULL) {
        snprintf(c.why, sizeof c.why, "out of memory");
    } else if (!cli_is_dir(dir)) {
        snprintf(c.why, sizeof c.why, "not a folder");
        cli_report(dir, "not a folder");
    } else if (onr_model_load_file(c.model_path, &c.model, &err) != ONR_STATUS_OK) {
        cli_report(c.model_path, err.message);
        snprintf(c.why, sizeof c.why, "model.onnx: %s", err.message);
    } else if ((n_sets = list_data_sets(dir, &sets)) == 0) {
        snprintf(c.why, sizeof c.why, "no test_data_set_* folder");
        cli_report(dir, c.why);
    } else {
        pass = 1;
        for (int i = 0; i < n_sets && pass; i++)
            pass = run_data_set(&c, sets[i]);
    }
    case_name(dir, name, sizeof name);
    if (pass)
        printf("%-44s PASS  max abs %.3g  max rel %.3g  %.3f ms\n", name, c.max_abs,
               c.max_rel, 1e3 * c.seconds);
    else
        printf("%-44s FAIL  %s\n", name, c.why);
    fflush(stdout);
    for (int i = 0; i < n_sets; i++)
        free(sets[i]);
    free(sets);
    onr_session_free(c.session);
    onr_model_free(c.model);
    free(c.model_path);
    return pass;
}

int testcase_run_dirs(char *const *dirs, int n_dirs, const struct cli_config *cfg)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < n_dirs; i++) {
        if (run_case(dirs[i], cfg))
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
