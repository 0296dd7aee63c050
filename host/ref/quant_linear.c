/*
 * quant_linear.c — C reference of ONNX QuantizeLinear, DequantizeLinear and
 * DynamicQuantizeLinear (host/ops/quant.c is the glue, cl_kernels/quant_linear.cl the kernels).
 *
 * Tensors are seen as [outer, channels, inner]: channels = dims[axis] for per-axis parameters,
 * 1 for per-tensor ones. The formulas are the ONNX operator spec's, rounded as the ONNX reference
 * implementation rounds (onnx/reference/ops/op_quantize_linear.py and friends):
 *   QuantizeLinear      y = saturate(round_half_even(x / scale) + zp)   (float32 division)
 *   DequantizeLinear    y = (x - zp) * scale                            (one float32 rounding)
 *   DynamicQuantizeLinear: see cliq__ref_dynamic_quantize_linear.
 */
#include "ref.h"

#include "cliq_requant.h"

void cliq__ref_quantize_linear(const float *x, size_t outer, size_t channels, size_t inner, const float *scale,
                               const int32_t *zp, int lo, int hi, void *y, int y_signed) {
  int8_t *y8 = y;
  uint8_t *u8 = y;
  size_t i = 0;
  for (size_t o = 0; o < outer; o++)
    for (size_t c = 0; c < channels; c++) {
      float s = scale[c];
      int z = zp ? zp[c] : 0;
      for (size_t k = 0; k < inner; k++, i++) {
        int q = cliq_quantize_f32(x[i], s, z, lo, hi);
        if (y_signed) y8[i] = (int8_t)q;
        else u8[i] = (uint8_t)q;
      }
    }
}

static int32_t load_q(const void *x, int x_kind, size_t i) {
  switch (x_kind) {
  case CLIQ__QKIND_INT8: return ((const int8_t *)x)[i];
  case CLIQ__QKIND_UINT8: return ((const uint8_t *)x)[i];
  default: return ((const int32_t *)x)[i];
  }
}

void cliq__ref_dequantize_linear(const void *x, int x_kind, size_t outer, size_t channels, size_t inner,
                                 const float *scale, const int32_t *zp, float *y) {
  size_t i = 0;
  for (size_t o = 0; o < outer; o++)
    for (size_t c = 0; c < channels; c++) {
      float s = scale[c];
      int64_t z = zp ? zp[c] : 0;
      /* x - zp is exact in 64 bits; its conversion rounds only for int32 data beyond 2^24,
       * as numpy's astype(float32) does (the spec requires zp = 0 for int32) */
      for (size_t k = 0; k < inner; k++, i++) y[i] = (float)((int64_t)load_q(x, x_kind, i) - z) * s;
    }
}

void cliq__ref_dynamic_quantize_linear(const float *x, size_t n, uint8_t *y, float *y_scale, uint8_t *y_zp) {
  /* onnx/reference/ops/op_dynamic_quantize_linear.py, in float32 throughout:
   *   scale = (max(0, max x) - min(0, min x)) / 255   (1/255 when the range is empty)
   *   zp    = round_half_even(clip(0 - min / scale, 0, 255))
   *   y     = clip(round_half_even(x / scale) + zp, 0, 255)
   * NaNs are skipped by the min/max (the spec leaves them undefined). */
  float mx = 0.0f, mn = 0.0f;
  for (size_t i = 0; i < n; i++) {
    if (x[i] > mx) mx = x[i];
    if (x[i] < mn) mn = x[i];
  }
  float scale = (mx == mn ? 1.0f : mx - mn) / 255.0f;
  float izp = 0.0f - mn / scale;
  float zpf = izp < 0.0f ? 0.0f : (izp > 255.0f ? 255.0f : izp);
  int zp = (int)nearbyintf(zpf);
  for (size_t i = 0; i < n; i++) y[i] = (uint8_t)cliq_quantize_f32(x[i], scale, zp, 0, 255);
  *y_scale = scale;
  *y_zp = (uint8_t)zp;
}
