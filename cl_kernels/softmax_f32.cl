/*
 * softmax_f32.cl — Softmax and LogSoftmax over one axis of a tensor viewed as [outer, d, inner]
 * (opset < 13 coerces to 2-D, which is inner = 1). Formula: norm_op.h; C reference:
 * host/ref/softmax_f32.c, which visits elements in the same order.
 *   softmax_rows: inner == 1, each work-item owns one contiguous row (ultraface's [1,4420,2]
 *                 scores on the last axis: 4420 rows of 2);
 *   softmax_cols: inner > 1, each work-item owns VEC neighbouring columns of one outer index and
 *                 walks d with stride inner, so neighbouring work-items read neighbouring floats.
 * LOG=1 builds LogSoftmax.
 */
#include "norm_op.h"

#ifndef LOG
#define LOG 0
#endif
#ifndef VEC
#define VEC 8
#endif

__kernel void softmax_rows(__global const float *x, __global float *y, const int rows, const int d) {
  const int r = get_global_id(0);
  if (r >= rows) return;
  __global const float *xr = x + r * d;
  __global float *yr = y + r * d;
  float m = -INFINITY, s = 0.0f;
  for (int k = 0; k < d; k++) m = xr[k] > m ? xr[k] : m;
  for (int k = 0; k < d; k++) { /* e_i kept in y */
    const float e = cliq_softmax_exp(xr[k], m);
    yr[k] = e;
    s += e;
  }
  for (int k = 0; k < d; k++) yr[k] = cliq_softmax_final(LOG, xr[k], yr[k], m, s);
}

__kernel void softmax_cols(__global const float *x, __global float *y, const int outer, const int d, const int inner) {
  const int g0 = (inner + VEC - 1) / VEC, gid = get_global_id(0);
  if (gid >= g0 * outer) return;
  const int i0 = (gid % g0) * VEC, o = gid / g0;
  const int n = min(VEC, inner - i0);
  const int base = o * d * inner + i0;
  float m[VEC], s[VEC];
  for (int j = 0; j < VEC; j++) m[j] = -INFINITY, s[j] = 0.0f;
  for (int k = 0; k < d; k++)
    for (int j = 0; j < n; j++) {
      const float v = x[base + k * inner + j];
      m[j] = v > m[j] ? v : m[j];
    }
  for (int k = 0; k < d; k++)
    for (int j = 0; j < n; j++) {
      const int i = base + k * inner + j;
      const float e = cliq_softmax_exp(x[i], m[j]);
      y[i] = e;
      s[j] += e;
    }
  for (int k = 0; k < d; k++)
    for (int j = 0; j < n; j++) {
      const int i = base + k * inner + j;
      y[i] = cliq_softmax_final(LOG, x[i], y[i], m[j], s[j]);
    }
}
