/*
 * gather.c — C reference of Gather (ONNX Gather: out[o][j][i] = data[o][indices[j]][i]),
 * element-size generic; the glue (host/ops/gather.c) normalises and checks the indices.
 */
#include "ref.h"

#include <string.h>

void cliq__ref_gather(size_t elem_size, size_t outer, size_t axis_dim, size_t inner, const int64_t *idx, size_t n_idx,
                      const void *data, void *out) {
  const char *src = data;
  char *dst = out;
  size_t run = inner * elem_size;
  for (size_t o = 0; o < outer; o++)
    for (size_t j = 0; j < n_idx; j++) {
      memcpy(dst, src + (o * axis_dim + (size_t)idx[j]) * run, run);
      dst += run;
    }
}
