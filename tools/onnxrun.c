/* onnxrun: the command-line tool. Parses the arguments and hands over to
 * the plain run (run.c), --test (testcase.c) or --info (info.c). The only
 * code in the project that prints freely and calls exit(): status 0 on
 * success, 1 on a failure, 2 on a usage error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "info.h"
#include "run.h"
#include "testcase.h"

static const char usage_text[] =
    "usage: onnxrun [options] MODEL                 run on generated inputs, print outputs\n"
    "       onnxrun [options] MODEL -i NAME=FILE... -o OUTDIR\n"
    "       onnxrun [options] --test DIR [DIR...]   run ONNX test-case folders\n"
    "       onnxrun [options] --info MODEL          show the graph, MACs and weights\n"
    "       onnxrun --list-ops                      the supported operators and opsets\n"
    "MODEL is a .onnx file or a folder holding model.onnx.\n"
    "\n"
    "options:\n"
    "  -i, --input [NAME=]FILE  an input from a .npy or TensorProto .pb file (by position\n"
    "                           without NAME); others get uniform [-1,1) data, fixed seed\n"
    "  -o, --output DIR         write each output as DIR/<name>.npy\n"
    "  --threads N              OpenMP threads (default: all cores)\n"
    "  --shape NAME=AxBxC       shape of an input with symbolic dims (else they are 1)\n"
    "  --bench N                one warm-up run, then N timed runs: min, median, p90\n"
    "  --profile FILE.json      per-node times as Chrome trace JSON, summary on stderr\n"
    "  --max-memory SIZE        refuse a session that needs more (bytes, or with a K, M, G\n"
    "                           or T suffix, powers of 1024; 0: no cap). Default: 80% of\n"
    "                           physical memory\n"
    "  --reference              scalar reference kernels only\n"
    "  --winograd off|2x2|4x4   Winograd tile for dense 3x3 stride-1 Convs (default 2x2)\n"
    "  --no-opt                 no graph optimisation passes\n"
    "  --skip-pass NAME         leave one pass out: fold_batchnorm, fuse_activation,\n"
    "                           eliminate_identity, fuse_residual, nchwc_layout,\n"
    "                           fuse_stem, fuse_expand, fuse_project\n"
    "  --with-pass NAME         add one pass back (after --no-opt: only the named ones)\n"
    "  --atol A, --rtol R       --test tolerance: |got-ref| <= A + R*|ref|\n"
    "                           (default 1e-5, 1e-4; integer and bool outputs exact)\n"
    "  -h, --help               this text\n"
    "  --version                the version\n";

static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "onnxrun: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'onnxrun --help'.\n");
    exit(2);
}

static long parse_count(const char *opt, const char *text, long min)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < min || v > 1000000) {
        fprintf(stderr, "onnxrun: %s: bad number '%s' (expected an integer >= %ld)\n", opt,
                text, min);
        fprintf(stderr, "Try 'onnxrun --help'.\n");
        exit(2);
    }
    return v;
}

static double parse_tolerance(const char *opt, const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v) || v < 0) {
        fprintf(stderr, "onnxrun: %s: bad tolerance '%s' (expected a number >= 0)\n", opt,
                text);
        fprintf(stderr, "Try 'onnxrun --help'.\n");
        exit(2);
    }
    return v;
}

/* "512M", "1.5G", "4096", "0" -> bytes (K/M/G/T: powers of 1024, an
 * optional trailing B or iB). */
static size_t parse_size(const char *opt, const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    double unit = 1;
    switch (*end) {
    case 'k': case 'K': unit = 1024.0; end++; break;
    case 'm': case 'M': unit = 1024.0 * 1024; end++; break;
    case 'g': case 'G': unit = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': unit = 1024.0 * 1024 * 1024 * 1024; end++; break;
    }
    if (unit > 1 && *end == 'i') end++;
    if (*end == 'B' || *end == 'b') end++;
    if (errno || end == text || *end != '\0' || !isfinite(v) || v < 0 || v * unit >= 0x1p63) {
        fprintf(stderr, "onnxrun: %s: bad size '%s' (expected bytes, or a number with K, M, G or T)\n",
                opt, text);
        fprintf(stderr, "Try 'onnxrun --help'.\n");
        exit(2);
    }
    return (size_t)(v * unit);
}

static void add_shape(struct cli_config *cfg, char *text)
{
    char *eq = strrchr(text, '=');
    struct onr_error err;
    if (eq == NULL || eq == text)
        usage_error("--shape '%s': expected NAME=AxBxC", text);
    if (cfg->n_shapes == CLI_MAX_SHAPES)
        usage_error("too many --shape options (%s)", text);
    struct onr_tensor_ref *t = &cfg->shapes[cfg->n_shapes];
    memset(t, 0, sizeof *t);
    if (cli_parse_shape(eq + 1, t, &err) != ONR_STATUS_OK)
        usage_error("--shape: %s", err.message);
    *eq = '\0';
    t->name = text;
    cfg->n_shapes++;
}

enum mode { MODE_RUN, MODE_TEST, MODE_INFO };

struct args {
    enum mode mode;
    struct cli_config cfg;
    char **positional;
    int n_positional;
    char **inputs;
    int n_inputs;
    const char *outdir;
};

/* The value of option argv[*i]: "--opt=value" or "--opt value". */
static char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (*i + 1 >= argc)
        usage_error("%s needs a value", name);
    return argv[++*i];
}

static int is_option(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* --winograd's value as an enum onr_winograd_option. */
static int parse_winograd(const char *text)
{
    if (strcmp(text, "off") == 0) return ONR_WINOGRAD_TILE_OFF;
    if (strcmp(text, "2x2") == 0) return ONR_WINOGRAD_TILE_2X2;
    if (strcmp(text, "4x4") == 0) return ONR_WINOGRAD_TILE_4X4;
    usage_error("--winograd '%s': expected off, 2x2 or 4x4", text);
    return ONR_WINOGRAD_TILE_DEFAULT;
}

/* The enum onr_pass bit called name; a usage error when there is none. */
static unsigned pass_bit(const char *name)
{
    static const struct {
        const char *name;
        unsigned bit;
    } passes[] = {
        {"fold_batchnorm", ONR_PASS_FOLD_BATCHNORM},   {"fuse_activation", ONR_PASS_FUSE_ACTIVATION},
        {"eliminate_identity", ONR_PASS_ELIMINATE_IDENTITY},
        {"fuse_residual", ONR_PASS_FUSE_RESIDUAL},
        {"nchwc_layout", ONR_PASS_NCHWC_LAYOUT},
        {"fuse_stem", ONR_PASS_FUSE_STEM},
        {"fuse_expand", ONR_PASS_FUSE_EXPAND},
        {"fuse_project", ONR_PASS_FUSE_PROJECT},
    };
    for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++)
        if (strcmp(passes[i].name, name) == 0) return passes[i].bit;
    usage_error("unknown pass '%s'", name);
    return 0;
}

static void list_ops(void)
{
    int n = onr_supported_op_count();
    printf("%-24s %-10s %s\n", "operator", "domain", "opsets");
    for (int i = 0; i < n; i++) {
        const char *op, *domain;
        int lo, hi;
        if (onr_supported_op(i, &op, &domain, &lo, &hi) != ONR_STATUS_OK) continue;
        printf("%-24s %-10s %d-%d\n", op, domain[0] ? domain : "ai.onnx", lo, hi);
    }
    printf("%d operators\n", n);
}

static void parse_args(int argc, char **argv, struct args *a)
{
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(usage_text, stdout);
            exit(0);
        } else if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
            printf("onnxrun %s\n", ONR_VERSION_STRING);
            exit(0);
        } else if (strcmp(arg, "--list-ops") == 0) {
            list_ops();
            exit(0);
        } else if (strcmp(arg, "--test") == 0) {
            a->mode = MODE_TEST;
        } else if (strcmp(arg, "--info") == 0) {
            a->mode = MODE_INFO;
        } else if (strcmp(arg, "-i") == 0 || is_option(arg, "--input")) {
            a->inputs[a->n_inputs++] = option_value(argc, argv, &i, arg[1] == 'i' ? "-i" : "--input");
        } else if (strcmp(arg, "-o") == 0 || is_option(arg, "--output")) {
            a->outdir = option_value(argc, argv, &i, arg[1] == 'o' ? "-o" : "--output");
        } else if (is_option(arg, "--threads")) {
            a->cfg.threads = (int)parse_count("--threads", option_value(argc, argv, &i, "--threads"), 0);
        } else if (is_option(arg, "--bench")) {
            a->cfg.bench_runs = (int)parse_count("--bench", option_value(argc, argv, &i, "--bench"), 1);
        } else if (is_option(arg, "--shape")) {
            add_shape(&a->cfg, option_value(argc, argv, &i, "--shape"));
        } else if (is_option(arg, "--max-memory")) {
            a->cfg.max_memory = parse_size("--max-memory", option_value(argc, argv, &i, "--max-memory"));
        } else if (is_option(arg, "--profile")) {
            a->cfg.profile_path = option_value(argc, argv, &i, "--profile");
        } else if (is_option(arg, "--atol")) {
            a->cfg.atol = parse_tolerance("--atol", option_value(argc, argv, &i, "--atol"));
        } else if (is_option(arg, "--rtol")) {
            a->cfg.rtol = parse_tolerance("--rtol", option_value(argc, argv, &i, "--rtol"));
        } else if (is_option(arg, "--winograd")) {
            a->cfg.winograd = parse_winograd(option_value(argc, argv, &i, "--winograd"));
        } else if (strcmp(arg, "--reference") == 0) {
            a->cfg.reference_kernels = 1;
        } else if (strcmp(arg, "--no-opt") == 0) {
            a->cfg.passes = 0;
        } else if (is_option(arg, "--skip-pass")) {
            a->cfg.passes &= ~pass_bit(option_value(argc, argv, &i, "--skip-pass"));
        } else if (is_option(arg, "--with-pass")) {
            a->cfg.passes |= pass_bit(option_value(argc, argv, &i, "--with-pass"));
        } else if (strcmp(arg, "--") == 0) {
            while (++i < argc)
                a->positional[a->n_positional++] = argv[i];
        } else if (arg[0] == '-' && arg[1] != '\0') {
            usage_error("unknown option '%s'", arg);
        } else {
            a->positional[a->n_positional++] = arg;
        }
    }
}

/* Options that only make sense for a plain run. */
static void check_mode(const struct args *a)
{
    const char *what = a->mode == MODE_TEST ? "--test" : "--info";
    if (a->mode == MODE_RUN) {
        if (a->n_positional == 0)
            usage_error("no model given%s", "");
        if (a->n_positional > 1)
            usage_error("expected one model; '%s' is one too many", a->positional[1]);
        return;
    }
    if (a->n_inputs || a->outdir || a->cfg.bench_runs || a->cfg.profile_path)
        usage_error("-i, -o, --bench and --profile cannot be used with %s", what);
    if (a->n_positional == 0)
        usage_error("%s needs a folder or model", what);
    if (a->mode == MODE_INFO && a->n_positional != 1)
        usage_error("%s takes one model", what);
}

int main(int argc, char **argv)
{
    struct args a;
    memset(&a, 0, sizeof a);
    a.cfg.passes = ONR_PASS_DEFAULT;
    a.cfg.atol = 1e-5;
    a.cfg.rtol = 1e-4;
    a.cfg.max_memory = cli_default_max_memory();
    a.positional = calloc((size_t)argc + 1, sizeof *a.positional);
    a.inputs = calloc((size_t)argc + 1, sizeof *a.inputs);
    if (a.positional == NULL || a.inputs == NULL) {
        fprintf(stderr, "onnxrun: out of memory\n");
        return 1;
    }
    parse_args(argc, argv, &a);
    check_mode(&a);
    int rc;
    if (a.mode == MODE_TEST)
        rc = testcase_run_dirs(a.positional, a.n_positional, &a.cfg);
    else if (a.mode == MODE_INFO)
        rc = info_print(a.positional[0], &a.cfg);
    else
        rc = run_model(a.positional[0], &a.cfg, a.inputs, a.n_inputs, a.outdir);
    free(a.positional);
    free(a.inputs);
    return rc;
}
