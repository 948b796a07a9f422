/* Winograd F(4x4, 3x3) (winograd.h): which shapes take it, the weight
 * transform and packing, workspace sizes and the one driver that every
 * ISA's block functions run under. */
#include "winograd.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Floats of one thread's block workspace, each part rounded to 64 bytes. */
static int64_t round16(int64_t v)
{
    return (v + 15) / 16 * 16;
}

static int64_t tiles_total(const struct onr_conv_shape *s, int m)
{
    return s->N * ((s->OH + m - 1) / m) * ((s->OW + m - 1) / m);
}

bool onr_winograd_fits_m(const struct onr_conv_shape *s, int m)
{
    const int64_t lim = (int64_t)1 << 20;
    if (s->group != 1 || s->KH != 3 || s->KW != 3 || s->stride_h != 1 || s->stride_w != 1 ||
        s->dil_h != 1 || s->dil_w != 1)
        return false;
    if (s->N < 1 || s->N > lim || s->C < 1 || s->C > 65536 || s->OC < 1 || s->OC > 65536 ||
        s->OH < 1 || s->OW < 1 || s->H > lim || s->W > lim || s->OH > lim || s->OW > lim ||
        s->pad_top > lim || s->pad_left > lim)
        return false;
    /* The tile count times the spatial size must stay well inside int64. */
    if (tiles_total(s, m) > ((int64_t)1 << 31)) return false;
    /* Below these the transforms cost more than the multiplies saved. */
    if (s->C < 16 || s->OC < 16) return false;
    /* The products run on whole groups of 32 tiles: with the padded tile
     * count they must still need at most 2/3 of the direct multiplies. */
    const int64_t padded = (tiles_total(s, m) + ONR_WINOGRAD_ALIGN - 1) / ONR_WINOGRAD_ALIGN *
                           ONR_WINOGRAD_ALIGN;
    return onr_winograd_points(m) * padded * 3 <= 2 * 9 * s->N * s->OH * s->OW;
}

bool onr_winograd2_fits(const struct onr_conv_shape *s)
{
    return onr_winograd_fits_m(s, 2);
}

bool onr_winograd4_fits(const struct onr_conv_shape *s)
{
    return onr_winograd_fits_m(s, 4);
}

int64_t onr_winograd_block_tiles(const struct onr_conv_shape *s, int m)
{
    /* About 384 KB of transformed input and products per block. */
    const int64_t per_tile = onr_winograd_points(m) * (s->C + onr_winograd_oc_padded(s->OC));
    int64_t nt = 98304 / per_tile / ONR_WINOGRAD_ALIGN * ONR_WINOGRAD_ALIGN;
    if (nt < ONR_WINOGRAD_ALIGN) nt = ONR_WINOGRAD_ALIGN;
    if (nt > 256) nt = 256;
    const int64_t all = (tiles_total(s, m) + ONR_WINOGRAD_ALIGN - 1) / ONR_WINOGRAD_ALIGN *
                        ONR_WINOGRAD_ALIGN;
    return nt < all ? nt : all;
}

int64_t onr_winograd_weight_floats(const struct onr_conv_shape *s, int m)
{
    return onr_winograd_points(m) * onr_winograd_oc_padded(s->OC) * s->C;
}

static int64_t thread_floats(const struct onr_conv_shape *s, int m)
{
    const int64_t ld = onr_winograd_block_tiles(s, m), P = onr_winograd_points(m);
    const int64_t tile_floats = ld * (int64_t)(sizeof(struct onr_winograd_tile) / sizeof(float));
    return round16(P * s->C * ld) + round16(P * onr_winograd_oc_padded(s->OC) * ld) +
           round16(tile_floats);
}

size_t onr_winograd_workspace_size(const struct onr_conv_shape *s, int m, int threads)
{
    return (size_t)thread_floats(s, m) * sizeof(float) * (size_t)(threads < 1 ? 1 : threads);
}

/* G of F(2x2, 3x3) (4x3) and F(4x4, 3x3) (6x3), Lavin and Gray. */
static const double G2[4][3] = {
    {1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1},
};
static const double G4[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

void onr_winograd_pack_weights(const struct onr_conv_shape *s, int m, const float *w, float *u)
{
    const double(*G)[3] = m == 2 ? G2 : G4;
    const int q = m + 2;
    const int64_t C = s->C, OCp = onr_winograd_oc_padded(s->OC), panels = OCp / ONR_WINOGRAD_MR;
    memset(u, 0, (size_t)onr_winograd_weight_floats(s, m) * sizeof *u);
    for (int64_t o = 0; o < s->OC; o++) {
        const int64_t p = o / ONR_WINOGRAD_MR, j = o % ONR_WINOGRAD_MR;
        for (int64_t c = 0; c < C; c++) {
            const float *g = w + (o * C + c) * 9;
            double t[6][3];   /* G g */
            for (int i = 0; i < q; i++)
                for (int k = 0; k < 3; k++)
                    t[i][k] = G[i][0] * g[k] + G[i][1] * g[3 + k] + G[i][2] * g[6 + k];
            for (int i = 0; i < q; i++)
                for (int k = 0; k < q; k++) {
                    const double v = t[i][0] * G[k][0] + t[i][1] * G[k][1] + t[i][2] * G[k][2];
                    const int64_t xi = i * q + k;
                    u[((xi * panels + p) * C + c) * ONR_WINOGRAD_MR + j] = (float)v;
                }
        }
    }
}

void onr_winograd_f32_run(const struct onr_winograd_blocks *k, const struct onr_conv_shape *s,
                          const float *x, const float *u, const float *b, const float *r,
                          const struct onr_activation *act, float *y, void *workspace,
                          int threads)
{
    const int P = onr_winograd_points(k->m);
    const int64_t T = tiles_total(s, k->m), ld = onr_winograd_block_tiles(s, k->m);
    const int64_t blocks = (T + ld - 1) / ld, per = thread_floats(s, k->m);
    const int64_t OCp = onr_winograd_oc_padded(s->OC);
    const int64_t v_floats = round16(P * s->C * ld), m_floats = round16(P * OCp * ld);
    const int64_t tw = (s->OW + k->m - 1) / k->m, th = (s->OH + k->m - 1) / k->m;
    if (threads > blocks) threads = (int)blocks;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        int tid = 0;
#if defined(_OPENMP)
        tid = omp_get_thread_num();
#endif
        float *v = (float *)workspace + tid * per, *m = v + v_floats;
        struct onr_winograd_tile *tiles = (struct onr_winograd_tile *)(m + m_floats);
#pragma omp for schedule(dynamic, 1)
        for (int64_t blk = 0; blk < blocks; blk++) {
            const int64_t t0 = blk * ld, nt = T - t0 < ld ? T - t0 : ld;
            const int64_t nr_pad = (nt + k->nr - 1) / k->nr * k->nr;
            int64_t n = t0 / (th * tw), ty = t0 % (th * tw) / tw, tx = t0 % tw;
            for (int64_t i = 0; i < nt; i++) {
                tiles[i] = (struct onr_winograd_tile){n, ty * k->m, tx * k->m};
                if (++tx == tw) {
                    tx = 0;
                    if (++ty == th) ty = 0, n++;
                }
            }
            k->input(s, x, tiles, nt, nr_pad, ld, v);
            k->gemm(P, OCp, s->C, nr_pad, ld, u, v, m);
            k->output(s, m, tiles, nt, ld, b, r, act, y);
        }
    }
}
