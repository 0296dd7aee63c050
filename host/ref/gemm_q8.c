/*
 * gemm_q8.c — C reference of the int8 fully connected layer (QGemm): y[r, c] from
 * sum_k (x[r, k] - z_x) * (w[c, k] - z_w[c]) + bias[c], int64 sums wrapped to int32 (q8.h), output
 * stage from cliq_requant.h. x is [rows, K] row-major, w [N, K], y and the residual [rows, N].
 */
#include "q8.h"
#include "ref.h"

void cliq__ref_gemm_q8(size_t rows, size_t K, size_t N, const int8_t *x, const int8_t *w, const int32_t *bias,
                       const int8_t *res, const cliq__q8_epi *e, int8_t *y) {
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < N; c++) {
      int64_t acc = bias ? bias[c] : 0;
      const int32_t zw = e->w_zp[c];
      for (size_t k = 0; k < K; k++) acc += (int64_t)(x[r * K + k] - e->x_zp) * (w[c * K + k] - zw);
      size_t o = r * N + c;
      y[o] = (int8_t)cliq__q8_epi_apply(e, c, cliq__wrap_i32(acc), res ? res[o] : 0);
    }
}
