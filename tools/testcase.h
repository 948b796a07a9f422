/* onnxrun --test: runs ONNX test-case folders (DIR/model.onnx and
 * DIR/test_data_set_N/{input,output}_K.pb), compares each output with
 * its reference, and prints one line per case and a summary. */
#ifndef ONR_CLI_TESTCASE_H
#define ONR_CLI_TESTCASE_H

#include "cli_util.h"

/* Returns the process exit status: 0 when every case passed, else 1. */
int testcase_run_dirs(char *const *dirs, int n_dirs, const struct cli_config *cfg);

/* Compares got with ref: same dtype and shape; float32/float64 within
 * |got - ref| <= atol + rtol*|ref| elementwise (NaN matches NaN, inf must
 * match exactly), every other dtype exactly. Fills the largest absolute
 * and relative errors (relative over elements with ref != 0) and, on
 * failure, why. Returns 1 when they match. */
int testcase_compare(const struct onr_tensor_ref *got, const struct onr_tensor_ref *ref,
                     double atol, double rtol, double *max_abs, double *max_rel,
                     char *why, size_t why_size);

#endif
