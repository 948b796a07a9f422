/* The ISA a kernel test program runs under. `test_x ISA` (portable, avx2
 * or avx512) tests only the variants built for that ISA; without an
 * argument, every ISA the CPU has. tests/kernels/CMakeLists.txt registers
 * one CTest run per ISA a program covers. Where the CPU's ISA level
 * (runtime/cpu.h: its features, lowered by ONR_DISABLE_AVX2 /
 * ONR_DISABLE_AVX512) lacks the ISA, the run prints that it is skipped and
 * exits 77, which CTest (SKIP_RETURN_CODE 77) reports as skipped, not
 * passed. */
#ifndef ONR_TESTS_KERNEL_ISA_H
#define ONR_TESTS_KERNEL_ISA_H

#include <stdbool.h>
#include <stdio.h>

#include "runtime/cpu.h"

#define KT_SKIPPED 77

static bool kt_all = true;
static enum onr_isa kt_isa = ONR_ISA_PORTABLE;

/* Reads the ISA argument: -1 to go on, else the exit code (2: a bad
 * argument, KT_SKIPPED: the CPU lacks the ISA). */
static inline int kt_init(int argc, char **argv, const char *prog)
{
    if (argc < 2) return -1;
    if (argc > 2 || !onr_isa_from_name(argv[1], &kt_isa)) {
        fprintf(stderr, "usage: %s [portable|avx2|avx512]\n", prog);
        return 2;
    }
    kt_all = false;
    if (kt_isa > onr_cpu_isa()) {
        printf("%s %s: skipped, the CPU's ISA level is %s\n", prog, argv[1],
               onr_isa_name(onr_cpu_isa()));
        return KT_SKIPPED;
    }
    return -1;
}

/* Whether this run tests variants built for `isa`. */
static inline bool kt_runs(enum onr_isa isa)
{
    return kt_all ? isa <= onr_cpu_isa() : isa == kt_isa;
}

#endif

/* out = the fn of table's entry built for ISA `want` (NULL if none);
 * table is a kernel table of kernel_table.h with its table##_count. */
#define KT_FN(table, want, out)                                                   \
    do {                                                                         \
        (out) = NULL;                                                            \
        for (int kt_i_ = 0; kt_i_ < table##_count; kt_i_++)                      \
            if ((int)(table)[kt_i_].isa == (int)(want)) (out) = (table)[kt_i_].fn;          \
    } while (0)
