/* The body of the separable 2-D resize (resize2d.h), compiled once per ISA
 * by resize2d.c and x86/resize2d_*.c: plain loops the compiler vectorises
 * for the file's instruction set (gathers for the horizontal taps). */
#include <stdbool.h>

#include "resize2d.h"

/* H(h) of plane xp: out[ow] = ww0 * row[w0] + ww1 * row[w1]. */
static inline void resize2d_hrow(const float *restrict row, const struct onr_resize2d_axis *w,
                                 int64_t OW, float *restrict out)
{
    const int32_t *restrict i0 = w->i0, *restrict i1 = w->i1;
    const float *restrict w0 = w->w0, *restrict w1 = w->w1;
    if (w->single)
        for (int64_t o = 0; o < OW; o++) out[o] = w0[o] * row[i0[o]];
    else
        for (int64_t o = 0; o < OW; o++) out[o] = w0[o] * row[i0[o]] + w1[o] * row[i1[o]];
}

/* Output rows [r0, r1) of plane p, with the two-row cache in ws. */
static inline void resize2d_rows(const struct onr_resize2d_shape *s,
                                 const struct onr_resize2d_axis *h,
                                 const struct onr_resize2d_axis *w, const float *xp,
                                 float *restrict yp, int64_t r0, int64_t r1, float *ws)
{
    const int64_t OW = s->OW;
    float *buf[2] = {ws, ws + OW};
    int64_t have[2] = {-1, -1};
    for (int64_t oh = r0; oh < r1; oh++) {
        /* A tap of weight 0 is not read: it asks for the first tap's row. */
        const int32_t need[2] = {h->i0[oh], h->w1[oh] == 0.0f ? h->i0[oh] : h->i1[oh]};
        const float *rows[2];
        for (int t = 0; t < 2; t++) {
            int slot = have[0] == need[t] ? 0 : (have[1] == need[t] ? 1 : -1);
            if (slot < 0) {
                /* Keep the row the other tap reads. */
                slot = have[0] == need[1 - t] ? 1 : 0;
                resize2d_hrow(xp + (int64_t)need[t] * s->IW, w, OW, buf[slot]);
                have[slot] = need[t];
            }
            rows[t] = buf[slot];
        }
        const float a = h->w0[oh], b = h->w1[oh];
        const float *restrict ra = rows[0], *restrict rb = rows[1];
        float *restrict yr = yp + oh * OW;
        if (b == 0.0f)
            for (int64_t o = 0; o < OW; o++) yr[o] = a * ra[o];
        else
            for (int64_t o = 0; o < OW; o++) yr[o] = a * ra[o] + b * rb[o];
    }
}

/* Rows per task: enough tasks for the threads, rows long enough that the
 * cache is reused. */
static inline int64_t resize2d_band(const struct onr_resize2d_shape *s, int threads)
{
    int64_t band = s->OH;
    while (band > 8 && s->P * ((s->OH + band - 1) / band) < 4 * (int64_t)threads) band = (band + 1) / 2;
    return band;
}

#define ONR_RESIZE2D_DEFINE(isa)                                                               \
    void onr_resize2d_f32__##isa(const struct onr_resize2d_shape *s,                          \
                                 const struct onr_resize2d_axis *h,                           \
                                 const struct onr_resize2d_axis *w, const float *x, float *y, \
                                 float *ws, int threads)                                      \
    {                                                                                          \
        if (s->P == 0 || s->OH == 0 || s->OW == 0) return;                                     \
        const int64_t band = resize2d_band(s, threads);                                        \
        const int64_t bands = (s->OH + band - 1) / band, tasks = s->P * bands;                 \
        _Pragma("omp parallel for schedule(static) num_threads(threads) if (threads > 1 && tasks > 1)") \
        for (int64_t t = 0; t < tasks; t++) {                                                  \
            int tid = 0;                                                                       \
            ONR_RESIZE2D_THREAD_NUM(tid);                                                      \
            const int64_t p = t / bands, r0 = (t % bands) * band;                              \
            const int64_t r1 = r0 + band < s->OH ? r0 + band : s->OH;                          \
            resize2d_rows(s, h, w, x + p * s->IH * s->IW, y + p * s->OH * s->OW, r0, r1,     \
                          ws + (size_t)tid * 2u * (size_t)s->OW);                              \
        }                                                                                      \
    }

#ifdef _OPENMP
#include <omp.h>
#define ONR_RESIZE2D_THREAD_NUM(tid) ((tid) = omp_get_thread_num())
#else
#define ONR_RESIZE2D_THREAD_NUM(tid) ((void)(tid))
#endif
