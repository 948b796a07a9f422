/* See testutil.h. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int onr_test_failures = 0;

void onr_test_fill(float *x, size_t n, uint64_t seed, float lo, float hi)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        float u = (float)((s >> 40) & 0xFFFFFF) / 16777216.0f;
        x[i] = lo + (hi - lo) * u;
    }
}

int onr_test_close(const char *what, const float *got, const float *ref, size_t n,
                   float atol, float rtol)
{
    size_t worst = 0, bad = 0;
    double worst_excess = -1.0;
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - (double)ref[i]);
        double tol = atol + rtol * fabs((double)ref[i]);
        if (!(err <= tol) || isnan(got[i]) != isnan(ref[i])) {
            bad++;
            if (err - tol > worst_excess || isnan(err)) {
                worst_excess = err - tol;
                worst = i;
            }
        }
    }
    if (bad == 0) return 1;
    fprintf(stderr, "%s: %zu of %zu elements out of tolerance; worst [%zu] got %.9g ref %.9g\n",
            what, bad, n, worst, got[worst], ref[worst]);
    return 0;
}

int onr_test_bitwise(const char *what, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0) {
            fprintf(stderr, "%s: differs at [%zu]: %.9g vs %.9g\n", what, i, a[i], b[i]);
            return 0;
        }
    }
    return 1;
}

void *onr_test_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    void *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = buf != NULL ? (size_t)n : 0;
    return buf;
}
