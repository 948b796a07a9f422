/* Status names, message formatting and overflow-checked arithmetic. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

const char *onr_status_name(enum onr_status status)
{
    switch (status) {
    case ONR_STATUS_OK: return "OK";
    case ONR_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case ONR_STATUS_IO: return "IO";
    case ONR_STATUS_PARSE: return "PARSE";
    case ONR_STATUS_INVALID_MODEL: return "INVALID_MODEL";
    case ONR_STATUS_UNSUPPORTED: return "UNSUPPORTED";
    case ONR_STATUS_SHAPE_MISMATCH: return "SHAPE_MISMATCH";
    case ONR_STATUS_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    case ONR_STATUS_INTERNAL: return "INTERNAL";
    }
    return "UNKNOWN_STATUS";
}

enum onr_status onr_error_set(struct onr_error *err, enum onr_status status,
                              const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void onr_error_prefix(struct onr_error *err, const char *fmt, ...)
{
    if (err == NULL) return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the old message right and put the prefix in front; truncate at the end. */
    const size_t cap = sizeof err->message - 1;
    size_t plen = strlen(prefix);
    if (plen + 2 > cap) plen = cap - 2;
    size_t olen = strnlen(err->message, cap);
    if (plen + 2 + olen > cap) olen = cap - plen - 2;
    memmove(err->message + plen + 2, err->message, olen);
    memcpy(err->message, prefix, plen);
    err->message[plen] = ':';
    err->message[plen + 1] = ' ';
    err->message[plen + 2 + olen] = '\0';
}

int onr_mul_overflow_i64(int64_t a, int64_t b, int64_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

int onr_mul_overflow_size(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

int onr_add_overflow_size(size_t a, size_t b, size_t *out)
{
    return __builtin_add_overflow(a, b, out);
}
