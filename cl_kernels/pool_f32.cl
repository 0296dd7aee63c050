/*
 * pool_f32.cl — MaxPool and AveragePool over 1-D to 3-D windows (strides, pads, dilations,
 * ceil_mode and auto_pad resolved on the host: host/ops/pool.c). The C reference is
 * host/ref/pool_f32.c; taps are visited in the same order (kd, kh, kw) for every output, so
 * AveragePool sums round alike.
 *
 * Spatial dims are normalised to (D, H, W); 1-D and 2-D pools have D (and H) of size 1.
 * A work-item computes VW consecutive outputs along W of one output row (plane, od, oh); its flat
 * id splits into those with a few divisions per work-item, none per tap.
 * With -DPOOL_SW=1 or 2 (the W stride, known when the program is built: almost every pool has
 * stride 1 or 2), a work-item whose windows lie inside the input along W loads each tap of its VW
 * outputs as one vector (vloadVW, or vload2VW and its .even lanes for stride 2) — the explicit
 * vectors PoCL turns into SIMD (shared/notes/pocl-performance.md, lesson 2). Work-items at the
 * left/right borders, and every stride without -DPOOL_SW, take the scalar path.
 *
 * maxpool is built for T = float (default), char or uchar (-DT=char -DT_LOWEST=CHAR_MIN): the int8
 * graph reuses it because max commutes with a positive-scale quantization.
 */
#ifndef T
#define T float
#endif
#ifndef T_LOWEST
#define T_LOWEST (-FLT_MAX) /* as ONNX Runtime: a window of padding only gives the lowest value */
#endif
#ifndef VW
#define VW 8 /* outputs along W per work-item: 4 or 8 */
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define TV CAT(T, VW)   /* T vector of VW lanes */
#define FV CAT(float, VW)
#if VW == 8
#define VLOAD2W vload16
#else
#define VLOAD2W vload8
#endif
#ifdef POOL_SW
#if POOL_SW == 1
#define LOAD_TAPS(p) CAT(vload, VW)(0, p)
#else
#define LOAD_TAPS(p) VLOAD2W(0, p).even /* lanes 0, 2, 4, ...: stride 2 */
#endif
#endif

#define POOL_ARGS(TY)                                                                                   \
  __global const TY *x, __global TY *y, const int planes, const int ID, const int IH, const int IW,     \
      const int OD, const int OH, const int OW, const int KD, const int KH, const int KW, const int SD,  \
      const int SH, const int SW, const int DD, const int DH, const int DW, const int PD, const int PH,  \
      const int PW

#define POOL_PROLOGUE(TY)                                                                               \
  const int g0 = (OW + VW - 1) / VW, gid = get_global_id(0);                                           \
  if (gid >= g0 * OH * planes * OD) return;                                                             \
  const int ow0 = (gid % g0) * VW, oh = (gid / g0) % OH, z = gid / g0 / OH;                             \
  const int pl = z / OD, od = z - pl * OD;                                                              \
  const int n = min(VW, OW - ow0);                                                                      \
  const int iw0 = ow0 * SW - PW;                                                                        \
  const bool interior = n == VW && iw0 >= 0 && (ow0 + VW - 1) * SW - PW + (KW - 1) * DW < IW;          \
  /* the vector path also reads the odd lane past the last tap when the stride is 2 */                 \
  const bool vec_ok = interior && iw0 + (KW - 1) * DW + SW * VW - 1 < IW;                               \
  (void)vec_ok;                                                                                         \
  __global TY *out = y + (z * OH + oh) * OW + ow0;

/* Loops over the window rows (kd, kh) inside the input; `row` points at input row (id, ih). */
#define FOR_ROWS(TY, BODY)                                                                            \
  for (int kd = 0; kd < KD; kd++) {                                                                  \
    const int id = od * SD - PD + kd * DD;                                                           \
    if (id < 0 || id >= ID) continue;                                                                \
    for (int kh = 0; kh < KH; kh++) {                                                                \
      const int ih = oh * SH - PH + kh * DH;                                                         \
      if (ih < 0 || ih >= IH) continue;                                                              \
      __global const TY *row = x + ((pl * ID + id) * IH + ih) * IW;                                  \
      BODY                                                                                           \
    }                                                                                                \
  }

__kernel void maxpool(POOL_ARGS(T)) {
  POOL_PROLOGUE(T)
#ifdef POOL_SW
  if (vec_ok) {
    TV m = (TV)(T_LOWEST);
    FOR_ROWS(T, for (int kw = 0; kw < KW; kw++) {
      const TV v = LOAD_TAPS(row + iw0 + kw * DW);
      m = select(m, v, v > m);
    })
    CAT(vstore, VW)(m, 0, out);
    return;
  }
#endif
  T m[VW];
  for (int j = 0; j < VW; j++) m[j] = T_LOWEST;
  FOR_ROWS(T, if (interior) {
    for (int kw = 0; kw < KW; kw++)
      _Pragma("unroll") for (int j = 0; j < VW; j++) {
        const T v = row[iw0 + j * SW + kw * DW];
        m[j] = v > m[j] ? v : m[j];
      }
  } else {
    for (int j = 0; j < n; j++)
      for (int kw = 0; kw < KW; kw++) {
        const int iw = iw0 + j * SW + kw * DW;
        if (iw >= 0 && iw < IW) {
          const T v = row[iw];
          m[j] = v > m[j] ? v : m[j];
        }
      }
  })
  for (int j = 0; j < n; j++) out[j] = m[j];
}

/* Taps t < k of a window starting at `start` with lo <= start + t*d < hi. */
inline int taps_inside(int start, int k, int d, int lo, int hi) {
  int c = 0;
  for (int t = 0; t < k; t++) {
    const int i = start + t * d;
    c += i >= lo && i < hi;
  }
  return c;
}

/* count_include_pad: the divisor counts taps inside [-pad_begin, in + pad_end) (ED/EH/EW are
 * in + pad_end) instead of taps inside the input. Only built for T = float. */
__kernel void avgpool_f32(POOL_ARGS(float), const int ED, const int EH, const int EW, const int include_pad) {
  POOL_PROLOGUE(float)
  const int cdh = include_pad ? taps_inside(od * SD - PD, KD, DD, -PD, ED) * taps_inside(oh * SH - PH, KH, DH, -PH, EH)
                              : taps_inside(od * SD - PD, KD, DD, 0, ID) * taps_inside(oh * SH - PH, KH, DH, 0, IH);
#ifdef POOL_SW
  if (vec_ok) { /* every tap along W is inside the input: KW of them count either way */
    FV s = (FV)(0.0f);
    FOR_ROWS(float, for (int kw = 0; kw < KW; kw++) s += LOAD_TAPS(row + iw0 + kw * DW);)
    CAT(vstore, VW)(s / (FV)((float)(cdh * KW)), 0, out);
    return;
  }
#endif
  float s[VW];
  for (int j = 0; j < VW; j++) s[j] = 0.0f;
  FOR_ROWS(float, if (interior) {
    for (int kw = 0; kw < KW; kw++)
      _Pragma("unroll") for (int j = 0; j < VW; j++) s[j] += row[iw0 + j * SW + kw * DW];
  } else {
    for (int j = 0; j < n; j++)
      for (int kw = 0; kw < KW; kw++) {
        const int iw = iw0 + j * SW + kw * DW;
        if (iw >= 0 && iw < IW) s[j] += row[iw];
      }
  })
  for (int j = 0; j < n; j++) {
    const int start = iw0 + j * SW;
    const int cw = include_pad ? taps_inside(start, KW, DW, -PW, EW) : taps_inside(start, KW, DW, 0, IW);
    out[j] = s[j] / (float)(cdh * cw);
  }
}
