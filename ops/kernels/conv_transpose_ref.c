#include <stddef.h>

#include "conv_transpose.h"

/* The input index that tap t of an axis maps onto output index o, or -1
 * when it maps onto none (between strided positions or outside x). */
static int64_t source_index(int64_t o, int64_t t, int64_t stride, int64_t dil, int64_t pad,
                            int64_t in)
{
    const int64_t num = o + pad - t * dil;
    if (num < 0 || num % stride != 0) return -1;
    const int64_t i = num / stride;
    return i < in ? i : -1;
}

void onr_convt_f32__ref(const struct onr_convt_shape *s, const float *x, const float *w,
                        const float *b, float *y, int threads)
{
    const int64_t cg = s->C / s->group, mg = s->M / s->group;
    const int64_t in_vol = s->in[0] * s->in[1] * s->in[2];
    const int64_t out_vol = s->out[0] * s->out[1] * s->out[2];
    const int64_t taps = s->k[0] * s->k[1] * s->k[2];
    const int64_t planes = s->N * s->M;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t plane = 0; plane < planes; plane++) {
        const int64_t n = plane / s->M, m = plane % s->M, g = m / mg, mm = m % mg;
        float *yp = y + plane * out_vol;
        for (int64_t od = 0; od < s->out[0]; od++)
            for (int64_t oh = 0; oh < s->out[1]; oh++)
                for (int64_t ow = 0; ow < s->out[2]; ow++) {
                    float acc = b != NULL ? b[m] : 0.0f;
                    for (int64_t ci = 0; ci < cg; ci++) {
                        const int64_t c = g * cg + ci;
                        const float *xc = x + (n * s->C + c) * in_vol;
                        const float *wc = w + (c * mg + mm) * taps;
                        for (int64_t td = 0; td < s->k[0]; td++) {
                            const int64_t id = source_index(od, td, s->stride[0], s->dil[0],
                                                            s->pad_begin[0], s->in[0]);
                            if (id < 0) continue;
                            for (int64_t th = 0; th < s->k[1]; th++) {
                                const int64_t ih = source_index(oh, th, s->stride[1],
                                                                s->dil[1], s->pad_begin[1],
                                                                s->in[1]);
                                if (ih < 0) continue;
                                for (int64_t tw = 0; tw < s->k[2]; tw++) {
                                    const int64_t iw = source_index(ow, tw, s->stride[2],
                                                                    s->dil[2], s->pad_begin[2],
                                                                    s->in[2]);
                                    if (iw < 0) continue;
                                    acc += xc[(id * s->in[1] + ih) * s->in[2] + iw] *
                                           wc[(td * s->k[1] + th) * s->k[2] + tw];
                                }
                            }
                        }
                    }
                    yp[(od * s->out[1] + oh) * s->out[2] + ow] = acc;
                }
    }
}

/* First and one-past-last q with 0 <= o0 + q * stride < out, q in [0, n). */
static void valid_range(int64_t o0, int64_t stride, int64_t out, int64_t n, int64_t *lo,
                        int64_t *hi)
{
    int64_t a = o0 >= 0 ? 0 : (-o0 + stride - 1) / stride;
    int64_t z = o0 <= out - 1 ? (out - 1 - o0) / stride + 1 : 0;
    *lo = a;
    *hi = z < n ? z : n;
}

void onr_convt_col2im_f32__scalar(const struct onr_convt_shape *s, const float *cols,
                                  int64_t p0, int64_t nb, const float *b, float *y,
                                  const struct onr_activation *act, int threads)
{
    const int64_t mg = s->M / s->group;
    const int64_t out_vol = s->out[0] * s->out[1] * s->out[2];
    const int64_t taps = s->k[0] * s->k[1] * s->k[2];
    const int64_t hw = s->in[1] * s->in[2];
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && mg > 1)
    for (int64_t m = 0; m < mg; m++) {
        float *yp = y + m * out_vol;
        if (p0 == 0)
            for (int64_t o = 0; o < out_vol; o++) yp[o] = b != NULL ? b[m] : 0.0f;
        for (int64_t t = 0; t < taps; t++) {
            const int64_t td = t / (s->k[1] * s->k[2]), th = t / s->k[2] % s->k[1],
                          tw = t % s->k[2];
            const float *row = cols + (m * taps + t) * nb;
            /* Walk the block one input row (fixed id, ih) at a time. */
            for (int64_t j = 0, p = p0; j < nb;) {
                const int64_t id = p / hw, ih = p / s->in[2] % s->in[1], iw = p % s->in[2];
                const int64_t run = s->in[2] - iw < nb - j ? s->in[2] - iw : nb - j;
                const int64_t od = id * s->stride[0] - s->pad_begin[0] + td * s->dil[0];
                const int64_t oh = ih * s->stride[1] - s->pad_begin[1] + th * s->dil[1];
                if (od >= 0 && od < s->out[0] && oh >= 0 && oh < s->out[1]) {
                    float *yr = yp + (od * s->out[1] + oh) * s->out[2];
                    const int64_t ow0 = iw * s->stride[2] - s->pad_begin[2] + tw * s->dil[2];
                    int64_t lo, hi;
                    valid_range(ow0, s->stride[2], s->out[2], run, &lo, &hi);
                    const float *c = row + j;
                    if (s->stride[2] == 1) {
                        for (int64_t q = lo; q < hi; q++) yr[ow0 + q] += c[q];
                    } else {
                        for (int64_t q = lo; q < hi; q++) yr[ow0 + q * s->stride[2]] += c[q];
                    }
                }
                j += run;
                p += run;
            }
        }
        if (act != NULL && act->kind != ONR_ACT_NONE)
            for (int64_t o = 0; o < out_vol; o++) yp[o] = onr_activation_apply(act, yp[o]);
    }
}
