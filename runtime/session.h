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

/* A caller's buffer for a graph output (onr_session_bind_output). */
struct onr_output_binding {
    void *data;          /* NULL: not bound */
    size_t nbytes;
    bool direct;         /* this run: the producer writes data itself */
    void *own;           /* this run: the value's own storage, put back after */
};

struct onr_session {
    const struct onr_model *model;
    struct onr_session_options options;
    struct onr_shape *input_shapes; /* options' copy */
    int threads;
    enum onr_isa isa;               /* the kernels' ISA level: the CPU's, capped by max_isa */
    int n_values, cap_values;
    struct onr_svalue *values;
    int n_xnodes;
    struct onr_xnode *xnodes;
    /* Nodes the graph passes built (fused and blocked operators, reorders):
     * names, op types, domains and attributes; owned here. */
    int n_pass_nodes, cap_pass_nodes;
    struct onr_node **pass_nodes;
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
    struct onr_output_binding *bindings; /* one per graph output, or NULL */
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
 * was merged into the Conv that produces its input (and is now removed);
 * *st is then the status of building the fused node. */
bool onr_session_fuse_late(struct onr_session *s, int i, enum onr_status *st,
                           struct onr_error *err);
/* Helpers every graph pass uses. Whether xn is a live (neither removed nor
 * folded) node of the default-domain operator op_type. */
bool onr_xnode_is(const struct onr_xnode *xn, const char *op_type);
/* The index of the one live node that reads value v, once; -1 when v is a
 * graph output (its name must stay), or is read more than once, or by
 * several nodes, or not at all. */
int onr_session_sole_reader(const struct onr_session *s, int v);
/* Takes ownership of node (built by a pass), also on failure. */
enum onr_status onr_session_own_node(struct onr_session *s, struct onr_node *node,
                                     struct onr_error *err);
/* Makes xnode i the operator def on the session-owned node (the name and
 * attributes), reading values in[0..n_in) and writing out[0..n_out): the
 * old node's params are released, the new ones initialised and, with
 * `shaped` (the old node was inferred and prepared), inferred and
 * prepared. */
enum onr_status onr_session_replace_node(struct onr_session *s, int i, const struct onr_node *node,
                                         const struct onr_op_def *def, const int *in, int n_in,
                                         const int *out, int n_out, bool shaped,
                                         struct onr_error *err);
/* layout.c: the NCHW16c pass, after every node is prepared. */
enum onr_status onr_session_layout(struct onr_session *s, struct onr_error *err);

#endif
