/*
 * binary_q8.cl — cliq's int8 QAdd and QMul (host/ops/qbinary.c), bit-identical to
 * host/ref/binary_q8.c: cliq_q8_add / cliq_q8_mul of cliq_requant.h per element.
 *
 * Two shapes of work: SAME (both inputs have the output's shape: plain runs of VEC elements per
 * work-item) and broadcast (dim 1 walks output rows of `inner` elements, dim 0 VEC elements of a
 * row; a row's input offsets come from an odometer over the outer dims, strides from the host,
 * and the innermost dim moves by a_step/b_step, 0 for a broadcast input).
 */
#include "cliq_requant.h"
#include "q8_vec.h"

#ifndef VEC
#define VEC 16 /* elements per work-item */
#endif
#ifndef IS_MUL
#define IS_MUL 0 /* 1: QMul, 0: QAdd */
#endif

inline char q8_binary(int a, int b, int za, int zb, int ma, int sha, int mb, int shb, int my, int shy, int zy, int lo, int hi) {
#if IS_MUL
  return (char)cliq_q8_mul(a, za, b, zb, my, shy, zy, lo, hi);
#else
  return (char)cliq_q8_add(a, za, ma, sha, b, zb, mb, shb, my, shy, zy, lo, hi);
#endif
}

/* 16 outputs at once through the vector twins of cliq_requant.h (test_requant checks them
 * against the scalar functions): ~10x the per-element loop on PoCL, where QAdd was the largest
 * int8 cost of FPN-style models after the convolutions. */
inline int16 q8_binary16(int16 a, int16 b, int za, int zb, int ma, int sha, int mb, int shb, int my, int shy, int zy,
                         int lo, int hi) {
#if IS_MUL
  return cliq_requant16_1((a - za) * (b - zb), my, shy, zy, lo, hi);
#else
  return cliq_q8_add16(a, za, ma, sha, b, zb, mb, shb, my, shy, zy, lo, hi);
#endif
}

__kernel void binary_q8_same(__global const char *a, __global const char *b, __global char *y, const int n,
                             const int za, const int zb, const int ma, const int sha, const int mb, const int shb,
                             const int my, const int shy, const int zy, const int lo, const int hi) {
  const int k0 = get_global_id(0) * VEC;
  if (k0 >= n) return;
  const int end = min(k0 + VEC, n);
  if (VEC == 16 && end - k0 == 16) {
    Q8_STORE_CHAR16(convert_char16(q8_binary16(convert_int16(vload16(0, a + k0)), convert_int16(vload16(0, b + k0)), za,
                                               zb, ma, sha, mb, shb, my, shy, zy, lo, hi)),
                    y + k0);
    return;
  }
  for (int k = k0; k < end; k++) y[k] = q8_binary(a[k], b[k], za, zb, ma, sha, mb, shb, my, shy, zy, lo, hi);
}

/* shape: `rank_outer` outer output dims, then for each of them (dim, a_stride, b_stride) in int3
 * triples; the innermost output dim has `inner` elements and input steps a_step, b_step. */
__kernel void binary_q8_bcast(__global const char *a, __global const char *b, __global char *y,
                              __global const int *shape, const int rank_outer, const int rows, const int inner,
                              const int a_step, const int b_step, const int za, const int zb, const int ma,
                              const int sha, const int mb, const int shb, const int my, const int shy, const int zy,
                              const int lo, const int hi) {
  const int r = get_global_id(1);
  const int k0 = get_global_id(0) * VEC;
  if (r >= rows || k0 >= inner) return;
  long ao = 0, bo = 0;
  int rem = r;
  for (int d = rank_outer - 1; d >= 0; d--) {
    const int dim = shape[3 * d];
    const int i = rem % dim;
    rem /= dim;
    ao += (long)i * shape[3 * d + 1];
    bo += (long)i * shape[3 * d + 2];
  }
  const int end = min(k0 + VEC, inner);
  __global char *yr = y + (long)r * inner;
  if (VEC == 16 && end - k0 == 16 && (a_step == 0 || a_step == 1) && (b_step == 0 || b_step == 1)) {
    /* contiguous runs or broadcast values */
    const int16 va = a_step ? convert_int16(vload16(0, a + ao + k0)) : (int16)a[ao];
    const int16 vb = b_step ? convert_int16(vload16(0, b + bo + k0)) : (int16)b[bo];
    Q8_STORE_CHAR16(convert_char16(q8_binary16(va, vb, za, zb, ma, sha, mb, shb, my, shy, zy, lo, hi)), yr + k0);
    return;
  }
  for (int k = k0; k < end; k++)
    yr[k] = q8_binary(a[ao + (long)k * a_step], b[bo + (long)k * b_step], za, zb, ma, sha, mb, shb, my, shy, zy, lo, hi);
}
