/*
 * lut_q8.c — C reference of cliq's int8 QLut (host/ops/qlut.c, cl_kernels/lut_q8.cl), and the
 * table it applies: any unary activation of activation.h as 256 int8 entries. The table is the
 * float formula between DequantizeLinear and QuantizeLinear evaluated once per input code, so an
 * int8 graph computes exactly what the QDQ graph computes in float (on the host's libm). A
 * per-channel QLut has one table per channel (BatchNormalization, per-channel constants).
 */
#include "ref.h"

#include "activation.h"
#include "cliq_requant.h"

void cliq__ref_lut_q8(const int8_t *x, int8_t *y, size_t outer, size_t channels, size_t inner, const int8_t *table) {
  size_t i = 0;
  for (size_t o = 0; o < outer; o++)
    for (size_t c = 0; c < channels; c++)
      for (size_t k = 0; k < inner; k++, i++) y[i] = table[c * 256 + (size_t)(x[i] + 128)];
}

void cliq__q8_act_table(int act, float a, float b, float sx, int zx, float sy, int zy, int8_t *table) {
  for (int q = -128; q <= 127; q++) {
    float v = (float)(q - zx) * sx; /* DequantizeLinear */
    table[q + 128] = (int8_t)cliq_quantize_f32(cliq_act(act, v, a, b), sy, zy, -128, 127);
  }
}
