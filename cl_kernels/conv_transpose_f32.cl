/*
 * conv_transpose_f32.cl — the second half of ConvTranspose on the device: col2im as a gather.
 *
 * The first half is a GEMM (host/ops/conv_transpose.c): per group g, columns of the input pixels
 *   col[g][(m, kh, kw)][n * H * W + ih * W + iw] = sum over the group's input channels c of w[c][m][kh][kw] * x[n][c][ih][iw]
 * (written for 2-D; 3-D adds a depth index the same way, 1-D and 2-D have D = 1).
 * An output pixel then collects every tap that lands on it (ONNX ConvTranspose: input pixel i
 * feeds output o = i * s - pb + k * d):
 *   y[n][g*Mg + m][oh][ow] = act(bias + sum over (kh, kw) with (oh + pb - kh*dh) and (ow + pw - kw*dw)
 *                            divisible by the strides and inside the input of col[g][(m, kh, kw)][n, ih, iw])
 * Gathering writes each output once (no atomics). One output per work-item, 1-D range.
 */
#include "activation.h"

__kernel void col2im_f32(__global const float *restrict col, __global const float *restrict bias,
                         __global float *restrict y, const int N, const int M, const int Mg, const int D, const int H,
                         const int W, const int OD, const int OH, const int OW, const int KD, const int KH, const int KW,
                         const int SD, const int SH, const int SW, const int DD, const int DH, const int DW,
                         const int PD, const int PH, const int PW, const int total, const int has_bias, const int act,
                         const float act_a, const float act_b) {
  const int gid = get_global_id(0);
  if (gid >= total) return;
  const int ow = gid % OW, t1 = gid / OW, oh = t1 % OH, t2 = t1 / OH, od = t2 % OD, t3 = t2 / OD, m = t3 % M, n = t3 / M;
  const int g = m / Mg, mg = m - g * Mg;
  const size_t DHW = (size_t)D * H * W, DHWN = DHW * N;
  const __global float *cg = col + ((size_t)g * Mg + mg) * KD * KH * KW * DHWN + (size_t)n * DHW;
  float acc = 0.0f;
  for (int kd = 0; kd < KD; kd++) {
    const int td = od + PD - kd * DD;
    if (td < 0 || td % SD) continue;
    const int id = td / SD;
    if (id >= D) continue;
    for (int kh = 0; kh < KH; kh++) {
      const int th = oh + PH - kh * DH;
      if (th < 0 || th % SH) continue;
      const int ih = th / SH;
      if (ih >= H) continue;
      for (int kw = 0; kw < KW; kw++) {
        const int tw = ow + PW - kw * DW;
        if (tw < 0 || tw % SW) continue;
        const int iw = tw / SW;
        if (iw >= W) continue;
        acc += cg[(size_t)((kd * KH + kh) * KW + kw) * DHWN + ((size_t)id * H + ih) * W + iw];
      }
    }
  }
  if (has_bias) acc += bias[m];
  y[gid] = cliq_act(act, acc, act_a, act_b);
}
