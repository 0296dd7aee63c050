/*
 * conv_q8.c — C reference of the int8 convolution (QConv): direct loops over output, channel and
 * tap, int64 sums wrapped to int32 (q8.h), padded taps skipped (they hold z_x: zero contribution),
 * output stage from cliq_requant.h. Deliberately naive: every device kernel is checked against it.
 */
#include "q8.h"
#include "ref.h"

void cliq__ref_conv_q8(const cliq__qconv_geom *g, const int8_t *x, const int8_t *w, const int32_t *bias,
                       const int8_t *res, const cliq__q8_epi *e, int8_t *y) {
  const int64_t cg = g->C / g->group, mg = g->M / g->group;
  for (int64_t n = 0; n < g->N; n++)
    for (int64_t m = 0; m < g->M; m++) {
      const int64_t grp = m / mg;
      const int8_t *wm = w + m * cg * g->KH * g->KW;
      const int32_t zw = e->w_zp[m];
      for (int64_t oh = 0; oh < g->OH; oh++)
        for (int64_t ow = 0; ow < g->OW; ow++) {
          int64_t acc = bias ? bias[m] : 0;
          for (int64_t c = 0; c < cg; c++) {
            const int8_t *xc = x + ((n * g->C) + grp * cg + c) * g->H * g->W;
            for (int64_t kh = 0; kh < g->KH; kh++) {
              int64_t ih = oh * g->sh - g->pt + kh * g->dh;
              if (ih < 0 || ih >= g->H) continue;
              for (int64_t kw = 0; kw < g->KW; kw++) {
                int64_t iw = ow * g->sw - g->pl + kw * g->dw;
                if (iw < 0 || iw >= g->W) continue;
                acc += (int64_t)(xc[ih * g->W + iw] - e->x_zp) * (wm[(c * g->KH + kh) * g->KW + kw] - zw);
              }
            }
          }
          size_t o = (size_t)(((n * g->M + m) * g->OH + oh) * g->OW + ow);
          y[o] = (int8_t)cliq__q8_epi_apply(e, (size_t)m, cliq__wrap_i32(acc), res ? res[o] : 0);
        }
    }
}
