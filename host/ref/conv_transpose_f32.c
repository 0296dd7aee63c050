/*
 * conv_transpose_f32.c — C reference of float transposed convolution (ONNX ConvTranspose, 1 to 3
 * spatial dims, groups, strides, dilations, pads, output padding/shape already resolved into the
 * geometry) with the fused activation.
 *
 * Written as the definition reads, a scatter: every input pixel i of channel c adds x * w[c][m][k]
 * to output position o = i*s - pb + k*d of each output channel m of its group (positions outside
 * the output are cropped). Then bias and activation. The device kernel gathers instead; both sum
 * the same products.
 */
#include "ref.h"

#include "activation.h"

#include <string.h>

void cliq__ref_conv_transpose_f32(const cliq__conv_geom *g, const float *x, const float *w, const float *bias, float *y,
                                  int act, float act_a, float act_b) {
  const int64_t Cg = g->C / g->G, Mg = g->M / g->G;
  const int64_t in_sz = g->in[0] * g->in[1] * g->in[2], out_sz = g->out[0] * g->out[1] * g->out[2];
  const int64_t k_sz = g->k[0] * g->k[1] * g->k[2];
  memset(y, 0, (size_t)(g->N * g->M * out_sz) * sizeof(float));
  for (int64_t n = 0; n < g->N; n++)
    for (int64_t c = 0; c < g->C; c++) {
      const int64_t grp = c / Cg;
      const float *xc = x + (n * g->C + c) * in_sz;
      for (int64_t m = 0; m < Mg; m++) {
        const float *wcm = w + (c * Mg + m) * k_sz;
        float *ym = y + (n * g->M + grp * Mg + m) * out_sz;
        for (int64_t i0 = 0; i0 < g->in[0]; i0++)
          for (int64_t i1 = 0; i1 < g->in[1]; i1++)
            for (int64_t i2 = 0; i2 < g->in[2]; i2++) {
              float xv = xc[(i0 * g->in[1] + i1) * g->in[2] + i2];
              for (int64_t k0 = 0; k0 < g->k[0]; k0++) {
                int64_t o0 = i0 * g->s[0] - g->pb[0] + k0 * g->d[0];
                if (o0 < 0 || o0 >= g->out[0]) continue;
                for (int64_t k1 = 0; k1 < g->k[1]; k1++) {
                  int64_t o1 = i1 * g->s[1] - g->pb[1] + k1 * g->d[1];
                  if (o1 < 0 || o1 >= g->out[1]) continue;
                  for (int64_t k2 = 0; k2 < g->k[2]; k2++) {
                    int64_t o2 = i2 * g->s[2] - g->pb[2] + k2 * g->d[2];
                    if (o2 < 0 || o2 >= g->out[2]) continue;
                    ym[(o0 * g->out[1] + o1) * g->out[2] + o2] += xv * wcm[(k0 * g->k[1] + k1) * g->k[2] + k2];
                  }
                }
              }
            }
      }
    }
  for (int64_t n = 0; n < g->N; n++)
    for (int64_t m = 0; m < g->M; m++) {
      float *ym = y + (n * g->M + m) * out_sz;
      for (int64_t o = 0; o < out_sz; o++) ym[o] = cliq_act(act, ym[o] + (bias ? bias[m] : 0.0f), act_a, act_b);
    }
}
