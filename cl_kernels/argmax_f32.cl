/*
 * argmax_f32.cl — ArgMax / ArgMin along the middle dim of x viewed as [outer, d, inner]: each
 * work-item scans one (outer, inner) column (contiguous when inner = 1, the usual last-axis case)
 * and writes its int64 index. Same comparisons as the C reference host/ref/argmax_f32.c: NaN wins,
 * ties keep the first index unless select_last. Built per element type (-DT=float|int|long|char|
 * uchar); ArgMin and select_last are uniform arguments, so all variants share one program.
 */
#ifndef T
#define T float
#define T_IS_FLOAT 1
#endif
#ifndef T_IS_FLOAT
#define T_IS_FLOAT 0
#endif
#if T_IS_FLOAT
#define IS_NAN(v) isnan(v)
#else
#define IS_NAN(v) 0
#endif

__kernel void argmax(__global const T *x, __global long *y, const int outer, const int d, const int inner,
                     const int is_min, const int select_last) {
  const int gid = get_global_id(0);
  if (gid >= outer * inner) return;
  const int o = gid / inner, i = gid - o * inner;
  __global const T *r = x + o * d * inner + i;
  int best = 0;
  T b = r[0];
  for (int k = 1; k < d; k++) {
    const T v = r[k * inner];
    const int better = IS_NAN(b) ? 0 : (IS_NAN(v) ? 1 : (is_min ? v < b : v > b));
    if (better || (select_last && v == b)) {
      best = k;
      b = v;
    }
  }
  y[gid] = best;
}
