/* Status and message helpers shared by the library. The innermost detector
 * writes the message with onr_error_set; callers may add context in front
 * with onr_error_prefix and pass the status up. */
#ifndef ONR_ERROR_H
#define ONR_ERROR_H

#include "onnxrun.h"

#if defined(__GNUC__)
#define ONR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ONR_PRINTF(f, a)
#endif

/* Writes the message (if err is not NULL) and returns status. */
enum onr_status onr_error_set(struct onr_error *err, enum onr_status status,
                              const char *fmt, ...) ONR_PRINTF(3, 4);
/* Puts "<context>: " in front of the current message. */
void onr_error_prefix(struct onr_error *err, const char *fmt, ...)
    ONR_PRINTF(2, 3);

/* Overflow-checked size arithmetic: return 0 and set *out, or 1 on overflow. */
int onr_mul_overflow_i64(int64_t a, int64_t b, int64_t *out);
int onr_mul_overflow_size(size_t a, size_t b, size_t *out);
int onr_add_overflow_size(size_t a, size_t b, size_t *out);

#endif
