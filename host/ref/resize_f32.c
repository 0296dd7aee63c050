/*
 * resize_f32.c — C reference of Resize mode "linear" (N-d, float), from the tables of resize.c.
 * Evaluation order is fixed (nested lerps, first resized axis innermost, each w0*a + w1*b with
 * w0 = 1 - w1 in float) and the kernel (cl_kernels/resize.cl) uses the same order.
 */
#include "ref.h"

void cliq__ref_resize_linear_f32(int rank, const int64_t *in_dims, const int64_t *out_dims, const int *identity,
                                 const int64_t *const *i0, const int64_t *const *i1, const float *const *w1,
                                 const float *src, float *dst) {
  size_t total = 1;
  for (int k = 0; k < rank; k++) total *= (size_t)out_dims[k];
  if (total == 0) return;
  int64_t stride[8], st = 1;
  int axes[8], n_axes = 0;
  for (int k = rank - 1; k >= 0; k--) {
    stride[k] = st;
    st *= in_dims[k];
  }
  for (int k = 0; k < rank; k++)
    if (!identity[k]) axes[n_axes++] = k;
  int64_t c[8] = {0};
  float v[256];
  for (size_t i = 0; i < total; i++) {
    int64_t base = 0;
    for (int k = 0; k < rank; k++)
      if (identity[k]) base += c[k] * stride[k];
    int corners = 1 << n_axes;
    for (int m = 0; m < corners; m++) {
      int64_t off = base;
      for (int j = 0; j < n_axes; j++) {
        int k = axes[j];
        off += ((m >> j) & 1 ? i1[k][c[k]] : i0[k][c[k]]) * stride[k];
      }
      v[m] = src[off];
    }
    for (int j = 0; j < n_axes; j++) {
      float b1 = w1[axes[j]][c[axes[j]]], b0 = 1.0f - b1;
      for (int m = 0; m < corners; m += 2 << j) v[m] = b0 * v[m] + b1 * v[m + (1 << j)];
    }
    dst[i] = v[0];
    for (int k = rank - 1; k >= 0; k--) {
      if (++c[k] < out_dims[k]) break;
      c[k] = 0;
    }
  }
}
