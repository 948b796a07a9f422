/* The body of the phase-gather ConvTranspose kernels (conv_transpose.h),
 * included by each ISA's file so the compiler vectorises the same loops
 * for each: a gather by output phase, without the GEMM's columns.
 *
 * Along W, the output positions o = q * stride + r of one phase r are
 * reached by the same taps, each from x at q + offset: a dense row
 * operation on contiguous x, where the GEMM path would multiply by one
 * weight per column and then scatter taps * W products back. Each output
 * row is summed into a row of phase-major partial sums (the group's input
 * channels in order, and for each the taps in the order (td, th), then tw
 * within a phase), then the activation applied to it in place (still in
 * L1) and interleaved into y; an output row is one thread's
 * task, so y does not depend on the thread count. */
#ifndef ONR_KERNELS_CONV_TRANSPOSE_PHASE_BODY_H
#define ONR_KERNELS_CONV_TRANSPOSE_PHASE_BODY_H

#include <stddef.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "conv_transpose.h"

/* floor(a / b) for b > 0 */
static inline int64_t convt_floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The input index that tap t maps onto output index o along an axis, or
 * -1 (between strided positions or outside x). */
static inline int64_t convt_source_index(int64_t o, int64_t t, int64_t stride, int64_t dil,
                                         int64_t pad, int64_t in)
{
    const int64_t num = o + pad - t * dil;
    if (num < 0 || num % stride != 0) return -1;
    const int64_t i = num / stride;
    return i < in ? i : -1;
}

/* One tap of one input row for a phase: acc[q] += w * xrow[q + off] for
 * the q in [lo, hi), those whose q + off lies inside the row. */
struct convt_tap {
    const float *xrow;
    float w;
    int64_t off, lo, hi;
};

/* Up to this many taps are summed in one pass over a phase's sums. */
#define CONVT_TAPS_PER_PASS 4

#define CONVT_T(j) (t[j].w * t[j].xrow[q + t[j].off])
/* The pass's taps in order onto start (the bias or the sums so far), for
 * q in [lo, hi) where every tap is inside its row: one loop per tap count,
 * so the compiler vectorises each. */
#define CONVT_TAP_LOOPS(start)                                                                \
    switch (n) {                                                                              \
    case 1:                                                                                   \
        for (int64_t q = lo; q < hi; q++) acc[q] = (start) + CONVT_T(0);                      \
        break;                                                                                \
    case 2:                                                                                   \
        for (int64_t q = lo; q < hi; q++) acc[q] = (start) + CONVT_T(0) + CONVT_T(1);         \
        break;                                                                                \
    case 3:                                                                                   \
        for (int64_t q = lo; q < hi; q++)                                                     \
            acc[q] = (start) + CONVT_T(0) + CONVT_T(1) + CONVT_T(2);                          \
        break;                                                                                \
    default:                                                                                  \
        for (int64_t q = lo; q < hi; q++)                                                     \
            acc[q] = (start) + CONVT_T(0) + CONVT_T(1) + CONVT_T(2) + CONVT_T(3);             \
        break;                                                                                \
    }

/* Adds n (1..CONVT_TAPS_PER_PASS) taps, in order, to the nq sums of one
 * phase in a single pass: onto `bias` when init (the phase's first pass),
 * else onto acc. Each sum gets its taps in the same order as one pass per
 * tap would give it; where a tap is outside its row (the row's ends) it
 * adds nothing. */
static inline void convt_add_taps(float *restrict acc, const struct convt_tap *t, int n,
                                  int64_t nq, bool init, float bias)
{
    int64_t lo = 0, hi = nq;
    for (int j = 0; j < n; j++) {
        lo = t[j].lo > lo ? t[j].lo : lo;
        hi = t[j].hi < hi ? t[j].hi : hi;
    }
    if (hi < lo) hi = lo;
    for (int64_t q = 0; q < nq; q++) {
        if (q == lo) q = hi; /* the interior below */
        if (q >= nq) break;
        float v = init ? bias : acc[q];
        for (int j = 0; j < n; j++)
            if (q >= t[j].lo && q < t[j].hi) v += CONVT_T(j);
        acc[q] = v;
    }
    if (init) {
        CONVT_TAP_LOOPS(bias)
    } else {
        CONVT_TAP_LOOPS(acc[q])
    }
}
#undef CONVT_TAP_LOOPS

/* y[2q] = a0[q], y[2q + 1] = a1[q]: stride 2, the common upsampling, as
 * a loop the compiler turns into vector unpacks. */
static inline void convt_interleave2(float *restrict y, const float *restrict a0,
                                     const float *restrict a1, int64_t n)
{
    const int64_t pairs = n / 2;
    for (int64_t q = 0; q < pairs; q++) {
        y[2 * q] = a0[q];
        y[2 * q + 1] = a1[q];
    }
    if (n % 2) y[n - 1] = a0[pairs];
}

/* Output row (od, oh) of output channel mm of group g, phase r (nq sums
 * at acc): the bias, then for the group's input channels in order, their
 * input rows in (td, th) order and the row's taps tw in order, the taps
 * that reach this phase, CONVT_TAPS_PER_PASS at a time. */
static inline void convt_phase_row(const struct onr_convt_shape *s, const float *xn,
                                   const float *w, int64_t g, int64_t mm, int64_t od, int64_t oh,
                                   int64_t r, int64_t nq, float bias, float *acc)
{
    const int64_t cg = s->C / s->group, mg = s->M / s->group;
    const int64_t IW = s->in[2], sw = s->stride[2], dw = s->dil[2], pw = s->pad_begin[2];
    const int64_t in_vol = s->in[0] * s->in[1] * s->in[2];
    const int64_t taps = s->k[0] * s->k[1] * s->k[2];
    struct convt_tap t[CONVT_TAPS_PER_PASS];
    int n = 0;
    bool init = true;
    for (int64_t ci = 0; ci < cg; ci++) {
        const int64_t c = g * cg + ci;
        const float *xp = xn + c * in_vol, *wc = w + (c * mg + mm) * taps;
        for (int64_t td = 0; td < s->k[0]; td++) {
            const int64_t id =
                convt_source_index(od, td, s->stride[0], s->dil[0], s->pad_begin[0], s->in[0]);
            if (id < 0) continue;
            for (int64_t th = 0; th < s->k[1]; th++) {
                const int64_t ih = convt_source_index(oh, th, s->stride[1], s->dil[1],
                                                      s->pad_begin[1], s->in[1]);
                if (ih < 0) continue;
                const float *xrow = xp + (id * s->in[1] + ih) * IW;
                const float *wrow = wc + (td * s->k[1] + th) * s->k[2];
                for (int64_t tw = 0; tw < s->k[2]; tw++) {
                    /* o = q * sw + r = ix * sw - pw + tw * dw */
                    const int64_t num = r + pw - tw * dw, off = convt_floor_div(num, sw);
                    if (off * sw != num) continue;
                    const int64_t lo = -off > 0 ? -off : 0;
                    const int64_t hi = IW - off < nq ? IW - off : nq;
                    if (lo >= hi) continue;
                    t[n++] = (struct convt_tap){xrow, wrow[tw], off, lo, hi};
                    if (n == CONVT_TAPS_PER_PASS) {
                        convt_add_taps(acc, t, n, nq, init, bias);
                        n = 0;
                        init = false;
                    }
                }
            }
        }
    }
    if (n > 0) {
        convt_add_taps(acc, t, n, nq, init, bias);
    } else if (init) {
        for (int64_t q = 0; q < nq; q++) acc[q] = bias;
    }
}

static inline void convt_phase_body(const struct onr_convt_shape *s, const float *x,
                                    const float *w, const float *b,
                                    const struct onr_activation *act, float *y,
                                    float *workspace, int threads)
{
    const int64_t C = s->C, M = s->M, mg = M / s->group;
    const int64_t in_vol = s->in[0] * s->in[1] * s->in[2];
    const int64_t out_vol = s->out[0] * s->out[1] * s->out[2];
    const int64_t OW = s->out[2], sw = s->stride[2];
    const int64_t rows_per_plane = s->out[0] * s->out[1];
    const int64_t rows = s->N * M * rows_per_plane;
    const size_t ws_floats = onr_convt_phase_workspace_floats(s);
    const int64_t per_phase = (int64_t)ws_floats / sw;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && rows > 1)
#endif
    for (int64_t row = 0; row < rows; row++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        float *acc = workspace + (size_t)tid * ws_floats;
        const int64_t plane = row / rows_per_plane, r_in_plane = row % rows_per_plane;
        const int64_t n = plane / M, m = plane % M, g = m / mg, mm = m % mg;
        const int64_t od = r_in_plane / s->out[1], oh = r_in_plane % s->out[1];
        const float bias = b != NULL ? b[m] : 0.0f;
        for (int64_t r = 0; r < sw && r < OW; r++)
            convt_phase_row(s, x + n * C * in_vol, w, g, mm, od, oh, r, (OW - r + sw - 1) / sw,
                            bias, acc + r * per_phase);
        if (act != NULL && act->kind != ONR_ACT_NONE)
            for (int64_t r = 0; r < sw && r < OW; r++)
                onr_convt_act_row(acc + r * per_phase, (OW - r + sw - 1) / sw, act);
        float *yrow = y + plane * out_vol + r_in_plane * OW;
        if (sw == 2) {
            convt_interleave2(yrow, acc, acc + per_phase, OW);
            continue;
        }
        for (int64_t r = 0; r < sw && r < OW; r++) {
            const int64_t nq = (OW - r + sw - 1) / sw;
            const float *ar = acc + r * per_phase;
            for (int64_t q = 0; q < nq; q++) yrow[q * sw + r] = ar[q];
        }
    }
}

#endif
