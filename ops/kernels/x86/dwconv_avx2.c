/* Depthwise 2-D convolution with AVX2+FMA: square 3x3 and 5x5 filters,
 * stride 1 and 2, dilation 1, any (asymmetric) pads, channel multiplier 1.
 *
 * Each input row a thread needs is copied once into a small ring of padded
 * rows on its stack: zeros stand for the padding (rows outside the image
 * are all zero), and for stride 2 the row is split into its even and odd
 * columns, so every filter tap is one contiguous unaligned load. The inner
 * loop then runs over the output width with full vectors of 8 outputs and
 * no branches; only the last vector of a row is stored with a mask. Wide
 * images are processed in tiles of TW output columns.
 *
 * Order per output: bias, then (kh, kw) ascending, one FMA each; it does
 * not depend on the tile, row block or thread. */
#include <immintrin.h>
#include <string.h>

#include "../dwconv.h"

#define TW 128          /* output columns per tile */
#define PL (TW + 8)     /* floats per phase row: TW + (K-1)/S + load slack */
#define KMAX 5
#define SMAX 2

struct act_vec {
    enum onr_activation_kind kind;
    __m256 a, b, zero, one, six, half;
};

/* onr_activation_apply on 8 lanes, NaN and comparisons included. */
static inline __m256 act_apply(const struct act_vec *av, __m256 v)
{
    switch (av->kind) {
    case ONR_ACT_NONE: return v;
    case ONR_ACT_RELU: return _mm256_max_ps(v, av->zero); /* NaN, -0 -> +0 */
    case ONR_ACT_CLIP: {
        __m256 r = _mm256_blendv_ps(v, av->b, _mm256_cmp_ps(v, av->b, _CMP_GT_OQ));
        return _mm256_blendv_ps(r, av->a, _mm256_cmp_ps(v, av->a, _CMP_LT_OQ));
    }
    case ONR_ACT_HARDSIGMOID: {
        __m256 t = _mm256_add_ps(_mm256_mul_ps(av->a, v), av->b);
        __m256 r = _mm256_blendv_ps(t, av->one, _mm256_cmp_ps(t, av->one, _CMP_GT_OQ));
        return _mm256_blendv_ps(r, av->zero, _mm256_cmp_ps(t, av->zero, _CMP_LT_OQ));
    }
    case ONR_ACT_HARDSWISH: {
        __m256 t = _mm256_add_ps(_mm256_div_ps(v, av->six), av->half);
        __m256 r = _mm256_blendv_ps(t, av->one, _mm256_cmp_ps(t, av->one, _CMP_GT_OQ));
        r = _mm256_blendv_ps(r, av->zero, _mm256_cmp_ps(t, av->zero, _CMP_LT_OQ));
        return _mm256_mul_ps(v, r);
    }
    }
    return v;
}

/* dst[i] = xr[start + S*i] or 0 outside the row, for i in [i0, i1). */
static void fill_checked(float *dst, const float *xr, int64_t W, int64_t start, int S, int i0,
                         int i1)
{
    for (int i = i0; i < i1; i++) {
        const int64_t col = start + (int64_t)S * i;
        dst[i] = col >= 0 && col < W ? xr[col] : 0.0f;
    }
}

/* dst[p*PL + i] = xr[start + S*i + p], or 0 outside [0, W) or when xr is
 * NULL, for i < n and phase p < S. Reads x only inside the row. */
static void fill_row(float *dst, const float *xr, int64_t W, int64_t start, int n, int S)
{
    if (xr == NULL) {
        memset(dst, 0, sizeof(float) * (size_t)(S * PL));
        return;
    }
    /* [lo, hi): every phase's column is inside the row */
    int lo = 0, hi = n;
    while (lo < n && start + (int64_t)S * lo < 0) lo++;
    while (hi > lo && start + (int64_t)S * (hi - 1) + S - 1 >= W) hi--;
    for (int p = 0; p < S; p++) {
        fill_checked(dst + p * PL, xr, W, start + p, S, 0, lo);
        fill_checked(dst + p * PL, xr, W, start + p, S, hi, n);
    }
    const float *src = xr + start + (int64_t)S * lo;
    if (S == 1) {
        memcpy(dst + lo, src, sizeof(float) * (size_t)(hi - lo));
        return;
    }
    int i = lo;
    for (; i + 8 <= hi; i += 8, src += 16) { /* deinterleave 16 columns */
        __m256 u = _mm256_loadu_ps(src), v = _mm256_loadu_ps(src + 8);
        __m256 ev = _mm256_shuffle_ps(u, v, _MM_SHUFFLE(2, 0, 2, 0));
        __m256 od = _mm256_shuffle_ps(u, v, _MM_SHUFFLE(3, 1, 3, 1));
        ev = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
        od = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(od), 0xD8));
        _mm256_storeu_ps(dst + i, ev);
        _mm256_storeu_ps(dst + PL + i, od);
    }
    for (; i < hi; i++, src += 2) {
        dst[i] = src[0];
        dst[PL + i] = src[1];
    }
}

static const int32_t mask_tab[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* One output row of tw columns. rp[kh*S + p]: phase p of the padded input
 * row for tap row kh; tap (kh, kw) reads rp[kh*S + kw%S] + ow + kw/S. */
static inline __attribute__((always_inline)) void
row_kxs(float *y, const float *const *rp, const float *w, float bias,
        const struct act_vec *av, int tw, const int K, const int S)
{
    const __m256 vb = _mm256_set1_ps(bias);
    int j = 0;
    for (; j + 32 <= tw; j += 32) {
        __m256 a0 = vb, a1 = vb, a2 = vb, a3 = vb;
#pragma GCC unroll 5
        for (int kh = 0; kh < K; kh++)
#pragma GCC unroll 5
            for (int kw = 0; kw < K; kw++) {
                const float *r = rp[kh * S + kw % S] + j + kw / S;
                const __m256 wv = _mm256_broadcast_ss(w + kh * K + kw);
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r), wv, a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r + 8), wv, a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r + 16), wv, a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r + 24), wv, a3);
            }
        _mm256_storeu_ps(y + j, act_apply(av, a0));
        _mm256_storeu_ps(y + j + 8, act_apply(av, a1));
        _mm256_storeu_ps(y + j + 16, act_apply(av, a2));
        _mm256_storeu_ps(y + j + 24, act_apply(av, a3));
    }
    for (; j < tw; j += 8) {
        __m256 a0 = vb;
#pragma GCC unroll 5
        for (int kh = 0; kh < K; kh++)
#pragma GCC unroll 5
            for (int kw = 0; kw < K; kw++) {
                const float *r = rp[kh * S + kw % S] + j + kw / S;
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r), _mm256_broadcast_ss(w + kh * K + kw), a0);
            }
        a0 = act_apply(av, a0);
        if (j + 8 <= tw)
            _mm256_storeu_ps(y + j, a0);
        else
            _mm256_maskstore_ps(y + j, _mm256_loadu_si256((const __m256i *)(mask_tab + 8 - (tw - j))), a0);
    }
}

/* x: (H, W)  w: (K, K)  y: (OH, OW), rows [oh0, oh1) of one plane */
static inline __attribute__((always_inline)) void
block_kxs(const struct onr_conv_shape *s, const float *x, const float *w, float bias,
          const struct act_vec *av, float *y, int64_t oh0, int64_t oh1, const int K,
          const int S)
{
    float ring[KMAX * SMAX * PL] __attribute__((aligned(32)));
    const float *rp[KMAX * SMAX];
    for (int64_t ow0 = 0; ow0 < s->OW; ow0 += TW) {
        const int tw = s->OW - ow0 < TW ? (int)(s->OW - ow0) : TW;
        const int n = (tw + 7) / 8 * 8 + (K - 1) / S;
        const int64_t start = ow0 * S - s->pad_left;
        int64_t next = oh0 * S; /* next padded row index (ih + pad_top) to load */
        for (int64_t oh = oh0; oh < oh1; oh++) {
            for (; next < oh * S + K; next++) {
                const int64_t ih = next - s->pad_top;
                fill_row(ring + (next % K) * S * PL, ih >= 0 && ih < s->H ? x + ih * s->W : NULL,
                         s->W, start, n, S);
            }
            for (int kh = 0; kh < K; kh++)
                for (int p = 0; p < S; p++) rp[kh * S + p] = ring + ((oh * S + kh) % K) * S * PL + p * PL;
            row_kxs(y + oh * s->OW + ow0, rp, w, bias, av, tw, K, S);
        }
    }
}

typedef void (*block_fn)(const struct onr_conv_shape *s, const float *x, const float *w,
                         float bias, const struct act_vec *av, float *y, int64_t oh0,
                         int64_t oh1);

#define DEFINE_BLOCK(K, S)                                                                   \
    static void block_##K##x##K##s##S(const struct onr_conv_shape *s, const float *x,       \
                                      const float *w, float bias, const struct act_vec *av, \
                                      float *y, int64_t oh0, int64_t oh1)                   \
    {                                                                                        \
        block_kxs(s, x, w, bias, av, y, oh0, oh1, K, S);                                     \
    }
DEFINE_BLOCK(3, 1)
DEFINE_BLOCK(3, 2)
DEFINE_BLOCK(5, 1)
DEFINE_BLOCK(5, 2)

/* x: (N, C, H, W)  w: (C, 1, K, K)  y: (N, C, OH, OW) */
static void run_blocks(const struct onr_conv_shape *s, const float *x, const float *w,
                       const float *b, const struct onr_activation *act, float *y,
                       int threads, block_fn fn)
{
    struct act_vec av = {act->kind,           _mm256_set1_ps(act->a), _mm256_set1_ps(act->b),
                         _mm256_setzero_ps(), _mm256_set1_ps(1.0f),   _mm256_set1_ps(6.0f),
                         _mm256_set1_ps(0.5f)};
    const int64_t planes = s->N * s->C;
    const int64_t nrb = onr_dwconv2d_row_blocks(planes, s->OH, threads);
    const int64_t items = planes * nrb;
    const int64_t kk = s->KH * s->KW;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t p = it / nrb, rb = it % nrb, c = p % s->C;
        fn(s, x + p * s->H * s->W, w + c * kk, b != NULL ? b[c] : 0.0f, &av,
           y + p * s->OH * s->OW, rb * s->OH / nrb, (rb + 1) * s->OH / nrb);
    }
}

#define DEFINE_VARIANT(K, S)                                                                \
    void onr_dwconv2d_f32_##K##x##K##s##S##__avx2(                                          \
        const struct onr_conv_shape *s, const float *x, const float *w, const float *b,     \
        const struct onr_activation *act, float *y, int threads)                            \
    {                                                                                       \
        run_blocks(s, x, w, b, act, y, threads, block_##K##x##K##s##S);                     \
    }
DEFINE_VARIANT(3, 1)
DEFINE_VARIANT(3, 2)
DEFINE_VARIANT(5, 1)
DEFINE_VARIANT(5, 2)
