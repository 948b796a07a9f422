/* See cpu.h. */
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define ONR_HAVE_MXCSR 1
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

bool onr_cpu_has_avx512(void)
{
#if defined(ONR_HAVE_X86) && (defined(__GNUC__) || defined(__clang__))
    const char *off = getenv("ONR_DISABLE_AVX512");
    if (off != NULL && strcmp(off, "1") == 0) return false;
    /* __builtin_cpu_supports also checks that the OS saves the AVX-512 state. */
    return onr_cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
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

#ifdef ONR_HAVE_MXCSR
#define MXCSR_FTZ_DAZ 0x8040u /* bit 15 flush-to-zero, bit 6 denormals-are-zero */

static void set_mxcsr_all(unsigned csr, int threads)
{
    _mm_setcsr(csr);
#pragma omp parallel num_threads(threads) if (threads > 1)
    _mm_setcsr(csr);
}
#endif

unsigned onr_cpu_flush_denormals(int threads)
{
#ifdef ONR_HAVE_MXCSR
    unsigned old = _mm_getcsr();
    if ((old & MXCSR_FTZ_DAZ) != MXCSR_FTZ_DAZ) set_mxcsr_all(old | MXCSR_FTZ_DAZ, threads);
    return old;
#else
    (void)threads;
    return 0;
#endif
}

void onr_cpu_restore_denormals(unsigned state, int threads)
{
#ifdef ONR_HAVE_MXCSR
    if ((state & MXCSR_FTZ_DAZ) != MXCSR_FTZ_DAZ) set_mxcsr_all(state, threads);
#else
    (void)state;
    (void)threads;
#endif
}

long onr_cpu_l2_bytes(void)
{
    long v = -1;
#ifdef _SC_LEVEL2_CACHE_SIZE
    v = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
    return v > 0 ? v : 1L << 20;
}
