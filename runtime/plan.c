/* See plan.h. Items are placed from the largest down; each goes into the
 * lowest gap left by already-placed items whose lifetimes overlap it.
 * `placed` is kept sorted by offset, so the overlapping ones come in order. */
#include <stdlib.h>

#include "plan.h"

int onr_plan_lifetimes(const struct onr_plan_value *values, int n_values,
                       const struct onr_plan_use *uses, int n_uses, int n_steps,
                       struct onr_plan_item *items, int *owner)
{
    /* items[v] holds value v's writer (first) and last reader (last)
     * until they are packed below. */
    for (int v = 0; v < n_values; v++) items[v].first = items[v].last = -1;
    for (int k = 0; k < n_uses; k++) {
        struct onr_plan_item *it = &items[uses[k].value];
        if (uses[k].write) it->first = uses[k].step;
        else if (uses[k].step > it->last) it->last = uses[k].step;
    }
    /* A storage root lives as long as the last reader of any of its views. */
    for (int v = 0; v < n_values; v++) {
        const int last = values[v].is_output ? n_steps : items[v].last;
        const int root = values[v].alias;
        if (root >= 0 && last > items[root].last) items[root].last = last;
        if (values[v].is_output) items[v].last = n_steps;
    }
    int n = 0;
    for (int v = 0; v < n_values; v++) {
        if (!values[v].planned || values[v].alias >= 0 || items[v].first < 0) continue;
        const int first = items[v].first, last = items[v].last;
        items[n].bytes = values[v].bytes;
        items[n].offset = 0;
        items[n].first = first;
        items[n].last = last > first ? last : first;
        owner[n++] = v;
    }
    return n;
}

#define PLAN_ALIGN 64

static size_t align_up(size_t v)
{
    return (v + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN;
}

/* Stable insertion sort of indices by decreasing size (n is small). */
static void sort_by_size(const struct onr_plan_item *items, int *order, int n)
{
    for (int i = 1; i < n; i++) {
        int v = order[i], j = i;
        while (j > 0 && items[order[j - 1]].bytes < items[v].bytes) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

static size_t lowest_gap(const struct onr_plan_item *items, const int *placed, int n_placed,
                         const struct onr_plan_item *it, size_t need)
{
    size_t offset = 0;
    for (int j = 0; j < n_placed; j++) {
        const struct onr_plan_item *p = &items[placed[j]];
        if (p->first > it->last || it->first > p->last) continue; /* not alive together */
        if (p->offset >= offset + need) break;                     /* fits before p */
        size_t end = p->offset + align_up(p->bytes);
        if (end > offset) offset = end;
    }
    return offset;
}

enum onr_status onr_plan_assign(struct onr_plan_item *items, int n, size_t *arena_bytes,
                                struct onr_error *err)
{
    *arena_bytes = 0;
    if (n <= 0) return ONR_STATUS_OK;
    int *order = malloc((size_t)n * sizeof *order);
    int *placed = malloc((size_t)n * sizeof *placed);
    if (order == NULL || placed == NULL) {
        free(order);
        free(placed);
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "memory plan: out of memory");
    }
    for (int i = 0; i < n; i++) order[i] = i;
    sort_by_size(items, order, n);

    int n_placed = 0;
    size_t total = 0;
    for (int k = 0; k < n; k++) {
        struct onr_plan_item *it = &items[order[k]];
        size_t need = align_up(it->bytes);
        it->offset = lowest_gap(items, placed, n_placed, it, need);
        if (it->offset + need > total) total = it->offset + need;
        int j = n_placed++; /* insert keeping `placed` sorted by offset */
        while (j > 0 && items[placed[j - 1]].offset > it->offset) {
            placed[j] = placed[j - 1];
            j--;
        }
        placed[j] = order[k];
    }
    free(order);
    free(placed);
    *arena_bytes = total;
    return ONR_STATUS_OK;
}
