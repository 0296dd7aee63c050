/*
 * lut_q8.cl — cliq's int8 QLut (host/ops/qlut.c): y = table[x + 128], the 256-entry table made on
 * the host (host/ref/lut_q8.c), so the result is exact by construction. VEC elements per
 * work-item; the table is read through the constant cache.
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
