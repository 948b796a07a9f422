/* The memory planner: places every intermediate tensor in one arena so that
 * two tensors share bytes only when their lifetimes do not overlap. */
#ifndef ONR_PLAN_H
#define ONR_PLAN_H

#include <stddef.h>

#include "error.h"

struct onr_plan_item {
    size_t bytes;    /* size needed */
    int first, last; /* steps (node positions) at which it is written / last read, inclusive */
    size_t offset;   /* out: byte offset in the arena, 64-byte aligned */
};

/* Greedy best-fit by decreasing size. Sets every item's offset and the
 * arena size (0 for no items). */
enum onr_status onr_plan_assign(struct onr_plan_item *items, int n, size_t *arena_bytes,
                                struct onr_error *err);

#endif
