/*
 * gemm_plan.h — planning one float GEMM on the device: the machinery shared by Conv,
 * ConvTranspose, Gemm and MatMul (host/ops/conv.c, conv_transpose.c, gemm.c).
 *
 * An op describes its product as
 *   Y(r, c) = act(alpha * sum_k A(r, k) * B(k, c) + beta * bias(r, c)),  r < M, c < N, k < K,
 * repeated over Z batches/groups, and says where operands come from and where Y goes.
 * cliq__plan_gemm then chooses the kernel variant for the device (host/cl/variants.h), the
 * orientation (operands are swapped when that pads less: a 7x7 layer or a fully connected one
 * must not pad its small side up to a 32-wide panel, shared/notes lesson 5), packs constant
 * operands once on the host, emits the device packing (im2col) and the GEMM launches, and splits
 * the columns (images x pixels) into slices of whole panels so the packed scratch stays bounded.
 *
 * Operands are described element-wise as (i, k): for A, i is the row r; for B, i is the column c.
 *   strided: element (i, k) of batch z is value[off + zoff(z) + (i / i_pi) * i_img + (i % i_pi) * i_s + k * k_s]
 *            (i_pi splits i into (image, position) for conv pixels; i_pi >= the i count: no split)
 *   im2col:  conv != NULL: i = output pixel (image, oh, ow), k = (c, kh, kw) of a 1-D/2-D conv's
 *            input, z = group; zero in the padding.
 * Output: Y(r, c) of batch z goes to y[y_off + z*y_z + (r / r_pi)*r_img + (r % r_pi)*r_s + (c / c_pi)*c_img + (c % c_pi)*c_s].
 * Bias: bias[z*bias_z + r*bias_r + c*bias_c] (zero strides broadcast), scaled by beta.
 */
#ifndef CLIQ_GEMM_PLAN_H
#define CLIQ_GEMM_PLAN_H

#include "../planner.h"
#include "../ref/conv_geom.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct cliq__gemm_operand {
  int value;                   /* graph value (constant or computed) */
  const cliq__conv_geom *conv; /* im2col of this conv's input; NULL: strided */
  int64_t off;
  int64_t i_pi, i_img, i_s, k_s;
  const int64_t *zoff; /* Z offsets (copied by the planner); NULL: z * z_s */
  int64_t z_s;
} cliq__gemm_operand;

typedef struct cliq__gemm_desc {
  int64_t M, N, K, Z;
  cliq__gemm_operand a, b;
  int y;         /* output value, or */
  int y_scratch; /* >= 0: a scratch buffer of the node instead (ConvTranspose's columns) */
  int64_t y_off, y_z, r_pi, r_img, r_s, c_pi, c_img, c_s;
  int bias; /* value id, -1: none */
  int64_t bias_z, bias_r, bias_c;
  float alpha, beta;
  int act;
  float act_a, act_b;
} cliq__gemm_desc;

/* No split (i_pi, r_pi, c_pi) is written as this. */
#define CLIQ__GEMM_NO_SPLIT ((int64_t)1 << 40)

/* Defaults: alpha = beta = 1, no bias, no activation, no image splits, zero strides. */
void cliq__gemm_desc_init(cliq__gemm_desc *d);

/* Emits the launches of the GEMM for node `node` (errors are the planner's sticky errors). */
cliq_status cliq__plan_gemm(cliq__planner *p, int node, const cliq__gemm_desc *d);

/* Reads the node's fused activation (attributes cliq.act, cliq.act_a, cliq.act_b; none: 0). */
void cliq__node_fused_act(const cliq__node *n, int *act, float *a, float *b);

#endif /* CLIQ_GEMM_PLAN_H */
