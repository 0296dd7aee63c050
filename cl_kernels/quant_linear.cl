/*
 * quant_linear.cl — ONNX QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear on the
 * device, bit-identical to host/ref/quant_linear.c.
 *
 * Data is seen as rows of `inner` elements; row r has the parameters of channel r % channels
 * (per-axis quantization: channels = dims[axis], inner = product of the dims after axis; per
 * tensor: one row). Scales and zero points are read from buffers, so they may be computed at run
 * time. Range: dim 0 walks a row VEC elements per work-item, dim 1 the rows.
 *
 * Division by the scale must be correctly rounded: the host builds with
 * -cl-fp32-correctly-rounded-divide-sqrt and -DCLIQ_CR_DIV where the device supports it, else
 * CLIQ_DIV is the exact integer division of cliq_exact.h.
 */
#pragma OPENCL FP_CONTRACT OFF
#include "cliq_exact.h"

#ifndef QT
#define QT char /* the quantized type: char (int8), uchar (uint8) or int (int32, dequantize only) */
#endif
#ifndef VEC
#define VEC 16 /* elements per work-item along a row */
#endif

__kernel void quantize_linear(__global const float *x, __global const float *scale, __global const QT *zp,
                              __global QT *y, const int rows, const int inner, const int channels, const int has_zp,
                              const int lo, const int hi) {
  const int r = get_global_id(1);
  const int k0 = get_global_id(0) * VEC;
  if (r >= rows || k0 >= inner) return;
  const int c = r % channels;
  const float s = scale[c];
  const int z = has_zp ? (int)zp[c] : 0;
  const int end = min(k0 + VEC, inner);
  const long base = (long)r * inner;
  for (int k = k0; k < end; k++) y[base + k] = (QT)cliq_quantize_rn(x[base + k], s, z, lo, hi);
}

__kernel void dequantize_linear(__global const QT *x, __global const float *scale, __global const QT *zp,
                                __global float *y, const int rows, const int inner, const int channels,
                                const int has_zp) {
  const int r = get_global_id(1);
  const int k0 = get_global_id(0) * VEC;
  if (r >= rows || k0 >= inner) return;
  const int c = r % channels;
  const float s = scale[c];
  const long z = has_zp ? (long)zp[c] : 0;
  const int end = min(k0 + VEC, inner);
  const long base = (long)r * inner;
  for (int k = k0; k < end; k++) y[base + k] = convert_float((long)x[base + k] - z) * s;
}

#ifndef DQ_WG
#define DQ_WG 256 /* work-items of the single work-group that reduces min/max */
#endif

/* DynamicQuantizeLinear, step 1: min/max of the whole tensor in one work-group, then the scale
 * and zero point by the ONNX reference's float32 formulas (host/ref/quant_linear.c). */
__kernel void dynamic_quantize_params(__global const float *x, const int n, __global float *y_scale,
                                      __global uchar *y_zp) {
  __local float lmin[DQ_WG], lmax[DQ_WG];
  const int t = get_local_id(0);
  float mn = 0.0f, mx = 0.0f;
  for (int i = t; i < n; i += DQ_WG) {
    float v = x[i];
    mn = v < mn ? v : mn; /* comparisons skip NaN like the reference */
    mx = v > mx ? v : mx;
  }
  lmin[t] = mn;
  lmax[t] = mx;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int w = DQ_WG / 2; w > 0; w >>= 1) {
    if (t < w) {
      lmin[t] = lmin[t + w] < lmin[t] ? lmin[t + w] : lmin[t];
      lmax[t] = lmax[t + w] > lmax[t] ? lmax[t + w] : lmax[t];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (t == 0) {
    mn = lmin[0];
    mx = lmax[0];
    float s = CLIQ_DIV(mx == mn ? 1.0f : mx - mn, 255.0f);
    float izp = 0.0f - CLIQ_DIV(mn, s);
    float zpf = izp < 0.0f ? 0.0f : (izp > 255.0f ? 255.0f : izp);
    y_scale[0] = s;
    y_zp[0] = (uchar)rint(zpf);
  }
}

/* Step 2: quantize with the parameters step 1 wrote. */
__kernel void dynamic_quantize_apply(__global const float *x, const int n, __global const float *y_scale,
                                     __global const uchar *y_zp, __global uchar *y) {
  const int k0 = get_global_id(0) * VEC;
  if (k0 >= n) return;
  const float s = y_scale[0];
  const int z = y_zp[0];
  const int end = min(k0 + VEC, n);
  for (int k = k0; k < end; k++) y[k] = (uchar)cliq_quantize_rn(x[k], s, z, 0, 255);
}

/* Test hook: the soft division and the QLinear requantization alone, so tests can compare them
 * with the C versions on the device for any inputs. */
__kernel void exact_ops_probe(__global const float *a, __global const float *b, __global const int *acc,
                              __global float *div_out, __global int *req_out, const int n, const int zp) {
  const int i = get_global_id(0);
  if (i >= n) return;
  div_out[i] = cliq_div_rn(a[i], b[i]);
  req_out[i] = cliq_qlinear_requant(acc[i], b[i], zp, -128, 127);
}
