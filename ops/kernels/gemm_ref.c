/* The reference GEMM, the oracle for the fast variants: a triple loop over
 * row-major a (lda = K), the K-sum in k order from zero, then + bias,
 * + residual and the activation, as gemm.h specifies. Single-threaded. */
#include "gemm.h"

/* a: (M, K)  b: (K, N) ldb  bias: (M) | (N) | NULL  residual, y: (M, N) ldy */
void onr_gemm_f32__ref(const struct onr_gemm_shape *s, const float *a, const float *b,
                       const float *bias, const float *residual,
                       const struct onr_activation *act, float *y, void *workspace,
                       int threads)
{
    for (int64_t m = 0; m < s->M; m++)
        for (int64_t n = 0; n < s->N; n++) {
            float acc = 0.0f;
            for (int64_t k = 0; k < s->K; k++)
                acc += a[m * s->K + k] * b[k * s->ldb + n];
            if (bias != NULL && s->bias_mode == ONR_GEMM_BIAS_ROW) acc += bias[m];
            if (bias != NULL && s->bias_mode == ONR_GEMM_BIAS_COL) acc += bias[n];
            if (residual != NULL) acc += residual[m * s->ldy + n];
            y[m * s->ldy + n] = onr_activation_apply(act, acc);
        }
}

/* a' (M, K) and b' (K, N) strided  y: (M, N) */
void onr_gemm_f32_strided__ref(int64_t M, int64_t N, int64_t K, const float *a, int64_t sam,
                               int64_t sak, const float *b, int64_t sbk, int64_t sbn, float *y)
{
    for (int64_t m = 0; m < M; m++)
        for (int64_t n = 0; n < N; n++) {
            float acc = 0.0f;
            for (int64_t k = 0; k < K; k++) acc += a[m * sam + k * sak] * b[k * sbk + n * sbn];
            y[m * N + n] = acc;
        }
}
