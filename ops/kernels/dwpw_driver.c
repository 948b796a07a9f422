/* The driver of the fused depthwise -> pointwise kernel (dwpw.h), its
 * portable band functions and its kernel table. */
#include <stddef.h>
#include <string.h>

#include "dwpw.h"

bool onr_dwpw_fits(const struct onr_dwpw_shape *s)
{
    const struct onr_conv_shape *d = &s->dw;
    return d->group >= 1 && d->group == d->C && d->OC == d->C && s->OC >= 1 && d->N >= 1 &&
           d->OH >= 1 && d->OW >= 1 && d->H >= 1 && d->W >= 1;
}

int64_t onr_dwpw_band_rows(const struct onr_dwpw_shape *s)
{
    const int64_t row_bytes = s->dw.C * s->dw.OW * (int64_t)sizeof(float);
    int64_t rows = row_bytes > 0 ? ONR_DWPW_BAND_BYTES / row_bytes : 1;
    if (rows < 1) rows = 1;
    return rows < s->dw.OH ? rows : s->dw.OH;
}

int64_t onr_dwpw_thread_floats(const struct onr_dwpw_shape *s)
{
    return s->dw.C * onr_dwpw_band_rows(s) * s->dw.OW;
}

/* y (OC, P), ldy apart: see onr_dwpw_band_fn. */
static void band_scalar(int64_t OC, int64_t C, int64_t P, const float *w, const float *b,
                        const float *t, const float *r, const struct onr_activation *act,
                        float *y, int64_t ldy)
{
    for (int64_t o = 0; o < OC; o++) {
        float *yo = y + o * ldy;
        const float bias = b != NULL ? b[o] : 0.0f;
        for (int64_t p = 0; p < P; p++) yo[p] = bias;
        for (int64_t c = 0; c < C; c++) {
            const float wv = w[o * C + c];
            const float *tc = t + c * P;
            for (int64_t p = 0; p < P; p++) yo[p] += wv * tc[p];
        }
        const float *ro = r != NULL ? r + o * ldy : NULL;
        for (int64_t p = 0; p < P; p++)
            yo[p] = onr_activation_apply(act, ro != NULL ? yo[p] + ro[p] : yo[p]);
    }
}

/* x: (C, H, W)  t: (C, (oh1-oh0)*OW) */
static void dw_scalar(const struct onr_conv_shape *d, const float *x, const float *wd,
                      const float *bd, const struct onr_activation *act, int64_t oh0,
                      int64_t oh1, float *t)
{
    const int64_t kk = d->KH * d->KW;
    for (int64_t c = 0; c < d->C; c++) {
        const float *xc = x + c * d->H * d->W, *w = wd + c * kk;
        const float bias = bd != NULL ? bd[c] : 0.0f;
        onr_dwpw_prefetch_next(d, xc, oh0, oh1);
        for (int64_t oh = oh0; oh < oh1; oh++) {
            float *tr = t + (c * (oh1 - oh0) + oh - oh0) * d->OW;
            for (int64_t ow = 0; ow < d->OW; ow++)
                tr[ow] = onr_activation_apply(act, onr_dwpw_dw_pixel(d, xc, w, bias, oh, ow));
        }
    }
}

/* Floats of the padded input rows of one channel's band (stack). */
enum { PAD_BUF = 8192 };

/* The row length of the padded rows a band of `rows` output rows reads,
 * wide enough for the last output vector of `lanes` (computed whole,
 * stored in part), a whole number of vectors; 0 when they exceed PAD_BUF. */
static int64_t pad_ld(const struct onr_conv_shape *d, int64_t S, int64_t lanes, int64_t rows)
{
    const int64_t nvec = (d->OW + lanes - 1) / lanes;
    const int64_t cols = (nvec * lanes - 1) * S + (d->KW - 1) * d->dil_w + S;
    const int64_t ld = (cols + lanes - 1) / lanes * lanes;
    const int64_t in_rows = (rows - 1) * d->stride_h + (d->KH - 1) * d->dil_h + 1;
    return in_rows * ld <= PAD_BUF ? ld : 0;
}

/* Copies the input rows of plane xc that output rows [oh0, oh1) read into
 * buf (ld floats a row, column ow*S + kw*dil of a row is tap kw of output
 * column ow), zeros where the taps fall into the padding. */
static void pad_rows(const struct onr_conv_shape *d, const float *xc, int64_t oh0, int64_t oh1,
                     int64_t ld, float *buf)
{
    const int64_t first = oh0 * d->stride_h - d->pad_top;
    const int64_t in_rows = (oh1 - oh0 - 1) * d->stride_h + (d->KH - 1) * d->dil_h + 1;
    const int64_t pl = d->pad_left < ld ? d->pad_left : ld;
    const int64_t n = d->W < ld - pl ? d->W : ld - pl;
    for (int64_t r = 0; r < in_rows; r++) {
        float *b = buf + r * ld;
        const int64_t ih = first + r;
        if (ih < 0 || ih >= d->H) {
            memset(b, 0, (size_t)ld * sizeof(float));
            continue;
        }
        memset(b, 0, (size_t)pl * sizeof(float));
        memcpy(b + pl, xc + ih * d->W, (size_t)n * sizeof(float));
        memset(b + pl + n, 0, (size_t)(ld - pl - n) * sizeof(float));
    }
}

/* x: (C, H, W)  t: (C, (oh1-oh0)*OW) */
void onr_dwpw_dw_walk(const struct onr_dwpw_dw_isa *isa, const struct onr_conv_shape *d,
                      const float *x, const float *wd, const float *bd,
                      const struct onr_activation *act, const void *av, int64_t oh0,
                      int64_t oh1, float *t)
{
    const int64_t kk = d->KH * d->KW, P = (oh1 - oh0) * d->OW, S = d->stride_w;
    const int64_t k = d->KH == d->KW && (d->KH == 3 || d->KH == 5) && d->stride_h == S &&
                              (S == 1 || S == 2) ? d->KH : 0;
    const int64_t ld = k != 0 ? pad_ld(d, S, isa->lanes, oh1 - oh0) : 0;
    const onr_dwpw_pad_band_fn band = k != 0 ? isa->pad_band[(k == 5) * 2 + (S == 2)] : NULL;
    const onr_dwpw_row_fn row = isa->row[S == 1 ? 0 : S == 2 ? 1 : 2];
    float buf[PAD_BUF] __attribute__((aligned(64)));
    int64_t lo = d->OW, hi = d->OW;
    if (S == 1 || S == 2) onr_dwpw_inner_cols(d, S - 1, &lo, &hi);
    for (int64_t c = 0; c < d->C; c++) {
        const float *xc = x + c * d->H * d->W, *w = wd + c * kk;
        const float bias = bd != NULL ? bd[c] : 0.0f;
        onr_dwpw_prefetch_next(d, xc, oh0, oh1);
        if (ld > 0) {
            pad_rows(d, xc, oh0, oh1, ld, buf);
            band(d, buf, ld, w, bias, av, oh0, oh1, t + c * P);
            continue;
        }
        for (int64_t oh = oh0; oh < oh1; oh++)
            row(d, xc, w, bias, act, av, lo, hi, oh, t + c * P + (oh - oh0) * d->OW);
    }
}

const struct onr_dwpw_fns onr_dwpw_fns__scalar = {dw_scalar, band_scalar};

const struct onr_dwpw_kernel onr_dwpw_kernels[] = {
#if defined(ONR_HAVE_X86)
    {"dwpw__avx512", ONR_ISA_AVX512, NULL, &onr_dwpw_fns__avx512},
    {"dwpw__avx2", ONR_ISA_AVX2, NULL, &onr_dwpw_fns__avx2},
#endif
    {"dwpw__scalar", ONR_ISA_PORTABLE, NULL, &onr_dwpw_fns__scalar},
};
const int onr_dwpw_kernels_count = sizeof onr_dwpw_kernels / sizeof onr_dwpw_kernels[0];

/* x: (N, C, H, W)  y: (N, OC, OH, OW). Thread t takes the flat output
 * rows [N*OH * t / T, N*OH * (t+1) / T) in bands of at most
 * onr_dwpw_band_rows; each element's arithmetic does not depend on the
 * band it falls in. */
void onr_dwpw_f32(const struct onr_dwpw_shape *s, const struct onr_dwpw_fns *fns, const float *x,
                  const float *wd, const float *bd, const struct onr_activation *dact,
                  const float *wp, const float *bp, const struct onr_activation *pact,
                  const float *r, float *y, float *ws, int threads)
{
    const struct onr_conv_shape *d = &s->dw;
    const int64_t rows = d->N * d->OH, band = onr_dwpw_band_rows(s);
    const int64_t plane = d->OH * d->OW, per_thread = onr_dwpw_thread_floats(s);
    if (rows < 1) return;
    int T = threads < 1 ? 1 : threads;
    if (T > rows) T = (int)rows;
#pragma omp parallel for num_threads(T) schedule(static) if (T > 1)
    for (int t = 0; t < T; t++) {
        const int64_t a = rows * t / T, e = rows * (t + 1) / T;
        float *tb = ws + t * per_thread;
        for (int64_t q = a; q < e;) {
            const int64_t n = q / d->OH, oh0 = q % d->OH;
            int64_t oh1 = oh0 + band;
            if (oh1 > d->OH) oh1 = d->OH;
            if (oh1 - oh0 > e - q) oh1 = oh0 + (e - q);
            
            fns->dw(d, x + n * d->C * d->H * d->W, wd, bd, dact, oh0, oh1, tb);
            const int64_t off = n * s->OC * plane + oh0 * d->OW;
            fns->band(s->OC, d->C, (oh1 - oh0) * d->OW, wp, bp, tb,
                      r != NULL ? r + off : NULL, pact, y + off, plane);
            q += oh1 - oh0;
        }
    }
}
