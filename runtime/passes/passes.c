/* The list of graph passes (passes.h), in the order they run. */
#include "passes.h"

const struct onr_graph_pass onr_graph_passes[] = {
    {"eliminate_identity", ONR_PASS_PHASE_WIRING, ONR_PASS_ELIMINATE_IDENTITY, onr_pass_eliminate_identity},
    {"fold_batchnorm", ONR_PASS_PHASE_WIRING, ONR_PASS_FOLD_BATCHNORM, onr_pass_fold_batchnorm},
    {"fuse_activation", ONR_PASS_PHASE_WIRING, ONR_PASS_FUSE_ACTIVATION, onr_pass_fuse_activation},
    /* needs shapes: r must have the Conv output's shape */
    {"fuse_residual", ONR_PASS_PHASE_PREPARED, ONR_PASS_FUSE_RESIDUAL, onr_pass_fuse_residual},
    /* needs prepared Convs: which have a blocked kernel */
    {"nchwc_layout", ONR_PASS_PHASE_PREPARED, ONR_PASS_NCHWC_LAYOUT, onr_pass_nchwc_layout},
};
const int onr_graph_passes_count = (int)(sizeof onr_graph_passes / sizeof onr_graph_passes[0]);
