/*
 * gemm_q8.cl — the int8 GEMM kernels behind QConv and QGemm (host/ops/q8_layer.c plans them; the
 * variant table is host/cl/variants_q8.h). Exact: int32 accumulators, the output stage of
 * cliq_requant.h, bit-identical to host/ref/conv_q8.c and gemm_q8.c on every path.
 *
 * Problem: for each z = n * G + g (image n, group g), Y[row, col] over R rows x C columns and
 * K = 4 * K4 packed depth. One operand holds the weights, the other the activations; which is
 * which is the orientation, chosen per node by the host:
 *   channels on rows  (kernels *_n): rows = output channels, columns = output positions; the
 *                     usual case for convolutions.
 *   channels on cols  (kernels *_t): rows = positions, columns = channels; fully connected layers
 *                     (one row per input row: a batch of 1 is not padded up to 32, shared/notes
 *                     lesson 5).
 *
 * Operands (why): a dot-product instruction (vpdpbusd lane, dp4a, dot_4x8packed, arm_dot) consumes
 * 4 consecutive k of one row and one column, so both operands hold uints of 4 depth steps.
 *   weights      packed once at plan time into panels [g][blk][K4][width][4] (width Q8_ROWS for
 *                row panels, Q8_COLS = 32 for column panels), contiguous in K; group stride w_sg.
 *   activations  X, written per run by conv_q8.cl (layout in its banner), block x_sz per z: depth
 *                step k of position q is the uint X[z * x_sz + koff[k] + q]. koff (host table)
 *                walks the taps and channel quads, so consecutive positions are consecutive uints
 *                for every k and a 32-position panel row is two 512-bit loads: the convolution is
 *                an implicit GEMM, no im2col matrix.
 * Positions are virtual columns q < Q of output rows Wq wide (Wq >= OW): q = oh * Wq + ow, kept
 * only when ow < OW, stored at output position oh * OW + ow (fully connected: Wq = OW = rows).
 * Reads past the last real position stay inside X (the host allocates the slack).
 *
 * Zero points are folded by the host (q8_layer.c) so the inner loop is a plain dot product:
 *   acc = dot(x', w) + bias'[c] - z_w[c] * colsum[q]
 *   bias'[c] = bias[c] - (z_x + xoff) * sum_k w[c,k] + K * z_x * z_w[c]
 * where x' = x + xoff is what X holds (xoff = 128 on the VNNI path, whose vpdpbusd takes
 * unsigned activations; 0 elsewhere) and colsum[q] = sum_k x[k,q] (asymmetric weights only).
 * Padded taps hold z_x, which makes the folded terms exact. All int32 arithmetic wraps.
 *
 * Channel parameters: 4 planes of ints (bias', multiplier, shift, z_w), chan_plane apart, each
 * channel c of group g at g * Mgp + c, Mgp = channels per group rounded up to 32 (padding zero).
 */
#include "cliq_requant.h"
#include "dot_q8.h"
#include "q8_vec.h"

#ifndef Q8_ROWS
#define Q8_ROWS 8 /* rows per work-item = row panel width: 8 x 32 int32 fills 16 zmm (shared/notes lesson 2) */
#endif
#define Q8_COLS 32 /* column panel width: two 16-lane vectors; fixed by the packing */

#ifndef Q8_DOT_TILE
#define Q8_DOT_TILE 4 /* rows and columns per work-item of the dot4 kernel (GPUs) */
#endif

#define Q8_GEMM_ARGS                                                                                          \
  __global const uint *Wt, __global const uint *X, __global const int *koff, __global const int *chan,        \
      __global const int *colsum, __global const char *res, __global char *y, const int R, const int C,      \
      const int K4, const int G, const int w_sg, const int x_sz, const int Mgp, const int chan_plane,         \
      const int cs_sz, const int y_sn, const int y_sc, const int y_sp, const int OW, const int Wq,           \
      const int Q, const int asym, const int has_res, const int yzp, const int lo, const int hi, const int zc, \
      const int clo, const int chi, const int zr, const int ma, const int sha, const int mb, const int shb,  \
      const int my, const int shy

#define Q8_EPI_PASS has_res, yzp, lo, hi, zc, clo, chi, zr, ma, sha, mb, shb, my, shy
#define Q8_EPI_ARGS                                                                                            \
  const int has_res, const int yzp, const int lo, const int hi, const int zc, const int clo, const int chi,   \
      const int zr, const int ma, const int sha, const int mb, const int shb, const int my, const int shy

/* Output position of virtual column q, or -1 when q is not a real output. */
Q8_INLINE int q8_pos(int q, int Wq, int OW, int Q) {
  const int oh = q / Wq, ow = q - (q / Wq) * Wq;
  return q < Q && ow < OW ? oh * OW + ow : -1;
}

/* The output positions of virtual columns q0 .. q0+15: returns the first when they are 16
 * consecutive real outputs (inside one output row, or rows without padding), else -1 with each
 * lane's position (or -1) in pos[]. */
Q8_INLINE int q8_cols16(int q0, int Wq, int OW, int Q, int *pos) {
  int oh = q0 / Wq, ow = q0 - (q0 / Wq) * Wq;
  if (q0 + 16 <= Q && (ow + 16 <= OW || Wq == OW)) return oh * OW + ow;
  for (int l = 0; l < 16; l++) {
    pos[l] = q0 + l < Q && ow < OW ? oh * OW + ow : -1;
    if (++ow == Wq) {
      ow = 0;
      oh++;
    }
  }
  return -1;
}

/* 16 int8 values at p[base + i * stride], i < count (others 0). */
Q8_INLINE int16 q8_load16(__global const char *p, int base, int stride, int count) {
  if (count >= 16 && stride == 1) return convert_int16(vload16(0, p + base));
  int v[16];
  for (int i = 0; i < 16; i++) v[i] = i < count ? p[base + i * stride] : 0;
  return vload16(0, v);
}

Q8_INLINE void q8_store16(__global char *p, int base, int stride, int count, int16 v) {
  if (count >= 16 && stride == 1) {
    Q8_STORE_CHAR16(convert_char16(v), p + base);
    return;
  }
  int a[16];
  vstore16(v, 0, a);
  for (int i = 0; i < 16 && i < count; i++) p[base + i * stride] = (char)a[i];
}

/* Requantization of 16 finished accumulators (and the fused residual add). */
Q8_INLINE int16 q8_out16(int16 acc, int16 bias, int16 mult, int16 shift, int16 zw_cs, int16 r, Q8_EPI_ARGS) {
  int16 a = as_int16(as_uint16(acc) + as_uint16(bias) - as_uint16(zw_cs));
  if (has_res) return cliq_q8_residual16(a, mult, shift, zc, clo, chi, r, zr, ma, sha, mb, shb, my, shy, yzp, lo, hi);
  return cliq_requant16(a, mult, shift, yzp, lo, hi);
}

/* Finishes 16 outputs at p[base + i * stride], i < count. */
Q8_INLINE void q8_finish16(int16 acc, int16 bias, int16 mult, int16 shift, int16 zw_cs, __global const char *res,
                        __global char *y, int base, int stride, int count, Q8_EPI_ARGS) {
  if (count <= 0) return;
  const int16 r = has_res ? q8_load16(res, base, stride, count) : (int16)0;
  q8_store16(y, base, stride, count, q8_out16(acc, bias, mult, shift, zw_cs, r, Q8_EPI_PASS));
}

/* Finishes 16 outputs at p[base + pos[i] * stride] for lanes with pos[i] >= 0. */
Q8_INLINE void q8_finish16_lanes(int16 acc, int16 bias, int16 mult, int16 shift, int16 zw_cs, __global const char *res,
                              __global char *y, int base, int stride, const int *pos, Q8_EPI_ARGS) {
  int t[16];
  if (has_res)
    for (int i = 0; i < 16; i++) t[i] = pos[i] >= 0 ? res[base + pos[i] * stride] : 0;
  const int16 v = q8_out16(acc, bias, mult, shift, zw_cs, has_res ? vload16(0, t) : (int16)0, Q8_EPI_PASS);
  vstore16(v, 0, t);
  for (int i = 0; i < 16; i++)
    if (pos[i] >= 0) y[base + pos[i] * stride] = (char)t[i];
}

Q8_INLINE int q8_finish1(int acc, int bias, int mult, int shift, int zw_cs, int r, Q8_EPI_ARGS) {
  int a = as_int(as_uint(acc) + as_uint(bias) - as_uint(zw_cs));
  if (has_res) return cliq_q8_residual(a, mult, shift, zc, clo, chi, r, zr, ma, sha, mb, shb, my, shy, yzp, lo, hi);
  return cliq_requant(a, mult, shift, yzp, lo, hi);
}

/* Epilogue of a Q8_ROWS x 32 tile, channels on rows (columns: virtual positions). */
Q8_INLINE void q8_epilogue_n(const int16 *acc, int z, int n, int g, int rb, int cb, __global const int *chan,
                          __global const int *colsum, __global const char *res, __global char *y, int R, int Mgp,
                          int chan_plane, int cs_sz, int y_sn, int y_sc, int y_sp, int OW, int Wq, int Q, int asym,
                          Q8_EPI_ARGS) {
  for (int h = 0; h < 2; h++) {
    const int q0 = cb * Q8_COLS + 16 * h;
    if (q0 >= Q) break;
    int pos[16];
    const int pos0 = q8_cols16(q0, Wq, OW, Q, pos);
    if (pos0 >= 0 && y_sp == 1 && !asym) {
      /* the common case: 16 consecutive outputs per channel, requantized with the channel's
       * parameters (and the residual added) */
      const int base = n * y_sn + (g * R + rb * Q8_ROWS) * y_sc + pos0;
      __global const int *cp = chan + g * Mgp + rb * Q8_ROWS;
      for (int r = 0; r < Q8_ROWS && rb * Q8_ROWS + r < R; r++) {
        const int16 a = as_int16(as_uint16(acc[2 * r + h]) + (uint)cp[r]);
        const int m = cp[chan_plane + r], sh = cp[2 * chan_plane + r], o = base + r * y_sc;
        const int16 v = has_res ? cliq_q8_residual16_1(a, m, sh, zc, clo, chi, convert_int16(vload16(0, res + o)), zr, ma, sha,
                                                       mb, shb, my, shy, yzp, lo, hi)
                                : cliq_requant16_1(a, m, sh, yzp, lo, hi);
        Q8_STORE_CHAR16(convert_char16(v), y + o);
      }
      continue;
    }
    const uint16 cs = asym ? as_uint16(vload16(0, colsum + z * cs_sz + q0)) : (uint16)0;
    for (int r = 0; r < Q8_ROWS; r++) {
      const int row = rb * Q8_ROWS + r;
      if (row >= R) break;
      const int pi = g * Mgp + row;
      const int16 bias = (int16)chan[pi], mult = (int16)chan[chan_plane + pi], shift = (int16)chan[2 * chan_plane + pi];
      const int16 zw_cs = as_int16(cs * (uint)chan[3 * chan_plane + pi]);
      const int cbase = n * y_sn + (g * R + row) * y_sc;
      if (pos0 >= 0)
        q8_finish16(acc[2 * r + h], bias, mult, shift, zw_cs, res, y, cbase + pos0 * y_sp, y_sp, 16, Q8_EPI_PASS);
      else
        q8_finish16_lanes(acc[2 * r + h], bias, mult, shift, zw_cs, res, y, cbase, y_sp, pos, Q8_EPI_PASS);
    }
  }
}

/* Epilogue of a Q8_ROWS x 32 tile, channels on columns (rows: virtual positions). */
Q8_INLINE void q8_epilogue_t(const int16 *acc, int z, int n, int g, int rb, int cb, __global const int *chan,
                          __global const int *colsum, __global const char *res, __global char *y, int C, int Mgp,
                          int chan_plane, int cs_sz, int y_sn, int y_sc, int y_sp, int OW, int Wq, int Q, int asym,
                          Q8_EPI_ARGS) {
  const int col0 = cb * Q8_COLS;
  __global const int *cp = chan + g * Mgp + col0;
  const int16 bias0 = vload16(0, cp), bias1 = vload16(1, cp);
  const int16 mult0 = vload16(0, cp + chan_plane), mult1 = vload16(1, cp + chan_plane);
  const int16 shift0 = vload16(0, cp + 2 * chan_plane), shift1 = vload16(1, cp + 2 * chan_plane);
  const uint16 zw0 = as_uint16(vload16(0, cp + 3 * chan_plane)), zw1 = as_uint16(vload16(1, cp + 3 * chan_plane));
  for (int r = 0; r < Q8_ROWS; r++) {
    const int q = rb * Q8_ROWS + r;
    const int pos = q8_pos(q, Wq, OW, Q);
    if (pos < 0) continue;
    const uint cs = asym ? (uint)colsum[z * cs_sz + q] : 0u;
    const int base = n * y_sn + (g * C + col0) * y_sc + pos * y_sp;
    q8_finish16(acc[2 * r], bias0, mult0, shift0, as_int16(zw0 * cs), res, y, base, y_sc, C - col0, Q8_EPI_PASS);
    q8_finish16(acc[2 * r + 1], bias1, mult1, shift1, as_int16(zw1 * cs), res, y, base + 16 * y_sc, y_sc,
                C - col0 - 16, Q8_EPI_PASS);
  }
}

/* The start of every Q8_ROWS x 32 tile kernel: ids, guard, operand pointers, zeroed accumulators.
 * Channels on rows: wp walks the weight row panel, xq is the panel's first position in X (depth
 * step k at xq + koff[k]). Channels on columns: xq is the row block's first position, wp the
 * weight column panel. */
#define Q8_TILE_PROLOGUE(chan_rows)                                                                            \
  const int cb = get_global_id(0), rb = get_global_id(1), z = get_global_id(2);                               \
  if (cb * Q8_COLS >= C || rb * Q8_ROWS >= R) return;                                                          \
  const int n = z / G, g = z - (z / G) * G;                                                                    \
  __global const uint *wp = Wt + (size_t)g * w_sg + (chan_rows ? (size_t)rb * K4 * Q8_ROWS : (size_t)cb * K4 * Q8_COLS); \
  __global const uint *xq = X + (size_t)z * x_sz + (chan_rows ? cb * Q8_COLS : rb * Q8_ROWS);                  \
  int16 acc[2 * Q8_ROWS];                                                                                      \
  for (int r = 0; r < 2 * Q8_ROWS; r++) acc[r] = 0;

#define Q8_TILE_EPILOGUE_n                                                                                     \
  q8_epilogue_n(acc, z, n, g, rb, cb, chan, colsum, res, y, R, Mgp, chan_plane, cs_sz, y_sn, y_sc, y_sp, OW, Wq, Q, \
                asym, Q8_EPI_PASS);
#define Q8_TILE_EPILOGUE_t                                                                                     \
  q8_epilogue_t(acc, z, n, g, rb, cb, chan, colsum, res, y, C, Mgp, chan_plane, cs_sz, y_sn, y_sc, y_sp, OW, Wq, Q, \
                asym, Q8_EPI_PASS);

/* ---- VNNI (PoCL on x86 with AVX512-VNNI) -------------------------------------------------------
 * PoCL never emits vpdpbusd from OpenCL C and its builtin crashes LLVM (shared/notes lesson 1), so
 * the instruction is inline asm on 512-bit int16 vectors ("v": any EVEX vector register):
 * acc[lane] += sum_t u8(u[4 lane + t]) * s8(s[4 lane + t]), wrapping. The activations are the
 * unsigned operand (packed with +128), the weights the signed one; 4 weight bytes are broadcast to
 * all lanes. Built only when the host passes -DQ8_VNNI=1 (never for other devices). */
#ifdef Q8_VNNI
#define Q8_VPDPBUSD(acc, u8, s8) __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8))

__kernel void q8_gemm_vnni_n(Q8_GEMM_ARGS) {
  Q8_TILE_PROLOGUE(1)
  for (int k = 0; k < K4; k++) {
    __global const int *bp = (__global const int *)(xq + koff[k]);
    const int16 b0 = vload16(0, bp), b1 = vload16(1, bp);
#pragma unroll
    for (int r = 0; r < Q8_ROWS; r++) {
      const int16 a = (int16)as_int(wp[r]);
      Q8_VPDPBUSD(acc[2 * r], b0, a);
      Q8_VPDPBUSD(acc[2 * r + 1], b1, a);
    }
    wp += Q8_ROWS;
  }
  Q8_TILE_EPILOGUE_n
}

__kernel void q8_gemm_vnni_t(Q8_GEMM_ARGS) {
  Q8_TILE_PROLOGUE(0)
  for (int k = 0; k < K4; k++) {
    __global const uint *ap = xq + koff[k];
    const int16 b0 = vload16(0, (__global const int *)wp), b1 = vload16(1, (__global const int *)wp);
    wp += Q8_COLS;
#pragma unroll
    for (int r = 0; r < Q8_ROWS; r++) {
      const int16 a = (int16)as_int(ap[r]);
      Q8_VPDPBUSD(acc[2 * r], a, b0);
      Q8_VPDPBUSD(acc[2 * r + 1], a, b1);
    }
  }
  Q8_TILE_EPILOGUE_t
}

/* 1x1 stride-1 unpadded convolutions, symmetric weights: the input NCHW is its own im2col, only
 * not channel-quad interleaved. Each work-item interleaves its 32-position panel of all K into
 * __local memory once (bl: K4 x 32 uints, L1-resident), then runs the tile loop for up to
 * rblocks row blocks of 8 channels over it: no packing launch, no round trip of a packed copy
 * through memory (on 1x1 layers with many input channels that pass cost 30-45% of the GEMM).
 * gws = (ceil(P/32), ceil(R/(8*rblocks)), Z), local size 1 (bl is per work-item); x_elems: bytes
 * of x. */
__kernel void q8_gemm_vnni_1x1(__global const uint *Wt, __global const uchar *x, __global const int *chan,
                               __global const char *res, __global char *y, __local uint *bl, const int R, const int P,
                               const int K, const int K4, const int G, const int Ctot, const int w_sg, const int Mgp,
                               const int chan_plane, const int y_sn, const int y_sc, const int rblocks,
                               const int x_elems, Q8_EPI_ARGS) {
  const int cb = get_global_id(0), rg = get_global_id(1), z = get_global_id(2);
  const int p0 = cb * Q8_COLS;
  if (p0 >= P || rg * rblocks * Q8_ROWS >= R) return;
  const int n = z / G, g = z - (z / G) * G;
  const size_t base = ((size_t)n * Ctot + (size_t)g * K) * P + p0;
  __global const uchar *xz = x + base;
  /* channel rows are read 32 bytes at a time; in the last panel that runs into the next row (the
   * lanes past P feed outputs that are thrown away), except where it would leave the buffer */
  const int safe_rows = min(K, (int)((x_elems - base - Q8_COLS + P) / P)); /* rows c with c*P + 32 <= x_elems - base */
  for (int k4 = 0; k4 < K4; k4++) {
    __global const uchar *xc = xz + (size_t)(4 * k4) * P;
    uint16 lo, hi;
    if (4 * k4 + 4 <= safe_rows) {
      lo = convert_uint16(vload16(0, xc)) | convert_uint16(vload16(0, xc + P)) << 8 |
           convert_uint16(vload16(0, xc + 2 * P)) << 16 | convert_uint16(vload16(0, xc + 3 * P)) << 24;
      hi = convert_uint16(vload16(1, xc)) | convert_uint16(vload16(1, xc + P)) << 8 |
           convert_uint16(vload16(1, xc + 2 * P)) << 16 | convert_uint16(vload16(1, xc + 3 * P)) << 24;
    } else {
      /* the channel quad past K (zero weights: any value does) or at the buffer's end */
      uint t[Q8_COLS];
      for (int j = 0; j < Q8_COLS; j++) {
        uint v = 0;
        for (int c = 0; c < 4; c++)
          if (p0 + j < P && 4 * k4 + c < K) v |= (uint)xc[(size_t)c * P + j] << (8 * c);
        t[j] = v;
      }
      lo = vload16(0, t);
      hi = vload16(1, t);
    }
    vstore16(lo ^ 0x80808080u, 0, bl + k4 * Q8_COLS);
    vstore16(hi ^ 0x80808080u, 1, bl + k4 * Q8_COLS);
  }
  for (int rb = rg * rblocks; rb < (rg + 1) * rblocks && rb * Q8_ROWS < R; rb++) {
    __global const uint *wp = Wt + (size_t)g * w_sg + (size_t)rb * K4 * Q8_ROWS;
    __local const int *bp = (__local const int *)bl;
    int16 acc[2 * Q8_ROWS];
    for (int r = 0; r < 2 * Q8_ROWS; r++) acc[r] = 0;
    for (int k = 0; k < K4; k++) {
      const int16 b0 = vload16(0, bp), b1 = vload16(1, bp);
      bp += Q8_COLS;
#pragma unroll
      for (int r = 0; r < Q8_ROWS; r++) {
        const int16 a = (int16)as_int(wp[r]);
        Q8_VPDPBUSD(acc[2 * r], b0, a);
        Q8_VPDPBUSD(acc[2 * r + 1], b1, a);
      }
      wp += Q8_ROWS;
    }
    q8_epilogue_n(acc, z, n, g, rb, cb, chan, chan, res, y, R, Mgp, chan_plane, 0, y_sn, y_sc, 1, P, P, P, 0,
                  Q8_EPI_PASS);
  }
}
#endif

/* ---- wide portable (CPU devices without VNNI) ----------------------------------------------------
 * The same tile with plain int multiplies: each packed uint of the column panel is split into its
 * four sign-extended bytes by shifts on 16-lane vectors, each weight byte broadcast. Signed x
 * signed, so one K loop serves both orientations. */
#define Q8_WIDE_LOOP(bp_k, bp_next, ap_k, ap_next)                                                             \
  for (int k = 0; k < K4; k++) {                                                                               \
    __global const int *bp = (__global const int *)(bp_k);                                                     \
    __global const uint *ap = ap_k;                                                                            \
    const int16 b0 = vload16(0, bp), b1 = vload16(1, bp);                                                      \
    bp_next;                                                                                                   \
    int16 bt0[4], bt1[4];                                                                                      \
    for (int t = 0; t < 4; t++) {                                                                              \
      bt0[t] = (b0 << (24 - 8 * t)) >> 24;                                                                     \
      bt1[t] = (b1 << (24 - 8 * t)) >> 24;                                                                     \
    }                                                                                                          \
    for (int r = 0; r < Q8_ROWS; r++) {                                                                        \
      const uint aw = ap[r];                                                                                   \
      for (int t = 0; t < 4; t++) {                                                                            \
        const int at = Q8_BYTE(aw, t);                                                                         \
        acc[2 * r] += bt0[t] * at;                                                                             \
        acc[2 * r + 1] += bt1[t] * at;                                                                         \
      }                                                                                                        \
    }                                                                                                          \
    ap_next;                                                                                                   \
  }

__kernel void q8_gemm_wide_n(Q8_GEMM_ARGS) {
  Q8_TILE_PROLOGUE(1)
  Q8_WIDE_LOOP(xq + koff[k], (void)0, wp, wp += Q8_ROWS)
  Q8_TILE_EPILOGUE_n
}

__kernel void q8_gemm_wide_t(Q8_GEMM_ARGS) {
  Q8_TILE_PROLOGUE(0)
  Q8_WIDE_LOOP(wp, wp += Q8_COLS, xq + koff[k], (void)0)
  Q8_TILE_EPILOGUE_t
}

/* ---- dot4 (GPUs: dp4a, khr, arm, or portable) ------------------------------------------------------
 * Each work-item a Q8_DOT_TILE x Q8_DOT_TILE block of outputs inside one row panel and one column
 * panel, reading Q8_DOT_TILE uints of each per K step; neighbouring work-items read neighbouring
 * 16 bytes of the same panel row or activation row (coalesced). Scalar epilogue. chan_rows: 1 =
 * channels on rows. */
__kernel void q8_gemm_dot4(Q8_GEMM_ARGS, const int chan_rows) {
  const int col = get_global_id(0) * Q8_DOT_TILE, row = get_global_id(1) * Q8_DOT_TILE, z = get_global_id(2);
  if (col >= C || row >= R) return;
  const int n = z / G, g = z - (z / G) * G;
  const int cb = col / Q8_COLS, ci = col - cb * Q8_COLS, rb = row / Q8_ROWS, ri = row - rb * Q8_ROWS;
  /* the weight operand walks its panel; the activation operand is read through koff */
  __global const uint *wp = Wt + (size_t)g * w_sg + (chan_rows ? (size_t)rb * K4 * Q8_ROWS + ri : (size_t)cb * K4 * Q8_COLS + ci);
  __global const uint *xq = X + (size_t)z * x_sz + (chan_rows ? col : row);
  const int wstep = chan_rows ? Q8_ROWS : Q8_COLS;
  int acc[Q8_DOT_TILE][Q8_DOT_TILE];
  for (int i = 0; i < Q8_DOT_TILE; i++)
    for (int j = 0; j < Q8_DOT_TILE; j++) acc[i][j] = 0;
  for (int k = 0; k < K4; k++) {
    uint a[Q8_DOT_TILE], b[Q8_DOT_TILE];
    __global const uint *xk = xq + koff[k];
    for (int i = 0; i < Q8_DOT_TILE; i++) {
      a[i] = chan_rows ? wp[i] : xk[i];
      b[i] = chan_rows ? xk[i] : wp[i];
    }
    wp += wstep;
    for (int i = 0; i < Q8_DOT_TILE; i++)
      for (int j = 0; j < Q8_DOT_TILE; j++) Q8_DOT4(acc[i][j], a[i], b[j]);
  }
  for (int i = 0; i < Q8_DOT_TILE; i++)
    for (int j = 0; j < Q8_DOT_TILE; j++) {
      const int r = row + i, c = col + j;
      if (r >= R || c >= C) continue;
      const int ch = chan_rows ? r : c, q = chan_rows ? c : r;
      const int pos = q8_pos(q, Wq, OW, Q);
      if (pos < 0) continue;
      const int pi = g * Mgp + ch;
      const int cs = asym ? colsum[z * cs_sz + q] : 0;
      const int o = n * y_sn + (g * (chan_rows ? R : C) + ch) * y_sc + pos * y_sp;
      y[o] = (char)q8_finish1(acc[i][j], chan[pi], chan[chan_plane + pi], chan[2 * chan_plane + pi],
                              (int)((uint)chan[3 * chan_plane + pi] * (uint)cs), has_res ? res[o] : 0, Q8_EPI_PASS);
    }
}
