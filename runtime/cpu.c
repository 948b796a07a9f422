/* See cpu.h. */
#include <stdatomic.h>
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

/* "1" in the environment variable `name`. */
static bool env_off(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && strcmp(v, "1") == 0;
}

/* The widest level the CPU and OS support, capped by the environment. */
static enum onr_isa detect_isa(void)
{
#if defined(ONR_HAVE_X86) && (defined(__GNUC__) || defined(__clang__))
    if (env_off("ONR_DISABLE_AVX2")) return ONR_ISA_PORTABLE;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return ONR_ISA_PORTABLE;
    if (env_off("ONR_DISABLE_AVX512")) return ONR_ISA_AVX2;
    /* __builtin_cpu_supports also checks that the OS saves the AVX-512 state. */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return ONR_ISA_AVX512;
    return ONR_ISA_AVX2;
#else
    (void)env_off;
    return ONR_ISA_PORTABLE;
#endif
}

enum onr_isa onr_cpu_isa(void)
{
    /* -1 until decided; racing first calls compute the same value */
    static _Atomic int level = -1;
    int v = atomic_load_explicit(&level, memory_order_acquire);
    if (v < 0) {
        v = (int)detect_isa();
        atomic_store_explicit(&level, v, memory_order_release);
    }
    return (enum onr_isa)v;
}

static const char *const isa_names[ONR_ISA_COUNT] = {"portable", "avx2", "avx512"};

const char *onr_isa_name(enum onr_isa isa)
{
    return (unsigned)isa < ONR_ISA_COUNT ? isa_names[isa] : "?";
}

bool onr_isa_from_name(const char *name, enum onr_isa *isa)
{
    for (int i = 0; i < ONR_ISA_COUNT; i++)
        if (name != NULL && strcmp(name, isa_names[i]) == 0) {
            *isa = (enum onr_isa)i;
            return true;
        }
    return false;
}

bool onr_cpu_has_avx2_fma(void) { return onr_cpu_isa() >= ONR_ISA_AVX2; }

bool onr_cpu_has_avx512(void) { return onr_cpu_isa() >= ONR_ISA_AVX512; }

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
