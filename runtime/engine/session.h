/* Internal state of a model and a session (the engine: this folder). A session owns a copy of the
 * node wiring (so optimisation passes can rewrite it without touching the
 * model), one tensor per value, the planned arena and a shared workspace. */
#ifndef ONR_SESSION_H
#define ONR_SESSION_H

#include <stdatomic.h>

#include "../../ops/op.h"
#include "../graph.h"

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

/* Which input of which node needs a graph input's value at prepare. */
struct onr_value_reader {
    int node;                     /* graph node index, or -1: none */
    int slot;                     /* the node's input that depends on it */
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
    int winograd_tile;              /* from options.winograd: 2, 4 or 0 (none) */
    int n_values, cap_values;
    struct onr_svalue *values;
    int n_xnodes;
    struct onr_xnode *xnodes;
    /* Nodes the graph passes built (fused and blocked operators, reorders):
     * names, op types, domains and attributes; owned here. */
    int n_pass_nodes, cap_pass_nodes;
    struct onr_node **pass_nodes;
    struct onr_shape *prepared_inputs; /* one per graph input */
    /* Value inputs: small graph inputs that an operator reads at prepare
     * (a shape, axes, pads, scales fed as inputs: onr_graph_value_readers)
     * are constants of the prepared session, as their values may decide
     * shapes. Owned copies; data is NULL until the first run supplies them. */
    struct onr_tensor *input_values;
    bool *value_input;                 /* input i is such an input */
    struct onr_value_reader *value_readers; /* per input: who reads it at prepare */
    unsigned prepares;                 /* times prepared (tests read it) */
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

/* prepare.c: the pipeline that makes a session ready to run (binding,
 * passes, shapes, kernels, memory) and its undoing. */
enum onr_status onr_session_prepare(struct onr_session *s, struct onr_error *err);
void onr_session_unprepare(struct onr_session *s);
/* Releases what one xnode's operator holds (its params, once init ran),
 * so the slot can take another definition; and that with the value and
 * tensor arrays too, so it can take another node or be dropped. */
void onr_xnode_release_params(struct onr_xnode *xn);
void onr_xnode_release(struct onr_xnode *xn);
/* Readers and writer of every value (n_consumers, producer), after a
 * change of the wiring. */
void onr_session_count_readers(struct onr_session *s);

/* value_inputs.c: readers[i] (one per graph input) is the node and input
 * slot whose operator reads, at infer or prepare, a value computed from
 * graph input i (its def's value_inputs, through producer nodes); node -1
 * for inputs only read at run time. */
enum onr_status onr_graph_value_readers(const struct onr_graph *g,
                                        struct onr_value_reader *readers,
                                        struct onr_error *err);

/* executor.c: runs the prepared nodes. */
enum onr_status onr_session_execute(struct onr_session *s, struct onr_error *err);

#endif
