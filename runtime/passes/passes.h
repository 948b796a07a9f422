/* The graph passes: one list of {name, phase, option, fn} that the prepare
 * pipeline (runtime/engine/prepare.c) walks, each pass where its phase
 * says, when its enum onr_pass bit is set in the session's options. A pass
 * rewrites the session's copy of the wiring (the model is never changed):
 * it removes nodes, rewires inputs, adds folded constants, or replaces a
 * node by one of the internal operators (onnxrun.fused, onnxrun.nchwc) it
 * builds with the helpers below. A new pass is a function and one line in
 * passes.c. */
#ifndef ONR_PASSES_H
#define ONR_PASSES_H

#include <stdbool.h>

#include "../engine/session.h"

enum onr_pass_phase {
    /* after every node's attributes are read, before shapes: the wiring */
    ONR_PASS_PHASE_WIRING,
    /* after every node is inferred and prepared: shapes and kernels known;
     * a node a pass builds is inferred and prepared when it is built */
    ONR_PASS_PHASE_PREPARED,
};

struct onr_graph_pass {
    const char *name;
    enum onr_pass_phase phase;
    unsigned option;             /* the enum onr_pass bit that turns it on */
    enum onr_status (*fn)(struct onr_session *s, struct onr_error *err);
};

/* In the order they run (passes.c). */
extern const struct onr_graph_pass onr_graph_passes[];
extern const int onr_graph_passes_count;

/* optimize.c */
enum onr_status onr_pass_eliminate_identity(struct onr_session *s, struct onr_error *err);
enum onr_status onr_pass_fold_batchnorm(struct onr_session *s, struct onr_error *err);
enum onr_status onr_pass_fuse_activation(struct onr_session *s, struct onr_error *err);
enum onr_status onr_pass_fuse_residual(struct onr_session *s, struct onr_error *err);
/* layout.c */
enum onr_status onr_pass_nchwc_layout(struct onr_session *s, struct onr_error *err);

/* Helpers every pass uses (optimize.c). Whether xn is a live (neither
 * removed nor folded) node of the default-domain operator op_type. */
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

#endif
