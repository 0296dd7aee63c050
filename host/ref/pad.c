/*
 * pad.c — C reference of Pad (modes constant, edge, reflect, wrap; negative pads crop), element
 * size generic. The per-axis index rule is cliq_pad_src() of cl_kernels/pad_index.h, the same
 * code the kernel runs.
 */
#include "ref.h"

#include "pad_index.h"

#include <stdbool.h>
#include <string.h>

void cliq__ref_pad(size_t elem_size, const cliq__pad_geom *g, const void *value, const void *src, void *dst) {
  int r = g->rank;
  size_t total = 1;
  for (int k = 0; k < r; k++) total *= (size_t)g->out_dims[k];
  if (total == 0) return;
  int64_t in_stride[8];
  int64_t st = 1;
  for (int k = r - 1; k >= 0; k--) {
    in_stride[k] = st;
    st *= g->in_dims[k];
  }
  int64_t c[8] = {0};
  const char *s = src;
  char *d = dst;
  for (size_t i = 0; i < total; i++) {
    int64_t off = 0;
    bool inside = true;
    for (int k = 0; k < r && inside; k++) {
      int64_t x = cliq_pad_src(c[k], g->begin[k], g->start[k], g->len[k], g->mode);
      if (x < 0)
        inside = false;
      else
        off += x * in_stride[k];
    }
    memcpy(d + i * elem_size, inside ? s + (size_t)off * elem_size : (const char *)value, elem_size);
    for (int k = r - 1; k >= 0; k--) {
      if (++c[k] < g->out_dims[k]) break;
      c[k] = 0;
    }
  }
}
