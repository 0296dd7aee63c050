/*
 * strided_copy.cl — the N-d strided box copy behind Concat, Split, Slice, Transpose, Expand and
 * Tile (host/ref/strided_copy.c is its reference; host/ops/data_util.c plans it). ELEM is the
 * element's bit container (uchar, ushort, uint, ulong), so one kernel serves float32, int8,
 * uint8, int32, int64 and bool.
 *
 * geo holds dims[rank], src_stride[rank], dst_stride[rank] (elements; source strides may be
 * negative or 0) of a box the host has simplified (size-1 dims dropped, contiguous dims merged).
 * Work-item g copies VEC consecutive elements of the innermost dim: row g / n_chunks, chunk
 * g % n_chunks. When both innermost strides are 1 (Concat, Split, most Slices) the run is one
 * vector load and store.
 */
#ifndef ELEM
#define ELEM uint
#endif
#ifndef VEC
#define VEC 16 /* elements per work-item; the host passes its own choice (data_util.c) */
#endif

__kernel void strided_copy(__global const ELEM *src, __global ELEM *dst, __constant int *geo, const int rank,
                           const int src_off, const int dst_off, const int n_chunks, const int n_items) {
  const int gid = get_global_id(0);
  if (gid >= n_items) return;
  int row = gid / n_chunks;
  const int x0 = (gid - row * n_chunks) * VEC;
  int s = src_off, d = dst_off;
  for (int k = rank - 2; k >= 0; k--) {
    const int n = geo[k];
    const int q = row / n;
    const int c = row - q * n;
    row = q;
    s += c * geo[rank + k];
    d += c * geo[2 * rank + k];
  }
  const int inner = geo[rank - 1], ss = geo[2 * rank - 1], ds = geo[3 * rank - 1];
  s += x0 * ss;
  d += x0 * ds;
  if (ss == 1 && ds == 1 && x0 + VEC <= inner) {
#if VEC % 16 == 0
    for (int v = 0; v < VEC; v += 16) vstore16(vload16(0, src + s + v), 0, dst + d + v);
#else
    for (int i = 0; i < VEC; i++) dst[d + i] = src[s + i];
#endif
  } else {
    const int n = min(VEC, inner - x0);
    for (int i = 0; i < n; i++) dst[d + i * ds] = src[s + i * ss];
  }
}
