/*
 * q8.h — what the int8 conv/gemm references (conv_q8.c, gemm_q8.c) and the ops that plan them
 * (host/ops/qconv.c, qgemm.c) share: the convolution geometry and the exact output stage.
 *
 * Accumulator (ONNX ConvInteger/MatMulInteger, then QLinearConv's requantization):
 *   acc[c, p] = bias[c] + sum_k (x[k, p] - z_x) * (w[c, k] - z_w[c])        (int32, wrapping)
 * Padded taps hold z_x, so they add nothing. The output stage is cliq_requant (no residual) or
 * cliq_q8_residual (a fused residual add), from cl_kernels/cliq_requant.h, with per-channel
 * multipliers. Kernels fold the zero points differently (host/ops/q8_layer.c) and must land on the
 * same int32, bit for bit.
 */
#ifndef CLIQ_REF_Q8_H
#define CLIQ_REF_Q8_H

#include "cliq_requant.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A 2-D convolution (1-D convs have H = KH = OH = 1), NCHW activations, weights [M, C/group, KH, KW]. */
typedef struct cliq__qconv_geom {
  int64_t N, C, H, W;     /* input */
  int64_t M, OH, OW;      /* output channels and size */
  int64_t KH, KW;         /* kernel */
  int64_t sh, sw;         /* strides */
  int64_t dh, dw;         /* dilations */
  int64_t pt, pl;         /* top and left pads (bottom/right follow from OH/OW) */
  int64_t group;
} cliq__qconv_geom;

/* The exact output stage of one int8 conv/gemm node. Per-channel arrays have `channels` entries. */
typedef struct cliq__q8_epi {
  size_t channels;
  int32_t *mult, *shift; /* Q31 multiplier and shift of s_x * s_w[c] / s_out (s_out: s_y, or s_c with a residual) */
  int32_t *w_zp;         /* weight zero point per channel (0 for symmetric weights) */
  int32_t x_zp;
  int32_t y_zp, lo, hi;  /* output zero point and clamp (fused ReLU/Clip) */
  /* fused residual: y = add(requant_c(acc), r) with cliq_q8_residual's parameters */
  bool residual;
  int32_t c_zp, c_lo, c_hi;
  int32_t r_zp;
  int32_t add_ma, add_sha, add_mb, add_shb, add_my, add_shy;
} cliq__q8_epi;

/* The output of channel c for accumulator acc (and residual value r when e->residual). */
static inline int cliq__q8_epi_apply(const cliq__q8_epi *e, size_t c, int32_t acc, int r) {
  if (!e->residual) return cliq_requant(acc, e->mult[c], e->shift[c], e->y_zp, e->lo, e->hi);
  return cliq_q8_residual(acc, e->mult[c], e->shift[c], e->c_zp, e->c_lo, e->c_hi, r, e->r_zp, e->add_ma, e->add_sha,
                          e->add_mb, e->add_shb, e->add_my, e->add_shy, e->y_zp, e->lo, e->hi);
}

/* int64 to int32 the way int32 accumulators wrap (two's complement, defined without UB). */
static inline int32_t cliq__wrap_i32(int64_t v) {
  uint32_t u = (uint32_t)(uint64_t)v;
  return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 2147483648u) - INT32_MAX - 1;
}

#endif /* CLIQ_REF_Q8_H */
