/*
 * qlinear.c — C reference of the ONNX integer ops ConvInteger, MatMulInteger, QLinearConv and
 * QLinearMatMul (glue in host/ops/qlinear.c, kernels in cl_kernels/qlinear.cl), written after
 * onnx/reference/ops/op_conv_integer.py, op_matmul_integer.py, op_qlinear_conv.py and
 * op_qlinear_matmul.py: int32 accumulation of (x - x_zp) * (w - w_zp), then for QLinear* the
 * requantization y = clip(rint(acc * m + y_zp)) with m = x_scale * w_scale / y_scale rounded to
 * float32 and the product and sum in float64, as numpy promotes int32 * float32.
 */
#include "ref.h"

#include <math.h>

static int32_t load(const void *p, int kind, size_t i) {
  return kind == CLIQ__QKIND_INT8 ? ((const int8_t *)p)[i] : kind == CLIQ__QKIND_UINT8 ? ((const uint8_t *)p)[i] : ((const int32_t *)p)[i];
}

void cliq__ref_conv_integer(const void *x, int x_kind, const void *w, int w_kind, int32_t x_zp, const int32_t *w_zp,
                            const int32_t *bias, int64_t n, int64_t c, int64_t m, int64_t group, const cliq__win *win,
                            int32_t *acc) {
  const int64_t cg = c / group, mg = m / group;
  const int64_t in_sz = win->in[0] * win->in[1] * win->in[2], k_sz = win->k[0] * win->k[1] * win->k[2];
  size_t yi = 0;
  for (int64_t b = 0; b < n; b++)
    for (int64_t oc = 0; oc < m; oc++) {
      const int64_t g = oc / mg;
      for (int64_t o0 = 0; o0 < win->out[0]; o0++)
        for (int64_t o1 = 0; o1 < win->out[1]; o1++)
          for (int64_t o2 = 0; o2 < win->out[2]; o2++, yi++) {
            /* uint32 arithmetic: wraps like numpy's int32 instead of overflowing (UB in C) */
            uint32_t s = bias ? (uint32_t)bias[oc] : 0u;
            for (int64_t ic = 0; ic < cg; ic++) {
              const size_t xbase = (size_t)((b * c + g * cg + ic) * in_sz);
              const size_t wbase = (size_t)((oc * cg + ic) * k_sz);
              for (int64_t k0 = 0; k0 < win->k[0]; k0++) {
                int64_t i0 = o0 * win->stride[0] - win->pad[0] + k0 * win->dil[0];
                if (i0 < 0 || i0 >= win->in[0]) continue;
                for (int64_t k1 = 0; k1 < win->k[1]; k1++) {
                  int64_t i1 = o1 * win->stride[1] - win->pad[1] + k1 * win->dil[1];
                  if (i1 < 0 || i1 >= win->in[1]) continue;
                  for (int64_t k2 = 0; k2 < win->k[2]; k2++) {
                    int64_t i2 = o2 * win->stride[2] - win->pad[2] + k2 * win->dil[2];
                    if (i2 < 0 || i2 >= win->in[2]) continue;
                    int32_t xv = load(x, x_kind, xbase + (size_t)((i0 * win->in[1] + i1) * win->in[2] + i2)) - x_zp;
                    int32_t wv = load(w, w_kind, wbase + (size_t)((k0 * win->k[1] + k1) * win->k[2] + k2)) - w_zp[oc];
                    s += (uint32_t)xv * (uint32_t)wv;
                  }
                }
              }
            }
            acc[yi] = (int32_t)s;
          }
    }
}

void cliq__ref_matmul_integer(const void *a, int a_kind, const void *b, int b_kind, const int32_t *a_zp, size_t na_zp,
                              const int32_t *b_zp, size_t nb_zp, size_t batch, const size_t *a_off, const size_t *b_off,
                              size_t m, size_t k, size_t n, int32_t *acc) {
  for (size_t t = 0; t < batch; t++)
    for (size_t i = 0; i < m; i++) {
      int32_t za = a_zp ? a_zp[na_zp == 1 ? 0 : i] : 0;
      for (size_t j = 0; j < n; j++) {
        int32_t zb = b_zp ? b_zp[nb_zp == 1 ? 0 : j] : 0;
        uint32_t s = 0;
        for (size_t q = 0; q < k; q++) {
          int32_t av = load(a, a_kind, a_off[t] + i * k + q) - za;
          int32_t bv = load(b, b_kind, b_off[t] + q * n + j) - zb;
          s += (uint32_t)av * (uint32_t)bv;
        }
        acc[(t * m + i) * n + j] = (int32_t)s;
      }
    }
}

int cliq__ref_qlinear_requant(int32_t acc, float mult, int zp, int lo, int hi) {
  /* a multiplier that is not finite and positive (a zero or infinite runtime scale) gives the zero
   * point, as cliq_qlinear_requant in the kernels does; the spec leaves it undefined */
  if (!(mult > 0.0f) || !isfinite(mult)) return zp < lo ? lo : (zp > hi ? hi : zp);
  /* separate statements: no fused multiply-add (C11 builds contract nothing across statements) */
  double r = (double)acc * (double)mult;
  r += zp;
  r = r < lo ? lo : (r > hi ? hi : r);
  return (int)nearbyint(r);
}
