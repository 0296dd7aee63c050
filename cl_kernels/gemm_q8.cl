/*
 * gemm_q8.cl — the int8 GEMM kernels behind QConv and QGemm (host/ops/q8_layer.c plans them; the
 * variant table is host/cl/variants_q8.h). Exact: int32 accumulators, the output stage of
 * cliq_requant.h, bit-identical to host/ref/conv_q8.c and gemm_q8.c on every path.
 *
 * Problem: for each z = n * G + g (image n, group g), Y[row, col] over R rows x C columns and
 * K = 4 * K4 packed depth. One operand holds the weights, the other the activations (im2col'd by
 * conv_q8.cl); which is which is the orientation, chosen per node by the host:
 *   channels on rows  (kernels *_n): rows = output channels, columns = output positions; the
 *                     usual case: wide spatial outputs fill the 32-column panels.
 *   channels on cols  (kernels *_t): rows = positions, columns = channels; for small spatial
 *                     outputs (7x7) and fully connected layers, so the small dimension is not
 *                     padded up to 32 (shared/notes lesson 5).
 *
 * Layout (why): both operands are packed into panels of 4-deep byte quads, [blk][K4][width][4]:
 * a uint holds 4 consecutive k of one row/column, so one dot-product instruction (vpdpbusd lane,
 * dp4a, dot_4x8packed, arm_dot) consumes exactly one uint of each operand, and a panel of one
 * block is contiguous in K. Row panels are Q8_ROWS wide (broadcast 4 bytes at a time), column
 * panels 32 wide (two 512-bit vectors). Weights are packed once at plan time; activations by
 * conv_q8.cl per run. K is padded to a multiple of 4 with zero weights.
 *
 * Zero points are folded by the host (q8_layer.c) so the inner loop is a plain dot product:
 *   acc = dot(x', w) + bias'[c] - z_w[c] * colsum[p]
 *   bias'[c] = bias[c] - (z_x + xoff) * sum_k w[c,k] + K * z_x * z_w[c]
 * where x' = x + xoff is what the panels hold (xoff = 128 on the VNNI path, whose vpdpbusd takes
 * unsigned activations; 0 elsewhere) and colsum[p] = sum_k x[k,p] (asymmetric weights only).
 * Padded taps hold z_x, which makes the folded terms exact. All int32 arithmetic wraps.
 *
 * Channel parameters: 4 planes of ints (bias', multiplier, shift, z_w), chan_plane apart, each
 * channel c of group g at g * Mgp + c, Mgp = channels per group rounded up to 32 (padding zero).
 */
#include "cliq_requant.h"
#include "dot_q8.h"

#ifndef Q8_ROWS
#define Q8_ROWS 8 /* rows per work-item = row panel width: 8 x 32 int32 fills 16 zmm (shared/notes lesson 2) */
#endif
#define Q8_COLS 32 /* column panel width: two 16-lane vectors; fixed by the packing */

#ifndef Q8_DOT_TILE
#define Q8_DOT_TILE 4 /* rows and columns per work-item of the dot4 kernel (GPUs) */
#endif

#define Q8_GEMM_ARGS                                                                                          \
  __global const uint *A, __global const uint *B, __global const int *chan, __global const int *colsum,       \
      __global const char *res, __global char *y, const int R, const int C, const int K4, const int G,        \
      const int a_sn, const int a_sg, const int b_sn, const int b_sg, const int Mgp, const int chan_plane,    \
      const int cs_sn, const int cs_sg, const int y_sn, const int y_sc, const int y_sp, const int OW,         \
      const int OWp, const int asym,                                                                          \
      const int has_res, const int yzp, const int lo, const int hi, const int zc, const int clo, const int chi, \
      const int zr, const int ma, const int sha, const int mb, const int shb, const int my, const int shy

#define Q8_EPI_PASS has_res, yzp, lo, hi, zc, clo, chi, zr, ma, sha, mb, shb, my, shy
#define Q8_EPI_ARGS                                                                                            \
  const int has_res, const int yzp, const int lo, const int hi, const int zc, const int clo, const int chi,   \
      const int zr, const int ma, const int sha, const int mb, const int shb, const int my, const int shy

/* 16 int8 values at p[base + i * stride], i < count (others 0). */
inline int16 q8_load16(__global const char *p, int base, int stride, int count) {
  if (count >= 16 && stride == 1) return convert_int16(vload16(0, p + base));
  int v[16];
  for (int i = 0; i < 16; i++) v[i] = i < count ? p[base + i * stride] : 0;
  return vload16(0, v);
}

inline void q8_store16(__global char *p, int base, int stride, int count, int16 v) {
  if (count >= 16 && stride == 1) {
    vstore16(convert_char16(v), 0, p + base);
    return;
  }
  int a[16];
  vstore16(v, 0, a);
  for (int i = 0; i < 16 && i < count; i++) p[base + i * stride] = (char)a[i];
}

/* Finishes 16 outputs: folded terms, requantization (and the fused residual add), store. */
inline void q8_finish16(int16 acc, int16 bias, int16 mult, int16 shift, int16 zw_cs, __global const char *res,
                        __global char *y, int base, int stride, int count, Q8_EPI_ARGS) {
  if (count <= 0) return;
  int16 a = as_int16(as_uint16(acc) + as_uint16(bias) - as_uint16(zw_cs));
  int16 v;
  if (has_res) {
    int16 r = q8_load16(res, base, stride, count);
    v = cliq_q8_residual16(a, mult, shift, zc, clo, chi, r, zr, ma, sha, mb, shb, my, shy, yzp, lo, hi);
  } else {
    v = cliq_requant16(a, mult, shift, yzp, lo, hi);
  }
  q8_store16(y, base, stride, count, v);
}

inline int q8_finish1(int acc, int bias, int mult, int shift, int zw_cs, int r, Q8_EPI_ARGS) {
  int a = as_int(as_uint(acc) + as_uint(bias) - as_uint(zw_cs));
  if (has_res) return cliq_q8_residual(a, mult, shift, zc, clo, chi, r, zr, ma, sha, mb, shb, my, shy, yzp, lo, hi);
  return cliq_requant(a, mult, shift, yzp, lo, hi);
}

/* Epilogue of a Q8_ROWS x 32 tile, channels on rows. */
inline void q8_epilogue_n(const int16 *acc, int n, int g, int rb, int cb, __global const int *chan,
                          __global const int *colsum, __global const char *res, __global char *y, int R, int C,
                          int Mgp, int chan_plane, int cs_sn, int cs_sg, int y_sn, int y_sc, int y_sp, int OW, int OWp,
                          int asym, Q8_EPI_ARGS) {
  const int pos0 = cb * Q8_COLS;
  /* columns are positions with output rows padded to OWp (a multiple of 16, or one row): each
   * 16-column half lies in one output row; n0/n1 = its valid outputs */
  const int oh0 = pos0 / OWp, ow0 = pos0 - oh0 * OWp, oh1 = (pos0 + 16) / OWp, ow1 = pos0 + 16 - oh1 * OWp;
  const int n0 = min(OW - ow0, C - pos0), n1 = min(OW - ow1, C - pos0 - 16);
  int16 cs0 = 0, cs1 = 0;
  if (asym) {
    __global const int *cs = colsum + n * cs_sn + g * cs_sg + pos0;
    cs0 = vload16(0, cs);
    cs1 = vload16(1, cs);
  }
  for (int r = 0; r < Q8_ROWS; r++) {
    const int row = rb * Q8_ROWS + r;
    if (row >= R) break;
    const int pi = g * Mgp + row;
    const int bias = chan[pi], mult = chan[chan_plane + pi], shift = chan[2 * chan_plane + pi];
    const int zw = chan[3 * chan_plane + pi];
    const int cbase = n * y_sn + (g * R + row) * y_sc;
    q8_finish16(acc[2 * r], (int16)bias, (int16)mult, (int16)shift, as_int16(as_uint16(cs0) * (uint)zw), res, y,
                cbase + (oh0 * OW + ow0) * y_sp, y_sp, n0, Q8_EPI_PASS);
    q8_finish16(acc[2 * r + 1], (int16)bias, (int16)mult, (int16)shift, as_int16(as_uint16(cs1) * (uint)zw), res, y,
                cbase + (oh1 * OW + ow1) * y_sp, y_sp, n1, Q8_EPI_PASS);
  }
}

/* Epilogue of a Q8_ROWS x 32 tile, channels on columns. */
inline void q8_epilogue_t(const int16 *acc, int n, int g, int rb, int cb, __global const int *chan,
                          __global const int *colsum, __global const char *res, __global char *y, int R, int C,
                          int Mgp, int chan_plane, int cs_sn, int cs_sg, int y_sn, int y_sc, int y_sp, int asym,
                          Q8_EPI_ARGS) {
  const int col0 = cb * Q8_COLS;
  __global const int *cp = chan + g * Mgp + col0;
  const int16 bias0 = vload16(0, cp), bias1 = vload16(1, cp);
  const int16 mult0 = vload16(0, cp + chan_plane), mult1 = vload16(1, cp + chan_plane);
  const int16 shift0 = vload16(0, cp + 2 * chan_plane), shift1 = vload16(1, cp + 2 * chan_plane);
  const uint16 zw0 = as_uint16(vload16(0, cp + 3 * chan_plane)), zw1 = as_uint16(vload16(1, cp + 3 * chan_plane));
  for (int r = 0; r < Q8_ROWS; r++) {
    const int pos = rb * Q8_ROWS + r;
    if (pos >= R) break;
    const uint cs = asym ? (uint)colsum[n * cs_sn + g * cs_sg + pos] : 0u;
    const int base = n * y_sn + (g * C + col0) * y_sc + pos * y_sp;
    q8_finish16(acc[2 * r], bias0, mult0, shift0, as_int16(zw0 * cs), res, y, base, y_sc, C - col0, Q8_EPI_PASS);
    q8_finish16(acc[2 * r + 1], bias1, mult1, shift1, as_int16(zw1 * cs), res, y, base + 16 * y_sc, y_sc,
                C - col0 - 16, Q8_EPI_PASS);
  }
}

/* The start of every Q8_ROWS x 32 tile kernel: ids, guard, panel pointers, zeroed accumulators. */
#define Q8_TILE_PROLOGUE                                                                                       \
  const int cb = get_global_id(0), rb = get_global_id(1), z = get_global_id(2);                               \
  if (cb * Q8_COLS >= C || rb * Q8_ROWS >= R) return;                                                          \
  const int n = z / G, g = z - (z / G) * G;                                                                    \
  __global const uint *ap = A + (size_t)n * a_sn + (size_t)g * a_sg + (size_t)rb * K4 * Q8_ROWS;              \
  __global const int *bp = (__global const int *)(B + (size_t)n * b_sn + (size_t)g * b_sg +                   \
                                                  (size_t)cb * K4 * Q8_COLS);                                  \
  int16 acc[2 * Q8_ROWS];                                                                                      \
  for (int r = 0; r < 2 * Q8_ROWS; r++) acc[r] = 0;

#define Q8_TILE_EPILOGUE_n                                                                                     \
  q8_epilogue_n(acc, n, g, rb, cb, chan, colsum, res, y, R, C, Mgp, chan_plane, cs_sn, cs_sg, y_sn, y_sc, y_sp,   \
                OW, OWp, asym, Q8_EPI_PASS);
#define Q8_TILE_EPILOGUE_t                                                                                     \
  q8_epilogue_t(acc, n, g, rb, cb, chan, colsum, res, y, R, C, Mgp, chan_plane, cs_sn, cs_sg, y_sn, y_sc, y_sp,   \
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
  Q8_TILE_PROLOGUE
  for (int k = 0; k < K4; k++) {
    const int16 b0 = vload16(0, bp), b1 = vload16(1, bp);
    bp += Q8_COLS;
#pragma unroll
    for (int r = 0; r < Q8_ROWS; r++) {
      const int16 a = (int16)as_int(ap[r]);
      Q8_VPDPBUSD(acc[2 * r], b0, a);
      Q8_VPDPBUSD(acc[2 * r + 1], b1, a);
    }
    ap += Q8_ROWS;
  }
  Q8_TILE_EPILOGUE_n
}

__kernel void q8_gemm_vnni_t(Q8_GEMM_ARGS) {
  Q8_TILE_PROLOGUE
  for (int k = 0; k < K4; k++) {
    const int16 b0 = vload16(0, bp), b1 = vload16(1, bp);
    bp += Q8_COLS;
#pragma unroll
    for (int r = 0; r < Q8_ROWS; r++) {
      const int16 a = (int16)as_int(ap[r]);
      Q8_VPDPBUSD(acc[2 * r], a, b0);
      Q8_VPDPBUSD(acc[2 * r + 1], a, b1);
    }
    ap += Q8_ROWS;
  }
  Q8_TILE_EPILOGUE_t
}
#endif

/* ---- wide portable (CPU devices without VNNI) ----------------------------------------------------
 * The same tile with plain int multiplies: each packed uint of the column panel is split into its
 * four sign-extended bytes by shifts on 16-lane vectors, each weight byte broadcast. Signed x
 * signed, so one K loop serves both orientations. */
#define Q8_WIDE_LOOP                                                                                           \
  for (int k = 0; k < K4; k++) {                                                                               \
    const int16 b0 = vload16(0, bp), b1 = vload16(1, bp);                                                      \
    bp += Q8_COLS;                                                                                             \
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
    ap += Q8_ROWS;                                                                                             \
  }

__kernel void q8_gemm_wide_n(Q8_GEMM_ARGS) {
  Q8_TILE_PROLOGUE
  Q8_WIDE_LOOP
  Q8_TILE_EPILOGUE_n
}

__kernel void q8_gemm_wide_t(Q8_GEMM_ARGS) {
  Q8_TILE_PROLOGUE
  Q8_WIDE_LOOP
  Q8_TILE_EPILOGUE_t
}

/* ---- dot4 (GPUs: dp4a, khr, arm, or portable) ------------------------------------------------------
 * Each work-item a Q8_DOT_TILE x Q8_DOT_TILE block of outputs inside one row panel and one column
 * panel, reading a uint4 of each per K step; neighbouring work-items read neighbouring 16 bytes of
 * the same panel row (coalesced). Scalar epilogue. chan_rows: 1 = channels on rows. */
__kernel void q8_gemm_dot4(Q8_GEMM_ARGS, const int chan_rows) {
  const int col = get_global_id(0) * Q8_DOT_TILE, row = get_global_id(1) * Q8_DOT_TILE, z = get_global_id(2);
  if (col >= C || row >= R) return;
  const int n = z / G, g = z - (z / G) * G;
  const int cb = col / Q8_COLS, ci = col - cb * Q8_COLS, rb = row / Q8_ROWS, ri = row - rb * Q8_ROWS;
  __global const uint *ap = A + (size_t)n * a_sn + (size_t)g * a_sg + (size_t)rb * K4 * Q8_ROWS + ri;
  __global const uint *bp = B + (size_t)n * b_sn + (size_t)g * b_sg + (size_t)cb * K4 * Q8_COLS + ci;
  int acc[Q8_DOT_TILE][Q8_DOT_TILE];
  for (int i = 0; i < Q8_DOT_TILE; i++)
    for (int j = 0; j < Q8_DOT_TILE; j++) acc[i][j] = 0;
  for (int k = 0; k < K4; k++) {
    uint a[Q8_DOT_TILE], b[Q8_DOT_TILE];
    for (int i = 0; i < Q8_DOT_TILE; i++) {
      a[i] = ap[i];
      b[i] = bp[i];
    }
    ap += Q8_ROWS;
    bp += Q8_COLS;
    for (int i = 0; i < Q8_DOT_TILE; i++)
      for (int j = 0; j < Q8_DOT_TILE; j++) Q8_DOT4(acc[i][j], a[i], b[j]);
  }
  for (int i = 0; i < Q8_DOT_TILE; i++)
    for (int j = 0; j < Q8_DOT_TILE; j++) {
      const int r = row + i, c = col + j;
      if (r >= R || c >= C) continue;
      const int ch = chan_rows ? r : c, pos = chan_rows ? c : r;
      /* positions are padded per output row to OWp (OWp = OW: no padding) */
      const int oh = pos / OWp, ow = pos - (pos / OWp) * OWp;
      if (ow >= OW) continue;
      const int pi = g * Mgp + ch;
      const int cs = asym ? colsum[n * cs_sn + g * cs_sg + pos] : 0;
      const int o = n * y_sn + (g * (chan_rows ? R : C) + ch) * y_sc + (oh * OW + ow) * y_sp;
      y[o] = (char)q8_finish1(acc[i][j], chan[pi], chan[chan_plane + pi], chan[2 * chan_plane + pi],
                              (int)((uint)chan[3 * chan_plane + pi] * (uint)cs), has_res ? res[o] : 0, Q8_EPI_PASS);
    }
}
