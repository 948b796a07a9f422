/* See cpu.h. */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu.h"

bool onr_cpu_has_avx2_fma(void)
{
#if defined(ONR_HAVE_X86) && (defined(__GNUC__) || defined(__clang__))
    const char *off = getenv("ONR_DISABLE_AVX2");
    if (off != NULL && strcmp(off, "1") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

int onr_cpu_default_threads(void)
{
#ifdef _OPENMP
    int n = omp_get_num_procs();
    return n > 0 ? n : 1;
#else
    return 1;
#endif
}
