/*
 * bcast.h — multidirectional (numpy) broadcasting reduced to its simplest equivalent loop nest.
 *
 * Operands broadcast to an output shape are described by per-dim element strides (0 where an
 * operand repeats). Dims of size 1 are dropped and neighbouring dims are merged wherever every
 * operand is contiguous across them, so the common cases become short: same shape -> [n] with
 * strides (1,1); scalar -> [n] with (1,0); NCHW + (1,C,1,1) -> [N,C,HW] with b strides (0,1,0).
 * The innermost stride of each operand is then 0 or 1. The C reference (binary_f32.c) and the
 * device plan (ops/binary.c) walk the same description: innermost dim as a contiguous run, the
 * next dim by a loop or a work-item index, the rest as "outer" dims.
 */
#ifndef CLIQ_BCAST_H
#define CLIQ_BCAST_H

#include "cliq.h"

#include <stdbool.h>
#include <stdint.h>

#define CLIQ__BCAST_MAX_IN 2

typedef struct cliq__bcast {
  int rank;                                           /* >= 1; dims[rank-1] is innermost */
  int64_t dims[CLIQ_MAX_RANK];
  int64_t stride[CLIQ__BCAST_MAX_IN][CLIQ_MAX_RANK];  /* in elements; 0 = broadcast */
  int64_t elems;                                      /* product of dims */
} cliq__bcast;

/* Describes operands (ranks[k], dims[k]) broadcast to (out_rank, out_dims). Each operand must be
 * unidirectionally broadcastable to the output (callers have checked). false if not. */
bool cliq__bcast_make(int out_rank, const int64_t *out_dims, int n_in, const int *ranks, const int64_t *const *dims,
                      cliq__bcast *bc);

#endif /* CLIQ_BCAST_H */
