/* The NCHW16c drivers shared by the scalar, AVX2 and AVX-512 kernels
 * (nchwc_driver.h). Each item's arithmetic is the block function's and
 * does not depend on how the work is split, so results do not depend on
 * the thread count. */
#include "nchwc_driver.h"

enum { L = ONR_NCHWC_LANES };

/* Positions per reorder item with several threads: enough items when
 * N * CB is small, long enough runs to stream. */
enum { REORDER_CHUNK = 1024 };

void onr_nchwc_reorder_drive(int64_t N, int64_t C, int64_t HW, const float *x, float *y,
                             int threads, bool to_plain, onr_nchwc_reorder_block_fn block)
{
    const int64_t CB = onr_nchwc_blocks(C);
    const int64_t chunks = threads > 1 ? (HW + REORDER_CHUNK - 1) / REORDER_CHUNK : 1;
    const int64_t chunk = threads > 1 ? REORDER_CHUNK : HW;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t it = 0; it < N * CB * chunks; it++) {
        const int64_t nb = it / chunks, n = nb / CB, c0 = nb % CB * L;
        const int64_t q0 = it % chunks * chunk, q1 = q0 + chunk < HW ? q0 + chunk : HW;
        const int nc = C - c0 < L ? (int)(C - c0) : L;
        if (to_plain)
            block(x + nb * HW * L, y + (n * C + c0) * HW, nc, HW, q0, q1);
        else
            block(x + (n * C + c0) * HW, y + nb * HW * L, nc, HW, q0, q1);
    }
}

enum onr_nchwc_dw_variant onr_nchwc_dw_variant_of(const struct onr_conv_shape *s)
{
    if (s->KH != s->KW || s->stride_h != s->stride_w || s->dil_h != 1 || s->dil_w != 1)
        return ONR_NCHWC_DW_ANY;
    if (s->KH == 3 && s->stride_h == 1) return ONR_NCHWC_DW_3X3S1;
    if (s->KH == 3 && s->stride_h == 2) return ONR_NCHWC_DW_3X3S2;
    if (s->KH == 5 && s->stride_h == 1) return ONR_NCHWC_DW_5X5S1;
    if (s->KH == 5 && s->stride_h == 2) return ONR_NCHWC_DW_5X5S2;
    return ONR_NCHWC_DW_ANY;
}

/* x: (N, CB, H, W, 16)  wp: (CB, KH, KW, 16)  bp: (CB, 16)  y: (N, CB, OH, OW, 16) */
void onr_nchwc_dw_drive(const struct onr_conv_shape *s, const float *x, const float *wp,
                        const float *bp, const void *av, float *y, int threads,
                        const onr_nchwc_dw_rows_fn rows[ONR_NCHWC_DW_VARIANTS])
{
    const struct onr_nchwc_dw_geom g = {s->H,        s->W,        s->OH,      s->OW,
                                        s->KH,       s->KW,       s->stride_h, s->stride_w,
                                        s->dil_h,    s->dil_w,    s->pad_top, s->pad_left};
    const onr_nchwc_dw_rows_fn fn = rows[onr_nchwc_dw_variant_of(s)];
    const int64_t CB = onr_nchwc_blocks(s->C), NB = s->N * CB, OH = s->OH;
    const int64_t xs = s->H * s->W * L, ws = s->KH * s->KW * L, ys = OH * s->OW * L;
    if (NB <= 0 || OH <= 0 || s->OW <= 0) return;
    if (threads <= 1) { /* no parallel region: on a 7x7 plane it costs as much as the block */
        for (int64_t nb = 0; nb < NB; nb++)
            fn(&g, x + nb * xs, wp + nb % CB * ws, bp + nb % CB * L, av, y + nb * ys, 0, OH);
        return;
    }
    /* bands of output rows: at least ~8 items per thread when N * CB is small */
    int64_t bands = (8 * (int64_t)threads + NB - 1) / NB;
    if (bands > OH) bands = OH;
    const int64_t band_rows = (OH + bands - 1) / bands;
    bands = (OH + band_rows - 1) / band_rows;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t it = 0; it < NB * bands; it++) {
        const int64_t nb = it / bands, cb = nb % CB, oh0 = it % bands * band_rows;
        const int64_t oh1 = oh0 + band_rows < OH ? oh0 + band_rows : OH;
        fn(&g, x + nb * xs, wp + cb * ws, bp + cb * L, av, y + nb * ys, oh0, oh1);
    }
}

void onr_nchwc_matvec_drive(int64_t N, int64_t C, int64_t OC, const float *x, int64_t xs,
                            const float *g, int64_t g_stride, const float *wp, const float *bp,
                            const float *r, const void *av, float *y, int64_t ys, int last,
                            int threads, const onr_nchwc_vec_fn vecs[2][5])
{
    const int64_t OCB = onr_nchwc_blocks(OC);
    /* below ~64 KB of weights (a few microseconds) a fork costs more than it saves */
    int64_t T = N * OCB * C * L >= (1 << 14) ? threads : 1;
    if (T > OCB) T = OCB;
    if (T < 1) T = 1;
    const onr_nchwc_vec_fn *vf = vecs[g != NULL];
#pragma omp parallel for schedule(static) num_threads((int)T) if (T > 1)
    for (int64_t t = 0; t < T; t++) {
        const int64_t ob0 = OCB * t / T, ob1 = OCB * (t + 1) / T;
        for (int64_t n = 0; n < N; n++)
            for (int64_t ob = ob0; ob < ob1; ob += 4) {
                const int OB = ob1 - ob < 4 ? (int)(ob1 - ob) : 4;
                vf[OB](C, x + n * xs, g ? g + n * g_stride : NULL, wp + ob * C * L, bp + ob * L,
                       r ? r + n * ys + ob * L : NULL, y + n * ys + ob * L, av,
                       ob + OB == OCB ? last : L);
            }
    }
}

void onr_nchwc_conv_interior(const struct onr_conv_shape *s, int64_t *lo_out, int64_t *hi_out)
{
    const int64_t sw = s->stride_w, reach = (s->KW - 1) * s->dil_w;
    int64_t lo = (s->pad_left + sw - 1) / sw;
    const int64_t last = s->W - 1 - reach + s->pad_left; /* ow * sw <= last */
    int64_t hi = last < 0 ? 0 : last / sw + 1;
    if (hi > s->OW) hi = s->OW;
    if (lo > hi) lo = hi;
    *lo_out = lo;
    *hi_out = hi;
}

void onr_nchwc_conv_drive(const struct onr_conv_shape *s, const void *plan, int64_t groups,
                          const float *x, const float *wp, const float *bp, float *y,
                          int threads, onr_nchwc_conv_row_fn row)
{
    const int64_t items = s->N * groups * s->OH;
    (void)threads;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && items > 1)
    for (int64_t it = 0; it < items; it++)
        row(s, plan, x, wp, bp, y, it / (groups * s->OH), it / s->OH % groups, it % s->OH);
}

void onr_nchwc_conv_rows_drive(const struct onr_conv_shape *s, const void *plan, int64_t groups,
                               const float *x, const float *wp, const float *bp, float *y,
                               int64_t oh0, int64_t oh1, onr_nchwc_conv_row_fn row)
{
    for (int64_t n = 0; n < s->N; n++)
        for (int64_t gi = 0; gi < groups; gi++)
            for (int64_t oh = oh0; oh < oh1; oh++) row(s, plan, x, wp, bp, y, n, gi, oh);
}

/* x: (N, CB, HW, 16)  g: (N or 1, CB * 16) or NULL  wp: (OCB, C, 16)
 * bp: (OCB * 16)  r, y: (N, OCB, HW, 16) */
/* ws = wp with every channel c's weights times g[c] (the product a gated
 * tile forms), over the threads when there are enough. */
static void scale_pw_weights(int64_t C, int64_t OCB, const float *g, const float *wp, float *ws,
                             int threads)
{
    const bool par = threads > 1 && OCB > 1 && OCB * C * L >= (1 << 13);
    (void)par;
#pragma omp parallel for schedule(static) num_threads(threads) if (par)
    for (int64_t ob = 0; ob < OCB; ob++)
        for (int64_t c = 0; c < C; c++) {
            const float gv = g[c];
            const float *w = wp + (ob * C + c) * L;
            float *s = ws + (ob * C + c) * L;
            for (int l = 0; l < L; l++) s[l] = gv * w[l];
        }
}

/* Gated tiles multiply their weights by g once per tile; scaled weights
 * cost one multiply per weight, plus writing and reading them: cheaper
 * once a map holds a few tiles. */
#define GATE_SCALE_MIN_HW 16
/* An image whose blocked input fits this is run as items of one
 * output-block group over every pixel, each item scaling its own group's
 * weights first: the threads share the scaling, and a group's scaled
 * weights stay in its core. Each group rereads the input (from L2, or L3
 * past 512 KiB); up to 1 MiB that costs 1 % on one thread and gains 15 %
 * on two (MobileNetV3-Large's 672->112 @14 on Zen 1: 647 -> 548 us). */
#define GATE_GROUP_X_BYTES (1024 * 1024)
/* Otherwise output blocks are scaled and run a slice at a time, a slice's
 * scaled weights at most this many floats (128 KiB, a quarter of a Zen
 * L2), so they are still in L2 when the tiles read them. */
#define GATE_SCALE_SLICE_FLOATS (32 * 1024)

/* The gated Conv of onr_nchwc_pw_drive on one image (x, g, r, y at it)
 * as items of one output-block group, every pixel: the group's weights
 * scaled into its part of ws first (each block has its own place there,
 * so items never write the same floats; images run one after another for
 * the same reason). */
static void gated_groups(const struct onr_nchwc_pw_isa *isa, int64_t C, int64_t OC, int64_t HW,
                         const float *x, const float *g, const float *wp, const float *bp,
                         const float *r, const void *av, float *y, float *ws, int threads)
{
    const int64_t OCB = onr_nchwc_blocks(OC);
    const int64_t ng = (OCB + isa->ob_max - 1) / isa->ob_max, gbase = OCB / ng,
                  gextra = OCB % ng;
    const bool par = threads > 1 && ng > 1;
    (void)par;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (par)
    for (int64_t gi = 0; gi < ng; gi++) {
        const int OB = (int)(gbase + (gi < gextra));
        const int64_t ob0 = gi * gbase + (gi < gextra ? gi : gextra);
        scale_pw_weights(C, OB, g, wp + ob0 * C * L, ws + ob0 * C * L, 1);
        const int64_t yo = ob0 * HW * L;
        const int last = ob0 + OB == OCB ? (int)(OC - (OCB - 1) * L) : L;
        isa->range(C, HW * L, HW * L, x, NULL, ws + ob0 * C * L, bp + ob0 * L,
                   r ? r + yo : NULL, y + yo, av, OB, last, 0, HW, NULL, 0);
    }
}

void onr_nchwc_pw_drive(const struct onr_nchwc_pw_isa *isa, int64_t N, int64_t C, int64_t OC,
                        int64_t HW, const float *x, const float *g, int64_t g_stride,
                        const float *wp, const float *bp, const float *r, const void *av,
                        float *y, float *scratch, int threads)
{
    if (N < 1 || C < 1 || OC < 1 || HW < 1) return;
    const int64_t CB = onr_nchwc_blocks(C), OCB = onr_nchwc_blocks(OC);
    if (HW == 1) {
        onr_nchwc_matvec_drive(N, C, OC, x, CB * L, g, g_stride, wp, bp, r, av, y, OCB * L, L,
                               threads, isa->vecs);
        return;
    }
    if (g != NULL && scratch != NULL && HW >= GATE_SCALE_MIN_HW &&
        CB * HW * L * (int64_t)sizeof(float) <= GATE_GROUP_X_BYTES) {
        for (int64_t n = 0; n < N; n++) {
            const int64_t yo = n * OCB * HW * L;
            gated_groups(isa, C, OC, HW, x + n * CB * HW * L, g + n * g_stride, wp, bp,
                         r ? r + yo : NULL, av, y + yo, scratch, threads);
        }
        return;
    }
    if (g != NULL && scratch != NULL && HW >= GATE_SCALE_MIN_HW) {
        /* image by image (y's blocks of one image are contiguous), slice by
         * slice of output blocks */
        int64_t slice = GATE_SCALE_SLICE_FLOATS / (C * L);
        if (slice < 1) slice = 1;
        for (int64_t n = 0; n < N; n++)
            for (int64_t ob0 = 0; ob0 < OCB; ob0 += slice) {
                const int64_t nb = OCB - ob0 < slice ? OCB - ob0 : slice;
                const int64_t oc = ob0 + nb < OCB ? nb * L : OC - ob0 * L;
                float *ws = scratch + ob0 * C * L;
                scale_pw_weights(C, nb, g + n * g_stride, wp + ob0 * C * L, ws, threads);
                const int64_t yo = (n * OCB + ob0) * HW * L;
                onr_nchwc_pw_drive(isa, 1, C, oc, HW, x + n * CB * HW * L, NULL, 0, ws,
                                   bp + ob0 * L, r ? r + yo : NULL, av, y + yo, NULL, threads);
            }
        return;
    }
    /* ng groups of gbase or gbase + 1 <= ob_max output blocks */
    const int64_t ob_max = g ? isa->gated_ob_max : isa->ob_max, tp = isa->tile_p[ob_max];
    const int64_t ng = (OCB + ob_max - 1) / ob_max, gbase = OCB / ng, gextra = OCB % ng;
    const int64_t want = threads > 1 ? 4 * (int64_t)threads : 1;
    int64_t pc, ngr; /* pixel chunks and ranges of groups per image */
    if (isa->chunk_lines > 0) {
        int64_t plen = isa->chunk_lines / CB / tp * tp;
        if (plen < tp) plen = tp;
        pc = (HW + plen - 1) / plen;
        ngr = N * pc < want ? (want + N * pc - 1) / (N * pc) : 1;
        if (ngr > ng) ngr = ng;
    } else {
        ngr = ng;
        const int64_t max_chunks = (HW + tp - 1) / tp;
        pc = (want + N * ng - 1) / (N * ng);
        if (pc > max_chunks) pc = max_chunks;
        if (pc < 1) pc = 1;
    }
    const int64_t items = N * pc * ngr;
    /* below ~1e5 multiply-adds (about a microsecond) a fork costs more than it saves */
    const bool par = threads > 1 && items > 1 && N * OC * C * HW >= (1 << 17);
    (void)par;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (par)
    for (int64_t i = 0; i < items; i++) {
        const int64_t n = i / (pc * ngr), k = i / ngr % pc, gr = i % ngr;
        const int64_t p0 = HW * k / pc, p1 = HW * (k + 1) / pc;
        const float *xn = x + n * CB * HW * L, *gn = g ? g + n * g_stride : NULL;
        for (int64_t gi = ng * gr / ngr; gi < ng * (gr + 1) / ngr; gi++) {
            const int OB = (int)(gbase + (gi < gextra));
            const int64_t ob0 = gi * gbase + (gi < gextra ? gi : gextra);
            const int64_t yo = (n * OCB + ob0) * HW * L;
            const float *pfn = NULL;
            int64_t pfl = 0;
            if (isa->next_pf_bytes > 0 && !par && pc == 1 && gi + 1 < ng &&
                C * OB * L * (int64_t)sizeof(float) > isa->next_pf_bytes) {
                pfn = wp + (ob0 + OB) * C * L;
                pfl = (gbase + (gi + 1 < gextra)) * C;
            }
            const int last = ob0 + OB == OCB ? (int)(OC - (OCB - 1) * L) : L;
            isa->range(C, HW * L, HW * L, xn, gn, wp + ob0 * C * L, bp + ob0 * L,
                       r ? r + yo : NULL, y + yo, av, OB, last, p0, p1, pfn, pfl);
        }
    }
}

void onr_nchwc_pw_rows_drive(const struct onr_nchwc_pw_isa *isa, int64_t C, int64_t OC,
                             int64_t P, const float *x, int64_t x_bs, const float *wp,
                             const float *bp, const float *r, const void *av, float *y,
                             int64_t y_bs)
{
    if (C < 1 || OC < 1 || P < 1) return;
    const int64_t OCB = onr_nchwc_blocks(OC), ng = (OCB + isa->ob_max - 1) / isa->ob_max;
    const int64_t gbase = OCB / ng, gextra = OCB % ng;
    for (int64_t gi = 0; gi < ng; gi++) {
        const int OB = (int)(gbase + (gi < gextra));
        const int64_t ob0 = gi * gbase + (gi < gextra ? gi : gextra);
        const int last = ob0 + OB == OCB ? (int)(OC - (OCB - 1) * L) : L;
        isa->range(C, x_bs, y_bs, x, NULL, wp + ob0 * C * L, bp + ob0 * L,
                   r ? r + ob0 * y_bs : NULL, y + ob0 * y_bs, av, OB, last, 0, P, NULL, 0);
    }
}
