/* The memory planner on random lifetimes: no two tensors alive at the same
 * step may share bytes, offsets are aligned, and the arena is never smaller
 * than the peak of live bytes nor larger than the sum of all. */
#include <stdlib.h>

#include "runtime/plan.h"
#include "testutil.h"

static uint64_t rng = 42;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_plan(struct onr_plan_item *items, int n, int steps)
{
    size_t arena = 0;
    struct onr_error err;
    CHECK_STATUS(onr_plan_assign(items, n, &arena, &err), ONR_STATUS_OK);
    size_t sum = 0;
    for (int i = 0; i < n; i++) {
        sum += (items[i].bytes + 63) / 64 * 64;
        CHECK(items[i].offset % 64 == 0);
        CHECK(items[i].offset + items[i].bytes <= arena);
        for (int j = i + 1; j < n; j++) {
            const struct onr_plan_item *a = &items[i], *b = &items[j];
            int together = a->first <= b->last && b->first <= a->last;
            int disjoint = a->offset + a->bytes <= b->offset || b->offset + b->bytes <= a->offset;
            if (together && !disjoint && a->bytes > 0 && b->bytes > 0) {
                fprintf(stderr, "items %d and %d overlap in time and memory\n", i, j);
                onr_test_failures++;
            }
        }
    }
    CHECK(arena <= sum);
    for (int t = 0; t < steps; t++) {
        size_t live = 0;
        for (int i = 0; i < n; i++)
            if (items[i].first <= t && t <= items[i].last) live += items[i].bytes;
        CHECK(live <= arena);
    }
}

int main(void)
{
    struct onr_plan_item items[200];
    for (int round = 0; round < 300; round++) {
        int n = 1 + (int)(next() % 200), steps = 1 + (int)(next() % 60);
        for (int i = 0; i < n; i++) {
            int a = (int)(next() % (uint64_t)steps), b = (int)(next() % (uint64_t)steps);
            items[i].first = a < b ? a : b;
            items[i].last = a < b ? b : a;
            items[i].bytes = (next() % 4 == 0) ? 0 : 1 + next() % 100000;
            items[i].offset = 0;
        }
        check_plan(items, n, steps);
    }
    /* A chain (each value read only by the next step) needs two buffers. */
    for (int i = 0; i < 10; i++) items[i] = (struct onr_plan_item){.bytes = 1024, .first = i, .last = i + 1};
    size_t arena = 0;
    CHECK_STATUS(onr_plan_assign(items, 10, &arena, NULL), ONR_STATUS_OK);
    CHECK(arena == 2048);
    CHECK_STATUS(onr_plan_assign(items, 0, &arena, NULL), ONR_STATUS_OK);
    CHECK(arena == 0);
    if (onr_test_failures) fprintf(stderr, "%d failures\n", onr_test_failures);
    return onr_test_failures != 0;
}
