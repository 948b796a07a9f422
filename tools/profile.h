/* onnxrun --profile: per-node times of each run (from
 * onr_session_node_seconds), written as Chrome trace-event JSON
 * (chrome://tracing, Perfetto) and summarised per operator type. */
#ifndef ONR_CLI_PROFILE_H
#define ONR_CLI_PROFILE_H

#include <stdio.h>

#include "cli_util.h"

struct profile {
    int n_nodes, n_runs, cap_runs;
    double *seconds;     /* n_runs x n_nodes */
    double *run_start;   /* cli_now() at the start of each run */
};

enum onr_status profile_init(struct profile *p, int n_nodes, int max_runs,
                             struct onr_error *err);
/* Stores the node times of the run that started at start (ignored when
 * max_runs have been recorded). */
void profile_record(struct profile *p, const struct onr_session *session, double start);
enum onr_status profile_write_json(const struct profile *p,
                                   const struct onr_session *session,
                                   const char *path, struct onr_error *err);
/* Per operator type: nodes, mean ms per run, share of the total. */
void profile_print_summary(const struct profile *p, const struct onr_session *session,
                           FILE *f);
void profile_free(struct profile *p);

#endif
