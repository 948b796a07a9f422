/* The body of the phase-plane depthwise 3-D kernels (dwconv3d_phase.h),
 * included by each ISA's file so the compiler vectorises the same loops. */
#ifndef ONR_KERNELS_DWCONV3D_PHASE_BODY_H
#define ONR_KERNELS_DWCONV3D_PHASE_BODY_H

#include <stdint.h>
#include <string.h>

#include "activation.h"
#include "dwconv3d_phase.h"

/* The sh x sw phases of input plane xp (IH x IW), zero outside it: each
 * phase row copies the columns that land inside x and zeroes the rest. */
static inline void dw3d_phase_split(const struct onr_conv3d_shape *s, const float *xp,
                                    float *phases, int64_t ph, int64_t pw)
{
    const int64_t sh = s->stride[1], sw = s->stride[2], IH = s->in[1], IW = s->in[2];
    const int64_t stride = (ph + 1) * pw, pad_w = s->pad_begin[2];
    for (int64_t a = 0; a < sh; a++)
        for (int64_t c = 0; c < sw; c++) {
            float *pp = phases + (a * sw + c) * stride;
            /* columns j with 0 <= j*sw + c - pad_w < IW */
            int64_t lo = pad_w - c <= 0 ? 0 : (pad_w - c + sw - 1) / sw;
            int64_t hi = IW - 1 - c + pad_w < 0 ? -1 : (IW - 1 - c + pad_w) / sw;
            if (lo > pw) lo = pw;
            if (hi > pw - 1) hi = pw - 1;
            if (hi < lo - 1) hi = lo - 1;
            for (int64_t i = 0; i < ph; i++) {
                float *pr = pp + i * pw;
                const int64_t ih = i * sh + a - s->pad_begin[1];
                if (ih < 0 || ih >= IH) {
                    memset(pr, 0, (size_t)pw * sizeof *pr);
                    continue;
                }
                const float *xr = xp + ih * IW + c - pad_w;
                for (int64_t j = 0; j < lo; j++) pr[j] = 0.0f;
                for (int64_t j = lo; j <= hi; j++) pr[j] = xr[j * sw];
                for (int64_t j = hi + 1; j < pw; j++) pr[j] = 0.0f;
            }
            memset(pp + ph * pw, 0, (size_t)pw * sizeof *pp); /* the spare row */
        }
}

static inline void dw3d_phase_tap(float *restrict acc, const float *restrict src, float w,
                                  int64_t n)
{
    for (int64_t p = 0; p < n; p++) acc[p] += w * src[p];
}

/* One task per (n, oc) plane. Its input depth planes are split as the
 * output depths reach them, each once, into a ring of KD slots: the planes
 * one output depth reads are KD consecutive ids, distinct modulo KD. */
static inline void dwconv3d_phase_body(const struct onr_conv3d_shape *s, const float *x,
                                       const float *w, const float *b,
                                       const struct onr_activation *act, float *y, int threads)
{
    const int64_t ID = s->in[0], IH = s->in[1], IW = s->in[2];
    const int64_t KD = s->k[0], KH = s->k[1], KW = s->k[2];
    const int64_t OD = s->out[0], OH = s->out[1], OW = s->out[2];
    const int64_t sh = s->stride[1], sw = s->stride[2], mult = s->OC / s->C;
    const int64_t pw = onr_dw3d_phase_pw(s), ph = onr_dw3d_phase_ph(s);
    const int64_t phase_stride = (ph + 1) * pw, slot_floats = sh * sw * phase_stride;
    const int64_t n_acc = OH * pw, planes = s->N * s->OC;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && planes > 1)
#endif
    for (int64_t plane = 0; plane < planes; plane++) {
        _Alignas(64) float block[ONR_DW3D_PHASE_FLOATS];
        float *acc = block;
        float *ring = block + (n_acc + 15) / 16 * 16;
        int64_t held[ONR_DW3D_PHASE_MAX_KD];
        for (int64_t k = 0; k < KD; k++) held[k] = -1;
        const int64_t n = plane / s->OC, oc = plane % s->OC;
        const float *xc = x + (n * s->C + oc / mult) * ID * IH * IW;
        const float *wk = w + oc * KD * KH * KW;
        const float bias = b != NULL ? b[oc] : 0.0f;
        for (int64_t od = 0; od < OD; od++) {
            for (int64_t p = 0; p < n_acc; p++) acc[p] = bias;
            for (int64_t kd = 0; kd < KD; kd++) {
                const int64_t id = od * s->stride[0] - s->pad_begin[0] + kd;
                if (id < 0 || id >= ID) continue;
                float *phases = ring + (id % KD) * slot_floats;
                if (held[id % KD] != id) {
                    dw3d_phase_split(s, xc + id * IH * IW, phases, ph, pw);
                    held[id % KD] = id;
                }
                for (int64_t kh = 0; kh < KH; kh++)
                    for (int64_t kw = 0; kw < KW; kw++) {
                        const float *src = phases + ((kh % sh) * sw + kw % sw) * phase_stride +
                                           (kh / sh) * pw + kw / sw;
                        dw3d_phase_tap(acc, src, wk[(kd * KH + kh) * KW + kw], n_acc);
                    }
            }
            float *yp = y + (plane * OD + od) * OH * OW;
            for (int64_t oh = 0; oh < OH; oh++)
                for (int64_t ow = 0; ow < OW; ow++)
                    yp[oh * OW + ow] = onr_activation_apply(act, acc[oh * pw + ow]);
        }
    }
}

#define ONR_DW3D_PHASE_DEFINE(isa)                                                            \
    void onr_dwconv3d_f32_phase__##isa(const struct onr_conv3d_shape *s, const float *x,     \
                                       const float *w, const float *b,                       \
                                       const struct onr_activation *act, float *y, int threads) \
    {                                                                                         \
        dwconv3d_phase_body(s, x, w, b, act, y, threads);                                     \
    }

#endif
