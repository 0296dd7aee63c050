/*
 * norm_f32.c — C reference of LRN, InstanceNormalization and LayerNormalization (formulas in
 * cl_kernels/norm_op.h, shared with cl_kernels/norm_f32.cl, which sums in the same order).
 */
#include "ref.h"

#include "norm_op.h"

void cliq__ref_lrn_f32(const float *x, size_t n, size_t c, size_t inner, int64_t size, float alpha, float beta, float bias,
                       float *y) {
  int64_t lo = (size - 1) / 2, hi = size / 2; /* floor((size-1)/2), ceil((size-1)/2) */
  float aos = alpha / (float)size;
  for (size_t b = 0; b < n; b++)
    for (size_t ch = 0; ch < c; ch++)
      for (size_t i = 0; i < inner; i++) {
        int64_t c0 = (int64_t)ch - lo < 0 ? 0 : (int64_t)ch - lo, c1 = (int64_t)ch + hi > (int64_t)c - 1 ? (int64_t)c - 1 : (int64_t)ch + hi;
        float ss = 0.0f;
        for (int64_t k = c0; k <= c1; k++) {
          float v = x[(b * c + (size_t)k) * inner + i];
          ss += v * v;
        }
        size_t e = (b * c + ch) * inner + i;
        y[e] = cliq_lrn(x[e], ss, aos, beta, bias);
      }
}

/* mean and 1/sqrt(var + eps) of n values */
static void moments(const float *x, size_t n, float eps, float *mean, float *inv_std) {
  float s = 0.0f, v = 0.0f;
  for (size_t i = 0; i < n; i++) s += x[i];
  float m = s / (float)n;
  for (size_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
  *mean = m;
  *inv_std = cliq_inv_std(v / (float)n, eps);
}

void cliq__ref_instance_norm_f32(const float *x, const float *scale, const float *bias, size_t n, size_t c, size_t inner,
                                 float eps, float *y) {
  for (size_t p = 0; p < n * c; p++) {
    const float *xp = x + p * inner;
    float m, is;
    moments(xp, inner, eps, &m, &is);
    for (size_t i = 0; i < inner; i++) y[p * inner + i] = cliq_norm_apply(xp[i], m, is, scale[p % c], bias[p % c]);
  }
}

void cliq__ref_layer_norm_f32(const float *x, const float *scale, const float *bias, size_t sb_n, size_t rows, size_t n,
                              float eps, float *y, float *mean, float *inv_std) {
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * n;
    float m, is;
    moments(xr, n, eps, &m, &is);
    for (size_t i = 0; i < n; i++) {
      size_t k = sb_n == 1 ? 0 : i;
      y[r * n + i] = cliq_norm_apply(xr[i], m, is, scale[k], bias ? bias[k] : 0.0f);
    }
    if (mean) mean[r] = m;
    if (inv_std) inv_std[r] = is;
  }
}
