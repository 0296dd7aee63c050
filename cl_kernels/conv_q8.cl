/*
 * conv_q8.cl — packing int8 activations into the 4-deep panels of gemm_q8.cl (see its banner for
 * the layout): im2col for any convolution, a plain transpose for 1x1 stride-1 unpadded ones, rows
 * of a fully connected input, and the column sums that asymmetric weights need.
 *
 * Panel of z = n * G + g: out[z * out_sz + (blk * K4 + k4) * bw + j] holds, for column (or row)
 * p = blk * bw + j, the bytes k = 4 * k4 + t (t = 0..3, little-endian) of x'[k, p] = x ^ xor_mask:
 * xor_mask 0x80 turns int8 into the unsigned x + 128 the VNNI path needs, 0 keeps it signed.
 * Padded taps hold the input zero point (so they cancel in the folded zero-point terms);
 * k >= K and p >= P hold 0 (the weights are 0 there, and colsum must not count them).
 * One work-item per (p, k4): writes one uint; neighbouring work-items write neighbouring uints,
 * which PoCL vectorizes across work-items (no loop inside).
 */

__kernel void q8_pack_im2col(__global const char *x, __global uint *out, const int Ctot, const int H, const int W,
                             const int Cg, const int G, const int OW, const int P, const int K, const int K4,
                             const int KH, const int KW, const int sh, const int sw, const int dh, const int dw,
                             const int pt, const int pl, const int xzp, const int xor_mask, const int bw,
                             const int out_sz) {
  const int p = get_global_id(0), k4 = get_global_id(1), z = get_global_id(2);
  if (k4 >= K4) return;
  const int n = z / G, g = z - (z / G) * G;
  __global const char *xz = x + ((size_t)n * Ctot + (size_t)g * Cg) * H * W;
  const int oh = p / OW, ow = p - (p / OW) * OW;
  const int khw = KH * KW;
  uint word = 0;
  for (int t = 0; t < 4; t++) {
    const int k = 4 * k4 + t;
    int v = 0;
    if (k < K && p < P) {
      const int ci = k / khw, rem = k - (k / khw) * khw;
      const int kh = rem / KW, kw = rem - (rem / KW) * KW;
      const int ih = oh * sh - pt + kh * dh, iw = ow * sw - pl + kw * dw;
      v = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? xz[((size_t)ci * H + ih) * W + iw] : xzp;
    }
    word |= (uint)((v ^ xor_mask) & 0xff) << (8 * t);
  }
  const int blk = p / bw, j = p - (p / bw) * bw;
  out[(size_t)z * out_sz + ((size_t)blk * K4 + k4) * bw + j] = word;
}

/* 1x1 kernel, stride 1, no padding: x'[k, p] = x[channel k, position p], P = H * W. */
__kernel void q8_pack_1x1(__global const char *x, __global uint *out, const int Ctot, const int P, const int Cg,
                          const int G, const int K, const int K4, const int xor_mask, const int bw,
                          const int out_sz) {
  const int p = get_global_id(0), k4 = get_global_id(1), z = get_global_id(2);
  if (k4 >= K4) return;
  const int n = z / G, g = z - (z / G) * G;
  __global const char *xz = x + ((size_t)n * Ctot + (size_t)g * Cg) * P;
  uint word = 0;
  for (int t = 0; t < 4; t++) {
    const int k = 4 * k4 + t;
    const int v = (k < K && p < P) ? xz[(size_t)k * P + p] : 0;
    word |= (uint)((v ^ xor_mask) & 0xff) << (8 * t);
  }
  const int blk = p / bw, j = p - (p / bw) * bw;
  out[(size_t)z * out_sz + ((size_t)blk * K4 + k4) * bw + j] = word;
}

/* Fully connected input x [rows, K] row-major: x'[k, p] = x[p, k]. */
__kernel void q8_pack_rows(__global const char *x, __global uint *out, const int rows, const int K, const int K4,
                           const int xor_mask, const int bw) {
  const int p = get_global_id(0), k4 = get_global_id(1);
  if (k4 >= K4) return;
  uint word = 0;
  for (int t = 0; t < 4; t++) {
    const int k = 4 * k4 + t;
    const int v = (k < K && p < rows) ? x[(size_t)p * K + k] : 0;
    word |= (uint)((v ^ xor_mask) & 0xff) << (8 * t);
  }
  const int blk = p / bw, j = p - (p / bw) * bw;
  out[((size_t)blk * K4 + k4) * bw + j] = word;
}

/* colsum[z * cols + p] = sum_k x[k, p] (signed; padded taps count as z_x), for the z_w[c] * colsum
 * term of asymmetric weights. cols = blocks * bw (every padded column gets a value). */
__kernel void q8_colsum(__global const uint *panel, __global int *colsum, const int K4, const int bw,
                        const int out_sz, const int cols, const int xor_mask) {
  const int p = get_global_id(0), z = get_global_id(1);
  if (p >= cols) return;
  const int blk = p / bw, j = p - (p / bw) * bw;
  __global const uint *src = panel + (size_t)z * out_sz + (size_t)blk * K4 * bw + j;
  const uint flip = (uint)xor_mask * 0x01010101u;
  int s = 0;
  for (int k = 0; k < K4; k++) {
    const uint w = src[(size_t)k * bw] ^ flip;
    s += (((int)(w << 24)) >> 24) + (((int)(w << 16)) >> 24) + (((int)(w << 8)) >> 24) + (((int)w) >> 24);
  }
  colsum[(size_t)z * cols + p] = s;
}
