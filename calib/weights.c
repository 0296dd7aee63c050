/*
 * weights.c — quantizing constants (weights.h). Rounding is QuantizeLinear's (cliq_requant.h,
 * cliq_quantize_f32): the int8 initializers written here are what DequantizeLinear and the int8
 * kernels read, whoever runs the model.
 */
#include "weights.h"

#include "cliq_requant.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static void layout(const cliq__tensor *w, int axis, size_t *C, size_t *inner) {
  *C = 1;
  *inner = 1;
  if (axis < 0 || axis >= w->rank) return;
  *C = (size_t)w->dims[axis];
  for (int d = axis + 1; d < w->rank; d++) *inner *= (size_t)w->dims[d];
}

void cliq__weight_grids(const cliq__tensor *w, int axis, bool symmetric, int qmin, int qmax, cliq__qgrid *grids, size_t n) {
  size_t C, inner, total = cliq__tensor_elems(w);
  layout(w, axis, &C, &inner);
  if (n != C) C = 1, inner = total; /* per tensor */
  double *lo = malloc(C * sizeof *lo), *hi = malloc(C * sizeof *hi);
  const float *x = w->data;
  for (size_t c = 0; lo && hi && c < C; c++) lo[c] = 0.0, hi[c] = 0.0;
  for (size_t i = 0; lo && hi && i < total; i++) {
    size_t c = (i / inner) % C;
    if (x[i] < lo[c]) lo[c] = x[i];
    if (x[i] > hi[c]) hi[c] = x[i];
  }
  for (size_t c = 0; c < n; c++)
    grids[c] = cliq__qgrid_make(lo && hi ? lo[c % C] : 0.0, lo && hi ? hi[c % C] : 0.0, symmetric, qmin, qmax);
  free(lo);
  free(hi);
}

cliq_status cliq__weight_apply(const cliq__tensor *w, int axis, const cliq__qgrid *grids, size_t n, cliq__tensor **out) {
  *out = NULL;
  cliq__tensor *q;
  cliq_status st = cliq__tensor_new(CLIQ_DTYPE_INT8, w->rank, w->dims, &q);
  if (st != CLIQ_STATUS_OK) return st;
  size_t C, inner, total = cliq__tensor_elems(w);
  layout(w, axis, &C, &inner);
  if (n != C) C = 1, inner = total;
  const float *x = w->data;
  int8_t *y = q->data;
  for (size_t i = 0; i < total; i++) {
    const cliq__qgrid *g = &grids[(i / inner) % C];
    y[i] = (int8_t)cliq_quantize_f32(x[i], g->scale, g->zero_point, g->qmin, g->qmax);
  }
  *out = q;
  return CLIQ_STATUS_OK;
}

cliq_status cliq__bias_apply(const cliq__tensor *b, const float *scales, size_t n_scales, cliq__tensor **out) {
  *out = NULL;
  cliq__tensor *q;
  cliq_status st = cliq__tensor_new(CLIQ_DTYPE_INT32, b->rank, b->dims, &q);
  if (st != CLIQ_STATUS_OK) return st;
  size_t n = cliq__tensor_elems(b);
  const float *x = b->data;
  int32_t *y = q->data;
  for (size_t i = 0; i < n; i++) {
    double v = nearbyint((double)x[i] / (double)scales[i % n_scales]);
    y[i] = v != v ? 0 : (int32_t)(v < -2147483648.0 ? -2147483648.0 : (v > 2147483647.0 ? 2147483647.0 : v));
  }
  *out = q;
  return CLIQ_STATUS_OK;
}
