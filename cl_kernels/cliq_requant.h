/*
 * cliq_requant.h — cliq's int8 numerics, written once and included by both the C reference
 * (host/ref/ *_q8.c) and the OpenCL kernels (cl_kernels/ *_q8.cl), so every device and the
 * reference compute the same bits.
 *
 * Quantization (ONNX QuantizeLinear):      q = clamp(round_half_even(x / s) + z, lo, hi)
 * Dequantization (ONNX DequantizeLinear):  x = (q - z) * s
 * Weights: int8 symmetric per output channel, z = 0, q in [-127, 127].
 * Activations: int8 asymmetric per tensor (uint8 tensors at the model boundary are shifted by 128).
 * Bias: int32 at scale s_in * s_w[c], z = 0: b_q = round_half_even(b / (s_in * s_w[c])).
 *
 * Requantization of an int32 accumulator `acc` to the output scale s_out:
 *   real multiplier  m = s_in * s_w[c] / s_out
 *   fixed point      m ~= M * 2^-(31 + shift), M in [2^30, 2^31) (Q31), n = 31 + shift in [1, 62]
 *   result           y = clamp(round_half_even(acc * M / 2^n) + z_out, lo, hi)
 * acc * M is exact in 64 bits (|acc| < 2^31, M < 2^31), and the rounding of the one division by
 * 2^n is round-half-to-even, the same rule as QuantizeLinear, so requantizing equals quantizing
 * the exact product acc * m' for the representable m' = M * 2^-n. One rounding, one rule.
 * lo/hi carry fused activations: ReLU gives lo = max(-128, z_out), ReLU6 hi = min(127, z_out + 6/s_out).
 */
#ifndef CLIQ_REQUANT_H
#define CLIQ_REQUANT_H

#include "cliq_common.h"

#ifdef __OPENCL_C_VERSION__
typedef long cliq_i64;
#else
typedef int64_t cliq_i64;
#endif

/* round_half_even(v / 2^n) for n in [1, 62], using only shifts (arithmetic shift floors). */
CLIQ_INLINE cliq_i64 cliq_rshift_rne(cliq_i64 v, int n) {
  cliq_i64 q = v >> n;
  cliq_i64 rem = v - q * ((cliq_i64)1 << n); /* in [0, 2^n); multiply: a left shift of a negative is UB in C */
  cliq_i64 halfway = (cliq_i64)1 << (n - 1); /* not "half": a type name in OpenCL C */
  return q + ((rem > halfway) || (rem == halfway && (q & 1)) ? 1 : 0);
}

/* The requantization above, before zero point and clamp. */
CLIQ_INLINE int cliq_requant_raw(int acc, int multiplier, int shift) {
  return (int)cliq_rshift_rne((cliq_i64)acc * (cliq_i64)multiplier, 31 + shift);
}

/* Full requantization: scaled, + zero point, clamped to [lo, hi]. */
CLIQ_INLINE int cliq_requant(int acc, int multiplier, int shift, int zp, int lo, int hi) {
  cliq_i64 y = cliq_rshift_rne((cliq_i64)acc * (cliq_i64)multiplier, 31 + shift) + zp;
  return (int)(y < lo ? lo : (y > hi ? hi : y));
}

/* Adding two int8 tensors of different scales (and int8 Mul's rescale) uses the scheme of
 * TFLite/gemmlowp: both inputs are lifted by 2^CLIQ_ADD_LEFT_SHIFT so the per-input rescale keeps
 * 20 bits of headroom, rescaled to a common scale 2*max(s_a, s_b), summed, then requantized. */
#define CLIQ_ADD_LEFT_SHIFT 20

CLIQ_INLINE int cliq_q8_add(int a, int za, int ma, int sha, int b, int zb, int mb, int shb, int my, int shy, int zy,
                            int lo, int hi) {
  int ra = cliq_requant_raw((a - za) * (1 << CLIQ_ADD_LEFT_SHIFT), ma, sha);
  int rb = cliq_requant_raw((b - zb) * (1 << CLIQ_ADD_LEFT_SHIFT), mb, shb);
  return cliq_requant(ra + rb, my, shy, zy, lo, hi);
}

/* Multiplying two int8 tensors (QMul): the product of the zero-point-free values is exact in
 * int32 (|.| <= 255 * 255) and requantized once with the real multiplier s_a * s_b / s_y, so it
 * is quantizing the exact product (a - za) * s_a * (b - zb) * s_b up to the multiplier's Q31
 * precision (the scheme of TFLite's int8 Mul). */
CLIQ_INLINE int cliq_q8_mul(int a, int za, int b, int zb, int multiplier, int shift, int zy, int lo, int hi) {
  return cliq_requant((a - za) * (b - zb), multiplier, shift, zy, lo, hi);
}

/* An int8 conv/gemm output with a fused residual add, bit-identical to the unfused pair (QConv or
 * QGemm, then QAdd): the accumulator is requantized to the conv's own output (zero point zc, clamp
 * [clo, chi], which carries an activation applied before the add), then added to the residual r
 * exactly as cliq_q8_add (ma/sha rescale the conv term, mb/shb the residual, my/shy the sum). */
CLIQ_INLINE int cliq_q8_residual(int acc, int m, int sh, int zc, int clo, int chi, int r, int zr, int ma, int sha,
                                 int mb, int shb, int my, int shy, int zy, int lo, int hi) {
  int c = cliq_requant(acc, m, sh, zc, clo, chi);
  return cliq_q8_add(c, zc, ma, sha, r, zr, mb, shb, my, shy, zy, lo, hi);
}

#ifdef __OPENCL_C_VERSION__
/* ---- kernel-only vector twins (16 lanes) of the functions above --------------------------------
 * The same results lane by lane (a formula may differ where its vector form is cheaper), for
 * epilogues that finish 16 outputs at once; test_requant checks them bit-exact against the scalar
 * C versions. */
/* round_half_even(v / 2^n) on 64-bit lanes: with q = v >> n (floor) and remainder r,
 * (v + 2^(n-1) - 1 + (q & 1)) >> n is q + 1 exactly when r > 2^(n-1), or r == 2^(n-1) and q is
 * odd (cliq_rshift_rne's rule) in 5 operations and no compares; |v| < 2^62, so no overflow. */
inline long8 cliq_rshift_rne8(long8 v, long8 n) { return (v + ((((long8)1) << (n - 1)) - 1) + ((v >> n) & 1)) >> n; }

/* 16 int32 lanes as their even and odd lanes, sign-extended in place to 64-bit lanes, and back
 * (low halves): multiplying these is two vpmuldq, cheaper than widening 16 lanes to 64 bits
 * and narrowing them again (~40% fewer instructions per requantization). */
#define CLIQ_EVEN8(v) ((as_long8(v) << 32) >> 32)
#define CLIQ_ODD8(v) (as_long8(v) >> 32)
#define CLIQ_MERGE8(e, o) as_int16(((e) & 0xffffffffL) | ((o) << 32))

inline int16 cliq_requant_raw16(int16 acc, int16 m, int16 sh) {
  return CLIQ_MERGE8(cliq_rshift_rne8(CLIQ_EVEN8(acc) * CLIQ_EVEN8(m), CLIQ_EVEN8(sh) + 31),
                     cliq_rshift_rne8(CLIQ_ODD8(acc) * CLIQ_ODD8(m), CLIQ_ODD8(sh) + 31));
}

/* The clamp goes before the zero point (lo - zp and hi - zp are small, the shifted value is not). */
inline int16 cliq_requant16(int16 acc, int16 m, int16 sh, int zp, int lo, int hi) {
  const long8 l = (long8)(lo - zp), h = (long8)(hi - zp);
  return CLIQ_MERGE8(clamp(cliq_rshift_rne8(CLIQ_EVEN8(acc) * CLIQ_EVEN8(m), CLIQ_EVEN8(sh) + 31), l, h),
                     clamp(cliq_rshift_rne8(CLIQ_ODD8(acc) * CLIQ_ODD8(m), CLIQ_ODD8(sh) + 31), l, h)) +
         zp;
}

/* One multiplier and shift for all lanes (channels-on-rows epilogues, adds): uniform shifts and
 * rounding constant. cliq_requant_raw16_1 / cliq_requant16_1 are cliq_requant_raw16 /
 * cliq_requant16 with m and sh the same in every lane. */
#define CLIQ_RNE8_1(v, n, rnd) (((v) + (rnd) + (((v) >> (n)) & 1)) >> (n))

inline int16 cliq_requant_raw16_1(int16 acc, int m, int sh) {
  const int n = 31 + sh;
  const long rnd = (((long)1) << (n - 1)) - 1;
  const long8 ve = CLIQ_EVEN8(acc) * (long)m, vo = CLIQ_ODD8(acc) * (long)m;
  return CLIQ_MERGE8(CLIQ_RNE8_1(ve, n, rnd), CLIQ_RNE8_1(vo, n, rnd));
}

inline int16 cliq_requant16_1(int16 acc, int m, int sh, int zp, int lo, int hi) {
  const int n = 31 + sh;
  const long rnd = (((long)1) << (n - 1)) - 1;
  const long8 ve = CLIQ_EVEN8(acc) * (long)m, vo = CLIQ_ODD8(acc) * (long)m;
  const long8 l = (long8)(lo - zp), h = (long8)(hi - zp);
  return CLIQ_MERGE8(clamp(CLIQ_RNE8_1(ve, n, rnd), l, h), clamp(CLIQ_RNE8_1(vo, n, rnd), l, h)) + zp;
}

inline int16 cliq_q8_add16(int16 a, int za, int ma, int sha, int16 b, int zb, int mb, int shb, int my, int shy,
                           int zy, int lo, int hi) {
  int16 ra = cliq_requant_raw16_1((a - za) * (1 << CLIQ_ADD_LEFT_SHIFT), ma, sha);
  int16 rb = cliq_requant_raw16_1((b - zb) * (1 << CLIQ_ADD_LEFT_SHIFT), mb, shb);
  return cliq_requant16_1(ra + rb, my, shy, zy, lo, hi);
}

inline int16 cliq_q8_residual16(int16 acc, int16 m, int16 sh, int zc, int clo, int chi, int16 r, int zr, int ma,
                                int sha, int mb, int shb, int my, int shy, int zy, int lo, int hi) {
  int16 c = cliq_requant16(acc, m, sh, zc, clo, chi);
  return cliq_q8_add16(c, zc, ma, sha, r, zr, mb, shb, my, shy, zy, lo, hi);
}

/* cliq_q8_residual16 with one channel's multiplier and shift for all lanes */
inline int16 cliq_q8_residual16_1(int16 acc, int m, int sh, int zc, int clo, int chi, int16 r, int zr, int ma, int sha,
                                  int mb, int shb, int my, int shy, int zy, int lo, int hi) {
  int16 c = cliq_requant16_1(acc, m, sh, zc, clo, chi);
  return cliq_q8_add16(c, zc, ma, sha, r, zr, mb, shb, my, shy, zy, lo, hi);
}
#endif

#ifndef __OPENCL_C_VERSION__
/* ---- host-only helpers (C): computing the fixed-point parameters ---------------------------- */
#include <stdbool.h>

/* Splits a positive real multiplier into (M, shift) with m ~= M * 2^-(31+shift), M in [2^30,2^31).
 * Returns false when m is not finite and positive or is >= 2^30 (n would drop below 1).
 * Multipliers so small that n > 62 keep n = 62 and a smaller M (value rounds toward the exact
 * product, error below 2^-62 relative to the accumulator range). */
static inline bool cliq_quantize_multiplier(double m, int32_t *multiplier, int32_t *shift) {
  if (!(m > 0.0) || !(m < 1073741824.0)) return false;
  int e;
  double f = frexp(m, &e); /* m = f * 2^e, f in [0.5, 1) */
  int64_t q = (int64_t)llround(f * 2147483648.0);
  if (q == ((int64_t)1 << 31)) {
    q >>= 1;
    e++;
  }
  int n = 31 - e;
  while (n > 62) {
    q >>= 1;
    n--;
  }
  if (n < 1) return false;
  *multiplier = (int32_t)q;
  *shift = n - 31;
  return true;
}

/* The fixed-point parameters of cliq_q8_add for y = a + b with scales sa, sb, sy (TFLite's add:
 * common scale s = 2*max(sa, sb); inputs rescaled by sa/s and sb/s after the 2^CLIQ_ADD_LEFT_SHIFT
 * lift, the sum by s / (2^CLIQ_ADD_LEFT_SHIFT * sy)). Every int8 add (QAdd, a residual fused into
 * QConv/QGemm) takes its parameters from here, so fused and unfused adds give the same bits.
 * Returns false when a multiplier is out of range (cliq_quantize_multiplier). */
static inline bool cliq_q8_add_params(double sa, double sb, double sy, int32_t *ma, int32_t *sha, int32_t *mb,
                                      int32_t *shb, int32_t *my, int32_t *shy) {
  if (!(sa > 0.0) || !(sb > 0.0) || !(sy > 0.0)) return false;
  double s = 2.0 * (sa > sb ? sa : sb);
  return cliq_quantize_multiplier(sa / s, ma, sha) && cliq_quantize_multiplier(sb / s, mb, shb) &&
         cliq_quantize_multiplier(s / ((double)(1 << CLIQ_ADD_LEFT_SHIFT) * sy), my, shy);
}

/* QuantizeLinear of one float with correctly rounded division (IEEE) and round-half-even
 * (nearbyint in the default rounding mode). */
static inline int cliq_quantize_f32(float x, float scale, int zp, int lo, int hi) {
  float v = nearbyintf(x / scale);
  if (v != v) return zp < lo ? lo : (zp > hi ? hi : zp); /* NaN -> zero point */
  double y = (double)v + zp;
  return (int)(y < lo ? lo : (y > hi ? hi : y));
}
#endif

#endif /* CLIQ_REQUANT_H */
