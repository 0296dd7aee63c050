/*
 * pool_f32.cl — MaxPool and AveragePool over 1-D to 3-D windows (strides, pads, dilations,
 * ceil_mode and auto_pad resolved on the host: host/ops/pool.c). The C reference is
 * host/ref/pool_f32.c; taps are visited in the same order (kd, kh, kw) for every output, so
 * AveragePool sums round alike.
 *
 * Spatial dims are normalised to (D, H, W); 1-D and 2-D pools have D (and H) of size 1.
 * A work-item computes the outputs [ow_begin, ow_begin + PIECE) of one output row (plane, od, oh):
 * on CPUs a whole row (host tunable POOL_ITEM_OUTPUTS), so the few divisions that split the flat id
 * and the row set-up are paid once per row; on GPUs one vector of outputs.
 * With -DPOOL_SW=1 or 2 (the W stride, known when the program is built: almost every pool has
 * stride 1 or 2) the outputs whose windows lie inside the input along W, [VLO, VHI) from the host,
 * are computed VW at a time, two vectors per step: each tap of VW outputs is one vector load
 * (stride 2: two loads and their .even lanes), the explicit vectors PoCL turns into SIMD
 * (shared/notes/pocl-performance.md, lesson 2). A last partial vector is moved back to end at VHI
 * (it recomputes a few outputs of the same work-item, writing the same values), so only the border
 * outputs — usually one per side — take the scalar path, which visits the taps inside the input.
 *
 * maxpool is built for T = float (default), char or uchar (-DT=char -DT_LOWEST=CHAR_MIN): the int8
 * graph reuses it because max commutes with a positive-scale quantization. VW is 16 for every T:
 * 64 bytes of floats, or 16 bytes of int8 per vector with 2-4 vectors per tap in flight.
 */
#ifndef T
#define T float
#endif
#ifndef T_LOWEST
#define T_LOWEST (-FLT_MAX) /* as ONNX Runtime: a window of padding only gives the lowest value */
#endif
#ifndef VW
#define VW 16 /* outputs per vector (16: a vector of every T is at most 64 bytes) */
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define TV CAT(T, VW) /* T vector of VW lanes */
#define FV CAT(float, VW)

/* PoCL 3.1 compiles vload16/vstore16 of char16 into byte loads and stores; a vector type aligned
 * to its element makes LLVM emit one unaligned vector access (cl_kernels/q8_vec.h). U names that
 * type: pool_tv_u (T) or pool_fv_u (float, the average pool). */
#ifdef CLIQ_VENDOR_POCL
typedef TV pool_tv_u __attribute__((aligned(sizeof(T))));
typedef FV pool_fv_u __attribute__((aligned(sizeof(float))));
#define LOADV(U, p) (*(__global const U *)(p))
#define STOREV(U, v, p) (*(__global U *)(p) = (v))
#else
#define LOADV(U, p) CAT(vload, VW)(0, (p))
#define STOREV(U, v, p) CAT(vstore, VW)((v), 0, (p))
#endif

#ifdef POOL_SW
#if POOL_SW == 1
#define LOAD_TAPS(U, V, p) LOADV(U, p)
#else
/* lanes 0, 2, 4, ... of 2*VW elements: the taps of VW outputs at stride 2 (reads one element past
 * the last tap; the host's VHI keeps that inside the input) */
#define LOAD_TAPS(U, V, p) ((V)(LOADV(U, p).even, LOADV(U, (p) + VW).even))
#endif
#endif

#define POOL_ARGS(TY)                                                                                   \
  __global const TY *x, __global TY *y, const int rows, const int ID, const int IH, const int IW,       \
      const int OD, const int OH, const int OW, const int KD, const int KH, const int KW, const int SD,  \
      const int SH, const int SW, const int DD, const int DH, const int DW, const int PD, const int PH,  \
      const int PW, const int PIECE, const int NPIECES, const int VLO, const int VHI

/* Splits the work-item id into the output row (pl, od, oh) and its outputs [ow_begin, ow_end);
 * [va, vb) is the part computed by vectors (empty when it is narrower than one vector). */
#define POOL_PROLOGUE(TY)                                                                               \
  const int gid = get_global_id(0), r = gid / NPIECES;                                                  \
  if (r >= rows) return;                                                                                \
  const int ow_begin = (gid - r * NPIECES) * PIECE, ow_end = min(OW, ow_begin + PIECE);                 \
  const int oh = r % OH, z = r / OH, pl = z / OD, od = z - pl * OD;                                     \
  __global TY *out = y + (long)r * OW;                                                                  \
  int va = max(ow_begin, VLO), vb = min(ow_end, VHI);                                                   \
  if (vb - va < VW) va = vb = ow_end;

/* Loops over the window rows (kd, kh) inside the input; `row` points at input row (id, ih). */
#define FOR_ROWS(TY, BODY)                                                                            \
  for (int kd = 0; kd < KD; kd++) {                                                                  \
    const int id = od * SD - PD + kd * DD;                                                           \
    if (id < 0 || id >= ID) continue;                                                                \
    for (int kh = 0; kh < KH; kh++) {                                                                \
      const int ih = oh * SH - PH + kh * DH;                                                         \
      if (ih < 0 || ih >= IH) continue;                                                              \
      __global const TY *row = x + ((long)(pl * ID + id) * IH + ih) * IW;                            \
      BODY                                                                                           \
    }                                                                                                \
  }

/* One output: the taps [t0, t1) along W that lie inside the input, then no checks per tap. */
#define W_TAPS(iw0)                                                                                   \
  const int t0 = (iw0) < 0 ? min(KW, (DW - 1 - (iw0)) / DW) : 0, lim = IW - 1 - (iw0);                \
  const int t1 = lim < 0 ? t0 : max(t0, min(KW, lim / DW + 1));
#define MAX_SCALAR(ow)                                                                                \
  {                                                                                                   \
    const int iw0 = (ow) * SW - PW;                                                                   \
    W_TAPS(iw0)                                                                                       \
    T m = T_LOWEST;                                                                                   \
    FOR_ROWS(T, for (int kw = t0; kw < t1; kw++) {                                                    \
      const T v = row[iw0 + kw * DW];                                                                 \
      m = v > m ? v : m; /* NaN never wins, as in the reference */                                    \
    })                                                                                                \
    out[ow] = m;                                                                                      \
  }

__kernel void maxpool(POOL_ARGS(T)) {
  POOL_PROLOGUE(T)
  for (int ow = ow_begin; ow < va; ow++) MAX_SCALAR(ow)
#ifdef POOL_SW
  for (int o = va; o < vb; o += 2 * VW) {
    const int o0 = min(o, vb - VW), o1 = min(o + VW, vb - VW), iw0 = o0 * SW - PW, iw1 = o1 * SW - PW;
    TV m = (TV)(T_LOWEST), m1 = m;
    FOR_ROWS(T, for (int kw = 0; kw < KW; kw++) {
      const TV v = LOAD_TAPS(pool_tv_u, TV, row + iw0 + kw * DW);
      const TV v1 = LOAD_TAPS(pool_tv_u, TV, row + iw1 + kw * DW);
      m = select(m, v, v > m);
      m1 = select(m1, v1, v1 > m1);
    })
    STOREV(pool_tv_u, m, out + o0);
    STOREV(pool_tv_u, m1, out + o1);
  }
#endif
  for (int ow = max(vb, ow_begin); ow < ow_end; ow++) MAX_SCALAR(ow)
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
 * in + pad_end) instead of taps inside the input. */
#define AVG_SCALAR(ow)                                                                                \
  {                                                                                                   \
    const int iw0 = (ow) * SW - PW;                                                                   \
    W_TAPS(iw0)                                                                                       \
    float s = 0.0f;                                                                                   \
    FOR_ROWS(float, for (int kw = t0; kw < t1; kw++) s += row[iw0 + kw * DW];)                        \
    const int cw = include_pad ? taps_inside(iw0, KW, DW, -PW, EW) : t1 - t0;                         \
    out[ow] = s / (float)(cdh * cw);                                                                  \
  }

/* Only built for T = float. */
__kernel void avgpool_f32(POOL_ARGS(float), const int ED, const int EH, const int EW, const int include_pad) {
  POOL_PROLOGUE(float)
  const int cdh = include_pad ? taps_inside(od * SD - PD, KD, DD, -PD, ED) * taps_inside(oh * SH - PH, KH, DH, -PH, EH)
                              : taps_inside(od * SD - PD, KD, DD, 0, ID) * taps_inside(oh * SH - PH, KH, DH, 0, IH);
  for (int ow = ow_begin; ow < va; ow++) AVG_SCALAR(ow)
#ifdef POOL_SW
  /* every tap along W is inside the input: KW of them count either way */
  const FV div = (FV)((float)(cdh * KW));
  for (int o = va; o < vb; o += 2 * VW) {
    const int o0 = min(o, vb - VW), o1 = min(o + VW, vb - VW), iw0 = o0 * SW - PW, iw1 = o1 * SW - PW;
    FV s0 = (FV)(0.0f), s1 = s0;
    FOR_ROWS(float, for (int kw = 0; kw < KW; kw++) {
      s0 += LOAD_TAPS(pool_fv_u, FV, row + iw0 + kw * DW);
      s1 += LOAD_TAPS(pool_fv_u, FV, row + iw1 + kw * DW);
    })
    STOREV(pool_fv_u, s0 / div, out + o0);
    STOREV(pool_fv_u, s1 / div, out + o1);
  }
#endif
  for (int ow = max(vb, ow_begin); ow < ow_end; ow++) AVG_SCALAR(ow)
}
