/*
 * cliq_exact.h — float operations emulated exactly with integers, shared by the C reference and
 * the OpenCL kernels of the quantization ops (quant_linear.cl, qlinear.cl), so results are the
 * same bits on every device whatever its float division or fp64 support.
 *
 *   cliq_div_rn(x, y)       x / y correctly rounded (IEEE 754 binary32, round to nearest even).
 *                            OpenCL's `/` may be 2.5 ulp off unless the program is built with
 *                            -cl-fp32-correctly-rounded-divide-sqrt, which a device supports only
 *                            when CL_DEVICE_SINGLE_FP_CONFIG has CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT.
 *                            Kernels use CLIQ_DIV(x, y): `/` when the host built them with that
 *                            option (-DCLIQ_CR_DIV), else this long division on the mantissas.
 *   cliq_quantize_rn(...)   QuantizeLinear in a kernel: same result as cliq_quantize_f32 (C side,
 *                            cliq_requant.h).
 *   cliq_qlinear_requant    ONNX QLinearConv/QLinearMatMul's requantization as the ONNX reference
 *                            implementation computes it (onnx/reference/ops/op_qlinear_conv.py):
 *                            numpy multiplies the int32 accumulator by the float32 multiplier
 *                            m = x_scale * w_scale / y_scale in float64, adds the zero point in
 *                            float64, clips and rounds half to even. Devices may lack fp64, so
 *                            the two float64 roundings are emulated on a 128-bit fixed-point
 *                            value held in two 64-bit integers. host/ref/qlinear.c keeps the
 *                            plain double formula, and tests/test_quant_ops.c checks both agree.
 */
#ifndef CLIQ_EXACT_H
#define CLIQ_EXACT_H

#include "cliq_requant.h"

#ifdef __OPENCL_C_VERSION__
typedef ulong cliq_u64;
typedef uint cliq_u32;
#define CLIQ_F2U(x) as_uint(x)
#define CLIQ_U2F(u) as_float(u)
CLIQ_INLINE int cliq_bitlen64(cliq_u64 v) { return 64 - (int)clz(v); }
#else
#include <stdbool.h>
#include <string.h>
typedef uint64_t cliq_u64;
typedef uint32_t cliq_u32;
static inline cliq_u32 cliq_f2u_(float x) {
  cliq_u32 u;
  memcpy(&u, &x, sizeof u);
  return u;
}
static inline float cliq_u2f_(cliq_u32 u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}
#define CLIQ_F2U(x) cliq_f2u_(x)
#define CLIQ_U2F(u) cliq_u2f_(u)
CLIQ_INLINE int cliq_bitlen64(cliq_u64 v) { return v ? 64 - __builtin_clzll(v) : 0; }
#endif

#define CLIQ_ONE64 ((cliq_u64)1)

/* Mantissa and exponent of a finite nonzero magnitude (sign bit clear): |x| = m * 2^e with
 * m in [2^23, 2^24) (subnormals normalised). */
CLIQ_INLINE cliq_u64 cliq_unpack_f32(cliq_u32 ax, int *e) {
  int be = (int)(ax >> 23);
  cliq_u64 m = ax & 0x7FFFFFu;
  if (be) {
    *e = be - 150;
    return m | 0x800000u;
  }
  int s = 24 - cliq_bitlen64(m); /* subnormal: bring the top bit to position 23 */
  *e = 1 - 150 - s;
  return m << s;
}

/* Correctly rounded x / y (binary32, round to nearest even), specials as IEEE 754. */
CLIQ_INLINE float cliq_div_rn(float x, float y) {
  cliq_u32 ux = CLIQ_F2U(x), uy = CLIQ_F2U(y);
  cliq_u32 sign = (ux ^ uy) & 0x80000000u;
  cliq_u32 ax = ux & 0x7FFFFFFFu, ay = uy & 0x7FFFFFFFu;
  if (ax > 0x7F800000u || ay > 0x7F800000u) return CLIQ_U2F(0x7FC00000u);
  if (ax == 0x7F800000u) return ay == 0x7F800000u ? CLIQ_U2F(0x7FC00000u) : CLIQ_U2F(sign | 0x7F800000u);
  if (ay == 0x7F800000u) return CLIQ_U2F(sign);
  if (ay == 0) return ax == 0 ? CLIQ_U2F(0x7FC00000u) : CLIQ_U2F(sign | 0x7F800000u);
  if (ax == 0) return CLIQ_U2F(sign);
  int ex, ey;
  cliq_u64 mx = cliq_unpack_f32(ax, &ex), my = cliq_unpack_f32(ay, &ey);
  /* mx/my is in (1/2, 2): 26 extra quotient bits leave 2-3 bits below the 24 kept ones, and the
   * remainder is the sticky bit. x/y = (q + rem/my) * 2^e. */
  cliq_u64 num = mx << 26;
  cliq_u64 q = num / my, rem = num - q * my;
  int e = ex - ey - 26;
  int shift = (q >= (CLIQ_ONE64 << 26) ? 27 : 26) - 24;
  if (e + shift < -149) shift = -149 - e; /* subnormal result: the last kept bit is 2^-149 */
  if (shift > 62) shift = 62;             /* q < 2^27: everything is below half, rounds to 0 */
  cliq_u64 kept = q >> shift, r = q & ((CLIQ_ONE64 << shift) - 1), hv = CLIQ_ONE64 << (shift - 1);
  if (r > hv || (r == hv && (rem != 0 || (kept & 1)))) kept++;
  if (kept == 0) return CLIQ_U2F(sign); /* underflow to zero */
  /* The exponent field plus the mantissa: a rounding carry into bit 24 (or from subnormal into the
   * smallest normal) moves into the exponent by itself. */
  cliq_i64 bits = ((cliq_i64)(e + shift + 149) << 23) + (cliq_i64)kept;
  if (bits >= 0x7F800000) return CLIQ_U2F(sign | 0x7F800000u);
  return CLIQ_U2F(sign | (cliq_u32)bits);
}

/* The ONNX reference's QLinear requantization, exactly:
 *   y = clip(rint(fl64(fl64(acc * (double)m) + zp)), lo, hi)
 * for m finite and > 0 (other m give the zero point, clamped). */
CLIQ_INLINE int cliq_qlinear_requant(int acc, float m, int zp, int lo, int hi) {
  int zc = zp < lo ? lo : (zp > hi ? hi : zp);
  cliq_u32 um = CLIQ_F2U(m);
  if (acc == 0 || um == 0 || um >= 0x7F800000u) return zc; /* also rejects negative m (sign bit set) */
  int e;
  cliq_u64 mm = cliq_unpack_f32(um, &e);
  bool neg = acc < 0;
  cliq_u64 p = (cliq_u64)(neg ? -(cliq_i64)acc : (cliq_i64)acc) * mm; /* < 2^55: exact */
  /* d = fl64(p * 2^e): round p to 53 significant bits, half to even */
  int bl = cliq_bitlen64(p);
  if (bl > 53) {
    int k = bl - 53;
    cliq_u64 kept = p >> k, r = p & ((CLIQ_ONE64 << k) - 1), hv = CLIQ_ONE64 << (k - 1);
    if (r > hv || (r == hv && (kept & 1))) kept++;
    p = kept << k;
    bl = cliq_bitlen64(p);
  }
  int lead = bl - 1 + e; /* 2^lead <= |d| < 2^(lead+1) */
  if (lead >= 30) return neg ? lo : hi; /* |d| >= 2^30: saturates whatever zp is (|zp| < 2^16) */
  if (lead < -2) return zc;             /* |d| < 1/4: fl64(d + zp) is within 1/4 of zp */
  /* |d| in [1/4, 2^30): |d| * 2^64 = p * 2^(e+64) < 2^94 as a 128-bit integer (hi, lo). */
  int s = e + 64; /* in [7, 94] since bl <= 56 */
  cliq_u64 th, tl;
  if (s >= 64) {
    th = p << (s - 64);
    tl = 0;
  } else {
    th = p >> (64 - s);
    tl = p << s;
  }
  /* t = d + zp; zp * 2^64 has an empty low word, so only the high word moves (or borrows). */
  bool zneg = zp < 0;
  cliq_u64 za = (cliq_u64)(zneg ? -(cliq_i64)zp : (cliq_i64)zp);
  bool tneg;
  if (neg == zneg) {
    th += za;
    tneg = neg;
  } else if (th > za || (th == za && tl > 0)) {
    th -= za;
    tneg = neg;
  } else {
    th = za - th - (tl ? 1 : 0);
    tl = (cliq_u64)0 - tl;
    tneg = zneg;
  }
  /* fl64(t): round |t| to 53 significant bits; |t| < 2^95 so at most 42 bits go, all in tl */
  bl = th ? 64 + cliq_bitlen64(th) : cliq_bitlen64(tl);
  if (bl > 53) {
    int k = bl - 53;
    cliq_u64 r = tl & ((CLIQ_ONE64 << k) - 1), hv = CLIQ_ONE64 << (k - 1);
    bool up = r > hv || (r == hv && ((tl >> k) & 1));
    tl -= r;
    if (up) {
      cliq_u64 old = tl;
      tl += CLIQ_ONE64 << k;
      if (tl < old) th++;
    }
  }
  /* rint: round half to even at the binary point between th and tl */
  cliq_u64 hv64 = CLIQ_ONE64 << 63;
  cliq_i64 iv = (cliq_i64)th + ((tl > hv64 || (tl == hv64 && (th & 1))) ? 1 : 0);
  if (tneg) iv = -iv;
  return (int)(iv < lo ? lo : (iv > hi ? hi : iv));
}

#ifdef __OPENCL_C_VERSION__
#ifdef CLIQ_CR_DIV
#define CLIQ_DIV(x, y) ((x) / (y))
#else
#define CLIQ_DIV(x, y) cliq_div_rn((x), (y))
#endif

/* QuantizeLinear of one float (round hv to even, saturate; NaN gives the zero point). */
CLIQ_INLINE int cliq_quantize_rn(float x, float scale, int zp, int lo, int hi) {
  float v = rint(CLIQ_DIV(x, scale));
  if (isnan(v)) return zp < lo ? lo : (zp > hi ? hi : zp);
  /* v + zp is exact below 2^24; beyond, it saturates either way */
  float y = v + (float)zp;
  return y < (float)lo ? lo : (y > (float)hi ? hi : (int)y);
}
#endif

#endif /* CLIQ_EXACT_H */
