/*
 * strided_copy.c — C reference of the N-d strided box copy (cliq__strided in ref.h) that Concat,
 * Split, Slice, Transpose, Expand and Tile reduce to, and the simplification the kernel launch
 * uses too (cl_kernels/strided_copy.cl).
 */
#include "ref.h"

#include <string.h>

void cliq__strided_simplify(cliq__strided *s) {
  int r = 0;
  for (int k = 0; k < s->rank; k++) {
    if (s->dims[k] == 0) { /* empty box: nothing to copy */
      s->rank = 1;
      s->dims[0] = 0;
      s->src_stride[0] = s->dst_stride[0] = 1;
      return;
    }
    if (s->dims[k] == 1) continue;
    s->dims[r] = s->dims[k];
    s->src_stride[r] = s->src_stride[k];
    s->dst_stride[r] = s->dst_stride[k];
    r++;
  }
  /* merge dim k-1 into k when stepping k-1 once equals stepping k over its whole length */
  int m = 0;
  for (int k = 0; k < r; k++) {
    if (m > 0 && s->src_stride[m - 1] == s->src_stride[k] * s->dims[k] &&
        s->dst_stride[m - 1] == s->dst_stride[k] * s->dims[k]) {
      s->dims[m - 1] *= s->dims[k];
      s->src_stride[m - 1] = s->src_stride[k];
      s->dst_stride[m - 1] = s->dst_stride[k];
      continue;
    }
    s->dims[m] = s->dims[k];
    s->src_stride[m] = s->src_stride[k];
    s->dst_stride[m] = s->dst_stride[k];
    m++;
  }
  if (m == 0) {
    s->dims[0] = 1;
    s->src_stride[0] = s->dst_stride[0] = 1;
    m = 1;
  }
  s->rank = m;
}

#define COPY_LOOP(T)                                                                            \
  do {                                                                                          \
    const T *sp = src;                                                                          \
    T *dp = dst;                                                                                \
    for (;;) {                                                                                  \
      for (int64_t i = 0; i < inner; i++) dp[d + i * dsi] = sp[s0 + i * ssi];                   \
      int k = r - 2;                                                                            \
      for (; k >= 0; k--) {                                                                     \
        c[k]++;                                                                                 \
        s0 += s->src_stride[k];                                                                 \
        d += s->dst_stride[k];                                                                  \
        if (c[k] < s->dims[k]) break;                                                           \
        s0 -= s->src_stride[k] * s->dims[k];                                                    \
        d -= s->dst_stride[k] * s->dims[k];                                                     \
        c[k] = 0;                                                                               \
      }                                                                                         \
      if (k < 0) break;                                                                         \
    }                                                                                           \
  } while (0)

void cliq__ref_strided_copy(size_t elem_size, const cliq__strided *s, const void *src, void *dst) {
  int r = s->rank;
  if (r <= 0) { /* a scalar */
    memcpy((char *)dst + s->dst_off * (int64_t)elem_size, (const char *)src + s->src_off * (int64_t)elem_size, elem_size);
    return;
  }
  for (int k = 0; k < r; k++)
    if (s->dims[k] == 0) return;
  int64_t c[CLIQ__STRIDED_MAX_RANK] = {0};
  int64_t inner = s->dims[r - 1], ssi = s->src_stride[r - 1], dsi = s->dst_stride[r - 1];
  int64_t s0 = s->src_off, d = s->dst_off;
  switch (elem_size) {
  case 1: COPY_LOOP(uint8_t); break;
  case 2: COPY_LOOP(uint16_t); break;
  case 4: COPY_LOOP(uint32_t); break;
  case 8: COPY_LOOP(uint64_t); break;
  default: break;
  }
}
