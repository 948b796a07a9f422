/* Kernel choice as data: each kernel family lists its variants in one
 * table of {name, isa, fits, fn} entries, best first, and one picker walks
 * it: the first entry whose ISA the level allows (runtime/cpu.h) and whose
 * fits() accepts the shape (NULL: any shape) is the kernel. Operators ask
 * the table once, at prepare, and store the function pointer; the tests walk
 * the same table, so a new variant is one entry and is tested by it.
 *
 * ONR_KERNEL_TABLE(prefix, shape_t, fn_t) declares, for one family,
 *   struct prefix_kernel { const char *name; enum onr_isa isa;
 *                          bool (*fits)(const shape_t *); fn_t fn; };
 *   const struct prefix_kernel *prefix_pick(const struct prefix_kernel *t,
 *                                           int n, enum onr_isa level,
 *                                           const shape_t *s);
 * The table itself is a `const struct prefix_kernel prefix_kernels[]` with
 * `prefix_kernels_count` entries, defined beside the kernels (its ISA
 * entries only in x86 builds); its last entry should fit every shape at the
 * portable level, so the picker never returns NULL for it. */
#ifndef ONR_KERNELS_KERNEL_TABLE_H
#define ONR_KERNELS_KERNEL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../runtime/cpu.h"

/* Whether a kernel built for `isa` may run at `level`. */
static inline bool onr_kernel_isa_allowed(enum onr_isa isa, enum onr_isa level)
{
    return isa <= level;
}

#define ONR_KERNEL_TABLE(prefix, shape_t, fn_t)                                              \
    struct prefix##_kernel {                                                                 \
        const char *name;                                                                    \
        enum onr_isa isa;                                                                    \
        bool (*fits)(const shape_t *s); /* NULL: every shape */                              \
        fn_t fn;                                                                             \
    };                                                                                       \
    static inline const struct prefix##_kernel *prefix##_pick(                               \
        const struct prefix##_kernel *t, int n, enum onr_isa level, const shape_t *s)        \
    {                                                                                        \
        for (int i = 0; i < n; i++)                                                          \
            if (onr_kernel_isa_allowed(t[i].isa, level) && (t[i].fits == NULL || t[i].fits(s))) \
                return &t[i];                                                                \
        return NULL;                                                                         \
    }

/* For families whose kernels take no shape struct (fits is always NULL). */
struct onr_kernel_no_shape {
    char unused;
};

#endif
