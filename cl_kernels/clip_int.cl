/*
 * clip_int.cl — Clip on integer tensors (opset 12+), ITYPE = char, uchar, int or long. Bounds are
 * 1-element buffers in the input's type; an absent bound is the type's own limit.
 */
#ifndef ITYPE
#define ITYPE int
#endif

__kernel void clip_int(__global const ITYPE *x, __global ITYPE *y, const int n, __global const ITYPE *lo_buf,
                       const int has_lo, __global const ITYPE *hi_buf, const int has_hi) {
  const int i = get_global_id(0);
  if (i >= n) return;
  ITYPE v = x[i];
  if (has_lo && v < lo_buf[0]) v = lo_buf[0];
  if (has_hi && v > hi_buf[0]) v = hi_buf[0];
  y[i] = v;
}
