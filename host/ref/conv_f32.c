/*
 * conv_f32.c — C reference of float convolution (ONNX Conv, 1 to 3 spatial dims, groups,
 * strides, dilations, pads) with the fused activation of the session's fusion pass.
 *
 * Direct loops, obviously correct rather than fast: y[n][m][o] = act(sum over the group's input
 * channels c and kernel taps k of x[n][c][o*s - pb + k*d] * w[m][c][k], + bias[m]). Taps falling in
 * the padding contribute nothing. The products are summed in (c, kd, kh, kw) order, the order of
 * the device path's im2col rows, and the bias is added last, as the device epilogue does.
 * The input may be NHWC (geometry flag nhwc, set by the NHWC-input pass).
 */
#include "ref.h"

#include "activation.h"

void cliq__ref_conv_f32(const cliq__conv_geom *g, const float *x, const float *w, const float *bias, float *y, int act,
                        float act_a, float act_b) {
  const int64_t Cg = g->C / g->G, Mg = g->M / g->G;
  const int64_t in_sz = g->in[0] * g->in[1] * g->in[2], out_sz = g->out[0] * g->out[1] * g->out[2];
  const int64_t k_sz = g->k[0] * g->k[1] * g->k[2];
  for (int64_t n = 0; n < g->N; n++)
    for (int64_t m = 0; m < g->M; m++) {
      const int64_t grp = m / Mg;
      /* NCHW: channel planes; NHWC (cliq.input_nhwc): channels innermost */
      const int64_t cs = g->nhwc ? 1 : in_sz, ps = g->nhwc ? g->C : 1;
      const float *xg = x + n * g->C * in_sz + grp * Cg * cs;
      const float *wm = w + m * Cg * k_sz;
      float *ym = y + (n * g->M + m) * out_sz;
      for (int64_t o0 = 0; o0 < g->out[0]; o0++)
        for (int64_t o1 = 0; o1 < g->out[1]; o1++)
          for (int64_t o2 = 0; o2 < g->out[2]; o2++) {
            float acc = 0.0f;
            for (int64_t c = 0; c < Cg; c++)
              for (int64_t k0 = 0; k0 < g->k[0]; k0++) {
                int64_t i0 = o0 * g->s[0] - g->pb[0] + k0 * g->d[0];
                if (i0 < 0 || i0 >= g->in[0]) continue;
                for (int64_t k1 = 0; k1 < g->k[1]; k1++) {
                  int64_t i1 = o1 * g->s[1] - g->pb[1] + k1 * g->d[1];
                  if (i1 < 0 || i1 >= g->in[1]) continue;
                  for (int64_t k2 = 0; k2 < g->k[2]; k2++) {
                    int64_t i2 = o2 * g->s[2] - g->pb[2] + k2 * g->d[2];
                    if (i2 < 0 || i2 >= g->in[2]) continue;
                    acc += xg[c * cs + ((i0 * g->in[1] + i1) * g->in[2] + i2) * ps] *
                           wm[((c * g->k[0] + k0) * g->k[1] + k1) * g->k[2] + k2];
                  }
                }
              }
            if (bias) acc += bias[m];
            ym[(o0 * g->out[1] + o1) * g->out[2] + o2] = cliq_act(act, acc, act_a, act_b);
          }
    }
}
