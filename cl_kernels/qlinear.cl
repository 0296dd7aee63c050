/*
 * qlinear.cl — ONNX ConvInteger, MatMulInteger, QLinearConv and QLinearMatMul: simple direct
 * kernels (one output element per work-item), exact like host/ref/qlinear.c. Scales and zero
 * points come from buffers (they may be runtime tensors, as in the ONNX node tests), so the
 * QLinear multiplier x_scale * w_scale / y_scale is computed here with correctly rounded float32
 * operations (CLIQ_DIV, cliq_exact.h) and the float64 requantization of the ONNX reference is
 * emulated exactly with integers (cliq_qlinear_requant). Int8 models take the fast QConv/QGemm
 * path through QDQ lowering; these kernels are for models that use the ONNX integer ops.
 */
#pragma OPENCL FP_CONTRACT OFF
#include "cliq_exact.h"

#ifndef XT
#define XT uchar /* x / A element type: char or uchar */
#endif
#ifndef WT
#define WT uchar /* w / B element type */
#endif
#ifndef YT
#define YT uchar /* QLinear output type */
#endif
#ifndef QLINEAR
#define QLINEAR 0 /* 0: int32 accumulator output (ConvInteger/MatMulInteger); 1: requantized YT */
#endif

#if QLINEAR
#define OUT_T YT
#else
#define OUT_T int
#endif

/* The epilogue shared by both ops: int32 out, or requantized with m = (sx * sw) / sy. */
inline OUT_T qlinear_out(int acc, float sx, float sw, float sy, int zy, int lo, int hi) {
#if QLINEAR
  float m = CLIQ_DIV(sx * sw, sy);
  return (OUT_T)cliq_qlinear_requant(acc, m, zy, lo, hi);
#else
  return acc;
#endif
}

/* x [N,C,in0,in1,in2], w [M,C/G,k0,k1,k2], y [N,M,o0,o1,o2]. n_wzp / n_ws: 1 (per tensor) or M.
 * flags: bit 0 x_zp given, bit 1 w_zp given, bit 2 bias given. */
__kernel void conv_integer(__global const XT *x, __global const WT *w, __global const XT *x_zp,
                           __global const WT *w_zp, __global const int *bias, __global const float *x_scale,
                           __global const float *w_scale, __global const float *y_scale, __global const YT *y_zp,
                           __global OUT_T *y, const int flags, const int n_wzp, const int n_ws, const int total,
                           const int C, const int M, const int G, const int in0, const int in1, const int in2,
                           const int k0, const int k1, const int k2, const int o0, const int o1, const int o2,
                           const int s0, const int s1, const int s2, const int d0, const int d1, const int d2,
                           const int p0, const int p1, const int p2, const int lo, const int hi) {
  const int gid = get_global_id(0);
  if (gid >= total) return;
  int r = gid;
  const int q2 = r % o2;
  r /= o2;
  const int q1 = r % o1;
  r /= o1;
  const int q0 = r % o0;
  r /= o0;
  const int oc = r % M;
  const int b = r / M;
  const int cg = C / G, g = oc / (M / G);
  const int zx = (flags & 1) ? (int)x_zp[0] : 0;
  const int zw = (flags & 2) ? (int)w_zp[n_wzp == 1 ? 0 : oc] : 0;
  uint s = (flags & 4) ? (uint)bias[oc] : 0u; /* uint: wraps like the reference */
  const int in_sz = in0 * in1 * in2, k_sz = k0 * k1 * k2;
  for (int ic = 0; ic < cg; ic++) {
    __global const XT *xp = x + (long)(b * C + g * cg + ic) * in_sz;
    __global const WT *wp = w + (long)(oc * cg + ic) * k_sz;
    for (int a0 = 0; a0 < k0; a0++) {
      const int i0 = q0 * s0 - p0 + a0 * d0;
      if (i0 < 0 || i0 >= in0) continue;
      for (int a1 = 0; a1 < k1; a1++) {
        const int i1 = q1 * s1 - p1 + a1 * d1;
        if (i1 < 0 || i1 >= in1) continue;
        for (int a2 = 0; a2 < k2; a2++) {
          const int i2 = q2 * s2 - p2 + a2 * d2;
          if (i2 < 0 || i2 >= in2) continue;
          const int xv = (int)xp[(i0 * in1 + i1) * in2 + i2] - zx;
          const int wv = (int)wp[(a0 * k1 + a1) * k2 + a2] - zw;
          s += (uint)xv * (uint)wv;
        }
      }
    }
  }
#if QLINEAR
  y[gid] = qlinear_out((int)s, x_scale[0], w_scale[n_ws == 1 ? 0 : oc], y_scale[0], (int)y_zp[0], lo, hi);
#else
  y[gid] = (int)s;
#endif
}

/* y[t, i, j] = sum_q (a[t, i, q] - za) * (b[t, q, j] - zb); a_off/b_off: element offset of batch t's
 * matrices (batch broadcasting done by the host). n_az/n_as: 1 or M (per row of A); n_bz/n_bs: 1
 * or N (per column of B). flags: bit 0 a_zp given, bit 1 b_zp given. */
__kernel void matmul_integer(__global const XT *a, __global const WT *b, __global const XT *a_zp,
                             __global const WT *b_zp, __global const float *a_scale, __global const float *b_scale,
                             __global const float *y_scale, __global const YT *y_zp, __global OUT_T *y,
                             __global const int *a_off, __global const int *b_off, const int flags, const int n_az,
                             const int n_bz, const int n_as, const int n_bs, const int batch, const int M,
                             const int K, const int N, const int lo, const int hi) {
  const int gid = get_global_id(0);
  if (gid >= batch * M * N) return;
  const int j = gid % N, i = (gid / N) % M, t = gid / (M * N);
  const int za = (flags & 1) ? (int)a_zp[n_az == 1 ? 0 : i] : 0;
  const int zb = (flags & 2) ? (int)b_zp[n_bz == 1 ? 0 : j] : 0;
  __global const XT *ap = a + a_off[t] + (long)i * K;
  __global const WT *bp = b + b_off[t] + j;
  uint s = 0u;
  for (int q = 0; q < K; q++) s += (uint)((int)ap[q] - za) * (uint)((int)bp[(long)q * N] - zb);
#if QLINEAR
  y[gid] = qlinear_out((int)s, a_scale[n_as == 1 ? 0 : i], b_scale[n_bs == 1 ? 0 : j], y_scale[0], (int)y_zp[0], lo, hi);
#else
  y[gid] = (int)s;
#endif
}
