/* Reference 3-D pooling kernels (pool3d.h): every window position tested
 * against the input bounds. */
#include <math.h>
#include <stddef.h>

#include "pool3d.h"

/* One MaxPool per element type; NAN_WINS(v, m) is whether v replaces the
 * running max m beyond v > m (a NaN does in float32; integers have none). */
#define MAXPOOL3D(NAME, T, NAN_WINS)                                                       \
    void NAME(const struct onr_pool3d_shape *s, const T *x, T *y, int64_t *indices,        \
              int storage_order, int threads)                                              \
    {                                                                                      \
        const int64_t ID = s->in[0], IH = s->in[1], IW = s->in[2];                         \
        const int64_t OD = s->out[0], OH = s->out[1], OW = s->out[2];                      \
        const int64_t in_plane = ID * IH * IW, out_plane = OD * OH * OW;                   \
        const int64_t planes = s->N * s->C;                                                \
        _Pragma("omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)") \
        for (int64_t nc = 0; nc < planes; nc++) {                                          \
            const T *xp = x + nc * in_plane;                                               \
            for (int64_t od = 0; od < OD; od++)                                            \
                for (int64_t oh = 0; oh < OH; oh++)                                        \
                    for (int64_t ow = 0; ow < OW; ow++) {                                  \
                        T m = 0;                                                           \
                        int64_t at = -1;                                                   \
                        for (int64_t kd = 0; kd < s->k[0]; kd++) {                         \
                            const int64_t id =                                             \
                                od * s->stride[0] - s->pad_begin[0] + kd * s->dil[0];      \
                            if (id < 0 || id >= ID) continue;                              \
                            for (int64_t kh = 0; kh < s->k[1]; kh++) {                     \
                                const int64_t ih =                                         \
                                    oh * s->stride[1] - s->pad_begin[1] + kh * s->dil[1];  \
                                if (ih < 0 || ih >= IH) continue;                          \
                                for (int64_t kw = 0; kw < s->k[2]; kw++) {                 \
                                    const int64_t iw =                                     \
                                        ow * s->stride[2] - s->pad_begin[2] + kw * s->dil[2]; \
                                    if (iw < 0 || iw >= IW) continue;                      \
                                    const T v = xp[(id * IH + ih) * IW + iw];              \
                                    if (at < 0 || v > m || NAN_WINS(v, m)) {               \
                                        m = v;                                             \
                                        at = storage_order == 0 ? (id * IH + ih) * IW + iw \
                                                                : id + ih * ID + iw * ID * IH; \
                                    }                                                      \
                                }                                                          \
                            }                                                              \
                        }                                                                  \
                        const int64_t o = nc * out_plane + (od * OH + oh) * OW + ow;       \
                        y[o] = m;                                                          \
                        if (indices != NULL) indices[o] = nc * in_plane + at;              \
                    }                                                                      \
        }                                                                                  \
    }

#define FLOAT_NAN_WINS(v, m) (isnan(v) && !isnan(m))
#define NO_NAN(v, m) 0

MAXPOOL3D(onr_maxpool3d_f32__ref, float, FLOAT_NAN_WINS)
MAXPOOL3D(onr_maxpool3d_u8__ref, uint8_t, NO_NAN)
MAXPOOL3D(onr_maxpool3d_i8__ref, int8_t, NO_NAN)

void onr_avgpool3d_f32__ref(const struct onr_pool3d_shape *s, const float *x, float *y,
                            int threads)
{
    const int64_t ID = s->in[0], IH = s->in[1], IW = s->in[2];
    const int64_t OD = s->out[0], OH = s->out[1], OW = s->out[2];
    const int64_t in_plane = ID * IH * IW, out_plane = OD * OH * OW, planes = s->N * s->C;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && planes > 1)
    for (int64_t nc = 0; nc < planes; nc++) {
        const float *xp = x + nc * in_plane;
        for (int64_t od = 0; od < OD; od++)
            for (int64_t oh = 0; oh < OH; oh++)
                for (int64_t ow = 0; ow < OW; ow++) {
                    float sum = 0.0f;
                    int64_t inside = 0, padded = 0;
                    const int64_t o[3] = {od, oh, ow};
                    for (int64_t kd = 0; kd < s->k[0]; kd++)
                        for (int64_t kh = 0; kh < s->k[1]; kh++)
                            for (int64_t kw = 0; kw < s->k[2]; kw++) {
                                const int64_t kk[3] = {kd, kh, kw};
                                int64_t at[3];
                                bool in_pad = true, in_x = true;
                                for (int a = 0; a < 3; a++) {
                                    at[a] = o[a] * s->stride[a] - s->pad_begin[a] + kk[a];
                                    in_pad &= at[a] >= -s->pad_begin[a] &&
                                              at[a] < s->in[a] + s->pad_end[a];
                                    in_x &= at[a] >= 0 && at[a] < s->in[a];
                                }
                                padded += in_pad;
                                if (!in_x) continue;
                                sum += xp[(at[0] * IH + at[1]) * IW + at[2]];
                                inside++;
                            }
                    const int64_t count = s->count_include_pad ? padded : inside;
                    y[nc * out_plane + (od * OH + oh) * OW + ow] = sum / (float)count;
                }
    }
}
