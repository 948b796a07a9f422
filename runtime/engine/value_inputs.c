/* Which graph inputs an operator needs the values of when the session is
 * prepared (see session.h, onr_graph_value_readers). The operators say it:
 * bit k of a definition's value_inputs marks input k as read by infer or
 * prepare. A graph input is such an input when it reaches a marked slot
 * directly or through the nodes computing that slot's value. The walk stops
 * at shape-only nodes (Shape, Size): their outputs do not depend on their
 * inputs' data, so the data input of a Reshape(x, Shape(x)) is not one. */
#include <stdlib.h>

#include "session.h"

enum onr_status onr_graph_value_readers(const struct onr_graph *g,
                                        struct onr_value_reader *readers,
                                        struct onr_error *err)
{
    /* need[v]: the node and slot whose value depends on value v's data. */
    struct onr_value_reader *need = malloc(((size_t)g->n_values + 1) * sizeof *need);
    if (need == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    for (int v = 0; v < g->n_values; v++) need[v] = (struct onr_value_reader){.node = -1};
    /* Nodes are sorted: walking backwards, a value's readers come before
     * its producer, so one pass carries every need to the graph inputs. */
    for (int j = g->n_nodes - 1; j >= 0; j--) {
        const struct onr_node *n = &g->nodes[j];
        const struct onr_op_def *def = onr_op_find(n->op_type, n->domain, g->opset);
        /* Unknown and internal operators fail at prepare with their own
         * message: nothing to learn from them here. */
        if (def == NULL || (def->flags & ONR_OP_FLAG_INTERNAL)) continue;
        struct onr_value_reader out = {.node = -1};
        for (int k = 0; k < n->n_outputs && out.node < 0; k++)
            if (n->outputs[k] >= 0) out = need[n->outputs[k]];
        if (def->flags & ONR_OP_FLAG_SHAPE_ONLY) out.node = -1;
        for (int k = 0; k < n->n_inputs; k++) {
            const int v = n->inputs[k];
            if (v < 0 || need[v].node >= 0) continue;
            if (k < 32 && (def->value_inputs >> k & 1u))
                need[v] = (struct onr_value_reader){.node = j, .slot = k};
            else if (out.node >= 0)
                need[v] = out;
        }
    }
    for (int i = 0; i < g->n_inputs; i++) readers[i] = need[g->inputs[i]];
    free(need);
    return ONR_STATUS_OK;
}
