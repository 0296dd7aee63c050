/*
 * conv_q8.cl — packing int8 activations into the 4-deep panels of gemm_q8.cl (see its banner for
 * the layout): im2col for convolutions (a fast kernel for 32-wide column panels, a general one for
 * any panel width), rows of a fully connected input, and the column sums that asymmetric weights
 * need.
 *
 * Depth order of convolutions (why): k = (tap * C4 + c4) * 4 + t for tap = kh * KW + kw, channel
 * c = 4 * c4 + t, C4 = ceil(C/group / 4): one panel uint holds 4 channels of one tap, so a strip
 * of 16 output positions of one tap is 4 contiguous row loads (stride 1: vload16; stride 2:
 * 32 bytes and .even) joined with shifts, instead of a gather. Channels past C/group hold 0 (the
 * host pads the weights with 0 there, host/ops/q8_layer.c).
 *
 * Panel of z = n * G + g: out[z * out_sz + (blk * K4 + k4) * bw + j] holds, for column (or row) p
 * = blk * bw + j, the 4 bytes of x'[k, p] = x ^ xor_mask (xor_mask 0x80 turns int8 into the
 * unsigned x + 128 of the VNNI path, 0 keeps it signed), little-endian in t.
 * Padded taps hold the input zero point (they cancel in the folded zero-point terms); padded
 * channels hold 0 (nothing to cancel: their weights are 0 and colsum must not count them).
 */

/* Fast im2col for 32-wide column panels (channels on rows). Columns are positions with each
 * output row padded to OWp (a multiple of 16) columns, so a 16-column strip never crosses an
 * output row; columns past OW are computed and thrown away by the GEMM epilogue. One work-item
 * per column panel (32 columns) and z, all of K: strips inside the input row take vector loads,
 * strips at the left/right borders the checked scalar path. A 1x1 stride-1 unpadded conv is
 * passed as H = 1, W = H*W. */
__kernel void q8_pack_im2col32(__global const char *x, __global uint *out, const int Ctot, const int H, const int W,
                               const int Cg, const int G, const int OH, const int OW, const int OWp, const int C4,
                               const int K4, const int KW, const int sh, const int sw, const int dh, const int dw,
                               const int pt, const int pl, const int xzp, const int xor_mask, const int nblk) {
  const int b = get_global_id(0), z = get_global_id(1);
  if (b >= nblk) return;
  const int n = z / G, g = z - (z / G) * G;
  __global const char *xz = x + ((size_t)n * Ctot + (size_t)g * Cg) * H * W;
  __global uint *ob = out + ((size_t)z * nblk + b) * K4 * 32;
  const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int oh[2], ow0[2];
  for (int h = 0; h < 2; h++) {
    const int c0 = b * 32 + 16 * h;
    oh[h] = c0 / OWp;
    ow0[h] = c0 - oh[h] * OWp;
  }
  for (int k4 = 0; k4 < K4; k4++) {
    const int tap = k4 / C4, c4 = k4 - (k4 / C4) * C4;
    const int kh = tap / KW, kw = tap - (tap / KW) * KW;
    for (int h = 0; h < 2; h++) {
      const int ih = oh[h] * sh - pt + kh * dh, iw0 = ow0[h] * sw - pl + kw * dw;
      const int rin = oh[h] < OH && ih >= 0 && ih < H;
      const int fast = rin && iw0 >= 0 && ((sw == 1 && iw0 + 16 <= W) || (sw == 2 && iw0 + 32 <= W));
      uint16 word = 0;
      for (int t = 0; t < 4; t++) {
        const int c = 4 * c4 + t;
        int16 v;
        if (c >= Cg) {
          v = 0;
        } else if (!rin) {
          v = xzp;
        } else {
          __global const char *xr = xz + ((size_t)c * H + ih) * W;
          if (fast && sw == 1) {
            v = convert_int16(vload16(0, xr + iw0));
          } else if (fast) {
            v = convert_int16((char16)(vload16(0, xr + iw0).even, vload16(1, xr + iw0).even));
          } else if (sw == 1 && W >= 16) {
            /* border strip: load the in-row window nearest to it, move lanes into place, and
             * put the zero point where the tap falls outside the row */
            const int s0 = clamp(iw0, 0, W - 16);
            const int16 iw = lane + iw0;
            const uchar16 idx = convert_uchar16(clamp(lane + (iw0 - s0), 0, 15));
            v = select((int16)xzp, convert_int16(shuffle(vload16(0, xr + s0), idx)), iw >= 0 && iw < W);
          } else if (sw == 2 && W >= 32) {
            const int s0 = clamp(iw0, 0, W - 32);
            const int16 iw = 2 * lane + iw0;
            const uchar16 idx = convert_uchar16(clamp(2 * lane + (iw0 - s0), 0, 31));
            v = select((int16)xzp, convert_int16(shuffle2(vload16(0, xr + s0), vload16(1, xr + s0), idx)),
                       iw >= 0 && iw < W);
          } else {
            int tmp[16];
            for (int j = 0; j < 16; j++) {
              const int iw = iw0 + j * sw;
              tmp[j] = (iw >= 0 && iw < W) ? xr[iw] : xzp;
            }
            v = vload16(0, tmp);
          }
        }
        word |= (as_uint16(v ^ xor_mask) & 0xffu) << (8 * t);
      }
      vstore16(word, 0, ob + (size_t)k4 * 32 + 16 * h);
    }
  }
}

/* Any panel width bw (the 8-wide row panels of the channels-on-columns orientation), plain
 * positions p = oh * OW + ow (no row padding). One work-item per (p, k4). */
__kernel void q8_pack_im2col(__global const char *x, __global uint *out, const int Ctot, const int H, const int W,
                             const int Cg, const int G, const int OW, const int P, const int C4, const int K4,
                             const int KW, const int sh, const int sw, const int dh, const int dw, const int pt,
                             const int pl, const int xzp, const int xor_mask, const int bw, const int out_sz) {
  const int p = get_global_id(0), k4 = get_global_id(1), z = get_global_id(2);
  if (k4 >= K4) return;
  const int n = z / G, g = z - (z / G) * G;
  __global const char *xz = x + ((size_t)n * Ctot + (size_t)g * Cg) * H * W;
  const int oh = p / OW, ow = p - (p / OW) * OW;
  const int tap = k4 / C4, c4 = k4 - (k4 / C4) * C4;
  const int kh = tap / KW, kw = tap - (tap / KW) * KW;
  const int ih = oh * sh - pt + kh * dh, iw = ow * sw - pl + kw * dw;
  const int inb = p < P && ih >= 0 && ih < H && iw >= 0 && iw < W;
  uint word = 0;
  for (int t = 0; t < 4; t++) {
    const int c = 4 * c4 + t;
    int v = 0;
    if (c < Cg && p < P) v = inb ? xz[((size_t)c * H + ih) * W + iw] : xzp;
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
