/* onnxrun --info: the graph as the session will run it: inputs and
 * outputs, one line per node (output shape, parameters, multiply-
 * accumulates, weights) and totals; then the model as loaded, before any
 * optimisation pass: its MACs and weights in all and by operator, and for
 * each depthwise conv followed by a pointwise 1x1 conv the weights and MACs
 * saved against one standard conv. */
#ifndef ONR_CLI_INFO_H
#define ONR_CLI_INFO_H

#include "cli_util.h"

/* Returns the process exit status. */
int info_print(const char *arg, const struct cli_config *cfg);

#endif
