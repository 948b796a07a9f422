/* Helpers for the tests that use only the public header and link
 * libonnxrun.so, as an installed program would. */
#ifndef ONR_API_UTIL_H
#define ONR_API_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include <onnxrun.h>

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond);     \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

/* A whole file in a malloc'd buffer, or exit(1). */
static inline void *api_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "FAIL: cannot open %s\n", path);
        exit(1);
    }
    char *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)len + 1)) == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "FAIL: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *size = (size_t)len;
    return buf;
}

/* DIR/test_data_set_0/NAME parsed, or exit(1). */
static inline void api_read_tensor(const char *dir, const char *name, struct onr_tensor_ref *t)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/test_data_set_0/%s", dir, name);
    size_t size;
    void *bytes = api_read_file(path, &size);
    struct onr_error err;
    enum onr_status st = onr_tensor_parse_pb(bytes, size, t, &err);
    free(bytes);
    if (st != ONR_STATUS_OK) {
        fprintf(stderr, "FAIL: %s: %s\n", path, err.message);
        exit(1);
    }
}

#endif
