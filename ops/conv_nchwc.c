/* Conv's NCHW16c path: which blocked kernel a Conv shape has, and W and B
 * packed for it (ops/kernels/nchwc.h), for the onnxrun.nchwc operators
 * that the layout pass builds (nchwc_conv.c, nchwc_fused_dw.c). */
#include <stdio.h>
#include <string.h>

#include "conv_impl.h"

static bool is_1x1(const struct onr_conv_shape *s)
{
    return s->KH == 1 && s->KW == 1 && s->stride_h == 1 && s->stride_w == 1 &&
           s->pad_top == 0 && s->pad_left == 0 && s->pad_bottom == 0 && s->pad_right == 0;
}

enum conv_blocked_kind onr_conv_blocked_kind(const struct onr_conv_shape *s)
{
    if (s->group == s->C && s->OC == s->C) return CONV_BLOCKED_DW;
    if (s->group != 1) return CONV_BLOCKED_NO;
    return is_1x1(s) ? CONV_BLOCKED_PW : CONV_BLOCKED_DENSE;
}

enum onr_status onr_conv_blocked_pack(const struct onr_node *node, enum onr_isa isa,
                                      struct conv_params *p,
                                      const struct onr_tensor *w, const struct onr_tensor *b,
                                      struct onr_error *err)
{
    const struct onr_conv_shape *s = &p->shape;
    const enum conv_blocked_kind kind = onr_conv_blocked_kind(s);
    if (kind == CONV_BLOCKED_NO || w->data == NULL || (b != NULL && b->data == NULL))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "Conv '%s': cannot run on NCHW16c (group %lld, C=%lld, OC=%lld, "
                             "W and B must be constant)", node->name, (long long)s->group,
                             (long long)s->C, (long long)s->OC);
    const int64_t wf = kind == CONV_BLOCKED_DW    ? onr_nchwc_dw_weight_floats(s->C, s->KH, s->KW)
                       : kind == CONV_BLOCKED_DENSE ? onr_nchwc_conv_weight_floats(s->OC, s->C, s->KH, s->KW)
                                                    : onr_nchwc_pw_weight_floats(s->OC, s->C);
    const int64_t bf = onr_nchwc_blocks(s->OC) * ONR_NCHWC_LANES;
    onr_aligned_free(p->blk.w);
    onr_aligned_free(p->blk.b);
    memset(&p->blk, 0, sizeof p->blk);
    p->blk.w = onr_aligned_alloc((size_t)wf * sizeof(float));
    p->blk.b = onr_aligned_alloc((size_t)bf * sizeof(float));
    if (p->blk.w == NULL || p->blk.b == NULL) {
        onr_aligned_free(p->blk.w);
        onr_aligned_free(p->blk.b);
        p->blk.w = p->blk.b = NULL;
        return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "Conv '%s': cannot pack W for NCHW16c",
                             node->name);
    }
    const float *bias = b != NULL ? b->data : NULL;
    const struct onr_kernel_no_shape none = {0};
    const char *name;
    if (kind == CONV_BLOCKED_DW) {
        onr_nchwc_pack_dw(s->C, s->KH, s->KW, w->data, bias, p->blk.w, p->blk.b);
        const struct onr_nchwc_dw_kernel *k =
            onr_nchwc_dw_pick(onr_nchwc_dw_kernels, onr_nchwc_dw_kernels_count, isa, s);
        p->blk.dw = k->fn;
        name = k->name;
    } else if (kind == CONV_BLOCKED_DENSE) {
        onr_nchwc_pack_conv(s->OC, s->C, s->KH, s->KW, w->data, bias, p->blk.w, p->blk.b);
        const struct onr_nchwc_conv_kernel *k =
            onr_nchwc_conv_pick(onr_nchwc_conv_kernels, onr_nchwc_conv_kernels_count, isa, s);
        p->blk.dense = k->fn;
        p->blk.rows = onr_nchwc_conv_rows_pick(onr_nchwc_conv_rows_kernels,
                                               onr_nchwc_conv_rows_kernels_count, isa, s)->fn;
        name = k->name;
    } else {
        onr_nchwc_pack_pw(s->OC, s->C, w->data, bias, p->blk.w, p->blk.b);
        const struct onr_nchwc_pw_kernel *k =
            onr_nchwc_pw_pick(onr_nchwc_pw_kernels, onr_nchwc_pw_kernels_count, isa, &none);
        p->blk.pw = k->fn;
        p->blk.gated = onr_nchwc_pw_gated_pick(onr_nchwc_pw_gated_kernels,
                                               onr_nchwc_pw_gated_kernels_count, isa, &none)->fn;
        p->blk.pw_rows = onr_nchwc_pw_rows_pick(onr_nchwc_pw_rows_kernels,
                                                onr_nchwc_pw_rows_kernels_count, isa, &none)->fn;
        name = k->name;
    }
    p->blk.kind = kind;
    snprintf(p->blk.name, sizeof p->blk.name, "%s", name);
    p->kernel_name = p->blk.name;
    return ONR_STATUS_OK;
}
