/*
 * dwconv_q8.cl — int8 depthwise convolution (group = input channels, one input channel per group,
 * channel multiplier M / C), direct: dot products do not help when each output reads one channel.
 * Exact like host/ref/conv_q8.c: acc = bias + sum over in-range taps (x - z_x) * (w - z_w[m]) in
 * int32, then the output stage of cliq_requant.h (16-lane twins).
 *
 * Each work-item computes 16 consecutive outputs of one row of one channel (vectors along the
 * width, widened to int32: (x - z_x) * (w - z_w) needs 17 bits with asymmetric weights). Interior
 * strips load their inputs with vload16 (stride 1) or vload16 x 2 and .even (stride 2); strips
 * touching the border take the checked scalar path. Fast kernels fix kernel size and stride at
 * compile time (3x3 and 5x5, stride 1 and 2, dilation 1), q8_dw_generic takes everything at run time.
 *
 * Channel parameters: planes [bias][multiplier][shift][z_w], M ints each (plane = M).
 */
#include "cliq_requant.h"

#define Q8_DW_ARGS                                                                                             \
  __global const char *x, __global const char *w, __global const int *chan, __global const char *res,         \
      __global char *y, const int C, const int H, const int W, const int M, const int OH, const int OW,        \
      const int KH, const int KW, const int sh, const int sw, const int dh, const int dw, const int pt,        \
      const int pl, const int xzp, const int has_res, const int yzp, const int lo, const int hi, const int zc, \
      const int clo, const int chi, const int zr, const int ma, const int sha, const int mb, const int shb,    \
      const int my, const int shy

/* 16 inputs (minus z_x) of row xr at iw0 + j * s (j < 16), 0 outside [0, W). */
inline int16 q8_dw_load(__global const char *xr, int iw0, int s, int W, int xzp, int fast) {
  if (fast && s == 1) return convert_int16(vload16(0, xr + iw0)) - xzp;
  if (fast && s == 2) return convert_int16((char16)(vload16(0, xr + iw0).even, vload16(1, xr + iw0).even)) - xzp;
  int v[16];
  for (int j = 0; j < 16; j++) {
    const int iw = iw0 + j * s;
    v[j] = (iw >= 0 && iw < W) ? xr[iw] - xzp : 0;
  }
  return vload16(0, v);
}

inline void q8_dw_body(Q8_DW_ARGS) {
  const int ow0 = get_global_id(0) * 16, oh = get_global_id(1), nm = get_global_id(2);
  if (ow0 >= OW || oh >= OH) return;
  const int n = nm / M, m = nm - (nm / M) * M;
  const int c = m / (M / C);
  __global const char *xc = x + ((size_t)n * C + c) * H * W;
  __global const char *wm = w + (size_t)m * KH * KW;
  const int zw = chan[3 * M + m];
  const int iw_first = ow0 * sw - pl;
  /* all 16 outputs' taps inside the row, including the second vload16 of stride 2 */
  const int fast = (sw == 1 || sw == 2) && iw_first >= 0 && iw_first + (KW - 1) * dw + 16 * sw <= W;
  int16 acc = 0;
  for (int kh = 0; kh < KH; kh++) {
    const int ih = oh * sh - pt + kh * dh;
    if (ih < 0 || ih >= H) continue;
    __global const char *xr = xc + (size_t)ih * W;
    for (int kw = 0; kw < KW; kw++) {
      const int wv = wm[kh * KW + kw] - zw;
      acc += q8_dw_load(xr, iw_first + kw * dw, sw, W, xzp, fast) * wv;
    }
  }
  acc = as_int16(as_uint16(acc) + (uint)chan[m]);
  const int count = OW - ow0;
  const size_t base = (((size_t)n * M + m) * OH + oh) * OW + ow0;
  const int16 mult = (int16)chan[M + m], shift = (int16)chan[2 * M + m];
  int16 v;
  if (has_res) {
    int16 r;
    if (count >= 16) {
      r = convert_int16(vload16(0, res + base));
    } else {
      int t[16];
      for (int j = 0; j < 16; j++) t[j] = j < count ? res[base + j] : 0;
      r = vload16(0, t);
    }
    v = cliq_q8_residual16(acc, mult, shift, zc, clo, chi, r, zr, ma, sha, mb, shb, my, shy, yzp, lo, hi);
  } else {
    v = cliq_requant16(acc, mult, shift, yzp, lo, hi);
  }
  if (count >= 16) {
    vstore16(convert_char16(v), 0, y + base);
  } else {
    int t[16];
    vstore16(v, 0, t);
    for (int j = 0; j < count; j++) y[base + j] = (char)t[j];
  }
}

/* Any kernel size, stride, dilation and padding. */
__kernel void q8_dw_generic(Q8_DW_ARGS) {
  q8_dw_body(x, w, chan, res, y, C, H, W, M, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl, xzp, has_res, yzp, lo, hi, zc, clo,
             chi, zr, ma, sha, mb, shb, my, shy);
}

/* Fixed kernel size and stride (the host launches them only for those shapes, dilation 1): the
 * constants let the compiler unroll the taps. */
#define Q8_DW_FIXED(name, K, S)                                                                                \
  __kernel void name(Q8_DW_ARGS) {                                                                             \
    q8_dw_body(x, w, chan, res, y, C, H, W, M, OH, OW, K, K, S, S, 1, 1, pt, pl, xzp, has_res, yzp, lo, hi, zc, \
               clo, chi, zr, ma, sha, mb, shb, my, shy);                                                       \
  }
Q8_DW_FIXED(q8_dw_3x3s1, 3, 1)
Q8_DW_FIXED(q8_dw_3x3s2, 3, 2)
Q8_DW_FIXED(q8_dw_5x5s1, 5, 1)
Q8_DW_FIXED(q8_dw_5x5s2, 5, 2)
