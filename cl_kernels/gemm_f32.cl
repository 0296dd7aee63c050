/*
 * gemm_f32.cl — the register-blocked float GEMM behind Conv, ConvTranspose, Gemm and MatMul.
 *
 *   Y(r, c) = act(alpha * sum_k A(r, k) * B(k, c) + beta * bias(r, c))
 *
 * Both operands arrive packed (im2col_f32.cl on the device, host/ops/gemm_plan.c on the host for
 * constant weights): A as row panels [z][ceil(M/MR)][K][MR], B as column panels
 * [z][ceil(N/NR)][K][NR], zero-padded past M and N, so the K loop reads both contiguously. Each
 * work-item computes an MR x NR block: per k it loads NR/16 float16 vectors of B and broadcasts MR
 * scalars of A into MR x NR/16 float16 accumulators (8 x 2 = 16 AVX-512 registers on PoCL). This
 * is the shape shared/notes/pocl-performance.md measured at 120-220 GFLOP/s on 2 cores (lessons 2,
 * 4, 5): explicit wide vectors, an outer product in registers, packed panels, work-groups of 1 x
 * GEMM_WG_M along M that share one B panel.
 *
 * The epilogue writes any layout: row r and column c map to the output offset
 *   y_off + z * y_z + (r / r_pi) * r_img + (r % r_pi) * r_s + (c / c_pi) * c_img + (c % c_pi) * c_s
 * so a conv writes NCHW directly (rows = output channels, columns = (image, pixel)), a swapped conv
 * (rows = pixels) and MatMul/Gemm (plain row-major, possibly transposed) use the same kernel.
 * Bias (Conv bias, Gemm C, MatMul bias) is read at z * bias_z + r * bias_r + c * bias_c; zero
 * strides broadcast. fma() is exact fused multiply-add (not fast-math); results differ from the C
 * reference's separate multiply and add by rounding only.
 *
 * Range: dim 0 = column panel, dim 1 = row block, dim 2 = z (group or batch); local size
 * (1, GEMM_WG_M, 1). Work-items past the edge return (no barriers here). A launch may cover the
 * columns [c_begin, N) only (B packed from column c_begin: large batches are split by image).
 */
#include "act_vec.h"

#ifndef MR
#define MR 8 /* rows per work-item: 8 x 2 float16 accumulators fill half of AVX-512's 32 registers */
#endif
#ifndef NR
#define NR 32 /* columns per work-item = width of a packed B panel; a multiple of 16 */
#endif
#define NV (NR / 16)

__kernel void gemm_f32(__global const float *restrict Ap, __global const float *restrict Bp, __global float *restrict Y,
                       __global const float *restrict bias, const int M, const int N, const int c_begin, const int K, const int a_z,
                       const int b_z, const int y_off, const int y_z, const int r_pi, const int r_img, const int r_s,
                       const int c_pi, const int c_img, const int c_s, const int has_bias, const int bias_z,
                       const int bias_r, const int bias_c, const float alpha, const float beta, const int act,
                       const float act_a, const float act_b) {
  const int cb = get_global_id(0), rb = get_global_id(1), z = get_global_id(2);
  const int r0 = rb * MR, c0 = c_begin + cb * NR;
  if (r0 >= M || c0 >= N) return;
  const __global float *a = Ap + (size_t)z * a_z + (size_t)rb * K * MR;
  const __global float *b = Bp + (size_t)z * b_z + (size_t)cb * K * NR;

  float16 acc[MR][NV];
#pragma unroll
  for (int i = 0; i < MR; i++)
#pragma unroll
    for (int v = 0; v < NV; v++) acc[i][v] = (float16)(0.0f);

  for (int k = 0; k < K; k++) {
    float16 bv[NV];
#pragma unroll
    for (int v = 0; v < NV; v++) bv[v] = vload16(v, b);
#pragma unroll
    for (int i = 0; i < MR; i++) {
      const float16 ai = (float16)(a[i]);
#pragma unroll
      for (int v = 0; v < NV; v++) acc[i][v] = fma(ai, bv[v], acc[i][v]);
    }
    a += MR;
    b += NR;
  }

  /* epilogue: alpha, bias, activation, scattered store, on whole float16 vectors where the layout
   * allows (a scalar epilogue costs more than the K loop of a small-K layer). Offsets step
   * incrementally: no integer division per element. */
  __global float *y = Y + y_off + (size_t)z * y_z;
  const __global float *bz = bias + (size_t)z * bias_z;
  const int cq0 = c0 % c_pi, cbase = (c0 / c_pi) * c_img + cq0 * c_s;
  /* the NR columns are one contiguous run of the output when they stay in one "image" */
  const bool contiguous = c_s == 1 && c0 + NR <= N && cq0 + NR <= c_pi;
  int rq = r0 % r_pi, roff = (r0 / r_pi) * r_img + rq * r_s;
#pragma unroll
  for (int i = 0; i < MR; i++) {
    const int r = r0 + i;
    if (r >= M) break;
    const float rbias = has_bias && bias_c == 0 ? beta * bz[r * bias_r] : 0.0f;
#pragma unroll
    for (int v = 0; v < NV; v++) {
      float16 x = alpha * acc[i][v];
      if (has_bias) {
        if (bias_c == 0) {
          x += rbias;
        } else {
          float t[16];
          for (int j = 0; j < 16; j++) {
            const int c = c0 + v * 16 + j;
            t[j] = c < N ? beta * bz[r * bias_r + c * bias_c] : 0.0f;
          }
          x += vload16(0, t);
        }
      }
      x = cliq_act16(x, act, act_a, act_b);
      if (contiguous) {
        vstore16(x, 0, y + roff + cbase + v * 16);
      } else {
        float t[16];
        vstore16(x, 0, t);
        int cq = cq0 + v * 16, coff = cbase + v * 16 * c_s;
        if (cq >= c_pi) { /* restart the walk at this vector's first column */
          const int c = c0 + v * 16;
          cq = c % c_pi;
          coff = (c / c_pi) * c_img + cq * c_s;
        }
        for (int j = 0; j < 16 && c0 + v * 16 + j < N; j++) {
          y[roff + coff] = t[j];
          if (++cq == c_pi) {
            cq = 0;
            coff += c_img - (c_pi - 1) * c_s;
          } else {
            coff += c_s;
          }
        }
      }
    }
    if (++rq == r_pi) {
      rq = 0;
      roff += r_img - (r_pi - 1) * r_s;
    } else {
      roff += r_s;
    }
  }
}

/* The epilogue alone, for the CLBlast path: T holds alpha * A * B as plain row-major matrices
 * T[z * t_z + r * t_r + c]; adds the bias, applies the activation and stores with the same mapping
 * as gemm_f32. T (from t_off) may be Y itself when the mapping is the identity (then each element is read and
 * written by the same work-item). Range (N, M, Z), one element per work-item. */
__kernel void gemm_epilogue_f32(__global const float *T, __global float *Y, __global const float *restrict bias,
                                const int M, const int N, const int t_off, const int t_z, const int t_r, const int y_off,
                                const int y_z,
                                const int r_pi, const int r_img, const int r_s, const int c_pi, const int c_img,
                                const int c_s, const int has_bias, const int bias_z, const int bias_r, const int bias_c,
                                const float beta, const int act, const float act_a, const float act_b) {
  const int c = get_global_id(0), r = get_global_id(1), z = get_global_id(2);
  if (c >= N || r >= M) return;
  float x = T[t_off + (size_t)z * t_z + (size_t)r * t_r + c];
  if (has_bias) x += beta * bias[(size_t)z * bias_z + (size_t)r * bias_r + (size_t)c * bias_c];
  Y[y_off + (size_t)z * y_z + (size_t)(r / r_pi) * r_img + (size_t)(r % r_pi) * r_s + (size_t)(c / c_pi) * c_img +
    (size_t)(c % c_pi) * c_s] = cliq_act(act, x, act_a, act_b);
}
