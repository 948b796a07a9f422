/* Portable OpenMP C convolution kernels (see conv.h).
 *
 * Each thread owns whole output planes (or, for 1x1, whole chunks of
 * them): a plane starts as the bias, then each kernel tap adds its product
 * over the rectangle of outputs whose input lies inside the image, and the
 * activation is applied last. Per element the sum runs bias, then (c, kh,
 * kw) in order, like the oracle, so results do not depend on the thread
 * count. Padding is never materialised and nothing is read out of bounds. */
#include "conv.h"

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Outputs o in [*lo, *hi) whose input o*stride + off lies in [0, in). */
static void valid_range(int64_t off, int64_t stride, int64_t in, int64_t out,
                        int64_t *lo, int64_t *hi)
{
    int64_t l = -floor_div(off, stride);          /* ceil(-off / stride) */
    int64_t h = floor_div(in - 1 - off, stride) + 1;
    if (l < 0) l = 0;
    if (h > out) h = out;
    if (h < l) h = l;
    *lo = l;
    *hi = h;
}

/* yp[oh][ow] += wv * xp[oh*sh + kh*dh - pt][ow*sw + kw*dw - pl] over the
 * outputs where that input exists.
 * xp: (H, W) one input channel  yp: (OH, OW) one output channel */
static void add_tap(const struct onr_conv_shape *s, const float *xp, float *yp,
                    int64_t kh, int64_t kw, float wv)
{
    const int64_t offh = kh * s->dil_h - s->pad_top;
    const int64_t offw = kw * s->dil_w - s->pad_left;
    const int64_t sw = s->stride_w;
    int64_t oh0, oh1, ow0, ow1;
    valid_range(offh, s->stride_h, s->H, s->OH, &oh0, &oh1);
    valid_range(offw, sw, s->W, s->OW, &ow0, &ow1);
    if (ow0 >= ow1) return;
    for (int64_t oh = oh0; oh < oh1; oh++) {
        /* Index, not pointer, arithmetic: base may be negative. */
        const int64_t base = (oh * s->stride_h + offh) * s->W + offw;
        float *yr = yp + oh * s->OW;
        if (sw == 1) {
            const float *xr = xp + (base + ow0);
            for (int64_t i = 0; i < ow1 - ow0; i++) yr[ow0 + i] += wv * xr[i];
        } else {
            for (int64_t ow = ow0; ow < ow1; ow++) yr[ow] += wv * xp[base + ow * sw];
        }
    }
}

static void fill(float *y, int64_t n, float v)
{
    for (int64_t i = 0; i < n; i++) y[i] = v;
}

static void activate(const struct onr_activation *act, float *y, int64_t n)
{
    if (act == NULL || act->kind == ONR_ACT_NONE) return;
    for (int64_t i = 0; i < n; i++) y[i] = onr_activation_apply(act, y[i]);
}

/* x: (N, C, H, W)  w: (OC, C/group, KH, KW)  y: (N, OC, OH, OW) */
void onr_conv2d_f32__scalar(const struct onr_conv_shape *s, const float *x, const float *w,
                            const float *b, const struct onr_activation *act, float *y,
                            int threads)
{
    const int64_t cg = s->C / s->group, ocg = s->OC / s->group;
    const int64_t planes = s->N * s->OC, plane = s->OH * s->OW;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        const int64_t n = p / s->OC, oc = p % s->OC;
        const float *xg = x + (n * s->C + oc / ocg * cg) * s->H * s->W;
        const float *wo = w + oc * cg * s->KH * s->KW;
        float *yp = y + p * plane;
        fill(yp, plane, b != NULL ? b[oc] : 0.0f);
        for (int64_t ci = 0; ci < cg; ci++)
            for (int64_t kh = 0; kh < s->KH; kh++)
                for (int64_t kw = 0; kw < s->KW; kw++)
                    add_tap(s, xg + ci * s->H * s->W, yp, kh, kw,
                            wo[(ci * s->KH + kh) * s->KW + kw]);
        activate(act, yp, plane);
    }
}

/* x: (N, C, H, W)  w: (C*m, 1, KH, KW)  y: (N, C*m, OH, OW); output channel
 * oc reads input channel oc / m. */
void onr_conv2d_f32_depthwise__scalar(const struct onr_conv_shape *s, const float *x,
                                      const float *w, const float *b,
                                      const struct onr_activation *act, float *y,
                                      int threads)
{
    const int64_t m = s->OC / s->C;
    const int64_t planes = s->N * s->OC, plane = s->OH * s->OW;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        const int64_t n = p / s->OC, oc = p % s->OC;
        const float *xp = x + (n * s->C + oc / m) * s->H * s->W;
        const float *wo = w + oc * s->KH * s->KW;
        float *yp = y + p * plane;
        fill(yp, plane, b != NULL ? b[oc] : 0.0f);
        for (int64_t kh = 0; kh < s->KH; kh++)
            for (int64_t kw = 0; kw < s->KW; kw++)
                add_tap(s, xp, yp, kh, kw, wo[kh * s->KW + kw]);
        activate(act, yp, plane);
    }
}

enum { CONV1X1_OC_BLOCK = 4, CONV1X1_HW_BLOCK = 1024 };

/* x: (N, C, HW)  w: (OC, C/group)  y: (N, OC, HW). A task is up to 4 output
 * channels of one group over one chunk of pixels, so the x chunk is read
 * once for 4 outputs. */
void onr_conv2d_f32_1x1__scalar(const struct onr_conv_shape *s, const float *x,
                                const float *w, const float *b,
                                const struct onr_activation *act, float *y, int threads)
{
    const int64_t cg = s->C / s->group, ocg = s->OC / s->group, HW = s->H * s->W;
    const int64_t nblk = (ocg + CONV1X1_OC_BLOCK - 1) / CONV1X1_OC_BLOCK;
    const int64_t nchunk = (HW + CONV1X1_HW_BLOCK - 1) / CONV1X1_HW_BLOCK;
    const int64_t tasks = s->N * s->group * nblk * nchunk;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t t = 0; t < tasks; t++) {
        const int64_t chunk = t % nchunk, blk = t / nchunk % nblk;
        const int64_t g = t / (nchunk * nblk) % s->group, n = t / (nchunk * nblk * s->group);
        const int64_t oc0 = g * ocg + blk * CONV1X1_OC_BLOCK;
        const int64_t nb = ocg - blk * CONV1X1_OC_BLOCK < CONV1X1_OC_BLOCK
                               ? ocg - blk * CONV1X1_OC_BLOCK : CONV1X1_OC_BLOCK;
        const int64_t i0 = chunk * CONV1X1_HW_BLOCK;
        const int64_t len = HW - i0 < CONV1X1_HW_BLOCK ? HW - i0 : CONV1X1_HW_BLOCK;
        const float *xg = x + (n * s->C + g * cg) * HW + i0;
        float *yb = y + (n * s->OC + oc0) * HW + i0;
        for (int64_t j = 0; j < nb; j++) fill(yb + j * HW, len, b != NULL ? b[oc0 + j] : 0.0f);
        for (int64_t ci = 0; ci < cg; ci++) {
            const float *xr = xg + ci * HW;
            for (int64_t j = 0; j < nb; j++) {
                const float wv = w[(oc0 + j) * cg + ci];
                float *yr = yb + j * HW;
                for (int64_t i = 0; i < len; i++) yr[i] += wv * xr[i];
            }
        }
        for (int64_t j = 0; j < nb; j++) activate(act, yb + j * HW, len);
    }
}
