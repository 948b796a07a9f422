/* onnxrun's plain run: open a model and its session, feed it inputs read
 * from .npy / .pb files or generated deterministically, run it once or
 * benchmark it, print and optionally save the outputs. */
#ifndef ONR_CLI_RUN_H
#define ONR_CLI_RUN_H

#include "cli_util.h"

/* Loads the model at arg: a .onnx file, or a folder holding model.onnx
 * (*model_path, malloc'd, says which). Prints any error and returns the
 * exit status, 0 on success. */
int run_open_model(const char *arg, struct onr_model **model, char **model_path);
/* Creates the session with the --shape shapes plus extra (shapes for other
 * symbolic inputs); notes on stderr which symbolic dims were defaulted to
 * 1. Prints any error and returns the exit status, 0 on success. */
int run_open_session(const struct onr_model *model, const char *model_path,
                     const struct cli_config *cfg, const struct onr_tensor_ref *extra,
                     int n_extra, struct onr_session **session);

/* specs: "name=file" or "file" (by position), .npy or TensorProto .pb.
 * outdir: where <output>.npy files go, or NULL. Returns the exit status. */
int run_model(const char *arg, const struct cli_config *cfg, char *const *specs,
              int n_specs, const char *outdir);

#endif
