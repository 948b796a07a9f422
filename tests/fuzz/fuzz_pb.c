/* Fuzz target: untrusted bytes through the TensorProto reader
 * (onr_tensor_parse_pb), which the CLI uses for -i FILE.pb and for --test's
 * test_data_set_N/{input,output}_K.pb. Whatever the bytes, the result is a
 * status with a message, or a tensor whose byte count matches its shape and
 * dtype and whose data is readable to the last byte. Built as the libFuzzer
 * target fuzz_pb with clang; test_fuzz_replay and fuzz.corpus_pb call the
 * same function with any compiler. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_load.h"
#include "onnx/loader.h"

int onr_fuzz_tensor(const uint8_t *data, size_t size)
{
    struct onr_tensor_ref t;
    struct onr_error err;
    err.message[0] = '\0';
    enum onr_status st = onr_tensor_parse_pb(data, size, &t, &err);
    if (st != ONR_STATUS_OK)
        return err.message[0] && memchr(err.message, '\0', sizeof err.message) ? (int)st : -1;
    int64_t numel = 1;
    for (int i = 0; i < t.rank; i++) numel *= t.dims[i];
    int bad = t.rank < 0 || t.rank > ONR_MAX_RANK || t.name == NULL ||
              t.nbytes != (size_t)numel * onr_dtype_size(t.dtype);
    if (!bad && t.nbytes > 0) {
        volatile uint8_t sink = ((const uint8_t *)t.data)[t.nbytes - 1]; /* ASan checks */
        (void)sink;
    }
    onr_tensor_ref_free(&t);
    return bad ? -1 : (int)st;
}

#ifdef ONR_FUZZ_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (onr_fuzz_tensor(data, size) < 0) __builtin_trap();
    return 0;
}
#endif
