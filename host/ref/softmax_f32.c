/*
 * softmax_f32.c — C reference of Softmax and LogSoftmax over one axis of a tensor viewed as
 * [outer, d, inner] (formula in cl_kernels/norm_op.h, shared with cl_kernels/softmax_f32.cl,
 * which sums in the same order).
 */
#include "ref.h"

#include "cliq_common.h"
#include "norm_op.h"

void cliq__ref_softmax_f32(int log_softmax, const float *x, size_t outer, size_t d, size_t inner, float *y) {
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      const float *xr = x + o * d * inner + i;
      float *yr = y + o * d * inner + i;
      float m = -INFINITY, s = 0.0f;
      for (size_t k = 0; k < d; k++)
        if (xr[k * inner] > m) m = xr[k * inner];
      for (size_t k = 0; k < d; k++) { /* e_i kept in y */
        float e = cliq_softmax_exp(xr[k * inner], m);
        yr[k * inner] = e;
        s += e;
      }
      for (size_t k = 0; k < d; k++)
        yr[k * inner] = cliq_softmax_final(log_softmax, xr[k * inner], yr[k * inner], m, s);
    }
}
