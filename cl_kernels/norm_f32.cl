/*
 * norm_f32.cl — LRN, InstanceNormalization and LayerNormalization (formulas: norm_op.h; C
 * reference: host/ref/norm_f32.c, which sums in the same order).
 *   lrn_f32: VEC neighbouring positions of one (n, c) plane per work-item; the channel window is
 *            read with stride `inner`.
 *   instance_norm_f32 / layer_norm_f32: one plane / row per work-item: mean, variance, output.
 */
#include "norm_op.h"

#pragma OPENCL FP_CONTRACT OFF /* products and sums round as in the C reference */

#ifndef VEC
#define VEC 8
#endif

__kernel void lrn_f32(__global const float *x, __global float *y, const int N, const int C, const int inner,
                      const int lo, const int hi, const float aos, const float beta, const float bias) {
  const int g0 = (inner + VEC - 1) / VEC, gid = get_global_id(0);
  if (gid >= g0 * C * N) return;
  const int i0 = (gid % g0) * VEC, c = (gid / g0) % C, n = gid / g0 / C;
  const int c0 = max(c - lo, 0), c1 = min(c + hi, C - 1), cnt = min(VEC, inner - i0);
  for (int j = 0; j < cnt; j++) {
    float ss = 0.0f;
    for (int k = c0; k <= c1; k++) {
      const float v = x[(n * C + k) * inner + i0 + j];
      ss += v * v;
    }
    const int e = (n * C + c) * inner + i0 + j;
    y[e] = cliq_lrn(x[e], ss, aos, beta, bias);
  }
}

/* mean and 1/sqrt(var + eps) of n values at p */
inline void moments(__global const float *p, const int n, const float eps, float *mean, float *inv_std) {
  float s = 0.0f, v = 0.0f;
  for (int i = 0; i < n; i++) s += p[i];
  const float m = s / (float)n;
  for (int i = 0; i < n; i++) v += (p[i] - m) * (p[i] - m);
  *mean = m;
  *inv_std = cliq_inv_std(v / (float)n, eps);
}

__kernel void instance_norm_f32(__global const float *x, __global const float *scale, __global const float *bias,
                                __global float *y, const int planes, const int C, const int inner, const float eps) {
  const int p = get_global_id(0);
  if (p >= planes) return;
  __global const float *xp = x + p * inner;
  float m, is;
  moments(xp, inner, eps, &m, &is);
  const float s = scale[p % C], b = bias[p % C];
  for (int i = 0; i < inner; i++) y[p * inner + i] = cliq_norm_apply(xp[i], m, is, s, b);
}

/* sb_n: 1 (scalar scale/bias) or n; has_bias / want_stats: optional input and outputs */
__kernel void layer_norm_f32(__global const float *x, __global const float *scale, __global const float *bias,
                             __global float *y, __global float *mean, __global float *inv_std, const int rows, const int n,
                             const int sb_n, const int has_bias, const int want_mean, const int want_inv_std,
                             const float eps) {
  const int r = get_global_id(0);
  if (r >= rows) return;
  __global const float *xr = x + r * n;
  float m, is;
  moments(xr, n, eps, &m, &is);
  for (int i = 0; i < n; i++) {
    const int k = sb_n == 1 ? 0 : i;
    y[r * n + i] = cliq_norm_apply(xr[i], m, is, scale[k], has_bias ? bias[k] : 0.0f);
  }
  if (want_mean) mean[r] = m;
  if (want_inv_std) inv_std[r] = is;
}
