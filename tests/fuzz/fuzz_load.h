/* The fuzz checks shared by the libFuzzer targets (fuzz_load.c, fuzz_pb.c,
 * fuzz_npy.c) and the replay tests. Each returns the reader's status
 * (>= 0), or -1 when an invariant is broken. */
#ifndef ONR_FUZZ_LOAD_H
#define ONR_FUZZ_LOAD_H

#include <stddef.h>
#include <stdint.h>

int onr_fuzz_model(const uint8_t *data, size_t size);
int onr_fuzz_tensor(const uint8_t *data, size_t size);
int onr_fuzz_npy(const uint8_t *data, size_t size);

#endif
