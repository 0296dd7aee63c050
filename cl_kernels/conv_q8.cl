/*
 * conv_q8.cl — preparing int8 activations for the GEMM kernels of gemm_q8.cl (layout in its
 * banner): the phase-split, zero-point-padded, channel-quad layout of a convolution input
 * (q8_pack_conv), the same quads for a fully connected input (q8_pack_rows), and the column sums
 * that asymmetric weights need (q8_colsum). host/ops/q8_layer.c plans them.
 *
 * Why this layout instead of im2col: a convolution's im2col matrix is KH*KW times its input, and
 * writing it (then reading it back) cost more than the GEMM on 3x3 layers. Here the input is
 * written once, padded with the zero point and split into stride phases, so that for every tap
 * the 32 (virtual) output positions of a GEMM column panel read 32 consecutive uints at a
 * per-tap offset (koff[k4], a table made on the host): the GEMM gathers nothing.
 *
 *   xp[z][c4][ph][pw][a][j]  (uint = channels 4*c4 .. 4*c4+3 of group g, byte t = channel 4*c4+t)
 * holds the padded input at row a*sh + PH[ph] and column j*sw + PW[pw] (padded coordinates; input
 * row = that - pt, column = that - pl), where PH/PW list the row/column phases some tap uses,
 * a < Hq = OH + ((KH-1)*dh)/sh, j < Wq = OW + ((KW-1)*dw)/sw. Output position (oh, ow) is virtual
 * column q = oh*Wq + ow; tap (kh, kw) of it reads xp at q + koff with koff = c4 plane +
 * phase((kh*dh)%sh, (kw*dw)%sw) plane + ((kh*dh)/sh)*Wq + (kw*dw)/sw: the same shift for every q.
 * Virtual columns with ow >= OW are computed and thrown away (Wq - OW = (KW-1)*dw/sw of them per
 * row: 2 of 58 for a padded 3x3 on 56 columns).
 *
 * Measured on PoCL (2 cores): vector strips over whole rows pack at ~20-30 GB/s; the first
 * version (one work-item per 16 uints, border strips moved into place through a private buffer)
 * was 10x slower, and PoCL's shuffle/shuffle2 builtins are out-of-line scalar calls
 * (vpextrb/vpinsrb per byte), which is what made the old im2col's border strips cost ~100 ns.
 *
 * Bytes: x ^ xor_mask (0x80: the unsigned x + 128 of the VNNI path; 0: signed). Padding holds the
 * input zero point (its products cancel against the host's folded bias); channels past C/group
 * hold 0 (their weights are 0, and column sums must not count them).
 */

#include "q8_vec.h"

/* One uint of xp from scattered bytes: channels t < nc of column iw (z where iw is outside the
 * row), padded channels as in zq. */
inline uint q8_quad(__global const uchar *xc, size_t plane, int nc, int iw, int W, uint zq) {
  if (iw < 0 || iw >= W) return zq;
  uint v = 0;
  for (int t = 0; t < nc; t++) v |= (uint)xc[t * plane + iw] << (8 * t);
  return v;
}

/* 16 uints of xp whose columns iw0 + l * s (l < 16, s = 1 or 2) lie inside the row: vector loads
 * (stride 2: 32 bytes and the even lanes), byte t of each uint from channel t < nc. */
inline uint16 q8_quads16(__global const uchar *xc, size_t plane, int nc, int iw0, int s) {
  uint16 v = 0;
  if (s == 1) {
    if (nc == 4)
      return convert_uint16(vload16(0, xc + iw0)) | convert_uint16(vload16(0, xc + plane + iw0)) << 8 |
             convert_uint16(vload16(0, xc + 2 * plane + iw0)) << 16 | convert_uint16(vload16(0, xc + 3 * plane + iw0)) << 24;
    for (int t = 0; t < nc; t++) v |= convert_uint16(vload16(0, xc + t * plane + iw0)) << (8 * t);
  } else {
    for (int t = 0; t < nc; t++) {
      __global const uchar *r = xc + t * plane + iw0;
      v |= convert_uint16((uchar16)(vload16(0, r).even, vload16(1, r).even)) << (8 * t);
    }
  }
  return v;
}

/* The same for 8 uints (rows with fewer than 16 interior columns: 7x7 and 14x14 layers). */
inline uint8 q8_quads8(__global const uchar *xc, size_t plane, int nc, int iw0, int s) {
  uint8 v = 0;
  for (int t = 0; t < nc; t++) {
    __global const uchar *r = xc + t * plane + iw0;
    v |= convert_uint8(s == 1 ? vload8(0, r) : vload16(0, r).even) << (8 * t);
  }
  return v;
}

/* x int8 NCHW [N][Ctot][H][W] (group g: channels g*Cg ..) -> xp (layout above); per z = n*G + g a
 * block of x_sz uints. phases: PH[0..nph) then PW[0..npw). One work-item per `rows` rows of a
 * channel quad and phase: gws = (ceil(Hq / rows), nph * npw, Z * C4). CPUs take all Hq rows per
 * work-item (the index arithmetic, divisions included, is paid once; a work-item per row spent
 * ~75 cycles per row on it on PoCL), GPUs one (host/ops/q8_layer.c, tunable Q8_PACK_ROWS).
 * A row is: left padding (the quad of zero points), interior columns in 16-wide vector strips (8
 * when the interior is narrower; the last strip moved back to end at the interior's end: it
 * rewrites a few uints with the same values instead of taking a masked path), then the right end
 * column by column. Strides other than 1 and 2 go column by column. */
__kernel void q8_pack_conv(__global const uchar *x, __global uint *xp, __constant int *phases, const int Ctot,
                           const int H, const int W, const int Cg, const int G, const int C4, const int nph,
                           const int npw, const int Hq, const int Wq, const int sh, const int sw, const int pt,
                           const int pl, const int xzp, const int xor_mask, const int x_sz, const int rows) {
  const int a0 = get_global_id(0) * rows, phw = get_global_id(1), zc = get_global_id(2);
  if (a0 >= Hq || phw >= nph * npw) return;
  const int z = zc / C4, c4 = zc - (zc / C4) * C4;
  const int n = z / G, g = z - (z / G) * G;
  const int ph = phw / npw, pw = phw - (phw / npw) * npw;
  const int ih0 = phases[ph] - pt, iw_first = phases[nph + pw] - pl; /* input row of a = 0, column of j = 0 */
  const uint flip = (uint)xor_mask * 0x01010101u;
  const int nc = clamp(Cg - 4 * c4, 0, 4); /* real channels in this quad */
  uint zq = 0;                              /* a padded position: z in real channels, 0 past Cg */
  for (int t = 0; t < nc; t++) zq |= (uint)(uchar)xzp << (8 * t);
  const uint zqf = zq ^ flip;
  const size_t plane = (size_t)H * W;
  __global const uchar *xq = x + ((size_t)n * Ctot + (size_t)g * Cg + 4 * c4) * plane;
  __global uint *o = xp + (size_t)z * x_sz + ((size_t)(c4 * nph + ph) * npw + pw) * Hq * Wq + (size_t)a0 * Wq;
  /* interior columns [jl, jr): iw >= 0 and the vector load of stride sw stays in the row */
  const bool vec = sw == 1 || sw == 2;
  int jl = iw_first >= 0 ? 0 : (-iw_first + sw - 1) / sw;
  int jr = W - sw - iw_first >= 0 ? (W - sw - iw_first) / sw + 1 : 0;
  jl = min(jl, Wq);
  jr = clamp(jr, jl, Wq);
  const int strip = jr - jl >= 16 ? 16 : 8;
  if (!vec || jr - jl < 8) jr = jl; /* no full strip: everything column by column */
  for (int a = a0; a < min(a0 + rows, Hq); a++, o += Wq) {
    const int ih = ih0 + a * sh;
    if (ih < 0 || ih >= H) {
      for (int j = 0; j < Wq; j++) o[j] = zqf;
      continue;
    }
    __global const uchar *xc = xq + (size_t)ih * W;
    for (int j = 0; j < jl; j++) o[j] = zqf;
    for (int j0 = jl; j0 < jr; j0 += strip) {
      const int j = min(j0, jr - strip);
      if (strip == 16) Q8_STORE_UINT16(q8_quads16(xc, plane, nc, iw_first + j * sw, sw) ^ flip, o + j);
      else vstore8(q8_quads8(xc, plane, nc, iw_first + j * sw, sw) ^ flip, 0, o + j);
    }
    for (int j = jr; j < Wq; j++) o[j] = q8_quad(xc, plane, nc, iw_first + j * sw, W, zq) ^ flip;
  }
}

/* Fully connected input x [P][K] row-major -> xp[k4][P] (koff[k4] = k4 * P): the 4 bytes of row p
 * at k = 4*k4 .. 4*k4+3, 0 past K. One work-item per uint. */
__kernel void q8_pack_rows(__global const uchar *x, __global uint *xp, const int P, const int K, const int K4,
                           const int xor_mask) {
  const int p = get_global_id(0), k4 = get_global_id(1);
  if (p >= P || k4 >= K4) return;
  __global const uchar *xr = x + (size_t)p * K + 4 * k4;
  uint word = 0;
  for (int t = 0; t < 4; t++) word |= (uint)((4 * k4 + t < K ? xr[t] : 0) ^ xor_mask) << (8 * t);
  xp[(size_t)k4 * P + p] = word;
}

/* colsum[z * cols + q] = sum over k of the signed activation x[k, q] (padding counts as z_x,
 * padded channels as 0), for the z_w[c] * colsum term of asymmetric weights. Every virtual column
 * q < cols gets a value (those past the real ones are never used). */
__kernel void q8_colsum(__global const uint *xp, __global const int *koff, __global int *colsum, const int K4,
                        const int x_sz, const int cols, const int xor_mask) {
  const int q = get_global_id(0), z = get_global_id(1);
  if (q >= cols) return;
  __global const uint *src = xp + (size_t)z * x_sz + q;
  const uint flip = (uint)xor_mask * 0x01010101u;
  int s = 0;
  for (int k = 0; k < K4; k++) {
    const uint w = src[koff[k]] ^ flip;
    s += (((int)(w << 24)) >> 24) + (((int)(w << 16)) >> 24) + (((int)(w << 8)) >> 24) + (((int)w) >> 24);
  }
  colsum[(size_t)z * cols + q] = s;
}
