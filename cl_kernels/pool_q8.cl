/*
 * pool_q8.cl — cliq's int8 QAvgPool and QGlobalAvgPool (host/ops/qpool.c), bit-identical to
 * host/ref/pool_q8.c: the window sum of (x - zx) in int32, then one cliq_requant with the Q31
 * multiplier of s_x / (count * s_y) from a table indexed by the window's cell count. One output
 * per work-item; up to 3 spatial dims (unused ones have size 1).
 */
#include "cliq_requant.h"

__kernel void avgpool_q8(__global const char *x, __global char *y, __global const int *mult, __global const int *shift,
                         const int total, const int include_pad, const int zx, const int zy, const int lo, const int hi,
                         const int in0, const int in1, const int in2, const int k0, const int k1, const int k2,
                         const int o0, const int o1, const int o2, const int s0, const int s1, const int s2,
                         const int d0, const int d1, const int d2, const int p0, const int p1, const int p2,
                         const int e0, const int e1, const int e2) {
  const int gid = get_global_id(0);
  if (gid >= total) return;
  int r = gid;
  const int q2 = r % o2;
  r /= o2;
  const int q1 = r % o1;
  r /= o1;
  const int q0 = r % o0;
  const int plane = r / o0;
  __global const char *xp = x + (long)plane * in0 * in1 * in2;
  int sum = 0, count = 0;
  if (k0 == in0 && k1 == in1 && k2 == in2 && o0 == 1 && o1 == 1 && o2 == 1 && p0 == 0 && p1 == 0 && p2 == 0 &&
      d0 == 1 && d1 == 1 && d2 == 1) {
    /* the window is the whole plane (QGlobalAvgPool): 16-byte vector sums instead of the checked
     * triple loop, which made the global pool of SE blocks cost more than their convolutions */
    const int n = in0 * in1 * in2;
    int16 s16 = 0;
    int i = 0;
    for (; i + 16 <= n; i += 16) s16 += convert_int16(vload16(0, xp + i));
    for (; i < n; i++) sum += xp[i];
    sum += s16.s0 + s16.s1 + s16.s2 + s16.s3 + s16.s4 + s16.s5 + s16.s6 + s16.s7 + s16.s8 + s16.s9 + s16.sa + s16.sb +
           s16.sc + s16.sd + s16.se + s16.sf - n * zx;
    y[gid] = (char)cliq_requant(sum, mult[n], shift[n], zy, lo, hi);
    return;
  }
  for (int a0 = 0; a0 < k0; a0++) {
    const int i0 = q0 * s0 - p0 + a0 * d0;
    if (i0 < -p0 || i0 >= in0 + e0) continue; /* past the padded input */
    for (int a1 = 0; a1 < k1; a1++) {
      const int i1 = q1 * s1 - p1 + a1 * d1;
      if (i1 < -p1 || i1 >= in1 + e1) continue;
      for (int a2 = 0; a2 < k2; a2++) {
        const int i2 = q2 * s2 - p2 + a2 * d2;
        if (i2 < -p2 || i2 >= in2 + e2) continue;
        const bool inside = i0 >= 0 && i0 < in0 && i1 >= 0 && i1 < in1 && i2 >= 0 && i2 < in2;
        if (inside) sum += xp[(i0 * in1 + i1) * in2 + i2] - zx;
        if (inside || include_pad) count++;
      }
    }
  }
  y[gid] = (char)(count ? cliq_requant(sum, mult[count], shift[count], zy, lo, hi) : clamp(zy, lo, hi));
}
