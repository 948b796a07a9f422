/* Run-time CPU feature detection: ISA kernels are chosen only after this
 * says the CPU has them, so one binary runs everywhere.
 *
 * The ISA level is decided once per process, here and nowhere else: the
 * widest instruction set the CPU (and OS) supports, lowered by the
 * environment: ONR_DISABLE_AVX512=1 caps it at AVX2, ONR_DISABLE_AVX2=1 at
 * portable C (how the tests run the narrower kernels on a wider CPU).
 * Kernel tables (ops/kernels/kernel_table.h) compare their entries' ISA
 * with it; nothing else reads the CPU's features or those variables. */
#ifndef ONR_CPU_H
#define ONR_CPU_H

#include <stdbool.h>

/* Ordered: each level includes the ones below it. */
enum onr_isa {
    ONR_ISA_PORTABLE = 0,  /* plain C, every CPU */
    ONR_ISA_AVX2,          /* x86 AVX2 + FMA */
    ONR_ISA_AVX512,        /* x86 AVX-512 F, DQ, BW, VL (and AVX2 + FMA) */
    ONR_ISA_COUNT
};

/* The process's ISA level (decided on the first call; thread-safe). */
enum onr_isa onr_cpu_isa(void);
/* "portable", "avx2", "avx512"; "?" for anything else. */
const char *onr_isa_name(enum onr_isa isa);
/* The level named by `name` (onr_isa_name's spelling); false if none. */
bool onr_isa_from_name(const char *name, enum onr_isa *isa);

/* onr_cpu_isa() >= ONR_ISA_AVX2: AVX2 and FMA present and not disabled. */
bool onr_cpu_has_avx2_fma(void);
/* onr_cpu_isa() >= ONR_ISA_AVX512. */
bool onr_cpu_has_avx512(void);
/* Number of cores OpenMP would use by default (1 without OpenMP). */
int onr_cpu_default_threads(void);
/* Bytes of one core's L2 cache as the C library reports it, or 1 MiB when
 * it does not know (a typical size). */
long onr_cpu_l2_bytes(void);


/* Flush-to-zero and denormals-are-zero for the calling thread and the
 * OpenMP threads of a `threads`-wide team, for the duration of a run:
 * float32 networks make denormals (e^-90 in a Sigmoid), and x86 handles
 * them in microcode, 10-100x slower. Returns the state to restore. */
unsigned onr_cpu_flush_denormals(int threads);
void onr_cpu_restore_denormals(unsigned state, int threads);

#endif
