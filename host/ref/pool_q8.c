/*
 * pool_q8.c — C reference of cliq's int8 QAvgPool and QGlobalAvgPool (host/ops/qpool.c,
 * cl_kernels/pool_q8.cl).
 *
 * Rounding: the window sum S = sum (x - zx) is exact in int32; the average rescaled to the output
 * is S * s_x / (count * s_y), rounded once, half to even, by cliq_requant with the Q31 multiplier
 * of s_x / (count * s_y) (one per possible count, computed on the host in double). So the result
 * is round_half_even(S * M * 2^-n) + zy: the exact average, up to the multiplier's 2^-31 relative
 * precision, with the same rounding rule as QuantizeLinear and every other requantization.
 */
#include "ref.h"

#include "cliq_requant.h"

#include <stdbool.h>

void cliq__ref_avgpool_q8(const int8_t *x, int8_t *y, size_t planes, const cliq__win *win, int count_include_pad, int32_t zx,
                          const int32_t *mult, const int32_t *shift, int32_t zy, int lo, int hi) {
  const int64_t in_sz = win->in[0] * win->in[1] * win->in[2];
  size_t yi = 0;
  for (size_t pl = 0; pl < planes; pl++) {
    const int8_t *xp = x + pl * (size_t)in_sz;
    for (int64_t o0 = 0; o0 < win->out[0]; o0++)
      for (int64_t o1 = 0; o1 < win->out[1]; o1++)
        for (int64_t o2 = 0; o2 < win->out[2]; o2++, yi++) {
          int32_t sum = 0, count = 0;
          const int64_t o[3] = {o0, o1, o2};
          for (int64_t k0 = 0; k0 < win->k[0]; k0++) {
            int64_t i0 = o[0] * win->stride[0] - win->pad[0] + k0 * win->dil[0];
            if (i0 < -win->pad[0] || i0 >= win->in[0] + win->pad_end[0]) continue; /* past the padded input */
            for (int64_t k1 = 0; k1 < win->k[1]; k1++) {
              int64_t i1 = o[1] * win->stride[1] - win->pad[1] + k1 * win->dil[1];
              if (i1 < -win->pad[1] || i1 >= win->in[1] + win->pad_end[1]) continue;
              for (int64_t k2 = 0; k2 < win->k[2]; k2++) {
                int64_t i2 = o[2] * win->stride[2] - win->pad[2] + k2 * win->dil[2];
                if (i2 < -win->pad[2] || i2 >= win->in[2] + win->pad_end[2]) continue;
                bool inside = i0 >= 0 && i0 < win->in[0] && i1 >= 0 && i1 < win->in[1] && i2 >= 0 && i2 < win->in[2];
                if (inside) sum += xp[(i0 * win->in[1] + i1) * win->in[2] + i2] - zx;
                if (inside || count_include_pad) count++;
              }
            }
          }
          y[yi] = (int8_t)(count ? cliq_requant(sum, mult[count], shift[count], zy, lo, hi) : (zy < lo ? lo : zy > hi ? hi : zy));
        }
  }
}
