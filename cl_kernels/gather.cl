/*
 * gather.cl — Gather: out[o][j][i] = data[o][idx[j]][i]. ELEM is the element container (uchar,
 * ushort, uint, ulong: any dtype), IDX the index type (int or long). Work-item g copies VEC
 * consecutive elements of an inner run: row g / n_chunks (= o * n_idx + j), chunk g % n_chunks.
 * Negative indices count from the end; indices still out of range are clamped (the host checks
 * constant indices and the reference reports bad ones; a kernel cannot, so it stays in bounds).
 */
#ifndef ELEM
#define ELEM uint
#endif
#ifndef IDX
#define IDX long
#endif
#ifndef VEC
#define VEC 16 /* elements per work-item; the host passes its own (DATA_ITEM_BYTES) */
#endif

__kernel void gather(__global const ELEM *data, __global const IDX *idx, __global ELEM *out, const int axis_dim,
                     const int inner, const int n_idx, const int n_chunks, const int n_items) {
  const int gid = get_global_id(0);
  if (gid >= n_items) return;
  const int row = gid / n_chunks;
  const int x0 = (gid - row * n_chunks) * VEC;
  const int o = row / n_idx, j = row - o * n_idx;
  IDX k = idx[j];
  if (k < 0) k += axis_dim;
  k = k < 0 ? 0 : (k >= axis_dim ? axis_dim - 1 : k);
  const int s = (o * axis_dim + (int)k) * inner + x0;
  const int d = row * inner + x0;
  if (x0 + VEC <= inner) {
#if VEC % 16 == 0
    for (int v = 0; v < VEC; v += 16) vstore16(vload16(0, data + s + v), 0, out + d + v);
#else
    for (int i = 0; i < VEC; i++) out[d + i] = data[s + i];
#endif
  } else {
    for (int i = 0; i < inner - x0; i++) out[d + i] = data[s + i];
  }
}
