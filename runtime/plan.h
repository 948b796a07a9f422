/* The memory planner: the lifetime of every tensor written at run time,
 * from the steps (nodes, in run order) that write and read it, and one
 * arena in which two tensors share bytes only when their lifetimes do not
 * overlap. It knows values and steps by index only, not sessions. */
#ifndef ONR_PLAN_H
#define ONR_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct onr_plan_item {
    size_t bytes;    /* size needed */
    int first, last; /* steps (node positions) at which it is written / last read, inclusive */
    size_t offset;   /* out: byte offset in the arena, 64-byte aligned */
};

/* A value as the planner sees it. */
struct onr_plan_value {
    size_t bytes;
    bool planned;    /* written at run time into storage of its own */
    bool is_output;  /* a graph output: lives to the end */
    int alias;       /* the value whose storage this one shares (a view), or -1 */
};
/* Step `step` writes (write) or reads value `value`. */
struct onr_plan_use {
    int step, value;
    bool write;
};

/* One item per planned value that some step writes, from its last writer
 * to its last reader (at least its writer); a value whose views are read
 * later lives as long as they are, an output to step n_steps. items and
 * owner (the value of each item) hold n_values entries. Returns the number
 * of items. */
int onr_plan_lifetimes(const struct onr_plan_value *values, int n_values,
                       const struct onr_plan_use *uses, int n_uses, int n_steps,
                       struct onr_plan_item *items, int *owner);

/* Greedy best-fit by decreasing size. Sets every item's offset and the
 * arena size (0 for no items). */
enum onr_status onr_plan_assign(struct onr_plan_item *items, int n, size_t *arena_bytes,
                                struct onr_error *err);

#endif
