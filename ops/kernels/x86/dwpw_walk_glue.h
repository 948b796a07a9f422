/* The block functions onr_dwpw_dw_walk (dwpw_driver.h) calls, for one ISA
 * file of the fused depthwise -> pointwise kernel: its pad_band and dw_row
 * with each kernel size and stride as constants, and the table of them.
 * Included by dwpw_avx2.c and dwpw_avx512.c after they define pad_band
 * and dw_row, with DWPW_GLUE_LANES set to their vector width. */
#ifndef DWPW_GLUE_LANES
#error "define DWPW_GLUE_LANES before including dwpw_walk_glue.h"
#endif

#define PAD_BAND(K, S)                                                                      \
    static void pad_band_##K##s##S(const struct onr_conv_shape *d, const float *buf,       \
                                   int64_t ld, const float *w, float bias, const void *av,  \
                                   int64_t oh0, int64_t oh1, float *t)                      \
    {                                                                                       \
        pad_band(d, K, S, buf, ld, w, bias, av, oh0, oh1, t);                               \
    }
PAD_BAND(3, 1)
PAD_BAND(3, 2)
PAD_BAND(5, 1)
PAD_BAND(5, 2)
#undef PAD_BAND
#define DW_ROW(S)                                                                           \
    static void dw_row_s##S(const struct onr_conv_shape *d, const float *xc, const float *w, \
                            float bias, const struct onr_activation *act, const void *av,   \
                            int64_t lo, int64_t hi, int64_t oh, float *y)                   \
    {                                                                                       \
        dw_row(d, 0, S, xc, w, bias, act, av, lo, hi, oh, y);                               \
    }
DW_ROW(0)
DW_ROW(1)
DW_ROW(2)
#undef DW_ROW
static const struct onr_dwpw_dw_isa dw_isa = {
    DWPW_GLUE_LANES,
    {pad_band_3s1, pad_band_3s2, pad_band_5s1, pad_band_5s2},
    {dw_row_s1, dw_row_s2, dw_row_s0}};
