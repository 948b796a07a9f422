/* onnxrun --profile: Chrome trace-event JSON and a per-operator summary
 * (see profile.h). Each node becomes a complete ("X") event laid end to
 * end inside its run, so the trace shows each run's node sequence. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

enum onr_status profile_init(struct profile *p, int n_nodes, int max_runs,
                             struct onr_error *err)
{
    memset(p, 0, sizeof *p);
    size_t nn = n_nodes > 0 ? (size_t)n_nodes : 1, nr = max_runs > 0 ? (size_t)max_runs : 1;
    if (nn > SIZE_MAX / sizeof(double) / nr)
        return cli_error(err, ONR_STATUS_OUT_OF_MEMORY, "too many runs to profile");
    p->seconds = calloc(nn * nr, sizeof(double));
    p->run_start = calloc(nr, sizeof(double));
    if (p->seconds == NULL || p->run_start == NULL) {
        profile_free(p);
        return cli_error(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    }
    p->n_nodes = n_nodes;
    p->cap_runs = (int)nr;
    return ONR_STATUS_OK;
}

void profile_record(struct profile *p, const struct onr_session *session, double start)
{
    if (p->n_runs >= p->cap_runs)
        return;
    double *row = p->seconds + (size_t)p->n_runs * (size_t)p->n_nodes;
    for (int i = 0; i < p->n_nodes; i++)
        row[i] = onr_session_node_seconds(session, i);
    p->run_start[p->n_runs++] = start;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s != NULL && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

enum onr_status profile_write_json(const struct profile *p,
                                   const struct onr_session *session,
                                   const char *path, struct onr_error *err)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return cli_error(err, ONR_STATUS_IO, "cannot create: %s", strerror(errno));
    fprintf(f, "{\"traceEvents\": [\n");
    int first = 1;
    for (int r = 0; r < p->n_runs; r++) {
        double ts = (p->run_start[r] - p->run_start[0]) * 1e6, total = 0.0;
        const double *row = p->seconds + (size_t)r * (size_t)p->n_nodes;
        for (int i = 0; i < p->n_nodes; i++) {
            struct onr_node_info info;
            memset(&info, 0, sizeof info);
            if (onr_session_node_info(session, i, &info) != ONR_STATUS_OK)
                continue;
            fprintf(f, "%s  {\"name\": ", first ? "" : ",\n");
            json_string(f, info.name);
            fprintf(f, ", \"cat\": ");
            json_string(f, info.op_type);
            fprintf(f, ", \"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": %.3f, "
                       "\"dur\": %.3f, \"args\": {\"run\": %d, \"node\": %d, \"macs\": %lld}}",
                    ts + total * 1e6, row[i] * 1e6, r, i, (long long)info.macs);
            total += row[i];
            first = 0;
        }
    }
    fprintf(f, "\n], \"displayTimeUnit\": \"ms\"}\n");
    if (fclose(f) != 0)
        return cli_error(err, ONR_STATUS_IO, "write failed: %s", strerror(errno));
    return ONR_STATUS_OK;
}

struct op_total {
    const char *op_type;
    int nodes;
    double seconds;
};

static int by_seconds_desc(const void *a, const void *b)
{
    double x = ((const struct op_total *)a)->seconds, y = ((const struct op_total *)b)->seconds;
    return x < y ? 1 : x > y ? -1 : 0;
}

void profile_print_summary(const struct profile *p, const struct onr_session *session,
                           FILE *f)
{
    struct op_total *ops = calloc(p->n_nodes > 0 ? (size_t)p->n_nodes : 1, sizeof *ops);
    int n_ops = 0;
    double all = 0.0;
    if (ops == NULL || p->n_runs == 0) {
        free(ops);
        return;
    }
    for (int i = 0; i < p->n_nodes; i++) {
        struct onr_node_info info;
        memset(&info, 0, sizeof info);
        if (onr_session_node_info(session, i, &info) != ONR_STATUS_OK || !info.op_type)
            continue;
        double s = 0.0;
        for (int r = 0; r < p->n_runs; r++)
            s += p->seconds[(size_t)r * (size_t)p->n_nodes + (size_t)i];
        s /= p->n_runs;
        int k = 0;
        while (k < n_ops && strcmp(ops[k].op_type, info.op_type) != 0)
            k++;
        if (k == n_ops)
            ops[n_ops++].op_type = info.op_type;
        ops[k].nodes++;
        ops[k].seconds += s;
        all += s;
    }
    qsort(ops, (size_t)n_ops, sizeof *ops, by_seconds_desc);
    fprintf(f, "profile: mean over %d run%s\n", p->n_runs, p->n_runs == 1 ? "" : "s");
    fprintf(f, "  %-24s %6s %12s %7s\n", "operator", "nodes", "ms/run", "share");
    for (int k = 0; k < n_ops; k++)
        fprintf(f, "  %-24s %6d %12.4f %6.1f%%\n", ops[k].op_type, ops[k].nodes,
                1e3 * ops[k].seconds, all > 0 ? 100.0 * ops[k].seconds / all : 0.0);
    fprintf(f, "  %-24s %6d %12.4f\n", "total", p->n_nodes, 1e3 * all);
    free(ops);
}

void profile_free(struct profile *p)
{
    free(p->seconds);
    free(p->run_start);
    memset(p, 0, sizeof *p);
}
