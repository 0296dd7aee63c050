/*
 * lut_q8.cl — cliq's int8 QLut (host/ops/qlut.c): y = table[x + 128], the 256-entry table made on
 * the host (host/ref/lut_q8.c), so the result is exact by construction. VEC elements per
 * work-item. lut_q8 reads one table through the constant cache; lut_q8_channels one table per
 * channel (rows of `inner` elements, row r in channel r % channels) from global memory, since
 * channels * 256 bytes may exceed the constant buffer.
 */
#ifndef VEC
#define VEC 16 /* elements per work-item */
#endif

__kernel void lut_q8(__global const char *x, __constant char *table, __global char *y, const int n) {
  const int k0 = get_global_id(0) * VEC;
  if (k0 >= n) return;
  const int end = min(k0 + VEC, n);
  for (int k = k0; k < end; k++) y[k] = table[x[k] + 128];
}

__kernel void lut_q8_channels(__global const char *x, __global const char *table, __global char *y, const int rows,
                              const int inner, const int channels) {
  const int r = get_global_id(1);
  const int k0 = get_global_id(0) * VEC;
  if (r >= rows || k0 >= inner) return;
  __global const char *t = table + (r % channels) * 256 + 128;
  const long base = (long)r * inner;
  const int end = min(k0 + VEC, inner);
  for (int k = k0; k < end; k++) y[base + k] = t[x[base + k]];
}
