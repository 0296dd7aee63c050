/*
 * dwconv_f32.cl — direct convolution for depthwise convs (one input channel per group, any
 * channel multiplier) and grouped convs with few channels per group, where im2col + GEMM would
 * pad a K of 9 or 25 up to whole panels and spend its time packing.
 *
 * Each work-item computes a strip of outputs along output rows of one channel, NCHW:
 *   y[n][m][oh][ow0 .. ow0+TW) = act(sum over the group's input channels c, taps kh, kw of
 *                                    x[n][g*Cg + c][oh*SH - PH + kh*DH][ow*SW - PW + kw*DW] * w[m][c][kh][kw] + bias[m])
 * summed in (c, kh, kw) order like the C reference (host/ref/conv_f32.c). Range: 1-D over
 * N*M*OH*ceil(OW/TW) strips, explicit local size (shared/notes lesson 4).
 *
 *   dwconv_f32       any kernel, stride, dilation, pads, channels per group; TW = 8, scalar.
 *   dwconv_k_f32     KS x KS taps (3 or 5), stride ST (1 or 2), dilation 1, one channel per
 *                    group: blocks of RH output rows x 16 columns as float16 (each input row is
 *                    loaded once for the RH rows), read with vload16 (stride 2 takes the even
 *                    lanes of two loads) straight from the input inside, from a zero-padded
 *                    private copy of the row span at the borders. Range: N*M*ceil(OH/RH) row
 *                    blocks x ceil(OW/16) strips.
 */
#include "act_vec.h"

#ifndef TW
#define TW 8 /* outputs per work-item of the generic kernel */
#endif

__kernel void dwconv_f32(__global const float *restrict x, __global const float *restrict w,
                         __global const float *restrict bias, __global float *restrict y, const int C, const int M,
                         const int Cg, const int Mg, const int H, const int W, const int OH, const int OW, const int KH,
                         const int KW, const int SH, const int SW, const int DH, const int DW, const int PH,
                         const int PW, const int strips, const int total, const int has_bias, const int act,
                         const float act_a, const float act_b) {
  const int gid = get_global_id(0);
  if (gid >= total) return;
  const int row = gid / strips, ow0 = (gid - row * strips) * TW;
  const int nm = row / OH, oh = row - nm * OH;
  const int n = nm / M, m = nm - n * M;
  const int grp = m / Mg;
  float acc[TW];
  for (int j = 0; j < TW; j++) acc[j] = 0.0f;
  for (int c = 0; c < Cg; c++) {
    const __global float *xc = x + ((size_t)n * C + (size_t)grp * Cg + c) * H * W;
    const __global float *wc = w + ((size_t)m * Cg + c) * KH * KW;
    for (int kh = 0; kh < KH; kh++) {
      const int ih = oh * SH - PH + kh * DH;
      if (ih < 0 || ih >= H) continue;
      const __global float *xr = xc + (size_t)ih * W;
      for (int kw = 0; kw < KW; kw++) {
        const float wv = wc[kh * KW + kw];
        int iw = ow0 * SW - PW + kw * DW;
        for (int j = 0; j < TW; j++, iw += SW)
          if (iw >= 0 && iw < W) acc[j] += xr[iw] * wv;
      }
    }
  }
  const float b = has_bias ? bias[m] : 0.0f;
  __global float *yr = y + ((size_t)nm * OH + oh) * OW;
  for (int j = 0; j < TW && ow0 + j < OW; j++) yr[ow0 + j] = cliq_act(act, acc[j] + b, act_a, act_b);
}

#ifdef KS
#ifndef RH
#define RH 4 /* output rows per work-item: input rows loaded once serve up to KS/ST outputs */
#endif
#define IR ((RH - 1) * ST + KS) /* input rows a work-item reads */

__kernel void dwconv_k_f32(__global const float *restrict x, __global const float *restrict w,
                           __global const float *restrict bias, __global float *restrict y, const int M, const int Mg,
                           const int H, const int W, const int OH, const int OW, const int PH, const int PW,
                           const int strips, const int total, const int has_bias, const int act, const float act_a,
                           const float act_b) {
  const int gid = get_global_id(0);
  if (gid >= total) return;
  const int row_blocks = (OH + RH - 1) / RH;
  const int rb = gid / strips, ow0 = (gid - rb * strips) * 16;
  const int nm = rb / row_blocks, oh0 = (rb - nm * row_blocks) * RH;
  const int n = nm / M, m = nm - n * M;
  const __global float *xc = x + ((size_t)n * (M / Mg) + m / Mg) * H * W;
  const __global float *wc = w + (size_t)m * KS * KS;
  float wv[KS * KS];
#pragma unroll
  for (int t = 0; t < KS * KS; t++) wv[t] = wc[t];
  const int iw0 = ow0 * ST - PW;
  /* interior strips read the input rows directly; border strips first copy the span they need
   * into a zero-padded private buffer (one bounds check per loaded element, not per tap) */
  const bool interior = ow0 + 16 <= OW && iw0 >= 0 && iw0 + 15 * ST + KS - 1 < W;
  float16 acc[RH];
#pragma unroll
  for (int i = 0; i < RH; i++) acc[i] = (float16)(0.0f);
#pragma unroll
  for (int r = 0; r < IR; r++) {
    const int ih = oh0 * ST - PH + r;
    if (ih < 0 || ih >= H) continue;
    const __global float *xr = xc + (size_t)ih * W + iw0;
    float buf[16 * ST + KS];
    if (!interior) {
      for (int t = 0; t < 16 * ST + KS; t++) buf[t] = iw0 + t >= 0 && iw0 + t < W ? xr[t] : 0.0f;
    }
#pragma unroll
    for (int kw = 0; kw < KS; kw++) {
#if ST == 1
      const float16 v = interior ? vload16(0, xr + kw) : vload16(0, buf + kw);
#else
      const float16 lo = interior ? vload16(0, xr + kw) : vload16(0, buf + kw);
      const float16 hi = interior ? vload16(0, xr + kw + 16) : vload16(0, buf + kw + 16);
      const float16 v = (float16)(lo.even, hi.even);
#endif
      /* input row r feeds output row i through kernel row kh = r - i * ST */
#pragma unroll
      for (int i = 0; i < RH; i++) {
        const int kh = r - i * ST;
        if (kh >= 0 && kh < KS) acc[i] = fma((float16)(wv[kh * KS + kw]), v, acc[i]);
      }
    }
  }
  const float b = has_bias ? bias[m] : 0.0f;
#pragma unroll
  for (int i = 0; i < RH; i++) {
    if (oh0 + i < OH) {
      const float16 o = cliq_act16(acc[i] + b, act, act_a, act_b);
      __global float *yr = y + ((size_t)nm * OH + oh0 + i) * OW + ow0;
      if (ow0 + 16 <= OW) {
        vstore16(o, 0, yr);
      } else {
        float t[16];
        vstore16(o, 0, t);
        for (int j = 0; ow0 + j < OW; j++) yr[j] = t[j];
      }
    }
  }
}
#endif
