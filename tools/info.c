/* onnxrun --info (see info.h). The report of the model as loaded comes
 * from a second session without optimisation passes, since the passes fuse
 * and reorder nodes. Separable pairs are found by names: the
 * pointwise conv reads the depthwise conv's output, possibly through
 * single-input activations or a BatchNormalization (as with --no-opt).
 * When the library gives no input names, the next node is taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"
#include "run.h"

static void print_io(const struct onr_model *model, const struct onr_session *session)
{
    char decl[128], prep[128];
    printf("inputs:\n");
    for (int i = 0; i < onr_model_input_count(model); i++) {
        struct onr_tensor_ref d, p;
        if (onr_model_input(model, i, &d) != ONR_STATUS_OK)
            continue;
        cli_format_shape(&d, decl, sizeof decl);
        printf("  '%s' %s %s", d.name, onr_dtype_name(d.dtype), decl);
        int symbolic = 0;
        for (int j = 0; j < d.rank; j++) {
            const char *param = onr_model_input_dim_param(model, i, j);
            if (d.dims[j] < 0)
                printf("%s dim %d = %s", symbolic++ ? "," : " (symbolic:", j,
                       param ? param : "?");
        }
        printf("%s", symbolic ? ")" : "");
        if (onr_session_input(session, i, &p) == ONR_STATUS_OK) {
            cli_format_shape(&p, prep, sizeof prep);
            if (strcmp(prep, decl) != 0)
                printf(" -> prepared as %s", prep);
        }
        printf("\n");
    }
    printf("outputs:\n");
    for (int i = 0; i < onr_model_output_count(model); i++) {
        struct onr_tensor_ref d;
        if (onr_model_output(model, i, &d) != ONR_STATUS_OK)
            continue;
        cli_format_shape(&d, decl, sizeof decl);
        printf("  '%s' %s %s\n", d.name, onr_dtype_name(d.dtype), decl);
    }
}

static int is_depthwise(const struct onr_node_info *n)
{
    return strcmp(n->op_type, "Conv") == 0 && n->conv_group > 1 && n->conv_group == n->conv_c;
}

static int is_pointwise(const struct onr_node_info *n)
{
    return strcmp(n->op_type, "Conv") == 0 && n->conv_group == 1 && n->conv_kh == 1 &&
           n->conv_kw == 1;
}

/* Ops that may sit between the two convs of a separable pair. */
static int is_pass_through(const char *op)
{
    static const char *const ops[] = {"Relu", "Clip", "BatchNormalization", "LeakyRelu",
                                      "HardSwish", "HardSigmoid", "Sigmoid", "Identity"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i]) == 0)
            return 1;
    return 0;
}

/* The node reading node i's output (through pass-through ops), or -1. */
static int consumer(const struct onr_node_info *nodes, int n, int i)
{
    const char *value = nodes[i].output_name;
    if (nodes[i].input_name == NULL && (i + 1 >= n || nodes[i + 1].input_name == NULL))
        return i + 1 < n ? i + 1 : -1;
    for (int j = i + 1; j < n && value != NULL; j++) {
        if (nodes[j].input_name == NULL || strcmp(nodes[j].input_name, value) != 0)
            continue;
        if (!is_pass_through(nodes[j].op_type))
            return j;
        value = nodes[j].output_name;
    }
    return -1;
}

static void print_pair(const struct onr_node_info *dw, const struct onr_node_info *pw)
{
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
    int64_t K = dw->conv_kh * dw->conv_kw, C = dw->conv_c, OC = pw->conv_oc;
    int64_t w_dw = dw->conv_oc * K, w_pw = pw->conv_c * OC, w_sep = w_dw + w_pw;
    int64_t w_std = C * OC * K, spatial = 0, numel = 1;
    for (int j = 0; j < pw->output.rank; j++)
        numel *= pw->output.dims[j] > 0 ? pw->output.dims[j] : 0;
    if (OC > 0)
        spatial = numel / OC;
    int64_t m_sep = dw->macs + pw->macs, m_std = spatial * w_std;
    printf("  separable pair: depthwise %lldx%lld (%s weights) + pointwise 1x1 (%s weights) = "
           "%s weights, %s MACs; one standard %lldx%lld conv %lld->%lld: %s weights, %s MACs; "
           "saving %s/%s = %.1fx  [%s + %s]\n",
           (long long)dw->conv_kh, (long long)dw->conv_kw,
           cli_thousands(w_dw, a, sizeof a), cli_thousands(w_pw, b, sizeof b),
           cli_thousands(w_sep, c, sizeof c), cli_thousands(m_sep, d, sizeof d),
           (long long)dw->conv_kh, (long long)dw->conv_kw, (long long)C, (long long)OC,
           cli_thousands(w_std, e, sizeof e), cli_thousands(m_std, f, sizeof f),
           cli_thousands(w_std, g, sizeof g), c, w_sep > 0 ? (double)w_std / w_sep : 0.0,
           dw->name, pw->name);
}

static void print_pairs(const struct onr_node_info *nodes, int n)
{
    int header = 0;
    for (int i = 0; i < n; i++) {
        if (!is_depthwise(&nodes[i]))
            continue;
        int j = consumer(nodes, n, i);
        if (j < 0 || !is_pointwise(&nodes[j]) || nodes[j].conv_c != nodes[i].conv_oc)
            continue;
        if (!header++)
            printf("separable pairs (weights count the W tensors only; biases, such as a "
                   "BatchNorm folded into the pointwise conv, are left out):\n");
        print_pair(&nodes[i], &nodes[j]);
    }
}

static void print_nodes(const struct onr_session *session, struct onr_node_info *nodes, int n)
{
    char shape[128], macs[32], weights[32];
    int64_t total_macs = 0, total_weights = 0;
    printf("nodes:\n  %4s  %-28s %-20s %-16s %16s %12s  %s\n", "#", "name", "op", "output",
           "MACs", "weights", "params");
    for (int i = 0; i < n; i++) {
        struct onr_node_info *x = &nodes[i];
        char op[64];
        cli_format_shape(&x->output, shape, sizeof shape);
        snprintf(op, sizeof op, "%s%s", x->op_type, x->folded ? " (folded)" : "");
        printf("  %4d  %-28s %-20s %-16s %16s %12s  %s\n", i, x->name, op, shape,
               cli_thousands(x->macs, macs, sizeof macs),
               cli_thousands(x->weights, weights, sizeof weights), x->params);
        total_macs += x->macs;
        total_weights += x->weights;
    }
    printf("totals: %d nodes, %s MACs, %s weights (%.2f MiB as float32), arena %s bytes\n", n,
           cli_thousands(total_macs, macs, sizeof macs),
           cli_thousands(total_weights, weights, sizeof weights),
           (double)total_weights * 4.0 / (1024.0 * 1024.0),
           cli_thousands((int64_t)onr_session_arena_bytes(session), shape, sizeof shape));
}

/* "N nodes: Conv 52, Clip 35, ..." in order of first appearance. */
static void print_op_counts(const char *what, const struct onr_session *session)
{
    enum { MAX_OPS = 64 };
    const char *ops[MAX_OPS];
    int counts[MAX_OPS], n_ops = 0, n = onr_session_node_count(session), live = 0;
    for (int i = 0; i < n; i++) {
        struct onr_node_info x;
        if (onr_session_node_info(session, i, &x) != ONR_STATUS_OK || x.folded) continue;
        live++;
        int k = 0;
        while (k < n_ops && strcmp(ops[k], x.op_type) != 0) k++;
        if (k == n_ops && n_ops < MAX_OPS) {
            ops[n_ops] = x.op_type;
            counts[n_ops++] = 0;
        }
        if (k < n_ops) counts[k]++;
    }
    printf("%s: %d nodes run (", what, live);
    for (int k = 0; k < n_ops; k++) printf("%s%s %d", k ? ", " : "", ops[k], counts[k]);
    printf(")\n");
}

/* node i's info into nodes[i] for every node of the session (names never
 * NULL); returns the count, or -1 after printing why. *out is malloc'd. */
static int node_infos(const struct onr_session *session, const char *model_path,
                      struct onr_node_info **out)
{
    int n = onr_session_node_count(session);
    struct onr_node_info *nodes = calloc(n > 0 ? (size_t)n : 1, sizeof *nodes);
    *out = nodes;
    if (nodes == NULL) {
        cli_report(model_path, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (onr_session_node_info(session, i, &nodes[i]) != ONR_STATUS_OK) {
            fprintf(stderr, "onnxrun: %s: no information for node %d\n", model_path, i);
            return -1;
        }
        if (nodes[i].name == NULL)
            nodes[i].name = "";
        if (nodes[i].op_type == NULL)
            nodes[i].op_type = "?";
    }
    return n;
}

/* The parameters and MACs of the graph as the file has it (a session
 * without optimisation passes), by operator, then its separable pairs:
 * what the model computes, whatever the passes fuse or reorder. */
static void print_as_loaded(const struct onr_node_info *nodes, int n)
{
    enum { MAX_OPS = 64 };
    const char *ops[MAX_OPS];
    int counts[MAX_OPS], n_ops = 0, live = 0;
    int64_t op_macs[MAX_OPS], op_weights[MAX_OPS], macs = 0, weights = 0;
    for (int i = 0; i < n; i++) {
        if (nodes[i].folded)
            continue;
        live++;
        macs += nodes[i].macs;
        weights += nodes[i].weights;
        int k = 0;
        while (k < n_ops && strcmp(ops[k], nodes[i].op_type) != 0)
            k++;
        if (k == n_ops && n_ops < MAX_OPS) {
            ops[n_ops] = nodes[i].op_type;
            counts[n_ops] = 0;
            op_macs[n_ops] = op_weights[n_ops] = 0;
            n_ops++;
        }
        if (k < n_ops) {
            counts[k]++;
            op_macs[k] += nodes[i].macs;
            op_weights[k] += nodes[i].weights;
        }
    }
    char a[32], b[32];
    printf("model as loaded (before the optimisation passes): %d nodes, %s MACs, %s weights "
           "(%.2f MiB as float32)\n", live, cli_thousands(macs, a, sizeof a),
           cli_thousands(weights, b, sizeof b), (double)weights * 4.0 / (1024.0 * 1024.0));
    for (int k = 0; k < n_ops; k++)
        if (op_macs[k] != 0 || op_weights[k] != 0)
            printf("  %-20s %4d nodes %16s MACs %12s weights\n", ops[k], counts[k],
                   cli_thousands(op_macs[k], a, sizeof a),
                   cli_thousands(op_weights[k], b, sizeof b));
    print_pairs(nodes, n);
}

/* The graph as the file has it and after the optimisation passes. */
static void print_passes(const struct onr_session *before, const struct onr_session *optimised)
{
    print_op_counts("before optimisation", before);
    print_op_counts("after optimisation", optimised);
}

int info_print(const char *arg, const struct cli_config *cfg)
{
    struct onr_model *model = NULL;
    struct onr_session *session = NULL, *loaded = NULL;
    struct onr_node_info *nodes = NULL, *loaded_nodes = NULL;
    char *model_path = NULL;
    int rc = run_open_model(arg, &model, &model_path);
    if (rc == 0)
        rc = run_open_session(model, model_path, cfg, NULL, 0, &session);
    /* The same model without passes, for the figures of the model as
     * loaded; with --no-opt that is the session itself. */
    int no_plain = 0;
    if (rc == 0 && cfg->passes != 0) {
        struct cli_config plain = *cfg;
        plain.passes = 0;
        no_plain = run_open_session(model, model_path, &plain, NULL, 0, &loaded) != 0;
    }
    if (rc != 0)
        goto free_all;
    int n = node_infos(session, model_path, &nodes);
    int n_loaded = loaded ? node_infos(loaded, model_path, &loaded_nodes) : n;
    if (n < 0 || n_loaded < 0) {
        rc = 1;
        goto free_all;
    }
    printf("model: %s (opset %lld)\n", model_path, (long long)onr_model_opset(model));
    print_io(model, session);
    if (loaded)
        print_passes(loaded, session);
    print_nodes(session, nodes, n);
    if (no_plain)
        printf("model as loaded: not shown, no session without the optimisation passes\n");
    else
        print_as_loaded(loaded ? loaded_nodes : nodes, n_loaded);
free_all:
    free(nodes);
    free(loaded_nodes);
    onr_session_free(loaded);
    onr_session_free(session);
    onr_model_free(model);
    free(model_path);
    return rc;
}
