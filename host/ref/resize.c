/*
 * resize.c — Resize's coordinate tables and the nearest-neighbour reference (any element size).
 *
 * The formulas are those of the ONNX Resize spec (opsets 11-19) as its reference implementation
 * (onnx/reference/ops/op_resize.py) evaluates them, in double and in the same order, so ties
 * (x.5 with round_prefer_floor/ceil) fall the same way:
 *   half_pixel            x = (y + 0.5) / scale - 0.5
 *   pytorch_half_pixel    x = out_f == 1 ? -0.5 : (y + 0.5) / scale - 0.5
 *   align_corners         x = out_f == 1 ? 0 : y * (in - 1) / (out_f - 1)
 *   asymmetric            x = y / scale
 *   half_pixel_symmetric  x = in/2 * (1 - out/out_f) + (y + 0.5) / scale - 0.5      (Resize-19)
 *   tf_half_pixel_for_nn  x = (y + 0.5) / scale                                     (Resize-11)
 * where out_f = scale * in (not rounded) and out the integer output length. The two neighbours
 * and the ratio follow _get_neighbor / _interpolate_1d_with_x: ratio = x - floor(x), or 1 when x
 * is an integer (then the neighbours are x-1 and x, and the right one is taken); indices are
 * clamped into the input (edge padding).
 */
#include "ref.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

double cliq__resize_coord(int coord_mode, const cliq__resize_axis *a, int64_t y) {
  double yd = (double)y, in = (double)a->in, out_f = a->scale * (double)a->in;
  switch (coord_mode) {
  case CLIQ_RESIZE_PYTORCH_HALF_PIXEL: return out_f == 1.0 ? -0.5 : (yd + 0.5) / a->scale - 0.5;
  case CLIQ_RESIZE_ALIGN_CORNERS: return out_f == 1.0 ? 0.0 : yd * (in - 1.0) / (out_f - 1.0);
  case CLIQ_RESIZE_ASYMMETRIC: return yd / a->scale;
  case CLIQ_RESIZE_HALF_PIXEL_SYMMETRIC: {
    double adjustment = (double)a->out / out_f;
    double offset = in / 2.0 * (1.0 - adjustment);
    return offset + (yd + 0.5) / a->scale - 0.5;
  }
  case CLIQ_RESIZE_TF_HALF_PIXEL_FOR_NN: return (yd + 0.5) / a->scale;
  default: return (yd + 0.5) / a->scale - 0.5; /* half_pixel */
  }
}

/* Left and right neighbours of x and the ratio (weight of the right one), unclamped. */
static void neighbours(double x, int64_t *left, double *ratio) {
  double fl = floor(x);
  *ratio = x == fl ? 1.0 : x - fl;
  /* _get_neighbor pads by 1 and looks at x + 1: an integer there starts the pair one lower */
  double xp = x + 1.0, p = floor(xp);
  *left = (int64_t)p + (xp == p ? -1 : 0) - 1;
}

static int64_t clamp_idx(int64_t i, int64_t n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

size_t cliq__resize_nearest_table(int coord_mode, int nearest_mode, const cliq__resize_axis *a, int64_t *idx) {
  size_t outside = 0;
  for (int64_t y = 0; y < a->out; y++) {
    if (a->identity) {
      idx[y] = y;
      continue;
    }
    int64_t left;
    double ratio;
    neighbours(cliq__resize_coord(coord_mode, a, y), &left, &ratio);
    bool right;
    if (ratio == 1.0) /* _nearest_coeffs: an integer ratio takes the right neighbour */
      right = true;
    else if (nearest_mode == CLIQ_RESIZE_ROUND_PREFER_CEIL)
      right = ratio >= 0.5;
    else if (nearest_mode == CLIQ_RESIZE_FLOOR)
      right = false;
    else if (nearest_mode == CLIQ_RESIZE_CEIL)
      right = true;
    else /* round_prefer_floor */
      right = ratio > 0.5;
    int64_t i = left + (right ? 1 : 0);
    if (i < 0 || i >= a->in) outside++;
    idx[y] = clamp_idx(i, a->in);
  }
  return outside;
}

void cliq__resize_linear_table(int coord_mode, int exclude_outside, const cliq__resize_axis *a, int64_t *i0, int64_t *i1,
                               float *w1) {
  for (int64_t y = 0; y < a->out; y++) {
    if (a->identity) {
      i0[y] = i1[y] = y;
      w1[y] = 0.0f;
      continue;
    }
    int64_t left;
    double ratio;
    neighbours(cliq__resize_coord(coord_mode, a, y), &left, &ratio);
    bool out0 = left < 0 || left >= a->in, out1 = left + 1 < 0 || left + 1 >= a->in;
    if (exclude_outside && out0 != out1) ratio = out0 ? 1.0 : 0.0;
    i0[y] = clamp_idx(left, a->in);
    i1[y] = clamp_idx(left + 1, a->in);
    w1[y] = (float)ratio;
  }
}

void cliq__ref_resize_nearest(size_t elem_size, int rank, const int64_t *in_dims, const int64_t *out_dims,
                              const int64_t *const *tab, const void *src, void *dst) {
  size_t total = 1;
  for (int k = 0; k < rank; k++) total *= (size_t)out_dims[k];
  if (total == 0) return;
  int64_t stride[CLIQ__STRIDED_MAX_RANK], st = 1;
  for (int k = rank - 1; k >= 0; k--) {
    stride[k] = st;
    st *= in_dims[k];
  }
  int64_t c[CLIQ__STRIDED_MAX_RANK] = {0};
  const char *s = src;
  char *d = dst;
  for (size_t i = 0; i < total; i++) {
    int64_t off = 0;
    for (int k = 0; k < rank; k++) off += tab[k][c[k]] * stride[k];
    memcpy(d + i * elem_size, s + (size_t)off * elem_size, elem_size);
    for (int k = rank - 1; k >= 0; k--) {
      if (++c[k] < out_dims[k]) break;
      c[k] = 0;
    }
  }
}
