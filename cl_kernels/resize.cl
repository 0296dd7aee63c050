/*
 * resize.cl — Resize through per-axis tables made on the host (host/ops/resize.c from
 * host/ref/resize.c): the kernels only gather, so every device computes the same coordinates.
 *
 * geo: out_dims[rank], tab_at[rank] (where axis k's entries start in the tables), then for
 * linear the resized axes in increasing order. off[tab_at[k] + y] is the element offset
 * (index * input stride) of output coordinate y along axis k; for linear off[tab_len + ...] is
 * the second neighbour and w[...] its weight (the first weighs 1 - w, in float).
 * Work-item g writes VEC consecutive outputs of the innermost axis: row g / n_chunks.
 *
 * resize_nearest moves ELEM containers (uchar, ushort, uint, ulong): any dtype.
 * resize_linear is float32; its value is the nested lerp of host/ref/resize_f32.c in the same
 * order (first resized axis innermost), so device and reference agree to the last bit when the
 * device rounds like the host (no contraction: FP_CONTRACT OFF).
 */
#pragma OPENCL FP_CONTRACT OFF

#ifndef ELEM
#define ELEM uint
#endif
#ifndef VEC
#define VEC 32 /* outputs per work-item; the host passes its own (DATA_ITEM_BYTES) */
#endif
#define MAX_AXES 4 /* RESIZE_MAX_LINEAR_AXES of host/ops/resize.c */

__kernel void resize_nearest(__global const ELEM *src, __global ELEM *dst, __constant int *geo, __global const int *off,
                             const int rank, const int tab_len, const int n_chunks, const int n_items) {
  const int gid = get_global_id(0);
  if (gid >= n_items) return;
  int row = gid / n_chunks;
  const int x0 = (gid - row * n_chunks) * VEC;
  const int inner = geo[rank - 1];
  const int d = row * inner + x0;
  int s = 0;
  for (int k = rank - 2; k >= 0; k--) {
    const int n = geo[k];
    const int q = row / n;
    s += off[geo[rank + k] + row - q * n];
    row = q;
  }
  __global const int *t = off + geo[2 * rank - 1] + x0;
  const int n = min(VEC, inner - x0);
  for (int i = 0; i < n; i++) dst[d + i] = src[s + t[i]];
}

__kernel void resize_linear(__global const float *src, __global float *dst, __constant int *geo, __global const int *off,
                            __global const float *w, const int rank, const int n_axes, const int tab_len, const int n_chunks,
                            const int n_items) {
  const int gid = get_global_id(0);
  if (gid >= n_items) return;
  int row = gid / n_chunks;
  const int x0 = (gid - row * n_chunks) * VEC;
  const int inner = geo[rank - 1];
  const int d = row * inner + x0;
  /* table positions of the outer coordinates; base gathers the axes that are not interpolated */
  int at[8];
  int base = 0;
  for (int k = rank - 2; k >= 0; k--) {
    const int n = geo[k];
    const int q = row / n;
    at[k] = geo[rank + k] + row - q * n;
    row = q;
  }
  bool lin[8] = {false, false, false, false, false, false, false, false};
  for (int j = 0; j < n_axes; j++) lin[geo[2 * rank + j]] = true;
  for (int k = 0; k < rank - 1; k++)
    if (!lin[k]) base += off[at[k]];
  const bool last_lin = lin[rank - 1];
  const int corners = 1 << n_axes;
  const int n = min(VEC, inner - x0);
  for (int i = 0; i < n; i++) {
    at[rank - 1] = geo[2 * rank - 1] + x0 + i;
    const int b = last_lin ? base : base + off[at[rank - 1]];
    float v[1 << MAX_AXES];
    for (int m = 0; m < corners; m++) {
      int o = b;
      for (int j = 0; j < n_axes; j++) {
        const int a = at[geo[2 * rank + j]];
        o += ((m >> j) & 1) ? off[tab_len + a] : off[a];
      }
      v[m] = src[o];
    }
    for (int j = 0; j < n_axes; j++) {
      const float b1 = w[at[geo[2 * rank + j]]], b0 = 1.0f - b1;
      for (int m = 0; m < corners; m += 2 << j) v[m] = b0 * v[m] + b1 * v[m + (1 << j)];
    }
    dst[d + i] = v[0];
  }
}

/* Linear when only the last two axes (H, W) may be interpolated: lin_h / lin_w say which are.
 * Same values as resize_linear: H is lerped first (w0*a + w1*b), then W. */
__kernel void resize_bilinear(__global const float *src, __global float *dst, __constant int *geo, __global const int *off,
                              __global const float *w, const int rank, const int lin_h, const int lin_w, const int tab_len,
                              const int n_chunks, const int n_items) {
  const int gid = get_global_id(0);
  if (gid >= n_items) return;
  int row = gid / n_chunks;
  const int x0 = (gid - row * n_chunks) * VEC;
  const int inner = geo[rank - 1];
  const int d = row * inner + x0;
  const int hout = geo[rank - 2];
  int q = row / hout;
  const int ah = geo[2 * rank - 2] + row - q * hout;
  int base = 0;
  for (int k = rank - 3; k >= 0; k--) {
    const int n = geo[k];
    const int q2 = q / n;
    base += off[geo[rank + k] + q - q2 * n];
    q = q2;
  }
  __global const float *r0 = src + base + off[ah];
  __global const float *r1 = src + base + off[tab_len + ah];
  const float h1 = w[ah], h0 = 1.0f - h1;
  const int aw = geo[2 * rank - 1] + x0;
  __global const int *t0 = off + aw, *t1 = off + tab_len + aw;
  __global const float *tw = w + aw;
  const int n = min(VEC, inner - x0);
  for (int i = 0; i < n; i++) {
    const int c0 = t0[i];
    float a = lin_h ? h0 * r0[c0] + h1 * r1[c0] : r0[c0];
    if (lin_w) {
      const int c1 = t1[i];
      const float b = lin_h ? h0 * r0[c1] + h1 * r1[c1] : r0[c1];
      const float w1 = tw[i];
      a = (1.0f - w1) * a + w1 * b;
    }
    dst[d + i] = a;
  }
}
