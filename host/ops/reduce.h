/*
 * reduce.h — planning a reduction (reduce.c), shared by the Reduce* ops and by GlobalAveragePool /
 * GlobalMaxPool (pool.c), which are reductions over the spatial dims.
 */
#ifndef CLIQ_OPS_REDUCE_H
#define CLIQ_OPS_REDUCE_H

#include "../ref/ref.h"
#include "op.h"

/* One launch of cl_kernels/reduce_f32.cl reducing value x into value y as r describes; op is a
 * CLIQ_RED_* (reduce_op.h). float32 for every op; int8/uint8 for Max/Min. */
cliq_status cliq__plan_reduce(struct cliq__planner *p, const cliq__opctx *oc, int op, cliq_dtype dtype,
                              const cliq__reduce_params *r, int x, int y);

#endif /* CLIQ_OPS_REDUCE_H */
