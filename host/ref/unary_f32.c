/*
 * unary_f32.c — C reference of the float elementwise activations (formulas in activation.h,
 * shared with cl_kernels/unary_f32.cl).
 */
#include "ref.h"

#include "activation.h"

void cliq__ref_unary_f32(int act, float a, float b, const float *x, float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = cliq_act(act, x[i], a, b);
}
