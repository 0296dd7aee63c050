/*
 * batchnorm_f32.c — C reference of BatchNormalization in inference mode (formula in
 * cl_kernels/norm_op.h, shared with cl_kernels/batchnorm_f32.cl).
 */
#include "ref.h"

#include "norm_op.h"

void cliq__ref_bn_coeffs_f32(const float *scale, const float *bias, const float *mean, const float *var, float eps,
                             size_t c, float *a, float *b) {
  for (size_t i = 0; i < c; i++) {
    a[i] = cliq_bn_scale(scale[i], var[i], eps);
    b[i] = cliq_bn_shift(bias[i], mean[i], a[i]);
  }
}

void cliq__ref_batchnorm_f32(const float *x, const float *a, const float *b, size_t n, size_t c, size_t inner, float *y) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < c; j++) {
      const float *xr = x + (i * c + j) * inner;
      float *yr = y + (i * c + j) * inner;
      for (size_t k = 0; k < inner; k++) yr[k] = xr[k] * a[j] + b[j];
    }
}
