/* Helpers shared by the onnxrun command-line tool (see cli_util.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

#include "cli_util.h"

enum onr_status cli_error(struct onr_error *err, enum onr_status status,
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

void cli_report(const char *what, const char *message)
{
    size_t n = strlen(what);
    if (strncmp(message, what, n) == 0 && message[n] == ':')
        fprintf(stderr, "onnxrun: %s\n", message);
    else
        fprintf(stderr, "onnxrun: %s: %s\n", what, message);
}

void cli_session_options(const struct cli_config *cfg,
                         struct onr_session_options *options)
{
    onr_session_options_init(options);
    options->threads = cfg->threads;
    options->passes = cfg->passes;
    options->reference_kernels = cfg->reference_kernels;
    options->winograd = cfg->winograd;
    options->max_memory = cfg->max_memory;
}

size_t cli_default_max_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return 0;
    return (size_t)((double)pages * (double)page * 0.8);
}

enum onr_status cli_read_file(const char *path, void **data, size_t *size,
                              struct onr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return cli_error(err, ONR_STATUS_IO, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    enum onr_status st = ONR_STATUS_OK;
    if (buf == NULL) {
        st = cli_error(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
        goto close_file;
    }
    for (;;) {
        if (len == cap) {
            unsigned char *bigger = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (bigger == NULL) {
                st = cli_error(err, ONR_STATUS_OUT_OF_MEMORY,
                               "out of memory reading %zu bytes", len);
                goto free_buf;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        st = cli_error(err, ONR_STATUS_IO, "read error: %s", strerror(errno));
        goto free_buf;
    }
    *data = buf;
    *size = len;
    goto close_file;
free_buf:
    free(buf);
close_file:
    fclose(f);
    return st;
}

int cli_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int cli_is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

char *cli_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, a);
    size_t n = a;
    if (n == 0 || p[n - 1] != '/')
        p[n++] = '/';
    memcpy(p + n, name, b + 1);
    return p;
}

void cli_fill_uniform(float *x, size_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        /* 24 random bits: exact in float32, so the result is < 1 */
        x[i] = (float)(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
    }
}

int cli_tensor_bytes(const struct onr_tensor_ref *t, size_t elem_size,
                     size_t *numel, size_t *nbytes)
{
    size_t n = 1;
    if (t->rank < 0 || t->rank > ONR_MAX_RANK)
        return -1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0)
            return -1;
        size_t d = (size_t)t->dims[i];
        if (d != 0 && n > SIZE_MAX / d)
            return -1;
        n *= d;
    }
    if (elem_size != 0 && n > SIZE_MAX / elem_size)
        return -1;
    *numel = n;
    *nbytes = n * elem_size;
    return 0;
}

enum onr_status cli_parse_shape(const char *text, struct onr_tensor_ref *t,
                                struct onr_error *err)
{
    t->rank = 0;
    if (strcmp(text, "scalar") == 0)
        return ONR_STATUS_OK;
    const char *p = text;
    for (;;) {
        if (t->rank == ONR_MAX_RANK)
            return cli_error(err, ONR_STATUS_INVALID_ARGUMENT,
                             "shape '%s' has more than %d dims", text, ONR_MAX_RANK);
        if (*p < '0' || *p > '9')
            return cli_error(err, ONR_STATUS_INVALID_ARGUMENT,
                             "shape '%s': expected dims like 1x3x224x224", text);
        int64_t d = 0;
        while (*p >= '0' && *p <= '9') {
            if (d > (INT64_MAX - 9) / 10)
                return cli_error(err, ONR_STATUS_INVALID_ARGUMENT,
                                 "shape '%s': dim too large", text);
            d = d * 10 + (*p++ - '0');
        }
        t->dims[t->rank++] = d;
        if (*p == '\0')
            return ONR_STATUS_OK;
        if (*p != 'x' && *p != ',')
            return cli_error(err, ONR_STATUS_INVALID_ARGUMENT,
                             "shape '%s': unexpected '%c'", text, *p);
        p++;
    }
}

void cli_format_shape(const struct onr_tensor_ref *t, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (t->rank == 0) {
        snprintf(buf, size, "scalar");
        return;
    }
    size_t n = 0;
    for (int i = 0; i < t->rank && n < size; i++) {
        int w;
        if (t->dims[i] < 0)
            w = snprintf(buf + n, size - n, "%s?", i ? "x" : "");
        else
            w = snprintf(buf + n, size - n, "%s%lld", i ? "x" : "",
                         (long long)t->dims[i]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

const char *cli_thousands(int64_t v, char *buf, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)v);
    int neg = digits[0] == '-';
    int nd = len - neg;
    size_t o = 0;
    if (neg && o + 1 < size)
        buf[o++] = '-';
    for (int i = 0; i < nd && o + 1 < size; i++) {
        if (i > 0 && (nd - i) % 3 == 0 && o + 2 < size)
            buf[o++] = ',';
        buf[o++] = digits[neg + i];
    }
    if (size > 0)
        buf[o < size ? o : size - 1] = '\0';
    return buf;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* IEEE half precision to double, exactly. */
static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
    return h & 0x8000 ? -v : v;
}

double cli_elem(const struct onr_tensor_ref *t, size_t i)
{
    const void *p = t->data;
    switch (t->dtype) {
    case ONR_DTYPE_FLOAT: return ((const float *)p)[i];
    case ONR_DTYPE_DOUBLE: return ((const double *)p)[i];
    case ONR_DTYPE_FLOAT16: return half_to_double(((const uint16_t *)p)[i]);
    case ONR_DTYPE_INT8: return ((const int8_t *)p)[i];
    case ONR_DTYPE_UINT8: return ((const uint8_t *)p)[i];
    case ONR_DTYPE_BOOL: return ((const uint8_t *)p)[i] != 0;
    case ONR_DTYPE_INT16: return ((const int16_t *)p)[i];
    case ONR_DTYPE_UINT16: return ((const uint16_t *)p)[i];
    case ONR_DTYPE_INT32: return ((const int32_t *)p)[i];
    case ONR_DTYPE_UINT32: return ((const uint32_t *)p)[i];
    case ONR_DTYPE_INT64: return (double)((const int64_t *)p)[i];
    case ONR_DTYPE_UINT64: return (double)((const uint64_t *)p)[i];
    default: return 0.0;
    }
}
