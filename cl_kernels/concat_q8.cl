/*
 * concat_q8.cl — cliq's int8 QConcat (host/ops/qconcat.c), bit-identical to host/ref/concat_q8.c:
 * one launch per requantized input writes its slab x [outer, inner_x] into columns
 * [offset, offset + inner_x) of y [outer, inner_y], requantized to the output's zero point and
 * scale (cliq_requant); inputs that need no requantization are copied by strided_copy.cl.
 * Dim 1 walks the outer rows, dim 0 VEC bytes of a row.
 */
#include "cliq_requant.h"

#ifndef VEC
#define VEC 16 /* bytes per work-item */
#endif

__kernel void concat_q8(__global const char *x, __global char *y, const int outer, const int inner_x, const int inner_y,
                        const int offset, const int zx, const int mult, const int shift, const int zy) {
  const int r = get_global_id(1);
  const int k0 = get_global_id(0) * VEC;
  if (r >= outer || k0 >= inner_x) return;
  __global const char *src = x + (long)r * inner_x;
  __global char *dst = y + (long)r * inner_y + offset;
  const int end = min(k0 + VEC, inner_x);
  for (int k = k0; k < end; k++) dst[k] = (char)cliq_requant(src[k] - zx, mult, shift, zy, -128, 127);
}
