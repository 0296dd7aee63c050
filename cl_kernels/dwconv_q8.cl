/*
 * dwconv_q8.cl — int8 depthwise convolution (group = input channels, one input channel per group,
 * channel multiplier M / C), direct. Exact like host/ref/conv_q8.c: acc = bias + sum over in-range
 * taps (x - z_x) * (w - z_w[m]) in int32, then the output stage of cliq_requant.h (16-lane twins).
 * host/ops/q8_layer.c plans it (weight and bias layouts per kernel below); channel parameters are
 * planes [bias][multiplier][shift] of M ints.
 *
 * Fixed kernels (3x3 and 5x5, stride 1 and 2, dilation 1; KS, ST, NV compile-time): q8_dw_pad
 * first copies the input into a frame of zero points, then each work-item computes Q8_DW_RH
 * output rows x 16*NV columns of one channel with no bounds checks: every input row it needs is
 * loaded once per kernel column (16 bytes per vector; stride 2 loads 32 and keeps the even lanes)
 * and feeds each of its output rows that uses it (up to KS/ST). NV = 2 (32 columns), 1 when
 * OW <= 16. Two forms: portable (int32 lanes), and with -DQ8_VNNI=1 vpdpbusd on dwords holding a
 * kernel row's taps. The requantization (~20 cycles per 16 outputs on 2 cores' 512-bit ports)
 * costs more than the 9 or 25 multiply-adds, which bounds these kernels near 60 GOP/s on PoCL
 * (measured 20-60, against 1-15 for the former one-row kernel whose border strips went lane by
 * lane, and 8-25 GFLOP/s for the float depthwise kernel).
 * q8_dw_generic takes every kernel size, stride, dilation and padding at run time (16 outputs of
 * one row per work-item, vector loads for interior stride-1/2 strips, lane by lane otherwise).
 */
#include "cliq_requant.h"
#include "q8_vec.h"

#ifndef Q8_DW_RH
#define Q8_DW_RH 4 /* output rows per work-item of the fixed kernels */
#endif

#define Q8_DW_ARGS                                                                                             \
  __global const char *x, __global const int *w, __global const int *chan, __global const char *res,          \
      __global char *y, const int C, const int H, const int W, const int M, const int OH, const int OW,        \
      const int KH, const int KW, const int sh, const int sw, const int dh, const int dw, const int pt,        \
      const int pl, const int xzp, const int has_res, const int yzp, const int lo, const int hi, const int zc, \
      const int clo, const int chi, const int zr, const int ma, const int sha, const int mb, const int shb,    \
      const int my, const int shy

/* Output stage of 16 accumulators of channel m at y[base ..], count of them real. */
Q8_INLINE void q8_dw_store16(int16 acc, int m, __global const int *chan, __global const char *res, __global char *y,
                             size_t base, int count, int M, int has_res, int yzp, int lo, int hi, int zc, int clo,
                             int chi, int zr, int ma, int sha, int mb, int shb, int my, int shy) {
  acc = as_int16(as_uint16(acc) + (uint)chan[m]);
  int16 v;
  if (has_res) {
    int16 r;
    if (count >= 16) {
      r = convert_int16(vload16(0, res + base));
    } else {
      int t[16];
      for (int j = 0; j < 16; j++) t[j] = j < count ? res[base + j] : 0;
      r = vload16(0, t);
    }
    v = cliq_q8_residual16_1(acc, chan[M + m], chan[2 * M + m], zc, clo, chi, r, zr, ma, sha, mb, shb, my, shy, yzp, lo,
                             hi);
  } else {
    v = cliq_requant16_1(acc, chan[M + m], chan[2 * M + m], yzp, lo, hi);
  }
  if (count >= 16) {
    Q8_STORE_CHAR16(convert_char16(v), y + base);
  } else {
    int t[16];
    vstore16(v, 0, t);
    for (int j = 0; j < count; j++) y[base + j] = (char)t[j];
  }
}

/* ---- fixed kernel size and stride ------------------------------------------------------------ */

/* x [N*C][H][W] -> xp [N*C][Hp][Wp]: the input inside a frame of zero points (pt rows above, pl
 * columns left, the rest below and right), so the fixed kernels read every tap of every lane
 * without a bounds check; bytes ^ xor_mask (0x80 for the VNNI kernels). One work-item per `rows`
 * rows of a plane: gws = (ceil(Hp / rows), N*C); CPUs take whole planes (a work-item per row cost
 * more in work-item overhead than the copy on small planes), GPUs one row (tunable Q8_PACK_ROWS).
 * A row is filled with the zero point, then the input row copied over it in 16-byte strips (the
 * last one moved back to end at the row's end; rows under 16 bytes go byte by byte). */
__kernel void q8_dw_pad(__global const uchar *x, __global uchar *xp, const int H, const int W, const int Hp,
                        const int Wp, const int pt, const int pl, const int xzp, const int xor_mask, const int rows) {
  const int h0 = get_global_id(0) * rows, nc = get_global_id(1);
  if (h0 >= Hp) return;
  const uchar16 z = (uchar16)(uchar)(xzp ^ xor_mask), xm = (uchar16)(uchar)xor_mask;
  const int n = clamp(Wp - pl, 0, W); /* columns copied (the rest may be unread) */
  for (int hp = h0; hp < min(h0 + rows, Hp); hp++) {
    __global uchar *o = xp + ((size_t)nc * Hp + hp) * Wp;
    for (int j0 = 0; j0 < Wp; j0 += 16) Q8_STORE_UCHAR16(z, o + min(j0, Wp - 16)); /* Wp >= 16 + KS - 1 */
    if (hp < pt || hp >= pt + H) continue;
    __global const uchar *xr = x + ((size_t)nc * H + hp - pt) * W;
    if (n >= 16) {
      for (int j0 = 0; j0 < n; j0 += 16) {
        const int j = min(j0, n - 16);
        Q8_STORE_UCHAR16(vload16(0, xr + j) ^ xm, o + pl + j);
      }
    } else {
      for (int j = 0; j < n; j++) o[pl + j] = xr[j] ^ xm.s0;
    }
  }
}

/* 16 lanes of x from padded-row bytes p at columns 0, ST, 2*ST, ... (stride 2: 32 bytes, even lanes) */
#define Q8_DW_LOAD(p, ST)                                                                                      \
  ((ST) == 1 ? convert_int16(Q8_LOAD_CHAR16(p))                                                                \
             : convert_int16((char16)(Q8_LOAD_CHAR16(p).even, Q8_LOAD_CHAR16((p) + 16).even)))

/* What the fixed kernels (portable and VNNI) share, so that only their inner loops differ. The
 * arguments, WT the weights' element type; xp is the padded input (q8_dw_pad), rows Hp x Wp. */
#define Q8_DW_FIXED_ARGS(WT)                                                                                   \
  __global const char *xp, __global const WT *w, __global const int *chan, __global const char *res,           \
      __global char *y, const int C, const int Hp, const int Wp, const int M, const int OH, const int OW,      \
      const int has_res, const int yzp, const int lo, const int hi, const int zc, const int clo, const int chi, \
      const int zr, const int ma, const int sha, const int mb, const int shb, const int my, const int shy

/* The work-item's tile: Q8_DW_RH output rows from oh0 x NV vectors of 16 columns from ow0, of
 * channel m of image n (input channel c); xc its first padded input byte; acc zeroed. */
#define Q8_DW_TILE(ST, NV)                                                                                     \
  const int ow0 = get_global_id(0) * (16 * NV), oh0 = get_global_id(1) * Q8_DW_RH, nm = get_global_id(2);      \
  if (ow0 >= OW || oh0 >= OH) return;                                                                          \
  const int n = nm / M, m = nm - (nm / M) * M;                                                                 \
  const int c = m / (M / C);                                                                                   \
  __global const char *xc = xp + (((size_t)n * C + c) * Hp + (size_t)oh0 * ST) * Wp + ow0 * ST;               \
  int16 acc[Q8_DW_RH][NV];                                                                                     \
  _Pragma("unroll") for (int i = 0; i < Q8_DW_RH; i++)                                                         \
    _Pragma("unroll") for (int v = 0; v < NV; v++) acc[i][v] = 0;

/* The tile's output stage: the rows and vectors inside OH x OW. */
#define Q8_DW_STORE_TILE(NV)                                                                                   \
  _Pragma("unroll") for (int i = 0; i < Q8_DW_RH; i++)                                                         \
    _Pragma("unroll") for (int v = 0; v < NV; v++) {                                                           \
      const int o = ow0 + 16 * v;                                                                              \
      if (o < OW && oh0 + i < OH)                                                                              \
        q8_dw_store16(acc[i][v], m, chan, res, y, (((size_t)n * M + m) * OH + oh0 + i) * OW + o, OW - o, M,    \
                      has_res, yzp, lo, hi, zc, clo, chi, zr, ma, sha, mb, shb, my, shy);                       \
    }

/* The portable form. Weights w - z_w as shorts (their products with sign-extended bytes fit the
 * 16-bit multiply-add LLVM then uses); the -z_x * sum(w - z_w) term is in the bias (padding holds
 * z_x, so every tap of every lane counts). */
#define Q8_DW_FIXED(name, KS, ST, NV)                                                                          \
  __kernel void name(Q8_DW_FIXED_ARGS(short)) {                                                                \
    Q8_DW_TILE(ST, NV)                                                                                         \
    int wv[KS * KS];                                                                                           \
    _Pragma("unroll") for (int t = 0; t < KS * KS; t++) wv[t] = w[m * KS * KS + t];                            \
    _Pragma("unroll") for (int r = 0; r < (Q8_DW_RH - 1) * ST + KS; r++) {                                     \
      __global const char *xr = xc + (size_t)r * Wp;                                                           \
      _Pragma("unroll") for (int kw = 0; kw < KS; kw++)                                                        \
        _Pragma("unroll") for (int v = 0; v < NV; v++) {                                                       \
          const int16 xv = Q8_DW_LOAD(xr + kw + 16 * ST * v, ST);                                             \
          _Pragma("unroll") for (int i = 0; i < Q8_DW_RH; i++) {                                               \
            const int kh = r - i * ST;                                                                         \
            if (kh >= 0 && kh < KS) acc[i][v] += xv * wv[kh * KS + kw];                                        \
          }                                                                                                    \
        }                                                                                                      \
    }                                                                                                          \
    Q8_DW_STORE_TILE(NV)                                                                                       \
  }

Q8_DW_FIXED(q8_dw_3x3s1, 3, 1, 2)
Q8_DW_FIXED(q8_dw_3x3s2, 3, 2, 2)
Q8_DW_FIXED(q8_dw_5x5s1, 5, 1, 2)
Q8_DW_FIXED(q8_dw_5x5s2, 5, 2, 2)
Q8_DW_FIXED(q8_dw_3x3s1_n, 3, 1, 1)
Q8_DW_FIXED(q8_dw_3x3s2_n, 3, 2, 1)
Q8_DW_FIXED(q8_dw_5x5s1_n, 5, 1, 1)
Q8_DW_FIXED(q8_dw_5x5s2_n, 5, 2, 1)

/* ---- VNNI (PoCL on x86 with AVX512-VNNI; built with -DQ8_VNNI=1) --------------------------------
 * The fixed kernels with vpdpbusd (gemm_q8.cl's banner says why inline asm): a kernel row's taps
 * are the 4 bytes of a dword lane, so one instruction does 3 (or 4) taps of 16 outputs. Lane l of
 * the activation operand holds the input bytes that output column l reads for kernel row kh:
 * p[l*ST + kw] for kw = 0..3 (byte kw), built from shifted vector loads; the weight operand is a
 * broadcast dword of (w[kh][0..3]) (zero past KS; 5x5 uses a second dword for kw = 4). Activations
 * are unsigned (q8_dw_pad stores x ^ 0x80 = x + 128), weights w - z_w must fit int8 (the host
 * checks; symmetric weights always do), and the bias carries -(z_x + 128) * sum(w - z_w). */
#ifdef Q8_VNNI
#define Q8_VPDPBUSD(acc, u8, s8) __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8))

typedef uchar16 q8_uchar16_a1 __attribute__((aligned(1)));
typedef ushort16 q8_ushort16_a1 __attribute__((aligned(1)));
#define Q8_LDB(p) convert_int16(*(__global const q8_uchar16_a1 *)(p))  /* bytes p[l] */
#define Q8_LDW(p) convert_int16(*(__global const q8_ushort16_a1 *)(p)) /* p[2l] | p[2l+1] << 8 */

/* Tap dwords of 16 output columns from padded-row bytes p: t0 = taps 0..3, t1 = tap 4 (5x5). */
#define Q8_DW_TAPS(p, KS, ST, t0, t1)                                                                        \
  if ((ST) == 1) {                                                                                           \
    t0 = Q8_LDB(p) | Q8_LDB((p) + 1) << 8 | Q8_LDB((p) + 2) << 16;                                           \
    if ((KS) == 5) {                                                                                         \
      t0 |= Q8_LDB((p) + 3) << 24;                                                                           \
      t1 = Q8_LDB((p) + 4);                                                                                  \
    }                                                                                                        \
  } else {                                                                                                   \
    const int16 u1 = Q8_LDW((p) + 2);                                                                        \
    t0 = Q8_LDW(p) | ((KS) == 5 ? u1 << 16 : (u1 & 0xff) << 16);                                            \
    if ((KS) == 5) t1 = Q8_LDW((p) + 4) & 0xff;                                                              \
  }

#define Q8_DW_VNNI(name, KS, ST, NV)                                                                           \
  __kernel void name(Q8_DW_FIXED_ARGS(int)) {                                                                  \
    Q8_DW_TILE(ST, NV)                                                                                         \
    /* w: per channel KS rows of 2 dwords (taps 0..3, tap 4) */                                                \
    int16 w0[KS], w1[KS];                                                                                      \
    _Pragma("unroll") for (int kh = 0; kh < KS; kh++) {                                                        \
      w0[kh] = (int16)w[(m * KS + kh) * 2];                                                                    \
      w1[kh] = (int16)w[(m * KS + kh) * 2 + 1];                                                                \
    }                                                                                                          \
    _Pragma("unroll") for (int r = 0; r < (Q8_DW_RH - 1) * ST + KS; r++)                                       \
      _Pragma("unroll") for (int v = 0; v < NV; v++) {                                                         \
        int16 t0, t1 = 0;                                                                                      \
        Q8_DW_TAPS(xc + (size_t)r * Wp + 16 * ST * v, KS, ST, t0, t1)                                          \
        _Pragma("unroll") for (int i = 0; i < Q8_DW_RH; i++) {                                                 \
          const int kh = r - i * ST;                                                                           \
          if (kh >= 0 && kh < KS) {                                                                            \
            Q8_VPDPBUSD(acc[i][v], t0, w0[kh]);                                                                \
            if (KS == 5) Q8_VPDPBUSD(acc[i][v], t1, w1[kh]);                                                   \
          }                                                                                                    \
        }                                                                                                      \
      }                                                                                                        \
    Q8_DW_STORE_TILE(NV)                                                                                       \
  }

Q8_DW_VNNI(q8_dw_vnni_3x3s1, 3, 1, 2)
Q8_DW_VNNI(q8_dw_vnni_3x3s2, 3, 2, 2)
Q8_DW_VNNI(q8_dw_vnni_5x5s1, 5, 1, 2)
Q8_DW_VNNI(q8_dw_vnni_5x5s2, 5, 2, 2)
Q8_DW_VNNI(q8_dw_vnni_3x3s1_n, 3, 1, 1)
Q8_DW_VNNI(q8_dw_vnni_3x3s2_n, 3, 2, 1)
Q8_DW_VNNI(q8_dw_vnni_5x5s1_n, 5, 1, 1)
Q8_DW_VNNI(q8_dw_vnni_5x5s2_n, 5, 2, 1)
#endif

/* ---- any kernel size, stride, dilation and padding --------------------------------------------- */

/* 16 inputs (minus z_x) of row xr at iw0 + j * s (j < 16), 0 outside [0, W). */
Q8_INLINE int16 q8_dw_load(__global const char *xr, int iw0, int s, int W, int xzp, int fast) {
  if (fast && s == 1) return convert_int16(vload16(0, xr + iw0)) - xzp;
  if (fast && s == 2) return convert_int16((char16)(vload16(0, xr + iw0).even, vload16(1, xr + iw0).even)) - xzp;
  int v[16];
  for (int j = 0; j < 16; j++) {
    const int iw = iw0 + j * s;
    v[j] = (iw >= 0 && iw < W) ? xr[iw] - xzp : 0;
  }
  return vload16(0, v);
}

__kernel void q8_dw_generic(Q8_DW_ARGS) {
  const int ow0 = get_global_id(0) * 16, oh = get_global_id(1), nm = get_global_id(2);
  if (ow0 >= OW || oh >= OH) return;
  const int n = nm / M, m = nm - (nm / M) * M;
  const int c = m / (M / C);
  __global const char *xc = x + ((size_t)n * C + c) * H * W;
  __global const int *wm = w + (size_t)m * KH * KW;
  const int iw_first = ow0 * sw - pl;
  /* all 16 outputs' taps inside the row, including the second vload16 of stride 2 */
  const int fast = (sw == 1 || sw == 2) && iw_first >= 0 && iw_first + (KW - 1) * dw + 16 * sw <= W;
  int16 acc = 0;
  for (int kh = 0; kh < KH; kh++) {
    const int ih = oh * sh - pt + kh * dh;
    if (ih < 0 || ih >= H) continue;
    __global const char *xr = xc + (size_t)ih * W;
    for (int kw = 0; kw < KW; kw++) acc += q8_dw_load(xr, iw_first + kw * dw, sw, W, xzp, fast) * wm[kh * KW + kw];
  }
  q8_dw_store16(acc, m, chan, res, y, (((size_t)n * M + m) * OH + oh) * OW + ow0, OW - ow0, M, has_res, yzp, lo, hi,
                zc, clo, chi, zr, ma, sha, mb, shb, my, shy);
}
