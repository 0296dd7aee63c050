/*
 * unary_f32.cl — elementwise float activations (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid,
 * HardSwish, Tanh, Exp, SiLU). The formula is cliq_act() from activation.h, shared with the C
 * reference. Each work-item handles VEC consecutive elements.
 */
#include "activation.h"

#ifndef VEC
#define VEC 16 /* elements per work-item: PoCL vectorizes the unrolled loop */
#endif

__kernel void unary_f32(__global const float *x, __global float *y, const int n, const int act, const float a,
                        const float b) {
  const int base = get_global_id(0) * VEC;
  if (base + VEC <= n) {
#pragma unroll
    for (int i = 0; i < VEC; i++) y[base + i] = cliq_act(act, x[base + i], a, b);
  } else {
    for (int i = base; i < n; i++) y[i] = cliq_act(act, x[i], a, b);
  }
}

/* Clip whose min and/or max are runtime scalars (1-element buffers). */
__kernel void clip_f32_bounds(__global const float *x, __global float *y, const int n, __global const float *lo_buf,
                              const int lo_rt, __global const float *hi_buf, const int hi_rt, const float lo_c,
                              const float hi_c) {
  const float lo = lo_rt ? lo_buf[0] : lo_c, hi = hi_rt ? hi_buf[0] : hi_c;
  const int base = get_global_id(0) * VEC;
  const int end = min(base + VEC, n);
  for (int i = base; i < end; i++) y[i] = cliq_act(CLIQ_ACT_CLIP, x[i], lo, hi);
}
