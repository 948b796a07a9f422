/* Run-time CPU feature detection: AVX2 kernels are chosen only after this
 * says the CPU has them, so one binary runs everywhere. */
#ifndef ONR_CPU_H
#define ONR_CPU_H

#include <stdbool.h>

/* AVX2 and FMA both present (and not disabled by ONR_DISABLE_AVX2=1 in the
 * environment, which forces the portable path for testing). */
bool onr_cpu_has_avx2_fma(void);
/* AVX-512 F, DQ, BW and VL with OS support (and not disabled by
 * ONR_DISABLE_AVX512=1 or ONR_DISABLE_AVX2=1). */
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
