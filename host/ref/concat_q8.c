/*
 * concat_q8.c — C reference of cliq's int8 QConcat (host/ops/qconcat.c, cl_kernels/concat_q8.cl):
 * each input is written into its slab of the output, requantized to the output's scale and zero
 * point (cliq_requant of x - zx), or copied when it already has them.
 */
#include "ref.h"

#include "cliq_requant.h"

#include <string.h>

void cliq__ref_concat_q8(const int8_t *x, int8_t *y, size_t outer, size_t inner_x, size_t inner_y, size_t offset, int32_t zx,
                         int32_t mult, int32_t shift, int32_t zy) {
  for (size_t o = 0; o < outer; o++) {
    const int8_t *src = x + o * inner_x;
    int8_t *dst = y + o * inner_y + offset;
    if (mult == 0) {
      memcpy(dst, src, inner_x);
      continue;
    }
    for (size_t i = 0; i < inner_x; i++) dst[i] = (int8_t)cliq_requant(src[i] - zx, mult, shift, zy, -128, 127);
  }
}
