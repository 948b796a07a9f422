/* Winograd F(2x2, 3x3) and F(4x4, 3x3), AVX2 + FMA block functions
 * (winograd.h): the transforms on 8 tiles per vector, the products as a
 * 6 x 16 register tile (12 accumulators, two loads and six broadcasts per
 * channel). */
#include <immintrin.h>

#include "../winograd.h"
#include "act_avx2.h"

#define LANES 8
#define NR 16

static inline void bt6(const __m256 z[6], __m256 o[6])
{
    const __m256 two = _mm256_set1_ps(2.0f), four = _mm256_set1_ps(4.0f),
                 five = _mm256_set1_ps(5.0f);
    const __m256 a = _mm256_sub_ps(z[4], z[2]), bb = _mm256_mul_ps(two, _mm256_sub_ps(z[3], z[1]));
    o[0] = _mm256_fnmadd_ps(five, z[2], _mm256_fmadd_ps(four, z[0], z[4]));
    o[1] = _mm256_fnmadd_ps(four, _mm256_add_ps(z[1], z[2]), _mm256_add_ps(z[3], z[4]));
    o[2] = _mm256_fmadd_ps(four, _mm256_sub_ps(z[1], z[2]), _mm256_sub_ps(z[4], z[3]));
    o[3] = _mm256_add_ps(a, bb);
    o[4] = _mm256_sub_ps(a, bb);
    o[5] = _mm256_fnmadd_ps(five, z[3], _mm256_fmadd_ps(four, z[1], z[5]));
}

static inline void at6(const __m256 z[6], __m256 o[4])
{
    const __m256 s12 = _mm256_add_ps(z[1], z[2]), d12 = _mm256_sub_ps(z[1], z[2]);
    const __m256 s34 = _mm256_add_ps(z[3], z[4]), d34 = _mm256_sub_ps(z[3], z[4]);
    o[0] = _mm256_add_ps(_mm256_add_ps(z[0], s12), s34);
    o[1] = _mm256_fmadd_ps(_mm256_set1_ps(2.0f), d34, d12);
    o[2] = _mm256_fmadd_ps(_mm256_set1_ps(4.0f), s34, s12);
    o[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8.0f), d34, d12), z[5]);
}

static inline void bt4(const __m256 z[4], __m256 o[4])
{
    o[0] = _mm256_sub_ps(z[0], z[2]);
    o[1] = _mm256_add_ps(z[1], z[2]);
    o[2] = _mm256_sub_ps(z[2], z[1]);
    o[3] = _mm256_sub_ps(z[1], z[3]);
}

static inline void at4(const __m256 z[4], __m256 o[2])
{
    o[0] = _mm256_add_ps(_mm256_add_ps(z[0], z[1]), z[2]);
    o[1] = _mm256_sub_ps(_mm256_sub_ps(z[1], z[2]), z[3]);
}

/* The 1-D transforms of tile size m: q = m+2 inputs to q (B^T) or m (A^T). */
static inline void bt_m(int m, const __m256 *z, __m256 *o)
{
    if (m == 2)
        bt4(z, o);
    else
        bt6(z, o);
}
static inline void at_m(int m, const __m256 *z, __m256 *o)
{
    if (m == 2)
        at4(z, o);
    else
        at6(z, o);
}

/* One output row of 8 tiles: w[k] holds column k of each tile; row[h]
 * the 8 floats at columns 8h .. 8h+7 of the run (m*8 in all). */
static inline void store_run(int m, const __m256 *w, __m256 *row)
{
    if (m == 2) {
        const __m256 lo = _mm256_unpacklo_ps(w[0], w[1]), hi = _mm256_unpackhi_ps(w[0], w[1]);
        row[0] = _mm256_permute2f128_ps(lo, hi, 0x20);
        row[1] = _mm256_permute2f128_ps(lo, hi, 0x31);
        return;
    }
    const __m256 t0 = _mm256_unpacklo_ps(w[0], w[1]), t1 = _mm256_unpackhi_ps(w[0], w[1]);
    const __m256 t2 = _mm256_unpacklo_ps(w[2], w[3]), t3 = _mm256_unpackhi_ps(w[2], w[3]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    row[0] = _mm256_permute2f128_ps(u0, u1, 0x20);
    row[1] = _mm256_permute2f128_ps(u2, u3, 0x20);
    row[2] = _mm256_permute2f128_ps(u0, u1, 0x31);
    row[3] = _mm256_permute2f128_ps(u2, u3, 0x31);
}

static inline __attribute__((always_inline)) void
input_m(int m, const struct onr_conv_shape *s, const float *x,
        const struct onr_winograd_tile *tiles, int64_t nt, int64_t nr_pad, int64_t ld, float *v)
{
    const int q = m + 2;
    _Alignas(32) float d[36 * LANES];
    for (int64_t c = 0; c < s->C; c++)
        for (int64_t j = 0; j < nr_pad; j += LANES) {
            __m256 dz[36];
            if (m == 2 && onr_winograd_run(s, 2, tiles + j, nt - j, LANES, true)) {
                /* 8 tiles 2 columns apart: even and odd columns of 18 floats */
                const struct onr_winograd_tile *a = &tiles[j];
                const float *xr = x + ((a->n * s->C + c) * s->H + a->oh - s->pad_top) * s->W +
                                  a->ow - s->pad_left;
                for (int i = 0; i < 4; i++, xr += s->W)
                    for (int h = 0; h < 2; h++) {
                        const __m256 lo = _mm256_loadu_ps(xr + 2 * h),
                                     hi = _mm256_loadu_ps(xr + 2 * h + 8);
                        const __m256 ev = _mm256_shuffle_ps(lo, hi, 0x88),
                                     od = _mm256_shuffle_ps(lo, hi, 0xDD);
                        dz[i * 4 + 2 * h] =
                            _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ev), 0xD8));
                        dz[i * 4 + 2 * h + 1] =
                            _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(od), 0xD8));
                    }
            } else {
                onr_winograd_gather(s, m, x, c, tiles + j, nt - j, LANES, d);
                for (int e = 0; e < q * q; e++) dz[e] = _mm256_load_ps(d + e * LANES);
            }
            __m256 t[36];
            for (int k = 0; k < q; k++) {
                __m256 z[6], o[6];
                for (int i = 0; i < q; i++) z[i] = dz[i * q + k];
                bt_m(m, z, o);
                for (int i = 0; i < q; i++) t[i * q + k] = o[i];
            }
            float *vc = v + c * ld + j;
            for (int i = 0; i < q; i++) {
                __m256 o[6];
                bt_m(m, t + i * q, o);
                for (int k = 0; k < q; k++) _mm256_storeu_ps(vc + (i * q + k) * s->C * ld, o[k]);
            }
        }
}

static inline __attribute__((always_inline)) void
output_m(int m, const struct onr_conv_shape *s, const float *mm,
         const struct onr_winograd_tile *tiles, int64_t nt, int64_t ld, const float *b,
         const float *r, const struct onr_activation *act, float *y)
{
    const int q = m + 2;
    const int64_t OCp = onr_winograd_oc_padded(s->OC);
    _Alignas(32) float o[16 * LANES];
    const struct onr_act256 av = onr_act256_make(act);
    for (int64_t oc = 0; oc < s->OC; oc++) {
        const __m256 bias = _mm256_set1_ps(b != NULL ? b[oc] : 0.0f);
        for (int64_t j = 0; j < nt; j += LANES) {
            const float *mo = mm + oc * ld + j;
            __m256 t[24];
            for (int k = 0; k < q; k++) {
                __m256 z[6], w[4];
                for (int i = 0; i < q; i++) z[i] = _mm256_loadu_ps(mo + (i * q + k) * OCp * ld);
                at_m(m, z, w);
                for (int i = 0; i < m; i++) t[i * q + k] = w[i];
            }
            __m256 w[16];
            for (int i = 0; i < m; i++) {
                at_m(m, t + i * q, w + i * m);
                for (int k = 0; k < m; k++) w[i * m + k] = _mm256_add_ps(w[i * m + k], bias);
            }
            if (onr_winograd_run(s, m, tiles + j, nt - j, LANES, false)) {
                const struct onr_winograd_tile *a = &tiles[j];
                const int64_t at = ((a->n * s->OC + oc) * s->OH + a->oh) * s->OW + a->ow;
                for (int i = 0; i < m; i++) {
                    __m256 row[4];
                    store_run(m, w + i * m, row);
                    for (int h = 0; h < m; h++) {
                        const int64_t e = at + i * s->OW + 8 * h;
                        __m256 v = row[h];
                        if (r != NULL) v = _mm256_add_ps(v, _mm256_loadu_ps(r + e));
                        _mm256_storeu_ps(y + e, onr_act256_apply(&av, v));
                    }
                }
                continue;
            }
            for (int e = 0; e < m * m; e++) _mm256_store_ps(o + e * LANES, w[e]);
            onr_winograd_scatter(s, m, o, oc, tiles + j, nt - j, LANES, r, act, y);
        }
    }
}

static void input2(const struct onr_conv_shape *s, const float *x,
                   const struct onr_winograd_tile *tiles, int64_t nt, int64_t nr_pad, int64_t ld,
                   float *v)
{
    input_m(2, s, x, tiles, nt, nr_pad, ld, v);
}
static void input4(const struct onr_conv_shape *s, const float *x,
                   const struct onr_winograd_tile *tiles, int64_t nt, int64_t nr_pad, int64_t ld,
                   float *v)
{
    input_m(4, s, x, tiles, nt, nr_pad, ld, v);
}
static void output2(const struct onr_conv_shape *s, const float *m,
                    const struct onr_winograd_tile *tiles, int64_t nt, int64_t ld, const float *b,
                    const float *r, const struct onr_activation *act, float *y)
{
    output_m(2, s, m, tiles, nt, ld, b, r, act, y);
}
static void output4(const struct onr_conv_shape *s, const float *m,
                    const struct onr_winograd_tile *tiles, int64_t nt, int64_t ld, const float *b,
                    const float *r, const struct onr_activation *act, float *y)
{
    output_m(4, s, m, tiles, nt, ld, b, r, act, y);
}

static void gemm_block(int points, int64_t OCp, int64_t C, int64_t nr_pad, int64_t ld,
                       const float *u, const float *v, float *m)
{
    for (int64_t xi = 0; xi < points; xi++)
        for (int64_t p = 0; p < OCp; p += ONR_WINOGRAD_MR) {
            const float *up = u + (xi * OCp + p) * C;
            for (int64_t j = 0; j < nr_pad; j += NR) {
                __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00,
                       a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
                const float *vj = v + xi * C * ld + j;
                for (int64_t c = 0; c < C; c++) {
                    const __m256 v0 = _mm256_loadu_ps(vj + c * ld),
                                 v1 = _mm256_loadu_ps(vj + c * ld + 8);
                    const float *uc = up + c * ONR_WINOGRAD_MR;
                    __m256 w = _mm256_broadcast_ss(uc + 0);
                    a00 = _mm256_fmadd_ps(w, v0, a00);
                    a01 = _mm256_fmadd_ps(w, v1, a01);
                    w = _mm256_broadcast_ss(uc + 1);
                    a10 = _mm256_fmadd_ps(w, v0, a10);
                    a11 = _mm256_fmadd_ps(w, v1, a11);
                    w = _mm256_broadcast_ss(uc + 2);
                    a20 = _mm256_fmadd_ps(w, v0, a20);
                    a21 = _mm256_fmadd_ps(w, v1, a21);
                    w = _mm256_broadcast_ss(uc + 3);
                    a30 = _mm256_fmadd_ps(w, v0, a30);
                    a31 = _mm256_fmadd_ps(w, v1, a31);
                    w = _mm256_broadcast_ss(uc + 4);
                    a40 = _mm256_fmadd_ps(w, v0, a40);
                    a41 = _mm256_fmadd_ps(w, v1, a41);
                    w = _mm256_broadcast_ss(uc + 5);
                    a50 = _mm256_fmadd_ps(w, v0, a50);
                    a51 = _mm256_fmadd_ps(w, v1, a51);
                }
                float *mj = m + (xi * OCp + p) * ld + j;
                _mm256_storeu_ps(mj + 0 * ld, a00);
                _mm256_storeu_ps(mj + 0 * ld + 8, a01);
                _mm256_storeu_ps(mj + 1 * ld, a10);
                _mm256_storeu_ps(mj + 1 * ld + 8, a11);
                _mm256_storeu_ps(mj + 2 * ld, a20);
                _mm256_storeu_ps(mj + 2 * ld + 8, a21);
                _mm256_storeu_ps(mj + 3 * ld, a30);
                _mm256_storeu_ps(mj + 3 * ld + 8, a31);
                _mm256_storeu_ps(mj + 4 * ld, a40);
                _mm256_storeu_ps(mj + 4 * ld + 8, a41);
                _mm256_storeu_ps(mj + 5 * ld, a50);
                _mm256_storeu_ps(mj + 5 * ld + 8, a51);
            }
        }
}

static const struct onr_winograd_blocks blocks2 = {2, NR, input2, gemm_block, output2};
static const struct onr_winograd_blocks blocks4 = {4, NR, input4, gemm_block, output4};

void onr_conv2d_f32_winograd2x2__avx2(const struct onr_conv_shape *s, const float *x,
                                      const float *u, const float *b, const float *r,
                                      const struct onr_activation *act, float *y, void *workspace,
                                      int threads)
{
    onr_winograd_f32_run(&blocks2, s, x, u, b, r, act, y, workspace, threads);
}

void onr_conv2d_f32_winograd4x4__avx2(const struct onr_conv_shape *s, const float *x,
                                      const float *u, const float *b, const float *r,
                                      const struct onr_activation *act, float *y, void *workspace,
                                      int threads)
{
    onr_winograd_f32_run(&blocks4, s, x, u, b, r, act, y, workspace, threads);
}
