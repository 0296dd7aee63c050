/*
 * im2col_f32.cl — gathering GEMM operands on the device, for gemm_f32.cl (packed panels) and for
 * the CLBlast path (plain row-major matrices).
 *
 * Panel layout (what gemm_f32 reads): operand element (i, k) of batch/group z, i the row (A) or
 * column (B) index, goes to  P[z * p_z + (i / PW) * K * PW + k * PW + i % PW], zero past the last
 * i, so the GEMM's K loop streams one contiguous panel (shared/notes/pocl-performance.md lesson 5).
 * PW is MR for the row operand and NR for the column operand.
 *
 *   im2col_panels_f32  i = output pixel (image, od, oh, ow), k = (c, kd, kh, kw) of a conv input
 *                      (2-D and 1-D convs have D = 1, and H = 1); zero where the tap falls in the
 *                      padding. Channel stride c_s and pixel stride w_s read NCHW (DHW, 1) or
 *                      NHWC (1, C) inputs alike.
 *   pack_panels_f32    i, k of a strided matrix: src[zoff[z] + (i / i_pi) * i_img + (i % i_pi) * i_s + k * k_s]
 *                      (1x1 stride-1 convs, MatMul/Gemm operands, transposed or batched).
 * Both: range (K, panels, Z), each work-item writes the PW values of one k of one panel. The walk
 * over i is incremental (no division per element); im2col copies each run of columns that stays
 * in one output row with its valid range computed once, without per-element bounds checks.
 *
 *   im2col_plain_f32 / pack_plain_f32  the same gathers into a plain matrix dst[z * d_z + i * d_i + k * d_k]
 *                      for CLBlast, one element per work-item (GPU-shaped).
 * i_begin shifts i for launches that process a slice of the images (large batches).
 */
#ifndef PW
#define PW 32 /* panel width: NR of gemm_f32 for the column operand, MR for the row operand */
#endif

__kernel void im2col_panels_f32(__global const float *restrict x, __global float *restrict P, const int K,
                                const int I, const int i_begin, const int p_z, const int x_img, const int x_z,
                                const int c_s, const int w_s, const int D, const int H, const int W, const int KD, const int KH, const int KW,
                                const int SD, const int SH, const int SW, const int DD, const int DH, const int DW,
                                const int PD, const int PH, const int PWL, const int OD, const int OH, const int OW) {
  const int k = get_global_id(0), panel = get_global_id(1), z = get_global_id(2);
  const int i0 = i_begin + panel * PW;
  if (k >= K || i0 >= I) return;
  const int KHW = KH * KW, KDHW = KD * KHW;
  const int c = k / KDHW, k1 = k - c * KDHW, kd = k1 / KHW, k2 = k1 - kd * KHW, kh = k2 / KW, kw = k2 - kh * KW;
  const int OHW = OH * OW, ODHW = OD * OHW;
  int img = i0 / ODHW, rem = i0 - img * ODHW, od = rem / OHW;
  rem -= od * OHW;
  int oh = rem / OW, ow = rem - oh * OW;
  const __global float *xc = x + (size_t)z * x_z + (size_t)c * c_s;
  __global float *dst = P + (size_t)z * p_z + (size_t)panel * K * PW + (size_t)k * PW;
  /* the panel's columns, one output-row segment at a time: the row and the valid column range
   * are worked out once per segment, then a plain strided copy (a vector copy for stride 1) */
  int j = 0;
  const int jend = min(PW, I - i0);
  while (j < jend) {
    const int seg = min(jend - j, OW - ow);
    const int id = od * SD - PD + kd * DD, ih = oh * SH - PH + kh * DH;
    int s_lo = seg, s_hi = seg;
    const int iw = ow * SW - PWL + kw * DW;
    if (id >= 0 && id < D && ih >= 0 && ih < H) {
      s_lo = iw >= 0 ? 0 : min(seg, (-iw + SW - 1) / SW);
      s_hi = iw < W ? min(seg, (W - 1 - iw) / SW + 1) : 0;
      if (s_hi < s_lo) s_hi = s_lo;
    }
    __global float *d = dst + j;
    for (int s = 0; s < s_lo; s++) d[s] = 0.0f;
    const __global float *src = xc + (size_t)img * x_img + (((size_t)id * H + ih) * W + iw) * w_s;
    const int step = SW * w_s;
    if (step == 1)
      for (int s = s_lo; s < s_hi; s++) d[s] = src[s];
    else
      for (int s = s_lo; s < s_hi; s++) d[s] = src[(size_t)s * step];
    for (int s = s_hi; s < seg; s++) d[s] = 0.0f;
    j += seg;
    ow += seg;
    if (ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        if (++od == OD) {
          od = 0;
          img++;
        }
      }
    }
  }
  for (; j < PW; j++) dst[j] = 0.0f;
}

__kernel void pack_panels_f32(__global const float *restrict src, __global float *restrict P,
                              __global const int *restrict zoff, const int K, const int I, const int i_begin,
                              const int p_z, const int src_off, const int i_pi, const int i_img, const int i_s,
                              const int k_s) {
  const int k = get_global_id(0), panel = get_global_id(1), z = get_global_id(2);
  const int i0 = i_begin + panel * PW;
  if (k >= K || i0 >= I) return;
  int iq = i0 % i_pi;
  const __global float *s = src + src_off + zoff[z] + (size_t)k * k_s;
  float t[PW];
  if (i0 + PW <= I && iq + PW <= i_pi) {
    const __global float *p = s + (size_t)(i0 / i_pi) * i_img + (size_t)iq * i_s;
#pragma unroll
    for (int j = 0; j < PW; j++) t[j] = p[(size_t)j * i_s];
  } else {
    size_t off = (size_t)(i0 / i_pi) * i_img + (size_t)iq * i_s;
    for (int j = 0; j < PW; j++) {
      float v = 0.0f;
      if (i0 + j < I) {
        v = s[off];
        if (++iq == i_pi) {
          iq = 0;
          off += (size_t)i_img - (size_t)(i_pi - 1) * i_s;
        } else {
          off += i_s;
        }
      }
      t[j] = v;
    }
  }
  __global float *dst = P + (size_t)z * p_z + (size_t)panel * K * PW + (size_t)k * PW;
#pragma unroll
  for (int j = 0; j < PW; j++) dst[j] = t[j];
}

__kernel void im2col_plain_f32(__global const float *restrict x, __global float *restrict Dst, const int K, const int I,
                               const int d_z, const int d_i, const int d_k, const int x_img, const int x_z,
                               const int c_s, const int w_s, const int D,
                               const int H, const int W, const int KD, const int KH, const int KW, const int SD,
                               const int SH, const int SW, const int DD, const int DH, const int DW, const int PD,
                               const int PH, const int PWL, const int OD, const int OH, const int OW) {
  const int i = get_global_id(0), k = get_global_id(1), z = get_global_id(2);
  if (i >= I || k >= K) return;
  const int KHW = KH * KW, KDHW = KD * KHW, OHW = OH * OW, ODHW = OD * OHW;
  const int c = k / KDHW, k1 = k - c * KDHW, kd = k1 / KHW, k2 = k1 - kd * KHW, kh = k2 / KW, kw = k2 - kh * KW;
  const int img = i / ODHW, r1 = i - img * ODHW, od = r1 / OHW, r2 = r1 - od * OHW, oh = r2 / OW, ow = r2 - oh * OW;
  const int id = od * SD - PD + kd * DD, ih = oh * SH - PH + kh * DH, iw = ow * SW - PWL + kw * DW;
  float v = 0.0f;
  if (id >= 0 && id < D && ih >= 0 && ih < H && iw >= 0 && iw < W)
    v = x[(size_t)z * x_z + (size_t)img * x_img + (size_t)c * c_s + (((size_t)id * H + ih) * W + iw) * w_s];
  Dst[(size_t)z * d_z + (size_t)i * d_i + (size_t)k * d_k] = v;
}

__kernel void pack_plain_f32(__global const float *restrict src, __global float *restrict D,
                             __global const int *restrict zoff, const int K, const int I, const int d_z, const int d_i,
                             const int d_k, const int src_off, const int i_pi, const int i_img, const int i_s,
                             const int k_s) {
  const int i = get_global_id(0), k = get_global_id(1), z = get_global_id(2);
  if (i >= I || k >= K) return;
  D[(size_t)z * d_z + (size_t)i * d_i + (size_t)k * d_k] =
      src[src_off + zoff[z] + (size_t)(i / i_pi) * i_img + (size_t)(i % i_pi) * i_s + (size_t)k * k_s];
}
