/* A depthwise Conv fused with the Conv before it, a network's stem (a
 * dense Conv from the plain input) or a 1x1 expand Conv, and/or the 1x1
 * Conv after it (nchwc.h).
 *
 * Their output t is a MobileNet's biggest kind of tensor (the stem's
 * 112x112x32 is 1.6 MB, MobileNetV2's first expansion 4.8 MB); written
 * whole, it leaves the core's cache before the depthwise Conv reads it
 * back, and on 2 threads half of it sits in the other core's cache. Here
 * each thread takes a range of the depthwise output rows and walks it in
 * steps: the rows of t a step reads are computed into the thread's window
 * (the producer's row kernel), then the depthwise kernel runs on the window
 * as if it were the whole input. Rows a step shares with the next stay in
 * the window; the first rows of a thread's range that the previous thread
 * also needs are computed by both. The window is sized for the core's L2
 * (onr_nchwc_fused_dw.window_bytes), not L1: bigger steps mean fewer,
 * longer kernel calls, each paying its row setup and border columns once,
 * while the window still stays in the core's cache.
 *
 * A 1x1 Conv after the depthwise Conv (MobileNetV2's projection) works the
 * same way the other side: each step's depthwise rows go to a step buffer
 * the 1x1 row kernel reads at once, so the depthwise output never goes to
 * memory whole either.
 *
 * The depthwise kernel sees the window as an image of the rows it holds,
 * with the top padding moved so that output row oh still reads input row
 * oh * stride - pad + kh: the same taps are inside as in the whole image,
 * so every output gets the same sum in the same order. */
#include <stdbool.h>
#include <string.h>

#include "nchwc.h"

#define L ONR_NCHWC_LANES

/* Rows of t that `rows` depthwise output rows read (their span). */
static int64_t span(const struct onr_conv_shape *ds, int64_t rows)
{
    return (rows - 1) * ds->stride_h + (ds->KH - 1) * ds->dil_h + 1;
}

static bool has_producer(const struct onr_nchwc_fused_dw *f)
{
    return f->conv_rows != NULL || f->pw_rows != NULL;
}

/* Depthwise output rows per step; window rows (0 without a producer):
 * twice a step's span, so the rows a step shares with the next are moved
 * to the front only every few steps. With a producer its window fits
 * window_bytes (when a step of one row does); without one, a quarter of it
 * holds a step's rows of u. */
static void plan(const struct onr_nchwc_fused_dw *f, int64_t *step, int64_t *cap)
{
    const struct onr_conv_shape *ds = f->ds;
    int64_t b = 1;
    if (has_producer(f)) {
        const int64_t row_bytes =
            onr_nchwc_blocks(f->ps->OC) * f->ps->OW * L * (int64_t)sizeof(float);
        while (b < ds->OH && 2 * span(ds, b + 1) * row_bytes <= f->window_bytes) b++;
        *cap = 2 * span(ds, b);
    } else {
        const int64_t row_bytes = onr_nchwc_blocks(ds->C) * ds->OW * L * (int64_t)sizeof(float);
        while (b < ds->OH && (b + 1) * row_bytes <= f->window_bytes / 4) b++;
        *cap = 0;
    }
    *step = b;
}

int64_t onr_nchwc_fused_dw_thread_floats(const struct onr_nchwc_fused_dw *f)
{
    int64_t step, cap;
    plan(f, &step, &cap);
    const int64_t window = has_producer(f) ? onr_nchwc_blocks(f->ps->OC) * cap * f->ps->OW * L : 0;
    const int64_t buf = f->co_rows != NULL ? onr_nchwc_blocks(f->ds->C) * step * f->ds->OW * L : 0;
    return window + buf;
}

/* t's rows [r0, r1) of image n into the window, whose row j is t's row
 * w0 + j (cap rows per block). */
static void produce(const struct onr_nchwc_fused_dw *f, const float *x, int64_t n, int64_t r0,
                    int64_t r1, float *win, int64_t w0, int64_t cap)
{
    const struct onr_conv_shape *ps = f->ps;
    const int64_t rf = ps->OW * L;   /* floats per row of t */
    if (f->conv_rows != NULL) {
        /* the dense Conv on one image with cap output rows, shifted by w0 */
        struct onr_conv_shape c1 = *ps;
        c1.N = 1;
        c1.OH = cap;
        c1.pad_top = ps->pad_top - w0 * ps->stride_h;
        f->conv_rows(&c1, x + n * ps->C * ps->H * ps->W, f->pw, f->pb, f->pact, win, r0 - w0,
                     r1 - w0);
        return;
    }
    /* 1x1, stride 1, unpadded: t's row r is x's row r */
    const int64_t plane = ps->H * ps->W * L;
    f->pw_rows(ps->C, ps->OC, (r1 - r0) * ps->W,
               x + n * onr_nchwc_blocks(ps->C) * plane + r0 * ps->W * L, plane, f->pw, f->pb,
               NULL, f->pact, win + (r0 - w0) * rf, cap * rf);
}

/* Depthwise output rows [r0, r1) of image n, and the consumer's on them,
 * on the calling thread; ws: its window, then its step buffer. */
static void run_range(const struct onr_nchwc_fused_dw *f, const float *x, const float *r,
                      float *y, float *ws, int64_t n, int64_t r0, int64_t r1)
{
    const struct onr_conv_shape *ds = f->ds;
    int64_t step, cap;
    plan(f, &step, &cap);
    const bool prod = has_producer(f);
    const int64_t CB = onr_nchwc_blocks(ds->C), plane_out = ds->OH * ds->OW * L;
    const int64_t rf = ds->W * L;   /* floats per row of t */
    float *win = ws, *buf = ws + CB * cap * rf;
    int64_t w0 = 0, w1 = 0;   /* the window holds t's rows [w0, w1) */
    for (int64_t q0 = r0; q0 < r1; q0 += step) {
        const int64_t q1 = q0 + step < r1 ? q0 + step : r1;
        struct onr_conv_shape d1 = *ds;
        d1.N = 1;
        d1.OH = q1 - q0;
        const float *tb;   /* t's block 0 as the depthwise kernel sees it */
        int64_t t_bs;      /* floats between t's blocks */
        if (prod) {
            /* t's rows that outputs [q0, q1) read, clipped to the image */
            int64_t ih0 = q0 * ds->stride_h - ds->pad_top, ih1 = ih0 + span(ds, q1 - q0);
            if (ih0 < 0) ih0 = 0;
            if (ih1 > ds->H) ih1 = ds->H;
            if (ih1 <= ih0) ih0 = ih1 = w1;   /* all padding: no input rows */
            if (w1 <= ih0 || w0 > ih0) w0 = w1 = ih0;
            if (ih1 - w0 > cap) {   /* keep [ih0, w1), moved to the front */
                for (int64_t b = 0; b < CB; b++)
                    memmove(win + b * cap * rf, win + (b * cap + ih0 - w0) * rf,
                            (size_t)((w1 - ih0) * rf) * sizeof(float));
                w0 = ih0;
            }
            if (w1 < ih1) {
                produce(f, x, n, w1, ih1, win, w0, cap);
                w1 = ih1;
            }
            /* the window's rows [ih0, ih1) as the image */
            d1.H = ih1 - ih0;
            d1.pad_top = ds->pad_top + ih0 - q0 * ds->stride_h;
            d1.pad_bottom = 0;
            tb = win + (ih0 - w0) * rf;
            t_bs = cap * rf;
        } else {
            /* the whole image, its top padding moved up by q0 rows (it may
             * become negative: row oh still reads oh * stride - pad + kh) */
            d1.pad_top = ds->pad_top - q0 * ds->stride_h;
            tb = x + n * CB * ds->H * rf;
            t_bs = ds->H * rf;
        }
        /* one block at a time: into y, or the step buffer for the consumer */
        const int64_t rows_out = (q1 - q0) * ds->OW * L;
        for (int64_t b = 0; b < CB; b++) {
            d1.C = d1.OC = d1.group = ds->C - b * L < L ? ds->C - b * L : L;
            float *ub = f->co_rows != NULL ? buf + b * rows_out
                                           : y + (n * CB + b) * plane_out + q0 * ds->OW * L;
            f->dwconv(&d1, tb + b * t_bs, f->dw + b * ds->KH * ds->KW * L, f->db + b * L,
                      f->dact, ub, 1);
        }
        if (f->co_rows != NULL) {
            const int64_t yo = n * onr_nchwc_blocks(f->co_OC) * plane_out + q0 * ds->OW * L;
            f->co_rows(ds->C, f->co_OC, (q1 - q0) * ds->OW, buf, rows_out, f->cw, f->cb,
                       r != NULL ? r + yo : NULL, f->cact, y + yo, plane_out);
        }
    }
}

void onr_nchwc_fused_dw_f32(const struct onr_nchwc_fused_dw *f, const float *x, const float *r,
                            float *y, float *ws, int threads)
{
    const struct onr_conv_shape *ds = f->ds;
    const int64_t rows = ds->N * ds->OH, wf = onr_nchwc_fused_dw_thread_floats(f);
    if (rows < 1) return;
    int T = threads < 1 ? 1 : threads;
    if (T > rows) T = (int)rows;
    /* thread t: the flat rows [rows * t / T, rows * (t + 1) / T) */
#pragma omp parallel for num_threads(T) schedule(static) if (T > 1)
    for (int t = 0; t < T; t++) {
        const int64_t a = rows * t / T, e = rows * (t + 1) / T;
        for (int64_t n = a / ds->OH; n * ds->OH < e; n++) {
            const int64_t r0 = a > n * ds->OH ? a - n * ds->OH : 0;
            const int64_t r1 = e < (n + 1) * ds->OH ? e - n * ds->OH : ds->OH;
            run_range(f, x, r, y, ws + t * wf, n, r0, r1);
        }
    }
}
