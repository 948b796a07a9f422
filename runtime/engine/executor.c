/* The executor: runs a prepared session's nodes in order (prepare.c made
 * them ready; this only computes). Constant, removed, view and empty nodes
 * are skipped; with profiling each node's time is kept. */
#include <time.h>

#include "../cpu.h"
#include "session.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static enum onr_status execute_nodes(struct onr_session *s, struct onr_error *err)
{
    /* Views of inputs follow the caller's buffers, which change per run. */
    for (int v = 0; v < s->n_values; v++)
        if (s->values[v].alias >= 0) s->values[v].t.data = s->values[s->values[v].alias].t.data;
    for (int i = 0; i < s->n_xnodes; i++) {
        struct onr_xnode *xn = &s->xnodes[i];
        if (xn->removed || xn->folded || xn->skip_run || xn->empty_output) continue;
        double t0 = s->profiling ? now_seconds() : 0.0;
        enum onr_status st = xn->def->run(&xn->ctx, err);
        if (s->profiling) xn->seconds = now_seconds() - t0;
        if (st != ONR_STATUS_OK) return st; /* ops name their node */
    }
    return ONR_STATUS_OK;
}

enum onr_status onr_session_execute(struct onr_session *s, struct onr_error *err)
{
    const unsigned fp_state = onr_cpu_flush_denormals(s->threads);
    enum onr_status st = execute_nodes(s, err);
    onr_cpu_restore_denormals(fp_state, s->threads);
    return st;
}
