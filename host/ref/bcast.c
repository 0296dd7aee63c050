/*
 * bcast.c — collapsing a broadcast to its simplest loop nest (see bcast.h).
 */
#include "bcast.h"

#include <string.h>

bool cliq__bcast_make(int out_rank, const int64_t *out_dims, int n_in, const int *ranks, const int64_t *const *dims,
                      cliq__bcast *bc) {
  if (out_rank < 0 || out_rank > CLIQ_MAX_RANK || n_in < 1 || n_in > CLIQ__BCAST_MAX_IN) return false;
  memset(bc, 0, sizeof *bc);
  int64_t d[CLIQ_MAX_RANK], s[CLIQ__BCAST_MAX_IN][CLIQ_MAX_RANK];
  for (int k = 0; k < n_in; k++) {
    if (ranks[k] > out_rank) return false;
    int64_t run = 1;
    for (int i = out_rank - 1; i >= 0; i--) {
      int j = i - (out_rank - ranks[k]);
      int64_t dk = j >= 0 ? dims[k][j] : 1;
      if (dk != out_dims[i] && dk != 1) return false;
      s[k][i] = dk == 1 ? 0 : run;
      run *= dk;
    }
  }
  /* drop size-1 dims, then merge a dim into its inner neighbour where every operand is contiguous */
  int r = 0;
  int64_t elems = 1;
  for (int i = 0; i < out_rank; i++) {
    elems *= out_dims[i];
    if (out_dims[i] == 1) continue;
    if (r > 0) {
      bool merge = true;
      for (int k = 0; k < n_in; k++)
        if (bc->stride[k][r - 1] != s[k][i] * out_dims[i]) merge = false;
      if (merge) {
        d[r - 1] *= out_dims[i];
        for (int k = 0; k < n_in; k++) bc->stride[k][r - 1] = s[k][i];
        continue;
      }
    }
    d[r] = out_dims[i];
    for (int k = 0; k < n_in; k++) bc->stride[k][r] = s[k][i];
    r++;
  }
  if (r == 0) { /* every dim is 1 (or rank 0): one element */
    d[0] = 1;
    for (int k = 0; k < n_in; k++) bc->stride[k][0] = 0;
    r = 1;
  }
  bc->rank = r;
  memcpy(bc->dims, d, sizeof(int64_t) * (size_t)r);
  bc->elems = elems;
  return true;
}
