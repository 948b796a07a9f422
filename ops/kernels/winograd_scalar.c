/* Winograd F(2x2, 3x3) and F(4x4, 3x3), portable C block functions
 * (winograd.h): the transforms on groups of LANES tiles (loops the
 * compiler may vectorise), the products as a 6 x 16 register tile. */
#include <string.h>

#include "winograd.h"

#define LANES 8
#define NR 16

/* B^T z for one column z[0..5] of LANES-wide rows, strides in floats. */
static void bt6(const float *z, int64_t zs, float *o, int64_t os)
{
    for (int l = 0; l < LANES; l++) {
        const float z0 = z[0 * zs + l], z1 = z[1 * zs + l], z2 = z[2 * zs + l];
        const float z3 = z[3 * zs + l], z4 = z[4 * zs + l], z5 = z[5 * zs + l];
        o[0 * os + l] = 4.0f * z0 - 5.0f * z2 + z4;
        o[1 * os + l] = (z3 + z4) - 4.0f * (z1 + z2);
        o[2 * os + l] = (z4 - z3) + 4.0f * (z1 - z2);
        o[3 * os + l] = (z4 - z2) + 2.0f * (z3 - z1);
        o[4 * os + l] = (z4 - z2) - 2.0f * (z3 - z1);
        o[5 * os + l] = 4.0f * z1 - 5.0f * z3 + z5;
    }
}

/* B^T z of F(2x2, 3x3): 4 to 4. */
static void bt4(const float *z, int64_t zs, float *o, int64_t os)
{
    for (int l = 0; l < LANES; l++) {
        const float z0 = z[0 * zs + l], z1 = z[1 * zs + l], z2 = z[2 * zs + l];
        const float z3 = z[3 * zs + l];
        o[0 * os + l] = z0 - z2;
        o[1 * os + l] = z1 + z2;
        o[2 * os + l] = z2 - z1;
        o[3 * os + l] = z1 - z3;
    }
}

/* A^T z of F(2x2, 3x3): 4 to 2. */
static void at4(const float *z, int64_t zs, float *o, int64_t os)
{
    for (int l = 0; l < LANES; l++) {
        const float z0 = z[0 * zs + l], z1 = z[1 * zs + l], z2 = z[2 * zs + l];
        const float z3 = z[3 * zs + l];
        o[0 * os + l] = z0 + z1 + z2;
        o[1 * os + l] = z1 - z2 - z3;
    }
}

/* A^T z: 6 inputs to 4 outputs. */
static void at6(const float *z, int64_t zs, float *o, int64_t os)
{
    for (int l = 0; l < LANES; l++) {
        const float z0 = z[0 * zs + l], z1 = z[1 * zs + l], z2 = z[2 * zs + l];
        const float z3 = z[3 * zs + l], z4 = z[4 * zs + l], z5 = z[5 * zs + l];
        const float s12 = z1 + z2, d12 = z1 - z2, s34 = z3 + z4, d34 = z3 - z4;
        o[0 * os + l] = z0 + s12 + s34;
        o[1 * os + l] = d12 + 2.0f * d34;
        o[2 * os + l] = s12 + 4.0f * s34;
        o[3 * os + l] = d12 + 8.0f * d34 + z5;
    }
}

typedef void (*tf_fn)(const float *z, int64_t zs, float *o, int64_t os);

/* B^T d B for every channel and LANES tiles at a time. */
static void input_m(const struct onr_conv_shape *s, int m, tf_fn bt, const float *x,
                    const struct onr_winograd_tile *tiles, int64_t nt, int64_t nr_pad, int64_t ld,
                    float *v)
{
    const int q = m + 2;
    float d[36 * LANES], t[36 * LANES], o[36 * LANES];
    for (int64_t c = 0; c < s->C; c++)
        for (int64_t j = 0; j < nr_pad; j += LANES) {
            onr_winograd_gather(s, m, x, c, tiles + j, nt - j, LANES, d);
            for (int k = 0; k < q; k++) bt(d + k * LANES, q * LANES, t + k * LANES, q * LANES);
            for (int i = 0; i < q; i++) bt(t + i * q * LANES, LANES, o + i * q * LANES, LANES);
            for (int xi = 0; xi < q * q; xi++)
                for (int l = 0; l < LANES; l++) v[(xi * s->C + c) * ld + j + l] = o[xi * LANES + l];
        }
}

static void gemm_block(int points, int64_t OCp, int64_t C, int64_t nr_pad, int64_t ld,
                       const float *u, const float *v, float *m)
{
    for (int64_t xi = 0; xi < points; xi++)
        for (int64_t p = 0; p < OCp; p += ONR_WINOGRAD_MR) {
            const float *up = u + (xi * OCp + p) * C;
            for (int64_t j = 0; j < nr_pad; j += NR) {
                const float *vj = v + xi * C * ld + j;
                for (int r = 0; r < ONR_WINOGRAD_MR; r++) {   /* a row at a time: NR sums */
                    float row[NR] = {0};
                    for (int64_t c = 0; c < C; c++) {
                        const float w = up[c * ONR_WINOGRAD_MR + r];
#pragma GCC unroll 16
                        for (int l = 0; l < NR; l++) row[l] += w * vj[c * ld + l];
                    }
                    memcpy(m + (xi * OCp + p + r) * ld + j, row, sizeof row);
                }
            }
        }
}

/* A^T m A + b, then r and the activation in the store. */
static void output_m(const struct onr_conv_shape *s, int m, tf_fn at, const float *mm,
                     const struct onr_winograd_tile *tiles, int64_t nt, int64_t ld, const float *b,
                     const float *r, const struct onr_activation *act, float *y)
{
    const int q = m + 2;
    const int64_t OCp = onr_winograd_oc_padded(s->OC);
    float z[36 * LANES], t[24 * LANES], o[16 * LANES];
    for (int64_t oc = 0; oc < s->OC; oc++) {
        const float bias = b != NULL ? b[oc] : 0.0f;
        for (int64_t j = 0; j < nt; j += LANES) {
            for (int xi = 0; xi < q * q; xi++)
                for (int l = 0; l < LANES; l++)
                    z[xi * LANES + l] = mm[(xi * OCp + oc) * ld + j + l];
            /* columns: q x q -> m x q, then rows: m x q -> m x m */
            for (int k = 0; k < q; k++) at(z + k * LANES, q * LANES, t + k * LANES, q * LANES);
            for (int i = 0; i < m; i++) at(t + i * q * LANES, LANES, o + i * m * LANES, LANES);
            for (int e = 0; e < m * m * LANES; e++) o[e] += bias;
            onr_winograd_scatter(s, m, o, oc, tiles + j, nt - j, LANES, r, act, y);
        }
    }
}

static void input2(const struct onr_conv_shape *s, const float *x,
                   const struct onr_winograd_tile *tiles, int64_t nt, int64_t nr_pad, int64_t ld,
                   float *v)
{
    input_m(s, 2, bt4, x, tiles, nt, nr_pad, ld, v);
}
static void input4(const struct onr_conv_shape *s, const float *x,
                   const struct onr_winograd_tile *tiles, int64_t nt, int64_t nr_pad, int64_t ld,
                   float *v)
{
    input_m(s, 4, bt6, x, tiles, nt, nr_pad, ld, v);
}
static void output2(const struct onr_conv_shape *s, const float *m,
                    const struct onr_winograd_tile *tiles, int64_t nt, int64_t ld, const float *b,
                    const float *r, const struct onr_activation *act, float *y)
{
    output_m(s, 2, at4, m, tiles, nt, ld, b, r, act, y);
}
static void output4(const struct onr_conv_shape *s, const float *m,
                    const struct onr_winograd_tile *tiles, int64_t nt, int64_t ld, const float *b,
                    const float *r, const struct onr_activation *act, float *y)
{
    output_m(s, 4, at6, m, tiles, nt, ld, b, r, act, y);
}

static const struct onr_winograd_blocks blocks2 = {2, NR, input2, gemm_block, output2};
static const struct onr_winograd_blocks blocks4 = {4, NR, input4, gemm_block, output4};

void onr_conv2d_f32_winograd2x2__scalar(const struct onr_conv_shape *s, const float *x,
                                        const float *u, const float *b, const float *r,
                                        const struct onr_activation *act, float *y, void *workspace,
                                        int threads)
{
    onr_winograd_f32_run(&blocks2, s, x, u, b, r, act, y, workspace, threads);
}

void onr_conv2d_f32_winograd4x4__scalar(const struct onr_conv_shape *s, const float *x,
                                        const float *u, const float *b, const float *r,
                                        const struct onr_activation *act, float *y, void *workspace,
                                        int threads)
{
    onr_winograd_f32_run(&blocks4, s, x, u, b, r, act, y, workspace, threads);
}
