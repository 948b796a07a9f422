/* Depthwise 2-D convolution for small planes with AVX-512 (F, DQ, BW, VL):
 * vectorised across channels instead of along the output row, so the cost
 * per plane does not depend on the row width. Square 3x3 and 5x5 filters,
 * stride 1 and 2, dilation 1, any (asymmetric) pads, channel multiplier 1;
 * same contract as the other depthwise variants (dwconv.h).
 *
 * Per block of 16 channels of one image:
 *  1. the 16 input planes are transposed (16x16 in registers, along the
 *     flat plane) into a zero-padded channel-interleaved tile
 *     in[TH][TW][16] on the thread's stack;
 *  2. each output pixel is bias + K*K FMAs of 16-lane vectors, with the
 *     per-channel weight vectors gathered once per block (in registers),
 *     into out[OH*OW][16];
 *  3. out gets the activation and is transposed back to the 16 NCHW
 *     output planes.
 * Missing channels (C not a multiple of 16) are zero lanes that are never
 * stored. Order per output: bias, then (kh, kw) ascending, one FMA each
 * (padding taps add x*w = 0), so results do not depend on the thread
 * count; threads split the (image, channel block) items. */
#include <immintrin.h>
#include <stdint.h>

#include "../dwconv.h"
#include "act_avx512.h"
#include "transpose_avx512.h"

/* Flat positions left over after whole groups of 16 that are moved by a
 * gather / scatter each instead of a transpose. */
#define FEW 6


/* Output pixels (oh, ow..ow+NP-1) of the block from the tile, before the
 * activation (applied when transposing back). */
static inline __attribute__((always_inline)) void
pixels(const float *in, int64_t TW, float *out, const __m512 *wv, __m512 vb, const int K,
       const int S, const int NP)
{
    __m512 acc[8];
    for (int p = 0; p < NP; p++) acc[p] = vb;
    for (int kh = 0; kh < K; kh++)
        for (int kw = 0; kw < K; kw++)
            for (int p = 0; p < NP; p++)
                acc[p] = _mm512_fmadd_ps(_mm512_load_ps(in + (kh * TW + p * S + kw) * 16),
                                         wv[kh * K + kw], acc[p]);
    for (int p = 0; p < NP; p++) _mm512_store_ps(out + p * 16, acc[p]);
}

/* One output row of OW pixels: groups of G (8 for 3x3, 4 for 5x5, so the
 * weights and accumulators fit the registers), then one shorter group. */
static inline __attribute__((always_inline)) void
out_row(const float *in, int64_t TW, float *out, int64_t OW, const __m512 *wv, __m512 vb,
        const int K, const int S)
{
    const int G = K == 3 ? 8 : 4;
    int64_t ow = 0;
    for (; ow + G <= OW; ow += G) pixels(in + ow * S * 16, TW, out + ow * 16, wv, vb, K, S, G);
    const float *i = in + ow * S * 16;
    float *o = out + ow * 16;
    switch (OW - ow) {
    case 1: pixels(i, TW, o, wv, vb, K, S, 1); break;
    case 2: pixels(i, TW, o, wv, vb, K, S, 2); break;
    case 3: pixels(i, TW, o, wv, vb, K, S, 3); break;
    case 4: pixels(i, TW, o, wv, vb, K, S, 4); break;
    case 5: pixels(i, TW, o, wv, vb, K, S, 5); break;
    case 6: pixels(i, TW, o, wv, vb, K, S, 6); break;
    case 7: pixels(i, TW, o, wv, vb, K, S, 7); break;
    default: break;
    }
}

/* One block of nc <= 16 channels: x (nc, H, W), w (nc, K, K), y (nc, OH, OW). */
static inline __attribute__((always_inline)) void
block_kxs(const struct onr_conv_shape *s, const float *x, const float *w, const float *b,
          int nc, const struct onr_act512 *av, float *y, const int K, const int S)
{
    float in[ONR_DWCONV_SMALL_TILE * 16] __attribute__((aligned(64)));
    float out[ONR_DWCONV_SMALL_OUT * 16] __attribute__((aligned(64)));
    const int64_t H = s->H, W = s->W, OH = s->OH, OW = s->OW, HW = H * W, OHW = OH * OW;
    const int64_t pt = s->pad_top, pl = s->pad_left;
    const int64_t TH = onr_dwconv2d_small_tile_rows(s), TW = onr_dwconv2d_small_tile_cols(s);
    const __mmask16 cmask = (__mmask16)((1u << nc) - 1u);
    const __m512 zero = _mm512_setzero_ps();

    /* zero padding: whole top/bottom rows, left/right columns of the rest */
    for (int64_t r = 0; r < TH; r++) {
        float *row = in + r * TW * 16;
        if (r < pt || r >= pt + H) {
            for (int64_t c = 0; c < TW; c++) _mm512_store_ps(row + c * 16, zero);
        } else {
            for (int64_t c = 0; c < pl; c++) _mm512_store_ps(row + c * 16, zero);
            for (int64_t c = pl + W; c < TW; c++) _mm512_store_ps(row + c * 16, zero);
        }
    }
    /* interior: 16 flat positions of the 16 planes at a time, a last few
     * by one gather each (cheaper than a transpose) */
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int64_t ih = 0, iw = 0, q = 0;
    for (; q + FEW < HW; q += 16) {
        const int n = HW - q < 16 ? (int)(HW - q) : 16;
        const __mmask16 m = (__mmask16)((1u << n) - 1u);
        __m512 r[16];
        for (int c = 0; c < 16; c++)
            r[c] = c < nc ? _mm512_maskz_loadu_ps(m, x + c * HW + q) : zero;
        onr_transpose16_avx512(r);
        for (int i = 0; i < n; i++) {
            _mm512_store_ps(in + ((ih + pt) * TW + iw + pl) * 16, r[i]);
            if (++iw == W) iw = 0, ih++;
        }
    }
    const __m512i xidx = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)HW));
    for (; q < HW; q++) {
        _mm512_store_ps(in + ((ih + pt) * TW + iw + pl) * 16,
                        _mm512_mask_i32gather_ps(zero, cmask, xidx, x + q, 4));
        if (++iw == W) iw = 0, ih++;
    }

    __m512 wv[25];
    const __m512i idx = _mm512_mullo_epi32(lane, _mm512_set1_epi32(K * K));
    for (int t = 0; t < K * K; t++)
        wv[t] = _mm512_mask_i32gather_ps(zero, cmask, idx, w + t, 4);
    const __m512 vb = b != NULL ? _mm512_maskz_loadu_ps(cmask, b) : zero;

    for (int64_t oh = 0; oh < OH; oh++)
        out_row(in + oh * S * TW * 16, TW, out + oh * OW * 16, OW, wv, vb, K, S);

    /* back to NCHW: 16 flat output positions at a time, a last few by one
     * scatter each */
    int64_t o = 0;
    for (; o + FEW < OHW; o += 16) {
        const int n = OHW - o < 16 ? (int)(OHW - o) : 16;
        const __mmask16 m = (__mmask16)((1u << n) - 1u);
        __m512 r[16];
        for (int i = 0; i < 16; i++)
            r[i] = i < n ? onr_act512_apply(av, _mm512_load_ps(out + (o + i) * 16)) : zero;
        onr_transpose16_avx512(r);
        for (int c = 0; c < nc; c++) _mm512_mask_storeu_ps(y + c * OHW + o, m, r[c]);
    }
    const __m512i yidx = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)OHW));
    for (; o < OHW; o++)
        _mm512_mask_i32scatter_ps(y + o, cmask, yidx,
                                  onr_act512_apply(av, _mm512_load_ps(out + o * 16)), 4);
}

typedef void (*block_fn)(const struct onr_conv_shape *s, const float *x, const float *w,
                         const float *b, int nc, const struct onr_act512 *av, float *y);

#define DEFINE_BLOCK(K, S)                                                                   \
    static void block_##K##x##K##s##S(const struct onr_conv_shape *s, const float *x,       \
                                      const float *w, const float *b, int nc,               \
                                      const struct onr_act512 *av, float *y)                   \
    {                                                                                        \
        block_kxs(s, x, w, b, nc, av, y, K, S);                                              \
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
    const struct onr_act512 av = onr_act512_make(act);
    const int64_t nb = (s->C + 15) / 16, items = s->N * nb;
    const int64_t kk = s->KH * s->KW, HW = s->H * s->W, OHW = s->OH * s->OW;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t n = it / nb, c0 = it % nb * 16;
        const int nc = s->C - c0 < 16 ? (int)(s->C - c0) : 16;
        fn(s, x + (n * s->C + c0) * HW, w + c0 * kk, b != NULL ? b + c0 : NULL, nc, &av,
           y + (n * s->C + c0) * OHW);
    }
}

#define DEFINE_VARIANT(K, S)                                                                \
    void onr_dwconv2d_f32_small##K##x##K##s##S##__avx512(                                   \
        const struct onr_conv_shape *s, const float *x, const float *w, const float *b,     \
        const struct onr_activation *act, float *y, int threads)                            \
    {                                                                                       \
        run_blocks(s, x, w, b, act, y, threads, block_##K##x##K##s##S);                     \
    }
DEFINE_VARIANT(3, 1)
DEFINE_VARIANT(3, 2)
DEFINE_VARIANT(5, 1)
DEFINE_VARIANT(5, 2)
