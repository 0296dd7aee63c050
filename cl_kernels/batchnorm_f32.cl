/*
 * batchnorm_f32.cl — BatchNormalization in inference mode, y = x*a[c] + b[c] (norm_op.h; C
 * reference host/ref/batchnorm_f32.c). With constant statistics (the usual case: a BN the
 * session could not fold into a Conv, e.g. after an Add or on the input) the host computes a and
 * b once with the reference's code; otherwise batchnorm_stats_f32 derives them per work-item.
 * A work-item handles VEC consecutive elements of one channel plane (n, c).
 */
#include "norm_op.h"

#pragma OPENCL FP_CONTRACT OFF /* x*a + b rounds twice, as in the C reference */

#ifndef VEC
#define VEC 16
#endif

#define BN_BODY(A, B)                                                                 \
  const int g0 = (inner + VEC - 1) / VEC, gid = get_global_id(0);                   \
  if (gid >= g0 * C * N) return;                                                     \
  const int i0 = (gid % g0) * VEC, c = (gid / g0) % C, n = gid / g0 / C;             \
  const float a_ = (A), b_ = (B);                                                    \
  const int base = (n * C + c) * inner + i0;                                         \
  if (i0 + VEC <= inner) {                                                           \
    _Pragma("unroll") for (int j = 0; j < VEC; j++) y[base + j] = x[base + j] * a_ + b_; \
  } else {                                                                           \
    for (int j = 0; j < inner - i0; j++) y[base + j] = x[base + j] * a_ + b_;        \
  }

__kernel void batchnorm_f32(__global const float *x, __global const float *a, __global const float *b,
                            __global float *y, const int N, const int C, const int inner) {
  BN_BODY(a[c], b[c])
}

__kernel void batchnorm_stats_f32(__global const float *x, __global const float *scale, __global const float *bias,
                                  __global const float *mean, __global const float *var, const float eps,
                                  __global float *y, const int N, const int C, const int inner) {
  BN_BODY(cliq_bn_scale(scale[c], var[c], eps), cliq_bn_shift(bias[c], mean[c], a_))
}
