/* One-node operator runs for the ops tests: build an onr_node with
 * attributes, then drive the operator's hooks the way the executor does
 * (registry lookup, arity check, init -> infer -> output allocation ->
 * prepare -> workspace -> run -> release) on caller-given input tensors. */
#ifndef ONR_TEST_OP_HARNESS_H
#define ONR_TEST_OP_HARNESS_H

#include <stdbool.h>

#include "ops/op.h"

#define OH_MAX_ATTRS 16

/* A node that owns its attributes; free with oh_node_free. */
struct oh_node {
    struct onr_node node;
    struct onr_attr attrs[OH_MAX_ATTRS];
    char name[64];
    char op_type[64];
};

void oh_node_init(struct oh_node *n, const char *op_type, const char *name);
void oh_node_free(struct oh_node *n);
/* Each adds (a copy of) one attribute. */
void oh_attr_int(struct oh_node *n, const char *name, int64_t v);
void oh_attr_float(struct oh_node *n, const char *name, float v);
void oh_attr_string(struct oh_node *n, const char *name, const char *s);
void oh_attr_ints(struct oh_node *n, const char *name, const int64_t *v, size_t count);
void oh_attr_floats(struct oh_node *n, const char *name, const float *v, size_t count);
void oh_attr_tensor(struct oh_node *n, const char *name, const struct onr_tensor *t);

/* Allocates t as float32 of the given dims and copies data (if not NULL). */
void oh_tensor_f32(struct onr_tensor *t, int rank, const int64_t *dims, const float *data);

struct oh_opts {
    int64_t opset;          /* 0: 13 */
    int threads;            /* 0: 1 */
    bool reference;
    unsigned const_mask;    /* bit i: input i is constant (data visible at prepare) */
    /* Optional: called after init (e.g. to fuse an activation) and after
     * prepare (e.g. to call describe); a non-OK status stops the run. */
    enum onr_status (*after_init)(struct onr_op_ctx *ctx, void *arg, struct onr_error *err);
    enum onr_status (*after_prepare)(const struct onr_op_def *def, struct onr_op_ctx *ctx,
                                     void *arg, struct onr_error *err);
    void *arg;
};

/* Runs the node on inputs x (x[i] NULL for an omitted input). y[k] are
 * zeroed tensors (NULL for an omitted output) that receive owned outputs,
 * freed by the caller with onr_tensor_free, also on failure. Returns the
 * first failing hook's status with its message in err. */
enum onr_status oh_run(const struct oh_node *n, const struct oh_opts *opts,
                       struct onr_tensor **x, int n_x, struct onr_tensor **y, int n_y,
                       struct onr_error *err);

/* Expects oh_run to fail with `want` and a message naming the node; prints
 * and counts a failure otherwise. */
void oh_expect_error(const char *what, const struct oh_node *n, const struct oh_opts *opts,
                     struct onr_tensor **x, int n_x, int n_y, enum onr_status want);

#endif
