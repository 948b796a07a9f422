/* Fuzz target: untrusted bytes through the CLI's .npy reader (tools/npy.c).
 * Whatever the bytes, the result is a status with a message, or an array
 * whose byte count matches its shape and dtype and whose data is readable;
 * a parsed array must encode again and parse back to the same array. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_load.h"
#include "tools/npy.h"

int onr_fuzz_npy(const uint8_t *data, size_t size)
{
    struct npy_array a;
    struct onr_error err;
    err.message[0] = '\0';
    enum onr_status st = npy_parse(data, size, &a, &err);
    if (st != ONR_STATUS_OK) return err.message[0] ? (int)st : -1;
    size_t numel = 1;
    for (int i = 0; i < a.rank; i++) numel *= (size_t)a.dims[i];
    int bad = a.rank < 0 || a.rank > ONR_MAX_RANK || a.nbytes != numel * onr_dtype_size(a.dtype);
    if (!bad && a.nbytes > 0) {
        volatile uint8_t sink = ((const uint8_t *)a.data)[a.nbytes - 1]; /* ASan checks */
        (void)sink;
    }
    if (!bad) {
        struct onr_tensor_ref t = {.dtype = a.dtype, .rank = a.rank, .data = a.data, .nbytes = a.nbytes};
        memcpy(t.dims, a.dims, sizeof t.dims);
        void *buf = NULL;
        size_t n = 0;
        if (npy_encode(&t, &buf, &n, &err) == ONR_STATUS_OK) {
            struct npy_array b;
            if (npy_parse(buf, n, &b, &err) != ONR_STATUS_OK) {
                bad = 1;
            } else {
                bad = b.dtype != a.dtype || b.rank != a.rank || b.nbytes != a.nbytes ||
                      memcmp(b.dims, a.dims, (size_t)a.rank * sizeof a.dims[0]) != 0 ||
                      (a.nbytes && memcmp(b.data, a.data, a.nbytes) != 0);
                npy_array_free(&b);
            }
            free(buf);
        }
    }
    npy_array_free(&a);
    return bad ? -1 : (int)st;
}

#ifdef ONR_FUZZ_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (onr_fuzz_npy(data, size) < 0) __builtin_trap();
    return 0;
}
#endif
