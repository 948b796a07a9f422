/* Winograd F(2x2, 3x3) and F(4x4, 3x3), AVX-512 block functions
 * (winograd.h): the transforms on 16 tiles per vector, the products as a
 * 6 x 32 register tile (12 accumulators, two loads and six broadcasts per
 * channel). */
#include <immintrin.h>

#include "../winograd.h"

#define LANES 16
#define NR 32

static inline void bt6(const __m512 z[6], __m512 o[6])
{
    const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f),
                 five = _mm512_set1_ps(5.0f);
    const __m512 a = _mm512_sub_ps(z[4], z[2]), bb = _mm512_mul_ps(two, _mm512_sub_ps(z[3], z[1]));
    o[0] = _mm512_fnmadd_ps(five, z[2], _mm512_fmadd_ps(four, z[0], z[4]));
    o[1] = _mm512_fnmadd_ps(four, _mm512_add_ps(z[1], z[2]), _mm512_add_ps(z[3], z[4]));
    o[2] = _mm512_fmadd_ps(four, _mm512_sub_ps(z[1], z[2]), _mm512_sub_ps(z[4], z[3]));
    o[3] = _mm512_add_ps(a, bb);
    o[4] = _mm512_sub_ps(a, bb);
    o[5] = _mm512_fnmadd_ps(five, z[3], _mm512_fmadd_ps(four, z[1], z[5]));
}

static inline void at6(const __m512 z[6], __m512 o[4])
{
    const __m512 s12 = _mm512_add_ps(z[1], z[2]), d12 = _mm512_sub_ps(z[1], z[2]);
    const __m512 s34 = _mm512_add_ps(z[3], z[4]), d34 = _mm512_sub_ps(z[3], z[4]);
    o[0] = _mm512_add_ps(_mm512_add_ps(z[0], s12), s34);
    o[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), d34, d12);
    o[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), s34, s12);
    o[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), d34, d12), z[5]);
}

static inline void bt4(const __m512 z[4], __m512 o[4])
{
    o[0] = _mm512_sub_ps(z[0], z[2]);
    o[1] = _mm512_add_ps(z[1], z[2]);
    o[2] = _mm512_sub_ps(z[2], z[1]);
    o[3] = _mm512_sub_ps(z[1], z[3]);
}

static inline void at4(const __m512 z[4], __m512 o[2])
{
    o[0] = _mm512_add_ps(_mm512_add_ps(z[0], z[1]), z[2]);
    o[1] = _mm512_sub_ps(_mm512_sub_ps(z[1], z[2]), z[3]);
}

/* The 1-D transforms of tile size m: q = m+2 inputs to q (B^T) or m (A^T). */
static inline void bt_m(int m, const __m512 *z, __m512 *o)
{
    if (m == 2)
        bt4(z, o);
    else
        bt6(z, o);
}
static inline void at_m(int m, const __m512 *z, __m512 *o)
{
    if (m == 2)
        at4(z, o);
    else
        at6(z, o);
}

static inline __attribute__((always_inline)) void
input_m(int m, const struct onr_conv_shape *s, const float *x,
        const struct onr_winograd_tile *tiles, int64_t nt, int64_t nr_pad, int64_t ld, float *v)
{
    const int q = m + 2;
    _Alignas(64) float d[36 * LANES];
    for (int64_t c = 0; c < s->C; c++)
        for (int64_t j = 0; j < nr_pad; j += LANES) {
            onr_winograd_gather(s, m, x, c, tiles + j, nt - j, LANES, d);
            __m512 t[36];
            for (int k = 0; k < q; k++) {
                __m512 z[6], o[6];
                for (int i = 0; i < q; i++) z[i] = _mm512_load_ps(d + (i * q + k) * LANES);
                bt_m(m, z, o);
                for (int i = 0; i < q; i++) t[i * q + k] = o[i];
            }
            float *vc = v + c * ld + j;
            for (int i = 0; i < q; i++) {
                __m512 o[6];
                bt_m(m, t + i * q, o);
                for (int k = 0; k < q; k++) _mm512_storeu_ps(vc + (i * q + k) * s->C * ld, o[k]);
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
    _Alignas(64) float o[16 * LANES];
    for (int64_t oc = 0; oc < s->OC; oc++) {
        const __m512 bias = _mm512_set1_ps(b != NULL ? b[oc] : 0.0f);
        for (int64_t j = 0; j < nt; j += LANES) {
            const float *mo = mm + oc * ld + j;
            __m512 t[24];
            for (int k = 0; k < q; k++) {
                __m512 z[6], w[4];
                for (int i = 0; i < q; i++) z[i] = _mm512_loadu_ps(mo + (i * q + k) * OCp * ld);
                at_m(m, z, w);
                for (int i = 0; i < m; i++) t[i * q + k] = w[i];
            }
            for (int i = 0; i < m; i++) {
                __m512 w[4];
                at_m(m, t + i * q, w);
                for (int k = 0; k < m; k++)
                    _mm512_store_ps(o + (i * m + k) * LANES, _mm512_add_ps(w[k], bias));
            }
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
                __m512 a00 = _mm512_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00,
                       a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
                const float *vj = v + xi * C * ld + j;
                for (int64_t c = 0; c < C; c++) {
                    const __m512 v0 = _mm512_loadu_ps(vj + c * ld),
                                 v1 = _mm512_loadu_ps(vj + c * ld + 16);
                    const float *uc = up + c * ONR_WINOGRAD_MR;
                    __m512 w = _mm512_set1_ps(uc[0]);
                    a00 = _mm512_fmadd_ps(w, v0, a00);
                    a01 = _mm512_fmadd_ps(w, v1, a01);
                    w = _mm512_set1_ps(uc[1]);
                    a10 = _mm512_fmadd_ps(w, v0, a10);
                    a11 = _mm512_fmadd_ps(w, v1, a11);
                    w = _mm512_set1_ps(uc[2]);
                    a20 = _mm512_fmadd_ps(w, v0, a20);
                    a21 = _mm512_fmadd_ps(w, v1, a21);
                    w = _mm512_set1_ps(uc[3]);
                    a30 = _mm512_fmadd_ps(w, v0, a30);
                    a31 = _mm512_fmadd_ps(w, v1, a31);
                    w = _mm512_set1_ps(uc[4]);
                    a40 = _mm512_fmadd_ps(w, v0, a40);
                    a41 = _mm512_fmadd_ps(w, v1, a41);
                    w = _mm512_set1_ps(uc[5]);
                    a50 = _mm512_fmadd_ps(w, v0, a50);
                    a51 = _mm512_fmadd_ps(w, v1, a51);
                }
                float *mj = m + (xi * OCp + p) * ld + j;
                _mm512_storeu_ps(mj + 0 * ld, a00);
                _mm512_storeu_ps(mj + 0 * ld + 16, a01);
                _mm512_storeu_ps(mj + 1 * ld, a10);
                _mm512_storeu_ps(mj + 1 * ld + 16, a11);
                _mm512_storeu_ps(mj + 2 * ld, a20);
                _mm512_storeu_ps(mj + 2 * ld + 16, a21);
                _mm512_storeu_ps(mj + 3 * ld, a30);
                _mm512_storeu_ps(mj + 3 * ld + 16, a31);
                _mm512_storeu_ps(mj + 4 * ld, a40);
                _mm512_storeu_ps(mj + 4 * ld + 16, a41);
                _mm512_storeu_ps(mj + 5 * ld, a50);
                _mm512_storeu_ps(mj + 5 * ld + 16, a51);
            }
        }
}

static const struct onr_winograd_blocks blocks2 = {2, NR, input2, gemm_block, output2};
static const struct onr_winograd_blocks blocks4 = {4, NR, input4, gemm_block, output4};

void onr_conv2d_f32_winograd2x2__avx512(const struct onr_conv_shape *s, const float *x,
                                        const float *u, const float *b, const float *r,
                                        const struct onr_activation *act, float *y, void *workspace,
                                        int threads)
{
    onr_winograd_f32_run(&blocks2, s, x, u, b, r, act, y, workspace, threads);
}

void onr_conv2d_f32_winograd4x4__avx512(const struct onr_conv_shape *s, const float *x,
                                        const float *u, const float *b, const float *r,
                                        const struct onr_activation *act, float *y, void *workspace,
                                        int threads)
{
    onr_winograd_f32_run(&blocks4, s, x, u, b, r, act, y, workspace, threads);
}
