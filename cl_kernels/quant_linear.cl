/*
 * quant_linear.cl — ONNX QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear on the
 * device, bit-identical to host/ref/quant_linear.c.
 *
 * Data is seen as rows of `inner` elements; row r has the parameters of channel r % channels
 * (per-axis quantization: channels = dims[axis], inner = product of the dims after axis; per
 * tensor: one row). Scales and zero points are read from buffers, so they may be computed at run
 * time. Range: dim 0 walks a row VEC elements per work-item, dim 1 the rows. Quantize (with the
 * device's correctly rounded division) and int8/uint8 dequantize work 16 lanes at a time, so the
 * input quantization of an int8 model runs at memory speed.
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
#define VEC 16 /* elements per work-item along a row (the host's QUANT_ITEM: 256 on CPUs, 16 on GPUs) */
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define QT16 CAT(QT, 16)

/* 16-lane loads and stores. PoCL 3.1 compiles vload16/vstore16 of char16 into byte accesses; a
 * vector type aligned to its element gives one unaligned vector access (cl_kernels/q8_vec.h). */
#ifdef CLIQ_VENDOR_POCL
typedef float16 ql_float16_u __attribute__((aligned(4)));
typedef QT16 ql_qt16_u __attribute__((aligned(sizeof(QT))));
#define LOAD_F16(p) (*(__global const ql_float16_u *)(p))
#define STORE_F16(v, p) (*(__global ql_float16_u *)(p) = (v))
#define LOAD_Q16(p) (*(__global const ql_qt16_u *)(p))
#define STORE_Q16(v, p) (*(__global ql_qt16_u *)(p) = (v))
#else
#define LOAD_F16(p) vload16(0, (p))
#define STORE_F16(v, p) vstore16((v), 0, (p))
#define LOAD_Q16(p) vload16(0, (p))
#define STORE_Q16(v, p) vstore16((v), 0, (p))
#endif

/* Work-item (k0, r): elements [k0, min(k0 + VEC, inner)) of row r, channel r % channels. */
#define ROW_PROLOGUE                                                                                  \
  const int r = get_global_id(1);                                                                     \
  const int k0 = get_global_id(0) * VEC;                                                              \
  if (r >= rows || k0 >= inner) return;                                                               \
  const int c = r % channels;                                                                         \
  const float s = scale[c];                                                                           \
  const int end = min(k0 + VEC, inner);                                                               \
  const long base = (long)r * inner;

__kernel void quantize_linear(__global const float *x, __global const float *scale, __global const QT *zp,
                              __global QT *y, const int rows, const int inner, const int channels, const int has_zp,
                              const int lo, const int hi) {
  ROW_PROLOGUE
  const int z = has_zp ? (int)zp[c] : 0;
  int k = k0;
#ifdef CLIQ_CR_DIV
  /* 16 at a time: the same steps as cliq_quantize_rn (the division is IEEE's, correctly rounded
   * with this build option), so the results are identical; NaN gives the clamped zero point */
  const float16 zf = (float16)((float)z), lof = (float16)((float)lo), hif = (float16)((float)hi);
  const int16 zc = (int16)(clamp(z, lo, hi));
  for (; k + 16 <= end; k += 16) {
    const float16 d = LOAD_F16(x + base + k) / s;
    /* rint as (d + 2^23) - 2^23 (signed): both additions are exact but the rounding one, so this
     * rounds half to even like rint, which PoCL leaves as a per-lane library call; |d| >= 2^23
     * (or inf, NaN) is kept as it is */
    const float16 t = copysign((float16)(0x1p23f), d), r = (d + t) - t;
    const float16 v = select(d, r, fabs(d) < (float16)(0x1p23f));
    const float16 q = fmin(fmax(v + zf, lof), hif);
    STORE_Q16(CAT(convert_, QT16)(select(convert_int16(q), zc, isnan(d))), y + base + k);
  }
#endif
  for (; k < end; k++) y[base + k] = (QT)cliq_quantize_rn(x[base + k], s, z, lo, hi);
}

__kernel void dequantize_linear(__global const QT *x, __global const float *scale, __global const QT *zp,
                                __global float *y, const int rows, const int inner, const int channels,
                                const int has_zp) {
  ROW_PROLOGUE
  const long z = has_zp ? (long)zp[c] : 0;
  int k = k0;
#ifdef QT_SMALL
  /* int8/uint8: x - z is exact in int and in float, so 16 lanes give the scalar loop's results */
  const int16 zi = (int16)((int)z);
  for (; k + 16 <= end; k += 16) STORE_F16(convert_float16(convert_int16(LOAD_Q16(x + base + k)) - zi) * s, y + base + k);
#endif
  for (; k < end; k++) y[base + k] = convert_float((long)x[base + k] - z) * s;
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
