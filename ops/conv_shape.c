/* Conv's shape inference, shared by the Conv family (conv_impl.h):
 * checks X, W and B against the attributes, resolves auto_pad and fixes
 * the 1-D/2-D shape struct (a 1-D Conv is a 2-D one of height 1) or the
 * 3-D one, with one message per rejected value. */
#include <stdio.h>
#include <string.h>

#include "conv_impl.h"

/* Output size along one axis; resolves auto_pad into *p0 (begin), *p1. */
static enum onr_status out_dim(const struct onr_node *node, const char *op,
                               const struct conv_params *p, const char *what, int64_t in,
                               int64_t k, int64_t s, int64_t d, int64_t *p0, int64_t *p1,
                               int64_t *out, struct onr_error *err)
{
    int64_t ek, padded;
    if (onr_mul_overflow_i64(k - 1, d, &ek) || ek == INT64_MAX) goto overflow;
    ek += 1; /* extent of the dilated kernel */
    if (p->auto_pad == ONR_AUTO_PAD_SAME_UPPER || p->auto_pad == ONR_AUTO_PAD_SAME_LOWER) {
        int64_t o = in / s + (in % s != 0), total;
        if (__builtin_add_overflow((o > 0 ? o - 1 : 0) * s, ek, &total)) goto overflow;
        total = total > in ? total - in : 0;
        *p0 = p->auto_pad == ONR_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
        *p1 = total - *p0;
    }
    if (__builtin_add_overflow(in, *p0, &padded) ||
        __builtin_add_overflow(padded, *p1, &padded))
        goto overflow;
    *out = padded >= ek ? (padded - ek) / s + 1 : 0;
    if (*out < 1)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': output %s would be %lld: input %lld + pads %lld,%lld "
                             "is smaller than the kernel extent %lld", op, node->name, what,
                             (long long)*out, (long long)in, (long long)*p0, (long long)*p1,
                             (long long)ek);
    return ONR_STATUS_OK;
overflow:
    return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                         "%s '%s': kernel, dilation or pads along the %s overflow", op,
                         node->name, what);
}

/* Ranks, dtypes and the channel agreement of X, W and B. */
static enum onr_status check_inputs(const char *name, const char *op, const struct conv_params *p,
                                    const struct onr_tensor *x, const struct onr_tensor *w,
                                    const struct onr_tensor *b, struct onr_error *err)
{
    char buf[96];
    const int rank = x->shape.rank;
    if (rank < 3)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': X has rank %d, expected 3, 4 or 5 (N, C, spatial...)",
                             op, name, rank);
    if (rank > 5)
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': X has rank %d; only 1-D, 2-D and 3-D convolution "
                             "(rank 3 to 5) is supported", op, name, rank);
    if (x->dtype != ONR_DTYPE_FLOAT || w->dtype != ONR_DTYPE_FLOAT ||
        (b != NULL && b->dtype != ONR_DTYPE_FLOAT))
        return onr_error_set(err, ONR_STATUS_UNSUPPORTED,
                             "%s '%s': only float32 is supported", op, name);
    if (p->attr_axes != 0 && p->attr_axes != rank - 2)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': the attributes name %d spatial axes, X (rank %d) has %d",
                             op, name, p->attr_axes, rank, rank - 2);
    onr_shape_format(&w->shape, buf, sizeof buf);
    if (w->shape.rank != rank)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': W has shape %s, expected rank %d (X's)", op, name, buf,
                             rank);
    const int64_t C = x->shape.dims[1], OC = w->shape.dims[0];
    if (C % p->group != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': group %lld does not divide C=%lld", op, name,
                             (long long)p->group, (long long)C);
    if (OC % p->group != 0)
        return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                             "%s '%s': group %lld does not divide the output channels %lld",
                             op, name, (long long)p->group, (long long)OC);
    if (w->shape.dims[1] != C / p->group)
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': W has shape %s, expected %lld channels per group "
                             "(C=%lld / group %lld)", op, name, buf, (long long)(C / p->group),
                             (long long)C, (long long)p->group);
    for (int i = 0; p->has_kernel && i < rank - 2; i++)
        if (p->a_kernel[i] != w->shape.dims[2 + i])
            return onr_error_set(err, ONR_STATUS_INVALID_MODEL,
                                 "%s '%s': kernel_shape[%d] = %lld does not match W's shape %s",
                                 op, name, i, (long long)p->a_kernel[i], buf);
    for (int i = 2; i < rank; i++)
        if (w->shape.dims[i] < 1)
            return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                                 "%s '%s': W has shape %s, an empty kernel", op, name, buf);
    if (b != NULL && (b->shape.rank != 1 || b->shape.dims[0] != OC)) {
        onr_shape_format(&b->shape, buf, sizeof buf);
        return onr_error_set(err, ONR_STATUS_SHAPE_MISMATCH,
                             "%s '%s': B has shape %s, expected %lld", op, name, buf,
                             (long long)OC);
    }
    return ONR_STATUS_OK;
}

/* A rank-5 Conv: the 3-D shape for the reference kernel. */
static enum onr_status infer_3d(const struct onr_node *node, const char *op,
                                struct conv_params *p, const struct onr_tensor *x,
                                const struct onr_tensor *w, struct onr_tensor *y,
                                struct onr_error *err)
{
    static const char *const what[3] = {"depth", "height", "width"};
    struct onr_conv3d_shape s = {
        .N = x->shape.dims[0], .C = x->shape.dims[1], .OC = w->shape.dims[0], .group = p->group,
    };
    for (int a = 0; a < 3; a++) {
        s.in[a] = x->shape.dims[2 + a];
        s.k[a] = w->shape.dims[2 + a];
        s.stride[a] = p->a_strides[a];
        s.dil[a] = p->a_dilations[a];
        s.pad_begin[a] = p->a_pads[a];
        s.pad_end[a] = p->a_pads[3 + a];
        enum onr_status st = out_dim(node, op, p, what[a], s.in[a], s.k[a], s.stride[a],
                                     s.dil[a], &s.pad_begin[a], &s.pad_end[a], &s.out[a], err);
        if (st != ONR_STATUS_OK) return st;
    }
    y->shape.rank = 5;
    y->shape.dims[0] = s.N;
    y->shape.dims[1] = s.OC;
    for (int a = 0; a < 3; a++) y->shape.dims[2 + a] = s.out[a];
    p->shape3 = s;
    memset(&p->shape, 0, sizeof p->shape);
    return ONR_STATUS_OK;
}

enum onr_status onr_conv_infer_shape(const struct onr_node *node, const char *op,
                                     struct conv_params *p, const struct onr_tensor *x,
                                     const struct onr_tensor *w, const struct onr_tensor *b,
                                     struct onr_tensor *y, struct onr_error *err)
{
    p->shaped = false;
    enum onr_status st = check_inputs(node->name, op, p, x, w, b, err);
    if (st != ONR_STATUS_OK) return st;
    p->spatial = x->shape.rank - 2;
    y->dtype = ONR_DTYPE_FLOAT;
    if (p->spatial == 3) {
        if ((st = infer_3d(node, op, p, x, w, y, err)) != ONR_STATUS_OK) return st;
    } else {
        /* A 1-D Conv is a 2-D Conv of height 1 (kernel height 1, no
         * vertical stride, dilation or pads): the same memory layout, so
         * every 2-D kernel and graph pass applies to it. */
        const bool one = p->spatial == 1;
        p->kernel[0] = one ? 1 : p->a_kernel[0];
        p->kernel[1] = p->a_kernel[one ? 0 : 1];
        p->strides[0] = one ? 1 : p->a_strides[0];
        p->strides[1] = p->a_strides[one ? 0 : 1];
        p->dilations[0] = one ? 1 : p->a_dilations[0];
        p->dilations[1] = p->a_dilations[one ? 0 : 1];
        p->pads[0] = one ? 0 : p->a_pads[0];
        p->pads[1] = p->a_pads[one ? 0 : 1];
        p->pads[2] = one ? 0 : p->a_pads[2];
        p->pads[3] = p->a_pads[one ? 1 : 3];
        const int64_t *xd = x->shape.dims, *wd = w->shape.dims;
        struct onr_conv_shape s = {
            .N = xd[0], .C = xd[1], .H = one ? 1 : xd[2], .W = xd[one ? 2 : 3], .OC = wd[0],
            .KH = one ? 1 : wd[2], .KW = wd[one ? 2 : 3],
            .stride_h = p->strides[0], .stride_w = p->strides[1],
            .dil_h = p->dilations[0], .dil_w = p->dilations[1], .group = p->group,
            .pad_top = p->pads[0], .pad_left = p->pads[1], .pad_bottom = p->pads[2],
            .pad_right = p->pads[3],
        };
        if ((st = out_dim(node, op, p, "height", s.H, s.KH, s.stride_h, s.dil_h, &s.pad_top,
                          &s.pad_bottom, &s.OH, err)) ||
            (st = out_dim(node, op, p, "width", s.W, s.KW, s.stride_w, s.dil_w, &s.pad_left,
                          &s.pad_right, &s.OW, err)))
            return st;
        y->shape.rank = x->shape.rank;
        y->shape.dims[0] = s.N;
        y->shape.dims[1] = s.OC;
        if (one) {
            y->shape.dims[2] = s.OW;
        } else {
            y->shape.dims[2] = s.OH;
            y->shape.dims[3] = s.OW;
        }
        p->shape = s;
    }
    if ((st = onr_shape_check(&y->shape, y->dtype, NULL, err)) != ONR_STATUS_OK) {
        onr_error_prefix(err, "%s '%s': output", op, node->name);
        return st;
    }
    p->shaped = true;
    return ONR_STATUS_OK;
}
