/* The timing protocol shared by ort_capi_bench.c and onr_capi_bench.c, so
 * that both runtimes are measured by exactly the same loop:
 *
 *   warm-up: run until at least WARM seconds AND at least WARM_RUNS runs
 *            have passed (the first runs allocate, spin up thread pools and
 *            fault in pages; a time-based warm-up also lets the CPU's clock
 *            settle);
 *   rounds:  each round runs until at least ROUND seconds and at least
 *            MIN_RUNS runs have passed, timing every run on its own with
 *            CLOCK_MONOTONIC, and prints its median, min, mean and run
 *            count, and the process's CPU time per run. The median is the
 *            figure compared; the mean shows the runs that a loaded
 *            machine stalls (a thread descheduled in the middle of a run),
 *            which the median hides; the CPU time per run leaves out the
 *            time spent waiting for a core (on one thread, the cost of the
 *            inference itself; on more, it includes threads spinning).
 *
 * Every run is a call of the runtime's own run function on inputs and
 * outputs set up once before the warm-up; nothing else is inside the timed
 * interval. Header-only: each program is built by one gcc command. */
#ifndef BENCH_LOOP_H
#define BENCH_LOOP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bench_params {
    double warm_seconds; /* default 1.0 */
    int warm_runs;       /* default 50 */
    double round_seconds; /* default 2.0 */
    int min_runs;        /* default 10 */
    int rounds;          /* default 1 */
};

static void bench_params_init(struct bench_params *p)
{
    p->warm_seconds = 1.0;
    p->warm_runs = 50;
    p->round_seconds = 2.0;
    p->min_runs = 10;
    p->rounds = 1;
}

/* Parses "--warmup S", "--warmup-runs N", "--seconds S", "--min-runs N",
 * "--rounds R" at argv[*i]; returns 1 if it consumed an option, 0 if the
 * argument is not one of these, -1 on a bad value. */
static int bench_parse_option(int argc, char **argv, int *i, struct bench_params *p)
{
    const char *a = argv[*i];
    if (*i + 1 >= argc)
        return strncmp(a, "--", 2) == 0 ? -1 : 0;
    const char *v = argv[*i + 1];
    char *end = NULL;
    if (strcmp(a, "--warmup") == 0)
        p->warm_seconds = strtod(v, &end);
    else if (strcmp(a, "--warmup-runs") == 0)
        p->warm_runs = (int)strtol(v, &end, 10);
    else if (strcmp(a, "--seconds") == 0)
        p->round_seconds = strtod(v, &end);
    else if (strcmp(a, "--min-runs") == 0)
        p->min_runs = (int)strtol(v, &end, 10);
    else if (strcmp(a, "--rounds") == 0)
        p->rounds = (int)strtol(v, &end, 10);
    else
        return 0;
    if (end == v || *end != '\0' || p->rounds < 1 || p->min_runs < 1 || p->warm_runs < 0)
        return -1;
    *i += 1;
    return 1;
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process (all its threads), seconds. */
static double bench_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* run(ctx) performs one inference and returns 0, or nonzero on failure
 * (then the loop stops and returns that value). Prints
 *   warmup: S s, N runs
 *   round R: median M ms  min m ms  mean a ms  runs N  seconds S  cpu c ms/run
 * on stdout. */
static int bench_loop(const struct bench_params *p, int (*run)(void *), void *ctx)
{
    int rc, n = 0;
    double t0 = bench_now(), t = t0;
    while (n < p->warm_runs || t - t0 < p->warm_seconds) {
        if ((rc = run(ctx)) != 0)
            return rc;
        n++;
        t = bench_now();
    }
    printf("warmup: %.3f s, %d runs\n", t - t0, n);
    size_t cap = 1024;
    double *ms = malloc(cap * sizeof *ms);
    if (ms == NULL)
        return -1;
    for (int r = 0; r < p->rounds; r++) {
        size_t k = 0;
        double cpu0 = bench_cpu(), start = bench_now(), end = start;
        while ((int)k < p->min_runs || end - start < p->round_seconds) {
            double a = bench_now();
            if ((rc = run(ctx)) != 0) {
                free(ms);
                return rc;
            }
            end = bench_now();
            if (k == cap) {
                double *grown = realloc(ms, 2 * cap * sizeof *ms);
                if (grown == NULL) {
                    free(ms);
                    return -1;
                }
                ms = grown;
                cap *= 2;
            }
            ms[k++] = (end - a) * 1e3;
        }
        double cpu = bench_cpu() - cpu0, sum = 0.0;
        for (size_t j = 0; j < k; j++)
            sum += ms[j];
        qsort(ms, k, sizeof *ms, bench_cmp_double);
        double median = k % 2 ? ms[k / 2] : 0.5 * (ms[k / 2 - 1] + ms[k / 2]);
        printf("round %d: median %.6f ms  min %.6f ms  mean %.6f ms  runs %zu  seconds %.3f"
               "  cpu %.6f ms/run\n",
               r + 1, median, ms[0], sum / (double)k, k, end - start, cpu * 1e3 / (double)k);
        fflush(stdout);
    }
    free(ms);
    return 0;
}

/* Reads exactly nbytes of raw data from path into buf; returns 0 or -1. */
static int bench_read_raw(const char *path, void *buf, size_t nbytes)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t got = fread(buf, 1, nbytes, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    return got == nbytes && !extra ? 0 : -1;
}

static int bench_write_raw(const char *path, const void *buf, size_t nbytes)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t put = fwrite(buf, 1, nbytes, f);
    return fclose(f) == 0 && put == nbytes ? 0 : -1;
}

/* Parses "1x3x224x224" into dims (at most max); returns the rank or -1. */
static int bench_parse_dims(const char *text, long long *dims, int max)
{
    int rank = 0;
    const char *s = text;
    while (*s) {
        char *end = NULL;
        long long d = strtoll(s, &end, 10);
        if (end == s || d < 0 || rank == max)
            return -1;
        dims[rank++] = d;
        if (*end == 'x')
            end++;
        else if (*end != '\0')
            return -1;
        s = end;
    }
    return rank;
}

#endif
