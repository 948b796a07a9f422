/* NumPy .npy files, format versions 1.0, 2.0 and 3.0: C-order,
 * little-endian arrays of float32, float64, float16, int8..int64,
 * uint8..uint64 and bool. Fortran order, big-endian data, structured,
 * string and object dtypes are rejected with a message. The header is
 * validated strictly: these files are untrusted input. */
#ifndef ONR_NPY_H
#define ONR_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "onnxrun.h"

struct npy_array {
    enum onr_dtype dtype;
    int rank;
    int64_t dims[ONR_MAX_RANK];
    void *data;        /* owned (malloc); free with npy_array_free */
    size_t nbytes;     /* numel * dtype size: exactly the file's data */
};

/* Parses a whole .npy file held in memory; copies the data. */
enum onr_status npy_parse(const void *buf, size_t size, struct npy_array *a,
                          struct onr_error *err);
void npy_array_free(struct npy_array *a);

/* Encodes t (dtype, shape, data, nbytes) as a .npy file in a malloc'd
 * buffer; version 1.0 unless the header needs 2.0. */
enum onr_status npy_encode(const struct onr_tensor_ref *t, void **buf,
                           size_t *size, struct onr_error *err);
enum onr_status npy_write_file(const char *path, const struct onr_tensor_ref *t,
                               struct onr_error *err);

#endif
