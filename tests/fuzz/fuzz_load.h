/* The fuzz checks shared by the libFuzzer target and the replay test. Each
 * returns the loader's status (>= 0), or -1 when an invariant is broken. */
#ifndef ONR_FUZZ_LOAD_H
#define ONR_FUZZ_LOAD_H

#include <stddef.h>
#include <stdint.h>

int onr_fuzz_model(const uint8_t *data, size_t size);
int onr_fuzz_tensor(const uint8_t *data, size_t size);

#endif
