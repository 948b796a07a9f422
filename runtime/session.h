/* Internal state of a model and a session. A session owns a copy of the
 * node wiring (so optimisation passes can rewrite it without touching the
 * model), one tensor per value, the planned arena and a shared workspace. */
#ifndef ONR_SESSION_H
#define ONR_SESSION_H

#include <stdatomic.h>

#include "../ops/op.h"
#include "graph.h"

struct onr_model {
    struct onr_graph graph;
};

/* A value as the session sees it. */
struct onr_svalue {
    struct onr_tensor t;        /* dtype, shape, data (borrowed, arena or owned) */
    const char *name;
    bool is_const;              /* data known before running */
    bool is_input;              /* bound to caller data at run time */
    bool is_output;             /* a graph output: lives to the end */
    int alias;                  /* value whose storage this one shares, or -1 */
    int producer;               /* xnode index, or -1 */
    int n_consumers;
    int last_use;               /* last xnode position reading it */
};

/* A node as the session runs it. */
struct onr_xnode {
    const struct onr_node *node;  /* name, op_type, attributes */
    const struct onr_op_def *def;
    struct onr_op_ctx ctx;
    int n_in, n_out;
    int *in, *out;                /* value indices, -1 when omitted */
    struct onr_tensor **x, **y;   /* the ctx's tensor pointers */
    bool initialised;             /* init ran: release must run */
    bool removed;                 /* eliminated by an optimisation pass */
    bool folded;                  /* all inputs constant: ran at prepare */
    bool skip_run;                /* a view sharing its input's storage */
    bool empty_output;            /* every output has zero elements: not run */
    double seconds;               /* last run, when profiling */
};

struct onr_session {
    const struct onr_model *model;
    struct onr_session_options options;
    struct onr_shape *input_shapes; /* options' copy */
    int threads;
    int n_values, cap_values;
    struct onr_svalue *values;
    int n_xnodes;
    struct onr_xnode *xnodes;
    /* Nodes the layout pass added (reorders): their names and op types. */
    int n_layout_nodes;
    struct onr_node *layout_nodes;
    struct onr_shape *prepared_inputs; /* one per graph input */
    /* Small integer inputs (shapes, axes, pads fed as inputs) are constants
     * of the prepared session: their values may decide shapes. Owned copies;
     * data is NULL until the first run supplies them. */
    struct onr_tensor *input_values;
    bool *value_input;                 /* input i is such an input */
    bool defaulted_dims;
    void *arena;
    size_t arena_bytes;
    void *workspace;
    size_t workspace_bytes;
    void **value_buffers;         /* no_arena mode: one allocation per value */
    bool profiling;
    bool ready;
    atomic_flag running;          /* set while onr_session_run runs */
};

/* executor.c */
enum onr_status onr_session_prepare(struct onr_session *s, struct onr_error *err);
void onr_session_unprepare(struct onr_session *s);
enum onr_status onr_session_execute(struct onr_session *s, struct onr_error *err);

/* optimize.c: graph passes on the session's wiring, after init. */
enum onr_status onr_session_optimize(struct onr_session *s, struct onr_error *err);
/* Fusions that need shapes: called for node i before its shape inference,
 * when every earlier node is inferred and prepared. Returns true when node i
 * was merged into the Conv that produces its input (and is now removed). */
bool onr_session_fuse_late(struct onr_session *s, int i);
/* Fusions of prepared nodes: called right after node i's prepare. */
void onr_session_fuse_prepared(struct onr_session *s, int i);
/* layout.c: the NCHW16c pass, after every node is prepared. */
enum onr_status onr_session_layout(struct onr_session *s, struct onr_error *err);

#endif
