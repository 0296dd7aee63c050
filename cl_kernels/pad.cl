/*
 * pad.cl — Pad (constant, edge, reflect, wrap; negative pads crop) for any dtype: ELEM is the
 * element container (uchar, ushort, uint, ulong); mode is a CLIQ_PAD_* of pad_index.h, whose
 * cliq_pad_src() maps coordinates exactly as the C reference (host/ref/pad.c) does. The mode is
 * an argument, not a build option: one program per element size.
 *
 * geo: out_dims[rank], in_stride[rank], begin[rank], start[rank], len[rank]. Work-item g writes
 * VEC consecutive output elements of the innermost axis: row g / n_chunks, chunk g % n_chunks.
 * A run that lies inside the input along that axis is one vector copy.
 */
#include "pad_index.h"

#ifndef ELEM
#define ELEM uint
#endif
#ifndef VEC
#define VEC 32 /* elements per work-item; the host passes its own (DATA_ITEM_BYTES) */
#endif

__kernel void pad(__global const ELEM *src, __global ELEM *dst, __constant int *geo, const int rank, const int mode, const ulong value,
                  const int n_chunks, const int n_items) {
  const int gid = get_global_id(0);
  if (gid >= n_items) return;
  int row = gid / n_chunks;
  const int x0 = (gid - row * n_chunks) * VEC;
  const int inner = geo[rank - 1];
  const int d = row * inner + x0;
  const ELEM v = (ELEM)value;
  int s = 0;
  bool inside = true;
  for (int k = rank - 2; k >= 0; k--) {
    const int n = geo[k];
    const int q = row / n;
    const int c = row - q * n;
    row = q;
    const int x = cliq_pad_src(c, geo[2 * rank + k], geo[3 * rank + k], geo[4 * rank + k], mode);
    if (x < 0)
      inside = false;
    else
      s += x * geo[rank + k];
  }
  const int n = min(VEC, inner - x0);
  if (!inside) {
    for (int i = 0; i < n; i++) dst[d + i] = v;
    return;
  }
  const int b = geo[3 * rank - 1], st = geo[4 * rank - 1], len = geo[5 * rank - 1];
#if VEC % 16 == 0
  if (n == VEC && x0 - b >= 0 && x0 - b + VEC <= len) { /* the run is inside the input */
    for (int v = 0; v < VEC; v += 16) vstore16(vload16(0, src + s + st + x0 - b + v), 0, dst + d + v);
    return;
  }
#endif
  /* [lo, hi) of the run reads the input straight; only the ends need the mode */
  const int lo = clamp(b - x0, 0, n), hi = clamp(b + len - x0, lo, n);
  for (int i = 0; i < lo; i++) {
    const int x = cliq_pad_src(x0 + i, b, st, len, mode);
    dst[d + i] = x < 0 ? v : src[s + x];
  }
  __global const ELEM *in = src + s + st + x0 - b;
  for (int i = lo; i < hi; i++) dst[d + i] = in[i];
  for (int i = hi; i < n; i++) {
    const int x = cliq_pad_src(x0 + i, b, st, len, mode);
    dst[d + i] = x < 0 ? v : src[s + x];
  }
}
